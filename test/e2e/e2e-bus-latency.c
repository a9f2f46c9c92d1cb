/* SPDX-License-Identifier: Apache-2.0 */
/*
 * e2e-bus-latency: how fast daemons' main loops answer D-Bus, for the e2e
 * fault scenarios (issue 7: "the main loop stays responsive: a D-Bus call
 * answers within 100 ms throughout").
 *
 *   e2e-bus-latency [--interval-ms 200] [--timeout-ms 5000] [--out-dir DIR]
 *                   NAME DEST PATH INTERFACE METHOD ARGS [NAME DEST ...]...
 *
 * one bus connection is kept for the whole run, so that what is timed is the
 * round trip through dbus-daemon and the daemon's main loop, not the
 * start-up of a client process (gdbus, busctl or stafctl take longer than
 * that to start under TCG).  every interval (counted from the end of the
 * previous round) each target is called once, in order; ARGS is a GVariant
 * tuple in text form, e.g. "(false,)" or "()".
 *
 * in a one-vCPU TCG guest on a shared host the end-to-end latency of a call
 * mostly measures the guest, so each call also gets:
 * - stall: the part of the call during which the guest as a whole did not
 *   run (qemu descheduled by the host, TCG flushing its code cache): a
 *   heartbeat thread that wakes every 5 ms records each time it was woken
 *   more than 2 ms late.
 * - wait: the run-queue wait (/proc/PID/task/TID/schedstat, 2nd field)
 *   during the call of the threads the call goes through: this process'
 *   main and gdbus threads, dbus-daemon's main thread, the daemon's main
 *   and gdbus threads (pids from the bus: GetConnectionUnixProcessID).
 *   these waits overlap, so their sum over-counts.
 * - busy: how long the daemon's main loop was not free during the call: its
 *   main thread's CPU time (schedstat, 1st field) plus the time it slept
 *   anywhere but in poll (sampled by the heartbeat from
 *   /proc/PID/task/PID/syscall: a blocking ioctl, read or futex in the main
 *   loop counts), minus the stalls.
 * "own" = latency - stall - wait (at least 0), and "busy", are the daemon's
 * share two ways: a main loop that blocks or spins shows in busy, a reply
 * held back while the main loop idles shows in own.
 *
 * the first answer of every target prints "READY" on stderr.  at SIGTERM or
 * SIGINT: DIR/lat-NAME.txt, a line per call "<start ms> <latency us> <stall
 * us> <wait us> <busy us> ok" (or "... error <message>"), the start on
 * CLOCK_MONOTONIC (in the guest, which never suspends, the clock of
 * /proc/uptime); and a summary line per target on stdout:
 *   NAME calls=N ok=N failed=N p50_ms=X p99_ms=X max_ms=X own_p99_ms=X
 *   own_max_ms=X busy_p99_ms=X busy_max_ms=X stall_ms=X
 * exit status 0 when every call was answered.
 *
 * threading: the calls run on the main thread, synchronously on purpose;
 * the heartbeat thread appends to the stall list (under the mutex) and adds
 * to the in-flight call's blocked time (atomics).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#define HEARTBEAT_US 5000
#define LATE_US	     2000

typedef struct {
	gint64 from;
	gint64 to;
} Stall;

typedef struct {
	gint64 start; /* us, CLOCK_MONOTONIC */
	gint64 latency;
	gint64 wait; /* us */
	gint64 busy; /* us, before the stalls are taken off */
	char *error; /* NULL: answered */
} Call;

/* the threads of one process a call goes through: main, and gdbus (0: none) */
typedef struct {
	int pid;
	int gdbus;
} Threads;

typedef struct {
	const char *name;
	const char *dest;
	const char *path;
	const char *iface;
	const char *method;
	GVariant *args;
	GArray *calls; /* Call */
	guint answered;
	Threads peer; /* pid 0: not known (yet, or since a failed call) */
} Target;

typedef struct {
	GDBusConnection *bus;
	GMainLoop *loop;
	GPtrArray *targets; /* Target */
	int timeout_ms;
	guint interval_ms;
	char *out_dir;
	guint ready;
	Threads self;
	Threads bus_daemon;

	GMutex lock;
	GArray *stalls; /* Stall, under lock */
	gint stop;
	gint inflight_pid; /* the daemon a call is waiting for, 0: none */
	gint blocked_us;   /* its main thread asleep outside poll, this call */
	GThread *heartbeat;
} Probe;

static void
target_free(gpointer data)
{
	Target *t = data;

	for (guint i = 0; i < t->calls->len; i++)
		g_free(g_array_index(t->calls, Call, i).error);
	g_array_unref(t->calls);
	if (t->args != NULL)
		g_variant_unref(t->args);
	g_free(t);
}

