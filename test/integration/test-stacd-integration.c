/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the integration tier for stacd (SPEC 7.3): stafd-test and stacd-test
 * running at once against the fake kernel on a private bus: DLPEs added and
 * removed under each disconnect-scope (REFERENCE 5.9.1, 5.9.2), audits
 * (5.9.4), stafd killed, stopped, frozen and slow to start (B2, Q11,
 * 5.9.3), stacd restarted with its last-known state (5.12), NCC (5.9.5),
 * NBFT boot connections (B7), exclusion edits and SIGHUP (5.16), and 500
 * I/O controllers (B5).
 *
 * "connected once" is read from the fake kernel's record of every string
 * written to /dev/nvme-fabrics; "never disconnected" from its controllers:
 * a connection that went and came back has another device or another
 * connect.
 *
 * one meson test per case: test-stacd-integration --case NAME.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "daemon-fixture.h"
#include "stas-stac-dbus.h"

#define NAME	"org.nvmexpress.stac"
#define PATH	"/org/nvmexpress/stac"
#define CALL_MS 15000

#define DC_A	"127.0.0.10"
#define IO1	"127.0.0.11"
#define IO2	"127.0.0.12"
#define IO3	"127.0.0.13"
#define IO1_NQN "nqn.2014-08.com.example:io1"
#define IO2_NQN "nqn.2014-08.com.example:io2"
#define IO3_NQN "nqn.2014-08.com.example:io3"
/* connections someone else made (nvme-cli) */
#define FOREIGN_TCP	 "127.0.0.19"
#define FOREIGN_TCP_NQN	 "nqn.2014-08.com.example:foreign-tcp"
#define FOREIGN_RDMA	 "127.0.0.29"
#define FOREIGN_RDMA_NQN "nqn.2014-08.com.example:foreign-rdma"

/* the NBFT fixture and what it names (test/fixtures/nbft/expected) */
#define NBFT_FILE     "NBFT-Dell.PowerEdge.R660-fw1.5.5-single"
#define NBFT_TRADDR   "172.18.240.60"
#define NBFT_NQN      "nqn.1988-11.com.dell:powerstore:00:88b402df2d762AA7AF94"
#define NBFT_HOST_NQN "nqn.2014-08.org.nvmexpress:uuid:4c4c4544-0044-4410-8030-b8c04f445833"

#define ENTRY(addr, nqn) "{\"subtype\":\"nvme\",\"traddr\":\"" addr "\",\"subnqn\":\"" nqn "\"}"
#define ENTRY_NCC(addr, nqn)                                                                       \
	"{\"subtype\":\"nvme\",\"traddr\":\"" addr "\",\"subnqn\":\"" nqn "\",\"eflags\":4}"
#define ENTRIES_2 "[" ENTRY(IO1, IO1_NQN) "," ENTRY(IO2, IO2_NQN) "]"
#define ENTRIES_3 "[" ENTRY(IO1, IO1_NQN) "," ENTRY(IO2, IO2_NQN) "," ENTRY(IO3, IO3_NQN) "]"

#define STAFD_CONF "[Controllers]\ncontroller = transport=tcp;traddr=" DC_A "\n"
#define SCOPE(s)   "[I/O controller connection management]\ndisconnect-scope=" s "\n"
#define AUDIT	   SCOPE("all-connections-matching-disconnect-trtypes")

/* stafd's 10 s soak after it vanished (REFERENCE 5.9.3), and some */
#define PAST_LONG_SOAK_SEC 12.0

static const char *const addrs_3[] = {IO1, IO2, IO3, NULL};

/* ---- stacd through the generated proxy ------------------------------------- */

static StasDbusStac *
stac_proxy(DaemonFixture *f)
{
	g_autoptr(GError) error = NULL;
	StasDbusStac *p = stas_dbus_stac_proxy_new_sync(f->bus, G_DBUS_PROXY_FLAGS_NONE, NAME, PATH,
							NULL, &error);

	if (p == NULL)
		fail_msg("cannot create the proxy: %s", error->message);
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(p), CALL_MS);
	return p;
}

static GVariant *
list_controllers(StasDbusStac *p, gboolean detailed)
{
	g_autoptr(GError) error = NULL;
	GVariant *out = NULL;

	if (!stas_dbus_stac_call_list_controllers_sync(p, detailed, &out, NULL, &error))
		fail_msg("list_controllers: %s", error->message);
	return out;
}

static const char *
lookup(GVariant *dict, const char *key)
{
	const char *v = NULL;

	return g_variant_lookup(dict, key, "&s", &v) ? v : NULL;
}

/* the list_controllers dictionary of the controller at traddr, NULL if none */
static GVariant *
ioc_dict(StasDbusStac *p, const char *traddr, gboolean detailed)
{
	g_autoptr(GVariant) list = list_controllers(p, detailed);

	for (gsize i = 0; i < g_variant_n_children(list); i++) {
		GVariant *d = g_variant_get_child_value(list, i);

		if (g_strcmp0(lookup(d, "traddr"), traddr) == 0)
			return d;
		g_variant_unref(d);
	}
	return NULL;
}

