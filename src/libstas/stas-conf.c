/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "stas/stas-conf.h"
#include "stas/stas-ctrl-spec.h"
#include "stas/stas-error.h"
#include "stas/stas-iputil.h"
#include "stas/stas-timeparse.h"

#define SECTION_GLOBAL "Global"
#define SECTION_SD     "Service Discovery"
#define SECTION_DCCM   "Discovery controller connection management"
#define SECTION_IOCCM  "I/O controller connection management"
#define SECTION_CTRLS  "Controllers"

#define NQN_MAX_LEN	 223
#define ZEROCONF_PERSIST (72.0 * 3600.0)
/* long values are cut in messages: a log line is not the place for 1 MiB */
#define MSG_VALUE_MAX 200
/* so is a list of 10000 invalid names */
#define MSG_LIST_MAX 64

typedef enum {
	TYPE_BOOL,	 /* true / false, any case */
	TYPE_ENABLED,	 /* enabled / disabled, any case */
	TYPE_INT,	 /* base 10 */
	TYPE_QUEUE_SIZE, /* base 10, 16..1024 */
	TYPE_IP_FAMILY,	 /* ipv4, ipv6, ipv4+ipv6, ipv6+ipv4 */
	TYPE_SCOPE,	 /* disconnect-scope words */
	TYPE_TRTYPES,	 /* '+'-joined tcp, rdma, fc */
	TYPE_NCC,	 /* integer, 1 -> 2 */
	TYPE_TIMESPAN,	 /* stas_timeparse() */
} OptType;

#define KIND_BIT(k) (1u << (k))
#define STAFD	    KIND_BIT(STAS_CONF_KIND_STAFD)
#define STACD	    KIND_BIT(STAS_CONF_KIND_STACD)

typedef struct {
	const char *section;
	const char *name;
	OptType type;
	guint kinds;
} OptDesc;

static const OptDesc options[STAS_OPT_N_OPTIONS] = {
	[STAS_OPT_TRON] = {SECTION_GLOBAL, "tron", TYPE_BOOL, STAFD | STACD},
	[STAS_OPT_HDR_DIGEST] = {SECTION_GLOBAL, "hdr-digest", TYPE_BOOL, STAFD | STACD},
	[STAS_OPT_DATA_DIGEST] = {SECTION_GLOBAL, "data-digest", TYPE_BOOL, STAFD | STACD},
	[STAS_OPT_KATO] = {SECTION_GLOBAL, "kato", TYPE_INT, STAFD | STACD},
	[STAS_OPT_NR_IO_QUEUES] = {SECTION_GLOBAL, "nr-io-queues", TYPE_INT, STACD},
	[STAS_OPT_NR_WRITE_QUEUES] = {SECTION_GLOBAL, "nr-write-queues", TYPE_INT, STACD},
	[STAS_OPT_NR_POLL_QUEUES] = {SECTION_GLOBAL, "nr-poll-queues", TYPE_INT, STACD},
	[STAS_OPT_QUEUE_SIZE] = {SECTION_GLOBAL, "queue-size", TYPE_QUEUE_SIZE, STAFD | STACD},
	[STAS_OPT_RECONNECT_DELAY] = {SECTION_GLOBAL, "reconnect-delay", TYPE_INT, STAFD | STACD},
	[STAS_OPT_CTRL_LOSS_TMO] = {SECTION_GLOBAL, "ctrl-loss-tmo", TYPE_INT, STAFD | STACD},
	[STAS_OPT_DISABLE_SQFLOW] = {SECTION_GLOBAL, "disable-sqflow", TYPE_BOOL, STAFD | STACD},
	[STAS_OPT_IGNORE_IFACE] = {SECTION_GLOBAL, "ignore-iface", TYPE_BOOL, STAFD | STACD},
	[STAS_OPT_IP_FAMILY] = {SECTION_GLOBAL, "ip-family", TYPE_IP_FAMILY, STAFD | STACD},
	[STAS_OPT_PLEO] = {SECTION_GLOBAL, "pleo", TYPE_ENABLED, STAFD},
	[STAS_OPT_ZEROCONF] = {SECTION_SD, "zeroconf", TYPE_ENABLED, STAFD},
	[STAS_OPT_PERSISTENT_CONNECTIONS] = {SECTION_DCCM, "persistent-connections", TYPE_BOOL,
					     STAFD},
	[STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE] = {SECTION_DCCM,
						       "zeroconf-connections-persistence",
						       TYPE_TIMESPAN, STAFD},
	[STAS_OPT_DISCONNECT_SCOPE] = {SECTION_IOCCM, "disconnect-scope", TYPE_SCOPE, STACD},
	[STAS_OPT_DISCONNECT_TRTYPES] = {SECTION_IOCCM, "disconnect-trtypes", TYPE_TRTYPES, STACD},
	[STAS_OPT_CONNECT_ATTEMPTS_ON_NCC] = {SECTION_IOCCM, "connect-attempts-on-ncc", TYPE_NCC,
					      STACD},
};

