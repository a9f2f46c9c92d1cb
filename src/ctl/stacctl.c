/* SPDX-License-Identifier: Apache-2.0 */
/* stacctl: STorage Appliance Connector control utility (REFERENCE 4.3) */
#include "config.h"

#include "ctl-common.h"

#include "stas-stac-dbus.h"

#define STACD_BUS_NAME	  "org.nvmexpress.stac"
#define STACD_OBJECT_PATH "/org/nvmexpress/stac"

static GDBusProxy *
new_main_proxy(GDBusConnection *connection, GError **error)
{
	return G_DBUS_PROXY(stas_dbus_stac_proxy_new_sync(
		connection, CTL_PROXY_FLAGS, STACD_BUS_NAME, STACD_OBJECT_PATH, NULL, error));
}

static GDBusProxy *
new_debug_proxy(GDBusConnection *connection, GError **error)
{
	return G_DBUS_PROXY(stas_dbus_stac_debug_proxy_new_sync(
		connection, CTL_PROXY_FLAGS, STACD_BUS_NAME, STACD_OBJECT_PATH, NULL, error));
}

static const CtlOption json_options[] = {
	CTL_OPTION_JSON,
	{0},
};

static const CtlOption ls_options[] = {
	CTL_OPTION_DETAILED,
	CTL_OPTION_JSON,
	{0},
};

static const CtlOption global_options[] = {
	{'v', "version", NULL, "Print version, then exit", NULL, FALSE},
	CTL_OPTION_JSON,
	{0},
};

static const CtlCommandSpec command_specs[] = {
	{"tron", "Trace ON", json_options, NULL, NULL},
	{"troff", "Trace OFF", json_options, NULL, NULL},
	{"status", "Show runtime status information about stacd", json_options, NULL, NULL},
	{"ls", "List I/O controllers", ls_options, NULL, NULL},
	{NULL},
};

static const CtlParserSpec parser = {
	"stacctl",
	"STorage Appliance Connector (STAC)",
	global_options,
	command_specs,
};

static const CtlCommand commands[] = {
	{"tron", ctl_cmd_tron, CTL_OUTPUT_TRON},
	{"troff", ctl_cmd_troff, CTL_OUTPUT_TRON},
	{"status", ctl_cmd_status, CTL_OUTPUT_TREE},
	{"ls", ctl_cmd_ls, CTL_OUTPUT_TREE},
	{NULL},
};

/* no log pages in stacctl's status; every controller's info in one call */
static const CtlTool stacctl = {
	"stacd",	 STACD_BUS_NAME, STACD_OBJECT_PATH,  &parser, commands, new_main_proxy,
	new_debug_proxy, NULL,		 "controllers_info",
};

int
main(int argc, char **argv)
{
	return ctl_main(&stacctl, argc, argv);
}