/* ---- /proc ----------------------------------------------------------------- */

/* a field of /proc/PID/task/TID/schedstat in ns (0 run time, 1 run-queue wait), 0 if unknown */
static gint64
schedstat_ns(int pid, int tid, int field)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/task/%d/schedstat", pid, tid);
	g_autofree char *text = NULL;
	gint64 v[2] = {0, 0};

	if (pid <= 0 || tid <= 0 || !g_file_get_contents(path, &text, NULL, NULL) ||
	    sscanf(text, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &v[0], &v[1]) != 2)
		return 0;
	return v[field];
}

static gint64
threads_wait_ns(const Threads *t)
{
	return schedstat_ns(t->pid, t->pid, 1) + schedstat_ns(t->pid, t->gdbus, 1);
}

/* the tid of pid's thread named "gdbus", 0 if none */
static int
find_gdbus(int pid)
{
	g_autofree char *dir = g_strdup_printf("/proc/%d/task", pid);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_strdup_printf("%s/%s/comm", dir, name);
		g_autofree char *comm = NULL;

		if (g_file_get_contents(path, &comm, NULL, NULL) && g_str_has_prefix(comm, "gdbus"))
			return atoi(name);
	}
	return 0;
}

static Threads
threads_of(int pid)
{
	Threads t = {pid, pid > 0 ? find_gdbus(pid) : 0};

	return t;
}

static gboolean
is_poll_syscall(long nr)
{
	switch (nr) {
#ifdef SYS_poll
	case SYS_poll:
#endif
#ifdef SYS_select
	case SYS_select:
#endif
#ifdef SYS_epoll_wait
	case SYS_epoll_wait:
#endif
	case SYS_ppoll:
	case SYS_pselect6:
	case SYS_epoll_pwait:
		return TRUE;
	default:
		return FALSE;
	}
}

/* the main thread of pid sleeps in a system call other than poll */
static gboolean
main_thread_blocked(int pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/task/%d/syscall", pid, pid);
	g_autofree char *text = NULL;
	long nr;

	/* "running" (on a CPU or runnable), or "<nr> <args...>" while in a system call */
	if (!g_file_get_contents(path, &text, NULL, NULL) || !g_ascii_isdigit(text[0]))
		return FALSE;
	nr = strtol(text, NULL, 10);
	return !is_poll_syscall(nr);
}

/* the pid of a bus name's owner, 0 if not known */
static int
owner_pid(Probe *p, const char *name)
{
	g_autoptr(GVariant) r = g_dbus_connection_call_sync(
		p->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		"GetConnectionUnixProcessID", g_variant_new("(s)", name), G_VARIANT_TYPE("(u)"),
		G_DBUS_CALL_FLAGS_NONE, p->timeout_ms, NULL, NULL);
	guint32 pid = 0;

	if (r != NULL)
		g_variant_get(r, "(u)", &pid);
	return (int)pid;
}

/* ---- heartbeat --------------------------------------------------------------- */

static gpointer
heartbeat(gpointer data)
{
	Probe *p = data;
	gint64 last = g_get_monotonic_time();
	gint64 next = last + HEARTBEAT_US;

	while (!g_atomic_int_get(&p->stop)) {
		gint64 now = g_get_monotonic_time();
		int pid;

		if (next > now)
			g_usleep((gulong)(next - now));
		now = g_get_monotonic_time();
		if (now - next > LATE_US) {
			Stall s = {next, now};

			g_mutex_lock(&p->lock);
			g_array_append_val(p->stalls, s);
			g_mutex_unlock(&p->lock);
		}
		pid = g_atomic_int_get(&p->inflight_pid);
		if (pid > 0 && main_thread_blocked(pid))
			g_atomic_int_add(&p->blocked_us, (gint)MIN(now - last, 4 * HEARTBEAT_US));
		last = now;
		next = now + HEARTBEAT_US;
	}
	return NULL;
}

/* how much of [from, to] the guest spent stalled (the heartbeat has stopped) */
static gint64
stalled_within(Probe *p, gint64 from, gint64 to)
{
	gint64 sum = 0;

	for (guint i = 0; i < p->stalls->len; i++) {
		const Stall *s = &g_array_index(p->stalls, Stall, i);
		gint64 a = MAX(from, s->from), b = MIN(to, s->to);

		if (b > a)
			sum += b - a;
	}
	return sum;
}

/* ---- calls ------------------------------------------------------------------- */

/* the run-queue wait so far of the threads a call to t goes through */
static gint64
path_wait_ns(Probe *p, Target *t)
{
	gint64 ns = threads_wait_ns(&p->self) + threads_wait_ns(&p->bus_daemon);

	if (t->peer.pid != p->bus_daemon.pid)
		ns += threads_wait_ns(&t->peer);
	return ns;
}