/* the [Global] options a controller= entry may override (REFERENCE 2.8) */
static const StasConfOption override_opts[] = {
	STAS_OPT_TRON,
	STAS_OPT_KATO,
	STAS_OPT_PLEO,
	STAS_OPT_IP_FAMILY,
	STAS_OPT_QUEUE_SIZE,
	STAS_OPT_HDR_DIGEST,
	STAS_OPT_DATA_DIGEST,
	STAS_OPT_IGNORE_IFACE,
	STAS_OPT_NR_IO_QUEUES,
	STAS_OPT_CTRL_LOSS_TMO,
	STAS_OPT_DISABLE_SQFLOW,
	STAS_OPT_NR_POLL_QUEUES,
	STAS_OPT_NR_WRITE_QUEUES,
	STAS_OPT_RECONNECT_DELAY,
};

/* the other keys a controller= entry knows */
static const char *const spec_keys[] = {
	"transport",  "traddr",	  "trsvcid",	   "subsysnqn",		 "host-traddr",
	"host-iface", "host-nqn", "dhchap-secret", "dhchap-ctrl-secret",
};

typedef struct {
	gboolean set;
	int i;
	double d;
} OptValue;

struct _StasConf {
	gint ref;
	StasConfKind kind;
	char *path;
	StasIni *ini;
	GPtrArray *diags;	 /* StasDiag* */
	GPtrArray *controllers;	 /* StasConfSpec* */
	GPtrArray *excludes;	 /* StasConfSpec* */
	GPtrArray *exclude_maps; /* GHashTable*, the maps of excludes */
	OptValue values[STAS_OPT_N_OPTIONS];
};

typedef enum {
	CHECK_OK,
	CHECK_TEXT,    /* text check failed */
	CHECK_CONVERT, /* data conversion failed */
	CHECK_RANGE,   /* out of range */
	CHECK_EMPTY,   /* list check left nothing */
} CheckResult;

static void
spec_free(StasConfSpec *spec)
{
	if (spec == NULL)
		return;
	g_hash_table_unref(spec->map);
	g_free(spec);
}

static OptValue
default_value(StasConfKind kind, StasConfOption opt)
{
	OptValue v = {.set = TRUE};

	switch (opt) {
	case STAS_OPT_KATO:
		/* stafd keeps its DCs alive with 30 s; stacd leaves it to the kernel */
		v.set = kind == STAS_CONF_KIND_STAFD;
		v.i = 30;
		break;
	case STAS_OPT_NR_IO_QUEUES:
	case STAS_OPT_NR_WRITE_QUEUES:
	case STAS_OPT_NR_POLL_QUEUES:
	case STAS_OPT_QUEUE_SIZE:
	case STAS_OPT_RECONNECT_DELAY:
	case STAS_OPT_CTRL_LOSS_TMO:
	case STAS_OPT_DISABLE_SQFLOW:
		v.set = FALSE;
		break;
	case STAS_OPT_IP_FAMILY:
		v.i = STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6;
		break;
	case STAS_OPT_PLEO:
	case STAS_OPT_ZEROCONF:
	case STAS_OPT_PERSISTENT_CONNECTIONS:
		v.i = TRUE;
		break;
	case STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE:
		v.d = ZEROCONF_PERSIST;
		break;
	case STAS_OPT_DISCONNECT_SCOPE:
		v.i = STAS_DISCONNECT_SCOPE_ONLY_STAS_CONNECTIONS;
		break;
	case STAS_OPT_DISCONNECT_TRTYPES:
		v.i = STAS_TRTYPE_TCP;
		break;
	default:
		/* tron, digests, ignore-iface: false; connect-attempts-on-ncc: 0 */
		v.i = 0;
		break;
	}
	return v;
}

/* base 10, optional sign, fits an int */
static gboolean
parse_int(const char *text, int *out)
{
	const char *p = text;
	gint64 v = 0;
	gboolean neg = FALSE;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!g_ascii_isdigit(*p))
		return FALSE;
	for (; *p; p++) {
		if (!g_ascii_isdigit(*p))
			return FALSE;
		v = v * 10 + (*p - '0');
		if (v > (gint64)G_MAXINT + 1)
			return FALSE;
	}
	v = neg ? -v : v;
	if (v > G_MAXINT || v < G_MININT)
		return FALSE;
	*out = (int)v;
	return TRUE;
}

static gboolean
parse_bool_word(const char *text, const char *yes, const char *no, int *out)
{
	if (g_ascii_strcasecmp(text, yes) == 0)
		*out = TRUE;
	else if (g_ascii_strcasecmp(text, no) == 0)
		*out = FALSE;
	else
		return FALSE;
	return TRUE;
}

static gboolean
parse_ip_family(const char *text, int *out)
{
	if (g_str_equal(text, "ipv4"))
		*out = STAS_IP_FAMILY_V4;
	else if (g_str_equal(text, "ipv6"))
		*out = STAS_IP_FAMILY_V6;
	else if (g_str_equal(text, "ipv4+ipv6") || g_str_equal(text, "ipv6+ipv4"))
		*out = STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6;
	else
		return FALSE;
	return TRUE;
}

static gboolean
parse_scope(const char *text, int *out)
{
	if (g_str_equal(text, "only-stas-connections"))
		*out = STAS_DISCONNECT_SCOPE_ONLY_STAS_CONNECTIONS;
	else if (g_str_equal(text, "all-connections-matching-disconnect-trtypes"))
		*out = STAS_DISCONNECT_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES;
	else if (g_str_equal(text, "no-disconnect"))
		*out = STAS_DISCONNECT_SCOPE_NO_DISCONNECT;
	else
		return FALSE;
	return TRUE;
}

