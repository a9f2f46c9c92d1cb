/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the privilege boundary on the bus (SPEC B3, REFERENCE 3.7): as an
 * unprivileged user that test-unprivileged.sh creates for the run (useradd
 * --system, removed at the end), every method and every property of stafd
 * and stacd, enumerated from their introspection XML (src/dbus) so that a
 * new member cannot be missed, works; setting any property and owning the
 * names is refused with AccessDenied; no reply contains one of the
 * configured secrets (the DH-HMAC-CHAP keys of sys.conf and of the
 * controller= lines: the configuration has no other secrets, no TLS key).
 * the daemons run on the fixture's private bus with the project's policy
 * files, which dbus-daemon must have read without an error.
 *
 * test-unprivileged --case NAME, as root, STAS_TEST_UNPRIV_USER naming the
 * user.  the unprivileged side is a copy of this program run through
 * setpriv: test-unprivileged --client ADDRESS XML [ARG=VALUE...], the
 * secrets in STAS_TEST_SECRETS (one a line); it prints one line per step,
 * "ok ..." or "FAILED ...", and exits 0 when every step went as it should.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "daemon-fixture.h"

#define CALL_MS	      10000
#define ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"
#define PROPS	      "org.freedesktop.DBus.Properties"
#define REDACTED      "<redacted>"
#define DC_ADDR	      "127.0.0.10"
#define IO_ADDR	      "127.0.0.11"
#define IO_NQN	      "nqn.2014-08.com.example:unpriv-io1"
#define IO2_ADDR      "127.0.0.12"
#define IO2_NQN	      "nqn.2014-08.com.example:unpriv-io2"

/* the configured secrets (valid DHHC-1 syntax), and their base64 bodies alone */
#define HOST_KEY    "DHHC-1:00:VW5wcml2SG9zdEtleU9mVGhlSGFyZGVuaW5nVGVzdDEyMzQ=:"
#define DC_SECRET   "DHHC-1:01:VW5wcml2RGlzY292ZXJ5Q3RybFNlY3JldE9mVGhlVGVzdDE=:"
#define DC_CSECRET  "DHHC-1:02:VW5wcml2RGlzY292ZXJ5Q3RybFNpZGVTZWNyZXRPZlRoZTE=:"
#define IOC_SECRET  "DHHC-1:01:VW5wcml2SW9Db250cm9sbGVyU2VjcmV0T2ZUaGVUZXN0MTI=:"
#define IOC_CSECRET "DHHC-1:02:VW5wcml2SW9Db250cm9sbGVyU2lkZVNlY3JldE9mVGhlVDE=:"

static const char *const stafd_secrets[] = {
	HOST_KEY,
	DC_SECRET,
	DC_CSECRET,
	"VW5wcml2SG9zdEtleU9mVGhlSGFyZGVuaW5nVGVzdDEyMzQ",
	"VW5wcml2RGlzY292ZXJ5Q3RybFNlY3JldE9mVGhlVGVzdDE",
	"VW5wcml2RGlzY292ZXJ5Q3RybFNpZGVTZWNyZXRPZlRoZTE",
	NULL,
};

static const char *const stacd_secrets[] = {
	HOST_KEY,
	IOC_SECRET,
	IOC_CSECRET,
	"VW5wcml2SG9zdEtleU9mVGhlSGFyZGVuaW5nVGVzdDEyMzQ",
	"VW5wcml2SW9Db250cm9sbGVyU2VjcmV0T2ZUaGVUZXN0MTI",
	"VW5wcml2SW9Db250cm9sbGVyU2lkZVNlY3JldE9mVGhlVDE",
	NULL,
};

/* ---- the contract: names from the XML ----------------------------------------- */

/* org.nvmexpress.staf.xml -> bus name org.nvmexpress.staf, object /org/nvmexpress/staf */
static char *
bus_name_of(const char *xml_path)
{
	g_autofree char *base = g_path_get_basename(xml_path);

	if (!g_str_has_suffix(base, ".xml"))
		return NULL;
	return g_strndup(base, strlen(base) - 4);
}

static char *
object_path_of(const char *name)
{
	g_autofree char *slashes = g_strdup(name);

	g_strdelimit(slashes, ".", '/');
	return g_strconcat("/", slashes, NULL);
}

static GDBusNodeInfo *
load_xml(const char *path, GError **error)
{
	g_autofree char *xml = NULL;

	if (!g_file_get_contents(path, &xml, NULL, error))
		return NULL;
	return g_dbus_node_info_new_for_xml(xml, error);
}

static guint
n_bool_args(const GDBusMethodInfo *m)
{
	guint n = 0;

	for (guint i = 0; m->in_args && m->in_args[i]; i++)
		n += g_str_equal(m->in_args[i]->signature, "b");
	return n;
}

