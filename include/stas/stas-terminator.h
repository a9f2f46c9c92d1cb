/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-terminator: safe disposal of controller objects (REFERENCE 5.10).
 *
 * the kernel handles /dev/nvme-fabrics requests one at a time and possibly
 * slowly: a disconnect issued while a connect (or any other operation) of
 * the same controller is still in flight may run first and leave an
 * unmanaged connection behind.  so a controller to dispose of is cancelled
 * and, if it has operations in flight, queued until they have ended; the
 * queue is looked at when a controller's operations end, on every kernel
 * add/remove uevent and on a 30 s audit timer.  pending_disposal() answers
 * for a TID (the intended semantics of Q8).  kill (and the release of the
 * terminator) disconnects everything still queued.
 *
 * threading: the owner's main loop thread only.
 */
#pragma once

#include <glib-object.h>

#include "stas/stas-controller.h"

G_BEGIN_DECLS

#define STAS_TERMINATOR_AUDIT_SEC 30.0

#define STAS_TYPE_TERMINATOR (stas_terminator_get_type())
G_DECLARE_FINAL_TYPE(StasTerminator, stas_terminator, STAS, TERMINATOR, GObject)

/* the udev monitor (add/remove uevents) and the clock come from env */
StasTerminator *stas_terminator_new(StasCtrlEnv *env);

/*
 * cancel ctrl and disconnect it (stas_controller_disconnect with
 * keep_connection) now if nothing of it is in flight, else once that has
 * ended.  the terminator holds a reference on ctrl until then.  callback
 * (may be NULL) runs from the main loop, never from inside this call.
 */
void stas_terminator_dispose(StasTerminator *self, StasController *ctrl, gboolean keep_connection,
			     StasControllerDoneFunc callback, gpointer user_data);

/* a controller with this TID waits for its disposal */
gboolean stas_terminator_pending_disposal(StasTerminator *self, const StasTid *tid);
guint stas_terminator_get_n_pending(StasTerminator *self);

/* "30.0s [off]" */
char *stas_terminator_get_audit_timer_string(StasTerminator *self);

/*
 * process_info keys (REFERENCE 3.5): "terminator.audit timer" and one
 * "terminator.controller.<TID>" per queued controller, its info() repr
 */
void stas_terminator_add_info(StasTerminator *self, GHashTable *info);

/*
 * service release: stop watching and hand every queued controller to
 * stas_controller_disconnect() at once (which still lets the job in flight
 * end first, so a disconnect never overtakes a connect)
 */
void stas_terminator_kill(StasTerminator *self);

G_END_DECLS
