/* SPDX-License-Identifier: Apache-2.0 */
/* the harness of the bus and integration tiers: bus, fake kernel, daemon, waits */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "daemon-fixture.h"
#include "fake-kernel-client.h"

#define STAFD_BUS_NAME	  "org.nvmexpress.staf"
#define STACD_BUS_NAME	  "org.nvmexpress.stac"
#define START_TIMEOUT_SEC 10.0

/* the slots of the dump arrays: the daemons first (killed first), then these */
#define SLOT_KERNEL (DF_MAX_DAEMONS)
#define SLOT_BUS    (DF_MAX_DAEMONS + 1)
#define N_SLOTS	    (DF_MAX_DAEMONS + 2)

/*
 * the logs of the running case, for the handler of meson's timeout signal:
 * it can only use what is async-signal-safe, so plain arrays
 */
static char dump_labels[N_SLOTS][64];
static char dump_paths[N_SLOTS][PATH_MAX];
static char dump_dir[PATH_MAX];		  /* removed by the handler, unless kept */
static volatile pid_t dump_pids[N_SLOTS]; /* daemons, fake-kerneld, dbus-daemon */

static void
dump_file(const char *label, const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (path[0] == '\0')
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)!write(STDERR_FILENO, "\n---- ", 6);
	(void)!write(STDERR_FILENO, label, strlen(label));
	(void)!write(STDERR_FILENO, " ----\n", 6);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		(void)!write(STDERR_FILENO, buf, (size_t)n);
	(void)!write(STDERR_FILENO, "---- end ----\n", 14);
	close(fd);
}

static void
dump_logs(void)
{
	for (int i = 0; i < N_SLOTS; i++)
		dump_file(dump_labels[i], dump_paths[i]);
}

