/* SPDX-License-Identifier: Apache-2.0 */
/* stas-timer: restartable one-shot timers and their text form (REFERENCE 3.5, 5.11) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "stas/stas-timer.h"

typedef struct {
	guint fired;
	GString *order;
	const char *name;
} Counter;

static void
on_fire(gpointer data)
{
	Counter *c = data;

	c->fired++;
	if (c->order)
		g_string_append(c->order, c->name);
}

static void
assert_timer_string(const StasTimer *timer, const char *expected)
{
	g_autofree char *s = stas_timer_to_string(timer);

	assert_string_equal(s, expected);
}

static void
test_timer_off_prints_interval_as_float_and_off(void **state)
{
	g_autoptr(StasClock) clock = stas_clock_new_manual(0);
	Counter c = {0};
	g_autoptr(StasTimer) timer = stas_timer_new(clock, 60, on_fire, &c);

	assert_false(stas_timer_is_running(timer));
	assert_timer_string(timer, "60.0s [off]");
	stas_timer_set_interval(timer, 1.5);
	assert_timer_string(timer, "1.5s [off]");
}

static void
test_timer_running_prints_remaining_with_two_decimals(void **state)
{
	g_autoptr(StasClock) clock = stas_clock_new_manual(0);
	Counter c = {0};
	g_autoptr(StasTimer) timer = stas_timer_new(clock, 3, on_fire, &c);

	stas_timer_start(timer);
	assert_timer_string(timer, "3.0s [3.00s]");
	stas_clock_advance(clock, 0.59);
	assert_timer_string(timer, "3.0s [2.41s]");
	assert_true(stas_timer_get_remaining(timer) > 2.40 &&
		    stas_timer_get_remaining(timer) < 2.42);
}

static void
test_timer_fires_once_at_its_deadline(void **state)
{
	g_autoptr(StasClock) clock = stas_clock_new_manual(0);
	Counter c = {0};
	g_autoptr(StasTimer) timer = stas_timer_new(clock, 3, on_fire, &c);

	stas_timer_start(timer);
	stas_clock_advance(clock, 2.999);
	assert_int_equal(c.fired, 0);
	stas_clock_advance(clock, 0.001);
	assert_int_equal(c.fired, 1);
	assert_false(stas_timer_is_running(timer));
	assert_timer_string(timer, "3.0s [off]");
	stas_clock_advance(clock, 100);
	assert_int_equal(c.fired, 1);
}

static void
test_timer_restart_moves_the_deadline(void **state)
{
	g_autoptr(StasClock) clock = stas_clock_new_manual(0);
	Counter c = {0};
	g_autoptr(StasTimer) timer = stas_timer_new(clock, 1.5, on_fire, &c);

	stas_timer_start(timer);
	stas_clock_advance(clock, 1.0);
	stas_timer_start(timer);
	stas_clock_advance(clock, 1.0);
	assert_int_equal(c.fired, 0);
	stas_clock_advance(clock, 0.5);
	assert_int_equal(c.fired, 1);
}

static void
test_timer_stop_prevents_firing_and_new_interval_applies_at_next_start(void **state)
{
	g_autoptr(StasClock) clock = stas_clock_new_manual(0);
	Counter c = {0};
	g_autoptr(StasTimer) timer = stas_timer_new(clock, 60, on_fire, &c);

	stas_timer_start(timer);
	stas_timer_set_interval(timer, 3);
	assert_timer_string(timer, "3.0s [60.00s]");
	stas_timer_stop(timer);
	stas_clock_advance(clock, 120);
	assert_int_equal(c.fired, 0);
	assert_true(stas_timer_get_remaining(timer) == 0);
	stas_timer_start(timer);
	stas_clock_advance(clock, 3);
	assert_int_equal(c.fired, 1);
}

static void
test_manual_clock_fires_due_timers_in_deadline_order(void **state)
{
	g_autoptr(StasClock) clock = stas_clock_new_manual(0);
	g_autoptr(GString) order = g_string_new(NULL);
	Counter a = {.order = order, .name = "a"};
	Counter b = {.order = order, .name = "b"};
	g_autoptr(StasTimer) ta = stas_timer_new(clock, 5, on_fire, &a);
	g_autoptr(StasTimer) tb = stas_timer_new(clock, 2, on_fire, &b);

	stas_timer_start(ta);
	stas_timer_start(tb);
	stas_clock_advance(clock, 10);
	assert_string_equal(order->str, "ba");
}

static void
test_manual_clock_moves_wall_time(void **state)
{
	g_autoptr(StasClock) clock = stas_clock_new_manual(1000 * G_USEC_PER_SEC);

	assert_true(stas_clock_is_manual(clock));
	stas_clock_advance(clock, 2.5);
	assert_true(stas_clock_get_real_time(clock) == 1002500000);
	assert_true(stas_clock_get_monotonic(clock) == 2500000);
}

static gboolean
on_deadline(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

static void
test_real_clock_fires_from_the_main_loop(void **state)
{
	g_autoptr(StasClock) clock = stas_clock_new();
	Counter c = {0};
	g_autoptr(StasTimer) timer = stas_timer_new(clock, 0.01, on_fire, &c);
	gboolean late = FALSE;
	guint guard = g_timeout_add(5000, on_deadline, &late);

	assert_false(stas_clock_is_manual(clock));
	stas_timer_start(timer);
	assert_true(stas_timer_is_running(timer));
	while (c.fired == 0 && !late)
		g_main_context_iteration(NULL, TRUE);
	assert_int_equal(c.fired, 1);
	assert_false(stas_timer_is_running(timer));
	g_source_remove(guard);
}

static void
test_real_clock_stop_removes_the_source(void **state)
{
	g_autoptr(StasClock) clock = stas_clock_new();
	Counter c = {0};
	StasTimer *timer = stas_timer_new(clock, 0.001, on_fire, &c);
	gboolean done = FALSE;

	stas_timer_start(timer);
	stas_timer_free(timer);
	g_timeout_add(20, on_deadline, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
	assert_int_equal(c.fired, 0);
}

static void
check_float(double v, const char *expected)
{
	g_autofree char *s = stas_format_py_float(v);

	assert_string_equal(s, expected);
}

static void
check_number(double v, const char *expected)
{
	g_autofree char *s = stas_format_py_number(v);

	assert_string_equal(s, expected);
}

static void
test_python_float_spellings(void **state)
{
	check_float(60, "60.0");
	check_float(3, "3.0");
	check_float(0, "0.0");
	check_float(1.5, "1.5");
	check_float(0.2, "0.2");
	check_float(259200, "259200.0");
	check_float(0.1 + 0.2, "0.30000000000000004");
	check_number(259200, "259200");
	check_number(0.5, "0.5");
	check_number(-1, "-1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_off_prints_interval_as_float_and_off),
		cmocka_unit_test(test_timer_running_prints_remaining_with_two_decimals),
		cmocka_unit_test(test_timer_fires_once_at_its_deadline),
		cmocka_unit_test(test_timer_restart_moves_the_deadline),
		cmocka_unit_test(
			test_timer_stop_prevents_firing_and_new_interval_applies_at_next_start),
		cmocka_unit_test(test_manual_clock_fires_due_timers_in_deadline_order),
		cmocka_unit_test(test_manual_clock_moves_wall_time),
		cmocka_unit_test(test_real_clock_fires_from_the_main_loop),
		cmocka_unit_test(test_real_clock_stop_removes_the_source),
		cmocka_unit_test(test_python_float_spellings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
