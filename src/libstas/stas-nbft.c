/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NBFT parser.  layouts from the NVM Express Boot Specification 1.0 and 1.1
 * (all integers little endian, descriptors packed).  acceptance follows
 * current libnvme: a broken header, control or host descriptor rejects the
 * table, a broken list descriptor is dropped.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <string.h>

#include "stas/stas-error.h"
#include "stas/stas-iputil.h"
#include "stas/stas-nbft.h"
#include "stas/stas-tid.h"
#include "stas/stas-validate.h"

/* header: 36-byte ACPI header + heap, driver signature, minor revision */
#define HDR_SIZE	 64
#define HDR_LENGTH	 4
#define HDR_MAJOR	 8
#define HDR_OEM_ID	 10
#define HDR_OEM_TABLE_ID 16
#define HDR_OEM_REVISION 24
#define HDR_CREATOR_ID	 28
#define HDR_CREATOR_REV	 32
#define HDR_HEAP_OFFSET	 36
#define HDR_HEAP_LENGTH	 40
#define HDR_DRIVER_SIG	 44
#define HDR_MINOR	 50

/* control descriptor, at offset 64 */
#define CTL_OFFSET    HDR_SIZE
#define CTL_SIZE      64
#define CTL_FLAGS     6
#define CTL_HDESC     8
#define CTL_HFI_LIST  16 /* u32 offset, u16 stride, u8 version, u8 count */
#define CTL_SSNS_LIST 24
#define CTL_SEC_LIST  32
#define CTL_DISC_LIST 40

#define HOST_SIZE  32
#define HOST_FLAGS 1
#define HOST_ID	   2
#define HOST_NQN   18

#define HFI_SIZE   32
#define HFI_TRINFO 16

#define TRINFO_SIZE	    128
#define TRINFO_VERSION	    1
#define TRINFO_TRINFO_VER   3
#define TRINFO_HFI_INDEX    4
#define TRINFO_FLAGS	    6
#define TRINFO_PCI_SBDF	    7
#define TRINFO_MAC	    11
#define TRINFO_VLAN	    17
#define TRINFO_IP_ORIGIN    19
#define TRINFO_IP	    20
#define TRINFO_PREFIX	    36
#define TRINFO_GATEWAY	    37
#define TRINFO_ROUTE_METRIC 54
#define TRINFO_PRIMARY_DNS  56
#define TRINFO_SECOND_DNS   72
#define TRINFO_DHCP_SERVER  88
#define TRINFO_HOST_NAME    104
#define TRINFO_EXT_INFO	    110 /* version 2 */
#define TRINFO_PCIE_SEG	    116 /* version 2 */

#define HFIEXT_SIZE	20
#define HFIEXT_FLAGS	4
#define HFIEXT_IAID	8
#define HFIEXT_DUID	14
#define HFIEXT_DUID_MAX 130

#define SEC_SIZE	64
#define SEC_FLAGS	2
#define SEC_SECRET_TYPE 4
#define SEC_CHAN_ALGS	6
#define SEC_AUTH_PROTOS 12
#define SEC_CIPHERS	18
#define SEC_KX_GROUPS	24
#define SEC_HASH_FUNCS	30
#define SEC_KEYPATH	36

#define DISC_SIZE 32
#define DISC_URI  6
#define DISC_NQN  12

#define SSNS_SIZE	    128
#define SSNS_INDEX	    1
#define SSNS_FLAGS	    3
#define SSNS_TRTYPE	    5
#define SSNS_TRFLAGS	    6
#define SSNS_DISC_INDEX	    8
#define SSNS_TRADDR	    10
#define SSNS_TRSVCID	    16
#define SSNS_PORT_ID	    22
#define SSNS_NSID	    24
#define SSNS_NIDT	    28
#define SSNS_NID	    29
#define SSNS_SEC_INDEX	    45
#define SSNS_HFI_INDEX	    46
#define SSNS_SECONDARY_HFIS 48
#define SSNS_NQN	    54
#define SSNS_EXT_INFO	    60

#define SSNSEXT_V10_SIZE  18 /* rev 1.0 */
#define SSNSEXT_V11_SIZE  23 /* rev 1.1: naed, cipeec, cto, nceec */
#define SSNSEXT_INDEX	  2
#define SSNSEXT_FLAGS	  4
#define SSNSEXT_CNTLID	  8
#define SSNSEXT_ASQSZ	  10
#define SSNSEXT_ROOT_PATH 12
#define SSNSEXT_NAED	  18
#define SSNSEXT_CIPEEC	  19
#define SSNSEXT_CTO	  20
#define SSNSEXT_NCEEC	  22

/* structure ids */
enum {
	DESC_CONTROL = 1,
	DESC_HOST = 2,
	DESC_HFI = 3,
	DESC_SSNS = 4,
	DESC_SECURITY = 5,
	DESC_DISCOVERY = 6,
	DESC_HFI_TRINFO = 7,
	DESC_SSNS_EXT_INFO = 9,
	DESC_HFI_EXT_INFO = 10,
};

#define TRTYPE_TCP 3

#define MAX_DIAGNOSTICS 256

typedef struct {
	const guint8 *data;
	guint32 len; /* the header's length, <= the buffer */
	guint32 heap_off;
	guint32 heap_len;
	StasNbft *nbft;
} Parser;

typedef struct {
	guint32 off;
	guint16 len;
	guint32 at; /* where the reference itself is stored */
} HeapRef;

typedef enum {
	REF_ABSENT,
	REF_INVALID,
	REF_OK,
} RefState;

static guint16
rd16(const guint8 *p)
{
	return (guint16)(p[0] | (p[1] << 8));
}

