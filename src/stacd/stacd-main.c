/* SPDX-License-Identifier: Apache-2.0 */
/* stacd: the STorage Appliance Connector.  wiring only: options, checks, main loop */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "stacd-bus.h"
#include "stacd-service.h"

#include "stas/stas-error.h"
#include "stas/stas-log.h"
#include "stas/stas-nvme.h"

typedef struct {
	GMainLoop *loop;
	StacdService *service;
	int status;
} Daemon;

static gboolean
on_sighup(gpointer data)
{
	Daemon *d = data;

	stacd_service_reload(d->service);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm(gpointer data)
{
	Daemon *d = data;

	/* the first one starts the shutdown; later ones change nothing */
	stacd_service_stop(d->service);
	return G_SOURCE_CONTINUE;
}

static void
on_stopped(StacdService *service, gpointer data)
{
	Daemon *d = data;

	g_main_loop_quit(d->loop);
}

static void
on_name_lost(gpointer data)
{
	Daemon *d = data;

	d->status = EXIT_FAILURE;
	stacd_service_stop(d->service);
}

/* REFERENCE 4.5: root, and the fabrics driver loaded */
static gboolean
preflight(const char *prog)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *line = NULL;

	if (geteuid() != 0) {
		fprintf(stderr, "Permission denied. You need root privileges to run %s.\n", prog);
		return FALSE;
	}
	line = stas_nvme_read_fabrics_options(NULL, &error);
	if (line == NULL && g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND)) {
		fprintf(stderr, "Fatal error: missing nvme-tcp kernel module\n");
		return FALSE;
	}
	return TRUE;
}

static int
run(const StacdOptions *options)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) connection = NULL;
	g_autoptr(StacdBus) bus = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(StacdService) service = stacd_service_new(options, &error);
	Daemon d = {loop, service, EXIT_SUCCESS};

	if (service == NULL) {
		g_printerr("%s\n", error->message);
		return EXIT_FAILURE;
	}
	g_signal_connect(service, "stopped", G_CALLBACK(on_stopped), &d);
	g_unix_signal_add(SIGHUP, on_sighup, &d);
	g_unix_signal_add(SIGTERM, on_sigterm, &d);
	g_unix_signal_add(SIGINT, on_sigterm, &d);

	connection = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	if (connection == NULL) {
		g_printerr("Cannot connect to the system bus: %s\n", error->message);
		return EXIT_FAILURE;
	}
	if (!stacd_service_start(service, &error)) {
		g_printerr("%s\n", error->message);
		return EXIT_FAILURE;
	}
	bus = stacd_bus_new(service, connection, G_CALLBACK(on_name_lost), &d, &error);
	if (bus == NULL) {
		g_printerr("Cannot export the D-Bus objects: %s\n", error->message);
		return EXIT_FAILURE;
	}
	g_main_loop_run(loop);
	g_dbus_connection_flush_sync(connection, NULL, NULL);
	return d.status;
}

int
main(int argc, char **argv)
{
	g_autofree char *conf_file = NULL;
	gboolean syslog = FALSE, tron = FALSE, version = FALSE;
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	g_autoptr(GError) error = NULL;
	const GOptionEntry entries[] = {
		{"conf-file", 'f', 0, G_OPTION_ARG_FILENAME, &conf_file,
		 "Configuration file (default: /etc/stas/stacd.conf)", "FILE"},
		{"syslog", 's', 0, G_OPTION_ARG_NONE, &syslog, "Send output to syslog", NULL},
		{"tron", 0, 0, G_OPTION_ARG_NONE, &tron, "Trace ON", NULL},
		{"version", 'v', 0, G_OPTION_ARG_NONE, &version, "Print version, then exit", NULL},
		{NULL},
	};
	StacdOptions options = {0};

	setlocale(LC_ALL, "");
	/* no transparent huge pages: with THP "always" (Debian's kernels) a thread's
	 * 8 MiB stack may get a 2 MiB page for the few KiB it uses (bench/RESULTS.md) */
	(void)prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	g_option_context_set_summary(ctx, "STorage Appliance Connector (stacd)");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "stacd: %s\n", error->message);
		return 2;
	}
	if (version) {
		printf("nvme-stas %s\nlibnvme %s\n", PACKAGE_VERSION, LIBNVME_VERSION);
		return EXIT_SUCCESS;
	}
	if (!preflight("stacd"))
		return EXIT_FAILURE;

	stas_log_init("stacd", syslog ? STAS_LOG_JOURNAL : STAS_LOG_AUTO);
	/* a shutdown must not be cut short by a write to a closed pipe */
	signal(SIGPIPE, SIG_IGN);

	options.conf_path = conf_file;
	options.tron = tron;
	options.runtime_dir = g_getenv("RUNTIME_DIRECTORY");
#ifdef STAS_TEST_BUILD
	/* test-only builds (fake kernel) keep their hands off the host's files */
	options.sysconf_path = g_getenv("STAS_TEST_SYSCONF");
	options.nbft_dir = g_getenv("STAS_TEST_NBFT_DIR");
	/* the fake kernel's targets do not listen on real sockets */
	options.no_tcp_probe = TRUE;
#endif
#ifdef STAS_BENCH_NO_TCP_PROBE
	/* bench/ only (-Dc_args=-DSTAS_BENCH_NO_TCP_PROBE): what SPEC B4's probe saves */
	options.no_tcp_probe = TRUE;
#endif
	return run(&options);
}
