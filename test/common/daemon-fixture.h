/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon-fixture: the harness of the bus and integration tiers (SPEC 7,
 * STYLE "Tests").  one fixture per test case, hermetic:
 *
 *   - a private temporary directory (0755: an unprivileged client must
 *     reach the bus socket in it) holding every file of the case;
 *   - a private dbus-daemon of <type>system</type> whose generated config
 *     has the system bus's default policy (that of dbus's system.conf: no
 *     name may be owned, no method called, unless a policy file says so)
 *     and includes the project's own policy files (etc/dbus-1/system.d),
 *     which dbus-daemon validates; a case may ask for a bus that allows
 *     everything instead, to test what the daemon checks by itself;
 *   - a fake-kerneld (test/fake-kernel) the daemons' fake seam talks to;
 *   - the daemons under test (stafd-test, stacd-test, or both at once),
 *     started with the test-only environment (DBUS_SYSTEM_BUS_ADDRESS,
 *     STAS_FAKE_KERNEL, RUNTIME_DIRECTORY: one per daemon, STAS_TEST_*) in
 *     a network namespace of their own when the host allows it, the
 *     stdout and stderr of each appended to its log file (<name>.log),
 *     every log printed when the case fails (or is killed by meson's
 *     timeout);
 *   - a STAS_TEST_SYSTEMCTL script that records its argv, one line per run.
 *
 * a case passes only if every daemon still running at its end stops cleanly
 * on SIGTERM (exit status 0): a sanitizer's report at exit (LeakSanitizer,
 * valgrind's --error-exitcode) fails the case that caused it.
 *
 * a daemon is known by its name ("stafd", "stacd"); starting a name again
 * (a restart) appends to the same log.  the functions without a name act on
 * the first daemon started in the case (the only one, in most cases); their
 * _of variants name the daemon.
 *
 * waits are bounded: df_wait_until() / DF_ASSERT_EVENTUALLY iterate the
 * main context until the condition holds or the time is
 * up; nothing sleeps and hopes.  a wait fails early when a daemon died
 * (one that was not stopped through the fixture).
 *
 * this is test code for cmocka: on a broken precondition (a process that
 * does not start, a fake-kernel request refused) the helpers fail the
 * running case themselves, with a message, instead of returning errors.
 *
 * df_main() runs the cases of a test program: "--case NAME" runs one (meson
 * registers one test per case, so a hanging case hides no other), no
 * argument runs them all, "--list" prints the names, "--check-cases N..."
 * checks that meson's list and the program's agree.
 *
 * threading: the main thread only.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* the environment meson gives the test programs */
#define DF_ENV_STAFD	    "STAFD_TEST"	   /* path of stafd-test */
#define DF_ENV_STACD	    "STACD_TEST"	   /* path of stacd-test */
#define DF_ENV_KERNELD	    "FAKE_KERNELD"	   /* path of fake-kerneld */
#define DF_ENV_KERNELCTL    "FAKE_KERNELCTL"	   /* path of fake-kernelctl */
#define DF_ENV_POLICY_DIR   "STAS_DBUS_POLICY_DIR" /* etc/dbus-1/system.d of the source tree */
#define DF_ENV_DBUS_XML_DIR "STAS_DBUS_XML_DIR"	   /* src/dbus of the source tree */
#define DF_ENV_KEEP	    "STAS_TEST_KEEP"	   /* set: keep the temporary directory */
/*
 * set: a command line (shell words) put before every daemon's own, e.g.
 * "valgrind --error-exitcode=99 --leak-check=full"; the daemons' process
 * ids stay theirs (valgrind runs the program in its own process)
 */
#define DF_ENV_WRAPPER "STAS_TEST_DAEMON_WRAPPER"

/* the host identity every case writes into sys.conf */
#define DF_HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555"
#define DF_HOSTID  "11111111-2222-3333-4444-555555555555"

/* the well-known discovery NQN */
#define DF_DISC_NQN "nqn.2014-08.org.nvmexpress.discovery"

