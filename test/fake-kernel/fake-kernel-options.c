/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "stas/stas-iputil.h"
#include "stas/stas-tid.h"

#include "fake-kernel-options.h"

#define QUEUE_SIZE_MIN 16 /* NVMF_MIN_QUEUE_SIZE */
#define QUEUE_SIZE_MAX 1024

typedef enum {
	PAT_FLAG, /* "discovery" */
	PAT_STR,  /* "traddr=%s" */
	PAT_INT,  /* "queue_size=%d" */
} PatKind;

typedef struct {
	char *name;
	PatKind kind;
} Pattern;

/* options every transport takes (NVMF_ALLOWED_OPTS) */
static const char *const generic_opts[] = {
	"queue_size",	    "nr_io_queues",	 "keep_alive_tmo",     "hostnqn",
	"hostid",	    "duplicate_connect", "disable_sqflow",     "discovery",
	"fast_io_fail_tmo", "dhchap_secret",	 "dhchap_ctrl_secret", NULL,
};

/* per transport: required_opts and allowed_opts of its nvmf_transport_ops (6.1) */
typedef struct {
	const char *name;
	const char *const *required;
	const char *const *allowed;
} TransportOps;

static const char *const req_traddr[] = {"traddr", NULL};
static const char *const req_fc[] = {"traddr", "host_traddr", NULL};
static const char *const none[] = {NULL};
static const char *const allow_tcp[] = {
	"trsvcid",     "reconnect_delay", "host_traddr",    "ctrl_loss_tmo", "hdr_digest",
	"data_digest", "nr_write_queues", "nr_poll_queues", "tos",	     "host_iface",
	NULL,
};
static const char *const allow_rdma[] = {
	"trsvcid",	   "reconnect_delay", "host_traddr", "ctrl_loss_tmo",
	"nr_write_queues", "nr_poll_queues",  "tos",	     NULL,
};
static const char *const allow_fc[] = {"reconnect_delay", "ctrl_loss_tmo", NULL};
static const char *const allow_loop[] = {"traddr", NULL};

static const TransportOps transports[] = {
	{"tcp", req_traddr, allow_tcp},
	{"rdma", req_traddr, allow_rdma},
	{"fc", req_fc, allow_fc},
	{"loop", none, allow_loop},
};

void
fk_options_free(FkOptions *opts)
{
	if (opts == NULL)
		return;
	g_hash_table_unref(opts->values);
	g_free(opts);
}

const char *
fk_options_get(const FkOptions *opts, const char *name)
{
	return g_hash_table_lookup(opts->values, name);
}

gboolean
fk_options_has(const FkOptions *opts, const char *name)
{
	return g_hash_table_contains(opts->values, name);
}

int
fk_options_get_int(const FkOptions *opts, const char *name, int def)
{
	const char *v = fk_options_get(opts, name);
	int n;

	return v != NULL && fk_parse_kernel_int(v, &n) ? n : def;
}

static gboolean
in_list(const char *const *list, const char *name)
{
	for (gsize i = 0; list[i] != NULL; i++) {
		if (strcmp(list[i], name) == 0)
			return TRUE;
	}
	return FALSE;
}

/* ------------------------------------------------------------------------ */
/* the kernel's token matching (lib/parser.c match_token)                    */

static void
pattern_free(gpointer p)
{
	Pattern *pat = p;

	g_free(pat->name);
	g_free(pat);
}

/* the patterns of a template line: "name=%s", "name=%d" or "name"; the rest is skipped */
static GPtrArray *
template_patterns(const char *template)
{
	g_auto(GStrv) tokens = g_strsplit(template ? template : "", ",", -1);
	GPtrArray *pats = g_ptr_array_new_with_free_func(pattern_free);

	for (char **t = tokens; *t != NULL; t++) {
		g_autofree char *tok = g_strstrip(g_strdup(*t));
		char *eq = strchr(tok, '=');
		Pattern *pat;

		if (*tok == '\0' ||
		    (eq != NULL && strcmp(eq, "=%s") != 0 && strcmp(eq, "=%d") != 0))
			continue;
		pat = g_new0(Pattern, 1);
		pat->kind = eq == NULL ? PAT_FLAG : eq[2] == 's' ? PAT_STR : PAT_INT;
		if (eq != NULL)
			*eq = '\0';
		pat->name = g_strdup(tok);
		g_ptr_array_add(pats, pat);
	}
	return pats;
}

