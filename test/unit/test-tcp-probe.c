/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the TCP reachability probe (SPEC B4), on loopback only: a listening socket,
 * a closed port, a listener whose accept queue is full (its SYNs are dropped,
 * which looks like a dead target), binding to an interface and a source
 * address, cancellation; and the registry that shares probes per endpoint
 * (accepted connections are counted on the listener).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stas/stas-error.h"
#include "stas/stas-tcp-probe.h"

typedef struct {
	GMainContext *ctx;
	gboolean done;
	gboolean ok;
	gboolean in_ctx; /* the callback ran in ctx, iterated by us */
	GError *error;
	gint64 started;
	gint64 elapsed_ms;
} Run;

static int
run_setup(void **state)
{
	Run *r = g_new0(Run, 1);

	r->ctx = g_main_context_new();
	g_main_context_push_thread_default(r->ctx);
	*state = r;
	return 0;
}

static int
run_teardown(void **state)
{
	Run *r = *state;

	/* let finished sources release their references */
	while (g_main_context_iteration(r->ctx, FALSE))
		;
	g_main_context_pop_thread_default(r->ctx);
	g_main_context_unref(r->ctx);
	g_clear_error(&r->error);
	g_free(r);
	return 0;
}

static void
on_probe(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Run *r = user_data;

	r->ok = stas_tcp_probe_finish(result, &r->error);
	r->done = TRUE;
	r->in_ctx = g_main_context_is_owner(r->ctx);
	r->elapsed_ms = (g_get_monotonic_time() - r->started) / 1000;
}

static gboolean
on_guard(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* iterate until the probe answered, at most max_ms */
static void
run_wait(Run *r, guint max_ms)
{
	gboolean expired = FALSE;
	GSource *guard = g_timeout_source_new(max_ms);

	g_source_set_callback(guard, on_guard, &expired, NULL);
	g_source_attach(guard, r->ctx);
	while (!r->done && !expired)
		g_main_context_iteration(r->ctx, TRUE);
	g_source_destroy(guard);
	g_source_unref(guard);
	assert_true(r->done);
}

static void
probe(Run *r, const StasTcpProbeTarget *t, GCancellable *cancellable)
{
	r->started = g_get_monotonic_time();
	stas_tcp_probe_async(t, cancellable, on_probe, r);
}

/*
 * a listener on addr (127.0.0.1 or ::1) with an ephemeral port; -1 if
 * unavailable.  backlog < 0: bound only, so connects are refused until listen()
 */
static int
listener(int family, int backlog, char port[8])
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		len = sizeof(*in6);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    (backlog >= 0 && listen(fd, backlog) != 0) ||
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
static void
closed_port(char port[8])
{
	int fd = listener(AF_INET, 1, port);

	assert_true(fd >= 0);
	close(fd);
}

/* connect one client (completes into the accept queue); -1 if it never completed */
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

/*
 * a listener with backlog 0 and a full accept queue: the kernel drops new
 * SYNs, so a connect neither succeeds nor fails, as with a dead target
 */
typedef struct {
	int listen_fd;
	int clients[4];
	char port[8];
} Blackhole;

static void
blackhole_open(Blackhole *b)
{
	guint n = 0;

	b->listen_fd = listener(AF_INET, 0, b->port);
	assert_true(b->listen_fd >= 0);
	for (guint i = 0; i < G_N_ELEMENTS(b->clients); i++)
		b->clients[i] = -1;
	/* fill until a client stays unanswered */
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

static void
test_probe_listening_target_is_reachable(void **state)
{
	Run *r = *state;
	char port[8];
	int fd = listener(AF_INET, 4, port);
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = port, .timeout_ms = 2000};

	assert_true(fd >= 0);
	probe(r, &t, NULL);
	run_wait(r, 5000);
	assert_true(r->ok);
	assert_null(r->error);
	assert_true(r->in_ctx);
	close(fd);
}

static void
test_probe_ipv6_loopback_is_reachable(void **state)
{
	Run *r = *state;
	char port[8];
	int fd = listener(AF_INET6, 4, port);
	StasTcpProbeTarget t = {.traddr = "::1", .trsvcid = port, .timeout_ms = 2000};

	if (fd < 0)
		skip(); /* no IPv6 here */
	probe(r, &t, NULL);
	run_wait(r, 5000);
	assert_true(r->ok);
	close(fd);
}

static void
test_probe_closed_port_is_refused_fast(void **state)
{
	Run *r = *state;
	char port[8];
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = port, .timeout_ms = 3000};

	closed_port(port);
	probe(r, &t, NULL);
	run_wait(r, 5000);
	assert_false(r->ok);
	assert_true(g_error_matches(r->error, STAS_ERROR, STAS_ERROR_IO));
	assert_non_null(strstr(r->error->message, "refused"));
	assert_non_null(strstr(r->error->message, "127.0.0.1:"));
	assert_true(r->elapsed_ms < 1000);
}

