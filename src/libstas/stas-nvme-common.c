/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the pure half of the kernel seam: connect option building, the discovery
 * log read algorithm, sysfs value parsing.  shared by the real seam
 * (stas-nvme.c) and any fake kernel; no I/O here.
 */
#include "config.h"

#include <string.h>

#include "stas/stas-error.h"
#include "stas/stas-nvme.h"
#include "stas/stas-tid.h"
#include "stas/stas-validate.h"

#define SECRET_MAX     1024 /* far above any DHHC-1 representation */
#define QUEUE_SIZE_MIN 16   /* NVMF_MIN_QUEUE_SIZE */
#define QUEUE_SIZE_MAX 1024

/* ------------------------------------------------------------------------ */
/* connect parameters                                                        */

StasNvmeConnectParams *
stas_nvme_connect_params_new(void)
{
	StasNvmeConnectParams *p = g_new0(StasNvmeConnectParams, 1);

	p->kato = STAS_NVME_UNSET;
	p->queue_size = STAS_NVME_UNSET;
	p->nr_io_queues = STAS_NVME_UNSET;
	p->nr_write_queues = STAS_NVME_UNSET;
	p->nr_poll_queues = STAS_NVME_UNSET;
	p->reconnect_delay = STAS_NVME_UNSET;
	p->ctrl_loss_tmo = STAS_NVME_UNSET;
	return p;
}

StasNvmeConnectParams *
stas_nvme_connect_params_copy(const StasNvmeConnectParams *p)
{
	StasNvmeConnectParams *c = g_memdup2(p, sizeof(*p));

	c->transport = g_strdup(p->transport);
	c->traddr = g_strdup(p->traddr);
	c->trsvcid = g_strdup(p->trsvcid);
	c->subsysnqn = g_strdup(p->subsysnqn);
	c->host_traddr = g_strdup(p->host_traddr);
	c->host_iface = g_strdup(p->host_iface);
	c->host_nqn = g_strdup(p->host_nqn);
	c->host_id = g_strdup(p->host_id);
	c->host_symname = g_strdup(p->host_symname);
	c->host_key = g_strdup(p->host_key);
	c->dhchap_secret = g_strdup(p->dhchap_secret);
	c->dhchap_ctrl_secret = g_strdup(p->dhchap_ctrl_secret);
	return c;
}

void
stas_nvme_connect_params_free(StasNvmeConnectParams *p)
{
	if (p == NULL)
		return;
	g_free(p->transport);
	g_free(p->traddr);
	g_free(p->trsvcid);
	g_free(p->subsysnqn);
	g_free(p->host_traddr);
	g_free(p->host_iface);
	g_free(p->host_nqn);
	g_free(p->host_id);
	g_free(p->host_symname);
	g_free(p->host_key);
	g_free(p->dhchap_secret);
	g_free(p->dhchap_ctrl_secret);
	g_free(p);
}

/* ------------------------------------------------------------------------ */
/* value checks: the last line of defence before the kernel (SPEC 5)        */

static gboolean
is_set(const char *s)
{
	return s != NULL && *s != '\0';
}

/*
 * a DH-HMAC-CHAP secret ("DHHC-1:00:<base64>:"): printable, no ',' or
 * whitespace, '=' allowed (base64 padding, SPEC Q1).  the message never
 * shows the secret, not even a part of it (B3).
 */
static gboolean
check_secret(const char *key, const char *v, GError **error)
{
	gsize len = strlen(v);

	if (len > SECRET_MAX) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%s: %" G_GSIZE_FORMAT " bytes, at most %d allowed", key, len,
			    SECRET_MAX);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)v[i];

		if (c <= 0x20 || c >= 0x7f || c == ',') {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "%s: forbidden byte at offset %" G_GSIZE_FORMAT, key, i);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
check_uuid(const char *key, const char *v, GError **error)
{
	g_autofree char *quoted = NULL;

	if (g_uuid_string_is_valid(v))
		return TRUE;
	quoted = stas_str_quote(v, -1);
	g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s %s: not a UUID", key, quoted);
	return FALSE;
}

