/* SPDX-License-Identifier: Apache-2.0 */
/*
 * a small argparse: the parsing rules and the help layout of python 3.11's
 * argparse (ArgumentParser._parse_optional, consume_optional,
 * HelpFormatter._format_usage / _format_action) for the shapes our tools
 * use: options with zero or one value, one optional command level, at most
 * one positional per command.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ctl-args.h"
#include "ctl-format.h"

/* argparse's HelpFormatter: help column at most 24 (less on narrow terminals) */
#define MAX_HELP_POSITION 24

struct _CtlArgs {
	const CtlCommandSpec *command;
	GHashTable *global; /* long name -> value ("" for a flag) */
	GHashTable *values; /* the command's options */
	char *positional;
};

/* one level of parser: the tool itself or one of its commands */
typedef struct {
	char *prog; /* "stafctl" or "stafctl dlp" */
	const char *description;
	const CtlOption *options;
	const char *positional;
	const char *positional_help;
	const CtlCommandSpec *commands; /* the tool level only */
} Parser;

static const CtlOption help_option = {
	'h', "help", NULL, "show this help message and exit", NULL, FALSE,
};

/* the options of a parser, -h first as argparse adds it first */
static const CtlOption *
parser_option(const Parser *p, guint i)
{
	if (i == 0)
		return &help_option;
	if (p->options == NULL || p->options[i - 1].long_name == NULL)
		return NULL;
	return &p->options[i - 1];
}

/* ---- help and usage -------------------------------------------------------- */

