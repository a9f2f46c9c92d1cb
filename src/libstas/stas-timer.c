/* SPDX-License-Identifier: Apache-2.0 */
/* restartable one-shot timers on a real or a manual clock */
#include "config.h"

#include <math.h> /* isfinite, isnan: macros, no libm */

#include "stas/stas-timer.h"

struct _StasClock {
	gint ref;
	gboolean manual;
	gint64 now;	  /* manual: monotonic microseconds */
	gint64 real_base; /* manual: wall time when now was 0 */
	GList *armed;	  /* manual: armed timers (not owned) */
};

struct _StasTimer {
	StasClock *clock;
	double interval;
	StasTimerFunc func;
	gpointer data;
	gboolean running;
	gint64 deadline; /* monotonic microseconds */
	GSource *source; /* real clock: the armed timeout */
};

/* seconds to microseconds, rounded, for 0 <= seconds <= 1e12 */
static gint64
to_usec(double seconds)
{
	return (gint64)(seconds * G_USEC_PER_SEC + 0.5);
}

/* a whole number that a gint64 holds exactly */
static gboolean
is_integral(double value)
{
	return value > -1e15 && value < 1e15 && value == (double)(gint64)value;
}

/* ---- clock ------------------------------------------------------------ */

StasClock *
stas_clock_new(void)
{
	StasClock *clock = g_new0(StasClock, 1);

	clock->ref = 1;
	return clock;
}

StasClock *
stas_clock_new_manual(gint64 real_time_us)
{
	StasClock *clock = stas_clock_new();

	clock->manual = TRUE;
	clock->real_base = real_time_us;
	return clock;
}

StasClock *
stas_clock_ref(StasClock *clock)
{
	g_return_val_if_fail(clock != NULL, NULL);
	g_atomic_int_inc(&clock->ref);
	return clock;
}

void
stas_clock_unref(StasClock *clock)
{
	if (clock == NULL || !g_atomic_int_dec_and_test(&clock->ref))
		return;
	/* every armed timer holds a reference, so none is left here */
	g_list_free(clock->armed);
	g_free(clock);
}

gboolean
stas_clock_is_manual(const StasClock *clock)
{
	return clock->manual;
}

gint64
stas_clock_get_monotonic(const StasClock *clock)
{
	return clock->manual ? clock->now : g_get_monotonic_time();
}

gint64
stas_clock_get_real_time(const StasClock *clock)
{
	return clock->manual ? clock->real_base + clock->now : g_get_real_time();
}

static StasTimer *
clock_first_due(StasClock *clock, gint64 until)
{
	StasTimer *first = NULL;

	for (GList *l = clock->armed; l; l = l->next) {
		StasTimer *t = l->data;

		if (t->deadline <= until && (!first || t->deadline < first->deadline))
			first = t;
	}
	return first;
}

void
stas_clock_advance(StasClock *clock, double seconds)
{
	gint64 target;

	g_return_if_fail(clock != NULL && clock->manual);
	g_return_if_fail(seconds >= 0);

	target = clock->now + to_usec(MIN(seconds, 1e12));
	for (;;) {
		/* re-scan each time: a callback may arm, stop or free timers */
		StasTimer *due = clock_first_due(clock, target);

		if (!due)
			break;
		clock->now = MAX(clock->now, due->deadline);
		stas_timer_stop(due);
		due->func(due->data);
	}
	clock->now = target;
}

/* ---- timer ------------------------------------------------------------ */

StasTimer *
stas_timer_new(StasClock *clock, double interval, StasTimerFunc func, gpointer user_data)
{
	StasTimer *timer;

	g_return_val_if_fail(clock != NULL && func != NULL, NULL);

	timer = g_new0(StasTimer, 1);
	timer->clock = stas_clock_ref(clock);
	timer->interval = interval >= 0 ? interval : 0;
	timer->func = func;
	timer->data = user_data;
	return timer;
}

void
stas_timer_free(StasTimer *timer)
{
	if (timer == NULL)
		return;
	stas_timer_stop(timer);
	stas_clock_unref(timer->clock);
	g_free(timer);
}