/* each '+' item must be tcp, rdma or fc; bad ones go to bad_items */
static CheckResult
parse_trtypes(const char *text, OptValue *out, GPtrArray *bad_items)
{
	g_auto(GStrv) items = g_strsplit(text, "+", -1);
	int flags = 0;

	/* g_strsplit("") is empty, python's "".split("+") is [""] */
	if (*text == '\0' && bad_items)
		g_ptr_array_add(bad_items, g_strdup(""));

	for (guint i = 0; items[i]; i++) {
		if (g_str_equal(items[i], "tcp"))
			flags |= STAS_TRTYPE_TCP;
		else if (g_str_equal(items[i], "rdma"))
			flags |= STAS_TRTYPE_RDMA;
		else if (g_str_equal(items[i], "fc"))
			flags |= STAS_TRTYPE_FC;
		else if (bad_items)
			g_ptr_array_add(bad_items, g_strdup(items[i]));
	}
	if (flags == 0)
		return CHECK_EMPTY;
	out->i = flags;
	return CHECK_OK;
}

/* the checks of REFERENCE 2.6 in their order: text, conversion, range, list */
static CheckResult
check_value(OptType type, const char *text, OptValue *out, GPtrArray *bad_items)
{
	out->set = TRUE;
	switch (type) {
	case TYPE_BOOL:
		return parse_bool_word(text, "true", "false", &out->i) ? CHECK_OK : CHECK_TEXT;
	case TYPE_ENABLED:
		return parse_bool_word(text, "enabled", "disabled", &out->i) ? CHECK_OK
									     : CHECK_TEXT;
	case TYPE_IP_FAMILY:
		return parse_ip_family(text, &out->i) ? CHECK_OK : CHECK_TEXT;
	case TYPE_SCOPE:
		return parse_scope(text, &out->i) ? CHECK_OK : CHECK_TEXT;
	case TYPE_INT:
		return parse_int(text, &out->i) ? CHECK_OK : CHECK_CONVERT;
	case TYPE_NCC:
		if (!parse_int(text, &out->i))
			return CHECK_CONVERT;
		/* a minimum of 2 attempts, 0 meaning "never give up" */
		if (out->i == 1)
			out->i = 2;
		return CHECK_OK;
	case TYPE_QUEUE_SIZE:
		if (!parse_int(text, &out->i))
			return CHECK_CONVERT;
		return out->i >= 16 && out->i <= 1024 ? CHECK_OK : CHECK_RANGE;
	case TYPE_TIMESPAN:
		return stas_timeparse(text, &out->d) ? CHECK_OK : CHECK_CONVERT;
	case TYPE_TRTYPES:
		return parse_trtypes(text, out, bad_items);
	default:
		return CHECK_CONVERT;
	}
}

static char *
shorten(const char *text)
{
	if (g_utf8_validate(text, -1, NULL) && g_utf8_strlen(text, -1) > MSG_VALUE_MAX) {
		g_autofree char *cut = g_utf8_substring(text, 0, MSG_VALUE_MAX);

		return g_strconcat(cut, "...", NULL);
	}
	return g_strdup(text);
}

/* names (keys, options) are shown, but never one that holds a DH-HMAC-CHAP secret */
static char *
shown_name(const char *name)
{
	if (strcasestr(name, "DHHC-") != NULL)
		return g_strdup("<redacted>");
	return shorten(name);
}

/*
 * check text and report what is wrong with upstream's words; where says
 * which file, section, option and line.  TRUE if *out may be used.
 */
static gboolean
check_and_report(StasConf *conf, const StasIniEntry *where, const char *section, const char *name,
		 OptType type, const char *text, const char *suffix, OptValue *out)
{
	g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *shown = shorten(text);
	CheckResult r = check_value(type, text, out, bad);
	const char *file = where->file;

	for (guint i = 0; i < bad->len; i++) {
		g_autofree char *item = shorten(bad->pdata[i]);

		stas_diag_list_add(conf->diags, STAS_DIAG_WARNING,
				   "File:%s [%s]: %s - List checker found invalid item \"%s\" will "
				   "be ignored.%s",
				   file, section, name, item, suffix);
	}
	switch (r) {
	case CHECK_OK:
		return TRUE;
	case CHECK_TEXT:
		stas_diag_list_add(conf->diags, STAS_DIAG_WARNING,
				   "File:%s [%s]: %s - Text check found invalid value \"%s\". "
				   "Default will be used%s",
				   file, section, name, shown, suffix);
		break;
	case CHECK_CONVERT:
		stas_diag_list_add(conf->diags, STAS_DIAG_WARNING,
				   "File:%s [%s]: %s - Data converter found invalid value \"%s\". "
				   "Default will be used%s",
				   file, section, name, shown, suffix);
		break;
	case CHECK_RANGE:
		stas_diag_list_add(conf->diags, STAS_DIAG_WARNING,
				   "File:%s [%s]: %s - \"%d\" is not within range 16..1024. "
				   "Default will be used%s",
				   file, section, name, out->i, suffix);
		break;
	default:
		/* CHECK_EMPTY: the items were reported, the default applies */
		break;
	}
	return FALSE;
}

static gboolean
check_entry(StasConf *conf, const StasIniEntry *e, OptType type, OptValue *out)
{
	g_autofree char *suffix = g_strdup_printf(" (line %u)", e->line);

	if (e->continuation)
		stas_diag_list_add(conf->diags, STAS_DIAG_WARNING,
				   "%s:%u: [%s] %s: this indented line is read as another value of "
				   "%s, and the last value is used",
				   e->file, e->line, e->section, e->key, e->key);
	/* a key without "=" has the empty value */
	return check_and_report(conf, e, e->section, e->key, type, e->value ? e->value : "", suffix,
				out);
}