static int
digit_value(char c)
{
	if (g_ascii_isdigit(c))
		return c - '0';
	if (g_ascii_isxdigit(c))
		return g_ascii_tolower(c) - 'a' + 10;
	return 99;
}

gboolean
fk_parse_kernel_int(const char *s, int *out)
{
	gboolean neg = FALSE;
	guint64 v = 0;
	guint base = 10;
	gsize n = 0;

	if (*s == '-') {
		neg = TRUE;
		s++;
	}
	/* _parse_integer_fixup_radix */
	if (s[0] == '0' && g_ascii_tolower(s[1]) == 'x' && g_ascii_isxdigit(s[2])) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (; digit_value(s[n]) < (int)base; n++) {
		v = v * base + (guint64)digit_value(s[n]);
		if (v > (guint64)G_MAXINT + 1)
			return FALSE; /* -ERANGE */
	}
	if (n == 0 || s[n] != '\0' || (!neg && v > G_MAXINT))
		return FALSE;
	*out = neg ? (int)-(gint64)v : (int)v;
	return TRUE;
}

/* the first pattern the token matches; *arg gets what %s / %d matched */
static const Pattern *
match_token(GPtrArray *pats, const char *tok, const char **arg)
{
	for (guint i = 0; i < pats->len; i++) {
		const Pattern *pat = pats->pdata[i];
		gsize len = strlen(pat->name);
		int n;

		if (pat->kind == PAT_FLAG) {
			if (strcmp(tok, pat->name) == 0)
				return pat;
			continue;
		}
		if (strncmp(tok, pat->name, len) != 0 || tok[len] != '=')
			continue;
		*arg = tok + len + 1;
		if (pat->kind == PAT_STR && **arg != '\0')
			return pat;
		if (pat->kind == PAT_INT && fk_parse_kernel_int(*arg, &n))
			return pat;
	}
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* nvmf_parse_options: per option checks                                     */

typedef struct {
	const char *name;
	int min; /* values below are EINVAL */
	int max;
	const char *what; /* in the log line */
} IntRule;

static const IntRule int_rules[] = {
	{"queue_size", QUEUE_SIZE_MIN, QUEUE_SIZE_MAX, "queue_size"},
	{"nr_io_queues", 1, G_MAXINT, "number of IOQs"},
	{"keep_alive_tmo", 0, G_MAXINT, "keep_alive_tmo"},
	{"reconnect_delay", 1, G_MAXINT, "reconnect_delay"},
	{"nr_write_queues", 1, G_MAXINT, "nr_write_queues"},
	{"nr_poll_queues", 1, G_MAXINT, "nr_poll_queues"},
	{"tos", 0, G_MAXINT, "type of service"},
};

static int
check_int(const char *name, const char *arg, char **dmesg)
{
	int v = 0;

	fk_parse_kernel_int(arg, &v); /* matched already */
	for (gsize i = 0; i < G_N_ELEMENTS(int_rules); i++) {
		if (strcmp(int_rules[i].name, name) != 0)
			continue;
		if (v < int_rules[i].min || v > int_rules[i].max) {
			*dmesg = g_strdup_printf("Invalid %s %d", int_rules[i].what, v);
			return EINVAL;
		}
	}
	return 0;
}

static int
check_str(FkOptions *opts, const char *name, const char *arg, char **dmesg)
{
	if ((strcmp(name, "nqn") == 0 || strcmp(name, "hostnqn") == 0) &&
	    strlen(arg) >= FK_NQN_SIZE) {
		*dmesg = g_strdup_printf("%s needs to be < %d bytes", arg, FK_NQN_SIZE);
		return EINVAL;
	}
	if (strcmp(name, "hostnqn") == 0 && fk_options_has(opts, "hostnqn")) {
		*dmesg = g_strdup_printf("hostnqn already user-assigned: %s",
					 fk_options_get(opts, "hostnqn"));
		return EADDRINUSE;
	}
	if (strcmp(name, "hostid") == 0 && !g_uuid_string_is_valid(arg)) {
		*dmesg = g_strdup_printf("Invalid hostid %s", arg);
		return EINVAL;
	}
	if (g_str_has_prefix(name, "dhchap_") &&
	    (strlen(arg) < 11 || strncmp(arg, "DHHC-1:", 7) != 0)) {
		*dmesg = g_strdup("Invalid DH-CHAP secret");
		return EINVAL;
	}
	return 0;
}

static int
parse_tokens(GPtrArray *pats, const char *buf, FkOptions *opts, char **dmesg)
{
	g_auto(GStrv) tokens = g_strsplit_set(buf, ",\n", -1);

	for (char **t = tokens; *t != NULL; t++) {
		const char *arg = NULL;
		const Pattern *pat;
		int ret;

		if (**t == '\0')
			continue;
		pat = match_token(pats, *t, &arg);
		if (pat == NULL) {
			*dmesg = g_strdup_printf("unknown parameter or missing value '%s' in ctrl "
						 "creation request",
						 *t);
			return EINVAL;
		}
		if (pat->kind == PAT_FLAG)
			arg = "";
		ret = pat->kind == PAT_INT ? check_int(pat->name, arg, dmesg)
					   : check_str(opts, pat->name, arg, dmesg);
		if (ret != 0)
			return ret;
		/* a repeated option: the last one wins, as kfree + strdup does */
		g_hash_table_insert(opts->values, g_strdup(pat->name), g_strdup(arg));
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* nvmf_create_ctrl: required and allowed options, then the transport        */

static const TransportOps *
transport_find(const char *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(transports); i++) {
		if (g_strcmp0(transports[i].name, name) == 0)
			return &transports[i];
	}
	return NULL;
}

static int
check_required(const FkOptions *opts, const char *const *required, char **dmesg)
{
	for (gsize i = 0; required[i] != NULL; i++) {
		if (!fk_options_has(opts, required[i])) {
			*dmesg = g_strdup_printf("missing parameter '%s=%%s'", required[i]);
			return EINVAL;
		}
	}
	return 0;
}

static int
check_allowed(const FkOptions *opts, const TransportOps *ops, char **dmesg)
{
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, opts->values);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		const char *name = key;

		if (strcmp(name, "transport") == 0 || strcmp(name, "nqn") == 0 ||
		    in_list(generic_opts, name) || in_list(ops->required, name) ||
		    in_list(ops->allowed, name))
			continue;
		*dmesg = g_strdup_printf("invalid parameter '%s'", name);
		return EINVAL;
	}
	return 0;
}

