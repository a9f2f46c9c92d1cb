/* SPDX-License-Identifier: Apache-2.0 */
/* stas-mdns-txt: TXT records of mDNS-announced DCs and the identity they give */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "stas/stas-error.h"
#include "stas/stas-mdns-txt.h"
#include "stas/stas-tid.h"

#define DISC_NQN "nqn.2014-08.org.nvmexpress.discovery"
#define DC_NQN	 "nqn.1988-11.com.dell:SFSS:2:20220208134025e8"

/* TXT items from C strings (NUL-terminated, so no NUL inside) */
static GPtrArray *
items_of(const char *first, ...)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	va_list ap;

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		g_ptr_array_add(items, g_bytes_new(s, strlen(s)));
	va_end(ap);
	return items;
}

static StasMdnsTxt *
txt_of(GPtrArray *items)
{
	g_autoptr(GPtrArray) owned = items;

	return stas_mdns_txt_parse(owned, "(eth0, IPv4, dc1._nvme-disc._tcp.local)");
}

/* identify a service on eth0 192.168.1.5:8009 */
static GHashTable *
identify(StasMdnsTxt *txt, gboolean tp8013, GError **error)
{
	return stas_mdns_txt_identify(txt, "eth0", "192.168.1.5", 8009, tp8013, error);
}

static void
assert_identity(GHashTable *map, const char *transport, const char *traddr, const char *trsvcid,
		const char *host_iface, const char *subsysnqn)
{
	assert_non_null(map);
	assert_int_equal(g_hash_table_size(map), 5);
	assert_string_equal(g_hash_table_lookup(map, "transport"), transport);
	assert_string_equal(g_hash_table_lookup(map, "traddr"), traddr);
	assert_string_equal(g_hash_table_lookup(map, "trsvcid"), trsvcid);
	assert_string_equal(g_hash_table_lookup(map, "host-iface"), host_iface);
	assert_string_equal(g_hash_table_lookup(map, "subsysnqn"), subsysnqn);
}

static void
assert_error(GHashTable *map, GError *error, const char *want)
{
	assert_null(map);
	assert_non_null(error);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	if (!strstr(error->message, want)) {
		print_error("message \"%s\" lacks \"%s\"\n", error->message, want);
		fail();
	}
}

static void
assert_diag(StasMdnsTxt *txt, guint i, const char *want)
{
	GPtrArray *d = stas_mdns_txt_get_diagnostics(txt);

	assert_true(i < d->len);
	if (!strstr(d->pdata[i], want)) {
		print_error("diagnostic \"%s\" lacks \"%s\"\n", (char *)d->pdata[i], want);
		fail();
	}
}

/* ---- protocol ---- */

static void
test_p_tcp_gives_a_tcp_dc_on_the_interface(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("p=tcp", NULL));
	g_autoptr(GHashTable) map = identify(txt, FALSE, NULL);

	assert_identity(map, "tcp", "192.168.1.5", "8009", "eth0", DISC_NQN);
}

static void
test_p_roce_iwarp_rdma_give_rdma_without_host_iface(void **state)
{
	const char *protocols[] = {"p=roce", "p=iwarp", "p=rdma", "p=RDMA", "p=RoCE", "p= iWARP "};

	for (gsize i = 0; i < G_N_ELEMENTS(protocols); i++) {
		g_autoptr(StasMdnsTxt) txt = txt_of(items_of(protocols[i], NULL));
		g_autoptr(GHashTable) map = identify(txt, FALSE, NULL);

		assert_identity(map, "rdma", "192.168.1.5", "8009", "", DISC_NQN);
	}
}

static void
test_protocol_value_is_trimmed_and_case_insensitive(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("P=  TCP ", NULL));
	g_autoptr(GHashTable) map = identify(txt, FALSE, NULL);

	assert_identity(map, "tcp", "192.168.1.5", "8009", "eth0", DISC_NQN);
	assert_string_equal(stas_mdns_protocol_to_transport("Tcp"), "tcp");
	assert_null(stas_mdns_protocol_to_transport(NULL));
	assert_null(stas_mdns_protocol_to_transport(""));
	assert_null(stas_mdns_protocol_to_transport("tcpx"));
}

static void
test_unknown_protocol_is_refused_with_the_upstream_message(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("p=walmart", "NQN=" DC_NQN, NULL));
	g_autoptr(GError) error = NULL;
	GHashTable *map = identify(txt, TRUE, &error);

	assert_error(map, error, "");
	assert_string_equal(error->message,
			    "Received invalid/undefined protocol in mDNS TXT field: "
			    "address=192.168.1.5, iface=eth0, TXT={'p': 'walmart', 'nqn': '" DC_NQN
			    "'}");
}

