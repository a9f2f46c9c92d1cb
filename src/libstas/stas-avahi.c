/* SPDX-License-Identifier: Apache-2.0 */
/* stafd's zeroconf browser over avahi-client (REFERENCE 5.7) */
#include "config.h"

#include <net/if.h>
#include <string.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/error.h>
#include <avahi-glib/glib-watch.h>

#include "stas/stas-avahi.h"
#include "stas/stas-error.h"
#include "stas/stas-iputil.h"
#include "stas/stas-mdns-txt.h"
#include "stas/stas-tcp-probe.h"
#include "stas/stas-validate.h"

/* SPEC Q16: every value is used, from the first failure on; the last one repeats */
static const guint backoff_s[] = {2, 5, 10, 30, 60, 300, 600};

/* after a client failure, wait this long before a new client (no busy loop) */
#define RESET_DELAY_MS 1000
/* a TXT record is at most a few KiB on the wire; more is not worth copying */
#define TXT_COPY_MAX (2 * STAS_MDNS_TXT_TOTAL_MAX)

typedef enum {
	DAEMON_UNKNOWN,
	DAEMON_UP,
	DAEMON_DOWN,
} DaemonState;

typedef struct _Service Service;

/* one reachability probe; outlives its service when that goes first */
typedef struct {
	GWeakRef owner;
	Service *svc; /* NULL once the service is gone or the probe superseded */
	GCancellable *cancellable;
} ProbeCtx;

struct _Service {
	StasAvahi *owner;

	/* the key */
	int ifindex;
	int protocol;
	char *name;
	char *stype;
	char *domain;

	char *ifname;
	char *key_str; /* "(<iface>, <IPv4|IPv6>, <name>.<domain>, <stype>)" */
	char *desc;    /* for log lines: untrusted parts quoted */
	GList *link;   /* in owner->order */

	GHashTable *identity; /* NULL: not identified */
	char *identity_key;
	char *ip; /* compressed traddr (IPv4-mapped unmapped), for the duplicate check */
	gboolean reachable;

	guint n_failures; /* consecutive failed probes: the back-off position */
	gboolean verbose; /* the next failure is logged */
	ProbeCtx *probe;
	GSource *retry;
	guint retry_interval;

	AvahiServiceResolver *resolver;
};

struct _StasAvahi {
	GObject parent_instance;

	GMainContext *context;
	gboolean tp8013;
	gboolean detached;
	gboolean disposed;
	guint probe_timeout_ms;

	GPtrArray *stypes;	  /* configured types, char* */
	GHashTable *browsers;	  /* stype -> AvahiServiceBrowser* (NULL when detached) */
	gboolean browser_failure; /* test path: creating a browser fails */

	GHashTable *services; /* Service (by key), owns them */
	GQueue order;	      /* Service*, discovery order */
	gboolean over_limit;

	DaemonState daemon;
	GSource *kick;
	guint n_kicks;
	guint n_probes;

	GSource *changed_idle;
	GHashTable *reported; /* identity keys at the last "changed" */

	AvahiGLibPoll *poll;
	AvahiClient *client;
	GSource *reset;
	GCancellable *cancellable;
};

