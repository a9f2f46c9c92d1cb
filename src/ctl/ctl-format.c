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
static gboolean
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
	gunichar *cp;
	gsize n;
	gsize *width; /* width[i]: repr width of cp[0..i) with quotes counted as 1 */
	gsize *sq;    /* single quotes in cp[0..i) */
	gsize *dq;    /* double quotes in cp[0..i) */
} PyStr;

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

/* utf-8 to code points; a byte that is not utf-8 becomes U+DC80..U+DCFF
 * (python's surrogateescape), so nothing is lost or read past the end */
static void
pystr_init(PyStr *s, const char *text, gsize len)
{
	gsize i = 0;

	s->cp = g_new(gunichar, len + 1);
	s->n = 0;
	while (i < len) {
		gunichar c;

		if (text[i] == '\0') {
			s->cp[s->n++] = 0;
			i++;
			continue;
		}
		c = g_utf8_get_char_validated(text + i, len - i);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			s->cp[s->n++] = 0xdc00 + (guchar)text[i];
			i++;
			continue;
		}
		s->cp[s->n++] = c;
		i += g_utf8_next_char(text + i) - (text + i);
	}
	s->width = g_new(gsize, s->n + 1);
	s->sq = g_new(gsize, s->n + 1);
	s->dq = g_new(gsize, s->n + 1);
	s->width[0] = s->sq[0] = s->dq[0] = 0;
	for (gsize k = 0; k < s->n; k++) {
		s->width[k + 1] = s->width[k] + char_repr_width(s->cp[k]);
		s->sq[k + 1] = s->sq[k] + (s->cp[k] == '\'');
		s->dq[k + 1] = s->dq[k] + (s->cp[k] == '"');
	}
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