static gboolean
ioc_listed(StasDbusStac *p, const char *traddr)
{
	g_autoptr(GVariant) d = ioc_dict(p, traddr, FALSE);

	return d != NULL;
}

static gsize
n_iocs(StasDbusStac *p)
{
	g_autoptr(GVariant) list = list_controllers(p, FALSE);

	return g_variant_n_children(list);
}

/* the device stacd shows for the controller ("nvme?" when not connected), NULL if none */
static char *
ioc_device(StasDbusStac *p, const char *traddr)
{
	g_autoptr(GVariant) d = ioc_dict(p, traddr, FALSE);

	return d ? g_strdup(lookup(d, "device")) : NULL;
}

/* a JSON member of controller_info of the tcp controller at traddr:4420, NULL if none */
static char *
ioc_info(DaemonFixture *f, const char *traddr, const char *nqn, const char *host_nqn,
	 const char *key)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasDbusStacDebug) dbg = NULL;
	g_autofree char *json = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonObject *o;

	dbg = stas_dbus_stac_debug_proxy_new_sync(f->bus, G_DBUS_PROXY_FLAGS_NONE, NAME, PATH, NULL,
						  &error);
	if (dbg == NULL)
		fail_msg("cannot create the debug proxy: %s", error->message);
	if (!stas_dbus_stac_debug_call_controller_info_sync(dbg, "tcp", traddr, "4420", nqn, "", "",
							    host_nqn, &json, NULL, &error))
		fail_msg("controller_info: %s", error->message);
	root = df_parse_json(json);
	o = json_node_get_object(root);
	return o && json_object_has_member(o, key) ? g_strdup(json_object_get_string_member(o, key))
						   : NULL;
}

/* ---- the fake kernel ---------------------------------------------------------- */

static void
declare_dc(DaemonFixture *f, const char *name, const char *traddr, const char *entries)
{
	df_kernel_do(f, "declare-dc", "{\"name\":\"%s\",\"traddr\":\"%s\",\"entries\":%s}", name,
		     traddr, entries);
}

static void
declare_io(DaemonFixture *f, const char *transport, const char *traddr, const char *nqn)
{
	df_kernel_do(f, "declare-subsystem",
		     "{\"name\":\"io-%s-%s\",\"transport\":\"%s\",\"traddr\":\"%s\","
		     "\"nqn\":\"%s\"}",
		     transport, traddr, transport, traddr, nqn);
}

static void
set_entries(DaemonFixture *f, const char *name, const char *entries)
{
	df_kernel_do(f, "set-entries", "{\"name\":\"%s\",\"entries\":%s}", name, entries);
}

static gboolean
kernel_has(DaemonFixture *f, const char *traddr)
{
	g_autofree char *dev = df_kernel_device_of(f, traddr);

	return dev != NULL;
}

/* the connect strings written to /dev/nvme-fabrics so far, failed ones included */
static GStrv
kernel_connects(DaemonFixture *f)
{
	g_autoptr(JsonObject) r = df_kernel(f, "list-connects", "{\"clear\":false}");
	JsonArray *a = json_object_get_array_member(r, "connects");
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	for (guint i = 0; a && i < json_array_get_length(a); i++)
		g_strv_builder_add(b, json_object_get_string_member(
					      json_array_get_object_element(a, i), "options"));
	return g_strv_builder_end(b);
}

static guint
count_in(GStrv connects, const char *traddr)
{
	g_autofree char *needle = g_strdup_printf("traddr=%s,", traddr);
	guint n = 0;

	for (guint i = 0; connects[i]; i++)
		n += df_contains(connects[i], needle);
	return n;
}

static guint
count_connects_to(DaemonFixture *f, const char *traddr)
{
	g_auto(GStrv) connects = kernel_connects(f);

	return count_in(connects, traddr);
}

/* one connect per address, no more, no other to an I/O address */
static void
assert_connected_once(DaemonFixture *f, const char *const *addrs)
{
	g_auto(GStrv) connects = kernel_connects(f);

	for (guint i = 0; addrs[i]; i++) {
		guint n = count_in(connects, addrs[i]);

		if (n != 1)
			fail_msg("%u connects to %s, expected exactly 1", n, addrs[i]);
	}
}

/* a connection made by another tool (nvme-cli), as this host */
static void
foreign_connect(DaemonFixture *f, const char *transport, const char *traddr, const char *nqn,
		const char *host_nqn)
{
	df_kernel_do(f, "fabrics-write",
		     "{\"options\":\"nqn=%s,transport=%s,traddr=%s,trsvcid=4420,hostnqn=%s,"
		     "hostid=" DF_HOSTID "\"}",
		     nqn, transport, traddr, host_nqn);
	if (!kernel_has(f, traddr))
		fail_msg("the foreign connection to %s was not made", traddr);
}

/* ---- "nothing was disconnected" ------------------------------------------------- */

/* the kernel devices of addresses: traddr -> device */
static GHashTable *
hold(DaemonFixture *f, const char *const *addrs)
{
	GHashTable *held = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (guint i = 0; addrs[i]; i++) {
		char *dev = df_kernel_device_of(f, addrs[i]);

		if (dev == NULL)
			fail_msg("%s is not connected", addrs[i]);
		g_hash_table_insert(held, g_strdup(addrs[i]), dev);
	}
	return held;
}

