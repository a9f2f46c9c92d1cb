/* SPDX-License-Identifier: Apache-2.0 */
/* stafctl: STorage Appliance Finder control utility (REFERENCE 4.2) */
#include "config.h"

#include "ctl-common.h"
#include "ctl-format.h"

#include "stas-staf-dbus.h"
#include "stas/stas-sysconf.h"

#define STAFD_BUS_NAME	  "org.nvmexpress.staf"
#define STAFD_OBJECT_PATH "/org/nvmexpress/staf"
#define DISCOVERY_NQN	  "nqn.2014-08.org.nvmexpress.discovery"

static GDBusProxy *
new_main_proxy(GDBusConnection *connection, GError **error)
{
	return G_DBUS_PROXY(stas_dbus_staf_proxy_new_sync(
		connection, CTL_PROXY_FLAGS, STAFD_BUS_NAME, STAFD_OBJECT_PATH, NULL, error));
}

static GDBusProxy *
new_debug_proxy(GDBusConnection *connection, GError **error)
{
	return G_DBUS_PROXY(stas_dbus_staf_debug_proxy_new_sync(
		connection, CTL_PROXY_FLAGS, STAFD_BUS_NAME, STAFD_OBJECT_PATH, NULL, error));
}

static JsonNode *
get_log_pages(Ctl *ctl, const CtlControllerId *id, GError **error)
{
	GDBusProxy *proxy = ctl_get_main_proxy(ctl, error);
	g_autoptr(GVariant) pages = NULL;

	if (proxy == NULL)
		return NULL;
	if (!stas_dbus_staf_call_get_log_pages_sync(
		    STAS_DBUS_STAF(proxy), id->transport, id->traddr, id->trsvcid, id->subsysnqn,
		    id->host_traddr, id->host_iface, id->host_nqn, &pages, NULL, error)) {
		ctl_set_bus_failed(ctl);
		return NULL;
	}
	return ctl_node_from_variant(pages);
}

/*
 * Q27: the host NQN of sys.conf is read only here, and only when -q is
 * not given, so that a host without one can still use the other commands
 */
static char *
default_host_nqn(GError **error)
{
	/* only the NQN matters: a missing host ID file must not fail dlp */
	const StasSysConfDefaults defaults = {NULL, "/dev/null", "/dev/null"};
	g_autoptr(StasSysConf) sysconf = stas_sysconf_load_full(NULL, &defaults, error);

	if (sysconf == NULL)
		return NULL;
	return g_strdup(stas_sysconf_get_hostnqn(sysconf) ? stas_sysconf_get_hostnqn(sysconf) : "");
}

static JsonNode *
cmd_dlp(Ctl *ctl, const CtlArgs *args, GError **error)
{
	g_autofree char *host_nqn = g_strdup(ctl_args_get(args, "host-nqn"));
	const char *nqn = ctl_args_get(args, "nqn");
	const char *transport = ctl_args_get(args, "transport");
	const char *host_traddr = ctl_args_get(args, "host-traddr");
	const char *host_iface = ctl_args_get(args, "host-iface");
	CtlControllerId id = {
		transport ? transport : "tcp",
		ctl_args_get(args, "traddr"),
		ctl_args_get(args, "trsvcid"),
		nqn ? nqn : DISCOVERY_NQN,
		host_traddr ? host_traddr : "",
		host_iface ? host_iface : "",
		NULL,
	};

	if (host_nqn == NULL && (host_nqn = default_host_nqn(error)) == NULL)
		return NULL;
	id.host_nqn = host_nqn;
	return get_log_pages(ctl, &id, error);
}

static JsonNode *
cmd_adlp(Ctl *ctl, const CtlArgs *args, GError **error)
{
	GDBusProxy *proxy = ctl_get_main_proxy(ctl, error);
	g_autofree char *json = NULL;

	if (proxy == NULL)
		return NULL;
	if (!stas_dbus_staf_call_get_all_log_pages_sync(STAS_DBUS_STAF(proxy),
							ctl_args_get_flag(args, "detailed"), &json,
							NULL, error)) {
		ctl_set_bus_failed(ctl);
		return NULL;
	}
	return ctl_parse_reply(ctl, json, JSON_NODE_ARRAY, error);
}

static const char *const transports[] = {"tcp", "rdma", "fc", "loop", NULL};

static const CtlOption json_options[] = {
	CTL_OPTION_JSON,
	{0},
};

static const CtlOption detailed_options[] = {
	CTL_OPTION_DETAILED,
	CTL_OPTION_JSON,
	{0},
};

static const CtlOption dlp_options[] = {
	{'t', "transport", "<trtype>", "NVMe-over-Fabrics fabric type (default: \"tcp\")",
	 transports, FALSE},
	{'a', "traddr", "<traddr>", "Discovery Controller's network address", NULL, TRUE},
	{'s', "trsvcid", "<trsvcid>",
	 "Transport service id (for IP addressing, e.g. tcp, rdma, this field is the port "
	 "number)",
	 NULL, TRUE},
	{'w', "host-traddr", "<traddr>",
	 "Network address used on the host to connect to the Controller (default: \"\")", NULL,
	 FALSE},
	{'f', "host-iface", "<iface>",
	 "This field specifies the network interface used on the host to connect to the "
	 "Controller (default: \"\")",
	 NULL, FALSE},
	{'q', "host-nqn", "<nqn>",
	 "This field specifies the host NQN. When not specified this option defaults to the "
	 "host NQN of " STAS_SYSCONF_PATH,
	 NULL, FALSE},
	{'n', "nqn", "<nqn>",
	 "This field specifies the discovery controller's NQN. When not specified this option "
	 "defaults to \"" DISCOVERY_NQN "\"",
	 NULL, FALSE},
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
	{"status", "Show runtime status information about stafd", json_options, NULL, NULL},
	{"ls", "List discovery controllers", detailed_options, NULL, NULL},
	{"dlp", "Show discovery log pages", dlp_options, NULL, NULL},
	{"adlp", "Show all discovery log pages", detailed_options, NULL, NULL},
	{NULL},
};

static const CtlParserSpec parser = {
	"stafctl",
	"STorage Appliance Finder (STAF)",
	global_options,
	command_specs,
};

static const CtlCommand commands[] = {
	{"tron", ctl_cmd_tron, CTL_OUTPUT_TRON},
	{"troff", ctl_cmd_troff, CTL_OUTPUT_TRON},
	{"status", ctl_cmd_status, CTL_OUTPUT_TREE},
	{"ls", ctl_cmd_ls, CTL_OUTPUT_TREE},
	{"dlp", cmd_dlp, CTL_OUTPUT_TREE},
	{"adlp", cmd_adlp, CTL_OUTPUT_TREE},
	{NULL},
};

static const CtlTool stafctl = {
	"stafd",	STAFD_BUS_NAME,	 STAFD_OBJECT_PATH, &parser, commands,
	new_main_proxy, new_debug_proxy, get_log_pages,	    NULL,
};

int
main(int argc, char **argv)
{
	return ctl_main(&stafctl, argc, argv);
}