static void
test_probe_unanswered_target_times_out(void **state)
{
	Run *r = *state;
	Blackhole b;
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .timeout_ms = 300};

	blackhole_open(&b);
	t.trsvcid = b.port;
	probe(r, &t, NULL);
	run_wait(r, 5000);
	assert_false(r->ok);
	assert_true(g_error_matches(r->error, STAS_ERROR, STAS_ERROR_TIMEOUT));
	assert_non_null(strstr(r->error->message, "300 ms"));
	assert_true(r->elapsed_ms >= 290);
	assert_true(r->elapsed_ms < 2000);
	blackhole_close(&b);
}

static gboolean
cancel_now(gpointer user_data)
{
	g_cancellable_cancel(user_data);
	return G_SOURCE_REMOVE;
}

static void
test_probe_cancel_stops_a_pending_probe(void **state)
{
	Run *r = *state;
	Blackhole b;
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .timeout_ms = 10000};
	GSource *later = g_timeout_source_new(100);

	blackhole_open(&b);
	t.trsvcid = b.port;
	probe(r, &t, cancellable);
	g_source_set_callback(later, cancel_now, cancellable, NULL);
	g_source_attach(later, r->ctx);
	g_source_unref(later);
	run_wait(r, 5000);
	assert_false(r->ok);
	assert_true(g_error_matches(r->error, STAS_ERROR, STAS_ERROR_CANCELLED));
	assert_true(r->elapsed_ms < 2000);
	blackhole_close(&b);
}

static void
test_probe_cancelled_before_start_does_not_connect(void **state)
{
	Run *r = *state;
	char port[8];
	int fd = listener(AF_INET, 4, port);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = port};
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	g_cancellable_cancel(cancellable);
	probe(r, &t, cancellable);
	assert_false(r->done); /* answered from the main loop, not from inside the call */
	run_wait(r, 5000);
	assert_true(g_error_matches(r->error, STAS_ERROR, STAS_ERROR_CANCELLED));
	assert_int_equal(poll(&pfd, 1, 50), 0); /* nobody knocked */
	close(fd);
}

static void
test_probe_bound_to_loopback_interface_is_reachable(void **state)
{
	Run *r = *state;
	char port[8];
	int fd = listener(AF_INET, 4, port);
	StasTcpProbeTarget t = {
		.traddr = "127.0.0.1", .trsvcid = port, .host_iface = "lo", .timeout_ms = 2000};

	probe(r, &t, NULL);
	run_wait(r, 5000);
	assert_true(r->ok);
	close(fd);
}

static void
test_probe_unknown_interface_fails(void **state)
{
	Run *r = *state;
	char port[8];
	int fd = listener(AF_INET, 4, port);
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = port, .host_iface = "nosuchif0"};

	probe(r, &t, NULL);
	run_wait(r, 5000);
	assert_false(r->ok);
	assert_true(g_error_matches(r->error, STAS_ERROR, STAS_ERROR_IO));
	assert_non_null(strstr(r->error->message, "nosuchif0"));
	close(fd);
}

