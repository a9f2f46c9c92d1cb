/* SPDX-License-Identifier: Apache-2.0 */
/* stas-state: the last-known state file of the daemons (REFERENCE 5.12, SPEC B2/B3/5) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "stas/stas-error.h"
#include "stas/stas-state.h"

#define DISC_NQN "nqn.2014-08.org.nvmexpress.discovery"
#define IO_NQN	 "nqn.1988-11.com.dell:SFSS:2:20220208134025e8"
#define HOST_NQN "nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5"
#define SYS_NQN	 "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000001"
#define SECRET	 "DHHC-1:00:ia6zGodOr4SEG0Zzaw398rpY0wqipUWj4jWjUh4HWUz6aQ2n:"
#define CSECRET	 "DHHC-1:00:pNyY+LcXMBUx5NodBFZk4qyf+7vrYxqvSuqVEDpMfgrN3kP8:"

static const StasTidDefaults dc_defaults = {.kind = STAS_TID_KIND_DC, .host_nqn = SYS_NQN};
static const StasTidDefaults ioc_defaults = {.kind = STAS_TID_KIND_IOC, .host_nqn = SYS_NQN};

/* ---- building blocks ---- */

static StasTid *
tid_new(const char *transport, const char *traddr, const char *subsysnqn, const char *host_iface,
	const StasTidDefaults *d, ...)
{
	g_autoptr(GHashTable) map = g_hash_table_new(g_str_hash, g_str_equal);
	const char *key;
	va_list ap;

	g_hash_table_insert(map, (gpointer) "transport", (gpointer)transport);
	g_hash_table_insert(map, (gpointer) "traddr", (gpointer)traddr);
	g_hash_table_insert(map, (gpointer) "subsysnqn", (gpointer)subsysnqn);
	if (host_iface)
		g_hash_table_insert(map, (gpointer) "host-iface", (gpointer)host_iface);
	g_hash_table_insert(map, (gpointer) "host-nqn", (gpointer)HOST_NQN);
	va_start(ap, d);
	while ((key = va_arg(ap, const char *)) != NULL)
		g_hash_table_insert(map, (gpointer)key, va_arg(ap, char *));
	va_end(ap);
	return stas_tid_new_from_map(map, d);
}

static StasTid *
dc_tid(const char *traddr)
{
	return tid_new("tcp", traddr, DISC_NQN, NULL, &dc_defaults, NULL);
}

static StasDlpe *
entry_new(guint8 trtype, const char *traddr, const char *trsvcid, guint8 subtype, guint16 portid)
{
	g_autoptr(GError) error = NULL;
	StasDlpe f = {
		.trtype = trtype,
		.adrfam = 1,
		.subtype = subtype,
		.treq = 2,
		.portid = portid,
		.cntlid = 0xffff,
		.asqsz = 32,
		.eflags = 4,
		.trsvcid = trsvcid,
		.subnqn = subtype == STAS_DLPE_SUBTYPE_NVME ? IO_NQN : DISC_NQN,
		.traddr = traddr,
		.tsas = {1, 2, 3},
	};
	StasDlpe *e = stas_dlpe_new_from_fields(&f, &error);

	assert_null(error);
	assert_non_null(e);
	return e;
}

/* n tcp I/O entries 10.1.x.y, then a referral */
static GPtrArray *
entries_new(guint n)
{
	GPtrArray *entries = g_ptr_array_new_with_free_func((GDestroyNotify)stas_dlpe_unref);

	for (guint i = 0; i < n; i++) {
		g_autofree char *addr = g_strdup_printf("10.1.%u.%u", i / 250, i % 250 + 1);

		g_ptr_array_add(entries, entry_new(STAS_DLPE_TRTYPE_TCP, addr, "4420",
						   STAS_DLPE_SUBTYPE_NVME, (guint16)i));
	}
	g_ptr_array_add(entries, entry_new(STAS_DLPE_TRTYPE_TCP, "10.2.0.1", "8009",
					   STAS_DLPE_SUBTYPE_REFERRAL, 7));
	return entries;
}

/* three DCs (each origin) with 3 (+1 referral) entries */
static StasState *
three_dcs(void)
{
	StasState *state = stas_state_new();
	static const StasOrigin origins[] = {STAS_ORIGIN_CONFIGURED, STAS_ORIGIN_DISCOVERED,
					     STAS_ORIGIN_REFERRAL};

	for (guint i = 0; i < 3; i++) {
		g_autofree char *addr = g_strdup_printf("192.168.0.%u", i + 1);
		g_autofree char *dev = g_strdup_printf("nvme%u", i);
		g_autoptr(StasTid) tid = dc_tid(addr);
		g_autoptr(GPtrArray) entries = entries_new(3);

		stas_state_add(state, tid, dev, origins[i], entries);
	}
	return state;
}

static char *
to_text(const StasState *state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) json = stas_state_to_json(state, &error);
	gsize len;
	const char *data;

	assert_null(error);
	data = g_bytes_get_data(json, &len);
	return g_strndup(data, len);
}

static StasState *
load_text(const char *text, const StasTidDefaults *d)
{
	g_autoptr(GError) error = NULL;
	StasState *state = stas_state_from_json(text, strlen(text), "test.json", d, &error);

	if (error)
		fail_msg("%s", error->message);
	assert_non_null(state);
	return state;
}

static GError *
load_error(const char *text, gsize len)
{
	GError *error = NULL;
	StasState *state = stas_state_from_json(text, len, "test.json", &dc_defaults, &error);

	assert_null(state);
	assert_non_null(error);
	return error;
}

static gboolean
has_diag(const StasState *state, const char *needle1, const char *needle2)
{
	for (guint i = 0; i < state->diagnostics->len; i++) {
		const char *d = state->diagnostics->pdata[i];

		if (strstr(d, needle1) && (!needle2 || strstr(d, needle2)))
			return TRUE;
	}
	return FALSE;
}

static void
assert_diag(const StasState *state, const char *needle1, const char *needle2)
{
	if (!has_diag(state, needle1, needle2)) {
		for (guint i = 0; i < state->diagnostics->len; i++)
			print_message("diag: %s\n", (char *)state->diagnostics->pdata[i]);
		fail_msg("no diagnostic with \"%s\" and \"%s\"", needle1, needle2 ? needle2 : "");
	}
}

static StasStateController *
ctrl_at(const StasState *state, guint i)
{
	assert_true(i < state->controllers->len);
	return state->controllers->pdata[i];
}

static void
assert_same_cfg(const StasTid *a, const StasTid *b)
{
	GHashTable *ca = stas_tid_get_cfg_table(a);
	GHashTable *cb = stas_tid_get_cfg_table(b);
	GHashTableIter iter;
	gpointer k, v;
	guint n = 0;

	g_hash_table_iter_init(&iter, ca);
	while (g_hash_table_iter_next(&iter, &k, &v)) {
		if (stas_tid_key_is_secret(k))
			continue;
		assert_string_equal(stas_tid_get_cfg(b, k), v);
		n++;
	}
	assert_int_equal(g_hash_table_size(cb), n);
}

static void
assert_same_state(const StasState *a, const StasState *b)
{
	assert_int_equal(a->controllers->len, b->controllers->len);
	for (guint i = 0; i < a->controllers->len; i++) {
		StasStateController *ca = ctrl_at(a, i), *cb = ctrl_at(b, i);

		assert_true(stas_tid_equal(ca->tid, cb->tid));
		assert_same_cfg(ca->tid, cb->tid);
		assert_string_equal(ca->device ? ca->device : "-", cb->device ? cb->device : "-");
		assert_int_equal(ca->origin, cb->origin);
		assert_int_equal(ca->log_pages == NULL, cb->log_pages == NULL);
		assert_true(stas_dlpe_list_equal(ca->log_pages, cb->log_pages));
	}
}

/* ---- files ---- */

typedef struct {
	char *dir;
	char *path;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->dir = g_dir_make_tmp("stas-state-XXXXXX", NULL);
	assert_non_null(f->dir);
	f->path = g_build_filename(f->dir, STAS_STATE_FILE_NAME, NULL);
	*state = f;
	return 0;
}