/* every held connection is still there, with the same device */
static void
assert_held(DaemonFixture *f, GHashTable *held, const char *when)
{
	GHashTableIter iter;
	gpointer addr, dev;

	g_hash_table_iter_init(&iter, held);
	while (g_hash_table_iter_next(&iter, &addr, &dev)) {
		g_autofree char *now = df_kernel_device_of(f, addr);

		if (g_strcmp0(now, dev) != 0)
			fail_msg("%s: the connection to %s (%s) was disconnected (now %s)", when,
				 (char *)addr, (char *)dev, now ? now : "none");
	}
}

/* the same, checked again and again for seconds */
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

/* ---- common starts ---------------------------------------------------------- */

/* stacd shows the controller at traddr connected, and the kernel has it */
static gboolean
ioc_connected(DaemonFixture *f, StasDbusStac *p, const char *traddr)
{
	g_autofree char *dev = ioc_device(p, traddr);
	g_autofree char *kdev = df_kernel_device_of(f, traddr);

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

static void
wait_connected(DaemonFixture *f, StasDbusStac *p, const char *const *addrs)
{
	DF_ASSERT_EVENTUALLY(f, all_connected(f, p, addrs), DF_TIMEOUT_SEC);
}

/* the three subsystems, DC A listing entries, stafd.conf naming A */
static void
prepare(DaemonFixture *f, const char *entries)
{
	declare_io(f, "tcp", IO1, IO1_NQN);
	declare_io(f, "tcp", IO2, IO2_NQN);
	declare_io(f, "tcp", IO3, IO3_NQN);
	declare_dc(f, "a", DC_A, entries);
	df_write(f, "stafd.conf", STAFD_CONF);
}

/* both daemons, stafd first, the three I/O controllers of A connected */
static StasDbusStac *
start(DaemonFixture *f, const char *stacd_conf)
{
	StasDbusStac *p;

	prepare(f, ENTRIES_3);
	df_write(f, "stacd.conf", stacd_conf ? stacd_conf : "");
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	wait_connected(f, p, addrs_3);
	return p;
}

/* ---- cases: DLPEs and disconnect-scope -------------------------------------------- */

static void
case_dlpes_connect_iocs(DaemonFixture *f)
{
	static const char *const first[] = {IO1, IO2, NULL};
	g_autoptr(StasDbusStac) p = NULL;
	g_auto(GStrv) connects = NULL;
	g_autoptr(GVariant) d = NULL;

	prepare(f, ENTRIES_2);
	df_write(f, "stacd.conf", "");
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	wait_connected(f, p, first);
	assert_false(ioc_listed(p, IO3));
	assert_int_equal(count_connects_to(f, IO3), 0);
	/* a third entry appears in the DC's log (an AEN): connected too */
	set_entries(f, "a", ENTRIES_3);
	wait_connected(f, p, addrs_3);
	/* a moment more: no second connect comes late */
	df_iterate(f, 1000);
	assert_connected_once(f, addrs_3);
	assert_int_equal(n_iocs(p), 3);
	connects = kernel_connects(f);
	for (guint i = 0; connects[i]; i++) {
		if (df_contains(connects[i], "traddr=" DC_A ","))
			continue;
		/* an I/O connect, as this host, to the port of the entry */
		assert_true(df_contains(connects[i], "trsvcid=4420"));
		assert_true(df_contains(connects[i], "hostnqn=" DF_HOSTNQN));
		assert_true(df_contains(connects[i], "hostid=" DF_HOSTID));
	}
	{
		g_autofree char *all = g_strjoinv(" ", connects);

		assert_true(df_contains(all, "nqn=" IO2_NQN ","));
	}
	d = ioc_dict(p, IO2, TRUE);
	assert_non_null(d);
	assert_string_equal(lookup(d, "subsysnqn"), IO2_NQN);
	assert_string_equal(lookup(d, "connected"), "True");
	assert_string_equal(lookup(d, "dlpe.eflags.ncc"), "False");
	assert_true(df_contains(lookup(d, "dlpe"), "'subnqn': '" IO2_NQN "'"));
}

/* a DLPE goes: only stacd's connection to it goes, the others stay */
static void
dlpe_removed(DaemonFixture *f, StasDbusStac *p, gboolean disconnects)
{
	static const char *const kept[] = {IO1, IO2, NULL};
	g_autoptr(GHashTable) held = hold(f, kept);

	set_entries(f, "a", ENTRIES_2);
	DF_ASSERT_EVENTUALLY(f, !ioc_listed(p, IO3), DF_TIMEOUT_SEC);
	if (disconnects) {
		DF_ASSERT_EVENTUALLY(f, !kernel_has(f, IO3), DF_TIMEOUT_SEC);
	} else {
		df_iterate(f, 1500);
		assert_true(kernel_has(f, IO3));
	}
	assert_held(f, held, "after the removal");
	assert_int_equal(n_iocs(p), 2);
	assert_connected_once(f, addrs_3);
}

static void
case_dlpe_removed_disconnects(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = start(f, NULL);

	dlpe_removed(f, p, TRUE);
	assert_true(df_log_contains_of(f, "stacd", "Disconnect initiated"));
}

static void
case_no_disconnect_keeps_all(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = start(f, SCOPE("no-disconnect"));
	g_autoptr(GHashTable) held = NULL;

	dlpe_removed(f, p, FALSE);
	/* nor does an exclusion disconnect anything */
	held = hold(f, addrs_3);
	df_write(f, "stacd.conf",
		 SCOPE("no-disconnect") "[Controllers]\nexclude = transport=tcp;traddr=" IO1 "\n");
	df_signal_of(f, "stacd", SIGHUP);
	DF_ASSERT_EVENTUALLY(f, !ioc_listed(p, IO1), DF_TIMEOUT_SEC);
	assert_held_for(f, held, 1.5, "after the exclusion");
	assert_int_equal(n_iocs(p), 1);
	assert_false(df_log_contains_of(f, "stacd", "Disconnect initiated"));
}

/* audit mode, tcp audited (the default trtypes): a foreign tcp connection goes too */
static void
case_audit_disconnects_foreign(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = start(f, AUDIT);
	g_autoptr(GHashTable) held = hold(f, addrs_3);

	declare_io(f, "tcp", FOREIGN_TCP, FOREIGN_TCP_NQN);
	foreign_connect(f, "tcp", FOREIGN_TCP, FOREIGN_TCP_NQN, DF_HOSTNQN);
	/* the add uevent, its 1 s soak, the audit adopts it, the next pass disconnects it */
	DF_ASSERT_EVENTUALLY(f, !kernel_has(f, FOREIGN_TCP), DF_TIMEOUT_SEC);
	/* Q21: the wanted connections, adopted or not, are left alone */
	assert_held(f, held, "after the audit");
	DF_ASSERT_EVENTUALLY(f, !ioc_listed(p, FOREIGN_TCP), DF_TIMEOUT_SEC);
	assert_int_equal(n_iocs(p), 3);
	g_clear_pointer(&held, g_hash_table_unref);

	/* and a DLPE that goes takes its connection with it */
	dlpe_removed(f, p, TRUE);
}

/* audit mode, rdma and fc audited: tcp connections are spared, foreign or stacd's */
static void
case_audit_trtypes_spare_tcp(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = start(f, AUDIT "disconnect-trtypes=rdma+fc\n");
	static const char *const foreign[] = {FOREIGN_TCP, NULL};
	g_autoptr(GHashTable) held = NULL;

	declare_io(f, "tcp", FOREIGN_TCP, FOREIGN_TCP_NQN);
	declare_io(f, "rdma", FOREIGN_RDMA, FOREIGN_RDMA_NQN);
	foreign_connect(f, "tcp", FOREIGN_TCP, FOREIGN_TCP_NQN, DF_HOSTNQN);
	held = hold(f, foreign);
	/* the rdma one is audited: it goes */
	foreign_connect(f, "rdma", FOREIGN_RDMA, FOREIGN_RDMA_NQN, DF_HOSTNQN);
	DF_ASSERT_EVENTUALLY(f, !kernel_has(f, FOREIGN_RDMA), DF_TIMEOUT_SEC);
	assert_held_for(f, held, 2.0, "tcp is not audited");
	assert_false(ioc_listed(p, FOREIGN_TCP));

	/* a DLPE that goes: its tcp controller is dropped, its connection stays */
	dlpe_removed(f, p, FALSE);
	assert_held(f, held, "at the end");
}

/* ---- cases: stafd lost (B2, Q11) -------------------------------------------------- */

/* stacd's view did not change: the same controllers on the same devices */
static void
assert_stacd_consistent(DaemonFixture *f, StasDbusStac *p, GHashTable *held)
{
	GHashTableIter iter;
	gpointer addr, dev;

	assert_int_equal(n_iocs(p), g_hash_table_size(held));
	g_hash_table_iter_init(&iter, held);
	while (g_hash_table_iter_next(&iter, &addr, &dev)) {
		g_autofree char *shown = ioc_device(p, addr);

		if (g_strcmp0(shown, dev) != 0)
			fail_msg("stacd shows %s on %s, the kernel has it on %s", (char *)addr,
				 shown ? shown : "nothing", (char *)dev);
	}
}

/* after stafd was lost: nothing goes for longer than stacd's long soak */
static void
assert_nothing_lost(DaemonFixture *f, StasDbusStac *p, GHashTable *held, const char *when)
{
	assert_held_for(f, held, PAST_LONG_SOAK_SEC, when);
	assert_stacd_consistent(f, p, held);
	assert_connected_once(f, addrs_3);
}

/* stafd back: it serves its saved cache, stacd reconciles after 10 s, nothing changes */
static void
restart_stafd(DaemonFixture *f, StasDbusStac *p, GHashTable *held)
{
	guint warnings = df_log_count_of(f, "stacd", "Cannot get the log pages from stafd");

	df_start_stafd(f);
	assert_nothing_lost(f, p, held, "after stafd came back");
	assert_true(kernel_has(f, DC_A));
	/* stacd asked it again and got its answer: no new failure was reported */
	assert_int_equal(df_log_count_of(f, "stacd", "Cannot get the log pages from stafd"),
			 warnings);
}

static void
case_stafd_killed_nothing_disconnected(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = start(f, NULL);
	g_autoptr(GHashTable) held = hold(f, addrs_3);
	int status;

	df_signal_of(f, "stafd", SIGKILL);
	status = df_wait_exit_of(f, "stafd", DF_TIMEOUT_SEC);
	assert_true(WIFSIGNALED(status));
	DF_ASSERT_EVENTUALLY(f, df_log_contains_of(f, "stacd", "stafd left the bus"),
			     DF_TIMEOUT_SEC);
	assert_nothing_lost(f, p, held, "while stafd is dead");
	/* a reload meanwhile (Q11: the upstream mass disconnect) changes nothing either */
	df_signal_of(f, "stacd", SIGHUP);
	assert_nothing_lost(f, p, held, "after a reload without stafd");
	restart_stafd(f, p, held);
}

/* "systemctl stop stafd", its DC connection not persistent: it goes with stafd */
static void
case_stafd_stopped_nothing_disconnected(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GHashTable) held = NULL;

	prepare(f, ENTRIES_3);
	df_write(f, "stafd.conf",
		 "[Discovery controller connection management]\n"
		 "persistent-connections=false\n" STAFD_CONF);
	df_write(f, "stacd.conf", "");
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	wait_connected(f, p, addrs_3);
	held = hold(f, addrs_3);

	df_stop_daemon_of(f, "stafd");
	assert_false(kernel_has(f, DC_A));
	DF_ASSERT_EVENTUALLY(f, df_log_contains_of(f, "stacd", "stafd left the bus"),
			     DF_TIMEOUT_SEC);
	/* a reload while it is away: nothing goes (Q11) */
	df_signal_of(f, "stacd", SIGHUP);
	assert_nothing_lost(f, p, held, "while stafd is stopped");
	restart_stafd(f, p, held);
}

