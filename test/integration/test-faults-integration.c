/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the fault cases of the integration tier (SPEC 5, 7.3; the hardening
 * issue): stafd-test and stacd-test against the fake kernel on a private
 * bus, while things go wrong around them: SIGKILL at random points (also
 * in the middle of a connect and of a discovery log read), the bus
 * restarted under them, no uevents, kernel connects that fail or time
 * out, a runtime directory that is missing, not a directory, read-only or
 * full, state files that are truncated, huge, deeply nested or of the
 * wrong types, configuration files that cannot be read, a storm of 10 000
 * uevents, and discovery log entries that try to smuggle options into the
 * kernel's connect string.
 *
 * what the daemons did is read from the fake kernel (every connect string
 * written, every controller), from D-Bus and from their logs.  "no
 * connection lost" means a controller that existed is still there with
 * the same device; "no duplicate" means no second connect was written for
 * an address that had a live controller.
 *
 * the kill loops draw their kill points from a seeded generator: the seed
 * is printed, and STAS_FAULTS_SEED=<n> replays a run.
 *
 * the cases with a read-only or full runtime directory mount a tmpfs in a
 * mount namespace of the daemon's own (unshare(1)): they need root, as all
 * of the tier does, and fail when the namespace cannot be had.
 *
 * one meson test per case: test-faults-integration --case NAME.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "daemon-fixture.h"
#include "stas-stac-dbus.h"
#include "stas-staf-dbus.h"

#define STAF_NAME "org.nvmexpress.staf"
#define STAF_PATH "/org/nvmexpress/staf"
#define STAC_NAME "org.nvmexpress.stac"
#define STAC_PATH "/org/nvmexpress/stac"
#define CALL_MS	  15000

#define DC_A	"127.0.0.10"
#define DC_B	"127.0.0.20"
#define IO1	"127.0.0.11"
#define IO2	"127.0.0.12"
#define IO3	"127.0.0.13"
#define IO4	"127.0.0.14"
#define IO5	"127.0.0.15"
#define IO1_NQN "nqn.2014-08.com.example:io1"
#define IO2_NQN "nqn.2014-08.com.example:io2"
#define IO3_NQN "nqn.2014-08.com.example:io3"
#define IO4_NQN "nqn.2014-08.com.example:io4"
#define IO5_NQN "nqn.2014-08.com.example:io5"

#define ENTRY(addr, nqn) "{\"subtype\":\"nvme\",\"traddr\":\"" addr "\",\"subnqn\":\"" nqn "\"}"
#define ENTRIES_2	 "[" ENTRY(IO1, IO1_NQN) "," ENTRY(IO2, IO2_NQN) "]"
#define ENTRIES_3	 "[" ENTRY(IO1, IO1_NQN) "," ENTRY(IO2, IO2_NQN) "," ENTRY(IO3, IO3_NQN) "]"

#define CONF_A	"[Controllers]\ncontroller = transport=tcp;traddr=" DC_A "\n"
#define CONF_AB CONF_A "controller = transport=tcp;traddr=" DC_B "\n"

#define STATE_FILE "last-known-config.json"

/* stacd's 10 s soak after stafd vanished (REFERENCE 5.9.3), and some */
#define PAST_LONG_SOAK_SEC 12.0

/* errno values the fake kernel is told to fail with */
#define E_IO	      5
#define E_TIMEDOUT    110
#define E_CONNREFUSED 111
#define E_ALREADY     114

static const char *const addrs_3[] = {IO1, IO2, IO3, NULL};

/* ---- small things ------------------------------------------------------------ */

static gboolean
str_in(const char *const *list, const char *s)
{
	for (guint i = 0; list && list[i]; i++) {
		if (g_str_equal(list[i], s))
			return TRUE;
	}
	return FALSE;
}

/* the kill points of the loops: seeded, printed, replayable */
static GRand *
seeded_rand(void)
{
	const char *env = g_getenv("STAS_FAULTS_SEED");
	guint32 seed = env && *env ? (guint32)g_ascii_strtoull(env, NULL, 10)
				   : (guint32)(g_get_real_time() ^ getpid());

	print_message("random seed %u (STAS_FAULTS_SEED=%u replays this run)\n", seed, seed);
	return g_rand_new_with_seed(seed);
}

/* ---- the daemons through the generated proxies ------------------------------ */

static StasDbusStaf *
staf_proxy(DaemonFixture *f)
{
	g_autoptr(GError) error = NULL;
	StasDbusStaf *p = stas_dbus_staf_proxy_new_sync(f->bus, G_DBUS_PROXY_FLAGS_NONE, STAF_NAME,
							STAF_PATH, NULL, &error);

	if (p == NULL)
		fail_msg("cannot create the stafd proxy: %s", error->message);
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(p), CALL_MS);
	return p;
}

static StasDbusStac *
stac_proxy(DaemonFixture *f)
{
	g_autoptr(GError) error = NULL;
	StasDbusStac *p = stas_dbus_stac_proxy_new_sync(f->bus, G_DBUS_PROXY_FLAGS_NONE, STAC_NAME,
							STAC_PATH, NULL, &error);

	if (p == NULL)
		fail_msg("cannot create the stacd proxy: %s", error->message);
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(p), CALL_MS);
	return p;
}

static const char *
lookup(GVariant *dict, const char *key)
{
	const char *v = NULL;

	return g_variant_lookup(dict, key, "&s", &v) ? v : NULL;
}

/* the dictionary of traddr in a list_controllers reply, NULL if none */
static GVariant *
find_dict(GVariant *list, const char *traddr)
{
	for (gsize i = 0; i < g_variant_n_children(list); i++) {
		GVariant *d = g_variant_get_child_value(list, i);

		if (g_strcmp0(lookup(d, "traddr"), traddr) == 0)
			return d;
		g_variant_unref(d);
	}
	return NULL;
}

static GVariant *
staf_list(StasDbusStaf *p)
{
	g_autoptr(GError) error = NULL;
	GVariant *out = NULL;

	if (!stas_dbus_staf_call_list_controllers_sync(p, FALSE, &out, NULL, &error))
		fail_msg("stafd list_controllers: %s", error->message);
	return out;
}

static GVariant *
stac_list(StasDbusStac *p)
{
	g_autoptr(GError) error = NULL;
	GVariant *out = NULL;

	if (!stas_dbus_stac_call_list_controllers_sync(p, FALSE, &out, NULL, &error))
		fail_msg("stacd list_controllers: %s", error->message);
	return out;
}

static gsize
n_dcs(StasDbusStaf *p)
{
	g_autoptr(GVariant) list = staf_list(p);

	return g_variant_n_children(list);
}

static gsize
n_iocs(StasDbusStac *p)
{
	g_autoptr(GVariant) list = stac_list(p);

	return g_variant_n_children(list);
}

/* the device stafd shows for the DC at traddr ("nvme?": not connected), NULL if not listed */
static char *
dc_device(StasDbusStaf *p, const char *traddr)
{
	g_autoptr(GVariant) list = staf_list(p);
	g_autoptr(GVariant) d = find_dict(list, traddr);

	return d ? g_strdup(lookup(d, "device")) : NULL;
}

static char *
ioc_device(StasDbusStac *p, const char *traddr)
{
	g_autoptr(GVariant) list = stac_list(p);
	g_autoptr(GVariant) d = find_dict(list, traddr);

	return d ? g_strdup(lookup(d, "device")) : NULL;
}

static GVariant *
log_pages_of(StasDbusStaf *p, const char *traddr)
{
	g_autoptr(GError) error = NULL;
	GVariant *out = NULL;

	if (!stas_dbus_staf_call_get_log_pages_sync(p, "tcp", traddr, "8009", DF_DISC_NQN, "", "",
						    DF_HOSTNQN, &out, NULL, &error))
		fail_msg("get_log_pages(%s): %s", traddr, error->message);
	return out;
}

static gsize
n_log_pages(StasDbusStaf *p, const char *traddr)
{
	g_autoptr(GVariant) pages = log_pages_of(p, traddr);

	return g_variant_n_children(pages);
}

