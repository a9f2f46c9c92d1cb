/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stas/stas-log.h"

/* the log writer is process-wide in GLib, so its settings are too */
static struct {
	gint tron;
	gint journal;
	char *prog;
} log_state;

static const char *
level_prefix(GLogLevelFlags level)
{
	switch (level & G_LOG_LEVEL_MASK) {
	case G_LOG_LEVEL_ERROR:
		return "ERROR: ";
	case G_LOG_LEVEL_CRITICAL:
		return "CRITICAL: ";
	case G_LOG_LEVEL_WARNING:
		return "WARNING: ";
	case G_LOG_LEVEL_DEBUG:
		return "DEBUG: ";
	default:
		return "";
	}
}

static const char *
syslog_priority(GLogLevelFlags level)
{
	switch (level & G_LOG_LEVEL_MASK) {
	case G_LOG_LEVEL_ERROR:
	case G_LOG_LEVEL_CRITICAL:
		return "3";
	case G_LOG_LEVEL_WARNING:
		return "4";
	case G_LOG_LEVEL_MESSAGE:
		return "5";
	case G_LOG_LEVEL_DEBUG:
		return "7";
	default:
		return "6";
	}
}

static void
write_stdout(GLogLevelFlags level, const GLogField *fields, gsize n_fields)
{
	const char *message = NULL;

	for (gsize i = 0; i < n_fields; i++) {
		if (g_str_equal(fields[i].key, "MESSAGE")) {
			message = fields[i].value;
			break;
		}
	}
	if (message == NULL)
		return;
	/* one fprintf per line keeps lines whole when threads log at once */
	fprintf(stdout, "%s%s\n", level_prefix(level), message);
	fflush(stdout);
}

static GLogWriterOutput
stas_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
	if ((level & G_LOG_LEVEL_DEBUG) && !g_atomic_int_get(&log_state.tron))
		return G_LOG_WRITER_HANDLED;

	if (g_atomic_int_get(&log_state.journal) &&
	    g_log_writer_journald(level, fields, n_fields, data) == G_LOG_WRITER_HANDLED)
		return G_LOG_WRITER_HANDLED;

	write_stdout(level, fields, n_fields);
	return G_LOG_WRITER_HANDLED;
}

void
stas_log_init(const char *prog, StasLogTarget target)
{
	gboolean journal = FALSE;

	g_free(log_state.prog);
	log_state.prog = g_strdup(prog);
	if (prog)
		g_set_prgname(prog);

	switch (target) {
	case STAS_LOG_JOURNAL:
		journal = TRUE;
		break;
	case STAS_LOG_AUTO:
		journal = g_log_writer_is_journald(fileno(stderr));
		break;
	case STAS_LOG_STDOUT:
	default:
		journal = FALSE;
		break;
	}
	g_atomic_int_set(&log_state.journal, journal);

	/* GLib allows setting the writer only once per process */
	static gsize writer_set = 0;
	if (g_once_init_enter(&writer_set)) {
		g_log_set_writer_func(stas_log_writer, NULL, NULL);
		g_once_init_leave(&writer_set, 1);
	}
}

void
stas_log_set_tron(gboolean tron)
{
	g_atomic_int_set(&log_state.tron, !!tron);
}

gboolean
stas_log_get_tron(void)
{
	return g_atomic_int_get(&log_state.tron);
}

const char *
stas_log_level_name(void)
{
	return stas_log_get_tron() ? "DEBUG" : "INFO";
}

gboolean
stas_log_to_journal(void)
{
	return g_atomic_int_get(&log_state.journal);
}

void
stas_log_ctrl(GLogLevelFlags level, const char *tid, const char *device, const char *fmt, ...)
{
	g_autofree char *body = NULL;
	g_autofree char *message = NULL;
	va_list ap;

	if ((level & G_LOG_LEVEL_DEBUG) && !stas_log_get_tron())
		return;

	va_start(ap, fmt);
	body = g_strdup_vprintf(fmt, ap);
	va_end(ap);

	if (device == NULL || *device == '\0')
		device = "nvme?";
	message = g_strdup_printf("%s | %s - %s", tid ? tid : "", device, body);

	const GLogField fields[] = {
		{"PRIORITY", syslog_priority(level), -1},
		{"SYSLOG_IDENTIFIER", log_state.prog ? log_state.prog : "stas", -1},
		{"GLIB_DOMAIN", G_LOG_DOMAIN, -1},
		{"MESSAGE", message, -1},
		{"STAS_TID", tid ? tid : "", -1},
		{"NVME_DEVICE", device, -1},
	};
	g_log_structured_array(level, fields, G_N_ELEMENTS(fields));
}
