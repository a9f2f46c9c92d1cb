/* SPDX-License-Identifier: Apache-2.0 */
/*
 * python's pprint and repr, rewritten from CPython 3.11's Lib/pprint.py
 * (PrettyPrinter._format, _pprint_dict, _pprint_list, _pprint_str,
 * _format_dict_items, _format_items, _safe_repr) with indent=1,
 * compact=False, sort_dicts=True, depth=None.  widths are counted in code
 * points, as python's len() does.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-format.h"

/* ---- python str semantics -------------------------------------------------- */

/* str.isspace(), which is also what re's \s matches in a str pattern */
static inline gboolean
py_isspace(gunichar c)
{
	if (c < 0x80)
		return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
	switch (c) {
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return TRUE;
	default:
		return c >= 0x2000 && c <= 0x200a;
	}
}

/* str.isprintable() for a non-ascii code point: not Cc Cf Cs Co Cn Zl Zp Zs */
static gboolean
py_isprintable(gunichar c)
{
	/* lone surrogates stand for bytes that were not utf-8 */
	if (c >= 0xd800 && c <= 0xdfff)
		return FALSE;
	switch (g_unichar_type(c)) {
	case G_UNICODE_CONTROL:
	case G_UNICODE_FORMAT:
	case G_UNICODE_SURROGATE:
	case G_UNICODE_PRIVATE_USE:
	case G_UNICODE_UNASSIGNED:
	case G_UNICODE_LINE_SEPARATOR:
	case G_UNICODE_PARAGRAPH_SEPARATOR:
	case G_UNICODE_SPACE_SEPARATOR:
		return FALSE;
	default:
		return TRUE;
	}
}

/* str.splitlines() boundaries ("\r\n" is handled by the caller) */
static gboolean
py_is_linebreak(gunichar c)
{
	switch (c) {
	case '\n':
	case '\r':
	case 0x0b:
	case 0x0c:
	case 0x1c:
	case 0x1d:
	case 0x1e:
	case 0x85:
	case 0x2028:
	case 0x2029:
		return TRUE;
	default:
		return FALSE;
	}
}

/* the code points of a str with prefix sums, so that the length of the
 * repr() of any slice costs O(1): pprint measures many candidate slices */
typedef struct {
	const char *text;
	gboolean ascii; /* every byte < 0x80: cp[i] is text[i] */
	gunichar *cp;
	gsize n;
	gsize *width; /* width[i]: repr width of cp[0..i) with quotes counted as 1 */
	gsize *sq;    /* single quotes in cp[0..i) */
	gsize *dq;    /* double quotes in cp[0..i) */
} PyStr;

/* the repr width of an ascii byte, a quote counted as 1 */
static inline gsize
ascii_width(guchar c)
{
	if (c >= 0x20 && c < 0x7f)
		return c == '\\' ? 2 : 1;
	return c == '\t' || c == '\n' || c == '\r' ? 2 : 4;
}

/* the width of one code point inside repr(), a quote character counted as 1 */
static gsize
char_repr_width(gunichar c)
{
	if (c == '\\' || c == '\t' || c == '\n' || c == '\r')
		return 2;
	if (c < 0x20 || c == 0x7f)
		return 4;
	if (c < 0x7f || py_isprintable(c))
		return 1;
	if (c <= 0xff)
		return 4;
	return c <= 0xffff ? 6 : 10;
}

/* the code point at text[*i] (len bytes in all), *i moved past it; a byte
 * that is not utf-8 becomes U+DC80..U+DCFF (python's surrogateescape), so
 * nothing is lost or read past the end */
static gunichar
next_code_point(const char *text, gsize len, gsize *i)
{
	gunichar c;

	if ((guchar)text[*i] < 0x80) /* ascii, NUL included */
		return (guchar)text[(*i)++];
	c = g_utf8_get_char_validated(text + *i, len - *i);
	if (c == (gunichar)-1 || c == (gunichar)-2)
		return 0xdc00 + (guchar)text[(*i)++];
	*i += g_utf8_next_char(text + *i) - (text + *i);
	return c;
}

static void
pystr_init(PyStr *s, const char *text, gsize len)
{
	gsize i = 0, k = 0;

	s->text = text;
	s->ascii = TRUE;
	/* len + 1 entries: never fewer code points than bytes */
	s->cp = g_new(gunichar, len + 1);
	s->width = g_new(gsize, len + 1);
	s->sq = g_new(gsize, len + 1);
	s->dq = g_new(gsize, len + 1);
	s->width[0] = s->sq[0] = s->dq[0] = 0;
	for (; i < len; k++) {
		gunichar c;

		s->ascii &= (guchar)text[i] < 0x80;
		c = next_code_point(text, len, &i);
		s->cp[k] = c;
		s->width[k + 1] =
			s->width[k] + (c < 0x80 ? ascii_width((guchar)c) : char_repr_width(c));
		s->sq[k + 1] = s->sq[k] + (c == '\'');
		s->dq[k + 1] = s->dq[k] + (c == '"');
	}
	s->n = k;
}

