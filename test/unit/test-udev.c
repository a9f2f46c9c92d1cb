/* SPDX-License-Identifier: Apache-2.0 */
/* uevent monitor and controller index (REFERENCE 5.3, 5.4, 5.19; SPEC section 2, B5) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "stas/stas-udev.h"

#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:11111111-1111-1111-1111-111111111111"
#define IOCNQN	"nqn.1988-11.com.dell:powerstore:00:1"

/* ---- debug log capture --------------------------------------------------- */

/* the log writer is per process: this test binary counts the monitor's error lines */
static guint n_error_lines;
static char last_error_line[256];

static GLogWriterOutput
capture_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
	for (gsize i = 0; i < n_fields; i++) {
		if (!g_str_equal(fields[i].key, "MESSAGE") || fields[i].length != -1)
			continue;
		if (strstr(fields[i].value, "receive error")) {
			n_error_lines++;
			g_strlcpy(last_error_line, fields[i].value, sizeof(last_error_line));
		}
	}
	if (level & G_LOG_LEVEL_DEBUG)
		return G_LOG_WRITER_HANDLED; /* the storm tests would print 10 000 lines */
	return g_log_writer_default(level, fields, n_fields, data);
}

/* ---- fixture ------------------------------------------------------------- */

typedef struct {
	GMainContext *ctx;
	GPtrArray *log; /* "<tag> <action> <sysname>" per callback */
	StasUdev *udev;

	/* fake sysfs for the attribute reader */
	GHashTable *sysfs;    /* sysname -> attribute map */
	GHashTable *children; /* sysnames with namespaces */
	GPtrArray *reads;     /* sysnames the reader was asked for */
} Fixture;

typedef struct {
	Fixture *fx;
	const char *name;
} Tag;

static int
setup(void **state)
{
	Fixture *fx = g_new0(Fixture, 1);

	fx->ctx = g_main_context_new();
	g_main_context_push_thread_default(fx->ctx);
	fx->log = g_ptr_array_new_with_free_func(g_free);
	fx->sysfs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  (GDestroyNotify)g_hash_table_unref);
	fx->children = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	fx->reads = g_ptr_array_new_with_free_func(g_free);
	fx->udev = stas_udev_new_detached();
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *fx = *state;

	g_clear_object(&fx->udev);
	g_main_context_pop_thread_default(fx->ctx);
	g_main_context_unref(fx->ctx);
	g_ptr_array_unref(fx->log);
	g_hash_table_unref(fx->sysfs);
	g_hash_table_unref(fx->children);
	g_ptr_array_unref(fx->reads);
	g_free(fx);
	return 0;
}

/* run the context until nothing is ready, bounded */
static void
iterate(Fixture *fx)
{
	for (int i = 0; i < 1000000 && g_main_context_iteration(fx->ctx, FALSE); i++)
		;
}

/* the callback log joined with '|' */
static char *
log_text(Fixture *fx)
{
	g_ptr_array_add(fx->log, NULL);
	char *s = g_strjoinv("|", (char **)fx->log->pdata);
	g_ptr_array_remove_index(fx->log, fx->log->len - 1);
	return s;
}

static void
assert_log(Fixture *fx, const char *expected)
{
	g_autofree char *text = log_text(fx);

	assert_string_equal(text, expected);
}

static void
record(StasUdev *udev, StasUevent *ev, gpointer user_data)
{
	Tag *tag = user_data;

	g_ptr_array_add(tag->fx->log,
			g_strdup_printf("%s %s %s", tag->name, stas_uevent_get_action(ev),
					stas_uevent_get_sysname(ev)));
}

/* same behaviour, another function: a different callback identity */
static void
record_other(StasUdev *udev, StasUevent *ev, gpointer user_data)
{
	Tag *tag = user_data;

	g_ptr_array_add(tag->fx->log,
			g_strdup_printf("other:%s %s %s", tag->name, stas_uevent_get_action(ev),
					stas_uevent_get_sysname(ev)));
}

/* an event from "KEY=VALUE" strings, NULL-terminated */
static StasUevent *
uevent(const char *action, const char *sysname, ...)
{
	g_autoptr(GPtrArray) env = g_ptr_array_new();
	va_list ap;

	va_start(ap, sysname);
	for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
		g_ptr_array_add(env, (gpointer)s);
	va_end(ap);
	g_ptr_array_add(env, NULL);
	return stas_uevent_new_from_envp(action, sysname, (const char *const *)env->pdata);
}

static void
inject(StasUdev *udev, StasUevent *ev)
{
	stas_udev_inject(udev, ev);
	stas_uevent_unref(ev);
}

/* a char* -> char* map from alternating key, value arguments, NULL-terminated */
static GHashTable *
map_of(const char *first, ...)
{
	GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	va_list ap;

	va_start(ap, first);
	for (const char *k = first; k; k = va_arg(ap, const char *))
		g_hash_table_insert(map, g_strdup(k), g_strdup(va_arg(ap, const char *)));
	va_end(ap);
	return map;
}

/* ---- events -------------------------------------------------------------- */

static void
test_uevent_keeps_action_device_name_and_properties(void **state)
{
	g_autoptr(StasUevent) ev = uevent("change", "nvme3", "NVME_AEN=0x70f002",
					  "NVME_EVENT=rediscover", "SEQNUM=4242", NULL);

	assert_string_equal(stas_uevent_get_action(ev), "change");
	assert_string_equal(stas_uevent_get_sysname(ev), "nvme3");
	assert_string_equal(stas_uevent_get_property(ev, "NVME_AEN"), "0x70f002");
	assert_string_equal(stas_uevent_get_property(ev, "NVME_EVENT"), "rediscover");
	assert_int_equal(stas_uevent_get_seqnum(ev), 4242);
	assert_null(stas_uevent_get_property(ev, "NVME_TRTYPE"));
	assert_int_equal(g_hash_table_size(stas_uevent_get_properties(ev)), 3);
}

