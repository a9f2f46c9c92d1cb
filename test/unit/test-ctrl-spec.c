/* SPDX-License-Identifier: Apache-2.0 */
/* controller= and exclude= strings: REFERENCE 2.8, 2.9 with Q1, Q2, Q20, Q22 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stas/stas-ctrl-spec.h"

static const StasTidDefaults dc_defaults = {
	.kind = STAS_TID_KIND_DC,
	.host_nqn = "nqn.2014-08.org.nvmexpress:uuid:sys-conf",
};

static GHashTable *
map_of(const char *first, ...)
{
	GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	va_list ap;

	va_start(ap, first);
	for (const char *k = first; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);

		g_hash_table_insert(map, g_strdup(k), g_strdup(v));
	}
	va_end(ap);
	return map;
}

static StasTid *
tid_of(const char *spec)
{
	g_autoptr(GHashTable) map = stas_ctrl_spec_parse(spec, NULL);

	return stas_tid_new_from_map(map, &dc_defaults);
}

static void
assert_map(GHashTable *map, guint size, const char *key, const char *value)
{
	assert_int_equal(g_hash_table_size(map), size);
	if (key)
		assert_string_equal(g_hash_table_lookup(map, key), value);
}

static GPtrArray *
warnings_new(void)
{
	return g_ptr_array_new_with_free_func(g_free);
}

static void
test_empty_string_gives_an_empty_map(void **state)
{
	g_autoptr(GPtrArray) w = warnings_new();
	g_autoptr(GHashTable) m1 = stas_ctrl_spec_parse("", w);
	g_autoptr(GHashTable) m2 = stas_ctrl_spec_parse(NULL, w);
	g_autoptr(GHashTable) m3 = stas_ctrl_spec_parse(" ; ;  ;", w);

	assert_map(m1, 0, NULL, NULL);
	assert_map(m2, 0, NULL, NULL);
	assert_map(m3, 0, NULL, NULL);
	assert_int_equal(w->len, 0);
}

static void
test_token_without_equals_is_dropped_with_a_warning(void **state)
{
	g_autoptr(GPtrArray) w = warnings_new();
	g_autoptr(GHashTable) m = stas_ctrl_spec_parse("noequalsign", w);

	assert_map(m, 0, NULL, NULL);
	assert_int_equal(w->len, 1);
	assert_string_equal(w->pdata[0], "token \"noequalsign\" has no \"=\", ignored");
}

static void
test_controller_token_splits_at_first_equals(void **state)
{
	/* Q1: upstream drops "key=val=extra" entirely */
	g_autoptr(GPtrArray) w = warnings_new();
	g_autoptr(GHashTable) m = stas_ctrl_spec_parse("key=val=extra", w);

	assert_map(m, 1, "key", "val=extra");
	assert_int_equal(w->len, 0);
}

static void
test_dhchap_secret_keeps_its_base64_padding(void **state)
{
	g_autoptr(GHashTable) m = stas_ctrl_spec_parse(
		"transport=tcp;traddr=1.2.3.4;dhchap-secret=DHHC-1:03:Zm9vYmFyYmF6==:;"
		"dhchap-ctrl-secret = DHHC-1:02:YWJj=:",
		NULL);

	assert_map(m, 4, "dhchap-secret", "DHHC-1:03:Zm9vYmFyYmF6==:");
	assert_string_equal(g_hash_table_lookup(m, "dhchap-ctrl-secret"), "DHHC-1:02:YWJj=:");
}

static void
test_mixed_valid_and_invalid_tokens_keep_the_valid_ones(void **state)
{
	g_autoptr(GPtrArray) w = warnings_new();
	g_autoptr(GHashTable) m =
		stas_ctrl_spec_parse("transport=tcp;junk;traddr=1.1.1.1;=nokey;trsvcid=8009", w);

	assert_map(m, 3, "transport", "tcp");
	assert_string_equal(g_hash_table_lookup(m, "traddr"), "1.1.1.1");
	assert_string_equal(g_hash_table_lookup(m, "trsvcid"), "8009");
	assert_int_equal(w->len, 2);
	assert_string_equal(w->pdata[0], "token \"junk\" has no \"=\", ignored");
	assert_string_equal(w->pdata[1], "token without a key before \"=\", ignored");
}

static void
test_whitespace_and_empty_tokens_are_ignored(void **state)
{
	/* the third example of REFERENCE 2.8 */
	g_autoptr(GPtrArray) w = warnings_new();
	g_autoptr(GHashTable) m = stas_ctrl_spec_parse(
		"transport = tcp ; traddr = localhost ; ; ; kato=31; "
		"dhchap-ctrl-secret=DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0:",
		w);

	assert_map(m, 4, "transport", "tcp");
	assert_string_equal(g_hash_table_lookup(m, "traddr"), "localhost");
	assert_string_equal(g_hash_table_lookup(m, "kato"), "31");
	assert_string_equal(g_hash_table_lookup(m, "dhchap-ctrl-secret"),
			    "DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0:");
	assert_int_equal(w->len, 0);
}