static void
eval_option(StasConf *conf, StasConfOption opt)
{
	const OptDesc *d = &options[opt];
	const StasIniEntry *e;
	OptValue v = {0};

	conf->values[opt] = default_value(conf->kind, opt);
	if (!(d->kinds & KIND_BIT(conf->kind)))
		return;
	/* single-valued: the last occurrence wins, drop-ins included */
	e = stas_ini_get_last(conf->ini, d->section, d->name);
	if (e && check_entry(conf, e, d->type, &v))
		conf->values[opt] = v;
}

/*
 * REFERENCE 2.11: stafd still honours [Global] persistent-connections of
 * 2.0 configs: either key true means true; neither set means the default.
 */
static void
eval_legacy_persistent_connections(StasConf *conf)
{
	const StasIniEntry *legacy, *current;
	OptValue v = {0};
	gboolean result;

	if (conf->kind != STAS_CONF_KIND_STAFD)
		return;
	legacy = stas_ini_get_last(conf->ini, SECTION_GLOBAL, "persistent-connections");
	if (legacy == NULL)
		return;
	/* a bad legacy value is reported and counts as absent */
	if (!check_entry(conf, legacy, TYPE_BOOL, &v))
		return;
	current = stas_ini_get_last(conf->ini, SECTION_DCCM, "persistent-connections");
	result = v.i;
	if (current)
		result = result || conf->values[STAS_OPT_PERSISTENT_CONNECTIONS].i;
	conf->values[STAS_OPT_PERSISTENT_CONNECTIONS].i = result;
}

/* ---- invalid sections and options (REFERENCE 2.7, 2.11) ---- */

static gboolean
section_is_valid(StasConfKind kind, const char *section)
{
	if (g_str_equal(section, SECTION_CTRLS))
		return TRUE;
	for (guint i = 0; i < STAS_OPT_N_OPTIONS; i++)
		if ((options[i].kinds & KIND_BIT(kind)) && g_str_equal(options[i].section, section))
			return TRUE;
	return FALSE;
}

static gboolean
option_is_valid(StasConfKind kind, const char *section, const char *key)
{
	if (g_str_equal(section, SECTION_CTRLS))
		return g_str_equal(key, "controller") || g_str_equal(key, "exclude");
	for (guint i = 0; i < STAS_OPT_N_OPTIONS; i++)
		if ((options[i].kinds & KIND_BIT(kind)) &&
		    g_str_equal(options[i].section, section) && g_str_equal(options[i].name, key))
			return TRUE;
	return FALSE;
}

/* deprecated and obsolete keys get their own message; TRUE if key is one */
static gboolean
report_old_option(StasConf *conf, const StasIniEntry *e)
{
	const char *why = NULL;

	if (g_str_equal(e->section, SECTION_CTRLS) && g_str_equal(e->key, "blacklist"))
		why = "Deprecated option, read as \"exclude\": please use \"exclude\" instead";
	else if (!g_str_equal(e->section, SECTION_GLOBAL))
		return FALSE;
	else if (g_str_equal(e->key, "persistent-connections") &&
		 conf->kind == STAS_CONF_KIND_STAFD)
		why = "Deprecated location: please move it to [" SECTION_DCCM "]";
	else if (g_str_equal(e->key, "sticky-connections"))
		why = "Obsolete option, ignored: replaced by \"disconnect-scope\" and "
		      "\"disconnect-trtypes\" in [" SECTION_IOCCM "]";
	else if (g_str_equal(e->key, "udev-rule"))
		why = "Obsolete option, ignored: stafd always suppresses nvme-cli's udev rule "
		      "while it runs";
	if (why == NULL)
		return FALSE;
	stas_diag_list_add(conf->diags, STAS_DIAG_WARNING, "File:%s [%s]: %s - %s (line %u)",
			   e->file, e->section, e->key, why, e->line);
	return TRUE;
}

/* names seen in one file, with the line each first appeared on */
typedef struct {
	GPtrArray *names; /* const char*, first-appearance order */
	GArray *lines;	  /* guint */
	GHashTable *seen;
} NameList;

static NameList *
name_list_new(void)
{
	NameList *l = g_new0(NameList, 1);

	l->names = g_ptr_array_new();
	l->lines = g_array_new(FALSE, FALSE, sizeof(guint));
	l->seen = g_hash_table_new(g_str_hash, g_str_equal);
	return l;
}

static void
name_list_free(NameList *l)
{
	g_ptr_array_unref(l->names);
	g_array_unref(l->lines);
	g_hash_table_unref(l->seen);
	g_free(l);
}

static void
name_list_add(NameList *l, const char *name, guint line)
{
	if (!g_hash_table_add(l->seen, (gpointer)name))
		return;
	g_ptr_array_add(l->names, (gpointer)name);
	g_array_append_val(l->lines, line);
}