static void
test_missing_protocol_is_refused_with_the_upstream_message(void **state)
{
	g_autoptr(StasMdnsTxt) none = txt_of(items_of(NULL));
	g_autoptr(StasMdnsTxt) empty = txt_of(items_of("p=", "x=1", NULL));
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	GHashTable *m1 = identify(none, FALSE, &e1);
	GHashTable *m2 = identify(empty, FALSE, &e2);

	assert_error(m1, e1, "");
	assert_string_equal(e1->message, "Received invalid/undefined protocol in mDNS TXT field: "
					 "address=192.168.1.5, iface=eth0, TXT={}");
	assert_error(m2, e2, "TXT={'p': '', 'x': '1'}");
}

/* ---- nqn and TP8013 ---- */

static void
test_nqn_is_used_only_when_the_kernel_supports_tp8013(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("p=tcp", "nqn=" DC_NQN, NULL));
	g_autoptr(GHashTable) with = identify(txt, TRUE, NULL);
	g_autoptr(GHashTable) without = identify(txt, FALSE, NULL);

	assert_identity(with, "tcp", "192.168.1.5", "8009", "eth0", DC_NQN);
	assert_identity(without, "tcp", "192.168.1.5", "8009", "eth0", DISC_NQN);
}

static void
test_nqn_key_is_case_insensitive_and_its_value_trimmed(void **state)
{
	g_autoptr(StasMdnsTxt) upper = txt_of(items_of("p=tcp", "NQN=" DC_NQN, NULL));
	g_autoptr(StasMdnsTxt) mixed = txt_of(items_of("p=tcp", "Nqn=  " DC_NQN "  ", NULL));
	g_autoptr(GHashTable) m1 = identify(upper, TRUE, NULL);
	g_autoptr(GHashTable) m2 = identify(mixed, TRUE, NULL);

	assert_identity(m1, "tcp", "192.168.1.5", "8009", "eth0", DC_NQN);
	assert_identity(m2, "tcp", "192.168.1.5", "8009", "eth0", DC_NQN);
}

static void
test_missing_or_empty_nqn_falls_back_to_the_well_known_nqn(void **state)
{
	g_autoptr(StasMdnsTxt) missing = txt_of(items_of("p=tcp", NULL));
	g_autoptr(StasMdnsTxt) empty = txt_of(items_of("p=tcp", "nqn=  ", NULL));
	g_autoptr(GHashTable) m1 = identify(missing, TRUE, NULL);
	g_autoptr(GHashTable) m2 = identify(empty, TRUE, NULL);

	assert_identity(m1, "tcp", "192.168.1.5", "8009", "eth0", DISC_NQN);
	assert_identity(m2, "tcp", "192.168.1.5", "8009", "eth0", DISC_NQN);
}

static void
test_hostile_nqn_is_refused_with_tp8013_and_unused_without(void **state)
{
	/* "nqn=nqn.x,hostnqn=y" has two '=' and never gets this far */
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("p=tcp", "nqn=nqn.x,hostnqn", NULL));
	g_autoptr(StasMdnsTxt) notnqn = txt_of(items_of("p=tcp", "nqn=iqn.2001-04.x", NULL));
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	GHashTable *bad1 = identify(txt, TRUE, &e1);
	GHashTable *bad2 = identify(notnqn, TRUE, &e2);
	g_autoptr(GHashTable) ok = identify(txt, FALSE, NULL);

	assert_error(bad1, e1, "");
	assert_string_equal(e1->message, "Invalid nqn in mDNS record: address=192.168.1.5, "
					 "iface=eth0: NQN \"nqn.x,hostnqn\": ',' at offset 5");
	assert_error(bad2, e2, "does not start with \"nqn.\"");
	assert_identity(ok, "tcp", "192.168.1.5", "8009", "eth0", DISC_NQN);
}

/* ---- items ---- */