/* the traddr values of the DC's cached entries, in order, joined by spaces */
static char *
log_page_addrs(StasDbusStaf *p, const char *traddr)
{
	g_autoptr(GVariant) pages = log_pages_of(p, traddr);
	g_autoptr(GString) s = g_string_new(NULL);

	for (gsize i = 0; i < g_variant_n_children(pages); i++) {
		g_autoptr(GVariant) e = g_variant_get_child_value(pages, i);

		g_string_append_printf(s, "%s%s", i ? " " : "", lookup(e, "traddr"));
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/* ---- the fake kernel ---------------------------------------------------------- */

static void
declare_dc(DaemonFixture *f, const char *name, const char *traddr, const char *entries)
{
	df_kernel_do(f, "declare-dc", "{\"name\":\"%s\",\"traddr\":\"%s\",\"entries\":%s}", name,
		     traddr, entries);
}

/* an I/O subsystem named "io-<traddr>" */
static void
declare_io(DaemonFixture *f, const char *traddr, const char *nqn)
{
	df_kernel_do(f, "declare-subsystem",
		     "{\"name\":\"io-%s\",\"transport\":\"tcp\",\"traddr\":\"%s\",\"nqn\":\"%s\"}",
		     traddr, traddr, nqn);
}

static void
set_entries(DaemonFixture *f, const char *name, const char *entries)
{
	df_kernel_do(f, "set-entries", "{\"name\":\"%s\",\"entries\":%s}", name, entries);
}

static void
stall(DaemonFixture *f, const char *name, gboolean on)
{
	df_kernel_do(f, "set-target", "{\"name\":\"%s\",\"stall\":%s}", name,
		     on ? "true" : "false");
}

static gint64
target_counter(DaemonFixture *f, const char *name, const char *key)
{
	g_autoptr(JsonObject) t = df_kernel_target(f, name);

	if (t == NULL)
		fail_msg("the fake kernel has no target %s", name);
	return json_object_get_int_member(t, key);
}

/* wait until an operation on the target is stalled there */
static void
wait_stalled(DaemonFixture *f, const char *name)
{
	DF_ASSERT_EVENTUALLY(f, target_counter(f, name, "waiting") >= 1, DF_TIMEOUT_SEC);
}

/* release the target and wait until what was stalled there went through */
static void
release(DaemonFixture *f, const char *name)
{
	stall(f, name, FALSE);
	DF_ASSERT_EVENTUALLY(f, target_counter(f, name, "waiting") == 0, DF_TIMEOUT_SEC);
}

/* every connect string written so far: a JSON array of {options, errno, device, dmesg} */
static JsonArray *
kernel_connects(DaemonFixture *f)
{
	g_autoptr(JsonObject) r = df_kernel(f, "list-connects", "{\"clear\":false}");
	JsonArray *a = json_object_get_array_member(r, "connects");

	return a ? json_array_ref(a) : json_array_new();
}

/* the value of key in a connect string or an "address" attribute, NULL if none */
static char *
option_value(const char *options, const char *key)
{
	g_auto(GStrv) parts = g_strsplit_set(options ? options : "", ",\n", -1);
	gsize len = strlen(key);

	for (guint i = 0; parts[i] != NULL; i++) {
		if (strncmp(parts[i], key, len) == 0 && parts[i][len] == '=')
			return g_strdup(parts[i] + len + 1);
	}
	return NULL;
}

/* connects to traddr that ended with err (-1: any outcome) */
static guint
count_connects(DaemonFixture *f, const char *traddr, int err)
{
	g_autoptr(JsonArray) a = kernel_connects(f);
	guint n = 0;

	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *c = json_array_get_object_element(a, i);
		g_autofree char *addr =
			option_value(json_object_get_string_member(c, "options"), "traddr");

		if (g_strcmp0(addr, traddr) == 0 &&
		    (err < 0 || json_object_get_int_member(c, "errno") == err))
			n++;
	}
	return n;
}

/* the kernel's controllers: traddr -> device; fails the case on a second one at an address */
static GHashTable *
kernel_by_addr(DaemonFixture *f)
{
	g_autoptr(JsonArray) ctrls = df_kernel_ctrls(f);
	GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (guint i = 0; i < json_array_get_length(ctrls); i++) {
		JsonObject *c = json_array_get_object_element(ctrls, i);
		char *addr = option_value(json_object_get_string_member(c, "address"), "traddr");
		const char *dev = json_object_get_string_member(c, "device");

		if (addr == NULL)
			continue;
		if (g_hash_table_contains(map, addr))
			fail_msg("a duplicate connection: %s and %s both go to %s",
				 (char *)g_hash_table_lookup(map, addr), dev, addr);
		g_hash_table_insert(map, addr, g_strdup(dev));
	}
	return map;
}

static char *
kernel_device_of(DaemonFixture *f, const char *traddr)
{
	g_autoptr(GHashTable) map = kernel_by_addr(f);

	return g_strdup(g_hash_table_lookup(map, traddr));
}

static gboolean
kernel_has(DaemonFixture *f, const char *traddr)
{
	g_autofree char *dev = kernel_device_of(f, traddr);

	return dev != NULL;
}

/* ---- "nothing was lost" ---------------------------------------------------------- */

/* the kernel devices of addresses now: traddr -> device */
static GHashTable *
hold(DaemonFixture *f, const char *const *addrs)
{
	g_autoptr(GHashTable) now = kernel_by_addr(f);
	GHashTable *held = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (guint i = 0; addrs[i]; i++) {
		const char *dev = g_hash_table_lookup(now, addrs[i]);

		if (dev == NULL)
			fail_msg("%s is not connected", addrs[i]);
		g_hash_table_insert(held, g_strdup(addrs[i]), g_strdup(dev));
	}
	return held;
}

static void
hold_more(GHashTable *held, const char *addr, const char *dev)
{
	g_hash_table_insert(held, g_strdup(addr), g_strdup(dev));
}

/* every held connection is still there, on the same device (and none is doubled) */
static void
assert_held(DaemonFixture *f, GHashTable *held, const char *when)
{
	g_autoptr(GHashTable) now = kernel_by_addr(f);
	GHashTableIter iter;
	gpointer addr, dev;

	g_hash_table_iter_init(&iter, held);
	while (g_hash_table_iter_next(&iter, &addr, &dev)) {
		const char *cur = g_hash_table_lookup(now, addr);

		if (g_strcmp0(cur, dev) != 0)
			fail_msg("%s: the connection to %s (%s) was lost (now %s)", when,
				 (char *)addr, (char *)dev, cur ? cur : "none");
	}
}

/* the same, again and again for seconds */
static void
assert_held_for(DaemonFixture *f, GHashTable *held, double seconds, const char *when)
{
	gint64 end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);

	while (g_get_monotonic_time() < end) {
		assert_held(f, held, when);
		df_check_alive(f);
		df_iterate(f, 100);
	}
	assert_held(f, held, when);
}

/* stacd shows the controller at traddr connected on the device the kernel has */
static gboolean
ioc_connected(DaemonFixture *f, StasDbusStac *p, const char *traddr)
{
	g_autofree char *dev = ioc_device(p, traddr);
	g_autofree char *kdev = kernel_device_of(f, traddr);

	return dev && kdev && g_str_equal(dev, kdev);
}

static gboolean
all_connected(DaemonFixture *f, StasDbusStac *p, const char *const *addrs)
{
	for (guint i = 0; addrs[i]; i++) {
		if (!ioc_connected(f, p, addrs[i]))
			return FALSE;
	}
	return TRUE;
}

static gboolean
dc_connected(DaemonFixture *f, StasDbusStaf *p, const char *traddr)
{
	g_autofree char *dev = dc_device(p, traddr);
	g_autofree char *kdev = kernel_device_of(f, traddr);

	return dev && kdev && g_str_equal(dev, kdev);
}

/* ---- common starts --------------------------------------------------------------- */

/* I/O subsystems IO1..IO3, DC A listing entries, stafd.conf naming A */
static void
prepare(DaemonFixture *f, const char *entries)
{
	declare_io(f, IO1, IO1_NQN);
	declare_io(f, IO2, IO2_NQN);
	declare_io(f, IO3, IO3_NQN);
	declare_dc(f, "a", DC_A, entries);
	df_write(f, "stafd.conf", CONF_A);
}

/* both daemons, the three I/O controllers of A connected */
static StasDbusStac *
start_both(DaemonFixture *f, const char *stacd_conf)
{
	StasDbusStac *p;

	prepare(f, ENTRIES_3);
	df_write(f, "stacd.conf", stacd_conf ? stacd_conf : "");
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs_3), DF_TIMEOUT_SEC);
	return p;
}

static char *
stafd_state_path(DaemonFixture *f)
{
	return g_build_filename(f->run_dir, STATE_FILE, NULL);
}

static char *
stacd_state_path(DaemonFixture *f)
{
	return g_build_filename(f->stacd_run_dir, STATE_FILE, NULL);
}

/* TRUE once the file exists and names every address */
static gboolean
state_names(const char *path, const char *const *addrs)
{
	g_autofree char *text = df_read(path);

	for (guint i = 0; text && addrs[i]; i++) {
		g_autofree char *quoted = g_strdup_printf("\"%s\"", addrs[i]);

		if (!df_contains(text, quoted))
			return FALSE;
	}
	return text != NULL;
}

/* SIGKILL the daemon called name and wait for it: it must die of the signal */
static void
kill_daemon(DaemonFixture *f, const char *name)
{
	int status;

	df_signal_of(f, name, SIGKILL);
	status = df_wait_exit_of(f, name, DF_TIMEOUT_SEC);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail_msg("%s did not die of SIGKILL: wait status 0x%x", name, status);
}

/* ---- cases: uevents ------------------------------------------------------------------ */

#define IO4_ENTRIES                                                                                \
	"[" ENTRY(IO1, IO1_NQN) "," ENTRY(IO2, IO2_NQN) "," ENTRY(IO3, IO3_NQN) "," ENTRY(         \
		IO4, IO4_NQN) "]"
static const char *const addrs_4[] = {IO1, IO2, IO3, IO4, NULL};

/* trace on: StasUdev logs each uevent it dispatches, with its SEQNUM */
#define TRON "[Global]\ntron=true\n"

/* uevents the fake kernel emitted so far (the last SEQNUM) */
static guint64
kernel_seqnum(DaemonFixture *f)
{
	g_autoptr(JsonObject) r = df_kernel(f, "stats", NULL);

	return (guint64)json_object_get_int_member(r, "seqnum");
}

/* the dispatch line of the uevent with this SEQNUM in a daemon's trace */
static char *
dispatched(const char *device, guint64 seqnum)
{
	return g_strdup_printf("udev: %s change (seqnum %" G_GUINT64_FORMAT ")\n", device, seqnum);
}

/*
 * each uevent of SEQNUM first..last on device was dispatched by the daemon
 * exactly once, and in order: fails the case naming the first one missing
 */
static void
assert_all_dispatched(DaemonFixture *f, const char *name, const char *device, guint64 first,
		      guint64 last)
{
	g_autofree char *log = df_daemon_log_of(f, name);
	g_autofree char *prefix = g_strdup_printf("udev: %s change (seqnum ", device);
	g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
	guint64 next = first;

	for (guint i = 0; lines[i]; i++) {
		const char *at = strstr(lines[i], prefix);
		guint64 seq;

		if (at == NULL)
			continue;
		seq = g_ascii_strtoull(at + strlen(prefix), NULL, 10);
		if (seq < first || seq > last)
			continue;
		if (seq != next)
			fail_msg("%s dispatched uevent %" G_GUINT64_FORMAT
				 " where %" G_GUINT64_FORMAT " was due: %s",
				 name, seq, next, seq < next ? "a duplicate" : "one lost");
		next++;
	}
	if (next != last + 1)
		fail_msg("%s lost uevents %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT, name, next,
			 last);
}

/* user + system CPU time of a process, in seconds */
static double
cpu_seconds(GPid pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *stat = df_read(path);
	const char *p = stat ? strrchr(stat, ')') : NULL;
	unsigned long long utime = 0, stime = 0;

	/* after "pid (comm)": state is field 3, utime 14, stime 15 */
	if (p == NULL || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&utime, &stime) != 2)
		fail_msg("cannot read %s", path);
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/*
 * SPEC 6: 10 000 uevents in one burst, none lost: each daemon dispatches
 * every one, in order (its trace names each SEQNUM), and what comes after
 * the storm (an AEN, a new controller) is still acted on
 */
static void
case_uevent_storm_10000(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(StasDbusStaf) ps = NULL;
	g_autoptr(GHashTable) held = NULL;
	g_autofree char *dev = NULL;
	g_autofree char *last_line = NULL;
	guint64 first;
	gint64 t0;

	prepare(f, ENTRIES_3);
	df_write(f, "stafd.conf", TRON CONF_A);
	df_write(f, "stacd.conf", TRON);
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	ps = staf_proxy(f);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs_3), DF_TIMEOUT_SEC);
	held = hold(f, addrs_3);
	dev = kernel_device_of(f, IO2);
	declare_io(f, IO4, IO4_NQN);

	first = kernel_seqnum(f) + 1;
	t0 = g_get_monotonic_time();
	df_kernel_do(f, "storm",
		     "{\"device\":\"%s\",\"count\":10000,\"props\":{\"STAS_TEST\":\"storm\"}}",
		     dev);
	/* right behind the storm: the log of A changes (an AEN), IO4 appears */
	set_entries(f, "a", IO4_ENTRIES);
	last_line = dispatched(dev, first + 9999);
	DF_ASSERT_EVENTUALLY(f, df_log_contains_of(f, "stafd", last_line), 4 * DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, df_log_contains_of(f, "stacd", last_line), 4 * DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs_4), 2 * DF_TIMEOUT_SEC);
	print_message("10000 uevents and what followed handled in %.2f s\n",
		      (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
	assert_all_dispatched(f, "stafd", dev, first, first + 9999);
	assert_all_dispatched(f, "stacd", dev, first, first + 9999);
	assert_false(df_log_contains_of(f, "stafd", "monitor receive error"));
	assert_false(df_log_contains_of(f, "stacd", "monitor receive error"));
	assert_int_equal(n_log_pages(ps, DC_A), 4);
	assert_held(f, held, "after the storm");
	assert_int_equal(count_connects(f, IO4, -1), 1);
}

/* A lists IO4 now; without uevents the AEN is not seen: a reload reads the log again */
static void
reload_reads_new_entries(DaemonFixture *f, StasDbusStac *p)
{
	declare_io(f, IO4, IO4_NQN);
	set_entries(f, "a", IO4_ENTRIES);
	df_signal_of(f, "stafd", SIGHUP);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs_4), DF_TIMEOUT_SEC);
	assert_int_equal(count_connects(f, IO4, -1), 1);
}

