/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* renameat */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "stas/stas-error.h"
#include "stas/stas-json-text.h"
#include "stas/stas-state.h"
#include "stas/stas-validate.h"

/* bounds on the strings of a tid's cfg keys (identity strings are validated) */
#define CFG_KEY_MAX   64
#define CFG_VALUE_MAX 1024
/* "nvme" and at most 10 digits */
#define DEVICE_MAX 14

/* the integer fields of an entry, in file order: bytes first, then words */
static const char *const entry_int_keys[] = {
	"trtype", "adrfam", "subtype", "treq", "portid", "cntlid", "asqsz", "eflags",
};
#define N_BYTE_KEYS 4

typedef int StasFd;

static void
fd_close(StasFd fd)
{
	close(fd);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC(StasFd, fd_close, -1)

/* ---- origins ---- */

const char *
stas_origin_to_string(StasOrigin origin)
{
	switch (origin) {
	case STAS_ORIGIN_CONFIGURED:
		return "configured";
	case STAS_ORIGIN_DISCOVERED:
		return "discovered";
	case STAS_ORIGIN_REFERRAL:
		return "referral";
	case STAS_ORIGIN_NONE:
	default:
		return NULL;
	}
}

gboolean
stas_origin_from_string(const char *s, StasOrigin *origin)
{
	for (StasOrigin o = STAS_ORIGIN_CONFIGURED; o <= STAS_ORIGIN_REFERRAL; o++) {
		if (s && g_str_equal(s, stas_origin_to_string(o))) {
			*origin = o;
			return TRUE;
		}
	}
	return FALSE;
}

/* ---- the value ---- */

static void
controller_free(StasStateController *c)
{
	stas_tid_unref(c->tid);
	g_free(c->device);
	if (c->log_pages)
		g_ptr_array_unref(c->log_pages);
	g_free(c);
}

StasState *
stas_state_new(void)
{
	StasState *state = g_new0(StasState, 1);

	state->controllers = g_ptr_array_new_with_free_func((GDestroyNotify)controller_free);
	state->diagnostics = g_ptr_array_new_with_free_func(g_free);
	return state;
}

void
stas_state_free(StasState *state)
{
	if (state == NULL)
		return;
	g_ptr_array_unref(state->controllers);
	g_ptr_array_unref(state->diagnostics);
	g_free(state);
}

void
stas_state_add(StasState *state, StasTid *tid, const char *device, StasOrigin origin,
	       GPtrArray *log_pages)
{
	StasStateController *c = g_new0(StasStateController, 1);

	c->tid = stas_tid_ref(tid);
	c->device = (device && *device) ? g_strdup(device) : NULL;
	c->origin = origin;
	if (log_pages) {
		c->log_pages =
			g_ptr_array_new_full(log_pages->len, (GDestroyNotify)stas_dlpe_unref);
		for (guint i = 0; i < log_pages->len; i++)
			g_ptr_array_add(c->log_pages, stas_dlpe_ref(log_pages->pdata[i]));
	}
	g_ptr_array_add(state->controllers, c);
}

char *
stas_state_path(const char *runtime_directory, const char *program)
{
	g_autofree char *dir = NULL;
	const char *colon;

	if (runtime_directory == NULL || *runtime_directory == '\0' || *runtime_directory == ':')
		return g_build_filename("/run", program, STAS_STATE_FILE_NAME, NULL);
	colon = strchr(runtime_directory, ':');
	dir = colon ? g_strndup(runtime_directory, (gsize)(colon - runtime_directory))
		    : g_strdup(runtime_directory);
	return g_build_filename(dir, STAS_STATE_FILE_NAME, NULL);
}

/* ---- writing JSON ---- */

/*
 * the text json-glib 1.6's generator made of the same tree (pretty, indent:
 * one tab), written directly: building a JsonNode tree and generating
 * from it cost ~40 K instructions per log page entry, and both daemons
 * save on every change
 */
typedef struct {
	GString *out;
	guint level; /* of the container being written */
	gboolean first;
} Writer;

static void
put_indent(GString *out, guint level)
{
	for (guint i = 0; i < level; i++)
		g_string_append_c(out, '\t');
}

/* the start of a member (key != NULL) or an array element */
static void
put_item(Writer *w, const char *key)
{
	if (w->first)
		g_string_append_c(w->out, '\n');
	else
		g_string_append_len(w->out, ",\n", 2);
	w->first = FALSE;
	put_indent(w->out, w->level);
	if (key) {
		stas_json_text_append_string(w->out, key);
		g_string_append_len(w->out, " : ", 3);
	}
}

/* '{' or '[' after its key (or indentation) */
static void
put_open(Writer *w, char bracket)
{
	g_string_append_c(w->out, bracket);
	w->level++;
	w->first = TRUE;
}

/* an empty one stays on its line: "[]" */
static void
put_close(Writer *w, char bracket)
{
	w->level--;
	if (!w->first) {
		g_string_append_c(w->out, '\n');
		put_indent(w->out, w->level);
	}
	g_string_append_c(w->out, bracket);
	w->first = FALSE;
}

static void
put_string(Writer *w, const char *key, const char *value)
{
	put_item(w, key);
	stas_json_text_append_string(w->out, value);
}

static void
put_uint(Writer *w, const char *key, guint value)
{
	char digits[10];
	guint n = 0;

	/* printf costs ~1 K instructions a number, and an entry has 8 */
	do {
		digits[sizeof(digits) - ++n] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	put_item(w, key);
	g_string_append_len(w->out, digits + sizeof(digits) - n, n);
}

/* the dictionary form in a stable order, without the secrets (B3) */
static void
build_tid(Writer *w, const StasTid *tid)
{
	guint n;
	g_autofree const char **keys = stas_json_text_sorted_keys(stas_tid_get_cfg_table(tid), &n);

	put_open(w, '{');
	put_string(w, "transport", tid->transport);
	put_string(w, "traddr", tid->traddr);
	put_string(w, "trsvcid", tid->trsvcid);
	put_string(w, "subsysnqn", tid->subsysnqn);
	put_string(w, "host-traddr", tid->host_traddr);
	put_string(w, "host-iface", tid->host_iface);
	put_string(w, "host-nqn", tid->host_nqn);
	for (guint i = 0; i < n; i++)
		if (!stas_tid_key_is_secret(keys[i]))
			put_string(w, keys[i], stas_tid_get_cfg(tid, keys[i]));
	put_close(w, '}');
}

static void
build_entry(Writer *w, const StasDlpe *e)
{
	const guint values[] = {
		e->trtype, e->adrfam, e->subtype, e->treq,
		e->portid, e->cntlid, e->asqsz,	  e->eflags,
	};
	static const char hex[] = "0123456789abcdef";
	char tsas[7];

	put_open(w, '{');
	for (gsize i = 0; i < G_N_ELEMENTS(entry_int_keys); i++)
		put_uint(w, entry_int_keys[i], values[i]);
	put_string(w, "trsvcid", e->trsvcid);
	put_string(w, "subnqn", e->subnqn);
	put_string(w, "traddr", e->traddr);
	for (guint i = 0; i < 3; i++) {
		tsas[2 * i] = hex[e->tsas[i] >> 4];
		tsas[2 * i + 1] = hex[e->tsas[i] & 0xf];
	}
	tsas[6] = '\0';
	put_string(w, "tsas", tsas);
	put_close(w, '}');
}

static void
build_controller(Writer *w, const StasStateController *c)
{
	put_open(w, '{');
	put_item(w, "tid");
	build_tid(w, c->tid);
	if (c->device)
		put_string(w, "device", c->device);
	if (stas_origin_to_string(c->origin))
		put_string(w, "origin", stas_origin_to_string(c->origin));
	if (c->log_pages) {
		put_item(w, "log-pages");
		put_open(w, '[');
		for (guint i = 0; i < c->log_pages->len; i++) {
			put_item(w, NULL);
			build_entry(w, c->log_pages->pdata[i]);
		}
		put_close(w, ']');
	}
	put_close(w, '}');
}

GBytes *
stas_state_to_json(const StasState *state, GError **error)
{
	Writer w = {g_string_sized_new(4096), 0, TRUE};
	gsize len;

	put_open(&w, '{');
	put_uint(&w, "version", STAS_STATE_VERSION);
	put_item(&w, "controllers");
	put_open(&w, '[');
	for (guint i = 0; i < state->controllers->len; i++) {
		put_item(&w, NULL);
		build_controller(&w, state->controllers->pdata[i]);
	}
	put_close(&w, ']');
	put_close(&w, '}');
	len = w.out->len;
	if (len + 1 > STAS_STATE_MAX_FILE_SIZE) {
		g_string_free(w.out, TRUE);
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "state of %" G_GSIZE_FORMAT
			    " bytes is larger than the %d a load accepts",
			    len + 1, STAS_STATE_MAX_FILE_SIZE);
		return NULL;
	}
	g_string_append_c(w.out, '\n');
	return g_string_free_to_bytes(w.out);
}

/* ---- reading JSON: the shape of the text before the parser sees it ---- */

/*
 * json-glib's parser recurses once per nesting level (100000 levels
 * overflow the stack) and holds the whole tree (an empty object costs
 * about 300 bytes): count nesting and values on the raw text first.  a
 * value is an array or object opening, or follows a ','; strings are
 * skipped with their escapes.  a \u0000 escape is refused: json-glib
 * would cut the string at it, so the value read would not be the one
 * written.  so is anything after the top-level array or object.
 */
static gboolean
prescan(const char *data, gsize len, GError **error)
{
	gboolean in_string = FALSE, escape = FALSE, ended = FALSE;
	guint depth = 0;
	gsize values = 1, containers = 0;

	for (gsize i = 0; i < len; i++) {
		char c = data[i];

		if (in_string) {
			if (escape && c == 'u' && len - i > 4 &&
			    memcmp(data + i + 1, "0000", 4) == 0) {
				/* the parser would cut the string there: a value not ours */
				g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
					    "a \\u0000 escape at byte %" G_GSIZE_FORMAT, i - 1);
				return FALSE;
			}
			if (escape)
				escape = FALSE;
			else if (c == '\\')
				escape = TRUE;
			else if (c == '"')
				in_string = FALSE;
			continue;
		}
		if (ended && !g_ascii_isspace(c)) {
			/* json-glib 1.6 ignores what follows the first value */
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "more after the end of the JSON value at byte %" G_GSIZE_FORMAT,
				    i);
			return FALSE;
		}
		if (c == '"') {
			in_string = TRUE;
		} else if (c == '[' || c == '{') {
			if (++depth > STAS_STATE_MAX_DEPTH) {
				g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
					    "nested deeper than %d levels at byte %" G_GSIZE_FORMAT,
					    STAS_STATE_MAX_DEPTH, i);
				return FALSE;
			}
			containers++;
			values++;
		} else if (c == ']' || c == '}') {
			ended = depth == 1;
			depth = depth ? depth - 1 : 0;
		} else if (c == ',') {
			values++;
		}
		if (values > STAS_STATE_MAX_VALUES || containers > STAS_STATE_MAX_CONTAINERS) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "more than %d values or %d arrays and objects at byte "
				    "%" G_GSIZE_FORMAT,
				    STAS_STATE_MAX_VALUES, STAS_STATE_MAX_CONTAINERS, i);
			return FALSE;
		}
	}
	return TRUE;
}

