/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-worker: a small bounded pool of threads for the blocking kernel seam
 * calls (SPEC section 2: the main loop never blocks; B4: connects run on a
 * small bounded pool, reachable targets first).
 *
 * a job is a GTask, as with g_task_run_in_thread(), but run on this pool's
 * threads (at most max_threads at once) instead of GLib's shared pool.  the
 * task's callback runs in the main context that was thread-default when the
 * GTask was created.  queued jobs run by priority (lower value first, as
 * G_PRIORITY_*), equal priorities in submission order.
 *
 * threading: create, run and free the pool from one thread (the owner's main
 * loop thread).  the thread functions run on pool threads: they must not touch
 * the owner's objects except through the task's data.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define STAS_WORKER_DEFAULT_THREADS 4

typedef struct _StasWorkerPool StasWorkerPool;

/* max_threads: 1..64 (0: STAS_WORKER_DEFAULT_THREADS) */
StasWorkerPool *stas_worker_pool_new(guint max_threads, GError **error);

/*
 * queue task to run func(task, source, task_data, cancellable) on a pool
 * thread.  func must return a result with g_task_return_*().  a task whose
 * cancellable is cancelled before it starts is not run: it returns
 * STAS_ERROR_CANCELLED.  the pool keeps a ref on task until it ran.
 */
void stas_worker_pool_run(StasWorkerPool *pool, GTask *task, GTaskThreadFunc func, int priority);

/* jobs queued and not yet started */
guint stas_worker_pool_pending(StasWorkerPool *pool);

/*
 * stop: jobs not yet started return STAS_ERROR_CANCELLED (their callbacks
 * run in the owner's main context), running jobs are waited for.
 */
void stas_worker_pool_free(StasWorkerPool *pool);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasWorkerPool, stas_worker_pool_free)

G_END_DECLS
