/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nbft-gen: writes an ACPI NBFT (NVMe-oF Boot Firmware Table, NVM Express
 * Boot Specification 1.0) for the e2e tier's guest, which gets it with
 * `qemu -acpitable file=FILE` and finds it in /sys/firmware/acpi/tables.
 * the layouts are written from the specification, not taken from the
 * project's parser: test-nbft-gen parses the output with it, so the two
 * check each other.
 *
 *   nbft-gen --host-nqn NQN --host-id UUID [--hfi-ip ADDR/PREFIX] [--hfi-mac MAC]
 *            [--ssns 'traddr=ADDR;trsvcid=PORT;subsysnqn=NQN[;nsid=N]
 *                     [;hdr-digest=true][;data-digest=true]']...
 *            [--discovery 'uri=nvme+tcp://ADDR:PORT/[;subsysnqn=NQN]']...
 *            -o FILE
 *
 * one tcp HFI (index 1) carries every SSNS and discovery descriptor; SSNS and
 * discovery indexes count from 1 in the order given.  exit status: 0 written,
 * 1 bad arguments (nothing written).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

/* structure sizes and ids (NVM Express Boot Specification 1.0, figure 6 ff.) */
#define HEADER_SIZE  64
#define CONTROL_SIZE 64
#define HOST_SIZE    32
#define HFI_SIZE     32
#define TRINFO_SIZE  128
#define SSNS_SIZE    128
#define DISC_SIZE    32

#define ID_CONTROL   1
#define ID_HOST	     2
#define ID_HFI	     3
#define ID_SSNS	     4
#define ID_DISCOVERY 6
#define ID_TRINFO    7

#define TRTYPE_TCP 3
#define MAX_DESC   255 /* descriptor counts are one byte */
#define MAX_HEAP   G_MAXUINT16

typedef struct {
	guint8 addr[16]; /* IPv4 as IPv4-mapped IPv6 */
	char *trsvcid;
	char *nqn;
	guint32 nsid;
	gboolean hdr_digest;
	gboolean data_digest;
} GenSsns;

typedef struct {
	char *uri;
	char *nqn; /* NULL: absent, the well-known discovery NQN */
} GenDiscovery;

typedef struct {
	char *host_nqn;
	guint8 host_id[16];
	guint8 hfi_ip[16];
	gboolean hfi_ipv4;
	guint8 hfi_prefix;
	guint8 hfi_mac[6];
	GPtrArray *ssns;      /* GenSsns* */
	GPtrArray *discovery; /* GenDiscovery* */
} GenTable;

static void
ssns_free(gpointer data)
{
	GenSsns *s = data;

	g_free(s->trsvcid);
	g_free(s->nqn);
	g_free(s);
}

static void
discovery_free(gpointer data)
{
	GenDiscovery *d = data;

	g_free(d->uri);
	g_free(d->nqn);
	g_free(d);
}

static void
table_clear(GenTable *t)
{
	g_free(t->host_nqn);
	g_ptr_array_unref(t->ssns);
	g_ptr_array_unref(t->discovery);
}

/* ------------------------------------------------------------ arguments */

static gboolean fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
fail(GError **error, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, msg);
	return FALSE;
}

/* "8-4-4-4-12" or 32 hex digits, stored in text order */
static gboolean
parse_uuid(const char *text, guint8 out[16], GError **error)
{
	guint n = 0;

	for (const char *p = text; *p; p++) {
		int hi, lo;

		if (*p == '-')
			continue;
		hi = g_ascii_xdigit_value(p[0]);
		lo = p[1] ? g_ascii_xdigit_value(p[1]) : -1;
		if (hi < 0 || lo < 0 || n == 16)
			return fail(error, "host id \"%s\" is not a UUID", text);
		out[n++] = (guint8)(hi << 4 | lo);
		p++;
	}
	if (n != 16)
		return fail(error, "host id \"%s\" is not a UUID", text);
	return TRUE;
}