enum {
	SIGNAL_CHANGED,
	N_SIGNALS,
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(StasAvahi, stas_avahi, G_TYPE_OBJECT)

static void probe_start(StasAvahi *self, Service *svc);
static void browser_free(StasAvahi *self, AvahiServiceBrowser *browser);

/* ---- small helpers ---------------------------------------------------- */

static void
source_drop(GSource **src)
{
	if (*src == NULL)
		return;
	g_source_destroy(*src);
	g_source_unref(*src);
	*src = NULL;
}

static GSource *
source_attach(StasAvahi *self, GSource *src, GSourceFunc func, gpointer data)
{
	g_source_set_callback(src, func, data, NULL);
	g_source_attach(src, self->context);
	return src;
}

/*
 * python's str() of a float: the shortest text that reads back the same,
 * in fixed notation for the values timers have: "60.0", "59.998713"
 */
static void
py_float(char buf[G_ASCII_DTOSTR_BUF_SIZE], double value)
{
	char shortest[G_ASCII_DTOSTR_BUF_SIZE] = "";

	for (int precision = 1; precision <= 17; precision++) {
		char format[8];

		g_snprintf(format, sizeof(format), "%%.%dg", precision);
		g_ascii_formatd(buf, G_ASCII_DTOSTR_BUF_SIZE, format, value);
		if (g_ascii_strtod(buf, NULL) != value)
			continue;
		if (strchr(buf, 'e') == NULL)
			break;
		if (shortest[0] == '\0')
			g_strlcpy(shortest, buf, sizeof(shortest));
	}
	if (strchr(buf, 'e') != NULL && shortest[0] != '\0')
		g_strlcpy(buf, shortest, G_ASCII_DTOSTR_BUF_SIZE);
	if (strpbrk(buf, ".eEn") == NULL)
		g_strlcat(buf, ".0", G_ASCII_DTOSTR_BUF_SIZE);
}

/* upstream's timer string: "60.0s [off]", "60.0s [59.99s]" */
static char *
timer_string(GSource *src, guint interval_s)
{
	char interval[G_ASCII_DTOSTR_BUF_SIZE];
	char remaining[G_ASCII_DTOSTR_BUF_SIZE];
	gint64 delta;

	py_float(interval, (double)interval_s);
	if (src == NULL)
		return g_strdup_printf("%ss [off]", interval);
	delta = g_source_get_ready_time(src) - g_source_get_time(src);
	if (delta <= 0)
		return g_strdup_printf("%ss [0s]", interval);
	py_float(remaining, (double)delta / G_USEC_PER_SEC);
	return g_strdup_printf("%ss [%ss]", interval, remaining);
}

static const char *
protocol_name(int protocol)
{
	switch (protocol) {
	case STAS_AVAHI_PROTO_INET:
		return "IPv4";
	case STAS_AVAHI_PROTO_INET6:
		return "IPv6";
	default:
		return "unknown";
	}
}

/* untrusted text we keep: bounded, valid UTF-8 (it ends up in JSON) */
static gboolean
text_ok(const char *s, gsize max)
{
	return s != NULL && strnlen(s, max + 1) <= max && g_utf8_validate(s, -1, NULL);
}

static gboolean
key_ok(int protocol, const char *name, const char *stype, const char *domain)
{
	return (protocol == STAS_AVAHI_PROTO_INET || protocol == STAS_AVAHI_PROTO_INET6) &&
	       text_ok(name, STAS_AVAHI_NAME_MAX) && text_ok(stype, STAS_AVAHI_NAME_MAX) &&
	       text_ok(domain, STAS_AVAHI_DOMAIN_MAX);
}

static char *
key_desc(const char *ifname, int protocol, const char *name, const char *stype, const char *domain)
{
	g_autofree char *q_name = stas_str_quote(name, -1);
	g_autofree char *q_stype = stas_str_quote(stype, -1);
	g_autofree char *q_domain = stas_str_quote(domain, -1);

	return g_strdup_printf("mDNS service (%s, %s, %s, %s, %s)", ifname ? ifname : "?",
			       protocol_name(protocol), q_name, q_domain, q_stype);
}

/* ---- the service table ------------------------------------------------- */

static guint
service_hash(gconstpointer p)
{
	const Service *s = p;
	guint h = g_str_hash(s->name);

	h = h * 31 + g_str_hash(s->stype);
	h = h * 31 + g_str_hash(s->domain);
	h = h * 31 + (guint)s->ifindex;
	return h * 31 + (guint)s->protocol;
}

static gboolean
service_equal(gconstpointer a, gconstpointer b)
{
	const Service *x = a;
	const Service *y = b;

	return x->ifindex == y->ifindex && x->protocol == y->protocol &&
	       g_str_equal(x->name, y->name) && g_str_equal(x->stype, y->stype) &&
	       g_str_equal(x->domain, y->domain);
}

static Service *
service_lookup(StasAvahi *self, int ifindex, int protocol, const char *name, const char *stype,
	       const char *domain)
{
	Service key = {
		.ifindex = ifindex,
		.protocol = protocol,
		.name = (char *)name,
		.stype = (char *)stype,
		.domain = (char *)domain,
	};

	return g_hash_table_lookup(self->services, &key);
}

/* the service no longer waits for anything: probe cancelled, retry timer gone */
static void
service_stop(Service *svc)
{
	if (svc->probe != NULL) {
		svc->probe->svc = NULL;
		g_cancellable_cancel(svc->probe->cancellable);
		svc->probe = NULL;
	}
	source_drop(&svc->retry);
	svc->retry_interval = 0;
}

static void
service_forget_identity(Service *svc)
{
	g_clear_pointer(&svc->identity, g_hash_table_unref);
	g_clear_pointer(&svc->identity_key, g_free);
	g_clear_pointer(&svc->ip, g_free);
	svc->reachable = FALSE;
	svc->n_failures = 0;
}

static void
service_free(gpointer data)
{
	Service *svc = data;

	service_stop(svc);
	service_forget_identity(svc);
	if (svc->resolver != NULL)
		avahi_service_resolver_free(svc->resolver);
	g_free(svc->name);
	g_free(svc->stype);
	g_free(svc->domain);
	g_free(svc->ifname);
	g_free(svc->key_str);
	g_free(svc->desc);
	g_free(svc);
}

static Service *
service_new(StasAvahi *self, int ifindex, const char *ifname, int protocol, const char *name,
	    const char *stype, const char *domain)
{
	Service *svc = g_new0(Service, 1);

	svc->owner = self;
	svc->ifindex = ifindex;
	svc->protocol = protocol;
	svc->name = g_strdup(name);
	svc->stype = g_strdup(stype);
	svc->domain = g_strdup(domain);
	svc->ifname = g_strdup(ifname);
	svc->key_str = g_strdup_printf("(%s, %s, %s.%s, %s)", ifname, protocol_name(protocol), name,
				       domain, stype);
	svc->desc = key_desc(ifname, protocol, name, stype, domain);
	return svc;
}

static gboolean
service_is_reported(const Service *svc)
{
	return svc->identity != NULL && svc->reachable;
}

static gboolean
stype_configured(StasAvahi *self, const char *stype)
{
	for (guint i = 0; i < self->stypes->len; i++) {
		if (g_str_equal(self->stypes->pdata[i], stype))
			return TRUE;
	}
	return FALSE;
}

/* ---- "changed" ---------------------------------------------------------- */

static GHashTable *
reported_set(StasAvahi *self)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (GList *l = self->order.head; l != NULL; l = l->next) {
		Service *svc = l->data;

		if (service_is_reported(svc))
			g_hash_table_add(set, g_strdup(svc->identity_key));
	}
	return set;
}

static gboolean
set_equal(GHashTable *a, GHashTable *b)
{
	GHashTableIter iter;
	gpointer key;

	if (g_hash_table_size(a) != g_hash_table_size(b))
		return FALSE;
	g_hash_table_iter_init(&iter, a);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (!g_hash_table_contains(b, key))
			return FALSE;
	}
	return TRUE;
}

