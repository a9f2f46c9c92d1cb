/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl-args: the command lines of stafctl, stacctl and stasadm, parsed the
 * way upstream's python argparse parses them (REFERENCE 4.1, 4.4):
 * "prog [global options] COMMAND [command options]", long options may be
 * abbreviated to a unique prefix, "--opt=value", "-oVALUE", "-o VALUE",
 * flags may be grouped ("-dd"); -h/--help prints the help and exits 0; a
 * usage error prints the usage line and "prog: error: ..." on stderr and
 * exits 2, with argparse's wording.
 *
 * the tables are static data; parsing has no global state.
 */
#pragma once

#include <stdio.h>

#include <glib.h>

G_BEGIN_DECLS

#define CTL_EXIT_USAGE 2

typedef struct {
	char short_name;       /* 0: long only */
	const char *long_name; /* without "--"; NULL ends a table */
	const char *metavar;   /* NULL: a flag without value */
	const char *help;
	const char *const *choices; /* NULL-terminated, or NULL for any value */
	gboolean required;
} CtlOption;

typedef struct {
	const char *name; /* NULL ends a table */
	const char *help;
	const CtlOption *options;
	const char *positional; /* metavar of one mandatory positional, or NULL */
	const char *positional_help;
} CtlCommandSpec;

typedef struct {
	const char *prog;
	const char *description;
	const CtlOption *options; /* global options, before the command */
	const CtlCommandSpec *commands;
} CtlParserSpec;

typedef struct _CtlArgs CtlArgs;

/*
 * parse argv[1..argc-1].  NULL means: stop with *exit_status (help was
 * printed to out: 0; a usage error was printed to err: CTL_EXIT_USAGE).
 */
CtlArgs *ctl_args_parse(const CtlParserSpec *spec, int argc, char **argv, FILE *out, FILE *err,
			int *exit_status);
void ctl_args_free(CtlArgs *args);

/* the command given, NULL if none */
const CtlCommandSpec *ctl_args_get_command(const CtlArgs *args);

/* the value of an option of the command (or, if not there, a global one), NULL if absent */
const char *ctl_args_get(const CtlArgs *args, const char *long_name);
gboolean ctl_args_get_flag(const CtlArgs *args, const char *long_name);
const char *ctl_args_get_positional(const CtlArgs *args);

/* "usage: prog [-h] ..." for the whole tool, argparse's line wrapping */
void ctl_args_print_usage(const CtlParserSpec *spec, FILE *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlArgs, ctl_args_free)

G_END_DECLS