/* stafd owns its name but answers nothing: stacd's calls time out (B2) */
static void
case_stafd_frozen_nothing_disconnected(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = start(f, NULL);
	g_autoptr(GHashTable) held = hold(f, addrs_3);

	df_signal_of(f, "stafd", SIGSTOP);
	/* what makes stacd ask: a reload; the answer never comes (10 s timeout) */
	df_signal_of(f, "stacd", SIGHUP);
	assert_held_for(f, held, PAST_LONG_SOAK_SEC, "while stafd is frozen");
	DF_ASSERT_EVENTUALLY(f,
			     df_log_contains_of(f, "stacd", "Cannot get the log pages from stafd"),
			     DF_TIMEOUT_SEC);
	assert_stacd_consistent(f, p, held);
	df_signal_of(f, "stafd", SIGCONT);
	df_signal_of(f, "stacd", SIGHUP);
	assert_held_for(f, held, 2.0, "after stafd thawed");
	assert_stacd_consistent(f, p, held);
	assert_connected_once(f, addrs_3);
}

/*
 * stacd starts first: what its state file says it owns is kept while stafd
 * is not there (Q11), and what stafd lists is connected once it answers
 */
static void
case_stafd_slow_to_start(DaemonFixture *f)
{
	static const char *const first[] = {IO1, IO2, NULL};
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GHashTable) held = NULL;

	/* a first life: IO1 and IO2 listed and connected, then both daemons stop */
	prepare(f, ENTRIES_2);
	df_write(f, "stacd.conf", "");
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	wait_connected(f, p, first);
	df_stop_daemon_of(f, "stacd");
	df_stop_daemon_of(f, "stafd");
	g_clear_object(&p);
	held = hold(f, first);

	/* IO3 is listed meanwhile; stacd comes back alone */
	set_entries(f, "a", ENTRIES_3);
	df_start_stacd(f);
	p = stac_proxy(f);
	DF_ASSERT_EVENTUALLY(f, ioc_connected(f, p, IO1) && ioc_connected(f, p, IO2),
			     DF_TIMEOUT_SEC);
	assert_held_for(f, held, PAST_LONG_SOAK_SEC, "before stafd started");
	assert_int_equal(n_iocs(p), 2);
	assert_int_equal(count_connects_to(f, IO3), 0);

	/* stafd, late: the new entry is connected, the others left as they are */
	df_start_stafd(f);
	wait_connected(f, p, addrs_3);
	assert_held_for(f, held, 1.0, "after stafd started");
	assert_connected_once(f, addrs_3);
}

