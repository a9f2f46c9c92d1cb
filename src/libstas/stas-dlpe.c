/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "stas/stas-dlpe.h"
#include "stas/stas-error.h"
#include "stas/stas-iputil.h"
#include "stas/stas-validate.h"

/* entry layout (NVMe base spec, Discovery Log Page Entry) */
#define OFF_TRTYPE  0
#define OFF_ADRFAM  1
#define OFF_SUBTYPE 2
#define OFF_TREQ    3
#define OFF_PORTID  4
#define OFF_CNTLID  6
#define OFF_ASQSZ   8
#define OFF_EFLAGS  10
#define OFF_TRSVCID 32
#define LEN_TRSVCID 32
#define OFF_SUBNQN  256
#define LEN_SUBNQN  256
#define OFF_TRADDR  512
#define LEN_TRADDR  256
#define OFF_TSAS    768

/* header layout */
#define OFF_GENCTR 0
#define OFF_NUMREC 8
#define OFF_RECFMT 16

static guint16
get_le16(const guint8 *p)
{
	return (guint16)(p[0] | (p[1] << 8));
}

static guint64
get_le64(const guint8 *p)
{
	guint64 v;

	memcpy(&v, p, sizeof(v));
	return GUINT64_FROM_LE(v);
}

/* ---- names: the spellings of the libnvme python binding ---- */

const char *
stas_dlpe_trtype_name(guint8 trtype)
{
	switch (trtype) {
	case STAS_DLPE_TRTYPE_UNSPECIFIED:
		return "unspecified";
	case STAS_DLPE_TRTYPE_RDMA:
		return "rdma";
	case STAS_DLPE_TRTYPE_FC:
		return "fc";
	case STAS_DLPE_TRTYPE_TCP:
		return "tcp";
	case STAS_DLPE_TRTYPE_LOOP:
		return "loop";
	default:
		return NULL;
	}
}

const char *
stas_dlpe_adrfam_name(guint8 adrfam)
{
	static const char *const names[] = {"pci", "ipv4", "ipv6", "infiniband", "fc"};

	return adrfam < G_N_ELEMENTS(names) ? names[adrfam] : NULL;
}

const char *
stas_dlpe_subtype_name(guint8 subtype)
{
	switch (subtype) {
	case STAS_DLPE_SUBTYPE_REFERRAL:
		return "referral";
	case STAS_DLPE_SUBTYPE_NVME:
		return "nvme";
	case STAS_DLPE_SUBTYPE_DISCOVERY:
		return "discovery";
	default:
		return NULL;
	}
}

const char *
stas_dlpe_treq_name(guint8 treq)
{
	/* the binding matches whole values, so 5 (required + sqflow) has no name */
	switch (treq) {
	case 0:
		return "not specified";
	case 1:
		return "required";
	case 2:
		return "not required";
	case 4:
		return "disable sqflow";
	default:
		return NULL;
	}
}

static const char *
sectype_name(guint8 v)
{
	static const char *const names[] = {"none", "tls", "tls1.3"};

	return v < G_N_ELEMENTS(names) ? names[v] : "reserved";
}

static const char *
qptype_name(guint8 v)
{
	static const char *const names[] = {"reserved", "connected", "datagram"};

	return v < G_N_ELEMENTS(names) ? names[v] : "reserved";
}

static const char *
prtype_name(guint8 v)
{
	static const char *const names[] = {
		"reserved", "not specified", "infiniband", "roce", "rocev2", "iwarp",
	};

	return v < G_N_ELEMENTS(names) ? names[v] : "reserved";
}

static const char *
cms_name(guint8 v)
{
	return v == 1 ? "cm" : "reserved";
}

static char *
name_or_number(const char *name, guint8 value)
{
	return name ? g_strdup(name) : g_strdup_printf("%u", value);
}

char *
stas_dlpe_transport(const StasDlpe *dlpe)
{
	return name_or_number(stas_dlpe_trtype_name(dlpe->trtype), dlpe->trtype);
}

static char *
tsas_repr_new(guint8 trtype, const guint8 *tsas)
{
	if (trtype == STAS_DLPE_TRTYPE_TCP)
		return g_strdup_printf("{'sectype': '%s'}", sectype_name(tsas[0]));
	if (trtype == STAS_DLPE_TRTYPE_RDMA)
		return g_strdup_printf("{'qptype': '%s', 'prtype': '%s', 'cms': '%s'}",
				       qptype_name(tsas[0]), prtype_name(tsas[1]),
				       cms_name(tsas[2]));
	return NULL;
}

