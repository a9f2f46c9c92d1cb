/* SPDX-License-Identifier: Apache-2.0 */
/* stafd-dc: registration, PLEO, log pages, AENs, origin and aging (REFERENCE 5.5, 5.8, 3.5) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "seam-double.h"
#include "stafd-dc.h"

#include "stas/stas-log.h"

#define DC_SPEC "transport=tcp;traddr=192.168.1.10;trsvcid=8009;subsysnqn=" TEST_DC_NQN
#define DC_ID	"(tcp, 192.168.1.10, 8009, " TEST_DC_NQN ")"
#define REF_NQN "nqn.2014-08.org.example:referral"

typedef struct {
	TestEnv *t;
	StafdDc *dc;
	guint changed;
	guint referrals;
	guint timeouts;
} Fixture;

static void
on_count(StafdDc *dc, gpointer data)
{
	(*(guint *)data)++;
}

static StafdDc *
dc_new(Fixture *f, StasOrigin origin)
{
	g_autoptr(StasTid) tid = test_tid(STAS_TID_KIND_DC, DC_SPEC);
	StafdDc *dc = test_env_track(f->t, stafd_dc_new(f->t->env, tid, origin));

	g_signal_connect(dc, "log-pages-changed", G_CALLBACK(on_count), &f->changed);
	g_signal_connect(dc, "referrals-changed", G_CALLBACK(on_count), &f->referrals);
	g_signal_connect(dc, "unresponsive-timeout", G_CALLBACK(on_count), &f->timeouts);
	return dc;
}

static void
fixture_conf(Fixture *f, const char *conf)
{
	g_clear_object(&f->dc);
	test_env_set_conf(f->t, STAS_CONF_KIND_STAFD, conf);
	f->dc = dc_new(f, STAS_ORIGIN_CONFIGURED);
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->t = test_env_new(STAS_CONF_KIND_STAFD, NULL);
	f->dc = dc_new(f, STAS_ORIGIN_CONFIGURED);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	g_clear_object(&f->dc);
	test_env_free(f->t);
	g_free(f);
	return 0;
}

static StasController *
C(Fixture *f)
{
	return STAS_CONTROLLER(f->dc);
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
	assert_true(test_wait_until(settled, f->dc));
	test_drain();
}

static void
connect_dc(Fixture *f)
{
	stas_controller_start(C(f));
	settle(f);
	assert_true(stas_controller_is_connected(C(f)));
}

static GBytes *
log_two_ioc(void)
{
	GByteArray *log = dlp_new(1);

	dlp_add(log, STAS_DLPE_SUBTYPE_NVME, "192.168.1.30", "4420", TEST_IO_NQN, 0);
	dlp_add(log, STAS_DLPE_SUBTYPE_NVME, "192.168.1.31", "4420", TEST_IO_NQN, 0);
	return dlp_finish(log);
}

static GBytes *
log_with_referral(const char *ioc, const char *referral)
{
	GByteArray *log = dlp_new(2);

	dlp_add(log, STAS_DLPE_SUBTYPE_NVME, ioc, "4420", TEST_IO_NQN, 0);
	dlp_add(log, STAS_DLPE_SUBTYPE_REFERRAL, referral, "8009", REF_NQN, 0);
	return dlp_finish(log);
}

static void
set_log(GBytes *log)
{
	seam_double_set_log(log);
	g_bytes_unref(log);
}

static guint8
dlp_lsp(guint i)
{
	g_autoptr(SeamCall) call = seam_double_get_call(SEAM_DLP, i);

	assert_non_null(call);
	return call->lsp;
}

static char *
info_value(Fixture *f, const char *key)
{
	g_autoptr(GHashTable) info = stas_controller_get_details(C(f));

	return g_strdup(g_hash_table_lookup(info, key));
}

static void
assert_info(Fixture *f, const char *key, const char *expected)
{
	g_autofree char *value = info_value(f, key);

	if (!expected) {
		assert_null(value);
		return;
	}
	assert_non_null(value);
	assert_string_equal(value, expected);
}

/* ---- the chain after connect ----------------------------------------- */

