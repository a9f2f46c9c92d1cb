/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the shipped configuration files and man pages against the configuration
 * model: every option of a daemon is documented in its file (commented out,
 * in its section) and in its man page, the installed files load without a
 * single diagnostic, uncommenting the documented defaults changes nothing,
 * and every example controller=/exclude= line is a valid entry (REFERENCE
 * 2.1, 2.3-2.5, 2.8, 2.9, 10; SPEC 1).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "stas/stas-conf.h"

#define STAFD STAS_CONF_KIND_STAFD
#define STACD STAS_CONF_KIND_STACD

static const char *const host_keys[] = {"nqn", "id", "key", "symname"};

/* ---- helpers ---- */

static char *
source_file(const char *relative)
{
	const char *root = g_getenv("STAS_TEST_SOURCE_ROOT");
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	char *text = NULL;

	assert_non_null(root);
	path = g_build_filename(root, relative, NULL);
	if (!g_file_get_contents(path, &text, NULL, &error))
		fail_msg("%s", error->message);
	return text;
}

static const char *
conf_file(StasConfKind kind)
{
	return kind == STAFD ? "etc/stas/stafd.conf" : "etc/stas/stacd.conf";
}

static const char *
man_file(StasConfKind kind)
{
	return kind == STAFD ? "man/stafd.conf.5.in" : "man/stacd.conf.5.in";
}

static StasConf *
load_text(StasConfKind kind, const char *text)
{
	g_autoptr(StasIni) ini = stas_ini_new();

	stas_ini_add_data(ini, kind == STAFD ? STAS_STAFD_CONF_PATH : STAS_STACD_CONF_PATH, text,
			  strlen(text));
	return stas_conf_new_from_ini(kind, ini);
}

static void
assert_no_diagnostics(const StasConf *conf)
{
	const GPtrArray *d = stas_conf_get_diagnostics(conf);

	for (guint i = 0; i < d->len; i++)
		print_message("diagnostic: %s\n", ((StasDiag *)d->pdata[i])->text);
	assert_int_equal(d->len, 0);
}

/* "#kato=30" and "#queue-size=" are option lines; "#   controller = ..." is prose */
static gboolean
is_option_line(const char *line, char **name, char **value)
{
	const char *p = line + 1;
	const char *eq;

	if (line[0] != '#' || !g_ascii_islower(*p))
		return FALSE;
	for (eq = p; g_ascii_islower(*eq) || *eq == '-'; eq++)
		;
	if (*eq != '=')
		return FALSE;
	*name = g_strndup(p, eq - p);
	*value = g_strdup(eq + 1);
	return TRUE;
}

/* the section each "#name=" line of text sits in: name -> section */
static GHashTable *
documented_options(const char *text)
{
	GHashTable *found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autofree char *section = g_strdup("");

	for (guint i = 0; lines[i]; i++) {
		g_autofree char *name = NULL;
		g_autofree char *value = NULL;

		if (lines[i][0] == '[' && strchr(lines[i], ']')) {
			g_free(section);
			section = g_strndup(lines[i] + 1, strchr(lines[i], ']') - lines[i] - 1);
		} else if (is_option_line(lines[i], &name, &value)) {
			g_hash_table_insert(found, g_steal_pointer(&name), g_strdup(section));
		}
	}
	return found;
}

/* the file with every "#name=value" line (value not empty) uncommented */
static char *
uncomment_defaults(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GString *out = g_string_new(NULL);

	for (guint i = 0; lines[i]; i++) {
		g_autofree char *name = NULL;
		g_autofree char *value = NULL;

		if (is_option_line(lines[i], &name, &value) && *value != '\0')
			g_string_append_printf(out, "%s\n", lines[i] + 1);
		else
			g_string_append_printf(out, "%s\n", lines[i]);
	}
	return g_string_free(out, FALSE);
}

/* man sources escape hyphens: "disconnect\-scope" */
static char *
man_text(const char *relative)
{
	g_autofree char *raw = source_file(relative);
	g_auto(GStrv) parts = g_strsplit(raw, "\\-", -1);

	return g_strjoinv("-", parts);
}

static void
assert_same_values(const StasConf *a, const StasConf *b)
{
	for (guint opt = 0; opt < STAS_OPT_N_OPTIONS; opt++) {
		int va = 0, vb = 0;
		gboolean sa = stas_conf_lookup_int(a, opt, &va);
		gboolean sb = stas_conf_lookup_int(b, opt, &vb);

		if (sa != sb || va != vb)
			fail_msg("%s: documented default differs from the daemon's",
				 stas_conf_option_name(opt));
	}
	assert_true(stas_conf_get_zeroconf_connections_persistence(a) ==
		    stas_conf_get_zeroconf_connections_persistence(b));
	assert_int_equal(stas_conf_get_controllers(a)->len, 0);
	assert_int_equal(stas_conf_get_excludes(a)->len, 0);
}

