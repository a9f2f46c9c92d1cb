/* SPDX-License-Identifier: Apache-2.0 */
/* what the daemons hand their controller objects */
#include "config.h"

#include "stas/stas-ctrl-env.h"
#include "stas/stas-nvme.h"
#include "stas/stas-tcp-probe.h"

struct _StasCtrlEnv {
	gint ref;
	StasWorkerPool *pool;
	StasUdev *udev;
	StasClock *clock;
	StasConf *conf;
	StasSysConf *sysconf;
	StasNvmeOptions *kernel;
	StasIfaceTable *ifaces;
	gboolean tron;
	char *sysfs_root;
	gboolean tcp_probe;
	guint tcp_probe_timeout_ms;
	StasTcpProbeCache *probe_cache;
};

StasCtrlEnv *
stas_ctrl_env_new(StasWorkerPool *pool, StasUdev *udev, StasClock *clock)
{
	StasCtrlEnv *env;

	g_return_val_if_fail(pool != NULL, NULL);
	g_return_val_if_fail(STAS_IS_UDEV(udev), NULL);

	env = g_new0(StasCtrlEnv, 1);
	env->ref = 1;
	env->pool = pool;
	env->udev = g_object_ref(udev);
	env->clock = clock ? stas_clock_ref(clock) : stas_clock_new();
	env->sysfs_root = g_strdup(STAS_NVME_SYSFS_ROOT);
	env->tcp_probe = TRUE;
	env->tcp_probe_timeout_ms = STAS_TCP_PROBE_DEFAULT_TIMEOUT_MS;
	env->probe_cache = stas_tcp_probe_cache_new(STAS_TCP_PROBE_CACHE_DEFAULT_TTL_MS);
	return env;
}

StasCtrlEnv *
stas_ctrl_env_ref(StasCtrlEnv *env)
{
	g_return_val_if_fail(env != NULL, NULL);
	g_atomic_int_inc(&env->ref);
	return env;
}

void
stas_ctrl_env_unref(StasCtrlEnv *env)
{
	if (env == NULL || !g_atomic_int_dec_and_test(&env->ref))
		return;
	/* waits for running jobs; queued ones are answered "cancelled" */
	stas_worker_pool_free(env->pool);
	g_object_unref(env->udev);
	stas_clock_unref(env->clock);
	g_clear_pointer(&env->conf, stas_conf_unref);
	g_clear_pointer(&env->sysconf, stas_sysconf_unref);
	g_clear_pointer(&env->kernel, stas_nvme_options_unref);
	g_clear_pointer(&env->ifaces, stas_iface_table_unref);
	g_free(env->sysfs_root);
	stas_tcp_probe_cache_unref(env->probe_cache);
	g_free(env);
}

StasWorkerPool *
stas_ctrl_env_get_pool(StasCtrlEnv *env)
{
	return env->pool;
}

StasUdev *
stas_ctrl_env_get_udev(StasCtrlEnv *env)
{
	return env->udev;
}

StasClock *
stas_ctrl_env_get_clock(StasCtrlEnv *env)
{
	return env->clock;
}

void
stas_ctrl_env_set_conf(StasCtrlEnv *env, StasConf *conf)
{
	if (conf)
		stas_conf_ref(conf);
	g_clear_pointer(&env->conf, stas_conf_unref);
	env->conf = conf;
}

StasConf *
stas_ctrl_env_get_conf(StasCtrlEnv *env)
{
	return env->conf;
}

void
stas_ctrl_env_set_sysconf(StasCtrlEnv *env, StasSysConf *sysconf)
{
	if (sysconf)
		stas_sysconf_ref(sysconf);
	g_clear_pointer(&env->sysconf, stas_sysconf_unref);
	env->sysconf = sysconf;
}

StasSysConf *
stas_ctrl_env_get_sysconf(StasCtrlEnv *env)
{
	return env->sysconf;
}

void
stas_ctrl_env_set_kernel(StasCtrlEnv *env, StasNvmeOptions *kernel)
{
	if (kernel)
		stas_nvme_options_ref(kernel);
	g_clear_pointer(&env->kernel, stas_nvme_options_unref);
	env->kernel = kernel;
}

StasNvmeOptions *
stas_ctrl_env_get_kernel(StasCtrlEnv *env)
{
	return env->kernel;
}

void
stas_ctrl_env_set_ifaces(StasCtrlEnv *env, StasIfaceTable *ifaces)
{
	if (ifaces)
		stas_iface_table_ref(ifaces);
	g_clear_pointer(&env->ifaces, stas_iface_table_unref);
	env->ifaces = ifaces;
}

StasIfaceTable *
stas_ctrl_env_get_ifaces(StasCtrlEnv *env)
{
	return env->ifaces;
}

void
stas_ctrl_env_set_tron(StasCtrlEnv *env, gboolean tron)
{
	env->tron = !!tron;
}

gboolean
stas_ctrl_env_get_tron(StasCtrlEnv *env)
{
	return env->tron;
}

void
stas_ctrl_env_set_sysfs_root(StasCtrlEnv *env, const char *sysfs_root)
{
	g_free(env->sysfs_root);
	env->sysfs_root = g_strdup(sysfs_root ? sysfs_root : STAS_NVME_SYSFS_ROOT);
}

const char *
stas_ctrl_env_get_sysfs_root(StasCtrlEnv *env)
{
	return env->sysfs_root;
}

void
stas_ctrl_env_set_tcp_probe(StasCtrlEnv *env, gboolean enabled, guint timeout_ms)
{
	env->tcp_probe = !!enabled;
	if (timeout_ms)
		env->tcp_probe_timeout_ms = timeout_ms;
}

gboolean
stas_ctrl_env_get_tcp_probe(StasCtrlEnv *env, guint *timeout_ms)
{
	if (timeout_ms)
		*timeout_ms = env->tcp_probe_timeout_ms;
	return env->tcp_probe;
}

StasTcpProbeCache *
stas_ctrl_env_get_probe_cache(StasCtrlEnv *env)
{
	return env->probe_cache;
}
