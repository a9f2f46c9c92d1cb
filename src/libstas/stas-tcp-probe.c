/* SPDX-License-Identifier: Apache-2.0 */
/* non-blocking TCP connect probe (SPEC B4) */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "stas/stas-error.h"
#include "stas/stas-tcp-probe.h"

typedef struct {
	GSocket *socket;
	GSource *io;
	GSource *timeout;
	GSource *cancel;
	char *peer; /* "addr:port" or "[addr]:port", for messages */
	guint timeout_ms;
	gboolean done;
} Probe;

static void
source_drop(GSource **src)
{
	if (*src == NULL)
		return;
	g_source_destroy(*src);
	g_source_unref(*src);
	*src = NULL;
}

static void
probe_free(gpointer data)
{
	Probe *p = data;

	source_drop(&p->io);
	source_drop(&p->timeout);
	source_drop(&p->cancel);
	if (p->socket != NULL) {
		g_socket_close(p->socket, NULL);
		g_object_unref(p->socket);
	}
	g_free(p->peer);
	g_free(p);
}

/* complete once: stop every source, close the socket, return the result */
static void
probe_complete(GTask *task, GError *error)
{
	Probe *p = g_task_get_task_data(task);

	if (p->done) {
		g_clear_error(&error);
		return;
	}
	p->done = TRUE;
	source_drop(&p->io);
	source_drop(&p->timeout);
	source_drop(&p->cancel);
	if (p->socket != NULL)
		g_socket_close(p->socket, NULL);
	if (error != NULL)
		g_task_return_error(task, error);
	else
		g_task_return_boolean(task, TRUE);
}

static GError *
io_error(const Probe *p, const GError *gio)
{
	StasErrorCode code = g_error_matches(gio, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
				     ? STAS_ERROR_TIMEOUT
				     : STAS_ERROR_IO;

	return g_error_new(STAS_ERROR, code, "%s: %s", p->peer, gio->message);
}

static gboolean
on_connected(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	GTask *task = user_data;
	Probe *p = g_task_get_task_data(task);
	g_autoptr(GError) gio = NULL;

	if (!g_socket_check_connect_result(socket, &gio)) {
		probe_complete(task, io_error(p, gio));
		return G_SOURCE_REMOVE;
	}
	probe_complete(task, NULL);
	return G_SOURCE_REMOVE;
}

static gboolean
on_timeout(gpointer user_data)
{
	GTask *task = user_data;
	Probe *p = g_task_get_task_data(task);

	probe_complete(task, g_error_new(STAS_ERROR, STAS_ERROR_TIMEOUT,
					 "%s: no answer within %u ms", p->peer, p->timeout_ms));
	return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled(GCancellable *cancellable, gpointer user_data)
{
	GTask *task = user_data;
	Probe *p = g_task_get_task_data(task);

	probe_complete(task, g_error_new(STAS_ERROR, STAS_ERROR_CANCELLED, "%s: probe cancelled",
					 p->peer));
	return G_SOURCE_REMOVE;
}

static void
attach_source(GSource *src, GTask *task)
{
	g_source_set_priority(src, g_task_get_priority(task));
	g_source_attach(src, g_task_get_context(task));
}

/* a numeric address (no lookups: this runs on the main loop) */
static GSocketAddress *
numeric_address(const char *key, const char *host, const char *port, GError **error)
{
	struct addrinfo hints = {0};
	struct addrinfo *ai = NULL;
	GSocketAddress *addr;
	guint64 n = 0;
	int rc;

	/* getaddrinfo takes a NULL host as loopback and wraps large ports */
	if (host == NULL || *host == '\0' || !g_ascii_isdigit(port ? port[0] : 0) ||
	    !g_ascii_string_to_unsigned(port, 10, 0, 65535, &n, NULL)) {
		g_autofree char *esc_h = g_strescape(host ? host : "", NULL);
		g_autofree char *esc_p = g_strescape(port ? port : "", NULL);

		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%s: \"%s\" port \"%s\": not an address and port", key, esc_h, esc_p);
		return NULL;
	}
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		g_autofree char *esc_h = g_strescape(host ? host : "", NULL);
		g_autofree char *esc_p = g_strescape(port ? port : "", NULL);

		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s: \"%s\" port \"%s\": %s",
			    key, esc_h, esc_p, gai_strerror(rc));
		return NULL;
	}
	addr = g_socket_address_new_from_native(ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (addr == NULL)
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s: unusable address", key);
	return addr;
}

