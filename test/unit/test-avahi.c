/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stafd's zeroconf browser (REFERENCE 5.7, 3.5 "avahi"; SPEC Q16, section 5),
 * driven through the test path of a detached StasAvahi: browser and resolver
 * events are injected, reachability probes go to loopback listeners, timers
 * are read and fired through the object, never waited for.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stas/stas-avahi.h"

#define TCP    STAS_AVAHI_STYPE_TCP
#define UDP    STAS_AVAHI_STYPE_UDP
#define LOCAL  STAS_AVAHI_DOMAIN
#define V4     STAS_AVAHI_PROTO_INET
#define V6     STAS_AVAHI_PROTO_INET6
#define WKDN   "nqn.2014-08.org.nvmexpress.discovery"
#define CDCNQN "nqn.1988-11.com.dell:SFSS:2:20220208134025e8"

/* ---- log capture (the writer is per process) ------------------------------ */

static GPtrArray *log_lines; /* "<LEVEL> <message>" */

static const char *
level_name(GLogLevelFlags level)
{
	if (level & G_LOG_LEVEL_WARNING)
		return "WARNING";
	if (level & G_LOG_LEVEL_INFO)
		return "INFO";
	if (level & G_LOG_LEVEL_DEBUG)
		return "DEBUG";
	if (level & G_LOG_LEVEL_MESSAGE)
		return "MESSAGE";
	return "OTHER";
}

static GLogWriterOutput
capture_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
	for (gsize i = 0; i < n_fields && log_lines != NULL; i++) {
		if (!g_str_equal(fields[i].key, "MESSAGE") || fields[i].length != -1)
			continue;
		g_ptr_array_add(log_lines, g_strdup_printf("%s %s", level_name(level),
							   (const char *)fields[i].value));
	}
	if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO | G_LOG_LEVEL_WARNING))
		return G_LOG_WRITER_HANDLED;
	return g_log_writer_default(level, fields, n_fields, data);
}

static guint
count_logged(const char *line)
{
	guint n = 0;

	for (guint i = 0; i < log_lines->len; i++)
		n += g_str_equal(log_lines->pdata[i], line);
	return n;
}

static guint
count_logged_prefix(const char *prefix)
{
	guint n = 0;

	for (guint i = 0; i < log_lines->len; i++)
		n += g_str_has_prefix(log_lines->pdata[i], prefix);
	return n;
}

static void
assert_logged_once(const char *line)
{
	if (count_logged(line) != 1) {
		for (guint i = 0; i < log_lines->len; i++)
			print_message("logged: %s\n", (const char *)log_lines->pdata[i]);
		fail_msg("expected once: %s", line);
	}
}

/* ---- fixture ------------------------------------------------------------- */

typedef struct {
	GMainContext *ctx;
	StasAvahi *avahi;
	guint n_changed;
} Fixture;

static void
on_changed(StasAvahi *avahi, gpointer user_data)
{
	((Fixture *)user_data)->n_changed++;
}

static Fixture *
fixture_new(gboolean tp8013)
{
	Fixture *fx = g_new0(Fixture, 1);

	fx->ctx = g_main_context_new();
	g_main_context_push_thread_default(fx->ctx);
	fx->avahi = stas_avahi_new_detached(tp8013);
	g_signal_connect(fx->avahi, "changed", G_CALLBACK(on_changed), fx);
	return fx;
}

static int
setup(void **state)
{
	Fixture *fx = fixture_new(TRUE);

	stas_avahi_set_zeroconf(fx->avahi, TRUE);
	g_ptr_array_set_size(log_lines, 0);
	*state = fx;
	return 0;
}

/* let finished probes and sources go (bounded), then free everything */
static void
fixture_free(Fixture *fx)
{
	g_clear_object(&fx->avahi);
	for (int i = 0; i < 1000 && g_main_context_iteration(fx->ctx, FALSE); i++)
		;
	g_main_context_pop_thread_default(fx->ctx);
	g_main_context_unref(fx->ctx);
	g_free(fx);
}

static int
teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* run the context until nothing is ready, bounded */
static void
iterate(Fixture *fx)
{
	for (int i = 0; i < 100000 && g_main_context_iteration(fx->ctx, FALSE); i++)
		;
}

static gboolean
on_guard(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* iterate until no probe is in flight, at most max_ms; TRUE if none is */
static gboolean
wait_probes(Fixture *fx, guint max_ms)
{
	gboolean expired = FALSE;
	GSource *guard = g_timeout_source_new(max_ms);

	g_source_set_callback(guard, on_guard, &expired, NULL);
	g_source_attach(guard, fx->ctx);
	while (stas_avahi_get_n_probes(fx->avahi) > 0 && !expired)
		g_main_context_iteration(fx->ctx, TRUE);
	g_source_destroy(guard);
	g_source_unref(guard);
	iterate(fx);
	return stas_avahi_get_n_probes(fx->avahi) == 0;
}

/* TXT items from strings; NULL-terminated */
static GPtrArray *
txt_new(const char *first, ...)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	va_list ap;

	va_start(ap, first);
	for (const char *s = first; s != NULL; s = va_arg(ap, const char *))
		g_ptr_array_add(items, g_bytes_new(s, strlen(s)));
	va_end(ap);
	return items;
}

/* a service announced on ifname and resolved with one TXT item */
static void
announce(Fixture *fx, int ifindex, const char *ifname, int proto, const char *name,
	 const char *stype, const char *address, guint port, const char *txt)
{
	g_autoptr(GPtrArray) items = txt_new(txt, NULL);

	stas_avahi_inject_item_new(fx->avahi, ifindex, ifname, proto, name, stype, LOCAL);
	stas_avahi_inject_found(fx->avahi, ifindex, proto, name, stype, LOCAL, address, port,
				items);
}

static guint
n_services(Fixture *fx)
{
	g_autoptr(JsonNode) info = stas_avahi_info(fx->avahi);
	JsonObject *services =
		json_object_get_object_member(json_node_get_object(info), "services");

	return json_object_get_size(services);
}

static JsonObject *
service_info(JsonNode *info, const char *key)
{
	JsonObject *services =
		json_object_get_object_member(json_node_get_object(info), "services");

	return json_object_has_member(services, key) ? json_object_get_object_member(services, key)
						     : NULL;
}

static const char *
reachable_of(JsonNode *info, const char *key)
{
	JsonObject *svc = service_info(info, key);

	assert_non_null(svc);
	return json_object_get_string_member(svc, "reachable");
}

