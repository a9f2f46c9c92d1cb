/* SPDX-License-Identifier: Apache-2.0 */
/* stas-controller: connect, retry, attach, uevents, disconnect, dictionaries (REFERENCE 5.3, 3.5)
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "seam-double.h"

#include "stas/stas-controller.h"
#include "stas/stas-log.h"

/* ---- a minimal subclass: an I/O controller that records its virtual calls ---- */

#define TEST_TYPE_CTRL (test_ctrl_get_type())
G_DECLARE_FINAL_TYPE(TestCtrl, test_ctrl, TEST, CTRL, StasController)

struct _TestCtrl {
	StasController parent_instance;
	guint connected;
	guint failed;
	guint removed;
	GArray *aens;
	GPtrArray *events;
	gboolean reconnect;
};

G_DEFINE_TYPE(TestCtrl, test_ctrl, STAS_TYPE_CONTROLLER)

static void
tc_on_connected(StasController *ctrl)
{
	TEST_CTRL(ctrl)->connected++;
}

static void
tc_on_connect_failed(StasController *ctrl, const GError *error)
{
	TEST_CTRL(ctrl)->failed++;
}

static void
tc_on_aen(StasController *ctrl, guint32 aen)
{
	g_array_append_val(TEST_CTRL(ctrl)->aens, aen);
}

static void
tc_on_event(StasController *ctrl, const char *event)
{
	g_ptr_array_add(TEST_CTRL(ctrl)->events, g_strdup(event));
}

static void
tc_on_removed(StasController *ctrl)
{
	TEST_CTRL(ctrl)->removed++;
}

static gboolean
tc_should_reconnect(StasController *ctrl)
{
	return TEST_CTRL(ctrl)->reconnect;
}

static void
test_ctrl_finalize(GObject *object)
{
	TestCtrl *self = TEST_CTRL(object);

	g_array_unref(self->aens);
	g_ptr_array_unref(self->events);
	G_OBJECT_CLASS(test_ctrl_parent_class)->finalize(object);
}

static void
test_ctrl_class_init(TestCtrlClass *klass)
{
	StasControllerClass *ctrl_class = STAS_CONTROLLER_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = test_ctrl_finalize;
	ctrl_class->discovery = FALSE;
	ctrl_class->on_connected = tc_on_connected;
	ctrl_class->on_connect_failed = tc_on_connect_failed;
	ctrl_class->on_aen = tc_on_aen;
	ctrl_class->on_event = tc_on_event;
	ctrl_class->on_removed = tc_on_removed;
	ctrl_class->should_reconnect = tc_should_reconnect;
}

static void
test_ctrl_init(TestCtrl *self)
{
	self->aens = g_array_new(FALSE, FALSE, sizeof(guint32));
	self->events = g_ptr_array_new_with_free_func(g_free);
	self->reconnect = TRUE;
}

/* ---- fixture --------------------------------------------------------- */

#define IOC_SPEC    "transport=tcp;traddr=192.168.1.20;trsvcid=4420;subsysnqn=" TEST_IO_NQN
#define IOC_ID	    "(tcp, 192.168.1.20, 4420, " TEST_IO_NQN ")"
#define CTRL_SECRET "DHHC-1:01:ZmFrZSBjb250cm9sbGVyIHNlY3JldCAzMiBieXRlcyE=:"

typedef struct {
	TestEnv *t;
	TestCtrl *ctrl;
} Fixture;

static TestCtrl *
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
	f->ctrl = ctrl_new(f->t, IOC_SPEC);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	g_clear_object(&f->ctrl);
	test_env_free(f->t);
	g_free(f);
	return 0;
}

static gboolean
is_connected(gpointer data)
{
	return stas_controller_is_connected(data);
}

static gboolean
has_failed(gpointer data)
{
	return TEST_CTRL(data)->failed > 0;
}

static gboolean
attempt_ended(gpointer data)
{
	return !stas_controller_is_connecting(data) &&
	       !stas_controller_has_pending_operations(data);
}

static StasController *
C(Fixture *f)
{
	return STAS_CONTROLLER(f->ctrl);
}

/* start and wait for the attempt's end */
static void
connect_and_wait(Fixture *f)
{
	stas_controller_start(C(f));
	test_drain();
	assert_true(test_wait_until(attempt_ended, f->ctrl));
}

static char *
info_value(StasController *ctrl, const char *key)
{
	g_autoptr(GHashTable) info = stas_controller_get_details(ctrl);

	return g_strdup(g_hash_table_lookup(info, key));
}