/*
 * no uevent source at all (udevd absent; here: the subscription is
 * refused): both daemons run without one, say so, connect, serve, and a
 * reload still reads a changed log
 */
static void
case_uevents_refused(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GHashTable) held = NULL;

	df_kernel_do(f, "set-uevents", "{\"refuse\":%d}", E_CONNREFUSED);
	p = start_both(f, NULL);
	held = hold(f, addrs_3);
	assert_true(df_kernel_stat(f, "subscribe") >= 2);
	assert_true(df_log_contains_of(f, "stafd", "without kernel uevents"));
	assert_true(df_log_contains_of(f, "stacd", "without kernel uevents"));
	reload_reads_new_entries(f, p);
	assert_held_for(f, held, 1.0, "without uevents");
	df_stop_daemon_of(f, "stacd");
	df_stop_daemon_of(f, "stafd");
}

/*
 * the uevent stream breaks while both run: they keep running (without
 * spinning on the dead stream), keep every connection, and a reload still
 * reads a changed log
 */
static void
case_uevents_stream_closed(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GHashTable) held = NULL;
	double cpu_f, cpu_c;

	prepare(f, ENTRIES_3);
	df_write(f, "stafd.conf", TRON CONF_A);
	df_write(f, "stacd.conf", TRON);
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs_3), DF_TIMEOUT_SEC);
	held = hold(f, addrs_3);

	df_kernel_do(f, "set-uevents", "{\"close\":true}");
	DF_ASSERT_EVENTUALLY(f, df_log_contains_of(f, "stafd", "monitor receive error"),
			     DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, df_log_contains_of(f, "stacd", "monitor receive error"),
			     DF_TIMEOUT_SEC);
	cpu_f = cpu_seconds(df_daemon_pid_of(f, "stafd"));
	cpu_c = cpu_seconds(df_daemon_pid_of(f, "stacd"));
	assert_held_for(f, held, 2.0, "after the uevent stream closed");
	cpu_f = cpu_seconds(df_daemon_pid_of(f, "stafd")) - cpu_f;
	cpu_c = cpu_seconds(df_daemon_pid_of(f, "stacd")) - cpu_c;
	if (cpu_f > 0.5 || cpu_c > 0.5)
		fail_msg("a closed uevent stream made the daemons spin: %.2f s, %.2f s of CPU in 2 "
			 "s",
			 cpu_f, cpu_c);
	reload_reads_new_entries(f, p);
	assert_held(f, held, "after the reload");
}

/* ---- cases: the system bus restarted ---------------------------------------------- */

static void
die_with_test(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * the private bus goes away (SIGTERM, as "systemctl restart dbus" would).
 * it is left a zombie, not reaped: the fixture's timeout handler still
 * knows its pid, which must not go to another process meanwhile
 */
static void
stop_bus(DaemonFixture *f)
{
	siginfo_t info;

	g_clear_object(&f->bus);
	if (kill(f->bus_pid, SIGTERM) != 0 ||
	    waitid(P_PID, (id_t)f->bus_pid, &info, WEXITED | WNOWAIT) != 0)
		fail_msg("cannot stop the private dbus-daemon: %s", g_strerror(errno));
	f->bus_pid = 0;
}

/* a new dbus-daemon at the same address, with the same configuration */
static void
start_bus_again(DaemonFixture *f)
{
	g_autofree char *config = df_path(f, "bus.conf");
	g_autofree char *config_arg = g_strconcat("--config-file=", config, NULL);
	g_autofree char *dbus_daemon = g_find_program_in_path("dbus-daemon");
	g_autofree char *socket = df_path(f, "bus.sock");
	const char *argv[] = {dbus_daemon, config_arg, "--nofork", "--nopidfile", NULL};
	gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	g_autoptr(GError) error = NULL;
	int fd = open(f->bus_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (dbus_daemon == NULL || fd < 0)
		fail_msg("cannot start dbus-daemon again");
	/* a bus that was killed leaves its socket behind */
	g_unlink(socket);
	if (!g_spawn_async_with_fds(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
				    die_with_test, NULL, &f->bus_pid, -1, fd, fd, &error))
		fail_msg("cannot start dbus-daemon again: %s", error->message);
	close(fd);
	while (f->bus == NULL) {
		g_clear_error(&error);
		f->bus = g_dbus_connection_new_for_address_sync(
			f->bus_address,
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
			NULL, NULL, &error);
		if (f->bus == NULL && g_get_monotonic_time() > end)
			fail_msg("the restarted dbus-daemon takes no connection: %s",
				 error->message);
		if (f->bus == NULL)
			g_usleep(20 * 1000);
	}
	g_dbus_connection_set_exit_on_close(f->bus, FALSE);
}

/* the daemon lost the bus: it shut down cleanly, exit status 1 (a failure systemd sees) */
static void
assert_left_cleanly(DaemonFixture *f, const char *name)
{
	int status = df_wait_exit_of(f, name, DF_TIMEOUT_SEC);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_FAILURE)
		fail_msg("%s did not exit with status 1 after losing the bus: wait status 0x%x",
			 name, status);
	assert_true(df_log_contains_of(f, name, "Lost (or could not get) the bus name"));
	assert_true(df_log_contains_of(f, name, "Stopping"));
}

/*
 * the system bus restarted under both daemons.  decided behaviour: each
 * one shuts down as on SIGTERM (state saved, every connection kept: DC
 * connections are persistent, I/O ones always survive a stop) and exits
 * with status 1, so that its unit fails and can be restarted; started
 * again on the new bus it takes back its name and every connection
 * without a new connect
 */
static void
case_dbus_daemon_restarted(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = start_both(f, NULL);
	g_autoptr(StasDbusStaf) ps = NULL;
	g_autoptr(GHashTable) held = NULL;
	g_autofree char *stafd_state = stafd_state_path(f);
	g_autofree char *stacd_state = stacd_state_path(f);
	static const char *const dc[] = {DC_A, NULL};
	static const char *const all[] = {DC_A, IO1, IO2, IO3, NULL};

	DF_ASSERT_EVENTUALLY(f, state_names(stacd_state, addrs_3), DF_TIMEOUT_SEC);
	held = hold(f, all);
	g_clear_object(&p);

	stop_bus(f);
	assert_left_cleanly(f, "stacd");
	assert_left_cleanly(f, "stafd");
	assert_held(f, held, "after the bus went away");
	assert_true(state_names(stafd_state, dc));
	assert_true(state_names(stafd_state, addrs_3));
	assert_true(state_names(stacd_state, addrs_3));

	start_bus_again(f);
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	ps = staf_proxy(f);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs_3), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, dc_connected(f, ps, DC_A), DF_TIMEOUT_SEC);
	assert_int_equal(n_log_pages(ps, DC_A), 3);
	assert_held_for(f, held, 1.0, "after both came back");
	for (guint i = 0; all[i]; i++)
		assert_int_equal(count_connects(f, all[i], -1), 1);
	/* what stacd made is still stacd's: a DLPE that goes takes its connection */
	set_entries(f, "a", ENTRIES_2);
	DF_ASSERT_EVENTUALLY(f, !kernel_has(f, IO3), DF_TIMEOUT_SEC);
}

/* ---- cases: kernel connect failures and timeouts ------------------------------------ */

/* log lines of the daemon that contain both texts */
static guint
log_lines_with(DaemonFixture *f, const char *name, const char *a, const char *b)
{
	g_autofree char *log = df_daemon_log_of(f, name);
	g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
	guint n = 0;

	for (guint i = 0; lines[i]; i++)
		n += df_contains(lines[i], a) && df_contains(lines[i], b);
	return n;
}

/* seconds until the number of connects to traddr reaches n (fails the case after timeout) */
static double
wait_connects(DaemonFixture *f, const char *traddr, guint n, double timeout)
{
	gint64 t0 = g_get_monotonic_time();

	DF_ASSERT_EVENTUALLY(f, count_connects(f, traddr, -1) >= n, timeout);
	return (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
}

#define FAILED_TO_CONNECT "Failed to connect to controller."

/* IO1 fails once, IO5 always, IO2 times out after 1 s; DC B refuses; IO3, IO4 are fine */
static void
prepare_failures(DaemonFixture *f)
{
	declare_io(f, IO1, IO1_NQN);
	declare_io(f, IO3, IO3_NQN);
	declare_io(f, IO4, IO4_NQN);
	declare_io(f, IO5, IO5_NQN);
	df_kernel_do(f, "set-target", "{\"name\":\"io-" IO1 "\",\"fail\":{\"connect\":%d}}", E_IO);
	df_kernel_do(f, "set-target", "{\"name\":\"io-" IO5 "\",\"fail\":{\"connect\":%d}}",
		     E_CONNREFUSED);
	df_kernel_do(f, "declare-dead", "{\"traddr\":\"" IO2 "\",\"delay_ms\":1000,\"errno\":%d}",
		     E_TIMEDOUT);
	declare_dc(f, "a", DC_A,
		   "[" ENTRY(IO1, IO1_NQN) "," ENTRY(IO2, IO2_NQN) "," ENTRY(
			   IO3, IO3_NQN) "," ENTRY(IO4, IO4_NQN) "," ENTRY(IO5, IO5_NQN) "]");
	declare_dc(f, "b", DC_B, "[]");
	df_kernel_do(f, "set-target", "{\"name\":\"b\",\"fail\":{\"connect\":%d}}", E_CONNREFUSED);
	df_write(f, "stafd.conf", CONF_AB);
	df_write(f, "stacd.conf", "");
}

/*
 * REFERENCE 5.3 under kernel failures: a connect that fails is retried
 * 3 s later, then every 60 s with one error logged; one that times out
 * (a dead address holding the kernel's connect mutex) the same; the
 * healthy controllers connect all the same and nothing connected is
 * touched.  stafd's DCs the same way; a failing log page read keeps the
 * cached entries.
 */
static void
case_connect_failures(DaemonFixture *f)
{
	static const char *const healthy[] = {IO3, IO4, NULL};
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(StasDbusStaf) ps = NULL;
	g_autoptr(GHashTable) held = NULL;
	g_autofree char *b_dev = NULL;
	g_autofree char *io1_dev = NULL;
	double retry;

	prepare_failures(f);
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	ps = staf_proxy(f);

	/* the healthy ones are not held up for long */
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, healthy), DF_TIMEOUT_SEC);
	held = hold(f, healthy);

	/* IO1: the first attempt fails; the fast retry 3 s later finds it healed */
	wait_connects(f, IO1, 1, DF_TIMEOUT_SEC);
	df_kernel_do(f, "set-target", "{\"name\":\"io-" IO1 "\",\"fail\":{}}");
	retry = wait_connects(f, IO1, 2, DF_TIMEOUT_SEC);
	print_message("IO1 retried %.2f s after its first failure\n", retry);
	if (retry < 1.5 || retry > 6.0)
		fail_msg("IO1 was retried after %.2f s, not after about 3 s", retry);
	DF_ASSERT_EVENTUALLY(f, ioc_connected(f, p, IO1), DF_TIMEOUT_SEC);
	assert_int_equal(count_connects(f, IO1, E_IO), 1);
	assert_int_equal(count_connects(f, IO1, 0), 1);
	io1_dev = ioc_device(p, IO1);
	hold_more(held, IO1, io1_dev);

	/* IO5 and IO2: two attempts each, one error each, then 60 s of quiet */
	wait_connects(f, IO5, 2, DF_TIMEOUT_SEC);
	wait_connects(f, IO2, 2, DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, log_lines_with(f, "stacd", IO5, FAILED_TO_CONNECT) == 1,
			     DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, log_lines_with(f, "stacd", IO2, FAILED_TO_CONNECT) == 1,
			     DF_TIMEOUT_SEC);
	assert_int_equal(count_connects(f, IO2, E_TIMEDOUT), 2);
	assert_int_equal(count_connects(f, IO5, E_CONNREFUSED), 2);
	/* stafd: B the same, A unharmed */
	wait_connects(f, DC_B, 2, DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, log_lines_with(f, "stafd", DC_B, FAILED_TO_CONNECT) == 1,
			     DF_TIMEOUT_SEC);
	b_dev = dc_device(ps, DC_B);
	assert_string_equal(b_dev, "nvme?");
	assert_true(dc_connected(f, ps, DC_A));

	assert_held_for(f, held, 4.0, "while others fail");
	assert_int_equal(count_connects(f, IO5, -1), 2);
	assert_int_equal(count_connects(f, IO2, -1), 2);
	assert_int_equal(count_connects(f, DC_B, -1), 2);
	assert_false(ioc_connected(f, p, IO2));
	assert_false(ioc_connected(f, p, IO5));
	assert_int_equal(n_iocs(p), 5);
	for (guint i = 0; healthy[i]; i++)
		assert_int_equal(count_connects(f, healthy[i], -1), 1);

	/* A's log cannot be read any more: its cached entries stay, and so does all of it */
	df_kernel_do(f, "set-target", "{\"name\":\"a\",\"fail\":{\"get-log\":%d}}", E_IO);
	set_entries(f, "a", "[]");
	DF_ASSERT_EVENTUALLY(f,
			     log_lines_with(f, "stafd", DC_A, "Failed to retrieve log pages.") == 1,
			     DF_TIMEOUT_SEC);
	assert_held_for(f, held, 2.0, "after a failed log page read");
	assert_int_equal(n_log_pages(ps, DC_A), 5);
	assert_int_equal(n_iocs(p), 5);
}

