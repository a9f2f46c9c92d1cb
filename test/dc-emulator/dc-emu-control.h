/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-control: the control socket of one DC emulator: a unix stream
 * socket carrying one JSON object per line, a request {"op": ...} then its
 * response {"ok": true, ...} or {"ok": false, "error": "..."}; a connection
 * may carry any number of requests.  the ops (README.md): ping, status,
 * list-entries, set-entries, add-entry, remove-entry, fire-aen,
 * list-registrations, clear-registrations, list-connections, malform,
 * stall, set, drop-connections.
 *
 * threading: main thread only.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "dc-emu-conn.h"
#include "dc-emu-state.h"

G_BEGIN_DECLS

typedef struct _DceControl DceControl;

/* listen on path (a stale socket file there is replaced); srv may be NULL */
DceControl *dce_control_new(DceState *state, DceServer *srv, const char *path, GError **error);
/* stop listening, remove the socket file */
void dce_control_free(DceControl *ctl);

/* one request, its response (never NULL); srv NULL: drop-connections drops nothing */
JsonObject *dce_control_handle(DceState *state, DceServer *srv, JsonObject *req);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DceControl, dce_control_free)

G_END_DECLS
