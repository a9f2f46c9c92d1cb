/* SPDX-License-Identifier: Apache-2.0 */
/* stas-validate: the grammar of strings that may reach the kernel */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "stas/stas-error.h"
#include "stas/stas-validate.h"

typedef gboolean (*ValidateFn)(const char *transport, const char *value, GError **error);

/* FALSE with STAS_ERROR_INVALID and a message containing want */
static void
assert_rejected(gboolean ok, GError *error, const char *want)
{
	assert_false(ok);
	assert_non_null(error);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	if (want && !strstr(error->message, want)) {
		print_error("message \"%s\" lacks \"%s\"\n", error->message, want);
		fail();
	}
}

static void
expect_ok(ValidateFn fn, const char *transport, const char *value)
{
	g_autoptr(GError) error = NULL;

	if (!fn(transport, value, &error)) {
		print_error("%s \"%s\" rejected: %s\n", transport, value, error->message);
		fail();
	}
	assert_null(error);
}

static void
expect_bad(ValidateFn fn, const char *transport, const char *value, const char *want)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = fn(transport, value, &error);

	if (ok)
		print_error("%s \"%s\" accepted\n", transport, value);
	assert_rejected(ok, error, want);
}

static void
test_transport_names_are_tcp_rdma_fc_loop(void **state)
{
	const char *good[] = {"tcp", "rdma", "fc", "loop"};
	const char *bad[] = {"", "TCP", "pcie", "tcp ", "unspecified", "3"};

	for (gsize i = 0; i < G_N_ELEMENTS(good); i++)
		assert_true(stas_validate_transport(good[i], NULL));
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		gboolean ok = stas_validate_transport(bad[i], &error);

		assert_rejected(ok, error, "transport");
	}
	assert_false(stas_validate_transport(NULL, NULL));
}

static void
test_tcp_rdma_traddr_is_a_numeric_ip_literal(void **state)
{
	const char *transports[] = {"tcp", "rdma"};

	for (gsize t = 0; t < G_N_ELEMENTS(transports); t++) {
		expect_ok(stas_validate_traddr, transports[t], "192.168.1.20");
		expect_ok(stas_validate_traddr, transports[t], "::1");
		expect_ok(stas_validate_traddr, transports[t], "fe80::1%eth0");
		expect_ok(stas_validate_traddr, transports[t], "::ffff:10.0.0.1");
		expect_bad(stas_validate_traddr, transports[t], "", "empty");
		expect_bad(stas_validate_traddr, transports[t], "host.example.com",
			   "not a numeric IPv4 or IPv6 address");
		expect_bad(stas_validate_traddr, transports[t], "1.2.3", "not a numeric");
		expect_bad(stas_validate_traddr, transports[t], "1.2.3.256", "not a numeric");
		expect_bad(stas_validate_traddr, transports[t], "[::1]", "not a numeric");
	}
}

static void
test_traddr_with_option_separators_is_rejected(void **state)
{
	/* the SPEC 5 example: the kernel would read a second option */
	expect_bad(stas_validate_traddr, "tcp", "1.2.3.4,hostnqn=x", "',' at offset 7");
	expect_bad(stas_validate_traddr, "tcp", "1.2.3.4=", "'=' at offset 7");
	expect_bad(stas_validate_traddr, "tcp", "1.2.3.4 ", "whitespace at offset 7");
	expect_bad(stas_validate_traddr, "tcp", "1.2.3.4\n", "non-printable byte 0x0a at offset 7");
	expect_bad(stas_validate_traddr, "tcp", "1.2.\x81.4", "non-printable byte 0x81");
	/* stas_ip_parse() ignores the zone text: the validator must not */
	expect_bad(stas_validate_traddr, "tcp", "fe80::1%eth0,hostnqn=x", "','");
	expect_bad(stas_validate_traddr, "tcp", "fe80::1%a/b", "zone");
	expect_bad(stas_validate_traddr, "tcp", "fe80::1%", "not a numeric");
}

