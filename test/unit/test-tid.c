/* SPDX-License-Identifier: Apache-2.0 */
/* transport identifier: REFERENCE 5.2, SPEC Q6 and B3 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stas/stas-tid.h"

static const StasTidDefaults dc_defaults = {
	.kind = STAS_TID_KIND_DC,
	.host_nqn = "nqn.2014-08.org.nvmexpress:uuid:sys-conf",
	.ignore_iface = FALSE,
};

static const StasTidDefaults ioc_defaults = {
	.kind = STAS_TID_KIND_IOC,
	.host_nqn = "nqn.2014-08.org.nvmexpress:uuid:sys-conf",
	.ignore_iface = FALSE,
};

/* a char* -> char* map from alternating key, value arguments, NULL-terminated */
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

static void
test_tcp_dc_without_trsvcid_defaults_to_8009(void **state)
{
	g_autoptr(GHashTable) m = map_of("transport", "tcp", "traddr", "1.2.3.4", NULL);
	g_autoptr(StasTid) tid = stas_tid_new_from_map(m, &dc_defaults);

	assert_string_equal(tid->trsvcid, "8009");
}

static void
test_tcp_ioc_without_trsvcid_defaults_to_4420(void **state)
{
	g_autoptr(GHashTable) m =
		map_of("transport", "tcp", "traddr", "1.2.3.4", "trsvcid", "", NULL);
	g_autoptr(StasTid) tid = stas_tid_new_from_map(m, &ioc_defaults);

	assert_string_equal(tid->trsvcid, "4420");
}

static void
test_rdma_defaults_to_4420_and_keeps_given_port(void **state)
{
	g_autoptr(GHashTable) m1 = map_of("transport", "rdma", "traddr", "1.2.3.4", NULL);
	g_autoptr(GHashTable) m2 =
		map_of("transport", "rdma", "traddr", "1.2.3.4", "trsvcid", "4444", NULL);
	g_autoptr(StasTid) t1 = stas_tid_new_from_map(m1, &dc_defaults);
	g_autoptr(StasTid) t2 = stas_tid_new_from_map(m2, &dc_defaults);

	assert_string_equal(t1->trsvcid, "4420");
	assert_string_equal(t2->trsvcid, "4444");
}

static void
test_fc_and_loop_have_no_trsvcid(void **state)
{
	g_autoptr(GHashTable) m1 =
		map_of("transport", "fc", "traddr", "nn-0x1:pn-0x2", "trsvcid", "8009", NULL);
	g_autoptr(GHashTable) m2 = map_of("transport", "loop", "trsvcid", "1", NULL);
	g_autoptr(StasTid) t1 = stas_tid_new_from_map(m1, &dc_defaults);
	g_autoptr(StasTid) t2 = stas_tid_new_from_map(m2, &dc_defaults);

	assert_string_equal(t1->trsvcid, "");
	assert_string_equal(t2->trsvcid, "");
}

static void
test_missing_keys_are_empty_strings(void **state)
{
	g_autoptr(StasTid) tid = stas_tid_new_from_map(NULL, &dc_defaults);

	assert_string_equal(tid->transport, "");
	assert_string_equal(tid->traddr, "");
	assert_string_equal(tid->trsvcid, "");
	assert_string_equal(tid->subsysnqn, "");
	assert_string_equal(tid->host_traddr, "");
	assert_string_equal(tid->host_iface, "");
}

static void
test_host_nqn_from_map_even_if_empty_else_sysconf(void **state)
{
	g_autoptr(GHashTable) m1 = map_of("transport", "tcp", "host-nqn", "nqn.x", NULL);
	g_autoptr(GHashTable) m2 = map_of("transport", "tcp", "host-nqn", "", NULL);
	g_autoptr(GHashTable) m3 = map_of("transport", "tcp", NULL);
	g_autoptr(StasTid) t1 = stas_tid_new_from_map(m1, &dc_defaults);
	g_autoptr(StasTid) t2 = stas_tid_new_from_map(m2, &dc_defaults);
	g_autoptr(StasTid) t3 = stas_tid_new_from_map(m3, &dc_defaults);

	assert_string_equal(t1->host_nqn, "nqn.x");
	assert_string_equal(t2->host_nqn, "");
	assert_string_equal(t3->host_nqn, "nqn.2014-08.org.nvmexpress:uuid:sys-conf");
}

static void
test_ignore_iface_blanks_host_iface(void **state)
{
	StasTidDefaults d = dc_defaults;
	g_autoptr(GHashTable) m = map_of("transport", "tcp", "host-iface", "eth0", NULL);
	g_autoptr(StasTid) t1 = NULL;
	g_autoptr(StasTid) t2 = NULL;

	t1 = stas_tid_new_from_map(m, &d);
	d.ignore_iface = TRUE;
	t2 = stas_tid_new_from_map(m, &d);
	assert_string_equal(t1->host_iface, "eth0");
	assert_string_equal(t2->host_iface, "");
}