static void
test_ddc_registers_then_asks_supported_log_pages_then_reads_the_log(void **state)
{
	Fixture *f = *state;
	g_autoptr(SeamCall) dim = NULL;

	seam_double_set_dctype("ddc");
	connect_dc(f);
	assert_int_equal(seam_double_count(SEAM_DIM), 1);
	assert_int_equal(seam_double_count(SEAM_SUPPORTED), 1);
	assert_int_equal(seam_double_count(SEAM_DLP), 1);
	assert_int_equal(dlp_lsp(0), 0);
	dim = seam_double_get_call(SEAM_DIM, 0);
	assert_string_equal(dim->device, "nvme1");
	assert_string_equal(dim->symname, TEST_SYMNAME);
}

static void
test_connect_is_a_discovery_connect(void **state)
{
	Fixture *f = *state;
	g_autoptr(SeamCall) call = NULL;

	connect_dc(f);
	call = seam_double_get_call(SEAM_CONNECT, 0);
	assert_true(call->params->discovery);
	assert_int_equal(call->params->kato, 30); /* stafd's default kato */
}

static void
test_cdc_registers_and_reads_the_log_without_pleo(void **state)
{
	Fixture *f = *state;

	seam_double_set_dctype("cdc");
	seam_double_set_supported(0x2 << 16, TRUE);
	connect_dc(f);
	assert_int_equal(seam_double_count(SEAM_DIM), 1);
	assert_int_equal(seam_double_count(SEAM_SUPPORTED), 0);
	assert_int_equal(seam_double_count(SEAM_DLP), 1);
	assert_int_equal(dlp_lsp(0), 0);
}

static void
test_dc_without_dim_support_is_not_registered(void **state)
{
	Fixture *f = *state;

	seam_double_set_dctype("none");
	connect_dc(f);
	assert_int_equal(seam_double_count(SEAM_DIM), 0);
	assert_int_equal(seam_double_count(SEAM_SUPPORTED), 1);
	assert_int_equal(seam_double_count(SEAM_DLP), 1);
	assert_info(f, "register operation", NULL);
}

static void
test_unknown_dctype_tries_dim_and_skips_it_when_unsupported(void **state)
{
	Fixture *f = *state;

	seam_double_set_dctype("");
	seam_double_fail(SEAM_DIM, STAS_ERROR_UNSUPPORTED, "no explicit registration");
	connect_dc(f);
	assert_int_equal(seam_double_count(SEAM_DIM), 1);
	assert_int_equal(seam_double_count(SEAM_DLP), 1);
	assert_info(f, "register operation", NULL);
	/* a resync starts from what exists: the supported log pages */
	stafd_dc_resync(f->dc);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_DIM), 1);
	assert_int_equal(seam_double_count(SEAM_SUPPORTED), 2);
}

static void
check_pleo_choice(guint32 lid_support, gboolean answered, guint8 expected_lsp)
{
	TestEnv *t = test_env_new(STAS_CONF_KIND_STAFD, NULL);
	Fixture f = {.t = t};

	f.dc = dc_new(&f, STAS_ORIGIN_CONFIGURED);
	seam_double_set_supported(lid_support, answered);
	connect_dc(&f);
	assert_int_equal(seam_double_count(SEAM_DLP), 1);
	assert_int_equal(dlp_lsp(0), expected_lsp);
	g_clear_object(&f.dc);
	test_env_free(t);
}

static void
test_pleo_lsp_follows_bit_1_of_the_discovery_lid_support_shifted_by_16(void **state)
{
	check_pleo_choice(0x2u << 16, TRUE, STAS_NVME_DLP_LSP_PLEO);
	check_pleo_choice(0x7u << 16, TRUE, STAS_NVME_DLP_LSP_PLEO);
	check_pleo_choice(0x1u << 16, TRUE, 0);
	check_pleo_choice(0x4u << 16, TRUE, 0);
	check_pleo_choice(0x2u, TRUE, 0);
	/* a DC without the log (nvmet): no support */
	check_pleo_choice(0x2u << 16, FALSE, 0);
}