static char *
info_json(Fixture *fx)
{
	g_autoptr(JsonNode) info = stas_avahi_info(fx->avahi);

	return json_to_string(info, FALSE);
}

static char *
kick_timer(Fixture *fx)
{
	g_autoptr(JsonNode) info = stas_avahi_info(fx->avahi);

	return g_strdup(
		json_object_get_string_member(json_node_get_object(info), "avahi wake up timer"));
}

/* the only reported controller's value of key */
static const char *
controller_value(GPtrArray *ctrls, guint i, const char *key)
{
	assert_true(i < ctrls->len);
	return g_hash_table_lookup(ctrls->pdata[i], key);
}

/* ---- loopback targets ---------------------------------------------------- */

static int
listener(int family, int backlog, char port[8])
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (port[0] != '\0')
			in->sin_port = htons((uint16_t)atoi(port));
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		len = sizeof(*in6);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, backlog) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		close(fd);
		return -1;
	}
	g_snprintf(port, 8, "%u",
		   ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					   : ((struct sockaddr_in6 *)&ss)->sin6_port));
	return fd;
}

/* a port nobody listens on: bound then closed */
static guint
closed_port(void)
{
	char port[8] = "";
	int fd = listener(AF_INET, 1, port);

	assert_true(fd >= 0);
	close(fd);
	return (guint)atoi(port);
}

/* a listener whose accept queue is full: its SYNs are dropped, like a dead target */
typedef struct {
	int listen_fd;
	int clients[4];
	char port[8];
} Blackhole;

static int
client_connect(const char *port, int wait_ms)
{
	struct sockaddr_in in = {0};
	struct pollfd pfd;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in.sin_port = htons((uint16_t)atoi(port));
	if (connect(fd, (struct sockaddr *)&in, sizeof(in)) == 0)
		return fd;
	assert_int_equal(errno, EINPROGRESS);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, wait_ms) == 1)
		return fd;
	close(fd);
	return -1;
}

static void
blackhole_open(Blackhole *b)
{
	guint n = 0;

	b->port[0] = '\0';
	b->listen_fd = listener(AF_INET, 0, b->port);
	assert_true(b->listen_fd >= 0);
	for (guint i = 0; i < G_N_ELEMENTS(b->clients); i++)
		b->clients[i] = -1;
	while (n < G_N_ELEMENTS(b->clients)) {
		int fd = client_connect(b->port, 200);

		if (fd < 0)
			return;
		b->clients[n++] = fd;
	}
	fail_msg("the accept queue never filled up");
}

static void
blackhole_close(Blackhole *b)
{
	for (guint i = 0; i < G_N_ELEMENTS(b->clients); i++) {
		if (b->clients[i] >= 0)
			close(b->clients[i]);
	}
	close(b->listen_fd);
}

#define LO_TCP_KEY "(lo, IPv4, SFSS.local, _nvme-disc._tcp)"

/* ---- back-off schedule ------------------------------------------------------ */

static void
test_backoff_is_2_5_10_30_60_300_then_600_from_the_first_failure(void **state)
{
	static const guint expected[] = {0, 2, 5, 10, 30, 60, 300, 600, 600, 600};

	for (guint n = 0; n < G_N_ELEMENTS(expected); n++)
		assert_int_equal(stas_avahi_backoff_interval(n), expected[n]);
	assert_int_equal(stas_avahi_backoff_interval(G_MAXUINT), 600);
}

/* ---- service types -------------------------------------------------------- */

static void
test_new_browser_info_is_empty_with_the_timer_off(void **state)
{
	Fixture *fx = fixture_new(TRUE);
	g_autofree char *json = info_json(fx);

	assert_string_equal(json, "{\"avahi wake up timer\":\"60.0s [off]\","
				  "\"service types\":[],\"services\":{}}");
	fixture_free(fx);
}

static void
test_zeroconf_enabled_browses_both_types_and_disabled_none(void **state)
{
	Fixture *fx = *state;
	g_autofree char *on = info_json(fx);
	g_autofree char *off = NULL;

	assert_non_null(strstr(on, "\"service types\":[\"_nvme-disc._tcp\",\"_nvme-disc._udp\"]"));
	stas_avahi_set_zeroconf(fx->avahi, FALSE);
	off = info_json(fx);
	assert_non_null(strstr(off, "\"service types\":[]"));
	stas_avahi_inject_item_new(fx->avahi, 1, "lo", V4, "SFSS", TCP, LOCAL);
	assert_int_equal(n_services(fx), 0);
}

static void
test_service_of_a_type_not_browsed_is_ignored(void **state)
{
	Fixture *fx = *state;

	stas_avahi_inject_item_new(fx->avahi, 1, "lo", V4, "x", "_http._tcp", LOCAL);
	assert_int_equal(n_services(fx), 0);
	stas_avahi_inject_item_new(fx->avahi, 1, "lo", V4, "x", TCP, LOCAL);
	assert_int_equal(n_services(fx), 1);
}

static void
test_removing_a_type_drops_its_services_and_emits_changed(void **state)
{
	Fixture *fx = *state;
	static const char *const only_tcp[] = {TCP, NULL};
	g_autoptr(GPtrArray) ctrls = NULL;
	g_autofree char *json = NULL;

	announce(fx, 2, "eth0", V4, "a", TCP, "192.168.1.10", 4420, "p=roce");
	announce(fx, 2, "eth0", V4, "b", UDP, "192.168.1.11", 4420, "p=roce");
	iterate(fx);
	assert_int_equal(fx->n_changed, 1);
	assert_int_equal(n_services(fx), 2);

	stas_avahi_set_service_types(fx->avahi, only_tcp);
	iterate(fx);
	assert_int_equal(fx->n_changed, 2);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 1);
	assert_string_equal(controller_value(ctrls, 0, "traddr"), "192.168.1.10");
	json = info_json(fx);
	assert_non_null(strstr(json, "\"service types\":[\"_nvme-disc._tcp\"]"));
	assert_null(strstr(json, "_nvme-disc._udp"));

	/* no browser for udp any more: a late event is ignored */
	announce(fx, 2, "eth0", V4, "c", UDP, "192.168.1.12", 4420, "p=roce");
	assert_int_equal(n_services(fx), 1);
}

/* ---- services and identity --------------------------------------------------- */