/* ---- reading JSON: records ---- */

typedef struct {
	StasState *state;
	const char *source;
	const StasTidDefaults *defaults;
	GHashTable *seen; /* StasTid* -> index + 1 in the file */
} Loader;

static void diag(Loader *l, const char *where, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* "<source>: <json path>: <message>" */
static void
diag(Loader *l, const char *where, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(l->state->diagnostics,
			g_strdup_printf("%s: %s: %s", l->source, where, msg));
}

static const char *
node_kind(JsonNode *node)
{
	GType type;

	if (node == NULL)
		return "nothing";
	switch (json_node_get_node_type(node)) {
	case JSON_NODE_OBJECT:
		return "an object";
	case JSON_NODE_ARRAY:
		return "an array";
	case JSON_NODE_NULL:
		return "null";
	case JSON_NODE_VALUE:
	default:
		break;
	}
	type = json_node_get_value_type(node);
	if (type == G_TYPE_STRING)
		return "a string";
	if (type == G_TYPE_INT64)
		return "an integer";
	if (type == G_TYPE_BOOLEAN)
		return "a boolean";
	return "a number";
}

static gboolean
node_is_string(JsonNode *node)
{
	return node && JSON_NODE_HOLDS_VALUE(node) &&
	       json_node_get_value_type(node) == G_TYPE_STRING;
}

/* a member name from the file as it may appear in a json path */
static char *
path_key(const char *key)
{
	if (*key && strlen(key) <= CFG_KEY_MAX && stas_validate_token("key", key, NULL) &&
	    !strpbrk(key, ".[]\""))
		return g_strdup(key);
	return stas_str_quote(key, -1);
}

/* a string member; absent is an error only when required */
static gboolean
member_string(JsonObject *obj, const char *key, gboolean required, const char **value,
	      GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);

	*value = NULL;
	if (node == NULL && !required)
		return TRUE;
	if (node == NULL) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "missing");
		return FALSE;
	}
	if (!node_is_string(node)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "expected a string, got %s",
			    node_kind(node));
		return FALSE;
	}
	*value = json_node_get_string(node);
	return TRUE;
}

