/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvme-dc-emu: one userspace NVMe/TCP discovery controller (README.md).
 *
 *   nvme-dc-emu [--config FILE] [--address A] [--port P] [--nqn NQN]
 *               [--dctype cdc|ddc|none] [--pleo|--no-pleo] [--control PATH]
 *               [--entry JSON]... [--malformed MODE]... [--cntlid-base N]
 *               [--mdts N] [--no-kato-enforce] [--die-with-parent] [--verbose]
 *
 * prints "READY <address> <port> <control>" once it listens, then runs
 * until SIGTERM/SIGINT.  wiring only: the work is in the dc-emu-* modules.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include <glib-unix.h>

#include "stas/stas-error.h"

#include "dc-emu-config.h"
#include "dc-emu-conn.h"
#include "dc-emu-control.h"
#include "dc-emu-entry.h"
#include "dc-emu-log.h"
#include "dc-emu-state.h"

typedef struct {
	char *config;
	char *address;
	int port;
	char *nqn;
	char *dctype;
	gboolean pleo;
	gboolean no_pleo;
	char *control;
	char **entries;
	char **malformed;
	int cntlid_base;
	int mdts;
	gboolean no_kato_enforce;
	gboolean die_with_parent;
	gboolean verbose;
} Args;

static void
args_clear(Args *a)
{
	g_free(a->config);
	g_free(a->address);
	g_free(a->nqn);
	g_free(a->dctype);
	g_free(a->control);
	g_strfreev(a->entries);
	g_strfreev(a->malformed);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Args, args_clear)

static gboolean
parse_args(int *argc, char ***argv, Args *a, GError **error)
{
	const GOptionEntry entries[] = {
		{"config", 0, 0, G_OPTION_ARG_FILENAME, &a->config, "JSON config file", "FILE"},
		{"address", 0, 0, G_OPTION_ARG_STRING, &a->address, "listen address", "ADDR"},
		{"port", 0, 0, G_OPTION_ARG_INT, &a->port, "listen port (0: any)", "PORT"},
		{"nqn", 0, 0, G_OPTION_ARG_STRING, &a->nqn, "subsystem NQN", "NQN"},
		{"dctype", 0, 0, G_OPTION_ARG_STRING, &a->dctype, "cdc, ddc or none", "TYPE"},
		{"pleo", 0, 0, G_OPTION_ARG_NONE, &a->pleo, "support PLEO", NULL},
		{"no-pleo", 0, 0, G_OPTION_ARG_NONE, &a->no_pleo, "no PLEO support", NULL},
		{"control", 0, 0, G_OPTION_ARG_FILENAME, &a->control, "control socket", "PATH"},
		{"entry", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a->entries, "an entry (JSON)", "JSON"},
		{"malformed", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a->malformed, "a malformed mode",
		 "MODE"},
		{"cntlid-base", 0, 0, G_OPTION_ARG_INT, &a->cntlid_base, "first cntlid", "N"},
		{"mdts", 0, 0, G_OPTION_ARG_INT, &a->mdts, "MDTS (4 KiB << N)", "N"},
		{"no-kato-enforce", 0, 0, G_OPTION_ARG_NONE, &a->no_kato_enforce,
		 "keep silent associations", NULL},
		{"die-with-parent", 0, 0, G_OPTION_ARG_NONE, &a->die_with_parent,
		 "exit when the parent exits", NULL},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &a->verbose, "debug messages", NULL},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- NVMe/TCP discovery controller");

	a->port = -1;
	a->cntlid_base = -1;
	a->mdts = -1;
	g_option_context_add_main_entries(ctx, entries, NULL);
	return g_option_context_parse(ctx, argc, argv, error);
}