static void
call_target(Probe *p, Target *t)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	Call c = {0};
	gint64 w0, r0;

	if (t->peer.pid == 0)
		t->peer = threads_of(owner_pid(p, t->dest));
	w0 = path_wait_ns(p, t);
	r0 = schedstat_ns(t->peer.pid, t->peer.pid, 0);
	g_atomic_int_set(&p->blocked_us, 0);
	g_atomic_int_set(&p->inflight_pid, t->peer.pid);
	c.start = g_get_monotonic_time();
	reply = g_dbus_connection_call_sync(p->bus, t->dest, t->path, t->iface, t->method, t->args,
					    NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, p->timeout_ms,
					    NULL, &error);
	c.latency = g_get_monotonic_time() - c.start;
	g_atomic_int_set(&p->inflight_pid, 0);
	c.busy = MAX(schedstat_ns(t->peer.pid, t->peer.pid, 0) - r0, 0) / 1000 +
		 g_atomic_int_get(&p->blocked_us);
	c.wait = MAX(path_wait_ns(p, t) - w0, 0) / 1000;
	if (reply == NULL) {
		c.error = g_strdup(error->message);
		t->peer.pid = 0; /* a restarted daemon has another pid */
	}
	g_array_append_val(t->calls, c);
	/* READY once every target has answered once */
	if (reply != NULL && t->answered++ == 0 && ++p->ready == p->targets->len)
		fprintf(stderr, "READY\n");
}

static gboolean
on_tick(gpointer data)
{
	Probe *p = data;

	for (guint i = 0; i < p->targets->len; i++)
		call_target(p, g_ptr_array_index(p->targets, i));
	/* the next round one interval after this one ended */
	g_timeout_add(p->interval_ms, on_tick, p);
	return G_SOURCE_REMOVE;
}

static gboolean
on_signal(gpointer data)
{
	g_main_loop_quit(((Probe *)data)->loop);
	return G_SOURCE_CONTINUE;
}

/* ---- results ----------------------------------------------------------------- */

static int
cmp_i64(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

static double
percentile_ms(GArray *sorted, double q)
{
	guint i;

	if (sorted->len == 0)
		return 0;
	i = (guint)(q * (sorted->len - 1) + 0.5);
	return g_array_index(sorted, gint64, i) / 1000.0;
}

static gboolean
write_calls(Probe *p, Target *t)
{
	g_autofree char *name = g_strdup_printf("lat-%s.txt", t->name);
	g_autofree char *path = g_build_filename(p->out_dir, name, NULL);
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		fprintf(stderr, "e2e-bus-latency: cannot write %s\n", path);
		return FALSE;
	}
	for (guint i = 0; i < t->calls->len; i++) {
		const Call *c = &g_array_index(t->calls, Call, i);
		gint64 stall = stalled_within(p, c->start, c->start + c->latency);

		fprintf(f,
			"%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
			" %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %s%s\n",
			c->start / 1000, c->latency, stall, c->wait, MAX(c->busy - stall, 0),
			c->error ? "error " : "ok", c->error ? c->error : "");
	}
	return fclose(f) == 0;
}

/* the summary line of t; FALSE if a call went unanswered */
static gboolean
summarize(Probe *p, Target *t)
{
	g_autoptr(GArray) raw = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GArray) own = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GArray) busy = g_array_new(FALSE, FALSE, sizeof(gint64));
	gint64 stall_sum = 0;
	guint failed = 0;

	for (guint i = 0; i < t->calls->len; i++) {
		const Call *c = &g_array_index(t->calls, Call, i);
		gint64 stall = stalled_within(p, c->start, c->start + c->latency);
		gint64 mine = MAX(c->latency - stall - c->wait, 0);
		gint64 b = MAX(c->busy - stall, 0);

		stall_sum += stall;
		if (c->error != NULL) {
			failed++;
			continue;
		}
		g_array_append_val(raw, c->latency);
		g_array_append_val(own, mine);
		g_array_append_val(busy, b);
	}
	g_array_sort(raw, cmp_i64);
	g_array_sort(own, cmp_i64);
	g_array_sort(busy, cmp_i64);
	printf("%s calls=%u ok=%u failed=%u p50_ms=%.1f p99_ms=%.1f max_ms=%.1f own_p99_ms=%.1f "
	       "own_max_ms=%.1f busy_p99_ms=%.1f busy_max_ms=%.1f stall_ms=%.1f\n",
	       t->name, t->calls->len, raw->len, failed, percentile_ms(raw, 0.5),
	       percentile_ms(raw, 0.99), percentile_ms(raw, 1.0), percentile_ms(own, 0.99),
	       percentile_ms(own, 1.0), percentile_ms(busy, 0.99), percentile_ms(busy, 1.0),
	       stall_sum / 1000.0);
	return failed == 0 && t->calls->len > 0;
}