static void
test_pleo_disabled_skips_supported_log_pages(void **state)
{
	Fixture *f = *state;

	fixture_conf(f, "[Global]\npleo=disabled\n");
	seam_double_set_supported(0x2 << 16, TRUE);
	connect_dc(f);
	assert_int_equal(seam_double_count(SEAM_SUPPORTED), 0);
	assert_int_equal(dlp_lsp(0), 0);
}

static void
test_registration_error_status_is_a_warning_and_the_chain_goes_on(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;

	seam_double_set_dctype("cdc");
	seam_double_fail(SEAM_DIM, STAS_ERROR_FAILED,
			 "Result:0x0000, Status:0x4002 - Invalid Field in Command");
	test_capture_start();
	connect_dc(f);
	out = test_capture_end();
	assert_non_null(strstr(out, "WARNING: " DC_ID " | nvme1 - Registration error. "
				    "Result:0x0000, Status:0x4002 - Invalid Field in Command.\n"));
	assert_int_equal(seam_double_count(SEAM_DLP), 1);
	assert_info(f, "register operation", "{'fail count': 0, 'completed': True, 'alive': True}");
}

static void
test_registration_transport_failure_is_logged_once_and_retried_every_5s(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;
	const char *line = DC_ID " | nvme1 - Failed to register with Discovery Controller. "
				 "nvme1: Connection reset by peer\n";

	seam_double_set_dctype("ddc");
	seam_double_fail(SEAM_DIM, STAS_ERROR_IO, "nvme1: Connection reset by peer");
	seam_double_fail(SEAM_DIM, STAS_ERROR_IO, "nvme1: Connection reset by peer");
	test_capture_start();
	connect_dc(f);
	assert_int_equal(seam_double_count(SEAM_DIM), 1);
	assert_int_equal(seam_double_count(SEAM_DLP), 0);
	assert_info(f, "register operation",
		    "{'fail count': 1, 'completed': True, 'alive': True, 'retry timer': '5.0s "
		    "[5.00s]', 'error': 'nvme1: Connection reset by peer'}");
	stas_clock_advance(f->t->clock, 4.9);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_DIM), 1);
	stas_clock_advance(f->t->clock, 0.1);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_DIM), 2);
	stas_clock_advance(f->t->clock, 5);
	settle(f);
	out = test_capture_end();
	assert_int_equal(seam_double_count(SEAM_DIM), 3);
	assert_int_equal(seam_double_count(SEAM_DLP), 1);
	assert_non_null(strstr(out, line));
	assert_null(strstr(strstr(out, line) + 1, line));
}

static void
test_supported_log_pages_failure_is_retried_every_5s(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;

	seam_double_fail(SEAM_SUPPORTED, STAS_ERROR_IO, "supported log pages: Input/output error");
	test_capture_start();
	connect_dc(f);
	out = test_capture_end();
	assert_non_null(strstr(out, DC_ID " | nvme1 - Failed to Get supported log pages from "
					  "Discovery Controller. supported log pages: "
					  "Input/output error\n"));
	assert_int_equal(seam_double_count(SEAM_DLP), 0);
	stas_clock_advance(f->t->clock, 4.9);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_SUPPORTED), 1);
	stas_clock_advance(f->t->clock, 0.1);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_SUPPORTED), 2);
	assert_int_equal(seam_double_count(SEAM_DLP), 1);
}