static void
assert_info(StasController *ctrl, const char *key, const char *expected)
{
	g_autofree char *value = info_value(ctrl, key);

	assert_non_null(value);
	assert_string_equal(value, expected);
}

/* ---- connect ---------------------------------------------------------- */

static void
test_controller_connects_and_logs_connection_established(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;

	test_capture_start();
	connect_and_wait(f);
	out = test_capture_end();
	assert_string_equal(stas_controller_get_device(C(f)), "nvme1");
	assert_non_null(strstr(out, IOC_ID " | nvme1 - Connection established!\n"));
	assert_int_equal(f->ctrl->connected, 1);
	assert_int_equal(stas_controller_get_connect_attempts(C(f)), 0);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 1);
	assert_int_equal(seam_double_count(SEAM_ATTACH), 0);
}

static void
test_controller_start_is_deduplicated(void **state)
{
	Fixture *f = *state;

	stas_controller_start(C(f));
	stas_controller_start(C(f));
	stas_controller_start(C(f));
	test_drain();
	assert_true(test_wait_until(is_connected, f->ctrl));
	stas_controller_start(C(f));
	test_drain();
	assert_int_equal(seam_double_count(SEAM_CONNECT), 1);
}

static void
test_connect_failure_retries_after_3s_then_60s(void **state)
{
	Fixture *f = *state;
	StasTimer *retry = stas_controller_get_retry_timer(C(f));

	seam_double_fail(SEAM_CONNECT, STAS_ERROR_IO, "Connection refused");
	seam_double_fail(SEAM_CONNECT, STAS_ERROR_IO, "Connection refused");
	connect_and_wait(f);
	assert_int_equal(stas_controller_get_connect_attempts(C(f)), 1);
	assert_true(stas_timer_is_running(retry));
	assert_true(stas_timer_get_interval(retry) == STAS_CTRL_FAST_RETRY_SEC);
	assert_info(C(f), "retry connect timer", "3.0s [3.00s]");

	stas_clock_advance(f->t->clock, 2.9);
	test_drain();
	assert_int_equal(seam_double_count(SEAM_CONNECT), 1);
	stas_clock_advance(f->t->clock, 0.1);
	test_drain();
	assert_true(test_wait_until(attempt_ended, f->ctrl));
	assert_int_equal(seam_double_count(SEAM_CONNECT), 2);
	assert_int_equal(stas_controller_get_connect_attempts(C(f)), 2);
	assert_true(stas_timer_get_interval(retry) == STAS_CTRL_RETRY_SEC);
	assert_info(C(f), "retry connect timer", "60.0s [60.00s]");

	stas_clock_advance(f->t->clock, 59.9);
	test_drain();
	assert_int_equal(seam_double_count(SEAM_CONNECT), 2);
	stas_clock_advance(f->t->clock, 0.1);
	test_drain();
	assert_true(test_wait_until(is_connected, f->ctrl));
	assert_int_equal(seam_double_count(SEAM_CONNECT), 3);
	assert_int_equal(stas_controller_get_connect_attempts(C(f)), 0);
	assert_false(stas_timer_is_running(retry));
}

static void
test_connect_failure_is_logged_once_per_streak_at_the_second_attempt(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;

	for (int i = 0; i < 3; i++)
		seam_double_fail(SEAM_CONNECT, STAS_ERROR_IO, "Connection refused");
	test_capture_start();
	connect_and_wait(f);
	for (int i = 0; i < 2; i++) {
		stas_clock_advance(f->t->clock, 60);
		test_drain();
		assert_true(test_wait_until(attempt_ended, f->ctrl));
	}
	out = test_capture_end();
	assert_int_equal(seam_double_count(SEAM_CONNECT), 3);
	assert_int_equal(f->ctrl->failed, 3);
	{
		const char *line = IOC_ID " | nvme? - Failed to connect to controller. "
					  "stas-error-quark Connection refused\n";
		const char *first = strstr(out, line);

		assert_non_null(first);
		assert_null(strstr(first + 1, line));
	}
}

static void
test_no_retry_when_the_subclass_says_no(void **state)
{
	Fixture *f = *state;

	f->ctrl->reconnect = FALSE;
	seam_double_fail(SEAM_CONNECT, STAS_ERROR_IO, "Connection refused");
	connect_and_wait(f);
	assert_int_equal(f->ctrl->failed, 1);
	assert_false(stas_timer_is_running(stas_controller_get_retry_timer(C(f))));
}

