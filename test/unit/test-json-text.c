/* SPDX-License-Identifier: Apache-2.0 */
/* stas-json-text: the same text as json-glib's generator, byte for byte */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <json-glib/json-glib.h>

#include "stas/stas-json-text.h"

static char *
ours_string(const char *text)
{
	GString *out = g_string_new(NULL);

	stas_json_text_append_string(out, text);
	return g_string_free(out, FALSE);
}

static char *
glib_string(const char *text)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_VALUE);

	json_node_set_string(node, text);
	return json_to_string(node, FALSE);
}

static void
test_every_byte_is_escaped_as_json_glib_does(void **state)
{
	(void)state;
	for (int c = 1; c < 256; c++) {
		char text[] = {'a', (char)c, 'b', (char)c, '\0'};
		g_autofree char *ours = ours_string(text);
		g_autofree char *theirs = glib_string(text);

		if (!g_str_equal(ours, theirs))
			print_message("byte 0x%02x: ours %s, json-glib %s\n", c, ours, theirs);
		assert_string_equal(ours, theirs);
	}
}

static void
test_escapes_are_the_documented_ones(void **state)
{
	g_autofree char *s = ours_string("q\"b\\\b\f\n\r\t\x01\x1e\x1f\x7f\xc3\xa9");

	(void)state;
	assert_string_equal(s, "\"q\\\"b\\\\\\b\\f\\n\\r\\t\\u0001\\u001e\x1f\\u007f\xc3\xa9\"");
}

static void
test_empty_string_is_two_quotes(void **state)
{
	g_autofree char *s = ours_string("");

	(void)state;
	assert_string_equal(s, "\"\"");
}

static void
test_dict_is_json_glib_object_with_sorted_keys(void **state)
{
	g_autoptr(GHashTable) dict = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *theirs = NULL;
	GString *out = g_string_new(NULL);
	g_autofree char *ours = NULL;
	const char *kv[][2] = {{"traddr", "192.168.1.1"},
			       {"b\"key", "v\nq"},
			       {"A", ""},
			       {"subsysnqn", "nqn.2014-08.org.nvmexpress.discovery"},
			       {"host-iface", "eth0"}};

	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(kv); i++)
		g_hash_table_insert(dict, (gpointer)kv[i][0], (gpointer)kv[i][1]);
	stas_json_text_append_dict(out, dict);
	ours = g_string_free(out, FALSE);
	/* json-glib keeps members in insertion order: insert them sorted */
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "A");
	json_builder_add_string_value(b, "");
	json_builder_set_member_name(b, "b\"key");
	json_builder_add_string_value(b, "v\nq");
	json_builder_set_member_name(b, "host-iface");
	json_builder_add_string_value(b, "eth0");
	json_builder_set_member_name(b, "subsysnqn");
	json_builder_add_string_value(b, "nqn.2014-08.org.nvmexpress.discovery");
	json_builder_set_member_name(b, "traddr");
	json_builder_add_string_value(b, "192.168.1.1");
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	theirs = json_to_string(root, FALSE);
	assert_string_equal(ours, theirs);
}

static void
test_empty_dict_is_braces(void **state)
{
	g_autoptr(GHashTable) dict = g_hash_table_new(g_str_hash, g_str_equal);
	GString *out = g_string_new(NULL);
	g_autofree char *ours = NULL;

	(void)state;
	stas_json_text_append_dict(out, dict);
	ours = g_string_free(out, FALSE);
	assert_string_equal(ours, "{}");
}

static void
test_sorted_keys_are_in_strcmp_order(void **state)
{
	g_autoptr(GHashTable) dict = g_hash_table_new(g_str_hash, g_str_equal);
	const char *in[] = {"trsvcid", "Z", "traddr", "a", "host-nqn", "_x"};
	const char *want[] = {"Z", "_x", "a", "host-nqn", "traddr", "trsvcid"};
	g_autofree const char **keys = NULL;
	guint n = 0;

	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(in); i++)
		g_hash_table_insert(dict, (gpointer)in[i], (gpointer) "v");
	keys = stas_json_text_sorted_keys(dict, &n);
	assert_int_equal(n, G_N_ELEMENTS(want));
	for (guint i = 0; i < n; i++)
		assert_string_equal(keys[i], want[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_byte_is_escaped_as_json_glib_does),
		cmocka_unit_test(test_escapes_are_the_documented_ones),
		cmocka_unit_test(test_empty_string_is_two_quotes),
		cmocka_unit_test(test_dict_is_json_glib_object_with_sorted_keys),
		cmocka_unit_test(test_empty_dict_is_braces),
		cmocka_unit_test(test_sorted_keys_are_in_strcmp_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
