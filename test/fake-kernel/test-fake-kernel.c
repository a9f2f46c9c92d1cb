/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the fake kernel, seen through the kernel seam (stas-nvme.h) as the
 * daemons will see it: connect strings parsed as Linux 6.1 parses them,
 * controllers named like the kernel names them, discovery logs read with
 * the real algorithm and parser, uevents through StasUdev, and the test
 * controls (stall, dead addresses, storms, records).  each test runs its
 * own fake-kerneld.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "stas/stas-dlpe.h"
#include "stas/stas-error.h"
#include "stas/stas-nvme.h"
#include "stas/stas-tid.h"
#include "stas/stas-udev.h"

#include "fake-kernel-client.h"
#include "fake-kernel-options.h"

#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555"
#define HOSTID	"11111111-2222-3333-4444-555555555555"
#define IO_NQN	"nqn.2014-08.com.example:io1"
#define CDC_NQN "nqn.2014-08.com.example:cdc"
#define DC_ADDR "127.0.0.2"
#define IO_ADDR "127.0.0.3"
#define WAIT_MS 20000

typedef struct {
	FkDaemon *daemon;
	const char *sock;
	StasNvmeOptions *kernel;
} Fixture;

static int
setup(void **state)
{
	g_autoptr(GError) error = NULL;
	Fixture *fx = g_new0(Fixture, 1);

	fx->daemon = fk_daemon_start(NULL, &error);
	if (fx->daemon == NULL) {
		print_error("%s\n", error->message);
		g_free(fx);
		return -1;
	}
	fx->sock = fx->daemon->socket;
	fx->kernel = stas_nvme_options_new("6.1.0", FK_FABRICS_TEMPLATE_6_1);
	g_setenv(FK_SOCKET_ENV, fx->sock, TRUE);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *fx = *state;

	fk_daemon_stop(fx->daemon);
	stas_nvme_options_unref(fx->kernel);
	g_unsetenv(FK_SOCKET_ENV);
	g_free(fx);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */

static JsonObject *ctl(Fixture *fx, const char *op, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* a control request that must succeed */
static JsonObject *
ctl(Fixture *fx, const char *op, const char *fmt, ...)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *args = NULL;
	JsonObject *resp;
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		args = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
	resp = fk_client_call(fx->sock, op, args, &error);
	if (resp == NULL)
		fail_msg("%s: %s", op, error->message);
	return resp;
}

static void
ctl_ok(Fixture *fx, const char *op, const char *args)
{
	json_object_unref(ctl(fx, op, "%s", args ? args : "{}"));
}

static StasNvmeConnectParams *
params(const char *traddr, const char *trsvcid, const char *nqn, gboolean discovery)
{
	StasNvmeConnectParams *p = stas_nvme_connect_params_new();

	p->transport = g_strdup("tcp");
	p->traddr = g_strdup(traddr);
	p->trsvcid = g_strdup(trsvcid);
	p->subsysnqn = g_strdup(nqn);
	p->discovery = discovery;
	p->host_nqn = g_strdup(HOSTNQN);
	p->host_id = g_strdup(HOSTID);
	return p;
}

static StasNvmeConnectParams *
dc_params(void)
{
	return params(DC_ADDR, "8009", STAS_WELL_KNOWN_DISC_NQN, TRUE);
}

static StasNvmeConnectParams *
io_params(void)
{
	return params(IO_ADDR, "4420", IO_NQN, FALSE);
}

static char *
connect_ok(Fixture *fx, const StasNvmeConnectParams *p)
{
	g_autoptr(GError) error = NULL;
	char *device = stas_nvme_connect(p, fx->kernel, NULL, &error);

	if (device == NULL)
		fail_msg("connect: %s", error->message);
	return device;
}

static const char *const three_entries =
	"[{\"traddr\":\"192.168.10.1\",\"trsvcid\":\"4420\",\"subnqn\":\"" IO_NQN "\"},"
	" {\"traddr\":\"192.168.10.2\",\"trsvcid\":\"4421\",\"subnqn\":\"nqn.2014-08.com."
	"example:io2\",\"portid\":2,\"port_local\":false},"
	" {\"subtype\":\"referral\",\"traddr\":\"192.168.10.9\",\"trsvcid\":\"8009\"}]";

static void
declare_dc(Fixture *fx, const char *extra)
{
	json_object_unref(ctl(fx, "declare-dc",
			      "{\"name\":\"dc\",\"traddr\":\"" DC_ADDR "\",\"entries\":%s%s}",
			      three_entries, extra ? extra : ""));
}

static void
declare_io(Fixture *fx)
{
	ctl_ok(fx, "declare-subsystem",
	       "{\"name\":\"io\",\"traddr\":\"" IO_ADDR "\",\"nqn\":\"" IO_NQN "\"}");
}

/* the n-th member object of the array resp[key] */
static JsonObject *
nth(JsonObject *resp, const char *key, guint n)
{
	JsonArray *a = fk_get_array(resp, key);

	assert_non_null(a);
	assert_true(n < json_array_get_length(a));
	return json_array_get_object_element(a, n);
}

static guint
count(JsonObject *resp, const char *key)
{
	JsonArray *a = fk_get_array(resp, key);

	return a ? json_array_get_length(a) : 0;
}

/* ---- uevents ---- */

typedef struct {
	GPtrArray *events; /* StasUevent */
} Events;

static void
on_event(StasUdev *udev, StasUevent *event, gpointer user_data)
{
	Events *ev = user_data;

	g_ptr_array_add(ev->events, stas_uevent_ref(event));
}

static StasUdev *
watch(Events *ev)
{
	g_autoptr(GError) error = NULL;
	StasUdev *udev = stas_nvme_udev_new(&error);

	if (udev == NULL)
		fail_msg("udev: %s", error->message);
	ev->events = g_ptr_array_new_with_free_func((GDestroyNotify)stas_uevent_unref);
	stas_udev_register_action(udev, "add", on_event, ev);
	stas_udev_register_action(udev, "remove", on_event, ev);
	stas_udev_register_action(udev, "change", on_event, ev);
	return udev;
}

static gboolean
on_timeout(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* iterate the main context until ev holds n events (or WAIT_MS passed) */
static void
wait_events(Events *ev, guint n)
{
	gboolean timed_out = FALSE;
	guint id = g_timeout_add(WAIT_MS, on_timeout, &timed_out);

	while (ev->events->len < n && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(id);
	assert_int_equal(ev->events->len, n);
}

/* nothing more arrives within a short while */
static void
settle(void)
{
	gboolean done = FALSE;
	guint id = g_timeout_add(150, on_timeout, &done);

	while (!done)
		g_main_context_iteration(NULL, TRUE);
	(void)id;
}

static StasUevent *
event_at(Events *ev, guint i)
{
	assert_true(i < ev->events->len);
	return ev->events->pdata[i];
}

/* ------------------------------------------------------------------------ */
/* the connect string, as Linux 6.1 parses it                                */

static int
parse(const char *template, const char *buf, FkOptions **out)
{
	g_autofree char *dmesg = NULL;
	FkOptions *tmp = NULL;
	int err =
		fk_options_parse(template ? template : FK_FABRICS_TEMPLATE_6_1, buf, &tmp, &dmesg);

	if (out != NULL)
		*out = tmp;
	else
		fk_options_free(tmp);
	return err;
}

#define BASE "nqn=" IO_NQN ",transport=tcp,traddr=10.0.0.1,trsvcid=4420"

static void
test_kernel_parses_what_the_seam_builds(void **state)
{
	g_autoptr(StasNvmeOptions) kernel = stas_nvme_options_new("6.1.0", FK_FABRICS_TEMPLATE_6_1);
	g_autoptr(StasNvmeConnectParams) p = io_params();
	g_autofree char *options = NULL;
	g_autoptr(FkOptions) o = NULL;

	p->host_iface = g_strdup("lo");
	p->kato = 30;
	p->queue_size = 128;
	p->ctrl_loss_tmo = -1;
	p->hdr_digest = TRUE;
	p->dhchap_secret = g_strdup("DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U=:");
	options = stas_nvme_connect_options_build(p, kernel, NULL, NULL);
	assert_non_null(options);
	assert_int_equal(parse(NULL, options, &o), 0);
	assert_string_equal(fk_options_get(o, "traddr"), IO_ADDR);
	assert_string_equal(fk_options_get(o, "host_iface"), "lo");
	assert_string_equal(fk_options_get(o, "queue_size"), "128");
	assert_int_equal(fk_options_get_int(o, "ctrl_loss_tmo", 0), -1);
	assert_true(fk_options_has(o, "hdr_digest"));
	assert_false(o->discovery_nqn);
}

static void
test_kernel_rejects_unknown_and_malformed_tokens_with_einval(void **state)
{
	assert_int_equal(parse(NULL, BASE ",bogus=1", NULL), EINVAL);
	assert_int_equal(parse(NULL, BASE ",traddr", NULL), EINVAL);	  /* no value */
	assert_int_equal(parse(NULL, BASE ",traddr=", NULL), EINVAL);	  /* %s needs a byte */
	assert_int_equal(parse(NULL, BASE ",discovery=1", NULL), EINVAL); /* a flag */
	assert_int_equal(parse(NULL, BASE ",queue_size=12x", NULL), EINVAL);
	assert_int_equal(parse(NULL, BASE ",queue_size=8", NULL), EINVAL);    /* < 16 */
	assert_int_equal(parse(NULL, BASE ",queue_size=2048", NULL), EINVAL); /* > 1024 */
	assert_int_equal(parse(NULL, BASE ",nr_io_queues=0", NULL), EINVAL);
	assert_int_equal(parse(NULL, BASE ",hostid=not-a-uuid", NULL), EINVAL);
	assert_int_equal(parse(NULL, BASE ",dhchap_secret=secret", NULL), EINVAL);
	assert_int_equal(parse(NULL, "transport=tcp,traddr=10.0.0.1", NULL), EINVAL); /* no nqn */
	assert_int_equal(parse(NULL, "nqn=" IO_NQN ",transport=xyz", NULL), EINVAL);
	assert_int_equal(parse(NULL, "nqn=" IO_NQN ",transport=tcp", NULL), EINVAL); /* traddr */
}

static void
test_kernel_rejects_what_the_transport_does_not_take(void **state)
{
	/* rdma has no host_iface, fc none of the digests, loop no trsvcid */
	assert_int_equal(
		parse(NULL, "nqn=" IO_NQN ",transport=rdma,traddr=10.0.0.1,host_iface=lo", NULL),
		EINVAL);
	assert_int_equal(parse(NULL,
			       "nqn=" IO_NQN ",transport=fc,traddr=nn-0x1:pn-0x2,"
			       "host_traddr=nn-0x3:pn-0x4,hdr_digest",
			       NULL),
			 EINVAL);
	assert_int_equal(parse(NULL, "nqn=" IO_NQN ",transport=loop,trsvcid=1", NULL), EINVAL);
	assert_int_equal(parse(NULL, "nqn=" IO_NQN ",transport=fc,traddr=nn-0x1:pn-0x2", NULL),
			 EINVAL); /* fc needs host_traddr */
}

static void
test_kernel_checks_tcp_addresses_and_interfaces(void **state)
{
	g_autoptr(FkOptions) o = NULL;

	/* a dotted quad of five parts is no address */
	assert_int_equal(
		parse(NULL, "nqn=" IO_NQN ",transport=tcp,traddr=1.2.3.4.5,trsvcid=4420", NULL),
		EINVAL);
	assert_int_equal(parse(NULL, BASE ",host_traddr=eth0", NULL), EINVAL);
	assert_int_equal(
		parse(NULL, "nqn=" IO_NQN ",transport=tcp,traddr=10.0.0.1,trsvcid=99999", NULL),
		EINVAL);
	assert_int_equal(parse(NULL, BASE ",host_iface=no-such-if0", NULL), ENODEV);
	/* trsvcid left out: the tcp driver's default is 8009 for every controller */
	assert_int_equal(parse(NULL, "nqn=" IO_NQN ",transport=tcp,traddr=10.0.0.1", &o), 0);
	assert_string_equal(fk_options_get(o, "trsvcid"), FK_TCP_DEFAULT_PORT);
}

static void
test_kernel_refuses_a_second_hostnqn_with_eaddrinuse(void **state)
{
	assert_int_equal(parse(NULL, BASE ",hostnqn=" HOSTNQN ",hostnqn=" HOSTNQN, NULL),
			 EADDRINUSE);
}

static void
test_kernel_refuses_a_page_and_more(void **state)
{
	g_autofree char *pad = g_strnfill(FK_FABRICS_MAX, 'a');
	g_autofree char *buf = g_strconcat(BASE ",", pad, NULL);

	assert_int_equal(parse(NULL, buf, NULL), ENOMEM);
}

static void
test_kernel_ints_are_c_literals_in_int_range(void **state)
{
	int n = 0;

	assert_true(fk_parse_kernel_int("0x10", &n));
	assert_int_equal(n, 16);
	assert_true(fk_parse_kernel_int("010", &n));
	assert_int_equal(n, 8);
	assert_true(fk_parse_kernel_int("-1", &n));
	assert_int_equal(n, -1);
	assert_true(fk_parse_kernel_int("-2147483648", &n));
	assert_int_equal(n, G_MININT);
	assert_false(fk_parse_kernel_int("2147483648", &n));
	assert_false(fk_parse_kernel_int("08", &n));
	assert_false(fk_parse_kernel_int("+5", &n));
	assert_false(fk_parse_kernel_int(" 5", &n));
	assert_false(fk_parse_kernel_int("5 ", &n));
	assert_false(fk_parse_kernel_int("", &n));
	assert_false(fk_parse_kernel_int("0x", &n));
}

static void
test_an_older_kernel_template_rejects_newer_options(void **state)
{
	const char *old = "instance=-1,cntlid=-1,transport=%s,traddr=%s,trsvcid=%s,nqn=%s,"
			  "hostnqn=%s,hostid=%s,keep_alive_tmo=%d";

	assert_int_equal(parse(old, BASE ",hostnqn=" HOSTNQN, NULL), 0);
	assert_int_equal(parse(old, BASE ",host_iface=lo", NULL), EINVAL);
	assert_int_equal(parse(old, BASE ",discovery", NULL), EINVAL);
}

/* ------------------------------------------------------------------------ */
/* connect, sysfs, disconnect through the seam                               */

static void
test_a_dc_connect_reads_back_as_sysfs_would_show_it(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) p = dc_params();
	g_autoptr(StasNvmeCtrlInfo) info = NULL;
	g_autofree char *device = NULL;
	g_auto(GStrv) devices = NULL;
	g_autoptr(GError) error = NULL;
	gboolean has_ns = TRUE;

	declare_dc(fx, ",\"nqn\":\"" CDC_NQN "\",\"dctype\":\"cdc\"");
	device = connect_ok(fx, p);
	assert_string_equal(device, "nvme0");

	info = stas_nvme_sysfs_read_ctrl(NULL, device, &error);
	assert_non_null(info);
	assert_string_equal(info->transport, "tcp");
	/* contacted with the well-known NQN, it reports its unique one (TP8013) */
	assert_string_equal(info->subsysnqn, CDC_NQN);
	assert_string_equal(info->hostnqn, HOSTNQN);
	assert_string_equal(info->hostid, HOSTID);
	assert_string_equal(info->cntrltype, "discovery");
	assert_string_equal(info->dctype, "cdc");
	assert_string_equal(info->state, "live");
	assert_string_equal(info->traddr, DC_ADDR);
	assert_string_equal(info->trsvcid, "8009");
	assert_string_equal(info->host_traddr, "");
	assert_string_equal(info->src_addr, "127.0.0.1"); /* routed to 127.0.0.2 */
	assert_string_equal(info->address, "traddr=" DC_ADDR ",trsvcid=8009,src_addr=127.0.0.1");
	assert_false(info->has_namespaces);

	assert_true(stas_nvme_sysfs_has_namespaces(NULL, device, &has_ns, &error));
	assert_false(has_ns);
	devices = stas_nvme_sysfs_list_devices(NULL, &error);
	assert_non_null(devices);
	assert_int_equal(g_strv_length(devices), 1);
	assert_string_equal(devices[0], "nvme0");
}

static void
test_devices_take_the_lowest_free_instance(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) dc = dc_params();
	g_autoptr(StasNvmeConnectParams) io = io_params();
	g_autoptr(GError) error = NULL;
	g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	g_autoptr(StasNvmeCtrlInfo) info = NULL;

	declare_dc(fx, NULL);
	declare_io(fx);
	a = connect_ok(fx, dc);
	b = connect_ok(fx, io);
	c = connect_ok(fx, dc); /* a second DC connection is no duplicate for the kernel */
	assert_string_equal(b, "nvme1");
	assert_string_equal(c, "nvme2");

	assert_true(stas_nvme_disconnect(NULL, b, &error));
	assert_null(stas_nvme_sysfs_read_ctrl(NULL, b, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	g_clear_error(&error);
	assert_false(stas_nvme_disconnect(NULL, b, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	g_clear_error(&error);

	d = connect_ok(fx, io);
	assert_string_equal(d, "nvme1");
	info = stas_nvme_sysfs_read_ctrl(NULL, d, &error);
	assert_string_equal(info->cntrltype, "io");
	assert_true(info->has_namespaces);
	assert_string_equal(info->subsysnqn, IO_NQN);
}

static void
test_an_io_duplicate_is_refused_with_ealready(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) io = io_params();
	g_autoptr(GError) error = NULL;
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	g_autoptr(JsonObject) connects = NULL;

	declare_io(fx);
	a = connect_ok(fx, io);
	assert_null(stas_nvme_connect(io, fx->kernel, NULL, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_BUSY));
	assert_non_null(strstr(error->message, "/dev/nvme-fabrics"));
	g_clear_error(&error);
	connects = ctl(fx, "list-connects", NULL);
	assert_int_equal(fk_get_int(nth(connects, "connects", 1), "errno", 0), EALREADY);

	/* another host interface binding is another controller */
	g_free(io->host_iface);
	io->host_iface = g_strdup("lo");
	b = connect_ok(fx, io);
	assert_string_equal(b, "nvme1");
}

static void
test_every_connect_string_is_recorded_with_its_outcome(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) dc = dc_params();
	g_autoptr(StasNvmeConnectParams) io = io_params();
	g_autoptr(JsonObject) connects = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *a = NULL;
	g_autofree char *expected = NULL;

	declare_dc(fx, NULL);
	a = connect_ok(fx, dc);
	g_free(io->traddr);
	io->traddr = g_strdup("127.0.0.99"); /* nothing listens there */
	assert_null(stas_nvme_connect(io, fx->kernel, NULL, &error));

	connects = ctl(fx, "list-connects", NULL);
	assert_int_equal(count(connects, "connects"), 2);
	expected = stas_nvme_connect_options_build(dc, fx->kernel, NULL, NULL);
	assert_string_equal(fk_get_str(nth(connects, "connects", 0), "options"), expected);
	assert_string_equal(fk_get_str(nth(connects, "connects", 0), "device"), "nvme0");
	assert_int_equal(fk_get_int(nth(connects, "connects", 0), "errno", -1), 0);
	assert_int_equal(fk_get_int(nth(connects, "connects", 1), "errno", 0), ECONNREFUSED);
	assert_null(fk_get_str(nth(connects, "connects", 1), "device"));
}

static void
test_a_malformed_connect_string_is_rejected_and_connects_nothing(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) ctrls = NULL;
	g_autoptr(JsonObject) connects = NULL;
	/* what an unchecked DLPE traddr would write */
	const char *bad = "nqn=" IO_NQN ",transport=tcp,traddr=1.2.3.4,hostnqn=evil,trsvcid=4420,"
			  "hostnqn=" HOSTNQN;

	declare_io(fx);
	assert_null(
		fk_client_callf(fx->sock, &error, "fabrics-write", "{\"options\":\"%s\"}", bad));
	assert_non_null(strstr(error->message, "hostnqn already user-assigned"));
	ctrls = ctl(fx, "list-ctrls", NULL);
	assert_int_equal(count(ctrls, "ctrls"), 0);
	connects = ctl(fx, "list-connects", NULL);
	assert_string_equal(fk_get_str(nth(connects, "connects", 0), "options"), bad);
	assert_int_equal(fk_get_int(nth(connects, "connects", 0), "errno", 0), EADDRINUSE);
}

static void
test_a_kernel_without_an_option_fails_the_seam_connect_with_invalid(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) io = io_params();
	g_autoptr(GError) error = NULL;

	declare_io(fx);
	/* the daemon believes in host_iface, the kernel has never heard of it */
	ctl_ok(fx, "set-fabrics",
	       "{\"options\":\"instance=-1,cntlid=-1,transport=%s,traddr=%s,trsvcid=%s,nqn=%s,"
	       "hostnqn=%s,hostid=%s\"}");
	io->host_iface = g_strdup("lo");
	assert_null(stas_nvme_connect(io, fx->kernel, NULL, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_string_equal(error->message,
			    "failed to write to /dev/nvme-fabrics: Invalid argument");
}

static void
test_connect_to_an_unknown_nqn_at_a_live_port_fails_with_eio(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) io = io_params();
	g_autoptr(GError) error = NULL;

	declare_io(fx);
	g_free(io->subsysnqn);
	io->subsysnqn = g_strdup("nqn.2014-08.com.example:other");
	assert_null(stas_nvme_connect(io, fx->kernel, NULL, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
}

static void
test_a_subsystem_refuses_hosts_it_does_not_allow(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) io = io_params();
	g_autoptr(GError) error = NULL;

	ctl_ok(fx, "declare-subsystem",
	       "{\"traddr\":\"" IO_ADDR "\",\"nqn\":\"" IO_NQN "\","
	       "\"allowed_hosts\":[\"nqn.2014-08.com.example:somebody\"]}");
	assert_null(stas_nvme_connect(io, fx->kernel, NULL, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
}

static void
test_attach_refuses_a_reused_device_name(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) dc = dc_params();
	g_autoptr(StasNvmeConnectParams) io = io_params();
	g_autoptr(StasNvmeCtrlInfo) info = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;

	declare_dc(fx, NULL);
	declare_io(fx);
	a = connect_ok(fx, io);
	info = stas_nvme_attach(io, a, &error);
	assert_non_null(info);
	assert_true(stas_nvme_disconnect(NULL, a, &error));
	b = connect_ok(fx, dc);
	assert_string_equal(b, a);
	assert_null(stas_nvme_attach(io, b, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	assert_non_null(strstr(error->message, "no longer the controller"));
}

static void
test_the_fabrics_device_shows_the_6_1_template(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = stas_nvme_read_fabrics_options(NULL, &error);

	assert_string_equal(line, FK_FABRICS_TEMPLATE_6_1);
	ctl_ok(fx, "set-fabrics", "{\"errno\":13}");
	assert_null(stas_nvme_read_fabrics_options(NULL, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_PERMISSION));
}

static void
test_without_the_environment_variable_the_seam_fails_cleanly(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) io = io_params();
	g_autoptr(GError) error = NULL;

	g_unsetenv(FK_SOCKET_ENV);
	assert_null(stas_nvme_connect(io, fx->kernel, NULL, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	g_clear_error(&error);
	assert_null(stas_nvme_udev_new(&error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	g_setenv(FK_SOCKET_ENV, fx->sock, TRUE);
}

/* ------------------------------------------------------------------------ */
/* discovery controllers                                                     */

static void
test_the_discovery_log_parses_into_the_declared_entries(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) dc = dc_params();
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(StasDlpeLog) log = NULL;
	g_autofree char *device = NULL;
	const StasDlpe *e;
	gsize len = 0;
	const guint8 *data;

	declare_dc(fx, NULL);
	device = connect_ok(fx, dc);
	raw = stas_nvme_get_discovery_log(device, 0, &error);
	assert_non_null(raw);
	data = g_bytes_get_data(raw, &len);
	assert_int_equal(len, 4 * 1024);
	log = stas_dlpe_log_parse(data, len, "fake dc", &error);
	assert_non_null(log);
	assert_int_equal(log->genctr, 1);
	assert_int_equal(log->numrec, 3);
	assert_int_equal(log->entries->len, 3);
	assert_int_equal(log->diagnostics->len, 0);
	e = log->entries->pdata[0];
	assert_int_equal(e->trtype, STAS_DLPE_TRTYPE_TCP);
	assert_int_equal(e->subtype, STAS_DLPE_SUBTYPE_NVME);
	assert_string_equal(e->traddr, "192.168.10.1");
	assert_string_equal(e->trsvcid, "4420");
	assert_string_equal(e->subnqn, IO_NQN);
	e = log->entries->pdata[1];
	assert_int_equal(e->portid, 2);
	assert_string_equal(e->trsvcid, "4421");
	e = log->entries->pdata[2];
	assert_int_equal(e->subtype, STAS_DLPE_SUBTYPE_REFERRAL);
	assert_string_equal(e->subnqn, STAS_WELL_KNOWN_DISC_NQN);
}

static void
test_a_pleo_read_keeps_the_port_local_entries(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) dc = dc_params();
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(StasDlpeLog) log = NULL;
	g_autoptr(JsonObject) targets = NULL;
	g_autofree char *device = NULL;
	guint32 lids[STAS_NVME_SUPPORTED_LOG_PAGES];

	declare_dc(fx, ",\"pleo\":true");
	device = connect_ok(fx, dc);
	assert_true(stas_nvme_get_supported_log_pages(device, lids, &error));
	assert_int_equal((lids[STAS_NVME_LOG_LID_DISCOVERY] >> 16) & STAS_NVME_DLP_LSP_PLEO,
			 STAS_NVME_DLP_LSP_PLEO);
	raw = stas_nvme_get_discovery_log(device, STAS_NVME_DLP_LSP_PLEO, &error);
	log = stas_dlpe_log_parse(g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), NULL, &error);
	assert_int_equal(log->numrec, 2); /* the second entry is not port local */
	targets = ctl(fx, "list-targets", NULL);
	assert_int_equal(fk_get_int(nth(targets, "targets", 0), "pleo_reads", 0), 1);
}

static void
test_a_dc_like_nvmet_fails_supported_log_pages_as_unsupported(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) dc = dc_params();
	g_autoptr(GError) error = NULL;
	g_autofree char *device = NULL;
	guint32 lids[STAS_NVME_SUPPORTED_LOG_PAGES];

	declare_dc(fx, ",\"slp_unsupported\":true");
	device = connect_ok(fx, dc);
	assert_false(stas_nvme_get_supported_log_pages(device, lids, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_UNSUPPORTED));
}

static void
test_dim_registrations_are_recorded_with_the_host_identity(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) dc = dc_params();
	g_autoptr(JsonObject) dims = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *device = NULL;
	JsonObject *r;

	declare_dc(fx, ",\"dctype\":\"cdc\"");
	device = connect_ok(fx, dc);
	assert_true(stas_nvme_dim_register(device, "host-a", &error));
	dims = ctl(fx, "list-dim", NULL);
	assert_int_equal(count(dims, "registrations"), 1);
	r = nth(dims, "registrations", 0);
	assert_string_equal(fk_get_str(r, "hostnqn"), HOSTNQN);
	assert_string_equal(fk_get_str(r, "hostid"), HOSTID);
	assert_string_equal(fk_get_str(r, "symname"), "host-a");
	assert_string_equal(fk_get_str(r, "dc"), "dc");

	/* a completion with an error status: upstream's text */
	ctl_ok(fx, "set-target",
	       "{\"name\":\"dc\",\"dim_status\":1026,\"dim_result\":0,\"dim_text\":\"Bad\"}");
	assert_false(stas_nvme_dim_register(device, NULL, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_FAILED));
	assert_string_equal(error->message, "Result:0x0000, Status:0x0402 - Bad");
	g_clear_error(&error);

	/* a legacy DC does not do DIM */
	ctl_ok(fx, "set-target", "{\"name\":\"dc\",\"dim_status\":0,\"dctype\":\"none\"}");
	assert_false(stas_nvme_dim_register(device, NULL, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_UNSUPPORTED));
}

static void
test_an_error_mode_fails_the_operation_with_its_errno(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) dc = dc_params();
	g_autoptr(GError) error = NULL;
	g_autofree char *device = NULL;

	declare_dc(fx, NULL);
	device = connect_ok(fx, dc);
	ctl_ok(fx, "set-target", "{\"name\":\"dc\",\"fail\":{\"get-log\":110}}");
	assert_null(stas_nvme_get_discovery_log(device, 0, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_TIMEOUT));
	g_clear_error(&error);
	ctl_ok(fx, "set-target", "{\"name\":\"dc\",\"fail\":{\"connect\":111}}");
	assert_null(stas_nvme_connect(dc, fx->kernel, NULL, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
}

/* ------------------------------------------------------------------------ */
/* uevents                                                                   */

static void
test_add_change_remove_reach_stas_udev_like_kernel_uevents(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) dc = dc_params();
	g_autoptr(GError) error = NULL;
	g_autofree char *device = NULL;
	g_autoptr(StasUdev) udev = NULL;
	Events ev;
	StasUevent *e;

	declare_dc(fx, NULL);
	udev = watch(&ev);
	device = connect_ok(fx, dc);
	wait_events(&ev, 1);
	e = event_at(&ev, 0);
	assert_string_equal(stas_uevent_get_action(e), "add");
	assert_string_equal(stas_uevent_get_sysname(e), "nvme0");
	assert_string_equal(stas_uevent_get_property(e, "NVME_TRTYPE"), "tcp");
	assert_string_equal(stas_uevent_get_property(e, "NVME_TRADDR"), DC_ADDR);
	assert_string_equal(stas_uevent_get_property(e, "NVME_TRSVCID"), "8009");
	assert_string_equal(stas_uevent_get_property(e, "NVME_HOST_TRADDR"), "none");
	assert_string_equal(stas_uevent_get_property(e, "NVME_HOST_IFACE"), "none");
	assert_string_equal(stas_uevent_get_property(e, "SUBSYSTEM"), "nvme");
	assert_true(stas_uevent_get_seqnum(e) > 0);
	assert_non_null(stas_udev_index_lookup(udev, "nvme0"));

	/* the log changed: an AEN on the connection, then silence until a RAE=0 read */
	ctl_ok(fx, "set-entries", "{\"name\":\"dc\",\"entries\":[]}");
	wait_events(&ev, 2);
	e = event_at(&ev, 1);
	assert_string_equal(stas_uevent_get_action(e), "change");
	assert_string_equal(stas_uevent_get_property(e, "NVME_AEN"), "0x70f002");
	assert_string_equal(stas_uevent_get_property(e, "NVME_TRADDR"), DC_ADDR);
	ctl_ok(fx, "set-entries", "{\"name\":\"dc\",\"entries\":[]}");
	settle();
	assert_int_equal(ev.events->len, 2);
	g_bytes_unref(stas_nvme_get_discovery_log(device, 0, &error));
	ctl_ok(fx, "set-entries", "{\"name\":\"dc\",\"entries\":[]}");
	wait_events(&ev, 3);
	assert_string_equal(stas_uevent_get_property(event_at(&ev, 2), "NVME_AEN"), "0x70f002");

	/* a reconnect, and "nvme disconnect" done by somebody else */
	ctl_ok(fx, "event", "{\"device\":\"nvme0\",\"props\":{\"NVME_EVENT\":\"connected\"}}");
	ctl_ok(fx, "disconnect", "{\"device\":\"nvme0\"}");
	wait_events(&ev, 5);
	assert_string_equal(stas_uevent_get_property(event_at(&ev, 3), "NVME_EVENT"), "connected");
	e = event_at(&ev, 4);
	assert_string_equal(stas_uevent_get_action(e), "remove");
	assert_string_equal(stas_uevent_get_property(e, "NVME_TRADDR"), DC_ADDR);
	assert_null(stas_udev_index_lookup(udev, "nvme0"));
	g_ptr_array_unref(ev.events);
}

static void
test_a_10000_event_storm_is_delivered_completely_and_in_order(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasUdev) udev = NULL;
	Events ev;
	guint64 first;

	udev = watch(&ev);
	ctl_ok(fx, "storm", "{\"device\":\"nvme7\",\"count\":10000,\"props\":{\"X\":\"y\"}}");
	wait_events(&ev, 10000);
	first = stas_uevent_get_seqnum(event_at(&ev, 0));
	for (guint i = 0; i < 10000; i++) {
		StasUevent *e = event_at(&ev, i);

		assert_int_equal(stas_uevent_get_seqnum(e), first + i);
		assert_string_equal(stas_uevent_get_property(e, "X"), "y");
	}
	settle();
	assert_int_equal(ev.events->len, 10000);
	assert_int_equal(stas_udev_get_n_receive_errors(udev), 0);
	g_ptr_array_unref(ev.events);
}

static void
test_the_stream_goes_quiet_when_fake_kerneld_exits(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasUdev) udev = NULL;
	Events ev;
	guint spins = 0;

	udev = watch(&ev);
	fk_daemon_stop(fx->daemon);
	fx->daemon = fk_daemon_start(NULL, NULL); /* for teardown; another socket */
	/* bounded, without timers: a spinning source would starve them */
	for (guint i = 0; i < 2000 && stas_udev_get_n_receive_errors(udev) == 0; i++) {
		g_main_context_iteration(NULL, FALSE);
		g_usleep(1000);
	}
	assert_int_equal(stas_udev_get_n_receive_errors(udev), 1);
	/* nothing left to dispatch: the dead fd does not spin the main loop */
	while (g_main_context_iteration(NULL, FALSE) && spins < 100)
		spins++;
	assert_true(spins < 2);
	assert_int_equal(stas_udev_get_n_receive_errors(udev), 1);
	g_ptr_array_unref(ev.events);
}

/* set-uevents: a refused subscription fails the seam; a closed one goes quiet for good */
static void
test_set_uevents_refuses_and_closes_subscriptions(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasUdev) refused = NULL;
	g_autoptr(StasUdev) udev = NULL;
	g_autoptr(JsonObject) stats = NULL;
	Events ev;

	ctl_ok(fx, "set-uevents", "{\"refuse\":13}");
	refused = stas_nvme_udev_new(&error);
	assert_null(refused);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_PERMISSION));
	ctl_ok(fx, "set-uevents", "{\"refuse\":0}");
	udev = watch(&ev);
	ctl_ok(fx, "event", "{\"device\":\"nvme1\"}");
	wait_events(&ev, 1);

	/* closed: the stream ends (one receive error), later events never come */
	ctl_ok(fx, "set-uevents", "{\"close\":true}");
	for (guint i = 0; i < 2000 && stas_udev_get_n_receive_errors(udev) == 0; i++) {
		g_main_context_iteration(NULL, FALSE);
		g_usleep(1000);
	}
	assert_int_equal(stas_udev_get_n_receive_errors(udev), 1);
	ctl_ok(fx, "event", "{\"device\":\"nvme1\"}");
	settle();
	assert_int_equal(ev.events->len, 1);
	stats = ctl(fx, "stats", NULL);
	assert_int_equal(fk_get_int(fk_get_obj(stats, "stats"), "subscribe", 0), 2);
	g_ptr_array_unref(ev.events);
}