static void
test_uevent_envp_splits_at_first_equals_and_skips_items_without_key(void **state)
{
	g_autoptr(StasUevent) ev =
		uevent("add", "nvme1", "NVME_TRADDR=a=b", "garbage", "=x", "EMPTY=", NULL);

	assert_string_equal(stas_uevent_get_property(ev, "NVME_TRADDR"), "a=b");
	assert_string_equal(stas_uevent_get_property(ev, "EMPTY"), "");
	assert_null(stas_uevent_get_property(ev, "garbage"));
	assert_null(stas_uevent_get_property(ev, ""));
	assert_int_equal(g_hash_table_size(stas_uevent_get_properties(ev)), 2);
	assert_int_equal(stas_uevent_get_seqnum(ev), 0);
}

static void
test_uevent_copies_the_property_map(void **state)
{
	g_autoptr(GHashTable) props = map_of("NVME_AEN", "0x70f002", NULL);
	g_autoptr(StasUevent) ev = stas_uevent_new("change", "nvme2", props);

	g_hash_table_insert(props, g_strdup("NVME_AEN"), g_strdup("changed"));
	assert_string_equal(stas_uevent_get_property(ev, "NVME_AEN"), "0x70f002");
}

static void
test_uevent_keeps_at_most_128_properties(void **state)
{
	g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(StasUevent) ev = NULL;

	for (int i = 0; i < 1000; i++)
		g_ptr_array_add(env, g_strdup_printf("K%d=v", i));
	g_ptr_array_add(env, NULL);
	ev = stas_uevent_new_from_envp("add", "nvme1", (const char *const *)env->pdata);
	assert_int_equal(g_hash_table_size(stas_uevent_get_properties(ev)), 128);
}

/* ---- dispatch ------------------------------------------------------------ */

static void
test_callbacks_run_from_idle_never_inside_inject(void **state)
{
	Fixture *fx = *state;
	Tag act = {fx, "act"}, dev = {fx, "dev"};

	stas_udev_register_action(fx->udev, "add", record, &act);
	stas_udev_register_device(fx->udev, "nvme1", record, &dev);
	inject(fx->udev, uevent("add", "nvme1", NULL));
	assert_int_equal(fx->log->len, 0);
	assert_int_equal(stas_udev_get_n_events(fx->udev), 1);

	iterate(fx);
	assert_log(fx, "act add nvme1|dev add nvme1");
}

static void
test_action_callbacks_run_in_registration_order_then_device_callback(void **state)
{
	Fixture *fx = *state;
	Tag a = {fx, "a"}, b = {fx, "b"}, dev = {fx, "dev"};

	stas_udev_register_device(fx->udev, "nvme4", record, &dev);
	stas_udev_register_action(fx->udev, "change", record, &b);
	stas_udev_register_action(fx->udev, "change", record, &a);
	inject(fx->udev, uevent("change", "nvme4", "NVME_AEN=0x70f002", NULL));
	iterate(fx);
	assert_log(fx, "b change nvme4|a change nvme4|dev change nvme4");
}

static void
test_action_callbacks_get_only_their_action(void **state)
{
	Fixture *fx = *state;
	Tag add = {fx, "add"}, rm = {fx, "rm"};

	stas_udev_register_action(fx->udev, "add", record, &add);
	stas_udev_register_action(fx->udev, "remove", record, &rm);
	inject(fx->udev, uevent("change", "nvme1", NULL));
	inject(fx->udev, uevent("remove", "nvme1", NULL));
	inject(fx->udev, uevent("add", "nvme2", NULL));
	iterate(fx);
	assert_log(fx, "rm remove nvme1|add add nvme2");
}

static void
test_same_action_callback_registered_twice_runs_once(void **state)
{
	Fixture *fx = *state;
	Tag a = {fx, "a"}, b = {fx, "b"};

	stas_udev_register_action(fx->udev, "add", record, &a);
	stas_udev_register_action(fx->udev, "add", record, &a);
	assert_true(stas_udev_is_action_registered(fx->udev, "add", record, &a));
	assert_false(stas_udev_is_action_registered(fx->udev, "add", record, &b));
	assert_false(stas_udev_is_action_registered(fx->udev, "add", record_other, &a));
	assert_false(stas_udev_is_action_registered(fx->udev, "remove", record, &a));
	inject(fx->udev, uevent("add", "nvme1", NULL));
	iterate(fx);
	assert_log(fx, "a add nvme1");
}

static void
test_action_unregistration_is_by_callback_identity(void **state)
{
	Fixture *fx = *state;
	Tag a = {fx, "a"}, b = {fx, "b"};

	stas_udev_register_action(fx->udev, "add", record, &a);
	stas_udev_register_action(fx->udev, "add", record, &b);
	stas_udev_unregister_action(fx->udev, "add", record_other, &a); /* not registered */
	stas_udev_unregister_action(fx->udev, "remove", record, &a);	/* other action */
	stas_udev_unregister_action(fx->udev, "add", record, &b);
	assert_false(stas_udev_is_action_registered(fx->udev, "add", record, &b));
	inject(fx->udev, uevent("add", "nvme1", NULL));
	iterate(fx);
	assert_log(fx, "a add nvme1");
}

static void
test_action_unregistration_without_action_leaves_every_action(void **state)
{
	Fixture *fx = *state;
	Tag a = {fx, "a"}, b = {fx, "b"};

	stas_udev_register_action(fx->udev, "add", record, &a);
	stas_udev_register_action(fx->udev, "remove", record, &a);
	stas_udev_register_action(fx->udev, "remove", record, &b);
	stas_udev_unregister_action(fx->udev, NULL, record, &a);
	inject(fx->udev, uevent("add", "nvme1", NULL));
	inject(fx->udev, uevent("remove", "nvme1", NULL));
	iterate(fx);
	assert_log(fx, "b remove nvme1");
}

static void
test_device_reregistration_replaces_the_callback(void **state)
{
	Fixture *fx = *state;
	Tag first = {fx, "first"}, second = {fx, "second"};

	stas_udev_register_device(fx->udev, "nvme1", record, &first);
	stas_udev_register_device(fx->udev, "nvme1", record_other, &second);
	inject(fx->udev, uevent("change", "nvme1", NULL));
	iterate(fx);
	assert_log(fx, "other:second change nvme1");
}