static gboolean
member_uint(JsonObject *obj, const char *key, gint64 max, guint *value, GError **error)
{
	JsonNode *node = json_object_get_member(obj, key);
	gint64 v;

	if (node == NULL) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "missing");
		return FALSE;
	}
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "expected an integer, got %s",
			    node_kind(node));
		return FALSE;
	}
	v = json_node_get_int(node);
	if (v < 0 || v > max) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%" G_GINT64_FORMAT " is out of range 0..%" G_GINT64_FORMAT, v, max);
		return FALSE;
	}
	*value = (guint)v;
	return TRUE;
}

static gboolean
hex_byte(const char *s, guint8 *out)
{
	int hi = g_ascii_xdigit_value(s[0]);
	int lo = hi < 0 ? -1 : g_ascii_xdigit_value(s[1]);

	if (lo < 0)
		return FALSE;
	*out = (guint8)(hi << 4 | lo);
	return TRUE;
}

static gboolean
entry_tsas(JsonObject *obj, guint8 tsas[3], GError **error)
{
	const char *s;

	if (!member_string(obj, "tsas", TRUE, &s, error))
		return FALSE;
	if (strlen(s) != 6 || !hex_byte(s, &tsas[0]) || !hex_byte(s + 2, &tsas[1]) ||
	    !hex_byte(s + 4, &tsas[2])) {
		g_autofree char *q = stas_str_quote(s, -1);

		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%s is not 3 bytes in 6 hex digits", q);
		return FALSE;
	}
	return TRUE;
}