static void
on_fatal_signal(int sig)
{
	static const char msg[] = "\n*** test case killed (timeout?): logs follow\n";

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	for (int i = 0; i < N_SLOTS; i++) {
		if (dump_pids[i] > 0)
			kill(dump_pids[i], SIGKILL);
	}
	dump_logs();
	for (int i = 0; i < N_SLOTS; i++) {
		if (dump_pids[i] > 0)
			waitpid(dump_pids[i], NULL, 0);
	}
	if (dump_dir[0] != '\0') {
		pid_t pid = fork();

		if (pid == 0) {
			execl("/bin/rm", "rm", "-rf", "--one-file-system", dump_dir, (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
remember_log(int slot, const char *label, const char *path)
{
	g_strlcpy(dump_labels[slot], label ? label : "", sizeof(dump_labels[slot]));
	g_strlcpy(dump_paths[slot], path ? path : "", sizeof(dump_paths[slot]));
}

static void
remember_pid(int slot, GPid pid)
{
	dump_pids[slot] = pid;
}

/* ---- files ---------------------------------------------------------------- */

char *
df_path(DaemonFixture *f, const char *name)
{
	return g_build_filename(f->dir, name, NULL);
}

void
df_write(DaemonFixture *f, const char *name, const char *content)
{
	g_autofree char *path = g_path_is_absolute(name) ? g_strdup(name) : df_path(f, name);
	g_autoptr(GError) error = NULL;

	if (!g_file_set_contents_full(path, content, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
				      &error))
		fail_msg("cannot write %s: %s", path, error->message);
}

void
df_writef(DaemonFixture *f, const char *name, const char *fmt, ...)
{
	g_autofree char *content = NULL;
	va_list ap;

	va_start(ap, fmt);
	content = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	df_write(f, name, content);
}

char *
df_read(const char *path)
{
	char *content = NULL;

	if (!g_file_get_contents(path, &content, NULL, NULL))
		return NULL;
	return content;
}

gboolean
df_contains(const char *haystack, const char *needle)
{
	return haystack && needle && strstr(haystack, needle) != NULL;
}

JsonNode *
df_parse_json(const char *text)
{
	g_autoptr(GError) error = NULL;
	JsonNode *node = json_from_string(text, &error);

	if (node == NULL)
		fail_msg("not JSON (%s): %.300s", error ? error->message : "empty", text);
	return node;
}

/* ---- processes ------------------------------------------------------------- */

static void
child_setup(gpointer data)
{
	gboolean isolate = GPOINTER_TO_INT(data);

	/* nothing outlives a crashed or killed test */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (isolate)
		(void)!unshare(CLONE_NEWNET);
}

/* can a child get a network namespace of its own?  (root, and a host that allows it) */
static gboolean
can_isolate_net(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return FALSE;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int
open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		fail_msg("cannot open %s: %s", path, g_strerror(errno));
	return fd;
}

static GPid
spawn_logged(const char *const *argv, char **envp, const char *log, gboolean isolate)
{
	g_autoptr(GError) error = NULL;
	int fd = open_log(log);
	GPid pid = 0;
	gboolean ok;

	ok = g_spawn_async_with_fds(NULL, (char **)argv, envp, G_SPAWN_DO_NOT_REAP_CHILD,
				    child_setup, GINT_TO_POINTER(isolate), &pid, -1, fd, fd,
				    &error);
	close(fd);
	if (!ok)
		fail_msg("cannot start %s: %s", argv[0], error->message);
	return pid;
}

static void
terminate(GPid *pid, double timeout)
{
	gint64 end = g_get_monotonic_time() + (gint64)(timeout * G_USEC_PER_SEC);

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	/* a case may have left it stopped (SIGSTOP) */
	kill(*pid, SIGCONT);
	while (waitpid(*pid, NULL, WNOHANG) == 0) {
		if (g_get_monotonic_time() > end) {
			kill(*pid, SIGKILL);
			waitpid(*pid, NULL, 0);
			break;
		}
		g_usleep(10 * 1000);
	}
	g_spawn_close_pid(*pid);
	*pid = 0;
}

static const char *
env_path(const char *var)
{
	const char *v = g_getenv(var);

	if (v == NULL || *v == '\0')
		fail_msg("%s is not set (run the tests through meson)", var);
	return v;
}

/* ---- the private bus ------------------------------------------------------- */

/* the default policy of the system bus (dbus's system.conf): policy files open what they need */
static const char system_bus_default_policy[] =
	"  <policy context=\"default\">\n"
	"    <allow user=\"*\"/>\n"
	"    <deny own=\"*\"/>\n"
	"    <deny send_type=\"method_call\"/>\n"
	"    <allow send_type=\"signal\"/>\n"
	"    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
	"    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
	"    <allow receive_type=\"method_call\"/>\n"
	"    <allow receive_type=\"method_return\"/>\n"
	"    <allow receive_type=\"error\"/>\n"
	"    <allow receive_type=\"signal\"/>\n"
	"    <allow send_destination=\"org.freedesktop.DBus\"\n"
	"           send_interface=\"org.freedesktop.DBus\"/>\n"
	"    <allow send_destination=\"org.freedesktop.DBus\"\n"
	"           send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
	"    <allow send_destination=\"org.freedesktop.DBus\"\n"
	"           send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
	"    <deny send_destination=\"org.freedesktop.DBus\"\n"
	"          send_interface=\"org.freedesktop.DBus\"\n"
	"          send_member=\"UpdateActivationEnvironment\"/>\n"
	"  </policy>\n";

/* without the project's policy files: anything goes, only the daemon's own checks remain */
static const char allow_all_policy[] = "  <policy context=\"default\">\n"
				       "    <allow user=\"*\"/>\n"
				       "    <allow own=\"*\"/>\n"
				       "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
				       "    <allow eavesdrop=\"true\"/>\n"
				       "  </policy>\n";

static char *
bus_config(DaemonFixture *f, const char *socket)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s,
			       "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus "
			       "Configuration 1.0//EN\"\n"
			       " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
			       "<busconfig>\n"
			       "  <type>system</type>\n"
			       "  <listen>unix:path=%s</listen>\n"
			       "  <auth>EXTERNAL</auth>\n",
			       socket);
	if (f->tcase->no_policy) {
		g_string_append(s, allow_all_policy);
	} else {
		g_string_append(s, system_bus_default_policy);
		g_string_append_printf(s, "  <includedir>%s</includedir>\n",
				       env_path(DF_ENV_POLICY_DIR));
	}
	g_string_append(s, "</busconfig>\n");
	return g_string_free(s, FALSE);
}

/*
 * dbus-daemon only warns about a broken file of an <includedir> and goes on
 * without it; the policy files are the project's, so that is a failure.
 * it reads its configuration before it listens: the log is complete here.
 */
static void
check_bus_config_read(DaemonFixture *f)
{
	g_autofree char *log = df_read(f->bus_log);

	if (df_contains(log, "Encountered error"))
		fail_msg("dbus-daemon found an error in its configuration (the policy files):\n%s",
			 log);
}

static void
start_bus(DaemonFixture *f)
{
	g_autofree char *socket = df_path(f, "bus.sock");
	g_autofree char *config = bus_config(f, socket);
	g_autofree char *config_path = df_path(f, "bus.conf");
	g_autofree char *config_arg = NULL;
	g_autofree char *dbus_daemon = g_find_program_in_path("dbus-daemon");
	gint64 end = g_get_monotonic_time() + (gint64)(START_TIMEOUT_SEC * G_USEC_PER_SEC);
	g_autoptr(GError) error = NULL;

	if (dbus_daemon == NULL)
		fail_msg("dbus-daemon not found (package dbus-daemon)");
	df_write(f, config_path, config);
	config_arg = g_strconcat("--config-file=", config_path, NULL);
	f->bus_address = g_strconcat("unix:path=", socket, NULL);
	f->bus_log = df_path(f, "dbus-daemon.log");
	remember_log(SLOT_BUS, "dbus-daemon log", f->bus_log);
	f->bus_pid = spawn_logged(
		(const char *const[]){dbus_daemon, config_arg, "--nofork", "--nopidfile", NULL},
		NULL, f->bus_log, FALSE);
	remember_pid(SLOT_BUS, f->bus_pid);
	for (;;) {
		g_clear_error(&error);
		f->bus = g_dbus_connection_new_for_address_sync(
			f->bus_address,
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
			NULL, NULL, &error);
		if (f->bus != NULL)
			break;
		if (waitpid(f->bus_pid, NULL, WNOHANG) != 0 || g_get_monotonic_time() > end)
			fail_msg("the private dbus-daemon did not start: %s", error->message);
		g_usleep(20 * 1000);
	}
	g_dbus_connection_set_exit_on_close(f->bus, FALSE);
	check_bus_config_read(f);
}

/* ---- the fake kernel ------------------------------------------------------- */

static void
start_kernel(DaemonFixture *f)
{
	const char *kerneld = env_path(DF_ENV_KERNELD);
	gint64 end = g_get_monotonic_time() + (gint64)(START_TIMEOUT_SEC * G_USEC_PER_SEC);

	f->kernel_socket = df_path(f, "kernel.sock");
	f->kernel_log = df_path(f, "fake-kerneld.log");
	remember_log(SLOT_KERNEL, "fake-kerneld log", f->kernel_log);
	f->kernel_pid = spawn_logged((const char *const[]){kerneld, "--socket", f->kernel_socket,
							   "--die-with-parent", NULL},
				     NULL, f->kernel_log, FALSE);
	remember_pid(SLOT_KERNEL, f->kernel_pid);
	for (;;) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonObject) pong = fk_client_call(f->kernel_socket, "ping", NULL, &error);

		if (pong != NULL)
			return;
		if (waitpid(f->kernel_pid, NULL, WNOHANG) != 0 || g_get_monotonic_time() > end)
			fail_msg("fake-kerneld did not start: %s", error->message);
		g_usleep(20 * 1000);
	}
}

static JsonObject *G_GNUC_PRINTF(4, 0)
	kernel_vcall(DaemonFixture *f, GError **error, const char *op, const char *fmt, va_list ap)
{
	g_autofree char *args = fmt ? g_strdup_vprintf(fmt, ap) : NULL;

	return fk_client_call(f->kernel_socket, op, args, error);
}

JsonObject *
df_kernel_try(DaemonFixture *f, GError **error, const char *op, const char *fmt, ...)
{
	JsonObject *resp;
	va_list ap;

	va_start(ap, fmt);
	resp = kernel_vcall(f, error, op, fmt, ap);
	va_end(ap);
	return resp;
}

JsonObject *
df_kernel(DaemonFixture *f, const char *op, const char *fmt, ...)
{
	g_autoptr(GError) error = NULL;
	JsonObject *resp;
	va_list ap;

	va_start(ap, fmt);
	resp = kernel_vcall(f, &error, op, fmt, ap);
	va_end(ap);
	if (resp == NULL)
		fail_msg("fake kernel request %s refused: %s", op, error->message);
	return resp;
}

void
df_kernel_do(DaemonFixture *f, const char *op, const char *fmt, ...)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) resp = NULL;
	va_list ap;

	va_start(ap, fmt);
	resp = kernel_vcall(f, &error, op, fmt, ap);
	va_end(ap);
	if (resp == NULL)
		fail_msg("fake kernel request %s refused: %s", op, error->message);
}