static void
test_device_unregistration_needs_the_registered_callback(void **state)
{
	Fixture *fx = *state;
	Tag a = {fx, "a"}, b = {fx, "b"};

	stas_udev_register_device(fx->udev, "nvme1", record, &a);
	stas_udev_unregister_device(fx->udev, "nvme1", record, &b);
	stas_udev_unregister_device(fx->udev, "nvme1", record_other, &a);
	stas_udev_unregister_device(fx->udev, "nvme2", record, &a);
	inject(fx->udev, uevent("change", "nvme1", NULL));
	iterate(fx);
	assert_log(fx, "a change nvme1");

	g_ptr_array_set_size(fx->log, 0);
	stas_udev_unregister_device(fx->udev, "nvme1", record, &a);
	inject(fx->udev, uevent("change", "nvme1", NULL));
	iterate(fx);
	assert_log(fx, "");
}

static void
test_device_unregistration_without_name_drops_every_registration_of_the_callback(void **state)
{
	Fixture *fx = *state;
	Tag a = {fx, "a"}, b = {fx, "b"};

	stas_udev_register_device(fx->udev, "nvme1", record, &a);
	stas_udev_register_device(fx->udev, "nvme2", record, &a);
	stas_udev_register_device(fx->udev, "nvme3", record, &b);
	stas_udev_unregister_device(fx->udev, NULL, record, &a);
	inject(fx->udev, uevent("change", "nvme1", NULL));
	inject(fx->udev, uevent("change", "nvme2", NULL));
	inject(fx->udev, uevent("change", "nvme3", NULL));
	iterate(fx);
	assert_log(fx, "b change nvme3");
}

static void
test_empty_device_name_is_not_registered(void **state)
{
	Fixture *fx = *state;
	Tag a = {fx, "a"};

	stas_udev_register_device(fx->udev, "", record, &a);
	inject(fx->udev, uevent("change", "", NULL));
	iterate(fx);
	assert_log(fx, "");
}

static void
test_events_of_unregistered_devices_go_only_to_action_callbacks(void **state)
{
	Fixture *fx = *state;
	Tag act = {fx, "act"}, dev = {fx, "dev"};

	stas_udev_register_action(fx->udev, "remove", record, &act);
	stas_udev_register_device(fx->udev, "nvme1", record, &dev);
	inject(fx->udev, uevent("remove", "nvme2", NULL));
	iterate(fx);
	assert_log(fx, "act remove nvme2");
}

static void
test_callbacks_unregistered_before_dispatch_are_not_called(void **state)
{
	Fixture *fx = *state;
	Tag act = {fx, "act"}, dev = {fx, "dev"};

	stas_udev_register_action(fx->udev, "remove", record, &act);
	stas_udev_register_device(fx->udev, "nvme1", record, &dev);
	inject(fx->udev, uevent("remove", "nvme1", NULL));
	stas_udev_unregister_action(fx->udev, "remove", record, &act);
	stas_udev_unregister_device(fx->udev, "nvme1", record, &dev);
	iterate(fx);
	assert_log(fx, "");
}

typedef struct {
	Tag tag;
	Tag *victim;
} Unregisterer;

/* records, then unregisters another action callback and the nvme1 device callback */
static void
unregister_victim(StasUdev *udev, StasUevent *ev, gpointer user_data)
{
	Unregisterer *u = user_data;

	record(udev, ev, &u->tag);
	stas_udev_unregister_action(udev, "add", record, u->victim);
	stas_udev_unregister_device(udev, "nvme1", record, u->victim);
}

static void
test_callback_unregistered_by_an_earlier_callback_of_the_same_event_is_not_called(void **state)
{
	Fixture *fx = *state;
	Tag victim = {fx, "victim"};
	Unregisterer u = {{fx, "first"}, &victim};

	stas_udev_register_action(fx->udev, "add", unregister_victim, &u);
	stas_udev_register_action(fx->udev, "add", record, &victim);
	stas_udev_register_device(fx->udev, "nvme1", record, &victim);
	inject(fx->udev, uevent("add", "nvme1", NULL));
	inject(fx->udev, uevent("add", "nvme1", NULL));
	iterate(fx);
	assert_log(fx, "first add nvme1|first add nvme1");
}

static void
count_in_order(StasUdev *udev, StasUevent *ev, gpointer user_data)
{
	guint64 *next = user_data;

	/* a lost or reordered event stops the count */
	if (stas_uevent_get_seqnum(ev) == *next)
		(*next)++;
}

static void
test_10000_injected_events_are_all_delivered_in_order(void **state)
{
	Fixture *fx = *state;
	guint64 next_add = 1, next_dev = 1;

	stas_udev_register_action(fx->udev, "add", count_in_order, &next_add);
	stas_udev_register_device(fx->udev, "nvme7", count_in_order, &next_dev);
	for (int i = 1; i <= 10000; i++) {
		g_autofree char *seq = g_strdup_printf("SEQNUM=%d", i);

		inject(fx->udev, uevent("add", "nvme7", seq, NULL));
	}
	assert_int_equal(next_add, 1);
	iterate(fx);
	assert_int_equal(next_add, 10001);
	assert_int_equal(next_dev, 10001);
	assert_int_equal(stas_udev_get_n_events(fx->udev), 10000);
}

static void
test_sources_attach_to_the_thread_default_context(void **state)
{
	Fixture *fx = *state;
	Tag act = {fx, "act"};

	stas_udev_register_action(fx->udev, "add", record, &act);
	inject(fx->udev, uevent("add", "nvme1", NULL));
	for (int i = 0; i < 10 && g_main_context_iteration(NULL, FALSE); i++)
		;
	assert_int_equal(fx->log->len, 0);
	iterate(fx);
	assert_log(fx, "act add nvme1");
}

/* ---- disposal ------------------------------------------------------------ */

static void
test_unref_removes_sources_and_no_callback_runs_after(void **state)
{
	Fixture *fx = *state;
	Tag act = {fx, "act"}, dev = {fx, "dev"};
	GSource *idle;

	stas_udev_register_action(fx->udev, "add", record, &act);
	stas_udev_register_device(fx->udev, "nvme1", record, &dev);
	inject(fx->udev, uevent("add", "nvme1", NULL));
	idle = g_main_context_find_source_by_user_data(fx->ctx, fx->udev);
	assert_non_null(idle);
	g_source_ref(idle);

	g_clear_object(&fx->udev);
	assert_true(g_source_is_destroyed(idle));
	g_source_unref(idle);
	iterate(fx);
	assert_log(fx, "");
}