static void
rm_rf(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;

	if (dir == NULL) {
		g_unlink(path);
		return;
	}
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *child = g_build_filename(path, name, NULL);
		struct stat st;

		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
			rm_rf(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	umount2(f->dir, MNT_DETACH);
	rm_rf(f->dir);
	g_free(f->dir);
	g_free(f->path);
	g_free(f);
	return 0;
}

static void
write_file(const char *path, const char *text, gsize len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *
read_text(const char *path)
{
	char *text = NULL;

	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

static int
cmp_strp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* names in a directory, sorted, joined with ' ' */
static char *
dir_listing(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	const char *name;

	assert_non_null(dir);
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, (gpointer)name);
	g_ptr_array_sort(names, cmp_strp);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(" ", (char **)names->pdata);
}

static void
save_ok(const StasState *state, const char *path)
{
	g_autoptr(GError) error = NULL;

	if (!stas_state_save(state, path, &error))
		fail_msg("%s", error->message);
}

static StasState *
load_ok(const char *path, const StasTidDefaults *d)
{
	g_autoptr(GError) error = NULL;
	StasState *state = stas_state_load(path, d, &error);

	if (error)
		fail_msg("%s", error->message);
	return state;
}

static GError *
load_fails(const char *path)
{
	GError *error = NULL;
	StasState *state = stas_state_load(path, &dc_defaults, &error);

	assert_null(state);
	assert_non_null(error);
	return error;
}

/* a tmpfs of size bytes on dir, in a mount namespace of this process only */
static gboolean
private_tmpfs(const char *dir, const char *options)
{
	if (unshare(CLONE_NEWNS) < 0)
		return FALSE;
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return FALSE;
	return mount("tmpfs", dir, "tmpfs", 0, options) == 0;
}

/* ---- names and paths ---- */

static void
test_origins_have_the_upstream_spellings(void **unused)
{
	StasOrigin o = STAS_ORIGIN_NONE;

	assert_string_equal(stas_origin_to_string(STAS_ORIGIN_CONFIGURED), "configured");
	assert_string_equal(stas_origin_to_string(STAS_ORIGIN_DISCOVERED), "discovered");
	assert_string_equal(stas_origin_to_string(STAS_ORIGIN_REFERRAL), "referral");
	assert_null(stas_origin_to_string(STAS_ORIGIN_NONE));
	assert_null(stas_origin_to_string((StasOrigin)42));
	assert_true(stas_origin_from_string("referral", &o));
	assert_int_equal(o, STAS_ORIGIN_REFERRAL);
	assert_true(stas_origin_from_string("discovered", &o));
	assert_int_equal(o, STAS_ORIGIN_DISCOVERED);
	assert_false(stas_origin_from_string("Configured", &o));
	assert_false(stas_origin_from_string("", &o));
	assert_false(stas_origin_from_string(NULL, &o));
	assert_int_equal(o, STAS_ORIGIN_DISCOVERED);
}

static void
test_path_is_in_the_runtime_directory_else_under_run_program(void **unused)
{
	g_autofree char *a = stas_state_path("/run/stafd", "stafd");
	g_autofree char *b = stas_state_path(NULL, "stacd");
	g_autofree char *c = stas_state_path("", "stafd");
	g_autofree char *d = stas_state_path("/run/x:/run/y", "stafd");

	assert_string_equal(a, "/run/stafd/last-known-config.json");
	assert_string_equal(b, "/run/stacd/last-known-config.json");
	assert_string_equal(c, "/run/stafd/last-known-config.json");
	assert_string_equal(d, "/run/x/last-known-config.json");
}

/* ---- entries from typed fields ---- */

static void
put_le16(guint8 *p, guint16 v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

/* the raw log page of entries, as a DC would send it */
static GByteArray *
raw_log(const StasDlpe *const *entries, guint n)
{
	GByteArray *log = g_byte_array_new();
	guint8 hdr[1024] = {0}, raw[1024];

	hdr[8] = (guint8)n;
	g_byte_array_append(log, hdr, sizeof(hdr));
	for (guint i = 0; i < n; i++) {
		const StasDlpe *e = entries[i];

		memset(raw, 0, sizeof(raw));
		raw[0] = e->trtype;
		raw[1] = e->adrfam;
		raw[2] = e->subtype;
		raw[3] = e->treq;
		put_le16(raw + 4, e->portid);
		put_le16(raw + 6, e->cntlid);
		put_le16(raw + 8, e->asqsz);
		put_le16(raw + 10, e->eflags);
		memcpy(raw + 32, e->trsvcid, strlen(e->trsvcid));
		memcpy(raw + 256, e->subnqn, strlen(e->subnqn));
		memcpy(raw + 512, e->traddr, strlen(e->traddr));
		memcpy(raw + 768, e->tsas, 3);
		g_byte_array_append(log, raw, sizeof(raw));
	}
	return log;
}

static void
test_entry_from_fields_equals_the_wire_parser_entry(void **unused)
{
	const StasDlpe fields[] = {
		{.trtype = 3,
		 .adrfam = 1,
		 .subtype = 2,
		 .treq = 2,
		 .portid = 1,
		 .cntlid = 0xffff,
		 .asqsz = 32,
		 .eflags = 4,
		 .trsvcid = "4420",
		 .subnqn = IO_NQN,
		 .traddr = "10.0.0.1",
		 .tsas = {1, 0, 0}},
		{.trtype = 1,
		 .adrfam = 2,
		 .subtype = 1,
		 .treq = 5,
		 .portid = 65535,
		 .cntlid = 1,
		 .asqsz = 128,
		 .eflags = 0xffff,
		 .trsvcid = "4420",
		 .subnqn = DISC_NQN,
		 .traddr = "fe80::1",
		 .tsas = {1, 4, 1}},
		{.trtype = 2,
		 .adrfam = 4,
		 .subtype = 2,
		 .trsvcid = "",
		 .subnqn = IO_NQN,
		 .traddr = "nn-0x200000109b579ef6:pn-0x100000109b579ef6",
		 .tsas = {9, 9, 9}},
		{.trtype = 254,
		 .adrfam = 9,
		 .subtype = 3,
		 .trsvcid = "",
		 .subnqn = IO_NQN,
		 .traddr = "loopback",
		 .tsas = {0xff, 0xff, 0xff}},
	};
	const StasDlpe *made[G_N_ELEMENTS(fields)];
	g_autoptr(GPtrArray) owned =
		g_ptr_array_new_with_free_func((GDestroyNotify)stas_dlpe_unref);
	g_autoptr(GByteArray) raw = NULL;
	g_autoptr(StasDlpeLog) log = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		g_autoptr(GError) error = NULL;
		StasDlpe *e = stas_dlpe_new_from_fields(&fields[i], &error);

		assert_null(error);
		assert_non_null(e);
		g_ptr_array_add(owned, e);
		made[i] = e;
	}
	raw = raw_log(made, G_N_ELEMENTS(made));
	log = stas_dlpe_log_parse(raw->data, raw->len, NULL, NULL);
	assert_int_equal(log->entries->len, G_N_ELEMENTS(fields));
	assert_int_equal(log->diagnostics->len, 0);
	assert_true(stas_dlpe_list_equal(log->entries, owned));
	assert_string_equal(stas_dlpe_tsas_repr(made[0]), "{'sectype': 'tls'}");
	assert_string_equal(stas_dlpe_tsas_repr(made[1]),
			    "{'qptype': 'connected', 'prtype': 'rocev2', 'cms': 'cm'}");
	assert_null(stas_dlpe_tsas_repr(made[2]));
	assert_int_equal(made[1]->eflags, 0xffff);
	assert_int_equal(made[1]->portid, 65535);
}

static void
test_entry_from_fields_strips_whitespace_like_the_wire_parser(void **unused)
{
	g_autoptr(GError) error = NULL;
	StasDlpe f = {.trtype = 3,
		      .trsvcid = " 4420\t",
		      .subnqn = "  " IO_NQN " ",
		      .traddr = " 10.0.0.9 "};
	g_autoptr(StasDlpe) e = stas_dlpe_new_from_fields(&f, &error);

	assert_null(error);
	assert_string_equal(e->trsvcid, "4420");
	assert_string_equal(e->subnqn, IO_NQN);
	assert_string_equal(e->traddr, "10.0.0.9");
}

static void
assert_fields_refused(const StasDlpe *f, const char *prefix)
{
	g_autoptr(GError) error = NULL;
	StasDlpe *e = stas_dlpe_new_from_fields(f, &error);

	assert_null(e);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	if (!g_str_has_prefix(error->message, prefix))
		fail_msg("\"%s\" does not start with \"%s\"", error->message, prefix);
}

static void
test_entry_from_fields_refuses_what_the_wire_parser_drops(void **unused)
{
	g_autofree char *long_svc = g_strnfill(32, '1');
	g_autofree char *long_addr = g_strnfill(256, 'a');
	StasDlpe good = {.trtype = 3,
			 .subtype = 2,
			 .trsvcid = "4420",
			 .subnqn = IO_NQN,
			 .traddr = "10.0.0.1"};
	StasDlpe f;

	f = good, f.traddr = "0.0.0.0";
	assert_fields_refused(&f, "traddr: \"0.0.0.0\" is a placeholder");
	f = good, f.traddr = "::";
	assert_fields_refused(&f, "traddr: ");
	f = good, f.traddr = " ";
	assert_fields_refused(&f, "traddr: \"\" is a placeholder");
	f = good, f.traddr = NULL;
	assert_fields_refused(&f, "traddr: ");
	f = good, f.traddr = "1.2.3.4,hostnqn=x";
	assert_fields_refused(&f, "traddr: ");
	f = good, f.traddr = "host.example.com";
	assert_fields_refused(&f, "traddr: ");
	f = good, f.traddr = long_addr;
	assert_fields_refused(&f, "traddr: 256 bytes do not fit the 256-byte field");
	f = good, f.trsvcid = "99999";
	assert_fields_refused(&f, "trsvcid: ");
	f = good, f.trsvcid = long_svc;
	assert_fields_refused(&f, "trsvcid: 32 bytes do not fit the 32-byte field");
	f = good, f.subnqn = "not-an-nqn";
	assert_fields_refused(&f, "subnqn: ");
	f = good, f.subnqn = "nqn.x,y";
	assert_fields_refused(&f, "subnqn: ");
	f = good, f.trtype = 2, f.trsvcid = "", f.traddr = "10.0.0.1";
	assert_fields_refused(&f, "traddr: ");
	f = good, f.trtype = 77, f.traddr = "a=b";
	assert_fields_refused(&f, "traddr: ");
}

/* ---- the format ---- */

/* ---- the format: the text json-glib's generator made (the writer replaced it) ---- */

static void
ref_put_string(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, value);
}

static void
ref_put_int(JsonBuilder *b, const char *key, gint64 value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, value);
}