static gboolean
on_changed_idle(gpointer user_data)
{
	StasAvahi *self = user_data;
	GHashTable *now = reported_set(self);

	g_clear_pointer(&self->changed_idle, g_source_unref);
	if (set_equal(now, self->reported)) {
		g_hash_table_unref(now);
		return G_SOURCE_REMOVE;
	}
	g_hash_table_unref(self->reported);
	self->reported = now;
	g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
	return G_SOURCE_REMOVE;
}

/* compare the reported set from an idle: callers may be deep inside avahi or a probe */
static void
schedule_changed(StasAvahi *self)
{
	if (self->disposed || self->changed_idle != NULL)
		return;
	self->changed_idle = source_attach(self, g_idle_source_new(), on_changed_idle, self);
}

/* ---- reachability -------------------------------------------------------- */

guint
stas_avahi_backoff_interval(guint n_failures)
{
	if (n_failures == 0)
		return 0;
	return backoff_s[MIN(n_failures, G_N_ELEMENTS(backoff_s)) - 1];
}

static gboolean
on_retry(gpointer user_data)
{
	Service *svc = user_data;

	g_clear_pointer(&svc->retry, g_source_unref);
	svc->retry_interval = 0;
	probe_start(svc->owner, svc);
	return G_SOURCE_REMOVE;
}

static void
retry_start(StasAvahi *self, Service *svc, guint seconds)
{
	source_drop(&svc->retry);
	svc->retry_interval = seconds;
	svc->retry = source_attach(self, g_timeout_source_new_seconds(seconds), on_retry, svc);
}

/* the probe's reason without the "<addr>:<port>: " it starts with */
static const char *
probe_reason(const GError *error, const char *traddr, const char *trsvcid)
{
	g_autofree char *peer = strchr(traddr, ':') != NULL
					? g_strdup_printf("[%s]:%s", traddr, trsvcid)
					: g_strdup_printf("%s:%s", traddr, trsvcid);
	gsize len = strlen(peer);

	if (strncmp(error->message, peer, len) == 0 && strncmp(error->message + len, ": ", 2) == 0)
		return error->message + len + 2;
	return error->message;
}

static void
log_unreachable(Service *svc, const GError *error)
{
	const char *traddr = g_hash_table_lookup(svc->identity, "traddr");
	const char *trsvcid = g_hash_table_lookup(svc->identity, "trsvcid");
	g_autofree char *iface = g_strconcat(svc->ifname, ",", NULL);
	g_autofree char *addr = g_strconcat(svc->ip ? svc->ip : traddr, ",", NULL);

	/* upstream's line, padding included: operators grep for it */
	g_info("Unable to verify TCP connectivity  - (%-10s %-14s %s): %s", iface, addr, trsvcid,
	       probe_reason(error, traddr, trsvcid));
}

static void
probe_result(StasAvahi *self, Service *svc, gboolean ok, const GError *error)
{
	if (ok) {
		g_debug("%s: reachable", svc->desc);
		svc->n_failures = 0;
		svc->verbose = FALSE;
		svc->reachable = TRUE;
		schedule_changed(self);
		return;
	}
	if (svc->verbose)
		log_unreachable(svc, error);
	else
		g_debug("%s: still unreachable: %s", svc->desc, error->message);
	svc->verbose = FALSE;
	svc->n_failures++;
	retry_start(self, svc, stas_avahi_backoff_interval(svc->n_failures));
}

static void
on_probe_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	ProbeCtx *ctx = user_data;
	StasAvahi *self = g_weak_ref_get(&ctx->owner);
	Service *svc = ctx->svc;
	g_autoptr(GError) error = NULL;
	gboolean ok = stas_tcp_probe_finish(result, &error);

	g_weak_ref_clear(&ctx->owner);
	g_object_unref(ctx->cancellable);
	g_free(ctx);
	if (self == NULL)
		return;
	self->n_probes--;
	if (svc != NULL) {
		svc->probe = NULL;
		probe_result(self, svc, ok, error);
	}
	g_object_unref(self);
}

static void
probe_start(StasAvahi *self, Service *svc)
{
	ProbeCtx *ctx = g_new0(ProbeCtx, 1);
	StasTcpProbeTarget target = {
		.traddr = g_hash_table_lookup(svc->identity, "traddr"),
		.trsvcid = g_hash_table_lookup(svc->identity, "trsvcid"),
		.host_iface = g_hash_table_lookup(svc->identity, "host-iface"),
		.timeout_ms = self->probe_timeout_ms,
	};

	g_weak_ref_init(&ctx->owner, self);
	ctx->svc = svc;
	ctx->cancellable = g_cancellable_new();
	svc->probe = ctx;
	svc->reachable = FALSE;
	self->n_probes++;
	stas_tcp_probe_async(&target, ctx->cancellable, on_probe_done, ctx);
}

/* ---- resolved records ----------------------------------------------------- */

static char *
identity_key(GHashTable *identity)
{
	static const char *const keys[] = {"transport", "traddr", "trsvcid", "host-iface",
					   "subsysnqn"};
	GString *out = g_string_new(NULL);

	/* the values are validated: no control characters, so \x1f separates */
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		const char *v = g_hash_table_lookup(identity, keys[i]);

		g_string_append(out, v ? v : "");
		g_string_append_c(out, '\x1f');
	}
	return g_string_free(out, FALSE);
}

static char *
compressed_ip(const char *traddr)
{
	StasIpAddr addr;

	if (!stas_ip_parse(traddr, TRUE, &addr))
		return NULL;
	return stas_ip_to_string(&addr);
}