/* the fields of an entry object, unchecked beyond their types and ranges */
static gboolean
entry_fields(JsonObject *obj, StasDlpe *f, const char **field, GError **error)
{
	guint v[G_N_ELEMENTS(entry_int_keys)];

	for (gsize i = 0; i < G_N_ELEMENTS(entry_int_keys); i++) {
		*field = entry_int_keys[i];
		if (!member_uint(obj, *field, i < N_BYTE_KEYS ? G_MAXUINT8 : G_MAXUINT16, &v[i],
				 error))
			return FALSE;
	}
	f->trtype = (guint8)v[0];
	f->adrfam = (guint8)v[1];
	f->subtype = (guint8)v[2];
	f->treq = (guint8)v[3];
	f->portid = (guint16)v[4];
	f->cntlid = (guint16)v[5];
	f->asqsz = (guint16)v[6];
	f->eflags = (guint16)v[7];
	*field = "trsvcid";
	if (!member_string(obj, *field, TRUE, &f->trsvcid, error))
		return FALSE;
	*field = "subnqn";
	if (!member_string(obj, *field, TRUE, &f->subnqn, error))
		return FALSE;
	*field = "traddr";
	if (!member_string(obj, *field, TRUE, &f->traddr, error))
		return FALSE;
	*field = "tsas";
	return entry_tsas(obj, f->tsas, error);
}