/* ---- cases: the runtime directory ----------------------------------------------------- */

#define UNABLE_TO_SAVE "Unable to save last known config"

/* the test build of the daemon called name */
static const char *
program_of(const char *name)
{
	const char *v = g_getenv(g_str_equal(name, "stafd") ? DF_ENV_STAFD : DF_ENV_STACD);

	if (v == NULL || *v == '\0')
		fail_msg("the path of %s-test is not set (run the tests through meson)", name);
	return v;
}

static const char *
bus_name_of(const char *name)
{
	return g_str_equal(name, "stafd") ? STAF_NAME : STAC_NAME;
}

/* the daemon's RUNTIME_DIRECTORY */
static const char *
run_dir_of(DaemonFixture *f, const char *name)
{
	return g_str_equal(name, "stafd") ? f->run_dir : f->stacd_run_dir;
}

/* a process in a mount namespace of its own can mount a tmpfs: root, and a host that lets it */
static void
require_mount_namespace(DaemonFixture *f)
{
	g_autofree char *unshare = g_find_program_in_path("unshare");
	g_autofree char *out = NULL;
	g_autofree char *dir = df_path(f, "mount-probe");
	const char *argv[] = {unshare,
			      "--mount",
			      "--propagation",
			      "private",
			      "--",
			      "/bin/sh",
			      "-c",
			      "mount -t tmpfs -o size=64k probe \"$0\"",
			      dir,
			      NULL};
	g_autoptr(GError) error = NULL;
	int status = -1;

	if (geteuid() != 0)
		fail_msg("this case mounts a tmpfs in a mount namespace: it must run as root");
	if (unshare == NULL)
		fail_msg("unshare(1) (util-linux) is needed to give the daemon a mount namespace");
	if (g_mkdir(dir, 0700) != 0)
		fail_msg("mkdir %s: %s", dir, g_strerror(errno));
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
			  &out, &status, &error) ||
	    !g_spawn_check_wait_status(status, NULL))
		fail_msg("cannot mount a tmpfs in a private mount namespace (%s): this case "
			 "needs root and a kernel that allows mount namespaces",
			 error ? error->message : out);
}

/*
 * start the daemon called name in a mount namespace of its own where its
 * RUNTIME_DIRECTORY is a new tmpfs (mount options opts); script runs in
 * it first ($0: the directory), then the daemon is exec'd in place of the
 * shell (same pid).  waits for its bus name.
 */
static void
start_in_tmpfs(DaemonFixture *f, const char *name, const char *opts, const char *script)
{
	g_autofree char *unshare = g_find_program_in_path("unshare");
	g_autofree char *conf = g_strdup_printf("%s/%s.conf", f->dir, name);
	g_autofree char *sh = g_strdup_printf("set -e; mount -t tmpfs -o %s,mode=0700 stas-faults "
					      "\"$0\"; cd \"$0\"; %s; cd /; shift; exec \"$@\"",
					      opts, script ? script : ":");
	const char *args[] = {"--mount", "--propagation",
			      "private", "--",
			      "/bin/sh", "-c",
			      sh,	 run_dir_of(f, name),
			      "-",	 program_of(name),
			      "-f",	 conf,
			      NULL};

	df_start_daemon(f, name, unshare, args);
	df_wait_name(f, bus_name_of(name), DF_TIMEOUT_SEC);
}

/* path as the running daemon called name sees it (in its mount namespace) */
static char *
seen_by(DaemonFixture *f, const char *name, const char *path)
{
	return g_strdup_printf("/proc/%d/root%s", (int)df_daemon_pid_of(f, name), path);
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/* the names in the daemon's runtime directory, sorted, joined by spaces */
static char *
run_dir_listing(DaemonFixture *f, const char *name)
{
	g_autofree char *dir = seen_by(f, name, run_dir_of(f, name));
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *n;

	if (d == NULL)
		fail_msg("cannot list %s", dir);
	while ((n = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, compare_strings);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(" ", (char **)names->pdata);
}

/* the state file the daemon sees now (NULL if none) */
static char *
state_seen_by(DaemonFixture *f, const char *name)
{
	g_autofree char *path = g_build_filename(run_dir_of(f, name), STATE_FILE, NULL);
	g_autofree char *seen = seen_by(f, name, path);

	return df_read(seen);
}

/* a first life of both daemons: their state files, copied to dir/<name>-seed.json */
static void
make_seeds(DaemonFixture *f)
{
	g_autofree char *stafd_state = stafd_state_path(f);
	g_autofree char *stacd_state = stacd_state_path(f);
	g_autofree char *a = NULL;
	g_autofree char *c = NULL;

	g_object_unref(start_both(f, NULL));
	DF_ASSERT_EVENTUALLY(f, state_names(stacd_state, addrs_3), DF_TIMEOUT_SEC);
	df_stop_daemon_of(f, "stacd");
	df_stop_daemon_of(f, "stafd");
	a = df_read(stafd_state);
	c = df_read(stacd_state);
	if (a == NULL || c == NULL)
		fail_msg("the first life left no state files");
	df_write(f, "stafd-seed.json", a);
	df_write(f, "stacd-seed.json", c);
}

/* RUNTIME_DIRECTORY does not exist: it is created (0700) at the first save */
static void
case_runtime_dir_missing(DaemonFixture *f)
{
	g_autofree char *stafd_state = stafd_state_path(f);
	g_autofree char *stacd_state = stacd_state_path(f);
	static const char *const dc[] = {DC_A, NULL};
	g_autoptr(StasDbusStac) p = NULL;
	struct stat st;

	if (g_rmdir(f->run_dir) != 0 || g_rmdir(f->stacd_run_dir) != 0)
		fail_msg("rmdir: %s", g_strerror(errno));
	p = start_both(f, NULL);
	DF_ASSERT_EVENTUALLY(f, state_names(stafd_state, dc), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, state_names(stacd_state, addrs_3), DF_TIMEOUT_SEC);
	assert_int_equal(stat(f->run_dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(f->stacd_run_dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_false(df_log_contains_of(f, "stafd", UNABLE_TO_SAVE));
	assert_false(df_log_contains_of(f, "stacd", UNABLE_TO_SAVE));
}

/* a file where RUNTIME_DIRECTORY should be: no state is saved, said once per try, all runs */
static void
case_runtime_dir_not_a_directory(DaemonFixture *f)
{
	static const char junk[] = "not a directory\n";
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GHashTable) held = NULL;
	g_autofree char *a = NULL;
	g_autofree char *c = NULL;

	if (g_rmdir(f->run_dir) != 0 || g_rmdir(f->stacd_run_dir) != 0)
		fail_msg("rmdir: %s", g_strerror(errno));
	df_write(f, f->run_dir, junk);
	df_write(f, f->stacd_run_dir, junk);
	p = start_both(f, NULL);
	held = hold(f, addrs_3);
	DF_ASSERT_EVENTUALLY(f, log_lines_with(f, "stafd", UNABLE_TO_SAVE, f->run_dir) >= 1,
			     DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, log_lines_with(f, "stacd", UNABLE_TO_SAVE, f->stacd_run_dir) >= 1,
			     DF_TIMEOUT_SEC);
	assert_held_for(f, held, 1.0, "without a runtime directory");
	g_clear_object(&p);
	df_stop_daemon_of(f, "stacd");
	df_stop_daemon_of(f, "stafd");
	assert_held(f, held, "after both stopped");
	a = df_read(f->run_dir);
	c = df_read(f->stacd_run_dir);
	assert_string_equal(a, junk);
	assert_string_equal(c, junk);
}

/*
 * a read-only RUNTIME_DIRECTORY (a read-only tmpfs): the state in it is
 * read, saving fails with a warning, both daemons run on
 */
static void
case_runtime_dir_readonly(DaemonFixture *f)
{
	g_autofree char *seed = df_path(f, "stafd-seed.json");
	g_autofree char *script = NULL;
	g_autofree char *seed_text = NULL;
	g_autofree char *after = NULL;
	g_autoptr(StasDbusStaf) ps = NULL;
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GHashTable) held = NULL;

	require_mount_namespace(f);
	make_seeds(f);
	held = hold(f, addrs_3);
	seed_text = df_read(seed);

	/* A answers nothing: what stafd serves comes from the read-only state file */
	stall(f, "a", TRUE);
	script = g_strdup_printf("cp '%s' " STATE_FILE "; chmod 0600 " STATE_FILE
				 "; mount -o remount,ro \"$0\"",
				 seed);
	start_in_tmpfs(f, "stafd", "size=1m", script);
	start_in_tmpfs(f, "stacd", "size=1m", "mount -o remount,ro \"$0\"");
	ps = staf_proxy(f);
	p = stac_proxy(f);
	assert_int_equal(n_log_pages(ps, DC_A), 3);
	DF_ASSERT_EVENTUALLY(f, log_lines_with(f, "stafd", UNABLE_TO_SAVE, "Read-only") >= 1,
			     DF_TIMEOUT_SEC);
	release(f, "a");
	DF_ASSERT_EVENTUALLY(f, dc_connected(f, ps, DC_A), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs_3), DF_TIMEOUT_SEC);

	/* A lists a fourth: followed, not saved, nothing lost */
	declare_io(f, IO4, IO4_NQN);
	set_entries(f, "a", IO4_ENTRIES);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs_4), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, log_lines_with(f, "stacd", UNABLE_TO_SAVE, "Read-only") >= 1,
			     DF_TIMEOUT_SEC);
	assert_held_for(f, held, 1.0, "with a read-only runtime directory");
	after = state_seen_by(f, "stafd");
	assert_string_equal(after, seed_text);
	g_clear_object(&p);
	g_clear_object(&ps);
	df_stop_daemon_of(f, "stacd");
	df_stop_daemon_of(f, "stafd");
	assert_held(f, held, "after both stopped");
}