/* ---- the configuration files ---- */

static void
check_file_loads_without_diagnostics(StasConfKind kind)
{
	g_autofree char *text = source_file(conf_file(kind));
	g_autoptr(StasConf) conf = load_text(kind, text);
	g_autoptr(StasConf) defaults = load_text(kind, "");

	assert_no_diagnostics(conf);
	assert_same_values(conf, defaults);
}

static void
test_installed_stafd_conf_loads_without_diagnostics(void **state)
{
	check_file_loads_without_diagnostics(STAFD);
}

static void
test_installed_stacd_conf_loads_without_diagnostics(void **state)
{
	check_file_loads_without_diagnostics(STACD);
}

static void
check_every_option_documented_in_its_section(StasConfKind kind)
{
	g_autofree char *text = source_file(conf_file(kind));
	g_autoptr(GHashTable) found = documented_options(text);

	for (guint opt = 0; opt < STAS_OPT_N_OPTIONS; opt++) {
		const char *name = stas_conf_option_name(opt);
		const char *section = g_hash_table_lookup(found, name);

		if (!stas_conf_option_is_valid(kind, opt)) {
			if (section)
				fail_msg("%s: \"#%s=\" documents an option of the other daemon",
					 conf_file(kind), name);
			continue;
		}
		if (section == NULL)
			fail_msg("%s: no \"#%s=\" line", conf_file(kind), name);
		if (!g_str_equal(section, stas_conf_option_section(opt)))
			fail_msg("%s: %s is in [%s], not [%s]", conf_file(kind), name, section,
				 stas_conf_option_section(opt));
	}
	assert_string_equal(g_hash_table_lookup(found, "controller"), "Controllers");
	assert_string_equal(g_hash_table_lookup(found, "exclude"), "Controllers");
}

static void
test_stafd_conf_documents_every_stafd_option_in_its_section(void **state)
{
	check_every_option_documented_in_its_section(STAFD);
}

static void
test_stacd_conf_documents_every_stacd_option_in_its_section(void **state)
{
	check_every_option_documented_in_its_section(STACD);
}

static void
check_uncommented_defaults_are_the_defaults(StasConfKind kind)
{
	g_autofree char *text = source_file(conf_file(kind));
	g_autofree char *uncommented = uncomment_defaults(text);
	g_autoptr(StasConf) conf = load_text(kind, uncommented);
	g_autoptr(StasConf) defaults = load_text(kind, "");

	/* the test must see the values, not the comments */
	assert_non_null(strstr(uncommented, "\ntron=false\n"));
	assert_no_diagnostics(conf);
	assert_same_values(conf, defaults);
}

static void
test_stafd_conf_documented_defaults_are_stafd_defaults(void **state)
{
	check_uncommented_defaults_are_the_defaults(STAFD);
}

static void
test_stacd_conf_documented_defaults_are_stacd_defaults(void **state)
{
	check_uncommented_defaults_are_the_defaults(STACD);
}

static void
test_uncommenting_a_wrong_default_is_noticed(void **state)
{
	/* the check above can fail: a wrong documented default changes a value */
	g_autoptr(StasConf) conf = load_text(STAFD, "[Global]\nkato=31\n");
	g_autoptr(StasConf) defaults = load_text(STAFD, "");
	int a = 0, b = 0;

	assert_true(stas_conf_lookup_int(conf, STAS_OPT_KATO, &a));
	assert_true(stas_conf_lookup_int(defaults, STAS_OPT_KATO, &b));
	assert_int_not_equal(a, b);
}

static void
test_sys_conf_doc_documents_every_host_key(void **state)
{
	g_autofree char *text = source_file("etc/stas/sys.conf.doc");
	g_autoptr(GHashTable) found = documented_options(text);

	for (guint i = 0; i < G_N_ELEMENTS(host_keys); i++) {
		const char *section = g_hash_table_lookup(found, host_keys[i]);

		if (section == NULL || !g_str_equal(section, "Host"))
			fail_msg("sys.conf.doc: no \"#%s=\" line in [Host]", host_keys[i]);
	}
	assert_int_equal(g_hash_table_size(found), G_N_ELEMENTS(host_keys));
}

/*
 * the example controller= and exclude= lines of a file (conf comments
 * "#     controller = ..." or man page lines "controller = ..."), not the
 * syntax lines with their <placeholders>
 */
static GPtrArray *
example_lines(const char *text)
{
	GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i]; i++) {
		const char *p = lines[i];

		if (*p == '#')
			p++;
		while (*p == ' ')
			p++;
		if ((g_str_has_prefix(p, "controller = ") || g_str_has_prefix(p, "exclude = ")) &&
		    strchr(p, '<') == NULL)
			g_ptr_array_add(found, g_strdup(p));
	}
	return found;
}