/* ------------------------------------------------------------------------ */
/* blocking behaviour, threads, scale                                        */

typedef struct {
	const StasNvmeConnectParams *p;
	const StasNvmeOptions *kernel;
	gint done;
	char *device;
	GError *error;
} ConnectJob;

static gpointer
connect_job(gpointer data)
{
	ConnectJob *job = data;

	job->device = stas_nvme_connect(job->p, job->kernel, NULL, &job->error);
	g_atomic_int_set(&job->done, 1);
	return NULL;
}

/* poll the fake kernel until target number idx has n operations waiting */
static void
wait_waiting(Fixture *fx, guint idx, guint n)
{
	for (guint i = 0; i < WAIT_MS / 10; i++) {
		g_autoptr(JsonObject) targets = ctl(fx, "list-targets", NULL);

		if (fk_get_int(nth(targets, "targets", idx), "waiting", 0) == (gint64)n)
			return;
		g_usleep(10 * 1000);
	}
	fail_msg("no operation is waiting on target %u", idx);
}

static void
test_a_stalled_target_blocks_a_connect_until_released(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) io = io_params();
	ConnectJob job = {io, fx->kernel, 0, NULL, NULL};
	GThread *thread;

	declare_io(fx);
	ctl_ok(fx, "set-target", "{\"name\":\"io\",\"stall\":true}");
	thread = g_thread_new("connect", connect_job, &job);
	wait_waiting(fx, 0, 1);
	assert_int_equal(g_atomic_int_get(&job.done), 0);
	ctl_ok(fx, "set-target", "{\"name\":\"io\",\"stall\":false}");
	g_thread_join(thread);
	assert_null(job.error);
	assert_string_equal(job.device, "nvme0");
	g_free(job.device);
}