static void
test_ipv4_and_ipv6_records_are_separate_services(void **state)
{
	Fixture *fx = *state;
	g_autoptr(JsonNode) info = NULL;

	stas_avahi_inject_item_new(fx->avahi, 1, "lo", V4, "SFSS", TCP, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 1, "lo", V6, "SFSS", TCP, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 1, "lo", V4, "SFSS", TCP, LOCAL); /* known */
	info = stas_avahi_info(fx->avahi);
	assert_non_null(service_info(info, "(lo, IPv4, SFSS.local, _nvme-disc._tcp)"));
	assert_non_null(service_info(info, "(lo, IPv6, SFSS.local, _nvme-disc._tcp)"));
	assert_int_equal(n_services(fx), 2);
}

static void
test_rdma_service_is_reported_at_once_without_host_iface(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GPtrArray) ctrls = NULL;

	announce(fx, 2, "eth0", V4, "SFSS", TCP, "192.168.1.10", 4420, "p=roce");
	assert_int_equal(stas_avahi_get_n_probes(fx->avahi), 0);
	iterate(fx);
	assert_int_equal(fx->n_changed, 1);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 1);
	assert_int_equal(g_hash_table_size(ctrls->pdata[0]), 5);
	assert_string_equal(controller_value(ctrls, 0, "transport"), "rdma");
	assert_string_equal(controller_value(ctrls, 0, "traddr"), "192.168.1.10");
	assert_string_equal(controller_value(ctrls, 0, "trsvcid"), "4420");
	assert_string_equal(controller_value(ctrls, 0, "host-iface"), "");
	assert_string_equal(controller_value(ctrls, 0, "subsysnqn"), WKDN);
}

static void
test_protocol_names_map_to_transports(void **state)
{
	Fixture *fx = *state;
	static const char *const txts[] = {"p=tcp", "p=roce", "p=iwarp", "p=rdma", "p= RoCE "};
	static const char *const transports[] = {"tcp", "rdma", "rdma", "rdma", "rdma"};
	char port[8] = "";
	int fd = listener(AF_INET, 8, port);

	assert_true(fd >= 0);
	for (guint i = 0; i < G_N_ELEMENTS(txts); i++) {
		g_autofree char *name = g_strdup_printf("dc%u", i);
		/* distinct addresses: equal identities would be reported once */
		g_autofree char *addr = g_strdup_printf("127.0.0.%u", i + 1);
		g_autoptr(GPtrArray) ctrls = NULL;

		announce(fx, 1, "lo", V4, name, TCP, addr, (guint)atoi(port), txts[i]);
		assert_true(wait_probes(fx, 5000));
		ctrls = stas_avahi_get_controllers(fx->avahi);
		assert_int_equal(ctrls->len, i + 1);
		assert_string_equal(controller_value(ctrls, i, "transport"), transports[i]);
	}
	close(fd);
}

static void
test_invalid_protocol_logs_the_upstream_error_and_keeps_the_service_unidentified(void **state)
{
	Fixture *fx = *state;
	g_autoptr(JsonNode) info = NULL;
	g_autoptr(GPtrArray) ctrls = NULL;
	JsonObject *svc;

	announce(fx, 2, "eth0", V4, "SFSS", TCP, "192.168.1.10", 8009, "p=walmart");
	iterate(fx);
	assert_logged_once("WARNING Received invalid/undefined protocol in mDNS TXT field: "
			   "address=192.168.1.10, iface=eth0, TXT={'p': 'walmart'} - mDNS service "
			   "(eth0, IPv4, \"SFSS\", \"local\", \"_nvme-disc._tcp\")");
	assert_int_equal(fx->n_changed, 0);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 0);
	info = stas_avahi_info(fx->avahi);
	svc = service_info(info, "(eth0, IPv4, SFSS.local, _nvme-disc._tcp)");
	assert_non_null(svc);
	assert_int_equal(json_object_get_size(svc), 1);
	assert_string_equal(json_object_get_string_member(svc, "reachable"), "False");
	assert_int_equal(stas_avahi_get_n_probes(fx->avahi), 0);
}

static void
test_missing_or_empty_protocol_is_invalid(void **state)
{
	Fixture *fx = *state;

	announce(fx, 2, "eth0", V4, "a", TCP, "192.168.1.10", 8009, "nqn=" CDCNQN);
	announce(fx, 2, "eth0", V4, "b", TCP, "192.168.1.11", 8009, "p=");
	assert_logged_once("WARNING Received invalid/undefined protocol in mDNS TXT field: "
			   "address=192.168.1.10, iface=eth0, TXT={'nqn': '" CDCNQN "'} - mDNS "
			   "service (eth0, IPv4, \"a\", \"local\", \"_nvme-disc._tcp\")");
	assert_logged_once("WARNING Received invalid/undefined protocol in mDNS TXT field: "
			   "address=192.168.1.11, iface=eth0, TXT={'p': ''} - mDNS service "
			   "(eth0, IPv4, \"b\", \"local\", \"_nvme-disc._tcp\")");
}

static void
test_a_valid_record_that_turns_invalid_is_no_longer_reported(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GPtrArray) walmart = txt_new("p=walmart", NULL);
	g_autoptr(GPtrArray) ctrls = NULL;

	announce(fx, 2, "eth0", V4, "SFSS", TCP, "192.168.1.10", 4420, "p=rdma");
	iterate(fx);
	assert_int_equal(fx->n_changed, 1);
	stas_avahi_inject_found(fx->avahi, 2, V4, "SFSS", TCP, LOCAL, "192.168.1.10", 4420,
				walmart);
	iterate(fx);
	assert_int_equal(fx->n_changed, 2);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 0);
}

static void
test_txt_keys_are_case_insensitive_and_bad_items_are_skipped(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GPtrArray) items =
		txt_new("blah", "=", "x=1=2", "bad\x01=1", "NqN=" CDCNQN, "P=RoCE", NULL);
	g_autoptr(GPtrArray) ctrls = NULL;

	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, "SFSS", TCP, LOCAL);
	stas_avahi_inject_found(fx->avahi, 2, V4, "SFSS", TCP, LOCAL, "192.168.1.10", 8009, items);
	iterate(fx);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 1);
	assert_string_equal(controller_value(ctrls, 0, "transport"), "rdma");
	assert_string_equal(controller_value(ctrls, 0, "subsysnqn"), CDCNQN);
	/* the skipped items are only traced, named by their service */
	assert_int_equal(count_logged_prefix("WARNING"), 0);
	assert_true(count_logged_prefix("DEBUG mDNS service (eth0, IPv4, \"SFSS\"") >= 4);
}