static void
test_log_read_failure_is_logged_once_and_retried_every_20s(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;
	const char *line = DC_ID " | nvme1 - Failed to retrieve log pages. nvme1: get log page: "
				 "Input/output error\n";

	seam_double_fail(SEAM_DLP, STAS_ERROR_IO, "nvme1: get log page: Input/output error");
	seam_double_fail(SEAM_DLP, STAS_ERROR_IO, "nvme1: get log page: Input/output error");
	set_log(log_two_ioc());
	test_capture_start();
	connect_dc(f);
	assert_info(f, "get log page operation",
		    "{'fail count': 1, 'completed': True, 'alive': True, 'retry timer': '20.0s "
		    "[20.00s]', 'error': 'nvme1: get log page: Input/output error'}");
	stas_clock_advance(f->t->clock, 19.9);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_DLP), 1);
	stas_clock_advance(f->t->clock, 0.1);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_DLP), 2);
	stas_clock_advance(f->t->clock, 20);
	settle(f);
	out = test_capture_end();
	assert_int_equal(seam_double_count(SEAM_DLP), 3);
	assert_non_null(strstr(out, line));
	assert_null(strstr(strstr(out, line) + 1, line));
	assert_int_equal(stafd_dc_get_log_pages(f->dc)->len, 2);
	assert_info(f, "get log page operation",
		    "{'fail count': 0, 'completed': True, 'alive': True}");
}

/* ---- the log page cache ---------------------------------------------- */

static void
test_log_is_cached_and_logged_with_its_record_count(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;
	GPtrArray *pages;

	set_log(log_two_ioc());
	test_capture_start();
	connect_dc(f);
	out = test_capture_end();
	assert_non_null(
		strstr(out, DC_ID " | nvme1 - Received discovery log pages (num records=2).\n"));
	pages = stafd_dc_get_log_pages(f->dc);
	assert_int_equal(pages->len, 2);
	assert_string_equal(((StasDlpe *)pages->pdata[0])->traddr, "192.168.1.30");
	assert_int_equal(f->changed, 1);
	assert_int_equal(f->referrals, 0);
}

static void
test_log_pages_changed_only_when_the_entries_changed(void **state)
{
	Fixture *f = *state;
	const char *aen[] = {"NVME_AEN=0x70f002", NULL};

	set_log(log_two_ioc());
	connect_dc(f);
	assert_int_equal(f->changed, 1);
	/* same content again: no signal (Q25) */
	test_uevent(f->t, "change", "nvme1", aen);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_DLP), 2);
	assert_int_equal(f->changed, 1);
	/* a zoning change */
	set_log(log_with_referral("192.168.1.40", "192.168.1.50"));
	test_uevent(f->t, "change", "nvme1", aen);
	settle(f);
	assert_int_equal(f->changed, 2);
}

static void
test_referrals_changed_only_when_the_referral_entries_changed(void **state)
{
	Fixture *f = *state;

	set_log(log_with_referral("192.168.1.40", "192.168.1.50"));
	connect_dc(f);
	assert_int_equal(f->referrals, 1);
	{
		g_autoptr(GPtrArray) refs = stafd_dc_get_referrals(f->dc);

		assert_int_equal(refs->len, 1);
		assert_string_equal(((StasDlpe *)refs->pdata[0])->traddr, "192.168.1.50");
	}
	/* another I/O controller, same referral */
	set_log(log_with_referral("192.168.1.41", "192.168.1.50"));
	stafd_dc_resync(f->dc);
	settle(f);
	assert_int_equal(f->changed, 2);
	assert_int_equal(f->referrals, 1);
	/* the referral moved */
	set_log(log_with_referral("192.168.1.41", "192.168.1.51"));
	stafd_dc_resync(f->dc);
	settle(f);
	assert_int_equal(f->changed, 3);
	assert_int_equal(f->referrals, 2);
}

static void
test_rejected_entries_are_warnings_naming_the_dc(void **state)
{
	Fixture *f = *state;
	GByteArray *log = dlp_new(1);
	g_autofree char *out = NULL;

	dlp_add(log, STAS_DLPE_SUBTYPE_NVME, "1.2.3.4,hostnqn=x", "4420", TEST_IO_NQN, 0);
	dlp_add(log, STAS_DLPE_SUBTYPE_NVME, "192.168.1.30", "4420", TEST_IO_NQN, 0);
	set_log(dlp_finish(log));
	test_capture_start();
	connect_dc(f);
	out = test_capture_end();
	assert_int_equal(stafd_dc_get_log_pages(f->dc)->len, 1);
	assert_non_null(strstr(out, "WARNING: " DC_ID " | nvme1 - "));
	assert_non_null(strstr(strstr(out, "WARNING: " DC_ID " | nvme1 - "), DC_ID));
	assert_non_null(strstr(out, "(num records=1)"));
}