static void
test_a_dead_address_fails_after_its_delay_holding_other_connects(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) dead = params("127.0.0.9", "4420", IO_NQN, FALSE);
	g_autoptr(StasNvmeConnectParams) io = io_params();
	ConnectJob job = {dead, fx->kernel, 0, NULL, NULL};
	g_autoptr(JsonObject) connects = NULL;
	g_autofree char *device = NULL;
	GThread *thread;
	gint64 start;

	declare_io(fx);
	ctl_ok(fx, "declare-dead", "{\"traddr\":\"127.0.0.9\",\"delay_ms\":400,\"errno\":110}");
	start = g_get_monotonic_time();
	thread = g_thread_new("connect", connect_job, &job);
	wait_waiting(fx, 1, 1);	     /* the dead connect holds the fabrics mutex now */
	device = connect_ok(fx, io); /* queued behind it, as in the kernel */
	assert_true(g_get_monotonic_time() - start >= 400 * 1000);
	g_thread_join(thread);
	assert_true(g_error_matches(job.error, STAS_ERROR, STAS_ERROR_TIMEOUT));
	g_clear_error(&job.error);
	connects = ctl(fx, "list-connects", NULL);
	assert_int_equal(fk_get_int(nth(connects, "connects", 0), "errno", 0), ETIMEDOUT);
	assert_string_equal(fk_get_str(nth(connects, "connects", 1), "device"), "nvme0");
}

