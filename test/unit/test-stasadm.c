/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stasadm (REFERENCE 4.4) with Q19: sys.conf is edited in place.  the
 * program runs in-process (stasadm_run) on files of a temporary directory;
 * the host NQN sources are fixture files.
 *
 * MACHINE_UUID is what upstream's get_machine_app_specific() gives for
 * MACHINE_ID (python3: hmac.new(b'$nvmexpress.org$',
 * uuid.UUID(MACHINE_ID).bytes, hashlib.sha256).digest()[:16] as a
 * version 4 uuid), as in test-hostid.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "stasadm-conf.h"
#include "stasadm.h"

#include "stas/stas-ini.h"
#include "stas/stas-sysconf.h"

#define MACHINE_ID   "0123456789abcdef0123456789abcdef"
#define MACHINE_UUID "f2782346-4809-484a-9a8b-952a04b57ba4"
#define MACHINE_NQN  STAS_HOSTNQN_UUID_PREFIX MACHINE_UUID

typedef struct {
	char *dir;
	char *conf;	  /* dir/sys.conf */
	char *machine_id; /* dir/machine-id */
	char *product_uuid;
	StasHostIdPaths paths;
	char *out;
	char *err;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->dir = g_dir_make_tmp("stasadm-XXXXXX", NULL);
	assert_non_null(f->dir);
	f->conf = g_build_filename(f->dir, "sys.conf", NULL);
	f->machine_id = g_build_filename(f->dir, "machine-id", NULL);
	f->product_uuid = g_build_filename(f->dir, "product_uuid", NULL);
	f->paths.machine_id = f->machine_id;
	f->paths.product_uuid = f->product_uuid;
	f->paths.partition_uuid = NULL;
	assert_true(g_file_set_contents(f->machine_id, MACHINE_ID "\n", -1, NULL));
	*state = f;
	return 0;
}

static void
remove_tree(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *p = g_build_filename(path, name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			remove_tree(p);
		else
			g_unlink(p);
	}
	g_rmdir(path);
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	remove_tree(f->dir);
	g_free(f->dir);
	g_free(f->conf);
	g_free(f->machine_id);
	g_free(f->product_uuid);
	g_free(f->out);
	g_free(f->err);
	g_free(f);
	return 0;
}

