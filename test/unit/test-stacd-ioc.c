/* SPDX-License-Identifier: Apache-2.0 */
/* stacd-ioc: NCC and connect-attempts-on-ncc, reload, ownership, details (REFERENCE 5.9.5, 3.5) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "seam-double.h"
#include "stacd-ioc.h"

#define IOC_SPEC "transport=tcp;traddr=192.168.1.20;trsvcid=4420;subsysnqn=" TEST_IO_NQN

typedef struct {
	TestEnv *t;
	StacdIoc *ioc;
	guint device_changed;
} Fixture;

static void
on_device_changed(StacdIoc *ioc, gpointer data)
{
	(*(guint *)data)++;
}

static StacdIoc *
ioc_new(Fixture *f, StacdOrigin origin)
{
	g_autoptr(StasTid) tid = test_tid(STAS_TID_KIND_IOC, IOC_SPEC);
	StacdIoc *ioc = test_env_track(f->t, stacd_ioc_new(f->t->env, tid, origin));

	g_signal_connect(ioc, "device-changed", G_CALLBACK(on_device_changed), &f->device_changed);
	return ioc;
}

/* a new controller under this stacd.conf */
static void
fixture_conf(Fixture *f, const char *conf)
{
	g_clear_object(&f->ioc);
	test_env_set_conf(f->t, STAS_CONF_KIND_STACD, conf);
	f->ioc = ioc_new(f, STACD_ORIGIN_DISCOVERED);
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->t = test_env_new(STAS_CONF_KIND_STACD, NULL);
	f->ioc = ioc_new(f, STACD_ORIGIN_DISCOVERED);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	g_clear_object(&f->ioc);
	test_env_free(f->t);
	g_free(f);
	return 0;
}

static StasController *
C(Fixture *f)
{
	return STAS_CONTROLLER(f->ioc);
}

static gboolean
settled(gpointer data)
{
	StasController *ctrl = data;

	return !stas_controller_is_connecting(ctrl) &&
	       !stas_controller_has_pending_operations(ctrl);
}

static void
settle(Fixture *f)
{
	test_drain();
	assert_true(test_wait_until(settled, f->ioc));
	test_drain();
}

/* an entry in stafd's dictionary form, eflags as given */
static GHashTable *
dlpe_new(const char *eflags)
{
	GHashTable *d = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const char *kv[] = {"trtype", "tcp",	      "adrfam",	 "ipv4",
			    "traddr", "192.168.1.20", "trsvcid", "4420",
			    "subnqn", TEST_IO_NQN,    "subtype", "nvme",
			    "eflags", eflags,	      "tsas",	 "{'sectype': 'none'}"};

	for (gsize i = 0; i < G_N_ELEMENTS(kv); i += 2)
		g_hash_table_insert(d, g_strdup(kv[i]), g_strdup(kv[i + 1]));
	return d;
}

static void
set_dlpe(Fixture *f, const char *eflags)
{
	g_autoptr(GHashTable) d = dlpe_new(eflags);

	stacd_ioc_update_dlpe(f->ioc, d);
}

static void
fail_connects(guint n)
{
	for (guint i = 0; i < n; i++)
		seam_double_fail(SEAM_CONNECT, STAS_ERROR_IO, "Connection refused");
}

/* the first attempt, then every retry as its timer falls due, up to max attempts */
static void
run_attempts(Fixture *f, guint max)
{
	StasTimer *retry = stas_controller_get_retry_timer(C(f));

	stas_controller_start(C(f));
	settle(f);
	for (guint i = 1; i < max && stas_timer_is_running(retry); i++) {
		stas_clock_advance(f->t->clock, stas_timer_get_remaining(retry) + 0.01);
		settle(f);
	}
}

static gboolean
retrying(Fixture *f)
{
	return stas_timer_is_running(stas_controller_get_retry_timer(C(f)));
}

