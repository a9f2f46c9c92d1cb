/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-avahi: stafd's zeroconf browser (REFERENCE 5.7, 3.5 "avahi"; SPEC Q16).
 *
 * a StasAvahi owns one avahi-client (AVAHI_CLIENT_NO_FAIL, on the avahi-glib
 * poll adapter of the creating thread's thread-default main context), one
 * service browser per configured service type (interface and protocol
 * unspecified, domain "local") and one resolver per service.  a service is
 * keyed by (interface index, protocol, name, type, domain): the IPv4 and IPv6
 * records of one announcement are two services.
 *
 * a resolved service gets the identity of its DC from its TXT record
 * (stas-mdns-txt); a tcp one is then probed for reachability from its
 * interface (stas-tcp-probe), retried after 2, 5, 10, 30, 60, 300, 600, 600...
 * seconds; the back-off starts over on success and on a new record.  only
 * identified, reachable services are reported; "changed" is emitted (from
 * an idle, never from inside an avahi or probe callback) when that set of
 * identities really changed.
 *
 * anyone on the LAN can announce a service: names, types, domains, TXT
 * records and addresses are bounded and validated, names are quoted in log
 * lines, and the number of services kept is capped.
 *
 * avahi-client talks to avahi-daemon with short blocking D-Bus round trips
 * (browser and resolver creation and freeing); that is the library's design.
 *
 * the logic (service table, back-off, duplicate-IP check, info dict) is shared
 * by the avahi-client callbacks and the stas_avahi_inject_*() functions, the
 * path unit tests use on a detached object.
 *
 * threading: a StasAvahi is used from the thread that created it only.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "stas/stas-tid.h"

G_BEGIN_DECLS

#define STAS_AVAHI_STYPE_TCP "_nvme-disc._tcp"
#define STAS_AVAHI_STYPE_UDP "_nvme-disc._udp"
#define STAS_AVAHI_DOMAIN    "local"

#define STAS_AVAHI_KICK_INTERVAL_S 60	/* wake-up timer while avahi-daemon is away */
#define STAS_AVAHI_SERVICES_MAX	   2048 /* services kept at once; more are ignored */
#define STAS_AVAHI_STYPES_MAX	   16
#define STAS_AVAHI_NAME_MAX	   255	/* bytes of a service name or type */
#define STAS_AVAHI_DOMAIN_MAX	   1014 /* AVAHI_DOMAIN_NAME_MAX */

/* the protocol of a record, as avahi numbers them */
typedef enum {
	STAS_AVAHI_PROTO_INET = 0,
	STAS_AVAHI_PROTO_INET6 = 1,
} StasAvahiProtocol;

#define STAS_TYPE_AVAHI (stas_avahi_get_type())
G_DECLARE_FINAL_TYPE(StasAvahi, stas_avahi, STAS, AVAHI, GObject)

/*
 * a client of avahi-daemon.  never fails: without the daemon (or the
 * system bus) it logs a WARNING and keeps trying (the client reconnects by
 * itself, the wake-up timer retries what it cannot).  tp8013: the kernel
 * supports the "discovery" option, so the TXT "nqn" is used.
 * signals: "changed" (no arguments).
 */
StasAvahi *stas_avahi_new(gboolean tp8013);

/*
 * the service types to browse; NULL or empty: none.  a type no longer
 * listed loses its browser and its services.  stas_avahi_set_zeroconf()
 * sets both _nvme-disc types or none ([Service Discovery] zeroconf).
 */
void stas_avahi_set_service_types(StasAvahi *avahi, const char *const *stypes);
void stas_avahi_set_zeroconf(StasAvahi *avahi, gboolean enabled);

/* fire the wake-up timer now if it runs (SIGHUP) */
void stas_avahi_kick(StasAvahi *avahi);

/* TRUE while avahi-daemon is running */
gboolean stas_avahi_is_available(StasAvahi *avahi);

/*
 * the identities of the reachable, identified services, in discovery order,
 * without repeats: char* -> char* tables with transport, traddr, trsvcid,
 * host-iface, subsysnqn (see stas_mdns_txt_identify()).  a new array of new
 * references; the tables are read-only.
 */
GPtrArray *stas_avahi_get_controllers(StasAvahi *avahi);

/* the same as DC TIDs built with defaults (its kind is forced to DC); new references */
GPtrArray *stas_avahi_get_tids(StasAvahi *avahi, const StasTidDefaults *defaults);

/*
 * TRUE if a reachable, identified service has tid's transport, traddr (as an
 * address for tcp/rdma), trsvcid, subsysnqn and host-iface, and tid has no
 * host-traddr (mDNS never gives one).  host-nqn is not compared.
 */
gboolean stas_avahi_is_reported(StasAvahi *avahi, const StasTid *tid);

/*
 * the "avahi" object of process_info (REFERENCE 3.5):
 * {"avahi wake up timer": "60.0s [off]", "service types": [...],
 *  "services": {"(<iface>, <IPv4|IPv6>, <name>.<domain>, <stype>)":
 *   {"transport", "traddr", "trsvcid", "host-iface", "subsysnqn", "reachable": "True"}}}
 * an unidentified service has "reachable" only.  a new node.
 */
JsonNode *stas_avahi_info(StasAvahi *avahi);

/* seconds before the next probe after n consecutive failures: 2, 5, 10, 30, 60, 300,
 * then 600; 0 for n = 0 */
guint stas_avahi_backoff_interval(guint n_failures);

/* the timeout of each reachability probe; 0: STAS_TCP_PROBE_DEFAULT_TIMEOUT_MS */
void stas_avahi_set_probe_timeout(StasAvahi *avahi, guint timeout_ms);

/* counters: reachability probes in flight, wake-up timer firings */
guint stas_avahi_get_n_probes(StasAvahi *avahi);
guint stas_avahi_get_n_kicks(StasAvahi *avahi);

/*
 * ---- the test path ----
 * a detached StasAvahi has no avahi client and starts as if avahi-daemon
 * were running.  the events below run exactly the code the avahi-client
 * callbacks run; ifname stands for if_indextoname(ifindex), txt holds the
 * TXT items as GBytes* (NULL: none).  an event for a type that is not
 * browsed, or while the daemon is away, is ignored as no browser would
 * have reported it.
 */
StasAvahi *stas_avahi_new_detached(gboolean tp8013);
/* avahi-daemon appeared (running) or went away */
void stas_avahi_inject_daemon(StasAvahi *avahi, gboolean running);
/* from now on, creating a browser fails (as when the daemon does not answer) */
void stas_avahi_inject_browser_failure(StasAvahi *avahi, gboolean fail);
/* browser ItemNew / ItemRemove, resolver Found */
void stas_avahi_inject_item_new(StasAvahi *avahi, int ifindex, const char *ifname, int protocol,
				const char *name, const char *stype, const char *domain);
void stas_avahi_inject_item_remove(StasAvahi *avahi, int ifindex, int protocol, const char *name,
				   const char *stype, const char *domain);
void stas_avahi_inject_found(StasAvahi *avahi, int ifindex, int protocol, const char *name,
			     const char *stype, const char *domain, const char *address, guint port,
			     GPtrArray *txt);
/* the pending probe retry of a service (its info key), in seconds; 0: none */
guint stas_avahi_inject_get_retry_interval(StasAvahi *avahi, const char *service_key);
/* make that retry timer expire now; FALSE if there is none */
gboolean stas_avahi_inject_fire_retry(StasAvahi *avahi, const char *service_key);

G_END_DECLS