static char *
tuple_signature(GDBusArgInfo **args)
{
	GString *s = g_string_new("(");

	for (guint i = 0; args && args[i]; i++)
		g_string_append(s, args[i]->signature);
	g_string_append_c(s, ')');
	return g_string_free(s, FALSE);
}

/* ---- the unprivileged client -------------------------------------------------- */

typedef struct {
	GDBusConnection *bus;
	const char *name;
	char *path;
	GHashTable *values; /* in-argument name -> string value */
	char **secrets;
	gboolean bad;
} Client;

static void say(Client *c, gboolean ok, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
say(Client *c, gboolean ok, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	printf("%s %s\n", ok ? "ok" : "FAILED", msg);
	c->bad |= !ok;
}

static gboolean
variant_contains(GVariant *v, const char *needle)
{
	GVariantIter iter;
	GVariant *child;

	if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ||
	    g_variant_is_of_type(v, G_VARIANT_TYPE_OBJECT_PATH) ||
	    g_variant_is_of_type(v, G_VARIANT_TYPE_SIGNATURE))
		return strstr(g_variant_get_string(v, NULL), needle) != NULL;
	if (!g_variant_is_container(v))
		return FALSE;
	g_variant_iter_init(&iter, v);
	while ((child = g_variant_iter_next_value(&iter)) != NULL) {
		gboolean found = variant_contains(child, needle);

		g_variant_unref(child);
		if (found)
			return TRUE;
	}
	return FALSE;
}

static void
check_secrets(Client *c, GVariant *reply, const char *what)
{
	for (guint i = 0; c->secrets[i]; i++) {
		if (*c->secrets[i] && variant_contains(reply, c->secrets[i]))
			say(c, FALSE, "secret in the reply of %s: %s", what, c->secrets[i]);
	}
}

static GVariant *
call(Client *c, const char *iface, const char *member, GVariant *args, const char *reply_type,
     GError **error)
{
	return g_dbus_connection_call_sync(c->bus, c->name, c->path, iface, member, args,
					   reply_type ? G_VARIANT_TYPE(reply_type) : NULL,
					   G_DBUS_CALL_FLAGS_NONE, CALL_MS, NULL, error);
}

static gboolean
is_access_denied(const GError *error)
{
	g_autofree char *remote = error ? g_dbus_error_get_remote_error(error) : NULL;

	return g_strcmp0(remote, ACCESS_DENIED) == 0;
}

/* the in-arguments of m: strings from c->values by name, booleans from the bits of combo */
static GVariant *
make_args(Client *c, const char *iface, const GDBusMethodInfo *m, guint combo)
{
	g_autoptr(GVariantBuilder) b = g_variant_builder_new(G_VARIANT_TYPE_TUPLE);
	guint bit = 0;

	for (guint i = 0; m->in_args && m->in_args[i]; i++) {
		const GDBusArgInfo *a = m->in_args[i];
		const char *v = g_hash_table_lookup(c->values, a->name);

		if (g_str_equal(a->signature, "b")) {
			g_variant_builder_add(b, "b", (combo >> bit++) & 1);
		} else if (g_str_equal(a->signature, "s") && v != NULL) {
			g_variant_builder_add(b, "s", v);
		} else {
			/* a new argument: the test must be taught a value for it */
			say(c, FALSE, "call %s.%s: no value for argument %s (%s)", iface, m->name,
			    a->name, a->signature);
			return NULL;
		}
	}
	return g_variant_builder_end(b);
}

static void
client_method(Client *c, const char *iface, const GDBusMethodInfo *m)
{
	g_autofree char *reply_type = tuple_signature(m->out_args);

	for (guint combo = 0; combo < (1u << n_bool_args(m)); combo++) {
		GVariant *args = make_args(c, iface, m, combo);
		g_autofree char *args_text = NULL;
		g_autofree char *reply_text = NULL;
		g_autofree char *what = NULL;
		g_autoptr(GVariant) reply = NULL;
		g_autoptr(GError) error = NULL;

		if (args == NULL)
			return;
		args_text = g_variant_print(args, FALSE);
		what = g_strdup_printf("%s.%s%s", iface, m->name, args_text);
		reply = call(c, iface, m->name, args, reply_type, &error);
		if (reply == NULL) {
			say(c, FALSE, "call %s: %s", what, error->message);
			continue;
		}
		reply_text = g_variant_print(reply, FALSE);
		say(c, TRUE, "call %s -> %s", what, reply_text);
		check_secrets(c, reply, what);
	}
}

/*
 * the value to try to set: tron flipped (so that a Set let through would
 * show), else the same (borrowed: g_variant_new() takes its own reference)
 */