const char *
stas_dlpe_tsas_repr(const StasDlpe *dlpe)
{
	return dlpe->tsas_repr;
}

/* ---- StasDlpe ---- */

StasDlpe *
stas_dlpe_ref(StasDlpe *dlpe)
{
	g_return_val_if_fail(dlpe != NULL, NULL);
	g_atomic_int_inc(&dlpe->ref);
	return dlpe;
}

void
stas_dlpe_unref(StasDlpe *dlpe)
{
	if (dlpe == NULL || !g_atomic_int_dec_and_test(&dlpe->ref))
		return;
	g_free((char *)dlpe->trsvcid);
	g_free((char *)dlpe->subnqn);
	g_free((char *)dlpe->traddr);
	g_free(dlpe->tsas_repr);
	g_free(dlpe);
}

gboolean
stas_dlpe_equal(const StasDlpe *a, const StasDlpe *b)
{
	if (a == b)
		return TRUE;
	return a->trtype == b->trtype && a->adrfam == b->adrfam && a->subtype == b->subtype &&
	       a->treq == b->treq && a->portid == b->portid && a->cntlid == b->cntlid &&
	       a->asqsz == b->asqsz && a->eflags == b->eflags &&
	       g_str_equal(a->trsvcid, b->trsvcid) && g_str_equal(a->subnqn, b->subnqn) &&
	       g_str_equal(a->traddr, b->traddr) && g_strcmp0(a->tsas_repr, b->tsas_repr) == 0;
}

gboolean
stas_dlpe_ncc(const StasDlpe *dlpe)
{
	return (dlpe->eflags & STAS_DLPE_EFLAGS_NCC) != 0;
}

static void
map_put(GHashTable *map, const char *key, char *value)
{
	g_hash_table_insert(map, g_strdup(key), value);
}

GHashTable *
stas_dlpe_to_map(const StasDlpe *e)
{
	GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	map_put(map, "trtype", stas_dlpe_transport(e));
	map_put(map, "adrfam", name_or_number(stas_dlpe_adrfam_name(e->adrfam), e->adrfam));
	map_put(map, "traddr", g_strdup(e->traddr));
	map_put(map, "trsvcid", g_strdup(e->trsvcid));
	map_put(map, "subnqn", g_strdup(e->subnqn));
	map_put(map, "subtype", name_or_number(stas_dlpe_subtype_name(e->subtype), e->subtype));
	map_put(map, "treq", name_or_number(stas_dlpe_treq_name(e->treq), e->treq));
	map_put(map, "portid", g_strdup_printf("%u", e->portid));
	map_put(map, "cntlid", g_strdup_printf("%u", e->cntlid));
	map_put(map, "asqsz", g_strdup_printf("%u", e->asqsz));
	map_put(map, "eflags", g_strdup_printf("%u", e->eflags));
	if (e->tsas_repr)
		map_put(map, "tsas", g_strdup(e->tsas_repr));
	return map;
}

/* borrowed strings in a borrowed-key table */
static void
map_borrow(GHashTable *map, const char *key, const char *value)
{
	g_hash_table_insert(map, (gpointer)key, (gpointer)value);
}

/* the TID rule of REFERENCE 5.2 on already extracted entry fields */
static StasTid *
tid_from_fields(const char *transport, const char *traddr, const char *trsvcid, const char *subnqn,
		gboolean is_ioc, const StasTid *dc, const StasTidDefaults *defaults)
{
	g_autoptr(GHashTable) map = g_hash_table_new(g_str_hash, g_str_equal);
	StasTidDefaults d = {0};

	if (defaults)
		d = *defaults;
	d.kind = is_ioc ? STAS_TID_KIND_IOC : STAS_TID_KIND_DC;

	map_borrow(map, "transport", transport);
	map_borrow(map, "traddr", traddr);
	map_borrow(map, "trsvcid", trsvcid);
	map_borrow(map, "subsysnqn", subnqn);
	if (dc) {
		map_borrow(map, "host-traddr", dc->host_traddr);
		map_borrow(map, "host-iface", dc->host_iface);
		/* an empty DC host NQN leaves the sys.conf one in place */
		if (*dc->host_nqn)
			map_borrow(map, "host-nqn", dc->host_nqn);
	}
	return stas_tid_new_from_map(map, &d);
}

StasTid *
stas_dlpe_to_tid(const StasDlpe *dlpe, const StasTid *dc, const StasTidDefaults *defaults)
{
	g_autofree char *transport = stas_dlpe_transport(dlpe);

	return tid_from_fields(transport, dlpe->traddr, dlpe->trsvcid, dlpe->subnqn,
			       dlpe->subtype == STAS_DLPE_SUBTYPE_NVME, dc, defaults);
}

