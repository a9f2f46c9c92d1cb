/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz the INI reader and everything the config checks do with what it
 * reads: the bytes are read as stafd.conf, as stacd.conf, and every
 * controller= entry that survives is turned into a TID and matched
 * against the excludes, as a daemon would.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "stas/stas-conf.h"
#include "stas/stas-ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(StasConfKind kind, StasIni *ini)
{
	g_autoptr(StasConf) conf = stas_conf_new_from_ini(kind, ini);
	const GPtrArray *ctrls = stas_conf_get_controllers(conf);
	const GPtrArray *diags = stas_conf_get_diagnostics(conf);
	StasTidDefaults defaults;
	StasConnParams params;

	for (guint i = 0; i < diags->len; i++)
		if (!g_utf8_validate(((const StasDiag *)diags->pdata[i])->text, -1, NULL))
			abort();
	stas_conf_get_tid_defaults(conf, "nqn.2014-08.org.nvmexpress:uuid:fuzz", &defaults);
	for (guint i = 0; i < ctrls->len; i++) {
		const StasConfSpec *spec = ctrls->pdata[i];
		g_autoptr(StasTid) tid = stas_tid_new_from_map(spec->map, &defaults);

		(void)stas_conf_is_excluded(conf, tid);
		stas_conf_get_conn_params(conf, stas_tid_get_cfg_table(tid), &params);
	}
	(void)stas_conf_get_mdns_service_types(conf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(StasIni) ini = NULL;

	if (size > 64 * 1024)
		return 0;
	ini = stas_ini_new();
	stas_ini_add_data(ini, "fuzz.conf", (const char *)data, size);
	exercise(STAS_CONF_KIND_STAFD, ini);
	exercise(STAS_CONF_KIND_STACD, ini);
	return 0;
}
