/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-ctrl-op: one kernel operation of a controller that may be run again
 * and retried on a timer (upstream's AsyncTask): a DC's registration,
 * supported log pages and discovery log reads (REFERENCE 5.5).
 *
 * a run builds its worker input on the main context (prepare), runs the
 * work on the controller's worker pool and hands the result to done on the
 * main context.  the op counts failures since its last success ("fail
 * count") so that only the first failure of a streak is logged.  running
 * an op that is in flight asks for a new run once the current one ends,
 * whose result is then dropped (it may predate what asked for the new
 * run).  freeing an op (upstream's kill) drops the result of a run still
 * in flight; the worker job itself ends on its own and stays counted as
 * pending on the controller until then.  results are dropped, and nothing
 * new runs, once the controller is cancelled.
 *
 * threading: the controller's main loop thread only.
 */
#pragma once

#include "stas/stas-controller.h"

G_BEGIN_DECLS

typedef struct _StasCtrlOp StasCtrlOp;

/* the worker input of one run, or NULL with error (the run fails at once) */
typedef gpointer (*StasCtrlOpPrepare)(StasController *ctrl, GError **error);
/* takes result (NULL on failure); may free op */
typedef void (*StasCtrlOpDone)(StasController *ctrl, StasCtrlOp *op, gpointer result,
			       const GError *error);

/* what an op does; static, outlives the op */
typedef struct {
	const char *name; /* for trace logs */
	StasCtrlOpPrepare prepare;
	StasCtrlWorkFunc work;
	GDestroyNotify input_free;
	GDestroyNotify result_free;
	StasCtrlOpDone done;
} StasCtrlOpDesc;

/* an op that has not run; the controller is not referenced (the op belongs to it) */
StasCtrlOp *stas_ctrl_op_new(StasController *ctrl, const StasCtrlOpDesc *desc);
void stas_ctrl_op_free(StasCtrlOp *op);

/* run now (a pending retry is dropped) */
void stas_ctrl_op_run(StasCtrlOp *op);
/* run again in interval seconds */
void stas_ctrl_op_retry(StasCtrlOp *op, double interval);

guint stas_ctrl_op_get_fail_count(const StasCtrlOp *op);
gboolean stas_ctrl_op_is_running(const StasCtrlOp *op);
/* a retry is armed */
gboolean stas_ctrl_op_is_retrying(const StasCtrlOp *op);
StasController *stas_ctrl_op_get_controller(const StasCtrlOp *op);

/*
 * upstream's as_dict() repr: "{'fail count': 1, 'completed': True, 'alive':
 * True, 'retry timer': '20.0s [19.99s]', 'error': '...'}" (completed is None
 * before the first run; retry timer while a retry is armed; error after a
 * failure)
 */
char *stas_ctrl_op_to_repr(const StasCtrlOp *op);

G_END_DECLS