/* inet_pton_with_scope: an IP literal, and a port as kstrtou16(port, 0) reads it */
static gboolean
ip_port_ok(const char *addr, const char *port)
{
	StasIpAddr ip;
	int n;

	if (!stas_ip_parse(addr, FALSE, &ip))
		return FALSE;
	if (port == NULL)
		return TRUE;
	if (*port == '+')
		port++;
	return *port != '-' && fk_parse_kernel_int(port, &n) && n <= G_MAXUINT16;
}

/* nvme_tcp_create_ctrl / nvme_rdma_create_ctrl up to the duplicate check */
static int
check_ip_transport(FkOptions *opts, const char *default_port, gboolean has_iface, char **dmesg)
{
	const char *host_traddr = fk_options_get(opts, "host_traddr");
	const char *host_iface = fk_options_get(opts, "host_iface");

	if (!fk_options_has(opts, "trsvcid"))
		g_hash_table_insert(opts->values, g_strdup("trsvcid"), g_strdup(default_port));
	if (!ip_port_ok(fk_options_get(opts, "traddr"), fk_options_get(opts, "trsvcid"))) {
		*dmesg = g_strdup_printf("malformed address passed: %s:%s",
					 fk_options_get(opts, "traddr"),
					 fk_options_get(opts, "trsvcid"));
		return EINVAL;
	}
	if (host_traddr != NULL && !ip_port_ok(host_traddr, NULL)) {
		*dmesg = g_strdup_printf("malformed src address passed: %s", host_traddr);
		return EINVAL;
	}
	if (has_iface && host_iface != NULL && if_nametoindex(host_iface) == 0) {
		*dmesg = g_strdup_printf("invalid interface passed: %s", host_iface);
		return ENODEV;
	}
	return 0;
}