static void
test_non_printable_items_are_skipped(void **state)
{
	g_autoptr(StasMdnsTxt) txt =
		txt_of(items_of("p=tcp\x01", "nqn=nqn.\xc3\xa9", "a=\t", NULL));
	g_autoptr(GError) error = NULL;
	GHashTable *map = identify(txt, FALSE, &error);

	assert_int_equal(stas_mdns_txt_size(txt), 0);
	assert_error(map, error, "TXT={}");
	assert_int_equal(stas_mdns_txt_get_diagnostics(txt)->len, 3);
	assert_diag(txt, 0,
		    "(eth0, IPv4, dc1._nvme-disc._tcp.local): mDNS TXT item 0 "
		    "\"p=tcp\\x01\" skipped: not printable ASCII");
	assert_diag(txt, 1, "item 1 \"nqn=nqn.\\xc3\\xa9\" skipped: not printable ASCII");
	assert_diag(txt, 2, "item 2");
}

static void
test_a_nul_byte_inside_an_item_makes_it_non_printable(void **state)
{
	g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(StasMdnsTxt) txt = NULL;

	g_ptr_array_add(items, g_bytes_new("p=tcp\0x", 7));
	txt = stas_mdns_txt_parse(items, NULL);
	assert_null(stas_mdns_txt_lookup(txt, "p"));
	assert_diag(txt, 0, "mDNS TXT item 0 \"p=tcp\\x00x\" skipped: not printable ASCII");
}

static void
test_items_need_exactly_one_equals_sign(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("p=tcp=x", "ptcp", "nqn==x", "a=b", NULL));

	assert_int_equal(stas_mdns_txt_size(txt), 1);
	assert_string_equal(stas_mdns_txt_lookup(txt, "a"), "b");
	assert_null(stas_mdns_txt_lookup(txt, "p"));
	assert_null(stas_mdns_txt_lookup(txt, "nqn"));
	assert_diag(txt, 0, "item 0 \"p=tcp=x\" skipped: not exactly one '='");
	assert_diag(txt, 1, "item 1 \"ptcp\" skipped: not exactly one '='");
	assert_diag(txt, 2, "item 2 \"nqn==x\" skipped: not exactly one '='");
}

static void
test_empty_keys_are_skipped_and_empty_items_ignored(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("=tcp", "", "p=tcp", NULL));
	g_autoptr(GPtrArray) with_null = g_ptr_array_new();
	g_autoptr(StasMdnsTxt) nulls = NULL;

	assert_int_equal(stas_mdns_txt_size(txt), 1);
	assert_int_equal(stas_mdns_txt_get_diagnostics(txt)->len, 1);
	assert_diag(txt, 0, "item 0 \"=tcp\" skipped: empty key");

	g_ptr_array_add(with_null, NULL);
	nulls = stas_mdns_txt_parse(with_null, NULL);
	assert_int_equal(stas_mdns_txt_size(nulls), 0);
	assert_int_equal(stas_mdns_txt_get_diagnostics(nulls)->len, 0);
	stas_mdns_txt_free(stas_mdns_txt_parse(NULL, NULL));
}

static void
test_keys_are_lower_cased_and_values_kept_as_is(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("Vendor= Dell  Inc ", "EMPTY=", NULL));
	g_autofree char *repr = stas_mdns_txt_to_string(txt);

	assert_string_equal(stas_mdns_txt_lookup(txt, "vendor"), " Dell  Inc ");
	assert_string_equal(stas_mdns_txt_lookup(txt, "empty"), "");
	assert_null(stas_mdns_txt_lookup(txt, "Vendor"));
	assert_string_equal(repr, "{'vendor': ' Dell  Inc ', 'empty': ''}");
}

static void
test_a_repeated_key_keeps_its_place_and_its_last_value(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("p=walmart", "x=1", "P=tcp", NULL));
	g_autofree char *repr = stas_mdns_txt_to_string(txt);
	g_autoptr(GHashTable) map = identify(txt, FALSE, NULL);

	assert_string_equal(repr, "{'p': 'tcp', 'x': '1'}");
	assert_identity(map, "tcp", "192.168.1.5", "8009", "eth0", DISC_NQN);
}

static void
test_the_txt_dict_reads_like_a_python_repr(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(
		items_of("a=it's", "b=say \"hi\"", "c=both ' and \"", "d=back\\slash", NULL));
	g_autofree char *repr = stas_mdns_txt_to_string(txt);

	assert_string_equal(repr, "{'a': \"it's\", 'b': 'say \"hi\"', "
				  "'c': 'both \\' and \"', 'd': 'back\\\\slash'}");
}