typedef struct {
	const char *device;
	gint done;
	GBytes *log;
	GError *error;
} LogJob;

static gpointer
log_job(gpointer data)
{
	LogJob *job = data;

	job->log = stas_nvme_get_discovery_log(job->device, 0, &job->error);
	g_atomic_int_set(&job->done, 1);
	return NULL;
}

static void
test_a_stalled_dc_blocks_admin_commands_until_released(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasNvmeConnectParams) dc = dc_params();
	g_autofree char *device = NULL;
	LogJob job = {NULL, 0, NULL, NULL};
	GThread *thread;

	declare_dc(fx, NULL);
	device = connect_ok(fx, dc);
	job.device = device;
	ctl_ok(fx, "set-target", "{\"name\":\"dc\",\"stall\":true}");
	thread = g_thread_new("log", log_job, &job);
	wait_waiting(fx, 0, 1);
	assert_int_equal(g_atomic_int_get(&job.done), 0);
	ctl_ok(fx, "set-target", "{\"name\":\"dc\",\"stall\":false}");
	g_thread_join(thread);
	assert_null(job.error);
	assert_int_equal(g_bytes_get_size(job.log), 4 * 1024);
	g_bytes_unref(job.log);
}

#define N_THREADS  8
#define PER_THREAD 25

typedef struct {
	const StasNvmeOptions *kernel;
	guint index;
	GPtrArray *devices;
	guint failures;
} ThreadJob;