static void
unref_owner(StasUdev *udev, StasUevent *ev, gpointer user_data)
{
	Tag *tag = user_data;

	record(udev, ev, tag);
	g_clear_object(&tag->fx->udev);
}

static void
test_callback_dropping_the_last_reference_stops_dispatch(void **state)
{
	Fixture *fx = *state;
	Tag owner = {fx, "owner"}, later = {fx, "later"};

	stas_udev_register_action(fx->udev, "change", unref_owner, &owner);
	stas_udev_register_action(fx->udev, "change", record, &later);
	stas_udev_register_device(fx->udev, "nvme1", record, &later);
	inject(fx->udev, uevent("change", "nvme1", NULL));
	inject(fx->udev, uevent("change", "nvme1", NULL));
	iterate(fx);
	assert_null(fx->udev);
	assert_log(fx, "owner change nvme1");
}

static void
test_inject_after_dispose_is_ignored(void **state)
{
	Fixture *fx = *state;
	Tag act = {fx, "act"};

	stas_udev_register_action(fx->udev, "add", record, &act);
	g_object_run_dispose(G_OBJECT(fx->udev));
	inject(fx->udev, uevent("add", "nvme1", NULL));
	iterate(fx);
	assert_log(fx, "");
	assert_int_equal(stas_udev_get_n_events(fx->udev), 0);
}

/* ---- the monitor's read loop, through the receiver seam ----------------- */

/* a scripted monitor: items are events, or errno values when ev is NULL */
typedef struct {
	int pipe[2];
	GQueue script; /* of ScriptItem */
	guint n_calls;
} FakeMonitor;

typedef struct {
	StasUevent *ev;
	int err;
} ScriptItem;

static void
fake_monitor_init(FakeMonitor *m)
{
	assert_int_equal(pipe(m->pipe), 0);
	g_queue_init(&m->script);
	m->n_calls = 0;
}

static void
fake_monitor_clear(FakeMonitor *m)
{
	ScriptItem *it;

	while ((it = g_queue_pop_head(&m->script))) {
		if (it->ev)
			stas_uevent_unref(it->ev);
		g_free(it);
	}
	close(m->pipe[0]);
	close(m->pipe[1]);
}

static void
script(FakeMonitor *m, StasUevent *ev, int err)
{
	ScriptItem *it = g_new0(ScriptItem, 1);

	it->ev = ev;
	it->err = err;
	g_queue_push_tail(&m->script, it);
}

/* make the fd readable: the "kernel" queued what is in the script */
static void
wake(FakeMonitor *m)
{
	assert_int_equal(write(m->pipe[1], "x", 1), 1);
}

static StasUevent *
fake_receive(gpointer user_data, int *err)
{
	FakeMonitor *m = user_data;
	g_autofree ScriptItem *it = g_queue_pop_head(&m->script);
	char c;

	m->n_calls++;
	if (!it) {
		/* nothing left: the socket is no longer readable */
		assert_int_equal(read(m->pipe[0], &c, 1), 1);
		*err = EAGAIN;
		return NULL;
	}
	*err = it->err;
	return it->ev;
}

static void
test_one_wakeup_drains_every_queued_event(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasUdev) udev = NULL;
	guint64 next = 1;
	FakeMonitor m;

	fake_monitor_init(&m);
	udev = stas_udev_new_with_receiver(m.pipe[0], fake_receive, &m);
	stas_udev_register_action(udev, "remove", count_in_order, &next);
	for (int i = 1; i <= 500; i++) {
		g_autofree char *seq = g_strdup_printf("SEQNUM=%d", i);

		script(&m, uevent("remove", "nvme1", seq, NULL), 0);
	}
	wake(&m);

	/* one iteration dispatches the monitor source (G_PRIORITY_HIGH) only */
	assert_true(g_main_context_iteration(fx->ctx, FALSE));
	assert_int_equal(m.n_calls, 501);
	assert_int_equal(stas_udev_get_n_events(udev), 500);
	assert_int_equal(next, 1);

	iterate(fx);
	assert_int_equal(next, 501);
	assert_int_equal(m.n_calls, 501);
	fake_monitor_clear(&m);
}

static void
test_read_errors_are_counted_and_logged_once_per_2_s_with_the_count(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasUdev) udev = NULL;
	guint64 next = 1;
	FakeMonitor m;

	fake_monitor_init(&m);
	udev = stas_udev_new_with_receiver(m.pipe[0], fake_receive, &m);
	stas_udev_register_action(udev, "add", count_in_order, &next);
	script(&m, uevent("add", "nvme1", "SEQNUM=1", NULL), 0);
	script(&m, NULL, ENOBUFS);
	script(&m, NULL, ENOBUFS);
	script(&m, uevent("add", "nvme1", "SEQNUM=2", NULL), 0);
	script(&m, NULL, EINTR); /* retried, not an error */
	script(&m, NULL, 0);	 /* a message that was read and dropped */
	script(&m, NULL, ENOBUFS);
	script(&m, uevent("add", "nvme1", "SEQNUM=3", NULL), 0);
	n_error_lines = 0;
	wake(&m);
	iterate(fx);

	assert_int_equal(m.n_calls, 9); /* errors do not end the drain */
	assert_int_equal(next, 4);
	assert_int_equal(stas_udev_get_n_events(udev), 3);
	assert_int_equal(stas_udev_get_n_receive_errors(udev), 3);
	assert_int_equal(n_error_lines, 1);
	assert_non_null(strstr(last_error_line, g_strerror(ENOBUFS)));
	assert_non_null(strstr(last_error_line, "[1]"));

	/* within 2 s: counted, not logged */
	script(&m, NULL, ENOBUFS);
	wake(&m);
	iterate(fx);
	assert_int_equal(stas_udev_get_n_receive_errors(udev), 4);
	assert_int_equal(n_error_lines, 1);
	fake_monitor_clear(&m);
}

