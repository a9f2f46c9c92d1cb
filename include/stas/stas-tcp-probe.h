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
 * threading: asynchronous on the calling thread's thread-default main
 * context; the callback runs there.  nothing blocks (the addresses must be IP
 * literals, no name resolution happens here).
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

G_END_DECLS