static void
test_items_over_255_bytes_are_skipped(void **state)
{
	g_autofree char *max = g_strnfill(255, 'v');
	g_autofree char *over = g_strnfill(256, 'w');
	g_autoptr(StasMdnsTxt) txt = NULL;

	max[0] = 'k';
	max[1] = '=';
	over[0] = 'p';
	over[1] = '=';
	txt = txt_of(items_of(max, over, NULL));
	assert_int_equal(stas_mdns_txt_size(txt), 1);
	assert_int_equal(strlen(stas_mdns_txt_lookup(txt, "k")), 253);
	assert_diag(txt, 0, "item 1 \"p=www");
	assert_diag(txt, 0, "\"... skipped: longer than 255 bytes");
}

static void
test_the_record_is_bounded_in_total(void **state)
{
	g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(StasMdnsTxt) txt = NULL;
	g_autoptr(GError) error = NULL;
	GHashTable *map;

	/* 32 items of 255 bytes plus their length bytes fill 8192 exactly */
	for (guint i = 0; i < 40; i++) {
		g_autofree char *item = g_strnfill(255, 'v');
		g_autofree char *key = g_strdup_printf("k%02u=", i);

		memcpy(item, key, 4);
		g_ptr_array_add(items, g_bytes_new(item, 255));
	}
	g_ptr_array_add(items, g_bytes_new("p=tcp", 5));
	txt = stas_mdns_txt_parse(items, NULL);
	assert_int_equal(stas_mdns_txt_size(txt), 32);
	assert_non_null(stas_mdns_txt_lookup(txt, "k31"));
	assert_null(stas_mdns_txt_lookup(txt, "k32"));
	assert_int_equal(stas_mdns_txt_get_diagnostics(txt)->len, 1);
	assert_diag(txt, 0, "mDNS TXT record longer than 8192 bytes: items from 32 on ignored");
	map = identify(txt, FALSE, &error);
	assert_error(map, error, "Received invalid/undefined protocol");
}

static void
test_one_huge_item_ends_the_record(void **state)
{
	g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(StasMdnsTxt) txt = NULL;
	gsize big = 1 << 20;
	g_autofree char *data = g_malloc0(big);

	g_ptr_array_add(items, g_bytes_new("p=tcp", 5));
	g_ptr_array_add(items, g_bytes_new_take(g_steal_pointer(&data), big));
	g_ptr_array_add(items, g_bytes_new("x=1", 3));
	txt = stas_mdns_txt_parse(items, NULL);
	assert_int_equal(stas_mdns_txt_size(txt), 1);
	assert_diag(txt, 0, "items from 1 on ignored");
}

/* ---- the untrusted endpoint ---- */

static void
expect_bad_endpoint(const char *iface, const char *address, guint port, const char *proto,
		    const char *want)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of(proto, NULL));
	g_autoptr(GError) error = NULL;
	GHashTable *map = stas_mdns_txt_identify(txt, iface, address, port, FALSE, &error);

	assert_error(map, error, want);
}

static void
test_hostile_addresses_are_refused(void **state)
{
	expect_bad_endpoint("eth0", "1.2.3.4,hostnqn=x", 8009, "p=tcp",
			    "Invalid address in mDNS record: address=1.2.3.4,hostnqn=x, "
			    "iface=eth0: traddr \"1.2.3.4,hostnqn=x\": ',' at offset 7");
	expect_bad_endpoint("eth0", "1.2.\x01.4", 8009, "p=tcp",
			    "address=1.2.\\x01.4, iface=eth0: traddr \"1.2.\\x01.4\": "
			    "non-printable byte 0x01");
	expect_bad_endpoint("eth0", "dc1.local", 8009, "p=tcp", "not a numeric IPv4 or IPv6");
	expect_bad_endpoint("eth0", "", 8009, "p=tcp", "traddr \"\": empty");
	expect_bad_endpoint("eth0", NULL, 8009, "p=rdma", "traddr \"\": empty");
	expect_bad_endpoint("eth0", "0.0.0.0", 8009, "p=tcp", "the unspecified address");
	expect_bad_endpoint("eth0", "::", 8009, "p=roce", "the unspecified address");
	expect_bad_endpoint("eth0", "fe80::1%eth0,x", 8009, "p=tcp", "','");
}

static void
test_address_is_trimmed_and_may_be_ipv6(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("p=tcp", NULL));
	g_autoptr(GHashTable) v4 =
		stas_mdns_txt_identify(txt, "eth0", " 10.0.0.1 ", 4420, FALSE, NULL);
	g_autoptr(GHashTable) v6 =
		stas_mdns_txt_identify(txt, "eth0", "fe80::1", 8009, FALSE, NULL);

	assert_identity(v4, "tcp", "10.0.0.1", "4420", "eth0", DISC_NQN);
	assert_identity(v6, "tcp", "fe80::1", "8009", "eth0", DISC_NQN);
}