static void
test_endless_read_errors_end_the_wakeup(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasUdev) udev = NULL;
	FakeMonitor m;

	fake_monitor_init(&m);
	udev = stas_udev_new_with_receiver(m.pipe[0], fake_receive, &m);
	for (int i = 0; i < 100; i++)
		script(&m, NULL, EIO);
	wake(&m);
	assert_true(g_main_context_iteration(fx->ctx, FALSE));
	assert_true(m.n_calls < 100);
	assert_int_equal(stas_udev_get_n_receive_errors(udev), m.n_calls);
	fake_monitor_clear(&m);
}

static void
test_unref_removes_the_monitor_source(void **state)
{
	Fixture *fx = *state;
	StasUdev *udev;
	GSource *source;
	FakeMonitor m;

	fake_monitor_init(&m);
	udev = stas_udev_new_with_receiver(m.pipe[0], fake_receive, &m);
	source = g_main_context_find_source_by_user_data(fx->ctx, udev);
	assert_non_null(source);
	assert_int_equal(g_source_get_priority(source), G_PRIORITY_HIGH);
	g_source_ref(source);
	g_object_unref(udev);
	assert_true(g_source_is_destroyed(source));
	g_source_unref(source);

	wake(&m);
	iterate(fx);
	assert_int_equal(m.n_calls, 0);
	fake_monitor_clear(&m);
}

/* ---- the real monitor ---------------------------------------------------- */

static void
test_real_monitor_constructs_and_tears_down(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GError) error = NULL;
	StasUdev *udev = stas_udev_new(&error);
	GSource *source;
	Tag act = {fx, "act"};

	assert_null(error);
	assert_non_null(udev);
	source = g_main_context_find_source_by_user_data(fx->ctx, udev);
	assert_non_null(source);
	assert_int_equal(g_source_get_priority(source), G_PRIORITY_HIGH);
	g_source_ref(source);

	/* injection works beside the monitor */
	stas_udev_register_action(udev, "add", record, &act);
	inject(udev, uevent("add", "nvme1", NULL));
	iterate(fx);
	assert_log(fx, "act add nvme1");

	g_object_unref(udev);
	assert_true(g_source_is_destroyed(source));
	g_source_unref(source);
}

/* ---- the controller index ----------------------------------------------- */

static GHashTable *
fake_read(const char *sysname, gboolean *has_children, gpointer user_data)
{
	Fixture *fx = user_data;
	GHashTable *data = g_hash_table_lookup(fx->sysfs, sysname);

	g_ptr_array_add(fx->reads, g_strdup(sysname));
	if (!data)
		return NULL;
	*has_children = g_hash_table_contains(fx->children, sysname);
	return g_hash_table_ref(data);
}

static void
use_fake_sysfs(Fixture *fx)
{
	stas_udev_set_attr_reader(fx->udev, fake_read, fx, NULL);
}

/* sysfs of an I/O controller over tcp, as the kernel writes it (with newlines) */
static void
sysfs_put_ioc(Fixture *fx, const char *sysname, const char *src_addr)
{
	g_autofree char *address = g_strdup_printf(
		"traddr=192.168.1.10,trsvcid=4420,host_iface=eth0,src_addr=%s\n", src_addr);

	g_hash_table_insert(fx->sysfs, g_strdup(sysname),
			    map_of("subsysnqn", IOCNQN "\n", "hostnqn", HOSTNQN "\n", "address",
				   address, "cntrltype", "io\n", "model", "ignored\n", NULL));
	g_hash_table_add(fx->children, g_strdup(sysname));
}

static StasUevent *
ioc_event(const char *action, const char *sysname, const char *extra)
{
	return uevent(action, sysname, "NVME_TRTYPE=tcp", "NVME_TRADDR=192.168.1.10",
		      "NVME_TRSVCID=4420", "NVME_HOST_TRADDR=none", "NVME_HOST_IFACE=eth0", extra,
		      NULL);
}

static void
test_add_event_indexes_the_controller_from_event_and_sysfs(void **state)
{
	Fixture *fx = *state;
	const StasExistingCtrl *c;

	use_fake_sysfs(fx);
	sysfs_put_ioc(fx, "nvme1", "192.168.1.50");
	inject(fx->udev, ioc_event("add", "nvme1", NULL));
	assert_null(stas_udev_index_lookup(fx->udev, "nvme1")); /* updated on dispatch */
	iterate(fx);

	c = stas_udev_index_lookup(fx->udev, "nvme1");
	assert_non_null(c);
	assert_string_equal(c->transport, "tcp");
	assert_string_equal(c->traddr, "192.168.1.10");
	assert_string_equal(c->trsvcid, "4420");
	assert_string_equal(c->host_traddr, ""); /* "none" */
	assert_string_equal(c->host_iface, "eth0");
	assert_string_equal(c->subsysnqn, IOCNQN);
	assert_string_equal(c->host_nqn, HOSTNQN);
	assert_string_equal(c->src_addr, "192.168.1.50");
	assert_string_equal(c->cntrltype, "io");
	assert_true(c->has_children);
	assert_int_equal(fx->reads->len, 1);
	assert_string_equal(fx->reads->pdata[0], "nvme1");
	assert_int_equal(stas_udev_index_size(fx->udev), 1);
}

static void
test_change_event_updates_uevent_properties_and_keeps_sysfs_ones(void **state)
{
	Fixture *fx = *state;
	const StasExistingCtrl *c;

	use_fake_sysfs(fx);
	sysfs_put_ioc(fx, "nvme1", "192.168.1.50");
	inject(fx->udev, ioc_event("add", "nvme1", NULL));
	inject(fx->udev, uevent("change", "nvme1", "NVME_TRTYPE=tcp", "NVME_TRADDR=192.168.1.10",
				"NVME_TRSVCID=4420", "NVME_HOST_TRADDR=192.168.1.51",
				"NVME_HOST_IFACE=eth1", "NVME_AEN=0x70f002", NULL));
	iterate(fx);

	c = stas_udev_index_lookup(fx->udev, "nvme1");
	assert_string_equal(c->host_traddr, "192.168.1.51");
	assert_string_equal(c->host_iface, "eth1");
	assert_string_equal(c->subsysnqn, IOCNQN);
	assert_string_equal(c->src_addr, "192.168.1.50");
	assert_true(c->has_children);
	assert_int_equal(fx->reads->len, 1); /* no sysfs read for a plain change */
}