JsonArray *
df_kernel_ctrls(DaemonFixture *f)
{
	g_autoptr(JsonObject) resp = df_kernel(f, "list-ctrls", NULL);
	JsonArray *ctrls = fk_get_array(resp, "ctrls");

	return ctrls ? json_array_ref(ctrls) : json_array_new();
}

/* the value of key in a sysfs "address" string (traddr=...,trsvcid=...) */
static char *
address_field(const char *address, const char *key)
{
	g_auto(GStrv) parts = g_strsplit(address ? address : "", ",", -1);
	gsize len = strlen(key);

	for (guint i = 0; parts[i] != NULL; i++) {
		if (strncmp(parts[i], key, len) == 0 && parts[i][len] == '=')
			return g_strdup(parts[i] + len + 1);
	}
	return NULL;
}

char *
df_kernel_device_of(DaemonFixture *f, const char *traddr)
{
	g_autoptr(JsonArray) ctrls = df_kernel_ctrls(f);

	for (guint i = 0; i < json_array_get_length(ctrls); i++) {
		JsonObject *c = json_array_get_object_element(ctrls, i);
		g_autofree char *addr = address_field(fk_get_str(c, "address"), "traddr");

		if (g_strcmp0(addr, traddr) == 0)
			return g_strdup(fk_get_str(c, "device"));
	}
	return NULL;
}