static void
pystr_clear(PyStr *s)
{
	g_free(s->cp);
	g_free(s->width);
	g_free(s->sq);
	g_free(s->dq);
}

/* repr() uses double quotes only for a str with ' and without " */
static gboolean
pystr_use_dquote(const PyStr *s, gsize a, gsize b)
{
	return s->sq[b] - s->sq[a] > 0 && s->dq[b] - s->dq[a] == 0;
}

/* len(repr(s[a:b])) */
static glong
pystr_repr_len(const PyStr *s, gsize a, gsize b)
{
	gsize n = 2 + s->width[b] - s->width[a];

	if (!pystr_use_dquote(s, a, b))
		n += s->sq[b] - s->sq[a]; /* each ' becomes \' */
	return (glong)n;
}

/* repr() of ascii text with the given quote, plain runs copied at once */
static void
append_ascii_repr(GString *out, const char *text, gsize len, char quote)
{
	static const char hex[] = "0123456789abcdef";
	gsize run = 0;

	g_string_append_c(out, quote);
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)text[i];

		if (c >= 0x20 && c < 0x7f && c != (guchar)quote && c != '\\')
			continue;
		g_string_append_len(out, text + run, (gssize)(i - run));
		run = i + 1;
		if (c == (guchar)quote || c == '\\') {
			g_string_append_c(g_string_append_c(out, '\\'), (char)c);
		} else if (c == '\t' || c == '\n' || c == '\r') {
			g_string_append_c(out, '\\');
			g_string_append_c(out, c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
		} else {
			char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 0xf]};

			g_string_append_len(out, esc, 4);
		}
	}
	g_string_append_len(out, text + run, (gssize)(len - run));
	g_string_append_c(out, quote);
}

/* repr(s[a:b]) */
static void
pystr_append_repr(GString *out, const PyStr *s, gsize a, gsize b)
{
	char quote = pystr_use_dquote(s, a, b) ? '"' : '\'';

	if (s->ascii) {
		append_ascii_repr(out, s->text + a, b - a, quote);
		return;
	}

	g_string_append_c(out, quote);
	for (gsize i = a; i < b; i++) {
		gunichar c = s->cp[i];

		if (c == (gunichar)quote || c == '\\')
			g_string_append_c(g_string_append_c(out, '\\'), (char)c);
		else if (c == '\t')
			g_string_append(out, "\\t");
		else if (c == '\n')
			g_string_append(out, "\\n");
		else if (c == '\r')
			g_string_append(out, "\\r");
		else if (c < 0x20 || c == 0x7f)
			g_string_append_printf(out, "\\x%02x", c);
		else if (c < 0x7f)
			g_string_append_c(out, (char)c);
		else if (py_isprintable(c))
			g_string_append_unichar(out, c);
		else if (c <= 0xff)
			g_string_append_printf(out, "\\x%02x", c);
		else if (c <= 0xffff)
			g_string_append_printf(out, "\\u%04x", c);
		else
			g_string_append_printf(out, "\\U%08x", c);
	}
	g_string_append_c(out, quote);
}

/* repr() of a str with ' and non-ascii bytes: the general path */
static glong
append_str_repr_slow(GString *out, const char *text, gsize len)
{
	PyStr s;
	glong width;

	pystr_init(&s, text, len);
	pystr_append_repr(out, &s, 0, s.n);
	width = pystr_repr_len(&s, 0, s.n);
	pystr_clear(&s);
	return width;
}

/*
 * repr(text) and its width in code points, in one pass, for the daemons'
 * strings: ascii without '.  -1 and nothing written for any other string.
 */
static glong
append_plain_repr(GString *out, const char *text, gsize len)
{
	gsize start = out->len;
	gboolean escapes = FALSE;

	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)text[i];

		if (c >= 0x80 || c == '\'')
			return -1;
		escapes |= c == '\\' || c < 0x20 || c == 0x7f;
	}
	if (escapes) {
		append_ascii_repr(out, text, len, '\'');
		return (glong)(out->len - start); /* ascii: a byte is a code point */
	}
	g_string_append_c(out, '\'');
	g_string_append_len(out, text, (gssize)len);
	g_string_append_c(out, '\'');
	return (glong)(len + 2);
}

/* repr(text), and its width in code points */
static glong
append_str_repr_len(GString *out, const char *text, gsize len)
{
	glong width = append_plain_repr(out, text, len);

	return width >= 0 ? width : append_str_repr_slow(out, text, len);
}

