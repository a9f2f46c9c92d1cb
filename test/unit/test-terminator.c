/* SPDX-License-Identifier: Apache-2.0 */
/* stas-terminator: disposal never overtakes an operation in flight (REFERENCE 5.10, Q8) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "seam-double.h"

#include "stas/stas-log.h"
#include "stas/stas-terminator.h"

/* an I/O controller with the base class' behaviour */
#define TEST_TYPE_CTRL (test_ctrl_get_type())
G_DECLARE_FINAL_TYPE(TestCtrl, test_ctrl, TEST, CTRL, StasController)

struct _TestCtrl {
	StasController parent_instance;
};

G_DEFINE_TYPE(TestCtrl, test_ctrl, STAS_TYPE_CONTROLLER)

static void
test_ctrl_class_init(TestCtrlClass *klass)
{
}

static void
test_ctrl_init(TestCtrl *self)
{
}

#define SPEC_A "transport=tcp;traddr=192.168.1.20;trsvcid=4420;subsysnqn=" TEST_IO_NQN
#define SPEC_B "transport=tcp;traddr=192.168.1.21;trsvcid=4420;subsysnqn=" TEST_IO_NQN

typedef struct {
	TestEnv *t;
	StasTerminator *term;
	StasController *ctrl;
	guint done_calls;
	gboolean done_success;
} Fixture;

static StasController *
ctrl_new(TestEnv *t, const char *spec)
{
	g_autoptr(StasTid) tid = test_tid(STAS_TID_KIND_IOC, spec);

	return test_env_track(t, g_object_new(TEST_TYPE_CTRL, "env", t->env, "tid", tid, NULL));
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->t = test_env_new(STAS_CONF_KIND_STACD, NULL);
	f->term = stas_terminator_new(f->t->env);
	f->ctrl = ctrl_new(f->t, SPEC_A);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	g_clear_object(&f->ctrl);
	g_clear_object(&f->term);
	test_env_free(f->t);
	g_free(f);
	return 0;
}

static void
on_done(StasController *ctrl, gboolean success, gpointer data)
{
	Fixture *f = data;

	f->done_calls++;
	f->done_success = success;
}

static gboolean
done_called(gpointer data)
{
	return ((Fixture *)data)->done_calls > 0;
}

static gboolean
is_connected(gpointer data)
{
	return stas_controller_is_connected(data);
}

static gboolean
no_pending(gpointer data)
{
	return !stas_controller_has_pending_operations(data);
}

/* a connect that is in the kernel and stays there until released */
static void
connect_in_flight(Fixture *f)
{
	seam_double_hold(SEAM_CONNECT);
	stas_controller_start(f->ctrl);
	test_drain();
	assert_true(seam_double_wait_started(SEAM_CONNECT, 1));
	assert_true(stas_controller_has_pending_operations(f->ctrl));
}

static void
test_controller_without_operations_is_disconnected_at_once(void **state)
{
	Fixture *f = *state;

	stas_controller_start(f->ctrl);
	test_drain();
	assert_true(test_wait_until(is_connected, f->ctrl));
	stas_terminator_dispose(f->term, f->ctrl, FALSE, on_done, f);
	assert_int_equal(f->done_calls, 0);
	assert_int_equal(stas_terminator_get_n_pending(f->term), 0);
	assert_false(stas_terminator_pending_disposal(f->term, stas_controller_get_tid(f->ctrl)));
	assert_true(test_wait_until(done_called, f));
	assert_true(f->done_success);
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 1);
}

static void
test_keep_connection_leaves_the_kernel_connection(void **state)
{
	Fixture *f = *state;

	stas_controller_start(f->ctrl);
	test_drain();
	assert_true(test_wait_until(is_connected, f->ctrl));
	stas_terminator_dispose(f->term, f->ctrl, TRUE, on_done, f);
	assert_true(test_wait_until(done_called, f));
	assert_true(f->done_success);
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 0);
}