JsonObject *
df_kernel_target(DaemonFixture *f, const char *name)
{
	g_autoptr(JsonObject) resp = df_kernel(f, "list-targets", NULL);
	JsonArray *targets = fk_get_array(resp, "targets");

	for (guint i = 0; targets && i < json_array_get_length(targets); i++) {
		JsonObject *t = json_array_get_object_element(targets, i);

		if (g_strcmp0(fk_get_str(t, "name"), name) == 0)
			return json_object_ref(t);
	}
	return NULL;
}

gint64
df_kernel_stat(DaemonFixture *f, const char *op)
{
	g_autoptr(JsonObject) resp = df_kernel(f, "stats", NULL);
	JsonObject *stats = fk_get_obj(resp, "stats");

	return stats ? fk_get_int(stats, op, 0) : 0;
}

/* ---- the daemons ----------------------------------------------------------- */

static void
on_daemon_exit(GPid pid, int status, gpointer data)
{
	DfDaemon *d = data;

	if (pid != d->pid)
		return;
	d->exited = TRUE;
	d->status = status;
	d->watch = 0;
	remember_pid(d->slot, 0);
	g_spawn_close_pid(pid);
}

static char **
daemon_environ(DaemonFixture *f, const char *run_dir)
{
	char **env = g_get_environ();
	static const char *const unset[] = {"NOTIFY_SOCKET", "LISTEN_FDS",
					    "LISTEN_PID",    "JOURNAL_STREAM",
					    "INVOCATION_ID", "DBUS_SESSION_BUS_ADDRESS"};

	for (gsize i = 0; i < G_N_ELEMENTS(unset); i++)
		env = g_environ_unsetenv(env, unset[i]);
	env = g_environ_setenv(env, "DBUS_SYSTEM_BUS_ADDRESS", f->bus_address, TRUE);
	env = g_environ_setenv(env, "STAS_FAKE_KERNEL", f->kernel_socket, TRUE);
	env = g_environ_setenv(env, "RUNTIME_DIRECTORY", run_dir, TRUE);
	env = g_environ_setenv(env, "STAS_TEST_SYSCONF", f->sysconf, TRUE);
	env = g_environ_setenv(env, "STAS_TEST_NBFT_DIR", f->nbft_dir, TRUE);
	env = g_environ_setenv(env, "STAS_TEST_UDEV_RULES_DIR", f->rules_dir, TRUE);
	env = g_environ_setenv(env, "STAS_TEST_SYSTEMCTL", f->systemctl, TRUE);
	return env;
}

/* the daemon called name, NULL if it was never started in this case */
static DfDaemon *
find_daemon(DaemonFixture *f, const char *name)
{
	for (int i = 0; i < DF_MAX_DAEMONS; i++) {
		if (g_strcmp0(f->daemons[i].name, name) == 0)
			return &f->daemons[i];
	}
	return NULL;
}

static DfDaemon *
must_find_daemon(DaemonFixture *f, const char *name)
{
	DfDaemon *d = find_daemon(f, name);

	if (d == NULL)
		fail_msg("no daemon called %s was started in this case", name);
	return d;
}

/* the daemon of the functions without a name: the first one started */
static DfDaemon *
first_daemon(DaemonFixture *f)
{
	if (f->daemons[0].name == NULL)
		fail_msg("no daemon was started in this case");
	return &f->daemons[0];
}

