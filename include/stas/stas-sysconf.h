/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-sysconf: the host identity of sys.conf's [Host] section
 * (REFERENCE 2.3): nqn, id, key, symname.
 *
 * each key is a literal value or "file://<path>"; an absent key reads the
 * default file (/etc/nvme/hostnqn, hostid, hostkey; symname has none).
 * from a file the first whitespace-separated word of the first line is
 * used, except for symname which keeps its whole first line (Q15).  an
 * empty first line means "unset".  the host NQN and host ID are
 * mandatory: a missing file or a bad NQN fails the load with upstream's
 * message (the daemon exits with it).  everything else is a StasDiag for
 * the daemon to log; nothing here logs.
 *
 * an immutable, refcounted snapshot, readable from any thread; Q15: the
 * daemons load a new one on SIGHUP.
 */
#pragma once

#include <glib.h>

#include "stas/stas-ini.h"

G_BEGIN_DECLS

#define STAS_SYSCONF_PATH	  "/etc/stas/sys.conf"
#define STAS_SYSCONF_HOSTNQN_FILE "/etc/nvme/hostnqn"
#define STAS_SYSCONF_HOSTID_FILE  "/etc/nvme/hostid"
#define STAS_SYSCONF_HOSTKEY_FILE "/etc/nvme/hostkey"
#define STAS_HOST_NQN_MAX_LEN	  223

/* where the values of absent keys come from; NULL members: the standard files */
typedef struct {
	const char *hostnqn_file;
	const char *hostid_file;
	const char *hostkey_file;
} StasSysConfDefaults;

typedef struct _StasSysConf StasSysConf;

/* path NULL: STAS_SYSCONF_PATH.  a missing sys.conf means every default */
StasSysConf *stas_sysconf_load(const char *path, GError **error);
StasSysConf *stas_sysconf_load_full(const char *path, const StasSysConfDefaults *defaults,
				    GError **error);

StasSysConf *stas_sysconf_ref(StasSysConf *sysconf);
void stas_sysconf_unref(StasSysConf *sysconf);

/* NULL when unset */
const char *stas_sysconf_get_hostnqn(const StasSysConf *sysconf);
const char *stas_sysconf_get_hostid(const StasSysConf *sysconf);
const char *stas_sysconf_get_hostkey(const StasSysConf *sysconf); /* a secret (B3) */
const char *stas_sysconf_get_symname(const StasSysConf *sysconf);

const char *stas_sysconf_get_path(const StasSysConf *sysconf);

/* what the daemon should log (StasDiag*, see stas-ini.h) */
const GPtrArray *stas_sysconf_get_diagnostics(const StasSysConf *sysconf);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasSysConf, stas_sysconf_unref)

G_END_DECLS