static StasDlpe *
read_entry(Loader *l, JsonNode *node, guint ci, guint ei)
{
	g_autoptr(GError) error = NULL;
	StasDlpe fields = {0};
	const char *field = NULL;
	StasDlpe *e;

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_autofree char *where = g_strdup_printf("controllers[%u].log-pages[%u]", ci, ei);

		diag(l, where, "expected an object, got %s: entry dropped", node_kind(node));
		return NULL;
	}
	if (!entry_fields(json_node_get_object(node), &fields, &field, &error)) {
		g_autofree char *where =
			g_strdup_printf("controllers[%u].log-pages[%u].%s", ci, ei, field);

		diag(l, where, "%s: entry dropped", error->message);
		return NULL;
	}
	e = stas_dlpe_new_from_fields(&fields, &error);
	if (e == NULL) {
		/* its message starts with the field name: make that part of the path */
		const char *msg = error->message;
		const char *sep = strstr(msg, ": ");
		g_autofree char *name = sep ? g_strndup(msg, (gsize)(sep - msg)) : g_strdup("");
		gboolean named = g_str_equal(name, "traddr") || g_str_equal(name, "trsvcid") ||
				 g_str_equal(name, "subnqn");
		g_autofree char *where = g_strdup_printf("controllers[%u].log-pages[%u]%s%s", ci,
							 ei, named ? "." : "", named ? name : "");

		diag(l, where, "%s: entry dropped", named ? sep + 2 : msg);
	}
	return e;
}

/* NULL (and a diagnostic) when the member is not an array */
static GPtrArray *
read_log_pages(Loader *l, JsonNode *node, guint ci)
{
	g_autofree char *where = g_strdup_printf("controllers[%u].log-pages", ci);
	GPtrArray *entries;
	JsonArray *array;
	guint n;

	if (!JSON_NODE_HOLDS_ARRAY(node)) {
		diag(l, where, "expected an array, got %s: controller skipped", node_kind(node));
		return NULL;
	}
	array = json_node_get_array(node);
	n = json_array_get_length(array);
	if (n > STAS_STATE_MAX_ENTRIES) {
		diag(l, where, "%u entries, more than the %d kept: the rest ignored", n,
		     STAS_STATE_MAX_ENTRIES);
		n = STAS_STATE_MAX_ENTRIES;
	}
	entries = g_ptr_array_new_full(n, (GDestroyNotify)stas_dlpe_unref);
	for (guint i = 0; i < n; i++) {
		StasDlpe *e = read_entry(l, json_array_get_element(array, i), ci, i);

		if (e)
			g_ptr_array_add(entries, e);
	}
	return entries;
}

/* a cfg value: bounded, UTF-8, no control characters (they would reach logs) */
static gboolean
cfg_value_ok(const char *value, GError **error)
{
	gsize len = strlen(value);

	if (len > CFG_VALUE_MAX) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "value of %" G_GSIZE_FORMAT " bytes, more than %d", len, CFG_VALUE_MAX);
		return FALSE;
	}
	/* json-glib 1.6 turns a lone surrogate escape ("\\ud800") into bytes that are not UTF-8 */
	if (!g_utf8_validate(value, (gssize)len, NULL)) {
		g_autofree char *q = stas_str_quote(value, -1);

		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "value %s is not UTF-8", q);
		return FALSE;
	}
	for (const char *p = value; *p; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f) {
			g_autofree char *q = stas_str_quote(value, -1);

			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "value %s has a control character", q);
			return FALSE;
		}
	}
	return TRUE;
}

/* one member of a tid object into map (borrowed strings); FALSE: the controller is bad */
static gboolean
tid_member(Loader *l, GHashTable *map, const char *key, JsonNode *value, guint ci)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *pkey = path_key(key);
	g_autofree char *where = g_strdup_printf("controllers[%u].tid.%s", ci, pkey);

	if (!node_is_string(value)) {
		diag(l, where, "expected a string, got %s: controller skipped", node_kind(value));
		return FALSE;
	}
	if (stas_tid_key_is_secret(key)) {
		diag(l, where, "secrets are never taken from the state file: key ignored");
		return TRUE;
	}
	if (!*key || strlen(key) > CFG_KEY_MAX || !stas_validate_token("key", key, &error) ||
	    !cfg_value_ok(json_node_get_string(value), &error)) {
		diag(l, where, "%s: controller skipped",
		     error ? error->message : "key is empty or too long");
		return FALSE;
	}
	g_hash_table_insert(map, (gpointer)key, (gpointer)json_node_get_string(value));
	return TRUE;
}