/* argparse: shutil.get_terminal_size().columns - 2 */
static int
help_width(void)
{
	const char *env = g_getenv("COLUMNS");
	struct winsize ws;
	int cols = 0;

	if (env)
		cols = atoi(env);
	if (cols <= 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		cols = ws.ws_col;
	if (cols <= 0)
		cols = 80;
	return cols - 2;
}

static char *
commands_metavar(const CtlCommandSpec *commands)
{
	GString *s = g_string_new("{");

	for (const CtlCommandSpec *c = commands; c->name; c++)
		g_string_append_printf(s, "%s%s", c == commands ? "" : ",", c->name);
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

/* "-t <trtype>" or "--json": what usage shows */
static char *
option_usage(const CtlOption *o)
{
	g_autofree char *name = o->short_name ? g_strdup_printf("-%c", o->short_name)
					      : g_strdup_printf("--%s", o->long_name);
	g_autofree char *part =
		o->metavar ? g_strdup_printf("%s %s", name, o->metavar) : g_steal_pointer(&name);

	return o->required ? g_steal_pointer(&part) : g_strdup_printf("[%s]", part);
}

/* "-t <trtype>, --transport <trtype>": what the help list shows */
static char *
option_invocation(const CtlOption *o)
{
	GString *s = g_string_new(NULL);

	if (o->short_name)
		g_string_append_printf(s, "-%c%s%s, ", o->short_name, o->metavar ? " " : "",
				       o->metavar ? o->metavar : "");
	g_string_append_printf(s, "--%s%s%s", o->long_name, o->metavar ? " " : "",
			       o->metavar ? o->metavar : "");
	return g_string_free(s, FALSE);
}

/* "-a/--traddr": how errors name an option */
static char *
option_name(const CtlOption *o)
{
	if (o->short_name)
		return g_strdup_printf("-%c/--%s", o->short_name, o->long_name);
	return g_strdup_printf("--%s", o->long_name);
}

/* argparse's get_lines() of _format_usage */
static void
usage_lines(GPtrArray *lines, GPtrArray *parts, gsize indent, const char *prefix, int text_width)
{
	GString *line = NULL;
	gsize line_len = prefix ? strlen(prefix) - 1 : indent - 1;

	for (guint i = 0; i < parts->len; i++) {
		const char *part = parts->pdata[i];

		if (line && line_len + 1 + strlen(part) > (gsize)text_width) {
			g_ptr_array_add(lines, g_string_free(line, FALSE));
			line = NULL;
			line_len = indent - 1;
		}
		if (line == NULL)
			line = g_string_new(NULL);
		else
			g_string_append_c(line, ' ');
		g_string_append(line, part);
		line_len += strlen(part) + 1;
	}
	if (line)
		g_ptr_array_add(lines, g_string_free(line, FALSE));
}

/* argparse re-splits the usage text: "[...]" stays whole, the rest at spaces */
static void
split_parts(GPtrArray *parts)
{
	g_autoptr(GPtrArray) old = g_ptr_array_copy(parts, NULL, NULL);

	g_ptr_array_set_free_func(old, g_free);
	g_ptr_array_set_free_func(parts, NULL);
	g_ptr_array_set_size(parts, 0);
	g_ptr_array_set_free_func(parts, g_free);
	for (guint i = 0; i < old->len; i++) {
		const char *part = old->pdata[i];
		g_auto(GStrv) words = NULL;

		if (part[0] == '[') {
			g_ptr_array_add(parts, g_strdup(part));
			continue;
		}
		words = g_strsplit(part, " ", -1);
		for (char **w = words; *w; w++)
			if (**w)
				g_ptr_array_add(parts, g_strdup(*w));
	}
}

static char *
format_usage(const Parser *p, int width)
{
	g_autoptr(GPtrArray) opts = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) pos = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *all = NULL;
	g_autofree char *opt_text = NULL, *pos_text = NULL;
	const char *prefix = "usage: ";
	GString *out;
	gsize indent;

	for (guint i = 0; parser_option(p, i); i++)
		g_ptr_array_add(opts, option_usage(parser_option(p, i)));
	if (p->positional)
		g_ptr_array_add(pos, g_strdup(p->positional));
	if (p->commands) {
		g_autofree char *m = commands_metavar(p->commands);

		g_ptr_array_add(pos, g_strdup_printf("%s ...", m));
	}
	g_ptr_array_add(opts, NULL);
	g_ptr_array_add(pos, NULL);
	opt_text = g_strjoinv(" ", (char **)opts->pdata);
	pos_text = g_strjoinv(" ", (char **)pos->pdata);
	g_ptr_array_remove_index(opts, opts->len - 1);
	g_ptr_array_remove_index(pos, pos->len - 1);
	all = g_strjoin(" ", p->prog, opt_text, *pos_text ? pos_text : NULL, NULL);
	if (strlen(prefix) + strlen(all) <= (gsize)width)
		return g_strdup_printf("%s%s\n", prefix, all);

	/* too long: options wrapped after the prog, positionals on their own lines */
	indent = strlen(prefix) + strlen(p->prog) + 1;
	split_parts(opts);
	split_parts(pos);
	g_ptr_array_insert(opts, 0, g_strdup(p->prog));
	usage_lines(lines, opts, indent, prefix, width);
	usage_lines(lines, pos, indent, NULL, width);
	out = g_string_new(prefix);
	for (guint i = 0; i < lines->len; i++) {
		if (i)
			g_string_append_printf(out, "\n%*s", (int)indent, "");
		g_string_append(out, lines->pdata[i]);
	}
	g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}

/* textwrap.wrap() at whitespace */
static GPtrArray *
wrap_text(const char *text, int width)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) words = g_strsplit_set(text, " \t\n", -1);
	GString *line = NULL;

	for (char **w = words; *w; w++) {
		if (**w == '\0')
			continue;
		if (line && line->len + 1 + strlen(*w) > (gsize)width) {
			g_ptr_array_add(lines, g_string_free(line, FALSE));
			line = NULL;
		}
		if (line == NULL)
			line = g_string_new(*w);
		else
			g_string_append_printf(line, " %s", *w);
	}
	if (line)
		g_ptr_array_add(lines, g_string_free(line, FALSE));
	return lines;
}

