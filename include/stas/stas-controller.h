/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-controller: the lifecycle of one controller connection, shared by
 * stafd's discovery controllers and stacd's I/O controllers (REFERENCE
 * 5.3): connect attempts with their retry timer (3 s after the first
 * failure, 60 s after that, a fresh 3 s after a kernel "remove"), attach
 * to an existing kernel controller found in the udev index or a new
 * connect (after a TCP reachability probe for tcp, SPEC B4), the uevents
 * of its own device dispatched to virtual methods, disconnect, and the
 * info()/details() dictionaries of REFERENCE 3.5 (secrets redacted, B3).
 *
 * the connect parameters are built at each attempt from the env's current
 * [Global] config, the TID's per-controller overrides and the host
 * identity of sys.conf; the TID's host NQN is the connect host NQN (Q9).
 * a failed attach is a failed attempt (Q18).
 *
 * every kernel operation runs on the env's worker pool through the seam's
 * blocking functions (stas-nvme.h); results come back on the main context.
 * a controller is cancelled once (stas_controller_cancel(), or by
 * disconnect): it starts nothing new and drops late results, except that
 * a connect that completes late is still recorded so that a disconnect can
 * undo it.  a disconnect waits for the operations in flight: it never
 * overtakes a connect.
 *
 * threading: the owner's main loop thread only (the thread-default main
 * context of the thread that creates the object).
 */
#pragma once

#include <gio/gio.h>

#include "stas/stas-ctrl-env.h"
#include "stas/stas-nvme.h"
#include "stas/stas-tid.h"
#include "stas/stas-timer.h"

G_BEGIN_DECLS

/* connect retry intervals (REFERENCE 5.11) */
#define STAS_CTRL_FAST_RETRY_SEC 3.0
#define STAS_CTRL_RETRY_SEC	 60.0

/* NVME_AEN of a discovery log page change: (0x70 << 16) | (0xf0 << 8) | 0x02 */
#define STAS_AEN_DLP_CHANGED 0x70f002

#define STAS_TYPE_CONTROLLER (stas_controller_get_type())
G_DECLARE_DERIVABLE_TYPE(StasController, stas_controller, STAS, CONTROLLER, GObject)

struct _StasControllerClass {
	GObjectClass parent_class;

	/* TRUE for discovery controllers: the kernel connect and the existing-connection
	 * lookup are for a DC, else for an IOC */
	gboolean discovery;

	/* connected or attached; not called once cancelled */
	void (*on_connected)(StasController *self);
	/* after each failed attempt, before the retry timer starts */
	void (*on_connect_failed)(StasController *self, const GError *error);
	/* change uevent of the own device with NVME_AEN=<hex> (logged before) */
	void (*on_aen)(StasController *self, guint32 aen);
	/* change uevent of the own device with NVME_EVENT=<name> */
	void (*on_event)(StasController *self, const char *event);
	/* remove uevent of the own device, before the device is forgotten: drop the
	 * operations on it, keep caches */
	void (*on_removed)(StasController *self);
	/* may the retry timer start after a failure?  default TRUE */
	gboolean (*should_reconnect)(StasController *self);
	/* add the subclass' keys to info() and details() */
	void (*add_info)(StasController *self, GHashTable *info);
	void (*add_details)(StasController *self, GHashTable *details);

	gpointer padding[8];
};

/* what a disconnect (or a disposal) reports, always from the main loop, never from inside
 * the call that asked */
typedef void (*StasControllerDoneFunc)(StasController *ctrl, gboolean success, gpointer user_data);

/* subclasses: g_object_new(type, "env", env, "tid", tid, NULL); both are referenced */
StasCtrlEnv *stas_controller_get_env(StasController *self);
StasTid *stas_controller_get_tid(StasController *self);
/* the TID string, "(tcp, 10.10.10.10, 8009, nqn...)" */
const char *stas_controller_get_id(StasController *self);

/* "nvme3", or NULL when there is no kernel controller */
const char *stas_controller_get_device(StasController *self);
/* the same, "nvme?" when there is none (logs, dictionaries) */
const char *stas_controller_get_device_name(StasController *self);
gboolean stas_controller_is_connected(StasController *self);
/* the sysfs attributes read at connect/attach, or NULL */
const StasNvmeCtrlInfo *stas_controller_get_sysfs_info(StasController *self);

/* attempts since the last success */
guint stas_controller_get_connect_attempts(StasController *self);
StasTimer *stas_controller_get_retry_timer(StasController *self);
/* an attempt is under way (probe or kernel) */
gboolean stas_controller_is_connecting(StasController *self);

/* schedule a connect attempt on an idle callback (several calls make one attempt); a
 * pending retry is brought forward.  nothing when cancelled or connected */
void stas_controller_start(StasController *self);

/* stop for good: no new operation, no retry, late results dropped */
void stas_controller_cancel(StasController *self);
gboolean stas_controller_is_cancelled(StasController *self);
/* cancelled with the controller: pass to anything started for it */
GCancellable *stas_controller_get_cancellable(StasController *self);

/*
 * the end of the controller's life: cancel it, and when it has a kernel
 * controller and keep_connection is FALSE, INFO "Disconnect initiated" and
 * disconnect it on a worker (callback gets whether that worked); otherwise
 * the kernel connection is left alone and the callback gets TRUE.  runs
 * after the operations in flight have ended.  callback may be NULL.
 */
void stas_controller_disconnect(StasController *self, gboolean keep_connection,
				StasControllerDoneFunc callback, gpointer user_data);

/* worker jobs still running for this controller (REFERENCE 5.10) */
gboolean stas_controller_has_pending_operations(StasController *self);

/*
 * the dictionaries of REFERENCE 3.5, char* -> char*, secrets "<redacted>":
 * id: the TID's dictionary form plus device ("nvme?" when none);
 * info: id plus "connect attempts", "retry connect timer" and, during an
 * attempt, "connect operation"; details: info plus the sysfs attributes
 * hostid, hostnqn, model, serial, dctype, cntrltype ("" when unknown) and
 * connected ("True"/"False").  subclasses add their keys.
 */
GHashTable *stas_controller_get_id_dict(StasController *self);
GHashTable *stas_controller_get_info(StasController *self);
GHashTable *stas_controller_get_details(StasController *self);

/* ---- for subclasses and operations ----------------------------------- */

/* runs on a worker thread: must only touch input (immutable) */
typedef gpointer (*StasCtrlWorkFunc)(gpointer input, GError **error);
/* back on the main context; takes result (NULL on error) */
typedef void (*StasCtrlWorkDone)(StasController *self, gpointer result, const GError *error,
				 gpointer user_data);

/*
 * run work(input) on the pool, then done on the main context (always
 * called, also when cancelled: error STAS_ERROR_CANCELLED if the job never
 * ran).  counts as pending until done returned.  cancellable: a job not yet
 * started when it is cancelled does not run; may be NULL.
 */
void stas_controller_run_work(StasController *self, StasCtrlWorkFunc work, gpointer input,
			      GDestroyNotify input_free, GDestroyNotify result_free,
			      StasCtrlWorkDone done, gpointer user_data, GCancellable *cancellable);

/* ---- python spellings (REFERENCE 3.5) ------------------------------ */

/* repr() of a str: 'text', or "it's" when it holds a ' and no " */
void stas_py_repr_append(GString *out, const char *s);
/* repr() of a dict of str, keys sorted: "{'a': '1', 'b': '2'}" */
char *stas_py_repr_dict(GHashTable *dict);
/* "True" / "False" */
const char *stas_py_bool(gboolean value);

G_END_DECLS