static gboolean
on_timeout(gpointer user_data)
{
	StasTimer *timer = user_data;

	g_clear_pointer(&timer->source, g_source_unref);
	timer->running = FALSE;
	/* last: func may free the timer */
	timer->func(timer->data);
	return G_SOURCE_REMOVE;
}

static void
arm_real(StasTimer *timer)
{
	double ms = timer->interval * 1000.0 + 0.5;

	/* past 49 days the milliseconds do not fit: whole seconds (136 years) then */
	if (ms < G_MAXUINT)
		timer->source = g_timeout_source_new((guint)ms);
	else
		timer->source = g_timeout_source_new_seconds(
			(guint)MIN(timer->interval + 1, (double)G_MAXUINT));
	g_source_set_callback(timer->source, on_timeout, timer, NULL);
	g_source_set_static_name(timer->source, "stas-timer");
	g_source_attach(timer->source, g_main_context_get_thread_default());
}

void
stas_timer_start(StasTimer *timer)
{
	g_return_if_fail(timer != NULL);

	stas_timer_stop(timer);
	timer->running = TRUE;
	/* 1e12 s (30000 years) keeps the microseconds inside a gint64 */
	timer->deadline =
		stas_clock_get_monotonic(timer->clock) + to_usec(MIN(timer->interval, 1e12));
	if (timer->clock->manual)
		timer->clock->armed = g_list_prepend(timer->clock->armed, timer);
	else
		arm_real(timer);
}

void
stas_timer_stop(StasTimer *timer)
{
	g_return_if_fail(timer != NULL);

	if (!timer->running)
		return;
	timer->running = FALSE;
	if (timer->clock->manual) {
		timer->clock->armed = g_list_remove(timer->clock->armed, timer);
		return;
	}
	if (timer->source) {
		g_source_destroy(timer->source);
		g_clear_pointer(&timer->source, g_source_unref);
	}
}

void
stas_timer_set_interval(StasTimer *timer, double interval)
{
	g_return_if_fail(timer != NULL);

	if (interval >= 0)
		timer->interval = interval;
}

double
stas_timer_get_interval(const StasTimer *timer)
{
	return timer->interval;
}

gboolean
stas_timer_is_running(const StasTimer *timer)
{
	return timer->running;
}

double
stas_timer_get_remaining(const StasTimer *timer)
{
	gint64 left;

	if (!timer->running)
		return 0;
	left = timer->deadline - stas_clock_get_monotonic(timer->clock);
	return left > 0 ? (double)left / G_USEC_PER_SEC : 0;
}

char *
stas_timer_to_string(const StasTimer *timer)
{
	g_autofree char *interval = stas_format_py_float(timer->interval);
	char remaining[G_ASCII_DTOSTR_BUF_SIZE];

	if (!timer->running)
		return g_strdup_printf("%ss [off]", interval);
	g_ascii_formatd(remaining, sizeof(remaining), "%.2f", stas_timer_get_remaining(timer));
	return g_strdup_printf("%ss [%ss]", interval, remaining);
}

/* ---- python number spellings --------------------------------------- */

char *
stas_format_py_float(double value)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (!isfinite(value))
		return g_strdup(isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf"));
	if (is_integral(value)) {
		g_ascii_formatd(buf, sizeof(buf), "%.1f", value);
		return g_strdup(buf);
	}
	/* the shortest text that reads back as the same double, as repr() */
	for (int prec = 1; prec <= 17; prec++) {
		char fmt[8];

		g_snprintf(fmt, sizeof(fmt), "%%.%dg", prec);
		g_ascii_formatd(buf, sizeof(buf), fmt, value);
		if (g_ascii_strtod(buf, NULL) == value)
			break;
	}
	return g_strdup(buf);
}

char *
stas_format_py_number(double value)
{
	if (is_integral(value))
		return g_strdup_printf("%" G_GINT64_FORMAT, (gint64)value);
	return stas_format_py_float(value);
}
