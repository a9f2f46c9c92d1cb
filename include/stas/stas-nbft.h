/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-nbft: the ACPI NBFT (NVMe-oF Boot Firmware Table, NVM Express Boot
 * Specification 1.0/1.1) parser and the controllers derived from it
 * (REFERENCE 5.14, Q13).
 *
 * the table is untrusted: every offset, length and count is bounds checked
 * against the buffer, the table length and the heap.  a table whose header,
 * control or host descriptor is broken is rejected with a GError naming the
 * check and the byte offset; a broken HFI, security, discovery or SSNS
 * descriptor is dropped and named in nbft->diagnostics.  the parser never
 * logs.
 *
 * a StasNbft is immutable and refcounted; it may be shared between threads.
 * Index fields are the 1-based Index values stored in the descriptors, not
 * list positions.  heap strings are the bytes of the heap object up to its
 * first NUL (the length may or may not count the NUL); they are not
 * guaranteed to be UTF-8.
 */
#pragma once

#include <arpa/inet.h>
#include <glib.h>

#include "stas/stas-iface-table.h"

G_BEGIN_DECLS

#define STAS_NBFT_DEFAULT_DIR "/sys/firmware/acpi/tables"

/* 2-bit policy fields are decoded to these small numbers */
typedef enum {
	STAS_NBFT_PRIMARY_ADMIN_NOT_INDICATED = 0,
	STAS_NBFT_PRIMARY_ADMIN_UNSELECTED = 1,
	STAS_NBFT_PRIMARY_ADMIN_SELECTED = 2,
	STAS_NBFT_PRIMARY_ADMIN_RESERVED = 3,
} StasNbftPrimaryAdmin;

typedef enum {
	STAS_NBFT_NS_NOT_INDICATED = 0,
	STAS_NBFT_NS_AVAILABLE = 1,
	STAS_NBFT_NS_UNAVAILABLE = 2,
	STAS_NBFT_NS_RESERVED = 3,
} StasNbftNsAvailability;

/* in-band authentication and secure channel negotiation */
typedef enum {
	STAS_NBFT_SEC_NOT_SUPPORTED = 0,
	STAS_NBFT_SEC_NOT_REQUIRED = 1,
	STAS_NBFT_SEC_REQUIRED = 2,
	STAS_NBFT_SEC_RESERVED = 3,
} StasNbftSecRequirement;

/* authentication and security policy lists */
typedef enum {
	STAS_NBFT_POLICY_NOT_SUPPORTED = 0,
	STAS_NBFT_POLICY_DRIVER = 1,
	STAS_NBFT_POLICY_ADMIN = 2,
	STAS_NBFT_POLICY_RESERVED = 3,
} StasNbftPolicyList;

typedef enum {
	STAS_NBFT_NID_NONE = 0,
	STAS_NBFT_NID_EUI64 = 1,
	STAS_NBFT_NID_NGUID = 2,
	STAS_NBFT_NID_UUID = 3,
} StasNbftNidType;

/* raw flag bits, for callers that want more than the decoded booleans */
#define STAS_NBFT_SSNS_FLAG_VALID	       0x0001
#define STAS_NBFT_SSNS_FLAG_NON_BOOTABLE       0x0002
#define STAS_NBFT_SSNS_FLAG_USE_SECURITY       0x0004
#define STAS_NBFT_SSNS_FLAG_DHCP_ROOT_PATH     0x0008
#define STAS_NBFT_SSNS_FLAG_EXT_INFO	       0x0010
#define STAS_NBFT_SSNS_FLAG_SEPARATE_DISCOVERY 0x0020
#define STAS_NBFT_SSNS_FLAG_DISCOVERED	       0x0040

typedef struct {
	char signature[5];
	guint32 length;
	guint8 major_revision;
	guint8 minor_revision;
	char oem_id[7];	      /* fixed width, space padded, may hold NULs */
	char oem_table_id[9]; /* same */
	guint32 oem_revision;
	char creator_id[5];
	guint32 creator_revision;
	guint32 heap_offset;
	guint32 heap_length;
	guint32 driver_dev_path_sig_offset;
	guint16 driver_dev_path_sig_length;
	char *driver_dev_path_sig; /* NULL when absent */
	/* descriptor counts as stored in the control descriptor */
	guint8 num_hfi;
	guint8 num_ssns;
	guint8 num_sec;
	guint8 num_disc;
} StasNbftHeader;