static guint32
rd32(const guint8 *p)
{
	return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static gboolean reject(const char *source, guint64 offset, GError **error, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
static void diag(const Parser *p, guint64 offset, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* always FALSE: "<source>: offset <n>: <why>" */
static gboolean
reject(const char *source, guint64 offset, GError **error, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s: offset %" G_GUINT64_FORMAT ": %s",
		    source, offset, msg);
	return FALSE;
}

/* a dropped descriptor: "<source>: offset <n>: <why>"; a hostile table gets a few hundred */
static void
diag(const Parser *p, guint64 offset, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	if (p->nbft->diagnostics->len > MAX_DIAGNOSTICS)
		return;
	if (p->nbft->diagnostics->len == MAX_DIAGNOSTICS) {
		g_ptr_array_add(p->nbft->diagnostics,
				g_strdup_printf("%s: more problems, not listed", p->nbft->source));
		return;
	}
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(p->nbft->diagnostics,
			g_strdup_printf("%s: offset %" G_GUINT64_FORMAT ": %s", p->nbft->source,
					offset, msg));
}

/* ------------------------------------------------------------------ heap */

static HeapRef
ref_at(const Parser *p, guint32 at)
{
	HeapRef r = {
		.off = rd32(p->data + at),
		.len = rd16(p->data + at + 4),
		.at = at,
	};

	return r;
}

/* an object must lie inside the heap; the heap was checked against the table */
static RefState
ref_check(const Parser *p, HeapRef r)
{
	guint64 rel;

	if (r.len == 0)
		return REF_ABSENT;
	if (r.off < p->heap_off)
		return REF_INVALID;
	rel = (guint64)r.off - p->heap_off;
	if (rel > p->heap_len || r.len > p->heap_len - rel)
		return REF_INVALID;
	return REF_OK;
}

/* bytes up to the first NUL: the length may or may not count the NUL */
static RefState
ref_string(const Parser *p, HeapRef r, char **out)
{
	RefState st = ref_check(p, r);

	*out = NULL;
	if (st == REF_OK)
		*out = g_strndup((const char *)p->data + r.off, r.len);
	return st;
}

static RefState
ref_bytes(const Parser *p, HeapRef r, gsize max, GBytes **out)
{
	RefState st = ref_check(p, r);

	if (st == REF_OK) {
		g_bytes_unref(*out);
		*out = g_bytes_new(p->data + r.off, MIN(r.len, max));
	}
	return st;
}

/* ---------------------------------------------------------- formatting */

static const guint8 v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void
format_ip(const guint8 *bytes, char out[INET6_ADDRSTRLEN])
{
	StasIpAddr addr = {.family = AF_INET6};
	g_autofree char *text = NULL;

	if (memcmp(bytes, v4_mapped, sizeof(v4_mapped)) == 0) {
		addr.family = AF_INET;
		memcpy(addr.bytes, bytes + 12, 4);
	} else {
		memcpy(addr.bytes, bytes, 16);
	}
	text = stas_ip_to_string(&addr);
	g_strlcpy(out, text, INET6_ADDRSTRLEN);
}

static void
fixed_string(char *out, const guint8 *bytes, gsize n)
{
	memcpy(out, bytes, n);
	out[n] = '\0';
}

/* ------------------------------------------------------------- freeing */

static void
hfi_free(gpointer data)
{
	StasNbftHfi *hfi = data;

	g_free(hfi->host_name);
	g_bytes_unref(hfi->dhcp_duid);
	g_free(hfi);
}

static void
security_free(gpointer data)
{
	StasNbftSecurity *sec = data;

	g_bytes_unref(sec->sec_chan_algs);
	g_bytes_unref(sec->auth_protocols);
	g_bytes_unref(sec->cipher_suites);
	g_bytes_unref(sec->kx_groups);
	g_bytes_unref(sec->sec_hash_funcs);
	g_free(sec->secret_keypath);
	g_free(sec);
}

static void
discovery_free(gpointer data)
{
	StasNbftDiscovery *disc = data;

	g_free(disc->uri);
	g_free(disc->nqn);
	g_free(disc);
}

static void
ssns_free(gpointer data)
{
	StasNbftSsns *ssns = data;

	g_free(ssns->trsvcid);
	g_free(ssns->subsys_nqn);
	g_free(ssns->hfi_indexes);
	g_bytes_unref(ssns->secondary_hfi_raw);
	g_free(ssns->dhcp_root_path);
	g_free(ssns);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasNbftHfi, hfi_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasNbftSecurity, security_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasNbftDiscovery, discovery_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasNbftSsns, ssns_free)

static StasNbft *
nbft_new(const char *source)
{
	StasNbft *nbft = g_new0(StasNbft, 1);

	nbft->ref = 1;
	nbft->source = g_strdup(source ? source : "<buffer>");
	nbft->hfi = g_ptr_array_new_with_free_func(hfi_free);
	nbft->security = g_ptr_array_new_with_free_func(security_free);
	nbft->discovery = g_ptr_array_new_with_free_func(discovery_free);
	nbft->ssns = g_ptr_array_new_with_free_func(ssns_free);
	nbft->diagnostics = g_ptr_array_new_with_free_func(g_free);
	return nbft;
}

StasNbft *
stas_nbft_ref(StasNbft *nbft)
{
	g_return_val_if_fail(nbft != NULL, NULL);
	g_atomic_int_inc(&nbft->ref);
	return nbft;
}

void
stas_nbft_unref(StasNbft *nbft)
{
	if (nbft == NULL || !g_atomic_int_dec_and_test(&nbft->ref))
		return;
	g_free(nbft->source);
	g_free(nbft->header.driver_dev_path_sig);
	g_free(nbft->host.nqn);
	g_ptr_array_unref(nbft->hfi);
	g_ptr_array_unref(nbft->security);
	g_ptr_array_unref(nbft->discovery);
	g_ptr_array_unref(nbft->ssns);
	g_ptr_array_unref(nbft->diagnostics);
	g_free(nbft);
}

/* ------------------------------------------------------------- lookups */

const StasNbftHfi *
stas_nbft_find_hfi(const StasNbft *nbft, guint index)
{
	for (guint i = 0; i < nbft->hfi->len; i++) {
		const StasNbftHfi *hfi = g_ptr_array_index(nbft->hfi, i);

		if (hfi->index == index)
			return hfi;
	}
	return NULL;
}

const StasNbftSecurity *
stas_nbft_find_security(const StasNbft *nbft, guint index)
{
	for (guint i = 0; i < nbft->security->len; i++) {
		const StasNbftSecurity *sec = g_ptr_array_index(nbft->security, i);

		if (sec->index == index)
			return sec;
	}
	return NULL;
}

const StasNbftDiscovery *
stas_nbft_find_discovery(const StasNbft *nbft, guint index)
{
	for (guint i = 0; i < nbft->discovery->len; i++) {
		const StasNbftDiscovery *disc = g_ptr_array_index(nbft->discovery, i);

		if (disc->index == index)
			return disc;
	}
	return NULL;
}

/* ---------------------------------------------------------- header etc */

static gboolean
parse_header(Parser *p, const guint8 *data, gsize size, GError **error)
{
	const char *src = p->nbft->source;
	StasNbftHeader *h = &p->nbft->header;
	guint8 sum = 0;

	if (size < HDR_SIZE + CTL_SIZE)
		return reject(src, 0, error, "table is too short (%" G_GSIZE_FORMAT " bytes < %d)",
			      size, HDR_SIZE + CTL_SIZE);
	/* like libnvme: every byte read, including any past the header length */
	for (gsize i = 0; i < size; i++)
		sum = (guint8)(sum + data[i]);
	if (sum != 0)
		return reject(src, 9, error, "invalid checksum (byte sum mod 256 = 0x%02x)", sum);
	if (memcmp(data, "NBFT", 4) != 0)
		return reject(src, 0, error, "invalid signature");

	h->length = rd32(data + HDR_LENGTH);
	if (h->length < HDR_SIZE + CTL_SIZE)
		return reject(src, HDR_LENGTH, error, "length in header (%u) is too short",
			      h->length);
	if (h->length > size)
		return reject(src, HDR_LENGTH, error,
			      "length in header (%u) exceeds the table (%" G_GSIZE_FORMAT " bytes)",
			      h->length, size);
	h->major_revision = data[HDR_MAJOR];
	h->minor_revision = data[HDR_MINOR];
	if (h->major_revision != 1)
		return reject(src, HDR_MAJOR, error, "unsupported major revision %u",
			      h->major_revision);
	if (h->minor_revision > 1)
		return reject(src, HDR_MINOR, error, "unsupported minor revision %u",
			      h->minor_revision);

	h->heap_offset = rd32(data + HDR_HEAP_OFFSET);
	h->heap_length = rd32(data + HDR_HEAP_LENGTH);
	if (h->heap_offset > h->length || h->heap_length > h->length - h->heap_offset)
		return reject(src, HDR_HEAP_OFFSET, error,
			      "heap (offset %u, length %u) exceeds the table length %u",
			      h->heap_offset, h->heap_length, h->length);
	/* the heap follows the header and the control descriptor, never overlaps them */
	if (h->heap_length != 0 && h->heap_offset < HDR_SIZE + CTL_SIZE)
		return reject(src, HDR_HEAP_OFFSET, error,
			      "heap offset %u is inside the header or control descriptor",
			      h->heap_offset);

	p->data = data;
	p->len = h->length;
	p->heap_off = h->heap_offset;
	p->heap_len = h->heap_length;
	return TRUE;
}

static void
parse_header_ids(Parser *p)
{
	StasNbftHeader *h = &p->nbft->header;
	const guint8 *d = p->data;
	HeapRef sig = ref_at(p, HDR_DRIVER_SIG);

	fixed_string(h->signature, d, 4);
	fixed_string(h->oem_id, d + HDR_OEM_ID, 6);
	fixed_string(h->oem_table_id, d + HDR_OEM_TABLE_ID, 8);
	h->oem_revision = rd32(d + HDR_OEM_REVISION);
	fixed_string(h->creator_id, d + HDR_CREATOR_ID, 4);
	h->creator_revision = rd32(d + HDR_CREATOR_REV);

	h->driver_dev_path_sig_offset = sig.off;
	h->driver_dev_path_sig_length = sig.len;
	if (ref_string(p, sig, &h->driver_dev_path_sig) == REF_INVALID)
		diag(p, HDR_DRIVER_SIG,
		     "driver signature heap object (offset %u, length %u) "
		     "is outside the heap, ignored",
		     sig.off, sig.len);
}

static gboolean
parse_host(Parser *p, GError **error)
{
	const char *src = p->nbft->source;
	StasNbftHost *host = &p->nbft->host;
	const guint8 *ctl = p->data + CTL_OFFSET;
	guint32 off = rd32(ctl + CTL_HDESC);
	const guint8 *d;
	HeapRef nqn;

	if (!(ctl[CTL_FLAGS] & 0x01))
		return reject(src, CTL_OFFSET + CTL_FLAGS, error,
			      "control descriptor valid flag not set (flags=0x%02x)",
			      ctl[CTL_FLAGS]);
	if (ctl[0] != DESC_CONTROL)
		return reject(src, CTL_OFFSET, error, "invalid control descriptor structure id %u",
			      ctl[0]);
	if (off < HDR_SIZE || off > p->len || p->len - off < HOST_SIZE)
		return reject(src, CTL_OFFSET + CTL_HDESC, error,
			      "host descriptor offset %u is invalid", off);
	d = p->data + off;
	if (!(d[HOST_FLAGS] & 0x01))
		return reject(src, off + HOST_FLAGS, error, "host descriptor valid flag not set");
	if (d[0] != DESC_HOST)
		return reject(src, off, error, "invalid host descriptor structure id %u", d[0]);

	host->flags = d[HOST_FLAGS];
	memcpy(host->id, d + HOST_ID, sizeof(host->id));
	host->id_configured = (host->flags & 0x02) != 0;
	host->nqn_configured = (host->flags & 0x04) != 0;
	host->primary_admin = (host->flags >> 3) & 0x03;
	nqn = ref_at(p, off + HOST_NQN);
	if (ref_string(p, nqn, &host->nqn) != REF_OK)
		return reject(src, off + HOST_NQN, error,
			      "host NQN heap object (offset %u, length %u) is missing or "
			      "outside the heap",
			      nqn.off, nqn.len);
	return TRUE;
}

/*
 * a descriptor list: count descriptors of stride bytes each from offset,
 * all inside the table (64-bit maths: offset + stride * count can't wrap).
 */
static gboolean
check_list(const Parser *p, guint ctl_field, const char *what, const char *abbr, gsize min_stride,
	   guint32 *offset, guint16 *stride, guint8 *count, GError **error)
{
	const guint8 *f = p->data + CTL_OFFSET + ctl_field;

	*offset = rd32(f);
	*stride = rd16(f + 4);
	*count = f[7];
	if (*count == 0)
		return TRUE;
	if (*stride < min_stride)
		return reject(p->nbft->source, CTL_OFFSET + ctl_field + 4, error,
			      "invalid %s descriptor length %u (< %" G_GSIZE_FORMAT ")", what,
			      *stride, min_stride);
	/* the descriptors follow the header and the control descriptor */
	if (*offset < HDR_SIZE + CTL_SIZE || *offset > p->len ||
	    (guint64)*offset + (guint64)*stride * *count > p->len)
		return reject(p->nbft->source, CTL_OFFSET + ctl_field, error,
			      "invalid %s descriptor list offset/length (%so=%u %sl=%u num=%u)",
			      what, abbr, *offset, abbr, *stride, *count);
	return TRUE;
}

/* ------------------------------------------------------------------ HFI */

static void
parse_hfi_ext(Parser *p, StasNbftHfi *hfi, HeapRef r)
{
	const guint8 *e;
	guint32 flags;
	HeapRef iaid, duid;

	if (ref_check(p, r) == REF_ABSENT)
		return;
	if (ref_check(p, r) == REF_INVALID || r.len < HFIEXT_SIZE) {
		diag(p, r.at,
		     "HFI %u: extended info heap object (offset %u, length %u) is "
		     "invalid, ignored",
		     hfi->index, r.off, r.len);
		return;
	}
	e = p->data + r.off;
	flags = rd32(e + HFIEXT_FLAGS);
	if (e[0] != DESC_HFI_EXT_INFO || e[1] != 1) {
		diag(p, r.off, "HFI %u: extended info has structure id %u version %u, ignored",
		     hfi->index, e[0], e[1]);
		return;
	}
	/* valid, and the DHCP client identifier objects are in use */
	if ((flags & 0x03) != 0x03)
		return;
	iaid = ref_at(p, r.off + HFIEXT_IAID);
	if (ref_check(p, iaid) == REF_OK && iaid.len >= 4)
		hfi->dhcp_iaid = rd32(p->data + iaid.off);
	else if (ref_check(p, iaid) != REF_ABSENT)
		diag(p, iaid.at,
		     "HFI %u: DHCP IAID heap object (offset %u, length %u) is short or "
		     "outside the heap, ignored",
		     hfi->index, iaid.off, iaid.len);
	duid = ref_at(p, r.off + HFIEXT_DUID);
	if (ref_bytes(p, duid, HFIEXT_DUID_MAX, &hfi->dhcp_duid) == REF_INVALID)
		diag(p, duid.at, "HFI %u: DHCP DUID heap object is outside the heap, ignored",
		     hfi->index);
}

static void
parse_trinfo_addrs(Parser *p, StasNbftHfi *hfi, const guint8 *t)
{
	guint seg;

	hfi->pci_sbdf = rd32(t + TRINFO_PCI_SBDF);
	g_snprintf(hfi->mac, sizeof(hfi->mac), "%02x:%02x:%02x:%02x:%02x:%02x", t[TRINFO_MAC],
		   t[TRINFO_MAC + 1], t[TRINFO_MAC + 2], t[TRINFO_MAC + 3], t[TRINFO_MAC + 4],
		   t[TRINFO_MAC + 5]);
	hfi->vlan = rd16(t + TRINFO_VLAN);
	hfi->ip_origin = t[TRINFO_IP_ORIGIN];
	format_ip(t + TRINFO_IP, hfi->ip);
	hfi->prefix = t[TRINFO_PREFIX];
	format_ip(t + TRINFO_GATEWAY, hfi->gateway);
	hfi->route_metric = rd16(t + TRINFO_ROUTE_METRIC);
	format_ip(t + TRINFO_PRIMARY_DNS, hfi->primary_dns);
	format_ip(t + TRINFO_SECOND_DNS, hfi->secondary_dns);
	/* the dhcp server field is reserved unless DHCP Override is set */
	if (hfi->dhcp_override)
		format_ip(t + TRINFO_DHCP_SERVER, hfi->dhcp_server);
	if (hfi->trinfo_version >= 2)
		hfi->pcie_seg_num = t[TRINFO_PCIE_SEG];
	/* segment: the version 2 field, else the routing id's upper half */
	seg = hfi->pcie_seg_num ? hfi->pcie_seg_num : (hfi->pci_sbdf >> 16);
	g_snprintf(hfi->pci_addr, sizeof(hfi->pci_addr), "%04x:%02x:%02x.%x", seg & 0xffff,
		   (hfi->pci_sbdf >> 8) & 0xff, (hfi->pci_sbdf >> 3) & 0x1f, hfi->pci_sbdf & 0x7);
}

static gboolean
parse_trinfo(Parser *p, StasNbftHfi *hfi, HeapRef r)
{
	const guint8 *t = p->data + r.off;
	HeapRef name;

	if (!(t[TRINFO_FLAGS] & 0x01)) {
		diag(p, r.off + TRINFO_FLAGS, "HFI %u: transport info valid flag not set, skipped",
		     hfi->index);
		return FALSE;
	}
	if (t[0] != DESC_HFI_TRINFO || t[TRINFO_VERSION] != 1) {
		diag(p, r.off, "HFI %u: transport info has structure id %u version %u, skipped",
		     hfi->index, t[0], t[TRINFO_VERSION]);
		return FALSE;
	}
	if (rd16(t + TRINFO_HFI_INDEX) != hfi->index)
		diag(p, r.off + TRINFO_HFI_INDEX, "HFI %u: transport info names HFI %u", hfi->index,
		     rd16(t + TRINFO_HFI_INDEX));

	hfi->tcp_flags = t[TRINFO_FLAGS];
	hfi->global_route = (hfi->tcp_flags & 0x02) != 0;
	hfi->dhcp_override = (hfi->tcp_flags & 0x04) != 0;
	hfi->trinfo_version = t[TRINFO_TRINFO_VER];
	parse_trinfo_addrs(p, hfi, t);

	name = ref_at(p, r.off + TRINFO_HOST_NAME);
	if (ref_string(p, name, &hfi->host_name) == REF_INVALID)
		diag(p, name.at, "HFI %u: host name heap object is outside the heap, ignored",
		     hfi->index);
	if (hfi->trinfo_version >= 2)
		parse_hfi_ext(p, hfi, ref_at(p, r.off + TRINFO_EXT_INFO));
	return TRUE;
}

static StasNbftHfi *
parse_hfi(Parser *p, guint32 at)
{
	const guint8 *d = p->data + at;
	g_autoptr(StasNbftHfi) hfi = NULL;
	HeapRef trinfo;

	/* valid flag clear: a reserved descriptor */
	if (!(d[2] & 0x01))
		return NULL;
	if (d[0] != DESC_HFI) {
		diag(p, at, "HFI descriptor has structure id %u, skipped", d[0]);
		return NULL;
	}
	if (d[3] != TRTYPE_TCP) {
		diag(p, at + 3, "HFI %u: transport type %u is not tcp, skipped", d[1], d[3]);
		return NULL;
	}
	trinfo = ref_at(p, at + HFI_TRINFO);
	if (ref_check(p, trinfo) != REF_OK || trinfo.len < TRINFO_SIZE) {
		diag(p, trinfo.at,
		     "HFI %u: transport info heap object (offset %u, length %u) "
		     "is missing, short or outside the heap, skipped",
		     d[1], trinfo.off, trinfo.len);
		return NULL;
	}
	hfi = g_new0(StasNbftHfi, 1);
	hfi->index = d[1];
	hfi->trtype = "tcp";
	hfi->dhcp_duid = g_bytes_new(NULL, 0);
	if (!parse_trinfo(p, hfi, trinfo))
		return NULL;
	return g_steal_pointer(&hfi);
}

/* ------------------------------------------------------------- security */

/* a policy list is only read when its flag enables it */
static gboolean
sec_list(Parser *p, guint index, guint32 at, gboolean enabled, const char *what, GBytes **out)
{
	*out = g_bytes_new(NULL, 0);
	if (!enabled)
		return TRUE;
	if (ref_bytes(p, ref_at(p, at), G_MAXUINT16, out) == REF_INVALID) {
		diag(p, at, "security %u: %s heap object is outside the heap, skipped", index,
		     what);
		return FALSE;
	}
	return TRUE;
}

static StasNbftSecurity *
parse_security(Parser *p, guint32 at)
{
	const guint8 *d = p->data + at;
	g_autoptr(StasNbftSecurity) sec = NULL;
	guint16 flags = rd16(d + SEC_FLAGS);
	HeapRef key;

	if (!(flags & 0x0001))
		return NULL;
	if (d[0] != DESC_SECURITY) {
		diag(p, at, "security descriptor has structure id %u, skipped", d[0]);
		return NULL;
	}
	sec = g_new0(StasNbftSecurity, 1);
	sec->index = d[1];
	sec->flags = flags;
	sec->secret_type = d[SEC_SECRET_TYPE];
	sec->in_band_auth = (flags >> 1) & 0x03;
	sec->auth_policy_list = (flags >> 3) & 0x03;
	sec->sec_chan_neg = (flags >> 5) & 0x03;
	sec->sec_policy_list = (flags >> 7) & 0x03;
	sec->cipher_restricted = (flags & 0x0200) != 0;
	sec->kx_groups_restricted = (flags & 0x0400) != 0;
	sec->sec_hash_func_policy_list = (flags & 0x0800) != 0;

	if (!sec_list(p, sec->index, at + SEC_CHAN_ALGS, sec->sec_policy_list != 0,
		      "secure channel algorithm", &sec->sec_chan_algs) ||
	    !sec_list(p, sec->index, at + SEC_AUTH_PROTOS, sec->auth_policy_list != 0,
		      "authentication protocol", &sec->auth_protocols) ||
	    !sec_list(p, sec->index, at + SEC_CIPHERS, sec->cipher_restricted, "cipher suite",
		      &sec->cipher_suites) ||
	    !sec_list(p, sec->index, at + SEC_KX_GROUPS, sec->kx_groups_restricted, "KX group",
		      &sec->kx_groups) ||
	    !sec_list(p, sec->index, at + SEC_HASH_FUNCS, sec->sec_hash_func_policy_list,
		      "hash function", &sec->sec_hash_funcs))
		return NULL;

	key = ref_at(p, at + SEC_KEYPATH);
	if (ref_string(p, key, &sec->secret_keypath) == REF_INVALID) {
		diag(p, key.at,
		     "security %u: secret keypath heap object is outside the heap, "
		     "skipped",
		     sec->index);
		return NULL;
	}
	return g_steal_pointer(&sec);
}

/* ------------------------------------------------------------ discovery */

static StasNbftDiscovery *
parse_discovery(Parser *p, guint32 at)
{
	const guint8 *d = p->data + at;
	g_autoptr(StasNbftDiscovery) disc = NULL;

	if (!(d[1] & 0x01))
		return NULL;
	if (d[0] != DESC_DISCOVERY) {
		diag(p, at, "discovery descriptor has structure id %u, skipped", d[0]);
		return NULL;
	}
	disc = g_new0(StasNbftDiscovery, 1);
	disc->flags = d[1];
	disc->index = d[2];
	disc->hfi_index = d[3];
	disc->sec_index = d[4];
	if (ref_string(p, ref_at(p, at + DISC_URI), &disc->uri) != REF_OK) {
		diag(p, at + DISC_URI,
		     "discovery %u: URI heap object is missing or outside the "
		     "heap, skipped",
		     disc->index);
		return NULL;
	}
	/* absent: the OS uses the well-known discovery NQN */
	if (ref_string(p, ref_at(p, at + DISC_NQN), &disc->nqn) == REF_INVALID) {
		diag(p, at + DISC_NQN,
		     "discovery %u: NQN heap object is outside the heap, "
		     "skipped",
		     disc->index);
		return NULL;
	}
	if (!stas_nbft_find_hfi(p->nbft, disc->hfi_index)) {
		diag(p, at + 3, "discovery %u: HFI %u not found, skipped", disc->index,
		     disc->hfi_index);
		return NULL;
	}
	if (disc->sec_index && !stas_nbft_find_security(p->nbft, disc->sec_index)) {
		diag(p, at + 4, "discovery %u: security descriptor %u not found, skipped",
		     disc->index, disc->sec_index);
		return NULL;
	}
	return g_steal_pointer(&disc);
}

/* ----------------------------------------------------------------- SSNS */

static void
parse_ssns_ext(Parser *p, StasNbftSsns *s, HeapRef r)
{
	const guint8 *e = p->data + r.off;
	guint32 flags;
	HeapRef root;

	if (r.len < SSNSEXT_V10_SIZE) {
		diag(p, r.at, "SSNS %u: extended info is too short (%u bytes), ignored", s->index,
		     r.len);
		return;
	}
	flags = rd32(e + SSNSEXT_FLAGS);
	if (e[0] != DESC_SSNS_EXT_INFO || e[1] != 1 || rd16(e + SSNSEXT_INDEX) != s->index ||
	    !(flags & 0x01)) {
		diag(p, r.off,
		     "SSNS %u: extended info (structure id %u, version %u, SSNS %u, "
		     "flags 0x%x) does not match, ignored",
		     s->index, e[0], e[1], rd16(e + SSNSEXT_INDEX), flags);
		return;
	}
	s->ext_info = TRUE;
	s->controller_id = rd16(e + SSNSEXT_CNTLID);
	/* the queue size counts only when administratively set */
	if (flags & 0x02)
		s->asqsz = rd16(e + SSNSEXT_ASQSZ);
	root = ref_at(p, r.off + SSNSEXT_ROOT_PATH);
	if (ref_string(p, root, &s->dhcp_root_path) == REF_INVALID)
		diag(p, root.at,
		     "SSNS %u: DHCP root path heap object is outside the heap, "
		     "ignored",
		     s->index);
	if (r.len >= SSNSEXT_V11_SIZE) {
		s->naed = e[SSNSEXT_NAED];
		s->cipeec = e[SSNSEXT_CIPEEC];
		s->cto = rd16(e + SSNSEXT_CTO);
		s->nceec = e[SSNSEXT_NCEEC];
	}
}

/* primary first; duplicates, the primary again and unknown indexes dropped */
static gboolean
parse_ssns_hfis(Parser *p, StasNbftSsns *s, guint32 at)
{
	const guint8 *d = p->data + at;
	HeapRef sec = ref_at(p, at + SSNS_SECONDARY_HFIS);
	gsize n = 0;
	const guint8 *list;
	gboolean seen[256] = {FALSE};

	if (!stas_nbft_find_hfi(p->nbft, d[SSNS_HFI_INDEX])) {
		diag(p, at + SSNS_HFI_INDEX, "SSNS %u: HFI %u not found, skipped", s->index,
		     d[SSNS_HFI_INDEX]);
		return FALSE;
	}
	if (ref_bytes(p, sec, G_MAXUINT16, &s->secondary_hfi_raw) == REF_INVALID) {
		diag(p, sec.at, "SSNS %u: secondary HFI heap object is outside the heap, skipped",
		     s->index);
		return FALSE;
	}
	list = g_bytes_get_data(s->secondary_hfi_raw, &n);
	s->hfi_indexes = g_new0(guint8, MIN(n, 255) + 1);
	s->hfi_indexes[s->n_hfi_indexes++] = d[SSNS_HFI_INDEX];
	seen[d[SSNS_HFI_INDEX]] = TRUE;
	for (gsize i = 0; i < n; i++) {
		if (seen[list[i]])
			continue;
		seen[list[i]] = TRUE;
		if (!stas_nbft_find_hfi(p->nbft, list[i])) {
			if (list[i] != 0)
				diag(p, sec.off + i, "SSNS %u: secondary HFI %u not found, ignored",
				     s->index, list[i]);
			continue;
		}
		s->hfi_indexes[s->n_hfi_indexes++] = list[i];
	}
	return TRUE;
}

static gboolean
parse_ssns_refs(Parser *p, StasNbftSsns *s, guint32 at)
{
	const guint8 *d = p->data + at;
	HeapRef traddr = ref_at(p, at + SSNS_TRADDR);

	if (d[SSNS_DISC_INDEX]) {
		if (stas_nbft_find_discovery(p->nbft, d[SSNS_DISC_INDEX]))
			s->discovery_index = d[SSNS_DISC_INDEX];
		else
			diag(p, at + SSNS_DISC_INDEX, "SSNS %u: discovery descriptor %u not found",
			     s->index, d[SSNS_DISC_INDEX]);
	}
	if (d[SSNS_SEC_INDEX]) {
		if (!stas_nbft_find_security(p->nbft, d[SSNS_SEC_INDEX])) {
			diag(p, at + SSNS_SEC_INDEX,
			     "SSNS %u: security descriptor %u not found, skipped", s->index,
			     d[SSNS_SEC_INDEX]);
			return FALSE;
		}
		s->security_index = d[SSNS_SEC_INDEX];
	}
	/* a 16-byte binary address, IPv4 mapped */
	if (ref_check(p, traddr) != REF_OK || traddr.len < 16) {
		diag(p, traddr.at,
		     "SSNS %u: transport address heap object (offset %u, length %u) "
		     "is missing, short or outside the heap, skipped",
		     s->index, traddr.off, traddr.len);
		return FALSE;
	}
	format_ip(p->data + traddr.off, s->traddr);
	if (ref_string(p, ref_at(p, at + SSNS_TRSVCID), &s->trsvcid) != REF_OK) {
		diag(p, at + SSNS_TRSVCID,
		     "SSNS %u: transport service id heap object is missing "
		     "or outside the heap, skipped",
		     s->index);
		return FALSE;
	}
	if (ref_string(p, ref_at(p, at + SSNS_NQN), &s->subsys_nqn) != REF_OK) {
		diag(p, at + SSNS_NQN,
		     "SSNS %u: NQN heap object is missing or outside the heap, "
		     "skipped",
		     s->index);
		return FALSE;
	}
	return parse_ssns_hfis(p, s, at);
}

static StasNbftSsns *
parse_ssns(Parser *p, guint32 at)
{
	const guint8 *d = p->data + at;
	g_autoptr(StasNbftSsns) s = NULL;
	guint16 flags = rd16(d + SSNS_FLAGS);
	HeapRef ext;

	if (!(flags & STAS_NBFT_SSNS_FLAG_VALID))
		return NULL;
	if (d[0] != DESC_SSNS || d[SSNS_TRTYPE] != TRTYPE_TCP) {
		diag(p, at, "SSNS descriptor has structure id %u, transport type %u, skipped", d[0],
		     d[SSNS_TRTYPE]);
		return NULL;
	}
	s = g_new0(StasNbftSsns, 1);
	s->index = rd16(d + SSNS_INDEX);
	s->flags = flags;
	s->trtype = "tcp";
	s->trflags = rd16(d + SSNS_TRFLAGS);
	s->hdr_digest = (s->trflags & 0x02) != 0;
	s->data_digest = (s->trflags & 0x04) != 0;
	s->subsys_port_id = rd16(d + SSNS_PORT_ID);
	s->nsid = rd32(d + SSNS_NSID);
	s->nid_type = d[SSNS_NIDT];
	memcpy(s->nid, d + SSNS_NID, sizeof(s->nid));
	s->non_bootable = (flags & STAS_NBFT_SSNS_FLAG_NON_BOOTABLE) != 0;
	s->dhcp_root_path_override = (flags & STAS_NBFT_SSNS_FLAG_DHCP_ROOT_PATH) != 0;
	s->discovered = (flags & STAS_NBFT_SSNS_FLAG_DISCOVERED) != 0;
	s->availability = (flags >> 7) & 0x03;
	s->secondary_hfi_raw = g_bytes_new(NULL, 0);
	if (!parse_ssns_refs(p, s, at))
		return NULL;

	/* flag set but a zero-length reference: no extended info */
	ext = ref_at(p, at + SSNS_EXT_INFO);
	if (flags & STAS_NBFT_SSNS_FLAG_EXT_INFO) {
		RefState st = ref_check(p, ext);

		if (st == REF_OK)
			parse_ssns_ext(p, s, ext);
		else if (st == REF_INVALID)
			diag(p, ext.at,
			     "SSNS %u: extended info heap object is outside the heap, "
			     "ignored",
			     s->index);
	}
	return g_steal_pointer(&s);
}

/* ------------------------------------------------------------ the table */

typedef enum {
	LIST_HFI,
	LIST_SECURITY,
	LIST_DISCOVERY,
	LIST_SSNS,
} ListKind;

static gpointer
parse_desc(Parser *p, ListKind kind, guint32 at)
{
	switch (kind) {
	case LIST_HFI:
		return parse_hfi(p, at);
	case LIST_SECURITY:
		return parse_security(p, at);
	case LIST_DISCOVERY:
		return parse_discovery(p, at);
	case LIST_SSNS:
	default:
		return parse_ssns(p, at);
	}
}

static gboolean
parse_list(Parser *p, guint ctl_field, const char *what, const char *abbr, gsize min_stride,
	   ListKind kind, GPtrArray *out, GError **error)
{
	guint32 offset;
	guint16 stride;
	guint8 count;

	if (!check_list(p, ctl_field, what, abbr, min_stride, &offset, &stride, &count, error))
		return FALSE;
	for (guint i = 0; i < count; i++) {
		gpointer desc = parse_desc(p, kind, offset + i * (guint32)stride);

		if (desc)
			g_ptr_array_add(out, desc);
	}
	return TRUE;
}

StasNbft *
stas_nbft_parse(const guint8 *data, gsize len, const char *source, GError **error)
{
	g_autoptr(StasNbft) nbft = nbft_new(source);
	Parser p = {.nbft = nbft};
	const guint8 *ctl;

	if (data == NULL)
		len = 0;
	if (!parse_header(&p, data, len, error))
		return NULL;
	parse_header_ids(&p);
	if (!parse_host(&p, error))
		return NULL;
	ctl = p.data + CTL_OFFSET;
	nbft->header.num_hfi = ctl[CTL_HFI_LIST + 7];
	nbft->header.num_ssns = ctl[CTL_SSNS_LIST + 7];
	nbft->header.num_sec = ctl[CTL_SEC_LIST + 7];
	nbft->header.num_disc = ctl[CTL_DISC_LIST + 7];

	/* in dependency order: discovery and SSNS refer to HFIs and security */
	if (!parse_list(&p, CTL_HFI_LIST, "HFI", "hfi", HFI_SIZE, LIST_HFI, nbft->hfi, error) ||
	    !parse_list(&p, CTL_SEC_LIST, "security", "sec", SEC_SIZE, LIST_SECURITY,
			nbft->security, error) ||
	    !parse_list(&p, CTL_DISC_LIST, "discovery", "disc", DISC_SIZE, LIST_DISCOVERY,
			nbft->discovery, error) ||
	    !parse_list(&p, CTL_SSNS_LIST, "SSNS", "ssns", SSNS_SIZE, LIST_SSNS, nbft->ssns, error))
		return NULL;
	return g_steal_pointer(&nbft);
}

StasNbft *
stas_nbft_parse_file(const char *path, GError **error)
{
	g_autofree char *contents = NULL;
	g_autoptr(GError) local = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &contents, &len, &local)) {
		gboolean missing = g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT);

		g_set_error(error, STAS_ERROR, missing ? STAS_ERROR_NOT_FOUND : STAS_ERROR_IO, "%s",
			    local->message);
		return NULL;
	}
	return stas_nbft_parse((const guint8 *)contents, len, path, error);
}