static void
service_set_identity(StasAvahi *self, Service *svc, GHashTable *identity)
{
	g_autofree char *key = identity_key(identity);

	/* the same record again: a reachable service stays, a probe in flight goes on */
	if (svc->identity_key != NULL && g_str_equal(key, svc->identity_key) &&
	    (svc->reachable || svc->probe != NULL)) {
		g_hash_table_unref(identity);
		return;
	}
	service_stop(svc);
	service_forget_identity(svc);
	svc->identity = identity;
	svc->identity_key = g_steal_pointer(&key);
	svc->ip = compressed_ip(g_hash_table_lookup(identity, "traddr"));
	svc->verbose = TRUE;
	/* rdma needs no probe (and host-iface is not used for it) */
	if (g_str_equal(g_hash_table_lookup(identity, "transport"), "tcp"))
		probe_start(self, svc);
	else
		svc->reachable = TRUE;
	schedule_changed(self);
}

static void
service_set_unidentified(StasAvahi *self, Service *svc)
{
	service_stop(svc);
	service_forget_identity(svc);
	schedule_changed(self);
}

/* network misconfiguration: one address seen on several interfaces */
static void
check_duplicate_ips(StasAvahi *self)
{
	g_autoptr(GHashTable) by_ip = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
							    (GDestroyNotify)g_ptr_array_unref);
	g_autoptr(GPtrArray) ips = g_ptr_array_new();

	for (GList *l = self->order.head; l != NULL; l = l->next) {
		Service *svc = l->data;
		GPtrArray *ifaces;

		if (svc->ip == NULL)
			continue;
		ifaces = g_hash_table_lookup(by_ip, svc->ip);
		if (ifaces == NULL) {
			ifaces = g_ptr_array_new();
			g_hash_table_insert(by_ip, svc->ip, ifaces);
			g_ptr_array_add(ips, svc->ip);
		}
		if (!g_ptr_array_find_with_equal_func(ifaces, svc->ifname, g_str_equal, NULL))
			g_ptr_array_add(ifaces, svc->ifname);
	}
	for (guint i = 0; i < ips->len; i++) {
		GPtrArray *ifaces = g_hash_table_lookup(by_ip, ips->pdata[i]);
		g_autofree char *list = NULL;

		if (ifaces->len < 2)
			continue;
		g_ptr_array_add(ifaces, NULL);
		list = g_strjoinv(",", (char **)ifaces->pdata);
		g_warning("IP address %s was found on multiple interfaces: %s",
			  (const char *)ips->pdata[i], list);
	}
}

/* resolver Found: the identity from the TXT record, then reachability */
static void
service_found(StasAvahi *self, Service *svc, const char *address, guint port, GPtrArray *items)
{
	g_autoptr(StasMdnsTxt) txt = stas_mdns_txt_parse(items, svc->desc);
	GPtrArray *diagnostics = stas_mdns_txt_get_diagnostics(txt);
	g_autoptr(GError) error = NULL;
	GHashTable *identity;

	g_debug("%s: resolved", svc->desc);
	for (guint i = 0; i < diagnostics->len; i++)
		g_debug("%s", (const char *)diagnostics->pdata[i]);
	identity = stas_mdns_txt_identify(txt, svc->ifname, address ? address : "", port,
					  self->tp8013, &error);
	if (identity == NULL) {
		/* upstream's line, then which service it is (SPEC 5: name the source) */
		g_warning("%s - %s", error->message, svc->desc);
		service_set_unidentified(self, svc);
	} else {
		service_set_identity(self, svc, identity);
	}
	check_duplicate_ips(self);
}

/* browser ItemNew: the new service, NULL if it is known or ignored */
static Service *
item_new(StasAvahi *self, int ifindex, const char *ifname, int protocol, const char *name,
	 const char *stype, const char *domain)
{
	Service *svc;

	if (!key_ok(protocol, name, stype, domain) || !stas_validate_iface(ifname, NULL)) {
		g_debug("malformed mDNS service ignored (interface %d)", ifindex);
		return NULL;
	}
	/* no browser for it (any more): a late event */
	if (self->daemon != DAEMON_UP || !g_hash_table_contains(self->browsers, stype))
		return NULL;
	if (service_lookup(self, ifindex, protocol, name, stype, domain) != NULL)
		return NULL;
	if (g_hash_table_size(self->services) >= STAS_AVAHI_SERVICES_MAX) {
		if (!self->over_limit)
			g_warning("More than %d mDNS services announced: ignoring new ones",
				  STAS_AVAHI_SERVICES_MAX);
		self->over_limit = TRUE;
		return NULL;
	}
	svc = service_new(self, ifindex, ifname, protocol, name, stype, domain);
	g_hash_table_add(self->services, svc);
	g_queue_push_tail(&self->order, svc);
	svc->link = self->order.tail;
	g_debug("%s: discovered", svc->desc);
	return svc;
}

static void
service_drop(StasAvahi *self, Service *svc)
{
	g_debug("%s: removed", svc->desc);
	g_queue_delete_link(&self->order, svc->link);
	g_hash_table_remove(self->services, svc);
	if (g_hash_table_size(self->services) < STAS_AVAHI_SERVICES_MAX)
		self->over_limit = FALSE;
	schedule_changed(self);
}

static void
item_remove(StasAvahi *self, int ifindex, int protocol, const char *name, const char *stype,
	    const char *domain)
{
	Service *svc;

	if (!key_ok(protocol, name, stype, domain))
		return;
	svc = service_lookup(self, ifindex, protocol, name, stype, domain);
	if (svc != NULL)
		service_drop(self, svc);
}

static void
drop_services_of_type(StasAvahi *self, const char *stype)
{
	GList *l = self->order.head;

	while (l != NULL) {
		Service *svc = l->data;

		l = l->next;
		if (g_str_equal(svc->stype, stype))
			service_drop(self, svc);
	}
}

