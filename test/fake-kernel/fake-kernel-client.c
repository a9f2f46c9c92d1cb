/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "stas/stas-error.h"

#include "fake-kernel-client.h"

static void
child_setup(gpointer user_data)
{
	/* the daemon must not outlive a crashed test */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* the daemon prints "READY <path>" once it listens */
static gboolean
wait_ready(int out_fd, GError **error)
{
	g_autoptr(FkConn) out = fk_conn_new(out_fd);
	g_autofree char *line = fk_conn_read_line(out, error);

	if (line == NULL || !g_str_has_prefix(line, "READY ")) {
		g_clear_error(error);
		g_set_error(error, STAS_ERROR, STAS_ERROR_FAILED, "fake-kerneld did not start");
		return FALSE;
	}
	return TRUE;
}

FkDaemon *
fk_daemon_start(const char *kerneld, GError **error)
{
	g_autoptr(FkDaemon) d = g_new0(FkDaemon, 1);
	const char *argv[] = {kerneld ? kerneld : g_getenv(FK_KERNELD_ENV), "--socket", NULL, NULL};
	int out_fd = -1;

	d->pid = -1;
	if (argv[0] == NULL) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_NOT_FOUND,
			    FK_KERNELD_ENV " does not name fake-kerneld");
		return NULL;
	}
	d->dir = g_dir_make_tmp("fake-kernel-XXXXXX", error);
	if (d->dir == NULL)
		return NULL;
	d->socket = g_build_filename(d->dir, "kernel.sock", NULL);
	argv[2] = d->socket;
	if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
				      child_setup, NULL, &d->pid, NULL, &out_fd, NULL, error))
		return NULL;
	if (!wait_ready(out_fd, error))
		return NULL;
	return g_steal_pointer(&d);
}

void
fk_daemon_stop(FkDaemon *d)
{
	if (d == NULL)
		return;
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
		g_spawn_close_pid(d->pid);
	}
	if (d->socket != NULL)
		g_unlink(d->socket);
	if (d->dir != NULL)
		g_rmdir(d->dir);
	g_free(d->socket);
	g_free(d->dir);
	g_free(d);
}

JsonObject *
fk_client_call(const char *socket, const char *op, const char *args, GError **error)
{
	g_autoptr(JsonObject) req = NULL;
	g_autoptr(JsonObject) resp = NULL;
	int err = 0;

	req = args ? fk_json_parse_object(args, error) : json_object_new();
	if (req == NULL)
		return NULL;
	json_object_set_string_member(req, "op", op);
	resp = fk_call(socket, req, error);
	if (resp == NULL)
		return NULL;
	if (!fk_response_ok(resp, &err)) {
		const char *msg = fk_get_str(resp, "error");

		g_set_error(error, STAS_ERROR,
			    err == EINVAL ? STAS_ERROR_INVALID : STAS_ERROR_FAILED,
			    "%s: %s (errno %d)", op, msg ? msg : g_strerror(err), err);
		return NULL;
	}
	return g_steal_pointer(&resp);
}

JsonObject *
fk_client_callf(const char *socket, GError **error, const char *op, const char *fmt, ...)
{
	g_autofree char *args = NULL;
	va_list ap;

	va_start(ap, fmt);
	args = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return fk_client_call(socket, op, args, error);
}
