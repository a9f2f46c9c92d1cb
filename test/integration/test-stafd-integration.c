/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the integration tier for stafd (SPEC 7.3): stafd-test running against
 * the fake kernel (the seam replaced) on a private bus: configured DCs,
 * referrals, AENs (B1, Q25), a kernel "remove", reload, exclusion, restart
 * with the last-known state, persistent connections, bad configuration,
 * bad log pages (SPEC 5), 1000 DLPEs, a hostile state file, the udev rule
 * override and the nvme-cli interop (REFERENCE 3.9, 5.5, 5.6, 5.12, 5.16,
 * 5.18, 6.3).
 *
 * one meson test per case: test-stafd-integration --case NAME.
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
#include "stas-staf-dbus.h"

#define NAME	"org.nvmexpress.staf"
#define PATH	"/org/nvmexpress/staf"
#define CALL_MS 15000

#define DC_A	"127.0.0.10"
#define DC_B	"127.0.0.20"
#define DC_C	"127.0.0.30"
#define TID_A	"(tcp, " DC_A ", 8009, " DF_DISC_NQN ")"
#define IO1_NQN "nqn.2014-08.com.example:io1"
#define IO2_NQN "nqn.2014-08.com.example:io2"
#define IO3_NQN "nqn.2014-08.com.example:io3"

#define ENTRY(addr, nqn) "{\"subtype\":\"nvme\",\"traddr\":\"" addr "\",\"subnqn\":\"" nqn "\"}"
#define REFERRAL(addr)	 "{\"subtype\":\"referral\",\"traddr\":\"" addr "\",\"trsvcid\":\"8009\"}"
#define ENTRIES_2	 "[" ENTRY("127.0.0.11", IO1_NQN) "," ENTRY("127.0.0.12", IO2_NQN) "]"

#define CONF_A	"[Controllers]\ncontroller = transport=tcp;traddr=" DC_A "\n"
#define CONF_B	"[Controllers]\ncontroller = transport=tcp;traddr=" DC_B "\n"
#define CONF_AB CONF_A "controller = transport=tcp;traddr=" DC_B "\n"

/* ---- stafd through the generated proxy ------------------------------------ */

static StasDbusStaf *
staf_proxy(DaemonFixture *f)
{
	g_autoptr(GError) error = NULL;
	StasDbusStaf *p = stas_dbus_staf_proxy_new_sync(f->bus, G_DBUS_PROXY_FLAGS_NONE, NAME, PATH,
							NULL, &error);

	if (p == NULL)
		fail_msg("cannot create the proxy: %s", error->message);
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(p), CALL_MS);
	return p;
}