static GVariant *
value_to_set(GVariant *current)
{
	if (g_variant_is_of_type(current, G_VARIANT_TYPE_BOOLEAN))
		return g_variant_new_boolean(!g_variant_get_boolean(current));
	return current;
}

static GVariant *
get_property(Client *c, const char *iface, const char *prop, GError **error)
{
	g_autoptr(GVariant) reply =
		call(c, PROPS, "Get", g_variant_new("(ss)", iface, prop), "(v)", error);
	GVariant *value = NULL;

	if (reply)
		g_variant_get(reply, "(v)", &value);
	return value;
}

static void
client_property(Client *c, const char *iface, const GDBusPropertyInfo *p)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) set_error = NULL;
	g_autoptr(GVariant) value = get_property(c, iface, p->name, &error);
	g_autoptr(GVariant) set_reply = NULL;
	g_autoptr(GVariant) after = NULL;
	g_autofree char *text = NULL;

	if (value == NULL) {
		say(c, FALSE, "get %s.%s: %s", iface, p->name, error->message);
		return;
	}
	if (!g_str_equal(g_variant_get_type_string(value), p->signature)) {
		say(c, FALSE, "get %s.%s: type %s, the XML says %s", iface, p->name,
		    g_variant_get_type_string(value), p->signature);
		return;
	}
	text = g_variant_print(value, FALSE);
	say(c, TRUE, "get %s.%s = %s", iface, p->name, text);
	check_secrets(c, value, p->name);

	/* only root may set a property, whatever its access (REFERENCE 3.7) */
	set_reply =
		call(c, PROPS, "Set", g_variant_new("(ssv)", iface, p->name, value_to_set(value)),
		     NULL, &set_error);
	if (set_reply != NULL)
		say(c, FALSE, "set %s.%s: allowed to an unprivileged user", iface, p->name);
	else if (!is_access_denied(set_error))
		say(c, FALSE, "set %s.%s: refused, but not with AccessDenied: %s", iface, p->name,
		    set_error->message);
	else
		say(c, TRUE, "refused set %s.%s: %s", iface, p->name, set_error->message);
	g_clear_error(&error);
	after = get_property(c, iface, p->name, &error);
	if (after == NULL || !g_variant_equal(after, value))
		say(c, FALSE, "set %s.%s: the value changed after a refused Set", iface, p->name);
}

static void
client_interface(Client *c, const GDBusInterfaceInfo *i)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) all = NULL;
	g_autofree char *text = NULL;

	for (guint m = 0; i->methods && i->methods[m]; m++)
		client_method(c, i->name, i->methods[m]);
	for (guint p = 0; i->properties && i->properties[p]; p++)
		client_property(c, i->name, i->properties[p]);
	all = call(c, PROPS, "GetAll", g_variant_new("(s)", i->name), "(a{sv})", &error);
	if (all == NULL) {
		say(c, FALSE, "getall %s: %s", i->name, error->message);
		return;
	}
	text = g_variant_print(all, FALSE);
	say(c, TRUE, "getall %s -> %s", i->name, text);
	check_secrets(c, all, "GetAll");
}

/* the standard interfaces of the object */
static void
client_standard(Client *c)
{
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(GVariant) xml = NULL;
	g_autoptr(GVariant) pong = NULL;

	xml = call(c, "org.freedesktop.DBus.Introspectable", "Introspect", NULL, "(s)", &e1);
	if (xml)
		check_secrets(c, xml, "Introspect");
	say(c, xml != NULL, "introspect%s%s", e1 ? ": " : "", e1 ? e1->message : "");
	pong = call(c, "org.freedesktop.DBus.Peer", "Ping", NULL, "()", &e2);
	say(c, pong != NULL, "ping%s%s", e2 ? ": " : "", e2 ? e2->message : "");
}

/* the name and names below it are root's (DO_NOT_QUEUE: an allowed request answers) */
static void
client_own(Client *c)
{
	g_autofree char *below = g_strconcat(c->name, ".unprivileged", NULL);
	const char *names[] = {c->name, below};

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
			c->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			"org.freedesktop.DBus", "RequestName", g_variant_new("(su)", names[i], 4),
			G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, CALL_MS, NULL, &error);

		if (reply == NULL && is_access_denied(error))
			say(c, TRUE, "refused own %s", names[i]);
		else
			say(c, FALSE, "own %s: not refused with AccessDenied (%s)", names[i],
			    error ? error->message : "allowed");
	}
}