/* ---- cases: stacd restart (REFERENCE 5.12) --------------------------------------- */

static void
case_stacd_restart_remembers_owned(DaemonFixture *f)
{
	static const char *const mine[] = {IO1, IO3, NULL};
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GHashTable) held = NULL;
	g_autofree char *state_path =
		g_build_filename(f->stacd_run_dir, "last-known-config.json", NULL);
	g_autofree char *state = NULL;
	gint64 attaches;

	/* IO2 was connected by someone else before stacd came: it is not stacd's */
	prepare(f, ENTRIES_3);
	foreign_connect(f, "tcp", IO2, IO2_NQN, DF_HOSTNQN);
	df_write(f, "stacd.conf", "");
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	wait_connected(f, p, addrs_3);
	assert_connected_once(f, addrs_3);
	held = hold(f, addrs_3);

	/* a stop keeps every connection, the state file names those stacd made */
	df_stop_daemon_of(f, "stacd");
	g_clear_object(&p);
	assert_held(f, held, "after stacd stopped");
	state = df_read(state_path);
	assert_non_null(state);
	assert_true(df_contains(state, IO1));
	assert_true(df_contains(state, IO3));
	assert_false(df_contains(state, IO2));

	/* back: it attaches to each, no second connect */
	attaches = df_kernel_stat(f, "attach");
	df_start_stacd(f);
	p = stac_proxy(f);
	wait_connected(f, p, addrs_3);
	DF_ASSERT_EVENTUALLY(f, df_kernel_stat(f, "attach") >= attaches + 3, DF_TIMEOUT_SEC);
	df_iterate(f, 1000);
	assert_held(f, held, "after stacd restarted");
	assert_connected_once(f, addrs_3);

	/* the remembered ones are still stacd's to disconnect, the other is not */
	set_entries(f, "a", "[]");
	DF_ASSERT_EVENTUALLY(f, n_iocs(p) == 0, DF_TIMEOUT_SEC);
	for (guint i = 0; mine[i]; i++)
		DF_ASSERT_EVENTUALLY(f, !kernel_has(f, mine[i]), DF_TIMEOUT_SEC);
	df_iterate(f, 1000);
	assert_true(kernel_has(f, IO2));
}