static StasTid *
read_tid(Loader *l, JsonObject *rec, guint ci)
{
	g_autoptr(GHashTable) map = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(StasTid) tid = NULL;
	g_autoptr(GError) error = NULL;
	JsonNode *node = json_object_get_member(rec, "tid");
	g_autofree char *where = g_strdup_printf("controllers[%u].tid", ci);
	JsonObjectIter iter;
	const char *key;
	JsonNode *value;

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		diag(l, where, "expected an object, got %s: controller skipped", node_kind(node));
		return NULL;
	}
	json_object_iter_init(&iter, json_node_get_object(node));
	while (json_object_iter_next(&iter, &key, &value))
		if (!tid_member(l, map, key, value, ci))
			return NULL;
	tid = stas_tid_new_from_map(map, l->defaults);
	if (!stas_validate_tid(tid, &error)) {
		diag(l, where, "%s: controller skipped", error->message);
		return NULL;
	}
	return g_steal_pointer(&tid);
}

static gboolean
device_ok(const char *device)
{
	gsize len = strlen(device);

	if (len == 0)
		return TRUE;
	if (len <= 4 || len > DEVICE_MAX || !g_str_has_prefix(device, "nvme"))
		return FALSE;
	for (const char *p = device + 4; *p; p++)
		if (!g_ascii_isdigit(*p))
			return FALSE;
	return TRUE;
}

/* device and origin; FALSE (and a diagnostic) when either is bad */
static gboolean
read_device_origin(Loader *l, JsonObject *rec, guint ci, const char **device, StasOrigin *origin)
{
	g_autoptr(GError) error = NULL;
	const char *name = NULL;
	const char *field = "device";

	if (member_string(rec, field, FALSE, device, &error) && *device && !device_ok(*device)) {
		g_autofree char *q = stas_str_quote(*device, -1);

		g_set_error(&error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%s is not a device name like nvme3", q);
	}
	if (error == NULL) {
		field = "origin";
		if (member_string(rec, field, FALSE, &name, &error) && name &&
		    !stas_origin_from_string(name, origin)) {
			g_autofree char *q = stas_str_quote(name, -1);

			g_set_error(&error, STAS_ERROR, STAS_ERROR_INVALID,
				    "%s is not configured, discovered or referral", q);
		}
	}
	if (error) {
		g_autofree char *where = g_strdup_printf("controllers[%u].%s", ci, field);

		diag(l, where, "%s: controller skipped", error->message);
		return FALSE;
	}
	return TRUE;
}

static void
read_controller(Loader *l, JsonNode *node, guint ci)
{
	g_autoptr(StasTid) tid = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	const char *device = NULL;
	StasOrigin origin = STAS_ORIGIN_NONE;
	JsonNode *pages;
	JsonObject *rec;
	guint first;

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_autofree char *where = g_strdup_printf("controllers[%u]", ci);

		diag(l, where, "expected an object, got %s: controller skipped", node_kind(node));
		return;
	}
	rec = json_node_get_object(node);
	tid = read_tid(l, rec, ci);
	if (tid == NULL || !read_device_origin(l, rec, ci, &device, &origin))
		return;
	pages = json_object_get_member(rec, "log-pages");
	if (pages && !(entries = read_log_pages(l, pages, ci)))
		return;
	first = GPOINTER_TO_UINT(g_hash_table_lookup(l->seen, tid));
	if (first) {
		g_autofree char *where = g_strdup_printf("controllers[%u]", ci);

		diag(l, where, "%s is the same controller as controllers[%u]: skipped",
		     stas_tid_to_string(tid), first - 1);
		return;
	}
	g_hash_table_insert(l->seen, tid, GUINT_TO_POINTER(ci + 1));
	stas_state_add(l->state, tid, device, origin, entries);
}