static void
test_fc_traddr_is_nn_and_pn_with_16_hex_digits(void **state)
{
	expect_ok(stas_validate_traddr, "fc", "nn-0x200000109b579ef6:pn-0x100000109b579ef6");
	expect_ok(stas_validate_traddr, "fc", "nn-0x20000010ABCDEF00:pn-0x10000010abcdef00");
	expect_bad(stas_validate_traddr, "fc", "", "nn-0x<16 hex digits>:pn-0x<16 hex digits>");
	expect_bad(stas_validate_traddr, "fc", "nn-0x200000109b579ef:pn-0x100000109b579ef6",
		   "nn-0x");
	expect_bad(stas_validate_traddr, "fc", "nn-0x200000109b579ef6:pn-0x100000109b579eg6",
		   "nn-0x");
	expect_bad(stas_validate_traddr, "fc", "nn-0x200000109b579ef6-pn-0x100000109b579ef6",
		   "nn-0x");
	expect_bad(stas_validate_traddr, "fc", "NN-0x200000109b579ef6:pn-0x100000109b579ef6",
		   "nn-0x");
	expect_bad(stas_validate_traddr, "fc", "nn-0x200000109b579ef6:pn-0x100000109b579ef60",
		   "nn-0x");
	expect_bad(stas_validate_traddr, "fc", "nn-0x200000109b579ef6:pn-0x100000109b579ef,",
		   "','");
	expect_bad(stas_validate_traddr, "fc", "10.0.0.1", "nn-0x");
}

static void
test_loop_traddr_is_any_token_or_empty(void **state)
{
	expect_ok(stas_validate_traddr, "loop", "");
	expect_ok(stas_validate_traddr, "loop", "whatever-1:2");
	expect_bad(stas_validate_traddr, "loop", "a,b", "','");
	expect_bad(stas_validate_traddr, "loop", "a=b", "'='");
	expect_bad(stas_validate_traddr, "loop", "a b", "whitespace");
	expect_bad(stas_validate_traddr, "loop", "a\tb", "non-printable");
}

static void
test_traddr_of_an_unknown_transport_is_rejected(void **state)
{
	expect_bad(stas_validate_traddr, "pcie", "0000:00:01.0", "transport \"pcie\"");
	expect_bad(stas_validate_traddr, NULL, "1.2.3.4", "transport");
}

static void
test_trsvcid_is_a_decimal_port_for_tcp_and_rdma(void **state)
{
	expect_ok(stas_validate_trsvcid, "tcp", "1");
	expect_ok(stas_validate_trsvcid, "tcp", "4420");
	expect_ok(stas_validate_trsvcid, "rdma", "8009");
	expect_ok(stas_validate_trsvcid, "tcp", "65535");
	expect_bad(stas_validate_trsvcid, "tcp", "", "empty");
	expect_bad(stas_validate_trsvcid, "tcp", "0", "port 0");
	expect_bad(stas_validate_trsvcid, "tcp", "04420", "leading zero");
	expect_bad(stas_validate_trsvcid, "tcp", "65536", "out of range 1..65535");
	expect_bad(stas_validate_trsvcid, "rdma", "99999999999999999999999", "out of range");
	expect_bad(stas_validate_trsvcid, "tcp", "+4420", "not a decimal port number");
	expect_bad(stas_validate_trsvcid, "tcp", "-1", "not a decimal");
	expect_bad(stas_validate_trsvcid, "tcp", "0x10", "not a decimal");
	expect_bad(stas_validate_trsvcid, "tcp", "4420,hostnqn=x", "not a decimal");
	expect_bad(stas_validate_trsvcid, "tcp", " 4420", "not a decimal");
}

static void
test_trsvcid_is_empty_for_fc_and_loop(void **state)
{
	expect_ok(stas_validate_trsvcid, "fc", "");
	expect_ok(stas_validate_trsvcid, "loop", NULL);
	expect_bad(stas_validate_trsvcid, "fc", "4420", "must be empty for fc");
	expect_bad(stas_validate_trsvcid, "loop", "none", "must be empty for loop");
	expect_bad(stas_validate_trsvcid, "bogus", "4420", "transport");
}

static void
expect_nqn(const char *nqn, const char *want)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = stas_validate_nqn(nqn, &error);

	if (want == NULL) {
		if (!ok)
			print_error("NQN \"%s\" rejected: %s\n", nqn, error->message);
		assert_true(ok);
		return;
	}
	assert_rejected(ok, error, want);
}