static glong
append_str_repr(GString *out, const char *text)
{
	return append_str_repr_len(out, text, strlen(text));
}

char *
ctl_format_str_repr(const char *text, gssize len)
{
	GString *out = g_string_new(NULL);

	append_str_repr_len(out, text, len < 0 ? strlen(text) : (gsize)len);
	return g_string_free(out, FALSE);
}

/* ---- python float repr ----------------------------------------------------- */

/* the shortest "d.ddde[+-]x" that reads back as value: digits and exponent */
static void
shortest_digits(double value, char *digits, gsize size, int *exp10)
{
	char buf[64];
	const char *p;
	gsize n = 0;

	for (int prec = 1; prec <= 17; prec++) {
		char fmt[16];

		g_snprintf(fmt, sizeof(fmt), "%%.%de", prec - 1);
		g_ascii_formatd(buf, sizeof(buf), fmt, value);
		if (g_ascii_strtod(buf, NULL) == value)
			break;
	}
	for (p = buf; *p && *p != 'e'; p++)
		if (g_ascii_isdigit(*p) && n + 1 < size)
			digits[n++] = *p;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*exp10 = *p == 'e' ? atoi(p + 1) : 0;
}

char *
ctl_format_float_repr(double value)
{
	GString *out = g_string_new(NULL);
	char digits[32];
	int exp10, decpt;
	int nd;

	if (isnan(value))
		return g_strdup("nan");
	if (isinf(value))
		return g_strdup(value < 0 ? "-inf" : "inf");
	if (signbit(value))
		g_string_append_c(out, '-');
	value = fabs(value);
	if (value == 0.0) {
		g_string_append(out, "0.0");
		return g_string_free(out, FALSE);
	}
	shortest_digits(value, digits, sizeof(digits), &exp10);
	nd = (int)strlen(digits);
	decpt = exp10 + 1;
	/* repr() switches to exponent notation outside 1e-4 <= |x| < 1e16 */
	if (decpt <= -4 || decpt > 16) {
		g_string_append_c(out, digits[0]);
		if (nd > 1)
			g_string_append_printf(out, ".%s", digits + 1);
		g_string_append_printf(out, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	} else if (decpt <= 0) {
		g_string_append(out, "0.");
		for (int i = 0; i < -decpt; i++)
			g_string_append_c(out, '0');
		g_string_append(out, digits);
	} else if (decpt >= nd) {
		g_string_append(out, digits);
		for (int i = nd; i < decpt; i++)
			g_string_append_c(out, '0');
		g_string_append(out, ".0");
	} else {
		g_string_append_len(out, digits, decpt);
		g_string_append_printf(out, ".%s", digits + decpt);
	}
	return g_string_free(out, FALSE);
}

/* ---- _safe_repr ------------------------------------------------------------ */

typedef struct {
	const char *name;
	JsonNode *node;
} Member;

static int
compare_members(const void *a, const void *b)
{
	/* byte order of utf-8 is code point order, python's str order */
	return strcmp(((const Member *)a)->name, ((const Member *)b)->name);
}

/* the members of an object in python's sorted() order; *n_out their count */
static Member *
sorted_members(JsonObject *object, guint *n_out)
{
	guint n = json_object_get_size(object), i = 0;
	Member *m = g_new(Member, n + 1);
	JsonObjectIter iter;
	const char *name;
	JsonNode *node;

	json_object_iter_init(&iter, object);
	while (i < n && json_object_iter_next(&iter, &name, &node))
		m[i++] = (Member){name, node};
	qsort(m, i, sizeof(*m), compare_members);
	*n_out = i;
	return m;
}

static void safe_repr(GString *out, JsonNode *node);

static void
safe_repr_scalar(GString *out, JsonNode *node)
{
	GType type = json_node_get_value_type(node);

	if (type == G_TYPE_STRING) {
		append_str_repr(out, json_node_get_string(node));
	} else if (type == G_TYPE_BOOLEAN) {
		g_string_append(out, json_node_get_boolean(node) ? "True" : "False");
	} else if (type == G_TYPE_DOUBLE) {
		g_autofree char *f = ctl_format_float_repr(json_node_get_double(node));

		g_string_append(out, f);
	} else {
		g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(node));
	}
}