/* HelpFormatter._format_action for one entry */
static void
format_action(GString *out, int indent, const char *header, const char *help, int help_position,
	      int width)
{
	int action_width = help_position - indent - 2;
	g_autoptr(GPtrArray) lines = NULL;
	guint first = 0;

	if (help == NULL) {
		g_string_append_printf(out, "%*s%s\n", indent, "", header);
		return;
	}
	lines = wrap_text(help, MAX(width - help_position, 11));
	if ((int)strlen(header) <= action_width && lines->len) {
		g_string_append_printf(out, "%*s%-*s  %s\n", indent, "", action_width, header,
				       (char *)lines->pdata[0]);
		first = 1;
	} else {
		g_string_append_printf(out, "%*s%s\n", indent, "", header);
	}
	for (guint i = first; i < lines->len; i++)
		g_string_append_printf(out, "%*s%s\n", help_position, "", (char *)lines->pdata[i]);
}

/* the widest entry decides where the help column starts */
static int
help_position(const Parser *p, const char *cmd_metavar, int width)
{
	gsize longest = 0;

	for (guint i = 0; parser_option(p, i); i++) {
		g_autofree char *inv = option_invocation(parser_option(p, i));

		longest = MAX(longest, strlen(inv));
	}
	if (p->positional)
		longest = MAX(longest, strlen(p->positional));
	if (cmd_metavar)
		longest = MAX(longest, strlen(cmd_metavar));
	for (const CtlCommandSpec *c = p->commands; c && c->name; c++)
		longest = MAX(longest, strlen(c->name));
	return MIN((int)longest + 2 + 2, MIN(MAX_HELP_POSITION, MAX(width - 20, 4)));
}

static void
print_help(const Parser *p, FILE *out)
{
	int width = help_width();
	g_autofree char *usage = format_usage(p, width);
	g_autofree char *cmd_metavar = p->commands ? commands_metavar(p->commands) : NULL;
	int hp = help_position(p, cmd_metavar, width);
	g_autoptr(GString) s = g_string_new(usage);

	g_string_append_c(s, '\n');
	if (p->description) {
		g_autoptr(GPtrArray) lines = wrap_text(p->description, width);

		for (guint i = 0; i < lines->len; i++)
			g_string_append_printf(s, "%s\n", (char *)lines->pdata[i]);
		g_string_append_c(s, '\n');
	}
	if (p->positional) {
		g_string_append(s, "positional arguments:\n");
		format_action(s, 2, p->positional, p->positional_help, hp, width);
		g_string_append_c(s, '\n');
	}
	g_string_append(s, "options:\n");
	for (guint i = 0; parser_option(p, i); i++) {
		const CtlOption *o = parser_option(p, i);
		g_autofree char *inv = option_invocation(o);

		format_action(s, 2, inv, o->help, hp, width);
	}
	if (p->commands) {
		g_string_append(s, "\nCommands:\n");
		format_action(s, 2, cmd_metavar, NULL, hp, width);
		for (const CtlCommandSpec *c = p->commands; c->name; c++)
			format_action(s, 4, c->name, c->help, hp, width);
	}
	fputs(s->str, out);
}

void
ctl_args_print_usage(const CtlParserSpec *spec, FILE *out)
{
	Parser p = {(char *)spec->prog, spec->description, spec->options, NULL, NULL,
		    spec->commands};
	g_autofree char *usage = format_usage(&p, help_width());

	fputs(usage, out);
}

static void G_GNUC_PRINTF(3, 4) parser_error(const Parser *p, FILE *err, const char *fmt, ...)
{
	g_autofree char *usage = format_usage(p, help_width());
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(err, "%s%s: error: %s\n", usage, p->prog, msg);
}

/* ---- parsing --------------------------------------------------------------- */

typedef enum {
	ARG_POSITIONAL,
	ARG_OPTION,
	ARG_UNKNOWN, /* looks like an option nobody has: "unrecognized" */
	ARG_AMBIGUOUS,
} ArgKind;

typedef struct {
	ArgKind kind;
	const CtlOption *option;
	const char *explicit_value; /* "--opt=value", "-oVALUE"; points into the arg */
	gboolean via_short;
	char *matches; /* ARG_AMBIGUOUS: "--a, --b" */
} ArgMatch;