static int
client_main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusNodeInfo) node = NULL;
	g_autoptr(GHashTable) values = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree char *name = bus_name_of(argv[3]);
	const char *secret_lines = g_getenv("STAS_TEST_SECRETS");
	g_auto(GStrv) secrets = g_strsplit(secret_lines ? secret_lines : "", "\n", -1);
	Client c = {.values = values, .secrets = secrets, .name = name};

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("uid=%u euid=%u\n", (unsigned)getuid(), (unsigned)geteuid());
	if (getuid() == 0 || geteuid() == 0) {
		printf("FAILED still root\n");
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq == NULL)
			continue;
		*eq = '\0';
		g_hash_table_insert(values, argv[i], eq + 1);
	}
	node = name ? load_xml(argv[3], &error) : NULL;
	if (node == NULL) {
		printf("FAILED %s: %s\n", argv[3], error ? error->message : "not a .xml file");
		return 2;
	}
	c.bus = g_dbus_connection_new_for_address_sync(
		argv[2],
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	if (c.bus == NULL) {
		printf("FAILED cannot connect to %s: %s\n", argv[2], error->message);
		return 2;
	}
	c.path = object_path_of(name);
	for (guint i = 0; node->interfaces && node->interfaces[i]; i++)
		client_interface(&c, node->interfaces[i]);
	client_standard(&c);
	client_own(&c);
	g_object_unref(c.bus);
	g_free(c.path);
	return c.bad ? 1 : 0;
}

/* ---- the root side ------------------------------------------------------------ */

static const char *
xml_dir(void)
{
	const char *dir = g_getenv(DF_ENV_DBUS_XML_DIR);

	if (dir == NULL || *dir == '\0')
		fail_msg("%s is not set (run the tests through meson)", DF_ENV_DBUS_XML_DIR);
	return dir;
}

/* the test user, created for this run by test-unprivileged.sh */
static struct passwd *
test_user(void)
{
	const char *user = g_getenv("STAS_TEST_UNPRIV_USER");
	struct passwd *pw;

	if (user == NULL || *user == '\0')
		fail_msg("STAS_TEST_UNPRIV_USER is not set: run test-unprivileged.sh, which "
			 "creates the user");
	pw = getpwnam(user);
	if (pw == NULL)
		fail_msg("there is no user %s", user);
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		fail_msg("user %s is not unprivileged (uid %u gid %u)", user, (unsigned)pw->pw_uid,
			 (unsigned)pw->pw_gid);
	return pw;
}

/* the build tree may not be reachable by the user; the case directory is (0755) */
static char *
client_copy(DaemonFixture *f)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *copy = df_path(f, "unprivileged-client");
	g_autoptr(GFile) src = g_file_new_for_path(self);
	g_autoptr(GFile) dst = g_file_new_for_path(copy);
	g_autoptr(GError) error = NULL;

	if (!g_file_query_exists(dst, NULL) &&
	    !g_file_copy(src, dst, G_FILE_COPY_NONE, NULL, NULL, NULL, &error))
		fail_msg("cannot copy %s: %s", self, error->message);
	if (chmod(copy, 0755) != 0)
		fail_msg("chmod %s failed", copy);
	return g_steal_pointer(&copy);
}

/*
 * run cmd as the test user (setpriv: its uid and gid, no supplementary
 * groups), bounded in time, from the case directory; its wait status, its
 * stdout and stderr in *out
 */
static int
run_as_user(DaemonFixture *f, const char *const *cmd, char **env, char **out)
{
	struct passwd *pw = test_user();
	g_autofree char *reuid = g_strdup_printf("--reuid=%u", (unsigned)pw->pw_uid);
	g_autofree char *regid = g_strdup_printf("--regid=%u", (unsigned)pw->pw_gid);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	const char *const head[] = {"timeout", "--kill-after=5", "120", "setpriv", reuid,
				    regid,     "--clear-groups", "--"};
	int status = -1;

	for (gsize i = 0; i < G_N_ELEMENTS(head); i++)
		g_ptr_array_add(argv, (gpointer)head[i]);
	for (guint i = 0; cmd[i]; i++)
		g_ptr_array_add(argv, (gpointer)cmd[i]);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(f->dir, (char **)argv->pdata, env,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, out, NULL,
			  &status, &error))
		fail_msg("cannot run %s as %s: %s", cmd[0], pw->pw_name, error->message);
	return status;
}