static void
test_reference_examples_parse(void **state)
{
	g_autoptr(GHashTable) m1 =
		stas_ctrl_spec_parse("transport=tcp;traddr=localhost;trsvcid=8009", NULL);
	g_autoptr(GHashTable) m2 = stas_ctrl_spec_parse(
		"transport=tcp;traddr=2001:db8::370:7334;host-iface=enp0s8;nqn=nqn.x", NULL);

	assert_map(m1, 3, "trsvcid", "8009");
	assert_map(m2, 4, "traddr", "2001:db8::370:7334");
	assert_string_equal(g_hash_table_lookup(m2, "host-iface"), "enp0s8");
	assert_string_equal(g_hash_table_lookup(m2, "subsysnqn"), "nqn.x");
}

static void
test_nqn_is_renamed_subsysnqn(void **state)
{
	g_autoptr(GHashTable) m = stas_ctrl_spec_parse("nqn=nqn.2014-08.org.example:sub", NULL);

	assert_map(m, 1, "subsysnqn", "nqn.2014-08.org.example:sub");
	assert_null(g_hash_table_lookup(m, "nqn"));
}

static void
test_later_duplicates_overwrite_with_a_warning(void **state)
{
	g_autoptr(GPtrArray) w = warnings_new();
	g_autoptr(GHashTable) m = stas_ctrl_spec_parse("traddr=1.1.1.1;traddr=2.2.2.2", w);

	assert_map(m, 1, "traddr", "2.2.2.2");
	assert_int_equal(w->len, 1);
	assert_string_equal(w->pdata[0],
			    "key \"traddr\" given more than once, the last value is used");
}

static void
test_keys_are_case_sensitive_and_empty_values_kept(void **state)
{
	g_autoptr(GHashTable) m = stas_ctrl_spec_parse("Transport=tcp;trsvcid=", NULL);

	assert_map(m, 2, "Transport", "tcp");
	assert_null(g_hash_table_lookup(m, "transport"));
	assert_string_equal(g_hash_table_lookup(m, "trsvcid"), "");
}

static void
test_a_secret_without_equals_is_not_quoted(void **state)
{
	g_autoptr(GPtrArray) w = warnings_new();
	g_autoptr(GHashTable) m = stas_ctrl_spec_parse("dhchap-secret DHHC-1:00:c2VjcmV0:", w);

	assert_map(m, 0, NULL, NULL);
	assert_int_equal(w->len, 1);
	assert_string_equal(w->pdata[0], "token <redacted> has no \"=\", ignored");
}

static void
test_a_secret_in_a_repeated_key_is_not_quoted(void **state)
{
	g_autoptr(GPtrArray) w = warnings_new();
	g_autoptr(GHashTable) m = stas_ctrl_spec_parse("dhhc-1:00:abc=x;dhhc-1:00:abc=y", w);

	assert_map(m, 1, "dhhc-1:00:abc", "y");
	assert_int_equal(w->len, 1);
	assert_string_equal(w->pdata[0], "key <redacted> given more than once, the last value is "
					 "used");
}

static void
test_exclude_drops_host_traddr(void **state)
{
	g_autoptr(GPtrArray) w = warnings_new();
	g_autoptr(GHashTable) m =
		stas_ctrl_spec_parse_exclude("host-traddr=1.2.3.4;nqn=nqn.x;traddr=5.6.7.8", w);

	assert_map(m, 2, "subsysnqn", "nqn.x");
	assert_null(g_hash_table_lookup(m, "host-traddr"));
	assert_int_equal(w->len, 1);
	assert_string_equal(w->pdata[0], "host-traddr does not take part in exclusion, ignored");
}