static void
test_txt_nqn_is_used_only_when_the_kernel_supports_tp8013(void **state)
{
	Fixture *fx = fixture_new(FALSE);
	g_autoptr(GPtrArray) ctrls = NULL;

	stas_avahi_set_zeroconf(fx->avahi, TRUE);
	announce(fx, 2, "eth0", V4, "SFSS", TCP, "192.168.1.10", 8009, "p=roce");
	{
		g_autoptr(GPtrArray) items = txt_new("p=roce", "nqn=" CDCNQN, NULL);

		stas_avahi_inject_found(fx->avahi, 2, V4, "SFSS", TCP, LOCAL, "192.168.1.10", 8009,
					items);
	}
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 1);
	assert_string_equal(controller_value(ctrls, 0, "subsysnqn"), WKDN);
	fixture_free(fx);
}

static void
test_bad_address_or_port_leaves_the_service_unidentified(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GPtrArray) ctrls = NULL;

	announce(fx, 2, "eth0", V4, "a", TCP, "1.2.3.4,hostnqn=x", 8009, "p=roce");
	announce(fx, 2, "eth0", V4, "b", TCP, "", 8009, "p=roce");
	announce(fx, 2, "eth0", V4, "c", TCP, "192.168.1.10", 0, "p=roce");
	announce(fx, 2, "eth0", V4, "d", TCP, "192.168.1.10", 70000, "p=roce");
	iterate(fx);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 0);
	assert_int_equal(fx->n_changed, 0);
	assert_int_equal(n_services(fx), 4);
	assert_int_equal(count_logged_prefix("WARNING Invalid address in mDNS record"), 2);
	assert_int_equal(count_logged_prefix("WARNING Invalid port in mDNS record"), 2);
}

/* SPEC 5: several services share an address; the log says which one is bad */
static void
test_a_refused_record_is_logged_with_its_service(void **state)
{
	Fixture *fx = *state;

	announce(fx, 2, "eth0", V4, "good", TCP, "192.168.1.10", 8009, "p=roce");
	announce(fx, 2, "eth0", V4, "bad,name", TCP, "192.168.1.10", 0, "p=roce");
	iterate(fx);
	assert_logged_once("WARNING Invalid port in mDNS record: address=192.168.1.10, iface=eth0: "
			   "port 0: not in 1..65535 - mDNS service (eth0, IPv4, \"bad,name\", "
			   "\"local\", \"_nvme-disc._tcp\")");
	assert_int_equal(count_logged_prefix("WARNING"), 1);
}

static void
test_found_for_an_unknown_service_is_ignored(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GPtrArray) items = txt_new("p=roce", NULL);

	stas_avahi_inject_found(fx->avahi, 2, V4, "ghost", TCP, LOCAL, "192.168.1.10", 4420, items);
	iterate(fx);
	assert_int_equal(n_services(fx), 0);
	assert_int_equal(fx->n_changed, 0);
}

/* ---- reachability ---------------------------------------------------------- */

static void
test_tcp_service_on_a_listening_port_is_reported_with_its_interface(void **state)
{
	Fixture *fx = *state;
	char port[8] = "";
	int fd = listener(AF_INET, 4, port);
	g_autoptr(GPtrArray) ctrls = NULL;
	g_autoptr(JsonNode) info = NULL;

	assert_true(fd >= 0);
	announce(fx, 1, "lo", V4, "SFSS", TCP, "127.0.0.1", (guint)atoi(port), "p=tcp");
	assert_int_equal(stas_avahi_get_n_probes(fx->avahi), 1);
	info = stas_avahi_info(fx->avahi);
	assert_string_equal(reachable_of(info, LO_TCP_KEY), "False"); /* not yet */
	assert_int_equal(fx->n_changed, 0);

	assert_true(wait_probes(fx, 5000));
	assert_int_equal(fx->n_changed, 1);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 1);
	assert_string_equal(controller_value(ctrls, 0, "transport"), "tcp");
	assert_string_equal(controller_value(ctrls, 0, "traddr"), "127.0.0.1");
	assert_string_equal(controller_value(ctrls, 0, "trsvcid"), port);
	assert_string_equal(controller_value(ctrls, 0, "host-iface"), "lo");
	assert_int_equal(stas_avahi_inject_get_retry_interval(fx->avahi, LO_TCP_KEY), 0);
	assert_int_equal(count_logged_prefix("INFO Unable to verify"), 0);
	close(fd);
}

static void
test_ipv6_tcp_service_on_loopback_is_reported(void **state)
{
	Fixture *fx = *state;
	char port[8] = "";
	int fd = listener(AF_INET6, 4, port);
	g_autoptr(GPtrArray) ctrls = NULL;

	if (fd < 0)
		skip(); /* no IPv6 here */
	announce(fx, 1, "lo", V6, "SFSS", TCP, "::1", (guint)atoi(port), "p=tcp");
	assert_true(wait_probes(fx, 5000));
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 1);
	assert_string_equal(controller_value(ctrls, 0, "traddr"), "::1");
	close(fd);
}

/* one failed probe of the LO_TCP_KEY service, asserting the retry interval it leaves */
static void
fail_once(Fixture *fx, guint expected_interval)
{
	assert_true(wait_probes(fx, 5000));
	assert_int_equal(stas_avahi_inject_get_retry_interval(fx->avahi, LO_TCP_KEY),
			 expected_interval);
}

static void
test_unreachable_tcp_service_is_retried_after_2_5_10_30_60_300_600_600(void **state)
{
	Fixture *fx = *state;
	static const guint schedule[] = {2, 5, 10, 30, 60, 300, 600, 600, 600};
	guint port = closed_port();
	g_autofree char *line =
		g_strdup_printf("INFO Unable to verify TCP connectivity  - "
				"(lo,        127.0.0.1,     %u): Connection refused",
				port);
	g_autoptr(GPtrArray) ctrls = NULL;
	g_autoptr(JsonNode) info = NULL;

	announce(fx, 1, "lo", V4, "SFSS", TCP, "127.0.0.1", port, "p=tcp");
	fail_once(fx, schedule[0]);
	assert_logged_once(line);
	for (guint i = 1; i < G_N_ELEMENTS(schedule); i++) {
		assert_true(stas_avahi_inject_fire_retry(fx->avahi, LO_TCP_KEY));
		iterate(fx);
		fail_once(fx, schedule[i]);
	}
	/* retries are silent; nothing was ever reported */
	assert_int_equal(count_logged_prefix("INFO Unable to verify"), 1);
	assert_int_equal(fx->n_changed, 0);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 0);
	info = stas_avahi_info(fx->avahi);
	assert_string_equal(reachable_of(info, LO_TCP_KEY), "False");
}