/* "{'a', 'b'} (lines 3, 7)": python's set notation, as upstream prints it */
static char *
name_list_format(const NameList *l)
{
	GString *s = g_string_new("{");
	guint n = MIN(l->names->len, MSG_LIST_MAX);

	for (guint i = 0; i < n; i++) {
		g_autofree char *name = shown_name(l->names->pdata[i]);

		g_string_append_printf(s, "%s'%s'", i ? ", " : "", name);
	}
	if (l->names->len > n)
		g_string_append_printf(s, ", ... (%u more)", l->names->len - n);
	g_string_append(s, l->names->len > 1 ? "} (lines " : "} (line ");
	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, "%s%u", i ? ", " : "", g_array_index(l->lines, guint, i));
	g_string_append_c(s, ')');
	return g_string_free(s, FALSE);
}

static void
report_file_options(StasConf *conf, const char *file, GPtrArray *sections)
{
	g_autoptr(GHashTable) bad = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
							  (GDestroyNotify)name_list_free);
	guint n = stas_ini_get_n_entries(conf->ini);

	for (guint i = 0; i < n; i++) {
		const StasIniEntry *e = stas_ini_get_entry(conf->ini, i);
		NameList *l;

		if (e->continuation || !g_str_equal(e->file, file) ||
		    !section_is_valid(conf->kind, e->section) ||
		    option_is_valid(conf->kind, e->section, e->key) || report_old_option(conf, e))
			continue;
		l = g_hash_table_lookup(bad, e->section);
		if (l == NULL) {
			l = name_list_new();
			g_hash_table_insert(bad, (gpointer)e->section, l);
		}
		name_list_add(l, e->key, e->line);
	}
	for (guint i = 0; i < sections->len; i++) {
		NameList *l = g_hash_table_lookup(bad, sections->pdata[i]);
		g_autofree char *list = NULL;

		if (l == NULL)
			continue;
		list = name_list_format(l);
		stas_diag_list_add(conf->diags, STAS_DIAG_ERROR,
				   "File:%s [%s] contains invalid options: %s", file,
				   (const char *)sections->pdata[i], list);
	}
}

static void
report_file(StasConf *conf, const char *file)
{
	g_autoptr(GPtrArray) sections = g_ptr_array_new();
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	NameList *bad_sections = name_list_new();
	guint n = stas_ini_get_n_headers(conf->ini);

	for (guint i = 0; i < n; i++) {
		const StasIniEntry *h = stas_ini_get_header(conf->ini, i);

		if (!g_str_equal(h->file, file) || !g_hash_table_add(seen, (gpointer)h->section))
			continue;
		g_ptr_array_add(sections, (gpointer)h->section);
		if (!section_is_valid(conf->kind, h->section))
			name_list_add(bad_sections, h->section, h->line);
	}
	report_file_options(conf, file, sections);
	if (bad_sections->names->len) {
		g_autofree char *list = name_list_format(bad_sections);

		stas_diag_list_add(conf->diags, STAS_DIAG_ERROR,
				   "File:%s contains invalid sections: %s", file, list);
	}
	name_list_free(bad_sections);
}

/* ---- controller= and exclude= ---- */

static void
add_spec_warnings(StasConf *conf, const StasIniEntry *e, const char *what, GPtrArray *warnings)
{
	for (guint i = 0; i < warnings->len; i++)
		stas_diag_list_add(conf->diags, STAS_DIAG_WARNING, "%s:%u: %s: %s", e->file,
				   e->line, what, (const char *)warnings->pdata[i]);
}

static gboolean
is_host_name(const char *s)
{
	gsize len = strlen(s);
	gsize label = 0;
	gboolean digits_only = TRUE;

	if (len == 0 || len > 253)
		return FALSE;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return FALSE;
			if (p[1] == '\0')
				break; /* a trailing dot: fully qualified */
			label = 0;
			digits_only = TRUE;
			continue;
		}
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
			return FALSE;
		if (!g_ascii_isdigit(*p))
			digits_only = FALSE;
		if (++label > 63)
			return FALSE;
	}
	/* "555.555.555.555" is a broken IP address, not a name */
	return !digits_only;
}

static gboolean
is_port(const char *s)
{
	int port;

	if (*s == '0' || *s == '+' || *s == '-' || strlen(s) > 5 || !parse_int(s, &port))
		return FALSE;
	return port >= 1 && port <= 65535;
}

static const char *
map_get(GHashTable *map, const char *key)
{
	const char *v = g_hash_table_lookup(map, key);

	return v ? v : "";
}

static gboolean
is_known_key(const char *key)
{
	for (guint i = 0; i < G_N_ELEMENTS(spec_keys); i++)
		if (g_str_equal(key, spec_keys[i]))
			return TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(override_opts); i++)
		if (g_str_equal(key, options[override_opts[i]].name))
			return TRUE;
	return FALSE;
}

static char *
normalize_override(OptType type, const char *text, const OptValue *v)
{
	switch (type) {
	case TYPE_BOOL:
		return g_strdup(v->i ? "true" : "false");
	case TYPE_ENABLED:
		return g_strdup(v->i ? "enabled" : "disabled");
	case TYPE_INT:
	case TYPE_QUEUE_SIZE:
	case TYPE_NCC:
		return g_strdup_printf("%d", v->i);
	default:
		return g_strdup(text);
	}
}

/*
 * REFERENCE 2.8 "recommended C behaviour": an override is checked like
 * [Global]; a bad one is dropped so the [Global] or kernel default applies.
 * Q23: stafd has no queue-count options, not even per controller.
 */