static void
test_cache_is_restored_without_a_read_and_survives_remove(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) raw = log_two_ioc();
	g_autoptr(StasDlpeLog) parsed =
		stas_dlpe_log_parse(g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), NULL, NULL);

	stafd_dc_restore_log_pages(f->dc, parsed->entries);
	assert_int_equal(stafd_dc_get_log_pages(f->dc)->len, 2);
	assert_int_equal(seam_double_count(SEAM_DLP), 0);
	assert_int_equal(f->changed, 0);
	/* the live read finds what the cache held: nothing changed */
	seam_double_set_log(raw);
	connect_dc(f);
	assert_int_equal(f->changed, 0);
	/* the kernel controller goes: the cache stays (stacd must not see entries vanish) */
	test_uevent(f->t, "remove", "nvme1", NULL);
	test_drain();
	assert_false(stas_controller_is_connected(C(f)));
	assert_int_equal(stafd_dc_get_log_pages(f->dc)->len, 2);
	assert_info(f, "get log page operation", NULL);
	assert_info(f, "get supported log page operation", NULL);
	assert_info(f, "retry connect timer", "3.0s [3.00s]");
}

/* ---- AENs and events --------------------------------------------------- */

static void
test_dlp_changed_aen_rereads_the_log_only(void **state)
{
	Fixture *f = *state;
	const char *aen[] = {"NVME_AEN=0x70f002", NULL};
	const char *other[] = {"NVME_AEN=0x10000", NULL};

	seam_double_set_dctype("cdc");
	connect_dc(f);
	test_uevent(f->t, "change", "nvme1", aen);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_DIM), 1);
	assert_int_equal(seam_double_count(SEAM_DLP), 2);
	test_uevent(f->t, "change", "nvme1", other);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_DLP), 2);
}

static void
test_aen_keeps_the_pleo_choice(void **state)
{
	Fixture *f = *state;
	const char *aen[] = {"NVME_AEN=0x70f002", NULL};

	seam_double_set_supported(0x2 << 16, TRUE);
	connect_dc(f);
	test_uevent(f->t, "change", "nvme1", aen);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_DLP), 2);
	assert_int_equal(dlp_lsp(1), STAS_NVME_DLP_LSP_PLEO);
	assert_int_equal(seam_double_count(SEAM_SUPPORTED), 1);
}

static void
check_event_resyncs(const char *event)
{
	TestEnv *t = test_env_new(STAS_CONF_KIND_STAFD, NULL);
	Fixture f = {.t = t};
	g_autofree char *prop = g_strdup_printf("NVME_EVENT=%s", event);
	const char *props[] = {prop, NULL};

	f.dc = dc_new(&f, STAS_ORIGIN_CONFIGURED);
	seam_double_set_dctype("ddc");
	connect_dc(&f);
	test_uevent(t, "change", "nvme1", props);
	settle(&f);
	/* registration re-runs the whole chain */
	assert_int_equal(seam_double_count(SEAM_DIM), 2);
	assert_int_equal(seam_double_count(SEAM_SUPPORTED), 2);
	assert_int_equal(seam_double_count(SEAM_DLP), 2);
	g_clear_object(&f.dc);
	test_env_free(t);
}

static void
test_connected_and_rediscover_events_resync_from_registration(void **state)
{
	check_event_resyncs("connected");
	check_event_resyncs("rediscover");
}

static void
test_other_events_do_nothing(void **state)
{
	Fixture *f = *state;
	const char *props[] = {"NVME_EVENT=disconnected", NULL};

	seam_double_set_dctype("ddc");
	connect_dc(f);
	test_uevent(f->t, "change", "nvme1", props);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_DIM), 1);
	assert_int_equal(seam_double_count(SEAM_DLP), 1);
}