/* its slot: the one it had before, or a free one */
static DfDaemon *
daemon_slot(DaemonFixture *f, const char *name)
{
	DfDaemon *d = find_daemon(f, name);
	int i = 0;

	if (d != NULL)
		return d;
	while (i < DF_MAX_DAEMONS - 1 && f->daemons[i].name != NULL)
		i++;
	d = &f->daemons[i];
	/* fail_msg() does not return: the case ends here */
	if (d->name != NULL)
		fail_msg("more than %d daemons in one case", DF_MAX_DAEMONS);
	d->slot = i;
	d->name = g_strdup(name);
	d->log = g_strconcat(f->dir, G_DIR_SEPARATOR_S, name, ".log", NULL);
	return d;
}

static gboolean
running(const DfDaemon *d)
{
	return d->pid != 0 && !d->exited;
}

/* the words of STAS_TEST_DAEMON_WRAPPER, NULL when unset */
static GStrv
daemon_wrapper(void)
{
	const char *w = g_getenv(DF_ENV_WRAPPER);
	g_autoptr(GError) error = NULL;
	char **words = NULL;

	if (w == NULL || *w == '\0')
		return NULL;
	if (!g_shell_parse_argv(w, NULL, &words, &error))
		fail_msg("%s=\"%s\": %s", DF_ENV_WRAPPER, w, error->message);
	/* the daemons are spawned without a PATH search */
	if (!g_path_is_absolute(words[0])) {
		char *path = g_find_program_in_path(words[0]);

		if (path == NULL)
			fail_msg("%s: %s not found", DF_ENV_WRAPPER, words[0]);
		g_free(words[0]);
		words[0] = path;
	}
	return words;
}