/* every service and browser goes (the daemon left, or we do) */
static void
drop_everything(StasAvahi *self)
{
	GHashTableIter iter;
	gpointer browser;

	if (g_hash_table_size(self->services) > 0)
		schedule_changed(self);
	g_queue_clear(&self->order);
	g_hash_table_remove_all(self->services);
	self->over_limit = FALSE;
	g_hash_table_iter_init(&iter, self->browsers);
	while (g_hash_table_iter_next(&iter, NULL, &browser)) {
		browser_free(self, browser);
		g_hash_table_iter_remove(&iter);
	}
}

/* ---- browsers and the daemon --------------------------------------------- */

static void on_browser_event(AvahiServiceBrowser *b, AvahiIfIndex interface, AvahiProtocol protocol,
			     AvahiBrowserEvent event, const char *name, const char *type,
			     const char *domain, AvahiLookupResultFlags flags, void *userdata);

static void
browser_free(StasAvahi *self, AvahiServiceBrowser *browser)
{
	if (browser != NULL && !self->detached)
		avahi_service_browser_free(browser);
}

static gboolean
browser_new(StasAvahi *self, const char *stype)
{
	AvahiServiceBrowser *browser = NULL;

	if (self->browser_failure)
		return FALSE;
	if (!self->detached) {
		if (self->client == NULL)
			return FALSE;
		browser = avahi_service_browser_new(
			self->client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, stype, STAS_AVAHI_DOMAIN,
			AVAHI_LOOKUP_USE_MULTICAST, on_browser_event, self);
		if (browser == NULL) {
			g_debug("Failed to browse %s: %s", stype,
				avahi_strerror(avahi_client_errno(self->client)));
			return FALSE;
		}
	}
	g_hash_table_insert(self->browsers, g_strdup(stype), browser);
	return TRUE;
}

/* one browser per configured type; FALSE if one could not be created */
static gboolean
configure_browsers(StasAvahi *self)
{
	GHashTableIter iter;
	gpointer stype, browser;

	g_hash_table_iter_init(&iter, self->browsers);
	while (g_hash_table_iter_next(&iter, &stype, &browser)) {
		if (stype_configured(self, stype))
			continue;
		drop_services_of_type(self, stype);
		browser_free(self, browser);
		g_hash_table_iter_remove(&iter);
	}
	if (self->daemon != DAEMON_UP)
		return TRUE;
	for (guint i = 0; i < self->stypes->len; i++) {
		const char *t = self->stypes->pdata[i];

		if (!g_hash_table_contains(self->browsers, t) && !browser_new(self, t))
			return FALSE;
	}
	return TRUE;
}

static void client_kick(StasAvahi *self);

static gboolean
on_kick(gpointer user_data)
{
	StasAvahi *self = user_data;

	self->n_kicks++;
	if (self->daemon == DAEMON_UP) {
		/* the daemon is back but a browser was missing: try again, quietly */
		if (!configure_browsers(self))
			return G_SOURCE_CONTINUE;
		g_clear_pointer(&self->kick, g_source_unref);
		return G_SOURCE_REMOVE;
	}
	if (!self->detached)
		client_kick(self);
	return G_SOURCE_CONTINUE;
}

static void
kick_start(StasAvahi *self)
{
	if (self->kick != NULL || self->disposed)
		return;
	self->kick = source_attach(self, g_timeout_source_new_seconds(STAS_AVAHI_KICK_INTERVAL_S),
				   on_kick, self);
}

static void
configure_or_kick(StasAvahi *self)
{
	if (configure_browsers(self))
		return;
	g_warning("avahi-daemon not available, operating w/o mDNS discovery.");
	kick_start(self);
}

static void
daemon_up(StasAvahi *self)
{
	if (self->daemon == DAEMON_UP)
		return;
	self->daemon = DAEMON_UP;
	g_info("avahi-daemon service available, zeroconf supported.");
	source_drop(&self->kick);
	configure_or_kick(self);
}

static void
daemon_down(StasAvahi *self)
{
	if (self->daemon == DAEMON_DOWN)
		return;
	self->daemon = DAEMON_DOWN;
	drop_everything(self);
	g_warning("avahi-daemon not available, zeroconf not supported.");
	kick_start(self);
}

/* ---- avahi-client glue ------------------------------------------------------ */

/* avahi-client prepends each item it reads: the list is in reverse record order */
static GPtrArray *
txt_items(AvahiStringList *txt)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	gsize total = 0;

	for (AvahiStringList *l = txt; l != NULL && total <= TXT_COPY_MAX;
	     l = avahi_string_list_get_next(l)) {
		gsize len = avahi_string_list_get_size(l);

		total += len + 1;
		g_ptr_array_add(items, g_bytes_new(avahi_string_list_get_text(l), len));
	}
	for (guint i = 0; i < items->len / 2; i++) {
		gpointer tmp = items->pdata[i];

		items->pdata[i] = items->pdata[items->len - 1 - i];
		items->pdata[items->len - 1 - i] = tmp;
	}
	return items;
}

static void
on_resolver_event(AvahiServiceResolver *r, AvahiIfIndex interface, AvahiProtocol protocol,
		  AvahiResolverEvent event, const char *name, const char *type, const char *domain,
		  const char *host_name, const AvahiAddress *a, uint16_t port, AvahiStringList *txt,
		  AvahiLookupResultFlags flags, void *userdata)
{
	Service *svc = userdata;
	StasAvahi *self = svc->owner;
	char address[AVAHI_ADDRESS_STR_MAX] = "";
	g_autoptr(GPtrArray) items = NULL;
	int err;

	if (event == AVAHI_RESOLVER_FOUND) {
		if (a == NULL || avahi_address_snprint(address, sizeof(address), a) == NULL)
			address[0] = '\0';
		items = txt_items(txt);
		service_found(self, svc, address, port, items);
		return;
	}
	if (event != AVAHI_RESOLVER_FAILURE)
		return;
	/* a timeout is normal: the resolver goes on and reports a later answer */
	err = avahi_client_errno(self->client);
	if (err == AVAHI_ERR_TIMEOUT)
		g_debug("%s: resolver timed out", svc->desc);
	else
		g_warning("%s: resolver failure: %s", svc->desc, avahi_strerror(err));
}

