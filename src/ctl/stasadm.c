/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdlib.h>

#include "ctl-args.h"
#include "stasadm-conf.h"
#include "stasadm.h"

#include "stas/stas-error.h"
#include "stas/stas-sysconf.h"

#define HOST_SECTION "Host"

/*
 * upstream's save(): the value into FILE first (with -f), then sys.conf:
 * "file://FILE" with -f, else the value itself
 */
static gboolean
save(const StasadmEnv *env, const CtlArgs *args, const char *key, const char *value)
{
	const char *conf_file = ctl_args_get(args, "conf-file");
	const char *file = ctl_args_get(args, "file");
	g_autoptr(GError) error = NULL;
	g_autofree char *conf_value = NULL;

	if (file) {
		g_autofree char *text = g_strdup_printf("%s\n", value);
		/* the daemons do not run in our directory */
		g_autofree char *abs = g_canonicalize_filename(file, NULL);

		if (!stasadm_write_file(file, text, -1, &error)) {
			fprintf(env->err, "%s\n", error->message);
			return FALSE;
		}
		conf_value = g_strdup_printf("file://%s", abs);
	}
	if (!stasadm_conf_update(conf_file ? conf_file : STAS_SYSCONF_PATH, HOST_SECTION, key,
				 conf_value ? conf_value : value, &error)) {
		fprintf(env->err, "%s\n", error->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
cmd_hostnqn(const StasadmEnv *env, const CtlArgs *args)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *nqn = stas_hostnqn_generate(env->hostid_paths, NULL, &error);

	if (nqn == NULL) {
		if (g_error_matches(error, STAS_ERROR, STAS_ERROR_PERMISSION))
			fprintf(env->err, "Permission denied. Root privileges required.\n");
		else
			fprintf(env->err, "%s\n", error->message);
		return FALSE;
	}
	return save(env, args, "nqn", nqn);
}

static gboolean
cmd_hostid(const StasadmEnv *env, const CtlArgs *args)
{
	g_autofree char *id = stas_hostid_generate();

	return save(env, args, "id", id);
}

/* one line of text: a newline would end up as a new line in sys.conf */
static gboolean
symname_is_valid(const char *symname)
{
	if (!g_utf8_validate(symname, -1, NULL))
		return FALSE;
	for (const char *p = symname; *p; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return FALSE;
	return TRUE;
}

static gboolean
cmd_set_symname(const StasadmEnv *env, const CtlArgs *args)
{
	const char *symname = ctl_args_get_positional(args);

	if (!symname_is_valid(symname)) {
		fprintf(env->err, "Invalid symbolic name: control characters and bad UTF-8 are "
				  "not allowed\n");
		return FALSE;
	}
	return save(env, args, "symname", symname);
}

static gboolean
cmd_clear_symname(const StasadmEnv *env, const CtlArgs *args)
{
	const char *conf_file = ctl_args_get(args, "conf-file");
	g_autoptr(GError) error = NULL;

	if (!stasadm_conf_update(conf_file ? conf_file : STAS_SYSCONF_PATH, HOST_SECTION, "symname",
				 NULL, &error)) {
		fprintf(env->err, "%s\n", error->message);
		return FALSE;
	}
	return TRUE;
}

static const CtlOption global_options[] = {
	{'v', "version", NULL, "Print version, then exit", NULL, FALSE},
	{'c', "conf-file", "FILE", "Configuration file. Default " STAS_SYSCONF_PATH ".", NULL,
	 FALSE},
	{0},
};

static const CtlOption hostnqn_options[] = {
	{'f', "file", "FILE", "Optional file where to save the NQN.", NULL, FALSE},
	{0},
};

static const CtlOption hostid_options[] = {
	{'f', "file", "FILE", "Optional file where to save the ID.", NULL, FALSE},
	{0},
};

static const CtlOption symname_options[] = {
	{'f', "file", "FILE", "Optional file where to save the symbolic name.", NULL, FALSE},
	{0},
};

static const CtlCommandSpec command_specs[] = {
	{"hostnqn", "Configure the host NQN. The NQN is auto-generated.", hostnqn_options, NULL,
	 NULL},
	{"hostid", "Configure the host ID. The ID is auto-generated.", hostid_options, NULL, NULL},
	{"set-symname", "Set the host symbolic", symname_options, "SYMNAME", "Symbolic name"},
	{"clear-symname", "Clear the host symbolic", NULL, NULL, NULL},
	{NULL},
};

static const CtlParserSpec parser = {
	"stasadm",
	"Configuration utility for STAS.",
	global_options,
	command_specs,
};

typedef gboolean (*StasadmCommand)(const StasadmEnv *env, const CtlArgs *args);

static const struct {
	const char *name;
	StasadmCommand run;
} commands[] = {
	{"hostnqn", cmd_hostnqn},
	{"hostid", cmd_hostid},
	{"set-symname", cmd_set_symname},
	{"clear-symname", cmd_clear_symname},
};

int
stasadm_run(const StasadmEnv *env, int argc, char **argv)
{
	g_autoptr(CtlArgs) args = NULL;
	const CtlCommandSpec *command;
	int status;

	args = ctl_args_parse(&parser, argc, argv, env->out, env->err, &status);
	if (args == NULL)
		return status;
	if (ctl_args_get_flag(args, "version")) {
		fprintf(env->out, "nvme-stas %s\n", PACKAGE_VERSION);
		return EXIT_SUCCESS;
	}
	command = ctl_args_get_command(args);
	if (command == NULL) {
		ctl_args_print_usage(&parser, env->out);
		return EXIT_FAILURE;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
		if (g_str_equal(commands[i].name, command->name))
			return commands[i].run(env, args) ? EXIT_SUCCESS : EXIT_FAILURE;
	return EXIT_FAILURE;
}