static void
test_port_must_be_1_to_65535(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("p=tcp", NULL));
	g_autoptr(GHashTable) max =
		stas_mdns_txt_identify(txt, "eth0", "10.0.0.1", 65535, FALSE, NULL);

	assert_identity(max, "tcp", "10.0.0.1", "65535", "eth0", DISC_NQN);
	expect_bad_endpoint("eth0", "10.0.0.1", 0, "p=tcp",
			    "Invalid port in mDNS record: address=10.0.0.1, iface=eth0: port 0: "
			    "not in 1..65535");
	expect_bad_endpoint("eth0", "10.0.0.1", 65536, "p=tcp", "port 65536: not in 1..65535");
}

static void
test_interface_is_checked_for_tcp_only(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("p=rdma", NULL));
	g_autoptr(GHashTable) rdma =
		stas_mdns_txt_identify(txt, "bad,iface", "10.0.0.1", 4420, FALSE, NULL);

	assert_identity(rdma, "rdma", "10.0.0.1", "4420", "", DISC_NQN);
	expect_bad_endpoint("bad,iface", "10.0.0.1", 8009, "p=tcp",
			    "Invalid interface in mDNS record: address=10.0.0.1, "
			    "iface=bad,iface: interface \"bad,iface\": ','");
	expect_bad_endpoint(NULL, "10.0.0.1", 8009, "p=tcp", "interface \"\": empty");
	expect_bad_endpoint("averyveryverylongname", "10.0.0.1", 8009, "p=tcp",
			    "longer than 15 bytes");
}

static void
test_identity_builds_a_dc_tid(void **state)
{
	g_autoptr(StasMdnsTxt) txt = txt_of(items_of("p=tcp", "nqn=" DC_NQN, NULL));
	g_autoptr(GHashTable) map = identify(txt, TRUE, NULL);
	StasTidDefaults d = {.kind = STAS_TID_KIND_DC, .host_nqn = "nqn.host"};
	g_autoptr(StasTid) tid = stas_tid_new_from_map(map, &d);

	assert_string_equal(stas_tid_to_string(tid), "(tcp, 192.168.1.5, 8009, " DC_NQN ", eth0)");
	assert_string_equal(tid->host_traddr, "");
	assert_string_equal(tid->host_nqn, "nqn.host");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p_tcp_gives_a_tcp_dc_on_the_interface),
		cmocka_unit_test(test_p_roce_iwarp_rdma_give_rdma_without_host_iface),
		cmocka_unit_test(test_protocol_value_is_trimmed_and_case_insensitive),
		cmocka_unit_test(test_unknown_protocol_is_refused_with_the_upstream_message),
		cmocka_unit_test(test_missing_protocol_is_refused_with_the_upstream_message),
		cmocka_unit_test(test_nqn_is_used_only_when_the_kernel_supports_tp8013),
		cmocka_unit_test(test_nqn_key_is_case_insensitive_and_its_value_trimmed),
		cmocka_unit_test(test_missing_or_empty_nqn_falls_back_to_the_well_known_nqn),
		cmocka_unit_test(test_hostile_nqn_is_refused_with_tp8013_and_unused_without),
		cmocka_unit_test(test_non_printable_items_are_skipped),
		cmocka_unit_test(test_a_nul_byte_inside_an_item_makes_it_non_printable),
		cmocka_unit_test(test_items_need_exactly_one_equals_sign),
		cmocka_unit_test(test_empty_keys_are_skipped_and_empty_items_ignored),
		cmocka_unit_test(test_keys_are_lower_cased_and_values_kept_as_is),
		cmocka_unit_test(test_a_repeated_key_keeps_its_place_and_its_last_value),
		cmocka_unit_test(test_the_txt_dict_reads_like_a_python_repr),
		cmocka_unit_test(test_items_over_255_bytes_are_skipped),
		cmocka_unit_test(test_the_record_is_bounded_in_total),
		cmocka_unit_test(test_one_huge_item_ends_the_record),
		cmocka_unit_test(test_hostile_addresses_are_refused),
		cmocka_unit_test(test_address_is_trimmed_and_may_be_ipv6),
		cmocka_unit_test(test_port_must_be_1_to_65535),
		cmocka_unit_test(test_interface_is_checked_for_tcp_only),
		cmocka_unit_test(test_identity_builds_a_dc_tid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