/* what the filler leaves of a tmpfs of 64 KiB: nothing */
#define FILL_UP "head -c 1048576 /dev/zero > filler 2>/dev/null || true"

/*
 * the runtime directory is full: every save fails with a warning, the old
 * state file stays whole (no half-written file, no temporary left), both
 * daemons run on; once there is room again, saves work again
 */
static void
case_disk_full(DaemonFixture *f)
{
	static const char *const with_5[] = {IO1, IO2, IO3, IO4, IO5, NULL};
	g_autofree char *seed_a = df_path(f, "stafd-seed.json");
	g_autofree char *seed_c = df_path(f, "stacd-seed.json");
	g_autofree char *script_a = NULL;
	g_autofree char *script_c = NULL;
	g_autofree char *seed_a_text = NULL;
	g_autofree char *seed_c_text = NULL;
	g_autofree char *filler_a = NULL;
	g_autofree char *filler_c = NULL;
	g_autoptr(StasDbusStaf) ps = NULL;
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GHashTable) held = NULL;

	require_mount_namespace(f);
	make_seeds(f);
	held = hold(f, addrs_3);
	seed_a_text = df_read(seed_a);
	seed_c_text = df_read(seed_c);
	script_a = g_strdup_printf("cp '%s' " STATE_FILE "; chmod 0600 " STATE_FILE "; " FILL_UP,
				   seed_a);
	script_c = g_strdup_printf("cp '%s' " STATE_FILE "; chmod 0600 " STATE_FILE "; " FILL_UP,
				   seed_c);
	start_in_tmpfs(f, "stafd", "size=64k", script_a);
	start_in_tmpfs(f, "stacd", "size=64k", script_c);
	ps = staf_proxy(f);
	p = stac_proxy(f);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs_3), DF_TIMEOUT_SEC);

	/* a change to save: it cannot be */
	declare_io(f, IO4, IO4_NQN);
	set_entries(f, "a", IO4_ENTRIES);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs_4), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, log_lines_with(f, "stafd", UNABLE_TO_SAVE, "No space left") >= 1,
			     DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, log_lines_with(f, "stacd", UNABLE_TO_SAVE, "No space left") >= 1,
			     DF_TIMEOUT_SEC);
	assert_held_for(f, held, 1.0, "with a full runtime directory");
	{
		g_autofree char *a = state_seen_by(f, "stafd");
		g_autofree char *c = state_seen_by(f, "stacd");
		g_autofree char *la = run_dir_listing(f, "stafd");
		g_autofree char *lc = run_dir_listing(f, "stacd");

		assert_string_equal(a, seed_a_text);
		assert_string_equal(c, seed_c_text);
		assert_string_equal(la, "filler " STATE_FILE);
		assert_string_equal(lc, "filler " STATE_FILE);
	}
	assert_int_equal(n_log_pages(ps, DC_A), 4);

	/* room again: the next change is saved */
	filler_a = seen_by(f, "stafd", f->run_dir);
	filler_c = seen_by(f, "stacd", f->stacd_run_dir);
	{
		g_autofree char *fa = g_build_filename(filler_a, "filler", NULL);
		g_autofree char *fc = g_build_filename(filler_c, "filler", NULL);

		if (g_unlink(fa) != 0 || g_unlink(fc) != 0)
			fail_msg("cannot remove the fillers: %s", g_strerror(errno));
	}
	declare_io(f, IO5, IO5_NQN);
	set_entries(f, "a",
		    "[" ENTRY(IO1, IO1_NQN) "," ENTRY(IO2, IO2_NQN) "," ENTRY(
			    IO3, IO3_NQN) "," ENTRY(IO4, IO4_NQN) "," ENTRY(IO5, IO5_NQN) "]");
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, with_5), DF_TIMEOUT_SEC);
	{
		g_autofree char *fa = g_build_filename(filler_a, STATE_FILE, NULL);
		g_autofree char *fc = g_build_filename(filler_c, STATE_FILE, NULL);

		DF_ASSERT_EVENTUALLY(f, state_names(fa, with_5), DF_TIMEOUT_SEC);
		DF_ASSERT_EVENTUALLY(f, state_names(fc, with_5), DF_TIMEOUT_SEC);
	}
	assert_held(f, held, "after the disk had room again");
}

/* ---- cases: the state file ------------------------------------------------------------ */

#define IGNORING_STATE "Ignoring last known config"

/* stafd alone, A listing two entries, stopped: the state file it saved */
static char *
stafd_first_life(DaemonFixture *f)
{
	g_autofree char *path = stafd_state_path(f);
	g_autoptr(StasDbusStaf) ps = NULL;
	char *text;

	prepare(f, ENTRIES_2);
	df_start_stafd(f);
	ps = staf_proxy(f);
	DF_ASSERT_EVENTUALLY(f, n_log_pages(ps, DC_A) == 2, DF_TIMEOUT_SEC);
	g_clear_object(&ps);
	df_stop_daemon_of(f, "stafd");
	text = df_read(path);
	if (text == NULL)
		fail_msg("stafd saved no state");
	return text;
}

/* exactly len bytes of data (-1: all of it) at path, mode 0600 */
static void
write_state(DaemonFixture *f, const char *path, const char *data, gssize len)
{
	gsize n = len < 0 ? strlen(data) : (gsize)len;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	gboolean ok = fd >= 0 && fchmod(fd, 0600) == 0;

	for (gsize done = 0; ok && done < n;) {
		ssize_t w = write(fd, data + done, n - done);

		ok = w > 0;
		done += ok ? (gsize)w : 0;
	}
	if (fd >= 0 && close(fd) != 0)
		ok = FALSE;
	if (!ok)
		fail_msg("cannot write %s: %s", path, g_strerror(errno));
}

/*
 * stafd restarted with A stalled, so whatever it serves comes from the
 * state file: it must serve cached entries, run, and serve A's real log
 * once A answers
 */
static void
restart_stafd_stalled(DaemonFixture *f, gsize cached)
{
	g_autoptr(StasDbusStaf) ps = NULL;
	g_autofree char *addrs = NULL;

	stall(f, "a", TRUE);
	df_start_stafd(f);
	ps = staf_proxy(f);
	addrs = log_page_addrs(ps, DC_A);
	if (n_log_pages(ps, DC_A) != cached)
		fail_msg("stafd serves [%s] from its state file, expected %" G_GSIZE_FORMAT
			 " entries",
			 addrs, cached);
	assert_int_equal(n_dcs(ps), 1);
	release(f, "a");
	DF_ASSERT_EVENTUALLY(f, n_log_pages(ps, DC_A) == 2, DF_TIMEOUT_SEC);
	g_clear_object(&ps);
	df_stop_daemon_of(f, "stafd");
}

/* cut short anywhere: the file is ignored, with a warning, and rewritten whole */
static void
case_state_file_truncated(DaemonFixture *f)
{
	g_autofree char *path = stafd_state_path(f);
	g_autofree char *whole = stafd_first_life(f);
	gsize len = strlen(whole);
	const gsize cuts[] = {0, 1, len / 3, len / 2, len - 3};

	for (gsize i = 0; i < G_N_ELEMENTS(cuts); i++) {
		guint warnings = df_log_count_of(f, "stafd", IGNORING_STATE);
		g_autofree char *after = NULL;

		write_state(f, path, whole, (gssize)cuts[i]);
		restart_stafd_stalled(f, 0);
		if (df_log_count_of(f, "stafd", IGNORING_STATE) != warnings + 1)
			fail_msg("a state file cut at %" G_GSIZE_FORMAT " bytes was not reported",
				 cuts[i]);
		after = df_read(path);
		assert_non_null(after);
		assert_true(state_names(path, (const char *const[]){DC_A, IO1, IO2, NULL}));
	}
}