static void
start_daemon(DaemonFixture *f, const char *name, const char *program, const char *const *args,
	     const char *run_dir)
{
	g_auto(GStrv) env = daemon_environ(f, run_dir);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree char *header = NULL;
	g_autofree char *label = g_strconcat(name, " log", NULL);
	g_auto(GStrv) wrapper = daemon_wrapper();
	DfDaemon *d = daemon_slot(f, name);
	int fd;

	if (running(d))
		fail_msg("%s is already running", name);
	remember_log(d->slot, label, d->log);
	d->starts++;
	header = g_strdup_printf("==== %s start #%u ====\n", name, d->starts);
	fd = open_log(d->log);
	(void)!write(fd, header, strlen(header));
	close(fd);

	for (guint i = 0; wrapper && wrapper[i]; i++)
		g_ptr_array_add(argv, wrapper[i]);
	g_ptr_array_add(argv, (gpointer)program);
	for (guint i = 0; args && args[i]; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	d->exited = FALSE;
	d->status = 0;
	d->pid = spawn_logged((const char *const *)argv->pdata, env, d->log, f->net_isolated);
	remember_pid(d->slot, d->pid);
	d->watch = g_child_watch_add(d->pid, on_daemon_exit, d);
}

/* each daemon its own, as under systemd (/run/stafd, /run/stacd) */
static char *
run_dir_of(DaemonFixture *f, const char *name)
{
	g_autofree char *base = NULL;
	char *dir;

	if (g_str_equal(name, "stafd"))
		return g_strdup(f->run_dir);
	if (g_str_equal(name, "stacd"))
		return g_strdup(f->stacd_run_dir);
	base = g_strconcat("run-", name, NULL);
	dir = df_path(f, base);
	if (g_mkdir(dir, 0700) != 0 && errno != EEXIST)
		fail_msg("cannot create %s: %s", dir, g_strerror(errno));
	return dir;
}

void
df_start_daemon(DaemonFixture *f, const char *name, const char *program, const char *const *args)
{
	g_autofree char *run_dir = run_dir_of(f, name);

	start_daemon(f, name, program, args, run_dir);
}

void
df_start_stafd(DaemonFixture *f)
{
	g_autofree char *conf = df_path(f, "stafd.conf");

	df_start_daemon(f, "stafd", env_path(DF_ENV_STAFD),
			(const char *const[]){"-f", conf, NULL});
	df_wait_name(f, STAFD_BUS_NAME, DF_TIMEOUT_SEC);
}

void
df_start_stacd(DaemonFixture *f)
{
	g_autofree char *conf = df_path(f, "stacd.conf");

	df_start_daemon(f, "stacd", env_path(DF_ENV_STACD),
			(const char *const[]){"-f", conf, NULL});
	df_wait_name(f, STACD_BUS_NAME, DF_TIMEOUT_SEC);
}

static char *
describe_status(int status)
{
	if (WIFEXITED(status))
		return g_strdup_printf("exit status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return g_strdup_printf("killed by signal %d (%s)", WTERMSIG(status),
				       g_strsignal(WTERMSIG(status)));
	return g_strdup_printf("wait status 0x%x", status);
}

void
df_check_alive(DaemonFixture *f)
{
	for (int i = 0; i < DF_MAX_DAEMONS; i++) {
		DfDaemon *d = &f->daemons[i];
		g_autofree char *how = NULL;

		if (d->pid == 0 || !d->exited)
			continue;
		how = describe_status(d->status);
		fail_msg("%s exited unexpectedly: %s", d->name, how);
	}
}

static void
signal_daemon(DfDaemon *d, int sig)
{
	if (!running(d))
		fail_msg("cannot send signal %d: %s is not running", sig, d->name);
	if (kill(d->pid, sig) != 0)
		fail_msg("kill(%d): %s", sig, g_strerror(errno));
}

static int
wait_exit(DaemonFixture *f, DfDaemon *d, double timeout)
{
	gint64 end = g_get_monotonic_time() + (gint64)(timeout * G_USEC_PER_SEC);

	if (d->pid == 0)
		fail_msg("%s is not running: nothing to wait for", d->name);
	while (!d->exited) {
		if (g_get_monotonic_time() > end)
			fail_msg("%s did not exit within %.1f s", d->name, timeout);
		df_iterate(f, 20);
	}
	d->pid = 0;
	return d->status;
}

static void
stop_daemon(DaemonFixture *f, DfDaemon *d)
{
	g_autofree char *how = NULL;
	int status;

	signal_daemon(d, SIGTERM);
	status = wait_exit(f, d, DF_TIMEOUT_SEC);
	how = describe_status(status);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s did not stop cleanly: %s", d->name, how);
}

static char *
daemon_log(DfDaemon *d)
{
	char *log = d->log ? df_read(d->log) : NULL;

	return log ? log : g_strdup("");
}

static guint
count_in(const char *log, const char *text)
{
	guint n = 0;

	for (const char *p = strstr(log, text); p && *text; p = strstr(p + strlen(text), text))
		n++;
	return n;
}

void
df_signal(DaemonFixture *f, int sig)
{
	signal_daemon(first_daemon(f), sig);
}

int
df_wait_exit(DaemonFixture *f, double timeout)
{
	return wait_exit(f, first_daemon(f), timeout);
}

void
df_stop_daemon(DaemonFixture *f)
{
	stop_daemon(f, first_daemon(f));
}

gboolean
df_daemon_running(DaemonFixture *f)
{
	return f->daemons[0].name != NULL && running(&f->daemons[0]);
}

char *
df_daemon_log(DaemonFixture *f)
{
	return f->daemons[0].name ? daemon_log(&f->daemons[0]) : g_strdup("");
}

gboolean
df_log_contains(DaemonFixture *f, const char *text)
{
	g_autofree char *log = df_daemon_log(f);

	return df_contains(log, text);
}

guint
df_log_count(DaemonFixture *f, const char *text)
{
	g_autofree char *log = df_daemon_log(f);

	return count_in(log, text);
}

void
df_signal_of(DaemonFixture *f, const char *name, int sig)
{
	signal_daemon(must_find_daemon(f, name), sig);
}

int
df_wait_exit_of(DaemonFixture *f, const char *name, double timeout)
{
	return wait_exit(f, must_find_daemon(f, name), timeout);
}

void
df_stop_daemon_of(DaemonFixture *f, const char *name)
{
	stop_daemon(f, must_find_daemon(f, name));
}

gboolean
df_daemon_running_of(DaemonFixture *f, const char *name)
{
	DfDaemon *d = find_daemon(f, name);

	return d != NULL && running(d);
}

char *
df_daemon_log_of(DaemonFixture *f, const char *name)
{
	return daemon_log(must_find_daemon(f, name));
}

gboolean
df_log_contains_of(DaemonFixture *f, const char *name, const char *text)
{
	g_autofree char *log = df_daemon_log_of(f, name);

	return df_contains(log, text);
}

guint
df_log_count_of(DaemonFixture *f, const char *name, const char *text)
{
	g_autofree char *log = df_daemon_log_of(f, name);

	return count_in(log, text);
}

GPid
df_daemon_pid_of(DaemonFixture *f, const char *name)
{
	DfDaemon *d = must_find_daemon(f, name);

	if (!running(d))
		fail_msg("%s is not running", name);
	return d->pid;
}

double
df_timeout_scale(void)
{
	const char *s = g_getenv(DF_ENV_TIMEOUT_SCALE);
	double v = s ? g_ascii_strtod(s, NULL) : 1.0;

	return v >= 1.0 ? v : 1.0;
}

/* ---- the bus name ---------------------------------------------------------- */

gboolean
df_name_has_owner(DaemonFixture *f, const char *name)
{
	g_autoptr(GVariant) reply = NULL;
	gboolean has = FALSE;

	reply = g_dbus_connection_call_sync(f->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					    "org.freedesktop.DBus", "NameHasOwner",
					    g_variant_new("(s)", name), G_VARIANT_TYPE("(b)"),
					    G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
	if (reply)
		g_variant_get(reply, "(b)", &has);
	return has;
}

void
df_wait_name(DaemonFixture *f, const char *name, double timeout)
{
	DF_ASSERT_EVENTUALLY(f, df_name_has_owner(f, name), timeout);
}

/* ---- waiting --------------------------------------------------------------- */

static gboolean
on_tick(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

void
df_iterate(DaemonFixture *f, guint ms)
{
	gboolean done = FALSE;
	guint id = g_timeout_add(ms, on_tick, &done);

	while (!done)
		g_main_context_iteration(NULL, TRUE);
	(void)id;
}

gboolean
df_wait_until(DaemonFixture *f, DfCondition cond, gpointer data, double timeout)
{
	gint64 end = g_get_monotonic_time() + (gint64)(timeout * G_USEC_PER_SEC);

	while (!cond(f, data)) {
		df_check_alive(f);
		if (g_get_monotonic_time() > end)
			return FALSE;
		df_iterate(f, 20);
	}
	return TRUE;
}

/* ---- systemctl ------------------------------------------------------------- */

GStrv
df_systemctl_calls(DaemonFixture *f)
{
	g_autofree char *log = df_read(f->systemctl_log);
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) lines = g_strsplit(log ? log : "", "\n", -1);

	for (guint i = 0; lines[i]; i++) {
		if (*lines[i] != '\0')
			g_strv_builder_add(b, lines[i]);
	}
	return g_strv_builder_end(b);
}

/* ---- a case ---------------------------------------------------------------- */

static void
make_dir(const char *path)
{
	if (g_mkdir(path, 0755) != 0)
		fail_msg("cannot create %s: %s", path, g_strerror(errno));
}

static void
fixture_init(DaemonFixture *f)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("stas-test-XXXXXX", &error);
	if (f->dir == NULL)
		fail_msg("cannot create a temporary directory: %s", error->message);
	if (g_getenv(DF_ENV_KEEP) == NULL || *g_getenv(DF_ENV_KEEP) == '\0')
		g_strlcpy(dump_dir, f->dir, sizeof(dump_dir));
	/* an unprivileged client (bus tier) must reach the bus socket in it */
	if (chmod(f->dir, 0755) != 0)
		fail_msg("chmod %s: %s", f->dir, g_strerror(errno));
	f->run_dir = df_path(f, "run");
	f->stacd_run_dir = df_path(f, "run-stacd");
	f->rules_dir = df_path(f, "rules.d");
	f->nbft_dir = df_path(f, "nbft");
	f->sysconf = df_path(f, "sys.conf");
	f->systemctl = df_path(f, "systemctl");
	f->systemctl_log = df_path(f, "systemctl.log");
	make_dir(f->nbft_dir);
	/* RUNTIME_DIRECTORY exists under systemd; the rules dir is stafd's to create */
	if (g_mkdir(f->run_dir, 0700) != 0)
		fail_msg("cannot create %s: %s", f->run_dir, g_strerror(errno));
	if (g_mkdir(f->stacd_run_dir, 0700) != 0)
		fail_msg("cannot create %s: %s", f->stacd_run_dir, g_strerror(errno));
	df_writef(f, f->sysconf, "[Host]\nnqn=%s\nid=%s\n", DF_HOSTNQN, DF_HOSTID);
	df_writef(f, f->systemctl, "#!/bin/sh\nprintf '%%s\\n' \"$*\" >> '%s'\n", f->systemctl_log);
	if (chmod(f->systemctl, 0755) != 0)
		fail_msg("chmod %s: %s", f->systemctl, g_strerror(errno));
	f->net_isolated = can_isolate_net();
	start_bus(f);
	start_kernel(f);
}

static void
fixture_free(DaemonFixture *f)
{
	const char *keep = g_getenv(DF_ENV_KEEP);

	/* the last started first: stacd before the stafd it is a client of */
	for (int i = DF_MAX_DAEMONS - 1; i >= 0; i--) {
		DfDaemon *d = &f->daemons[i];

		if (d->pid != 0 && !d->exited) {
			if (d->watch)
				g_source_remove(d->watch);
			terminate(&d->pid, DF_TIMEOUT_SEC);
		}
	}
	if (!f->passed)
		dump_logs();
	g_clear_object(&f->bus);
	terminate(&f->kernel_pid, 5);
	terminate(&f->bus_pid, 5);
	if (f->dir && (keep == NULL || *keep == '\0')) {
		const char *argv[] = {"rm", "-rf", "--one-file-system", f->dir, NULL};

		g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
			     NULL, NULL);
	} else if (f->dir) {
		fprintf(stderr, "kept %s\n", f->dir);
	}
	for (int i = 0; i < N_SLOTS; i++) {
		remember_log(i, NULL, NULL);
		remember_pid(i, 0);
	}
	dump_dir[0] = '\0';
	g_free(f->dir);
	g_free(f->run_dir);
	g_free(f->stacd_run_dir);
	g_free(f->rules_dir);
	g_free(f->nbft_dir);
	g_free(f->sysconf);
	g_free(f->systemctl);
	g_free(f->systemctl_log);
	g_free(f->bus_address);
	g_free(f->bus_log);
	g_free(f->kernel_socket);
	g_free(f->kernel_log);
	for (int i = 0; i < DF_MAX_DAEMONS; i++) {
		g_free(f->daemons[i].name);
		g_free(f->daemons[i].log);
	}
	g_free(f);
}