/* a kernel connect happens once the option string passed the seam's checks */
static void
test_invalid_parameters_fail_the_attempt(void **state)
{
	Fixture *f = *state;
	g_autoptr(TestCtrl) bad =
		ctrl_new(f->t, "transport=tcp;traddr=not-an-address;subsysnqn=" TEST_IO_NQN);

	stas_controller_start(STAS_CONTROLLER(bad));
	test_drain();
	assert_true(test_wait_until(has_failed, bad));
	assert_false(stas_controller_is_connected(STAS_CONTROLLER(bad)));
	assert_int_equal(stas_controller_get_connect_attempts(STAS_CONTROLLER(bad)), 1);
}

/* ---- connect parameters ---------------------------------------------- */

static void
test_connect_params_come_from_global_config_and_tid_overrides(void **state)
{
	Fixture *f = *state;
	g_autoptr(SeamCall) call = NULL;

	test_env_set_conf(f->t, STAS_CONF_KIND_STACD,
			  "[Global]\nkato=40\nqueue-size=64\nnr-io-queues=4\nhdr-digest=true\n");
	g_clear_object(&f->ctrl);
	f->ctrl = ctrl_new(f->t, IOC_SPEC ";kato=50;dhchap-ctrl-secret=" CTRL_SECRET);
	connect_and_wait(f);
	call = seam_double_get_call(SEAM_CONNECT, 0);
	assert_non_null(call);
	assert_int_equal(call->params->kato, 50);
	assert_int_equal(call->params->queue_size, 64);
	assert_int_equal(call->params->nr_io_queues, 4);
	assert_true(call->params->hdr_digest);
	assert_false(call->params->data_digest);
	assert_int_equal(call->params->ctrl_loss_tmo, STAS_NVME_UNSET);
	assert_false(call->params->discovery);
	assert_string_equal(call->params->host_nqn, TEST_HOST_NQN);
	assert_string_equal(call->params->host_id, TEST_HOST_ID);
	assert_string_equal(call->params->host_key, TEST_HOST_KEY);
	assert_string_equal(call->params->dhchap_ctrl_secret, CTRL_SECRET);
	assert_true(call->kernel_given);
	/* Q7: queue-size really reaches the kernel */
	assert_non_null(strstr(call->options, "queue_size=64"));
	assert_non_null(strstr(call->options, "keep_alive_tmo=50"));
}

static void
test_tid_host_nqn_drives_the_connect_host_nqn(void **state)
{
	Fixture *f = *state;
	const char *boot_nqn =
		"nqn.2014-08.org.nvmexpress:uuid:b007b007-0000-4000-8000-000000000001";
	g_autofree char *spec = g_strdup_printf("%s;host-nqn=%s", IOC_SPEC, boot_nqn);
	g_autoptr(SeamCall) call = NULL;
	g_autofree char *expected = g_strdup_printf("hostnqn=%s", boot_nqn);

	g_clear_object(&f->ctrl);
	f->ctrl = ctrl_new(f->t, spec);
	connect_and_wait(f);
	call = seam_double_get_call(SEAM_CONNECT, 0);
	assert_string_equal(call->params->host_nqn, boot_nqn);
	assert_non_null(strstr(call->options, expected));
}

static void
test_reloaded_global_config_applies_to_the_next_attempt(void **state)
{
	Fixture *f = *state;
	g_autoptr(SeamCall) first = NULL;
	g_autoptr(SeamCall) second = NULL;

	test_env_set_conf(f->t, STAS_CONF_KIND_STACD, "[Global]\nctrl-loss-tmo=100\n");
	seam_double_fail(SEAM_CONNECT, STAS_ERROR_IO, "Connection refused");
	connect_and_wait(f);
	test_env_set_conf(f->t, STAS_CONF_KIND_STACD, "[Global]\nctrl-loss-tmo=200\n");
	stas_clock_advance(f->t->clock, 3);
	test_drain();
	assert_true(test_wait_until(is_connected, f->ctrl));
	first = seam_double_get_call(SEAM_CONNECT, 0);
	second = seam_double_get_call(SEAM_CONNECT, 1);
	assert_int_equal(first->params->ctrl_loss_tmo, 100);
	assert_int_equal(second->params->ctrl_loss_tmo, 200);
}

static void
test_ignore_iface_keeps_host_iface_out_of_the_connect(void **state)
{
	Fixture *f = *state;
	g_autoptr(SeamCall) call = NULL;

	test_env_set_conf(f->t, STAS_CONF_KIND_STACD, "[Global]\nignore-iface=true\n");
	g_clear_object(&f->ctrl);
	f->ctrl = ctrl_new(f->t, IOC_SPEC ";host-iface=eth0");
	connect_and_wait(f);
	call = seam_double_get_call(SEAM_CONNECT, 0);
	assert_null(call->params->host_iface);
}