static void
test_probe_bound_to_source_address_is_reachable(void **state)
{
	Run *r = *state;
	char port[8];
	int fd = listener(AF_INET, 4, port);
	StasTcpProbeTarget t = {.traddr = "127.0.0.1",
				.trsvcid = port,
				.host_traddr = "127.0.0.1",
				.timeout_ms = 2000};
	struct sockaddr_in peer = {0};
	socklen_t len = sizeof(peer);
	int conn;

	probe(r, &t, NULL);
	run_wait(r, 5000);
	assert_true(r->ok);
	conn = accept(fd, (struct sockaddr *)&peer, &len);
	assert_true(conn >= 0);
	assert_int_equal(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
	close(conn);
	close(fd);
}

/* a source address this host does not have: bind fails, nothing is sent */
static void
test_probe_foreign_source_address_fails(void **state)
{
	Run *r = *state;
	char port[8];
	int fd = listener(AF_INET, 4, port);
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = port, .host_traddr = "192.0.2.1"};

	probe(r, &t, NULL);
	run_wait(r, 5000);
	assert_false(r->ok);
	assert_true(g_error_matches(r->error, STAS_ERROR, STAS_ERROR_IO));
	assert_non_null(strstr(r->error->message, "192.0.2.1"));
	close(fd);
}

static void
test_probe_source_of_other_family_is_invalid(void **state)
{
	Run *r = *state;
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = "4420", .host_traddr = "::1"};

	probe(r, &t, NULL);
	run_wait(r, 5000);
	assert_true(g_error_matches(r->error, STAS_ERROR, STAS_ERROR_INVALID));
}

/* no name resolution on the main loop, no garbage to the socket layer */
static void
test_probe_bad_addresses_are_invalid(void **state)
{
	Run *r = *state;
	const StasTcpProbeTarget bad[] = {
		{.traddr = "localhost", .trsvcid = "4420"},
		{.traddr = "1.2.3.4,hostnqn=x", .trsvcid = "4420"},
		{.traddr = "127.0.0.1", .trsvcid = "http"},
		{.traddr = "127.0.0.1", .trsvcid = "70000"},
		{.traddr = NULL, .trsvcid = "4420"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		r->done = FALSE;
		g_clear_error(&r->error);
		probe(r, &bad[i], NULL);
		run_wait(r, 5000);
		assert_false(r->ok);
		assert_true(g_error_matches(r->error, STAS_ERROR, STAS_ERROR_INVALID));
	}
}

/* ---- the registry: one probe per endpoint at a time ------------------- */

#define N_REQ 10

static void
on_cached(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Run *r = user_data;

	r->ok = stas_tcp_probe_cache_probe_finish(result, &r->error);
	r->done = TRUE;
	r->in_ctx = g_main_context_is_owner(r->ctx);
	r->elapsed_ms = (g_get_monotonic_time() - r->started) / 1000;
}

/* a request through the cache; req shares the fixture's context */
static void
cached(Run *fixture, Run *req, StasTcpProbeCache *cache, const StasTcpProbeTarget *t,
       GCancellable *cancellable)
{
	g_clear_error(&req->error);
	req->ctx = fixture->ctx;
	req->done = FALSE;
	req->ok = FALSE;
	req->started = g_get_monotonic_time();
	stas_tcp_probe_cache_probe_async(cache, t, cancellable, on_cached, req);
}

static void
reqs_clear(Run *reqs, gsize n)
{
	for (gsize i = 0; i < n; i++)
		g_clear_error(&reqs[i].error);
}

/* the connections the listener got since the last call */
static guint
accepted(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	guint n = 0;

	while (poll(&pfd, 1, 50) == 1) {
		int conn = accept(fd, NULL, NULL);

		if (conn < 0)
			break;
		close(conn);
		n++;
	}
	return n;
}

static void
test_cache_concurrent_requests_share_one_connection(void **state)
{
	Run *r = *state;
	g_autoptr(StasTcpProbeCache) cache = stas_tcp_probe_cache_new(2000);
	Run req[N_REQ] = {0};
	char port[8];
	int fd = listener(AF_INET, 16, port);
	/* NULL and "" are the same key */
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = port, .timeout_ms = 2000};
	StasTcpProbeTarget t_empty = {.traddr = "127.0.0.1",
				      .trsvcid = port,
				      .host_iface = "",
				      .host_traddr = "",
				      .timeout_ms = 2000};

	assert_true(fd >= 0);
	for (guint i = 0; i < N_REQ; i++)
		cached(r, &req[i], cache, i % 2 ? &t : &t_empty, NULL);
	for (guint i = 0; i < N_REQ; i++) {
		run_wait(&req[i], 5000);
		assert_true(req[i].ok);
		assert_null(req[i].error);
		assert_true(req[i].in_ctx);
	}
	assert_int_equal(accepted(fd), 1);
	reqs_clear(req, N_REQ);
	close(fd);
}