/* ------------------------------------------------------------------------ */
/* what each transport takes (kernel 6.1 allowed_opts)                       */

typedef struct {
	const char *name;
	gboolean need_traddr;
	gboolean need_host_traddr;
	gboolean trsvcid;
	gboolean host_traddr;
	gboolean host_iface;
	gboolean extra_queues; /* nr_write_queues, nr_poll_queues */
	gboolean reconnect;    /* reconnect_delay, ctrl_loss_tmo */
	gboolean digests;
} TransportRules;

static const TransportRules transport_rules[] = {
	{"tcp", TRUE, FALSE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE},
	{"rdma", TRUE, FALSE, TRUE, TRUE, FALSE, TRUE, TRUE, FALSE},
	{"fc", TRUE, TRUE, FALSE, TRUE, FALSE, FALSE, TRUE, FALSE},
	{"loop", FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE},
};

static const TransportRules *
transport_rules_find(const char *transport)
{
	for (gsize i = 0; i < G_N_ELEMENTS(transport_rules); i++) {
		if (g_strcmp0(transport_rules[i].name, transport) == 0)
			return &transport_rules[i];
	}
	return NULL;
}

/* the DH-HMAC-CHAP host secret that goes out: per controller, else the host's */
static const char *
host_secret(const StasNvmeConnectParams *p)
{
	return is_set(p->dhchap_secret) ? p->dhchap_secret : p->host_key;
}

/* every address value the transport will pass */
static gboolean
check_addresses(const StasNvmeConnectParams *p, const TransportRules *t, GError **error)
{
	if (t->need_host_traddr && !is_set(p->host_traddr)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "host-traddr: missing for %s",
			    t->name);
		return FALSE;
	}
	if ((t->need_traddr || is_set(p->traddr)) &&
	    !stas_validate_traddr(t->name, p->traddr, error))
		return FALSE;
	if (t->host_traddr && is_set(p->host_traddr) &&
	    !stas_validate_host_traddr(t->name, p->host_traddr, error))
		return FALSE;
	if (t->trsvcid && is_set(p->trsvcid) && !stas_validate_trsvcid(t->name, p->trsvcid, error))
		return FALSE;
	if (t->host_iface && is_set(p->host_iface) && !stas_validate_iface(p->host_iface, error))
		return FALSE;
	return TRUE;
}

static gboolean
check_identity(const StasNvmeConnectParams *p, GError **error)
{
	if (!stas_validate_nqn(p->subsysnqn, error)) {
		g_prefix_error(error, "subsystem: ");
		return FALSE;
	}
	/* no host NQN: the kernel would make up a random one, never that */
	if (!stas_validate_nqn(p->host_nqn, error)) {
		g_prefix_error(error, "host: ");
		return FALSE;
	}
	if (is_set(p->host_id) && !check_uuid("host ID", p->host_id, error))
		return FALSE;
	if (p->discovery)
		return TRUE; /* a DC gets no secrets */
	if (is_set(host_secret(p)) && !check_secret("dhchap-secret", host_secret(p), error))
		return FALSE;
	if (is_set(p->dhchap_ctrl_secret) &&
	    !check_secret("dhchap-ctrl-secret", p->dhchap_ctrl_secret, error))
		return FALSE;
	return TRUE;
}

static gboolean
check_numbers(const StasNvmeConnectParams *p, GError **error)
{
	if (!p->discovery && p->queue_size != STAS_NVME_UNSET && p->queue_size > 0 &&
	    (p->queue_size < QUEUE_SIZE_MIN || p->queue_size > QUEUE_SIZE_MAX)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "queue-size: %d is outside %d..%d", p->queue_size, QUEUE_SIZE_MIN,
			    QUEUE_SIZE_MAX);
		return FALSE;
	}
	return TRUE;
}

