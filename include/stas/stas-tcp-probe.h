/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-tcp-probe: is a tcp target reachable, asked without blocking (SPEC B4).
 *
 * the kernel serializes every fabrics connect behind one mutex, so a connect
 * to a dead target stalls all others for its whole timeout.  before a kernel
 * connect over tcp the daemons open (and at once close) a plain TCP
 * connection to the target, from the same interface / source address the
 * kernel would use, with a bounded timeout.
 *
 * StasTcpProbeCache shares probes per endpoint: n controllers behind one
 * target port start one probe, not n throw-away connections the target
 * must accept and tear down.
 *
 * threading: asynchronous on the calling thread's thread-default main
 * context; the callback runs there.  nothing blocks (the addresses must be IP
 * literals, no name resolution happens here).  a cache is used from one
 * thread only (its refcount alone is atomic).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define STAS_TCP_PROBE_DEFAULT_TIMEOUT_MS 3000

typedef struct {
	const char *traddr;	 /* IP literal; IPv6 may carry a %zone */
	const char *trsvcid;	 /* port number */
	const char *host_iface;	 /* NULL/"": any; else SO_BINDTODEVICE */
	const char *host_traddr; /* NULL/"": any; else the source address (bind) */
	guint timeout_ms;	 /* 0: STAS_TCP_PROBE_DEFAULT_TIMEOUT_MS */
} StasTcpProbeTarget;

/*
 * start a probe; the strings of target are copied.  the result is TRUE when
 * the target accepted the TCP connection, else an error: STAS_ERROR_IO with
 * the socket's reason ("Connection refused", ...), STAS_ERROR_TIMEOUT,
 * STAS_ERROR_CANCELLED, STAS_ERROR_INVALID for a bad address or port.
 */
void stas_tcp_probe_async(const StasTcpProbeTarget *target, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer user_data);
gboolean stas_tcp_probe_finish(GAsyncResult *result, GError **error);

/* how long a success is taken as still true (ttl_ms 0: not at all) */
#define STAS_TCP_PROBE_CACHE_DEFAULT_TTL_MS 2000

/*
 * a probe registry, keyed by traddr, trsvcid, host_iface, host_traddr
 * (NULL and "" are the same) and timeout:
 * - requests for a key with a probe in flight wait for it: one socket;
 * - a success is remembered for ttl_ms (monotonic clock): a request within
 *   it succeeds without a socket;
 * - a failure is shared by the requests waiting for it but not remembered:
 *   the next request (a retry) probes again.
 * a request's cancellable cancels that request only (STAS_ERROR_CANCELLED);
 * a shared probe nobody waits for any more is cancelled.  the callback
 * always runs from the main loop, never from inside the call.  freeing the
 * cache (last unref) with probes in flight: they are cancelled and their
 * requests complete with STAS_ERROR_CANCELLED.
 */
typedef struct _StasTcpProbeCache StasTcpProbeCache;

StasTcpProbeCache *stas_tcp_probe_cache_new(guint ttl_ms);
StasTcpProbeCache *stas_tcp_probe_cache_ref(StasTcpProbeCache *cache);
void stas_tcp_probe_cache_unref(StasTcpProbeCache *cache);

/* as stas_tcp_probe_async / _finish, same results and errors */
void stas_tcp_probe_cache_probe_async(StasTcpProbeCache *cache, const StasTcpProbeTarget *target,
				      GCancellable *cancellable, GAsyncReadyCallback callback,
				      gpointer user_data);
gboolean stas_tcp_probe_cache_probe_finish(GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasTcpProbeCache, stas_tcp_probe_cache_unref)

G_END_DECLS
