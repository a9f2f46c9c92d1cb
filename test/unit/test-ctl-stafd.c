/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stafctl against the real stafd (stafd-test over the fake kernel, with the
 * bus tier's fixture, test/common/daemon-fixture.h): the tool and the
 * daemon agree on names, signatures and dictionary keys (REFERENCE 3.3,
 * 4.2), the default output is the python literal of what stafd answers and
 * --json is the same tree (SPEC B8).
 *
 * one meson test per case: test-ctl-stafd --case NAME.
 */
#include "config.h"

#include <string.h>

#include "daemon-fixture.h"

#define DC_ADDR	    "127.0.0.10"
#define IO1_NQN	    "nqn.2014-08.com.example:io1"
#define IO2_NQN	    "nqn.2014-08.com.example:io2"
#define NOT_RUNNING "Unable to communicate with stafd over D-Bus. Is stafd running?\n"

typedef struct {
	int status;
	char *out;
	char *err;
} Run;

static void
run_clear(Run *r)
{
	g_clear_pointer(&r->out, g_free);
	g_clear_pointer(&r->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

/* stafctl args... on the fixture's bus */
static void
stafctl(DaemonFixture *f, Run *r, const char *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;

	run_clear(r);
	g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS", f->bus_address, TRUE);
	g_ptr_array_add(argv, (char *)g_getenv("STAFCTL"));
	if (argv->pdata[0] == NULL)
		fail_msg("STAFCTL is not set");
	for (; *args; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	proc = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &error);
	if (proc == NULL ||
	    !g_subprocess_communicate_utf8(proc, NULL, NULL, &r->out, &r->err, &error))
		fail_msg("cannot run stafctl: %s", error->message);
	r->status = g_subprocess_get_exit_status(proc);
}

#define STAFCTL(f, r, ...) stafctl(f, r, (const char *const[]){__VA_ARGS__, NULL})

static JsonNode *
stafctl_json(DaemonFixture *f, const char *const *args)
{
	g_auto(Run) r = {0};

	stafctl(f, &r, args);
	if (r.status != 0)
		fail_msg("stafctl failed (%d): %s", r.status, r.err);
	return df_parse_json(r.out);
}

#define STAFCTL_JSON(f, ...) stafctl_json(f, (const char *const[]){__VA_ARGS__, NULL})

/* a CDC with two I/O subsystems, named in stafd.conf, its log read */
static void
start(DaemonFixture *f)
{
	df_kernel_do(f, "declare-dc",
		     "{\"name\":\"dc\",\"traddr\":\"" DC_ADDR "\",\"dctype\":\"cdc\","
		     "\"entries\":["
		     "{\"subtype\":\"nvme\",\"traddr\":\"127.0.0.11\",\"trsvcid\":\"4420\","
		     "\"subnqn\":\"" IO1_NQN "\"},"
		     "{\"subtype\":\"nvme\",\"traddr\":\"127.0.0.12\",\"trsvcid\":\"4421\","
		     "\"subnqn\":\"" IO2_NQN "\"}]}");
	df_write(f, "stafd.conf", "[Controllers]\ncontroller = transport=tcp;traddr=" DC_ADDR "\n");
	df_start_stafd(f);
}

static gboolean
dc_has_log_pages(DaemonFixture *f, gpointer data)
{
	g_autoptr(JsonNode) pages =
		STAFCTL_JSON(f, "dlp", "-a", DC_ADDR, "-s", "8009", "-q", DF_HOSTNQN, "--json");

	return json_array_get_length(json_node_get_array(pages)) == 2;
}

static void
start_and_wait(DaemonFixture *f)
{
	start(f);
	if (!df_wait_until(f, dc_has_log_pages, NULL, DF_TIMEOUT_SEC))
		fail_msg("the DC's log pages never showed in stafctl dlp");
}

static void
case_ls(DaemonFixture *f)
{
	g_autofree char *dev = NULL;
	g_autofree char *expected = NULL;
	g_auto(Run) r = {0};

	start_and_wait(f);
	dev = df_kernel_device_of(f, DC_ADDR);
	assert_non_null(dev);
	/* python: pprint.pformat([{...}], width=120) of that dict */
	expected = g_strdup_printf("[{'device': '%s',\n"
				   "  'host-iface': '',\n"
				   "  'host-nqn': '" DF_HOSTNQN "',\n"
				   "  'host-traddr': '',\n"
				   "  'subsysnqn': '" DF_DISC_NQN "',\n"
				   "  'traddr': '" DC_ADDR "',\n"
				   "  'transport': 'tcp',\n"
				   "  'trsvcid': '8009'}]\n",
				   dev);
	STAFCTL(f, &r, "ls");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_string_equal(r.out, expected);
}

static void
case_ls_detailed_json(DaemonFixture *f)
{
	g_autoptr(JsonNode) list = NULL;
	JsonObject *dc;

	start_and_wait(f);
	list = STAFCTL_JSON(f, "ls", "-d", "--json");
	assert_int_equal(json_array_get_length(json_node_get_array(list)), 1);
	dc = json_array_get_object_element(json_node_get_array(list), 0);
	assert_string_equal(json_object_get_string_member(dc, "traddr"), DC_ADDR);
	assert_string_equal(json_object_get_string_member(dc, "connected"), "True");
	assert_string_equal(json_object_get_string_member(dc, "dctype"), "cdc");
	assert_true(json_object_has_member(dc, "retry connect timer"));
}

static void
case_dlp(DaemonFixture *f)
{
	g_auto(Run) r = {0};

	start_and_wait(f);
	STAFCTL(f, &r, "dlp", "-a", DC_ADDR, "-s", "8009", "-q", DF_HOSTNQN);
	assert_int_equal(r.status, 0);
	assert_true(g_str_has_prefix(r.out, "[{'adrfam': 'ipv4',\n  'asqsz': "));
	assert_non_null(strstr(r.out, "  'subnqn': '" IO1_NQN "',\n"));
	assert_non_null(strstr(r.out, " {'adrfam': 'ipv4',\n"));
	assert_non_null(strstr(r.out, "  'subnqn': '" IO2_NQN "',\n"));
	assert_true(g_str_has_suffix(r.out, "}]\n"));
	/* another DC (a different host NQN) has nothing */
	STAFCTL(f, &r, "dlp", "-a", DC_ADDR, "-s", "8009", "-q", "nqn.2014-08.org.example:other");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "[]\n");
}

static void
case_adlp(DaemonFixture *f)
{
	g_autoptr(JsonNode) all = NULL;
	JsonObject *first;

	start_and_wait(f);
	all = STAFCTL_JSON(f, "adlp", "--json");
	assert_int_equal(json_array_get_length(json_node_get_array(all)), 1);
	first = json_array_get_object_element(json_node_get_array(all), 0);
	assert_string_equal(
		json_object_get_string_member(
			json_object_get_object_member(first, "discovery-controller"), "traddr"),
		DC_ADDR);
	assert_int_equal(json_array_get_length(json_object_get_array_member(first, "log-pages")),
			 2);
}

static void
case_status(DaemonFixture *f)
{
	g_autoptr(JsonNode) status = NULL;
	g_auto(Run) r = {0};
	JsonObject *root, *dc;

	start_and_wait(f);
	status = STAFCTL_JSON(f, "status", "--json");
	root = json_node_get_object(status);
	assert_false(json_object_get_boolean_member(root, "tron"));
	assert_string_equal(json_object_get_string_member(root, "hostnqn"), DF_HOSTNQN);
	dc = json_array_get_object_element(json_object_get_array_member(root, "controllers"), 0);
	/* list_controllers(True) + log_pages + controller_info merged */
	assert_int_equal(json_array_get_length(json_object_get_array_member(dc, "log_pages")), 2);
	assert_true(json_object_has_member(dc, "connect attempts"));
	assert_true(json_object_has_member(dc, "serial"));
	/* the default output is the python literal of the same tree */
	STAFCTL(f, &r, "status");
	assert_int_equal(r.status, 0);
	assert_true(g_str_has_prefix(r.out, "{'avahi': {"));
	assert_non_null(strstr(r.out, "\n 'controllers': [{"));
	assert_non_null(strstr(r.out, "'log_pages': [{'adrfam': 'ipv4',\n"));
	assert_non_null(strstr(r.out, "\n 'tron': False}\n"));
}

static void
case_tron(DaemonFixture *f)
{
	g_auto(Run) r = {0};
	g_autoptr(JsonNode) status = NULL;

	start(f);
	STAFCTL(f, &r, "tron");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "tron = True\n");
	status = STAFCTL_JSON(f, "status", "--json");
	assert_true(json_object_get_boolean_member(json_node_get_object(status), "tron"));
	assert_string_equal(
		json_object_get_string_member(json_node_get_object(status), "log-level"), "DEBUG");
	STAFCTL(f, &r, "troff");
	assert_string_equal(r.out, "tron = False\n");
}

static void
case_stopped_daemon(DaemonFixture *f)
{
	g_auto(Run) r = {0};

	start(f);
	df_stop_daemon(f);
	STAFCTL(f, &r, "ls");
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, NOT_RUNNING);
}

static const DfCase cases[] = {
	{"ls", case_ls, FALSE},
	{"ls-detailed-json", case_ls_detailed_json, FALSE},
	{"dlp", case_dlp, FALSE},
	{"adlp", case_adlp, FALSE},
	{"status", case_status, FALSE},
	{"tron", case_tron, FALSE},
	{"stopped-daemon", case_stopped_daemon, FALSE},
};

int
main(int argc, char **argv)
{
	return df_main(argc, argv, cases, G_N_ELEMENTS(cases));
}