static void
test_reload_resyncs_from_the_first_existing_operation(void **state)
{
	Fixture *f = *state;

	seam_double_set_dctype("none");
	connect_dc(f);
	stafd_dc_reload(f->dc);
	settle(f);
	assert_int_equal(seam_double_count(SEAM_DIM), 0);
	assert_int_equal(seam_double_count(SEAM_SUPPORTED), 2);
	assert_int_equal(seam_double_count(SEAM_DLP), 2);
}

/* ---- origin ------------------------------------------------------------ */

static void
test_origin_precedence_is_configured_then_referral_then_discovered(void **state)
{
	assert_int_equal(stafd_dc_origin_merge(STAS_ORIGIN_DISCOVERED, STAS_ORIGIN_REFERRAL),
			 STAS_ORIGIN_REFERRAL);
	assert_int_equal(stafd_dc_origin_merge(STAS_ORIGIN_REFERRAL, STAS_ORIGIN_CONFIGURED),
			 STAS_ORIGIN_CONFIGURED);
	assert_int_equal(stafd_dc_origin_merge(STAS_ORIGIN_CONFIGURED, STAS_ORIGIN_DISCOVERED),
			 STAS_ORIGIN_CONFIGURED);
	assert_int_equal(stafd_dc_origin_merge(STAS_ORIGIN_NONE, STAS_ORIGIN_DISCOVERED),
			 STAS_ORIGIN_DISCOVERED);
}

static void
test_invalid_origin_is_an_error_and_changes_nothing(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;

	test_capture_start();
	assert_false(stafd_dc_set_origin_string(f->dc, "bogus"));
	out = test_capture_end();
	assert_non_null(strstr(out, DC_ID " | nvme? - Trying to set invalid origin to bogus\n"));
	assert_int_equal(stafd_dc_get_origin(f->dc), STAS_ORIGIN_CONFIGURED);
	assert_true(stafd_dc_set_origin_string(f->dc, "referral"));
	assert_info(f, "origin", "referral");
}

/* ---- aging of discovered DCs ------------------------------------------ */

static void
test_lost_discovered_dc_is_marked_with_its_removal_time(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;

	test_capture_start();
	stafd_dc_set_origin(f->dc, STAS_ORIGIN_DISCOVERED);
	out = test_capture_end();
	/* the clock's wall time is Tue Apr  2 12:00:00 2024 UTC; 72 h later: */
	assert_non_null(strstr(out, DC_ID " | nvme? - Controller is not responding. Will be "
					  "removed by Fri Apr  5 12:00:00 2024 unless restored\n"));
	assert_info(f, "origin", "discovered");
	assert_info(f, "unresponsive timeout", "259200 sec");
	assert_info(f, "unresponsive time", "Tue Apr  2 12:00:00 2024");
	assert_info(f, "unresponsive timer", "259200.0s [259200.00s]");
	assert_false(stafd_dc_is_unresponsive(f->dc));

	stas_clock_advance(f->t->clock, 259199);
	assert_false(stafd_dc_is_unresponsive(f->dc));
	assert_int_equal(f->timeouts, 0);
	stas_clock_advance(f->t->clock, 1);
	assert_true(stafd_dc_is_unresponsive(f->dc));
	assert_int_equal(f->timeouts, 1);
}

static void
test_marking_happens_once(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;

	stafd_dc_set_origin(f->dc, STAS_ORIGIN_DISCOVERED);
	stas_clock_advance(f->t->clock, 60);
	test_capture_start();
	stafd_dc_check_unresponsive(f->dc);
	out = test_capture_end();
	assert_null(strstr(out, "not responding"));
	assert_info(f, "unresponsive time", "Tue Apr  2 12:00:00 2024");
}

static void
test_negative_persistence_retries_forever(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;

	fixture_conf(f, "[Discovery controller connection management]\n"
			"zeroconf-connections-persistence=-1\n");
	test_capture_start();
	stafd_dc_set_origin(f->dc, STAS_ORIGIN_DISCOVERED);
	out = test_capture_end();
	assert_non_null(strstr(out, DC_ID " | nvme? - Controller not responding. Retrying...\n"));
	assert_info(f, "unresponsive timeout", "forever");
	assert_info(f, "unresponsive time", "---");
	assert_info(f, "unresponsive timer", "0.0s [off]");
	stas_clock_advance(f->t->clock, 1e6);
	assert_false(stafd_dc_is_unresponsive(f->dc));
}