static gboolean
is_negative_number(const char *s)
{
	g_autoptr(GRegex) re = g_regex_new("^-\\d+$|^-\\d*\\.\\d+$", 0, 0, NULL);

	return g_regex_match(re, s, 0, NULL);
}

static const CtlOption *
find_exact(const Parser *p, const char *name, gsize len, gboolean *via_short)
{
	for (guint i = 0; parser_option(p, i); i++) {
		const CtlOption *o = parser_option(p, i);

		if (len == 2 && name[0] == '-' && o->short_name && name[1] == o->short_name) {
			*via_short = TRUE;
			return o;
		}
		if (len > 2 && g_str_has_prefix(name, "--") && strlen(o->long_name) == len - 2 &&
		    strncmp(name + 2, o->long_name, len - 2) == 0) {
			*via_short = FALSE;
			return o;
		}
	}
	return NULL;
}

/* "--pre" or "--pre=value": the long options that start with "pre" */
static void
match_long_prefix(const Parser *p, const char *arg, ArgMatch *m)
{
	const char *eq = strchr(arg, '=');
	gsize len = eq ? (gsize)(eq - arg - 2) : strlen(arg) - 2;
	GString *names = g_string_new(NULL);
	guint n = 0;

	for (guint i = 0; parser_option(p, i); i++) {
		const CtlOption *o = parser_option(p, i);

		if (strncmp(o->long_name, arg + 2, len) != 0)
			continue;
		g_string_append_printf(names, "%s--%s", n ? ", " : "", o->long_name);
		m->option = o;
		n++;
	}
	m->explicit_value = eq ? eq + 1 : NULL;
	m->via_short = FALSE;
	if (n == 1)
		m->kind = ARG_OPTION;
	else if (n > 1)
		m->kind = ARG_AMBIGUOUS;
	m->matches = g_string_free(names, n <= 1);
}

/* ArgumentParser._parse_optional */
static void
classify(const Parser *p, const char *arg, ArgMatch *m)
{
	const char *eq = strchr(arg, '=');

	memset(m, 0, sizeof(*m));
	m->kind = ARG_POSITIONAL;
	if (arg[0] != '-' || arg[1] == '\0')
		return;
	if ((m->option = find_exact(p, arg, strlen(arg), &m->via_short))) {
		m->kind = ARG_OPTION;
		return;
	}
	if (eq && (m->option = find_exact(p, arg, eq - arg, &m->via_short))) {
		m->kind = ARG_OPTION;
		m->explicit_value = eq + 1;
		return;
	}
	if (arg[1] == '-' && arg[2] != '\0') {
		match_long_prefix(p, arg, m);
		if (m->kind != ARG_POSITIONAL)
			return;
	} else if (arg[1] != '-' && (m->option = find_exact(p, arg, 2, &m->via_short))) {
		m->kind = ARG_OPTION;
		m->explicit_value = arg + 2;
		return;
	}
	m->option = NULL;
	if (is_negative_number(arg) || strchr(arg, ' '))
		return;
	m->kind = ARG_UNKNOWN;
}

typedef struct {
	const Parser *parser;
	GHashTable *values;
	char **positional;
	GPtrArray *extras;
	FILE *out;
	FILE *err;
	int *exit_status;
} State;

static gboolean
fail(State *st)
{
	*st->exit_status = CTL_EXIT_USAGE;
	return FALSE;
}

static gboolean
store_value(State *st, const CtlOption *o, const char *value)
{
	if (o->choices && !g_strv_contains((const char *const *)o->choices, value)) {
		g_autofree char *name = option_name(o);
		g_autofree char *rep = ctl_format_str_repr(value, -1);
		g_autoptr(GString) choices = g_string_new(NULL);

		for (guint i = 0; o->choices[i]; i++) {
			g_autofree char *c = ctl_format_str_repr(o->choices[i], -1);

			g_string_append_printf(choices, "%s%s", i ? ", " : "", c);
		}
		parser_error(st->parser, st->err,
			     "argument %s: invalid choice: %s (choose from %s)", name, rep,
			     choices->str);
		return fail(st);
	}
	g_hash_table_insert(st->values, g_strdup(o->long_name), g_strdup(value));
	return TRUE;
}