/* ---- attach to an existing connection ------------------------------- */

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
test_existing_kernel_connection_is_attached_not_connected(void **state)
{
	Fixture *f = *state;
	g_autoptr(SeamCall) call = NULL;

	index_existing(f->t, "nvme7");
	connect_and_wait(f);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 0);
	assert_int_equal(seam_double_count(SEAM_ATTACH), 1);
	call = seam_double_get_call(SEAM_ATTACH, 0);
	assert_string_equal(call->device, "nvme7");
	assert_string_equal(stas_controller_get_device(C(f)), "nvme7");
	assert_int_equal(f->ctrl->connected, 1);
}

static void
test_attach_failure_is_a_failed_attempt(void **state)
{
	Fixture *f = *state;

	index_existing(f->t, "nvme7");
	seam_double_fail(SEAM_ATTACH, STAS_ERROR_NOT_FOUND, "nvme7: no such controller");
	connect_and_wait(f);
	/* Q18: upstream took a failed init() for a success */
	assert_false(stas_controller_is_connected(C(f)));
	assert_int_equal(f->ctrl->failed, 1);
	assert_int_equal(stas_controller_get_connect_attempts(C(f)), 1);
	assert_true(stas_timer_is_running(stas_controller_get_retry_timer(C(f))));
	assert_true(stas_timer_get_interval(stas_controller_get_retry_timer(C(f))) == 3.0);
}

static void
test_existing_connection_of_another_subsystem_is_not_attached(void **state)
{
	Fixture *f = *state;

	index_existing(f->t, "nvme7");
	g_clear_object(&f->ctrl);
	f->ctrl = ctrl_new(f->t, "transport=tcp;traddr=192.168.1.20;trsvcid=4420;"
				 "subsysnqn=nqn.2014-08.org.example:other");
	connect_and_wait(f);
	assert_int_equal(seam_double_count(SEAM_ATTACH), 0);
	assert_int_equal(seam_double_count(SEAM_CONNECT), 1);
}

/* ---- TCP probe (B4) --------------------------------------------------- */

