/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-nvme: the one seam to the kernel's NVMe-oF host (SPEC section 2).
 *
 * every libnvme call, every /dev/nvme-fabrics access, every NVMe admin
 * command and every read of /sys/class/nvme goes through this header;
 * nothing else includes libnvme.h.  it has two parts:
 *
 * - kernel operations, implemented by stas-nvme.c over libnvme 1.3, or by a
 *   fake kernel linked into test builds in its place: connect, attach,
 *   disconnect, DIM, log pages, sysfs, /dev/nvme-fabrics.  they BLOCK (a
 *   connect to a dead target holds the kernel's connect mutex for its whole
 *   timeout): call them from a worker thread (stas-worker.h), never from a
 *   main loop.  they are reentrant: each call builds and frees its own libnvme
 *   root (libnvme is not thread-safe) and shares nothing with other calls, so
 *   any number of threads may call them at once.  they never log; failures
 *   come back as STAS_ERROR errors.
 * - pure helpers, implemented by stas-nvme-common.c and shared by every
 *   implementation: connect option building and validation, the discovery log
 *   read algorithm, sysfs value parsing.  no I/O, thread-safe.
 *
 * secrets: the connect option string holds DH-HMAC-CHAP secrets; it is never
 * put in an error message, and neither is any secret value (B3).
 */
#pragma once

#include <glib.h>

#include "stas/stas-nvme-options.h"

G_BEGIN_DECLS

/* stas-udev.h's monitor object, named here so this header stays free of GObject */
typedef struct _StasUdev StasUdev;

/* ------------------------------------------------------------------------ */
/* connect parameters                                                        */

/* an int parameter that is not given: the kernel default applies */
#define STAS_NVME_UNSET G_MININT

#define STAS_NVME_SYSFS_ROOT   "/sys"
#define STAS_NVME_FABRICS_PATH "/dev/nvme-fabrics"

/* the kernel refuses a connect string longer than a page */
#define STAS_NVME_CONNECT_MAX 4096

/*
 * everything a connect needs.  owned strings (g_free'd by _free); NULL or ""
 * means "not given".  immutable once handed to a worker thread.
 */
typedef struct {
	/* the controller */
	char *transport; /* tcp, rdma, fc, loop */
	char *traddr;
	char *trsvcid;
	char *subsysnqn;
	char *host_traddr;
	char *host_iface;
	gboolean discovery; /* a discovery controller (DC), else an I/O controller */

	/* the host identity of this connection (SPEC Q9: not the default host) */
	char *host_nqn;
	char *host_id;
	char *host_symname; /* not a fabrics option: for stas_nvme_dim_register() */
	char *host_key;	    /* host-wide DH-HMAC-CHAP secret (sys.conf [Host] key) */

	/* per controller secrets; dhchap_secret wins over host_key */
	char *dhchap_secret;
	char *dhchap_ctrl_secret;

	/* tuning; STAS_NVME_UNSET (and, like libnvme, 0 or less) = kernel default */
	int kato;
	int queue_size; /* 16..1024; really reaches the kernel (SPEC Q7) */
	int nr_io_queues;
	int nr_write_queues;
	int nr_poll_queues;
	int reconnect_delay;
	int ctrl_loss_tmo; /* here -1 is meaningful: reconnect forever */

	/* flags; FALSE = not passed (the kernel default is off) */
	gboolean hdr_digest;
	gboolean data_digest;
	gboolean disable_sqflow;
} StasNvmeConnectParams;

/* all ints STAS_NVME_UNSET, all strings NULL, all flags FALSE */
StasNvmeConnectParams *stas_nvme_connect_params_new(void);
StasNvmeConnectParams *stas_nvme_connect_params_copy(const StasNvmeConnectParams *p);
void stas_nvme_connect_params_free(StasNvmeConnectParams *p);

/*
 * the option string written to /dev/nvme-fabrics for p, in libnvme's order:
 * "nqn=<subsysnqn>,transport=tcp,traddr=...,trsvcid=...,hostnqn=...,...".
 *
 * kernel: what the running kernel supports (stas-nvme-options.h).  when its
 * option list is known, an option it does not list is left out; when only
 * the kernel version is known, the four capabilities (discovery, host_iface,
 * dhchap_secret, dhchap_ctrl_secret) follow the version and the other
 * options, which every supported kernel has, go out; kernel NULL (nothing
 * known) leaves the four capabilities out.  options the transport does not take are
 * left out too (host_iface and the digests are tcp only, trsvcid tcp/rdma
 * only, ...), and a DC gets no secrets and no queue options (as libnvme 1.3).
 * each option left out although it was given is named in *dropped (optional)
 * as "option: reason".
 *
 * every value that would go out is checked as a last line of defence (SPEC
 * section 5, stas-validate.h): no ',', whitespace or non-printable byte, '='
 * only in secrets, IP literals for tcp/rdma addresses, a port number for
 * trsvcid, a UUID for the host ID, NQNs, a host NQN (the kernel would invent
 * one), queue_size in 16..1024.  any failure is an error (STAS_ERROR_INVALID),
 * nothing is connected.
 */