/* repr(s[a:b]) */
static void
pystr_append_repr(GString *out, const PyStr *s, gsize a, gsize b)
{
	char quote = pystr_use_dquote(s, a, b) ? '"' : '\'';

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

static void
append_str_repr(GString *out, const char *text)
{
	PyStr s;

	pystr_init(&s, text, strlen(text));
	pystr_append_repr(out, &s, 0, s.n);
	pystr_clear(&s);
}

char *
ctl_format_str_repr(const char *text, gssize len)
{
	GString *out = g_string_new(NULL);
	PyStr s;

	pystr_init(&s, text, len < 0 ? strlen(text) : (gsize)len);
	pystr_append_repr(out, &s, 0, s.n);
	pystr_clear(&s);
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

static gint
compare_keys(gconstpointer a, gconstpointer b)
{
	/* byte order of utf-8 is code point order, python's str order */
	return strcmp(a, b);
}

/* the member names of an object in python's sorted() order */
static GList *
sorted_members(JsonObject *object)
{
	return g_list_sort(json_object_get_members(object), compare_keys);
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
		JsonObject *object = json_node_get_object(node);
		g_autoptr(GList) keys = sorted_members(object);

		g_string_append_c(out, '{');
		for (GList *l = keys; l; l = l->next) {
			if (l != keys)
				g_string_append(out, ", ");
			append_str_repr(out, l->data);
			g_string_append(out, ": ");
			safe_repr(out, json_object_get_member(object, l->data));
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
				g_string_append(out, ", ");
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
	GHashTable *widths; /* JsonNode* -> 1 + len(repr(node)) */
} Printer;

/* len(repr(text)) */
static glong
str_repr_width(const char *text)
{
	PyStr s;
	glong n;

	pystr_init(&s, text, strlen(text));
	n = pystr_repr_len(&s, 0, s.n);
	pystr_clear(&s);
	return n;
}

static glong
scalar_repr_width(JsonNode *node)
{
	g_autoptr(GString) rep = NULL;
	GType type = json_node_get_value_type(node);

	if (type == G_TYPE_STRING)
		return str_repr_width(json_node_get_string(node));
	if (type == G_TYPE_BOOLEAN)
		return json_node_get_boolean(node) ? 4 : 5;
	rep = g_string_new(NULL);
	safe_repr_scalar(rep, node);
	return (glong)rep->len;
}

/*
 * len(self._repr(node)): the one-line width pprint compares with the room
 * left, without building the text.  remembered per node, so a deep tree
 * costs its size once, not once per level.
 */
static glong
repr_width(Printer *p, JsonNode *node)
{
	gpointer known = g_hash_table_lookup(p->widths, node);
	glong n = 2; /* the brackets, or "None" below */

	if (known)
		return GPOINTER_TO_SIZE(known) - 1;
	if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonObject *object = json_node_get_object(node);
		g_autoptr(GList) keys = json_object_get_members(object);

		for (GList *l = keys; l; l = l->next)
			n += (l != keys ? 2 : 0) + str_repr_width(l->data) + 2 +
			     repr_width(p, json_object_get_member(object, l->data));
	} else if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *array = json_node_get_array(node);

		for (guint i = 0; i < json_array_get_length(array); i++)
			n += (i ? 2 : 0) + repr_width(p, json_array_get_element(array, i));
	} else if (JSON_NODE_HOLDS_VALUE(node)) {
		n = scalar_repr_width(node);
	} else {
		n = 4;
	}
	g_hash_table_insert(p->widths, node, GSIZE_TO_POINTER((gsize)n + 1));
	return n;
}

static void format_node(Printer *p, JsonNode *node, glong indent, glong allowance, int level);

static void
write_newline_indent(Printer *p, glong indent)
{
	g_string_append_c(p->out, '\n');
	for (glong i = 0; i < indent; i++)
		g_string_append_c(p->out, ' ');
}

/* _format_dict_items */
static void
pprint_dict(Printer *p, JsonObject *object, glong indent, glong allowance, int level)
{
	g_autoptr(GList) keys = sorted_members(object);

	g_string_append_c(p->out, '{');
	allowance += 1;
	indent += 1;
	for (GList *l = keys; l; l = l->next) {
		gsize before = p->out->len;
		glong rep_len;

		append_str_repr(p->out, l->data);
		rep_len = g_utf8_strlen(p->out->str + before, -1);
		g_string_append(p->out, ": ");
		format_node(p, json_object_get_member(object, l->data), indent + rep_len + 2,
			    l->next ? 1 : allowance, level);
		if (l->next) {
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

/* _format: the one-line repr if it fits, else the type's pretty printer */
static void
format_node(Printer *p, JsonNode *node, glong indent, glong allowance, int level)
{
	glong max_width = p->width - indent - allowance;

	if (repr_width(p, node) > max_width) {
		if (JSON_NODE_HOLDS_OBJECT(node)) {
			pprint_dict(p, json_node_get_object(node), indent, allowance, level + 1);
			return;
		}
		if (JSON_NODE_HOLDS_ARRAY(node)) {
			pprint_list(p, json_node_get_array(node), indent, allowance, level + 1);
			return;
		}
		if (JSON_NODE_HOLDS_VALUE(node) &&
		    json_node_get_value_type(node) == G_TYPE_STRING) {
			pprint_str(p, json_node_get_string(node), indent, allowance, level + 1);
			return;
		}
	}
	safe_repr(p->out, node);
}

char *
ctl_format_pretty(JsonNode *node, int width)
{
	Printer p = {g_string_new(NULL), width, g_hash_table_new(NULL, NULL)};

	format_node(&p, node, 0, 0, 0);
	g_hash_table_unref(p.widths);
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
		JsonObject *object = json_node_get_object(node);
		g_autoptr(GList) keys = sorted_members(object);

		if (keys == NULL) {
			g_string_append(out, "{}");
			return;
		}
		g_string_append_c(out, '{');
		for (GList *l = keys; l; l = l->next) {
			g_string_append_printf(out, "%s\n%*s", l == keys ? "" : ",", indent + 2,
					       "");
			json_append_string(out, l->data);
			g_string_append(out, ": ");
			json_append_node(out, json_object_get_member(object, l->data), indent + 2);
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
		g_autofree char *name = g_variant_is_of_type(key, G_VARIANT_TYPE_STRING)
						? g_variant_dup_string(key, NULL)
						: g_variant_print(key, FALSE);

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

JsonNode *
ctl_node_from_json(const char *json, GError **error)
{
	g_autoptr(GError) local = NULL;
	JsonNode *node = json_from_string(json, &local);

	if (node == NULL && local == NULL)
		g_set_error(&local, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "empty document");
	if (node == NULL)
		g_propagate_error(error, g_steal_pointer(&local));
	return node;
}
