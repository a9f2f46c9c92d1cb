/* SPDX-License-Identifier: Apache-2.0 */
/*
 * time spans with the grammar of the pytimeparse copy vendored by upstream
 * (staslib/timeparse.py), written as a hand scanner instead of regexes.
 *
 * differences from upstream, all on inputs upstream crashes on or that
 * look like typos: a number such as "1.2.3" or "." is rejected (upstream
 * raises), nan/inf and overflow are rejected, "|" is not a sign (a typo in
 * upstream's "[+|-]"), and the sign applies to the whole span (upstream
 * leaves whole seconds unsigned in "-1.5 minutes 30 secs").  whitespace is
 * ASCII only.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "stas/stas-timeparse.h"

enum { F_DAYS, F_HOURS, F_MINS, F_SECS, F_N };

static const double multipliers[F_N] = {86400.0, 3600.0, 60.0, 1.0};

/* the number text of each field, as the regex groups would capture it */
typedef struct {
	const char *text[F_N];
	gsize len[F_N];
} Fields;

/* trunc() without libm: doubles of 2^52 and above are already whole */
static double
trunc_whole(double x)
{
	if (x >= 4503599627370496.0 || x <= -4503599627370496.0 || x != x)
		return x;
	return (double)(gint64)x;
}

static const char *
skip_ws(const char *p)
{
	while (g_ascii_isspace(*p))
		p++;
	return p;
}

static gboolean
all_digits(const char *s, gsize len)
{
	gsize i;

	if (len == 0)
		return FALSE;
	for (i = 0; i < len; i++) {
		if (!g_ascii_isdigit(s[i]))
			return FALSE;
	}
	return TRUE;
}

/* a finite number from [0-9.]+ text: digits with at most one dot */
static gboolean
field_value(const char *s, gsize len, double *out)
{
	g_autofree char *copy = NULL;
	gsize i, dots = 0, digits = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '.')
			dots++;
		else if (g_ascii_isdigit(s[i]))
			digits++;
		else
			return FALSE;
	}
	if (digits == 0 || dots > 1)
		return FALSE;
	copy = g_strndup(s, len);
	*out = g_ascii_strtod(copy, NULL);
	return isfinite(*out);
}

/* index of a unit word, or -1 */
static int
unit_field(const char *s, gsize len)
{
	static const struct {
		const char *word;
		int field;
	} units[] = {
		{"d", F_DAYS},	   {"dy", F_DAYS},     {"dys", F_DAYS},	    {"day", F_DAYS},
		{"days", F_DAYS},  {"h", F_HOURS},     {"hr", F_HOURS},	    {"hrs", F_HOURS},
		{"hour", F_HOURS}, {"hours", F_HOURS}, {"m", F_MINS},	    {"min", F_MINS},
		{"mins", F_MINS},  {"minute", F_MINS}, {"minutes", F_MINS}, {"s", F_SECS},
		{"sec", F_SECS},   {"secs", F_SECS},   {"second", F_SECS},  {"seconds", F_SECS},
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(units); i++) {
		if (strlen(units[i].word) == len && g_ascii_strncasecmp(units[i].word, s, len) == 0)
			return units[i].field;
	}
	return -1;
}

/*
 * one "<n> <unit>" component at p; the unit is the whole run of letters
 * after the number, as nothing that may follow a unit starts with a letter.
 */
static const char *
scan_component(const char *p, int *field, const char **num, gsize *num_len)
{
	const char *unit;

	*num = p;
	while (g_ascii_isdigit(*p) || *p == '.')
		p++;
	*num_len = (gsize)(p - *num);
	if (*num_len == 0)
		return NULL;
	p = skip_ws(p);
	unit = p;
	while (g_ascii_isalpha(*p))
		p++;
	*field = unit_field(unit, (gsize)(p - unit));
	return *field < 0 ? NULL : p;
}

/* "1 day, 2 hours 3m 4s": fields in this order, each optional */
static gboolean
match_units(const char *p, Fields *f)
{
	int next = F_DAYS;
	int field;

	p = skip_ws(p);
	if (*p == '\0')
		return FALSE;
	while (*p != '\0') {
		const char *num;
		gsize num_len;

		p = scan_component(p, &field, &num, &num_len);
		if (p == NULL || field < next)
			return FALSE;
		f->text[field] = num;
		f->len[field] = num_len;
		next = field + 1;
		p = skip_ws(p);
		/* one optional separator after any unit but seconds */
		if (field != F_SECS && (*p == ',' || *p == '/'))
			p = skip_ws(p + 1);
	}
	return TRUE;
}

static const char *
scan_digits(const char *p, gsize min, gsize max)
{
	gsize n = 0;

	while (n < max && g_ascii_isdigit(p[n]))
		n++;
	return n < min ? NULL : p + n;
}