static void
test_cache_success_is_remembered_for_the_ttl_only(void **state)
{
	Run *r = *state;
	g_autoptr(StasTcpProbeCache) cache = stas_tcp_probe_cache_new(200);
	Run req = {0};
	char port[8];
	int fd = listener(AF_INET, 16, port);
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = port, .timeout_ms = 2000};

	assert_true(fd >= 0);
	cached(r, &req, cache, &t, NULL);
	run_wait(&req, 5000);
	assert_true(req.ok);
	/* within the ttl: no socket, and still answered from the main loop */
	cached(r, &req, cache, &t, NULL);
	assert_false(req.done);
	run_wait(&req, 5000);
	assert_true(req.ok);
	assert_true(req.in_ctx);
	assert_int_equal(accepted(fd), 1);
	g_usleep(250 * 1000);
	cached(r, &req, cache, &t, NULL);
	run_wait(&req, 5000);
	assert_true(req.ok);
	assert_int_equal(accepted(fd), 1);
	reqs_clear(&req, 1);
	close(fd);
}

static void
test_cache_ttl_zero_remembers_nothing(void **state)
{
	Run *r = *state;
	g_autoptr(StasTcpProbeCache) cache = stas_tcp_probe_cache_new(0);
	Run req = {0};
	char port[8];
	int fd = listener(AF_INET, 16, port);
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = port, .timeout_ms = 2000};

	assert_true(fd >= 0);
	for (guint i = 0; i < 2; i++) {
		cached(r, &req, cache, &t, NULL);
		run_wait(&req, 5000);
		assert_true(req.ok);
	}
	assert_int_equal(accepted(fd), 2);
	reqs_clear(&req, 1);
	close(fd);
}

/* a retry after a failure must really knock again */
static void
test_cache_failure_is_shared_but_not_remembered(void **state)
{
	Run *r = *state;
	g_autoptr(StasTcpProbeCache) cache = stas_tcp_probe_cache_new(2000);
	Run req[3] = {0};
	char port[8];
	int fd = listener(AF_INET, -1, port);
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = port, .timeout_ms = 2000};

	assert_true(fd >= 0);
	for (guint i = 0; i < G_N_ELEMENTS(req); i++)
		cached(r, &req[i], cache, &t, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(req); i++) {
		run_wait(&req[i], 5000);
		assert_false(req[i].ok);
		assert_true(g_error_matches(req[i].error, STAS_ERROR, STAS_ERROR_IO));
		assert_non_null(strstr(req[i].error->message, "refused"));
		assert_non_null(strstr(req[i].error->message, "127.0.0.1:"));
	}
	assert_int_equal(listen(fd, 16), 0);
	cached(r, &req[0], cache, &t, NULL);
	run_wait(&req[0], 5000);
	assert_true(req[0].ok);
	assert_int_equal(accepted(fd), 1);
	reqs_clear(req, G_N_ELEMENTS(req));
	close(fd);
}