static void
ref_build_tid(JsonBuilder *b, const StasTid *tid)
{
	g_autoptr(GList) keys = g_hash_table_get_keys(stas_tid_get_cfg_table(tid));

	json_builder_begin_object(b);
	ref_put_string(b, "transport", tid->transport);
	ref_put_string(b, "traddr", tid->traddr);
	ref_put_string(b, "trsvcid", tid->trsvcid);
	ref_put_string(b, "subsysnqn", tid->subsysnqn);
	ref_put_string(b, "host-traddr", tid->host_traddr);
	ref_put_string(b, "host-iface", tid->host_iface);
	ref_put_string(b, "host-nqn", tid->host_nqn);
	keys = g_list_sort(keys, (GCompareFunc)strcmp);
	for (GList *l = keys; l; l = l->next)
		if (!stas_tid_key_is_secret(l->data))
			ref_put_string(b, l->data, stas_tid_get_cfg(tid, l->data));
	json_builder_end_object(b);
}

static void
ref_build_entry(JsonBuilder *b, const StasDlpe *e)
{
	static const char *const keys[] = {
		"trtype", "adrfam", "subtype", "treq", "portid", "cntlid", "asqsz", "eflags",
	};
	const guint values[] = {
		e->trtype, e->adrfam, e->subtype, e->treq,
		e->portid, e->cntlid, e->asqsz,	  e->eflags,
	};
	char tsas[7];

	json_builder_begin_object(b);
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		ref_put_int(b, keys[i], values[i]);
	ref_put_string(b, "trsvcid", e->trsvcid);
	ref_put_string(b, "subnqn", e->subnqn);
	ref_put_string(b, "traddr", e->traddr);
	g_snprintf(tsas, sizeof(tsas), "%02x%02x%02x", e->tsas[0], e->tsas[1], e->tsas[2]);
	ref_put_string(b, "tsas", tsas);
	json_builder_end_object(b);
}

static char *
ref_to_text(const StasState *state)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object(b);
	ref_put_int(b, "version", STAS_STATE_VERSION);
	json_builder_set_member_name(b, "controllers");
	json_builder_begin_array(b);
	for (guint i = 0; i < state->controllers->len; i++) {
		const StasStateController *c = state->controllers->pdata[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "tid");
		ref_build_tid(b, c->tid);
		if (c->device)
			ref_put_string(b, "device", c->device);
		if (stas_origin_to_string(c->origin))
			ref_put_string(b, "origin", stas_origin_to_string(c->origin));
		if (c->log_pages) {
			json_builder_set_member_name(b, "log-pages");
			json_builder_begin_array(b);
			for (guint j = 0; j < c->log_pages->len; j++)
				ref_build_entry(b, c->log_pages->pdata[j]);
			json_builder_end_array(b);
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 1);
	json_generator_set_indent_char(gen, '\t');
	text = json_generator_to_data(gen, NULL);
	return g_strconcat(text, "\n", NULL);
}

static void
assert_same_text_as_json_glib(const StasState *state)
{
	g_autofree char *ours = to_text(state);
	g_autofree char *theirs = ref_to_text(state);

	assert_string_equal(ours, theirs);
}

static void
test_the_text_is_the_one_json_glib_generated(void **unused)
{
	g_autoptr(StasState) empty = stas_state_new();
	g_autoptr(StasState) dcs = three_dcs();
	g_autoptr(StasState) odd = stas_state_new();
	g_autoptr(GPtrArray) none = g_ptr_array_new();
	g_autoptr(GPtrArray) some = entries_new(2);
	char all_bytes[256];
	g_autoptr(StasTid) dc = NULL;
	g_autoptr(StasTid) ioc = NULL;

	/* every byte but NUL, in a cfg value and a key: escapes as json-glib 1.6 wrote them */
	for (guint i = 1; i < 256; i++)
		all_bytes[i - 1] = (char)i;
	all_bytes[255] = '\0';
	dc = tid_new("tcp", "10.0.0.1", DISC_NQN, "eth0", &dc_defaults, "kato", "30",
		     "dhchap-secret", SECRET, "zz\"\\\x1f\x7f\xc3\xa9", all_bytes, "a", "", NULL);
	ioc = tid_new("tcp", "10.0.0.2", IO_NQN, NULL, &ioc_defaults, NULL);
	stas_state_add(odd, dc, "nvme0", STAS_ORIGIN_REFERRAL, none);
	stas_state_add(odd, ioc, NULL, STAS_ORIGIN_NONE, NULL);
	stas_state_add(odd, ioc, "nvme12", STAS_ORIGIN_DISCOVERED, some);
	assert_same_text_as_json_glib(empty);
	assert_same_text_as_json_glib(dcs);
	assert_same_text_as_json_glib(odd);
	{
		g_autofree char *text = to_text(odd);

		/* the escapes were exercised */
		assert_non_null(strstr(text, "\\u0001\\u0002"));
		assert_non_null(strstr(text, "\\b\\t\\n\\u000b\\f\\r"));
		assert_non_null(strstr(text, "\"zz\\\"\\\\\x1f\\u007f\xc3\xa9\" : \"\\u0001"));
		assert_non_null(strstr(text, "\"log-pages\" : []"));
	}
}

static void
test_the_json_format_of_a_small_state(void **unused)
{
	g_autoptr(StasState) state = stas_state_new();
	g_autoptr(StasTid) dc = tid_new("tcp", "10.0.0.1", DISC_NQN, "eth0", &dc_defaults, "kato",
					"30", "dhchap-secret", SECRET, NULL);
	g_autoptr(StasTid) ioc = tid_new("tcp", "10.0.0.2", IO_NQN, NULL, &ioc_defaults, NULL);
	g_autoptr(GPtrArray) entries =
		g_ptr_array_new_with_free_func((GDestroyNotify)stas_dlpe_unref);
	g_autofree char *text = NULL;

	g_ptr_array_add(entries, entry_new(3, "10.0.0.2", "4420", STAS_DLPE_SUBTYPE_NVME, 1));
	stas_state_add(state, dc, "nvme0", STAS_ORIGIN_CONFIGURED, entries);
	stas_state_add(state, ioc, "", STAS_ORIGIN_NONE, NULL);
	text = to_text(state);
	assert_string_equal(text, "{\n"
				  "\t\"version\" : 1,\n"
				  "\t\"controllers\" : [\n"
				  "\t\t{\n"
				  "\t\t\t\"tid\" : {\n"
				  "\t\t\t\t\"transport\" : \"tcp\",\n"
				  "\t\t\t\t\"traddr\" : \"10.0.0.1\",\n"
				  "\t\t\t\t\"trsvcid\" : \"8009\",\n"
				  "\t\t\t\t\"subsysnqn\" : \"" DISC_NQN "\",\n"
				  "\t\t\t\t\"host-traddr\" : \"\",\n"
				  "\t\t\t\t\"host-iface\" : \"eth0\",\n"
				  "\t\t\t\t\"host-nqn\" : \"" HOST_NQN "\",\n"
				  "\t\t\t\t\"kato\" : \"30\"\n"
				  "\t\t\t},\n"
				  "\t\t\t\"device\" : \"nvme0\",\n"
				  "\t\t\t\"origin\" : \"configured\",\n"
				  "\t\t\t\"log-pages\" : [\n"
				  "\t\t\t\t{\n"
				  "\t\t\t\t\t\"trtype\" : 3,\n"
				  "\t\t\t\t\t\"adrfam\" : 1,\n"
				  "\t\t\t\t\t\"subtype\" : 2,\n"
				  "\t\t\t\t\t\"treq\" : 2,\n"
				  "\t\t\t\t\t\"portid\" : 1,\n"
				  "\t\t\t\t\t\"cntlid\" : 65535,\n"
				  "\t\t\t\t\t\"asqsz\" : 32,\n"
				  "\t\t\t\t\t\"eflags\" : 4,\n"
				  "\t\t\t\t\t\"trsvcid\" : \"4420\",\n"
				  "\t\t\t\t\t\"subnqn\" : \"" IO_NQN "\",\n"
				  "\t\t\t\t\t\"traddr\" : \"10.0.0.2\",\n"
				  "\t\t\t\t\t\"tsas\" : \"010203\"\n"
				  "\t\t\t\t}\n"
				  "\t\t\t]\n"
				  "\t\t},\n"
				  "\t\t{\n"
				  "\t\t\t\"tid\" : {\n"
				  "\t\t\t\t\"transport\" : \"tcp\",\n"
				  "\t\t\t\t\"traddr\" : \"10.0.0.2\",\n"
				  "\t\t\t\t\"trsvcid\" : \"4420\",\n"
				  "\t\t\t\t\"subsysnqn\" : \"" IO_NQN "\",\n"
				  "\t\t\t\t\"host-traddr\" : \"\",\n"
				  "\t\t\t\t\"host-iface\" : \"\",\n"
				  "\t\t\t\t\"host-nqn\" : \"" HOST_NQN "\"\n"
				  "\t\t\t}\n"
				  "\t\t}\n"
				  "\t]\n"
				  "}\n");
}