/*
 * clock form "A:BB[:CC...]" filling fields first..F_SECS; the first part has
 * first_min..first_max digits, the others exactly two, seconds may carry a
 * fraction; nothing but whitespace may follow.
 */
static gboolean
match_clock(const char *p, int first, gsize first_min, gsize first_max, Fields *f)
{
	int field;

	for (field = first; field <= F_SECS; field++) {
		const char *start;

		if (field != first && *p++ != ':')
			return FALSE;
		start = p;
		p = field == first ? scan_digits(p, first_min, first_max) : scan_digits(p, 2, 2);
		if (p == NULL)
			return FALSE;
		if (field == F_SECS && *p == '.') {
			p = scan_digits(p + 1, 1, G_MAXSIZE);
			if (p == NULL)
				return FALSE;
		}
		f->text[field] = start;
		f->len[field] = (gsize)(p - start);
	}
	return *skip_ws(p) == '\0';
}

/* ":SS" */
static gboolean
match_secclock(const char *p, Fields *f)
{
	p = skip_ws(p);
	if (*p != ':')
		return FALSE;
	return match_clock(p + 1, F_SECS, 2, 2, f);
}

/* "[<n> days[,]] H:MM:SS" */
static gboolean
match_days_hourclock(const char *p, Fields *f)
{
	const char *after;
	const char *num;
	gsize num_len;
	int field;

	p = skip_ws(p);
	after = scan_component(p, &field, &num, &num_len);
	if (after != NULL && field == F_DAYS) {
		f->text[F_DAYS] = num;
		f->len[F_DAYS] = num_len;
		p = skip_ws(after);
		if (*p == ',' || *p == '/')
			p = skip_ws(p + 1);
	}
	return match_clock(p, F_HOURS, 1, G_MAXSIZE, f);
}

static gboolean
match_format(const char *p, Fields *f)
{
	memset(f, 0, sizeof(*f));
	if (match_units(p, f))
		return TRUE;
	memset(f, 0, sizeof(*f));
	if (match_clock(skip_ws(p), F_MINS, 1, 2, f))
		return TRUE;
	memset(f, 0, sizeof(*f));
	if (match_days_hourclock(p, f))
		return TRUE;
	memset(f, 0, sizeof(*f));
	if (match_clock(skip_ws(p), F_DAYS, 1, G_MAXSIZE, f))
		return TRUE;
	memset(f, 0, sizeof(*f));
	return match_secclock(p, f);
}

/*
 * upstream's arithmetic: all-integer fields sum exactly; with integer (or
 * no) seconds the other fields' sum is truncated to whole seconds; with
 * fractional seconds everything is summed as floats.
 */
static gboolean
fields_value(const Fields *f, double *out)
{
	double values[F_N] = {0};
	double sum = 0.0;
	gboolean secs_int;
	int i;

	for (i = 0; i < F_N; i++) {
		if (f->text[i] != NULL && !field_value(f->text[i], f->len[i], &values[i]))
			return FALSE;
	}
	secs_int = f->text[F_SECS] == NULL || all_digits(f->text[F_SECS], f->len[F_SECS]);
	if (secs_int) {
		for (i = F_DAYS; i < F_SECS; i++)
			sum += multipliers[i] * values[i];
		sum = trunc_whole(sum) + values[F_SECS];
	} else {
		for (i = F_DAYS; i < F_N; i++)
			sum += multipliers[i] * values[i];
	}
	*out = sum;
	return isfinite(sum);
}

/* python float() syntax without underscores, inf and nan */
static gboolean
is_plain_number(const char *s, gsize len)
{
	gsize i = 0, digits = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < len && g_ascii_isdigit(s[i]); i++)
		digits++;
	if (i < len && s[i] == '.') {
		for (i++; i < len && g_ascii_isdigit(s[i]); i++)
			digits++;
	}
	if (digits == 0)
		return FALSE;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !g_ascii_isdigit(s[i]))
			return FALSE;
		while (i < len && g_ascii_isdigit(s[i]))
			i++;
	}
	return i == len;
}

static gboolean
parse_plain_number(const char *text, double *out)
{
	g_autofree char *copy = g_strstrip(g_strdup(text));

	if (!is_plain_number(copy, strlen(copy)))
		return FALSE;
	*out = g_ascii_strtod(copy, NULL);
	return TRUE;
}

gboolean
stas_timeparse(const char *text, double *seconds)
{
	Fields f;
	double value;
	double sign = 1.0;
	const char *p;

	if (text == NULL)
		return FALSE;

	if (!parse_plain_number(text, &value)) {
		p = skip_ws(text);
		if (*p == '+' || *p == '-') {
			sign = *p == '-' ? -1.0 : 1.0;
			p++;
		}
		if (!match_format(p, &f) || !fields_value(&f, &value))
			return FALSE;
		value *= sign;
	}
	if (!isfinite(value))
		return FALSE;
	if (seconds)
		*seconds = value;
	return TRUE;
}