static void
test_string_form_prints_optional_parts_when_set(void **state)
{
	g_autoptr(GHashTable) m = map_of(
		"transport", "tcp", "traddr", "10.10.10.10", "trsvcid", "8009", "subsysnqn",
		"nqn.1988-11.com.dell:SFSS:2:20220208134025e8", "host-traddr", "1.2.3.4",
		"host-iface", "wlp0s20f3", "host-nqn", "nqn.1988-11.com.dell:poweredge:1234", NULL);
	g_autoptr(GHashTable) bare = map_of("transport", "tcp", "traddr", "::1", NULL);
	g_autoptr(StasTid) tid = stas_tid_new_from_map(m, &dc_defaults);
	g_autoptr(StasTid) btid = stas_tid_new_from_map(bare, &dc_defaults);

	assert_string_equal(stas_tid_to_string(tid),
			    "(tcp, 10.10.10.10, 8009, "
			    "nqn.1988-11.com.dell:SFSS:2:20220208134025e8, wlp0s20f3, 1.2.3.4)");
	assert_string_equal(stas_tid_to_string(btid), "(tcp, ::1, 8009)");
}

static void
test_identity_is_the_seven_fields_not_cfg(void **state)
{
	g_autoptr(GHashTable) m1 =
		map_of("transport", "tcp", "traddr", "1.1.1.1", "kato", "31", NULL);
	g_autoptr(GHashTable) m2 =
		map_of("transport", "tcp", "traddr", "1.1.1.1", "kato", "99", NULL);
	g_autoptr(GHashTable) m3 =
		map_of("transport", "tcp", "traddr", "1.1.1.1", "host-nqn", "nqn.other", NULL);
	g_autoptr(StasTid) a = stas_tid_new_from_map(m1, &dc_defaults);
	g_autoptr(StasTid) b = stas_tid_new_from_map(m2, &dc_defaults);
	g_autoptr(StasTid) c = stas_tid_new_from_map(m3, &dc_defaults);

	assert_true(stas_tid_equal(a, b));
	assert_int_equal(stas_tid_hash(a), stas_tid_hash(b));
	assert_false(stas_tid_equal(a, c));
	assert_string_equal(stas_tid_get_cfg(a, "kato"), "31");
	assert_null(stas_tid_get_cfg(a, "traddr"));
}

static void
test_identity_compares_exact_strings(void **state)
{
	/* no address normalisation in identity: "::1" != "0::1" */
	g_autoptr(StasTid) a = stas_tid_new("tcp", "::1", "8009", "", "", "", "", &dc_defaults);
	g_autoptr(StasTid) b = stas_tid_new("tcp", "0::1", "8009", "", "", "", "", &dc_defaults);
	g_autoptr(StasTid) c = stas_tid_new("tcp", "::1", "", "", "", "", "", &dc_defaults);

	assert_false(stas_tid_equal(a, b));
	/* but defaults are applied before comparing: empty tcp port is 8009 */
	assert_true(stas_tid_equal(a, c));
}

static void
test_field_boundaries_matter_for_identity(void **state)
{
	g_autoptr(StasTid) a = stas_tid_new("tcp", "ab", "1", "c", "", "", "", &dc_defaults);
	g_autoptr(StasTid) b = stas_tid_new("tcp", "a", "1", "bc", "", "", "", &dc_defaults);

	assert_false(stas_tid_equal(a, b));
}

static void
test_tids_key_a_hash_table(void **state)
{
	g_autoptr(GHashTable) set = g_hash_table_new_full(stas_tid_hash, stas_tid_equal,
							  (GDestroyNotify)stas_tid_unref, NULL);
	StasTid *a = stas_tid_new("tcp", "1.1.1.1", "", "nqn.a", "", "", "", &ioc_defaults);
	StasTid *b = stas_tid_new("tcp", "1.1.1.1", "4420", "nqn.a", "", "", "", &ioc_defaults);
	StasTid *c = stas_tid_new("tcp", "1.1.1.1", "4420", "nqn.b", "", "", "", &ioc_defaults);

	assert_true(g_hash_table_add(set, a));
	assert_false(g_hash_table_add(set, b)); /* same identity: b replaces a */
	assert_true(g_hash_table_add(set, c));
	assert_int_equal(g_hash_table_size(set), 2);
}