/*
 * how long a case waits for anything by default (CI may be slow), times
 * STAS_TEST_TIMEOUT_SCALE (a number, at least 1) for daemons slowed down
 * on purpose (sanitizers, valgrind)
 */
#define DF_ENV_TIMEOUT_SCALE "STAS_TEST_TIMEOUT_SCALE"
#define DF_TIMEOUT_SEC	     (15.0 * df_timeout_scale())

/* daemons a case may run (each name once, restarts included) */
#define DF_MAX_DAEMONS 4

typedef struct _DaemonFixture DaemonFixture;
typedef void (*DfCaseFunc)(DaemonFixture *f);

typedef struct {
	const char *name;
	DfCaseFunc func;
	/* TRUE: a bus that allows everything, without the project's policy files */
	gboolean no_policy;
} DfCase;

typedef struct {
	char *name; /* "stafd", "stacd"; NULL: the slot is free */
	GPid pid;   /* 0 when not running */
	guint watch;
	gboolean exited;
	int status; /* wait status, once exited */
	guint starts;
	char *log; /* dir/<name>.log, all its runs */
	int slot;  /* its index in daemons[] */
} DfDaemon;

struct _DaemonFixture {
	const DfCase *tcase;
	gboolean passed;

	char *dir;	     /* the case's temporary directory */
	char *run_dir;	     /* RUNTIME_DIRECTORY of stafd */
	char *stacd_run_dir; /* RUNTIME_DIRECTORY of stacd */
	char *rules_dir;     /* STAS_TEST_UDEV_RULES_DIR */
	char *nbft_dir;	     /* STAS_TEST_NBFT_DIR */
	char *sysconf;	     /* STAS_TEST_SYSCONF */
	char *systemctl;     /* STAS_TEST_SYSTEMCTL: records its argv into systemctl_log */
	char *systemctl_log;

	GPid bus_pid;
	char *bus_address;
	char *bus_log;
	GDBusConnection *bus; /* the test's own connection (root) */

	GPid kernel_pid;
	char *kernel_socket;
	char *kernel_log;

	DfDaemon daemons[DF_MAX_DAEMONS]; /* in the order of their first start */
	gboolean net_isolated;		  /* the daemons run in a network namespace of their own */
};

/* ---- running the cases ---- */

/* STAS_TEST_TIMEOUT_SCALE, 1 when unset or below 1 */
double df_timeout_scale(void);

int df_main(int argc, char **argv, const DfCase *cases, gsize n_cases);

/* ---- files in the case directory ---- */