static void
safe_repr(GString *out, JsonNode *node)
{
	switch (JSON_NODE_TYPE(node)) {
	case JSON_NODE_OBJECT: {
		guint n;
		g_autofree Member *m = sorted_members(json_node_get_object(node), &n);

		g_string_append_c(out, '{');
		for (guint i = 0; i < n; i++) {
			if (i)
				g_string_append_len(out, ", ", 2);
			append_str_repr(out, m[i].name);
			g_string_append_len(out, ": ", 2);
			safe_repr(out, m[i].node);
		}
		g_string_append_c(out, '}');
		break;
	}
	case JSON_NODE_ARRAY: {
		JsonArray *array = json_node_get_array(node);
		guint n = json_array_get_length(array);

		g_string_append_c(out, '[');
		for (guint i = 0; i < n; i++) {
			if (i)
				g_string_append_len(out, ", ", 2);
			safe_repr(out, json_array_get_element(array, i));
		}
		g_string_append_c(out, ']');
		break;
	}
	case JSON_NODE_VALUE:
		safe_repr_scalar(out, node);
		break;
	case JSON_NODE_NULL:
	default:
		g_string_append(out, "None");
		break;
	}
}

/* ---- PrettyPrinter --------------------------------------------------------- */

typedef struct {
	GString *out;
	glong width;
} Printer;

/*
 * len(repr(text)) when it is at most cap, else some width above cap: the
 * scan stops there.  the lower bound counts every ' as 1.
 */
static glong
str_repr_width_capped(const char *text, glong cap)
{
	gsize len = strlen(text), i = 0;
	glong w = 2, sq = 0, dq = 0;

	while (i < len) {
		gunichar c = next_code_point(text, len, &i);

		w += (glong)(c < 0x80 ? ascii_width((guchar)c) : char_repr_width(c));
		sq += c == '\'';
		dq += c == '"';
		if (w > cap)
			return w;
	}
	return w + (sq && !dq ? 0 : sq);
}

static glong
scalar_repr_width(JsonNode *node, glong cap)
{
	g_autoptr(GString) rep = NULL;
	GType type = json_node_get_value_type(node);
	char buf[32];

	if (type == G_TYPE_STRING)
		return str_repr_width_capped(json_node_get_string(node), cap);
	if (type == G_TYPE_BOOLEAN)
		return json_node_get_boolean(node) ? 4 : 5;
	if (type != G_TYPE_DOUBLE)
		return g_snprintf(buf, sizeof(buf), "%" G_GINT64_FORMAT, json_node_get_int(node));
	rep = g_string_new(NULL);
	safe_repr_scalar(rep, node);
	return (glong)rep->len;
}

/*
 * len(self._repr(node)) when it is at most cap, else some width above cap:
 * pprint only asks whether the one-line form fits.  a width above cap is
 * found after at most ~cap nodes and characters (each adds at least one
 * column), so a deep or large tree costs O(cap) per node printed.
 */
static glong
repr_width(JsonNode *node, glong cap)
{
	glong n = 2; /* the brackets */

	if (JSON_NODE_HOLDS_VALUE(node))
		return scalar_repr_width(node, cap);
	if (JSON_NODE_HOLDS_NULL(node))
		return 4;
	if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonObjectIter iter;
		const char *name;
		JsonNode *member;
		gboolean first = TRUE;

		json_object_iter_init(&iter, json_node_get_object(node));
		while (n <= cap && json_object_iter_next(&iter, &name, &member)) {
			n += (first ? 0 : 2) + 2;
			n += str_repr_width_capped(name, cap - n);
			n += repr_width(member, cap - n);
			first = FALSE;
		}
	} else {
		JsonArray *array = json_node_get_array(node);
		guint len = json_array_get_length(array);

		for (guint i = 0; n <= cap && i < len; i++) {
			n += i ? 2 : 0;
			n += repr_width(json_array_get_element(array, i), cap - n);
		}
	}
	return n;
}

static void format_node(Printer *p, JsonNode *node, glong indent, glong allowance, int level);

static void
write_newline_indent(Printer *p, glong indent)
{
	gsize at = p->out->len;

	/* one resize for the whole indent */
	g_string_set_size(p->out, at + 1 + (gsize)MAX(indent, 0));
	p->out->str[at] = '\n';
	memset(p->out->str + at + 1, ' ', (gsize)MAX(indent, 0));
}

/* _format_dict_items */
static void
pprint_dict(Printer *p, JsonObject *object, glong indent, glong allowance, int level)
{
	guint n;
	g_autofree Member *m = sorted_members(object, &n);

	g_string_append_c(p->out, '{');
	allowance += 1;
	indent += 1;
	for (guint i = 0; i < n; i++) {
		glong rep_len = append_str_repr(p->out, m[i].name);

		g_string_append_len(p->out, ": ", 2);
		format_node(p, m[i].node, indent + rep_len + 2, i + 1 < n ? 1 : allowance, level);
		if (i + 1 < n) {
			g_string_append_c(p->out, ',');
			write_newline_indent(p, indent);
		}
	}
	g_string_append_c(p->out, '}');
}