static void
browser_item_new(StasAvahi *self, AvahiIfIndex interface, AvahiProtocol protocol, const char *name,
		 const char *type, const char *domain)
{
	char ifname[IF_NAMESIZE] = "";
	Service *svc;

	if (interface < 0 || if_indextoname((unsigned)interface, ifname) == NULL) {
		g_debug("mDNS service on interface %d, which is gone: ignored", interface);
		return;
	}
	svc = item_new(self, interface, ifname, protocol, name, type, domain);
	if (svc == NULL)
		return;
	svc->resolver = avahi_service_resolver_new(
		self->client, interface, protocol, name, type, domain, AVAHI_PROTO_UNSPEC,
		AVAHI_LOOKUP_USE_MULTICAST, on_resolver_event, svc);
	if (svc->resolver == NULL)
		g_warning("Failed to create resolver - %s: %s", svc->desc,
			  avahi_strerror(avahi_client_errno(self->client)));
}

static void
browser_failed(StasAvahi *self, AvahiServiceBrowser *b)
{
	GHashTableIter iter;
	gpointer stype, browser;

	g_hash_table_iter_init(&iter, self->browsers);
	while (g_hash_table_iter_next(&iter, &stype, &browser)) {
		if (browser != b)
			continue;
		g_warning("mDNS browser for %s failed: %s", (const char *)stype,
			  avahi_strerror(avahi_client_errno(self->client)));
		/* freeing from its own callback is allowed; the wake-up timer makes a new one */
		avahi_service_browser_free(b);
		g_hash_table_iter_remove(&iter);
		kick_start(self);
		return;
	}
}

static void
on_browser_event(AvahiServiceBrowser *b, AvahiIfIndex interface, AvahiProtocol protocol,
		 AvahiBrowserEvent event, const char *name, const char *type, const char *domain,
		 AvahiLookupResultFlags flags, void *userdata)
{
	StasAvahi *self = userdata;

	switch (event) {
	case AVAHI_BROWSER_NEW:
		browser_item_new(self, interface, protocol, name, type, domain);
		break;
	case AVAHI_BROWSER_REMOVE:
		item_remove(self, interface, protocol, name, type, domain);
		break;
	case AVAHI_BROWSER_FAILURE:
		browser_failed(self, b);
		break;
	case AVAHI_BROWSER_CACHE_EXHAUSTED:
	case AVAHI_BROWSER_ALL_FOR_NOW:
	default:
		break;
	}
}

static void client_reset_later(StasAvahi *self);

static void
on_client_state(AvahiClient *c, AvahiClientState state, void *userdata)
{
	StasAvahi *self = userdata;

	/* the first call comes from inside avahi_client_new() */
	if (self->client == NULL)
		self->client = c;
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
	case AVAHI_CLIENT_S_REGISTERING:
	case AVAHI_CLIENT_S_COLLISION:
		daemon_up(self);
		break;
	case AVAHI_CLIENT_CONNECTING:
		daemon_down(self);
		break;
	case AVAHI_CLIENT_FAILURE:
		/* e.g. the daemon or the bus went away: this client is dead, make another */
		g_debug("avahi client failure: %s", avahi_strerror(avahi_client_errno(c)));
		daemon_down(self);
		client_reset_later(self);
		break;
	default:
		break;
	}
}

/* the avahi objects are gone with a client that failed to start: forget them */
static void
forget_avahi_objects(StasAvahi *self)
{
	for (GList *l = self->order.head; l != NULL; l = l->next)
		((Service *)l->data)->resolver = NULL;
	g_hash_table_remove_all(self->browsers);
}

static void
client_start(StasAvahi *self)
{
	int err = 0;
	AvahiClient *c = avahi_client_new(avahi_glib_poll_get(self->poll), AVAHI_CLIENT_NO_FAIL,
					  on_client_state, self, &err);

	if (c != NULL) {
		self->client = c;
		return;
	}
	self->client = NULL;
	forget_avahi_objects(self);
	/* no quick retry loop: the wake-up timer tries again */
	source_drop(&self->reset);
	g_debug("cannot create an avahi client: %s", avahi_strerror(err));
	daemon_down(self);
}

/* resolvers and browsers first: freeing the client frees them too */
static void
client_free(StasAvahi *self)
{
	drop_everything(self);
	if (self->client != NULL) {
		avahi_client_free(self->client);
		self->client = NULL;
	}
}

static gboolean
on_reset(gpointer user_data)
{
	StasAvahi *self = user_data;

	g_clear_pointer(&self->reset, g_source_unref);
	client_free(self);
	client_start(self);
	return G_SOURCE_REMOVE;
}

static void
client_reset_later(StasAvahi *self)
{
	if (self->reset != NULL || self->disposed)
		return;
	self->reset = source_attach(self, g_timeout_source_new(RESET_DELAY_MS), on_reset, self);
}

static void
on_kick_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (reply == NULL)
		g_debug("avahi-daemon wake-up call: %s", error->message);
}

static void
on_kick_bus(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GCancellable) cancellable = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = g_bus_get_finish(result, &error);

	if (bus == NULL) {
		g_debug("avahi-daemon wake-up call: %s", error->message);
		return;
	}
	g_dbus_connection_call(bus, "org.freedesktop.Avahi", "/", "org.freedesktop.Avahi.Server",
			       "GetVersionString", NULL, G_VARIANT_TYPE("(s)"),
			       G_DBUS_CALL_FLAGS_NONE, 5000, cancellable, on_kick_reply, NULL);
}