static void
test_change_with_connected_event_reads_sysfs_again(void **state)
{
	Fixture *fx = *state;

	use_fake_sysfs(fx);
	sysfs_put_ioc(fx, "nvme1", "192.168.1.50");
	inject(fx->udev, ioc_event("add", "nvme1", NULL));
	iterate(fx);
	sysfs_put_ioc(fx, "nvme1", "192.168.1.60"); /* reconnected from another address */
	inject(fx->udev, ioc_event("change", "nvme1", "NVME_EVENT=connected"));
	iterate(fx);

	assert_string_equal(stas_udev_index_lookup(fx->udev, "nvme1")->src_addr, "192.168.1.60");
	assert_int_equal(fx->reads->len, 2);
}

static void
test_change_for_an_unknown_device_indexes_it(void **state)
{
	Fixture *fx = *state;

	use_fake_sysfs(fx);
	sysfs_put_ioc(fx, "nvme5", "192.168.1.50");
	inject(fx->udev, ioc_event("change", "nvme5", "NVME_AEN=0x70f002"));
	iterate(fx);

	assert_non_null(stas_udev_index_lookup(fx->udev, "nvme5"));
	assert_string_equal(stas_udev_index_lookup(fx->udev, "nvme5")->subsysnqn, IOCNQN);
	assert_int_equal(fx->reads->len, 1);
}

static void
test_add_of_a_vanished_device_keeps_the_event_properties(void **state)
{
	Fixture *fx = *state;
	const StasExistingCtrl *c;

	use_fake_sysfs(fx); /* nvme1 not in sysfs: removed before we looked */
	inject(fx->udev, ioc_event("add", "nvme1", NULL));
	iterate(fx);

	c = stas_udev_index_lookup(fx->udev, "nvme1");
	assert_non_null(c);
	assert_string_equal(c->traddr, "192.168.1.10");
	assert_string_equal(c->subsysnqn, "");
	assert_false(c->has_children);
}

static void
test_remove_event_drops_the_controller_and_its_candidate(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GPtrArray) before = NULL;
	g_autoptr(GPtrArray) after = NULL;

	use_fake_sysfs(fx);
	sysfs_put_ioc(fx, "nvme1", "192.168.1.50");
	inject(fx->udev, ioc_event("add", "nvme1", NULL));
	iterate(fx);
	before = stas_udev_index_candidates(fx->udev, "tcp", "192.168.1.10", "4420");
	inject(fx->udev, ioc_event("remove", "nvme1", NULL));
	iterate(fx);
	after = stas_udev_index_candidates(fx->udev, "tcp", "192.168.1.10", "4420");

	assert_int_equal(before->len, 1);
	assert_int_equal(after->len, 0);
	assert_null(stas_udev_index_lookup(fx->udev, "nvme1"));
	assert_int_equal(stas_udev_index_size(fx->udev), 0);
}

static void
record_index_state(StasUdev *udev, StasUevent *ev, gpointer user_data)
{
	Tag *tag = user_data;
	const char *name = stas_uevent_get_sysname(ev);

	g_ptr_array_add(tag->fx->log,
			g_strdup_printf("%s %s", stas_uevent_get_action(ev),
					stas_udev_index_lookup(udev, name) ? "indexed" : "absent"));
}

static void
test_index_is_updated_before_the_event_callbacks_run(void **state)
{
	Fixture *fx = *state;
	Tag t = {fx, "t"};

	use_fake_sysfs(fx);
	sysfs_put_ioc(fx, "nvme1", "192.168.1.50");
	stas_udev_register_action(fx->udev, "add", record_index_state, &t);
	stas_udev_register_device(fx->udev, "nvme1", record_index_state, &t);
	inject(fx->udev, ioc_event("add", "nvme1", NULL));
	inject(fx->udev, ioc_event("remove", "nvme1", NULL));
	iterate(fx);
	assert_log(fx, "add indexed|add indexed|remove absent");
}

static void
test_populate_reads_each_device_and_skips_vanished_ones(void **state)
{
	Fixture *fx = *state;
	const char *const names[] = {"nvme0", "nvme9", "nvme1", NULL};
	const StasExistingCtrl *c;

	use_fake_sysfs(fx);
	sysfs_put_ioc(fx, "nvme1", "192.168.1.50");
	/* no NVME_* keys: taken from the sysfs transport and address attributes */
	g_hash_table_insert(fx->sysfs, g_strdup("nvme0"),
			    map_of("transport", "tcp\n", "subsysnqn", STAS_WELL_KNOWN_DISC_NQN "\n",
				   "address",
				   "traddr=10.0.0.1,trsvcid=8009,host_traddr=10.0.0.2,"
				   "host_iface=eth2,src_addr=10.0.0.2\n",
				   NULL));
	stas_udev_index_populate(fx->udev, names);

	assert_int_equal(fx->reads->len, 3);
	assert_int_equal(stas_udev_index_size(fx->udev), 2);
	assert_null(stas_udev_index_lookup(fx->udev, "nvme9"));
	c = stas_udev_index_lookup(fx->udev, "nvme0");
	assert_string_equal(c->transport, "tcp");
	assert_string_equal(c->traddr, "10.0.0.1");
	assert_string_equal(c->trsvcid, "8009");
	assert_string_equal(c->host_traddr, "10.0.0.2");
	assert_string_equal(c->host_iface, "eth2");
	assert_string_equal(c->src_addr, "10.0.0.2");
	assert_false(c->has_children);
	assert_true(stas_existing_ctrl_is_dc(c));
	assert_true(stas_existing_ctrl_is_ioc(stas_udev_index_lookup(fx->udev, "nvme1")));
}

