/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-log: where the daemons' and tools' log lines go.
 *
 * journald (structured, SYSLOG_IDENTIFIER=<prog>) when asked for with
 * --syslog or when stderr is connected to the journal (started by
 * systemd); stdout otherwise.  g_debug() lines are dropped unless trace
 * ("tron") is on.  the GLib log writer is process-wide by nature, so this
 * module keeps its settings in one static struct set from main(); the
 * functions are thread-safe.
 *
 * controller messages go through stas_log_ctrl(), which prefixes
 * "<TID> | <dev> - " and attaches STAS_TID= and NVME_DEVICE= journal
 * fields (SPEC B10).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	STAS_LOG_AUTO,	  /* journal if stderr is the journal, else stdout */
	STAS_LOG_STDOUT,  /* always stdout (tools, -f in a terminal) */
	STAS_LOG_JOURNAL, /* --syslog: journald, stdout if journald is absent */
} StasLogTarget;

void stas_log_init(const char *prog, StasLogTarget target);

void stas_log_set_tron(gboolean tron);
gboolean stas_log_get_tron(void);

/* "DEBUG" when trace is on, else "INFO" (the D-Bus log_level property) */
const char *stas_log_level_name(void);

/* TRUE if log lines currently go to the journal */
gboolean stas_log_to_journal(void);

/* "<tid> | <device> - <message>"; device may be NULL (printed "nvme?") */
void stas_log_ctrl(GLogLevelFlags level, const char *tid, const char *device, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

#define stas_ctrl_debug(tid, dev, ...)	 stas_log_ctrl(G_LOG_LEVEL_DEBUG, tid, dev, __VA_ARGS__)
#define stas_ctrl_info(tid, dev, ...)	 stas_log_ctrl(G_LOG_LEVEL_INFO, tid, dev, __VA_ARGS__)
#define stas_ctrl_warning(tid, dev, ...) stas_log_ctrl(G_LOG_LEVEL_WARNING, tid, dev, __VA_ARGS__)

G_END_DECLS
