/* SPDX-License-Identifier: Apache-2.0 */
/* ip address helpers: REFERENCE 5.20 (address equality) and test-iputil.py */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stas/stas-iputil.h"

static void
test_parses_ipv4_and_ipv6_literals(void **state)
{
	StasIpAddr a;

	assert_true(stas_ip_parse("192.168.1.2", FALSE, &a));
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.bytes[0], 192);
	assert_int_equal(a.bytes[3], 2);
	assert_true(stas_ip_parse("2001:db8::370:7334", FALSE, &a));
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.bytes[0], 0x20);
	assert_int_equal(a.bytes[15], 0x34);
}

static void
test_rejects_what_is_not_an_ip_literal(void **state)
{
	const char *bad[] = {
		"",
		"555.555.555.555",
		"localhost",
		"1.2.3",
		"1.2.3.4,hostnqn=x",
		" 1.2.3.4",
		"1.2.3.4 ",
		"[::1]",
		"::1%",
		"%eth0",
		"1.2.3.4\n",
		"::g",
		"1.2.3.4%eth0",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		if (stas_ip_parse(bad[i], TRUE, NULL))
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_false(stas_ip_parse(NULL, TRUE, NULL));
}

static void
test_ipv6_zone_is_ignored(void **state)
{
	assert_true(stas_ip_equal("fe80::1%eth0", "fe80::1"));
}

static void
test_ipv4_mapped_unmaps_only_when_asked(void **state)
{
	StasIpAddr a;

	assert_true(stas_ip_parse("::ffff:1.2.3.4", FALSE, &a));
	assert_int_equal(a.family, AF_INET6);
	assert_true(stas_ip_parse("::ffff:1.2.3.4", TRUE, &a));
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.bytes[0], 1);
	assert_int_equal(a.bytes[3], 4);
}

static void
test_equality_treats_ipv4_and_mapped_form_as_equal(void **state)
{
	assert_true(stas_ip_equal("1.2.3.4", "::ffff:102:304"));
	assert_true(stas_ip_equal("::ffff:1.2.3.4", "1.2.3.4"));
	assert_false(stas_ip_equal("1.2.3.4", "1.2.3.5"));
}

static void
test_equality_normalises_ipv6_spelling(void **state)
{
	assert_true(stas_ip_equal("2001:DB8::1", "2001:0db8:0:0:0:0:0:1"));
	assert_true(stas_ip_equal("::1", "0:0:0:0:0:0:0:1"));
	assert_false(stas_ip_equal("::1", "::2"));
}

static void
test_equality_is_false_when_either_is_not_an_ip(void **state)
{
	assert_false(stas_ip_equal("abc", "abc"));
	assert_false(stas_ip_equal("", ""));
	assert_false(stas_ip_equal(NULL, "1.1.1.1"));
}

static void
test_to_string_is_canonical(void **state)
{
	StasIpAddr a;
	g_autofree char *s4 = NULL;
	g_autofree char *s6 = NULL;

	assert_true(stas_ip_parse("::ffff:10.0.0.1", TRUE, &a));
	s4 = stas_ip_to_string(&a);
	assert_string_equal(s4, "10.0.0.1");
	assert_true(stas_ip_parse("2001:0DB8:0000::0001", FALSE, &a));
	s6 = stas_ip_to_string(&a);
	assert_string_equal(s6, "2001:db8::1");
}

static void
test_family_of_text(void **state)
{
	assert_int_equal(stas_ip_family("10.0.0.1"), AF_INET);
	assert_int_equal(stas_ip_family("::ffff:10.0.0.1"), AF_INET);
	assert_int_equal(stas_ip_family("fe80::1"), AF_INET6);
	assert_int_equal(stas_ip_family("host.example"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_ipv4_and_ipv6_literals),
		cmocka_unit_test(test_rejects_what_is_not_an_ip_literal),
		cmocka_unit_test(test_ipv6_zone_is_ignored),
		cmocka_unit_test(test_ipv4_mapped_unmaps_only_when_asked),
		cmocka_unit_test(test_equality_treats_ipv4_and_mapped_form_as_equal),
		cmocka_unit_test(test_equality_normalises_ipv6_spelling),
		cmocka_unit_test(test_equality_is_false_when_either_is_not_an_ip),
		cmocka_unit_test(test_to_string_is_canonical),
		cmocka_unit_test(test_family_of_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