static guint16
closed_port(void)
{
	g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
					       G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	assert_true(g_socket_bind(sock, any, TRUE, NULL));
	bound = g_socket_get_local_address(sock, NULL);
	/* closed when sock goes: nothing listens there */
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

static void
test_unreachable_tcp_target_is_retried_without_a_kernel_connect(void **state)
{
	Fixture *f = *state;
	g_autofree char *spec = g_strdup_printf("transport=tcp;traddr=127.0.0.1;trsvcid=%u;"
						"subsysnqn=" TEST_IO_NQN,
						closed_port());

	stas_ctrl_env_set_tcp_probe(f->t->env, TRUE, 2000);
	g_clear_object(&f->ctrl);
	f->ctrl = ctrl_new(f->t, spec);
	stas_controller_start(C(f));
	assert_true(test_wait_until(has_failed, f->ctrl));
	assert_int_equal(seam_double_count(SEAM_CONNECT), 0);
	assert_int_equal(stas_controller_get_connect_attempts(C(f)), 1);
	assert_true(stas_timer_is_running(stas_controller_get_retry_timer(C(f))));
}

static void
test_reachable_tcp_target_is_connected_after_the_probe(void **state)
{
	Fixture *f = *state;
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autofree char *spec = NULL;

	assert_true(g_socket_listener_add_address(listener, any, G_SOCKET_TYPE_STREAM,
						  G_SOCKET_PROTOCOL_TCP, NULL, &bound, NULL));
	spec = g_strdup_printf("transport=tcp;traddr=127.0.0.1;trsvcid=%u;subsysnqn=" TEST_IO_NQN,
			       g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	stas_ctrl_env_set_tcp_probe(f->t->env, TRUE, 2000);
	g_clear_object(&f->ctrl);
	f->ctrl = ctrl_new(f->t, spec);
	stas_controller_start(C(f));
	assert_true(test_wait_until(is_connected, f->ctrl));
	assert_int_equal(seam_double_count(SEAM_CONNECT), 1);
	g_socket_listener_close(listener);
}

/* accepted connections waiting on a listening socket */
static guint
accepted(GSocket *sock)
{
	guint n = 0;

	while (g_socket_condition_timed_wait(sock, G_IO_IN, 50 * 1000, NULL, NULL)) {
		g_autoptr(GSocket) conn = g_socket_accept(sock, NULL, NULL);

		if (conn == NULL)
			break;
		n++;
	}
	return n;
}

/* bench note 1a: the controllers behind one target port share its probe */
static void
test_controllers_behind_one_port_share_one_probe(void **state)
{
	Fixture *f = *state;
	g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
					       G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(TestCtrl) other = NULL;
	g_autofree char *spec = NULL;
	g_autofree char *other_spec = NULL;
	guint port;

	assert_true(g_socket_bind(sock, any, TRUE, NULL));
	g_socket_set_listen_backlog(sock, 8);
	assert_true(g_socket_listen(sock, NULL));
	bound = g_socket_get_local_address(sock, NULL);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	spec = g_strdup_printf("transport=tcp;traddr=127.0.0.1;trsvcid=%u;subsysnqn=" TEST_IO_NQN,
			       port);
	other_spec = g_strdup_printf("transport=tcp;traddr=127.0.0.1;trsvcid=%u;"
				     "subsysnqn=nqn.2014-08.org.example:other",
				     port);
	stas_ctrl_env_set_tcp_probe(f->t->env, TRUE, 2000);
	g_clear_object(&f->ctrl);
	f->ctrl = ctrl_new(f->t, spec);
	other = ctrl_new(f->t, other_spec);
	stas_controller_start(C(f));
	stas_controller_start(STAS_CONTROLLER(other));
	assert_true(test_wait_until(is_connected, f->ctrl));
	assert_true(test_wait_until(is_connected, other));
	assert_int_equal(seam_double_count(SEAM_CONNECT), 2);
	assert_int_equal(accepted(sock), 1);
	g_socket_close(sock, NULL);
}

/* ---- uevents ---------------------------------------------------------- */

static gboolean
removed_seen(gpointer data)
{
	return TEST_CTRL(data)->removed > 0;
}

static void
test_remove_event_restarts_a_fast_retry_and_keeps_the_object(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;
	StasTimer *retry = stas_controller_get_retry_timer(C(f));

	/* a slow streak first, so the 3 s after remove is a real change */
	seam_double_fail(SEAM_CONNECT, STAS_ERROR_IO, "Connection refused");
	seam_double_fail(SEAM_CONNECT, STAS_ERROR_IO, "Connection refused");
	connect_and_wait(f);
	stas_clock_advance(f->t->clock, 3);
	test_drain();
	assert_true(test_wait_until(attempt_ended, f->ctrl));
	stas_clock_advance(f->t->clock, 60);
	test_drain();
	assert_true(test_wait_until(is_connected, f->ctrl));
	assert_true(stas_timer_get_interval(retry) == 60.0);

	test_capture_start();
	test_uevent(f->t, "remove", "nvme1", NULL);
	assert_true(test_wait_until(removed_seen, f->ctrl));
	out = test_capture_end();
	assert_non_null(strstr(out, IOC_ID " | nvme1 - Received \"remove\" event\n"));
	assert_false(stas_controller_is_connected(C(f)));
	assert_int_equal(stas_controller_get_connect_attempts(C(f)), 0);
	assert_true(stas_timer_is_running(retry));
	assert_info(C(f), "retry connect timer", "3.0s [3.00s]");

	stas_clock_advance(f->t->clock, 3);
	test_drain();
	assert_true(test_wait_until(is_connected, f->ctrl));
	assert_string_equal(stas_controller_get_device(C(f)), "nvme2");
}

static gboolean
got_aen(gpointer data)
{
	return TEST_CTRL(data)->aens->len > 0;
}

static gboolean
got_event(gpointer data)
{
	return TEST_CTRL(data)->events->len > 0;
}

static void
test_aen_change_event_is_logged_and_dispatched(void **state)
{
	Fixture *f = *state;
	const char *aen[] = {"NVME_AEN=0x70f002", NULL};
	g_autofree char *out = NULL;

	connect_and_wait(f);
	test_capture_start();
	test_uevent(f->t, "change", "nvme1", aen);
	assert_true(test_wait_until(got_aen, f->ctrl));
	out = test_capture_end();
	assert_int_equal(g_array_index(f->ctrl->aens, guint32, 0), STAS_AEN_DLP_CHANGED);
	assert_non_null(strstr(out, IOC_ID " | nvme1 - Received AEN: 0x70f002\n"));
	assert_int_equal(f->ctrl->events->len, 0);
}

static void
test_nvme_event_is_dispatched(void **state)
{
	Fixture *f = *state;
	const char *ev[] = {"NVME_EVENT=rediscover", NULL};

	connect_and_wait(f);
	test_uevent(f->t, "change", "nvme1", ev);
	assert_true(test_wait_until(got_event, f->ctrl));
	assert_string_equal(f->ctrl->events->pdata[0], "rediscover");
	assert_int_equal(f->ctrl->aens->len, 0);
}

static void
test_uevents_of_other_devices_and_malformed_aens_are_ignored(void **state)
{
	Fixture *f = *state;
	const char *aen[] = {"NVME_AEN=0x70f002", NULL};
	const char *bad[] = {"NVME_AEN=zz", NULL};

	connect_and_wait(f);
	test_uevent(f->t, "change", "nvme9", aen);
	test_uevent(f->t, "remove", "nvme9", NULL);
	test_uevent(f->t, "change", "nvme1", bad);
	test_drain();
	assert_int_equal(f->ctrl->aens->len, 0);
	assert_int_equal(f->ctrl->removed, 0);
	assert_true(stas_controller_is_connected(C(f)));
}

/* ---- disconnect ------------------------------------------------------- */

typedef struct {
	guint calls;
	gboolean success;
} Done;

static void
on_done(StasController *ctrl, gboolean success, gpointer data)
{
	Done *d = data;

	d->calls++;
	d->success = success;
}

static gboolean
done_called(gpointer data)
{
	return ((Done *)data)->calls > 0;
}

static void
test_disconnect_without_keep_disconnects_and_logs(void **state)
{
	Fixture *f = *state;
	Done d = {0};
	g_autofree char *out = NULL;
	g_autoptr(SeamCall) call = NULL;

	connect_and_wait(f);
	test_capture_start();
	stas_controller_disconnect(C(f), FALSE, on_done, &d);
	assert_int_equal(d.calls, 0); /* never from inside the call */
	assert_true(test_wait_until(done_called, &d));
	out = test_capture_end();
	assert_true(d.success);
	assert_non_null(strstr(out, IOC_ID " | nvme1 - Disconnect initiated\n"));
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 1);
	call = seam_double_get_call(SEAM_DISCONNECT, 0);
	assert_string_equal(call->device, "nvme1");
	assert_false(stas_controller_is_connected(C(f)));
	assert_true(stas_controller_is_cancelled(C(f)));
}

static void
test_disconnect_with_keep_leaves_the_kernel_connection(void **state)
{
	Fixture *f = *state;
	Done d = {0};
	g_autofree char *out = NULL;

	connect_and_wait(f);
	test_capture_start();
	stas_controller_disconnect(C(f), TRUE, on_done, &d);
	assert_int_equal(d.calls, 0);
	assert_true(test_wait_until(done_called, &d));
	out = test_capture_end();
	assert_true(d.success);
	assert_null(strstr(out, "Disconnect initiated"));
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 0);
	/* no longer listening: a remove now does not schedule a reconnect */
	test_uevent(f->t, "remove", "nvme1", NULL);
	test_drain();
	assert_int_equal(f->ctrl->removed, 0);
	assert_false(stas_timer_is_running(stas_controller_get_retry_timer(C(f))));
}