/* ------------------------------------------------------------------------ */
/* the option string                                                         */

typedef struct {
	GString *s;
	const StasNvmeOptions *kernel;
	GPtrArray *dropped;
} Builder;

/* one of the four options only some kernels take (REFERENCE 2.10) */
static gboolean
is_capability(const char *name)
{
	static const StasNvmeCap caps[] = {
		STAS_NVME_CAP_DISCOVERY,
		STAS_NVME_CAP_HOST_IFACE,
		STAS_NVME_CAP_DHCHAP_SECRET,
		STAS_NVME_CAP_DHCHAP_CTRL_SECRET,
	};

	for (gsize i = 0; i < G_N_ELEMENTS(caps); i++) {
		if (g_strcmp0(stas_nvme_cap_option_name(caps[i]), name) == 0)
			return TRUE;
	}
	return FALSE;
}

/*
 * with the kernel's list: what it lists.  without: a capability when the
 * kernel version implies it, the others (in every kernel since 5.x) blind.
 * nothing known at all: no capability.
 */
static gboolean
kernel_takes(const Builder *b, const char *name)
{
	if (b->kernel == NULL)
		return !is_capability(name);
	if (stas_nvme_options_list_known(b->kernel) || is_capability(name))
		return stas_nvme_options_has_option(b->kernel, name);
	return TRUE;
}

static void
drop(Builder *b, const char *name, const char *reason)
{
	if (b->dropped != NULL)
		g_ptr_array_add(b->dropped, g_strdup_printf("%s: %s", name, reason));
}

/* value NULL: a flag option ("discovery") */
static void
add(Builder *b, const char *name, const char *value)
{
	if (!kernel_takes(b, name)) {
		drop(b, name, "not supported by the kernel");
		return;
	}
	if (value == NULL)
		g_string_append_printf(b->s, ",%s", name);
	else
		g_string_append_printf(b->s, ",%s=%s", name, value);
}

/* a string option given by the user: added when the transport takes it */
static void
add_str_for(Builder *b, const char *name, const char *value, gboolean transport_ok,
	    const char *transport)
{
	g_autofree char *reason = NULL;

	if (!is_set(value))
		return;
	if (!transport_ok) {
		reason = g_strdup_printf("not used by %s", transport);
		drop(b, name, reason);
		return;
	}
	add(b, name, value);
}

static void
add_int(Builder *b, const char *name, int value, gboolean ok, const char *why_not)
{
	char num[16];

	if (value == STAS_NVME_UNSET || value <= 0)
		return;
	if (!ok) {
		drop(b, name, why_not);
		return;
	}
	g_snprintf(num, sizeof(num), "%d", value);
	add(b, name, num);
}

static void
add_flag(Builder *b, const char *name, gboolean value, gboolean ok, const char *why_not)
{
	if (!value)
		return;
	if (!ok) {
		drop(b, name, why_not);
		return;
	}
	add(b, name, NULL);
}

static void
build_addresses(Builder *b, const StasNvmeConnectParams *p, const TransportRules *t)
{
	add_str_for(b, "traddr", p->traddr, TRUE, t->name);
	add_str_for(b, "host_traddr", p->host_traddr, t->host_traddr, t->name);
	add_str_for(b, "host_iface", p->host_iface, t->host_iface, t->name);
	add_str_for(b, "trsvcid", p->trsvcid, t->trsvcid, t->name);
}

static void
build_identity(Builder *b, const StasNvmeConnectParams *p)
{
	add(b, "hostnqn", p->host_nqn);
	if (is_set(p->host_id))
		add(b, "hostid", p->host_id);
	/* the kernel knows the well-known NQN; a unique discovery NQN needs the flag */
	if (p->discovery && strcmp(p->subsysnqn, STAS_WELL_KNOWN_DISC_NQN) != 0)
		add(b, "discovery", NULL);
	add_str_for(b, "dhchap_secret", host_secret(p), !p->discovery, "discovery controllers");
	add_str_for(b, "dhchap_ctrl_secret", p->dhchap_ctrl_secret, !p->discovery,
		    "discovery controllers");
}