/* ---- cases: NCC (REFERENCE 5.9.5) ------------------------------------------------- */

static gboolean
retry_timer_off(DaemonFixture *f, const char *traddr, const char *nqn)
{
	g_autofree char *timer = ioc_info(f, traddr, nqn, DF_HOSTNQN, "retry connect timer");

	return timer && g_str_has_suffix(timer, " [off]");
}

static void
case_ncc_gives_up_sighup_revives(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = NULL;
	g_autofree char *spent = NULL;
	g_autofree char *attempts = NULL;

	/* IO1 and IO2 say NCC, and refuse (nothing listens there yet) */
	declare_io(f, "tcp", IO3, IO3_NQN);
	declare_dc(f, "a", DC_A,
		   "[" ENTRY_NCC(IO1, IO1_NQN) "," ENTRY_NCC(IO2, IO2_NQN) "," ENTRY(IO3,
										     IO3_NQN) "]");
	df_write(f, "stafd.conf", STAFD_CONF);
	df_write(f, "stacd.conf",
		 "[I/O controller connection management]\n"
		 "connect-attempts-on-ncc=2\n");
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	DF_ASSERT_EVENTUALLY(f, ioc_connected(f, p, IO3), DF_TIMEOUT_SEC);

	/* the first attempt, the retry 3 s later, then it gives up */
	DF_ASSERT_EVENTUALLY(f, df_log_count_of(f, "stacd", "NCC: giving up after 2") == 2,
			     2 * DF_TIMEOUT_SEC);
	assert_int_equal(count_connects_to(f, IO1), 2);
	assert_int_equal(count_connects_to(f, IO2), 2);
	assert_true(retry_timer_off(f, IO1, IO1_NQN));
	spent = ioc_info(f, IO1, IO1_NQN, DF_HOSTNQN, "connect attempts");
	assert_string_equal(spent, "2");
	df_iterate(f, 4000);
	assert_int_equal(count_connects_to(f, IO1), 2);
	assert_int_equal(count_connects_to(f, IO2), 2);

	/* the targets come; the entry of IO2 loses its NCC: IO2 connects at once, IO1 not */
	declare_io(f, "tcp", IO1, IO1_NQN);
	declare_io(f, "tcp", IO2, IO2_NQN);
	set_entries(
		f, "a",
		"[" ENTRY_NCC(IO1, IO1_NQN) "," ENTRY(IO2, IO2_NQN) "," ENTRY(IO3, IO3_NQN) "]");
	DF_ASSERT_EVENTUALLY(f, ioc_connected(f, p, IO2), DF_TIMEOUT_SEC);
	assert_int_equal(count_connects_to(f, IO2), 3);
	df_iterate(f, 1000);
	assert_int_equal(count_connects_to(f, IO1), 2);
	assert_false(ioc_connected(f, p, IO1));

	/* SIGHUP revives the one that gave up */
	df_signal_of(f, "stacd", SIGHUP);
	DF_ASSERT_EVENTUALLY(f, ioc_connected(f, p, IO1), DF_TIMEOUT_SEC);
	assert_int_equal(count_connects_to(f, IO1), 3);
	attempts = ioc_info(f, IO1, IO1_NQN, DF_HOSTNQN, "connect attempts");
	assert_string_equal(attempts, "0");
}

/* ---- cases: NBFT boot connections (B7) --------------------------------------------- */