/* _format_items (compact=False) */
static void
pprint_list(Printer *p, JsonArray *array, glong indent, glong allowance, int level)
{
	guint n = json_array_get_length(array);

	g_string_append_c(p->out, '[');
	allowance += 1;
	indent += 1;
	for (guint i = 0; i < n; i++) {
		if (i) {
			g_string_append_c(p->out, ',');
			write_newline_indent(p, indent);
		}
		format_node(p, json_array_get_element(array, i), indent, i + 1 == n ? allowance : 1,
			    level);
	}
	g_string_append_c(p->out, ']');
}

typedef struct {
	gsize a, b;
} Range;

/* str.splitlines(keepends=True) */
static GArray *
split_lines(const PyStr *s)
{
	GArray *lines = g_array_new(FALSE, FALSE, sizeof(Range));
	gsize start = 0;

	for (gsize i = 0; i < s->n; i++) {
		Range r;

		if (!py_is_linebreak(s->cp[i]))
			continue;
		if (s->cp[i] == '\r' && i + 1 < s->n && s->cp[i + 1] == '\n')
			i++;
		r.a = start;
		r.b = i + 1;
		g_array_append_val(lines, r);
		start = i + 1;
	}
	if (start < s->n) {
		Range r = {start, s->n};

		g_array_append_val(lines, r);
	}
	return lines;
}

/* re.findall(r'\S*\s*', line) without the empty match at the end */
static GArray *
split_words(const PyStr *s, Range line)
{
	GArray *parts = g_array_new(FALSE, FALSE, sizeof(Range));
	gsize i = line.a;

	while (i < line.b) {
		Range r = {i, 0};

		while (i < line.b && !py_isspace(s->cp[i]))
			i++;
		while (i < line.b && py_isspace(s->cp[i]))
			i++;
		r.b = i;
		g_array_append_val(parts, r);
	}
	return parts;
}

/* the inner loop of _pprint_str: a line too long for one chunk */
static void
chunk_line(const PyStr *s, Range line, gboolean last_line, glong max_width, glong allowance,
	   GArray *chunks)
{
	g_autoptr(GArray) parts = split_words(s, line);
	Range current = {line.a, line.a};

	for (guint j = 0; j < parts->len; j++) {
		Range part = g_array_index(parts, Range, j);

		if (j + 1 == parts->len && last_line)
			max_width -= allowance;
		if (pystr_repr_len(s, current.a, part.b) > max_width) {
			if (current.b > current.a)
				g_array_append_val(chunks, current);
			current = part;
		} else {
			current.b = part.b;
		}
	}
	if (current.b > current.a)
		g_array_append_val(chunks, current);
}

/* _pprint_str: a str too long for its line, split into adjacent literals */
static void
pprint_str(Printer *p, const char *text, glong indent, glong allowance, int level)
{
	g_autoptr(GArray) lines = NULL;
	g_autoptr(GArray) chunks = g_array_new(FALSE, FALSE, sizeof(Range));
	glong max_width1;
	PyStr s;

	pystr_init(&s, text, strlen(text));
	if (s.n == 0) {
		g_string_append(p->out, "''");
		pystr_clear(&s);
		return;
	}
	lines = split_lines(&s);
	if (level == 1) {
		indent += 1;
		allowance += 1;
	}
	max_width1 = p->width - indent;
	for (guint i = 0; i < lines->len; i++) {
		Range line = g_array_index(lines, Range, i);
		gboolean last = i + 1 == lines->len;

		if (last)
			max_width1 -= allowance;
		if (pystr_repr_len(&s, line.a, line.b) <= max_width1)
			g_array_append_val(chunks, line);
		else
			chunk_line(&s, line, last, p->width - indent, allowance, chunks);
	}
	if (chunks->len > 1 && level == 1)
		g_string_append_c(p->out, '(');
	for (guint i = 0; i < chunks->len; i++) {
		Range r = g_array_index(chunks, Range, i);

		if (i)
			write_newline_indent(p, indent);
		pystr_append_repr(p->out, &s, r.a, r.b);
	}
	if (chunks->len > 1 && level == 1)
		g_string_append_c(p->out, ')');
	pystr_clear(&s);
}

/* _format of a str: its repr if it fits, else _pprint_str */
static void
format_str(Printer *p, const char *text, glong indent, glong allowance, int level)
{
	gsize before = p->out->len;
	glong max_width = p->width - indent - allowance;

	glong width = append_plain_repr(p->out, text, strlen(text));

	/* a str with ' or non-ascii: measured, then written once */
	if (width < 0) {
		if (str_repr_width_capped(text, max_width) > max_width)
			pprint_str(p, text, indent, allowance, level + 1);
		else
			append_str_repr(p->out, text);
		return;
	}
	/* else written first, taken back in the rare case it is too wide */
	if (width <= max_width)
		return;
	g_string_truncate(p->out, before);
	pprint_str(p, text, indent, allowance, level + 1);
}