static void
build_tuning(Builder *b, const StasNvmeConnectParams *p, const TransportRules *t)
{
	gboolean io = !p->discovery;
	const char *dc_reason = "not used by discovery controllers";
	g_autofree char *tr_reason = g_strdup_printf("not used by %s", t->name);

	add_int(b, "nr_io_queues", p->nr_io_queues, io, dc_reason);
	add_int(b, "nr_write_queues", p->nr_write_queues, io && t->extra_queues,
		io ? tr_reason : dc_reason);
	add_int(b, "nr_poll_queues", p->nr_poll_queues, io && t->extra_queues,
		io ? tr_reason : dc_reason);
	add_int(b, "queue_size", p->queue_size, io, dc_reason);
	add_int(b, "keep_alive_tmo", p->kato, TRUE, NULL);
	add_int(b, "reconnect_delay", p->reconnect_delay, t->reconnect, tr_reason);
	if (p->ctrl_loss_tmo != STAS_NVME_UNSET) {
		/* any negative value means "forever" to the kernel */
		char num[16];

		g_snprintf(num, sizeof(num), "%d", p->ctrl_loss_tmo < 0 ? -1 : p->ctrl_loss_tmo);
		if (t->reconnect)
			add(b, "ctrl_loss_tmo", num);
		else
			drop(b, "ctrl_loss_tmo", tr_reason);
	}
	add_flag(b, "disable_sqflow", p->disable_sqflow, TRUE, NULL);
	add_flag(b, "hdr_digest", p->hdr_digest, t->digests, tr_reason);
	add_flag(b, "data_digest", p->data_digest, t->digests, tr_reason);
}

char *
stas_nvme_connect_options_build(const StasNvmeConnectParams *p, const StasNvmeOptions *kernel,
				GPtrArray **dropped, GError **error)
{
	const TransportRules *t = transport_rules_find(p->transport);
	g_autoptr(GPtrArray) drops = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) s = NULL;
	Builder b = {NULL, kernel, drops};

	if (t == NULL) {
		stas_validate_transport(p->transport, error);
		return NULL;
	}
	if (!check_identity(p, error) || !check_addresses(p, t, error) || !check_numbers(p, error))
		return NULL;

	s = g_string_new(NULL);
	g_string_append_printf(s, "nqn=%s,transport=%s", p->subsysnqn, t->name);
	b.s = s;
	build_addresses(&b, p, t);
	build_identity(&b, p);
	build_tuning(&b, p, t);

	if (s->len >= STAS_NVME_CONNECT_MAX) {
		explicit_bzero(s->str, s->len);
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "connect options: %" G_GSIZE_FORMAT " bytes, the kernel takes < %d",
			    s->len, STAS_NVME_CONNECT_MAX);
		return NULL;
	}
	if (dropped != NULL)
		*dropped = g_steal_pointer(&drops);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

gboolean
stas_nvme_connect_reply_parse(const char *reply, int *instance, GError **error)
{
	g_auto(GStrv) tokens = g_strsplit_set(reply ? reply : "", ",\n", -1);

	for (char **t = tokens; *t != NULL; t++) {
		guint64 n = 0;

		if (!g_str_has_prefix(*t, "instance="))
			continue;
		if (!g_ascii_string_to_unsigned(*t + strlen("instance="), 10, 0, G_MAXINT, &n,
						NULL))
			break;
		*instance = (int)n;
		return TRUE;
	}
	g_set_error(error, STAS_ERROR, STAS_ERROR_IO,
		    "no controller instance in the kernel's reply to connect");
	return FALSE;
}

/* "<prefix><digits>" with 1..9 digits; *end gets what follows the digits */
static gboolean
has_number_after(const char *s, const char *prefix, const char **end)
{
	gsize n = 0;

	if (!g_str_has_prefix(s, prefix))
		return FALSE;
	s += strlen(prefix);
	while (g_ascii_isdigit(s[n]))
		n++;
	if (n == 0 || n > 9)
		return FALSE;
	*end = s + n;
	return TRUE;
}