static void
test_a_successful_retry_reports_the_service_and_ends_the_backoff(void **state)
{
	Fixture *fx = *state;
	guint port = closed_port();
	char port_s[8];
	int fd;
	g_autoptr(GPtrArray) ctrls = NULL;

	announce(fx, 1, "lo", V4, "SFSS", TCP, "127.0.0.1", port, "p=tcp");
	fail_once(fx, 2);
	assert_true(stas_avahi_inject_fire_retry(fx->avahi, LO_TCP_KEY));
	iterate(fx);
	fail_once(fx, 5);

	/* the target starts listening (upstream: CDCs announce before they listen) */
	g_snprintf(port_s, sizeof(port_s), "%u", port);
	fd = listener(AF_INET, 4, port_s);
	assert_true(fd >= 0);
	assert_true(stas_avahi_inject_fire_retry(fx->avahi, LO_TCP_KEY));
	iterate(fx);
	assert_true(wait_probes(fx, 5000));
	assert_int_equal(stas_avahi_inject_get_retry_interval(fx->avahi, LO_TCP_KEY), 0);
	assert_false(stas_avahi_inject_fire_retry(fx->avahi, LO_TCP_KEY));
	assert_int_equal(fx->n_changed, 1);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 1);
	close(fd);
}

static void
test_a_new_record_restarts_the_backoff_and_logs_again(void **state)
{
	Fixture *fx = *state;
	guint port = closed_port();
	guint other = closed_port();
	g_autoptr(GPtrArray) items = txt_new("p=tcp", NULL);

	announce(fx, 1, "lo", V4, "SFSS", TCP, "127.0.0.1", port, "p=tcp");
	fail_once(fx, 2);
	assert_true(stas_avahi_inject_fire_retry(fx->avahi, LO_TCP_KEY));
	iterate(fx);
	fail_once(fx, 5);
	assert_true(stas_avahi_inject_fire_retry(fx->avahi, LO_TCP_KEY));
	iterate(fx);
	fail_once(fx, 10);

	stas_avahi_inject_found(fx->avahi, 1, V4, "SFSS", TCP, LOCAL, "127.0.0.1", other, items);
	assert_int_equal(stas_avahi_inject_get_retry_interval(fx->avahi, LO_TCP_KEY), 0);
	fail_once(fx, 2);
	assert_int_equal(count_logged_prefix("INFO Unable to verify"), 2);
}

static void
test_the_same_record_again_keeps_a_reachable_service_without_a_probe(void **state)
{
	Fixture *fx = *state;
	char port[8] = "";
	int fd = listener(AF_INET, 4, port);
	g_autoptr(GPtrArray) items = txt_new("p=tcp", NULL);
	g_autoptr(GPtrArray) ctrls = NULL;

	assert_true(fd >= 0);
	announce(fx, 1, "lo", V4, "SFSS", TCP, "127.0.0.1", (guint)atoi(port), "p=tcp");
	assert_true(wait_probes(fx, 5000));
	assert_int_equal(fx->n_changed, 1);
	stas_avahi_inject_found(fx->avahi, 1, V4, "SFSS", TCP, LOCAL, "127.0.0.1",
				(guint)atoi(port), items);
	assert_int_equal(stas_avahi_get_n_probes(fx->avahi), 0);
	iterate(fx);
	assert_int_equal(fx->n_changed, 1);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 1);
	close(fd);
}

static void
test_removal_cancels_a_probe_in_flight(void **state)
{
	Fixture *fx = *state;
	Blackhole b;

	blackhole_open(&b);
	stas_avahi_set_probe_timeout(fx->avahi, 30000);
	announce(fx, 1, "lo", V4, "SFSS", TCP, "127.0.0.1", (guint)atoi(b.port), "p=tcp");
	assert_int_equal(stas_avahi_get_n_probes(fx->avahi), 1);
	stas_avahi_inject_item_remove(fx->avahi, 1, V4, "SFSS", TCP, LOCAL);
	assert_int_equal(n_services(fx), 0);
	/* a probe left running would take 30 s */
	assert_true(wait_probes(fx, 2000));
	assert_int_equal(count_logged_prefix("INFO Unable to verify"), 0);
	assert_int_equal(fx->n_changed, 0);
	blackhole_close(&b);
}

static void
test_removal_cancels_a_pending_retry(void **state)
{
	Fixture *fx = *state;

	announce(fx, 1, "lo", V4, "SFSS", TCP, "127.0.0.1", closed_port(), "p=tcp");
	fail_once(fx, 2);
	stas_avahi_inject_item_remove(fx->avahi, 1, V4, "SFSS", TCP, LOCAL);
	assert_false(stas_avahi_inject_fire_retry(fx->avahi, LO_TCP_KEY));
	iterate(fx);
	assert_int_equal(stas_avahi_get_n_probes(fx->avahi), 0);
}

static void
test_freeing_the_browser_with_a_probe_in_flight_is_safe(void **state)
{
	Fixture *fx = *state;
	Blackhole b;

	blackhole_open(&b);
	stas_avahi_set_probe_timeout(fx->avahi, 30000);
	announce(fx, 1, "lo", V4, "SFSS", TCP, "127.0.0.1", (guint)atoi(b.port), "p=tcp");
	g_clear_object(&fx->avahi);
	iterate(fx); /* the cancelled probe completes into nothing */
	blackhole_close(&b);
}

/* ---- duplicate addresses ------------------------------------------------------ */

static void
test_an_address_on_two_interfaces_is_reported_as_an_error(void **state)
{
	Fixture *fx = *state;

	announce(fx, 2, "eth0", V4, "a", TCP, "192.168.1.10", 4420, "p=roce");
	assert_int_equal(count_logged_prefix("WARNING IP address"), 0);
	announce(fx, 3, "eth1", V4, "a", TCP, "192.168.1.10", 4420, "p=roce");
	assert_logged_once(
		"WARNING IP address 192.168.1.10 was found on multiple interfaces: eth0,eth1");
	/* checked again after every resolve; IPv4-mapped IPv6 is the same address */
	announce(fx, 4, "eth2", V6, "a", TCP, "::ffff:192.168.1.10", 4420, "p=roce");
	assert_logged_once("WARNING IP address 192.168.1.10 was found on multiple interfaces: "
			   "eth0,eth1,eth2");
}

static void
test_an_address_seen_twice_on_one_interface_is_not_a_duplicate(void **state)
{
	Fixture *fx = *state;

	announce(fx, 2, "eth0", V4, "a", TCP, "192.168.1.10", 4420, "p=roce");
	announce(fx, 2, "eth0", V4, "a", UDP, "192.168.1.10", 4420, "p=roce");
	announce(fx, 2, "eth0", V6, "a", TCP, "192.168.1.10", 4420, "p=roce");
	assert_int_equal(count_logged_prefix("WARNING IP address"), 0);
}