/* IPv4 goes in as IPv4-mapped IPv6, like firmware writes it */
static gboolean
parse_ip(const char *text, guint8 out[16], gboolean *is_v4)
{
	struct in_addr v4;

	if (inet_pton(AF_INET, text, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		*is_v4 = TRUE;
		return TRUE;
	}
	*is_v4 = FALSE;
	return inet_pton(AF_INET6, text, out) == 1;
}

static gboolean
parse_mac(const char *text, guint8 out[6], GError **error)
{
	unsigned int b[6];
	char end;

	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6)
		return fail(error, "MAC \"%s\" is not xx:xx:xx:xx:xx:xx", text);
	for (guint i = 0; i < 6; i++)
		out[i] = (guint8)b[i];
	return TRUE;
}

static gboolean
parse_hfi_ip(GenTable *t, const char *text, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(text, "/", 2);
	guint64 prefix = 0;

	if (!parse_ip(parts[0], t->hfi_ip, &t->hfi_ipv4) || parts[1] == NULL ||
	    !g_ascii_string_to_unsigned(parts[1], 10, 0, t->hfi_ipv4 ? 32 : 128, &prefix, NULL))
		return fail(error, "HFI address \"%s\" is not ADDR/PREFIX", text);
	t->hfi_prefix = (guint8)prefix;
	return TRUE;
}

/* "key=value;key=value" into a table; keys must be in allowed */
static GHashTable *
parse_fields(const char *text, const char *const *allowed, GError **error)
{
	g_autoptr(GHashTable) map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) items = g_strsplit(text, ";", -1);

	for (guint i = 0; items[i]; i++) {
		char *eq = strchr(items[i], '=');

		if (items[i][0] == '\0')
			continue;
		if (eq)
			*eq = '\0';
		if (eq == NULL || !g_strv_contains(allowed, items[i])) {
			fail(error, "\"%s\": unknown or malformed field \"%s\"", text, items[i]);
			return NULL;
		}
		g_hash_table_insert(map, g_strdup(items[i]), g_strdup(eq + 1));
	}
	return g_steal_pointer(&map);
}

static gboolean
check_string(const char *what, const char *value, GError **error)
{
	if (value == NULL || value[0] == '\0')
		return fail(error, "%s is missing", what);
	if (strlen(value) >= MAX_HEAP)
		return fail(error, "%s is too long", what);
	return TRUE;
}

static gboolean
parse_bool_field(GHashTable *map, const char *key, gboolean *out, GError **error)
{
	const char *v = g_hash_table_lookup(map, key);

	*out = FALSE;
	if (v == NULL || g_str_equal(v, "false"))
		return TRUE;
	*out = g_str_equal(v, "true");
	if (*out)
		return TRUE;
	return fail(error, "%s=\"%s\" is not true or false", key, v);
}

static GenSsns *
parse_ssns(const char *text, GError **error)
{
	static const char *const keys[] = {"traddr",	 "trsvcid",	"subsysnqn", "nsid",
					   "hdr-digest", "data-digest", NULL};
	g_autoptr(GHashTable) map = parse_fields(text, keys, error);
	GenSsns *s;
	const char *traddr, *nsid;
	guint64 n = 1;
	gboolean v4;
	guint8 addr[16];

	if (map == NULL)
		return NULL;
	traddr = g_hash_table_lookup(map, "traddr");
	nsid = g_hash_table_lookup(map, "nsid");
	if (traddr == NULL || !parse_ip(traddr, addr, &v4)) {
		fail(error, "SSNS \"%s\": traddr is not an IP address", text);
		return NULL;
	}
	if (!check_string("SSNS trsvcid", g_hash_table_lookup(map, "trsvcid"), error) ||
	    !check_string("SSNS subsysnqn", g_hash_table_lookup(map, "subsysnqn"), error))
		return NULL;
	if (nsid && !g_ascii_string_to_unsigned(nsid, 10, 0, G_MAXUINT32, &n, NULL)) {
		fail(error, "SSNS \"%s\": nsid is not a number", text);
		return NULL;
	}
	s = g_new0(GenSsns, 1);
	memcpy(s->addr, addr, 16);
	s->trsvcid = g_strdup(g_hash_table_lookup(map, "trsvcid"));
	s->nqn = g_strdup(g_hash_table_lookup(map, "subsysnqn"));
	s->nsid = (guint32)n;
	if (!parse_bool_field(map, "hdr-digest", &s->hdr_digest, error) ||
	    !parse_bool_field(map, "data-digest", &s->data_digest, error)) {
		ssns_free(s);
		return NULL;
	}
	return s;
}