static void
test_dict_form_has_identity_cfg_and_host_nqn(void **state)
{
	g_autoptr(GHashTable) m = map_of("transport", "tcp", "traddr", "1.1.1.1", "kato", "31",
					 "dhchap-secret", "DHHC-1:00:abc=:", NULL);
	g_autoptr(StasTid) tid = stas_tid_new_from_map(m, &dc_defaults);
	g_autoptr(GHashTable) d = stas_tid_to_map(tid, FALSE);

	assert_int_equal(g_hash_table_size(d), 9);
	assert_string_equal(g_hash_table_lookup(d, "transport"), "tcp");
	assert_string_equal(g_hash_table_lookup(d, "traddr"), "1.1.1.1");
	assert_string_equal(g_hash_table_lookup(d, "trsvcid"), "8009");
	assert_string_equal(g_hash_table_lookup(d, "subsysnqn"), "");
	assert_string_equal(g_hash_table_lookup(d, "host-iface"), "");
	assert_string_equal(g_hash_table_lookup(d, "host-traddr"), "");
	assert_string_equal(g_hash_table_lookup(d, "kato"), "31");
	assert_string_equal(g_hash_table_lookup(d, "dhchap-secret"), "DHHC-1:00:abc=:");
	assert_string_equal(g_hash_table_lookup(d, "host-nqn"),
			    "nqn.2014-08.org.nvmexpress:uuid:sys-conf");
}

static void
test_dict_form_redacts_secrets(void **state)
{
	g_autoptr(GHashTable) m =
		map_of("transport", "tcp", "traddr", "1.1.1.1", "dhchap-secret",
		       "DHHC-1:00:abc=:", "dhchap-ctrl-secret", "DHHC-1:01:xyz:", NULL);
	g_autoptr(StasTid) tid = stas_tid_new_from_map(m, &dc_defaults);
	g_autoptr(GHashTable) d = stas_tid_to_map(tid, TRUE);

	assert_string_equal(g_hash_table_lookup(d, "dhchap-secret"), "<redacted>");
	assert_string_equal(g_hash_table_lookup(d, "dhchap-ctrl-secret"), "<redacted>");
	assert_true(stas_tid_key_is_secret("dhchap-secret"));
	assert_false(stas_tid_key_is_secret("kato"));
}

static void
test_with_traddr_keeps_everything_else(void **state)
{
	g_autoptr(GHashTable) m = map_of("transport", "tcp", "traddr", "localhost", "subsysnqn",
					 "nqn.a", "host-iface", "eth0", "kato", "5", NULL);
	g_autoptr(StasTid) tid = stas_tid_new_from_map(m, &ioc_defaults);
	g_autoptr(StasTid) resolved = stas_tid_new_with_traddr(tid, "127.0.0.1");

	assert_string_equal(resolved->traddr, "127.0.0.1");
	assert_string_equal(resolved->subsysnqn, "nqn.a");
	assert_string_equal(resolved->host_iface, "eth0");
	assert_string_equal(resolved->trsvcid, "4420");
	assert_string_equal(stas_tid_get_cfg(resolved, "kato"), "5");
	assert_false(stas_tid_equal(tid, resolved));
	assert_string_equal(stas_tid_to_string(resolved), "(tcp, 127.0.0.1, 4420, nqn.a, eth0)");
}

static void
test_ref_counting_keeps_tid_alive(void **state)
{
	StasTid *tid = stas_tid_new("tcp", "1.1.1.1", "", "", "", "", "", &dc_defaults);
	StasTid *ref = stas_tid_ref(tid);

	stas_tid_unref(tid);
	assert_string_equal(ref->traddr, "1.1.1.1");
	stas_tid_unref(ref);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_dc_without_trsvcid_defaults_to_8009),
		cmocka_unit_test(test_tcp_ioc_without_trsvcid_defaults_to_4420),
		cmocka_unit_test(test_rdma_defaults_to_4420_and_keeps_given_port),
		cmocka_unit_test(test_fc_and_loop_have_no_trsvcid),
		cmocka_unit_test(test_missing_keys_are_empty_strings),
		cmocka_unit_test(test_host_nqn_from_map_even_if_empty_else_sysconf),
		cmocka_unit_test(test_ignore_iface_blanks_host_iface),
		cmocka_unit_test(test_string_form_prints_optional_parts_when_set),
		cmocka_unit_test(test_identity_is_the_seven_fields_not_cfg),
		cmocka_unit_test(test_identity_compares_exact_strings),
		cmocka_unit_test(test_field_boundaries_matter_for_identity),
		cmocka_unit_test(test_tids_key_a_hash_table),
		cmocka_unit_test(test_dict_form_has_identity_cfg_and_host_nqn),
		cmocka_unit_test(test_dict_form_redacts_secrets),
		cmocka_unit_test(test_with_traddr_keeps_everything_else),
		cmocka_unit_test(test_ref_counting_keeps_tid_alive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