/* run "stasadm -c <conf> args..." (or without -c if conf is NULL); its exit status */
static int
run_args(Fixture *f, const char *conf, const char *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	size_t out_len = 0, err_len = 0;
	char *out = NULL, *err = NULL;
	StasadmEnv env = {&f->paths, NULL, NULL};
	int status;

	env.out = open_memstream(&out, &out_len);
	env.err = open_memstream(&err, &err_len);
	g_ptr_array_add(argv, (char *)"stasadm");
	if (conf) {
		g_ptr_array_add(argv, (char *)"-c");
		g_ptr_array_add(argv, (char *)conf);
	}
	for (; *args; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	status = stasadm_run(&env, (int)argv->len - 1, (char **)argv->pdata);
	fclose(env.out);
	fclose(env.err);
	g_free(f->out);
	g_free(f->err);
	f->out = g_strdup(out);
	f->err = g_strdup(err);
	free(out);
	free(err);
	return status;
}

#define RUN(f, ...)	 run_args(f, (f)->conf, (const char *const[]){__VA_ARGS__, NULL})
#define RUN_NO_C(f, ...) run_args(f, NULL, (const char *const[]){__VA_ARGS__, NULL})

static char *
path_in(Fixture *f, const char *name)
{
	return g_build_filename(f->dir, name, NULL);
}

/* "" for a file that cannot be read: the comparison that follows fails */
static char *
read_file(const char *path)
{
	char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return g_strdup("");
	return text;
}

static void
write_conf(Fixture *f, const char *text)
{
	assert_true(g_file_set_contents(f->conf, text, -1, NULL));
}

static void
assert_conf(Fixture *f, const char *expected)
{
	g_autofree char *text = read_file(f->conf);

	assert_string_equal(text, expected);
}

/* the daemons' view of the result */
static StasSysConf *
load_sysconf(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	StasSysConf *sc = stas_sysconf_load(f->conf, &error);

	if (sc == NULL)
		fail_msg("sys.conf does not load: %s", error->message);
	return sc;
}

static void
assert_uuid_v4(const char *uuid)
{
	assert_true(stas_uuid_is_valid(uuid));
	assert_int_equal(uuid[14], '4');
	assert_non_null(strchr("89ab", uuid[19]));
}

/* ---- hostnqn ---- */

static void
test_hostnqn_with_file_writes_the_nqn_and_points_sys_conf_at_it(void **state)
{
	Fixture *f = *state;
	g_autofree char *file = path_in(f, "hostnqn");
	g_autofree char *expected_conf = g_strdup_printf("[Host]\nnqn = file://%s\n", file);
	g_autofree char *content = NULL;

	assert_int_equal(RUN(f, "hostnqn", "-f", file), 0);
	assert_string_equal(f->out, "");
	assert_string_equal(f->err, "");
	content = read_file(file);
	assert_string_equal(content, MACHINE_NQN "\n");
	assert_conf(f, expected_conf);
}

static void
test_hostnqn_file_in_a_missing_directory_creates_it(void **state)
{
	Fixture *f = *state;
	g_autofree char *file = path_in(f, "etc-nvme/hostnqn");
	g_autofree char *content = NULL;

	assert_int_equal(RUN(f, "hostnqn", "-f", file), 0);
	assert_string_equal(f->err, "");
	content = read_file(file);
	assert_string_equal(content, MACHINE_NQN "\n");
}

static void
test_hostnqn_is_derived_from_machine_id_and_valid(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;

	assert_int_equal(RUN(f, "hostnqn"), 0);
	assert_conf(f, "[Host]\nnqn = " MACHINE_NQN "\n");
	/* deterministic: a second run writes the same value, the file is unchanged */
	assert_int_equal(RUN(f, "hostnqn"), 0);
	assert_conf(f, "[Host]\nnqn = " MACHINE_NQN "\n");
	assert_true(stas_hostnqn_validate(MACHINE_NQN, &error));
	assert_uuid_v4(MACHINE_UUID);
}

static void
test_hostnqn_without_any_source_is_a_random_valid_nqn(void **state)
{
	Fixture *f = *state;
	g_autofree char *file = path_in(f, "hostnqn");
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;
	g_autoptr(StasSysConf) sc = NULL;

	g_unlink(f->machine_id);
	assert_int_equal(RUN(f, "hostnqn", "--file", file), 0);
	first = read_file(file);
	assert_int_equal(RUN(f, "hostnqn", "--file", file), 0);
	second = read_file(file);
	assert_true(g_str_has_prefix(first, STAS_HOSTNQN_UUID_PREFIX));
	assert_int_equal(strlen(first), strlen(MACHINE_NQN) + 1);
	first[strlen(first) - 1] = '\0';
	assert_uuid_v4(first + strlen(STAS_HOSTNQN_UUID_PREFIX));
	assert_string_not_equal(first, second);
	sc = load_sysconf(f);
	assert_string_equal(stas_sysconf_get_hostnqn(sc), g_strchomp(second));
}

/* the child's verdict: exit 0 when stasadm printed the permission message and exited 1 */
static gboolean
permission_case(Fixture *f)
{
	return RUN(f, "hostnqn") == 1 &&
	       g_str_equal(f->err, "Permission denied. Root privileges required.\n");
}

static void
test_hostnqn_needing_root_says_permission_denied(void **state)
{
	Fixture *f = *state;
	int status = 0;
	pid_t pid;

	/* no machine-id; the product uuid exists but only root may read it */
	g_unlink(f->machine_id);
	assert_true(g_file_set_contents(f->product_uuid, "4c4c4544-0034-3610-8038-b2c04f313233", -1,
					NULL));
	assert_int_equal(g_chmod(f->product_uuid, 0400), 0);
	assert_int_equal(g_chmod(f->dir, 0777), 0);
	if (geteuid() != 0) {
		assert_true(permission_case(f));
		return;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
		    setresuid(65534, 65534, 65534) != 0)
			_exit(2);
		_exit(permission_case(f) ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* nothing was written */
	assert_false(g_file_test(f->conf, G_FILE_TEST_EXISTS));
}

/* ---- hostid ---- */

static void
test_hostid_is_a_random_uuid_v4(void **state)
{
	Fixture *f = *state;
	g_autofree char *file = path_in(f, "hostid");
	g_autofree char *expected_conf = g_strdup_printf("[Host]\nid = file://%s\n", file);
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;
	g_autoptr(StasSysConf) sc = NULL;

	assert_int_equal(RUN(f, "hostid", "-f", file), 0);
	first = read_file(file);
	assert_int_equal(strlen(first), STAS_UUID_STR_LEN + 1);
	assert_int_equal(first[STAS_UUID_STR_LEN], '\n');
	first[STAS_UUID_STR_LEN] = '\0';
	assert_uuid_v4(first);
	assert_conf(f, expected_conf);
	/* not derived from anything: a second run gives another id */
	assert_int_equal(RUN(f, "hostid", "-f", file), 0);
	second = read_file(file);
	second[STAS_UUID_STR_LEN] = '\0';
	assert_string_not_equal(first, second);
	/* and the daemons read it back */
	write_conf(f, "[Host]\nnqn = " MACHINE_NQN "\n");
	assert_int_equal(RUN(f, "hostid", "-f", file), 0);
	sc = load_sysconf(f);
	g_free(second);
	second = read_file(file);
	second[STAS_UUID_STR_LEN] = '\0';
	assert_string_equal(stas_sysconf_get_hostid(sc), second);
	assert_string_equal(stas_sysconf_get_hostnqn(sc), MACHINE_NQN);
}

static void
test_hostid_without_file_is_written_literally(void **state)
{
	Fixture *f = *state;
	g_autofree char *conf = NULL;

	assert_int_equal(RUN(f, "hostid"), 0);
	conf = read_file(f->conf);
	assert_true(g_str_has_prefix(conf, "[Host]\nid = "));
	assert_int_equal(strlen(conf), strlen("[Host]\nid = \n") + STAS_UUID_STR_LEN);
	assert_uuid_v4(g_strchomp(conf + strlen("[Host]\nid = ")));
}

/* ---- symname ---- */

static void
test_set_symname_keeps_spaces(void **state)
{
	Fixture *f = *state;
	g_autoptr(StasSysConf) sc = NULL;

	write_conf(f, "[Host]\nnqn = " MACHINE_NQN "\nid = " MACHINE_UUID "\n");
	assert_int_equal(RUN(f, "set-symname", "Luke Skywalker"), 0);
	assert_conf(f, "[Host]\nnqn = " MACHINE_NQN "\nid = " MACHINE_UUID
		       "\nsymname = Luke Skywalker\n");
	sc = load_sysconf(f);
	assert_string_equal(stas_sysconf_get_symname(sc), "Luke Skywalker");
}

static void
test_set_symname_with_file(void **state)
{
	Fixture *f = *state;
	g_autofree char *file = path_in(f, "symname");
	g_autofree char *expected = g_strdup_printf("[Host]\nsymname = file://%s\n", file);
	g_autofree char *content = NULL;

	assert_int_equal(RUN(f, "set-symname", "-f", file, "LukeSkywalker"), 0);
	content = read_file(file);
	assert_string_equal(content, "LukeSkywalker\n");
	assert_conf(f, expected);
}

static void
test_relative_file_is_saved_as_an_absolute_path(void **state)
{
	Fixture *f = *state;
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *expected = NULL;
	g_autofree char *content = NULL;

	assert_int_equal(g_chdir(f->dir), 0);
	assert_int_equal(RUN(f, "set-symname", "-f", "name.txt", "Leia"), 0);
	assert_int_equal(g_chdir(cwd), 0);
	expected = g_strdup_printf("[Host]\nsymname = file://%s/name.txt\n", f->dir);
	assert_conf(f, expected);
	content = read_file(g_strchomp(strrchr(expected, ':') + 3));
	assert_string_equal(content, "Leia\n");
}

static void
test_symname_with_a_newline_is_refused(void **state)
{
	Fixture *f = *state;

	write_conf(f, "[Host]\n");
	assert_int_equal(RUN(f, "set-symname", "a\nnqn = evil"), 1);
	assert_string_equal(f->err, "Invalid symbolic name: control characters and bad UTF-8 "
				    "are not allowed\n");
	assert_conf(f, "[Host]\n");
}

/* ---- Q19: in place ---- */

#define COMMENTED_CONF                                                                             \
	"# sys.conf: the host identity\n"                                                          \
	";   another comment style\n"                                                              \
	"\n"                                                                                       \
	"[Host]\n"                                                                                 \
	"# the NQN comes from a file\n"                                                            \
	"nqn = file:///etc/nvme/hostnqn\n"                                                         \
	"SymName = Old Name\n"                                                                     \
	"id=file:///etc/nvme/hostid\n"                                                             \
	"  ; indented comment\n"                                                                   \
	"\n"                                                                                       \
	"[Other]\n"                                                                                \
	"symname = not the host one\n"                                                             \
	"key = value\n"

static void
test_set_symname_changes_only_its_line(void **state)
{
	Fixture *f = *state;

	write_conf(f, COMMENTED_CONF);
	assert_int_equal(RUN(f, "set-symname", "New Name"), 0);
	assert_conf(f, "# sys.conf: the host identity\n"
		       ";   another comment style\n"
		       "\n"
		       "[Host]\n"
		       "# the NQN comes from a file\n"
		       "nqn = file:///etc/nvme/hostnqn\n"
		       "symname = New Name\n"
		       "id=file:///etc/nvme/hostid\n"
		       "  ; indented comment\n"
		       "\n"
		       "[Other]\n"
		       "symname = not the host one\n"
		       "key = value\n");
}

static void
test_new_key_goes_at_the_end_of_the_host_section(void **state)
{
	Fixture *f = *state;
	g_autofree char *file = path_in(f, "hostnqn");
	g_autofree char *expected = NULL;

	write_conf(f, "[Host]\n"
		      "id = " MACHINE_UUID "\n"
		      "# about Global\n"
		      "\n"
		      "[Global]\n"
		      "tron = true\n");
	assert_int_equal(RUN(f, "hostnqn", "-f", file), 0);
	expected = g_strdup_printf("[Host]\n"
				   "id = " MACHINE_UUID "\n"
				   "nqn = file://%s\n"
				   "# about Global\n"
				   "\n"
				   "[Global]\n"
				   "tron = true\n",
				   file);
	assert_conf(f, expected);
}

static void
test_empty_host_section_gets_the_key_under_its_header(void **state)
{
	Fixture *f = *state;

	write_conf(f, "[Host]\n[Global]\nx = 1\n");
	assert_int_equal(RUN(f, "set-symname", "S"), 0);
	assert_conf(f, "[Host]\nsymname = S\n[Global]\nx = 1\n");
}

static void
test_missing_host_section_is_appended(void **state)
{
	Fixture *f = *state;

	write_conf(f, "# only comments\n[Global]\nx = 1");
	assert_int_equal(RUN(f, "set-symname", "S"), 0);
	assert_conf(f, "# only comments\n[Global]\nx = 1\n\n[Host]\nsymname = S\n");
	/* after a blank last line, no second blank line */
	write_conf(f, "[Global]\nx = 1\n\n");
	assert_int_equal(RUN(f, "set-symname", "S"), 0);
	assert_conf(f, "[Global]\nx = 1\n\n[Host]\nsymname = S\n");
}

static void
test_missing_conf_file_is_created(void **state)
{
	Fixture *f = *state;
	struct stat st;

	assert_int_equal(RUN(f, "set-symname", "S"), 0);
	assert_conf(f, "[Host]\nsymname = S\n");
	assert_int_equal(stat(f->conf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
}

static void
test_repeated_key_keeps_only_the_last_place(void **state)
{
	Fixture *f = *state;

	/* two [Host] blocks merge; the last occurrence is the one the daemons read */
	write_conf(f, "[Host]\nsymname = A\n[Global]\n[Host]\nsymname = B\n  continued\nnqn = x\n");
	assert_int_equal(RUN(f, "set-symname", "C"), 0);
	assert_conf(f, "[Host]\n[Global]\n[Host]\nsymname = C\nnqn = x\n");
}

static void
test_clear_symname_removes_only_that_key(void **state)
{
	Fixture *f = *state;

	write_conf(f, COMMENTED_CONF);
	assert_int_equal(RUN(f, "clear-symname"), 0);
	assert_string_equal(f->out, "");
	assert_string_equal(f->err, "");
	assert_conf(f, "# sys.conf: the host identity\n"
		       ";   another comment style\n"
		       "\n"
		       "[Host]\n"
		       "# the NQN comes from a file\n"
		       "nqn = file:///etc/nvme/hostnqn\n"
		       "id=file:///etc/nvme/hostid\n"
		       "  ; indented comment\n"
		       "\n"
		       "[Other]\n"
		       "symname = not the host one\n"
		       "key = value\n");
}

static void
test_clear_symname_without_symname_changes_nothing(void **state)
{
	Fixture *f = *state;

	write_conf(f, "# no symname\n[Host]\nnqn = x");
	assert_int_equal(RUN(f, "clear-symname"), 0);
	assert_conf(f, "# no symname\n[Host]\nnqn = x");
	/* a missing file stays missing */
	g_unlink(f->conf);
	assert_int_equal(RUN(f, "clear-symname"), 0);
	assert_false(g_file_test(f->conf, G_FILE_TEST_EXISTS));
}

static void
test_clear_symname_removes_every_occurrence_and_continuations(void **state)
{
	Fixture *f = *state;

	write_conf(f, "[Host]\nsymname = a\n    b\nnqn = n\n[Host]\nSYMNAME\n");
	assert_int_equal(RUN(f, "clear-symname"), 0);
	assert_conf(f, "[Host]\nnqn = n\n[Host]\n");
}

static void
test_file_mode_and_symlink_are_kept(void **state)
{
	Fixture *f = *state;
	g_autofree char *real = path_in(f, "real.conf");
	struct stat st;

	assert_true(g_file_set_contents(real, "[Host]\n", -1, NULL));
	assert_int_equal(g_chmod(real, 0600), 0);
	assert_int_equal(symlink(real, f->conf), 0);
	assert_int_equal(RUN(f, "set-symname", "S"), 0);
	assert_int_equal(lstat(f->conf, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(real, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_conf(f, "[Host]\nsymname = S\n");
}

static void
test_edit_function_on_text(void **state)
{
	const char *crlf = "[Host]\r\nnqn = y\r\n";
	const char *outside = "key outside = 1\n[Host]\n";
	const char indented[] = "[Host]\n  symname = a\n  nqn = b\n";
	const char nul[] = "[Host]\nbad\0line\nsymname = a\n";
	g_autoptr(GString) a = stasadm_conf_edit("", 0, "Host", "nqn", "x");
	g_autoptr(GString) b = stasadm_conf_edit(crlf, strlen(crlf), "Host", "nqn", "x");
	g_autoptr(GString) c = stasadm_conf_edit(outside, strlen(outside), "Host", "id", "i");
	g_autoptr(GString) d =
		stasadm_conf_edit(indented, strlen(indented), "Host", "symname", "c");
	g_autoptr(GString) e = stasadm_conf_edit(nul, sizeof(nul) - 1, "Host", "symname", NULL);

	assert_string_equal(a->str, "[Host]\nnqn = x\n");
	assert_string_equal(b->str, "[Host]\r\nnqn = x\n");
	/* a line the reader skips is kept as it is */
	assert_string_equal(c->str, "key outside = 1\n[Host]\nid = i\n");
	/* the replaced line keeps its indentation, so nqn stays a key of its own */
	assert_string_equal(d->str, "[Host]\n  symname = c\n  nqn = b\n");
	/* every byte of other lines is kept, NUL included */
	assert_int_equal(e->len, sizeof("[Host]\nbad\0line\n") - 1);
	assert_memory_equal(e->str, "[Host]\nbad\0line\n", e->len);
}

/* the last value of key in [Host] as the daemons read it, or NULL */
static char *
read_back(const GString *text, const char *key)
{
	g_autoptr(StasIni) ini = stas_ini_new();
	const StasIniEntry *e;

	stas_ini_add_data(ini, "test", text->str, text->len);
	e = stas_ini_get_last(ini, "Host", key);
	return e ? g_strdup(e->value ? e->value : "") : NULL;
}

/*
 * found by fuzzing: an ignored, indented line ("= x" without a key) after
 * the place of a new key would have become a continuation of it, so the
 * key goes to a [Host] section of its own at the end instead
 */
static void
test_ignored_line_never_becomes_part_of_the_new_key(void **state)
{
	const char fuzz[] = "[Host]\nsy=\n\n==\nXHost]\n\323]\n =\n==\nXHost]\n\323]\n  sy\n =]";
	const char simple[] = "[Host]\n =oops\n";
	const char aligned[] = "[Host]\n  nqn = a\n =oops\n";
	g_autoptr(GString) a = stasadm_conf_edit(fuzz, sizeof(fuzz) - 1, "Host", "symname", "S");
	g_autoptr(GString) b = stasadm_conf_edit(simple, sizeof(simple) - 1, "Host", "id", "I");
	g_autoptr(GString) c = stasadm_conf_edit(aligned, sizeof(aligned) - 1, "Host", "id", "I");
	g_autofree char *sym = read_back(a, "symname");
	g_autofree char *sy = read_back(a, "sy");
	g_autofree char *id = read_back(b, "id");

	assert_string_equal(sym, "S");
	assert_string_equal(sy, "");
	assert_string_equal(id, "I");
	assert_string_equal(b->str, "[Host]\n =oops\n\n[Host]\nid = I\n");
	/* a new key aligns with the block's keys: " =oops" stays ignored */
	assert_string_equal(c->str, "[Host]\n  nqn = a\n  id = I\n =oops\n");
}

/* ---- failures and the command line ---- */

static void
test_unwritable_file_fails_and_leaves_sys_conf_alone(void **state)
{
	Fixture *f = *state;
	g_autofree char *blocker = path_in(f, "not-a-dir");
	g_autofree char *file = path_in(f, "not-a-dir/hostid");

	/* a regular file where the directory should be: nothing can be written */
	assert_true(g_file_set_contents(blocker, "", 0, NULL));
	write_conf(f, "[Host]\n");
	assert_int_equal(RUN(f, "hostid", "-f", file), 1);
	assert_true(strlen(f->err) > 0);
	assert_non_null(strstr(f->err, "not-a-dir"));
	assert_conf(f, "[Host]\n");
}

static void
test_conf_file_that_is_a_directory_fails(void **state)
{
	Fixture *f = *state;

	assert_int_equal(run_args(f, f->dir, (const char *const[]){"set-symname", "S", NULL}), 1);
	assert_true(strlen(f->err) > 0);
}

static void
test_no_command_prints_usage_and_exits_1(void **state)
{
	Fixture *f = *state;

	g_setenv("COLUMNS", "80", TRUE);
	assert_int_equal(run_args(f, NULL, (const char *const[]){NULL}), 1);
	assert_string_equal(f->out,
			    "usage: stasadm [-h] [-v] [-c FILE]\n"
			    "               {hostnqn,hostid,set-symname,clear-symname} ...\n");
	assert_string_equal(f->err, "");
}

static void
test_version(void **state)
{
	Fixture *f = *state;

	assert_int_equal(RUN_NO_C(f, "--version"), 0);
	assert_string_equal(f->out, "nvme-stas " PACKAGE_VERSION "\n");
	assert_int_equal(RUN_NO_C(f, "-v", "hostid"), 0);
	assert_string_equal(f->out, "nvme-stas " PACKAGE_VERSION "\n");
	assert_false(g_file_test(f->conf, G_FILE_TEST_EXISTS));
}

static void
test_usage_errors_exit_2_with_argparse_messages(void **state)
{
	Fixture *f = *state;

	g_setenv("COLUMNS", "80", TRUE);
	assert_int_equal(RUN(f, "frobnicate"), 2);
	assert_string_equal(f->err,
			    "usage: stasadm [-h] [-v] [-c FILE]\n"
			    "               {hostnqn,hostid,set-symname,clear-symname} ...\n"
			    "stasadm: error: argument {hostnqn,hostid,set-symname,clear-symname}: "
			    "invalid choice: 'frobnicate' (choose from 'hostnqn', 'hostid', "
			    "'set-symname', 'clear-symname')\n");
	assert_int_equal(RUN(f, "set-symname"), 2);
	assert_string_equal(f->err, "usage: stasadm set-symname [-h] [-f FILE] SYMNAME\n"
				    "stasadm set-symname: error: the following arguments are "
				    "required: SYMNAME\n");
	assert_int_equal(RUN(f, "set-symname", "a", "b"), 2);
	assert_true(g_str_has_suffix(f->err, "stasadm: error: unrecognized arguments: b\n"));
	assert_int_equal(RUN_NO_C(f, "-c"), 2);
	assert_true(g_str_has_suffix(
		f->err, "stasadm: error: argument -c/--conf-file: expected one argument\n"));
	assert_int_equal(RUN(f, "hostid", "-f"), 2);
	assert_true(g_str_has_suffix(
		f->err, "stasadm hostid: error: argument -f/--file: expected one argument\n"));
	assert_false(g_file_test(f->conf, G_FILE_TEST_EXISTS));
}

static void
test_help_exits_0(void **state)
{
	Fixture *f = *state;

	g_setenv("COLUMNS", "80", TRUE);
	assert_int_equal(RUN(f, "set-symname", "-h"), 0);
	assert_string_equal(
		f->out, "usage: stasadm set-symname [-h] [-f FILE] SYMNAME\n"
			"\n"
			"positional arguments:\n"
			"  SYMNAME               Symbolic name\n"
			"\n"
			"options:\n"
			"  -h, --help            show this help message and exit\n"
			"  -f FILE, --file FILE  Optional file where to save the symbolic name.\n");
	assert_false(g_file_test(f->conf, G_FILE_TEST_EXISTS));
}

static void
test_symname_may_start_with_a_dash_after_double_dash(void **state)
{
	Fixture *f = *state;

	assert_int_equal(RUN(f, "set-symname", "--", "-x"), 0);
	assert_conf(f, "[Host]\nsymname = -x\n");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hostnqn_with_file_writes_the_nqn_and_points_sys_conf_at_it),
		T(test_hostnqn_file_in_a_missing_directory_creates_it),
		T(test_hostnqn_is_derived_from_machine_id_and_valid),
		T(test_hostnqn_without_any_source_is_a_random_valid_nqn),
		T(test_hostnqn_needing_root_says_permission_denied),
		T(test_hostid_is_a_random_uuid_v4),
		T(test_hostid_without_file_is_written_literally),
		T(test_set_symname_keeps_spaces),
		T(test_set_symname_with_file),
		T(test_relative_file_is_saved_as_an_absolute_path),
		T(test_symname_with_a_newline_is_refused),
		T(test_set_symname_changes_only_its_line),
		T(test_new_key_goes_at_the_end_of_the_host_section),
		T(test_empty_host_section_gets_the_key_under_its_header),
		T(test_missing_host_section_is_appended),
		T(test_missing_conf_file_is_created),
		T(test_repeated_key_keeps_only_the_last_place),
		T(test_clear_symname_removes_only_that_key),
		T(test_clear_symname_without_symname_changes_nothing),
		T(test_clear_symname_removes_every_occurrence_and_continuations),
		T(test_file_mode_and_symlink_are_kept),
		T(test_edit_function_on_text),
		T(test_ignored_line_never_becomes_part_of_the_new_key),
		T(test_unwritable_file_fails_and_leaves_sys_conf_alone),
		T(test_conf_file_that_is_a_directory_fails),
		T(test_no_command_prints_usage_and_exits_1),
		T(test_version),
		T(test_usage_errors_exit_2_with_argparse_messages),
		T(test_help_exits_0),
		T(test_symname_may_start_with_a_dash_after_double_dash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
