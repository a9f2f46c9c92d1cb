/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-ctrl-env: what a daemon hands its controller objects (REFERENCE
 * 5.3): the worker pool for the blocking kernel calls, the udev monitor
 * with its index of existing controllers, the clock of the timers, and the
 * current snapshots of the configuration, sys.conf, the kernel's fabrics
 * options and the interface table.  the service owns one, swaps the
 * snapshots on reload, and every controller holds a reference: no globals.
 *
 * a controller reads the snapshots when it starts an operation (so a
 * reload applies to the next connect: REFERENCE 5.16, Q15) and hands the
 * worker immutable copies, never the env.
 *
 * threading: create, change and read from the owner's main loop thread
 * only; the refcount is atomic.
 */
#pragma once

#include <glib.h>

#include "stas/stas-conf.h"
#include "stas/stas-iface-table.h"
#include "stas/stas-nvme-options.h"
#include "stas/stas-sysconf.h"
#include "stas/stas-tcp-probe.h"
#include "stas/stas-timer.h"
#include "stas/stas-udev.h"
#include "stas/stas-worker.h"

G_BEGIN_DECLS

typedef struct _StasCtrlEnv StasCtrlEnv;

/*
 * pool: taken (freed with the last reference, when no controller and so
 * no job of theirs is left); udev: referenced; clock NULL: the real clock.
 * conf and sysconf must be set before a controller connects.
 */
StasCtrlEnv *stas_ctrl_env_new(StasWorkerPool *pool, StasUdev *udev, StasClock *clock);
StasCtrlEnv *stas_ctrl_env_ref(StasCtrlEnv *env);
void stas_ctrl_env_unref(StasCtrlEnv *env);

StasWorkerPool *stas_ctrl_env_get_pool(StasCtrlEnv *env);
StasUdev *stas_ctrl_env_get_udev(StasCtrlEnv *env);
StasClock *stas_ctrl_env_get_clock(StasCtrlEnv *env);

/* snapshots: set takes a new reference and drops the old one; get is borrowed, may be NULL */
void stas_ctrl_env_set_conf(StasCtrlEnv *env, StasConf *conf);
StasConf *stas_ctrl_env_get_conf(StasCtrlEnv *env);
void stas_ctrl_env_set_sysconf(StasCtrlEnv *env, StasSysConf *sysconf);
StasSysConf *stas_ctrl_env_get_sysconf(StasCtrlEnv *env);
/* what the kernel's fabrics driver takes; NULL: not known */
void stas_ctrl_env_set_kernel(StasCtrlEnv *env, StasNvmeOptions *kernel);
StasNvmeOptions *stas_ctrl_env_get_kernel(StasCtrlEnv *env);
/* the interface table used to match existing connections; NULL: empty */
void stas_ctrl_env_set_ifaces(StasCtrlEnv *env, StasIfaceTable *ifaces);
StasIfaceTable *stas_ctrl_env_get_ifaces(StasCtrlEnv *env);

/* trace mode (tron) */
void stas_ctrl_env_set_tron(StasCtrlEnv *env, gboolean tron);
gboolean stas_ctrl_env_get_tron(StasCtrlEnv *env);

/* where sysfs is (disconnect, attribute reads); NULL: "/sys" */
void stas_ctrl_env_set_sysfs_root(StasCtrlEnv *env, const char *sysfs_root);
const char *stas_ctrl_env_get_sysfs_root(StasCtrlEnv *env);

/*
 * the TCP reachability probe before a kernel connect over tcp (SPEC B4):
 * on by default with STAS_TCP_PROBE_DEFAULT_TIMEOUT_MS.  timeout_ms 0 keeps
 * the default.  turning it off is for test doubles of the kernel only.
 */
void stas_ctrl_env_set_tcp_probe(StasCtrlEnv *env, gboolean enabled, guint timeout_ms);
gboolean stas_ctrl_env_get_tcp_probe(StasCtrlEnv *env, guint *timeout_ms);
/*
 * the controllers' probes go through this one registry (borrowed): the
 * controllers behind one endpoint share a probe in flight, and a success
 * holds for STAS_TCP_PROBE_CACHE_DEFAULT_TTL_MS
 */
StasTcpProbeCache *stas_ctrl_env_get_probe_cache(StasCtrlEnv *env);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasCtrlEnv, stas_ctrl_env_unref)

G_END_DECLS