static int
case_setup(void **state)
{
	DaemonFixture *f = g_new0(DaemonFixture, 1);

	f->tcase = *state;
	*state = f;
	return 0;
}

static int
case_teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/*
 * the end of a case: each daemon still running (the last started first:
 * stacd before the stafd it is a client of) must stop cleanly on SIGTERM;
 * one that exited unnoticed fails the case too
 */
static void
stop_remaining_daemons(DaemonFixture *f)
{
	df_check_alive(f);
	for (int i = DF_MAX_DAEMONS - 1; i >= 0; i--) {
		DfDaemon *d = &f->daemons[i];

		if (!running(d))
			continue;
		/* a case may have left it stopped (SIGSTOP) */
		kill(d->pid, SIGCONT);
		stop_daemon(f, d);
	}
}

/* the case runs here so that the teardown knows whether it reached its end */
static void
case_run(void **state)
{
	DaemonFixture *f = *state;

	fixture_init(f);
	f->tcase->func(f);
	stop_remaining_daemons(f);
	f->passed = TRUE;
}

/* meson's list of cases (argv) and the program's must agree */
static int
check_cases(int argc, char **argv, const DfCase *cases, gsize n)
{
	int bad = 0;

	for (gsize i = 0; i < n; i++) {
		gboolean found = FALSE;

		for (int j = 0; j < argc; j++)
			found = found || g_str_equal(argv[j], cases[i].name);
		if (!found) {
			fprintf(stderr, "case %s is not registered with meson\n", cases[i].name);
			bad = 1;
		}
	}
	for (int j = 0; j < argc; j++) {
		gboolean found = FALSE;

		for (gsize i = 0; i < n; i++)
			found = found || g_str_equal(argv[j], cases[i].name);
		if (!found) {
			fprintf(stderr, "meson names case %s, which does not exist\n", argv[j]);
			bad = 1;
		}
	}
	if (!bad)
		printf("%" G_GSIZE_FORMAT " cases, all registered\n", n);
	return bad;
}

