/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-tid: the Transport IDentifier, the identity of a controller
 * connection everywhere (hash keys, D-Bus lookups, logs, state files).
 *
 * a StasTid is immutable and refcounted; identity (hash/equal) is the
 * 7-tuple transport, traddr, trsvcid, subsysnqn, host_traddr, host_iface,
 * host_nqn compared as exact strings.  every other key of the map it was
 * built from (kato, dhchap-secret, src-addr, ...) is carried in cfg and is
 * not part of identity.  immutable values may be shared between threads.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define STAS_WELL_KNOWN_DISC_NQN "nqn.2014-08.org.nvmexpress.discovery"
#define STAS_TCP_DISC_PORT	 "8009"
#define STAS_IO_PORT		 "4420"

/* what a TID names: the port default of tcp differs (SPEC Q6) */
typedef enum {
	STAS_TID_KIND_DC,  /* discovery controller: tcp defaults to 8009 */
	STAS_TID_KIND_IOC, /* I/O controller: tcp defaults to 4420 */
} StasTidKind;

/* how keys missing from the input are filled in */
typedef struct {
	StasTidKind kind;
	const char *host_nqn;  /* sys.conf host NQN, used when host-nqn is absent; may be NULL */
	gboolean ignore_iface; /* [Global] ignore-iface: host-iface forced to "" */
} StasTidDefaults;

typedef struct _StasTid StasTid;

struct _StasTid {
	/* read-only; every string is non-NULL (possibly "") */
	const char *transport;
	const char *traddr;
	const char *trsvcid;
	const char *subsysnqn;
	const char *host_traddr;
	const char *host_iface;
	const char *host_nqn;
	/*< private >*/
	GHashTable *cfg; /* char* -> char*, extra keys, never NULL */
	char *str;
	guint hash;
	gint ref;
};

/*
 * build from a key/value map (keys as in controller= strings and the
 * D-Bus dict: transport, traddr, trsvcid, subsysnqn, host-traddr,
 * host-iface, host-nqn, anything else goes to cfg).  values may not be
 * NULL.  trsvcid: tcp -> 8009 (DC) or 4420 (IOC) when empty, rdma -> 4420,
 * every other transport -> "".
 */
StasTid *stas_tid_new_from_map(GHashTable *map, const StasTidDefaults *defaults);

/* build from the seven identity strings (D-Bus lookups); NULL means "" */
StasTid *stas_tid_new(const char *transport, const char *traddr, const char *trsvcid,
		      const char *subsysnqn, const char *host_traddr, const char *host_iface,
		      const char *host_nqn, const StasTidDefaults *defaults);

/* same TID with another traddr (after hostname resolution) */
StasTid *stas_tid_new_with_traddr(const StasTid *tid, const char *traddr);

StasTid *stas_tid_ref(StasTid *tid);
void stas_tid_unref(StasTid *tid);

guint stas_tid_hash(gconstpointer tid);
gboolean stas_tid_equal(gconstpointer a, gconstpointer b);

/*
 * "(tcp, 10.10.10.10, 8009, nqn..., wlp0s20f3, 1.2.3.4)": transport,
 * traddr, trsvcid, then subsysnqn, host_iface, host_traddr when non-empty.
 * host_nqn is never printed.  owned by the tid.
 */
const char *stas_tid_to_string(const StasTid *tid);

/* extra (non-identity) key, or NULL */
const char *stas_tid_get_cfg(const StasTid *tid, const char *key);
/* the extra keys, read-only */
GHashTable *stas_tid_get_cfg_table(const StasTid *tid);

/* keys whose values are secrets (B3) */
gboolean stas_tid_key_is_secret(const char *key);
#define STAS_REDACTED "<redacted>"

/*
 * the dictionary form: traddr, trsvcid, transport, subsysnqn, host-iface,
 * host-traddr, every cfg key, host-nqn.  a new char* -> char* table.
 * with redact, secret values read "<redacted>".
 */
GHashTable *stas_tid_to_map(const StasTid *tid, gboolean redact);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasTid, stas_tid_unref)

G_END_DECLS