/* run the client as the test user against the daemon of xml; its output */
static char *
run_client(DaemonFixture *f, const char *xml, const char *const *values, const char *const *secrets)
{
	struct passwd *pw = test_user();
	g_autofree char *copy = client_copy(f);
	g_autofree char *xml_path = g_build_filename(xml_dir(), xml, NULL);
	g_autofree char *secret_lines = g_strjoinv("\n", (char **)secrets);
	g_autoptr(GPtrArray) cmd = g_ptr_array_new();
	g_auto(GStrv) env = g_get_environ();
	g_autofree char *expect_uid =
		g_strdup_printf("uid=%u euid=%u\n", (unsigned)pw->pw_uid, (unsigned)pw->pw_uid);
	char *out = NULL;
	int status;

	g_ptr_array_add(cmd, copy);
	g_ptr_array_add(cmd, (gpointer) "--client");
	g_ptr_array_add(cmd, f->bus_address);
	g_ptr_array_add(cmd, xml_path);
	for (guint i = 0; values[i]; i++)
		g_ptr_array_add(cmd, (gpointer)values[i]);
	g_ptr_array_add(cmd, NULL);
	/* GDBus keeps its worker thread to the end: not leaks worth a sanitizer's report */
	env = g_environ_setenv(env, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
	env = g_environ_setenv(env, "STAS_TEST_SECRETS", secret_lines, TRUE);
	status = run_as_user(f, (const char *const *)cmd->pdata, env, &out);
	/* not print_message(): the output is longer than its buffer */
	fputs(out, stdout);
	fflush(stdout);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("as user %s, %s did not go as the policy says (wait status 0x%x):\n%s",
			 pw->pw_name, xml, status, out);
	if (!g_str_has_prefix(out, expect_uid))
		fail_msg("the client did not run as %s (%s)", pw->pw_name, expect_uid);
	return out;
}

static guint
count_lines_with_prefix(const char *out, const char *prefix)
{
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	guint n = 0;

	for (guint i = 0; lines[i]; i++)
		n += g_str_has_prefix(lines[i], prefix);
	return n;
}

static void
expect_lines(const char *out, const char *prefix, guint n)
{
	guint got = count_lines_with_prefix(out, prefix);

	if (got != n)
		fail_msg("%u line(s) \"%s...\" in the client's output, want %u", got, prefix, n);
}

/* every member of the XML was used by the client, as the parent reads the XML itself */
static void
assert_every_member_covered(const char *xml, const char *out)
{
	g_autofree char *path = g_build_filename(xml_dir(), xml, NULL);
	g_autofree char *name = bus_name_of(path);
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusNodeInfo) node = load_xml(path, &error);
	guint n_methods = 0, n_props = 0;

	if (node == NULL) {
		fail_msg("%s: %s", path, error->message);
		return;
	}
	for (guint i = 0; node->interfaces && node->interfaces[i]; i++) {
		const GDBusInterfaceInfo *itf = node->interfaces[i];
		g_autofree char *getall = g_strdup_printf("ok getall %s -> ", itf->name);

		for (guint m = 0; itf->methods && itf->methods[m]; m++) {
			g_autofree char *line =
				g_strdup_printf("ok call %s.%s(", itf->name, itf->methods[m]->name);

			expect_lines(out, line, 1u << n_bool_args(itf->methods[m]));
			n_methods++;
		}
		for (guint p = 0; itf->properties && itf->properties[p]; p++) {
			const char *prop = itf->properties[p]->name;
			g_autofree char *get = g_strdup_printf("ok get %s.%s ", itf->name, prop);
			g_autofree char *set =
				g_strdup_printf("ok refused set %s.%s: ", itf->name, prop);

			expect_lines(out, get, 1);
			expect_lines(out, set, 1);
			n_props++;
		}
		expect_lines(out, getall, 1);
	}
	expect_lines(out, "ok refused own ", 2);
	expect_lines(out, "FAILED", 0);
	/* the contract has members at all: the test is not empty */
	assert_true(n_methods >= 3);
	assert_true(n_props >= 2);
	print_message("%s: %u methods, %u properties, all used by an unprivileged user\n", name,
		      n_methods, n_props);
}

static void
assert_no_secret_in(const char *text, const char *what, const char *const *secrets)
{
	for (guint i = 0; secrets[i]; i++) {
		if (df_contains(text, secrets[i]))
			fail_msg("%s contains the secret %s", what, secrets[i]);
	}
}

static GVariant *
root_call(DaemonFixture *f, const char *name, const char *iface, const char *member, GVariant *args,
	  const char *reply_type)
{
	g_autofree char *path = object_path_of(name);
	g_autoptr(GError) error = NULL;
	GVariant *reply = g_dbus_connection_call_sync(
		f->bus, name, path, iface, member, args, G_VARIANT_TYPE(reply_type),
		G_DBUS_CALL_FLAGS_NONE, CALL_MS, NULL, &error);

	if (reply == NULL)
		fail_msg("%s.%s as root: %s", iface, member, error->message);
	return reply;
}

static gboolean
root_get_tron(DaemonFixture *f, const char *name)
{
	g_autofree char *iface = g_strconcat(name, ".debug", NULL);
	g_autoptr(GVariant) reply =
		root_call(f, name, PROPS, "Get", g_variant_new("(ss)", iface, "tron"), "(v)");
	g_autoptr(GVariant) v = NULL;

	g_variant_get(reply, "(v)", &v);
	return g_variant_get_boolean(v);
}