static void
test_exclusion_is_a_minimal_match(void **state)
{
	g_autoptr(StasTid) tid = tid_of("transport=tcp;traddr=10.0.0.1;trsvcid=8009;"
					"nqn=nqn.a;host-iface=enp0s8;kato=31");
	g_autoptr(GHashTable) exact = stas_ctrl_spec_parse_exclude(
		"transport=tcp;traddr=10.0.0.1;trsvcid=8009;nqn=nqn.a;host-iface=enp0s8", NULL);
	g_autoptr(GHashTable) partial = stas_ctrl_spec_parse_exclude("traddr=10.0.0.1", NULL);
	g_autoptr(GHashTable) mismatch =
		stas_ctrl_spec_parse_exclude("traddr=10.0.0.1;trsvcid=4420", NULL);
	g_autoptr(GHashTable) missing = stas_ctrl_spec_parse_exclude("foo=bar", NULL);
	g_autoptr(GHashTable) cfg_key = stas_ctrl_spec_parse_exclude("kato=31", NULL);

	assert_true(stas_ctrl_spec_excludes(exact, tid));
	assert_true(stas_ctrl_spec_excludes(partial, tid));
	assert_false(stas_ctrl_spec_excludes(mismatch, tid));
	assert_false(stas_ctrl_spec_excludes(missing, tid));
	assert_true(stas_ctrl_spec_excludes(cfg_key, tid));
}

static void
test_exclude_by_host_iface_excludes_everything_behind_it(void **state)
{
	g_autoptr(StasTid) a = tid_of("transport=tcp;traddr=10.0.0.1;host-iface=enp0s8");
	g_autoptr(StasTid) b = tid_of("transport=rdma;traddr=10.0.0.2;host-iface=enp0s8;nqn=x");
	g_autoptr(StasTid) c = tid_of("transport=tcp;traddr=10.0.0.1;host-iface=enp0s9");
	g_autoptr(GHashTable) ex = stas_ctrl_spec_parse_exclude("host-iface=enp0s8", NULL);

	assert_true(stas_ctrl_spec_excludes(ex, a));
	assert_true(stas_ctrl_spec_excludes(ex, b));
	assert_false(stas_ctrl_spec_excludes(ex, c));
}

static void
test_exclusion_list_any_entry_excludes(void **state)
{
	g_autoptr(StasTid) tid = tid_of("transport=tcp;traddr=10.0.0.1;nqn=nqn.b");
	g_autoptr(GPtrArray) none =
		g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	g_autoptr(GPtrArray) two =
		g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);

	assert_false(stas_ctrl_spec_excluded(none, tid));
	assert_false(stas_ctrl_spec_excluded(NULL, tid));
	g_ptr_array_add(two, stas_ctrl_spec_parse_exclude("traddr=10.0.0.9", NULL));
	assert_false(stas_ctrl_spec_excluded(two, tid));
	g_ptr_array_add(two, stas_ctrl_spec_parse_exclude("nqn=nqn.b", NULL));
	assert_true(stas_ctrl_spec_excluded(two, tid));
}

static void
test_empty_exclude_matches_nothing(void **state)
{
	/* Q2: upstream's bare exclude= excludes every controller */
	g_autoptr(StasTid) tid = tid_of("transport=tcp;traddr=10.0.0.1");
	g_autoptr(GHashTable) empty = stas_ctrl_spec_parse_exclude("", NULL);
	g_autoptr(GHashTable) junk = stas_ctrl_spec_parse_exclude("junk", NULL);

	assert_false(stas_ctrl_spec_excludes(empty, tid));
	assert_false(stas_ctrl_spec_excludes(junk, tid));
	assert_false(stas_ctrl_spec_excludes(NULL, tid));
}

static void
test_exclusion_compares_ip_addresses_as_addresses(void **state)
{
	/* Q20 */
	g_autoptr(StasTid) v4 = tid_of("transport=tcp;traddr=1.2.3.4");
	g_autoptr(StasTid) v6 = tid_of("transport=rdma;traddr=2001:db8::1");
	g_autoptr(StasTid) ll = tid_of("transport=tcp;traddr=fe80::1");
	g_autoptr(GHashTable) mapped = stas_ctrl_spec_parse_exclude("traddr=::ffff:1.2.3.4", NULL);
	g_autoptr(GHashTable) long6 = stas_ctrl_spec_parse_exclude("traddr=2001:DB8:0:0::1", NULL);
	g_autoptr(GHashTable) upper = stas_ctrl_spec_parse_exclude("traddr=FE80::1", NULL);
	g_autoptr(GHashTable) other = stas_ctrl_spec_parse_exclude("traddr=1.2.3.5", NULL);

	assert_true(stas_ctrl_spec_excludes(mapped, v4));
	assert_true(stas_ctrl_spec_excludes(long6, v6));
	assert_true(stas_ctrl_spec_excludes(upper, ll));
	assert_false(stas_ctrl_spec_excludes(other, v4));
	assert_false(stas_ctrl_spec_excludes(mapped, v6));
}

static void
test_exclusion_host_traddr_compares_as_address_too(void **state)
{
	/* host-traddr is not in exclude= strings, but the matcher takes any map */
	g_autoptr(StasTid) tid = tid_of("transport=tcp;traddr=1.2.3.4;host-traddr=10.0.0.1");
	g_autoptr(GHashTable) ex = map_of("host-traddr", "::ffff:10.0.0.1", NULL);

	assert_true(stas_ctrl_spec_excludes(ex, tid));
}

