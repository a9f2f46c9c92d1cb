/* SPDX-License-Identifier: Apache-2.0 */
/*
 * time spans: REFERENCE 2.6 "Time span grammar" and upstream
 * test-timeparse.py / the vendored pytimeparse doctests.  expected values
 * were checked against upstream staslib/timeparse.py under python3.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stas/stas-timeparse.h"

typedef struct {
	const char *text;
	double seconds;
} Case;

static void
check_cases(const Case *cases, gsize n)
{
	for (gsize i = 0; i < n; i++) {
		double v = -12345.0;

		if (!stas_timeparse(cases[i].text, &v))
			fail_msg("rejected \"%s\"", cases[i].text);
		if (v != cases[i].seconds)
			fail_msg("\"%s\" gave %.17g, want %.17g", cases[i].text, v,
				 cases[i].seconds);
	}
}

static void
check_rejected(const char *const *bad, gsize n)
{
	for (gsize i = 0; i < n; i++) {
		double v = 12345.0;

		if (stas_timeparse(bad[i], &v))
			fail_msg("accepted \"%s\" as %.17g", bad[i], v);
		/* the output is untouched on failure */
		assert_true(v == 12345.0);
	}
}

static void
test_reference_examples(void **state)
{
	static const Case cases[] = {
		{"1", 1},
		{"1s", 1},
		{"1:01", 61},
		{"1 day", 86400},
		{"0.5", 0.5},
		{"-1", -1},
		{":22", 22},
		{"1 minute, 24 secs", 84},
		{"1.2 minutes", 72},
		{"1.2 seconds", 1.2},
		{"- 1 minute", -60},
		{"72hours", 259200},
		{"3 days 5 hours", 3 * 86400 + 5 * 3600},
	};

	check_cases(cases, G_N_ELEMENTS(cases));
}

static void
test_unparsable_text_is_rejected(void **state)
{
	static const char *const bad[] = {"blah", "", "   ", "-", "+", "s", "days"};

	check_rejected(bad, G_N_ELEMENTS(bad));
	assert_false(stas_timeparse(NULL, NULL));
}

static void
test_pytimeparse_doctests(void **state)
{
	static const Case cases[] = {
		{"1:24", 84},
		{"1m24s", 84},
		{"+ 1 minute", 60},
	};

	check_cases(cases, G_N_ELEMENTS(cases));
}

static void
test_plain_numbers_follow_python_float(void **state)
{
	static const Case cases[] = {
		{"  42  ", 42}, {"+7", 7},     {"-0.25", -0.25}, {".5", 0.5},
		{"5.", 5},	{"1e3", 1000}, {"2E-1", 0.2},	 {"\t10\n", 10},
	};

	check_cases(cases, G_N_ELEMENTS(cases));
}

static void
test_every_unit_spelling_is_accepted_in_any_case(void **state)
{
	static const Case cases[] = {
		{"2d", 172800},	   {"2dy", 172800},    {"2dys", 172800}, {"2day", 172800},
		{"2days", 172800}, {"2 DAYS", 172800}, {"2h", 7200},	 {"2hr", 7200},
		{"2hrs", 7200},	   {"2hour", 7200},    {"2Hours", 7200}, {"2m", 120},
		{"2min", 120},	   {"2mins", 120},     {"2minute", 120}, {"2MINUTES", 120},
		{"2s", 2},	   {"2sec", 2},	       {"2secs", 2},	 {"2second", 2},
		{"2seconds", 2},   {"2 Sec", 2},
	};

	check_cases(cases, G_N_ELEMENTS(cases));
}

static void
test_units_combine_in_order_with_optional_separators(void **state)
{
	static const Case cases[] = {
		{"1d2h3m4s", 93784},
		{"1 day, 2 hours, 3 minutes, 4 seconds", 93784},
		{"1d/2h/3m 4s", 93784},
		{"1 day ,2h", 93600},
		{"2h 4s", 7204},
		{"1 day,", 86400}, /* a separator may trail any unit but seconds */
		{"  5 m  ", 300},
	};

	check_cases(cases, G_N_ELEMENTS(cases));
}

static void
test_units_out_of_order_or_repeated_are_rejected(void **state)
{
	static const char *const bad[] = {
		"1h 1d",  "1s 1m",   "1m 1m", "1 day 2 day", "4s,",	"1d,,2h", ",1d",   "1 ms",
		"1 dayx", "1 weeks", "1w",    "1 m in",	     "1.2.3 s", ". s",	  "1..5m", "1 1",
	};

	check_rejected(bad, G_N_ELEMENTS(bad));
}

