/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the bounded worker pool (SPEC section 2 and B4): jobs run off the main
 * thread, at most N at once, by priority, and answer in the caller's main
 * context; cancelled and dropped jobs still answer.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stas/stas-error.h"
#include "stas/stas-worker.h"

/* shared by the test and its jobs */
typedef struct {
	GMainContext *ctx;
	GThread *main_thread;
	GMutex lock;
	GCond cond;
	gboolean gate_open; /* jobs with wait_gate block until this */
	guint running;
	guint max_running;
	guint started;
	GArray *order; /* int, job ids in the order they ran */
	guint answered;
	GPtrArray *errors;    /* GError* or NULL per answer, in answer order */
	gboolean all_in_ctx;  /* every callback ran in ctx on the main thread */
	gboolean any_on_main; /* a job ran on the main thread */
} Bench;

typedef struct {
	Bench *b;
	int id;
	gboolean wait_gate;
} JobData;

static void
error_free0(gpointer e)
{
	if (e != NULL)
		g_error_free(e);
}

static int
bench_setup(void **state)
{
	Bench *b = g_new0(Bench, 1);

	b->ctx = g_main_context_new();
	g_main_context_push_thread_default(b->ctx);
	b->main_thread = g_thread_self();
	g_mutex_init(&b->lock);
	g_cond_init(&b->cond);
	b->order = g_array_new(FALSE, FALSE, sizeof(int));
	b->errors = g_ptr_array_new_with_free_func(error_free0);
	b->all_in_ctx = TRUE;
	*state = b;
	return 0;
}

static int
bench_teardown(void **state)
{
	Bench *b = *state;

	while (g_main_context_iteration(b->ctx, FALSE))
		;
	g_main_context_pop_thread_default(b->ctx);
	g_main_context_unref(b->ctx);
	g_mutex_clear(&b->lock);
	g_cond_clear(&b->cond);
	g_array_unref(b->order);
	g_ptr_array_unref(b->errors);
	g_free(b);
	return 0;
}

static void
gate_open(Bench *b)
{
	g_mutex_lock(&b->lock);
	b->gate_open = TRUE;
	g_cond_broadcast(&b->cond);
	g_mutex_unlock(&b->lock);
}

/* wait (bounded) until at least n jobs started; TRUE if they did */
static gboolean
wait_started(Bench *b, guint n)
{
	gint64 end = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;
	gboolean ok = TRUE;

	g_mutex_lock(&b->lock);
	while (b->started < n && ok)
		ok = g_cond_wait_until(&b->cond, &b->lock, end);
	ok = b->started >= n;
	g_mutex_unlock(&b->lock);
	return ok;
}

/* on a pool thread */
static void
job_func(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	JobData *d = task_data;
	Bench *b = d->b;

	g_mutex_lock(&b->lock);
	if (g_thread_self() == b->main_thread)
		b->any_on_main = TRUE;
	b->running++;
	b->max_running = MAX(b->max_running, b->running);
	b->started++;
	g_array_append_val(b->order, d->id);
	g_cond_broadcast(&b->cond);
	while (d->wait_gate && !b->gate_open)
		g_cond_wait(&b->cond, &b->lock);
	b->running--;
	g_mutex_unlock(&b->lock);
	g_task_return_int(task, d->id * 10);
}

static void
on_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Bench *b = user_data;
	GError *error = NULL;
	gssize v = g_task_propagate_int(G_TASK(result), &error);

	if (!g_main_context_is_owner(b->ctx) || g_thread_self() != b->main_thread)
		b->all_in_ctx = FALSE;
	if (error == NULL)
		assert_int_equal(v % 10, 0);
	g_ptr_array_add(b->errors, error);
	b->answered++;
}

static void
submit(StasWorkerPool *pool, Bench *b, int id, gboolean wait_gate, int priority,
       GCancellable *cancellable)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancellable, on_done, b);
	JobData *d = g_new0(JobData, 1);

	d->b = b;
	d->id = id;
	d->wait_gate = wait_gate;
	g_task_set_task_data(task, d, g_free);
	g_task_set_check_cancellable(task, FALSE);
	stas_worker_pool_run(pool, task, job_func, priority);
}

/* iterate the caller's context until n answers came, bounded */
static void
wait_answers(Bench *b, guint n)
{
	gint64 end = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;

	while (b->answered < n && g_get_monotonic_time() < end) {
		if (!g_main_context_iteration(b->ctx, FALSE))
			g_usleep(1000);
	}
	assert_int_equal(b->answered, n);
}

static void
test_worker_runs_jobs_off_the_main_thread_answers_in_callers_context(void **state)
{
	Bench *b = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasWorkerPool) pool = stas_worker_pool_new(2, &error);

	assert_non_null(pool);
	for (int i = 1; i <= 5; i++)
		submit(pool, b, i, FALSE, G_PRIORITY_DEFAULT, NULL);
	wait_answers(b, 5);
	assert_false(b->any_on_main);
	assert_true(b->all_in_ctx);
	for (guint i = 0; i < b->errors->len; i++)
		assert_null(g_ptr_array_index(b->errors, i));
}