static void
test_index_set_replaces_and_remove_drops(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GHashTable) first = map_of("NVME_TRTYPE", "fc", "NVME_TRADDR", "nn-0x1:pn-0x2",
					     "NVME_TRSVCID", "none", NULL);
	g_autoptr(GHashTable) second = map_of("NVME_TRTYPE", "fc", "NVME_TRADDR", "nn-0x3:pn-0x4",
					      "NVME_TRSVCID", "none", NULL);
	g_autoptr(GPtrArray) old_target = NULL;
	g_autoptr(GPtrArray) new_target = NULL;

	stas_udev_index_set(fx->udev, "nvme2", first, FALSE);
	stas_udev_index_set(fx->udev, "nvme2", second, TRUE);
	old_target = stas_udev_index_candidates(fx->udev, "fc", "nn-0x1:pn-0x2", "");
	new_target = stas_udev_index_candidates(fx->udev, "fc", "nn-0x3:pn-0x4", "");
	assert_int_equal(old_target->len, 0);
	assert_int_equal(new_target->len, 1);
	assert_string_equal(stas_udev_index_lookup(fx->udev, "nvme2")->trsvcid, "");
	assert_true(stas_udev_index_lookup(fx->udev, "nvme2")->has_children);

	stas_udev_index_remove(fx->udev, "nvme2");
	assert_int_equal(stas_udev_index_size(fx->udev), 0);
}

static void
index_tcp(Fixture *fx, const char *sysname, const char *traddr, const char *trsvcid)
{
	g_autoptr(GHashTable) data = map_of("NVME_TRTYPE", "tcp", "NVME_TRADDR", traddr,
					    "NVME_TRSVCID", trsvcid, "hostnqn", HOSTNQN, NULL);

	stas_udev_index_set(fx->udev, sysname, data, FALSE);
}

static char *
joined(GPtrArray *names)
{
	g_ptr_array_add(names, NULL);
	char *s = g_strjoinv(",", (char **)names->pdata);
	g_ptr_array_remove_index(names, names->len - 1);
	return s;
}

static void
assert_candidates(Fixture *fx, const char *transport, const char *traddr, const char *trsvcid,
		  const char *expected)
{
	g_autoptr(GPtrArray) names =
		stas_udev_index_candidates(fx->udev, transport, traddr, trsvcid);
	g_autofree char *text = joined(names);

	assert_string_equal(text, expected);
}

static void
test_candidates_compare_tcp_addresses_as_ip_addresses(void **state)
{
	Fixture *fx = *state;

	index_tcp(fx, "nvme1", "::ffff:192.168.1.10", "4420");
	index_tcp(fx, "nvme2", "FE80:0:0::AB", "8009");
	assert_candidates(fx, "tcp", "192.168.1.10", "4420", "nvme1");
	assert_candidates(fx, "tcp", "::FFFF:192.168.1.10", "4420", "nvme1");
	assert_candidates(fx, "tcp", "fe80::ab", "8009", "nvme2");
	assert_candidates(fx, "tcp", "192.168.1.10", "4421", "");
	assert_candidates(fx, "rdma", "192.168.1.10", "4420", "");
	assert_candidates(fx, "tcp", "192.168.1.11", "4420", "");
	assert_candidates(fx, "", "", "", "");
}

static void
test_candidates_compare_fc_addresses_case_insensitively(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GHashTable) data =
		map_of("NVME_TRTYPE", "fc", "NVME_TRADDR",
		       "nn-0x20000090FA942779:pn-0x10000090FA942779", "NVME_TRSVCID", "none", NULL);

	stas_udev_index_set(fx->udev, "nvme3", data, FALSE);
	assert_candidates(fx, "fc", "nn-0x20000090fa942779:pn-0x10000090fa942779", "", "nvme3");
	assert_candidates(fx, "fc", "nn-0x20000090fa942779:pn-0x10000090fa942770", "", "");
}

static void
test_candidates_come_in_instance_order(void **state)
{
	Fixture *fx = *state;

	index_tcp(fx, "nvme10", "10.0.0.1", "4420");
	index_tcp(fx, "nvme2", "10.0.0.1", "4420");
	index_tcp(fx, "nvme1", "10.0.0.1", "4420");
	index_tcp(fx, "nvme3", "10.0.0.2", "4420");
	assert_candidates(fx, "tcp", "10.0.0.1", "4420", "nvme1,nvme2,nvme10");
}

static gboolean
count_and_accept(const StasTid *tid, const char *sysname, const StasExistingCtrl *ctrl,
		 gpointer user_data)
{
	guint *n = user_data;

	(*n)++;
	return TRUE;
}

static const StasTidDefaults ioc_defaults = {.kind = STAS_TID_KIND_IOC};
static const StasTidDefaults dc_defaults = {.kind = STAS_TID_KIND_DC};

static void
test_finding_a_controller_among_10000_looks_at_its_candidates_only(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasTid) present =
		stas_tid_new("tcp", "10.3.7.9", "4420", IOCNQN, NULL, NULL, HOSTNQN, &ioc_defaults);
	g_autoptr(StasTid) absent = stas_tid_new("tcp", "10.99.0.1", "4420", IOCNQN, NULL, NULL,
						 HOSTNQN, &ioc_defaults);
	guint n = 0;

	for (int i = 0; i < 10000; i++) {
		g_autofree char *name = g_strdup_printf("nvme%d", i);
		g_autofree char *traddr =
			g_strdup_printf("10.%d.%d.%d", i / 2500, (i / 50) % 50, i % 50);

		index_tcp(fx, name, traddr, "4420");
	}
	assert_int_equal(stas_udev_index_size(fx->udev), 10000);

	/* 10.3.7.9 is i = 3 * 2500 + 7 * 50 + 9 */
	assert_string_equal(stas_udev_index_find(fx->udev, present, count_and_accept, &n),
			    "nvme7859");
	assert_int_equal(n, 1);
	n = 0;
	assert_null(stas_udev_index_find(fx->udev, absent, count_and_accept, &n));
	assert_int_equal(n, 0);
}