static void
test_disposal_waits_for_a_connect_in_flight(void **state)
{
	Fixture *f = *state;
	g_autoptr(SeamCall) call = NULL;

	connect_in_flight(f);
	stas_terminator_dispose(f->term, f->ctrl, FALSE, on_done, f);
	assert_true(stas_controller_is_cancelled(f->ctrl));
	assert_int_equal(stas_terminator_get_n_pending(f->term), 1);
	assert_true(stas_terminator_pending_disposal(f->term, stas_controller_get_tid(f->ctrl)));
	/* neither the audit timer nor kernel events dispose of it while the connect runs */
	test_uevent(f->t, "add", "nvme5", NULL);
	test_uevent(f->t, "remove", "nvme5", NULL);
	stas_clock_advance(f->t->clock, STAS_TERMINATOR_AUDIT_SEC);
	test_drain();
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 0);
	assert_int_equal(f->done_calls, 0);
	assert_true(stas_terminator_pending_disposal(f->term, stas_controller_get_tid(f->ctrl)));

	seam_double_release(SEAM_CONNECT);
	assert_true(test_wait_until(done_called, f));
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 1);
	call = seam_double_get_call(SEAM_DISCONNECT, 0);
	assert_string_equal(call->device, "nvme1");
	assert_false(stas_terminator_pending_disposal(f->term, stas_controller_get_tid(f->ctrl)));
	assert_int_equal(stas_terminator_get_n_pending(f->term), 0);
	{
		g_autofree char *timer = stas_terminator_get_audit_timer_string(f->term);

		assert_string_equal(timer, "30.0s [off]");
	}
}

static void
test_queued_disposal_starts_the_30s_audit_timer(void **state)
{
	Fixture *f = *state;
	g_autofree char *timer = NULL;
	g_autofree char *later = NULL;

	connect_in_flight(f);
	stas_terminator_dispose(f->term, f->ctrl, FALSE, on_done, f);
	timer = stas_terminator_get_audit_timer_string(f->term);
	assert_string_equal(timer, "30.0s [30.00s]");
	stas_clock_advance(f->t->clock, 10);
	test_drain();
	later = stas_terminator_get_audit_timer_string(f->term);
	assert_string_equal(later, "30.0s [20.00s]");
}

/* the safety nets of 5.10 alone: the "operations-completed" signal silenced */
static void
silence_completion(Fixture *f)
{
	guint id = g_signal_lookup("operations-completed", STAS_TYPE_CONTROLLER);
	guint n = g_signal_handlers_block_matched(f->ctrl, G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_DATA,
						  id, 0, NULL, NULL, f->term);

	assert_int_equal(n, 1);
}

static void
test_kernel_add_uevent_rechecks_the_queue(void **state)
{
	Fixture *f = *state;

	connect_in_flight(f);
	stas_terminator_dispose(f->term, f->ctrl, FALSE, on_done, f);
	silence_completion(f);
	seam_double_release(SEAM_CONNECT);
	assert_true(test_wait_until(no_pending, f->ctrl));
	test_drain();
	assert_true(stas_terminator_pending_disposal(f->term, stas_controller_get_tid(f->ctrl)));
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 0);

	test_uevent(f->t, "add", "nvme1", NULL);
	assert_true(test_wait_until(done_called, f));
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 1);
	assert_int_equal(stas_terminator_get_n_pending(f->term), 0);
}

static void
test_audit_timer_rechecks_the_queue(void **state)
{
	Fixture *f = *state;

	connect_in_flight(f);
	stas_terminator_dispose(f->term, f->ctrl, FALSE, on_done, f);
	silence_completion(f);
	seam_double_release(SEAM_CONNECT);
	assert_true(test_wait_until(no_pending, f->ctrl));
	test_drain();
	stas_clock_advance(f->t->clock, STAS_TERMINATOR_AUDIT_SEC - 0.1);
	test_drain();
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 0);
	stas_clock_advance(f->t->clock, 0.1);
	assert_true(test_wait_until(done_called, f));
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 1);
}