/* the largest file stafd reads is read; one byte more is refused unread */
static void
case_state_file_huge(DaemonFixture *f)
{
	g_autofree char *path = stafd_state_path(f);
	g_autofree char *whole = stafd_first_life(f);
	gsize len = strlen(whole);
	const gsize limit = 64 * 1024 * 1024;
	g_autofree char *big = g_malloc(limit + 1);
	g_autoptr(GString) many = g_string_new("{\"version\": 1, \"controllers\": [");
	gint64 t0;

	/* the real state, then blanks up to the limit: loaded */
	memcpy(big, whole, len);
	memset(big + len, ' ', limit + 1 - len);
	write_state(f, path, big, (gssize)limit);
	t0 = g_get_monotonic_time();
	restart_stafd_stalled(f, 2);
	print_message("a %" G_GSIZE_FORMAT " byte state file: stafd up and back down in %.2f s\n",
		      limit, (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
	assert_false(df_log_contains_of(f, "stafd", IGNORING_STATE));

	/* a byte more: refused */
	write_state(f, path, big, (gssize)limit + 1);
	restart_stafd_stalled(f, 0);
	assert_int_equal(log_lines_with(f, "stafd", IGNORING_STATE, "more than the"), 1);

	/* small, but more JSON values than the parser is given */
	for (guint i = 0; i < 1100000; i++)
		g_string_append(many, i ? ",[]" : "[]");
	g_string_append(many, "]}");
	write_state(f, path, many->str, (gssize)many->len);
	restart_stafd_stalled(f, 0);
	assert_int_equal(log_lines_with(f, "stafd", IGNORING_STATE, "arrays and objects"), 1);
}

/* 100 000 levels of nesting: refused before any parser recurses */
static void
case_state_file_deeply_nested(DaemonFixture *f)
{
	g_autofree char *path = stafd_state_path(f);
	g_autoptr(GString) arrays = g_string_new("{\"version\": 1, \"controllers\": ");
	g_autoptr(GString) objects = g_string_new("{\"version\": 1, \"controllers\": ");

	g_free(stafd_first_life(f));
	for (guint i = 0; i < 100000; i++) {
		g_string_append_c(arrays, '[');
		g_string_append(objects, "{\"a\":");
	}
	write_state(f, path, arrays->str, (gssize)arrays->len);
	restart_stafd_stalled(f, 0);
	write_state(f, path, objects->str, (gssize)objects->len);
	restart_stafd_stalled(f, 0);
	assert_int_equal(log_lines_with(f, "stafd", IGNORING_STATE, "nested deeper than"), 2);
}

/* a deep copy of the object at node, with member key set to the JSON value text */
static JsonNode *
with_member(JsonNode *node, const char *key, const char *value_json)
{
	g_autofree char *text = json_to_string(node, FALSE);
	JsonNode *copy = df_parse_json(text);

	if (key) {
		g_autoptr(JsonNode) v = df_parse_json(value_json);

		json_object_set_member(json_node_get_object(copy), key, json_node_copy(v));
	}
	return copy;
}

/* a copy of tid (a JSON object node) naming another traddr */
static JsonNode *
tid_at(JsonNode *tid, const char *traddr)
{
	g_autofree char *quoted = g_strdup_printf("\"%s\"", traddr);

	return with_member(tid, "traddr", quoted);
}

/*
 * the right shape, the wrong types: every bad record is reported by its
 * place in the file and skipped, the good ones are kept
 */
static void
case_state_file_wrong_types(DaemonFixture *f)
{
	g_autofree char *path = stafd_state_path(f);
	g_autofree char *whole = stafd_first_life(f);
	g_autoptr(JsonNode) root = df_parse_json(whole);
	JsonArray *ctrls = json_object_get_array_member(json_node_get_object(root), "controllers");
	JsonObject *dc = json_array_get_object_element(ctrls, 0);
	JsonNode *tid = json_object_get_member(dc, "tid");
	JsonArray *log = json_object_get_array_member(dc, "log-pages");
	g_autoptr(JsonNode) e0 = json_node_copy(json_array_get_element(log, 0));
	g_autoptr(JsonNode) e1 = json_node_copy(json_array_get_element(log, 1));
	static const char *const bad_entries[][2] = {
		{"trtype", "\"tcp\""}, {"portid", "-1"},   {"cntlid", "70000"},
		{"subnqn", "5"},       {"tsas", "\"zz\""}, {"traddr", "[\"x\"]"},
		{"eflags", "1.5"},     {"trsvcid", "{}"},
	};
	static const char *const bad_records[] = {
		"42", "null", "[]", "{}", "{\"tid\": \"a string\"}", "{\"tid\": []}",
	};
	g_autoptr(JsonArray) new_log = json_array_new();
	g_autoptr(JsonArray) new_ctrls = json_array_new();
	g_autoptr(JsonNode) dc_b = NULL;
	g_autofree char *out = NULL;
	guint n;

	if (ctrls == NULL || tid == NULL || log == NULL || json_array_get_length(log) != 2)
		fail_msg("unexpected state file:\n%s", whole);
	json_array_add_element(new_log, json_node_copy(e0));
	for (gsize i = 0; i < G_N_ELEMENTS(bad_entries); i++)
		json_array_add_element(new_log,
				       with_member(e0, bad_entries[i][0], bad_entries[i][1]));
	json_array_add_string_element(new_log, "an entry");
	json_array_add_null_element(new_log);
	json_array_add_element(new_log, json_node_copy(e1));
	json_object_set_array_member(dc, "log-pages", json_array_ref(new_log));
	json_array_add_object_element(new_ctrls, json_object_ref(dc));

	/* records of a DC B, each with one field of a wrong type */
	dc_b = df_parse_json("{}");
	json_object_set_member(json_node_get_object(dc_b), "tid", tid_at(tid, DC_B));
	json_array_add_element(new_ctrls, with_member(dc_b, "device", "7"));
	json_array_add_element(new_ctrls, with_member(dc_b, "origin", "[]"));
	json_array_add_element(new_ctrls, with_member(dc_b, "log-pages", "\"x\""));
	json_array_add_element(new_ctrls, with_member(dc_b, "tid", "{\"traddr\": 5}"));
	for (gsize i = 0; i < G_N_ELEMENTS(bad_records); i++)
		json_array_add_element(new_ctrls, df_parse_json(bad_records[i]));
	json_object_set_array_member(json_node_get_object(root), "controllers",
				     json_array_ref(new_ctrls));
	out = json_to_string(root, TRUE);
	write_state(f, path, out, -1);

	restart_stafd_stalled(f, 2);
	n = json_array_get_length(new_log);
	for (guint i = 1; i + 1 < n; i++) {
		g_autofree char *where =
			g_strdup_printf(STATE_FILE ": controllers[0].log-pages[%u]", i);

		if (!df_log_contains_of(f, "stafd", where))
			fail_msg("the bad entry %s was not reported", where);
	}
	for (guint i = 1; i < json_array_get_length(new_ctrls); i++) {
		g_autofree char *where = g_strdup_printf(STATE_FILE ": controllers[%u]", i);

		if (!df_log_contains_of(f, "stafd", where))
			fail_msg("the bad record %s was not reported", where);
	}

	/* the top level of the wrong type: the whole file is ignored */
	write_state(f, path, "{\"version\": \"1\", \"controllers\": []}", -1);
	restart_stafd_stalled(f, 0);
	write_state(f, path, "{\"version\": 1, \"controllers\": {}}", -1);
	restart_stafd_stalled(f, 0);
	write_state(f, path, "[1]", -1);
	restart_stafd_stalled(f, 0);
	assert_int_equal(df_log_count_of(f, "stafd", IGNORING_STATE), 3);
}

/* ---- cases: configuration files that cannot be read --------------------------------- */

/* a directory where the file should be: open works, read does not (as root, EACCES cannot be had)
 */
static void
make_unreadable(DaemonFixture *f, const char *name)
{
	g_autofree char *path = df_path(f, name);

	if (g_unlink(path) != 0 && errno != ENOENT)
		fail_msg("unlink %s: %s", path, g_strerror(errno));
	if (g_mkdir(path, 0755) != 0)
		fail_msg("mkdir %s: %s", path, g_strerror(errno));
}

static void
make_readable(DaemonFixture *f, const char *name, const char *content)
{
	g_autofree char *path = df_path(f, name);

	if (g_rmdir(path) != 0)
		fail_msg("rmdir %s: %s", path, g_strerror(errno));
	df_write(f, name, content);
}

/*
 * stafd.conf and stacd.conf cannot be read: at start both run with the
 * defaults and say which file; at a reload, they keep the configuration
 * they run with and nothing is disconnected
 */
static void
case_config_unreadable(DaemonFixture *f)
{
	g_autofree char *stafd_conf = df_path(f, "stafd.conf");
	g_autofree char *stacd_conf = df_path(f, "stacd.conf");
	g_autoptr(StasDbusStaf) ps = NULL;
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GHashTable) held = NULL;
	static const char *const all[] = {DC_A, IO1, IO2, IO3, NULL};

	prepare(f, ENTRIES_3);
	make_unreadable(f, "stafd.conf");
	make_unreadable(f, "stacd.conf");
	df_start_stafd(f);
	df_start_stacd(f);
	ps = staf_proxy(f);
	p = stac_proxy(f);
	assert_int_equal(log_lines_with(f, "stafd", stafd_conf, "defaults used"), 1);
	assert_int_equal(log_lines_with(f, "stacd", stacd_conf, "defaults used"), 1);
	df_iterate(f, 500);
	assert_int_equal(n_dcs(ps), 0);
	assert_int_equal(n_iocs(p), 0);

	/* readable again: a reload takes it */
	make_readable(f, "stafd.conf", CONF_A);
	make_readable(f, "stacd.conf", "");
	df_signal_of(f, "stafd", SIGHUP);
	df_signal_of(f, "stacd", SIGHUP);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs_3), DF_TIMEOUT_SEC);
	held = hold(f, all);

	/* unreadable at a reload: the running configuration stays */
	make_unreadable(f, "stafd.conf");
	make_unreadable(f, "stacd.conf");
	df_signal_of(f, "stafd", SIGHUP);
	df_signal_of(f, "stacd", SIGHUP);
	DF_ASSERT_EVENTUALLY(f, log_lines_with(f, "stafd", stafd_conf, "keeping") == 1,
			     DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, log_lines_with(f, "stacd", stacd_conf, "keeping") == 1,
			     DF_TIMEOUT_SEC);
	assert_held_for(f, held, 3.0, "after a reload of an unreadable configuration");
	assert_int_equal(n_dcs(ps), 1);
	assert_int_equal(n_iocs(p), 3);
	assert_false(df_log_contains_of(f, "stafd", "Disconnect initiated"));
	assert_false(df_log_contains_of(f, "stacd", "Disconnect initiated"));
}

/* ---- cases: options smuggled into the kernel's connect string ------------------------ */

#define INJ_NQN "nqn.2014-08.com.example:inj"
#define DC_C	"127.0.0.30"
#define IO_CONF "127.0.0.51"

/* what the daemons write for these connections, nothing else (no tuning is configured) */
static const char *const allowed_keys[] = {
	"nqn",	      "transport", "traddr", "trsvcid",	       "host_traddr",
	"host_iface", "hostnqn",   "hostid", "keep_alive_tmo", NULL,
};

/* the addresses that may be connected: the healthy DCs and I/O controllers */
static const char *const allowed_addrs[] = {DC_A, DC_C, IO1, IO2, IO_CONF, NULL};

/* what is wrong with one connect string, NULL if nothing */
static char *
connect_problem(const char *options, int err)
{
	g_auto(GStrv) tokens = g_strsplit_set(options, ",\n", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree char *traddr = option_value(options, "traddr");

	for (guint j = 0; tokens[j]; j++) {
		const char *eq = strchr(tokens[j], '=');
		g_autofree char *key = eq ? g_strndup(tokens[j], eq - tokens[j]) : NULL;

		if (key == NULL || !str_in(allowed_keys, key) || eq[1] == '\0' ||
		    strchr(eq + 1, '=') != NULL)
			return g_strdup_printf("a token it must not have (\"%s\")", tokens[j]);
		if (!g_hash_table_add(seen, g_steal_pointer(&key)))
			return g_strdup_printf("\"%.*s\" twice", (int)(eq - tokens[j]), tokens[j]);
	}
	if (traddr == NULL || !str_in(allowed_addrs, traddr))
		return g_strdup_printf("an address it must not go to (%s)",
				       traddr ? traddr : "none");
	if (err != 0)
		return g_strdup_printf("refused by the kernel (errno %d)", err);
	return NULL;
}

/*
 * the proof: every string written to /dev/nvme-fabrics, split as the
 * kernel splits it (at ',' and '\n'): each token a known key with one
 * value, no key twice, only the healthy addresses, none the kernel
 * refused.  the first bad one, described; NULL if all are clean
 */
static char *
connects_problem(DaemonFixture *f)
{
	g_autoptr(JsonArray) a = kernel_connects(f);

	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *c = json_array_get_object_element(a, i);
		const char *options = json_object_get_string_member(c, "options");
		g_autofree char *why =
			connect_problem(options, (int)json_object_get_int_member(c, "errno"));

		if (why)
			return g_strdup_printf("connect string %u has %s: %s", i, why, options);
	}
	return NULL;
}

/* DLPEs of DC A, one smuggling attempt each; the wire fields take the strings as they are */
#define HOSTILE(traddr, trsvcid, subnqn)                                                           \
	("{\"traddr\":\"" traddr "\",\"trsvcid\":\"" trsvcid "\",\"subnqn\":\"" subnqn "\"}")