gboolean
stas_nvme_device_name_is_valid(const char *device)
{
	const char *end = NULL;

	return device != NULL && has_number_after(device, "nvme", &end) && *end == '\0';
}

gboolean
stas_nvme_sysfs_name_is_namespace(const char *name)
{
	const char *p = NULL;

	if (name == NULL || !has_number_after(name, "nvme", &p))
		return FALSE;
	if (*p == 'c' && !has_number_after(p, "c", &p))
		return FALSE;
	return has_number_after(p, "n", &p) && *p == '\0';
}

/* ------------------------------------------------------------------------ */
/* discovery log read (SPEC B1)                                              */

typedef struct {
	StasNvmeLogChunkFunc func;
	gpointer user_data;
	guint8 lsp;
	guint max_records;
	guint max_retries;
	guint chunk_size;
} DlpReader;

static gboolean
dlp_command(const DlpReader *r, guint64 offset, guint32 len, gboolean rae, guint8 *buf,
	    GError **error)
{
	gssize got = r->func(r->user_data, offset, len, rae, r->lsp, buf, error);

	if (got < 0) {
		g_prefix_error(error, "discovery log at offset %" G_GUINT64_FORMAT ": ", offset);
		return FALSE;
	}
	if ((gsize)got != len) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO,
			    "discovery log at offset %" G_GUINT64_FORMAT ": %" G_GSSIZE_FORMAT
			    " of %u bytes",
			    offset, got, len);
		return FALSE;
	}
	return TRUE;
}

static void
dlp_header(const guint8 *hdr, guint64 *genctr, guint64 *numrec)
{
	guint64 g, n;

	memcpy(&g, hdr, sizeof(g));
	memcpy(&n, hdr + 8, sizeof(n));
	*genctr = GUINT64_FROM_LE(g);
	*numrec = GUINT64_FROM_LE(n);
}

typedef enum {
	DLP_DONE,    /* consistent read, *out set */
	DLP_CHANGED, /* the log changed while being read: again */
	DLP_FAILED,  /* error set */
} DlpOutcome;

/* one pass: header, entries, header again with RAE=0 */
static DlpOutcome
dlp_read_once(const DlpReader *r, GBytes **out, GError **error)
{
	guint8 hdr[STAS_NVME_DLP_HEADER_SIZE];
	guint64 genctr, numrec, genctr2, numrec2;
	gsize total;
	g_autofree guint8 *buf = NULL;

	if (!dlp_command(r, 0, sizeof(hdr), TRUE, hdr, error))
		return DLP_FAILED;
	dlp_header(hdr, &genctr, &numrec);
	if (numrec > r->max_records) {
		/* still clear RAE so the controller can tell us when it is fixed */
		if (!dlp_command(r, 0, sizeof(hdr), FALSE, hdr, error))
			return DLP_FAILED;
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "discovery log: numrec %" G_GUINT64_FORMAT " above the limit of %u",
			    numrec, r->max_records);
		return DLP_FAILED;
	}

	total = STAS_NVME_DLP_HEADER_SIZE + (gsize)numrec * STAS_NVME_DLP_ENTRY_SIZE;
	buf = g_malloc0(total);
	for (gsize off = STAS_NVME_DLP_HEADER_SIZE; off < total; off += r->chunk_size) {
		guint32 len = (guint32)MIN((gsize)r->chunk_size, total - off);

		if (!dlp_command(r, off, len, TRUE, buf + off, error))
			return DLP_FAILED;
	}
	if (!dlp_command(r, 0, STAS_NVME_DLP_HEADER_SIZE, FALSE, buf, error))
		return DLP_FAILED;
	dlp_header(buf, &genctr2, &numrec2);
	if (genctr2 != genctr || numrec2 != numrec)
		return DLP_CHANGED;

	*out = g_bytes_new_take(g_steal_pointer(&buf), total);
	return DLP_DONE;
}