/* the configured secret was handed to the kernel: the daemon did have it */
static void
assert_secret_reached_kernel(DaemonFixture *f, const char *secret)
{
	g_autoptr(JsonObject) r = df_kernel(f, "list-connects", "{}");
	g_autoptr(JsonNode) n = json_node_alloc();
	g_autofree char *text = NULL;
	g_autofree char *option = g_strconcat("dhchap_secret=", secret, NULL);

	json_node_init_object(n, r);
	text = json_to_string(n, FALSE);
	if (!df_contains(text, option))
		fail_msg("the configured secret %s never reached the kernel: %s", secret, text);
}

static gboolean
dc_has_log_pages(DaemonFixture *f)
{
	g_autoptr(GVariant) reply = root_call(
		f, "org.nvmexpress.staf", "org.nvmexpress.staf", "get_log_pages",
		g_variant_new("(sssssss)", "tcp", DC_ADDR, "8009", DF_DISC_NQN, "", "", DF_HOSTNQN),
		"(aa{ss})");
	g_autoptr(GVariant) pages = g_variant_get_child_value(reply, 0);

	return g_variant_n_children(pages) == 1;
}

static gboolean
ioc_connected(DaemonFixture *f)
{
	g_autoptr(GVariant) reply =
		root_call(f, "org.nvmexpress.stac", "org.nvmexpress.stac", "list_controllers",
			  g_variant_new("(b)", TRUE), "(aa{ss})");
	g_autoptr(GVariant) list = g_variant_get_child_value(reply, 0);

	for (gsize i = 0; i < g_variant_n_children(list); i++) {
		g_autoptr(GVariant) d = g_variant_get_child_value(list, i);
		const char *addr = NULL, *connected = NULL;

		if (g_variant_lookup(d, "traddr", "&s", &addr) &&
		    g_variant_lookup(d, "connected", "&s", &connected) &&
		    g_str_equal(addr, IO_ADDR) && g_str_equal(connected, "True"))
			return TRUE;
	}
	return FALSE;
}

/* IO1 is configured (with its secrets) in stacd.conf, IO2 listed by the DC */
static void
declare_targets(DaemonFixture *f)
{
	df_kernel_do(f, "declare-subsystem",
		     "{\"name\":\"io1\",\"traddr\":\"" IO_ADDR "\",\"nqn\":\"" IO_NQN "\"}");
	df_kernel_do(f, "declare-subsystem",
		     "{\"name\":\"io2\",\"traddr\":\"" IO2_ADDR "\",\"nqn\":\"" IO2_NQN "\"}");
	df_kernel_do(f, "declare-dc",
		     "{\"name\":\"dc\",\"traddr\":\"" DC_ADDR "\",\"dctype\":\"cdc\",\"entries\":["
		     "{\"subtype\":\"nvme\",\"traddr\":\"" IO2_ADDR "\",\"subnqn\":\"" IO2_NQN
		     "\"}]}");
}

/* ---- cases ---------------------------------------------------------------------- */

static void
case_stafd_every_member(DaemonFixture *f)
{
	static const char *const values[] = {
		"transport=tcp",	"traddr=" DC_ADDR,
		"trsvcid=8009",		"subsysnqn=" DF_DISC_NQN,
		"host_traddr=",		"host_iface=",
		"host_nqn=" DF_HOSTNQN, NULL,
	};
	g_autofree char *out = NULL;
	g_autofree char *log = NULL;

	declare_targets(f);
	df_write(f, "sys.conf", "[Host]\nnqn=" DF_HOSTNQN "\nid=" DF_HOSTID "\nkey=" HOST_KEY "\n");
	df_write(f, "stafd.conf",
		 "[Controllers]\ncontroller = transport=tcp;traddr=" DC_ADDR
		 ";dhchap-secret=" DC_SECRET ";dhchap-ctrl-secret=" DC_CSECRET "\n");
	df_start_stafd(f);
	/* (stafd gives no DC its secrets, as libnvme: they show as <redacted> below) */
	DF_ASSERT_EVENTUALLY(f, dc_has_log_pages(f), DF_TIMEOUT_SEC);

	out = run_client(f, "org.nvmexpress.staf.xml", values, stafd_secrets);
	assert_every_member_covered("org.nvmexpress.staf.xml", out);
	assert_no_secret_in(out, "the replies to the unprivileged user", stafd_secrets);
	/* the keys are there, as <redacted> (B3): the secret check is not empty */
	assert_true(df_contains(out, "'dhchap-secret': '" REDACTED "'"));
	assert_true(df_contains(out, "\"hostkey\":\"" REDACTED "\""));
	assert_false(root_get_tron(f, "org.nvmexpress.staf"));
	log = df_daemon_log(f);
	assert_no_secret_in(log, "stafd's log", stafd_secrets);
}