static gint
compare_paths(gconstpointer a, gconstpointer b)
{
	/* GPtrArray sorting passes pointers to the elements */
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

char **
stas_nbft_list_files(const char *dir)
{
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = NULL;
	const char *name;

	if (dir == NULL)
		dir = STAS_NBFT_DEFAULT_DIR;
	d = g_dir_open(dir, 0, NULL);
	while (d && (name = g_dir_read_name(d)) != NULL)
		if (g_str_has_prefix(name, "NBFT"))
			g_ptr_array_add(paths, g_build_filename(dir, name, NULL));
	g_ptr_array_sort(paths, compare_paths);
	g_ptr_array_set_free_func(paths, NULL);
	g_ptr_array_add(paths, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&paths), FALSE);
}

/* ---------------------------------------------------------------- names */

char *
stas_nbft_nid_to_string(StasNbftNidType type, const guint8 nid[16])
{
	const guint8 *b = nid;

	switch (type) {
	case STAS_NBFT_NID_EUI64:
		return g_strdup_printf("%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
				       b[4], b[5], b[6], b[7]);
	case STAS_NBFT_NID_NGUID:
		return g_strdup_printf("%02x%02x%02x%02x%02x%02x%02x%02x"
				       "%02x%02x%02x%02x%02x%02x%02x%02x",
				       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
				       b[10], b[11], b[12], b[13], b[14], b[15]);
	case STAS_NBFT_NID_UUID:
		return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
				       "%02x%02x%02x%02x%02x%02x",
				       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
				       b[10], b[11], b[12], b[13], b[14], b[15]);
	case STAS_NBFT_NID_NONE:
	default:
		return NULL;
	}
}