char *stas_nvme_connect_options_build(const StasNvmeConnectParams *p, const StasNvmeOptions *kernel,
				      GPtrArray **dropped, GError **error);

/* the instance number in the kernel's reply to a connect ("instance=3,cntlid=1") */
gboolean stas_nvme_connect_reply_parse(const char *reply, int *instance, GError **error);

/* "nvme<N>" with N a decimal number: the only device names the seam accepts */
gboolean stas_nvme_device_name_is_valid(const char *device);

/* ------------------------------------------------------------------------ */
/* discovery log read (SPEC B1)                                              */

#define STAS_NVME_LOG_LID_DISCOVERY 0x70
#define STAS_NVME_DLP_LSP_PLEO	    0x2 /* port local entries only */
#define STAS_NVME_DLP_HEADER_SIZE   1024
#define STAS_NVME_DLP_ENTRY_SIZE    1024
#define STAS_NVME_DLP_CHUNK_SIZE    4096
#define STAS_NVME_DLP_MAX_RECORDS   4096
#define STAS_NVME_DLP_MAX_RETRIES   6

/*
 * one Get Log Page command for the discovery log: fill buf with len bytes of
 * the log at offset, with the given RAE bit and LSP.  returns the number of
 * bytes filled (anything but len is a failure) or -1 with error set.
 */
typedef gssize (*StasNvmeLogChunkFunc)(gpointer user_data, guint64 offset, guint32 len,
				       gboolean rae, guint8 lsp, guint8 *buf, GError **error);

typedef struct {
	guint max_records; /* a larger numrec is refused; 0: STAS_NVME_DLP_MAX_RECORDS */
	guint max_retries; /* reads while genctr keeps changing; 0: STAS_NVME_DLP_MAX_RETRIES */
	guint chunk_size;  /* bytes per command, multiple of 4; 0: STAS_NVME_DLP_CHUNK_SIZE */
} StasNvmeDlpLimits;

/*
 * the discovery log read algorithm, over a command callback: header (RAE=1),
 * the entries in chunks (RAE=1), the header again with RAE=0, which is the
 * last command of every read so the controller sends the next discovery
 * change AEN.  when genctr or numrec differ between the two headers the log
 * changed while being read: start again, at most max_retries times
 * (STAS_ERROR_BUSY after that).  a numrec above max_records is refused
 * (STAS_ERROR_INVALID) after a RAE=0 header read.  returns header + numrec
 * entries, raw, for stas-dlpe to parse.  limits may be NULL.
 */
GBytes *stas_nvme_dlp_read(StasNvmeLogChunkFunc get_chunk, gpointer user_data, guint8 lsp,
			   const StasNvmeDlpLimits *limits, GError **error);

/* ------------------------------------------------------------------------ */
/* sysfs                                                                     */

/*
 * the sysfs attributes of one controller (/sys/class/nvme/<device>/...) and
 * what its "address" attribute holds.  every string is non-NULL; missing
 * attributes and the kernel's "none" / "(efault)" read as ""; bytes that are
 * not printable ASCII read as '?'.
 */
typedef struct {
	char *device; /* "nvme3" */
	char *transport;
	char *subsysnqn;
	char *hostnqn;
	char *hostid;
	char *address;
	char *cntrltype; /* io, discovery, admin (kernel >= 5.18) */
	char *dctype;	 /* none, ddc, cdc */
	char *model;
	char *serial;
	char *firmware_rev;
	char *state; /* live, connecting, resetting, deleting, ... */
	char *cntlid;
	char *kato;
	/* from address: "traddr=...,trsvcid=...,host_traddr=...,src_addr=..." */
	char *traddr;
	char *trsvcid;
	char *host_traddr;
	char *host_iface;
	char *src_addr; /* kernel >= 6.1 */
	gboolean has_namespaces;
} StasNvmeCtrlInfo;

void stas_nvme_ctrl_info_free(StasNvmeCtrlInfo *info);

/*
 * a sysfs attribute value as the seam reports it: trailing whitespace cut,
 * "none" (any case) and "(efault)" -> "", non printable-ASCII bytes -> '?'.
 * raw may be NULL (missing attribute: "").
 */
char *stas_nvme_sysfs_value_clean(const char *raw, gsize len);

