/* SPDX-License-Identifier: Apache-2.0 */
/* sys.conf [Host]: REFERENCE 2.3, SysConf cases of test-config.py (6.1), Q15 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include "stas/stas-error.h"
#include "stas/stas-sysconf.h"

#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:01234567-0123-0123-0123-0123456789ab"
#define HOSTID	"01234567-89ab-cdef-0123-456789abcdef"
#define HOSTKEY                                                                                    \
	"DHHC-1:03:qwertyuioplkjhgfdsazxcvbnm0123456789QWERTYUIOPLKJHGFDSAZXCVBNM010101010101"     \
	"010101010101010101:"

/* a scratch dir with default hostnqn/hostid files, and the defaults pointing there */
typedef struct {
	char *dir;
	char *conf;
	char *nqn_file;
	char *id_file;
	char *key_file;
	StasSysConfDefaults defaults;
} Fixture;

static char *
write_file(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);

	assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static void
rm_rf(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	const char *name;

	if (d) {
		while ((name = g_dir_read_name(d)) != NULL) {
			g_autofree char *child = g_build_filename(path, name, NULL);

			rm_rf(child);
		}
		g_dir_close(d);
	}
	g_remove(path);
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->dir = g_dir_make_tmp("test-sysconf-XXXXXX", NULL);
	assert_non_null(f->dir);
	f->conf = g_build_filename(f->dir, "sys.conf", NULL);
	f->nqn_file = write_file(f->dir, "hostnqn", HOSTNQN "\n");
	f->id_file = write_file(f->dir, "hostid", HOSTID "\n");
	/* no hostkey file by default */
	f->key_file = g_build_filename(f->dir, "hostkey", NULL);
	f->defaults.hostnqn_file = f->nqn_file;
	f->defaults.hostid_file = f->id_file;
	f->defaults.hostkey_file = f->key_file;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	rm_rf(f->dir);
	g_free(f->dir);
	g_free(f->conf);
	g_free(f->nqn_file);
	g_free(f->id_file);
	g_free(f->key_file);
	g_free(f);
	return 0;
}

static StasSysConf *
load_text(Fixture *f, const char *text, GError **error)
{
	if (text)
		g_free(write_file(f->dir, "sys.conf", text));
	return stas_sysconf_load_full(f->conf, &f->defaults, error);
}

static gboolean
has_diag(const StasSysConf *sc, StasDiagLevel level, const char *text)
{
	const GPtrArray *d = stas_sysconf_get_diagnostics(sc);

	for (guint i = 0; i < d->len; i++) {
		const StasDiag *diag = d->pdata[i];

		if (diag->level == level && g_str_equal(diag->text, text))
			return TRUE;
	}
	for (guint i = 0; i < d->len; i++)
		print_message("  diag[%u] = %s\n", i, ((const StasDiag *)d->pdata[i])->text);
	return FALSE;
}

static void
test_unknown_sections_and_keys_are_named_with_their_line(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasSysConf) sc = load_text(f,
					      "[Hots]\n"
					      "nqn=nqn.1988-11.com.dell:host:ignored\n"
					      "[Host]\n"
					      "id=5c1d6a0e-literal\n"
					      "nqm=nqn.1988-11.com.dell:host:typo\n",
					      &error);
	g_autofree char *bad_section = NULL;
	g_autofree char *bad_key = NULL;

	assert_non_null(sc);
	bad_section =
		g_strdup_printf("File:%s contains invalid sections: {'Hots'} (line 1)", f->conf);
	bad_key = g_strdup_printf("File:%s [Host] contains invalid options: {'nqm'} (line 5)",
				  f->conf);
	assert_true(has_diag(sc, STAS_DIAG_ERROR, bad_section));
	assert_true(has_diag(sc, STAS_DIAG_ERROR, bad_key));
	/* neither is used: the host NQN comes from the default file */
	assert_string_equal(stas_sysconf_get_hostnqn(sc), HOSTNQN);
	assert_string_equal(stas_sysconf_get_hostid(sc), "5c1d6a0e-literal");
}

static void
test_known_keys_give_no_invalid_option_diagnostic(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasSysConf) sc = load_text(f,
					      "[Host]\n"
					      "nqn=nqn.1988-11.com.dell:host:literal\n"
					      "id=5c1d6a0e-literal\n"
					      "key=" HOSTKEY "\n"
					      "symname=me\n",
					      &error);
	const GPtrArray *d;

	assert_non_null(sc);
	d = stas_sysconf_get_diagnostics(sc);
	for (guint i = 0; i < d->len; i++)
		assert_null(strstr(((const StasDiag *)d->pdata[i])->text, "invalid"));
}