static const char *
lookup(GHashTable *d, const char *key)
{
	const char *v = g_hash_table_lookup(d, key);

	assert_non_null(v);
	return v;
}

/* ---- NCC and connect-attempts-on-ncc -------------------------------- */

static void
test_ncc_gives_up_after_connect_attempts_on_ncc(void **state)
{
	Fixture *f = *state;

	fixture_conf(f, "[I/O controller connection management]\nconnect-attempts-on-ncc=3\n");
	set_dlpe(f, "4");
	fail_connects(10);
	run_attempts(f, 10);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 3);
	assert_false(retrying(f));
	assert_true(stacd_ioc_is_idle(f->ioc));
	assert_int_equal(stacd_ioc_get_connect_attempts(f->ioc), 3);
}

static void
test_ncc_with_zero_attempts_never_gives_up(void **state)
{
	Fixture *f = *state;

	fixture_conf(f, "[I/O controller connection management]\nconnect-attempts-on-ncc=0\n");
	set_dlpe(f, "4");
	fail_connects(10);
	run_attempts(f, 6);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 6);
	assert_true(retrying(f));
}

static void
test_ncc_one_attempt_is_raised_to_two(void **state)
{
	Fixture *f = *state;

	fixture_conf(f, "[I/O controller connection management]\nconnect-attempts-on-ncc=1\n");
	set_dlpe(f, "4");
	fail_connects(10);
	run_attempts(f, 10);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 2);
	assert_false(retrying(f));
}

static void
test_without_ncc_the_attempt_limit_does_not_apply(void **state)
{
	Fixture *f = *state;

	fixture_conf(f, "[I/O controller connection management]\nconnect-attempts-on-ncc=2\n");
	set_dlpe(f, "0");
	fail_connects(10);
	run_attempts(f, 5);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 5);
	assert_true(retrying(f));
}

static void
test_ncc_bit_is_eflags_4_only(void **state)
{
	Fixture *f = *state;

	assert_false(stacd_ioc_get_ncc(f->ioc)); /* no entry */
	set_dlpe(f, "3");
	assert_false(stacd_ioc_get_ncc(f->ioc));
	set_dlpe(f, "4");
	assert_true(stacd_ioc_get_ncc(f->ioc));
	set_dlpe(f, "7");
	assert_true(stacd_ioc_get_ncc(f->ioc));
	set_dlpe(f, "not a number");
	assert_false(stacd_ioc_get_ncc(f->ioc));
}

static void
test_ncc_cleared_revives_a_given_up_controller(void **state)
{
	Fixture *f = *state;
	g_autoptr(GHashTable) info = NULL;

	fixture_conf(f, "[I/O controller connection management]\nconnect-attempts-on-ncc=2\n");
	set_dlpe(f, "4");
	fail_connects(3);
	run_attempts(f, 10);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 2);
	assert_false(retrying(f));

	/* the entry loses NCC: a fresh count and an attempt at once */
	set_dlpe(f, "0");
	settle(f);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 3);
	assert_int_equal(stacd_ioc_get_connect_attempts(f->ioc), 1);
	info = stas_controller_get_info(C(f));
	assert_string_equal(lookup(info, "connect attempts"), "1");
	assert_true(retrying(f)); /* no NCC: no limit */
}

static void
test_ncc_cleared_while_connected_does_nothing(void **state)
{
	Fixture *f = *state;

	set_dlpe(f, "4");
	stas_controller_start(C(f));
	settle(f);
	assert_true(stas_controller_is_connected(C(f)));
	set_dlpe(f, "0");
	settle(f);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 1);
}

static void
test_ncc_still_set_does_not_revive(void **state)
{
	Fixture *f = *state;

	fixture_conf(f, "[I/O controller connection management]\nconnect-attempts-on-ncc=2\n");
	set_dlpe(f, "4");
	fail_connects(3);
	run_attempts(f, 10);
	set_dlpe(f, "4");
	settle(f);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 2);
	assert_true(stacd_ioc_is_idle(f->ioc));
}