/*
 * the client waits for the daemon by itself; what it cannot do is start an
 * activatable daemon (e.g. just installed), which any call to its bus name does
 */
static void
client_kick(StasAvahi *self)
{
	if (self->client == NULL) {
		client_start(self);
		return;
	}
	g_bus_get(G_BUS_TYPE_SYSTEM, self->cancellable, on_kick_bus,
		  g_object_ref(self->cancellable));
}

/* ---- the object -------------------------------------------------------------- */

static void
stas_avahi_dispose(GObject *object)
{
	StasAvahi *self = STAS_AVAHI(object);

	self->disposed = TRUE;
	g_cancellable_cancel(self->cancellable);
	client_free(self);
	source_drop(&self->kick);
	source_drop(&self->changed_idle);
	source_drop(&self->reset);
	if (self->poll != NULL) {
		avahi_glib_poll_free(self->poll);
		self->poll = NULL;
	}
	G_OBJECT_CLASS(stas_avahi_parent_class)->dispose(object);
}

static void
stas_avahi_finalize(GObject *object)
{
	StasAvahi *self = STAS_AVAHI(object);

	g_hash_table_unref(self->services);
	g_hash_table_unref(self->browsers);
	g_hash_table_unref(self->reported);
	g_ptr_array_unref(self->stypes);
	g_object_unref(self->cancellable);
	g_main_context_unref(self->context);
	G_OBJECT_CLASS(stas_avahi_parent_class)->finalize(object);
}

static void
stas_avahi_class_init(StasAvahiClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = stas_avahi_dispose;
	object_class->finalize = stas_avahi_finalize;
	signals[SIGNAL_CHANGED] =
		g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			     NULL, G_TYPE_NONE, 0);
}

static void
stas_avahi_init(StasAvahi *self)
{
	self->context = g_main_context_ref_thread_default();
	self->stypes = g_ptr_array_new_with_free_func(g_free);
	self->browsers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->services = g_hash_table_new_full(service_hash, service_equal, NULL, service_free);
	g_queue_init(&self->order);
	self->reported = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->cancellable = g_cancellable_new();
	self->daemon = DAEMON_UNKNOWN;
}

static StasAvahi *
avahi_alloc(gboolean tp8013, gboolean detached)
{
	StasAvahi *self = g_object_new(STAS_TYPE_AVAHI, NULL);

	self->tp8013 = tp8013;
	self->detached = detached;
	return self;
}

StasAvahi *
stas_avahi_new(gboolean tp8013)
{
	StasAvahi *self = avahi_alloc(tp8013, FALSE);

	self->poll = avahi_glib_poll_new(self->context, G_PRIORITY_DEFAULT);
	client_start(self);
	return self;
}

StasAvahi *
stas_avahi_new_detached(gboolean tp8013)
{
	StasAvahi *self = avahi_alloc(tp8013, TRUE);

	self->daemon = DAEMON_UP;
	return self;
}

void
stas_avahi_set_service_types(StasAvahi *self, const char *const *stypes)
{
	g_return_if_fail(STAS_IS_AVAHI(self));

	g_ptr_array_set_size(self->stypes, 0);
	for (guint i = 0; stypes != NULL && stypes[i] != NULL; i++) {
		if (self->stypes->len >= STAS_AVAHI_STYPES_MAX)
			break;
		if (*stypes[i] == '\0' || !text_ok(stypes[i], STAS_AVAHI_NAME_MAX) ||
		    stype_configured(self, stypes[i]))
			continue;
		g_ptr_array_add(self->stypes, g_strdup(stypes[i]));
	}
	configure_or_kick(self);
}

void
stas_avahi_set_zeroconf(StasAvahi *self, gboolean enabled)
{
	static const char *const both[] = {STAS_AVAHI_STYPE_TCP, STAS_AVAHI_STYPE_UDP, NULL};

	stas_avahi_set_service_types(self, enabled ? both : NULL);
}

void
stas_avahi_kick(StasAvahi *self)
{
	g_return_if_fail(STAS_IS_AVAHI(self));

	if (self->kick != NULL)
		g_source_set_ready_time(self->kick, 0);
}

gboolean
stas_avahi_is_available(StasAvahi *self)
{
	g_return_val_if_fail(STAS_IS_AVAHI(self), FALSE);
	return self->daemon == DAEMON_UP;
}

GPtrArray *
stas_avahi_get_controllers(StasAvahi *self)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	g_autoptr(GHashTable) seen = NULL;

	g_return_val_if_fail(STAS_IS_AVAHI(self), out);
	seen = g_hash_table_new(g_str_hash, g_str_equal);
	for (GList *l = self->order.head; l != NULL; l = l->next) {
		Service *svc = l->data;

		if (service_is_reported(svc) && g_hash_table_add(seen, svc->identity_key))
			g_ptr_array_add(out, g_hash_table_ref(svc->identity));
	}
	return out;
}

GPtrArray *
stas_avahi_get_tids(StasAvahi *self, const StasTidDefaults *defaults)
{
	g_autoptr(GPtrArray) maps = stas_avahi_get_controllers(self);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	StasTidDefaults dc = {.kind = STAS_TID_KIND_DC};

	if (defaults != NULL)
		dc = *defaults;
	dc.kind = STAS_TID_KIND_DC;
	for (guint i = 0; i < maps->len; i++)
		g_ptr_array_add(out, stas_tid_new_from_map(maps->pdata[i], &dc));
	return out;
}