static void
test_worker_never_runs_more_than_max_threads_at_once(void **state)
{
	Bench *b = *state;
	g_autoptr(StasWorkerPool) pool = stas_worker_pool_new(2, NULL);

	for (int i = 1; i <= 8; i++)
		submit(pool, b, i, TRUE, G_PRIORITY_DEFAULT, NULL);
	assert_true(wait_started(b, 2));
	g_usleep(50 * 1000); /* room for a third thread, if the bound were broken */
	g_mutex_lock(&b->lock);
	assert_int_equal(b->started, 2);
	g_mutex_unlock(&b->lock);
	assert_int_equal(stas_worker_pool_pending(pool), 6);
	gate_open(b);
	wait_answers(b, 8);
	assert_int_equal(b->max_running, 2);
}

/* B4: reachable targets first: lower priority value runs first, FIFO among equals */
static void
test_worker_runs_queued_jobs_by_priority(void **state)
{
	Bench *b = *state;
	g_autoptr(StasWorkerPool) pool = stas_worker_pool_new(1, NULL);
	const int expected[] = {1, 3, 5, 4, 2};

	submit(pool, b, 1, TRUE, G_PRIORITY_DEFAULT, NULL);
	assert_true(wait_started(b, 1));
	submit(pool, b, 2, FALSE, G_PRIORITY_LOW, NULL);
	submit(pool, b, 3, FALSE, G_PRIORITY_HIGH, NULL);
	submit(pool, b, 4, FALSE, G_PRIORITY_DEFAULT, NULL);
	submit(pool, b, 5, FALSE, G_PRIORITY_HIGH, NULL);
	gate_open(b);
	wait_answers(b, 5);
	assert_int_equal(b->order->len, 5);
	for (guint i = 0; i < 5; i++)
		assert_int_equal(g_array_index(b->order, int, i), expected[i]);
}

static void
test_worker_job_cancelled_before_start_is_not_run(void **state)
{
	Bench *b = *state;
	g_autoptr(StasWorkerPool) pool = stas_worker_pool_new(1, NULL);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	const GError *e;

	submit(pool, b, 1, TRUE, G_PRIORITY_DEFAULT, NULL);
	assert_true(wait_started(b, 1));
	submit(pool, b, 2, FALSE, G_PRIORITY_DEFAULT, cancellable);
	g_cancellable_cancel(cancellable);
	gate_open(b);
	wait_answers(b, 2);
	assert_int_equal(b->order->len, 1); /* job 2 never ran */
	e = g_ptr_array_index(b->errors, 1);
	assert_true(g_error_matches(e, STAS_ERROR, STAS_ERROR_CANCELLED));
}

static gpointer
open_gate_later(gpointer data)
{
	g_usleep(50 * 1000);
	gate_open(data);
	return NULL;
}

static void
test_worker_free_answers_queued_jobs_and_waits_for_running_ones(void **state)
{
	Bench *b = *state;
	StasWorkerPool *pool = stas_worker_pool_new(1, NULL);
	GThread *opener;
	guint cancelled = 0;

	submit(pool, b, 1, TRUE, G_PRIORITY_DEFAULT, NULL);
	assert_true(wait_started(b, 1));
	for (int i = 2; i <= 4; i++)
		submit(pool, b, i, FALSE, G_PRIORITY_DEFAULT, NULL);
	opener = g_thread_new("opener", open_gate_later, b);
	stas_worker_pool_free(pool); /* returns once job 1 finished */
	g_thread_join(opener);
	assert_int_equal(b->order->len, 1);
	wait_answers(b, 4);
	for (guint i = 0; i < b->errors->len; i++) {
		const GError *e = g_ptr_array_index(b->errors, i);

		if (g_error_matches(e, STAS_ERROR, STAS_ERROR_CANCELLED))
			cancelled++;
	}
	assert_int_equal(cancelled, 3);
	assert_true(b->all_in_ctx);
}

static void
test_worker_thread_count_is_bounded(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasWorkerPool) def = stas_worker_pool_new(0, &error);
	g_autoptr(StasWorkerPool) big = NULL;

	assert_non_null(def);
	big = stas_worker_pool_new(65, &error);
	assert_null(big);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	stas_worker_pool_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, bench_setup, bench_teardown)
		T(test_worker_runs_jobs_off_the_main_thread_answers_in_callers_context),
		T(test_worker_never_runs_more_than_max_threads_at_once),
		T(test_worker_runs_queued_jobs_by_priority),
		T(test_worker_job_cancelled_before_start_is_not_run),
		T(test_worker_free_answers_queued_jobs_and_waits_for_running_ones),
		T(test_worker_thread_count_is_bounded),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