/* ---- reload (REFERENCE 5.16) ------------------------------------------- */

static void
test_reload_revives_a_given_up_controller(void **state)
{
	Fixture *f = *state;

	fixture_conf(f, "[I/O controller connection management]\nconnect-attempts-on-ncc=2\n");
	set_dlpe(f, "4");
	fail_connects(2);
	run_attempts(f, 10);
	assert_true(stacd_ioc_is_idle(f->ioc));
	stacd_ioc_reload(f->ioc);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 3);
	assert_true(stas_controller_is_connected(C(f)));
}

static void
test_reload_leaves_connected_and_retrying_controllers_alone(void **state)
{
	Fixture *f = *state;

	fail_connects(1);
	stas_controller_start(C(f));
	settle(f);
	assert_true(retrying(f));
	stacd_ioc_reload(f->ioc); /* a retry is pending: no attempt now */
	settle(f);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 1);

	stas_clock_advance(f->t->clock, 3.01);
	settle(f);
	assert_true(stas_controller_is_connected(C(f)));
	stacd_ioc_reload(f->ioc);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 2);
}

/* ---- details (REFERENCE 3.5) ------------------------------------------- */

static void
test_details_without_entry_say_none(void **state)
{
	Fixture *f = *state;
	g_autoptr(GHashTable) d = stas_controller_get_details(C(f));
	g_autoptr(GHashTable) info = stas_controller_get_info(C(f));

	assert_string_equal(lookup(d, "dlpe"), "None");
	assert_string_equal(lookup(d, "dlpe.eflags.ncc"), "False");
	assert_string_equal(lookup(d, "connected"), "False");
	/* info() has neither */
	assert_null(g_hash_table_lookup(info, "dlpe"));
	assert_null(g_hash_table_lookup(info, "dlpe.eflags.ncc"));
}

static void
test_details_show_the_entry_as_python_repr(void **state)
{
	Fixture *f = *state;
	g_autoptr(GHashTable) d = NULL;

	set_dlpe(f, "4");
	d = stas_controller_get_details(C(f));
	assert_string_equal(lookup(d, "dlpe"),
			    "{'adrfam': 'ipv4', 'eflags': '4', 'subnqn': '" TEST_IO_NQN "', "
			    "'subtype': 'nvme', 'traddr': '192.168.1.20', 'trsvcid': '4420', "
			    "'trtype': 'tcp', 'tsas': \"{'sectype': 'none'}\"}");
	assert_string_equal(lookup(d, "dlpe.eflags.ncc"), "True");
}

/* ---- ownership (SPEC B7) ------------------------------------------------ */

static void
index_existing(TestEnv *t, const char *device)
{
	g_autoptr(GHashTable) data = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const char *kv[] = {"NVME_TRTYPE",  "tcp",	   "NVME_TRADDR", "192.168.1.20",
			    "NVME_TRSVCID", "4420",	   "subsysnqn",	  TEST_IO_NQN,
			    "hostnqn",	    TEST_HOST_NQN, "cntrltype",	  "io"};

	for (gsize i = 0; i < G_N_ELEMENTS(kv); i += 2)
		g_hash_table_insert(data, g_strdup(kv[i]), g_strdup(kv[i + 1]));
	stas_udev_index_set(t->udev, device, data, TRUE);
}

static void
test_a_connection_stacd_makes_is_owned(void **state)
{
	Fixture *f = *state;

	assert_true(stacd_ioc_is_owned(f->ioc)); /* nothing there: a connect would be ours */
	stas_controller_start(C(f));
	settle(f);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 1);
	assert_true(stacd_ioc_is_owned(f->ioc));
	assert_false(stacd_ioc_is_claimed(f->ioc));
	assert_int_equal(f->device_changed, 1);
}