#define HOSTILE_REFERRAL(traddr, trsvcid)                                                          \
	("{\"subtype\":\"referral\",\"traddr\":\"" traddr "\",\"trsvcid\":\"" trsvcid "\"}")
static const char *const hostile_dlpes[] = {
	/* traddr */
	HOSTILE("127.0.0.41,nr_io_queues=1", "4420", INJ_NQN),
	HOSTILE("127.0.0.42\\nnr_io_queues=1", "4420", INJ_NQN),
	HOSTILE("127.0.0.43=1", "4420", INJ_NQN),
	HOSTILE("nr_io_queues=1", "4420", INJ_NQN),
	/* trsvcid */
	HOSTILE("127.0.0.44", "4420,nr_io_queues=1", INJ_NQN),
	HOSTILE("127.0.0.44", "4420\\nhostnqn=x", INJ_NQN),
	HOSTILE("127.0.0.44", "=4420", INJ_NQN),
	/* subnqn */
	HOSTILE("127.0.0.45", "4420", INJ_NQN ",nr_io_queues=1"),
	HOSTILE("127.0.0.45", "4420", INJ_NQN "\\nnr_io_queues=1"),
	HOSTILE("127.0.0.45", "4420", INJ_NQN "=x,hostnqn=y"),
	/* a referral */
	HOSTILE_REFERRAL("127.0.0.46,nr_io_queues=1", "8009"),
	HOSTILE_REFERRAL("127.0.0.46", "8009\\nx=y"),
};

/* stafd.conf: lines 3 to 5 smuggle options into B's host-traddr, host-iface, trsvcid */
static const char injection_stafd_conf[] =
	"[Controllers]\n"
	"controller = transport=tcp;traddr=" DC_A "\n"
	"controller = transport=tcp;traddr=" DC_B ";host-traddr=127.0.0.1,nr_io_queues=1\n"
	"controller = transport=tcp;traddr=" DC_B ";host-iface=lo,nr_io_queues=1\n"
	"controller = transport=tcp;traddr=" DC_B ";trsvcid=8009,hostnqn=x\n"
	"controller = transport=tcp;traddr=" DC_C ";host-traddr=127.0.0.1\n";

/* stacd.conf: lines 2 to 6 smuggle options into each field; line 7 is healthy */
static const char injection_stacd_conf[] =
	"[Controllers]\n"
	"controller = transport=tcp;traddr=127.0.0.47,nr_io_queues=1;subsysnqn=" INJ_NQN "\n"
	"controller = transport=tcp;traddr=127.0.0.48;trsvcid=4420,nr_io_queues=1;"
	"subsysnqn=" INJ_NQN "\n"
	"controller = transport=tcp;traddr=127.0.0.49;subsysnqn=" INJ_NQN ",nr_io_queues=1\n"
	"controller = transport=tcp;traddr=127.0.0.52;subsysnqn=" INJ_NQN
	";host-traddr=127.0.0.1,nr_io_queues=1\n"
	"controller = transport=tcp;traddr=127.0.0.53;subsysnqn=" INJ_NQN
	";host-iface=lo,nr_io_queues=1\n"
	"controller = transport=tcp;traddr=" IO_CONF ";subsysnqn=" IO5_NQN "\n";

/* every target a smuggled string could reach is there and answers; the files written */
static void
prepare_injection(DaemonFixture *f)
{
	static const char *const smuggled_addrs[] = {
		"127.0.0.41", "127.0.0.42", "127.0.0.43", "127.0.0.44", "127.0.0.45",
		"127.0.0.47", "127.0.0.48", "127.0.0.49", "127.0.0.52", "127.0.0.53",
	};
	g_autoptr(GString) entries = g_string_new("[" ENTRY(IO1, IO1_NQN));

	for (gsize i = 0; i < G_N_ELEMENTS(smuggled_addrs); i++)
		declare_io(f, smuggled_addrs[i], INJ_NQN);
	declare_dc(f, "inj-referral", "127.0.0.46", "[" ENTRY(IO2, IO2_NQN) "]");
	declare_dc(f, "b", DC_B, "[" ENTRY(IO2, IO2_NQN) "]");
	declare_dc(f, "c", DC_C, "[" ENTRY(IO2, IO2_NQN) "]");
	declare_io(f, IO1, IO1_NQN);
	declare_io(f, IO2, IO2_NQN);
	declare_io(f, IO_CONF, IO5_NQN);
	for (gsize i = 0; i < G_N_ELEMENTS(hostile_dlpes); i++)
		g_string_append_printf(entries, ",%s", hostile_dlpes[i]);
	g_string_append(entries, "]");
	declare_dc(f, "a", DC_A, entries->str);
	df_write(f, "stafd.conf", injection_stafd_conf);
	df_write(f, "stacd.conf", injection_stacd_conf);
}

/* each rejected entry logged once, naming its source (DC, or file and line) */
static void
assert_injection_reported(DaemonFixture *f)
{
	for (guint i = 1; i <= G_N_ELEMENTS(hostile_dlpes); i++) {
		g_autofree char *what = g_strdup_printf("discovery log entry %u ", i);

		if (log_lines_with(f, "stafd", "(tcp, " DC_A ", 8009, ", what) != 1)
			fail_msg("the hostile %s was not reported once, naming DC A", what);
	}
	for (guint line = 3; line <= 5; line++) {
		g_autofree char *where = g_strdup_printf("stafd.conf:%u: ", line);

		if (log_lines_with(f, "stafd", where, "entry ignored") != 1)
			fail_msg("the hostile %s was not reported", where);
	}
	for (guint line = 2; line <= 6; line++) {
		g_autofree char *where = g_strdup_printf("stacd.conf:%u: ", line);

		if (log_lines_with(f, "stacd", where, "entry ignored") != 1)
			fail_msg("the hostile %s was not reported", where);
	}
}

/*
 * SPEC 5: DLPEs and controller= lines with ',', '=', newlines and whole
 * options (nr_io_queues=, hostnqn=) in traddr, trsvcid, subnqn,
 * host-traddr and host-iface.  the targets they name all exist, so a
 * smuggled option would be taken by the (fake) kernel; the connect
 * strings written must hold no such option, and every rejected entry is
 * logged naming its source
 */
static void
case_connect_string_injection(DaemonFixture *f)
{
	static const char *const healthy[] = {IO1, IO2, IO_CONF, NULL};
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(StasDbusStaf) ps = NULL;
	g_autofree char *problem = NULL;

	prepare_injection(f);
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	ps = staf_proxy(f);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, healthy), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, dc_connected(f, ps, DC_C), DF_TIMEOUT_SEC);
	/* a moment more: nothing late */
	df_iterate(f, 1500);
	problem = connects_problem(f);
	if (problem)
		fail_msg("%s", problem);
	/* DCs A and C; IO1, IO2 (through C, with its host-traddr) and the configured one */
	assert_int_equal(n_iocs(p), 3);
	assert_int_equal(n_dcs(ps), 2);
	assert_injection_reported(f);
	df_check_alive(f);

	/* the check above catches a smuggled option: the kernel takes one written as is */
	g_clear_pointer(&problem, g_free);
	df_kernel_do(f, "fabrics-write",
		     "{\"options\":\"nqn=" INJ_NQN ",transport=tcp,traddr=127.0.0.41,trsvcid=4420,"
		     "nr_io_queues=1,hostnqn=" DF_HOSTNQN ",hostid=" DF_HOSTID "\"}");
	problem = connects_problem(f);
	if (!df_contains(problem, "nr_io_queues=1"))
		fail_msg("the connect string check missed a smuggled option: %s",
			 problem ? problem : "(nothing found)");
}

/* ---- cases: SIGKILL at random points, 50 times ------------------------------------------- */

#define KILLS 50

/* the I/O subsystems stacd's loop adds, one per kill in the middle of a connect */
static char *
pool_addr(guint k)
{
	return g_strdup_printf("127.0.1.%u", k + 1);
}

static char *
pool_nqn(guint k)
{
	return g_strdup_printf("nqn.2014-08.com.example:pool%02u", k);
}

/* A's log: IO1..IO3 (if base), then the first n of the pool */
static char *
entries_with_pool(guint n, gboolean base)
{
	GString *s = g_string_new("[");

	if (base)
		g_string_append(
			s, ENTRY(IO1, IO1_NQN) "," ENTRY(IO2, IO2_NQN) "," ENTRY(IO3, IO3_NQN));
	for (guint k = 0; k < n; k++) {
		g_autofree char *addr = pool_addr(k);
		g_autofree char *nqn = pool_nqn(k);

		g_string_append_printf(
			s, "%s{\"subtype\":\"nvme\",\"traddr\":\"%s\",\"subnqn\":\"%s\"}",
			base || k ? "," : "", addr, nqn);
	}
	g_string_append(s, "]");
	return g_string_free(s, FALSE);
}

/* start the daemon called name again, without waiting for anything */
static void
respawn(DaemonFixture *f, const char *name)
{
	g_autofree char *conf = g_strdup_printf("%s/%s.conf", f->dir, name);

	df_start_daemon(f, name, program_of(name), (const char *const[]){"-f", conf, NULL});
}

/* the addresses of IO1..IO3 and the first n of the pool, NULL-terminated */
static GStrv
addrs_with_pool(guint n)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	g_strv_builder_addv(b, (const char **)addrs_3);
	for (guint k = 0; k < n; k++) {
		g_autofree char *addr = pool_addr(k);

		g_strv_builder_add(b, addr);
	}
	return g_strv_builder_end(b);
}

/* each address connected exactly once: one connect that worked, none that was refused */
static void
assert_connected_once(DaemonFixture *f, const char *const *addrs)
{
	for (guint i = 0; addrs[i]; i++) {
		guint all = count_connects(f, addrs[i], -1);
		guint ok = count_connects(f, addrs[i], 0);

		if (all != 1 || ok != 1)
			fail_msg("%s: %u connects written (%u refused, %u of them as a duplicate), "
				 "expected exactly one",
				 addrs[i], all, all - ok, count_connects(f, addrs[i], E_ALREADY));
	}
}

/*
 * stacd killed 50 times: at a random point after a start (before its
 * name is owned, in its first reconciliation, ...), in the middle of a
 * connect (the kernel finishes it after the death, as the real one does),
 * and in the middle of taking its connections back (an attach stalled).
 * after every kill: no connection lost, none doubled.  after all: every
 * controller listed is connected once, stacd shows them all, and the ones
 * it owned before the loop are still its own (REFERENCE 5.12)
 */
