/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit tests of dc-emu-aen: discovery log change events behave like the
 * kernel's nvmet: one event, then masked until a Get Log Page with RAE=0.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <glib.h>

#include "dc-emu-aen.h"

static int
setup(void **state)
{
	DceAen *a = g_new0(DceAen, 1);

	dce_aen_init(a, 4);
	*state = a;
	return 0;
}

static int
teardown(void **state)
{
	dce_aen_clear(*state);
	g_free(*state);
	return 0;
}

static void
test_result_is_log_page_0x70_notice_0xf0_type_notice(void **state)
{
	assert_int_equal(DCE_AEN_DISC_CHANGE, (0x70 << 16) | (0xf0 << 8) | 0x02);
}

static void
test_a_change_completes_the_outstanding_aer(void **state)
{
	DceAen *a = *state;
	guint16 cid = 0;

	assert_int_equal(dce_aen_request(a, 17), DCE_AER_HELD);
	assert_int_equal(dce_aen_notify(a, FALSE, &cid), DCE_AEN_SENT);
	assert_int_equal(cid, 17);
	assert_int_equal(a->sent, 1);
	assert_int_equal(a->aers->len, 0);
}

static void
test_after_sending_the_event_is_masked_until_an_rae0_read(void **state)
{
	DceAen *a = *state;
	guint16 cid = 0;

	dce_aen_request(a, 1);
	assert_int_equal(dce_aen_notify(a, FALSE, &cid), DCE_AEN_SENT);
	dce_aen_request(a, 2); /* the host re-arms its AER at once */
	assert_int_equal(dce_aen_notify(a, FALSE, &cid), DCE_AEN_SUPPRESSED);
	dce_aen_log_read(a, TRUE); /* RAE=1: still masked */
	assert_int_equal(dce_aen_notify(a, FALSE, &cid), DCE_AEN_SUPPRESSED);
	dce_aen_log_read(a, FALSE); /* RAE=0: armed */
	assert_int_equal(dce_aen_notify(a, FALSE, &cid), DCE_AEN_SENT);
	assert_int_equal(cid, 2);
	assert_int_equal(a->suppressed, 2);
}

static void
test_a_change_without_aer_waits_for_the_next_one(void **state)
{
	DceAen *a = *state;
	guint16 cid = 0;

	assert_int_equal(dce_aen_notify(a, FALSE, &cid), DCE_AEN_QUEUED);
	assert_true(a->pending);
	/* a second change while the first is pending is not a second event */
	assert_int_equal(dce_aen_notify(a, FALSE, &cid), DCE_AEN_SUPPRESSED);
	assert_int_equal(dce_aen_request(a, 5), DCE_AER_COMPLETE);
	assert_false(a->pending);
	assert_int_equal(dce_aen_request(a, 6), DCE_AER_HELD);
}

static void
test_force_sends_even_when_masked(void **state)
{
	DceAen *a = *state;
	guint16 cid = 0;

	dce_aen_request(a, 1);
	dce_aen_request(a, 2);
	assert_int_equal(dce_aen_notify(a, FALSE, &cid), DCE_AEN_SENT);
	assert_int_equal(dce_aen_notify(a, TRUE, &cid), DCE_AEN_SENT);
	assert_int_equal(cid, 2); /* oldest first */
}

static void
test_async_event_configuration_bit_31_switches_the_event_off(void **state)
{
	DceAen *a = *state;
	guint16 cid = 0;

	a->aec = 0;
	dce_aen_request(a, 1);
	assert_int_equal(dce_aen_notify(a, FALSE, &cid), DCE_AEN_SUPPRESSED);
	assert_int_equal(dce_aen_notify(a, TRUE, &cid), DCE_AEN_SUPPRESSED);
	a->aec = DCE_AEC_DISC_CHANGE;
	assert_int_equal(dce_aen_notify(a, FALSE, &cid), DCE_AEN_SENT);
}

static void
test_more_aers_than_the_limit_are_refused(void **state)
{
	DceAen *a = *state;

	for (guint16 i = 0; i < 4; i++)
		assert_int_equal(dce_aen_request(a, i), DCE_AER_HELD);
	assert_int_equal(dce_aen_request(a, 4), DCE_AER_LIMIT);
	assert_int_equal(a->aers->len, 4);
}

static void
test_reset_drops_aers_and_arms_again(void **state)
{
	DceAen *a = *state;
	guint16 cid = 0;

	dce_aen_request(a, 1);
	dce_aen_notify(a, FALSE, &cid);
	dce_aen_request(a, 2);
	dce_aen_reset(a);
	assert_int_equal(a->aers->len, 0);
	assert_false(a->masked);
	assert_int_equal(dce_aen_notify(a, FALSE, &cid), DCE_AEN_QUEUED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_is_log_page_0x70_notice_0xf0_type_notice),
		cmocka_unit_test_setup_teardown(test_a_change_completes_the_outstanding_aer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_after_sending_the_event_is_masked_until_an_rae0_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_change_without_aer_waits_for_the_next_one,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_force_sends_even_when_masked, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_async_event_configuration_bit_31_switches_the_event_off, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_more_aers_than_the_limit_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reset_drops_aers_and_arms_again, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