int
df_main(int argc, char **argv, const DfCase *cases, gsize n_cases)
{
	const char *only = NULL;
	g_autofree struct CMUnitTest *tests = g_new0(struct CMUnitTest, n_cases);
	g_autofree char *group = g_path_get_basename(argv[0]);
	gsize n = 0;

	if (argc == 2 && g_str_equal(argv[1], "--list")) {
		for (gsize i = 0; i < n_cases; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc >= 2 && g_str_equal(argv[1], "--check-cases"))
		return check_cases(argc - 2, argv + 2, cases, n_cases);
	if (argc == 3 && g_str_equal(argv[1], "--case"))
		only = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: %s [--case NAME | --list | --check-cases NAME...]\n",
			argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "%s: the daemons under test need root\n", argv[0]);
		return 1;
	}
	for (gsize i = 0; i < n_cases; i++) {
		if (only && !g_str_equal(only, cases[i].name))
			continue;
		tests[n].name = cases[i].name;
		tests[n].test_func = case_run;
		tests[n].setup_func = case_setup;
		tests[n].teardown_func = case_teardown;
		tests[n].initial_state = (void *)&cases[i];
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "no case named %s\n", only);
		return 2;
	}
	signal(SIGTERM, on_fatal_signal);
	signal(SIGINT, on_fatal_signal);
	signal(SIGPIPE, SIG_IGN);
	return _cmocka_run_group_tests(group, tests, n, NULL, NULL);
}