static void
install_nbft(DaemonFixture *f)
{
	const char *fixtures = g_getenv("STAS_TEST_FIXTURES");
	g_autofree char *src = NULL;
	g_autofree char *dst = g_build_filename(f->nbft_dir, "NBFT", NULL);
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) error = NULL;

	if (fixtures == NULL || *fixtures == '\0')
		fail_msg("STAS_TEST_FIXTURES is not set (run the tests through meson)");
	src = g_build_filename(fixtures, "nbft", "good", NBFT_FILE, NULL);
	if (!g_file_get_contents(src, &data, &len, &error) ||
	    !g_file_set_contents(dst, data, (gssize)len, &error))
		fail_msg("cannot install the NBFT fixture: %s", error->message);
	/* the subsystem the firmware booted from */
	declare_io(f, "tcp", NBFT_TRADDR, NBFT_NQN);
}

static void
exclude_nbft_and_reload(DaemonFixture *f, StasDbusStac *p)
{
	df_write(f, "stacd.conf",
		 "[Controllers]\nexclude = transport=tcp;traddr=" NBFT_TRADDR "\n");
	df_signal_of(f, "stacd", SIGHUP);
	DF_ASSERT_EVENTUALLY(f, !ioc_listed(p, NBFT_TRADDR), DF_TIMEOUT_SEC);
}

/* the firmware connected it: stacd takes it on, and leaves it even when excluded */
static void
case_nbft_boot_connection_kept(DaemonFixture *f)
{
	static const char *const boot[] = {NBFT_TRADDR, NULL};
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GHashTable) held = NULL;
	g_autoptr(GVariant) d = NULL;

	install_nbft(f);
	prepare(f, ENTRIES_3);
	foreign_connect(f, "tcp", NBFT_TRADDR, NBFT_NQN, NBFT_HOST_NQN);
	held = hold(f, boot);
	df_write(f, "stacd.conf", "");
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	wait_connected(f, p, addrs_3);
	DF_ASSERT_EVENTUALLY(f, ioc_connected(f, p, NBFT_TRADDR), DF_TIMEOUT_SEC);
	/* attached, not connected again; as the NBFT's host (Q9) */
	assert_int_equal(count_connects_to(f, NBFT_TRADDR), 1);
	d = ioc_dict(p, NBFT_TRADDR, FALSE);
	assert_string_equal(lookup(d, "host-nqn"), NBFT_HOST_NQN);

	exclude_nbft_and_reload(f, p);
	assert_held_for(f, held, 2.0, "after the exclusion");
	/* the others, stacd's own, are not touched by the reload */
	assert_int_equal(n_iocs(p), 3);
	assert_connected_once(f, addrs_3);
}

/* no boot connection yet: stacd makes it, and it is still never disconnected */
static void
case_nbft_ioc_kept_when_excluded(DaemonFixture *f)
{
	static const char *const boot[] = {NBFT_TRADDR, NULL};
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GHashTable) held = NULL;
	g_auto(GStrv) connects = NULL;

	install_nbft(f);
	prepare(f, ENTRIES_3);
	df_write(f, "stacd.conf", "");
	df_start_stafd(f);
	df_start_stacd(f);
	p = stac_proxy(f);
	DF_ASSERT_EVENTUALLY(f, ioc_connected(f, p, NBFT_TRADDR), DF_TIMEOUT_SEC);
	connects = kernel_connects(f);
	assert_int_equal(count_in(connects, NBFT_TRADDR), 1);
	for (guint i = 0; connects[i]; i++) {
		if (df_contains(connects[i], "traddr=" NBFT_TRADDR ","))
			assert_true(df_contains(connects[i], "hostnqn=" NBFT_HOST_NQN ","));
	}
	held = hold(f, boot);
	exclude_nbft_and_reload(f, p);
	assert_held_for(f, held, 2.0, "after the exclusion");
	/* a restart does not make it stacd's either */
	df_stop_daemon_of(f, "stacd");
	g_clear_object(&p);
	df_start_stacd(f);
	p = stac_proxy(f);
	wait_connected(f, p, addrs_3);
	assert_held_for(f, held, 2.0, "after stacd restarted");
	assert_false(ioc_listed(p, NBFT_TRADDR));
}

/* ---- cases: exclusion (REFERENCE 5.16) --------------------------------------------- */

static void
case_exclude_sighup_disconnects(DaemonFixture *f)
{
	static const char *const kept[] = {IO1, IO3, NULL};
	g_autoptr(StasDbusStac) p = start(f, NULL);
	g_autoptr(GHashTable) held = hold(f, kept);

	df_write(f, "stacd.conf", "[Controllers]\nexclude = transport=tcp;traddr=" IO2 "\n");
	df_signal_of(f, "stacd", SIGHUP);
	DF_ASSERT_EVENTUALLY(f, !kernel_has(f, IO2), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, !ioc_listed(p, IO2), DF_TIMEOUT_SEC);
	assert_held(f, held, "after the exclusion");
	assert_int_equal(n_iocs(p), 2);

	/* the exclusion goes: connected again */
	df_write(f, "stacd.conf", "");
	df_signal_of(f, "stacd", SIGHUP);
	wait_connected(f, p, addrs_3);
	assert_int_equal(count_connects_to(f, IO2), 2);
	assert_held(f, held, "after the exclusion went");
}