/* ---- the daemon ----------------------------------------------------------------- */

static void
test_daemon_gone_drops_everything_and_starts_the_wakeup_timer(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GPtrArray) ctrls = NULL;
	g_autofree char *timer = NULL;
	g_autofree char *off = NULL;

	announce(fx, 2, "eth0", V4, "a", TCP, "192.168.1.10", 4420, "p=roce");
	iterate(fx);
	assert_int_equal(fx->n_changed, 1);
	assert_true(stas_avahi_is_available(fx->avahi));

	stas_avahi_inject_daemon(fx->avahi, FALSE);
	iterate(fx);
	assert_false(stas_avahi_is_available(fx->avahi));
	assert_logged_once("WARNING avahi-daemon not available, zeroconf not supported.");
	assert_int_equal(fx->n_changed, 2);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 0);
	assert_int_equal(n_services(fx), 0);
	timer = kick_timer(fx);
	assert_true(g_str_has_prefix(timer, "60.0s ["));
	assert_true(g_str_has_suffix(timer, "s]"));
	assert_string_not_equal(timer, "60.0s [off]");
	/* python's float: "60.0s [59.998713s]", never "59.998712999999995" */
	assert_true(strlen(timer) <= strlen("60.0s [59.999999s]"));

	/* no browsers while the daemon is away */
	announce(fx, 2, "eth0", V4, "b", TCP, "192.168.1.11", 4420, "p=roce");
	assert_int_equal(n_services(fx), 0);
	stas_avahi_inject_daemon(fx->avahi, FALSE); /* again: nothing new */
	assert_int_equal(count_logged_prefix("WARNING avahi-daemon"), 1);

	stas_avahi_inject_daemon(fx->avahi, TRUE);
	assert_logged_once("INFO avahi-daemon service available, zeroconf supported.");
	off = kick_timer(fx);
	assert_string_equal(off, "60.0s [off]");
	announce(fx, 2, "eth0", V4, "b", TCP, "192.168.1.11", 4420, "p=roce");
	iterate(fx);
	assert_int_equal(n_services(fx), 1);
	assert_int_equal(fx->n_changed, 3);
}

static void
test_kick_fires_the_wakeup_timer_only_while_it_runs(void **state)
{
	Fixture *fx = *state;

	stas_avahi_kick(fx->avahi);
	iterate(fx);
	assert_int_equal(stas_avahi_get_n_kicks(fx->avahi), 0);

	stas_avahi_inject_daemon(fx->avahi, FALSE);
	stas_avahi_kick(fx->avahi);
	iterate(fx);
	assert_int_equal(stas_avahi_get_n_kicks(fx->avahi), 1);
	/* periodic: it keeps running until the daemon is back */
	{
		g_autofree char *timer = kick_timer(fx);

		assert_string_not_equal(timer, "60.0s [off]");
	}
}

static void
test_browser_failure_warns_and_retries_from_the_wakeup_timer(void **state)
{
	Fixture *fx = fixture_new(TRUE);
	g_autofree char *running = NULL;
	g_autofree char *off = NULL;

	g_ptr_array_set_size(log_lines, 0);
	stas_avahi_inject_browser_failure(fx->avahi, TRUE);
	stas_avahi_set_zeroconf(fx->avahi, TRUE);
	assert_logged_once("WARNING avahi-daemon not available, operating w/o mDNS discovery.");
	running = kick_timer(fx);
	assert_string_not_equal(running, "60.0s [off]");
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, "a", TCP, LOCAL);
	assert_int_equal(n_services(fx), 0);

	/* the timer tries again quietly and stops once the browsers exist */
	stas_avahi_kick(fx->avahi);
	iterate(fx);
	assert_int_equal(stas_avahi_get_n_kicks(fx->avahi), 1);
	assert_int_equal(count_logged_prefix("WARNING avahi-daemon"), 1);
	stas_avahi_inject_browser_failure(fx->avahi, FALSE);
	stas_avahi_kick(fx->avahi);
	iterate(fx);
	assert_int_equal(stas_avahi_get_n_kicks(fx->avahi), 2);
	off = kick_timer(fx);
	assert_string_equal(off, "60.0s [off]");
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, "a", TCP, LOCAL);
	assert_int_equal(n_services(fx), 1);
	fixture_free(fx);
}

static void
test_real_client_survives_without_avahi_daemon(void **state)
{
	Fixture *fx = fixture_new(TRUE);
	StasAvahi *real;

	g_ptr_array_set_size(log_lines, 0);
	real = stas_avahi_new(TRUE);
	stas_avahi_set_zeroconf(real, TRUE);
	iterate(fx);
	if (!stas_avahi_is_available(real)) {
		g_autoptr(JsonNode) info = stas_avahi_info(real);
		const char *timer = json_object_get_string_member(json_node_get_object(info),
								  "avahi wake up timer");

		assert_logged_once("WARNING avahi-daemon not available, zeroconf not supported.");
		assert_string_not_equal(timer, "60.0s [off]");
		stas_avahi_kick(real);
		iterate(fx);
		assert_int_equal(stas_avahi_get_n_kicks(real), 1);
	}
	g_object_unref(real);
	iterate(fx);
	fixture_free(fx);
}

/* ---- "changed" --------------------------------------------------------------- */

static void
test_changed_is_emitted_only_when_the_reported_set_changes(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GPtrArray) roce = txt_new("p=roce", NULL);
	g_autoptr(GPtrArray) ctrls = NULL;

	announce(fx, 2, "eth0", V4, "a", TCP, "192.168.1.10", 4420, "p=roce");
	iterate(fx);
	assert_int_equal(fx->n_changed, 1);
	/* the same record again */
	stas_avahi_inject_found(fx->avahi, 2, V4, "a", TCP, LOCAL, "192.168.1.10", 4420, roce);
	iterate(fx);
	assert_int_equal(fx->n_changed, 1);
	/* another service with the same identity (the _udp announcement) */
	announce(fx, 2, "eth0", V4, "a", UDP, "192.168.1.10", 4420, "p=roce");
	iterate(fx);
	assert_int_equal(fx->n_changed, 1);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 1); /* no repeats */
	/* one of the two goes: the identity is still reported */
	stas_avahi_inject_item_remove(fx->avahi, 2, V4, "a", TCP, LOCAL);
	iterate(fx);
	assert_int_equal(fx->n_changed, 1);
	/* an unknown service goes: nothing */
	stas_avahi_inject_item_remove(fx->avahi, 2, V4, "zz", TCP, LOCAL);
	iterate(fx);
	assert_int_equal(fx->n_changed, 1);
	/* a changed port is a new identity */
	stas_avahi_inject_found(fx->avahi, 2, V4, "a", UDP, LOCAL, "192.168.1.10", 4421, roce);
	iterate(fx);
	assert_int_equal(fx->n_changed, 2);
	stas_avahi_inject_item_remove(fx->avahi, 2, V4, "a", UDP, LOCAL);
	iterate(fx);
	assert_int_equal(fx->n_changed, 3);
}