static void
test_exclusion_of_fc_ignores_case_and_loop_is_exact(void **state)
{
	g_autoptr(StasTid) fc =
		tid_of("transport=fc;traddr=nn-0x20000090fa942779:pn-0x10000090fa942779");
	g_autoptr(StasTid) loop = tid_of("transport=loop;traddr=Abc");
	g_autoptr(GHashTable) fc_ex = stas_ctrl_spec_parse_exclude(
		"traddr=NN-0x20000090FA942779:PN-0x10000090FA942779", NULL);
	g_autoptr(GHashTable) loop_ex = stas_ctrl_spec_parse_exclude("traddr=abc", NULL);

	assert_true(stas_ctrl_spec_excludes(fc_ex, fc));
	assert_false(stas_ctrl_spec_excludes(loop_ex, loop));
}

static void
test_exclusion_of_other_keys_is_exact(void **state)
{
	g_autoptr(StasTid) tid = tid_of("transport=tcp;traddr=1.2.3.4;nqn=nqn.A;host-nqn=nqn.h");
	g_autoptr(GHashTable) lower = stas_ctrl_spec_parse_exclude("nqn=nqn.a", NULL);
	g_autoptr(GHashTable) host = stas_ctrl_spec_parse_exclude("host-nqn=nqn.h", NULL);
	g_autoptr(GHashTable) port = stas_ctrl_spec_parse_exclude("trsvcid=8009", NULL);

	assert_false(stas_ctrl_spec_excludes(lower, tid));
	assert_true(stas_ctrl_spec_excludes(host, tid));
	/* the TID's defaulted port takes part */
	assert_true(stas_ctrl_spec_excludes(port, tid));
}

static void
test_map_equal_compares_keys_and_values(void **state)
{
	/* Q22: a changed controller= line must be noticed */
	g_autoptr(GHashTable) a = map_of("transport", "tcp", "kato", "30", NULL);
	g_autoptr(GHashTable) b = map_of("kato", "30", "transport", "tcp", NULL);
	g_autoptr(GHashTable) c = map_of("transport", "tcp", "kato", "31", NULL);
	g_autoptr(GHashTable) d = map_of("transport", "tcp", NULL);
	g_autoptr(GHashTable) e = map_of("transport", "tcp", "katoo", "30", NULL);
	g_autoptr(GHashTable) empty = map_of(NULL);

	assert_true(stas_ctrl_spec_map_equal(a, b));
	assert_false(stas_ctrl_spec_map_equal(a, c));
	assert_false(stas_ctrl_spec_map_equal(a, d));
	assert_false(stas_ctrl_spec_map_equal(a, e));
	assert_true(stas_ctrl_spec_map_equal(empty, NULL));
	assert_true(stas_ctrl_spec_map_equal(NULL, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_string_gives_an_empty_map),
		cmocka_unit_test(test_token_without_equals_is_dropped_with_a_warning),
		cmocka_unit_test(test_controller_token_splits_at_first_equals),
		cmocka_unit_test(test_dhchap_secret_keeps_its_base64_padding),
		cmocka_unit_test(test_mixed_valid_and_invalid_tokens_keep_the_valid_ones),
		cmocka_unit_test(test_whitespace_and_empty_tokens_are_ignored),
		cmocka_unit_test(test_reference_examples_parse),
		cmocka_unit_test(test_nqn_is_renamed_subsysnqn),
		cmocka_unit_test(test_later_duplicates_overwrite_with_a_warning),
		cmocka_unit_test(test_keys_are_case_sensitive_and_empty_values_kept),
		cmocka_unit_test(test_a_secret_without_equals_is_not_quoted),
		cmocka_unit_test(test_a_secret_in_a_repeated_key_is_not_quoted),
		cmocka_unit_test(test_exclude_drops_host_traddr),
		cmocka_unit_test(test_exclusion_is_a_minimal_match),
		cmocka_unit_test(test_exclude_by_host_iface_excludes_everything_behind_it),
		cmocka_unit_test(test_exclusion_list_any_entry_excludes),
		cmocka_unit_test(test_empty_exclude_matches_nothing),
		cmocka_unit_test(test_exclusion_compares_ip_addresses_as_addresses),
		cmocka_unit_test(test_exclusion_host_traddr_compares_as_address_too),
		cmocka_unit_test(test_exclusion_of_fc_ignores_case_and_loop_is_exact),
		cmocka_unit_test(test_exclusion_of_other_keys_is_exact),
		cmocka_unit_test(test_map_equal_compares_keys_and_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