/* the command line over the config file, as a JSON object for dce_config_apply_json */
static JsonObject *
args_to_json(const Args *a)
{
	JsonObject *o = json_object_new();

	if (a->address != NULL)
		json_object_set_string_member(o, "address", a->address);
	if (a->port >= 0)
		json_object_set_int_member(o, "port", a->port);
	if (a->nqn != NULL)
		json_object_set_string_member(o, "nqn", a->nqn);
	if (a->dctype != NULL)
		json_object_set_string_member(o, "dctype", a->dctype);
	if (a->pleo || a->no_pleo)
		json_object_set_boolean_member(o, "pleo", a->pleo && !a->no_pleo);
	if (a->control != NULL)
		json_object_set_string_member(o, "control", a->control);
	if (a->cntlid_base >= 0)
		json_object_set_int_member(o, "cntlid-base", a->cntlid_base);
	if (a->mdts >= 0)
		json_object_set_int_member(o, "mdts", a->mdts);
	if (a->no_kato_enforce)
		json_object_set_boolean_member(o, "kato-enforce", FALSE);
	return o;
}

static gboolean
apply_args(DceConfig *cfg, const Args *a, GError **error)
{
	g_autoptr(JsonObject) o = args_to_json(a);

	if (a->config != NULL && !dce_config_load_file(cfg, a->config, error))
		return FALSE;
	if (!dce_config_apply_json(cfg, o, error))
		return FALSE;
	for (guint i = 0; a->entries != NULL && a->entries[i] != NULL; i++) {
		g_autoptr(JsonParser) p = json_parser_new();
		JsonNode *root;
		DceEntry *e;

		if (!json_parser_load_from_data(p, a->entries[i], -1, error))
			return FALSE;
		root = json_parser_get_root(p);
		if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "--entry %s: not a JSON object", a->entries[i]);
			return FALSE;
		}
		e = dce_entry_from_json(json_node_get_object(root), error);
		if (e == NULL)
			return FALSE;
		g_ptr_array_add(cfg->entries, e);
	}
	for (guint i = 0; a->malformed != NULL && a->malformed[i] != NULL; i++) {
		DceMalform m = dce_malform_from_name(a->malformed[i]);

		if (m == 0) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "--malformed %s: unknown mode", a->malformed[i]);
			return FALSE;
		}
		cfg->malform |= m;
	}
	return TRUE;
}

static gboolean
on_signal(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_CONTINUE;
}

static int
run(DceConfig *cfg_in)
{
	g_autoptr(DceState) state = dce_state_new(cfg_in);
	g_autoptr(DceServer) srv = NULL;
	g_autoptr(DceControl) ctl = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GError) error = NULL;
	DceConfig *cfg = state->cfg;

	srv = dce_server_new(state, &error);
	if (srv == NULL) {
		g_printerr("nvme-dc-emu: %s\n", error->message);
		return 1;
	}
	if (cfg->serial[0] == '\0') {
		g_free(cfg->serial);
		cfg->serial = g_strdup_printf("dcemu-%u", cfg->port);
	}
	if (cfg->control != NULL) {
		ctl = dce_control_new(state, srv, cfg->control, &error);
		if (ctl == NULL) {
			g_printerr("nvme-dc-emu: %s\n", error->message);
			return 1;
		}
	}
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_unix_signal_add(SIGINT, on_signal, loop);
	g_message("%s on %s port %u, %s, PLEO %s, %u entries", cfg->nqn, cfg->address, cfg->port,
		  dce_dctype_name(cfg->dctype), cfg->pleo ? "on" : "off", state->entries->len);
	printf("READY %s %u %s\n", cfg->address, cfg->port, cfg->control ? cfg->control : "-");
	fflush(stdout);
	g_main_loop_run(loop);
	return 0;
}

int
main(int argc, char **argv)
{
	g_auto(Args) args = {0};
	g_autoptr(DceConfig) cfg = dce_config_new();
	g_autoptr(GError) error = NULL;

	signal(SIGPIPE, SIG_IGN);
	if (!parse_args(&argc, &argv, &args, &error) || !apply_args(cfg, &args, &error)) {
		g_printerr("nvme-dc-emu: %s\n", error->message);
		return 2;
	}
	if (args.verbose)
		g_log_set_debug_enabled(TRUE);
	if (args.die_with_parent)
		prctl(PR_SET_PDEATHSIG, SIGTERM);
	return run(g_steal_pointer(&cfg));
}