static const char *
name_of(const char *const *names, gsize n, guint v, const char *other)
{
	return v < n ? names[v] : other;
}

const char *
stas_nbft_nid_type_name(StasNbftNidType type)
{
	static const char *const names[] = {"none", "eui64", "nguid", "uuid"};

	return name_of(names, G_N_ELEMENTS(names), type, "unknown");
}

const char *
stas_nbft_primary_admin_name(StasNbftPrimaryAdmin v)
{
	static const char *const names[] = {"not-indicated", "unselected", "selected", "reserved"};

	return name_of(names, G_N_ELEMENTS(names), v, "reserved");
}

const char *
stas_nbft_availability_name(StasNbftNsAvailability v)
{
	static const char *const names[] = {"not-indicated", "available", "unavailable",
					    "reserved"};

	return name_of(names, G_N_ELEMENTS(names), v, "reserved");
}

const char *
stas_nbft_sec_requirement_name(StasNbftSecRequirement v)
{
	static const char *const names[] = {"not-supported", "not-required", "required",
					    "reserved"};

	return name_of(names, G_N_ELEMENTS(names), v, "reserved");
}

const char *
stas_nbft_policy_list_name(StasNbftPolicyList v)
{
	static const char *const names[] = {"not-supported", "driver", "admin", "reserved"};

	return name_of(names, G_N_ELEMENTS(names), v, "reserved");
}