static void
test_zero_persistence_removes_at_the_next_reconciliation(void **state)
{
	Fixture *f = *state;

	fixture_conf(f, "[Discovery controller connection management]\n"
			"zeroconf-connections-persistence=0\n");
	stafd_dc_set_origin(f->dc, STAS_ORIGIN_DISCOVERED);
	stas_clock_advance(f->t->clock, 0);
	assert_true(stafd_dc_is_unresponsive(f->dc));
	assert_int_equal(f->timeouts, 1);
}

static void
test_reported_or_connected_dcs_are_not_aged(void **state)
{
	Fixture *f = *state;

	stafd_dc_set_mdns_reported(f->dc, TRUE);
	stafd_dc_set_origin(f->dc, STAS_ORIGIN_DISCOVERED);
	assert_info(f, "unresponsive time", "---");
	/* lost from mDNS but connected: never aged */
	stafd_dc_set_mdns_reported(f->dc, FALSE);
	connect_dc(f);
	stafd_dc_check_unresponsive(f->dc);
	assert_info(f, "unresponsive time", "---");
	stas_clock_advance(f->t->clock, 1e6);
	assert_false(stafd_dc_is_unresponsive(f->dc));
}

static void
test_restored_mdns_report_clears_the_mark(void **state)
{
	Fixture *f = *state;

	stafd_dc_set_origin(f->dc, STAS_ORIGIN_DISCOVERED);
	assert_info(f, "unresponsive time", "Tue Apr  2 12:00:00 2024");
	stafd_dc_set_mdns_reported(f->dc, TRUE);
	stafd_dc_reload(f->dc);
	assert_info(f, "unresponsive time", "---");
	assert_info(f, "unresponsive timer", "0.0s [off]");
}

static void
test_failed_connect_of_a_lost_discovered_dc_marks_it(void **state)
{
	Fixture *f = *state;
	g_autofree char *out = NULL;

	g_clear_object(&f->dc);
	f->dc = dc_new(f, STAS_ORIGIN_DISCOVERED);
	stafd_dc_set_mdns_reported(f->dc, TRUE);
	stafd_dc_check_unresponsive(f->dc);
	stafd_dc_set_mdns_reported(f->dc, FALSE);
	seam_double_fail(SEAM_CONNECT, STAS_ERROR_IO, "Connection refused");
	test_capture_start();
	stas_controller_start(C(f));
	settle(f);
	out = test_capture_end();
	assert_non_null(strstr(out, "Controller is not responding. Will be removed by"));
	assert_info(f, "unresponsive time", "Tue Apr  2 12:00:00 2024");
}

static void
test_connecting_clears_the_unresponsive_state(void **state)
{
	Fixture *f = *state;

	stafd_dc_set_origin(f->dc, STAS_ORIGIN_DISCOVERED);
	connect_dc(f);
	assert_info(f, "unresponsive time", "---");
	stas_clock_advance(f->t->clock, 1e6);
	assert_int_equal(f->timeouts, 0);
}

/* ---- dictionaries ------------------------------------------------------- */

static void
test_configured_dc_info_has_origin_and_no_aging_keys(void **state)
{
	Fixture *f = *state;

	seam_double_set_dctype("cdc");
	connect_dc(f);
	assert_info(f, "origin", "configured");
	assert_info(f, "unresponsive timer", NULL);
	assert_info(f, "register operation", "{'fail count': 0, 'completed': True, 'alive': True}");
	assert_info(f, "get log page operation",
		    "{'fail count': 0, 'completed': True, 'alive': True}");
	assert_info(f, "get supported log page operation", NULL);
	assert_info(f, "dctype", "cdc");
	assert_info(f, "cntrltype", "discovery");
	assert_info(f, "connected", "True");
	assert_info(f, "device", "nvme1");
	assert_info(f, "connect attempts", "0");
	assert_info(f, "retry connect timer", "60.0s [off]");
}