/* the line of the client's controllers_info call holds IO1, with <redacted> for its secret */
static void
assert_bulk_info_redacted(const char *out)
{
	static const char prefix[] = "ok call org.nvmexpress.stac.debug.controllers_info() -> (";
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);

	for (guint i = 0; lines[i]; i++) {
		const char *rest;

		if (!g_str_has_prefix(lines[i], prefix))
			continue;
		/* the tuple is printed python-style: "..." when the text holds a ' (an IOC
		 * still connecting shows its connect operation as a python dict) */
		rest = lines[i] + strlen(prefix);
		if (!g_str_has_prefix(rest, "'[{") && !g_str_has_prefix(rest, "\"[{"))
			continue;
		/* inside "...", the JSON's own quotes are escaped */
		if (rest[0] == '\''
			    ? !df_contains(lines[i], "\"traddr\":\"" IO_ADDR "\"") ||
				      !df_contains(lines[i], "\"dhchap-secret\":\"" REDACTED "\"")
			    : !df_contains(lines[i], "\\\"traddr\\\":\\\"" IO_ADDR "\\\"") ||
				      !df_contains(lines[i],
						   "\\\"dhchap-secret\\\":\\\"" REDACTED "\\\""))
			fail_msg("controllers_info lacks IO1 or its redacted secret: %s", lines[i]);
		return;
	}
	fail_msg("the client did not get controllers_info's array:\n%s", out);
}

static void
case_stacd_every_member(DaemonFixture *f)
{
	static const char *const values[] = {
		"transport=tcp", "traddr=" IO_ADDR, "trsvcid=4420",	    "subsysnqn=" IO_NQN,
		"host_traddr=",	 "host_iface=",	    "host_nqn=" DF_HOSTNQN, NULL,
	};
	g_autofree char *out = NULL;
	g_autofree char *log = NULL;

	declare_targets(f);
	df_write(f, "sys.conf", "[Host]\nnqn=" DF_HOSTNQN "\nid=" DF_HOSTID "\nkey=" HOST_KEY "\n");
	df_write(f, "stafd.conf", "[Controllers]\ncontroller = transport=tcp;traddr=" DC_ADDR "\n");
	df_write(f, "stacd.conf",
		 "[Controllers]\ncontroller = transport=tcp;traddr=" IO_ADDR
		 ";trsvcid=4420;subsysnqn=" IO_NQN ";dhchap-secret=" IOC_SECRET
		 ";dhchap-ctrl-secret=" IOC_CSECRET "\n");
	df_start_stafd(f);
	df_start_stacd(f);
	DF_ASSERT_EVENTUALLY(f, ioc_connected(f), DF_TIMEOUT_SEC);
	assert_secret_reached_kernel(f, IOC_SECRET);

	out = run_client(f, "org.nvmexpress.stac.xml", values, stacd_secrets);
	assert_every_member_covered("org.nvmexpress.stac.xml", out);
	assert_no_secret_in(out, "the replies to the unprivileged user", stacd_secrets);
	assert_true(df_contains(out, "'dhchap-secret': '" REDACTED "'"));
	assert_true(df_contains(out, "\"hostkey\":\"" REDACTED "\""));
	/* controllers_info (not upstream's) answered IO1's info, its secret redacted */
	assert_bulk_info_redacted(out);
	assert_false(root_get_tron(f, "org.nvmexpress.stac"));
	log = df_daemon_log_of(f, "stacd");
	assert_no_secret_in(log, "stacd's log", stacd_secrets);
}

/* the fixture's bus reads the project's policy files, and dbus-daemon found no error in them */
static void
case_policy_files_loaded(DaemonFixture *f)
{
	const char *dir = g_getenv(DF_ENV_POLICY_DIR);
	g_autofree char *conf_path = df_path(f, "bus.conf");
	g_autofree char *conf = df_read(conf_path);
	g_autofree char *include = NULL;
	g_autofree char *log = NULL;
	static const char *const files[] = {"org.nvmexpress.staf.conf", "org.nvmexpress.stac.conf"};

	assert_non_null(dir);
	include = g_strdup_printf("<includedir>%s</includedir>", dir);
	if (!df_contains(conf, include))
		fail_msg("the fixture's bus does not read %s:\n%s", dir, conf);
	for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = g_build_filename(dir, files[i], NULL);

		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			fail_msg("%s is missing", path);
	}
	/* both daemons own their names under it */
	declare_targets(f);
	df_write(f, "stafd.conf", "");
	df_write(f, "stacd.conf", "");
	df_start_stafd(f);
	df_start_stacd(f);
	log = df_read(f->bus_log);
	if (df_contains(log, "Encountered error"))
		fail_msg("dbus-daemon found errors in the policy files:\n%s", log);
}

/* ---- the files the daemons write ---------------------------------------------- */