const char *
stas_nbft_ip_origin_name(guint8 origin)
{
	static const char *const names[] = {"other/unused", "manual", "well-known", "dhcp",
					    "router-advertisement"};

	if (origin == 16)
		return "unchanged";
	return name_of(names, G_N_ELEMENTS(names), origin, "non-standard");
}

/* ----------------------------------------------------------- candidates */

/* DLPEs with these placeholder addresses are dropped too (REFERENCE 3.6) */
static gboolean
check_traddr(const char *transport, const char *traddr, GError **error)
{
	StasIpAddr addr;
	static const guint8 zero[16] = {0};

	if (!stas_validate_traddr(transport, traddr, error))
		return FALSE;
	if (stas_ip_parse(traddr, TRUE, &addr) &&
	    memcmp(addr.bytes, zero, addr.family == AF_INET ? 4 : 16) == 0) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "traddr \"%s\": unspecified address", traddr);
		return FALSE;
	}
	return TRUE;
}

static GHashTable *
map_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static void
map_set(GHashTable *map, const char *key, const char *value)
{
	g_hash_table_insert(map, g_strdup(key), g_strdup(value));
}

/* one line per candidate left out: "<source>: <what>: <why>, skipped" */
static GHashTable *
skipped(GPtrArray *diags, const StasNbft *nbft, const char *what, const GError *error)
{
	if (diags)
		g_ptr_array_add(diags, g_strdup_printf("%s: %s: %s, skipped", nbft->source, what,
						       error->message));
	return NULL;
}