static void
test_an_empty_state_round_trips(void **unused)
{
	g_autoptr(StasState) state = stas_state_new();
	g_autofree char *text = to_text(state);
	g_autoptr(StasState) back = load_text(text, &dc_defaults);

	assert_string_equal(text, "{\n\t\"version\" : 1,\n\t\"controllers\" : []\n}\n");
	assert_int_equal(back->controllers->len, 0);
	assert_int_equal(back->diagnostics->len, 0);
}

static void
test_dcs_with_1000_entries_and_iocs_round_trip_through_the_file(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) state = stas_state_new();
	g_autoptr(StasState) back = NULL;
	g_autoptr(StasTid) dc1 = tid_new("tcp", "192.168.1.1", DISC_NQN, "eth0", &dc_defaults,
					 "kato", "30", "hdr-digest", "True", NULL);
	g_autoptr(StasTid) dc2 = tid_new("rdma", "fe80::2", DISC_NQN, NULL, &dc_defaults, NULL);
	g_autoptr(StasTid) dc3 = tid_new("fc", "nn-0x200000109b579ef6:pn-0x100000109b579ef6",
					 DISC_NQN, NULL, &dc_defaults, NULL);
	g_autoptr(StasTid) dc4 = dc_tid("192.168.1.99");
	g_autoptr(GPtrArray) big = entries_new(1000);
	g_autoptr(GPtrArray) none = g_ptr_array_new();

	stas_state_add(state, dc1, "nvme1", STAS_ORIGIN_CONFIGURED, big);
	stas_state_add(state, dc2, NULL, STAS_ORIGIN_DISCOVERED, none);
	stas_state_add(state, dc3, "nvme12", STAS_ORIGIN_REFERRAL, big);
	for (guint i = 0; i < 20; i++) {
		g_autofree char *addr = g_strdup_printf("10.9.0.%u", i + 1);
		g_autoptr(StasTid) ioc =
			tid_new("tcp", addr, IO_NQN, NULL, &ioc_defaults, "kato", "5", NULL);
		g_autofree char *dev = g_strdup_printf("nvme%u", 100 + i);

		stas_state_add(state, ioc, i % 2 ? dev : NULL, STAS_ORIGIN_NONE, NULL);
	}
	save_ok(state, f->path);
	back = load_ok(f->path, &dc_defaults);
	assert_int_equal(back->diagnostics->len, 0);
	assert_same_state(state, back);
	assert_int_equal(ctrl_at(back, 0)->log_pages->len, 1001);
	assert_int_equal(ctrl_at(back, 1)->log_pages->len, 0);
	assert_null(ctrl_at(back, 3)->log_pages);
	assert_string_equal(ctrl_at(back, 0)->tid->host_iface, "eth0");
	assert_string_equal(stas_tid_get_cfg(ctrl_at(back, 0)->tid, "hdr-digest"), "True");
	assert_string_equal(ctrl_at(back, 2)->tid->trsvcid, "");
	assert_null(ctrl_at(back, 3)->device);
	assert_string_equal(ctrl_at(back, 4)->device, "nvme101");
	/* a second save replaces the first */
	stas_state_add(state, dc4, NULL, STAS_ORIGIN_CONFIGURED, NULL);
	save_ok(state, f->path);
	stas_state_free(g_steal_pointer(&back));
	back = load_ok(f->path, &dc_defaults);
	assert_same_state(state, back);
}

/* ---- B3: secrets ---- */

static void
test_secrets_are_never_written(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) state = stas_state_new();
	g_autoptr(StasTid) tid =
		tid_new("tcp", "10.0.0.1", IO_NQN, NULL, &ioc_defaults, "dhchap-secret", SECRET,
			"dhchap-ctrl-secret", CSECRET, "kato", "10", NULL);
	g_autoptr(StasState) back = NULL;
	g_autofree char *text = NULL;

	stas_state_add(state, tid, "nvme4", STAS_ORIGIN_NONE, NULL);
	save_ok(state, f->path);
	text = read_text(f->path);
	assert_null(strstr(text, "DHHC-1"));
	assert_null(strstr(text, "dhchap"));
	assert_non_null(strstr(text, "\"kato\" : \"10\""));
	back = load_ok(f->path, &ioc_defaults);
	assert_true(stas_tid_equal(tid, ctrl_at(back, 0)->tid));
	assert_null(stas_tid_get_cfg(ctrl_at(back, 0)->tid, "dhchap-secret"));
	assert_null(stas_tid_get_cfg(ctrl_at(back, 0)->tid, "dhchap-ctrl-secret"));
	assert_string_equal(stas_tid_get_cfg(ctrl_at(back, 0)->tid, "kato"), "10");
}

static void
test_secrets_in_a_file_are_not_taken(void **unused)
{
	g_autoptr(StasState) state = load_text(
		"{\"version\":1,\"controllers\":[{\"tid\":{\"transport\":\"tcp\","
		"\"traddr\":\"10.0.0.1\",\"subsysnqn\":\"" IO_NQN "\",\"host-nqn\":\"" HOST_NQN
		"\",\"dhchap-secret\":\"" SECRET "\",\"dhchap-ctrl-secret\":\"" CSECRET "\"}}]}",
		&ioc_defaults);

	assert_int_equal(state->controllers->len, 1);
	assert_int_equal(g_hash_table_size(stas_tid_get_cfg_table(ctrl_at(state, 0)->tid)), 0);
	assert_diag(state, "test.json: controllers[0].tid.dhchap-secret: ", "never taken");
	assert_diag(state, "controllers[0].tid.dhchap-ctrl-secret: ", "key ignored");
	for (guint i = 0; i < state->diagnostics->len; i++)
		assert_null(strstr(state->diagnostics->pdata[i], "DHHC"));
}

/* ---- files: mode, atomic replace, symlinks ---- */

static void
test_the_file_is_0600_whatever_the_umask(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) state = three_dcs();
	static const mode_t masks[] = {0, 022, 0277};
	struct stat st;

	for (gsize i = 0; i < G_N_ELEMENTS(masks); i++) {
		mode_t old = umask(masks[i]);

		save_ok(state, f->path);
		umask(old);
		assert_int_equal(lstat(f->path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0600);
		assert_int_equal(st.st_uid, geteuid());
	}
}

static void
test_a_missing_directory_is_created_0700_but_not_its_parents(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) state = three_dcs();
	g_autofree char *dir = g_build_filename(f->dir, "stafd", NULL);
	g_autofree char *path = g_build_filename(dir, STAS_STATE_FILE_NAME, NULL);
	g_autofree char *deep = g_build_filename(f->dir, "a", "b", STAS_STATE_FILE_NAME, NULL);
	g_autoptr(GError) error = NULL;
	struct stat st;

	save_ok(state, path);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_false(stas_state_save(state, deep, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	assert_non_null(strstr(error->message, "a/b"));
}

static void
test_a_file_where_the_directory_should_be_is_an_error(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) state = three_dcs();
	g_autofree char *notdir = g_build_filename(f->dir, "file", NULL);
	g_autofree char *path = g_build_filename(notdir, STAS_STATE_FILE_NAME, NULL);
	g_autoptr(GError) error = NULL;

	write_file(notdir, "x", 1, 0600);
	assert_false(stas_state_save(state, path, &error));
	assert_non_null(error);
	assert_non_null(strstr(error->message, notdir));
}

static void
test_a_symlink_at_the_path_is_replaced_not_followed(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) state = three_dcs();
	g_autofree char *victim = g_build_filename(f->dir, "victim", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	struct stat st;

	write_file(victim, "precious", 8, 0644);
	assert_int_equal(symlink(victim, f->path), 0);
	/* load does not follow it either */
	error = load_fails(f->path);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_non_null(strstr(error->message, "symbolic link"));
	save_ok(state, f->path);
	text = read_text(victim);
	assert_string_equal(text, "precious");
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void
test_a_directory_at_the_path_fails_the_save_and_leaves_no_temp_file(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) state = three_dcs();
	g_autoptr(GError) error = NULL;
	g_autofree char *listing = NULL;

	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_false(stas_state_save(state, f->path, &error));
	assert_non_null(strstr(error->message, f->path));
	listing = dir_listing(f->dir);
	assert_string_equal(listing, STAS_STATE_FILE_NAME);
	g_clear_error(&error);
	error = load_fails(f->path);
	assert_non_null(strstr(error->message, "not a regular file"));
}