typedef struct {
	char *nqn;
	guint8 id[16]; /* in table order, no byte swapping */
	guint8 flags;
	gboolean id_configured;
	gboolean nqn_configured;
	StasNbftPrimaryAdmin primary_admin;
} StasNbftHost;

/* addresses are printed like inet_ntop: IPv4-mapped ones as dotted quads */
typedef struct {
	guint index;
	const char *trtype; /* "tcp" */
	guint8 tcp_flags;
	gboolean global_route;
	gboolean dhcp_override;
	guint8 trinfo_version;
	guint32 pci_sbdf;
	guint8 pcie_seg_num; /* transport info version 2 and later, else 0 */
	char pci_addr[16];   /* "0000:40:00.0" */
	char mac[18];	     /* "b0:26:28:e8:7c:0e" */
	guint16 vlan;
	guint8 ip_origin; /* opaque: firmware writes non-standard values */
	char ip[INET6_ADDRSTRLEN];
	guint8 prefix;
	char gateway[INET6_ADDRSTRLEN];
	guint16 route_metric;
	char primary_dns[INET6_ADDRSTRLEN];
	char secondary_dns[INET6_ADDRSTRLEN];
	char dhcp_server[INET6_ADDRSTRLEN]; /* "" unless dhcp_override */
	char *host_name;		    /* NULL when absent */
	guint32 dhcp_iaid;		    /* HFI extended info (rev 1.1), else 0 */
	GBytes *dhcp_duid;		    /* never NULL, empty when absent */
} StasNbftHfi;

typedef struct {
	guint index;
	guint16 flags;
	guint8 secret_type;
	StasNbftSecRequirement in_band_auth;
	StasNbftPolicyList auth_policy_list;
	StasNbftSecRequirement sec_chan_neg;
	StasNbftPolicyList sec_policy_list;
	gboolean cipher_restricted;
	gboolean kx_groups_restricted;
	gboolean sec_hash_func_policy_list;
	/* raw heap bytes, only read when the flags enable them; never NULL */
	GBytes *sec_chan_algs;
	GBytes *auth_protocols;
	GBytes *cipher_suites;
	GBytes *kx_groups;
	GBytes *sec_hash_funcs;
	char *secret_keypath; /* NULL when absent */
} StasNbftSecurity;

typedef struct {
	guint index;
	guint8 flags;
	char *uri;
	char *nqn; /* NULL: the well-known discovery NQN */
	guint hfi_index;
	guint sec_index; /* 0: none */
} StasNbftDiscovery;

typedef struct {
	guint index;
	guint16 flags;
	const char *trtype; /* "tcp" */
	guint16 trflags;
	gboolean hdr_digest;
	gboolean data_digest;
	char traddr[INET6_ADDRSTRLEN];
	char *trsvcid;
	char *subsys_nqn;
	guint16 subsys_port_id;
	guint32 nsid;
	StasNbftNidType nid_type;
	guint8 nid[16];
	/* primary HFI first, then the secondary list without duplicates,
	 * the primary or indexes that match no HFI */
	guint8 *hfi_indexes;
	guint n_hfi_indexes;
	GBytes *secondary_hfi_raw; /* the heap list as stored; never NULL */
	guint discovery_index;	   /* 0: none or not found */
	guint security_index;	   /* 0: none */
	gboolean discovered;
	gboolean non_bootable;
	gboolean dhcp_root_path_override;
	StasNbftNsAvailability availability;
	/* from the SSNS extended info descriptor; 0/NULL without one */
	gboolean ext_info;
	guint16 controller_id;
	guint16 asqsz; /* only when administratively set */
	char *dhcp_root_path;
	guint8 naed; /* rev 1.1 (24-byte extended info) */
	guint8 cipeec;
	guint16 cto;
	guint8 nceec;
} StasNbftSsns;

typedef struct _StasNbft StasNbft;