/* _format: the one-line repr if it fits, else the type's pretty printer */
static void
format_node(Printer *p, JsonNode *node, glong indent, glong allowance, int level)
{
	glong max_width = p->width - indent - allowance;

	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING) {
		format_str(p, json_node_get_string(node), indent, allowance, level);
		return;
	}
	if (repr_width(node, max_width) > max_width) {
		if (JSON_NODE_HOLDS_OBJECT(node)) {
			pprint_dict(p, json_node_get_object(node), indent, allowance, level + 1);
			return;
		}
		if (JSON_NODE_HOLDS_ARRAY(node)) {
			pprint_list(p, json_node_get_array(node), indent, allowance, level + 1);
			return;
		}
	}
	safe_repr(p->out, node);
}

char *
ctl_format_pretty(JsonNode *node, int width)
{
	Printer p = {g_string_sized_new(4096), width};

	format_node(&p, node, 0, 0, 0);
	return g_string_free(p.out, FALSE);
}

/* ---- JSON ------------------------------------------------------------------ */

static void
json_append_string(GString *out, const char *text)
{
	const char *p = text, *end = text + strlen(text);

	g_string_append_c(out, '"');
	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append(out, "\\ufffd"); /* not utf-8: never from the bus */
			p++;
			continue;
		}
		if (c == '"' || c == '\\')
			g_string_append_c(g_string_append_c(out, '\\'), (char)c);
		else if (c == '\n')
			g_string_append(out, "\\n");
		else if (c == '\r')
			g_string_append(out, "\\r");
		else if (c == '\t')
			g_string_append(out, "\\t");
		else if (c == '\b')
			g_string_append(out, "\\b");
		else if (c == '\f')
			g_string_append(out, "\\f");
		else if (c < 0x20)
			g_string_append_printf(out, "\\u%04x", c);
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
		p = g_utf8_next_char(p);
	}
	g_string_append_c(out, '"');
}

static void
json_append_scalar(GString *out, JsonNode *node)
{
	GType type = json_node_get_value_type(node);

	if (type == G_TYPE_STRING) {
		json_append_string(out, json_node_get_string(node));
	} else if (type == G_TYPE_BOOLEAN) {
		g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
	} else if (type == G_TYPE_DOUBLE) {
		double d = json_node_get_double(node);
		g_autofree char *f = ctl_format_float_repr(d);

		/* python's json spells the non-finite values this way */
		if (isnan(d))
			g_string_append(out, "NaN");
		else if (isinf(d))
			g_string_append(out, d < 0 ? "-Infinity" : "Infinity");
		else
			g_string_append(out, f);
	} else {
		g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(node));
	}
}

static void
json_append_node(GString *out, JsonNode *node, int indent)
{
	if (JSON_NODE_HOLDS_OBJECT(node)) {
		guint n;
		g_autofree Member *m = sorted_members(json_node_get_object(node), &n);

		if (n == 0) {
			g_string_append(out, "{}");
			return;
		}
		g_string_append_c(out, '{');
		for (guint i = 0; i < n; i++) {
			g_string_append_printf(out, "%s\n%*s", i == 0 ? "" : ",", indent + 2, "");
			json_append_string(out, m[i].name);
			g_string_append(out, ": ");
			json_append_node(out, m[i].node, indent + 2);
		}
		g_string_append_printf(out, "\n%*s}", indent, "");
	} else if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *array = json_node_get_array(node);
		guint n = json_array_get_length(array);

		if (n == 0) {
			g_string_append(out, "[]");
			return;
		}
		g_string_append_c(out, '[');
		for (guint i = 0; i < n; i++) {
			g_string_append_printf(out, "%s\n%*s", i ? "," : "", indent + 2, "");
			json_append_node(out, json_array_get_element(array, i), indent + 2);
		}
		g_string_append_printf(out, "\n%*s]", indent, "");
	} else if (JSON_NODE_HOLDS_VALUE(node)) {
		json_append_scalar(out, node);
	} else {
		g_string_append(out, "null");
	}
}

char *
ctl_format_json(JsonNode *node)
{
	GString *out = g_string_new(NULL);

	json_append_node(out, node, 0);
	return g_string_free(out, FALSE);
}

/* ---- input ----------------------------------------------------------------- */

/* a{?*}; the strings of the daemons' a{ss} are read in place, no copies */
static JsonNode *
node_from_dict(GVariant *value)
{
	g_autoptr(JsonObject) object = json_object_new();
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);
	gsize n = g_variant_n_children(value);

	for (gsize i = 0; i < n; i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(value, i);
		g_autoptr(GVariant) key = g_variant_get_child_value(entry, 0);
		g_autoptr(GVariant) val = g_variant_get_child_value(entry, 1);
		g_autofree char *printed = NULL;
		const char *name = g_variant_is_of_type(key, G_VARIANT_TYPE_STRING)
					   ? g_variant_get_string(key, NULL)
					   : (printed = g_variant_print(key, FALSE));

		if (g_variant_is_of_type(val, G_VARIANT_TYPE_STRING))
			json_object_set_string_member(object, name,
						      g_variant_get_string(val, NULL));
		else
			json_object_set_member(object, name, ctl_node_from_variant(val));
	}
	json_node_set_object(node, object);
	return node;
}