/* ---- cases: scale (B5) ------------------------------------------------------------- */

#define N_SCALE 500

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

static char *
scale_addr(guint i)
{
	return g_strdup_printf("127.2.%u.%u", i / 250, i % 250 + 1);
}

static gboolean
n_connected_is(DaemonFixture *f, gsize n)
{
	g_autoptr(JsonArray) ctrls = df_kernel_ctrls(f);

	/* the DC and the I/O controllers */
	return json_array_get_length(ctrls) == n + 1;
}

static void
case_five_hundred_iocs(DaemonFixture *f)
{
	g_autoptr(StasDbusStac) p = NULL;
	g_autoptr(GString) entries = g_string_new("[");
	g_auto(GStrv) connects = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	gint64 t0;
	double stacd_cpu, stafd_cpu;

	for (guint i = 0; i < N_SCALE; i++) {
		g_autofree char *addr = scale_addr(i);
		g_autofree char *nqn = g_strdup_printf("nqn.2014-08.com.example:scale%04u", i);

		declare_io(f, "tcp", addr, nqn);
		g_string_append_printf(
			entries, "%s{\"subtype\":\"nvme\",\"traddr\":\"%s\",\"subnqn\":\"%s\"}",
			i ? "," : "", addr, nqn);
	}
	g_string_append(entries, "]");
	declare_dc(f, "a", DC_A, entries->str);
	df_write(f, "stafd.conf", STAFD_CONF);
	df_write(f, "stacd.conf", "");
	df_start_stafd(f);
	t0 = g_get_monotonic_time();
	df_start_stacd(f);
	p = stac_proxy(f);
	DF_ASSERT_EVENTUALLY(f, n_connected_is(f, N_SCALE), 8 * DF_TIMEOUT_SEC);
	print_message("%u I/O controllers connected %.1f s after stacd started\n", N_SCALE,
		      (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
	DF_ASSERT_EVENTUALLY(f, n_iocs(p) == N_SCALE, DF_TIMEOUT_SEC);
	/* settled: a moment more brings no other connect */
	df_iterate(f, 1500);

	/* each exactly once */
	connects = kernel_connects(f);
	for (guint i = 0; connects[i]; i++) {
		g_autofree char *addr = NULL;
		const char *a = strstr(connects[i], "traddr=");
		const char *end = a ? strchr(a, ',') : NULL;

		if (a == NULL || end == NULL)
			fail_msg("a connect without traddr: %s", connects[i]);
		addr = g_strndup(a + 7, (gsize)(end - a - 7));
		if (g_str_equal(addr, DC_A))
			continue;
		if (!g_hash_table_add(seen, g_steal_pointer(&addr)))
			fail_msg("a second connect: %s", connects[i]);
	}
	assert_int_equal(g_hash_table_size(seen), N_SCALE);
	for (guint i = 0; i < N_SCALE; i++) {
		g_autofree char *addr = scale_addr(i);

		if (!g_hash_table_contains(seen, addr))
			fail_msg("no connect to %s", addr);
	}

	stacd_cpu = cpu_seconds(df_daemon_pid_of(f, "stacd"));
	stafd_cpu = cpu_seconds(df_daemon_pid_of(f, "stafd"));
	print_message("CPU time: stacd %.2f s, stafd %.2f s\n", stacd_cpu, stafd_cpu);
	if (stacd_cpu >= 20.0)
		fail_msg("stacd used %.2f s of CPU for %u controllers", stacd_cpu, N_SCALE);
}

/* ---- main ---------------------------------------------------------------------------- */

static const DfCase cases[] = {
	{"dlpes-connect-iocs", case_dlpes_connect_iocs, FALSE},
	{"dlpe-removed-disconnects", case_dlpe_removed_disconnects, FALSE},
	{"no-disconnect-keeps-all", case_no_disconnect_keeps_all, FALSE},
	{"audit-disconnects-foreign", case_audit_disconnects_foreign, FALSE},
	{"audit-trtypes-spare-tcp", case_audit_trtypes_spare_tcp, FALSE},
	{"stafd-killed-nothing-disconnected", case_stafd_killed_nothing_disconnected, FALSE},
	{"stafd-stopped-nothing-disconnected", case_stafd_stopped_nothing_disconnected, FALSE},
	{"stafd-frozen-nothing-disconnected", case_stafd_frozen_nothing_disconnected, FALSE},
	{"stafd-slow-to-start", case_stafd_slow_to_start, FALSE},
	{"stacd-restart-remembers-owned", case_stacd_restart_remembers_owned, FALSE},
	{"ncc-gives-up-sighup-revives", case_ncc_gives_up_sighup_revives, FALSE},
	{"nbft-boot-connection-kept", case_nbft_boot_connection_kept, FALSE},
	{"nbft-ioc-kept-when-excluded", case_nbft_ioc_kept_when_excluded, FALSE},
	{"exclude-sighup-disconnects", case_exclude_sighup_disconnects, FALSE},
	{"five-hundred-iocs", case_five_hundred_iocs, FALSE},
};

int
main(int argc, char **argv)
{
	return df_main(argc, argv, cases, G_N_ELEMENTS(cases));
}