static void
test_disconnect_of_an_unconnected_controller_reports_success(void **state)
{
	Fixture *f = *state;
	Done d = {0};

	stas_controller_disconnect(C(f), FALSE, on_done, &d);
	assert_true(test_wait_until(done_called, &d));
	assert_true(d.success);
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 0);
	/* cancelled: a later start does nothing */
	stas_controller_start(C(f));
	test_drain();
	assert_int_equal(seam_double_count(SEAM_CONNECT), 0);
}

static void
test_failed_disconnect_reports_failure(void **state)
{
	Fixture *f = *state;
	Done d = {0};

	connect_and_wait(f);
	seam_double_fail(SEAM_DISCONNECT, STAS_ERROR_IO, "Device or resource busy");
	stas_controller_disconnect(C(f), FALSE, on_done, &d);
	assert_true(test_wait_until(done_called, &d));
	assert_false(d.success);
}

static void
test_disconnect_waits_for_a_connect_in_flight(void **state)
{
	Fixture *f = *state;
	Done d = {0};
	g_autofree char *out = NULL;
	g_autoptr(SeamCall) call = NULL;

	seam_double_hold(SEAM_CONNECT);
	stas_controller_start(C(f));
	test_drain();
	assert_true(seam_double_wait_started(SEAM_CONNECT, 1));
	assert_true(stas_controller_has_pending_operations(C(f)));

	test_capture_start();
	stas_controller_disconnect(C(f), FALSE, on_done, &d);
	test_drain();
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 0);
	assert_int_equal(d.calls, 0);

	seam_double_release(SEAM_CONNECT);
	assert_true(test_wait_until(done_called, &d));
	out = test_capture_end();
	/* the late connect was known (and undone) but not followed up */
	assert_int_equal(seam_double_count(SEAM_DISCONNECT), 1);
	call = seam_double_get_call(SEAM_DISCONNECT, 0);
	assert_string_equal(call->device, "nvme1");
	assert_null(strstr(out, "Connection established!"));
	assert_int_equal(f->ctrl->connected, 0);
	assert_true(d.success);
}