/* each connect another host: the same subsystem is then no duplicate */
static StasNvmeConnectParams *
host_params(guint n)
{
	StasNvmeConnectParams *p = io_params();

	g_free(p->host_nqn);
	p->host_nqn = g_strdup_printf("nqn.2014-08.com.example:host-%u", n);
	return p;
}

static gpointer
thread_job(gpointer data)
{
	ThreadJob *job = data;

	for (guint i = 0; i < PER_THREAD; i++) {
		g_autoptr(StasNvmeConnectParams) p = host_params(job->index * PER_THREAD + i);
		char *device = stas_nvme_connect(p, job->kernel, NULL, NULL);

		if (device == NULL)
			job->failures++;
		else
			g_ptr_array_add(job->devices, device);
	}
	return NULL;
}

static void
test_connects_from_worker_threads_get_distinct_devices(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	ThreadJob jobs[N_THREADS];
	GThread *threads[N_THREADS];

	declare_io(fx);
	for (guint t = 0; t < N_THREADS; t++) {
		jobs[t] = (ThreadJob){fx->kernel, t, g_ptr_array_new_with_free_func(g_free), 0};
		threads[t] = g_thread_new("connect", thread_job, &jobs[t]);
	}
	for (guint t = 0; t < N_THREADS; t++) {
		g_thread_join(threads[t]);
		assert_int_equal(jobs[t].failures, 0);
		for (guint i = 0; i < jobs[t].devices->len; i++)
			assert_true(g_hash_table_add(seen, jobs[t].devices->pdata[i]));
	}
	assert_int_equal(g_hash_table_size(seen), N_THREADS * PER_THREAD);
	for (guint n = 0; n < N_THREADS * PER_THREAD; n++) {
		g_autofree char *name = g_strdup_printf("nvme%u", n);

		assert_true(g_hash_table_contains(seen, name));
	}
	for (guint t = 0; t < N_THREADS; t++)
		g_ptr_array_unref(jobs[t].devices);
}