static gboolean
looks_like_option(const Parser *p, const char *arg)
{
	ArgMatch m;
	gboolean option;

	classify(p, arg, &m);
	option = m.kind != ARG_POSITIONAL || g_str_equal(arg, "--");
	g_free(m.matches);
	return option;
}

/* consume_optional: one option, its value, or a group of short flags */
static gboolean
consume_option(State *st, ArgMatch *m, int argc, char **argv, int *i)
{
	const CtlOption *o = m->option;
	const char *explicit_value = m->explicit_value;
	gboolean via_short = m->via_short;

	for (;;) {
		g_autofree char *name = option_name(o);

		if (o == &help_option && explicit_value == NULL) {
			print_help(st->parser, st->out);
			*st->exit_status = 0;
			return FALSE;
		}
		if (o->metavar) {
			if (explicit_value == NULL && *i + 1 < argc &&
			    !looks_like_option(st->parser, argv[*i + 1]))
				explicit_value = argv[++*i];
			if (explicit_value == NULL) {
				parser_error(st->parser, st->err,
					     "argument %s: expected one argument", name);
				return fail(st);
			}
			return store_value(st, o, explicit_value);
		}
		if (explicit_value == NULL) {
			g_hash_table_insert(st->values, g_strdup(o->long_name), g_strdup(""));
			return TRUE;
		}
		/* "-dd": a group of short flags; anything else after a flag is an error */
		if (via_short && *explicit_value) {
			const CtlOption *next;
			gboolean short_form;

			next = find_exact(st->parser, (char[]){'-', explicit_value[0], 0}, 2,
					  &short_form);
			if (next) {
				if (o == &help_option) {
					print_help(st->parser, st->out);
					*st->exit_status = 0;
					return FALSE;
				}
				g_hash_table_insert(st->values, g_strdup(o->long_name),
						    g_strdup(""));
				o = next;
				explicit_value = explicit_value[1] ? explicit_value + 1 : NULL;
				continue;
			}
		}
		{
			g_autofree char *rep = ctl_format_str_repr(explicit_value, -1);

			parser_error(st->parser, st->err,
				     "argument %s: ignored explicit argument %s", name, rep);
		}
		return fail(st);
	}
}

static gboolean
check_required(State *st)
{
	g_autoptr(GString) missing = g_string_new(NULL);

	for (guint i = 0; parser_option(st->parser, i); i++) {
		const CtlOption *o = parser_option(st->parser, i);
		g_autofree char *name = option_name(o);

		if (o->required && !g_hash_table_contains(st->values, o->long_name))
			g_string_append_printf(missing, "%s%s", missing->len ? ", " : "", name);
	}
	if (st->parser->positional && *st->positional == NULL)
		g_string_append_printf(missing, "%s%s", missing->len ? ", " : "",
				       st->parser->positional);
	if (missing->len == 0)
		return TRUE;
	parser_error(st->parser, st->err, "the following arguments are required: %s", missing->str);
	return fail(st);
}

/*
 * parse argv[start..]: options, positionals.  at the tool level the first
 * positional is the command: *command_index tells where it is.
 */
static gboolean
parse_level(State *st, int argc, char **argv, int start, int *command_index)
{
	gboolean only_positional = FALSE;

	for (int i = start; i < argc; i++) {
		ArgMatch m = {0};
		g_autofree char *matches = NULL;

		if (!only_positional && g_str_equal(argv[i], "--")) {
			only_positional = TRUE;
			continue;
		}
		if (!only_positional)
			classify(st->parser, argv[i], &m);
		matches = m.matches;
		if (m.kind == ARG_OPTION && !consume_option(st, &m, argc, argv, &i))
			return FALSE;
		if (m.kind == ARG_AMBIGUOUS) {
			parser_error(st->parser, st->err, "ambiguous option: %s could match %s",
				     argv[i], m.matches);
			return fail(st);
		}
		if (m.kind == ARG_UNKNOWN)
			g_ptr_array_add(st->extras, argv[i]);
		if (m.kind != ARG_POSITIONAL)
			continue;
		if (command_index) {
			*command_index = i;
			return TRUE;
		}
		if (st->positional && *st->positional == NULL)
			*st->positional = g_strdup(argv[i]);
		else
			g_ptr_array_add(st->extras, argv[i]);
	}
	return check_required(st);
}

