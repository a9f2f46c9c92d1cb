/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-conf: the configuration of one daemon (stafd.conf or stacd.conf,
 * plus the drop-ins of SPEC B9), as an immutable snapshot.
 *
 * every option of REFERENCE 2.4/2.5 is checked once, at load, with the
 * upstream rules and messages of 2.6/2.7 (text check, data conversion,
 * range, list), the daemon's default taking the place of a bad value.
 * the controller= and exclude= entries come out validated (2.8, 2.9; Q1,
 * Q2, Q5, Q23; per-controller overrides checked like [Global], a bad one
 * dropped), so what a daemon gets from stas_conf_get_controllers() is
 * what it should try to connect.  deprecated options of 2.11 still work
 * with a warning.  nothing is logged: every problem is a StasDiag on the
 * snapshot, naming its file (and line), for the daemon to log.
 *
 * a reload loads a new snapshot; a snapshot is never modified, is
 * refcounted, and may be read from any thread.
 */
#pragma once

#include <glib.h>

#include "stas/stas-ini.h"
#include "stas/stas-tid.h"

G_BEGIN_DECLS

#define STAS_STAFD_CONF_PATH "/etc/stas/stafd.conf"
#define STAS_STACD_CONF_PATH "/etc/stas/stacd.conf"

typedef enum {
	STAS_CONF_KIND_STAFD,
	STAS_CONF_KIND_STACD,
} StasConfKind;

/* every option of stafd.conf and stacd.conf */
typedef enum {
	/* [Global] */
	STAS_OPT_TRON,
	STAS_OPT_HDR_DIGEST,
	STAS_OPT_DATA_DIGEST,
	STAS_OPT_KATO,
	STAS_OPT_NR_IO_QUEUES,	  /* stacd only (Q23) */
	STAS_OPT_NR_WRITE_QUEUES, /* stacd only (Q23) */
	STAS_OPT_NR_POLL_QUEUES,  /* stacd only (Q23) */
	STAS_OPT_QUEUE_SIZE,
	STAS_OPT_RECONNECT_DELAY,
	STAS_OPT_CTRL_LOSS_TMO,
	STAS_OPT_DISABLE_SQFLOW,
	STAS_OPT_IGNORE_IFACE,
	STAS_OPT_IP_FAMILY,
	STAS_OPT_PLEO, /* stafd only */
	/* [Service Discovery], stafd only */
	STAS_OPT_ZEROCONF,
	/* [Discovery controller connection management], stafd only */
	STAS_OPT_PERSISTENT_CONNECTIONS,
	STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE,
	/* [I/O controller connection management], stacd only */
	STAS_OPT_DISCONNECT_SCOPE,
	STAS_OPT_DISCONNECT_TRTYPES,
	STAS_OPT_CONNECT_ATTEMPTS_ON_NCC,
	STAS_OPT_N_OPTIONS, /*< skip >*/
} StasConfOption;

typedef enum {
	STAS_IP_FAMILY_V4 = 1 << 0,
	STAS_IP_FAMILY_V6 = 1 << 1,
} StasIpFamily;

typedef enum {
	STAS_DISCONNECT_SCOPE_ONLY_STAS_CONNECTIONS,
	STAS_DISCONNECT_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES,
	STAS_DISCONNECT_SCOPE_NO_DISCONNECT,
} StasDisconnectScope;

typedef enum {
	STAS_TRTYPE_TCP = 1 << 0,
	STAS_TRTYPE_RDMA = 1 << 1,
	STAS_TRTYPE_FC = 1 << 2,
} StasTrtype;

typedef struct _StasConf StasConf;

/*
 * read path (NULL: the kind's default path), then the drop-ins in
 * "<path>.d" (SPEC B9).  never fails: a missing file means all defaults,
 * an unreadable one gives a diagnostic and defaults.
 */
StasConf *stas_conf_load(StasConfKind kind, const char *path);

/* the same checks on an INI read by the caller (tests, fuzzing); takes a ref */
StasConf *stas_conf_new_from_ini(StasConfKind kind, StasIni *ini);

StasConf *stas_conf_ref(StasConf *conf);
void stas_conf_unref(StasConf *conf);