static void
test_a_full_disk_leaves_the_old_file_intact(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) small = stas_state_new();
	g_autoptr(StasState) big = three_dcs();
	g_autoptr(StasTid) tid = dc_tid("10.0.0.1");
	g_autoptr(GPtrArray) entries = entries_new(1000);
	g_autoptr(GError) error = NULL;
	g_autofree char *before = NULL, *after = NULL, *listing = NULL;

	if (!private_tmpfs(f->dir, "size=64k,mode=0700"))
		skip();
	stas_state_add(small, tid, "nvme0", STAS_ORIGIN_CONFIGURED, NULL);
	stas_state_add(big, tid, "nvme0", STAS_ORIGIN_CONFIGURED, entries);
	save_ok(small, f->path);
	before = read_text(f->path);
	assert_false(stas_state_save(big, f->path, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
	assert_non_null(strstr(error->message, f->path));
	assert_non_null(strstr(error->message, g_strerror(ENOSPC)));
	after = read_text(f->path);
	assert_string_equal(before, after);
	listing = dir_listing(f->dir);
	assert_string_equal(listing, STAS_STATE_FILE_NAME);
}

static void
test_a_read_only_file_system_leaves_the_old_file_intact(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) one = three_dcs();
	g_autoptr(StasState) two = stas_state_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *before = NULL, *after = NULL;

	if (!private_tmpfs(f->dir, "size=1m"))
		skip();
	save_ok(one, f->path);
	before = read_text(f->path);
	assert_int_equal(mount("tmpfs", f->dir, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=1m"), 0);
	assert_false(stas_state_save(two, f->path, &error));
	assert_non_null(strstr(error->message, g_strerror(EROFS)));
	after = read_text(f->path);
	assert_string_equal(before, after);
}

static void
test_a_file_size_limit_fails_the_write_and_leaves_the_old_file(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) small = stas_state_new();
	g_autoptr(StasState) big = three_dcs();
	g_autoptr(StasTid) tid = dc_tid("10.0.0.1");
	g_autoptr(GPtrArray) entries = entries_new(100);
	g_autoptr(GError) error = NULL;
	g_autofree char *before = NULL, *after = NULL, *listing = NULL;
	struct rlimit old, lim = {.rlim_cur = 8192};
	void (*old_handler)(int);
	gboolean ok;

	stas_state_add(small, tid, NULL, STAS_ORIGIN_CONFIGURED, NULL);
	stas_state_add(big, tid, NULL, STAS_ORIGIN_CONFIGURED, entries);
	save_ok(small, f->path);
	before = read_text(f->path);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ok = stas_state_save(big, f->path, &error);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_handler);
	assert_false(ok);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
	assert_non_null(strstr(error->message, g_strerror(EFBIG)));
	after = read_text(f->path);
	assert_string_equal(before, after);
	listing = dir_listing(f->dir);
	assert_string_equal(listing, STAS_STATE_FILE_NAME);
}

/* ---- load: files that are not ours ---- */

static void
test_a_missing_file_is_not_found(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(GError) error = load_fails(f->path);

	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	assert_non_null(strstr(error->message, f->path));
}

static void
test_a_fifo_or_device_is_refused_without_blocking(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(GError) error = NULL;

	assert_int_equal(mkfifo(f->path, 0600), 0);
	error = load_fails(f->path);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_non_null(strstr(error->message, "not a regular file"));
	g_clear_error(&error);
	error = load_fails("/dev/zero");
	assert_non_null(strstr(error->message, "/dev/zero: not a regular file"));
}

static void
test_a_file_others_can_write_or_another_user_owns_is_refused(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) state = three_dcs();
	g_autoptr(GError) error = NULL;

	save_ok(state, f->path);
	assert_int_equal(chmod(f->path, 0620), 0);
	error = load_fails(f->path);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_PERMISSION));
	assert_non_null(strstr(error->message, "mode 0620 lets others write it"));
	g_clear_error(&error);
	assert_int_equal(chmod(f->path, 0602), 0);
	error = load_fails(f->path);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_PERMISSION));
	g_clear_error(&error);
	assert_int_equal(chmod(f->path, 0600), 0);
	if (geteuid() != 0)
		return;
	assert_int_equal(chown(f->path, 65534, 65534), 0);
	error = load_fails(f->path);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_PERMISSION));
	assert_non_null(strstr(error->message, "owned by uid 65534"));
}

static void
test_a_file_others_can_read_loads_with_a_diagnostic(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(StasState) state = three_dcs();
	g_autoptr(StasState) back = NULL;

	save_ok(state, f->path);
	assert_int_equal(chmod(f->path, 0644), 0);
	back = load_ok(f->path, &dc_defaults);
	assert_same_state(state, back);
	assert_int_equal(back->diagnostics->len, 1);
	assert_diag(back, f->path, "mode 0644 lets others read it");
}

static void
test_a_file_over_the_size_limit_is_refused_before_reading(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(GError) error = NULL;
	int fd = open(f->path, O_WRONLY | O_CREAT, 0600);

	assert_true(fd >= 0);
	/* sparse: nothing is written, and reading it would take a while */
	assert_int_equal(ftruncate(fd, (off_t)STAS_STATE_MAX_FILE_SIZE + 1), 0);
	close(fd);
	error = load_fails(f->path);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_non_null(strstr(error->message, "67108865 bytes, more than the 67108864"));
}

static void
test_an_unparseable_file_is_an_error_naming_it(void **fstate)
{
	Fixture *f = *fstate;
	g_autoptr(GError) error = NULL;

	write_file(f->path, "{\"version\": 1, \"controllers\": [", 32, 0600);
	error = load_fails(f->path);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_true(g_str_has_prefix(error->message, f->path));
	assert_non_null(strstr(error->message, "not JSON"));
}

/* ---- load: text that is not a state ---- */

static void
test_texts_that_are_not_a_state_of_this_version_are_errors(void **unused)
{
	static const char *const texts[] = {
		"",
		"   ",
		"null",
		"[]",
		"\"x\"",
		"{}",
		"{\"controllers\": []}",
		"{\"version\": 2, \"controllers\": []}",
		"{\"version\": 0, \"controllers\": []}",
		"{\"version\": \"1\", \"controllers\": []}",
		"{\"version\": 1.0, \"controllers\": []}",
		"{\"version\": 1}",
		"{\"version\": 1, \"controllers\": {}}",
		"{\"version\": 1, \"controllers\": null}",
		"{\"version\": 1, \"controllers\": [] ",
		"{\"version\": 1, \"controllers\": []} {}",
		"{\"version\": 1, \"controllers\": []}]",
		"{\"version\": 1, \"controllers\": []}\n\"x\"",
		"\xef\xbb\xbf{\"version\": 1, \"controllers\": [\"\xff\"]}",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_autoptr(GError) error = load_error(texts[i], strlen(texts[i]));

		assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
		assert_true(g_str_has_prefix(error->message, "test.json: "));
	}
}

static void
test_a_truncated_file_at_every_length_is_an_error_never_a_crash(void **unused)
{
	g_autoptr(StasState) state = stas_state_new();
	g_autoptr(StasTid) dc =
		tid_new("tcp", "10.0.0.7", DISC_NQN, "eth0", &dc_defaults, "kato", "30", NULL);
	g_autoptr(StasTid) ioc = dc_tid("10.0.0.77");
	g_autoptr(GPtrArray) entries = entries_new(1);
	g_autofree char *text = NULL;
	gsize len;

	/* every kind of field once: a DC with entries, an IOC without */
	stas_state_add(state, dc, "nvme3", STAS_ORIGIN_REFERRAL, entries);
	stas_state_add(state, ioc, NULL, STAS_ORIGIN_NONE, NULL);
	text = to_text(state);
	len = strlen(text);
	/* a strict prefix of an object is never JSON; only the final newline may go */
	for (gsize cut = 0; cut + 1 < len; cut++) {
		g_autofree char *copy = g_memdup2(text, cut);
		g_autoptr(GError) error = load_error(copy, cut);

		assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	}
	{
		g_autoptr(StasState) back = NULL;

		text[len - 1] = '\0';
		back = load_text(text, &dc_defaults);
		assert_same_state(state, back);
	}
}

/* ---- load: bad records ---- */

/* the text of a three_dcs() state with one node replaced (value NULL: removed) */
static char *
edited(const char *member_path, JsonNode *value)
{
	g_autoptr(StasState) state = three_dcs();
	g_autofree char *text = to_text(state);
	g_autoptr(JsonNode) root = json_from_string(text, NULL);
	g_auto(GStrv) parts = g_strsplit(member_path, "/", -1);
	JsonNode *node = root;
	guint n = g_strv_length(parts);

	/* the path alternates names and indexes: controllers/1/log-pages/1/traddr */
	for (guint i = 0; i + 1 < n; i++) {
		if (JSON_NODE_HOLDS_ARRAY(node))
			node = json_array_get_element(json_node_get_array(node), atoi(parts[i]));
		else
			node = json_object_get_member(json_node_get_object(node), parts[i]);
		assert_non_null(node);
	}
	if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *a = json_node_get_array(node);

		json_array_remove_element(a, atoi(parts[n - 1]));
		if (value)
			fail_msg("cannot replace array elements");
	} else if (value) {
		json_object_set_member(json_node_get_object(node), parts[n - 1], value);
	} else {
		json_object_remove_member(json_node_get_object(node), parts[n - 1]);
	}
	return json_to_string(root, FALSE);
}

/* the same with the JSON text of the value put in verbatim (escapes json-glib would mangle) */
static char *
edited_raw(const char *member_path, const char *raw)
{
	g_autofree char *text = edited(member_path, json_from_string("\"@VALUE@\"", NULL));
	g_auto(GStrv) halves = g_strsplit(text, "\"@VALUE@\"", -1);

	assert_int_equal(g_strv_length(halves), 2);
	return g_strjoin(raw, halves[0], halves[1], NULL);
}