static GenDiscovery *
parse_discovery(const char *text, GError **error)
{
	static const char *const keys[] = {"uri", "subsysnqn", NULL};
	g_autoptr(GHashTable) map = parse_fields(text, keys, error);
	const char *uri, *nqn;
	GenDiscovery *d;

	if (map == NULL)
		return NULL;
	uri = g_hash_table_lookup(map, "uri");
	nqn = g_hash_table_lookup(map, "subsysnqn");
	if (!check_string("discovery uri", uri, error) ||
	    (nqn && !check_string("discovery subsysnqn", nqn, error)))
		return NULL;
	d = g_new0(GenDiscovery, 1);
	d->uri = g_strdup(uri);
	d->nqn = g_strdup(nqn);
	return d;
}

typedef struct {
	char *host_nqn;
	char *host_id;
	char *hfi_ip;
	char *hfi_mac;
	char **ssns;
	char **discovery;
	char *output;
} GenArgs;

static gboolean
table_from_args(GenTable *t, const GenArgs *a, GError **error)
{
	if (!check_string("--host-nqn", a->host_nqn, error) ||
	    !check_string("--host-id", a->host_id, error) ||
	    !parse_uuid(a->host_id, t->host_id, error) ||
	    !parse_hfi_ip(t, a->hfi_ip ? a->hfi_ip : "127.0.0.1/8", error) ||
	    !parse_mac(a->hfi_mac ? a->hfi_mac : "00:00:00:00:00:00", t->hfi_mac, error))
		return FALSE;
	t->host_nqn = g_strdup(a->host_nqn);
	for (guint i = 0; a->ssns && a->ssns[i]; i++) {
		GenSsns *s = parse_ssns(a->ssns[i], error);

		if (s == NULL)
			return FALSE;
		g_ptr_array_add(t->ssns, s);
	}
	for (guint i = 0; a->discovery && a->discovery[i]; i++) {
		GenDiscovery *d = parse_discovery(a->discovery[i], error);

		if (d == NULL)
			return FALSE;
		g_ptr_array_add(t->discovery, d);
	}
	if (t->ssns->len > MAX_DESC || t->discovery->len > MAX_DESC)
		return fail(error, "at most %d SSNS and %d discovery descriptors", MAX_DESC,
			    MAX_DESC);
	return TRUE;
}

/* ---------------------------------------------------------------- output */

static void
put8(GByteArray *b, gsize at, guint8 v)
{
	b->data[at] = v;
}

static void
put16(GByteArray *b, gsize at, guint16 v)
{
	b->data[at] = v & 0xff;
	b->data[at + 1] = v >> 8;
}

static void
put32(GByteArray *b, gsize at, guint32 v)
{
	put16(b, at, v & 0xffff);
	put16(b, at + 2, v >> 16);
}

/*
 * append a heap object and store its reference (u32 offset from the start
 * of the table, u16 length) at ref.  strings are stored with a NUL that the
 * length does not count, as firmware does.
 */
static void
heap_put(GByteArray *b, gsize ref, const void *data, gsize len, gboolean nul)
{
	static const guint8 zero = 0;

	put32(b, ref, b->len);
	put16(b, ref + 4, (guint16)len);
	g_byte_array_append(b, data, (guint)len);
	if (nul)
		g_byte_array_append(b, &zero, 1);
}

static void
heap_string(GByteArray *b, gsize ref, const char *s)
{
	heap_put(b, ref, s, strlen(s), TRUE);
}

/* control descriptor list entry: offset, stride, version 1, count */
static void
put_list(GByteArray *b, gsize at, guint32 offset, guint16 stride, guint count)
{
	if (count == 0)
		return;
	put32(b, at, offset);
	put16(b, at + 4, stride);
	put8(b, at + 6, 1);
	put8(b, at + 7, (guint8)count);
}