static void
test_removal_and_return_within_one_iteration_is_no_change(void **state)
{
	Fixture *fx = *state;

	announce(fx, 2, "eth0", V4, "a", TCP, "192.168.1.10", 4420, "p=roce");
	iterate(fx);
	stas_avahi_inject_item_remove(fx->avahi, 2, V4, "a", TCP, LOCAL);
	announce(fx, 2, "eth0", V4, "a", TCP, "192.168.1.10", 4420, "p=roce");
	iterate(fx);
	assert_int_equal(fx->n_changed, 1);
}

/* ---- getters and the info dict -------------------------------------------------- */

static void
test_info_dict_lists_services_by_key_with_their_identity(void **state)
{
	Fixture *fx = *state;
	g_autofree char *json = NULL;

	announce(fx, 2, "eth0", V4, "SFSS", TCP, "192.168.1.10", 4420, "p=roce");
	announce(fx, 2, "eth0", V6, "SFSS", TCP, "fe80::1", 4420, "p=walmart");
	json = info_json(fx);
	assert_string_equal(json, "{\"avahi wake up timer\":\"60.0s [off]\","
				  "\"service types\":[\"_nvme-disc._tcp\",\"_nvme-disc._udp\"],"
				  "\"services\":{"
				  "\"(eth0, IPv4, SFSS.local, _nvme-disc._tcp)\":"
				  "{\"transport\":\"rdma\",\"traddr\":\"192.168.1.10\","
				  "\"trsvcid\":\"4420\",\"host-iface\":\"\","
				  "\"subsysnqn\":\"" WKDN "\",\"reachable\":\"True\"},"
				  "\"(eth0, IPv6, SFSS.local, _nvme-disc._tcp)\":"
				  "{\"reachable\":\"False\"}}}");
}

static void
test_tids_and_is_reported_match_the_reported_identities(void **state)
{
	Fixture *fx = *state;
	StasTidDefaults defaults = {.kind = STAS_TID_KIND_IOC, .host_nqn = "nqn.host"};
	g_autoptr(GPtrArray) tids = NULL;
	g_autoptr(StasTid) same = NULL;
	g_autoptr(StasTid) respelled = NULL;
	g_autoptr(StasTid) other_port = NULL;
	g_autoptr(StasTid) with_host_traddr = NULL;
	g_autoptr(StasTid) other_iface = NULL;

	announce(fx, 2, "eth0", V6, "a", TCP, "fd00::10", 4420, "p=roce");
	tids = stas_avahi_get_tids(fx->avahi, &defaults);
	assert_int_equal(tids->len, 1);
	assert_string_equal(((StasTid *)tids->pdata[0])->transport, "rdma");
	assert_string_equal(((StasTid *)tids->pdata[0])->host_nqn, "nqn.host");
	assert_true(stas_avahi_is_reported(fx->avahi, tids->pdata[0]));

	same = stas_tid_new("rdma", "fd00::10", "4420", WKDN, "", "", "nqn.other", &defaults);
	respelled = stas_tid_new("rdma", "FD00:0:0::10", "4420", WKDN, "", "", NULL, &defaults);
	other_port = stas_tid_new("rdma", "fd00::10", "4421", WKDN, "", "", NULL, &defaults);
	with_host_traddr =
		stas_tid_new("rdma", "fd00::10", "4420", WKDN, "fd00::1", "", NULL, &defaults);
	other_iface = stas_tid_new("rdma", "fd00::10", "4420", WKDN, "", "eth0", NULL, &defaults);
	assert_true(stas_avahi_is_reported(fx->avahi, same));
	assert_true(stas_avahi_is_reported(fx->avahi, respelled));
	assert_false(stas_avahi_is_reported(fx->avahi, other_port));
	assert_false(stas_avahi_is_reported(fx->avahi, with_host_traddr));
	assert_false(stas_avahi_is_reported(fx->avahi, other_iface));
}

static void
test_an_unreachable_service_is_not_reported(void **state)
{
	Fixture *fx = *state;
	g_autoptr(StasTid) tid = NULL;
	g_autoptr(GPtrArray) ctrls = NULL;
	guint port = closed_port();
	char port_s[8];

	StasTidDefaults dc = {.kind = STAS_TID_KIND_DC};

	g_snprintf(port_s, sizeof(port_s), "%u", port);
	announce(fx, 1, "lo", V4, "SFSS", TCP, "127.0.0.1", port, "p=tcp");
	fail_once(fx, 2);
	tid = stas_tid_new("tcp", "127.0.0.1", port_s, WKDN, "", "lo", NULL, &dc);
	assert_false(stas_avahi_is_reported(fx->avahi, tid));
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 0);
}

/* ---- untrusted input ------------------------------------------------------------- */

static void
test_malformed_browser_events_are_ignored(void **state)
{
	Fixture *fx = *state;
	g_autofree char *long_name = g_strnfill(STAS_AVAHI_NAME_MAX + 1, 'x');
	g_autofree char *max_name = g_strnfill(STAS_AVAHI_NAME_MAX, 'x');

	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, long_name, TCP, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, "bad\xff\xfe", TCP, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", 7, "a", TCP, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", -1, "a", TCP, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0,x", V4, "a", TCP, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 2, "", V4, "a", TCP, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 2, NULL, V4, "a", TCP, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, NULL, TCP, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, "a", NULL, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, "a", TCP, NULL);
	stas_avahi_inject_item_remove(fx->avahi, 2, V4, NULL, TCP, LOCAL);
	stas_avahi_inject_found(fx->avahi, 2, V4, NULL, TCP, LOCAL, NULL, 0, NULL);
	assert_int_equal(n_services(fx), 0);
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, max_name, TCP, LOCAL);
	assert_int_equal(n_services(fx), 1);
}