static gboolean
identity_matches(GHashTable *identity, const StasTid *tid)
{
	const char *traddr = g_hash_table_lookup(identity, "traddr");

	if (!g_str_equal(tid->transport, g_hash_table_lookup(identity, "transport")) ||
	    !g_str_equal(tid->trsvcid, g_hash_table_lookup(identity, "trsvcid")) ||
	    !g_str_equal(tid->subsysnqn, g_hash_table_lookup(identity, "subsysnqn")) ||
	    !g_str_equal(tid->host_iface, g_hash_table_lookup(identity, "host-iface")))
		return FALSE;
	return g_str_equal(tid->traddr, traddr) || stas_ip_equal(tid->traddr, traddr);
}

gboolean
stas_avahi_is_reported(StasAvahi *self, const StasTid *tid)
{
	g_return_val_if_fail(STAS_IS_AVAHI(self), FALSE);
	g_return_val_if_fail(tid != NULL, FALSE);

	if (*tid->host_traddr != '\0')
		return FALSE;
	for (GList *l = self->order.head; l != NULL; l = l->next) {
		Service *svc = l->data;

		if (service_is_reported(svc) && identity_matches(svc->identity, tid))
			return TRUE;
	}
	return FALSE;
}

static void
info_service(JsonBuilder *b, const Service *svc)
{
	static const char *const keys[] = {"transport", "traddr", "trsvcid", "host-iface",
					   "subsysnqn"};

	json_builder_set_member_name(b, svc->key_str);
	json_builder_begin_object(b);
	for (guint i = 0; svc->identity != NULL && i < G_N_ELEMENTS(keys); i++) {
		json_builder_set_member_name(b, keys[i]);
		json_builder_add_string_value(b, g_hash_table_lookup(svc->identity, keys[i]));
	}
	json_builder_set_member_name(b, "reachable");
	json_builder_add_string_value(b, svc->reachable ? "True" : "False");
	json_builder_end_object(b);
}

JsonNode *
stas_avahi_info(StasAvahi *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *timer = NULL;

	g_return_val_if_fail(STAS_IS_AVAHI(self), NULL);
	timer = timer_string(self->kick, STAS_AVAHI_KICK_INTERVAL_S);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "avahi wake up timer");
	json_builder_add_string_value(b, timer);
	json_builder_set_member_name(b, "service types");
	json_builder_begin_array(b);
	for (guint i = 0; i < self->stypes->len; i++)
		json_builder_add_string_value(b, self->stypes->pdata[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "services");
	json_builder_begin_object(b);
	for (GList *l = self->order.head; l != NULL; l = l->next)
		info_service(b, l->data);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

void
stas_avahi_set_probe_timeout(StasAvahi *self, guint timeout_ms)
{
	g_return_if_fail(STAS_IS_AVAHI(self));
	self->probe_timeout_ms = timeout_ms;
}

guint
stas_avahi_get_n_probes(StasAvahi *self)
{
	g_return_val_if_fail(STAS_IS_AVAHI(self), 0);
	return self->n_probes;
}

guint
stas_avahi_get_n_kicks(StasAvahi *self)
{
	g_return_val_if_fail(STAS_IS_AVAHI(self), 0);
	return self->n_kicks;
}

/* ---- the test path --------------------------------------------------------------- */

void
stas_avahi_inject_daemon(StasAvahi *self, gboolean running)
{
	g_return_if_fail(STAS_IS_AVAHI(self));

	if (running)
		daemon_up(self);
	else
		daemon_down(self);
}

void
stas_avahi_inject_browser_failure(StasAvahi *self, gboolean fail)
{
	g_return_if_fail(STAS_IS_AVAHI(self));
	self->browser_failure = fail;
}

void
stas_avahi_inject_item_new(StasAvahi *self, int ifindex, const char *ifname, int protocol,
			   const char *name, const char *stype, const char *domain)
{
	g_return_if_fail(STAS_IS_AVAHI(self));
	item_new(self, ifindex, ifname, protocol, name, stype, domain);
}

void
stas_avahi_inject_item_remove(StasAvahi *self, int ifindex, int protocol, const char *name,
			      const char *stype, const char *domain)
{
	g_return_if_fail(STAS_IS_AVAHI(self));
	item_remove(self, ifindex, protocol, name, stype, domain);
}

void
stas_avahi_inject_found(StasAvahi *self, int ifindex, int protocol, const char *name,
			const char *stype, const char *domain, const char *address, guint port,
			GPtrArray *txt)
{
	Service *svc;

	g_return_if_fail(STAS_IS_AVAHI(self));
	if (!key_ok(protocol, name, stype, domain))
		return;
	svc = service_lookup(self, ifindex, protocol, name, stype, domain);
	if (svc != NULL)
		service_found(self, svc, address, port, txt);
}

static Service *
service_by_key_str(StasAvahi *self, const char *key_str)
{
	for (GList *l = self->order.head; key_str != NULL && l != NULL; l = l->next) {
		Service *svc = l->data;

		if (g_str_equal(svc->key_str, key_str))
			return svc;
	}
	return NULL;
}

guint
stas_avahi_inject_get_retry_interval(StasAvahi *self, const char *service_key)
{
	Service *svc;

	g_return_val_if_fail(STAS_IS_AVAHI(self), 0);
	svc = service_by_key_str(self, service_key);
	return svc != NULL && svc->retry != NULL ? svc->retry_interval : 0;
}

gboolean
stas_avahi_inject_fire_retry(StasAvahi *self, const char *service_key)
{
	Service *svc;

	g_return_val_if_fail(STAS_IS_AVAHI(self), FALSE);
	svc = service_by_key_str(self, service_key);
	if (svc == NULL || svc->retry == NULL)
		return FALSE;
	g_source_set_ready_time(svc->retry, 0);
	return TRUE;
}