static void
put_header(GByteArray *b)
{
	memcpy(b->data, "NBFT", 4);
	put8(b, 8, 1); /* major revision */
	memcpy(b->data + 10, "STAS  ", 6);
	memcpy(b->data + 16, "NBFTGEN ", 8);
	put32(b, 24, 1);
	memcpy(b->data + 28, "STAS", 4);
	put32(b, 32, 1);
	put8(b, 50, 0); /* minor revision: 1.0 */
}

static void
put_host(GByteArray *b, const GenTable *t, gsize at)
{
	put8(b, at, ID_HOST);
	/* valid, host id configured, host NQN configured */
	put8(b, at + 1, 0x01 | 0x02 | 0x04);
	memcpy(b->data + at + 2, t->host_id, 16);
	heap_string(b, at + 18, t->host_nqn);
}

static void
put_trinfo(GByteArray *b, const GenTable *t, gsize ref)
{
	guint8 ti[TRINFO_SIZE] = {0};
	/* an unset IPv4 field is ::ffff:0.0.0.0, as firmware writes it */
	guint8 unset[16] = {0};

	if (t->hfi_ipv4)
		unset[10] = unset[11] = 0xff;
	ti[0] = ID_TRINFO;
	ti[1] = 1;	     /* version */
	ti[2] = TRTYPE_TCP;  /* transport type */
	ti[3] = 1;	     /* transport info version */
	ti[4] = 1;	     /* HFI index, u16 */
	ti[6] = 0x01 | 0x02; /* valid, this HFI is the default route */
	memcpy(ti + 11, t->hfi_mac, 6);
	ti[19] = 1; /* IP origin: manual */
	memcpy(ti + 20, t->hfi_ip, 16);
	ti[36] = t->hfi_prefix;
	memcpy(ti + 37, unset, 16); /* gateway */
	memcpy(ti + 56, unset, 16); /* primary DNS */
	memcpy(ti + 72, unset, 16); /* secondary DNS */
	memcpy(ti + 88, unset, 16); /* DHCP server */
	heap_put(b, ref, ti, sizeof(ti), FALSE);
}

static void
put_hfi(GByteArray *b, const GenTable *t, gsize at)
{
	put8(b, at, ID_HFI);
	put8(b, at + 1, 1);    /* index */
	put8(b, at + 2, 0x01); /* valid */
	put8(b, at + 3, TRTYPE_TCP);
	put_trinfo(b, t, at + 16);
}

static void
put_ssns(GByteArray *b, const GenSsns *s, guint index, gsize at)
{
	/* valid, digests as given */
	guint16 trflags = 0x01 | (s->hdr_digest ? 0x02 : 0) | (s->data_digest ? 0x04 : 0);

	put8(b, at, ID_SSNS);
	put16(b, at + 1, (guint16)index);
	put16(b, at + 3, 0x0001); /* valid; availability not indicated */
	put8(b, at + 5, TRTYPE_TCP);
	put16(b, at + 6, trflags);
	heap_put(b, at + 10, s->addr, 16, FALSE);
	heap_string(b, at + 16, s->trsvcid);
	put32(b, at + 24, s->nsid);
	put8(b, at + 46, 1); /* primary HFI */
	heap_string(b, at + 54, s->nqn);
}

static void
put_discovery(GByteArray *b, const GenDiscovery *d, guint index, gsize at)
{
	put8(b, at, ID_DISCOVERY);
	put8(b, at + 1, 0x01); /* valid */
	put8(b, at + 2, (guint8)index);
	put8(b, at + 3, 1); /* HFI */
	heap_string(b, at + 6, d->uri);
	if (d->nqn)
		heap_string(b, at + 12, d->nqn);
}