static void
test_nqn_starts_with_nqn_dot_and_is_a_printable_token(void **state)
{
	g_autofree char *max = g_strnfill(STAS_NQN_MAX_LEN, 'a');
	g_autofree char *too_long = g_strnfill(STAS_NQN_MAX_LEN + 1, 'a');

	memcpy(max, "nqn.", 4);
	memcpy(too_long, "nqn.", 4);
	expect_nqn("nqn.2014-08.org.nvmexpress.discovery", NULL);
	expect_nqn("nqn.1988-11.com.dell:SFSS:2:20220208134025e8", NULL);
	expect_nqn("nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5", NULL);
	expect_nqn(max, NULL);
	expect_nqn(too_long, "longer than 223 bytes");
	expect_nqn("", "empty");
	expect_nqn(NULL, "empty");
	expect_nqn("nqn", "does not start with \"nqn.\"");
	expect_nqn("NQN.2014-08.org.x", "does not start with");
	expect_nqn("uuid:1234", "does not start with");
	expect_nqn("nqn.2014-08.org.x,hostnqn=y", "',' at offset 17");
	expect_nqn("nqn.2014-08.org.x=y", "'='");
	expect_nqn("nqn.2014-08.org x", "whitespace");
	expect_nqn("nqn.2014-08.org.x\x7f", "non-printable byte 0x7f");
	expect_nqn("nqn.2014-08.org.\xc3\xa9", "non-printable byte 0xc3");
}

static void
expect_iface(const char *iface, const char *want)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = stas_validate_iface(iface, &error);

	if (want == NULL) {
		assert_true(ok);
		return;
	}
	assert_rejected(ok, error, want);
}

static void
test_interface_names_follow_the_kernel_rules(void **state)
{
	expect_iface("eth0", NULL);
	expect_iface("wlp0s20f3", NULL);
	expect_iface("enp0s1.100", NULL);
	expect_iface("a23456789012345", NULL); /* IFNAMSIZ - 1 */
	expect_iface("a234567890123456", "longer than 15 bytes");
	expect_iface("", "empty");
	expect_iface(NULL, "empty");
	expect_iface("eth/0", "'/'");
	expect_iface("eth0:1", "':'");
	expect_iface("eth0,x", "','");
	expect_iface("eth0=x", "'='");
	expect_iface("eth 0", "whitespace");
	expect_iface("eth0\n", "non-printable");
	expect_iface(".", "not a valid name");
	expect_iface("..", "not a valid name");
}

static void
test_host_traddr_follows_the_transport(void **state)
{
	expect_ok(stas_validate_host_traddr, "tcp", "");
	expect_ok(stas_validate_host_traddr, "tcp", NULL);
	expect_ok(stas_validate_host_traddr, "tcp", "10.0.0.2");
	expect_ok(stas_validate_host_traddr, "rdma", "fd00::2");
	expect_ok(stas_validate_host_traddr, "fc", "nn-0x200000109b579ef6:pn-0x100000109b579ef6");
	expect_ok(stas_validate_host_traddr, "loop", "x");
	expect_bad(stas_validate_host_traddr, "tcp", "myhost", "host-traddr \"myhost\"");
	expect_bad(stas_validate_host_traddr, "tcp", "10.0.0.2,x=y", "','");
	expect_bad(stas_validate_host_traddr, "fc", "10.0.0.2", "nn-0x");
	expect_bad(stas_validate_host_traddr, "loop", "a=b", "'='");
	expect_bad(stas_validate_host_traddr, "nope", "", "transport");
}

static void
test_token_allows_empty_and_names_the_field(void **state)
{
	g_autoptr(GError) error = NULL;
	gboolean ok;

	assert_true(stas_validate_token("x", "", NULL));
	assert_true(stas_validate_token("x", NULL, NULL));
	assert_true(stas_validate_token("x", "abc:-_.", NULL));
	ok = stas_validate_token("kato", "1,2", &error);
	assert_rejected(ok, error, "kato \"1,2\": ','");
}

static void
test_printable_ascii_is_0x20_to_0x7e(void **state)
{
	assert_true(stas_str_is_printable_ascii("", -1));
	assert_true(stas_str_is_printable_ascii(" ~", -1));
	assert_true(stas_str_is_printable_ascii(NULL, -1));
	assert_true(stas_str_is_printable_ascii(NULL, 3));
	assert_false(stas_str_is_printable_ascii("\x1f", -1));
	assert_false(stas_str_is_printable_ascii("\x7f", -1));
	assert_false(stas_str_is_printable_ascii("a\0b", 3));
	assert_true(stas_str_is_printable_ascii("a\0b", 1));
}