struct _StasNbft {
	/* read-only */
	char *source; /* file path, or the name given to stas_nbft_parse() */
	StasNbftHeader header;
	StasNbftHost host;
	GPtrArray *hfi;		/* StasNbftHfi*, table order */
	GPtrArray *security;	/* StasNbftSecurity* */
	GPtrArray *discovery;	/* StasNbftDiscovery* */
	GPtrArray *ssns;	/* StasNbftSsns* */
	GPtrArray *diagnostics; /* char*: descriptors dropped and why, with byte offsets */
	/*< private >*/
	gint ref;
};

/*
 * parse a table from memory.  source names the table in messages (a path,
 * or e.g. "<buffer>").  NULL + STAS_ERROR_INVALID when the table is rejected.
 */
StasNbft *stas_nbft_parse(const guint8 *data, gsize len, const char *source, GError **error);

/* read and parse one file */
StasNbft *stas_nbft_parse_file(const char *path, GError **error);

/*
 * the NBFT* files of dir (NULL: STAS_NBFT_DEFAULT_DIR), sorted by name.
 * an empty vector when the directory is missing or holds none.
 */
char **stas_nbft_list_files(const char *dir);

StasNbft *stas_nbft_ref(StasNbft *nbft);
void stas_nbft_unref(StasNbft *nbft);

/* descriptor by its Index field, or NULL */
const StasNbftHfi *stas_nbft_find_hfi(const StasNbft *nbft, guint index);
const StasNbftSecurity *stas_nbft_find_security(const StasNbft *nbft, guint index);
const StasNbftDiscovery *stas_nbft_find_discovery(const StasNbft *nbft, guint index);

/* "uuid" 8-4-4-4-12, "nguid" 32 hex, "eui64" 16 hex; NULL for none/unknown */
char *stas_nbft_nid_to_string(StasNbftNidType type, const guint8 nid[16]);

/* names used by dumps and tests */
const char *stas_nbft_nid_type_name(StasNbftNidType type); /* "none" "eui64" "nguid" "uuid" */
const char *stas_nbft_primary_admin_name(StasNbftPrimaryAdmin v); /* "not-indicated" ... */
const char *stas_nbft_availability_name(StasNbftNsAvailability v);
const char *stas_nbft_sec_requirement_name(StasNbftSecRequirement v);
const char *stas_nbft_policy_list_name(StasNbftPolicyList v);
/* Win32 NL_PREFIX_ORIGIN names; "non-standard" for anything else */
const char *stas_nbft_ip_origin_name(guint8 origin);

/*
 * split a discovery URI "nvme+<transport>://<host>[:<port>]/..." into
 * transport (tcp or rdma), traddr (brackets removed, lower-cased, must be an
 * IP literal) and trsvcid (the port, or 8009 for tcp / 4420 for rdma when
 * absent: Q13).  out strings are newly allocated.
 */
gboolean stas_nbft_parse_uri(const char *uri, char **transport, char **traddr, char **trsvcid,
			     GError **error);

/*
 * candidates: GPtrArray of GHashTable (char* -> char*), ready for
 * stas_tid_new_from_map().  ifaces (may be NULL) maps the HFI MAC to
 * host-iface.  entries that fail validation are left out, with one line
 * each appended to diagnostics (may be NULL; elements are g_free'd strings).
 *
 * DCs (stafd), one per discovery descriptor: transport, traddr, trsvcid,
 * subsysnqn (the well-known NQN if absent), host-nqn if the host NQN is
 * configured, host-iface if a link has the HFI's MAC.
 */
GPtrArray *stas_nbft_dc_candidates(const StasNbft *nbft, const StasIfaceTable *ifaces,
				   GPtrArray *diagnostics);

/*
 * IOCs (stacd), one per SSNS descriptor, unavailable ones included (the
 * availability flag is a point-in-time hint): transport, traddr, trsvcid,
 * subsysnqn, hdr-digest and data-digest ("true"/"false"), host-nqn if
 * configured, host-iface from the primary HFI's MAC.
 */
GPtrArray *stas_nbft_ioc_candidates(const StasNbft *nbft, const StasIfaceTable *ifaces,
				    GPtrArray *diagnostics);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasNbft, stas_nbft_unref)

G_END_DECLS