/* the top level: FALSE when the text is not a state of our version */
static gboolean
read_top(JsonNode *root, JsonArray **controllers, GError **error)
{
	JsonObject *top;
	JsonNode *node;

	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "expected an object, got %s",
			    node_kind(root));
		return FALSE;
	}
	top = json_node_get_object(root);
	node = json_object_get_member(top, "version");
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_INT64 ||
	    json_node_get_int(node) != STAS_STATE_VERSION) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "version: not %d: a format this program does not read",
			    STAS_STATE_VERSION);
		return FALSE;
	}
	node = json_object_get_member(top, "controllers");
	if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "controllers: expected an array, got %s", node_kind(node));
		return FALSE;
	}
	*controllers = json_node_get_array(node);
	return TRUE;
}

static JsonParser *
parse_text(const char *data, gsize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) json_error = NULL;

	if (len > STAS_STATE_MAX_FILE_SIZE) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%" G_GSIZE_FORMAT " bytes, more than the %d this program reads", len,
			    STAS_STATE_MAX_FILE_SIZE);
		return NULL;
	}
	if (!prescan(data, len, error))
		return NULL;
	if (!json_parser_load_from_data(parser, data, (gssize)len, &json_error)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "not JSON: %s",
			    json_error->message);
		return NULL;
	}
	return g_steal_pointer(&parser);
}

StasState *
stas_state_from_json(const char *data, gsize len, const char *source,
		     const StasTidDefaults *defaults, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new(stas_tid_hash, stas_tid_equal);
	g_autoptr(StasState) state = NULL;
	JsonArray *controllers = NULL;
	Loader l;
	guint n;

	source = source ? source : "(state)";
	parser = parse_text(data ? data : "", data ? len : 0, error);
	if (parser == NULL || !read_top(json_parser_get_root(parser), &controllers, error)) {
		g_prefix_error(error, "%s: ", source);
		return NULL;
	}
	state = stas_state_new();
	l = (Loader){.state = state, .source = source, .defaults = defaults, .seen = seen};
	n = json_array_get_length(controllers);
	if (n > STAS_STATE_MAX_CONTROLLERS) {
		diag(&l, "controllers", "%u controllers, more than the %d kept: the rest ignored",
		     n, STAS_STATE_MAX_CONTROLLERS);
		n = STAS_STATE_MAX_CONTROLLERS;
	}
	for (guint i = 0; i < n; i++)
		read_controller(&l, json_array_get_element(controllers, i), i);
	return g_steal_pointer(&state);
}

/* ---- files ---- */

static StasErrorCode
code_from_errno(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return STAS_ERROR_NOT_FOUND;
	case EACCES:
	case EPERM:
		return STAS_ERROR_PERMISSION;
	default:
		return STAS_ERROR_IO;
	}
}

static gboolean
fail_errno(GError **error, int err, const char *what, const char *path)
{
	g_set_error(error, STAS_ERROR, code_from_errno(err), "%s %s: %s", what, path,
		    g_strerror(err));
	return FALSE;
}

/* refuse what another user could have written; note what others could read */
static gboolean
check_file(const char *path, const struct stat *st, char **note, GError **error)
{
	if (!S_ISREG(st->st_mode)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s: not a regular file", path);
		return FALSE;
	}
	if (st->st_uid != geteuid()) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_PERMISSION,
			    "%s: owned by uid %u, not by this program's uid %u: refused", path,
			    (guint)st->st_uid, (guint)geteuid());
		return FALSE;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_PERMISSION,
			    "%s: mode %04o lets others write it: refused", path,
			    (guint)(st->st_mode & 07777));
		return FALSE;
	}
	if (st->st_size > STAS_STATE_MAX_FILE_SIZE) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%s: %" G_GINT64_FORMAT " bytes, more than the %d this program reads",
			    path, (gint64)st->st_size, STAS_STATE_MAX_FILE_SIZE);
		return FALSE;
	}
	if (st->st_mode & (S_IRGRP | S_IROTH))
		*note = g_strdup_printf("%s: mode %04o lets others read it: the next save "
					"makes it 0600",
					path, (guint)(st->st_mode & 07777));
	return TRUE;
}

