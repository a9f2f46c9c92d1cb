/* SPDX-License-Identifier: Apache-2.0 */
/* a controller operation that can run again and retry (upstream's AsyncTask) */
#include "config.h"

#include "stas/stas-ctrl-op.h"
#include "stas/stas-log.h"

/* one run in flight; op is cleared when the op goes first */
typedef struct {
	StasCtrlOp *op;
	const StasCtrlOpDesc *desc;
} OpRun;

struct _StasCtrlOp {
	StasController *ctrl;
	const StasCtrlOpDesc *desc;
	OpRun *run;
	gboolean rerun;
	gboolean ran; /* a run ended at least once */
	guint fail_count;
	char *error;
	StasTimer *retry;
};

static void op_start(StasCtrlOp *op);

StasCtrlOp *
stas_ctrl_op_new(StasController *ctrl, const StasCtrlOpDesc *desc)
{
	StasCtrlOp *op;

	g_return_val_if_fail(STAS_IS_CONTROLLER(ctrl), NULL);
	g_return_val_if_fail(desc != NULL && desc->work && desc->prepare && desc->done, NULL);

	op = g_new0(StasCtrlOp, 1);
	op->ctrl = ctrl;
	op->desc = desc;
	return op;
}

void
stas_ctrl_op_free(StasCtrlOp *op)
{
	if (op == NULL)
		return;
	if (op->run)
		op->run->op = NULL;
	stas_timer_free(op->retry);
	g_free(op->error);
	g_free(op);
}

static void
result_free(const StasCtrlOpDesc *desc, gpointer result)
{
	if (result && desc->result_free)
		desc->result_free(result);
}

/* a run ended: count it and hand the result on (done may free op) */
static void
op_finish(StasCtrlOp *op, gpointer result, const GError *error)
{
	op->ran = TRUE;
	if (error) {
		op->fail_count++;
		g_free(op->error);
		op->error = g_strdup(error->message);
	} else {
		op->fail_count = 0;
		g_clear_pointer(&op->error, g_free);
	}
	op->desc->done(op->ctrl, op, result, error);
}

static void
op_work_done(StasController *ctrl, gpointer result, const GError *error, gpointer user_data)
{
	OpRun *run = user_data;
	StasCtrlOp *op = run->op;
	const StasCtrlOpDesc *desc = run->desc;

	g_free(run);
	if (op == NULL) {
		/* killed meanwhile: the result goes nowhere */
		result_free(desc, result);
		return;
	}
	op->run = NULL;
	if (stas_controller_is_cancelled(ctrl)) {
		result_free(desc, result);
		return;
	}
	if (op->rerun) {
		op->rerun = FALSE;
		result_free(desc, result);
		op_start(op);
		return;
	}
	op_finish(op, result, error);
}

static void
op_start(StasCtrlOp *op)
{
	g_autoptr(GError) error = NULL;
	gpointer input;

	if (stas_controller_is_cancelled(op->ctrl))
		return;
	input = op->desc->prepare(op->ctrl, &error);
	if (input == NULL) {
		op_finish(op, NULL, error);
		return;
	}
	stas_ctrl_debug(stas_controller_get_id(op->ctrl), stas_controller_get_device(op->ctrl),
			"%s: run", op->desc->name);
	op->run = g_new0(OpRun, 1);
	op->run->op = op;
	op->run->desc = op->desc;
	stas_controller_run_work(op->ctrl, op->desc->work, input, op->desc->input_free,
				 op->desc->result_free, op_work_done, op->run,
				 stas_controller_get_cancellable(op->ctrl));
}

void
stas_ctrl_op_run(StasCtrlOp *op)
{
	g_return_if_fail(op != NULL);

	if (op->retry)
		stas_timer_stop(op->retry);
	if (op->run) {
		op->rerun = TRUE;
		return;
	}
	op_start(op);
}

static void
on_retry(gpointer data)
{
	stas_ctrl_op_run(data);
}

void
stas_ctrl_op_retry(StasCtrlOp *op, double interval)
{
	g_return_if_fail(op != NULL);

	if (stas_controller_is_cancelled(op->ctrl))
		return;
	if (!op->retry) {
		StasCtrlEnv *env = stas_controller_get_env(op->ctrl);

		op->retry = stas_timer_new(stas_ctrl_env_get_clock(env), interval, on_retry, op);
	}
	stas_timer_set_interval(op->retry, interval);
	stas_timer_start(op->retry);
}

guint
stas_ctrl_op_get_fail_count(const StasCtrlOp *op)
{
	return op->fail_count;
}

gboolean
stas_ctrl_op_is_running(const StasCtrlOp *op)
{
	return op->run != NULL;
}

gboolean
stas_ctrl_op_is_retrying(const StasCtrlOp *op)
{
	return op->retry && stas_timer_is_running(op->retry);
}

StasController *
stas_ctrl_op_get_controller(const StasCtrlOp *op)
{
	return op->ctrl;
}

char *
stas_ctrl_op_to_repr(const StasCtrlOp *op)
{
	GString *out = g_string_new(NULL);
	const char *completed = op->run ? "False" : (op->ran ? "True" : "None");

	g_string_append_printf(out, "{'fail count': %u, 'completed': %s, 'alive': True",
			       op->fail_count, completed);
	if (stas_ctrl_op_is_retrying(op)) {
		g_autofree char *timer = stas_timer_to_string(op->retry);

		g_string_append(out, ", 'retry timer': ");
		stas_py_repr_append(out, timer);
	}
	if (op->error) {
		g_string_append(out, ", 'error': ");
		stas_py_repr_append(out, op->error);
	}
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}