static char *
peer_name(const StasTcpProbeTarget *t)
{
	if (t->traddr != NULL && strchr(t->traddr, ':') != NULL)
		return g_strdup_printf("[%s]:%s", t->traddr, t->trsvcid ? t->trsvcid : "");
	return g_strdup_printf("%s:%s", t->traddr ? t->traddr : "", t->trsvcid ? t->trsvcid : "");
}

static gboolean
bind_source(GSocket *s, const StasTcpProbeTarget *t, GSocketFamily family, GError **error)
{
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(GError) gio = NULL;

	if (t->host_iface != NULL && *t->host_iface != '\0' &&
	    setsockopt(g_socket_get_fd(s), SOL_SOCKET, SO_BINDTODEVICE, t->host_iface,
		       (socklen_t)strlen(t->host_iface) + 1) != 0) {
		int err = errno;

		g_set_error(error, STAS_ERROR, err == EPERM ? STAS_ERROR_PERMISSION : STAS_ERROR_IO,
			    "cannot bind to interface %s: %s", t->host_iface, g_strerror(err));
		return FALSE;
	}
	if (t->host_traddr == NULL || *t->host_traddr == '\0')
		return TRUE;
	local = numeric_address("host-traddr", t->host_traddr, "0", error);
	if (local == NULL)
		return FALSE;
	if (g_socket_address_get_family(local) != family) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "host-traddr %s is not of the target's address family", t->host_traddr);
		return FALSE;
	}
	if (!g_socket_bind(s, local, FALSE, &gio)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "cannot bind to %s: %s",
			    t->host_traddr, gio->message);
		return FALSE;
	}
	return TRUE;
}

/* socket, binding, non-blocking connect; FALSE with error, or *pending */
static gboolean
probe_start(Probe *p, const StasTcpProbeTarget *t, gboolean *pending, GError **error)
{
	g_autoptr(GSocketAddress) peer = numeric_address("traddr", t->traddr, t->trsvcid, error);
	g_autoptr(GError) gio = NULL;
	GSocketFamily family;

	if (peer == NULL)
		return FALSE;
	family = g_socket_address_get_family(peer);
	p->socket = g_socket_new(family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &gio);
	if (p->socket == NULL) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "socket: %s", gio->message);
		return FALSE;
	}
	g_socket_set_blocking(p->socket, FALSE);
	if (!bind_source(p->socket, t, family, error))
		return FALSE;
	*pending = FALSE;
	if (g_socket_connect(p->socket, peer, NULL, &gio))
		return TRUE;
	if (g_error_matches(gio, G_IO_ERROR, G_IO_ERROR_PENDING)) {
		*pending = TRUE;
		return TRUE;
	}
	g_propagate_error(error, io_error(p, gio));
	return FALSE;
}

static void
probe_wait(GTask *task, Probe *p)
{
	GCancellable *cancellable = g_task_get_cancellable(task);

	p->io = g_socket_create_source(p->socket, G_IO_OUT, NULL);
	g_source_set_callback(p->io, G_SOURCE_FUNC(on_connected), g_object_ref(task),
			      g_object_unref);
	attach_source(p->io, task);

	p->timeout = g_timeout_source_new(p->timeout_ms);
	g_source_set_callback(p->timeout, on_timeout, g_object_ref(task), g_object_unref);
	attach_source(p->timeout, task);

	if (cancellable != NULL) {
		p->cancel = g_cancellable_source_new(cancellable);
		g_source_set_callback(p->cancel, G_SOURCE_FUNC(on_cancelled), g_object_ref(task),
				      g_object_unref);
		attach_source(p->cancel, task);
	}
}

void
stas_tcp_probe_async(const StasTcpProbeTarget *target, GCancellable *cancellable,
		     GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
	Probe *p = g_new0(Probe, 1);
	GError *error = NULL;
	gboolean pending = FALSE;

	g_task_set_source_tag(task, stas_tcp_probe_async);
	/* our own STAS_ERROR_CANCELLED, not GTask's G_IO_ERROR_CANCELLED */
	g_task_set_check_cancellable(task, FALSE);
	p->peer = peer_name(target);
	p->timeout_ms = target->timeout_ms ? target->timeout_ms : STAS_TCP_PROBE_DEFAULT_TIMEOUT_MS;
	g_task_set_task_data(task, p, probe_free);

	if (g_cancellable_is_cancelled(cancellable)) {
		probe_complete(task, g_error_new(STAS_ERROR, STAS_ERROR_CANCELLED,
						 "%s: probe cancelled", p->peer));
		return;
	}
	if (!probe_start(p, target, &pending, &error)) {
		probe_complete(task, error);
		return;
	}
	if (!pending) {
		probe_complete(task, NULL);
		return;
	}
	probe_wait(task, p);
}