static void
check_overrides(StasConf *conf, const StasIniEntry *e, GHashTable *map)
{
	g_autofree char *suffix =
		g_strdup_printf(" (line %u, controller= override dropped)", e->line);

	for (guint i = 0; i < G_N_ELEMENTS(override_opts); i++) {
		StasConfOption opt = override_opts[i];
		const OptDesc *d = &options[opt];
		const char *text = g_hash_table_lookup(map, d->name);
		OptValue v = {0};

		if (text == NULL)
			continue;
		if (conf->kind == STAS_CONF_KIND_STAFD &&
		    (opt == STAS_OPT_NR_IO_QUEUES || opt == STAS_OPT_NR_WRITE_QUEUES ||
		     opt == STAS_OPT_NR_POLL_QUEUES)) {
			stas_diag_list_add(conf->diags, STAS_DIAG_WARNING,
					   "%s:%u: controller: %s is not used by stafd, ignored",
					   e->file, e->line, d->name);
			g_hash_table_remove(map, d->name);
			continue;
		}
		if (!check_and_report(conf, e, SECTION_GLOBAL, d->name, d->type, text, suffix,
				      &v)) {
			g_hash_table_remove(map, d->name);
			continue;
		}
		g_hash_table_insert(map, g_strdup(d->name), normalize_override(d->type, text, &v));
	}
}

/* no ',' (it would add options of its own to the kernel's connect string) */
static const char *
find_bad_value(GHashTable *map)
{
	GHashTableIter iter;
	gpointer k, v;

	g_hash_table_iter_init(&iter, map);
	while (g_hash_table_iter_next(&iter, &k, &v)) {
		for (const char *p = v; *p; p++)
			if (*p == ',' || g_ascii_isspace(*p))
				return k;
	}
	return NULL;
}

static void
report_unknown_keys(StasConf *conf, const StasIniEntry *e, GHashTable *map)
{
	GHashTableIter iter;
	gpointer k;

	g_hash_table_iter_init(&iter, map);
	while (g_hash_table_iter_next(&iter, &k, NULL)) {
		g_autofree char *key = NULL;

		if (is_known_key(k))
			continue;
		key = shown_name(k);
		stas_diag_list_add(conf->diags, STAS_DIAG_WARNING,
				   "%s:%u: controller: unknown key \"%s\" (not used)", e->file,
				   e->line, key);
	}
}

/* why the entry cannot be used, or NULL; fills a missing stafd NQN */
static char *
check_identity(StasConf *conf, GHashTable *map)
{
	const char *bad_key = find_bad_value(map);
	const char *transport = map_get(map, "transport");
	const char *traddr = map_get(map, "traddr");
	const char *trsvcid = map_get(map, "trsvcid");
	gboolean ip_transport = g_str_equal(transport, "tcp") || g_str_equal(transport, "rdma");
	g_autofree char *shown = NULL;

	if (bad_key) {
		shown = shown_name(bad_key);
		return g_strdup_printf("the value of \"%s\" contains \",\" or white space", shown);
	}
	if (*transport == '\0')
		return g_strdup("no transport");
	if (!ip_transport && !g_str_equal(transport, "fc") && !g_str_equal(transport, "loop")) {
		shown = shorten(transport);
		return g_strdup_printf("Invalid transport \"%s\" (not tcp, rdma, fc or loop)",
				       shown);
	}
	if (*traddr == '\0' && !g_str_equal(transport, "loop"))
		return g_strdup("no traddr");
	if (ip_transport && !stas_ip_parse(traddr, FALSE, NULL) && !is_host_name(traddr)) {
		shown = shorten(traddr);
		return g_strdup_printf("invalid traddr \"%s\" (not an IP address or host name)",
				       shown);
	}
	/* Q5: only tcp/rdma have a port, and an absent one is defaulted (Q6) */
	if (ip_transport && *trsvcid && !is_port(trsvcid)) {
		shown = shorten(trsvcid);
		return g_strdup_printf("invalid trsvcid \"%s\" (not a port number)", shown);
	}
	if (strlen(map_get(map, "subsysnqn")) > NQN_MAX_LEN)
		return g_strdup("subsysnqn is longer than 223 bytes");
	if (strlen(map_get(map, "host-nqn")) > NQN_MAX_LEN)
		return g_strdup("host-nqn is longer than 223 bytes");
	if (*map_get(map, "subsysnqn") == '\0') {
		if (conf->kind == STAS_CONF_KIND_STACD)
			return g_strdup("no subsysnqn (nqn=)");
		g_hash_table_insert(map, g_strdup("subsysnqn"), g_strdup(STAS_WELL_KNOWN_DISC_NQN));
	}
	return NULL;
}

static void
add_controller(StasConf *conf, const StasIniEntry *e)
{
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) map = stas_ctrl_spec_parse(e->value, warnings);
	g_autofree char *why = NULL;
	StasConfSpec *spec;

	add_spec_warnings(conf, e, "controller", warnings);
	if (g_hash_table_size(map) == 0) {
		stas_diag_list_add(conf->diags, STAS_DIAG_WARNING,
				   "%s:%u: controller: empty entry, ignored", e->file, e->line);
		return;
	}
	check_overrides(conf, e, map);
	report_unknown_keys(conf, e, map);
	why = check_identity(conf, map);
	if (why) {
		stas_diag_list_add(conf->diags, STAS_DIAG_WARNING,
				   "%s:%u: controller: %s, entry ignored", e->file, e->line, why);
		return;
	}
	spec = g_new0(StasConfSpec, 1);
	spec->map = g_steal_pointer(&map);
	spec->file = e->file;
	spec->line = e->line;
	g_ptr_array_add(conf->controllers, spec);
}