static GVariant *
list_controllers(StasDbusStaf *p, gboolean detailed)
{
	g_autoptr(GError) error = NULL;
	GVariant *out = NULL;

	if (!stas_dbus_staf_call_list_controllers_sync(p, detailed, &out, NULL, &error))
		fail_msg("list_controllers: %s", error->message);
	return out;
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

static const char *
lookup(GVariant *dict, const char *key)
{
	const char *v = NULL;

	return g_variant_lookup(dict, key, "&s", &v) ? v : NULL;
}

/* the list_controllers(detailed) dictionary of the DC at traddr, NULL if none */
static GVariant *
dc_dict(StasDbusStaf *p, const char *traddr, gboolean detailed)
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
dc_listed(StasDbusStaf *p, const char *traddr)
{
	g_autoptr(GVariant) d = dc_dict(p, traddr, FALSE);

	return d != NULL;
}

static gsize
n_dcs(StasDbusStaf *p)
{
	g_autoptr(GVariant) list = list_controllers(p, FALSE);

	return g_variant_n_children(list);
}

/* the device stafd shows for the DC ("nvme?" when not connected), NULL if not listed */
static char *
dc_device(StasDbusStaf *p, const char *traddr)
{
	g_autoptr(GVariant) d = dc_dict(p, traddr, FALSE);

	return d ? g_strdup(lookup(d, "device")) : NULL;
}

/* the string value of key of entry i of a get_log_pages reply */
static char *
entry_value(GVariant *pages, gsize i, const char *key)
{
	g_autoptr(GVariant) e = g_variant_get_child_value(pages, i);

	return g_strdup(lookup(e, key));
}

static void
assert_entry(GVariant *pages, gsize i, const char *traddr, const char *nqn)
{
	g_autofree char *a = entry_value(pages, i, "traddr");
	g_autofree char *n = entry_value(pages, i, "subnqn");

	if (g_strcmp0(a, traddr) != 0 || g_strcmp0(n, nqn) != 0)
		fail_msg("entry %" G_GSIZE_FORMAT ": expected %s %s, got %s %s", i, traddr, nqn, a,
			 n);
}

/* ---- signals ---------------------------------------------------------------------- */

typedef struct {
	guint changed;
	guint removed;
	char *last_traddr;
} Signals;

static void
on_log_pages_changed(StasDbusStaf *proxy, const char *transport, const char *traddr,
		     const char *trsvcid, const char *subsysnqn, const char *host_traddr,
		     const char *host_iface, const char *host_nqn, const char *device,
		     gpointer data)
{
	Signals *s = data;

	s->changed++;
	g_free(s->last_traddr);
	s->last_traddr = g_strdup(traddr);
}

static void
on_dc_removed(StasDbusStaf *proxy, gpointer data)
{
	Signals *s = data;

	s->removed++;
}

static void
watch_signals(StasDbusStaf *p, Signals *s)
{
	g_signal_connect(p, "log-pages-changed", G_CALLBACK(on_log_pages_changed), s);
	g_signal_connect(p, "dc-removed", G_CALLBACK(on_dc_removed), s);
}

static void
signals_clear(Signals *s)
{
	g_clear_pointer(&s->last_traddr, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Signals, signals_clear)

/* ---- the fake kernel ------------------------------------------------------------ */

static void
declare_dc(DaemonFixture *f, const char *name, const char *traddr, const char *entries)
{
	df_kernel_do(f, "declare-dc", "{\"name\":\"%s\",\"traddr\":\"%s\",\"entries\":%s}", name,
		     traddr, entries);
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

static gint64
target_counter(DaemonFixture *f, const char *name, const char *key)
{
	g_autoptr(JsonObject) t = df_kernel_target(f, name);

	if (t == NULL)
		fail_msg("the fake kernel has no target %s", name);
	return json_object_get_int_member(t, key);
}

/* the connect strings written to /dev/nvme-fabrics so far */
static GStrv
kernel_connects(DaemonFixture *f, gboolean clear)
{
	g_autoptr(JsonObject) r =
		df_kernel(f, "list-connects", "{\"clear\":%s}", clear ? "true" : "false");
	JsonArray *a = json_object_get_array_member(r, "connects");
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	for (guint i = 0; a && i < json_array_get_length(a); i++)
		g_strv_builder_add(b, json_object_get_string_member(
					      json_array_get_object_element(a, i), "options"));
	return g_strv_builder_end(b);
}

static guint
count_connects_to(DaemonFixture *f, const char *traddr)
{
	g_auto(GStrv) connects = kernel_connects(f, FALSE);
	g_autofree char *needle = g_strdup_printf("traddr=%s,", traddr);
	guint n = 0;

	for (guint i = 0; connects[i]; i++)
		n += df_contains(connects[i], needle);
	return n;
}

/* ---- common starts ------------------------------------------------------------ */

/* DC A with two I/O entries, configured; stafd started and A's log served */
static StasDbusStaf *
start_with_a(DaemonFixture *f, const char *conf)
{
	StasDbusStaf *p;

	declare_dc(f, "a", DC_A, ENTRIES_2);
	df_write(f, "stafd.conf", conf ? conf : CONF_A);
	df_start_stafd(f);
	p = staf_proxy(f);
	DF_ASSERT_EVENTUALLY(f, n_log_pages(p, DC_A) == 2, DF_TIMEOUT_SEC);
	/* signals of the first read, queued meanwhile, are not the case's */
	df_iterate(f, 100);
	return p;
}

/* ---- cases: discovery ----------------------------------------------------------- */

static void
case_dc_connects_and_serves_log(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = start_with_a(f, NULL);
	g_autoptr(GVariant) pages = log_pages_of(p, DC_A);
	g_autofree char *dev = df_kernel_device_of(f, DC_A);
	g_autofree char *shown = dc_device(p, DC_A);
	g_auto(GStrv) connects = kernel_connects(f, FALSE);

	assert_entry(pages, 0, "127.0.0.11", IO1_NQN);
	assert_entry(pages, 1, "127.0.0.12", IO2_NQN);
	assert_non_null(dev);
	assert_string_equal(shown, dev);
	/* one connect, to the discovery NQN, as this host */
	assert_int_equal(g_strv_length(connects), 1);
	assert_true(df_contains(connects[0], "nqn=" DF_DISC_NQN));
	assert_true(df_contains(connects[0], "traddr=" DC_A));
	assert_true(df_contains(connects[0], "trsvcid=8009"));
	assert_true(df_contains(connects[0], "hostnqn=" DF_HOSTNQN));
	assert_true(df_contains(connects[0], "hostid=" DF_HOSTID));
	/* B1: the log was read to its end with RAE=0, so the next change raises an AEN */
	assert_true(target_counter(f, "a", "log_reads") >= 1);
	/* REFERENCE 5.17: the lines operators grep for */
	assert_true(df_log_contains(f, TID_A " | "));
	assert_true(df_log_contains(f, " - Connection established!"));
	assert_true(df_log_contains(f, " - Received discovery log pages (num records=2)."));
}

static void
case_referral_adds_and_removes_dc(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = NULL;
	g_auto(Signals) s = {0};
	g_autoptr(GVariant) b = NULL;

	declare_dc(f, "b", DC_B, "[" ENTRY("127.0.0.21", IO3_NQN) "]");
	declare_dc(f, "a", DC_A, "[" ENTRY("127.0.0.11", IO1_NQN) "," REFERRAL(DC_B) "]");
	df_write(f, "stafd.conf", CONF_A);
	df_start_stafd(f);
	p = staf_proxy(f);
	watch_signals(p, &s);

	/* the referral becomes a DC of its own, connected, its log served */
	DF_ASSERT_EVENTUALLY(f, n_log_pages(p, DC_B) == 1, DF_TIMEOUT_SEC);
	assert_int_equal(n_dcs(p), 2);
	assert_true(kernel_has(f, DC_B));
	b = dc_dict(p, DC_B, TRUE);
	assert_non_null(b);
	assert_string_equal(lookup(b, "origin"), "referral");

	/* the referral goes: so does its DC, and its connection */
	set_entries(f, "a", "[" ENTRY("127.0.0.11", IO1_NQN) "]");
	DF_ASSERT_EVENTUALLY(f, !dc_listed(p, DC_B), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, !kernel_has(f, DC_B), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, s.removed >= 1, DF_TIMEOUT_SEC);
	assert_true(dc_listed(p, DC_A));
	assert_true(kernel_has(f, DC_A));
}

/* ---- cases: AEN ----------------------------------------------------------------- */

static void
case_aen_refreshes_entries(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = start_with_a(f, NULL);
	g_auto(Signals) s = {0};
	gint64 reads;
	guint received;
	static const char *const changes[] = {
		"[" ENTRY("127.0.0.11", IO1_NQN) "," ENTRY("127.0.0.12", IO2_NQN) "," ENTRY(
			"127.0.0.13", IO3_NQN) "]",
		"[" ENTRY("127.0.0.13", IO3_NQN) "]",
		"[" ENTRY("127.0.0.12", IO2_NQN) "," ENTRY("127.0.0.13", IO3_NQN) "]",
	};
	static const gsize sizes[] = {3, 1, 2};

	watch_signals(p, &s);

	/* Q25: the same entries again (genctr moves, AEN raised): re-read, no signal */
	reads = target_counter(f, "a", "log_reads");
	received = df_log_count(f, "Received discovery log pages");
	set_entries(f, "a", ENTRIES_2);
	DF_ASSERT_EVENTUALLY(f, target_counter(f, "a", "log_reads") > reads, DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, df_log_count(f, "Received discovery log pages") > received,
			     DF_TIMEOUT_SEC);
	assert_true(df_log_contains(f, "Received AEN: 0x70f002"));
	df_iterate(f, 500);
	assert_int_equal(s.changed, 0);
	assert_int_equal(n_log_pages(p, DC_A), 2);

	/* B1: every later change is followed too, each with one signal */
	for (gsize i = 0; i < G_N_ELEMENTS(changes); i++) {
		set_entries(f, "a", changes[i]);
		DF_ASSERT_EVENTUALLY(f, s.changed == i + 1, DF_TIMEOUT_SEC);
		assert_string_equal(s.last_traddr, DC_A);
		assert_int_equal(n_log_pages(p, DC_A), sizes[i]);
	}
	df_iterate(f, 300);
	assert_int_equal(s.changed, G_N_ELEMENTS(changes));
}

/* ---- cases: kernel remove ------------------------------------------------------- */

typedef struct {
	StasDbusStaf *p;
	gboolean cache_lost;
} Reconnect;

static gboolean
reconnected(DaemonFixture *f, gpointer data)
{
	Reconnect *r = data;
	g_autoptr(GVariant) d = dc_dict(r->p, DC_A, TRUE);

	/* the cache is served all along */
	if (n_log_pages(r->p, DC_A) != 2)
		r->cache_lost = TRUE;
	return d && g_strcmp0(lookup(d, "connected"), "True") == 0 &&
	       g_strcmp0(lookup(d, "device"), "nvme?") != 0 && kernel_has(f, DC_A);
}

static void
case_kernel_remove_reconnects(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = start_with_a(f, NULL);
	g_autofree char *dev = df_kernel_device_of(f, DC_A);
	Reconnect rc = {p, FALSE};
	gint64 t0;
	double elapsed;

	/* what "nvme disconnect -d" does: the kernel deletes it, a "remove" uevent */
	df_kernel_do(f, "disconnect", "{\"device\":\"%s\"}", dev);
	t0 = g_get_monotonic_time();
	DF_ASSERT_EVENTUALLY(f, df_log_contains(f, " - Received \"remove\" event"), DF_TIMEOUT_SEC);
	assert_int_equal(n_log_pages(p, DC_A), 2);
	if (!df_wait_until(f, reconnected, &rc, DF_TIMEOUT_SEC))
		fail_msg("no reconnect within %.0f s", DF_TIMEOUT_SEC);
	elapsed = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	print_message("reconnected after %.2f s\n", elapsed);
	assert_false(rc.cache_lost);
	/* REFERENCE 5.3: a fresh fast retry of 3 s, not the 60 s one */
	if (elapsed < 2.5 || elapsed > 8.0)
		fail_msg("reconnected after %.2f s, expected about 3 s", elapsed);
	assert_int_equal(count_connects_to(f, DC_A), 2);
}

/* ---- cases: reload ------------------------------------------------------------- */

static void
case_reload_adds_and_removes(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = NULL;
	g_auto(Signals) s = {0};

	declare_dc(f, "b", DC_B, "[" ENTRY("127.0.0.21", IO3_NQN) "]");
	p = start_with_a(f, NULL);
	watch_signals(p, &s);
	df_write(f, "stafd.conf", CONF_B);
	df_signal(f, SIGHUP);
	DF_ASSERT_EVENTUALLY(f, n_log_pages(p, DC_B) == 1, DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, !dc_listed(p, DC_A), DF_TIMEOUT_SEC);
	/* REFERENCE 5.6: a DC removed from the configuration is disconnected */
	DF_ASSERT_EVENTUALLY(f, !kernel_has(f, DC_A), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, s.removed == 1, DF_TIMEOUT_SEC);
	assert_true(kernel_has(f, DC_B));
	assert_int_equal(n_dcs(p), 1);
	assert_true(df_log_contains(f, "Disconnect initiated"));
}

static void
case_reload_exclude_disconnects(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = NULL;
	g_autofree char *dev_a = NULL;
	g_autofree char *dev_a2 = NULL;

	declare_dc(f, "b", DC_B, "[" ENTRY("127.0.0.21", IO3_NQN) "]");
	p = start_with_a(f, CONF_AB);
	DF_ASSERT_EVENTUALLY(f, n_log_pages(p, DC_B) == 1, DF_TIMEOUT_SEC);
	dev_a = df_kernel_device_of(f, DC_A);

	df_write(f, "stafd.conf", CONF_AB "exclude = transport=tcp;traddr=" DC_B "\n");
	df_signal(f, SIGHUP);
	DF_ASSERT_EVENTUALLY(f, !dc_listed(p, DC_B), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, !kernel_has(f, DC_B), DF_TIMEOUT_SEC);
	/* the other DC and its connection are untouched */
	dev_a2 = df_kernel_device_of(f, DC_A);
	assert_string_equal(dev_a, dev_a2);
	assert_int_equal(count_connects_to(f, DC_A), 1);
	assert_int_equal(n_log_pages(p, DC_A), 2);
	assert_int_equal(n_dcs(p), 1);
}

/* ---- cases: stop and restart ------------------------------------------------------ */

static void
case_restart_serves_state_before_reconnect(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = start_with_a(f, NULL);
	g_autoptr(StasDbusStaf) p2 = NULL;
	g_autoptr(GVariant) before = log_pages_of(p, DC_A);
	g_autoptr(GVariant) after = NULL;
	g_autofree char *dev = df_kernel_device_of(f, DC_A);
	g_autofree char *state = NULL;
	g_autofree char *state_path = g_build_filename(f->run_dir, "last-known-config.json", NULL);
	g_auto(GStrv) connects = NULL;
	gint64 attaches;

	df_stop_daemon(f);
	g_clear_object(&p);
	state = df_read(state_path);
	assert_non_null(state);
	assert_true(df_contains(state, "127.0.0.11"));
	/* persistent-connections (default true): the DC connection stays */
	assert_true(kernel_has(f, DC_A));

	/* the DC answers nothing now: whatever stafd serves comes from the state file */
	g_strfreev(kernel_connects(f, TRUE));
	attaches = df_kernel_stat(f, "attach");
	df_kernel_do(f, "set-target", "{\"name\":\"a\",\"stall\":true}");
	df_start_stafd(f);
	p2 = staf_proxy(f);
	after = log_pages_of(p2, DC_A);
	if (!g_variant_equal(before, after)) {
		g_autofree char *a = g_variant_print(before, FALSE);
		g_autofree char *b = g_variant_print(after, FALSE);

		fail_msg("after a restart stafd serves %s, not the saved %s", b, a);
	}
	assert_int_equal(n_dcs(p2), 1);
	/* it re-attaches to the kernel connection: no second connect */
	DF_ASSERT_EVENTUALLY(f, target_counter(f, "a", "waiting") >= 1, DF_TIMEOUT_SEC);
	df_kernel_do(f, "set-target", "{\"name\":\"a\",\"stall\":false}");
	DF_ASSERT_EVENTUALLY(f, df_kernel_stat(f, "attach") > attaches, DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, df_log_count(f, "Received discovery log pages") >= 2,
			     DF_TIMEOUT_SEC);
	connects = kernel_connects(f, FALSE);
	assert_int_equal(g_strv_length(connects), 0);
	{
		g_autofree char *dev2 = df_kernel_device_of(f, DC_A);
		g_autofree char *shown = dc_device(p2, DC_A);

		assert_string_equal(dev2, dev);
		assert_string_equal(shown, dev);
	}
	assert_int_equal(n_log_pages(p2, DC_A), 2);
}

/*
 * B2: a killed stafd (no shutdown) comes back with the cache it saved when
 * the log pages last changed, and cleans up what the dead one left
 */
static void
case_restart_after_kill_serves_state(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = start_with_a(f, NULL);
	g_autoptr(StasDbusStaf) p2 = NULL;
	g_autoptr(GVariant) pages = NULL;
	g_autofree char *rule = g_build_filename(f->rules_dir, "70-nvmf-autoconnect.rules", NULL);
	int status;

	/* the entries change once more: the saved cache must follow */
	set_entries(f, "a", "[" ENTRY("127.0.0.13", IO3_NQN) "]");
	DF_ASSERT_EVENTUALLY(f, n_log_pages(p, DC_A) == 1, DF_TIMEOUT_SEC);
	df_signal(f, SIGKILL);
	status = df_wait_exit(f, DF_TIMEOUT_SEC);
	assert_true(WIFSIGNALED(status));
	g_clear_object(&p);
	assert_true(kernel_has(f, DC_A));
	assert_true(g_file_test(rule, G_FILE_TEST_EXISTS));

	df_kernel_do(f, "set-target", "{\"name\":\"a\",\"stall\":true}");
	df_start_stafd(f);
	p2 = staf_proxy(f);
	pages = log_pages_of(p2, DC_A);
	if (g_variant_n_children(pages) != 1) {
		g_autofree char *t = g_variant_print(pages, FALSE);

		fail_msg("after a kill stafd serves %s, not the saved entry", t);
	}
	assert_entry(pages, 0, "127.0.0.13", IO3_NQN);
	df_kernel_do(f, "set-target", "{\"name\":\"a\",\"stall\":false}");
	DF_ASSERT_EVENTUALLY(f, df_log_count(f, "Received discovery log pages") >= 3,
			     DF_TIMEOUT_SEC);
	assert_int_equal(count_connects_to(f, DC_A), 1);

	/* the override the killed stafd left is ours: removed at this stop (Q24) */
	df_stop_daemon(f);
	if (g_file_test(rule, G_FILE_TEST_EXISTS))
		fail_msg("the udev rule override left by the killed stafd was never removed");
}

static void
case_stop_persistent_keeps_connection(DaemonFixture *f)
{
	g_object_unref(start_with_a(f, NULL));
	df_stop_daemon(f);
	assert_true(kernel_has(f, DC_A));
	assert_false(df_log_contains(f, "Disconnect initiated"));
}

static void
case_stop_nonpersistent_disconnects(DaemonFixture *f)
{
	g_object_unref(start_with_a(f, "[Discovery controller connection management]\n"
				       "persistent-connections=false\n" CONF_A));
	df_stop_daemon(f);
	assert_false(kernel_has(f, DC_A));
	assert_true(df_log_contains(f, TID_A " | "));
	assert_true(df_log_contains(f, " - Disconnect initiated"));
}

/* ---- cases: bad input ----------------------------------------------------------- */

static void
case_bad_config_tolerated(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = NULL;
	g_autoptr(GString) conf = g_string_new(NULL);
	g_auto(GStrv) connects = NULL;
	static const char *const reported[] = {"johnny",     "Hello",
					       "queue-size", "reconnect-delay",
					       "pleo",	     "zeroconf-connections-persistence"};

	/* REFERENCE 6.3 items 1 and 4 */
	g_string_append(conf, "[Global]\n"
			      "johnny=be good\n"
			      "queue-size=2000000\n"
			      "reconnect-delay=NaN\n"
			      "pleo=disable\n"
			      "[Hello]\n"
			      "world=1\n"
			      "[Discovery controller connection management]\n"
			      "zeroconf-connections-persistence=blah\n"
			      "[Controllers]\n"
			      "controller=\n"
			      "controller=trsvcid\n"
			      "controller = ; ; transport=tcp ; traddr=" DC_A " ; ;\n"
			      "controller=transport=XM;traddr=127.0.0.12\n"
			      "controller=transport=fc;traddr=nn-0x1:pn-0x2\n"
			      "exclude=\n");
	/* names to resolve: only where no query can leave the machine */
	if (f->net_isolated)
		g_string_append(conf, "controller=transport=tcp;traddr=!@#$\n"
				      "controller=transport=tcp;traddr=555.555.555.555\n"
				      "controller=transport=tcp;traddr=abracadabra\n");
	else
		print_message("no network namespace: the unresolvable names are left out\n");
	p = start_with_a(f, conf->str);
	for (gsize i = 0; i < G_N_ELEMENTS(reported); i++) {
		if (!df_log_contains(f, reported[i]))
			fail_msg("the log does not mention the bad %s", reported[i]);
	}
	/*
	 * Q2: the bare exclude= excludes nothing; only the valid DCs are there:
	 * A, and (Q5) the fc one, which cannot connect without a host-traddr
	 */
	df_iterate(f, 500);
	assert_int_equal(n_dcs(p), 2);
	assert_true(dc_listed(p, DC_A));
	assert_true(dc_listed(p, "nn-0x1:pn-0x2"));
	connects = kernel_connects(f, FALSE);
	for (guint i = 0; connects[i]; i++) {
		if (!df_contains(connects[i], "traddr=" DC_A ","))
			fail_msg("stafd wrote a bogus connect: %s", connects[i]);
	}
	df_check_alive(f);
}

/* lines of the log that are warnings naming the DC */
static guint
dc_warnings(DaemonFixture *f)
{
	g_autofree char *log = df_daemon_log(f);
	g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
	guint n = 0;

	for (guint i = 0; lines[i]; i++)
		n += g_str_has_prefix(lines[i], "WARNING") && df_contains(lines[i], TID_A);
	return n;
}

static void
case_bad_log_entries_rejected(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = NULL;
	g_autoptr(GVariant) pages = NULL;
	g_auto(GStrv) connects = NULL;
	g_autofree char *garbage = g_strnfill(2048, 'f');

	declare_dc(f, "a", DC_A, "[]");
	df_kernel_do(
		f, "set-entries",
		"{\"name\":\"a\",\"entries\":[" ENTRY(
			"127.0.0.11",
			IO1_NQN) ","
				 /* an option smuggled into the connect string, as I/O and as
				    referral */
				 "{\"traddr\":\"1.2.3.4,hostnqn=x\",\"subnqn\":\"" IO3_NQN "\"},"
				 "{\"subtype\":\"referral\",\"traddr\":\"127.0.0.40,hostnqn=x\"},"
				 /* non-printable bytes */
				 "{\"traddr\":\"127.0.0.13\\u0001\",\"subnqn\":\"" IO3_NQN "\"},"
				 "{\"traddr\":\"127.0.0.14\",\"subnqn\":"
				 "\"nqn.2014-08.com.example:io\\u0007\\u001b[2J\"},"
				 /* a port with more in it */
				 "{\"traddr\":\"127.0.0.15\",\"trsvcid\":\"4420,x=y\","
				 "\"subnqn\":\"" IO3_NQN "\"},"
				 /* pure garbage bytes */
				 "{\"raw_hex\":\"%s\"}," ENTRY("127.0.0.12", IO2_NQN) "]}",
		garbage);
	df_write(f, "stafd.conf", CONF_A);
	df_start_stafd(f);
	p = staf_proxy(f);
	/* the healthy entries, in order, and nothing else */
	DF_ASSERT_EVENTUALLY(f, n_log_pages(p, DC_A) > 0, DF_TIMEOUT_SEC);
	pages = log_pages_of(p, DC_A);
	if (g_variant_n_children(pages) != 2) {
		g_autofree char *text = g_variant_print(pages, FALSE);

		fail_msg("expected the 2 healthy entries, got %s", text);
	}
	assert_entry(pages, 0, "127.0.0.11", IO1_NQN);
	assert_entry(pages, 1, "127.0.0.12", IO2_NQN);
	/* each rejected entry logged, naming the DC and the entry */
	if (dc_warnings(f) < 6)
		fail_msg("expected a warning naming the DC for each of the 6 bad entries, got %u",
			 dc_warnings(f));
	for (guint i = 1; i <= 6; i++) {
		g_autofree char *what = g_strdup_printf("discovery log entry %u ", i);

		if (!df_log_contains(f, what))
			fail_msg("the bad entry %u was not reported", i);
	}
	assert_false(df_log_contains(f, "discovery log entry 0 "));
	assert_false(df_log_contains(f, "discovery log entry 7 "));
	/* nothing of it reached the kernel: no referral DC, no smuggled option */
	df_iterate(f, 500);
	assert_int_equal(n_dcs(p), 1);
	connects = kernel_connects(f, FALSE);
	for (guint i = 0; connects[i]; i++) {
		if (df_contains(connects[i], "hostnqn=x") || df_contains(connects[i], "x=y"))
			fail_msg("a hostile entry reached the kernel: %s", connects[i]);
	}
	df_check_alive(f);
}

/* numrec larger than the data: the DC's header claims 5 records, 2 are real */
static void
case_bad_log_numrec_overflow(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) r = NULL;
	g_autoptr(JsonObject) t = NULL;
	g_autoptr(GVariant) pages = NULL;

	declare_dc(f, "a", DC_A, ENTRIES_2);
	r = df_kernel_try(f, &error, "set-target", "{\"name\":\"a\",\"numrec\":5}");
	t = df_kernel_target(f, "a");
	if (r == NULL || t == NULL || json_object_get_int_member(t, "numrec") != 5)
		fail_msg("the fake kernel did not take set-target \"numrec\": %s",
			 error ? error->message : "numrec not reported");
	df_write(f, "stafd.conf", CONF_A);
	df_start_stafd(f);
	p = staf_proxy(f);
	DF_ASSERT_EVENTUALLY(f, n_log_pages(p, DC_A) == 2, DF_TIMEOUT_SEC);
	pages = log_pages_of(p, DC_A);
	assert_entry(pages, 0, "127.0.0.11", IO1_NQN);
	assert_entry(pages, 1, "127.0.0.12", IO2_NQN);
	df_iterate(f, 300);
	df_check_alive(f);
}

static void
case_thousand_dlpes(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = NULL;
	g_autoptr(GString) entries = g_string_new("[");
	g_autoptr(GVariant) pages = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonArray *all;

	for (guint i = 0; i < 1000; i++)
		g_string_append_printf(entries,
				       "%s{\"subtype\":\"nvme\",\"traddr\":\"127.1.%u.%u\","
				       "\"subnqn\":\"nqn.2014-08.com.example:io%04u\"}",
				       i ? "," : "", i / 250, i % 250 + 1, i);
	g_string_append(entries, "]");
	declare_dc(f, "a", DC_A, entries->str);
	df_write(f, "stafd.conf", CONF_A);
	df_start_stafd(f);
	p = staf_proxy(f);
	DF_ASSERT_EVENTUALLY(f, n_log_pages(p, DC_A) == 1000, 2 * DF_TIMEOUT_SEC);
	pages = log_pages_of(p, DC_A);
	for (guint i = 0; i < 1000; i++) {
		g_autofree char *addr = g_strdup_printf("127.1.%u.%u", i / 250, i % 250 + 1);
		g_autofree char *nqn = g_strdup_printf("nqn.2014-08.com.example:io%04u", i);

		assert_entry(pages, i, addr, nqn);
	}
	assert_true(df_log_contains(f, "(num records=1000)"));
	if (!stas_dbus_staf_call_get_all_log_pages_sync(p, TRUE, &json, NULL, &error))
		fail_msg("get_all_log_pages: %s", error->message);
	root = df_parse_json(json);
	all = json_node_get_array(root);
	assert_int_equal(json_array_get_length(all), 1);
	assert_int_equal(json_array_get_length(json_object_get_array_member(
				 json_array_get_object_element(all, 0), "log-pages")),
			 1000);
}

/* ---- cases: the state file ------------------------------------------------------- */

static char *
state_path(DaemonFixture *f)
{
	return g_build_filename(f->run_dir, "last-known-config.json", NULL);
}

static void
case_state_file_garbage(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = NULL;
	g_autofree char *path = state_path(f);

	df_write(f, path, "{\"version\": 1, \"controllers\": [{{{{ not json \x01\xff");
	chmod(path, 0600);
	p = start_with_a(f, NULL);
	assert_true(df_log_contains(f, "last known config"));
	assert_int_equal(n_dcs(p), 1);
}

static void
case_state_file_not_trusted(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = NULL;
	g_autofree char *path = state_path(f);
	g_autofree char *victim = df_path(f, "victim");
	g_autofree char *victim_after = NULL;
	g_autofree char *saved = NULL;
	struct stat st;

	/* a symlink planted at the path: refused, and replaced (not followed) on save */
	df_write(f, victim, "do not touch\n");
	if (symlink(victim, path) != 0)
		fail_msg("symlink: %s", g_strerror(errno));
	p = start_with_a(f, NULL);
	assert_true(df_log_contains(f, "last known config"));
	victim_after = df_read(victim);
	assert_string_equal(victim_after, "do not touch\n");
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	/* a file others may write: refused too */
	df_stop_daemon(f);
	g_clear_object(&p);
	saved = df_read(path);
	assert_non_null(saved);
	chmod(path, 0666);
	df_start_stafd(f);
	DF_ASSERT_EVENTUALLY(f, df_log_count(f, "last known config") >= 2, DF_TIMEOUT_SEC);
	df_check_alive(f);
}

/* a deep copy (json_node_copy shares the object) */
static JsonObject *
copy_object(JsonNode *node)
{
	g_autofree char *text = json_to_string(node, FALSE);
	g_autoptr(JsonNode) copy = df_parse_json(text);

	return json_node_dup_object(copy);
}

/* a state file written by stafd, then made hostile */
static void
case_state_file_hostile(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = start_with_a(f, NULL);
	g_autofree char *path = state_path(f);
	g_autofree char *text = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GVariant) pages = NULL;
	g_autofree char *out = NULL;
	g_auto(GStrv) connects = NULL;
	JsonArray *ctrls, *log;
	JsonObject *dc, *bad_dc, *bad_entry;

	df_stop_daemon(f);
	g_clear_object(&p);
	text = df_read(path);
	assert_non_null(text);
	root = df_parse_json(text);
	ctrls = json_object_get_array_member(json_node_get_object(root), "controllers");
	assert_non_null(ctrls);
	assert_int_equal(json_array_get_length(ctrls), 1);
	dc = json_array_get_object_element(ctrls, 0);
	log = json_object_get_array_member(dc, "log-pages");
	assert_non_null(log);
	assert_int_equal(json_array_get_length(log), 2);

	/* a cached entry with a smuggled option, between the two good ones */
	bad_entry = copy_object(json_array_get_element(log, 0));
	json_object_set_string_member(bad_entry, "traddr", "9.9.9.9,hostnqn=x");
	json_array_add_object_element(log, bad_entry);
	/* a DC whose address smuggles an option, and one that is not even an object */
	bad_dc = copy_object(json_array_get_element(ctrls, 0));
	json_object_set_string_member(json_object_get_object_member(bad_dc, "tid"), "traddr",
				      "127.0.0.50,hostnqn=x");
	json_array_add_object_element(ctrls, bad_dc);
	json_array_add_string_element(ctrls, "\x01\x02");
	out = json_to_string(root, TRUE);
	df_write(f, path, out);
	chmod(path, 0600);

	/* stalled, the DC answers nothing: stafd serves what it kept */
	df_kernel_do(f, "set-target", "{\"name\":\"a\",\"stall\":true}");
	df_start_stafd(f);
	p = staf_proxy(f);
	pages = log_pages_of(p, DC_A);
	if (g_variant_n_children(pages) != 2) {
		g_autofree char *t = g_variant_print(pages, FALSE);

		fail_msg("expected the 2 good cached entries, got %s", t);
	}
	assert_entry(pages, 0, "127.0.0.11", IO1_NQN);
	assert_entry(pages, 1, "127.0.0.12", IO2_NQN);
	assert_int_equal(n_dcs(p), 1);
	/* each bad record reported, by its place in the file */
	assert_true(df_log_contains(f, "last-known-config.json: controllers[0].log-pages[2]"));
	assert_true(df_log_contains(f, "last-known-config.json: controllers[1].tid"));
	assert_true(df_log_contains(f, "last-known-config.json: controllers[2]"));
	df_kernel_do(f, "set-target", "{\"name\":\"a\",\"stall\":false}");
	df_iterate(f, 500);
	connects = kernel_connects(f, FALSE);
	for (guint i = 0; connects[i]; i++) {
		if (df_contains(connects[i], "hostnqn=x"))
			fail_msg("a hostile state entry reached the kernel: %s", connects[i]);
	}
	df_check_alive(f);
}

/* ---- cases: nvme-cli interop ------------------------------------------------------- */

#define RULE "70-nvmf-autoconnect.rules"

static void
case_udev_rule_created_and_removed(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = NULL;
	g_autofree char *path = g_build_filename(f->rules_dir, RULE, NULL);
	g_autofree char *rule = NULL;
	g_autofree char *run = NULL;

	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	p = start_with_a(f, NULL);
	rule = df_read(path);
	assert_non_null(rule);
	/* REFERENCE 3.9: only the FC kickstart rule, run through our systemctl */
	run = g_strdup_printf("RUN+=\"%s --no-block restart nvmf-connect@--device\\x3dnone\\x09"
			      "--transport\\x3dfc\\x09--traddr\\x3d$env{NVMEFC_TRADDR}\\x09"
			      "--trsvcid\\x3dnone\\x09--host-traddr\\x3d$env{NVMEFC_HOST_TRADDR}"
			      ".service\"",
			      f->systemctl);
	if (!df_contains(rule, run))
		fail_msg("the rule lacks the FC kickstart line %s:\n%s", run, rule);
	assert_true(df_contains(rule, "ENV{FC_EVENT}==\"nvmediscovery\""));
	assert_false(df_contains(rule, "SUBSYSTEM==\"nvme\""));
	df_stop_daemon(f);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
case_udev_rule_foreign_left_alone(DaemonFixture *f)
{
	g_autoptr(StasDbusStaf) p = NULL;
	g_autofree char *path = g_build_filename(f->rules_dir, RULE, NULL);
	g_autofree char *during = NULL;
	g_autofree char *after = NULL;
	static const char foreign[] = "# the administrator's own rule\n";

	if (g_mkdir(f->rules_dir, 0755) != 0)
		fail_msg("mkdir: %s", g_strerror(errno));
	df_write(f, path, foreign);
	p = start_with_a(f, NULL);
	during = df_read(path);
	assert_string_equal(during, foreign);
	df_stop_daemon(f);
	after = df_read(path);
	assert_string_equal(after, foreign);
}

static guint
n_systemctl_calls(DaemonFixture *f)
{
	g_auto(GStrv) calls = df_systemctl_calls(f);

	return g_strv_length(calls);
}

static void
case_nvme_cli_interop_forwards_aen(DaemonFixture *f)
{
	g_autofree char *dev_a = NULL;
	g_autofree char *dev = NULL;
	g_autofree char *expected = NULL;
	g_autofree char *info = NULL;
	g_auto(GStrv) calls = NULL;

	g_object_unref(start_with_a(f, NULL));
	dev_a = df_kernel_device_of(f, DC_A);
	/* a DC someone else connected (nvme-cli), with a host address */
	declare_dc(f, "c", DC_C, "[" ENTRY("127.0.0.31", IO3_NQN) "]");
	df_kernel_do(f, "fabrics-write",
		     "{\"options\":\"nqn=" DF_DISC_NQN ",transport=tcp,traddr=" DC_C
		     ",trsvcid=8009,host_traddr=127.0.0.1,hostnqn=" DF_HOSTNQN ",hostid=" DF_HOSTID
		     "\"}");
	dev = df_kernel_device_of(f, DC_C);
	assert_non_null(dev);
	df_iterate(f, 300);

	/* its discovery log changes: nvme-cli's connect-all is started for it */
	df_kernel_do(f, "event", "{\"device\":\"%s\",\"props\":{\"NVME_AEN\":\"0x70f002\"}}", dev);
	DF_ASSERT_EVENTUALLY(f, n_systemctl_calls(f) == 1, DF_TIMEOUT_SEC);
	calls = df_systemctl_calls(f);
	/* REFERENCE 5.18: systemd escapes, the empty host-iface left out */
	expected = g_strdup_printf("--quiet --no-block restart nvmf-connect@--device\\x3d%s"
				   "\\x09--host-traddr\\x3d127.0.0.1.service",
				   dev);
	assert_string_equal(calls[0], expected);
	info = g_strdup_printf("%s - Received AEN: Change of Discovery Log Page (0x70f002)", dev);
	assert_true(df_log_contains(f, info));

	/* a "rediscover" too */
	df_kernel_do(f, "event", "{\"device\":\"%s\",\"props\":{\"NVME_EVENT\":\"rediscover\"}}",
		     dev);
	DF_ASSERT_EVENTUALLY(f, n_systemctl_calls(f) == 2, DF_TIMEOUT_SEC);

	/* not for another AEN, a "connected" event, nor for a DC stafd manages */
	df_kernel_do(f, "event", "{\"device\":\"%s\",\"props\":{\"NVME_AEN\":\"0x70f003\"}}", dev);
	df_kernel_do(f, "event", "{\"device\":\"%s\",\"props\":{\"NVME_EVENT\":\"connected\"}}",
		     dev);
	df_kernel_do(f, "event", "{\"device\":\"%s\",\"props\":{\"NVME_AEN\":\"0x70f002\"}}",
		     dev_a);
	df_iterate(f, 800);
	assert_int_equal(n_systemctl_calls(f), 2);
}

/* ---- main ---------------------------------------------------------------------------- */

static const DfCase cases[] = {
	{"dc-connects-and-serves-log", case_dc_connects_and_serves_log, FALSE},
	{"referral-adds-and-removes-dc", case_referral_adds_and_removes_dc, FALSE},
	{"aen-refreshes-entries", case_aen_refreshes_entries, FALSE},
	{"kernel-remove-reconnects", case_kernel_remove_reconnects, FALSE},
	{"reload-adds-and-removes", case_reload_adds_and_removes, FALSE},
	{"reload-exclude-disconnects", case_reload_exclude_disconnects, FALSE},
	{"restart-serves-state-before-reconnect", case_restart_serves_state_before_reconnect,
	 FALSE},
	{"restart-after-kill-serves-state", case_restart_after_kill_serves_state, FALSE},
	{"stop-persistent-keeps-connection", case_stop_persistent_keeps_connection, FALSE},
	{"stop-nonpersistent-disconnects", case_stop_nonpersistent_disconnects, FALSE},
	{"bad-config-tolerated", case_bad_config_tolerated, FALSE},
	{"bad-log-entries-rejected", case_bad_log_entries_rejected, FALSE},
	{"bad-log-numrec-overflow", case_bad_log_numrec_overflow, FALSE},
	{"thousand-dlpes", case_thousand_dlpes, FALSE},
	{"state-file-garbage", case_state_file_garbage, FALSE},
	{"state-file-not-trusted", case_state_file_not_trusted, FALSE},
	{"state-file-hostile", case_state_file_hostile, FALSE},
	{"udev-rule-created-and-removed", case_udev_rule_created_and_removed, FALSE},
	{"udev-rule-foreign-left-alone", case_udev_rule_foreign_left_alone, FALSE},
	{"nvme-cli-interop-forwards-aen", case_nvme_cli_interop_forwards_aen, FALSE},
};

int
main(int argc, char **argv)
{
	return df_main(argc, argv, cases, G_N_ELEMENTS(cases));
}
