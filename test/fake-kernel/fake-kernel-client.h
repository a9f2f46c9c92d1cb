/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake-kernel-client: how C tests drive the fake kernel (README.md): start a
 * fake-kerneld of their own, then send it requests.  the requests are those
 * of fake-kernelctl; responses come back as JSON objects.
 *
 * threading: any thread; a request opens its own connection.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "fake-kernel-proto.h"

G_BEGIN_DECLS

/* the environment variable naming the fake-kerneld binary (set by meson for the tests) */
#define FK_KERNELD_ENV "FAKE_KERNELD"

typedef struct {
	GPid pid;
	char *dir;    /* a private temporary directory */
	char *socket; /* dir/kernel.sock */
} FkDaemon;

/*
 * start fake-kerneld (kerneld: its path, NULL = $FAKE_KERNELD) on a socket
 * in a new temporary directory and wait until it listens.  it exits with
 * the calling thread (PR_SET_PDEATHSIG), so a crashed test leaves nothing.
 */
FkDaemon *fk_daemon_start(const char *kerneld, GError **error);
/* SIGTERM, wait, remove the directory */
void fk_daemon_stop(FkDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FkDaemon, fk_daemon_stop)

/*
 * one request: {"op": op} plus the members of args, a JSON object text (may
 * be NULL).  returns the response if it says ok; else NULL and a STAS_ERROR
 * (code from its errno) with the fake kernel's message.
 */
JsonObject *fk_client_call(const char *socket, const char *op, const char *args, GError **error);
/* the same with args from a printf format */
JsonObject *fk_client_callf(const char *socket, GError **error, const char *op, const char *fmt,
			    ...) G_GNUC_PRINTF(4, 5);

G_END_DECLS
