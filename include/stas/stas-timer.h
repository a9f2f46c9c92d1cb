/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-timer: restartable one-shot timers (upstream's GTimer) and the clock
 * they run on.
 *
 * a StasTimer has an interval and is either off or armed with a deadline;
 * starting an armed timer moves its deadline to now + interval (REFERENCE
 * 5.11).  its text form is upstream's: "60.0s [off]", "3.0s [2.41s]".
 *
 * timers run on a StasClock: the real one arms GLib timeout sources on the
 * thread-default main context of the thread that starts them; a manual one
 * (tests) stands still until stas_clock_advance() moves it, which fires the
 * timers that fall due, in deadline order, from inside the call.  the
 * manual clock also has a settable wall time, so log lines that print
 * "now + timeout" can be checked.
 *
 * threading: a clock and its timers belong to one thread (the owner's
 * main loop); a clock's refcount is atomic.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _StasClock StasClock;

/* the real clock: monotonic time, GLib timeout sources */
StasClock *stas_clock_new(void);
/* a clock that only moves with stas_clock_advance(); wall time starts at real_time_us */
StasClock *stas_clock_new_manual(gint64 real_time_us);
StasClock *stas_clock_ref(StasClock *clock);
void stas_clock_unref(StasClock *clock);

gboolean stas_clock_is_manual(const StasClock *clock);
/* microseconds, as g_get_monotonic_time() / g_get_real_time() */
gint64 stas_clock_get_monotonic(const StasClock *clock);
gint64 stas_clock_get_real_time(const StasClock *clock);

/* manual clocks only: move time on by seconds, firing what falls due */
void stas_clock_advance(StasClock *clock, double seconds);

typedef struct _StasTimer StasTimer;
typedef void (*StasTimerFunc)(gpointer user_data);

/* an off timer; interval in seconds (>= 0).  func runs once per expiry */
StasTimer *stas_timer_new(StasClock *clock, double interval, StasTimerFunc func,
			  gpointer user_data);
void stas_timer_free(StasTimer *timer);

/* arm (or re-arm) for the current interval */
void stas_timer_start(StasTimer *timer);
void stas_timer_stop(StasTimer *timer);
/* the interval of the next start; an armed timer keeps its deadline.  negative: ignored */
void stas_timer_set_interval(StasTimer *timer, double interval);
double stas_timer_get_interval(const StasTimer *timer);
gboolean stas_timer_is_running(const StasTimer *timer);
/* seconds until it fires; 0 when off or overdue */
double stas_timer_get_remaining(const StasTimer *timer);

/* "<interval>s [<remaining>s]" or "<interval>s [off]": "3.0s [2.41s]", "60.0s [off]" */
char *stas_timer_to_string(const StasTimer *timer);

/* a number as python prints a float: 60 -> "60.0", 1.5 -> "1.5", 0.2 -> "0.2" */
char *stas_format_py_float(double value);
/* as python prints an int or a float from a config value: 259200 -> "259200", 0.5 -> "0.5" */
char *stas_format_py_number(double value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasClock, stas_clock_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasTimer, stas_timer_free)

G_END_DECLS