static const char *
map_str(GHashTable *map, const char *key)
{
	const char *v = map ? g_hash_table_lookup(map, key) : NULL;

	return v ? v : "";
}

StasTid *
stas_dlpe_map_to_tid(GHashTable *map, const StasTid *dc, const StasTidDefaults *defaults)
{
	return tid_from_fields(map_str(map, "trtype"), map_str(map, "traddr"),
			       map_str(map, "trsvcid"), map_str(map, "subnqn"),
			       g_str_equal(map_str(map, "subtype"), "nvme"), dc, defaults);
}

gboolean
stas_dlpe_map_ncc(GHashTable *map)
{
	guint64 eflags = 0;

	if (!g_ascii_string_to_unsigned(map_str(map, "eflags"), 10, 0, G_MAXUINT16, &eflags, NULL))
		return FALSE;
	return (eflags & STAS_DLPE_EFLAGS_NCC) != 0;
}

gboolean
stas_dlpe_list_equal_subtype(GPtrArray *a, GPtrArray *b, guint8 subtype)
{
	guint ia = 0, ib = 0;
	guint na = a ? a->len : 0, nb = b ? b->len : 0;

	for (;;) {
		while (ia < na && ((StasDlpe *)a->pdata[ia])->subtype != subtype)
			ia++;
		while (ib < nb && ((StasDlpe *)b->pdata[ib])->subtype != subtype)
			ib++;
		if (ia == na || ib == nb)
			return ia == na && ib == nb;
		if (!stas_dlpe_equal(a->pdata[ia], b->pdata[ib]))
			return FALSE;
		ia++;
		ib++;
	}
}

gboolean
stas_dlpe_list_equal(GPtrArray *a, GPtrArray *b)
{
	guint na = a ? a->len : 0, nb = b ? b->len : 0;

	if (na != nb)
		return FALSE;
	for (guint i = 0; i < na; i++)
		if (!stas_dlpe_equal(a->pdata[i], b->pdata[i]))
			return FALSE;
	return TRUE;
}

/* ---- parsing one entry ---- */

/* len bytes of s without the whitespace around them, newly allocated */
static char *
strip_space(const char *s, gsize len)
{
	gsize start = 0, end = len;

	while (start < end && g_ascii_isspace(s[start]))
		start++;
	while (end > start && g_ascii_isspace(s[end - 1]))
		end--;
	return g_strndup(s + start, end - start);
}

/*
 * a string field: the bytes up to the first NUL, or, without a NUL, a
 * field padded with spaces to its end.  a field filled to the last byte
 * may have been cut: refused.  then surrounding whitespace goes (some DCs
 * pad with spaces).  non-printable bytes stay for the validator to see.
 */
static char *
field_text(const guint8 *field, gsize size, GError **error)
{
	const guint8 *nul = memchr(field, 0, size);
	gsize start = 0, end;

	if (nul) {
		end = (gsize)(nul - field);
	} else {
		end = size;
		while (end > 0 && field[end - 1] == ' ')
			end--;
		if (end == size) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "not NUL-terminated (fills the whole %" G_GSIZE_FORMAT
				    "-byte field)",
				    size);
			return NULL;
		}
	}
	return strip_space((const char *)field + start, end - start);
}

/* the addresses some CDCs put in entries that name nothing */
static gboolean
is_placeholder(const char *traddr)
{
	static const guint8 zero[16] = {0};
	StasIpAddr addr;

	if (*traddr == '\0' || g_str_equal(traddr, "0.0.0.0") || g_str_equal(traddr, "::"))
		return TRUE;
	if (!stas_ip_parse(traddr, TRUE, &addr))
		return FALSE;
	return memcmp(addr.bytes, zero, addr.family == AF_INET ? 4 : 16) == 0;
}

/* fields that could reach the kernel, checked per transport */
static gboolean
entry_validate(const StasDlpe *e, const char **field, GError **error)
{
	const char *transport = stas_dlpe_trtype_name(e->trtype);
	gboolean known = e->trtype != STAS_DLPE_TRTYPE_UNSPECIFIED && transport != NULL;
	gboolean ip = e->trtype == STAS_DLPE_TRTYPE_TCP || e->trtype == STAS_DLPE_TRTYPE_RDMA;

	*field = "traddr";
	if (known && !stas_validate_traddr(transport, e->traddr, error))
		return FALSE;
	if (!known && !stas_validate_token("traddr", e->traddr, error))
		return FALSE;
	/* fc/loop connects never use trsvcid (the TID clears it): a token suffices */
	*field = "trsvcid";
	if (ip && !stas_validate_trsvcid(transport, e->trsvcid, error))
		return FALSE;
	if (!ip && !stas_validate_token("trsvcid", e->trsvcid, error))
		return FALSE;
	*field = "subnqn";
	return stas_validate_nqn(e->subnqn, error);
}