static void
test_literal_values_are_used_as_written(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasSysConf) sc = load_text(f,
					      "[Host]\n"
					      "nqn=nqn.1988-11.com.dell:host:literal\n"
					      "id=5c1d6a0e-literal\n"
					      "key=" HOSTKEY "\n"
					      "symname = Bart's   host  \n",
					      &error);

	assert_non_null(sc);
	assert_string_equal(stas_sysconf_get_hostnqn(sc), "nqn.1988-11.com.dell:host:literal");
	assert_string_equal(stas_sysconf_get_hostid(sc), "5c1d6a0e-literal");
	assert_string_equal(stas_sysconf_get_hostkey(sc), HOSTKEY);
	/* a literal keeps its inner spaces */
	assert_string_equal(stas_sysconf_get_symname(sc), "Bart's   host");
	assert_string_equal(stas_sysconf_get_path(sc), f->conf);
}

static void
test_missing_sys_conf_reads_the_default_files(void **state)
{
	Fixture *f = *state;
	g_autoptr(StasSysConf) sc = load_text(f, NULL, NULL);
	g_autofree char *want = g_strdup_printf("Host key undefined: [Errno 2] No such file or "
						"directory: '%s'",
						f->key_file);

	assert_non_null(sc);
	assert_string_equal(stas_sysconf_get_hostnqn(sc), HOSTNQN);
	assert_string_equal(stas_sysconf_get_hostid(sc), HOSTID);
	assert_null(stas_sysconf_get_hostkey(sc));
	assert_null(stas_sysconf_get_symname(sc));
	/* no key file is normal: a debug message only */
	assert_true(has_diag(sc, STAS_DIAG_DEBUG, want));
	assert_int_equal(stas_sysconf_get_diagnostics(sc)->len, 1);
}

static void
test_default_key_file_is_read(void **state)
{
	Fixture *f = *state;
	g_autoptr(StasSysConf) sc = NULL;

	g_free(write_file(f->dir, "hostkey", HOSTKEY "\n"));
	sc = load_text(f, "[Host]\n", NULL);

	assert_string_equal(stas_sysconf_get_hostkey(sc), HOSTKEY);
	assert_int_equal(stas_sysconf_get_diagnostics(sc)->len, 0);
}

static void
test_file_indirection_reads_the_first_word_of_the_first_line(void **state)
{
	Fixture *f = *state;
	g_autofree char *nqn = write_file(f->dir, "nqn", "  nqn.2014-08.org.x:one two\nnqn.y\n");
	g_autofree char *id = write_file(f->dir, "id", "id-1\tid-2");
	g_autofree char *text = g_strdup_printf("[Host]\nnqn=file://%s\nid=file://%s\n", nqn, id);
	g_autoptr(StasSysConf) sc = load_text(f, text, NULL);

	assert_non_null(sc);
	assert_string_equal(stas_sysconf_get_hostnqn(sc), "nqn.2014-08.org.x:one");
	assert_string_equal(stas_sysconf_get_hostid(sc), "id-1");
}

static void
test_symname_from_a_file_keeps_the_whole_first_line(void **state)
{
	/* Q15: upstream truncates it to the first word */
	Fixture *f = *state;
	g_autofree char *sym = write_file(f->dir, "symname", "  Lab host  number 7 \nsecond\n");
	g_autofree char *text = g_strdup_printf("[Host]\nsymname=file://%s\n", sym);
	g_autoptr(StasSysConf) sc = load_text(f, text, NULL);

	assert_string_equal(stas_sysconf_get_symname(sc), "Lab host  number 7");
}

static void
test_dev_null_gives_unset_values(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasSysConf) sc = load_text(f,
					      "[Host]\nnqn=file:///dev/null\nid=file:///dev/null\n"
					      "key=file:///dev/null\nsymname=file:///dev/null\n",
					      &error);

	assert_non_null(sc);
	assert_null(stas_sysconf_get_hostnqn(sc));
	assert_null(stas_sysconf_get_hostid(sc));
	assert_null(stas_sysconf_get_hostkey(sc));
	assert_null(stas_sysconf_get_symname(sc));
	assert_true(has_diag(sc, STAS_DIAG_WARNING, "Host NQN undefined: /dev/null is empty"));
	assert_true(has_diag(sc, STAS_DIAG_WARNING, "Host ID undefined: /dev/null is empty"));
}

static void
test_empty_first_line_gives_unset(void **state)
{
	Fixture *f = *state;
	g_autofree char *empty = write_file(f->dir, "empty", "\nnqn.second-line\n");
	g_autofree char *text =
		g_strdup_printf("[Host]\nnqn=file://%s\nsymname=file://%s\n", empty, empty);
	g_autoptr(StasSysConf) sc = load_text(f, text, NULL);

	assert_non_null(sc);
	assert_null(stas_sysconf_get_hostnqn(sc));
	assert_null(stas_sysconf_get_symname(sc));
}