/* host-nqn (when configured) and host-iface (from the HFI's MAC) */
static gboolean
add_host_fields(const StasNbft *nbft, const StasNbftHfi *hfi, const StasIfaceTable *ifaces,
		GHashTable *map, GError **error)
{
	const char *iface = NULL;

	if (nbft->host.nqn_configured) {
		if (!stas_validate_nqn(nbft->host.nqn, error)) {
			g_prefix_error(error, "host ");
			return FALSE;
		}
		map_set(map, "host-nqn", nbft->host.nqn);
	}
	/* an all-zero MAC would match the loopback link */
	if (ifaces && hfi && !g_str_equal(hfi->mac, "00:00:00:00:00:00"))
		iface = stas_iface_table_iface_of_mac(ifaces, hfi->mac);
	if (iface) {
		if (!stas_validate_iface(iface, error))
			return FALSE;
		map_set(map, "host-iface", iface);
	}
	return TRUE;
}

static gboolean uri_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
uri_error(GError **error, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "discovery URI: %s", msg);
	return FALSE;
}

/* host and port of "[userinfo@]host[:port]", IPv6 hosts in brackets */
static gboolean
parse_authority(const char *auth, char **host, char **port, GError **error)
{
	const char *at = strrchr(auth, '@');
	const char *colon;

	if (at)
		auth = at + 1;
	if (auth[0] == '[') {
		const char *close = strchr(auth, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return uri_error(error, "unbalanced IPv6 brackets");
		*host = g_strndup(auth + 1, close - auth - 1);
		*port = g_strdup(close[1] == ':' ? close + 2 : "");
		return TRUE;
	}
	colon = strchr(auth, ':');
	if (colon && strchr(colon + 1, ':'))
		return uri_error(error, "IPv6 address without brackets");
	*host = colon ? g_strndup(auth, colon - auth) : g_strdup(auth);
	*port = g_strdup(colon ? colon + 1 : "");
	return TRUE;
}

gboolean
stas_nbft_parse_uri(const char *uri, char **transport, char **traddr, char **trsvcid,
		    GError **error)
{
	const char *sep = uri ? strstr(uri, "://") : NULL;
	g_autofree char *tr = NULL, *auth = NULL, *host = NULL, *port = NULL;
	g_autofree char *quoted = NULL;

	if (sep == NULL || g_ascii_strncasecmp(uri, "nvme+", 5) != 0 || sep < uri + 5)
		return uri_error(error, "%s is not an nvme+<transport>:// URI",
				 (quoted = stas_str_quote(uri, -1)));
	tr = g_ascii_strdown(uri + 5, sep - uri - 5);
	auth = g_strndup(sep + 3, strcspn(sep + 3, "/?#"));
	if (!parse_authority(auth, &host, &port, error))
		return FALSE;
	if (!g_str_equal(tr, "tcp") && !g_str_equal(tr, "rdma"))
		return uri_error(error, "unsupported transport %s",
				 (quoted = stas_str_quote(tr, -1)));

	/* hostnames are case-insensitive, IPv6 hex digits too */
	g_free(g_steal_pointer(&auth));
	auth = g_ascii_strdown(host, -1);
	/* Q13: no port means the transport's default, never "None" */
	if (*port == '\0') {
		g_free(port);
		port = g_strdup(g_str_equal(tr, "tcp") ? STAS_TCP_DISC_PORT : STAS_IO_PORT);
	}
	if (!check_traddr(tr, auth, error) || !stas_validate_trsvcid(tr, port, error)) {
		g_prefix_error(error, "discovery URI: ");
		return FALSE;
	}
	*transport = g_steal_pointer(&tr);
	*traddr = g_steal_pointer(&auth);
	*trsvcid = g_steal_pointer(&port);
	return TRUE;
}

static GHashTable *
dc_candidate(const StasNbft *nbft, const StasNbftDiscovery *disc, const StasIfaceTable *ifaces,
	     GPtrArray *diags)
{
	g_autoptr(GHashTable) map = map_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *tr = NULL, *addr = NULL, *port = NULL;
	g_autofree char *what = g_strdup_printf("discovery %u", disc->index);
	const char *nqn = disc->nqn ? disc->nqn : STAS_WELL_KNOWN_DISC_NQN;

	if (!stas_nbft_parse_uri(disc->uri, &tr, &addr, &port, &error) ||
	    !stas_validate_nqn(nqn, &error))
		return skipped(diags, nbft, what, error);
	map_set(map, "transport", tr);
	map_set(map, "traddr", addr);
	map_set(map, "trsvcid", port);
	map_set(map, "subsysnqn", nqn);
	if (!add_host_fields(nbft, stas_nbft_find_hfi(nbft, disc->hfi_index), ifaces, map, &error))
		return skipped(diags, nbft, what, error);
	return g_steal_pointer(&map);
}

GPtrArray *
stas_nbft_dc_candidates(const StasNbft *nbft, const StasIfaceTable *ifaces, GPtrArray *diagnostics)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);

	for (guint i = 0; i < nbft->discovery->len; i++) {
		GHashTable *map = dc_candidate(nbft, g_ptr_array_index(nbft->discovery, i), ifaces,
					       diagnostics);

		if (map)
			g_ptr_array_add(out, map);
	}
	return out;
}