static void
add_exclude(StasConf *conf, const StasIniEntry *e)
{
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) map = stas_ctrl_spec_parse_exclude(e->value, warnings);
	StasConfSpec *spec;

	add_spec_warnings(conf, e, e->key, warnings);
	/* Q2: an empty entry would exclude every controller */
	if (g_hash_table_size(map) == 0) {
		stas_diag_list_add(conf->diags, STAS_DIAG_WARNING,
				   "%s:%u: %s: empty entry ignored (it would exclude every "
				   "controller)",
				   e->file, e->line, e->key);
		return;
	}
	spec = g_new0(StasConfSpec, 1);
	spec->map = g_steal_pointer(&map);
	spec->file = e->file;
	spec->line = e->line;
	g_ptr_array_add(conf->excludes, spec);
	g_ptr_array_add(conf->exclude_maps, spec->map);
}

static void
eval_specs(StasConf *conf)
{
	guint n = stas_ini_get_n_entries(conf->ini);

	/* list options: every value in order, continuation lines included */
	for (guint i = 0; i < n; i++) {
		const StasIniEntry *e = stas_ini_get_entry(conf->ini, i);

		if (!g_str_equal(e->section, SECTION_CTRLS))
			continue;
		if (g_str_equal(e->key, "controller"))
			add_controller(conf, e);
		else if (g_str_equal(e->key, "exclude") || g_str_equal(e->key, "blacklist"))
			add_exclude(conf, e);
	}
}

/* ---- the snapshot ---- */

StasConf *
stas_conf_new_from_ini(StasConfKind kind, StasIni *ini)
{
	StasConf *conf = g_new0(StasConf, 1);
	const GPtrArray *files = stas_ini_get_files(ini);
	const GPtrArray *ini_diags = stas_ini_get_diagnostics(ini);

	conf->ref = 1;
	conf->kind = kind;
	conf->ini = stas_ini_ref(ini);
	conf->path = g_strdup(files->len ? files->pdata[0]
					 : (kind == STAS_CONF_KIND_STAFD ? STAS_STAFD_CONF_PATH
									 : STAS_STACD_CONF_PATH));
	conf->diags = stas_diag_list_new();
	conf->controllers = g_ptr_array_new_with_free_func((GDestroyNotify)spec_free);
	conf->excludes = g_ptr_array_new_with_free_func((GDestroyNotify)spec_free);
	conf->exclude_maps = g_ptr_array_new();

	for (guint i = 0; i < ini_diags->len; i++) {
		const StasDiag *d = ini_diags->pdata[i];

		g_ptr_array_add(conf->diags, stas_diag_new(d->level, d->text));
	}
	for (guint i = 0; i < files->len; i++)
		report_file(conf, files->pdata[i]);
	for (guint i = 0; i < STAS_OPT_N_OPTIONS; i++)
		eval_option(conf, i);
	eval_legacy_persistent_connections(conf);
	eval_specs(conf);
	return conf;
}

StasConf *
stas_conf_load(StasConfKind kind, const char *path)
{
	g_autoptr(StasIni) ini = stas_ini_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *dropins = NULL;
	StasConf *conf;

	if (path == NULL)
		path = kind == STAS_CONF_KIND_STAFD ? STAS_STAFD_CONF_PATH : STAS_STACD_CONF_PATH;
	/* a missing file is all defaults, as upstream */
	if (!stas_ini_add_file(ini, path, &error) &&
	    g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND))
		g_clear_error(&error);
	dropins = g_strconcat(path, ".d", NULL);
	stas_ini_add_dropin_dir(ini, dropins);

	conf = stas_conf_new_from_ini(kind, ini);
	g_free(conf->path);
	conf->path = g_strdup(path);
	if (error) {
		g_autofree char *text = g_strdup_printf("%s, defaults used", error->message);

		g_ptr_array_insert(conf->diags, 0, stas_diag_new(STAS_DIAG_WARNING, text));
	}
	return conf;
}

StasConf *
stas_conf_ref(StasConf *conf)
{
	g_return_val_if_fail(conf != NULL, NULL);
	g_atomic_int_inc(&conf->ref);
	return conf;
}

void
stas_conf_unref(StasConf *conf)
{
	if (conf == NULL || !g_atomic_int_dec_and_test(&conf->ref))
		return;
	g_ptr_array_unref(conf->exclude_maps);
	g_ptr_array_unref(conf->excludes);
	g_ptr_array_unref(conf->controllers);
	g_ptr_array_unref(conf->diags);
	stas_ini_unref(conf->ini);
	g_free(conf->path);
	g_free(conf);
}

StasConfKind
stas_conf_get_kind(const StasConf *conf)
{
	return conf->kind;
}

const char *
stas_conf_get_path(const StasConf *conf)
{
	return conf->path;
}

const GPtrArray *
stas_conf_get_diagnostics(const StasConf *conf)
{
	return conf->diags;
}

const char *
stas_conf_option_section(StasConfOption opt)
{
	g_return_val_if_fail(opt < STAS_OPT_N_OPTIONS, NULL);
	return options[opt].section;
}

const char *
stas_conf_option_name(StasConfOption opt)
{
	g_return_val_if_fail(opt < STAS_OPT_N_OPTIONS, NULL);
	return options[opt].name;
}