static void
test_a_connection_made_by_others_is_not_owned(void **state)
{
	Fixture *f = *state;

	index_existing(f->t, "nvme7");
	g_clear_object(&f->ioc);
	f->ioc = ioc_new(f, STACD_ORIGIN_CONFIGURED);
	assert_false(stacd_ioc_is_owned(f->ioc));
	stas_controller_start(C(f));
	settle(f);
	assert_int_equal(seam_double_count(SEAM_ATTACH), 1);
	assert_string_equal(stas_controller_get_device(C(f)), "nvme7");
	assert_false(stacd_ioc_is_owned(f->ioc));
}

static void
test_a_claimed_connection_is_owned_until_it_goes(void **state)
{
	Fixture *f = *state;
	const char *const none[] = {NULL};

	index_existing(f->t, "nvme7");
	g_clear_object(&f->ioc);
	f->ioc = ioc_new(f, STACD_ORIGIN_DISCOVERED);
	stacd_ioc_claim(f->ioc); /* the last-known state names it */
	stas_controller_start(C(f));
	settle(f);
	assert_true(stacd_ioc_is_owned(f->ioc));
	assert_true(stacd_ioc_is_claimed(f->ioc));

	/* the kernel controller goes: the claim goes with it */
	test_uevent(f->t, "remove", "nvme7", none);
	test_drain();
	assert_false(stas_controller_is_connected(C(f)));
	assert_false(stacd_ioc_is_claimed(f->ioc));
	assert_int_equal(f->device_changed, 2);
	/* the reconnect is stacd's own */
	stas_clock_advance(f->t->clock, 3.01);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 1);
	assert_true(stacd_ioc_is_owned(f->ioc));
}

static void
test_a_replacement_inherits_ownership_and_entry(void **state)
{
	Fixture *f = *state;
	g_autoptr(StacdIoc) fresh = NULL;

	set_dlpe(f, "4");
	stas_controller_start(C(f));
	settle(f);
	assert_true(stacd_ioc_is_owned(f->ioc));
	/* the new object attaches to the connection the old one made */
	index_existing(f->t, stas_controller_get_device(C(f)));
	fresh = test_env_track(f->t, ioc_new(f, STACD_ORIGIN_CONFIGURED));
	assert_false(stacd_ioc_is_owned(fresh));
	stacd_ioc_inherit(fresh, f->ioc);
	assert_true(stacd_ioc_is_owned(fresh));
	assert_true(stacd_ioc_get_ncc(fresh));
}

static void
test_origin_names(void **state)
{
	assert_string_equal(stacd_origin_to_string(STACD_ORIGIN_CONFIGURED), "configured");
	assert_string_equal(stacd_origin_to_string(STACD_ORIGIN_NBFT), "nbft");
	assert_string_equal(stacd_origin_to_string(STACD_ORIGIN_DISCOVERED), "discovered");
	assert_string_equal(stacd_origin_to_string(STACD_ORIGIN_AUDIT), "audit");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ncc_gives_up_after_connect_attempts_on_ncc,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ncc_with_zero_attempts_never_gives_up, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ncc_one_attempt_is_raised_to_two, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_without_ncc_the_attempt_limit_does_not_apply,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ncc_bit_is_eflags_4_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ncc_cleared_revives_a_given_up_controller,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ncc_cleared_while_connected_does_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ncc_still_set_does_not_revive, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reload_revives_a_given_up_controller, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_reload_leaves_connected_and_retrying_controllers_alone, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_details_without_entry_say_none, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_details_show_the_entry_as_python_repr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_connection_stacd_makes_is_owned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_connection_made_by_others_is_not_owned,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_claimed_connection_is_owned_until_it_goes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_replacement_inherits_ownership_and_entry,
						setup, teardown),
		cmocka_unit_test(test_origin_names),
	};

	return cmocka_run_group_tests_name("stacd-ioc", tests, NULL, NULL);
}