/* ---- arguments --------------------------------------------------------------- */

static Target *
target_new(char **a, GError **error)
{
	g_autoptr(GVariant) args = g_variant_parse(NULL, a[5], NULL, NULL, error);
	Target *t;

	if (args == NULL)
		return NULL;
	if (!g_variant_is_of_type(args, G_VARIANT_TYPE_TUPLE)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "%s: ARGS must be a tuple, e.g. \"(false,)\"", a[0]);
		return NULL;
	}
	t = g_new0(Target, 1);
	t->name = a[0];
	t->dest = a[1];
	t->path = a[2];
	t->iface = a[3];
	t->method = a[4];
	t->args = g_steal_pointer(&args); /* g_variant_parse: not floating */
	t->calls = g_array_new(FALSE, FALSE, sizeof(Call));
	return t;
}

static gboolean
parse_args(Probe *p, int argc, char **argv, GError **error)
{
	gint interval = 200, timeout = 5000;
	GOptionEntry entries[] = {
		{"interval-ms", 0, 0, G_OPTION_ARG_INT, &interval, "pause between rounds", "MS"},
		{"timeout-ms", 0, 0, G_OPTION_ARG_INT, &timeout, "timeout of one call", "MS"},
		{"out-dir", 0, 0, G_OPTION_ARG_FILENAME, &p->out_dir,
		 "where lat-NAME.txt go (default .)", "DIR"},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("NAME DEST PATH INTERFACE METHOD ARGS... - time D-Bus calls");

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, error))
		return FALSE;
	if (argc < 7 || (argc - 1) % 6 != 0) {
		g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    "groups of NAME DEST PATH INTERFACE METHOD ARGS expected");
		return FALSE;
	}
	if (interval < 1 || timeout < 1) {
		g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    "--interval-ms and --timeout-ms must be positive");
		return FALSE;
	}
	for (int i = 1; i < argc; i += 6) {
		Target *t = target_new(argv + i, error);

		if (t == NULL)
			return FALSE;
		g_ptr_array_add(p->targets, t);
	}
	p->interval_ms = (guint)interval;
	p->timeout_ms = timeout;
	if (p->out_dir == NULL)
		p->out_dir = g_strdup(".");
	return TRUE;
}

int
main(int argc, char **argv)
{
	Probe p = {0};
	g_autoptr(GError) error = NULL;
	gboolean ok = TRUE;

	p.targets = g_ptr_array_new_with_free_func(target_free);
	p.stalls = g_array_new(FALSE, FALSE, sizeof(Stall));
	g_mutex_init(&p.lock);
	if (!parse_args(&p, argc, argv, &error)) {
		fprintf(stderr, "e2e-bus-latency: %s\n", error->message);
		return 2;
	}
	p.bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	if (p.bus == NULL) {
		fprintf(stderr, "e2e-bus-latency: system bus: %s\n", error->message);
		return 2;
	}
	p.loop = g_main_loop_new(NULL, FALSE);
	p.self = threads_of(getpid());
	p.bus_daemon = threads_of(owner_pid(&p, "org.freedesktop.DBus"));
	if (p.self.gdbus == 0 || p.bus_daemon.pid == 0)
		fprintf(stderr,
			"e2e-bus-latency: threads not found (own gdbus %d, dbus-daemon %d): "
			"their waits are not counted\n",
			p.self.gdbus, p.bus_daemon.pid);
	p.heartbeat = g_thread_new("heartbeat", heartbeat, &p);
	g_unix_signal_add(SIGTERM, on_signal, &p);
	g_unix_signal_add(SIGINT, on_signal, &p);
	g_idle_add(on_tick, &p);
	g_main_loop_run(p.loop);

	/* the stalls up to the end of the last call are all recorded now */
	g_atomic_int_set(&p.stop, 1);
	g_thread_join(p.heartbeat);
	for (guint i = 0; i < p.targets->len; i++) {
		Target *t = g_ptr_array_index(p.targets, i);

		ok = write_calls(&p, t) && ok;
		ok = summarize(&p, t) && ok;
	}
	fflush(stdout);
	g_ptr_array_unref(p.targets);
	g_array_unref(p.stalls);
	g_mutex_clear(&p.lock);
	g_main_loop_unref(p.loop);
	g_object_unref(p.bus);
	g_free(p.out_dir);
	return ok ? 0 : 1;
}