/* the whole file, at most the size limit (it may grow after the fstat) */
static GByteArray *
read_all(int fd, const char *path, GError **error)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 chunk[65536];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail_errno(error, errno, "cannot read", path);
			return NULL;
		}
		if (n == 0)
			return g_steal_pointer(&buf);
		if (buf->len + (gsize)n > STAS_STATE_MAX_FILE_SIZE) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "%s: more than the %d bytes this program reads", path,
				    STAS_STATE_MAX_FILE_SIZE);
			return NULL;
		}
		g_byte_array_append(buf, chunk, (guint)n);
	}
}

StasState *
stas_state_load(const char *path, const StasTidDefaults *defaults, GError **error)
{
	g_auto(StasFd) fd = -1;
	g_autoptr(GByteArray) buf = NULL;
	g_autofree char *note = NULL;
	StasState *state;
	struct stat st;

	/* O_NONBLOCK: a fifo put at the path must not hang the open */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%s: a symbolic link: not followed", path);
		return NULL;
	}
	if (fd < 0) {
		fail_errno(error, errno, "cannot open", path);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		fail_errno(error, errno, "cannot stat", path);
		return NULL;
	}
	if (!check_file(path, &st, &note, error))
		return NULL;
	buf = read_all(fd, path, error);
	if (buf == NULL)
		return NULL;
	state = stas_state_from_json((const char *)buf->data, buf->len, path, defaults, error);
	if (state && note)
		g_ptr_array_insert(state->diagnostics, 0, g_steal_pointer(&note));
	return state;
}

/* the directory of the file, made 0700 if it is missing */
static int
open_dir(const char *dir, GError **error)
{
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fail_errno(error, errno, "cannot create directory", dir);
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fail_errno(error, errno, "cannot open directory", dir);
	return fd;
}

/* a new file only we can read, under a name nobody else has */
static int
create_temp(int dfd, const char *base, char **name, const char *dir, GError **error)
{
	for (int tries = 0; tries < 100; tries++) {
		g_autofree char *tmp = g_strdup_printf(".%s.%08x", base, g_random_int());
		int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				0600);

		if (fd >= 0) {
			*name = g_steal_pointer(&tmp);
			return fd;
		}
		if (errno != EEXIST) {
			fail_errno(error, errno, "cannot create a file in", dir);
			return -1;
		}
	}
	g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "cannot create a file in %s: all names taken",
		    dir);
	return -1;
}

/* 0 or the errno of the failed write */
static int
write_all(int fd, const guint8 *data, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		data += n;
		len -= (gsize)n;
	}
	return 0;
}

/* content into the temp file, flushed to the disk; closes fd */
static gboolean
fill_temp(int fd, GBytes *json, GError **error)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(json, &len);
	int err = 0;

	/* the umask may have taken bits off: exactly 0600 */
	if (fchmod(fd, 0600) < 0)
		err = errno;
	if (err == 0)
		err = write_all(fd, data, len);
	if (err == 0 && fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && err == 0)
		err = errno;
	if (err) {
		g_set_error(error, STAS_ERROR, code_from_errno(err), "%s", g_strerror(err));
		return FALSE;
	}
	return TRUE;
}

gboolean
stas_state_save(const StasState *state, const char *path, GError **error)
{
	g_autoptr(GBytes) json = NULL;
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *tmp = NULL;
	g_auto(StasFd) dfd = -1;
	int fd;

	json = stas_state_to_json(state, error);
	if (json == NULL) {
		g_prefix_error(error, "cannot save %s: ", path);
		return FALSE;
	}
	dfd = open_dir(dir, error);
	if (dfd < 0)
		return FALSE;
	fd = create_temp(dfd, base, &tmp, dir, error);
	if (fd < 0)
		return FALSE;
	if (!fill_temp(fd, json, error)) {
		unlinkat(dfd, tmp, 0);
		g_prefix_error(error, "cannot write %s: ", path);
		return FALSE;
	}
	/* rename replaces a symlink at the path instead of following it */
	if (renameat(dfd, tmp, dfd, base) < 0) {
		int err = errno;

		unlinkat(dfd, tmp, 0);
		return fail_errno(error, err, "cannot replace", path);
	}
	/* the rename itself to the disk; tmpfs and some others refuse: harmless */
	fsync(dfd);
	return TRUE;
}