static gboolean
entry_strings(StasDlpe *e, const guint8 *raw, const char **field, GError **error)
{
	*field = "traddr";
	e->traddr = field_text(raw + OFF_TRADDR, LEN_TRADDR, error);
	if (!e->traddr)
		return FALSE;
	*field = "trsvcid";
	e->trsvcid = field_text(raw + OFF_TRSVCID, LEN_TRSVCID, error);
	if (!e->trsvcid)
		return FALSE;
	*field = "subnqn";
	e->subnqn = field_text(raw + OFF_SUBNQN, LEN_SUBNQN, error);
	return e->subnqn != NULL;
}

static StasDlpe *
entry_decode(const guint8 *raw)
{
	StasDlpe *e = g_new0(StasDlpe, 1);

	e->ref = 1;
	e->trtype = raw[OFF_TRTYPE];
	e->adrfam = raw[OFF_ADRFAM];
	e->subtype = raw[OFF_SUBTYPE];
	e->treq = raw[OFF_TREQ];
	e->portid = get_le16(raw + OFF_PORTID);
	e->cntlid = get_le16(raw + OFF_CNTLID);
	e->asqsz = get_le16(raw + OFF_ASQSZ);
	e->eflags = get_le16(raw + OFF_EFLAGS);
	memcpy(e->tsas, raw + OFF_TSAS, sizeof(e->tsas));
	e->tsas_repr = tsas_repr_new(e->trtype, e->tsas);
	return e;
}

/* ---- an entry from typed fields ---- */

/* a string as the wire parser would have read it from a field of size bytes */
static char *
fields_text(const char *s, gsize size, GError **error)
{
	gsize len = s ? strlen(s) : 0;

	if (len >= size) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%" G_GSIZE_FORMAT " bytes do not fit the %" G_GSIZE_FORMAT
			    "-byte field with its NUL",
			    len, size);
		return NULL;
	}
	return strip_space(s ? s : "", len);
}

static gboolean
fields_strings(StasDlpe *e, const StasDlpe *f, const char **field, GError **error)
{
	*field = "traddr";
	e->traddr = fields_text(f->traddr, LEN_TRADDR, error);
	if (!e->traddr)
		return FALSE;
	*field = "trsvcid";
	e->trsvcid = fields_text(f->trsvcid, LEN_TRSVCID, error);
	if (!e->trsvcid)
		return FALSE;
	*field = "subnqn";
	e->subnqn = fields_text(f->subnqn, LEN_SUBNQN, error);
	return e->subnqn != NULL;
}

StasDlpe *
stas_dlpe_new_from_fields(const StasDlpe *f, GError **error)
{
	g_autoptr(StasDlpe) e = g_new0(StasDlpe, 1);
	const char *field = NULL;

	e->ref = 1;
	e->trtype = f->trtype;
	e->adrfam = f->adrfam;
	e->subtype = f->subtype;
	e->treq = f->treq;
	e->portid = f->portid;
	e->cntlid = f->cntlid;
	e->asqsz = f->asqsz;
	e->eflags = f->eflags;
	memcpy(e->tsas, f->tsas, sizeof(e->tsas));
	e->tsas_repr = tsas_repr_new(e->trtype, e->tsas);
	if (!fields_strings(e, f, &field, error)) {
		g_prefix_error(error, "%s: ", field);
		return NULL;
	}
	/* the wire parser drops these silently: here the caller gets to say so */
	if (is_placeholder(e->traddr)) {
		g_autofree char *q = stas_str_quote(e->traddr, -1);

		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "traddr: %s is a placeholder address that names nothing", q);
		return NULL;
	}
	if (!entry_validate(e, &field, error)) {
		g_prefix_error(error, "%s: ", field);
		return NULL;
	}
	return g_steal_pointer(&e);
}

/* ---- parsing the page ---- */

StasDlpeLog *
stas_dlpe_log_ref(StasDlpeLog *log)
{
	g_return_val_if_fail(log != NULL, NULL);
	g_atomic_int_inc(&log->ref);
	return log;
}

void
stas_dlpe_log_unref(StasDlpeLog *log)
{
	if (log == NULL || !g_atomic_int_dec_and_test(&log->ref))
		return;
	g_ptr_array_unref(log->entries);
	g_ptr_array_unref(log->diagnostics);
	g_free(log);
}