static void
test_nqn_must_start_with_nqn_dot(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasSysConf) sc = load_text(f, "[Host]\nnqn=hello-world\n", &error);

	assert_null(sc);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_string_equal(error->message, "Error Host NQN \"hello-world\" should start with "
					    "\"nqn.\"");
}

static void
test_empty_or_valueless_nqn_is_not_an_nqn(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(StasSysConf) a = load_text(f, "[Host]\nnqn=\n", &e1);
	g_autoptr(StasSysConf) b = load_text(f, "[Host]\nnqn\n", &e2);

	assert_null(a);
	assert_string_equal(e1->message, "Error Host NQN \"\" should start with \"nqn.\"");
	assert_null(b);
	assert_string_equal(e2->message, "Error Host NQN \"\" should start with \"nqn.\"");
}

static void
test_missing_nqn_file_is_fatal(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasSysConf) sc =
		load_text(f, "[Host]\nnqn=file:///nonexistent/hostnqn\n", &error);

	assert_null(sc);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	assert_string_equal(error->message,
			    "Error reading mandatory Host NQN (see stasadm --help): [Errno 2] No "
			    "such file or directory: '/nonexistent/hostnqn'");
}

static void
test_missing_default_nqn_file_is_fatal(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasSysConf) sc = NULL;
	g_autofree char *want = g_strdup_printf("Error reading mandatory Host NQN (see stasadm "
						"--help): [Errno 2] No such file or directory: "
						"'%s'",
						f->nqn_file);

	g_remove(f->nqn_file);
	sc = load_text(f, NULL, &error);
	assert_null(sc);
	assert_string_equal(error->message, want);
}

static void
test_missing_id_file_is_fatal(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasSysConf) sc = load_text(f, "[Host]\nid=file:///nonexistent/hostid\n", &error);

	assert_null(sc);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	assert_string_equal(error->message,
			    "Error reading mandatory Host ID (see stasadm --help): [Errno 2] No "
			    "such file or directory: '/nonexistent/hostid'");
}

static void
test_missing_symname_file_leaves_it_undefined(void **state)
{
	Fixture *f = *state;
	g_autoptr(StasSysConf) sc =
		load_text(f, "[Host]\nsymname=file:///nonexistent/symname\n", NULL);

	assert_non_null(sc);
	assert_null(stas_sysconf_get_symname(sc));
	assert_true(has_diag(sc, STAS_DIAG_WARNING,
			     "Error reading host symbolic name (will remain undefined): [Errno 2] "
			     "No such file or directory: '/nonexistent/symname'"));
}

static void
test_missing_key_file_leaves_it_undefined(void **state)
{
	Fixture *f = *state;
	g_autoptr(StasSysConf) sc = load_text(f, "[Host]\nkey=file:///nonexistent/key\n", NULL);

	assert_non_null(sc);
	assert_null(stas_sysconf_get_hostkey(sc));
	assert_true(has_diag(sc, STAS_DIAG_DEBUG,
			     "Host key undefined: [Errno 2] No such file or directory: "
			     "'/nonexistent/key'"));
}

static void
test_nqn_longer_than_223_chars_is_fatal(void **state)
{
	Fixture *f = *state;
	g_autofree char *fill = g_strnfill(220, 'a');
	g_autofree char *text = g_strdup_printf("[Host]\nnqn=nqn.%s\n", fill);
	g_autofree char *ok_text = g_strdup_printf("[Host]\nnqn=nqn.%.219s\n", fill);
	g_autoptr(GError) error = NULL;
	g_autoptr(StasSysConf) sc = load_text(f, text, &error);
	g_autoptr(StasSysConf) ok = NULL;

	assert_null(sc);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_string_equal(error->message,
			    "Error Host NQN is too long (224 chars, max 223 per NVMe spec)");
	ok = load_text(f, ok_text, NULL);
	assert_non_null(ok);
	assert_int_equal(strlen(stas_sysconf_get_hostnqn(ok)), 223);
}

static void
test_nqn_with_a_comma_is_fatal(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasSysConf) sc = load_text(f, "[Host]\nnqn=nqn.x,hostid=y\n", &error);

	assert_null(sc);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_string_equal(error->message, "Error Host NQN contains invalid characters (control "
					    "characters, \",\" or bad UTF-8)");
}

static void
test_bad_key_is_dropped_without_showing_it(void **state)
{
	Fixture *f = *state;
	g_autoptr(StasSysConf) sc = load_text(f, "[Host]\nkey=DHHC-1:00:a,b:\n", NULL);
	const GPtrArray *d;

	assert_non_null(sc);
	assert_null(stas_sysconf_get_hostkey(sc));
	assert_true(
		has_diag(sc, STAS_DIAG_WARNING, "Host key contains invalid characters, ignored"));
	d = stas_sysconf_get_diagnostics(sc);
	for (guint i = 0; i < d->len; i++)
		assert_null(strstr(((const StasDiag *)d->pdata[i])->text, "DHHC"));
}