static void
test_hostile_names_are_kept_verbatim_in_info_and_quoted_in_logs(void **state)
{
	Fixture *fx = *state;
	const char *name = "evil\"\n\x1b[31m name";
	g_autoptr(JsonNode) info = NULL;
	g_autoptr(JsonNode) parsed = NULL;
	g_autofree char *json = NULL;
	g_autofree char *key = g_strdup_printf("(eth0, IPv4, %s.local, _nvme-disc._tcp)", name);

	announce(fx, 2, "eth0", V4, name, TCP, "192.168.1.10", 4420, "p=roce");
	info = stas_avahi_info(fx->avahi);
	assert_non_null(service_info(info, key));
	/* the JSON text escapes it and reads back the same */
	json = json_to_string(info, FALSE);
	assert_null(strchr(json, '\n'));
	assert_null(strchr(json, '\x1b'));
	parsed = json_from_string(json, NULL);
	assert_non_null(parsed);
	assert_non_null(service_info(parsed, key));
	for (guint i = 0; i < log_lines->len; i++) {
		assert_null(strchr(log_lines->pdata[i], '\n'));
		assert_null(strchr(log_lines->pdata[i], '\x1b'));
	}
	assert_true(count_logged_prefix("DEBUG mDNS service (eth0, IPv4, \"evil\\\"\\x0a") >= 1);
}

static void
test_huge_or_binary_txt_records_do_not_hurt(void **state)
{
	Fixture *fx = *state;
	g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	static const guint8 binary[] = {'p', '=', 'r', 'o', 'c', 'e', 0, 0xff};
	g_autoptr(GPtrArray) ctrls = NULL;

	g_ptr_array_add(items, g_bytes_new(binary, sizeof(binary)));
	for (guint i = 0; i < 5000; i++) {
		g_autofree char *item = g_strdup_printf("k%u=%0200u", i, i);

		g_ptr_array_add(items, g_bytes_new(item, strlen(item)));
	}
	g_ptr_array_add(items, g_bytes_new("p=roce", 6)); /* past the size limit: ignored */
	g_ptr_array_add(items, NULL);
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, "big", TCP, LOCAL);
	stas_avahi_inject_found(fx->avahi, 2, V4, "big", TCP, LOCAL, "192.168.1.10", 4420, items);
	iterate(fx);
	ctrls = stas_avahi_get_controllers(fx->avahi);
	assert_int_equal(ctrls->len, 0);
	assert_int_equal(count_logged_prefix("WARNING Received invalid/undefined protocol"), 1);
}

static void
test_the_number_of_services_is_capped(void **state)
{
	Fixture *fx = *state;

	for (guint i = 0; i < STAS_AVAHI_SERVICES_MAX + 10; i++) {
		g_autofree char *name = g_strdup_printf("dc%u", i);

		stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, name, TCP, LOCAL);
	}
	assert_int_equal(n_services(fx), STAS_AVAHI_SERVICES_MAX);
	assert_int_equal(count_logged_prefix("WARNING More than"), 1);
	/* room again after a removal */
	stas_avahi_inject_item_remove(fx->avahi, 2, V4, "dc0", TCP, LOCAL);
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, "late", TCP, LOCAL);
	assert_int_equal(n_services(fx), STAS_AVAHI_SERVICES_MAX);
	stas_avahi_inject_item_new(fx->avahi, 2, "eth0", V4, "later", TCP, LOCAL);
	assert_int_equal(count_logged_prefix("WARNING More than"), 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_is_2_5_10_30_60_300_then_600_from_the_first_failure),
		cmocka_unit_test(test_new_browser_info_is_empty_with_the_timer_off),
		T(test_zeroconf_enabled_browses_both_types_and_disabled_none),
		T(test_service_of_a_type_not_browsed_is_ignored),
		T(test_removing_a_type_drops_its_services_and_emits_changed),
		T(test_ipv4_and_ipv6_records_are_separate_services),
		T(test_rdma_service_is_reported_at_once_without_host_iface),
		T(test_protocol_names_map_to_transports),
		T(test_invalid_protocol_logs_the_upstream_error_and_keeps_the_service_unidentified),
		T(test_missing_or_empty_protocol_is_invalid),
		T(test_a_valid_record_that_turns_invalid_is_no_longer_reported),
		T(test_txt_keys_are_case_insensitive_and_bad_items_are_skipped),
		cmocka_unit_test(test_txt_nqn_is_used_only_when_the_kernel_supports_tp8013),
		T(test_bad_address_or_port_leaves_the_service_unidentified),
		T(test_a_refused_record_is_logged_with_its_service),
		T(test_found_for_an_unknown_service_is_ignored),
		T(test_tcp_service_on_a_listening_port_is_reported_with_its_interface),
		T(test_ipv6_tcp_service_on_loopback_is_reported),
		T(test_unreachable_tcp_service_is_retried_after_2_5_10_30_60_300_600_600),
		T(test_a_successful_retry_reports_the_service_and_ends_the_backoff),
		T(test_a_new_record_restarts_the_backoff_and_logs_again),
		T(test_the_same_record_again_keeps_a_reachable_service_without_a_probe),
		T(test_removal_cancels_a_probe_in_flight),
		T(test_removal_cancels_a_pending_retry),
		T(test_freeing_the_browser_with_a_probe_in_flight_is_safe),
		T(test_an_address_on_two_interfaces_is_reported_as_an_error),
		T(test_an_address_seen_twice_on_one_interface_is_not_a_duplicate),
		T(test_daemon_gone_drops_everything_and_starts_the_wakeup_timer),
		T(test_kick_fires_the_wakeup_timer_only_while_it_runs),
		cmocka_unit_test(test_browser_failure_warns_and_retries_from_the_wakeup_timer),
		cmocka_unit_test(test_real_client_survives_without_avahi_daemon),
		T(test_changed_is_emitted_only_when_the_reported_set_changes),
		T(test_removal_and_return_within_one_iteration_is_no_change),
		T(test_info_dict_lists_services_by_key_with_their_identity),
		T(test_tids_and_is_reported_match_the_reported_identities),
		T(test_an_unreachable_service_is_not_reported),
		T(test_malformed_browser_events_are_ignored),
		T(test_hostile_names_are_kept_verbatim_in_info_and_quoted_in_logs),
		T(test_huge_or_binary_txt_records_do_not_hurt),
		T(test_the_number_of_services_is_capped),
	};
	int rc;

	log_lines = g_ptr_array_new_with_free_func(g_free);
	g_log_set_writer_func(capture_writer, NULL, NULL);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_clear_pointer(&log_lines, g_ptr_array_unref);
	return rc;
}
