/* SPDX-License-Identifier: Apache-2.0 */
/* a bounded worker pool for blocking seam calls, GTask based */
#include "config.h"

#include "stas/stas-error.h"
#include "stas/stas-worker.h"

#define MAX_THREADS 64

struct _StasWorkerPool {
	GThreadPool *threads;
	guint64 next_seq; /* submission order, for equal priorities */
};

typedef struct {
	GTask *task;
	GTaskThreadFunc func;
	int priority;
	guint64 seq;
} Job;

static void
job_free(Job *job)
{
	g_object_unref(job->task);
	g_free(job);
}

static gboolean
job_return_if_cancelled(Job *job)
{
	GCancellable *cancellable = g_task_get_cancellable(job->task);

	if (!g_cancellable_is_cancelled(cancellable))
		return FALSE;
	g_task_return_new_error(job->task, STAS_ERROR, STAS_ERROR_CANCELLED,
				"cancelled before it ran");
	return TRUE;
}

/* on a pool thread */
static void
job_run(gpointer data, gpointer user_data)
{
	Job *job = data;

	if (!job_return_if_cancelled(job))
		job->func(job->task, g_task_get_source_object(job->task),
			  g_task_get_task_data(job->task), g_task_get_cancellable(job->task));
	job_free(job);
}

/* the queue holds jobs not yet started; a dropped one still gets its answer */
static void
job_drop(gpointer data)
{
	Job *job = data;

	g_task_return_new_error(job->task, STAS_ERROR, STAS_ERROR_CANCELLED,
				"the worker pool stopped before it ran");
	job_free(job);
}

static gint
job_compare(gconstpointer a, gconstpointer b, gpointer user_data)
{
	const Job *x = a;
	const Job *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

StasWorkerPool *
stas_worker_pool_new(guint max_threads, GError **error)
{
	g_autofree StasWorkerPool *pool = g_new0(StasWorkerPool, 1);
	GError *local = NULL;

	if (max_threads == 0)
		max_threads = STAS_WORKER_DEFAULT_THREADS;
	if (max_threads > MAX_THREADS) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%u worker threads, at most %d allowed", max_threads, MAX_THREADS);
		return NULL;
	}
	pool->threads =
		g_thread_pool_new_full(job_run, pool, job_drop, (gint)max_threads, FALSE, &local);
	if (pool->threads == NULL) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_FAILED, "worker pool: %s",
			    local->message);
		g_error_free(local);
		return NULL;
	}
	g_thread_pool_set_sort_function(pool->threads, job_compare, NULL);
	return g_steal_pointer(&pool);
}

void
stas_worker_pool_run(StasWorkerPool *pool, GTask *task, GTaskThreadFunc func, int priority)
{
	Job *job = g_new0(Job, 1);

	job->task = g_object_ref(task);
	job->func = func;
	job->priority = priority;
	job->seq = pool->next_seq++;
	g_task_set_priority(task, priority);
	/* a non-exclusive pool only fails to push when it cannot make a thread */
	g_thread_pool_push(pool->threads, job, NULL);
}

guint
stas_worker_pool_pending(StasWorkerPool *pool)
{
	return g_thread_pool_unprocessed(pool->threads);
}

void
stas_worker_pool_free(StasWorkerPool *pool)
{
	if (pool == NULL)
		return;
	/* immediate: drop (and answer) queued jobs; wait: let running ones finish */
	g_thread_pool_free(pool->threads, TRUE, TRUE);
	g_free(pool);
}