/* fill info's traddr, trsvcid, host_traddr, host_iface, src_addr from address */
void stas_nvme_ctrl_info_parse_address(StasNvmeCtrlInfo *info, const char *address);

/* a namespace entry of a controller directory: nvme<A>n<B> or nvme<A>c<B>n<C> */
gboolean stas_nvme_sysfs_name_is_namespace(const char *name);

/* ------------------------------------------------------------------------ */
/* kernel operations (stas-nvme.c or a fake kernel).  all block.            */

/*
 * connect a controller: build the options (stas_nvme_connect_options_build),
 * write them to /dev/nvme-fabrics, return the new device name ("nvme3").
 * no topology scan and no libnvme tree: the cost does not grow with the
 * number of controllers (B5).  *dropped as in the builder (optional).
 */
char *stas_nvme_connect(const StasNvmeConnectParams *p, const StasNvmeOptions *kernel,
			GPtrArray **dropped, GError **error);
/* the same through another fabrics device path (tests) */
char *stas_nvme_connect_at(const char *fabrics_path, const StasNvmeConnectParams *p,
			   const StasNvmeOptions *kernel, GPtrArray **dropped, GError **error);

/*
 * attach to an existing kernel controller (libnvme nvme_init_ctrl).  checks
 * first that the device still is the controller p names (transport, traddr,
 * trsvcid, subsysnqn unless p's is the well-known discovery NQN, host NQN when
 * p has one): a name reused after a remove must not be adopted.  a failed
 * attach is a failure (SPEC Q18).  returns the device's sysfs attributes.
 */
StasNvmeCtrlInfo *stas_nvme_attach(const StasNvmeConnectParams *p, const char *device,
				   GError **error);

/* disconnect (delete) a controller; a device that is gone is STAS_ERROR_NOT_FOUND */
gboolean stas_nvme_disconnect(const char *sysfs_root, const char *device, GError **error);

/*
 * explicit registration with a CDC/DDC (TP8010 DIM, task "register") for the
 * host of the connection (its sysfs hostnqn and hostid) and host_symname
 * (may be NULL).  STAS_ERROR_UNSUPPORTED when the DC does not support it
 * (dctype not ddc/cdc); a command failure is STAS_ERROR_FAILED with upstream's
 * text as the message: "Status:0x%04x - <text>" (no response) or
 * "Result:0x%04x, Status:0x%04x - <text>".
 */
gboolean stas_nvme_dim_register(const char *device, const char *host_symname, GError **error);

/*
 * the Supported Log Pages log (LID 0), in host byte order.  a controller that
 * answers with an error status (nvmet's DCs do) gives STAS_ERROR_UNSUPPORTED:
 * upstream counts that as "no PLEO support"; other failures are worth a retry.
 */
#define STAS_NVME_SUPPORTED_LOG_PAGES 256
gboolean stas_nvme_get_supported_log_pages(const char *device,
					   guint32 lid_support[STAS_NVME_SUPPORTED_LOG_PAGES],
					   GError **error);

/*
 * the discovery log of a connected DC, read with stas_nvme_dlp_read (RAE
 * cleared on the last command).  lsp: 0 or STAS_NVME_DLP_LSP_PLEO.
 */
GBytes *stas_nvme_get_discovery_log(const char *device, guint8 lsp, GError **error);

/* sysfs_root: "/sys" (STAS_NVME_SYSFS_ROOT) or a fake tree; NULL = "/sys" */
StasNvmeCtrlInfo *stas_nvme_sysfs_read_ctrl(const char *sysfs_root, const char *device,
					    GError **error);
gboolean stas_nvme_sysfs_has_namespaces(const char *sysfs_root, const char *device,
					gboolean *has_namespaces, GError **error);
/* the nvme<N> devices, in instance order; an absent class directory is an empty list */
GStrv stas_nvme_sysfs_list_devices(const char *sysfs_root, GError **error);

/*
 * the first line of /dev/nvme-fabrics (path; NULL = STAS_NVME_FABRICS_PATH):
 * the options the kernel accepts, "instance=-1,cntlid=-1,transport=%s,...".
 * STAS_ERROR_PERMISSION when not readable (not root), STAS_ERROR_NOT_FOUND
 * when absent (nvme-fabrics not loaded).
 */
char *stas_nvme_read_fabrics_options(const char *path, GError **error);

/*
 * the daemons' uevent source: the libudev monitor (stas_udev_new) over the
 * real kernel, the fake kernel's uevent stream in test builds.  like
 * stas_udev_new it does not block and is called on the thread whose main
 * context dispatches the events (not from a worker).
 */
StasUdev *stas_nvme_udev_new(GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasNvmeConnectParams, stas_nvme_connect_params_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasNvmeCtrlInfo, stas_nvme_ctrl_info_free)

G_END_DECLS