static JsonNode *
wrong_value(guint kind)
{
	switch (kind) {
	case 0:
		return json_from_string("\"7\"", NULL);
	case 1:
		return json_from_string("7", NULL);
	case 2:
		return json_from_string("1.5", NULL);
	case 3:
		return json_from_string("true", NULL);
	case 4:
		return json_from_string("null", NULL);
	case 5:
		return json_from_string("[]", NULL);
	default:
		return json_from_string("{}", NULL);
	}
}

/* kinds of wrong_value() that have the type a field wants */
enum { RIGHT_STRING = 0, RIGHT_INT = 1, RIGHT_ARRAY = 5, RIGHT_OBJECT = 6 };

static void
test_a_wrong_type_at_any_controller_field_skips_only_that_controller(void **unused)
{
	static const struct {
		const char *path;
		guint right;
	} fields[] = {
		{"tid", RIGHT_OBJECT},
		{"tid/transport", RIGHT_STRING},
		{"tid/traddr", RIGHT_STRING},
		{"tid/trsvcid", RIGHT_STRING},
		{"tid/subsysnqn", RIGHT_STRING},
		{"tid/host-traddr", RIGHT_STRING},
		{"tid/host-iface", RIGHT_STRING},
		{"tid/host-nqn", RIGHT_STRING},
		{"tid/kato", RIGHT_STRING},
		{"device", RIGHT_STRING},
		{"origin", RIGHT_STRING},
		{"log-pages", RIGHT_ARRAY},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
		for (guint kind = 0; kind <= 6; kind++) {
			g_autofree char *path = g_strdup_printf("controllers/1/%s", fields[i].path);
			g_autofree char *where =
				g_strdup_printf("test.json: controllers[1].%s: ", fields[i].path);
			g_autofree char *text = NULL;
			g_autoptr(StasState) state = NULL;

			if (kind == fields[i].right)
				continue;
			text = edited(path, wrong_value(kind));
			state = load_text(text, &dc_defaults);
			if (strchr(where, '/'))
				*strchr(where, '/') = '.';
			assert_int_equal(state->controllers->len, 2);
			assert_string_equal(ctrl_at(state, 0)->tid->traddr, "192.168.0.1");
			assert_string_equal(ctrl_at(state, 1)->tid->traddr, "192.168.0.3");
			assert_int_equal(ctrl_at(state, 1)->log_pages->len, 4);
			assert_int_equal(state->diagnostics->len, 1);
			assert_diag(state, where, "controller skipped");
		}
	}
}

static const char *const entry_fields[] = {
	"trtype", "adrfam", "subtype", "treq",	 "portid", "cntlid",
	"asqsz",  "eflags", "trsvcid", "subnqn", "traddr", "tsas",
};

static void
assert_middle_entry_dropped(const char *text, const char *where, const char *why)
{
	g_autoptr(StasState) state = load_text(text, &dc_defaults);
	g_autoptr(GPtrArray) expected = entries_new(3);

	g_ptr_array_remove_index(expected, 1);
	assert_int_equal(state->controllers->len, 3);
	assert_true(stas_dlpe_list_equal(ctrl_at(state, 1)->log_pages, expected));
	assert_int_equal(ctrl_at(state, 0)->log_pages->len, 4);
	assert_int_equal(state->diagnostics->len, 1);
	assert_diag(state, where, why);
}

static void
test_a_wrong_type_or_missing_key_at_any_entry_field_drops_only_that_entry(void **unused)
{
	for (gsize i = 0; i < G_N_ELEMENTS(entry_fields); i++) {
		gboolean is_int = i < 8;
		g_autofree char *path =
			g_strdup_printf("controllers/1/log-pages/1/%s", entry_fields[i]);
		g_autofree char *where = g_strdup_printf(
			"test.json: controllers[1].log-pages[1].%s: ", entry_fields[i]);

		for (guint kind = 0; kind <= 6; kind++) {
			g_autofree char *text = NULL;

			if (kind == (is_int ? RIGHT_INT : RIGHT_STRING))
				continue;
			text = edited(path, wrong_value(kind));
			assert_middle_entry_dropped(text, where, "entry dropped");
		}
		{
			g_autofree char *text = edited(path, NULL);

			assert_middle_entry_dropped(text, where, "missing: entry dropped");
		}
	}
}

static void
test_an_entry_that_is_not_an_object_is_dropped(void **unused)
{
	static const char *const values[] = {"7", "\"x\"", "null", "[]", "true"};

	for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
		g_autoptr(StasState) orig = three_dcs();
		g_autofree char *plain = to_text(orig);
		g_autoptr(JsonNode) root = json_from_string(plain, NULL);
		JsonArray *ctrls =
			json_object_get_array_member(json_node_get_object(root), "controllers");
		JsonArray *pages = json_object_get_array_member(
			json_array_get_object_element(ctrls, 1), "log-pages");
		g_autofree char *text = NULL;
		g_autoptr(StasState) state = NULL;

		json_array_add_element(pages, json_from_string(values[i], NULL));
		text = json_to_string(root, FALSE);
		state = load_text(text, &dc_defaults);
		assert_true(stas_dlpe_list_equal(ctrl_at(state, 1)->log_pages,
						 ctrl_at(orig, 1)->log_pages));
		assert_int_equal(state->diagnostics->len, 1);
		assert_diag(state, "controllers[1].log-pages[4]: expected an object", "dropped");
	}
}