gboolean
stas_tcp_probe_finish(GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
	g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == stas_tcp_probe_async, FALSE);
	return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- the probe registry: one probe per endpoint at a time ----------------- */

struct _StasTcpProbeCache {
	gint ref;
	guint ttl_ms;
	GHashTable *inflight; /* key -> Shared, borrowed: the probe's callback owns it */
	GHashTable *ok_until; /* key -> gint64 *, monotonic us until which a success holds */
};

/* a probe in flight and the requests waiting for it */
typedef struct {
	StasTcpProbeCache *cache; /* NULL once detached: nobody waits, or the cache is gone */
	char *key;
	char *peer;
	GCancellable *cancellable; /* of the probe itself */
	GQueue waiters;		   /* of Waiter */
} Shared;

typedef struct {
	GList link; /* in Shared.waiters */
	GTask *task;
	GSource *cancel;
	Shared *shared;
} Waiter;

static GError *
cancelled_error(const char *peer)
{
	return g_error_new(STAS_ERROR, STAS_ERROR_CANCELLED, "%s: probe cancelled", peer);
}

/* unambiguous: every string is length-prefixed; NULL and "" are the same */
static char *
cache_key(const StasTcpProbeTarget *t)
{
	const char *field[] = {t->traddr, t->trsvcid, t->host_iface, t->host_traddr};
	GString *key = g_string_new(NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(field); i++) {
		const char *v = field[i] ? field[i] : "";

		g_string_append_printf(key, "%zu:%s,", strlen(v), v);
	}
	g_string_append_printf(key, "%u",
			       t->timeout_ms ? t->timeout_ms : STAS_TCP_PROBE_DEFAULT_TIMEOUT_MS);
	return g_string_free(key, FALSE);
}

static GTask *
request_task(GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);

	g_task_set_source_tag(task, stas_tcp_probe_cache_probe_async);
	/* our own STAS_ERROR_CANCELLED, not GTask's G_IO_ERROR_CANCELLED */
	g_task_set_check_cancellable(task, FALSE);
	return task;
}

/* error NULL: success.  the task returns from the main loop, never re-entrantly */
static void
waiter_finish(Waiter *w, GError *error)
{
	source_drop(&w->cancel);
	if (error != NULL)
		g_task_return_error(w->task, error);
	else
		g_task_return_boolean(w->task, TRUE);
	g_object_unref(w->task);
	g_free(w);
}

static void
shared_free(Shared *s)
{
	g_object_unref(s->cancellable);
	g_free(s->key);
	g_free(s->peer);
	g_free(s);
}

/* out of the registry, and the probe stopped: no request will see it again */
static void
shared_detach(Shared *s)
{
	if (s->cache == NULL)
		return;
	g_hash_table_remove(s->cache->inflight, s->key);
	s->cache = NULL;
	g_cancellable_cancel(s->cancellable);
}

static gboolean
on_waiter_cancelled(GCancellable *cancellable, gpointer user_data)
{
	Waiter *w = user_data;
	Shared *s = w->shared;
	GError *error = cancelled_error(s->peer);

	g_queue_unlink(&s->waiters, &w->link);
	if (g_queue_is_empty(&s->waiters))
		shared_detach(s);
	/* last: the callback may run now and do anything, even free the cache */
	waiter_finish(w, error);
	return G_SOURCE_REMOVE;
}

static gboolean
prune_expired(gpointer key, gpointer value, gpointer user_data)
{
	return *(const gint64 *)value <= *(const gint64 *)user_data;
}

static void
remember(StasTcpProbeCache *cache, const char *key, gboolean ok)
{
	gint64 now = g_get_monotonic_time();
	gint64 *until;

	if (!ok || cache->ttl_ms == 0) {
		g_hash_table_remove(cache->ok_until, key);
		return;
	}
	/* the table holds the endpoints of the last ttl only */
	g_hash_table_foreach_remove(cache->ok_until, prune_expired, &now);
	until = g_new(gint64, 1);
	*until = now + (gint64)cache->ttl_ms * 1000;
	g_hash_table_replace(cache->ok_until, g_strdup(key), until);
}