static void
test_the_last_occurrence_wins(void **state)
{
	Fixture *f = *state;
	g_autoptr(StasSysConf) sc =
		load_text(f, "[Host]\nsymname=a\nsymname=b\n[Host]\nSymName=c\n", NULL);

	assert_string_equal(stas_sysconf_get_symname(sc), "c");
}

static void
test_malformed_lines_are_reported_not_fatal(void **state)
{
	Fixture *f = *state;
	g_autofree char *text = g_strdup("nqn=nqn.x\n[Host\nnqn=nqn.y\n[Host]\nsymname=s\n");
	g_autoptr(StasSysConf) sc = load_text(f, text, NULL);
	g_autofree char *want1 = g_strdup_printf("%s:1: option \"nqn\" is not inside a "
						 "[section], ignored",
						 f->conf);
	g_autofree char *want2 = g_strdup_printf("%s:2: malformed section header \"[Host\", "
						 "ignored with the options under it",
						 f->conf);

	assert_non_null(sc);
	assert_string_equal(stas_sysconf_get_hostnqn(sc), HOSTNQN);
	assert_string_equal(stas_sysconf_get_symname(sc), "s");
	assert_true(has_diag(sc, STAS_DIAG_WARNING, want1));
	assert_true(has_diag(sc, STAS_DIAG_WARNING, want2));
}

static void
test_sys_conf_that_is_not_a_file_gives_defaults(void **state)
{
	Fixture *f = *state;
	g_autoptr(StasSysConf) sc = NULL;
	g_autofree char *want = g_strdup_printf("%s: not a regular file, defaults used", f->conf);

	assert_int_equal(g_mkdir(f->conf, 0700), 0);
	sc = load_text(f, NULL, NULL);
	assert_non_null(sc);
	assert_string_equal(stas_sysconf_get_hostnqn(sc), HOSTNQN);
	assert_true(has_diag(sc, STAS_DIAG_WARNING, want));
}

static void
test_a_reload_sees_changed_files(void **state)
{
	/* Q15: sys.conf and its file:// targets are read again on SIGHUP */
	Fixture *f = *state;
	g_autoptr(StasSysConf) before = load_text(f, "[Host]\nsymname=old\n", NULL);
	g_autoptr(StasSysConf) after = NULL;

	g_free(write_file(f->dir, "hostnqn", "nqn.2014-08.org.x:new\n"));
	after = load_text(f, "[Host]\nsymname=new\n", NULL);
	assert_string_equal(stas_sysconf_get_symname(before), "old");
	assert_string_equal(stas_sysconf_get_hostnqn(before), HOSTNQN);
	assert_string_equal(stas_sysconf_get_symname(after), "new");
	assert_string_equal(stas_sysconf_get_hostnqn(after), "nqn.2014-08.org.x:new");
}

static void
test_refcount_keeps_the_snapshot_alive(void **state)
{
	Fixture *f = *state;
	StasSysConf *sc = load_text(f, "[Host]\nsymname=s\n", NULL);
	StasSysConf *ref = stas_sysconf_ref(sc);

	stas_sysconf_unref(sc);
	assert_string_equal(stas_sysconf_get_symname(ref), "s");
	stas_sysconf_unref(ref);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_unknown_sections_and_keys_are_named_with_their_line),
		T(test_known_keys_give_no_invalid_option_diagnostic),
		T(test_literal_values_are_used_as_written),
		T(test_missing_sys_conf_reads_the_default_files),
		T(test_default_key_file_is_read),
		T(test_file_indirection_reads_the_first_word_of_the_first_line),
		T(test_symname_from_a_file_keeps_the_whole_first_line),
		T(test_dev_null_gives_unset_values),
		T(test_empty_first_line_gives_unset),
		T(test_nqn_must_start_with_nqn_dot),
		T(test_empty_or_valueless_nqn_is_not_an_nqn),
		T(test_missing_nqn_file_is_fatal),
		T(test_missing_default_nqn_file_is_fatal),
		T(test_missing_id_file_is_fatal),
		T(test_missing_symname_file_leaves_it_undefined),
		T(test_missing_key_file_leaves_it_undefined),
		T(test_nqn_longer_than_223_chars_is_fatal),
		T(test_nqn_with_a_comma_is_fatal),
		T(test_bad_key_is_dropped_without_showing_it),
		T(test_the_last_occurrence_wins),
		T(test_malformed_lines_are_reported_not_fatal),
		T(test_sys_conf_that_is_not_a_file_gives_defaults),
		T(test_a_reload_sees_changed_files),
		T(test_refcount_keeps_the_snapshot_alive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