gboolean
stas_conf_option_is_valid(StasConfKind kind, StasConfOption opt)
{
	g_return_val_if_fail(opt < STAS_OPT_N_OPTIONS, FALSE);
	return (options[opt].kinds & KIND_BIT(kind)) != 0;
}

gboolean
stas_conf_get_bool(const StasConf *conf, StasConfOption opt)
{
	g_return_val_if_fail(opt < STAS_OPT_N_OPTIONS, FALSE);
	return conf->values[opt].set && conf->values[opt].i;
}

gboolean
stas_conf_lookup_bool(const StasConf *conf, StasConfOption opt, gboolean *value)
{
	g_return_val_if_fail(opt < STAS_OPT_N_OPTIONS, FALSE);
	if (!conf->values[opt].set)
		return FALSE;
	if (value)
		*value = conf->values[opt].i != 0;
	return TRUE;
}

gboolean
stas_conf_lookup_int(const StasConf *conf, StasConfOption opt, int *value)
{
	g_return_val_if_fail(opt < STAS_OPT_N_OPTIONS, FALSE);
	if (!conf->values[opt].set)
		return FALSE;
	if (value)
		*value = conf->values[opt].i;
	return TRUE;
}

StasIpFamily
stas_conf_get_ip_family(const StasConf *conf)
{
	return conf->values[STAS_OPT_IP_FAMILY].i;
}

StasDisconnectScope
stas_conf_get_disconnect_scope(const StasConf *conf)
{
	return conf->values[STAS_OPT_DISCONNECT_SCOPE].i;
}

StasTrtype
stas_conf_get_disconnect_trtypes(const StasConf *conf)
{
	return conf->values[STAS_OPT_DISCONNECT_TRTYPES].i;
}

double
stas_conf_get_zeroconf_connections_persistence(const StasConf *conf)
{
	return conf->values[STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE].d;
}

int
stas_conf_get_connect_attempts_on_ncc(const StasConf *conf)
{
	return conf->values[STAS_OPT_CONNECT_ATTEMPTS_ON_NCC].i;
}

const char *const *
stas_conf_get_mdns_service_types(const StasConf *conf)
{
	static const char *const stypes[] = {"_nvme-disc._tcp", "_nvme-disc._udp", NULL};
	static const char *const none[] = {NULL};

	if (conf->kind == STAS_CONF_KIND_STAFD && stas_conf_get_bool(conf, STAS_OPT_ZEROCONF))
		return stypes;
	return none;
}

const GPtrArray *
stas_conf_get_controllers(const StasConf *conf)
{
	return conf->controllers;
}

const GPtrArray *
stas_conf_get_excludes(const StasConf *conf)
{
	return conf->excludes;
}

gboolean
stas_conf_is_excluded(const StasConf *conf, const StasTid *tid)
{
	return stas_ctrl_spec_excluded(conf->exclude_maps, tid);
}

void
stas_conf_get_tid_defaults(const StasConf *conf, const char *host_nqn, StasTidDefaults *out)
{
	out->kind = conf->kind == STAS_CONF_KIND_STAFD ? STAS_TID_KIND_DC : STAS_TID_KIND_IOC;
	out->host_nqn = host_nqn;
	out->ignore_iface = stas_conf_get_bool(conf, STAS_OPT_IGNORE_IFACE);
}

/* the override of opt in cfg if it parses, else the [Global] value */
static OptValue
effective(const StasConf *conf, GHashTable *cfg, StasConfOption opt)
{
	const OptDesc *d = &options[opt];
	const char *text = cfg ? g_hash_table_lookup(cfg, d->name) : NULL;
	OptValue v = {0};

	if (!(d->kinds & KIND_BIT(conf->kind)))
		return v;
	if (text && check_value(d->type, text, &v, NULL) == CHECK_OK)
		return v;
	return conf->values[opt];
}

static StasConfInt
effective_int(const StasConf *conf, GHashTable *cfg, StasConfOption opt)
{
	OptValue v = effective(conf, cfg, opt);
	StasConfInt r = {.set = v.set, .value = v.set ? v.i : 0};

	return r;
}

void
stas_conf_get_conn_params(const StasConf *conf, GHashTable *cfg, StasConnParams *out)
{
	OptValue v;

	out->kato = effective_int(conf, cfg, STAS_OPT_KATO);
	out->queue_size = effective_int(conf, cfg, STAS_OPT_QUEUE_SIZE);
	out->nr_io_queues = effective_int(conf, cfg, STAS_OPT_NR_IO_QUEUES);
	out->nr_write_queues = effective_int(conf, cfg, STAS_OPT_NR_WRITE_QUEUES);
	out->nr_poll_queues = effective_int(conf, cfg, STAS_OPT_NR_POLL_QUEUES);
	out->reconnect_delay = effective_int(conf, cfg, STAS_OPT_RECONNECT_DELAY);
	out->ctrl_loss_tmo = effective_int(conf, cfg, STAS_OPT_CTRL_LOSS_TMO);
	v = effective(conf, cfg, STAS_OPT_DISABLE_SQFLOW);
	out->disable_sqflow.set = v.set;
	out->disable_sqflow.value = v.set && v.i;
	v = effective(conf, cfg, STAS_OPT_HDR_DIGEST);
	out->hdr_digest = v.set && v.i;
	v = effective(conf, cfg, STAS_OPT_DATA_DIGEST);
	out->data_digest = v.set && v.i;
}