static gboolean
dlp_started(gpointer data)
{
	return seam_double_count(SEAM_DLP) > 0;
}

static void
test_operation_in_flight_shows_completed_false(void **state)
{
	Fixture *f = *state;

	seam_double_hold(SEAM_DLP);
	stas_controller_start(C(f));
	assert_true(test_wait_until(dlp_started, NULL));
	test_drain();
	assert_info(f, "get log page operation",
		    "{'fail count': 0, 'completed': False, 'alive': True}");
	seam_double_release(SEAM_DLP);
	settle(f);
}

static void
test_no_secret_in_dc_dicts(void **state)
{
	Fixture *f = *state;
	g_autoptr(StasTid) tid =
		test_tid(STAS_TID_KIND_DC, DC_SPEC ";dhchap-secret=" TEST_HOST_KEY);
	g_autoptr(GHashTable) details = NULL;
	GHashTableIter iter;
	gpointer k, v;

	g_clear_object(&f->dc);
	f->dc = test_env_track(f->t, stafd_dc_new(f->t->env, tid, STAS_ORIGIN_DISCOVERED));
	connect_dc(f);
	details = stas_controller_get_details(C(f));
	g_hash_table_iter_init(&iter, details);
	while (g_hash_table_iter_next(&iter, &k, &v))
		assert_null(strstr(v, "DHHC-1"));
	assert_string_equal(g_hash_table_lookup(details, "dhchap-secret"), STAS_REDACTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_ddc_registers_then_asks_supported_log_pages_then_reads_the_log),
		T(test_connect_is_a_discovery_connect),
		T(test_cdc_registers_and_reads_the_log_without_pleo),
		T(test_dc_without_dim_support_is_not_registered),
		T(test_unknown_dctype_tries_dim_and_skips_it_when_unsupported),
		cmocka_unit_test(
			test_pleo_lsp_follows_bit_1_of_the_discovery_lid_support_shifted_by_16),
		T(test_pleo_disabled_skips_supported_log_pages),
		T(test_registration_error_status_is_a_warning_and_the_chain_goes_on),
		T(test_registration_transport_failure_is_logged_once_and_retried_every_5s),
		T(test_supported_log_pages_failure_is_retried_every_5s),
		T(test_log_read_failure_is_logged_once_and_retried_every_20s),
		T(test_log_is_cached_and_logged_with_its_record_count),
		T(test_log_pages_changed_only_when_the_entries_changed),
		T(test_referrals_changed_only_when_the_referral_entries_changed),
		T(test_rejected_entries_are_warnings_naming_the_dc),
		T(test_cache_is_restored_without_a_read_and_survives_remove),
		T(test_dlp_changed_aen_rereads_the_log_only),
		T(test_aen_keeps_the_pleo_choice),
		cmocka_unit_test(test_connected_and_rediscover_events_resync_from_registration),
		T(test_other_events_do_nothing),
		T(test_reload_resyncs_from_the_first_existing_operation),
		cmocka_unit_test(
			test_origin_precedence_is_configured_then_referral_then_discovered),
		T(test_invalid_origin_is_an_error_and_changes_nothing),
		T(test_lost_discovered_dc_is_marked_with_its_removal_time),
		T(test_marking_happens_once),
		T(test_negative_persistence_retries_forever),
		T(test_zero_persistence_removes_at_the_next_reconciliation),
		T(test_reported_or_connected_dcs_are_not_aged),
		T(test_restored_mdns_report_clears_the_mark),
		T(test_failed_connect_of_a_lost_discovered_dc_marks_it),
		T(test_connecting_clears_the_unresponsive_state),
		T(test_configured_dc_info_has_origin_and_no_aging_keys),
		T(test_operation_in_flight_shows_completed_false),
		T(test_no_secret_in_dc_dicts),
#undef T
	};

	/* the aging lines print local time: make it UTC */
	g_setenv("TZ", "UTC", TRUE);
	tzset();
	stas_log_init("test-stafd-dc", STAS_LOG_STDOUT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