static void
test_pending_disposal_is_per_tid(void **state)
{
	Fixture *f = *state;
	g_autoptr(StasTid) other = test_tid(STAS_TID_KIND_IOC, SPEC_B);
	g_autoptr(StasTid) same = test_tid(STAS_TID_KIND_IOC, SPEC_A);

	assert_false(stas_terminator_pending_disposal(f->term, same));
	connect_in_flight(f);
	stas_terminator_dispose(f->term, f->ctrl, FALSE, on_done, f);
	assert_true(stas_terminator_pending_disposal(f->term, same));
	assert_false(stas_terminator_pending_disposal(f->term, other));
}

static void
test_terminator_holds_the_controller_until_disposed(void **state)
{
	Fixture *f = *state;
	StasController *ctrl = g_steal_pointer(&f->ctrl);
	GWeakRef weak;

	g_weak_ref_init(&weak, ctrl);
	f->ctrl = ctrl; /* for connect_in_flight */
	connect_in_flight(f);
	f->ctrl = NULL;
	stas_terminator_dispose(f->term, ctrl, FALSE, on_done, f);
	g_object_unref(ctrl);
	{
		g_autoptr(GObject) alive = g_weak_ref_get(&weak);

		assert_non_null(alive);
	}
	seam_double_release(SEAM_CONNECT);
	assert_true(test_wait_until(done_called, f));
	test_drain();
	{
		g_autoptr(GObject) gone = g_weak_ref_get(&weak);

		assert_null(gone);
	}
	g_weak_ref_clear(&weak);
}

static void
test_info_lists_the_audit_timer_and_queued_controllers(void **state)
{
	Fixture *f = *state;
	g_autoptr(GHashTable) info = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *key =
		g_strdup_printf("terminator.controller.%s", stas_controller_get_id(f->ctrl));
	const char *repr;

	connect_in_flight(f);
	stas_terminator_dispose(f->term, f->ctrl, FALSE, on_done, f);
	stas_terminator_add_info(f->term, info);
	assert_string_equal(g_hash_table_lookup(info, "terminator.audit timer"), "30.0s [30.00s]");
	repr = g_hash_table_lookup(info, key);
	assert_non_null(repr);
	assert_non_null(strstr(repr, "'connect attempts': '1'"));
	assert_non_null(strstr(repr, "'device': 'nvme?'"));
	assert_int_equal(g_hash_table_size(info), 2);
}

static void
test_kill_hands_queued_controllers_to_disconnect(void **state)
{
	Fixture *f = *state;

	connect_in_flight(f);
	stas_terminator_dispose(f->term, f->ctrl, FALSE, on_done, f);
	stas_terminator_kill(f->term);
	assert_int_equal(stas_terminator_get_n_pending(f->term), 0);
	/* still not under the connect's feet */
	test_drain();
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 0);
	seam_double_release(SEAM_CONNECT);
	assert_true(test_wait_until(done_called, f));
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 1);
}

static void
test_releasing_the_terminator_disposes_of_the_queue(void **state)
{
	Fixture *f = *state;

	connect_in_flight(f);
	stas_terminator_dispose(f->term, f->ctrl, FALSE, on_done, f);
	g_clear_object(&f->term);
	seam_double_release(SEAM_CONNECT);
	assert_true(test_wait_until(done_called, f));
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_controller_without_operations_is_disconnected_at_once),
		T(test_keep_connection_leaves_the_kernel_connection),
		T(test_disposal_waits_for_a_connect_in_flight),
		T(test_queued_disposal_starts_the_30s_audit_timer),
		T(test_kernel_add_uevent_rechecks_the_queue),
		T(test_audit_timer_rechecks_the_queue),
		T(test_pending_disposal_is_per_tid),
		T(test_terminator_holds_the_controller_until_disposed),
		T(test_info_lists_the_audit_timer_and_queued_controllers),
		T(test_kill_hands_queued_controllers_to_disconnect),
		T(test_releasing_the_terminator_disposes_of_the_queue),
#undef T
	};

	stas_log_init("test-terminator", STAS_LOG_STDOUT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
