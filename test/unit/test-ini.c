/* SPDX-License-Identifier: Apache-2.0 */
/* the INI dialect of REFERENCE 2.2 with the fixes of Q3, and SPEC B9 drop-ins */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include "stas/stas-error.h"
#include "stas/stas-ini.h"

#define NAME "/etc/stas/stafd.conf"

static StasIni *
parse(const char *text)
{
	StasIni *ini = stas_ini_new();

	stas_ini_add_data(ini, NAME, text, strlen(text));
	return ini;
}

static const char *
last_value(StasIni *ini, const char *section, const char *key)
{
	const StasIniEntry *e = stas_ini_get_last(ini, section, key);

	assert_non_null(e);
	return e->value;
}

static guint
n_diags(StasIni *ini)
{
	return stas_ini_get_diagnostics(ini)->len;
}

static const char *
diag_text(StasIni *ini, guint i)
{
	const GPtrArray *d = stas_ini_get_diagnostics(ini);

	assert_true(i < d->len);
	return ((const StasDiag *)d->pdata[i])->text;
}

/* a scratch directory, removed with everything in it */
static char *
make_tmpdir(void)
{
	g_autoptr(GError) error = NULL;
	char *dir = g_dir_make_tmp("test-ini-XXXXXX", &error);

	assert_non_null(dir);
	return dir;
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

static void
write_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
test_semicolon_inside_a_value_is_literal(void **state)
{
	g_autoptr(StasIni) ini =
		parse("[Controllers]\n"
		      "controller = transport=tcp;traddr=1.2.3.4 ; trsvcid=8009\n");

	assert_string_equal(last_value(ini, "Controllers", "controller"),
			    "transport=tcp;traddr=1.2.3.4 ; trsvcid=8009");
	assert_int_equal(n_diags(ini), 0);
}

static void
test_inline_hash_is_part_of_the_value_with_a_warning(void **state)
{
	g_autoptr(StasIni) ini = parse("[Global]\nkato = 20  # x\n");

	assert_string_equal(last_value(ini, "Global", "kato"), "20  # x");
	assert_int_equal(n_diags(ini), 1);
	assert_string_equal(diag_text(ini, 0),
			    NAME ":2: [Global] kato: \" #\" does not start a comment here (inline "
				 "comments are not supported), it is part of the value");
	assert_int_equal(((const StasDiag *)stas_ini_get_diagnostics(ini)->pdata[0])->level,
			 STAS_DIAG_WARNING);
}

static void
test_hash_not_after_a_space_is_not_warned(void **state)
{
	g_autoptr(StasIni) ini = parse("[Global]\nsymname = a#b\n");

	assert_string_equal(last_value(ini, "Global", "symname"), "a#b");
	assert_int_equal(n_diags(ini), 0);
}

static void
test_repeated_keys_are_kept_in_order(void **state)
{
	g_autoptr(StasIni) ini = parse("[Controllers]\n"
				       "controller = a\n"
				       "exclude = x\n"
				       "controller = b\n"
				       "controller = c\n");
	g_autoptr(GPtrArray) all = stas_ini_get_all(ini, "Controllers", "controller");

	assert_int_equal(all->len, 3);
	assert_string_equal(((const StasIniEntry *)all->pdata[0])->value, "a");
	assert_string_equal(((const StasIniEntry *)all->pdata[1])->value, "b");
	assert_string_equal(((const StasIniEntry *)all->pdata[2])->value, "c");
	/* single-valued options take the last one */
	assert_string_equal(last_value(ini, "Controllers", "controller"), "c");
	assert_int_equal(stas_ini_get_n_entries(ini), 4);
}

static void
test_option_names_are_case_insensitive(void **state)
{
	g_autoptr(StasIni) ini = parse("[Global]\nKaTo = 5\n");
	const StasIniEntry *e = stas_ini_get_last(ini, "Global", "KATO");

	assert_non_null(e);
	assert_string_equal(e->key, "kato");
	assert_string_equal(e->value, "5");
}

static void
test_section_names_are_case_sensitive(void **state)
{
	g_autoptr(StasIni) ini = parse("[global]\nkato = 5\n");

	assert_null(stas_ini_get_last(ini, "Global", "kato"));
	assert_false(stas_ini_has_section(ini, "Global"));
	assert_true(stas_ini_has_section(ini, "global"));
	assert_string_equal(last_value(ini, "global", "kato"), "5");
}

static void
test_sections_of_the_same_name_merge(void **state)
{
	g_autoptr(StasIni) ini = parse("[Global]\nkato = 5\n[Controllers]\ncontroller = a\n"
				       "[Global]\ntron = true\nkato = 6\n");
	g_autoptr(GPtrArray) all = stas_ini_get_all(ini, "Global", "kato");

	assert_int_equal(all->len, 2);
	assert_string_equal(last_value(ini, "Global", "kato"), "6");
	assert_string_equal(last_value(ini, "Global", "tron"), "true");
	assert_int_equal(stas_ini_get_n_headers(ini), 3);
}

static void
test_whitespace_around_equals_and_value_is_stripped(void **state)
{
	g_autoptr(StasIni) ini = parse("[Host]\n  symname   =   my  host \t\n");

	assert_string_equal(last_value(ini, "Host", "symname"), "my  host");
}

static void
test_key_and_value_split_at_the_first_equals(void **state)
{
	g_autoptr(StasIni) ini = parse("[Controllers]\nexclude=transport=tcp\n"
				       "controller = dhchap-secret=DHHC-1:01:abc==:\n");

	assert_string_equal(last_value(ini, "Controllers", "exclude"), "transport=tcp");
	assert_string_equal(last_value(ini, "Controllers", "controller"),
			    "dhchap-secret=DHHC-1:01:abc==:");
}

static void
test_full_line_comments_start_with_hash_or_semicolon(void **state)
{
	g_autoptr(StasIni) ini = parse("# comment\n; comment\n[Global]\n"
				       "  # indented comment\n;kato = 3\nkato = 4\n#kato = 5\n");

	assert_int_equal(stas_ini_get_n_entries(ini), 1);
	assert_string_equal(last_value(ini, "Global", "kato"), "4");
	assert_int_equal(n_diags(ini), 0);
}

static void
test_indented_line_continues_the_key_as_another_value(void **state)
{
	g_autoptr(StasIni) ini = parse("[Controllers]\n"
				       "controller = transport=tcp;traddr=1.1.1.1\n"
				       "    transport=tcp;traddr=2.2.2.2\n"
				       "controller = transport=tcp;traddr=3.3.3.3\n");
	g_autoptr(GPtrArray) all = stas_ini_get_all(ini, "Controllers", "controller");
	const StasIniEntry *cont;

	assert_int_equal(all->len, 3);
	cont = all->pdata[1];
	assert_string_equal(cont->value, "transport=tcp;traddr=2.2.2.2");
	assert_true(cont->continuation);
	assert_int_equal(cont->line, 3);
	assert_false(((const StasIniEntry *)all->pdata[0])->continuation);
}

static void
test_blank_and_comment_lines_do_not_end_a_continuation(void **state)
{
	g_autoptr(StasIni) ini = parse("[Controllers]\ncontroller = a\n\n# c\n   b\n");
	g_autoptr(GPtrArray) all = stas_ini_get_all(ini, "Controllers", "controller");

	assert_int_equal(all->len, 2);
	assert_string_equal(((const StasIniEntry *)all->pdata[1])->value, "b");
	assert_int_equal(((const StasIniEntry *)all->pdata[1])->line, 5);
}

static void
test_indented_key_right_after_a_header_is_an_option(void **state)
{
	g_autoptr(StasIni) ini = parse("[Global]\n  kato = 5\n  tron = true\n");

	assert_string_equal(last_value(ini, "Global", "kato"), "5");
	assert_string_equal(last_value(ini, "Global", "tron"), "true");
	assert_false(stas_ini_get_last(ini, "Global", "tron")->continuation);
}

static void
test_key_without_equals_has_no_value(void **state)
{
	g_autoptr(StasIni) ini = parse("[Global]\ntron\nkato =\n");
	const StasIniEntry *tron = stas_ini_get_last(ini, "Global", "tron");

	assert_non_null(tron);
	assert_null(tron->value);
	assert_string_equal(last_value(ini, "Global", "kato"), "");
	assert_int_equal(n_diags(ini), 0);
}

static void
test_continuation_after_a_valueless_key_is_another_value(void **state)
{
	/* upstream crashes here */
	g_autoptr(StasIni) ini = parse("[Controllers]\ncontroller\n  transport=tcp\n");
	g_autoptr(GPtrArray) all = stas_ini_get_all(ini, "Controllers", "controller");

	assert_int_equal(all->len, 2);
	assert_null(((const StasIniEntry *)all->pdata[0])->value);
	assert_string_equal(((const StasIniEntry *)all->pdata[1])->value, "transport=tcp");
}

static void
test_key_before_any_section_is_reported_and_skipped(void **state)
{
	/* upstream dies at startup with MissingSectionHeaderError */
	g_autoptr(StasIni) ini = parse("kato = 5\n[Global]\ntron = true\n");

	assert_int_equal(stas_ini_get_n_entries(ini), 1);
	assert_int_equal(n_diags(ini), 1);
	assert_string_equal(diag_text(ini, 0),
			    NAME ":1: option \"kato\" is not inside a [section], ignored");
	assert_string_equal(last_value(ini, "Global", "tron"), "true");
}

static void
test_malformed_section_header_skips_its_options(void **state)
{
	g_autoptr(StasIni) ini = parse("[Global]\nkato = 1\n[Hello\nkato = 2\n"
				       "[Global]\ntron = true\n");

	assert_int_equal(n_diags(ini), 1);
	assert_string_equal(diag_text(ini, 0), NAME ":3: malformed section header \"[Hello\", "
						    "ignored with the options under it");
	assert_string_equal(last_value(ini, "Global", "kato"), "1");
	assert_string_equal(last_value(ini, "Global", "tron"), "true");
	assert_int_equal(stas_ini_get_n_entries(ini), 2);
}

static void
test_empty_section_header_is_malformed(void **state)
{
	g_autoptr(StasIni) ini = parse("[]\nkato = 2\n");

	assert_int_equal(n_diags(ini), 1);
	assert_string_equal(diag_text(ini, 0), NAME ":1: malformed section header \"[]\", "
						    "ignored with the options under it");
	assert_int_equal(stas_ini_get_n_entries(ini), 0);
	assert_int_equal(stas_ini_get_n_headers(ini), 0);
}

static void
test_section_name_runs_to_the_last_bracket(void **state)
{
	g_autoptr(StasIni) ini = parse("[a]b]\nx = 1\n[ Global ]\ny = 2\n");

	assert_string_equal(last_value(ini, "a]b", "x"), "1");
	/* section names are not stripped */
	assert_string_equal(last_value(ini, " Global ", "y"), "2");
	assert_null(stas_ini_get_last(ini, "Global", "y"));
}

static void
test_text_after_a_section_header_is_ignored_with_a_warning(void **state)
{
	g_autoptr(StasIni) ini = parse("[Global] junk\nkato = 1\n[Controllers] # fine\n");

	assert_string_equal(last_value(ini, "Global", "kato"), "1");
	assert_true(stas_ini_has_section(ini, "Controllers"));
	assert_int_equal(n_diags(ini), 1);
	assert_string_equal(diag_text(ini, 0),
			    NAME ":1: text \"junk\" after section header [Global] ignored");
}

static void
test_empty_option_name_is_reported(void **state)
{
	g_autoptr(StasIni) ini = parse("[Global]\n = 5\nkato = 1\n   x\n");

	assert_int_equal(n_diags(ini), 1);
	assert_string_equal(diag_text(ini, 0),
			    NAME ":2: [Global] option name missing before \"=\", line ignored");
	/* "x" is indented under kato, so it continues kato */
	assert_string_equal(last_value(ini, "Global", "kato"), "x");
}

static void
test_bad_bytes_skip_the_line(void **state)
{
	static const char text[] = "[Global]\nkato = \xff\xfe\ntron = a\001b\nx = a\0b\n"
				   "ip-family = ipv4\n";
	g_autoptr(StasIni) ini = stas_ini_new();

	stas_ini_add_data(ini, NAME, text, sizeof(text) - 1);
	assert_int_equal(n_diags(ini), 3);
	assert_string_equal(diag_text(ini, 0), NAME ":2: line is not valid UTF-8, ignored");
	assert_string_equal(diag_text(ini, 1),
			    NAME ":3: line contains a control character, ignored");
	assert_string_equal(diag_text(ini, 2),
			    NAME ":4: line contains a control character, ignored");
	assert_int_equal(stas_ini_get_n_entries(ini), 1);
	assert_string_equal(last_value(ini, "Global", "ip-family"), "ipv4");
}

static void
test_crlf_line_endings_and_no_final_newline(void **state)
{
	g_autoptr(StasIni) ini = parse("[Global]\r\nkato = 5\r\ntron = true");

	assert_string_equal(last_value(ini, "Global", "kato"), "5");
	assert_string_equal(last_value(ini, "Global", "tron"), "true");
	assert_int_equal(n_diags(ini), 0);
}

static void
test_entries_keep_file_line_and_section(void **state)
{
	g_autoptr(StasIni) ini = parse("\n[Global]\n\nkato = 5\n");
	const StasIniEntry *e = stas_ini_get_entry(ini, 0);
	const StasIniEntry *h = stas_ini_get_header(ini, 0);

	assert_string_equal(e->file, NAME);
	assert_int_equal(e->line, 4);
	assert_string_equal(e->section, "Global");
	assert_int_equal(h->line, 2);
	assert_null(h->key);
}

static void
test_a_header_alone_makes_a_section(void **state)
{
	g_autoptr(StasIni) ini = parse("[Hello]\n");

	assert_true(stas_ini_has_section(ini, "Hello"));
	assert_int_equal(stas_ini_get_n_entries(ini), 0);
}

static void
test_empty_and_null_data_are_harmless(void **state)
{
	g_autoptr(StasIni) ini = stas_ini_new();

	stas_ini_add_data(ini, NAME, "", 0);
	stas_ini_add_data(ini, NULL, NULL, 0);
	assert_int_equal(stas_ini_get_n_entries(ini), 0);
	assert_int_equal(stas_ini_get_files(ini)->len, 2);
	assert_null(stas_ini_get_last(ini, "Global", "kato"));
}

static void
test_missing_file_is_not_found(void **state)
{
	g_autoptr(StasIni) ini = stas_ini_new();
	g_autoptr(GError) error = NULL;

	assert_false(stas_ini_add_file(ini, "/nonexistent/stafd.conf", &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	assert_string_equal(error->message, "/nonexistent/stafd.conf: No such file or directory");
	assert_int_equal(stas_ini_get_files(ini)->len, 0);
}

static void
test_a_directory_is_not_a_config_file(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autoptr(StasIni) ini = stas_ini_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *want = g_strdup_printf("%s: not a regular file", dir);

	assert_false(stas_ini_add_file(ini, dir, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_string_equal(error->message, want);
	rm_rf(dir);
}

static void
test_a_file_over_the_size_limit_is_refused(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, "big.conf", NULL);
	g_autofree char *big = g_malloc(STAS_INI_MAX_FILE_SIZE + 2);
	g_autoptr(StasIni) ini = stas_ini_new();
	g_autoptr(GError) error = NULL;

	memset(big, '#', STAS_INI_MAX_FILE_SIZE + 1);
	big[STAS_INI_MAX_FILE_SIZE + 1] = '\0';
	assert_true(g_file_set_contents(path, big, -1, NULL));
	assert_false(stas_ini_add_file(ini, path, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	/* exactly the limit is fine */
	big[STAS_INI_MAX_FILE_SIZE] = '\0';
	assert_true(g_file_set_contents(path, big, -1, NULL));
	assert_true(stas_ini_add_file(ini, path, NULL));
	rm_rf(dir);
}

static void
test_dropins_are_read_after_the_main_file_in_name_order(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *main_path = g_build_filename(dir, "stafd.conf", NULL);
	g_autofree char *dropins = g_build_filename(dir, "stafd.conf.d", NULL);
	g_autofree char *sub = g_build_filename(dropins, "sub.conf", NULL);
	g_autofree char *a = g_build_filename(dropins, "10-a.conf", NULL);
	g_autofree char *b = g_build_filename(dropins, "20-b.conf", NULL);
	g_autofree char *want = g_strdup_printf("%s: not a regular file, ignored", sub);
	g_autoptr(StasIni) ini = stas_ini_new();
	g_autoptr(GPtrArray) ctrls = NULL;
	const GPtrArray *files;

	write_file(dir, "stafd.conf", "[Global]\nkato = 1\n[Controllers]\ncontroller = m\n");
	assert_int_equal(g_mkdir(dropins, 0700), 0);
	assert_int_equal(g_mkdir(sub, 0700), 0);
	write_file(dropins, "20-b.conf", "[Global]\nkato = 3\n[Controllers]\ncontroller = b\n");
	write_file(dropins, "10-a.conf", "[Global]\nkato = 2\n[Controllers]\ncontroller = a\n");
	write_file(dropins, ".hidden.conf", "[Global]\nkato = 9\n");
	write_file(dropins, "notes.txt", "[Global]\nkato = 8\n");
	write_file(dropins, "99-z.conf.bak", "[Global]\nkato = 7\n");

	assert_true(stas_ini_add_file(ini, main_path, NULL));
	stas_ini_add_dropin_dir(ini, dropins);

	files = stas_ini_get_files(ini);
	assert_int_equal(files->len, 3);
	assert_string_equal(files->pdata[0], main_path);
	assert_string_equal(files->pdata[1], a);
	assert_string_equal(files->pdata[2], b);
	assert_string_equal(last_value(ini, "Global", "kato"), "3");
	assert_string_equal(stas_ini_get_last(ini, "Global", "kato")->file, b);
	ctrls = stas_ini_get_all(ini, "Controllers", "controller");
	assert_int_equal(ctrls->len, 3);
	assert_string_equal(((const StasIniEntry *)ctrls->pdata[0])->value, "m");
	assert_string_equal(((const StasIniEntry *)ctrls->pdata[1])->value, "a");
	assert_string_equal(((const StasIniEntry *)ctrls->pdata[2])->value, "b");
	assert_int_equal(n_diags(ini), 1);
	assert_string_equal(diag_text(ini, 0), want);
	rm_rf(dir);
}

static void
test_missing_dropin_dir_is_fine(void **state)
{
	g_autoptr(StasIni) ini = stas_ini_new();

	stas_ini_add_dropin_dir(ini, "/nonexistent/stafd.conf.d");
	assert_int_equal(n_diags(ini), 0);
	assert_int_equal(stas_ini_get_files(ini)->len, 0);
}

static void
test_a_dropin_does_not_continue_the_previous_files_section(void **state)
{
	g_autoptr(StasIni) ini = stas_ini_new();

	stas_ini_add_data(ini, "a.conf", "[Global]\nkato = 1\n", 18);
	stas_ini_add_data(ini, "b.conf", "kato = 2\n", 9);
	assert_string_equal(last_value(ini, "Global", "kato"), "1");
	assert_int_equal(n_diags(ini), 1);
	assert_string_equal(diag_text(ini, 0),
			    "b.conf:1: option \"kato\" is not inside a [section], ignored");
}

static void
test_diagnostics_quote_untrusted_text_safely(void **state)
{
	g_autoptr(StasIni) ini = parse("[Global] \"\xc3\xa9\\\n");

	assert_int_equal(n_diags(ini), 1);
	assert_string_equal(diag_text(ini, 0), NAME ":1: text \"\\\"\\xc3\\xa9\\\\\" after "
						    "section header [Global] ignored");
}

static void
test_diagnostics_never_quote_a_secret(void **state)
{
	g_autoptr(StasIni) ini = parse("DHHC-1:00:c2VjcmV0==:\n");

	assert_int_equal(n_diags(ini), 1);
	assert_string_equal(diag_text(ini, 0),
			    NAME ":1: option <redacted> is not inside a [section], ignored");
}

static void
test_refcount_keeps_the_ini_alive(void **state)
{
	StasIni *ini = parse("[Global]\nkato = 5\n");
	StasIni *ref = stas_ini_ref(ini);

	stas_ini_unref(ini);
	assert_string_equal(last_value(ref, "Global", "kato"), "5");
	stas_ini_unref(ref);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semicolon_inside_a_value_is_literal),
		cmocka_unit_test(test_inline_hash_is_part_of_the_value_with_a_warning),
		cmocka_unit_test(test_hash_not_after_a_space_is_not_warned),
		cmocka_unit_test(test_repeated_keys_are_kept_in_order),
		cmocka_unit_test(test_option_names_are_case_insensitive),
		cmocka_unit_test(test_section_names_are_case_sensitive),
		cmocka_unit_test(test_sections_of_the_same_name_merge),
		cmocka_unit_test(test_whitespace_around_equals_and_value_is_stripped),
		cmocka_unit_test(test_key_and_value_split_at_the_first_equals),
		cmocka_unit_test(test_full_line_comments_start_with_hash_or_semicolon),
		cmocka_unit_test(test_indented_line_continues_the_key_as_another_value),
		cmocka_unit_test(test_blank_and_comment_lines_do_not_end_a_continuation),
		cmocka_unit_test(test_indented_key_right_after_a_header_is_an_option),
		cmocka_unit_test(test_key_without_equals_has_no_value),
		cmocka_unit_test(test_continuation_after_a_valueless_key_is_another_value),
		cmocka_unit_test(test_key_before_any_section_is_reported_and_skipped),
		cmocka_unit_test(test_malformed_section_header_skips_its_options),
		cmocka_unit_test(test_empty_section_header_is_malformed),
		cmocka_unit_test(test_section_name_runs_to_the_last_bracket),
		cmocka_unit_test(test_text_after_a_section_header_is_ignored_with_a_warning),
		cmocka_unit_test(test_empty_option_name_is_reported),
		cmocka_unit_test(test_bad_bytes_skip_the_line),
		cmocka_unit_test(test_crlf_line_endings_and_no_final_newline),
		cmocka_unit_test(test_entries_keep_file_line_and_section),
		cmocka_unit_test(test_a_header_alone_makes_a_section),
		cmocka_unit_test(test_empty_and_null_data_are_harmless),
		cmocka_unit_test(test_missing_file_is_not_found),
		cmocka_unit_test(test_a_directory_is_not_a_config_file),
		cmocka_unit_test(test_a_file_over_the_size_limit_is_refused),
		cmocka_unit_test(test_dropins_are_read_after_the_main_file_in_name_order),
		cmocka_unit_test(test_missing_dropin_dir_is_fine),
		cmocka_unit_test(test_a_dropin_does_not_continue_the_previous_files_section),
		cmocka_unit_test(test_diagnostics_quote_untrusted_text_safely),
		cmocka_unit_test(test_diagnostics_never_quote_a_secret),
		cmocka_unit_test(test_refcount_keeps_the_ini_alive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