static void
test_clock_forms(void **state)
{
	static const Case cases[] = {
		{"1:01", 61},
		{"12:34", 754},
		{"0:99", 99}, /* minutes and seconds are not range checked */
		{"1:02:03", 3723},
		{"100:00:00", 360000},
		{"1:02:03:04", 93784},
		{":05", 5},
		{" :05 ", 5},
		{"1:01.5", 61.5},
		{"1:00:00.25", 3600.25},
		{"2 days 1:00:00", 176400},
		{"2d,1:00:00", 176400},
		{"2d1:00:00", 176400},
		{"-1:00", -60},
		{"- :30", -30},
	};

	check_cases(cases, G_N_ELEMENTS(cases));
}

static void
test_malformed_clocks_are_rejected(void **state)
{
	static const char *const bad[] = {
		"123:45", "1:2",    "1:234",	       ":5",
		":",	  "1:",	    "1:02:3",	       "1:02:03:04:05",
		"1:01.",  "1:01.x", "2 hours 1:00:00", "1 1:00:00",
		":05 s",  "1:01 2",
	};

	check_rejected(bad, G_N_ELEMENTS(bad));
}

static void
test_integer_seconds_truncate_the_other_fields(void **state)
{
	/* upstream: with whole (or no) seconds, the rest is cut to whole seconds */
	static const Case cases[] = {
		{"0.01 minutes", 0},
		{"1.1 minutes", 66},
		{"1.5 hours 30 secs", 5430},
		{"0.5 days", 43200},
		/* fractional seconds: everything is summed as floats */
		{"0.01 minutes 0.5 secs", 0.01 * 60.0 + 0.5},
		{"1.1 minutes 1.0 s", 1.1 * 60.0 + 1.0},
	};

	check_cases(cases, G_N_ELEMENTS(cases));
}

static void
test_sign_applies_to_the_whole_span(void **state)
{
	/* upstream gives -60 for the last one (whole seconds stay positive) */
	static const Case cases[] = {
		{"-1m30s", -90},
		{"- 1 day 1:00:00", -90000},
		{"-1.5 minutes 30 secs", -120},
	};

	check_cases(cases, G_N_ELEMENTS(cases));
}

static void
test_a_sign_needs_a_unit_or_a_clock(void **state)
{
	/* float("- 1") fails and "1" alone is not a unit form */
	static const char *const bad[] = {"- 1", "+ 5", "--1", "-+1m", "|5m", "1-", "-1 -1"};

	check_rejected(bad, G_N_ELEMENTS(bad));
}

static void
test_nan_inf_and_overflow_are_rejected(void **state)
{
	static const char *const bad[] = {
		"nan",
		"NaN",
		"inf",
		"-inf",
		"infinity",
		"1e400",
		"-1e400",
		"0x10",
		"1e",
		"1e+",
		"1_000", /* python float() takes underscores; we do not */
		"99999999999999999999999999999999999999999999999999999999999999999999999999999999"
		"99999999999999999999999999999999999999999999999999999999999999999999999999999999"
		"99999999999999999999999999999999999999999999999999999999999999999999999999999999"
		"99999999999999999999999999999999999999999999999999999999999999999999999999999999"
		"9 days",
	};

	check_rejected(bad, G_N_ELEMENTS(bad));
}

static void
test_output_pointer_may_be_null(void **state)
{
	assert_true(stas_timeparse("5m", NULL));
	assert_false(stas_timeparse("x", NULL));
}

static void
test_fuzz_regressions(void **state)
{
	/* embedded control bytes and lone dots must not be read past */
	static const char *const bad[] = {"1\x01s", ".", "..", "1:0\x80", "\xff"};

	check_rejected(bad, G_N_ELEMENTS(bad));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_examples),
		cmocka_unit_test(test_unparsable_text_is_rejected),
		cmocka_unit_test(test_pytimeparse_doctests),
		cmocka_unit_test(test_plain_numbers_follow_python_float),
		cmocka_unit_test(test_every_unit_spelling_is_accepted_in_any_case),
		cmocka_unit_test(test_units_combine_in_order_with_optional_separators),
		cmocka_unit_test(test_units_out_of_order_or_repeated_are_rejected),
		cmocka_unit_test(test_clock_forms),
		cmocka_unit_test(test_malformed_clocks_are_rejected),
		cmocka_unit_test(test_integer_seconds_truncate_the_other_fields),
		cmocka_unit_test(test_sign_applies_to_the_whole_span),
		cmocka_unit_test(test_a_sign_needs_a_unit_or_a_clock),
		cmocka_unit_test(test_nan_inf_and_overflow_are_rejected),
		cmocka_unit_test(test_output_pointer_may_be_null),
		cmocka_unit_test(test_fuzz_regressions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