gboolean
stas_dlpe_log_parse_header(const guint8 *data, gsize len, guint64 *genctr, guint64 *numrec,
			   guint16 *recfmt, GError **error)
{
	if (data == NULL || len < STAS_DLP_HEADER_SIZE) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "discovery log of %" G_GSIZE_FORMAT
			    " bytes is shorter than its %d-byte header",
			    data ? len : 0, STAS_DLP_HEADER_SIZE);
		return FALSE;
	}
	if (genctr)
		*genctr = get_le64(data + OFF_GENCTR);
	if (numrec)
		*numrec = get_le64(data + OFF_NUMREC);
	if (recfmt)
		*recfmt = get_le16(data + OFF_RECFMT);
	return TRUE;
}

static void diag(StasDlpeLog *log, const char *source, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* a diagnostic line, prefixed with the source when there is one */
static void
diag(StasDlpeLog *log, const char *source, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (source)
		g_ptr_array_add(log->diagnostics, g_strdup_printf("%s: %s", source, msg));
	else
		g_ptr_array_add(log->diagnostics, g_steal_pointer(&msg));
}

/* how many entries to read, with a diagnostic for each count that lies */
static guint
entries_to_read(StasDlpeLog *log, gsize len, const char *source)
{
	gsize body = len - STAS_DLP_HEADER_SIZE;
	gsize available = body / STAS_DLPE_SIZE;
	guint64 n = log->numrec;

	if (n > STAS_DLP_MAX_RECORDS) {
		diag(log, source,
		     "discovery log claims %" G_GUINT64_FORMAT
		     " records, more than the %d this host reads",
		     log->numrec, STAS_DLP_MAX_RECORDS);
		n = STAS_DLP_MAX_RECORDS;
	}
	if (n > available) {
		diag(log, source,
		     "discovery log claims %" G_GUINT64_FORMAT " records but its %" G_GSIZE_FORMAT
		     " bytes hold only %" G_GSIZE_FORMAT,
		     log->numrec, len, available);
		n = available;
	} else if (log->numrec <= STAS_DLP_MAX_RECORDS && body > n * STAS_DLPE_SIZE) {
		diag(log, source,
		     "discovery log has %" G_GSIZE_FORMAT " bytes beyond its %" G_GUINT64_FORMAT
		     " records: ignored",
		     body - (gsize)n * STAS_DLPE_SIZE, log->numrec);
	}
	return (guint)n;
}

static void
parse_entry(StasDlpeLog *log, const guint8 *raw, guint index, const char *source)
{
	g_autoptr(StasDlpe) e = entry_decode(raw);
	g_autoptr(GError) error = NULL;
	const char *field = NULL;
	gsize offset = STAS_DLP_HEADER_SIZE + (gsize)index * STAS_DLPE_SIZE;

	if (!entry_strings(e, raw, &field, &error)) {
		diag(log, source,
		     "discovery log entry %u (byte offset %" G_GSIZE_FORMAT ") dropped: %s: %s",
		     index, offset, field, error->message);
		return;
	}
	if (is_placeholder(e->traddr)) {
		log->n_placeholders++;
		return;
	}
	if (!entry_validate(e, &field, &error)) {
		diag(log, source,
		     "discovery log entry %u (byte offset %" G_GSIZE_FORMAT ") dropped: %s: %s",
		     index, offset, field, error->message);
		return;
	}
	g_ptr_array_add(log->entries, g_steal_pointer(&e));
}

StasDlpeLog *
stas_dlpe_log_parse(const guint8 *data, gsize len, const char *source, GError **error)
{
	StasDlpeLog *log;
	guint64 genctr, numrec;
	guint16 recfmt;
	guint n;

	if (!stas_dlpe_log_parse_header(data, len, &genctr, &numrec, &recfmt, error)) {
		if (source)
			g_prefix_error(error, "%s: ", source);
		return NULL;
	}
	log = g_new0(StasDlpeLog, 1);
	log->ref = 1;
	log->genctr = genctr;
	log->numrec = numrec;
	log->recfmt = recfmt;
	log->diagnostics = g_ptr_array_new_with_free_func(g_free);
	if (recfmt != 0)
		diag(log, source, "discovery log has record format %u, expected 0", recfmt);
	n = entries_to_read(log, len, source);
	log->entries = g_ptr_array_new_full(n, (GDestroyNotify)stas_dlpe_unref);
	for (guint i = 0; i < n; i++)
		parse_entry(log, data + STAS_DLP_HEADER_SIZE + (gsize)i * STAS_DLPE_SIZE, i,
			    source);
	return log;
}