static void
test_cache_different_endpoints_are_not_merged(void **state)
{
	Run *r = *state;
	g_autoptr(StasTcpProbeCache) cache = stas_tcp_probe_cache_new(2000);
	char port_a[8];
	char port_b[8];
	int fd_a = listener(AF_INET, 16, port_a);
	int fd_b = listener(AF_INET, 16, port_b);
	const StasTcpProbeTarget t[] = {
		{.traddr = "127.0.0.1", .trsvcid = port_a, .timeout_ms = 2000},
		{.traddr = "127.0.0.1", .trsvcid = port_b, .timeout_ms = 2000},
		{.traddr = "127.0.0.1",
		 .trsvcid = port_a,
		 .host_traddr = "127.0.0.1",
		 .timeout_ms = 2000},
		{.traddr = "127.0.0.1", .trsvcid = port_a, .host_iface = "lo", .timeout_ms = 2000},
		{.traddr = "127.0.0.1", .trsvcid = port_a, .timeout_ms = 2500},
	};
	Run req[G_N_ELEMENTS(t)] = {0};

	assert_true(fd_a >= 0 && fd_b >= 0);
	for (guint i = 0; i < G_N_ELEMENTS(t); i++)
		cached(r, &req[i], cache, &t[i], NULL);
	for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
		run_wait(&req[i], 5000);
		assert_true(req[i].ok);
	}
	assert_int_equal(accepted(fd_a), 4);
	assert_int_equal(accepted(fd_b), 1);
	reqs_clear(req, G_N_ELEMENTS(req));
	close(fd_a);
	close(fd_b);
}

static void
test_cache_cancel_stops_only_that_request(void **state)
{
	Run *r = *state;
	g_autoptr(StasTcpProbeCache) cache = stas_tcp_probe_cache_new(2000);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	Run req[3] = {0};
	char port[8];
	int fd = listener(AF_INET, 16, port);
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = port, .timeout_ms = 2000};

	assert_true(fd >= 0);
	cached(r, &req[0], cache, &t, NULL);
	cached(r, &req[1], cache, &t, cancellable);
	cached(r, &req[2], cache, &t, NULL);
	g_cancellable_cancel(cancellable);
	for (guint i = 0; i < G_N_ELEMENTS(req); i++)
		run_wait(&req[i], 5000);
	assert_true(g_error_matches(req[1].error, STAS_ERROR, STAS_ERROR_CANCELLED));
	assert_non_null(strstr(req[1].error->message, "127.0.0.1:"));
	assert_true(req[0].ok);
	assert_true(req[2].ok);
	assert_int_equal(accepted(fd), 1);
	reqs_clear(req, G_N_ELEMENTS(req));
	close(fd);
}

/* the others keep the probe: they get its timeout, not a cancel */
static void
test_cache_cancelled_request_leaves_the_probe_to_the_others(void **state)
{
	Run *r = *state;
	g_autoptr(StasTcpProbeCache) cache = stas_tcp_probe_cache_new(2000);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	Run req[3] = {0};
	Blackhole b;
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .timeout_ms = 300};
	GSource *later = g_timeout_source_new(100);

	blackhole_open(&b);
	t.trsvcid = b.port;
	cached(r, &req[0], cache, &t, NULL);
	cached(r, &req[1], cache, &t, cancellable);
	cached(r, &req[2], cache, &t, NULL);
	g_source_set_callback(later, cancel_now, cancellable, NULL);
	g_source_attach(later, r->ctx);
	g_source_unref(later);
	run_wait(&req[1], 5000);
	assert_true(g_error_matches(req[1].error, STAS_ERROR, STAS_ERROR_CANCELLED));
	assert_false(req[0].done);
	assert_false(req[2].done);
	run_wait(&req[0], 5000);
	run_wait(&req[2], 5000);
	for (guint i = 0; i < 3; i += 2) {
		assert_true(g_error_matches(req[i].error, STAS_ERROR, STAS_ERROR_TIMEOUT));
		assert_non_null(strstr(req[i].error->message, "300 ms"));
		assert_true(req[i].elapsed_ms >= 290);
	}
	reqs_clear(req, G_N_ELEMENTS(req));
	blackhole_close(&b);
}