/* header, control, host, HFI, SSNS, discovery; then the heap */
static GByteArray *
build(const GenTable *t)
{
	guint n_ssns = t->ssns->len, n_disc = t->discovery->len;
	gsize ctl = HEADER_SIZE, host = ctl + CONTROL_SIZE, hfi = host + HOST_SIZE;
	gsize ssns = hfi + HFI_SIZE, disc = ssns + (gsize)n_ssns * SSNS_SIZE;
	gsize heap = disc + (gsize)n_disc * DISC_SIZE;
	GByteArray *b = g_byte_array_sized_new((guint)heap + 1024);
	guint8 sum = 0;

	g_byte_array_set_size(b, (guint)heap);
	memset(b->data, 0, heap);
	put_header(b);
	put8(b, ctl, ID_CONTROL);
	put8(b, ctl + 1, 1);		 /* major */
	put16(b, ctl + 4, CONTROL_SIZE); /* structure length */
	put8(b, ctl + 6, 0x01);		 /* valid */
	put32(b, ctl + 8, (guint32)host);
	put16(b, ctl + 12, HOST_SIZE);
	put8(b, ctl + 14, 1); /* host descriptor version */
	put_list(b, ctl + 16, (guint32)hfi, HFI_SIZE, 1);
	put_list(b, ctl + 24, (guint32)ssns, SSNS_SIZE, n_ssns);
	put_list(b, ctl + 40, (guint32)disc, DISC_SIZE, n_disc);

	put_host(b, t, host);
	put_hfi(b, t, hfi);
	for (guint i = 0; i < n_ssns; i++)
		put_ssns(b, g_ptr_array_index(t->ssns, i), i + 1, ssns + i * SSNS_SIZE);
	for (guint i = 0; i < n_disc; i++)
		put_discovery(b, g_ptr_array_index(t->discovery, i), i + 1, disc + i * DISC_SIZE);

	put32(b, 36, (guint32)heap);
	put32(b, 40, b->len - (guint32)heap);
	put32(b, 4, b->len);
	/* the bytes of the whole table sum to zero */
	for (guint i = 0; i < b->len; i++)
		sum = (guint8)(sum + b->data[i]);
	put8(b, 9, (guint8)(0x100 - sum));
	return b;
}

int
main(int argc, char **argv)
{
	GenArgs a = {0};
	GOptionEntry entries[] = {
		{"host-nqn", 0, 0, G_OPTION_ARG_STRING, &a.host_nqn, "host NQN", "NQN"},
		{"host-id", 0, 0, G_OPTION_ARG_STRING, &a.host_id, "host ID", "UUID"},
		{"hfi-ip", 0, 0, G_OPTION_ARG_STRING, &a.hfi_ip, "HFI address (127.0.0.1/8)",
		 "ADDR/PREFIX"},
		{"hfi-mac", 0, 0, G_OPTION_ARG_STRING, &a.hfi_mac, "HFI MAC (00:00:00:00:00:00)",
		 "MAC"},
		{"ssns", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.ssns, "a subsystem namespace",
		 "traddr=A;trsvcid=P;subsysnqn=N[;nsid=N][;hdr-digest=B][;data-digest=B]"},
		{"discovery", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.discovery,
		 "a discovery controller", "uri=URI[;subsysnqn=NQN]"},
		{"output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output, "the table file", "FILE"},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- write an ACPI NBFT");
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) table = NULL;
	GenTable t = {
		.ssns = g_ptr_array_new_with_free_func(ssns_free),
		.discovery = g_ptr_array_new_with_free_func(discovery_free),
	};
	int rc = 1;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) ||
	    (a.output == NULL && !fail(&error, "-o FILE is missing")) ||
	    !table_from_args(&t, &a, &error)) {
		fprintf(stderr, "nbft-gen: %s\n", error->message);
	} else {
		table = build(&t);
		if (g_file_set_contents(a.output, (const char *)table->data, table->len, &error))
			rc = 0;
		else
			fprintf(stderr, "nbft-gen: %s\n", error->message);
	}
	table_clear(&t);
	g_free(a.host_nqn);
	g_free(a.host_id);
	g_free(a.hfi_ip);
	g_free(a.hfi_mac);
	g_strfreev(a.ssns);
	g_strfreev(a.discovery);
	g_free(a.output);
	return rc;
}