static GHashTable *
ioc_candidate(const StasNbft *nbft, const StasNbftSsns *s, const StasIfaceTable *ifaces,
	      GPtrArray *diags)
{
	g_autoptr(GHashTable) map = map_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *what = g_strdup_printf("SSNS %u", s->index);

	if (!check_traddr(s->trtype, s->traddr, &error) ||
	    !stas_validate_trsvcid(s->trtype, s->trsvcid, &error) ||
	    !stas_validate_nqn(s->subsys_nqn, &error))
		return skipped(diags, nbft, what, error);
	map_set(map, "transport", s->trtype);
	map_set(map, "traddr", s->traddr);
	map_set(map, "trsvcid", s->trsvcid);
	map_set(map, "subsysnqn", s->subsys_nqn);
	map_set(map, "hdr-digest", s->hdr_digest ? "true" : "false");
	map_set(map, "data-digest", s->data_digest ? "true" : "false");
	if (!add_host_fields(nbft, stas_nbft_find_hfi(nbft, s->hfi_indexes[0]), ifaces, map,
			     &error))
		return skipped(diags, nbft, what, error);
	return g_steal_pointer(&map);
}

GPtrArray *
stas_nbft_ioc_candidates(const StasNbft *nbft, const StasIfaceTable *ifaces, GPtrArray *diagnostics)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);

	for (guint i = 0; i < nbft->ssns->len; i++) {
		GHashTable *map =
			ioc_candidate(nbft, g_ptr_array_index(nbft->ssns, i), ifaces, diagnostics);

		if (map)
			g_ptr_array_add(out, map);
	}
	return out;
}