static JsonNode *
node_from_container(GVariant *value)
{
	g_autoptr(JsonArray) array = json_array_new();
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);
	gsize n = g_variant_n_children(value);

	for (gsize i = 0; i < n; i++) {
		g_autoptr(GVariant) child = g_variant_get_child_value(value, i);

		json_array_add_element(array, ctl_node_from_variant(child));
	}
	json_node_set_array(node, array);
	return node;
}

static gint64
variant_to_int(GVariant *value)
{
	switch (g_variant_classify(value)) {
	case G_VARIANT_CLASS_BYTE:
		return g_variant_get_byte(value);
	case G_VARIANT_CLASS_INT16:
		return g_variant_get_int16(value);
	case G_VARIANT_CLASS_UINT16:
		return g_variant_get_uint16(value);
	case G_VARIANT_CLASS_INT32:
		return g_variant_get_int32(value);
	case G_VARIANT_CLASS_UINT32:
		return g_variant_get_uint32(value);
	case G_VARIANT_CLASS_INT64:
		return g_variant_get_int64(value);
	case G_VARIANT_CLASS_UINT64:
		return (gint64)MIN(g_variant_get_uint64(value), (guint64)G_MAXINT64);
	case G_VARIANT_CLASS_HANDLE:
		return g_variant_get_handle(value);
	default:
		return 0;
	}
}

JsonNode *
ctl_node_from_variant(GVariant *value)
{
	if (g_variant_is_of_type(value, G_VARIANT_TYPE_VARIANT)) {
		g_autoptr(GVariant) inner = g_variant_get_variant(value);

		return ctl_node_from_variant(inner);
	}
	if (g_variant_is_of_type(value, G_VARIANT_TYPE("a{?*}")))
		return node_from_dict(value);
	if (g_variant_is_container(value))
		return node_from_container(value);
	switch (g_variant_classify(value)) {
	case G_VARIANT_CLASS_BOOLEAN:
		return json_node_init_boolean(json_node_alloc(), g_variant_get_boolean(value));
	case G_VARIANT_CLASS_DOUBLE:
		return json_node_init_double(json_node_alloc(), g_variant_get_double(value));
	case G_VARIANT_CLASS_STRING:
	case G_VARIANT_CLASS_OBJECT_PATH:
	case G_VARIANT_CLASS_SIGNATURE:
		return json_node_init_string(json_node_alloc(), g_variant_get_string(value, NULL));
	default:
		return json_node_init_int(json_node_alloc(), variant_to_int(value));
	}
}

/*
 * the fast reader of the daemons' replies: strict JSON without \u escapes,
 * fractions, exponents or huge numbers, duplicate or empty keys.  it gives up
 * (NULL) on anything else, valid or not, and json-glib reads the text then:
 * what it accepts, json-glib reads as the same tree, and every error is
 * json-glib's.  json-glib costs some 200 instructions per byte, this ~10.
 */
#define FAST_JSON_MAX_DEPTH 32

typedef struct {
	const char *p;
	const char *end;
	GString *buf; /* a string being unescaped */
} FastJson;

static void
fast_skip_space(FastJson *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static gboolean
fast_literal(FastJson *j, const char *word, gsize len)
{
	if ((gsize)(j->end - j->p) < len || memcmp(j->p, word, len) != 0)
		return FALSE;
	j->p += len;
	return TRUE;
}

/* a string at j->p (its opening quote); the text stays valid until the next
 * call.  no escape makes a NUL, so the result has none */
static const char *
fast_string(FastJson *j)
{
	const char *start = ++j->p;

	g_string_truncate(j->buf, 0);
	while (j->p < j->end) {
		guchar c = (guchar)*j->p;

		if (c == '"') {
			g_string_append_len(j->buf, start, j->p - start);
			j->p++;
			return j->buf->str;
		}
		if (c < 0x20)
			return NULL;
		if (c != '\\') {
			j->p++;
			continue;
		}
		g_string_append_len(j->buf, start, j->p - start);
		if (j->p + 1 >= j->end)
			return NULL;
		switch (j->p[1]) {
		case '"':
		case '\\':
		case '/':
			g_string_append_c(j->buf, j->p[1]);
			break;
		case 'b':
			g_string_append_c(j->buf, '\b');
			break;
		case 'f':
			g_string_append_c(j->buf, '\f');
			break;
		case 'n':
			g_string_append_c(j->buf, '\n');
			break;
		case 'r':
			g_string_append_c(j->buf, '\r');
			break;
		case 't':
			g_string_append_c(j->buf, '\t');
			break;
		default: /* \u and anything else: json-glib's */
			return NULL;
		}
		j->p += 2;
		start = j->p;
	}
	return NULL;
}

/* -?[1-9][0-9]{0,17} or 0: always a gint64 */
static JsonNode *
fast_int(FastJson *j)
{
	gint64 v = 0;
	gboolean neg = *j->p == '-';
	int digits = 0;

	if (neg)
		j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9' || (*j->p == '0' && neg))
		return NULL;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		if (++digits > 18 || (digits == 2 && v == 0))
			return NULL;
		v = v * 10 + (*j->p++ - '0');
	}
	if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
		return NULL;
	return json_node_init_int(json_node_alloc(), neg ? -v : v);
}