static void
test_out_of_range_numbers_drop_the_entry(void **unused)
{
	static const struct {
		const char *field;
		const char *value;
	} cases[] = {
		{"trtype", "256"},	{"adrfam", "-1"},    {"subtype", "1000"},
		{"treq", "9999999999"}, {"portid", "65536"}, {"cntlid", "-65535"},
		{"asqsz", "1e3"},	{"eflags", "70000"}, {"trtype", "99999999999999999999999"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path =
			g_strdup_printf("controllers/1/log-pages/1/%s", cases[i].field);
		g_autofree char *where =
			g_strdup_printf("controllers[1].log-pages[1].%s: ", cases[i].field);
		g_autofree char *text = edited(path, json_from_string(cases[i].value, NULL));

		assert_middle_entry_dropped(text, where, "entry dropped");
	}
}

static void
test_entry_values_are_validated_like_the_wire(void **unused)
{
	static const struct {
		const char *field;
		const char *value;
		const char *why;
	} cases[] = {
		{"traddr", "\"1.2.3.4,hostnqn=nqn.evil\"", "log-pages[1].traddr: "},
		{"traddr", "\"0.0.0.0\"", "log-pages[1].traddr: \"0.0.0.0\" is a placeholder"},
		{"traddr", "\"10.0.0.1\\u0007\"", "log-pages[1].traddr: "},
		{"trsvcid", "\"0\"", "log-pages[1].trsvcid: "},
		{"trsvcid", "\"4420,x\"", "log-pages[1].trsvcid: "},
		{"subnqn", "\"evil\"", "log-pages[1].subnqn: "},
		{"subnqn", "\"nqn.\\u00e9\"", "log-pages[1].subnqn: "},
		{"tsas", "\"00000\"", "log-pages[1].tsas: \"00000\" is not 3 bytes"},
		{"tsas", "\"zz0000\"", "log-pages[1].tsas: "},
		{"tsas", "\"0000000\"", "log-pages[1].tsas: "},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path =
			g_strdup_printf("controllers/1/log-pages/1/%s", cases[i].field);
		g_autofree char *text = edited(path, json_from_string(cases[i].value, NULL));

		assert_middle_entry_dropped(text, cases[i].why, "entry dropped");
	}
}

static void
test_a_bad_tid_device_or_origin_skips_the_controller(void **unused)
{
	static const struct {
		const char *path;
		const char *value;
		const char *why;
	} cases[] = {
		{"tid/transport", "\"tcpx\"", "controllers[1].tid: "},
		{"tid/traddr", "\"dc.example.com\"", "controllers[1].tid: "},
		{"tid/traddr", "\"10.0.0.1,nr_io_queues=1\"", "controllers[1].tid: "},
		{"tid/subsysnqn", "\"x\"", "controllers[1].tid: "},
		{"tid/host-iface", "\"eth0/../x\"", "controllers[1].tid: "},
		{"tid/host-nqn", "\"nqn.a b\"", "controllers[1].tid: "},
		{"tid/kato", "\"3\\n0\"",
		 "controllers[1].tid.kato: value \"3\\x0a0\" has a control"},
		{"tid/kato", "\"\\udell\"", "controllers[1].tid.kato: value \"\\xed"},
		{"tid/kato", "\"a\\ude11b\"", "controllers[1].tid.kato: value \"a\\xed"},
		{"tid/ke y", "\"1\"", "controllers[1].tid.\"ke y\": "},
		{"tid/\x01", "\"1\"", "controllers[1].tid.\"\\x01\": "},
		{"device", "\"sda\"", "controllers[1].device: \"sda\" is not a device name"},
		{"device", "\"nvme\"", "controllers[1].device: "},
		{"device", "\"nvme1/../..\"", "controllers[1].device: "},
		{"device", "\"nvme12345678901\"", "controllers[1].device: "},
		{"origin", "\"Configured\"", "controllers[1].origin: \"Configured\" is not"},
		{"origin", "\"\"", "controllers[1].origin: "},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path = g_strdup_printf("controllers/1/%s", cases[i].path);
		g_autofree char *text = edited_raw(path, cases[i].value);
		g_autoptr(StasState) state = load_text(text, &dc_defaults);
		assert_int_equal(state->controllers->len, 2);
		assert_string_equal(ctrl_at(state, 1)->tid->traddr, "192.168.0.3");
		assert_int_equal(state->diagnostics->len, 1);
		assert_diag(state, cases[i].why, "controller skipped");
	}
}

static void
test_missing_keys_of_a_controller(void **unused)
{
	g_autofree char *no_tid = edited("controllers/1/tid", NULL);
	g_autofree char *no_traddr = edited("controllers/1/tid/traddr", NULL);
	g_autofree char *no_device = edited("controllers/1/device", NULL);
	g_autofree char *no_origin = edited("controllers/1/origin", NULL);
	g_autofree char *no_pages = edited("controllers/1/log-pages", NULL);
	g_autofree char *no_nqn = edited("controllers/1/tid/host-nqn", NULL);
	g_autoptr(StasState) a = load_text(no_tid, &dc_defaults);
	g_autoptr(StasState) b = load_text(no_traddr, &dc_defaults);
	g_autoptr(StasState) c = load_text(no_device, &dc_defaults);
	g_autoptr(StasState) d = load_text(no_origin, &dc_defaults);
	g_autoptr(StasState) e = load_text(no_pages, &dc_defaults);
	g_autoptr(StasState) g = load_text(no_nqn, &dc_defaults);

	assert_int_equal(a->controllers->len, 2);
	assert_diag(a, "controllers[1].tid: expected an object, got nothing", "skipped");
	assert_int_equal(b->controllers->len, 2);
	assert_diag(b, "controllers[1].tid: ", "skipped");
	/* device, origin and log-pages are optional */
	assert_int_equal(c->controllers->len, 3);
	assert_null(ctrl_at(c, 1)->device);
	assert_int_equal(d->controllers->len, 3);
	assert_int_equal(ctrl_at(d, 1)->origin, STAS_ORIGIN_NONE);
	assert_int_equal(e->controllers->len, 3);
	assert_null(ctrl_at(e, 1)->log_pages);
	/* without host-nqn, the sys.conf one of the defaults (REFERENCE 5.2) */
	assert_string_equal(ctrl_at(g, 1)->tid->host_nqn, SYS_NQN);
	assert_string_equal(ctrl_at(g, 0)->tid->host_nqn, HOST_NQN);
	assert_int_equal(a->diagnostics->len + b->diagnostics->len, 2);
	assert_int_equal(c->diagnostics->len + d->diagnostics->len + e->diagnostics->len +
				 g->diagnostics->len,
			 0);
}

static void
test_a_controller_that_is_not_an_object_is_skipped(void **unused)
{
	g_autoptr(StasState) state = load_text(
		"{\"version\":1,\"controllers\":[7,null,\"x\",[],{\"tid\":{\"transport\":\"loop\","
		"\"traddr\":\"\",\"subsysnqn\":\"" IO_NQN "\"}}]}",
		&ioc_defaults);

	assert_int_equal(state->controllers->len, 1);
	assert_string_equal(ctrl_at(state, 0)->tid->transport, "loop");
	assert_string_equal(ctrl_at(state, 0)->tid->host_nqn, SYS_NQN);
	assert_int_equal(state->diagnostics->len, 4);
	assert_diag(state, "controllers[0]: expected an object, got an integer", "skipped");
	assert_diag(state, "controllers[1]: expected an object, got null", "skipped");
	assert_diag(state, "controllers[2]: expected an object, got a string", "skipped");
	assert_diag(state, "controllers[3]: expected an object, got an array", "skipped");
}

static void
test_unknown_members_are_ignored(void **unused)
{
	g_autofree char *a = edited("controllers/1/future", json_from_string("{\"x\":[1]}", NULL));
	g_autofree char *b =
		edited("controllers/1/log-pages/0/future", json_from_string("1", NULL));
	g_autoptr(StasState) sa = load_text(a, &dc_defaults);
	g_autoptr(StasState) sb = load_text(b, &dc_defaults);
	g_autoptr(StasState) orig = three_dcs();

	assert_same_state(orig, sa);
	assert_same_state(orig, sb);
	assert_int_equal(sa->diagnostics->len + sb->diagnostics->len, 0);
}

static void
test_a_duplicate_controller_keeps_the_first(void **unused)
{
	g_autoptr(StasState) state = three_dcs();
	g_autoptr(StasState) back = NULL;
	g_autofree char *text = NULL;

	stas_state_add(state, ctrl_at(state, 0)->tid, "nvme9", STAS_ORIGIN_DISCOVERED, NULL);
	text = to_text(state);
	back = load_text(text, &dc_defaults);
	assert_int_equal(back->controllers->len, 3);
	assert_string_equal(ctrl_at(back, 0)->device, "nvme0");
	assert_diag(back, "controllers[3]: (tcp, 192.168.0.1, 8009, " DISC_NQN ")",
		    "same controller as controllers[0]: skipped");
}

static void
test_tids_are_rebuilt_with_the_daemon_defaults(void **unused)
{
	g_autoptr(StasState) state = stas_state_new();
	g_autoptr(StasTid) tid = tid_new("tcp", "10.0.0.1", DISC_NQN, "eth0", &dc_defaults, NULL);
	g_autoptr(StasTid) other = tid_new("tcp", "10.0.0.1", DISC_NQN, "eth1", &dc_defaults, NULL);
	StasTidDefaults ignore = dc_defaults;
	g_autoptr(StasState) kept = NULL, cleared = NULL;
	g_autofree char *text = NULL, *port = NULL;

	stas_state_add(state, tid, NULL, STAS_ORIGIN_CONFIGURED, NULL);
	stas_state_add(state, other, NULL, STAS_ORIGIN_CONFIGURED, NULL);
	text = to_text(state);
	kept = load_text(text, &dc_defaults);
	assert_int_equal(kept->controllers->len, 2);
	assert_string_equal(ctrl_at(kept, 0)->tid->host_iface, "eth0");
	/* ignore-iface=true: host-iface cleared, the two become one */
	ignore.ignore_iface = TRUE;
	cleared = load_text(text, &ignore);
	assert_int_equal(cleared->controllers->len, 1);
	assert_string_equal(ctrl_at(cleared, 0)->tid->host_iface, "");
	assert_diag(cleared, "controllers[1]", "same controller as controllers[0]");
	/* an empty trsvcid gets the port of the daemon's kind */
	{
		g_autoptr(StasState) a = NULL, b = NULL;

		port = g_strdup("{\"version\":1,\"controllers\":[{\"tid\":{\"transport\":\"tcp\","
				"\"traddr\":\"10.0.0.5\",\"trsvcid\":\"\",\"subsysnqn\":\"" IO_NQN
				"\"}}]}");
		a = load_text(port, &dc_defaults);
		b = load_text(port, &ioc_defaults);
		assert_string_equal(ctrl_at(a, 0)->tid->trsvcid, "8009");
		assert_string_equal(ctrl_at(b, 0)->tid->trsvcid, "4420");
	}
}

/* ---- load: hostile sizes and shapes ---- */

static void
test_deep_nesting_is_refused_without_recursing(void **unused)
{
	gsize n = 100000;
	g_autofree char *deep = g_malloc(2 * n);
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) error2 = NULL;
	g_autoptr(GError) error3 = NULL;
	g_autofree char *nine = NULL;

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	error = load_error(deep, 2 * n);
	assert_non_null(strstr(error->message, "nested deeper than 8 levels at byte 8"));
	/* the same inside a state, in a member the loader would ignore */
	nine = g_strdup("{\"version\":1,\"controllers\":[{\"x\":[[[[[[[]]]]]]]}]}");
	error2 = load_error(nine, strlen(nine));
	assert_non_null(strstr(error2->message, "nested deeper"));
	/* only unclosed openings count */
	memset(deep, '{', n);
	error3 = load_error(deep, n);
	assert_non_null(strstr(error3->message, "nested deeper"));
}

static void
test_brackets_and_quotes_inside_strings_are_not_nesting(void **unused)
{
	g_autofree char *value = g_strnfill(200, '[');
	g_autofree char *text = g_strdup_printf(
		"{\"version\":1,\"controllers\":[{\"tid\":{\"transport\":\"tcp\",\"traddr\":"
		"\"10.0.0.1\",\"subsysnqn\":\"" IO_NQN "\",\"x\":\"%s\\\"{{{\\\\\"}}]}",
		value);
	g_autoptr(StasState) state = load_text(text, &ioc_defaults);
	g_autofree char *expect = g_strdup_printf("%s\"{{{\\", value);

	assert_int_equal(state->controllers->len, 1);
	assert_string_equal(stas_tid_get_cfg(ctrl_at(state, 0)->tid, "x"), expect);
}

