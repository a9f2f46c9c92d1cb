/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl-common: what stafctl and stacctl share (REFERENCE 4.1-4.3): the
 * command line, the D-Bus proxies of the daemon, the commands tron, troff,
 * status and ls, the output (python literal or --json, SPEC B8) and the
 * exit codes:
 *   0  done;
 *   1  no command (usage printed), or any D-Bus failure ("Unable to
 *      communicate with <daemon> over D-Bus. Is <daemon> running?"), or
 *      another failure with its message;
 *   2  a usage error (argparse's message).
 * the bus is the system bus (tests point DBUS_SYSTEM_BUS_ADDRESS elsewhere).
 * single-threaded, one call at a time.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ctl-args.h"

G_BEGIN_DECLS

typedef struct _Ctl Ctl;

/* a command's result, printed by ctl_main() in the chosen format */
typedef JsonNode *(*CtlRunFunc)(Ctl *ctl, const CtlArgs *args, GError **error);

typedef enum {
	CTL_OUTPUT_TREE, /* the python literal of the tree, or its JSON */
	CTL_OUTPUT_TRON, /* {"tron": b} printed as "tron = True" by default */
} CtlOutputKind;

typedef struct {
	const char *name; /* as in the parser spec; NULL ends the table */
	CtlRunFunc run;
	CtlOutputKind output;
} CtlCommand;

/* the seven strings that name a controller in calls, in call order */
typedef struct {
	const char *transport;
	const char *traddr;
	const char *trsvcid;
	const char *subsysnqn;
	const char *host_traddr;
	const char *host_iface;
	const char *host_nqn;
} CtlControllerId;

typedef struct {
	const char *daemon; /* "stafd" */
	const char *bus_name;
	const char *object_path;
	const CtlParserSpec *parser;
	const CtlCommand *commands;
	/* the generated proxies of the main and the debug interface */
	GDBusProxy *(*new_main_proxy)(GDBusConnection *connection, GError **error);
	GDBusProxy *(*new_debug_proxy)(GDBusConnection *connection, GError **error);
	/* status adds each controller's "log_pages" with this (stafctl); may be NULL */
	JsonNode *(*get_log_pages)(Ctl *ctl, const CtlControllerId *id, GError **error);
	/* status gets every controller's info with this debug method (stacctl's
	 * controllers_info, not upstream's), else or when the daemon has it not,
	 * with one controller_info call per controller; may be NULL */
	const char *all_info_method;
} CtlTool;

/* the flags every proxy of the tools is made with */
#define CTL_PROXY_FLAGS                                                                            \
	(G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS |   \
	 G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START)

/* the options every command has */
#define CTL_OPTION_JSON                                                                            \
	{                                                                                          \
		0, "json", NULL, "Print the output as JSON", NULL, FALSE                           \
	}
#define CTL_OPTION_DETAILED                                                                        \
	{                                                                                          \
		'd', "detailed", NULL, "Print detailed info (default: \"False\")", NULL, FALSE     \
	}

/* parse, run, print; returns the exit status */
int ctl_main(const CtlTool *tool, int argc, char **argv);

GDBusProxy *ctl_get_main_proxy(Ctl *ctl, GError **error);
GDBusProxy *ctl_get_debug_proxy(Ctl *ctl, GError **error);
/* a tool's own call failed: the error is reported as a D-Bus failure */
void ctl_set_bus_failed(Ctl *ctl);

/* the id of a controller dict of list_controllers (a missing key reads "") */
void ctl_controller_id_from_object(JsonObject *controller, CtlControllerId *id);

/* the (sssssss) arguments of the calls that name a controller (floating) */
GVariant *ctl_controller_id_to_variant(const CtlControllerId *id);

/* the shared commands */
JsonNode *ctl_cmd_tron(Ctl *ctl, const CtlArgs *args, GError **error);
JsonNode *ctl_cmd_troff(Ctl *ctl, const CtlArgs *args, GError **error);
JsonNode *ctl_cmd_status(Ctl *ctl, const CtlArgs *args, GError **error);
JsonNode *ctl_cmd_ls(Ctl *ctl, const CtlArgs *args, GError **error);

/* a JSON document from the daemon as a tree of the wanted type, or an error */
JsonNode *ctl_parse_reply(Ctl *ctl, const char *json, JsonNodeType type, GError **error);

G_END_DECLS