static void
check_examples_are_valid(StasConfKind kind, const char *relative, gboolean man)
{
	g_autofree char *text = man ? man_text(relative) : source_file(relative);
	g_autoptr(GPtrArray) examples = example_lines(text);

	assert_true(examples->len >= 3);
	for (guint i = 0; i < examples->len; i++) {
		const char *line = examples->pdata[i];
		g_autofree char *conf_text = g_strdup_printf("[Controllers]\n%s\n", line);
		g_autoptr(StasConf) conf = load_text(kind, conf_text);
		guint n = g_str_has_prefix(line, "controller")
				  ? stas_conf_get_controllers(conf)->len
				  : stas_conf_get_excludes(conf)->len;

		print_message("%s: %s\n", relative, line);
		assert_no_diagnostics(conf);
		assert_int_equal(n, 1);
	}
}

static void
test_stafd_conf_examples_are_valid_stafd_entries(void **state)
{
	check_examples_are_valid(STAFD, conf_file(STAFD), FALSE);
	check_examples_are_valid(STAFD, man_file(STAFD), TRUE);
}

static void
test_stacd_conf_examples_are_valid_stacd_entries(void **state)
{
	check_examples_are_valid(STACD, conf_file(STACD), FALSE);
	check_examples_are_valid(STACD, man_file(STACD), TRUE);
}

static void
test_an_invalid_example_is_noticed(void **state)
{
	/* the check above can fail: stacd drops an entry without nqn */
	g_autoptr(StasConf) conf =
		load_text(STACD, "[Controllers]\ncontroller = transport=tcp;traddr=::1\n");

	assert_int_equal(stas_conf_get_controllers(conf)->len, 0);
	assert_int_not_equal(stas_conf_get_diagnostics(conf)->len, 0);
}

/* ---- the man pages ---- */

static void
check_man_page_documents_every_option(StasConfKind kind)
{
	g_autofree char *text = man_text(man_file(kind));

	for (guint opt = 0; opt < STAS_OPT_N_OPTIONS; opt++) {
		const char *name = stas_conf_option_name(opt);
		g_autofree char *heading = g_strdup_printf("[%s]", stas_conf_option_section(opt));
		g_autofree char *needle = g_strdup_printf("%s=", name);

		if (!stas_conf_option_is_valid(kind, opt))
			continue;
		if (strstr(text, needle) == NULL)
			fail_msg("%s: %s= is not documented", man_file(kind), name);
		if (strstr(text, heading) == NULL)
			fail_msg("%s: no section %s", man_file(kind), heading);
	}
	assert_non_null(strstr(text, "controller="));
	assert_non_null(strstr(text, "exclude="));
}

static void
test_stafd_conf_man_page_documents_every_stafd_option(void **state)
{
	check_man_page_documents_every_option(STAFD);
}

static void
test_stacd_conf_man_page_documents_every_stacd_option(void **state)
{
	check_man_page_documents_every_option(STACD);
}

static void
test_sys_conf_man_page_documents_every_host_key(void **state)
{
	g_autofree char *text = man_text("man/sys.conf.5.in");

	for (guint i = 0; i < G_N_ELEMENTS(host_keys); i++) {
		g_autofree char *needle = g_strdup_printf(".BR %s= ", host_keys[i]);

		if (strstr(text, needle) == NULL)
			fail_msg("sys.conf.5: %s= is not documented", host_keys[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_installed_stafd_conf_loads_without_diagnostics),
		cmocka_unit_test(test_installed_stacd_conf_loads_without_diagnostics),
		cmocka_unit_test(test_stafd_conf_documents_every_stafd_option_in_its_section),
		cmocka_unit_test(test_stacd_conf_documents_every_stacd_option_in_its_section),
		cmocka_unit_test(test_stafd_conf_documented_defaults_are_stafd_defaults),
		cmocka_unit_test(test_stacd_conf_documented_defaults_are_stacd_defaults),
		cmocka_unit_test(test_uncommenting_a_wrong_default_is_noticed),
		cmocka_unit_test(test_sys_conf_doc_documents_every_host_key),
		cmocka_unit_test(test_stafd_conf_examples_are_valid_stafd_entries),
		cmocka_unit_test(test_stacd_conf_examples_are_valid_stacd_entries),
		cmocka_unit_test(test_an_invalid_example_is_noticed),
		cmocka_unit_test(test_stafd_conf_man_page_documents_every_stafd_option),
		cmocka_unit_test(test_stacd_conf_man_page_documents_every_stacd_option),
		cmocka_unit_test(test_sys_conf_man_page_documents_every_host_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