static void
test_a_nul_escape_in_a_string_is_refused(void **unused)
{
	const char *text = "{\"version\":1,\"controllers\":[{\"tid\":{\"transport\":\"tcp\","
			   "\"traddr\":\"10.0.0.1\\u0000,hostnqn=x\"}}]}";
	g_autoptr(GError) error = load_error(text, strlen(text));
	const char *ok = "{\"version\":1,\"controllers\":[],\"x\":\"\\\\u0000\"}";
	g_autoptr(StasState) state = load_text(ok, &dc_defaults);

	assert_non_null(strstr(error->message, "\\u0000 escape at byte"));
	assert_int_equal(state->controllers->len, 0);
}

static void
test_a_raw_nul_byte_is_refused(void **unused)
{
	const char text[] = "{\"version\":1,\"controllers\":[]}\0{}";
	g_autoptr(GError) error = load_error(text, sizeof(text) - 1);

	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
}

static void
test_too_many_values_are_refused_before_parsing(void **unused)
{
	GString *s = g_string_new("{\"version\":1,\"controllers\":[");
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;

	for (guint i = 0; i <= STAS_STATE_MAX_CONTAINERS; i++)
		g_string_append(s, i ? ",{}" : "{}");
	g_string_append(s, "]}");
	len = s->len;
	text = g_string_free(s, FALSE);
	error = load_error(text, len);
	assert_non_null(strstr(error->message, "arrays and objects at byte"));
	g_clear_error(&error);
	/* scalars count too */
	s = g_string_new("{\"version\":1,\"controllers\":[");
	g_string_append_c(s, '0');
	g_string_set_size(s, s->len + 2 * (gsize)STAS_STATE_MAX_VALUES);
	for (gsize i = s->len - 2 * (gsize)STAS_STATE_MAX_VALUES; i < s->len; i += 2)
		memcpy(s->str + i, ",0", 2);
	g_string_append(s, "]}");
	len = s->len;
	g_free(text);
	text = g_string_free(s, FALSE);
	error = load_error(text, len);
	assert_non_null(strstr(error->message, "more than 4000000 values"));
}

/* a controller record of a loop IOC with traddr a<i> */
static void
append_loop_record(GString *s, guint i)
{
	g_string_append_printf(s,
			       "{\"tid\":{\"transport\":\"loop\",\"traddr\":\"a%u\","
			       "\"subsysnqn\":\"" IO_NQN "\"}}",
			       i);
}

static void
test_a_million_small_records_are_capped_keeping_the_first(void **unused)
{
	GString *s = g_string_new("{\"version\":1,\"controllers\":[");
	g_autoptr(StasState) state = NULL;
	g_autoptr(GError) error = NULL;
	guint last = STAS_STATE_MAX_CONTROLLERS - 1;

	/* records at the first and last place kept and the first place cut; 0 elsewhere */
	for (guint i = 0; i < 1000000; i++) {
		if (i)
			g_string_append_c(s, ',');
		if (i == 0 || i == last || i == last + 1)
			append_loop_record(s, i);
		else
			g_string_append_c(s, '0');
	}
	g_string_append(s, "]}");
	state = stas_state_from_json(s->str, s->len, "test.json", &ioc_defaults, &error);
	g_string_free(s, TRUE);
	assert_null(error);
	assert_int_equal(state->controllers->len, 2);
	assert_string_equal(ctrl_at(state, 0)->tid->traddr, "a0");
	assert_string_equal(ctrl_at(state, 1)->tid->traddr, "a99999");
	assert_string_equal(state->diagnostics->pdata[0],
			    "test.json: controllers: 1000000 controllers, more than the 100000 "
			    "kept: the rest ignored");
	assert_int_equal(state->diagnostics->len, 1 + STAS_STATE_MAX_CONTROLLERS - 2);
	assert_diag(state, "test.json: controllers[1]: expected an object, got an integer",
		    "skipped");
}

static void
append_entry(GString *s, guint portid)
{
	g_string_append_printf(s,
			       "{\"trtype\":3,\"adrfam\":1,\"subtype\":2,\"treq\":0,"
			       "\"portid\":%u,\"cntlid\":1,\"asqsz\":32,\"eflags\":0,"
			       "\"trsvcid\":\"4420\",\"subnqn\":\"" IO_NQN "\","
			       "\"traddr\":\"10.0.0.2\",\"tsas\":\"000000\"}",
			       portid);
}

static void
test_more_entries_than_the_cap_keep_the_first(void **unused)
{
	GString *s = g_string_new("{\"version\":1,\"controllers\":[{\"tid\":{"
				  "\"transport\":\"tcp\",\"traddr\":\"10.0.0.1\","
				  "\"subsysnqn\":\"" DISC_NQN "\"},\"log-pages\":[");
	g_autoptr(StasState) state = NULL;
	guint last = STAS_STATE_MAX_ENTRIES - 1;
	GPtrArray *pages;

	/* entries at the first and last place kept and the first place cut; 0 elsewhere */
	for (guint i = 0; i <= STAS_STATE_MAX_ENTRIES; i++) {
		if (i)
			g_string_append_c(s, ',');
		if (i == 0 || i == last || i == last + 1)
			append_entry(s, i);
		else
			g_string_append_c(s, '0');
	}
	g_string_append(s, "]}]}");
	state = stas_state_from_json(s->str, s->len, "test.json", &dc_defaults, NULL);
	g_string_free(s, TRUE);
	assert_int_equal(state->controllers->len, 1);
	pages = ctrl_at(state, 0)->log_pages;
	assert_int_equal(pages->len, 2);
	assert_int_equal(((StasDlpe *)pages->pdata[0])->portid, 0);
	assert_int_equal(((StasDlpe *)pages->pdata[1])->portid, 16383);
	assert_string_equal(state->diagnostics->pdata[0],
			    "test.json: controllers[0].log-pages: 16385 entries, more than the "
			    "16384 kept: the rest ignored");
	assert_int_equal(state->diagnostics->len, 1 + STAS_STATE_MAX_ENTRIES - 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_origins_have_the_upstream_spellings),
		cmocka_unit_test(test_path_is_in_the_runtime_directory_else_under_run_program),
		cmocka_unit_test(test_entry_from_fields_equals_the_wire_parser_entry),
		cmocka_unit_test(test_entry_from_fields_strips_whitespace_like_the_wire_parser),
		cmocka_unit_test(test_entry_from_fields_refuses_what_the_wire_parser_drops),
		cmocka_unit_test(test_the_json_format_of_a_small_state),
		cmocka_unit_test(test_the_text_is_the_one_json_glib_generated),
		cmocka_unit_test(test_an_empty_state_round_trips),
		cmocka_unit_test_setup_teardown(
			test_dcs_with_1000_entries_and_iocs_round_trip_through_the_file, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_secrets_are_never_written, setup, teardown),
		cmocka_unit_test(test_secrets_in_a_file_are_not_taken),
		cmocka_unit_test_setup_teardown(test_the_file_is_0600_whatever_the_umask, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_a_missing_directory_is_created_0700_but_not_its_parents, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_a_file_where_the_directory_should_be_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_symlink_at_the_path_is_replaced_not_followed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_directory_at_the_path_fails_the_save_and_leaves_no_temp_file, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_a_full_disk_leaves_the_old_file_intact, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_a_read_only_file_system_leaves_the_old_file_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_file_size_limit_fails_the_write_and_leaves_the_old_file, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_a_missing_file_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_fifo_or_device_is_refused_without_blocking,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_file_others_can_write_or_another_user_owns_is_refused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_a_file_others_can_read_loads_with_a_diagnostic,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_file_over_the_size_limit_is_refused_before_reading, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_unparseable_file_is_an_error_naming_it,
						setup, teardown),
		cmocka_unit_test(test_texts_that_are_not_a_state_of_this_version_are_errors),
		cmocka_unit_test(test_a_truncated_file_at_every_length_is_an_error_never_a_crash),
		cmocka_unit_test(
			test_a_wrong_type_at_any_controller_field_skips_only_that_controller),
		cmocka_unit_test(
			test_a_wrong_type_or_missing_key_at_any_entry_field_drops_only_that_entry),
		cmocka_unit_test(test_an_entry_that_is_not_an_object_is_dropped),
		cmocka_unit_test(test_out_of_range_numbers_drop_the_entry),
		cmocka_unit_test(test_entry_values_are_validated_like_the_wire),
		cmocka_unit_test(test_a_bad_tid_device_or_origin_skips_the_controller),
		cmocka_unit_test(test_missing_keys_of_a_controller),
		cmocka_unit_test(test_a_controller_that_is_not_an_object_is_skipped),
		cmocka_unit_test(test_unknown_members_are_ignored),
		cmocka_unit_test(test_a_duplicate_controller_keeps_the_first),
		cmocka_unit_test(test_tids_are_rebuilt_with_the_daemon_defaults),
		cmocka_unit_test(test_deep_nesting_is_refused_without_recursing),
		cmocka_unit_test(test_brackets_and_quotes_inside_strings_are_not_nesting),
		cmocka_unit_test(test_a_nul_escape_in_a_string_is_refused),
		cmocka_unit_test(test_a_raw_nul_byte_is_refused),
		cmocka_unit_test(test_too_many_values_are_refused_before_parsing),
		cmocka_unit_test(test_a_million_small_records_are_capped_keeping_the_first),
		cmocka_unit_test(test_more_entries_than_the_cap_keep_the_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