static int
check_transport(FkOptions *opts, char **dmesg)
{
	const char *name = fk_options_get(opts, "transport");
	const TransportOps *ops;
	int ret;

	ret = check_required(opts, (const char *const[]){"transport", "nqn", NULL}, dmesg);
	if (ret != 0)
		return ret;
	ops = transport_find(name);
	if (ops == NULL) {
		*dmesg = g_strdup_printf("no handler found for transport %s.", name);
		return EINVAL;
	}
	ret = check_required(opts, ops->required, dmesg);
	if (ret == 0)
		ret = check_allowed(opts, ops, dmesg);
	if (ret != 0)
		return ret;
	if (strcmp(name, "tcp") == 0)
		return check_ip_transport(opts, FK_TCP_DEFAULT_PORT, TRUE, dmesg);
	if (strcmp(name, "rdma") == 0)
		return check_ip_transport(opts, FK_RDMA_DEFAULT_PORT, FALSE, dmesg);
	return 0;
}

int
fk_options_parse(const char *template, const char *buf, FkOptions **out, char **dmesg)
{
	g_autoptr(GPtrArray) pats = template_patterns(template);
	g_autoptr(FkOptions) opts = g_new0(FkOptions, 1);
	int ret;

	*dmesg = NULL;
	opts->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (strlen(buf) > FK_FABRICS_MAX) {
		*dmesg = g_strdup("write longer than a page");
		return ENOMEM;
	}
	ret = parse_tokens(pats, buf, opts, dmesg);
	if (ret == 0)
		ret = check_transport(opts, dmesg);
	if (ret != 0)
		return ret;
	opts->discovery_nqn =
		g_strcmp0(fk_options_get(opts, "nqn"), STAS_WELL_KNOWN_DISC_NQN) == 0 ||
		fk_options_has(opts, "discovery");
	*out = g_steal_pointer(&opts);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* duplicates                                                                */

static gboolean
same_or_both_absent(const FkOptions *a, const FkOptions *b, const char *name)
{
	const char *x = fk_options_get(a, name);
	const char *y = fk_options_get(b, name);

	if (x != NULL && y != NULL)
		return strcmp(x, y) == 0;
	return x == NULL && y == NULL;
}

gboolean
fk_options_ip_match(const FkOptions *a, const FkOptions *b)
{
	static const char *const exact[] = {"nqn", "hostnqn", "traddr", "trsvcid"};
	const char *ida = fk_options_get(a, "hostid");
	const char *idb = fk_options_get(b, "hostid");

	for (gsize i = 0; i < G_N_ELEMENTS(exact); i++) {
		if (g_strcmp0(fk_options_get(a, exact[i]), fk_options_get(b, exact[i])) != 0)
			return FALSE;
	}
	/* uuid_t compared as bytes: the case of the hex digits does not matter */
	if ((ida == NULL) != (idb == NULL) || (ida != NULL && g_ascii_strcasecmp(ida, idb) != 0))
		return FALSE;
	return same_or_both_absent(a, b, "host_traddr") && same_or_both_absent(a, b, "host_iface");
}