/* a probe nobody waits for is dropped: the next request is not handed its cancel */
static void
test_cache_probe_without_requests_is_not_joined(void **state)
{
	Run *r = *state;
	g_autoptr(StasTcpProbeCache) cache = stas_tcp_probe_cache_new(2000);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	Run req[2] = {0};
	Blackhole b;
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .timeout_ms = 300};

	blackhole_open(&b);
	t.trsvcid = b.port;
	cached(r, &req[0], cache, &t, cancellable);
	g_cancellable_cancel(cancellable);
	run_wait(&req[0], 5000);
	assert_true(g_error_matches(req[0].error, STAS_ERROR, STAS_ERROR_CANCELLED));
	cached(r, &req[1], cache, &t, NULL);
	run_wait(&req[1], 5000);
	assert_true(g_error_matches(req[1].error, STAS_ERROR, STAS_ERROR_TIMEOUT));
	assert_true(req[1].elapsed_ms >= 290);
	reqs_clear(req, G_N_ELEMENTS(req));
	blackhole_close(&b);
}

static void
test_cache_cancelled_before_start_does_not_connect(void **state)
{
	Run *r = *state;
	g_autoptr(StasTcpProbeCache) cache = stas_tcp_probe_cache_new(2000);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	Run req = {0};
	char port[8];
	int fd = listener(AF_INET, 16, port);
	StasTcpProbeTarget t = {.traddr = "127.0.0.1", .trsvcid = port};

	assert_true(fd >= 0);
	g_cancellable_cancel(cancellable);
	cached(r, &req, cache, &t, cancellable);
	assert_false(req.done);
	run_wait(&req, 5000);
	assert_true(g_error_matches(req.error, STAS_ERROR, STAS_ERROR_CANCELLED));
	assert_int_equal(accepted(fd), 0);
	reqs_clear(&req, 1);
	close(fd);
}

/* freed with probes in flight: their requests are cancelled, nothing leaks */
static void
test_cache_freed_with_probes_in_flight_cancels_them(void **state)
{
	Run *r = *state;
	StasTcpProbeCache *cache = stas_tcp_probe_cache_new(2000);
	Run req[3] = {0};
	Blackhole b;
	char port[8];
	int fd = listener(AF_INET, 16, port);
	StasTcpProbeTarget dead = {.traddr = "127.0.0.1", .timeout_ms = 10000};
	StasTcpProbeTarget live = {.traddr = "127.0.0.1", .trsvcid = port, .timeout_ms = 2000};

	assert_true(fd >= 0);
	blackhole_open(&b);
	dead.trsvcid = b.port;
	cached(r, &req[0], cache, &dead, NULL);
	cached(r, &req[1], cache, &dead, NULL);
	cached(r, &req[2], cache, &live, NULL);
	stas_tcp_probe_cache_unref(cache);
	for (guint i = 0; i < G_N_ELEMENTS(req); i++) {
		run_wait(&req[i], 5000);
		assert_true(g_error_matches(req[i].error, STAS_ERROR, STAS_ERROR_CANCELLED));
		assert_true(req[i].elapsed_ms < 2000);
	}
	reqs_clear(req, G_N_ELEMENTS(req));
	blackhole_close(&b);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, run_setup, run_teardown)
		T(test_probe_listening_target_is_reachable),
		T(test_probe_ipv6_loopback_is_reachable),
		T(test_probe_closed_port_is_refused_fast),
		T(test_probe_unanswered_target_times_out),
		T(test_probe_cancel_stops_a_pending_probe),
		T(test_probe_cancelled_before_start_does_not_connect),
		T(test_probe_bound_to_loopback_interface_is_reachable),
		T(test_probe_unknown_interface_fails),
		T(test_probe_bound_to_source_address_is_reachable),
		T(test_probe_foreign_source_address_fails),
		T(test_probe_source_of_other_family_is_invalid),
		T(test_probe_bad_addresses_are_invalid),
		T(test_cache_concurrent_requests_share_one_connection),
		T(test_cache_success_is_remembered_for_the_ttl_only),
		T(test_cache_ttl_zero_remembers_nothing),
		T(test_cache_failure_is_shared_but_not_remembered),
		T(test_cache_different_endpoints_are_not_merged),
		T(test_cache_cancel_stops_only_that_request),
		T(test_cache_cancelled_request_leaves_the_probe_to_the_others),
		T(test_cache_probe_without_requests_is_not_joined),
		T(test_cache_cancelled_before_start_does_not_connect),
		T(test_cache_freed_with_probes_in_flight_cancels_them),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