static JsonNode *fast_value(FastJson *j, int depth);

static JsonNode *
fast_object(FastJson *j, int depth)
{
	g_autoptr(JsonObject) object = json_object_new();

	j->p++;
	fast_skip_space(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return json_node_init_object(json_node_alloc(), object);
	}
	while (j->p < j->end && *j->p == '"') {
		g_autofree char *name = NULL;
		JsonNode *member;
		guint size = json_object_get_size(object);

		if (fast_string(j) == NULL || j->buf->len == 0)
			return NULL;
		name = g_strndup(j->buf->str, j->buf->len);
		fast_skip_space(j);
		if (j->p >= j->end || *j->p != ':')
			return NULL;
		j->p++;
		member = fast_value(j, depth + 1);
		if (member == NULL)
			return NULL;
		json_object_set_member(object, name, member);
		if (json_object_get_size(object) == size) /* a duplicate key */
			return NULL;
		fast_skip_space(j);
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return json_node_init_object(json_node_alloc(), object);
		}
		if (j->p >= j->end || *j->p != ',')
			return NULL;
		j->p++;
		fast_skip_space(j);
	}
	return NULL;
}

static JsonNode *
fast_array(FastJson *j, int depth)
{
	g_autoptr(JsonArray) array = json_array_new();

	j->p++;
	fast_skip_space(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return json_node_init_array(json_node_alloc(), array);
	}
	for (;;) {
		JsonNode *element = fast_value(j, depth + 1);

		if (element == NULL)
			return NULL;
		json_array_add_element(array, element);
		fast_skip_space(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return json_node_init_array(json_node_alloc(), array);
		}
		if (j->p >= j->end || *j->p != ',')
			return NULL;
		j->p++;
	}
}

static JsonNode *
fast_value(FastJson *j, int depth)
{
	fast_skip_space(j);
	if (j->p >= j->end || depth > FAST_JSON_MAX_DEPTH)
		return NULL;
	switch (*j->p) {
	case '{':
		return fast_object(j, depth);
	case '[':
		return fast_array(j, depth);
	case '"':
		if (fast_string(j) == NULL)
			return NULL;
		return json_node_init_string(json_node_alloc(), j->buf->str);
	case 't':
		return fast_literal(j, "true", 4) ? json_node_init_boolean(json_node_alloc(), TRUE)
						  : NULL;
	case 'f':
		return fast_literal(j, "false", 5)
			       ? json_node_init_boolean(json_node_alloc(), FALSE)
			       : NULL;
	case 'n':
		return fast_literal(j, "null", 4) ? json_node_init_null(json_node_alloc()) : NULL;
	default:
		return fast_int(j);
	}
}

/* an object or an array, and nothing after it; NULL: ask json-glib */
static JsonNode *
fast_json(const char *json)
{
	gsize len = strlen(json);
	g_autoptr(GString) buf = g_string_sized_new(256);
	FastJson j = {json, json + len, buf};
	g_autoptr(JsonNode) node = NULL;

	if (!g_utf8_validate(json, (gssize)len, NULL))
		return NULL;
	fast_skip_space(&j);
	if (j.p >= j.end || (*j.p != '{' && *j.p != '['))
		return NULL;
	node = fast_value(&j, 0);
	if (node == NULL)
		return NULL;
	fast_skip_space(&j);
	return j.p == j.end ? g_steal_pointer(&node) : NULL;
}

JsonNode *
ctl_node_from_json(const char *json, GError **error)
{
	g_autoptr(GError) local = NULL;
	JsonNode *node = fast_json(json);

	if (node)
		return node;
	node = json_from_string(json, &local);

	if (node == NULL && local == NULL)
		g_set_error(&local, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "empty document");
	if (node == NULL)
		g_propagate_error(error, g_steal_pointer(&local));
	return node;
}