GBytes *
stas_nvme_dlp_read(StasNvmeLogChunkFunc get_chunk, gpointer user_data, guint8 lsp,
		   const StasNvmeDlpLimits *limits, GError **error)
{
	DlpReader r = {
		.func = get_chunk,
		.user_data = user_data,
		.lsp = lsp,
		.max_records = STAS_NVME_DLP_MAX_RECORDS,
		.max_retries = STAS_NVME_DLP_MAX_RETRIES,
		.chunk_size = STAS_NVME_DLP_CHUNK_SIZE,
	};

	if (limits != NULL && limits->max_records > 0)
		r.max_records = MIN(limits->max_records, (guint)STAS_NVME_DLP_MAX_RECORDS);
	if (limits != NULL && limits->max_retries > 0)
		r.max_retries = limits->max_retries;
	if (limits != NULL && limits->chunk_size >= 4)
		r.chunk_size = limits->chunk_size & ~3u; /* whole dwords */

	for (guint attempt = 0; attempt < r.max_retries; attempt++) {
		GBytes *out = NULL;

		switch (dlp_read_once(&r, &out, error)) {
		case DLP_DONE:
			return out;
		case DLP_FAILED:
			return NULL;
		case DLP_CHANGED:
		default:
			break;
		}
	}
	g_set_error(error, STAS_ERROR, STAS_ERROR_BUSY,
		    "discovery log: the generation counter changed during each of %u reads",
		    r.max_retries);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* sysfs values                                                              */

char *
stas_nvme_sysfs_value_clean(const char *raw, gsize len)
{
	char *v;

	if (raw == NULL)
		return g_strdup("");
	v = g_strndup(raw, len);
	g_strstrip(v);
	for (char *c = v; *c != '\0'; c++) {
		if ((guchar)*c < 0x20 || (guchar)*c >= 0x7f)
			*c = '?';
	}
	if (g_ascii_strcasecmp(v, "none") == 0 || strcmp(v, "(efault)") == 0)
		*v = '\0';
	return v;
}

void
stas_nvme_ctrl_info_parse_address(StasNvmeCtrlInfo *info, const char *address)
{
	g_auto(GStrv) tokens = g_strsplit(address ? address : "", ",", -1);
	struct {
		const char *key;
		char **field;
	} keys[] = {
		{"traddr", &info->traddr},	     {"trsvcid", &info->trsvcid},
		{"host_traddr", &info->host_traddr}, {"host_iface", &info->host_iface},
		{"src_addr", &info->src_addr},
	};

	for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
		g_free(*keys[k].field);
		*keys[k].field = g_strdup("");
	}
	for (char **t = tokens; *t != NULL; t++) {
		char *eq = strchr(*t, '=');

		if (eq == NULL)
			continue;
		*eq = '\0';
		for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
			if (strcmp(*t, keys[k].key) != 0)
				continue;
			g_free(*keys[k].field);
			*keys[k].field = stas_nvme_sysfs_value_clean(eq + 1, strlen(eq + 1));
		}
	}
}

void
stas_nvme_ctrl_info_free(StasNvmeCtrlInfo *info)
{
	if (info == NULL)
		return;
	g_free(info->device);
	g_free(info->transport);
	g_free(info->subsysnqn);
	g_free(info->hostnqn);
	g_free(info->hostid);
	g_free(info->address);
	g_free(info->cntrltype);
	g_free(info->dctype);
	g_free(info->model);
	g_free(info->serial);
	g_free(info->firmware_rev);
	g_free(info->state);
	g_free(info->cntlid);
	g_free(info->kato);
	g_free(info->traddr);
	g_free(info->trsvcid);
	g_free(info->host_traddr);
	g_free(info->host_iface);
	g_free(info->src_addr);
	g_free(info);
}