static void
test_find_existing_applies_the_kind_and_the_matching_rules(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GHashTable) dc = map_of("NVME_TRTYPE", "tcp", "NVME_TRADDR", "10.0.0.1",
					  "NVME_TRSVCID", "4420", "subsysnqn", "nqn.dc.unique",
					  "hostnqn", HOSTNQN, "cntrltype", "discovery", NULL);
	g_autoptr(GHashTable) ioc =
		map_of("NVME_TRTYPE", "tcp", "NVME_TRADDR", "10.0.0.1", "NVME_TRSVCID", "4420",
		       "subsysnqn", IOCNQN, "hostnqn", HOSTNQN, "cntrltype", "io", NULL);
	g_autoptr(StasTid) want_ioc =
		stas_tid_new("tcp", "10.0.0.1", "4420", IOCNQN, NULL, NULL, HOSTNQN, &ioc_defaults);
	g_autoptr(StasTid) want_dc =
		stas_tid_new("tcp", "10.0.0.1", "4420", STAS_WELL_KNOWN_DISC_NQN, NULL, NULL,
			     HOSTNQN, &dc_defaults);
	g_autoptr(StasTid) other_host = stas_tid_new("tcp", "10.0.0.1", "4420", IOCNQN, NULL, NULL,
						     "nqn.other", &ioc_defaults);

	stas_udev_index_set(fx->udev, "nvme1", dc, FALSE);
	stas_udev_index_set(fx->udev, "nvme2", ioc, TRUE);
	assert_string_equal(
		stas_udev_index_find_existing(fx->udev, want_ioc, STAS_TID_KIND_IOC, NULL),
		"nvme2");
	/* TP8013: the well-known NQN matches a DC that reports its unique NQN */
	assert_string_equal(
		stas_udev_index_find_existing(fx->udev, want_dc, STAS_TID_KIND_DC, NULL), "nvme1");
	assert_null(stas_udev_index_find_existing(fx->udev, want_ioc, STAS_TID_KIND_DC, NULL));
	assert_null(stas_udev_index_find_existing(fx->udev, other_host, STAS_TID_KIND_IOC, NULL));
}

static void
count_entry(const char *sysname, const StasExistingCtrl *ctrl, gpointer user_data)
{
	guint *n = user_data;

	assert_true(g_str_has_prefix(sysname, "nvme"));
	assert_non_null(ctrl);
	(*n)++;
}

static void
test_foreach_visits_every_controller(void **state)
{
	Fixture *fx = *state;
	guint n = 0;

	index_tcp(fx, "nvme1", "10.0.0.1", "4420");
	index_tcp(fx, "nvme2", "10.0.0.2", "4420");
	index_tcp(fx, "nvme3", "10.0.0.2", "4420");
	stas_udev_index_foreach(fx->udev, count_entry, &n);
	assert_int_equal(n, 3);
}

static void
test_10000_add_then_remove_events_leave_an_empty_index(void **state)
{
	Fixture *fx = *state;

	for (int i = 0; i < 10000; i++) {
		g_autofree char *name = g_strdup_printf("nvme%d", i);
		g_autofree char *traddr =
			g_strdup_printf("NVME_TRADDR=10.%d.%d.%d", i / 2500, (i / 50) % 50, i % 50);

		inject(fx->udev,
		       uevent("add", name, "NVME_TRTYPE=tcp", traddr, "NVME_TRSVCID=4420", NULL));
	}
	iterate(fx);
	assert_int_equal(stas_udev_index_size(fx->udev), 10000);
	assert_candidates(fx, "tcp", "10.3.7.9", "4420", "nvme7859");

	for (int i = 0; i < 10000; i++) {
		g_autofree char *name = g_strdup_printf("nvme%d", i);

		inject(fx->udev, uevent("remove", name, NULL));
	}
	iterate(fx);
	assert_int_equal(stas_udev_index_size(fx->udev), 0);
	assert_candidates(fx, "tcp", "10.3.7.9", "4420", "");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_uevent_keeps_action_device_name_and_properties),
		T(test_uevent_envp_splits_at_first_equals_and_skips_items_without_key),
		T(test_uevent_copies_the_property_map),
		T(test_uevent_keeps_at_most_128_properties),
		T(test_callbacks_run_from_idle_never_inside_inject),
		T(test_action_callbacks_run_in_registration_order_then_device_callback),
		T(test_action_callbacks_get_only_their_action),
		T(test_same_action_callback_registered_twice_runs_once),
		T(test_action_unregistration_is_by_callback_identity),
		T(test_action_unregistration_without_action_leaves_every_action),
		T(test_device_reregistration_replaces_the_callback),
		T(test_device_unregistration_needs_the_registered_callback),
		T(test_device_unregistration_without_name_drops_every_registration_of_the_callback),
		T(test_empty_device_name_is_not_registered),
		T(test_events_of_unregistered_devices_go_only_to_action_callbacks),
		T(test_callbacks_unregistered_before_dispatch_are_not_called),
		T(test_callback_unregistered_by_an_earlier_callback_of_the_same_event_is_not_called),
		T(test_10000_injected_events_are_all_delivered_in_order),
		T(test_sources_attach_to_the_thread_default_context),
		T(test_unref_removes_sources_and_no_callback_runs_after),
		T(test_callback_dropping_the_last_reference_stops_dispatch),
		T(test_inject_after_dispose_is_ignored),
		T(test_one_wakeup_drains_every_queued_event),
		T(test_read_errors_are_counted_and_logged_once_per_2_s_with_the_count),
		T(test_endless_read_errors_end_the_wakeup),
		T(test_unref_removes_the_monitor_source),
		T(test_real_monitor_constructs_and_tears_down),
		T(test_add_event_indexes_the_controller_from_event_and_sysfs),
		T(test_change_event_updates_uevent_properties_and_keeps_sysfs_ones),
		T(test_change_with_connected_event_reads_sysfs_again),
		T(test_change_for_an_unknown_device_indexes_it),
		T(test_add_of_a_vanished_device_keeps_the_event_properties),
		T(test_remove_event_drops_the_controller_and_its_candidate),
		T(test_index_is_updated_before_the_event_callbacks_run),
		T(test_populate_reads_each_device_and_skips_vanished_ones),
		T(test_index_set_replaces_and_remove_drops),
		T(test_candidates_compare_tcp_addresses_as_ip_addresses),
		T(test_candidates_compare_fc_addresses_case_insensitively),
		T(test_candidates_come_in_instance_order),
		T(test_finding_a_controller_among_10000_looks_at_its_candidates_only),
		T(test_find_existing_applies_the_kind_and_the_matching_rules),
		T(test_foreach_visits_every_controller),
		T(test_10000_add_then_remove_events_leave_an_empty_index),
	};

	g_log_set_writer_func(capture_writer, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