static void
case_kill_loop_stacd_50(DaemonFixture *f)
{
	g_autoptr(GRand) r = seeded_rand();
	g_autofree char *state = stacd_state_path(f);
	g_autoptr(StasDbusStac) p = start_both(f, NULL);
	g_autoptr(GHashTable) held = hold(f, addrs_3);
	g_auto(GStrv) all = NULL;
	guint pool = 0, modes[3] = {0};
	gint64 t0 = g_get_monotonic_time();

	for (guint k = 0; k < KILLS; k++) {
		g_autofree char *addr = pool_addr(k);
		g_autofree char *nqn = pool_nqn(k);

		declare_io(f, addr, nqn);
	}
	DF_ASSERT_EVENTUALLY(f, state_names(state, addrs_3), DF_TIMEOUT_SEC);
	g_clear_object(&p);

	for (guint i = 0; i < KILLS; i++) {
		guint mode = (guint)g_rand_int_range(r, 0, 3);

		modes[mode]++;
		if (mode == 0) {
			/* anywhere in its first moments, bus name or not */
			df_iterate(f, (guint)g_rand_int_range(r, 0, 400));
			kill_daemon(f, "stacd");
		} else if (mode == 1) {
			/* in the middle of a connect to a new controller */
			g_autofree char *entries = entries_with_pool(pool + 1, TRUE);
			g_autofree char *target = NULL;
			g_autofree char *addr = pool_addr(pool);
			g_autofree char *dev = NULL;

			df_wait_name(f, STAC_NAME, DF_TIMEOUT_SEC);
			target = g_strdup_printf("io-%s", addr);
			stall(f, target, TRUE);
			set_entries(f, "a", entries);
			wait_stalled(f, target);
			kill_daemon(f, "stacd");
			release(f, target);
			dev = kernel_device_of(f, addr);
			if (dev == NULL)
				fail_msg("the connect to %s that stacd started was not finished",
					 addr);
			hold_more(held, addr, dev);
			pool++;
		} else {
			/* in the middle of taking back its connections */
			df_iterate(f, (guint)g_rand_int_range(r, 0, 50));
			kill_daemon(f, "stacd");
			stall(f, "io-" IO1, TRUE);
			df_start_stacd(f);
			wait_stalled(f, "io-" IO1);
			kill_daemon(f, "stacd");
			release(f, "io-" IO1);
		}
		assert_held(f, held, "after a kill");
		respawn(f, "stacd");
	}
	print_message("%u kills (%u at random, %u mid-connect, %u mid-restore) in %.1f s\n", KILLS,
		      modes[0], modes[1], modes[2],
		      (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);

	/* the last one lives: all there, each connected once, nothing lost */
	df_wait_name(f, STAC_NAME, DF_TIMEOUT_SEC);
	p = stac_proxy(f);
	all = addrs_with_pool(pool);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, (const char *const *)all), DF_TIMEOUT_SEC);
	assert_int_equal(n_iocs(p), g_strv_length(all));
	assert_held_for(f, held, 1.5, "after the last restart");
	assert_connected_once(f, (const char *const *)all);
	/* what it owned before the loop is still its own: a DLPE that goes takes it along */
	assert_true(state_names(state, addrs_3));
	{
		g_autofree char *only_pool = entries_with_pool(pool, FALSE);

		set_entries(f, "a", only_pool);
	}
	for (guint i = 0; addrs_3[i]; i++) {
		DF_ASSERT_EVENTUALLY(f, !kernel_has(f, addrs_3[i]), DF_TIMEOUT_SEC);
		g_hash_table_remove(held, addrs_3[i]);
	}
	assert_held(f, held, "after IO1..IO3 left the log");
}

/* A's log, version v: IO1..IO3 with portid v (a change stafd follows, stacd need not) */
static char *
entries_a(guint v)
{
	return g_strdup_printf("[{\"traddr\":\"" IO1 "\",\"subnqn\":\"" IO1_NQN "\",\"portid\":%u},"
			       "{\"traddr\":\"" IO2 "\",\"subnqn\":\"" IO2_NQN "\",\"portid\":%u},"
			       "{\"traddr\":\"" IO3 "\",\"subnqn\":\"" IO3_NQN "\",\"portid\":%u}]",
			       v, v, v);
}

/* the portid stafd serves for A's entries; -1 if they disagree or there are none */
static gint64
served_version(StasDbusStaf *p)
{
	g_autoptr(GVariant) pages = log_pages_of(p, DC_A);
	gint64 v = -1;

	for (gsize i = 0; i < g_variant_n_children(pages); i++) {
		g_autoptr(GVariant) e = g_variant_get_child_value(pages, i);
		gint64 portid =
			g_ascii_strtoll(lookup(e, "portid") ? lookup(e, "portid") : "-1", NULL, 10);

		if (i > 0 && portid != v)
			return -1;
		v = portid;
	}
	return v;
}

/*
 * stafd serves both DCs' entries (from its state file if the DCs do not
 * answer): never fewer, never older than what an earlier stafd was seen
 * to serve (*oldest, raised to what is served now), never newer than the
 * DC's log (v)
 */
static void
assert_stafd_serves(DaemonFixture *f, guint *oldest, guint v, const char *when)
{
	g_autoptr(StasDbusStaf) ps = staf_proxy(f);
	gint64 served = served_version(ps);
	gsize a = n_log_pages(ps, DC_A), b = n_log_pages(ps, DC_B);

	if (a != 3 || b != 1 || served < *oldest || served > v)
		fail_msg("%s: stafd serves %" G_GSIZE_FORMAT
			 " entries of A (version %" G_GINT64_FORMAT
			 ", expected %u..%u) and %" G_GSIZE_FORMAT " of B",
			 when, a, served, *oldest, v, b);
	*oldest = (guint)served;
}

/*
 * stafd killed 50 times, stacd running all along: at a random point after
 * a start, in the middle of a discovery log read (A stalled after its log
 * changed), and in the middle of a connect to a DC (B's connection gone,
 * B stalled: the kernel finishes the connect after the death).  after
 * every kill: no I/O connection lost, no DC connected twice; after each
 * start that is waited for, both DCs' entries are served at once (the
 * state file).  after all: each DC connected once, the latest log served,
 * the next change still seen (B1), and stacd lost nothing past its long
 * soak (B2)
 */
static void
case_kill_loop_stafd_50(DaemonFixture *f)
{
	static const char *const iocs[] = {IO1, IO2, IO3, IO4, NULL};
	g_autoptr(GRand) r = seeded_rand();
	g_autofree char *first = entries_a(1);
	g_autofree char *latest = NULL;
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(StasDbusStaf) ps = NULL;
	g_autoptr(GHashTable) held = NULL;
	guint v = 1, oldest = 1, b_connects = 1, modes[3] = {0};
	gint64 t0;

	declare_io(f, IO1, IO1_NQN);
	declare_io(f, IO2, IO2_NQN);
	declare_io(f, IO3, IO3_NQN);
	declare_io(f, IO4, IO4_NQN);
	declare_dc(f, "a", DC_A, first);
	declare_dc(f, "b", DC_B, "[" ENTRY(IO4, IO4_NQN) "]");
	df_write(f, "stafd.conf", CONF_AB);
	df_write(f, "stacd.conf", "");
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, iocs), DF_TIMEOUT_SEC);
	held = hold(f, iocs);
	t0 = g_get_monotonic_time();

	for (guint i = 0; i < KILLS; i++) {
		guint mode = (guint)g_rand_int_range(r, 0, 3);

		modes[mode]++;
		if (mode == 0) {
			df_iterate(f, (guint)g_rand_int_range(r, 0, 400));
			kill_daemon(f, "stafd");
		} else if (mode == 1) {
			/* A's log changes; stafd is killed reading it */
			g_autofree char *next = entries_a(v + 1);

			df_wait_name(f, STAF_NAME, DF_TIMEOUT_SEC);
			assert_stafd_serves(f, &oldest, v, "after a start");
			stall(f, "a", TRUE);
			set_entries(f, "a", next);
			v++;
			wait_stalled(f, "a");
			kill_daemon(f, "stafd");
			release(f, "a");
		} else {
			/* B's connection went while stafd was dead: killed connecting again */
			g_autofree char *dev = NULL;

			df_iterate(f, (guint)g_rand_int_range(r, 0, 100));
			kill_daemon(f, "stafd");
			dev = kernel_device_of(f, DC_B);
			if (dev)
				df_kernel_do(f, "disconnect", "{\"device\":\"%s\"}", dev);
			stall(f, "b", TRUE);
			df_start_stafd(f);
			assert_stafd_serves(f, &oldest, v, "with B unreachable");
			wait_stalled(f, "b");
			kill_daemon(f, "stafd");
			release(f, "b");
			b_connects++;
			if (!kernel_has(f, DC_B))
				fail_msg("the connect to B that stafd started was not finished");
		}
		assert_held(f, held, "after a kill of stafd");
		respawn(f, "stafd");
	}
	print_message("%u kills (%u at random, %u mid-read, %u mid-connect) in %.1f s\n", KILLS,
		      modes[0], modes[1], modes[2],
		      (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);

	/* the last one lives: both DCs attached to, the latest log served */
	df_wait_name(f, STAF_NAME, DF_TIMEOUT_SEC);
	ps = staf_proxy(f);
	DF_ASSERT_EVENTUALLY(f, dc_connected(f, ps, DC_A) && dc_connected(f, ps, DC_B),
			     DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, served_version(ps) == v, DF_TIMEOUT_SEC);
	assert_int_equal(n_log_pages(ps, DC_B), 1);
	assert_int_equal(n_dcs(ps), 2);
	/* A never went: never connected again; B once per time it was taken away */
	assert_int_equal(count_connects(f, DC_A, -1), 1);
	assert_int_equal(count_connects(f, DC_B, -1), b_connects);
	assert_int_equal(count_connects(f, DC_B, 0), b_connects);
	/* B1: the AEN is armed again, the next change is followed */
	latest = entries_a(v + 1);
	set_entries(f, "a", latest);
	DF_ASSERT_EVENTUALLY(f, served_version(ps) == v + 1, DF_TIMEOUT_SEC);
	/* B2: stacd, past its long soak after the last loss, lost nothing */
	assert_held_for(f, held, PAST_LONG_SOAK_SEC, "after stafd's last restart");
	assert_connected_once(f, iocs);
	assert_int_equal(n_iocs(p), 4);
}

/* ---- main ---------------------------------------------------------------------------- */

static const DfCase cases[] = {
	{"uevent-storm-10000", case_uevent_storm_10000, FALSE},
	{"uevents-refused", case_uevents_refused, FALSE},
	{"uevents-stream-closed", case_uevents_stream_closed, FALSE},
	{"dbus-daemon-restarted", case_dbus_daemon_restarted, FALSE},
	{"connect-failures", case_connect_failures, FALSE},
	{"runtime-dir-missing", case_runtime_dir_missing, FALSE},
	{"runtime-dir-not-a-directory", case_runtime_dir_not_a_directory, FALSE},
	{"runtime-dir-readonly", case_runtime_dir_readonly, FALSE},
	{"disk-full", case_disk_full, FALSE},
	{"state-file-truncated", case_state_file_truncated, FALSE},
	{"state-file-huge", case_state_file_huge, FALSE},
	{"state-file-deeply-nested", case_state_file_deeply_nested, FALSE},
	{"state-file-wrong-types", case_state_file_wrong_types, FALSE},
	{"config-unreadable", case_config_unreadable, FALSE},
	{"connect-string-injection", case_connect_string_injection, FALSE},
	{"kill-loop-stacd-50", case_kill_loop_stacd_50, FALSE},
	{"kill-loop-stafd-50", case_kill_loop_stafd_50, FALSE},
};

int
main(int argc, char **argv)
{
	return df_main(argc, argv, cases, G_N_ELEMENTS(cases));
}