/* dir/name (newly allocated) */
char *df_path(DaemonFixture *f, const char *name);
/* write dir/name (mode 0644), failing the case on error */
void df_write(DaemonFixture *f, const char *name, const char *content);
void df_writef(DaemonFixture *f, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* the content of a file, NULL if it cannot be read */
char *df_read(const char *path);

/* ---- the daemons under test ---- */

/*
 * start program (a path) as the daemon called name ("stafd"), argv[1..] =
 * args (NULL-terminated, may be NULL).  RUNTIME_DIRECTORY is its own:
 * f->run_dir for "stafd", f->stacd_run_dir for "stacd", dir/run-<name> for
 * any other.  does not wait for the bus name: see df_wait_name().
 */
void df_start_daemon(DaemonFixture *f, const char *name, const char *program,
		     const char *const *args);
/* stafd-test with -f dir/stafd.conf, then wait until it owns org.nvmexpress.staf */
void df_start_stafd(DaemonFixture *f);
/*
 * stacd-test with -f dir/stacd.conf and RUNTIME_DIRECTORY f->stacd_run_dir,
 * then wait until it owns org.nvmexpress.stac
 */
void df_start_stacd(DaemonFixture *f);
/* send a signal to the running daemon */
void df_signal(DaemonFixture *f, int sig);
/* wait until the daemon exits; its wait status, or fails the case after timeout */
int df_wait_exit(DaemonFixture *f, double timeout);
/* SIGTERM and wait: the daemon must exit 0 */
void df_stop_daemon(DaemonFixture *f);
gboolean df_daemon_running(DaemonFixture *f);
/* the daemon's log so far (all its runs in this case) */
char *df_daemon_log(DaemonFixture *f);
/* TRUE if the daemon's log contains text */
gboolean df_log_contains(DaemonFixture *f, const char *text);
/* number of occurrences of text in the daemon's log */
guint df_log_count(DaemonFixture *f, const char *text);

/* the same for the daemon called name; each fails the case if it was never started */
void df_signal_of(DaemonFixture *f, const char *name, int sig);
int df_wait_exit_of(DaemonFixture *f, const char *name, double timeout);
void df_stop_daemon_of(DaemonFixture *f, const char *name);
gboolean df_daemon_running_of(DaemonFixture *f, const char *name);
char *df_daemon_log_of(DaemonFixture *f, const char *name);
gboolean df_log_contains_of(DaemonFixture *f, const char *name, const char *text);
guint df_log_count_of(DaemonFixture *f, const char *name, const char *text);
/* its process id; fails the case if it is not running */
GPid df_daemon_pid_of(DaemonFixture *f, const char *name);

/* ---- the bus ---- */

gboolean df_name_has_owner(DaemonFixture *f, const char *name);
/* wait until name has an owner (fails the case after timeout) */
void df_wait_name(DaemonFixture *f, const char *name, double timeout);

/* ---- waiting ---- */

typedef gboolean (*DfCondition)(DaemonFixture *f, gpointer data);

/* iterate the main context for at most ms milliseconds */
void df_iterate(DaemonFixture *f, guint ms);
/*
 * iterate the main context until cond(f, data) holds: TRUE, or FALSE after
 * timeout seconds.  fails the case at once if a daemon dies meanwhile.
 */
gboolean df_wait_until(DaemonFixture *f, DfCondition cond, gpointer data, double timeout);

/* the same with an expression; fails the case with the expression's text */
#define DF_ASSERT_EVENTUALLY(f, expr, timeout)                                                     \
	do {                                                                                       \
		gint64 df_end_ = g_get_monotonic_time() + (gint64)((timeout)*G_USEC_PER_SEC);      \
		while (!(expr)) {                                                                  \
			df_check_alive(f);                                                         \
			if (g_get_monotonic_time() > df_end_)                                      \
				fail_msg("not true after %.1f s: %s", (double)(timeout), #expr);   \
			df_iterate(f, 20);                                                         \
		}                                                                                  \
	} while (0)

/* fails the case if a daemon was started and has exited (without df_wait_exit*()) */
void df_check_alive(DaemonFixture *f);

/* ---- the fake kernel ---- */

/* a request to fake-kerneld (args: a JSON object text from fmt); fails the case if refused */
JsonObject *df_kernel(DaemonFixture *f, const char *op, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* the same when the response does not matter */
void df_kernel_do(DaemonFixture *f, const char *op, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* the same, NULL and error if refused */
JsonObject *df_kernel_try(DaemonFixture *f, GError **error, const char *op, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
/* the controllers of the fake kernel (list-ctrls), a new reference */
JsonArray *df_kernel_ctrls(DaemonFixture *f);
/* the device of the fake controller connected to target traddr, NULL if none */
char *df_kernel_device_of(DaemonFixture *f, const char *traddr);
/* the fake target named name (list-targets entry), a new reference, NULL if none */
JsonObject *df_kernel_target(DaemonFixture *f, const char *name);
/* the fake kernel's stats counter for op (e.g. "attach", "fabrics-write") */
gint64 df_kernel_stat(DaemonFixture *f, const char *op);

/* ---- the STAS_TEST_SYSTEMCTL script ---- */

/* the argv lines recorded so far (each line: arguments separated by spaces) */
GStrv df_systemctl_calls(DaemonFixture *f);

/* ---- helpers for assertions ---- */

/* TRUE if haystack contains needle (both may be NULL) */
gboolean df_contains(const char *haystack, const char *needle);
/* a JSON text parsed, failing the case if it is not JSON */
JsonNode *df_parse_json(const char *text);

G_END_DECLS