static void
on_shared_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Shared *s = user_data;
	GError *error = NULL;
	gboolean ok = stas_tcp_probe_finish(result, &error);
	GList *link;

	if (s->cache != NULL) {
		remember(s->cache, s->key, ok);
		g_hash_table_remove(s->cache->inflight, s->key);
		/* a waiter's callback may free the cache: not touched below */
		s->cache = NULL;
	} else if (!g_queue_is_empty(&s->waiters)) {
		/* the cache was freed under them: documented as cancelled */
		ok = FALSE;
		g_clear_error(&error);
		error = cancelled_error(s->peer);
	}
	while ((link = g_queue_pop_head_link(&s->waiters)) != NULL)
		waiter_finish(link->data, ok ? NULL : g_error_copy(error));
	g_clear_error(&error);
	shared_free(s);
}

static Shared *
shared_start(StasTcpProbeCache *cache, const StasTcpProbeTarget *target, char *key)
{
	Shared *s = g_new0(Shared, 1);

	s->cache = cache;
	s->key = key;
	s->peer = peer_name(target);
	s->cancellable = g_cancellable_new();
	g_queue_init(&s->waiters);
	g_hash_table_insert(cache->inflight, s->key, s);
	/* never calls back from inside: s stays valid for the caller */
	stas_tcp_probe_async(target, s->cancellable, on_shared_done, s);
	return s;
}

static void
shared_join(Shared *s, GTask *task)
{
	Waiter *w = g_new0(Waiter, 1);
	GCancellable *cancellable = g_task_get_cancellable(task);

	w->task = g_object_ref(task);
	w->shared = s;
	w->link.data = w;
	g_queue_push_tail_link(&s->waiters, &w->link);
	if (cancellable == NULL)
		return;
	w->cancel = g_cancellable_source_new(cancellable);
	g_source_set_callback(w->cancel, G_SOURCE_FUNC(on_waiter_cancelled), w, NULL);
	/* a cancel beats a result that comes in the same main loop iteration */
	g_source_set_priority(w->cancel, G_PRIORITY_HIGH);
	g_source_attach(w->cancel, g_task_get_context(task));
}

StasTcpProbeCache *
stas_tcp_probe_cache_new(guint ttl_ms)
{
	StasTcpProbeCache *cache = g_new0(StasTcpProbeCache, 1);

	cache->ref = 1;
	cache->ttl_ms = ttl_ms;
	/* the keys of inflight belong to their Shared */
	cache->inflight = g_hash_table_new(g_str_hash, g_str_equal);
	cache->ok_until = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return cache;
}

StasTcpProbeCache *
stas_tcp_probe_cache_ref(StasTcpProbeCache *cache)
{
	g_return_val_if_fail(cache != NULL, NULL);
	g_atomic_int_inc(&cache->ref);
	return cache;
}

void
stas_tcp_probe_cache_unref(StasTcpProbeCache *cache)
{
	GHashTableIter iter;
	gpointer value;

	if (cache == NULL || !g_atomic_int_dec_and_test(&cache->ref))
		return;
	/* probes in flight finish from the main loop; their waiters get cancelled */
	g_hash_table_iter_init(&iter, cache->inflight);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		Shared *s = value;

		s->cache = NULL;
		g_cancellable_cancel(s->cancellable);
	}
	g_hash_table_destroy(cache->inflight);
	g_hash_table_destroy(cache->ok_until);
	g_free(cache);
}

void
stas_tcp_probe_cache_probe_async(StasTcpProbeCache *cache, const StasTcpProbeTarget *target,
				 GCancellable *cancellable, GAsyncReadyCallback callback,
				 gpointer user_data)
{
	g_autoptr(GTask) task = NULL;
	g_autofree char *key = NULL;
	const gint64 *until;
	Shared *s;

	g_return_if_fail(cache != NULL && target != NULL);
	task = request_task(cancellable, callback, user_data);
	if (g_cancellable_is_cancelled(cancellable)) {
		g_autofree char *peer = peer_name(target);

		g_task_return_error(task, cancelled_error(peer));
		return;
	}
	key = cache_key(target);
	until = g_hash_table_lookup(cache->ok_until, key);
	if (until != NULL && g_get_monotonic_time() < *until) {
		g_task_return_boolean(task, TRUE);
		return;
	}
	s = g_hash_table_lookup(cache->inflight, key);
	if (s == NULL)
		s = shared_start(cache, target, g_steal_pointer(&key));
	shared_join(s, task);
}

gboolean
stas_tcp_probe_cache_probe_finish(GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
	g_return_val_if_fail(
		g_task_get_source_tag(G_TASK(result)) == stas_tcp_probe_cache_probe_async, FALSE);
	return g_task_propagate_boolean(G_TASK(result), error);
}