static void
test_a_thousand_controllers(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasUdev) udev = NULL;
	g_auto(GStrv) devices = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNvmeCtrlInfo) info = NULL;
	Events ev;

	declare_io(fx);
	udev = watch(&ev);
	for (guint n = 0; n < 1000; n++) {
		g_autoptr(StasNvmeConnectParams) p = host_params(n);
		g_autofree char *device = connect_ok(fx, p);
		g_autofree char *expected = g_strdup_printf("nvme%u", n);

		assert_string_equal(device, expected);
	}
	devices = stas_nvme_sysfs_list_devices(NULL, &error);
	assert_int_equal(g_strv_length(devices), 1000);
	assert_string_equal(devices[999], "nvme999");
	info = stas_nvme_sysfs_read_ctrl(NULL, "nvme999", &error);
	assert_string_equal(info->hostnqn, "nqn.2014-08.com.example:host-999");
	wait_events(&ev, 1000);
	assert_int_equal(stas_udev_index_size(udev), 1000);
	g_ptr_array_unref(ev.events);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_parses_what_the_seam_builds),
		cmocka_unit_test(test_kernel_rejects_unknown_and_malformed_tokens_with_einval),
		cmocka_unit_test(test_kernel_rejects_what_the_transport_does_not_take),
		cmocka_unit_test(test_kernel_checks_tcp_addresses_and_interfaces),
		cmocka_unit_test(test_kernel_refuses_a_second_hostnqn_with_eaddrinuse),
		cmocka_unit_test(test_kernel_refuses_a_page_and_more),
		cmocka_unit_test(test_kernel_ints_are_c_literals_in_int_range),
		cmocka_unit_test(test_an_older_kernel_template_rejects_newer_options),
	};
	const struct CMUnitTest kernel_tests[] = {
		cmocka_unit_test_setup_teardown(test_a_dc_connect_reads_back_as_sysfs_would_show_it,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_take_the_lowest_free_instance, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_an_io_duplicate_is_refused_with_ealready,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_every_connect_string_is_recorded_with_its_outcome, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_malformed_connect_string_is_rejected_and_connects_nothing, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_a_kernel_without_an_option_fails_the_seam_connect_with_invalid, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_connect_to_an_unknown_nqn_at_a_live_port_fails_with_eio, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_a_subsystem_refuses_hosts_it_does_not_allow,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_refuses_a_reused_device_name, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_the_fabrics_device_shows_the_6_1_template,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_without_the_environment_variable_the_seam_fails_cleanly, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_the_discovery_log_parses_into_the_declared_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_pleo_read_keeps_the_port_local_entries,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_dc_like_nvmet_fails_supported_log_pages_as_unsupported, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_dim_registrations_are_recorded_with_the_host_identity, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_an_error_mode_fails_the_operation_with_its_errno, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_add_change_remove_reach_stas_udev_like_kernel_uevents, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_a_10000_event_storm_is_delivered_completely_and_in_order, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_the_stream_goes_quiet_when_fake_kerneld_exits,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_uevents_refuses_and_closes_subscriptions,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_stalled_target_blocks_a_connect_until_released, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_stalled_dc_blocks_admin_commands_until_released, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_dead_address_fails_after_its_delay_holding_other_connects, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_connects_from_worker_threads_get_distinct_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_thousand_controllers, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("connect string", tests, NULL, NULL);

	return failed + cmocka_run_group_tests_name("fake kernel", kernel_tests, NULL, NULL);
}