void
ctl_args_free(CtlArgs *args)
{
	if (args == NULL)
		return;
	g_hash_table_unref(args->global);
	g_hash_table_unref(args->values);
	g_free(args->positional);
	g_free(args);
}

static const CtlCommandSpec *
find_command(const CtlCommandSpec *commands, const char *name)
{
	for (const CtlCommandSpec *c = commands; c && c->name; c++)
		if (g_str_equal(c->name, name))
			return c;
	return NULL;
}

static gboolean
invalid_command(const Parser *top, const char *name, FILE *err)
{
	g_autofree char *metavar = commands_metavar(top->commands);
	g_autofree char *rep = ctl_format_str_repr(name, -1);
	g_autoptr(GString) choices = g_string_new(NULL);

	for (const CtlCommandSpec *c = top->commands; c->name; c++) {
		g_autofree char *r = ctl_format_str_repr(c->name, -1);

		g_string_append_printf(choices, "%s%s", c == top->commands ? "" : ", ", r);
	}
	parser_error(top, err, "argument %s: invalid choice: %s (choose from %s)", metavar, rep,
		     choices->str);
	return FALSE;
}

/* the command's own level, then the tool's "unrecognized arguments" */
static gboolean
parse_command(State *top_st, CtlArgs *args, int argc, char **argv, int index)
{
	g_autofree char *prog = g_strdup_printf("%s %s", top_st->parser->prog, argv[index]);
	const CtlCommandSpec *c = find_command(top_st->parser->commands, argv[index]);
	Parser sub = {0};
	State st = *top_st;

	if (c == NULL) {
		invalid_command(top_st->parser, argv[index], top_st->err);
		return fail(top_st);
	}
	args->command = c;
	sub.prog = prog;
	sub.options = c->options;
	sub.positional = c->positional;
	sub.positional_help = c->positional_help;
	st.parser = &sub;
	st.values = args->values;
	st.positional = c->positional ? &args->positional : NULL;
	return parse_level(&st, argc, argv, index + 1, NULL);
}

CtlArgs *
ctl_args_parse(const CtlParserSpec *spec, int argc, char **argv, FILE *out, FILE *err,
	       int *exit_status)
{
	g_autoptr(CtlArgs) args = g_new0(CtlArgs, 1);
	g_autoptr(GPtrArray) extras = g_ptr_array_new();
	Parser top = {(char *)spec->prog, spec->description, spec->options, NULL, NULL,
		      spec->commands};
	State st = {&top, NULL, NULL, extras, out, err, exit_status};
	int command_index = -1;

	*exit_status = 0;
	args->global = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	args->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	st.values = args->global;
	if (!parse_level(&st, argc, argv, 1, &command_index))
		return NULL;
	if (command_index >= 0 && !parse_command(&st, args, argc, argv, command_index))
		return NULL;
	if (extras->len) {
		g_autofree char *list = NULL;

		g_ptr_array_add(extras, NULL);
		list = g_strjoinv(" ", (char **)extras->pdata);
		parser_error(&top, err, "unrecognized arguments: %s", list);
		fail(&st);
		return NULL;
	}
	return g_steal_pointer(&args);
}

const CtlCommandSpec *
ctl_args_get_command(const CtlArgs *args)
{
	return args->command;
}

const char *
ctl_args_get(const CtlArgs *args, const char *long_name)
{
	const char *v = g_hash_table_lookup(args->values, long_name);

	return v ? v : g_hash_table_lookup(args->global, long_name);
}

gboolean
ctl_args_get_flag(const CtlArgs *args, const char *long_name)
{
	return ctl_args_get(args, long_name) != NULL;
}

const char *
ctl_args_get_positional(const CtlArgs *args)
{
	return args->positional;
}