static void
assert_mode(const char *path, guint want, const char *what)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		fail_msg("%s %s: %s", what, path, g_strerror(errno));
	if ((st.st_mode & 07777) != want)
		fail_msg("%s %s has mode %04o, want %04o", what, path, (guint)(st.st_mode & 07777),
			 want);
	if (st.st_uid != 0 || st.st_gid != 0)
		fail_msg("%s %s belongs to %u:%u, not root", what, path, (guint)st.st_uid,
			 (guint)st.st_gid);
}

/* dir is 0700 and holds the state file only (0600): no temporary file of a save is left */
static void
assert_state_dir(const char *dir, const char *what)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autofree char *state = g_build_filename(dir, "last-known-config.json", NULL);
	const char *name;

	assert_mode(dir, 0700, what);
	assert_mode(state, 0600, what);
	assert_non_null(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		if (!g_str_equal(name, "last-known-config.json"))
			fail_msg("%s %s holds %s besides the state file", what, dir, name);
	}
}

/* the test user can read neither the state file nor its directory */
static void
assert_user_cannot_read(DaemonFixture *f, const char *dir)
{
	g_autofree char *state = g_build_filename(dir, "last-known-config.json", NULL);
	const char *const cat[] = {"cat", state, NULL};
	const char *const ls[] = {"ls", dir, NULL};
	g_auto(GStrv) env = g_get_environ();
	g_autofree char *out1 = NULL;
	g_autofree char *out2 = NULL;

	if (run_as_user(f, cat, env, &out1) == 0)
		fail_msg("the test user could read %s:\n%s", state, out1);
	if (run_as_user(f, ls, env, &out2) == 0)
		fail_msg("the test user could list %s:\n%s", dir, out2);
}

static gboolean
state_files_written(DaemonFixture *f)
{
	g_autofree char *a = g_build_filename(f->run_dir, "last-known-config.json", NULL);
	g_autofree char *b = g_build_filename(f->stacd_run_dir, "last-known-config.json", NULL);

	return g_file_test(a, G_FILE_TEST_IS_REGULAR) && g_file_test(b, G_FILE_TEST_IS_REGULAR);
}

/*
 * the state files are 0600 in 0700 directories (SPEC B3), made so by the
 * daemons themselves: their runtime directories missing (started without
 * systemd) and a umask of 0.  the udev rule stafd writes for nvme-cli's
 * autoconnect is the exception: udevd reads it, and it is no secret (0644,
 * in a 0755 directory, as udev's own rules; writable by root only).
 */
static void
case_daemon_files_private(DaemonFixture *f)
{
	g_autofree char *rule = g_build_filename(f->rules_dir, "70-nvmf-autoconnect.rules", NULL);
	mode_t old;

	declare_targets(f);
	df_write(f, "stafd.conf", "[Controllers]\ncontroller = transport=tcp;traddr=" DC_ADDR "\n");
	df_write(f, "stacd.conf",
		 "[Controllers]\ncontroller = transport=tcp;traddr=" IO_ADDR
		 ";trsvcid=4420;subsysnqn=" IO_NQN "\n");
	assert_int_equal(g_rmdir(f->run_dir), 0);
	assert_int_equal(g_rmdir(f->stacd_run_dir), 0);
	old = umask(0);
	df_start_stafd(f);
	df_start_stacd(f);
	umask(old);
	DF_ASSERT_EVENTUALLY(f, dc_has_log_pages(f) && ioc_connected(f), DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, state_files_written(f), DF_TIMEOUT_SEC);

	assert_state_dir(f->run_dir, "stafd's runtime directory");
	assert_state_dir(f->stacd_run_dir, "stacd's runtime directory");
	assert_mode(rule, 0644, "the udev rule");
	assert_mode(f->rules_dir, 0755, "the udev rules directory");
	assert_user_cannot_read(f, f->run_dir);
	assert_user_cannot_read(f, f->stacd_run_dir);

	/* as they are left after the save at stop */
	df_stop_daemon_of(f, "stacd");
	df_stop_daemon_of(f, "stafd");
	assert_state_dir(f->run_dir, "stafd's runtime directory");
	assert_state_dir(f->stacd_run_dir, "stacd's runtime directory");
}

static const DfCase cases[] = {
	{"stafd-every-member", case_stafd_every_member, FALSE},
	{"stacd-every-member", case_stacd_every_member, FALSE},
	{"policy-files-loaded", case_policy_files_loaded, FALSE},
	{"daemon-files-private", case_daemon_files_private, FALSE},
};

int
main(int argc, char **argv)
{
	if (argc >= 4 && g_str_equal(argv[1], "--client"))
		return client_main(argc, argv);
	return df_main(argc, argv, cases, G_N_ELEMENTS(cases));
}