static void
test_cancel_drops_a_late_failure_and_stops_retrying(void **state)
{
	Fixture *f = *state;

	seam_double_hold(SEAM_CONNECT);
	seam_double_fail(SEAM_CONNECT, STAS_ERROR_IO, "Connection refused");
	stas_controller_start(C(f));
	test_drain();
	assert_true(seam_double_wait_started(SEAM_CONNECT, 1));
	stas_controller_cancel(C(f));
	seam_double_release(SEAM_CONNECT);
	assert_true(test_wait_until(attempt_ended, f->ctrl));
	assert_int_equal(f->ctrl->failed, 0);
	assert_false(stas_timer_is_running(stas_controller_get_retry_timer(C(f))));
}

/* ---- dictionaries ----------------------------------------------------- */

static void
assert_keys(GHashTable *dict, const char *const *keys)
{
	for (guint i = 0; keys[i]; i++) {
		if (!g_hash_table_contains(dict, keys[i]))
			fail_msg("missing key '%s'", keys[i]);
	}
}

static void
test_id_and_info_dicts_have_the_upstream_keys_and_formats(void **state)
{
	Fixture *f = *state;
	const char *id_keys[] = {"transport",  "traddr",   "trsvcid", "subsysnqn", "host-traddr",
				 "host-iface", "host-nqn", "device",  NULL};
	g_autoptr(GHashTable) id = stas_controller_get_id_dict(C(f));
	g_autoptr(GHashTable) info = stas_controller_get_info(C(f));

	assert_keys(id, id_keys);
	assert_int_equal(g_hash_table_size(id), 8);
	assert_string_equal(g_hash_table_lookup(id, "device"), "nvme?");
	assert_string_equal(g_hash_table_lookup(id, "trsvcid"), "4420");
	assert_string_equal(g_hash_table_lookup(id, "host-nqn"), TEST_HOST_NQN);
	assert_keys(info, id_keys);
	assert_string_equal(g_hash_table_lookup(info, "connect attempts"), "0");
	assert_string_equal(g_hash_table_lookup(info, "retry connect timer"), "60.0s [off]");
	assert_false(g_hash_table_contains(info, "connect operation"));
}

static void
test_info_shows_the_connect_operation_while_it_runs(void **state)
{
	Fixture *f = *state;

	seam_double_hold(SEAM_CONNECT);
	stas_controller_start(C(f));
	test_drain();
	assert_true(seam_double_wait_started(SEAM_CONNECT, 1));
	assert_info(C(f), "connect operation",
		    "{'fail count': 0, 'completed': False, 'alive': True}");
	assert_info(C(f), "connect attempts", "1");
	seam_double_release(SEAM_CONNECT);
	assert_true(test_wait_until(is_connected, f->ctrl));
	{
		g_autoptr(GHashTable) info = stas_controller_get_info(C(f));

		assert_false(g_hash_table_contains(info, "connect operation"));
	}
}

static void
test_details_add_sysfs_attributes_and_connected(void **state)
{
	Fixture *f = *state;
	const char *keys[] = {"hostid",	   "hostnqn",	       "model",
			      "serial",	   "dctype",	       "cntrltype",
			      "connected", "connect attempts", "retry connect timer",
			      NULL};
	g_autoptr(GHashTable) before = stas_controller_get_details(C(f));
	g_autoptr(GHashTable) after = NULL;

	assert_keys(before, keys);
	assert_string_equal(g_hash_table_lookup(before, "connected"), "False");
	assert_string_equal(g_hash_table_lookup(before, "model"), "");
	connect_and_wait(f);
	after = stas_controller_get_details(C(f));
	assert_string_equal(g_hash_table_lookup(after, "connected"), "True");
	assert_string_equal(g_hash_table_lookup(after, "device"), "nvme1");
	assert_string_equal(g_hash_table_lookup(after, "model"), "Linux");
	assert_string_equal(g_hash_table_lookup(after, "serial"), "8d22fa96da912fb13f5a");
	assert_string_equal(g_hash_table_lookup(after, "hostid"), TEST_HOST_ID);
	assert_string_equal(g_hash_table_lookup(after, "hostnqn"), TEST_HOST_NQN);
	assert_string_equal(g_hash_table_lookup(after, "cntrltype"), "io");
	assert_string_equal(g_hash_table_lookup(after, "dctype"), "none");
}