StasConfKind stas_conf_get_kind(const StasConf *conf);
/* the main file (the default path if none was given) */
const char *stas_conf_get_path(const StasConf *conf);

/* every problem found (StasDiag*): the reader's, then the checks' */
const GPtrArray *stas_conf_get_diagnostics(const StasConf *conf);

/* section and name of an option, e.g. "Global", "kato" */
const char *stas_conf_option_section(StasConfOption opt);
const char *stas_conf_option_name(StasConfOption opt);

/* TRUE if opt belongs to the daemon's file (REFERENCE 2.4, 2.5) */
gboolean stas_conf_option_is_valid(StasConfKind kind, StasConfOption opt);

/*
 * the value of an option: the file's valid value, else the daemon's
 * default.  the lookup_ forms return FALSE when the option has no value
 * (default "unset": the kernel decides); options of the other daemon have
 * their generic default (unset for integers).
 */
gboolean stas_conf_get_bool(const StasConf *conf, StasConfOption opt);
gboolean stas_conf_lookup_bool(const StasConf *conf, StasConfOption opt, gboolean *value);
gboolean stas_conf_lookup_int(const StasConf *conf, StasConfOption opt, int *value);

StasIpFamily stas_conf_get_ip_family(const StasConf *conf);
StasDisconnectScope stas_conf_get_disconnect_scope(const StasConf *conf);
StasTrtype stas_conf_get_disconnect_trtypes(const StasConf *conf);
/* seconds; negative: never purge; 0: purge at once */
double stas_conf_get_zeroconf_connections_persistence(const StasConf *conf);
/* 0: never give up; 1 is raised to 2 */
int stas_conf_get_connect_attempts_on_ncc(const StasConf *conf);

/* "_nvme-disc._tcp", "_nvme-disc._udp" when zeroconf is enabled, else empty */
const char *const *stas_conf_get_mdns_service_types(const StasConf *conf);

/* one controller= or exclude= entry: a validated char* -> char* map */
typedef struct {
	GHashTable *map; /* read-only */
	const char *file;
	guint line;
} StasConfSpec;

/*
 * controller= entries fit for the daemon (StasConfSpec*): transport is
 * tcp, rdma, fc or loop; traddr present (except loop) and, for tcp/rdma,
 * an IP literal or a host name; trsvcid, if given for tcp/rdma, a port
 * (an absent one is defaulted by the TID: Q5, Q6); stafd fills a missing
 * subsysnqn with the well-known discovery NQN, stacd drops entries
 * without one.  override values are normalized ("true"/"false", decimal).
 */
const GPtrArray *stas_conf_get_controllers(const StasConf *conf);

/* exclude= entries (and deprecated blacklist=), none empty (Q2) */
const GPtrArray *stas_conf_get_excludes(const StasConf *conf);

/* TRUE if some exclude entry matches tid (REFERENCE 2.9, Q20) */
gboolean stas_conf_is_excluded(const StasConf *conf, const StasTid *tid);

/* how to build TIDs for this daemon: DC (stafd) or IOC (stacd), ignore-iface */
void stas_conf_get_tid_defaults(const StasConf *conf, const char *host_nqn, StasTidDefaults *out);

typedef struct {
	gboolean set;
	int value;
} StasConfInt;

typedef struct {
	gboolean set;
	gboolean value;
} StasConfBool;

/* the parameters of one connect: per-controller override > [Global] > unset */
typedef struct {
	StasConfInt kato;
	StasConfInt queue_size;
	StasConfInt nr_io_queues;    /* never set for stafd (Q23) */
	StasConfInt nr_write_queues; /* never set for stafd (Q23) */
	StasConfInt nr_poll_queues;  /* never set for stafd (Q23) */
	StasConfInt reconnect_delay;
	StasConfInt ctrl_loss_tmo;
	StasConfBool disable_sqflow;
	gboolean hdr_digest;
	gboolean data_digest;
} StasConnParams;

/*
 * cfg: the overrides of the controller (a TID's cfg table, or NULL).
 * values that do not parse are skipped so the [Global] value applies.
 */
void stas_conf_get_conn_params(const StasConf *conf, GHashTable *cfg, StasConnParams *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasConf, stas_conf_unref)

G_END_DECLS