static void
test_quote_escapes_and_cuts_untrusted_text(void **state)
{
	g_autofree char *plain = stas_str_quote("1.2.3.4", -1);
	g_autofree char *esc = stas_str_quote("a\"b\\c\n\xff", -1);
	g_autofree char *nul = stas_str_quote("a\0b", 3);
	g_autofree char *long_in = g_strnfill(100, 'x');
	g_autofree char *cut = stas_str_quote(long_in, -1);
	g_autofree char *want_cut = g_strdup_printf("\"%.*s\"...", 64, long_in);
	g_autofree char *null = stas_str_quote(NULL, -1);
	g_autofree char *null_len = stas_str_quote(NULL, 5);

	assert_string_equal(plain, "\"1.2.3.4\"");
	assert_string_equal(esc, "\"a\\\"b\\\\c\\x0a\\xff\"");
	assert_string_equal(nul, "\"a\\x00b\"");
	assert_string_equal(cut, want_cut);
	assert_string_equal(null, "\"\"");
	assert_string_equal(null_len, "\"\"");
}

static StasTid *
tid(const char *transport, const char *traddr, const char *trsvcid, const char *nqn,
    const char *host_traddr, const char *host_iface, const char *host_nqn)
{
	StasTidDefaults d = {.kind = STAS_TID_KIND_IOC};

	return stas_tid_new(transport, traddr, trsvcid, nqn, host_traddr, host_iface, host_nqn, &d);
}

static void
expect_tid(StasTid *t, const char *want)
{
	g_autoptr(StasTid) owned = t;
	g_autoptr(GError) error = NULL;
	gboolean ok = stas_validate_tid(owned, &error);

	if (want == NULL) {
		if (!ok)
			print_error("%s rejected: %s\n", stas_tid_to_string(owned), error->message);
		assert_true(ok);
		return;
	}
	assert_rejected(ok, error, want);
}

static void
test_tid_is_checked_field_by_field_before_a_connect(void **state)
{
	const char *nqn = "nqn.2014-08.org.nvmexpress.discovery";
	const char *hnqn = "nqn.2014-08.org.nvmexpress:uuid:1";

	expect_tid(tid("tcp", "10.0.0.1", "8009", nqn, "", "", ""), NULL);
	expect_tid(tid("tcp", "10.0.0.1", "4420", nqn, "10.0.0.2", "eth0", hnqn), NULL);
	expect_tid(tid("fc", "nn-0x200000109b579ef6:pn-0x100000109b579ef6", "", nqn,
		       "nn-0x200000109b579ef7:pn-0x100000109b579ef7", "", ""),
		   NULL);
	expect_tid(tid("loop", "", "", nqn, "", "", ""), NULL);
	expect_tid(tid("pcie", "x", "", nqn, "", "", ""), "transport");
	expect_tid(tid("tcp", "1.2.3.4,hostnqn=x", "4420", nqn, "", "", ""), "traddr");
	expect_tid(tid("tcp", "1.2.3.4", "44a", nqn, "", "", ""), "trsvcid");
	expect_tid(tid("tcp", "1.2.3.4", "4420", "", "", "", ""), "NQN \"\": empty");
	expect_tid(tid("tcp", "1.2.3.4", "4420", "nqn.x,y", "", "", ""), "NQN");
	expect_tid(tid("tcp", "1.2.3.4", "4420", nqn, "h", "", ""), "host-traddr");
	expect_tid(tid("tcp", "1.2.3.4", "4420", nqn, "", "eth0,x", ""), "interface");
	expect_tid(tid("tcp", "1.2.3.4", "4420", nqn, "", "", "host nqn"), "NQN \"host nqn\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transport_names_are_tcp_rdma_fc_loop),
		cmocka_unit_test(test_tcp_rdma_traddr_is_a_numeric_ip_literal),
		cmocka_unit_test(test_traddr_with_option_separators_is_rejected),
		cmocka_unit_test(test_fc_traddr_is_nn_and_pn_with_16_hex_digits),
		cmocka_unit_test(test_loop_traddr_is_any_token_or_empty),
		cmocka_unit_test(test_traddr_of_an_unknown_transport_is_rejected),
		cmocka_unit_test(test_trsvcid_is_a_decimal_port_for_tcp_and_rdma),
		cmocka_unit_test(test_trsvcid_is_empty_for_fc_and_loop),
		cmocka_unit_test(test_nqn_starts_with_nqn_dot_and_is_a_printable_token),
		cmocka_unit_test(test_interface_names_follow_the_kernel_rules),
		cmocka_unit_test(test_host_traddr_follows_the_transport),
		cmocka_unit_test(test_token_allows_empty_and_names_the_field),
		cmocka_unit_test(test_printable_ascii_is_0x20_to_0x7e),
		cmocka_unit_test(test_quote_escapes_and_cuts_untrusted_text),
		cmocka_unit_test(test_tid_is_checked_field_by_field_before_a_connect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