static void
assert_no_secret(GHashTable *dict)
{
	GHashTableIter iter;
	gpointer k, v;

	g_hash_table_iter_init(&iter, dict);
	while (g_hash_table_iter_next(&iter, &k, &v)) {
		assert_null(strstr(v, "DHHC-1"));
		assert_null(strstr(k, "DHHC-1"));
	}
}

static void
test_no_secret_appears_in_any_dict(void **state)
{
	Fixture *f = *state;
	g_autoptr(GHashTable) id = NULL;
	g_autoptr(GHashTable) info = NULL;
	g_autoptr(GHashTable) details = NULL;

	g_clear_object(&f->ctrl);
	f->ctrl = ctrl_new(f->t, IOC_SPEC ";dhchap-secret=" TEST_HOST_KEY
					  ";dhchap-ctrl-secret=" CTRL_SECRET);
	connect_and_wait(f);
	id = stas_controller_get_id_dict(C(f));
	info = stas_controller_get_info(C(f));
	details = stas_controller_get_details(C(f));
	assert_no_secret(id);
	assert_no_secret(info);
	assert_no_secret(details);
	assert_string_equal(g_hash_table_lookup(details, "dhchap-secret"), STAS_REDACTED);
	assert_string_equal(g_hash_table_lookup(details, "dhchap-ctrl-secret"), STAS_REDACTED);
}

static void
test_python_repr_of_dicts_quotes_like_python(void **state)
{
	g_autoptr(GHashTable) d = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *repr = NULL;

	g_hash_table_insert(d, g_strdup("b"), g_strdup("it's"));
	g_hash_table_insert(d, g_strdup("a"), g_strdup("x\\y"));
	g_hash_table_insert(d, g_strdup("c"), g_strdup("say \"hi\" 'x'"));
	repr = stas_py_repr_dict(d);
	assert_string_equal(repr, "{'a': 'x\\\\y', 'b': \"it's\", 'c': 'say \"hi\" \\'x\\''}");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_controller_connects_and_logs_connection_established),
		T(test_controller_start_is_deduplicated),
		T(test_connect_failure_retries_after_3s_then_60s),
		T(test_connect_failure_is_logged_once_per_streak_at_the_second_attempt),
		T(test_no_retry_when_the_subclass_says_no),
		T(test_invalid_parameters_fail_the_attempt),
		T(test_connect_params_come_from_global_config_and_tid_overrides),
		T(test_tid_host_nqn_drives_the_connect_host_nqn),
		T(test_reloaded_global_config_applies_to_the_next_attempt),
		T(test_ignore_iface_keeps_host_iface_out_of_the_connect),
		T(test_existing_kernel_connection_is_attached_not_connected),
		T(test_attach_failure_is_a_failed_attempt),
		T(test_existing_connection_of_another_subsystem_is_not_attached),
		T(test_unreachable_tcp_target_is_retried_without_a_kernel_connect),
		T(test_reachable_tcp_target_is_connected_after_the_probe),
		T(test_controllers_behind_one_port_share_one_probe),
		T(test_remove_event_restarts_a_fast_retry_and_keeps_the_object),
		T(test_aen_change_event_is_logged_and_dispatched),
		T(test_nvme_event_is_dispatched),
		T(test_uevents_of_other_devices_and_malformed_aens_are_ignored),
		T(test_disconnect_without_keep_disconnects_and_logs),
		T(test_disconnect_with_keep_leaves_the_kernel_connection),
		T(test_disconnect_of_an_unconnected_controller_reports_success),
		T(test_failed_disconnect_reports_failure),
		T(test_disconnect_waits_for_a_connect_in_flight),
		T(test_cancel_drops_a_late_failure_and_stops_retrying),
		T(test_id_and_info_dicts_have_the_upstream_keys_and_formats),
		T(test_info_shows_the_connect_operation_while_it_runs),
		T(test_details_add_sysfs_attributes_and_connected),
		T(test_no_secret_appears_in_any_dict),
		T(test_python_repr_of_dicts_quotes_like_python),
#undef T
	};

	stas_log_init("test-controller", STAS_LOG_STDOUT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
