/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stafd.conf / stacd.conf: REFERENCE 2.4-2.9 and 2.11, test-config.py of
 * 6.1, the broken configs of 6.3 items 1 and 4, quirks Q1, Q2, Q4, Q5, Q6,
 * Q20, Q23 and SPEC B9.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>

#include "stas/stas-conf.h"

#define FCONF "/etc/stas/stafd.conf"
#define CCONF "/etc/stas/stacd.conf"

#define STAFD STAS_CONF_KIND_STAFD
#define STACD STAS_CONF_KIND_STACD

/* ---- helpers ---- */

static StasConf *
load(StasConfKind kind, const char *text)
{
	g_autoptr(StasIni) ini = stas_ini_new();

	stas_ini_add_data(ini, kind == STAFD ? FCONF : CCONF, text, strlen(text));
	return stas_conf_new_from_ini(kind, ini);
}

static void
print_diags(const StasConf *conf)
{
	const GPtrArray *d = stas_conf_get_diagnostics(conf);

	for (guint i = 0; i < d->len; i++)
		print_message("  diag[%u] = %s\n", i, ((const StasDiag *)d->pdata[i])->text);
}

static const StasDiag *
find_diag(const StasConf *conf, const char *text)
{
	const GPtrArray *d = stas_conf_get_diagnostics(conf);

	for (guint i = 0; i < d->len; i++)
		if (g_str_equal(((const StasDiag *)d->pdata[i])->text, text))
			return d->pdata[i];
	return NULL;
}

static void
assert_diag_level(const StasConf *conf, StasDiagLevel level, const char *text)
{
	const StasDiag *d = find_diag(conf, text);

	if (d == NULL) {
		print_message("missing diagnostic: %s\n", text);
		print_diags(conf);
		fail();
		return;
	}
	assert_int_equal(d->level, level);
}

#define assert_warning(conf, text) assert_diag_level(conf, STAS_DIAG_WARNING, text)
#define assert_error(conf, text)   assert_diag_level(conf, STAS_DIAG_ERROR, text)

static void
assert_n_diags(const StasConf *conf, guint n)
{
	if (stas_conf_get_diagnostics(conf)->len != n)
		print_diags(conf);
	assert_int_equal(stas_conf_get_diagnostics(conf)->len, n);
}

static guint
n_controllers(const StasConf *conf)
{
	return stas_conf_get_controllers(conf)->len;
}

static GHashTable *
ctrl_map(const StasConf *conf, guint i)
{
	const GPtrArray *c = stas_conf_get_controllers(conf);

	assert_true(i < c->len);
	return ((const StasConfSpec *)c->pdata[i])->map;
}

static const char *
ctrl_get(const StasConf *conf, guint i, const char *key)
{
	return g_hash_table_lookup(ctrl_map(conf, i), key);
}

static int
int_opt(const StasConf *conf, StasConfOption opt)
{
	int v = -12345;

	assert_true(stas_conf_lookup_int(conf, opt, &v));
	return v;
}

static gboolean
is_unset(const StasConf *conf, StasConfOption opt)
{
	return !stas_conf_lookup_int(conf, opt, NULL);
}

static StasTid *
tid_of(const StasConf *conf, GHashTable *map)
{
	StasTidDefaults defaults;

	stas_conf_get_tid_defaults(conf, "nqn.2014-08.org.nvmexpress:uuid:host", &defaults);
	return stas_tid_new_from_map(map, &defaults);
}

static StasTid *
tid_of_text(const StasConf *conf, const char *transport, const char *traddr, const char *host_iface)
{
	StasTidDefaults defaults;

	stas_conf_get_tid_defaults(conf, "nqn.h", &defaults);
	return stas_tid_new(transport, traddr, NULL, "nqn.x", NULL, host_iface, NULL, &defaults);
}

static char *
make_tmpdir(void)
{
	char *dir = g_dir_make_tmp("test-conf-XXXXXX", NULL);

	assert_non_null(dir);
	return dir;
}

static void
rm_rf(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	const char *name;

	if (d) {
		while ((name = g_dir_read_name(d)) != NULL) {
			g_autofree char *child = g_build_filename(path, name, NULL);

			rm_rf(child);
		}
		g_dir_close(d);
	}
	g_remove(path);
}

static char *
write_file(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);

	assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* ---- defaults ---- */

static void
test_stafd_without_a_file_uses_every_default(void **state)
{
	g_autoptr(StasConf) conf = stas_conf_load(STAFD, "/nonexistent/stafd.conf");
	const char *const *stypes = stas_conf_get_mdns_service_types(conf);
	gboolean b = TRUE;

	assert_n_diags(conf, 0);
	assert_string_equal(stas_conf_get_path(conf), "/nonexistent/stafd.conf");
	assert_int_equal(stas_conf_get_kind(conf), STAFD);
	assert_false(stas_conf_get_bool(conf, STAS_OPT_TRON));
	assert_false(stas_conf_get_bool(conf, STAS_OPT_HDR_DIGEST));
	assert_false(stas_conf_get_bool(conf, STAS_OPT_DATA_DIGEST));
	assert_int_equal(int_opt(conf, STAS_OPT_KATO), 30);
	assert_true(is_unset(conf, STAS_OPT_QUEUE_SIZE));
	assert_true(is_unset(conf, STAS_OPT_RECONNECT_DELAY));
	assert_true(is_unset(conf, STAS_OPT_CTRL_LOSS_TMO));
	assert_false(stas_conf_lookup_bool(conf, STAS_OPT_DISABLE_SQFLOW, &b));
	assert_false(stas_conf_get_bool(conf, STAS_OPT_IGNORE_IFACE));
	assert_int_equal(stas_conf_get_ip_family(conf), STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6);
	assert_true(stas_conf_get_bool(conf, STAS_OPT_PLEO));
	assert_true(stas_conf_get_bool(conf, STAS_OPT_ZEROCONF));
	assert_true(stas_conf_get_bool(conf, STAS_OPT_PERSISTENT_CONNECTIONS));
	assert_true(stas_conf_get_zeroconf_connections_persistence(conf) == 259200.0);
	assert_true(is_unset(conf, STAS_OPT_NR_IO_QUEUES));
	assert_true(is_unset(conf, STAS_OPT_NR_WRITE_QUEUES));
	assert_true(is_unset(conf, STAS_OPT_NR_POLL_QUEUES));
	assert_int_equal(n_controllers(conf), 0);
	assert_int_equal(stas_conf_get_excludes(conf)->len, 0);
	assert_string_equal(stypes[0], "_nvme-disc._tcp");
	assert_string_equal(stypes[1], "_nvme-disc._udp");
	assert_null(stypes[2]);
}

static void
test_stacd_without_a_file_uses_every_default(void **state)
{
	g_autoptr(StasConf) conf = load(STACD, "");

	assert_n_diags(conf, 0);
	assert_string_equal(stas_conf_get_path(conf), CCONF);
	assert_false(stas_conf_get_bool(conf, STAS_OPT_TRON));
	assert_false(stas_conf_get_bool(conf, STAS_OPT_HDR_DIGEST));
	assert_false(stas_conf_get_bool(conf, STAS_OPT_DATA_DIGEST));
	/* the shipped comment says 120; the code leaves it to the kernel */
	assert_true(is_unset(conf, STAS_OPT_KATO));
	assert_true(is_unset(conf, STAS_OPT_NR_IO_QUEUES));
	assert_true(is_unset(conf, STAS_OPT_NR_WRITE_QUEUES));
	assert_true(is_unset(conf, STAS_OPT_NR_POLL_QUEUES));
	assert_true(is_unset(conf, STAS_OPT_QUEUE_SIZE));
	assert_true(is_unset(conf, STAS_OPT_RECONNECT_DELAY));
	assert_true(is_unset(conf, STAS_OPT_CTRL_LOSS_TMO));
	assert_false(stas_conf_lookup_bool(conf, STAS_OPT_DISABLE_SQFLOW, NULL));
	assert_false(stas_conf_get_bool(conf, STAS_OPT_IGNORE_IFACE));
	assert_int_equal(stas_conf_get_ip_family(conf), STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6);
	assert_int_equal(stas_conf_get_disconnect_scope(conf),
			 STAS_DISCONNECT_SCOPE_ONLY_STAS_CONNECTIONS);
	assert_int_equal(stas_conf_get_disconnect_trtypes(conf), STAS_TRTYPE_TCP);
	assert_int_equal(stas_conf_get_connect_attempts_on_ncc(conf), 0);
	assert_null(stas_conf_get_mdns_service_types(conf)[0]);
}

/* ---- valid values ---- */

static void
test_stafd_reads_every_option(void **state)
{
	g_autoptr(StasConf) conf = load(STAFD, "[Global]\n"
					       "tron=true\n"
					       "hdr-digest=true\n"
					       "data-digest=true\n"
					       "kato=40\n"
					       "queue-size=64\n"
					       "reconnect-delay=5\n"
					       "ctrl-loss-tmo=-1\n"
					       "disable-sqflow=true\n"
					       "ignore-iface=true\n"
					       "ip-family=ipv6\n"
					       "pleo=disabled\n"
					       "\n"
					       "[Service Discovery]\n"
					       "zeroconf=disabled\n"
					       "\n"
					       "[Discovery controller connection management]\n"
					       "persistent-connections=false\n"
					       "zeroconf-connections-persistence=1:01\n"
					       "\n"
					       "[Controllers]\n"
					       "controller=transport=tcp;traddr=1.1.1.1\n"
					       "exclude=transport=tcp;traddr=2.2.2.2\n");
	gboolean b = FALSE;

	assert_n_diags(conf, 0);
	assert_true(stas_conf_get_bool(conf, STAS_OPT_TRON));
	assert_true(stas_conf_get_bool(conf, STAS_OPT_HDR_DIGEST));
	assert_true(stas_conf_get_bool(conf, STAS_OPT_DATA_DIGEST));
	assert_int_equal(int_opt(conf, STAS_OPT_KATO), 40);
	assert_int_equal(int_opt(conf, STAS_OPT_QUEUE_SIZE), 64);
	assert_int_equal(int_opt(conf, STAS_OPT_RECONNECT_DELAY), 5);
	assert_int_equal(int_opt(conf, STAS_OPT_CTRL_LOSS_TMO), -1);
	assert_true(stas_conf_lookup_bool(conf, STAS_OPT_DISABLE_SQFLOW, &b));
	assert_true(b);
	assert_true(stas_conf_get_bool(conf, STAS_OPT_IGNORE_IFACE));
	assert_int_equal(stas_conf_get_ip_family(conf), STAS_IP_FAMILY_V6);
	assert_false(stas_conf_get_bool(conf, STAS_OPT_PLEO));
	assert_false(stas_conf_get_bool(conf, STAS_OPT_ZEROCONF));
	assert_null(stas_conf_get_mdns_service_types(conf)[0]);
	assert_false(stas_conf_get_bool(conf, STAS_OPT_PERSISTENT_CONNECTIONS));
	assert_true(stas_conf_get_zeroconf_connections_persistence(conf) == 61.0);
	assert_int_equal(n_controllers(conf), 1);
	assert_int_equal(stas_conf_get_excludes(conf)->len, 1);
}

static void
test_stacd_reads_every_option(void **state)
{
	g_autoptr(StasConf) conf =
		load(STACD, "[Global]\n"
			    "tron=true\n"
			    "hdr-digest=true\n"
			    "data-digest=true\n"
			    "kato=120\n"
			    "nr-io-queues=4\n"
			    "nr-write-queues=2\n"
			    "nr-poll-queues=1\n"
			    "queue-size=1024\n"
			    "reconnect-delay=10\n"
			    "ctrl-loss-tmo=600\n"
			    "disable-sqflow=false\n"
			    "ignore-iface=false\n"
			    "ip-family=ipv4\n"
			    "[I/O controller connection management]\n"
			    "disconnect-scope=all-connections-matching-disconnect-trtypes\n"
			    "disconnect-trtypes=tcp+rdma\n"
			    "connect-attempts-on-ncc=5\n");
	gboolean b = TRUE;

	assert_n_diags(conf, 0);
	assert_true(stas_conf_get_bool(conf, STAS_OPT_TRON));
	assert_true(stas_conf_get_bool(conf, STAS_OPT_HDR_DIGEST));
	assert_true(stas_conf_get_bool(conf, STAS_OPT_DATA_DIGEST));
	assert_int_equal(int_opt(conf, STAS_OPT_KATO), 120);
	assert_int_equal(int_opt(conf, STAS_OPT_NR_IO_QUEUES), 4);
	assert_int_equal(int_opt(conf, STAS_OPT_NR_WRITE_QUEUES), 2);
	assert_int_equal(int_opt(conf, STAS_OPT_NR_POLL_QUEUES), 1);
	assert_int_equal(int_opt(conf, STAS_OPT_QUEUE_SIZE), 1024);
	assert_int_equal(int_opt(conf, STAS_OPT_RECONNECT_DELAY), 10);
	assert_int_equal(int_opt(conf, STAS_OPT_CTRL_LOSS_TMO), 600);
	assert_true(stas_conf_lookup_bool(conf, STAS_OPT_DISABLE_SQFLOW, &b));
	assert_false(b);
	assert_false(stas_conf_get_bool(conf, STAS_OPT_IGNORE_IFACE));
	assert_int_equal(stas_conf_get_ip_family(conf), STAS_IP_FAMILY_V4);
	assert_int_equal(stas_conf_get_disconnect_scope(conf),
			 STAS_DISCONNECT_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES);
	assert_int_equal(stas_conf_get_disconnect_trtypes(conf),
			 STAS_TRTYPE_TCP | STAS_TRTYPE_RDMA);
	assert_int_equal(stas_conf_get_connect_attempts_on_ncc(conf), 5);
}

static void
test_true_false_enabled_disabled_ignore_case(void **state)
{
	g_autoptr(StasConf) conf = load(STAFD, "[Global]\ntron=TRUE\nhdr-digest=False\n"
					       "pleo=DISABLED\n[Service Discovery]\n"
					       "zeroconf=Enabled\n");

	assert_n_diags(conf, 0);
	assert_true(stas_conf_get_bool(conf, STAS_OPT_TRON));
	assert_false(stas_conf_get_bool(conf, STAS_OPT_HDR_DIGEST));
	assert_false(stas_conf_get_bool(conf, STAS_OPT_PLEO));
	assert_true(stas_conf_get_bool(conf, STAS_OPT_ZEROCONF));
}

static void
test_ip_family_accepts_the_four_words_case_sensitively(void **state)
{
	static const struct {
		const char *text;
		StasIpFamily family;
	} cases[] = {
		{"ipv4", STAS_IP_FAMILY_V4},
		{"ipv6", STAS_IP_FAMILY_V6},
		{"ipv4+ipv6", STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6},
		{"ipv6+ipv4", STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = g_strdup_printf("[Global]\nip-family=%s\n", cases[i].text);
		g_autoptr(StasConf) conf = load(STACD, text);

		assert_n_diags(conf, 0);
		assert_int_equal(stas_conf_get_ip_family(conf), cases[i].family);
	}
	{
		g_autoptr(StasConf) conf = load(STACD, "[Global]\nip-family=IPV4\n");

		assert_int_equal(stas_conf_get_ip_family(conf),
				 STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6);
		assert_warning(conf, "File:" CCONF " [Global]: ip-family - Text check found "
				     "invalid value \"IPV4\". Default will be used (line 2)");
	}
}

static void
test_single_valued_options_use_the_last_occurrence(void **state)
{
	g_autoptr(StasConf) conf = load(STAFD, "[Global]\nkato=1\ntron=true\n[Global]\nkato=2\n");

	assert_n_diags(conf, 0);
	assert_int_equal(int_opt(conf, STAS_OPT_KATO), 2);
	assert_true(stas_conf_get_bool(conf, STAS_OPT_TRON));
}

static void
test_tron_kato_and_ip_family_are_read(void **state)
{
	/* the file of test-config.py */
	g_autoptr(StasConf) conf = load(STACD, "[Global]\n"
					       "tron=true\n"
					       "kato=10\n"
					       "ip-family=ipv4\n"
					       "[I/O controller connection management]\n"
					       "disconnect-scope=joe\n"
					       "disconnect-trtypes=bob\n"
					       "connect-attempts-on-ncc=1\n");

	assert_true(stas_conf_get_bool(conf, STAS_OPT_TRON));
	assert_int_equal(int_opt(conf, STAS_OPT_KATO), 10);
	assert_int_equal(stas_conf_get_ip_family(conf), STAS_IP_FAMILY_V4);
	assert_int_equal(stas_conf_get_disconnect_scope(conf),
			 STAS_DISCONNECT_SCOPE_ONLY_STAS_CONNECTIONS);
	assert_int_equal(stas_conf_get_disconnect_trtypes(conf), STAS_TRTYPE_TCP);
	assert_int_equal(stas_conf_get_connect_attempts_on_ncc(conf), 2);
	assert_n_diags(conf, 2);
}

/* ---- bad values: REFERENCE 2.6 messages ---- */

static void
test_invalid_disconnect_scope_uses_the_default(void **state)
{
	g_autoptr(StasConf) conf = load(STACD, "[I/O controller connection management]\n"
					       "disconnect-scope=joe\n");

	assert_int_equal(stas_conf_get_disconnect_scope(conf),
			 STAS_DISCONNECT_SCOPE_ONLY_STAS_CONNECTIONS);
	assert_n_diags(conf, 1);
	assert_warning(conf, "File:" CCONF " [I/O controller connection management]: "
			     "disconnect-scope - Text check found invalid value \"joe\". Default "
			     "will be used (line 2)");
}

static void
test_disconnect_scope_words(void **state)
{
	g_autoptr(StasConf) a = load(STACD, "[I/O controller connection management]\n"
					    "disconnect-scope=no-disconnect\n");
	g_autoptr(StasConf) b = load(STACD, "[I/O controller connection management]\n"
					    "disconnect-scope=only-stas-connections\n");
	g_autoptr(StasConf) c = load(STACD, "[I/O controller connection management]\n"
					    "disconnect-scope=No-Disconnect\n");

	assert_int_equal(stas_conf_get_disconnect_scope(a), STAS_DISCONNECT_SCOPE_NO_DISCONNECT);
	assert_int_equal(stas_conf_get_disconnect_scope(b),
			 STAS_DISCONNECT_SCOPE_ONLY_STAS_CONNECTIONS);
	/* case-sensitive */
	assert_int_equal(stas_conf_get_disconnect_scope(c),
			 STAS_DISCONNECT_SCOPE_ONLY_STAS_CONNECTIONS);
	assert_n_diags(c, 1);
}

static void
test_disconnect_trtypes_items_are_checked_one_by_one(void **state)
{
	g_autoptr(StasConf) bob = load(STACD, "[I/O controller connection management]\n"
					      "disconnect-trtypes=bob\n");
	g_autoptr(StasConf) mixed = load(STACD, "[I/O controller connection management]\n"
						"disconnect-trtypes=rdma+bob+fc+rdma\n");
	g_autoptr(StasConf) all = load(STACD, "[I/O controller connection management]\n"
					      "disconnect-trtypes=tcp+rdma+fc\n");
	g_autoptr(StasConf) empty = load(STACD, "[I/O controller connection management]\n"
						"disconnect-trtypes=\n");

	assert_int_equal(stas_conf_get_disconnect_trtypes(bob), STAS_TRTYPE_TCP);
	assert_n_diags(bob, 1);
	assert_warning(bob, "File:" CCONF " [I/O controller connection management]: "
			    "disconnect-trtypes - List checker found invalid item \"bob\" will be "
			    "ignored. (line 2)");
	assert_int_equal(stas_conf_get_disconnect_trtypes(mixed),
			 STAS_TRTYPE_RDMA | STAS_TRTYPE_FC);
	assert_n_diags(mixed, 1);
	assert_int_equal(stas_conf_get_disconnect_trtypes(all),
			 STAS_TRTYPE_TCP | STAS_TRTYPE_RDMA | STAS_TRTYPE_FC);
	assert_n_diags(all, 0);
	assert_int_equal(stas_conf_get_disconnect_trtypes(empty), STAS_TRTYPE_TCP);
	assert_n_diags(empty, 1);
	assert_warning(empty, "File:" CCONF " [I/O controller connection management]: "
			      "disconnect-trtypes - List checker found invalid item \"\" will be "
			      "ignored. (line 2)");
}

static void
test_connect_attempts_on_ncc_one_becomes_two(void **state)
{
	g_autoptr(StasConf) one = load(STACD, "[I/O controller connection management]\n"
					      "connect-attempts-on-ncc=1\n");
	g_autoptr(StasConf) hello = load(STACD, "[I/O controller connection management]\n"
						"connect-attempts-on-ncc=hello\n");
	g_autoptr(StasConf) zero = load(STACD, "[I/O controller connection management]\n"
					       "connect-attempts-on-ncc=0\n");

	assert_int_equal(stas_conf_get_connect_attempts_on_ncc(one), 2);
	assert_n_diags(one, 0);
	assert_int_equal(stas_conf_get_connect_attempts_on_ncc(zero), 0);
	assert_int_equal(stas_conf_get_connect_attempts_on_ncc(hello), 0);
	assert_warning(hello, "File:" CCONF " [I/O controller connection management]: "
			      "connect-attempts-on-ncc - Data converter found invalid value "
			      "\"hello\". Default will be used (line 2)");
}

static void
test_queue_size_must_be_within_16_to_1024(void **state)
{
	g_autoptr(StasConf) small = load(STACD, "[Global]\nqueue-size=5\n");
	g_autoptr(StasConf) big = load(STAFD, "[Global]\nqueue-size=2000000\n");
	g_autoptr(StasConf) low = load(STACD, "[Global]\nqueue-size=16\n");
	g_autoptr(StasConf) high = load(STACD, "[Global]\nqueue-size=1024\n");
	g_autoptr(StasConf) text = load(STACD, "[Global]\nqueue-size=abc\n");

	assert_true(is_unset(small, STAS_OPT_QUEUE_SIZE));
	assert_warning(small, "File:" CCONF " [Global]: queue-size - \"5\" is not within range "
			      "16..1024. Default will be used (line 2)");
	assert_true(is_unset(big, STAS_OPT_QUEUE_SIZE));
	assert_warning(big, "File:" FCONF " [Global]: queue-size - \"2000000\" is not within "
			    "range 16..1024. Default will be used (line 2)");
	assert_int_equal(int_opt(low, STAS_OPT_QUEUE_SIZE), 16);
	assert_int_equal(int_opt(high, STAS_OPT_QUEUE_SIZE), 1024);
	assert_n_diags(high, 0);
	assert_true(is_unset(text, STAS_OPT_QUEUE_SIZE));
	assert_warning(text, "File:" CCONF " [Global]: queue-size - Data converter found invalid "
			     "value \"abc\". Default will be used (line 2)");
}

static void
test_integer_options_reject_what_is_not_an_integer(void **state)
{
	g_autoptr(StasConf) conf = load(STAFD, "[Global]\n"
					       "reconnect-delay=NaN\n"
					       "kato = 20  # x\n"
					       "ctrl-loss-tmo=1.5\n");
	g_autoptr(StasConf) huge = load(STACD, "[Global]\nnr-io-queues=99999999999\n");

	assert_true(is_unset(conf, STAS_OPT_RECONNECT_DELAY));
	assert_int_equal(int_opt(conf, STAS_OPT_KATO), 30);
	assert_true(is_unset(conf, STAS_OPT_CTRL_LOSS_TMO));
	assert_warning(conf, "File:" FCONF " [Global]: reconnect-delay - Data converter found "
			     "invalid value \"NaN\". Default will be used (line 2)");
	/* Q3: the inline comment is part of the value, and we say so */
	assert_warning(conf, FCONF ":3: [Global] kato: \" #\" does not start a comment here "
				   "(inline comments are not supported), it is part of the value");
	assert_warning(conf, "File:" FCONF " [Global]: kato - Data converter found invalid value "
			     "\"20  # x\". Default will be used (line 3)");
	assert_warning(conf, "File:" FCONF " [Global]: ctrl-loss-tmo - Data converter found "
			     "invalid value \"1.5\". Default will be used (line 4)");
	assert_n_diags(conf, 4);
	assert_true(is_unset(huge, STAS_OPT_NR_IO_QUEUES));
	assert_n_diags(huge, 1);
}

static void
test_integer_options_have_no_range_check(void **state)
{
	g_autoptr(StasConf) conf = load(STACD, "[Global]\nkato=-5\nctrl-loss-tmo=-1\n"
					       "reconnect-delay=+7\nnr-io-queues=0\n");

	assert_n_diags(conf, 0);
	assert_int_equal(int_opt(conf, STAS_OPT_KATO), -5);
	assert_int_equal(int_opt(conf, STAS_OPT_CTRL_LOSS_TMO), -1);
	assert_int_equal(int_opt(conf, STAS_OPT_RECONNECT_DELAY), 7);
	assert_int_equal(int_opt(conf, STAS_OPT_NR_IO_QUEUES), 0);
}

static void
test_zeroconf_persistence_is_a_time_span(void **state)
{
	static const struct {
		const char *text;
		double seconds;
	} cases[] = {
		{"0.5", 0.5}, {"1:01", 61},	   {"0", 0},
		{"-1", -1},   {"72hours", 259200}, {"1 day", 86400},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text =
			g_strdup_printf("[Discovery controller connection management]\n"
					"zeroconf-connections-persistence=%s\n",
					cases[i].text);
		g_autoptr(StasConf) conf = load(STAFD, text);

		assert_n_diags(conf, 0);
		assert_true(stas_conf_get_zeroconf_connections_persistence(conf) ==
			    cases[i].seconds);
	}
}

static void
test_invalid_zeroconf_persistence_falls_back_to_72_hours(void **state)
{
	/* Q4: upstream keeps None and crashes later */
	g_autoptr(StasConf) conf = load(STAFD, "[Discovery controller connection management]\n"
					       "zeroconf-connections-persistence=blah\n");

	assert_true(stas_conf_get_zeroconf_connections_persistence(conf) == 259200.0);
	assert_n_diags(conf, 1);
	assert_warning(conf, "File:" FCONF " [Discovery controller connection management]: "
			     "zeroconf-connections-persistence - Data converter found invalid "
			     "value \"blah\". Default will be used (line 2)");
}

static void
test_pleo_disable_fails_the_text_check(void **state)
{
	g_autoptr(StasConf) conf = load(STAFD, "[Global]\npleo=disable\n");

	assert_true(stas_conf_get_bool(conf, STAS_OPT_PLEO));
	assert_n_diags(conf, 1);
	assert_warning(conf, "File:" FCONF " [Global]: pleo - Text check found invalid value "
			     "\"disable\". Default will be used (line 2)");
}

static void
test_options_without_a_value_use_the_default(void **state)
{
	/* upstream crashes on a valueless bool */
	g_autoptr(StasConf) conf = load(STAFD, "[Global]\ntron\nkato\nip-family\n");

	assert_false(stas_conf_get_bool(conf, STAS_OPT_TRON));
	assert_int_equal(int_opt(conf, STAS_OPT_KATO), 30);
	assert_int_equal(stas_conf_get_ip_family(conf), STAS_IP_FAMILY_V4 | STAS_IP_FAMILY_V6);
	assert_n_diags(conf, 3);
	assert_warning(conf, "File:" FCONF " [Global]: tron - Text check found invalid value "
			     "\"\". Default will be used (line 2)");
	assert_warning(conf, "File:" FCONF " [Global]: kato - Data converter found invalid value "
			     "\"\". Default will be used (line 3)");
}

static void
test_a_value_on_an_indented_line_is_flagged(void **state)
{
	g_autoptr(StasConf) conf = load(STAFD, "[Global]\nkato = 5\n    6\n");

	assert_int_equal(int_opt(conf, STAS_OPT_KATO), 6);
	assert_n_diags(conf, 1);
	assert_warning(conf, FCONF ":3: [Global] kato: this indented line is read as another "
				   "value of kato, and the last value is used");
}

/* ---- invalid sections and options: REFERENCE 2.7 ---- */

static void
test_unknown_option_is_reported(void **state)
{
	g_autoptr(StasConf) conf = load(STAFD, "[Global]\ntron=true\njohnny=be good\n");

	assert_true(stas_conf_get_bool(conf, STAS_OPT_TRON));
	assert_n_diags(conf, 1);
	assert_error(conf, "File:" FCONF " [Global] contains invalid options: {'johnny'} (line 3)");
}

static void
test_several_invalid_options_share_one_message(void **state)
{
	g_autoptr(StasConf) conf = load(STACD, "[Global]\nb=1\na=2\nB=3\n[Controllers]\nc=1\n"
					       "[Global]\nd\n");

	assert_n_diags(conf, 2);
	assert_error(conf, "File:" CCONF " [Global] contains invalid options: {'b', 'a', 'd'} "
			   "(lines 2, 3, 8)");
	assert_error(conf, "File:" CCONF " [Controllers] contains invalid options: {'c'} (line 6)");
}

static void
test_unknown_section_is_reported(void **state)
{
	g_autoptr(StasConf) conf = load(STAFD, "[Hello]\nworld=1\n[Global]\n[global]\n[Hello]\n");

	assert_n_diags(conf, 1);
	assert_error(conf, "File:" FCONF " contains invalid sections: {'Hello', 'global'} "
			   "(lines 1, 4)");
}

static void
test_options_of_the_other_daemon_are_invalid(void **state)
{
	g_autoptr(StasConf) c = load(STACD, "[Global]\npleo=disabled\nkato=5\n"
					    "[Service Discovery]\nzeroconf=disabled\n"
					    "[Discovery controller connection management]\n"
					    "zeroconf-connections-persistence=1\n");
	g_autoptr(StasConf) f = load(STAFD, "[I/O controller connection management]\n"
					    "disconnect-scope=no-disconnect\n");

	assert_n_diags(c, 2);
	assert_error(c, "File:" CCONF " [Global] contains invalid options: {'pleo'} (line 2)");
	assert_error(c, "File:" CCONF " contains invalid sections: {'Service Discovery', "
			"'Discovery controller connection management'} (lines 4, 6)");
	assert_int_equal(int_opt(c, STAS_OPT_KATO), 5);
	assert_false(stas_conf_option_is_valid(STACD, STAS_OPT_PLEO));
	assert_n_diags(f, 1);
	assert_error(f, "File:" FCONF " contains invalid sections: {'I/O controller connection "
			"management'} (line 1)");
}

static void
test_stafd_ignores_queue_counts_everywhere(void **state)
{
	/* Q23: invalid in stafd.conf, and not applied either */
	g_autoptr(StasConf) conf =
		load(STAFD, "[Global]\nnr-io-queues=4\nnr-write-queues=2\n"
			    "nr-poll-queues=1\n"
			    "[Controllers]\n"
			    "controller=transport=tcp;traddr=1.1.1.1;nr-io-queues=8\n");
	StasConnParams params;

	assert_true(is_unset(conf, STAS_OPT_NR_IO_QUEUES));
	assert_true(is_unset(conf, STAS_OPT_NR_WRITE_QUEUES));
	assert_true(is_unset(conf, STAS_OPT_NR_POLL_QUEUES));
	assert_error(conf, "File:" FCONF " [Global] contains invalid options: {'nr-io-queues', "
			   "'nr-write-queues', 'nr-poll-queues'} (lines 2, 3, 4)");
	assert_warning(conf, FCONF ":6: controller: nr-io-queues is not used by stafd, ignored");
	assert_n_diags(conf, 2);
	assert_int_equal(n_controllers(conf), 1);
	assert_null(ctrl_get(conf, 0, "nr-io-queues"));
	stas_conf_get_conn_params(conf, ctrl_map(conf, 0), &params);
	assert_false(params.nr_io_queues.set);
	assert_false(stas_conf_option_is_valid(STAFD, STAS_OPT_NR_IO_QUEUES));
	assert_true(stas_conf_option_is_valid(STACD, STAS_OPT_NR_IO_QUEUES));
}

/* ---- deprecated and obsolete: REFERENCE 2.11 ---- */

static void
test_blacklist_is_read_as_exclude_with_a_warning(void **state)
{
	g_autoptr(StasConf) conf = load(STACD, "[Controllers]\nexclude=traddr=1.1.1.1\n"
					       "blacklist=traddr=2.2.2.2\n");
	g_autoptr(StasTid) tid = tid_of_text(conf, "tcp", "2.2.2.2", NULL);

	assert_int_equal(stas_conf_get_excludes(conf)->len, 2);
	assert_true(stas_conf_is_excluded(conf, tid));
	assert_n_diags(conf, 1);
	assert_warning(conf, "File:" CCONF " [Controllers]: blacklist - Deprecated option, read "
			     "as \"exclude\": please use \"exclude\" instead (line 3)");
}

static void
test_global_persistent_connections_still_works_in_stafd(void **state)
{
	g_autoptr(StasConf) legacy_false = load(STAFD, "[Global]\npersistent-connections=false\n");
	g_autoptr(StasConf) either_true =
		load(STAFD, "[Global]\npersistent-connections=true\n"
			    "[Discovery controller connection management]\n"
			    "persistent-connections=false\n");
	g_autoptr(StasConf) both_false =
		load(STAFD, "[Global]\npersistent-connections=false\n"
			    "[Discovery controller connection management]\n"
			    "persistent-connections=false\n");
	g_autoptr(StasConf) bad = load(STAFD, "[Global]\npersistent-connections=maybe\n");

	assert_false(stas_conf_get_bool(legacy_false, STAS_OPT_PERSISTENT_CONNECTIONS));
	assert_n_diags(legacy_false, 1);
	assert_warning(legacy_false, "File:" FCONF " [Global]: persistent-connections - "
				     "Deprecated location: please move it to [Discovery "
				     "controller connection management] (line 2)");
	assert_true(stas_conf_get_bool(either_true, STAS_OPT_PERSISTENT_CONNECTIONS));
	assert_false(stas_conf_get_bool(both_false, STAS_OPT_PERSISTENT_CONNECTIONS));
	/* a bad legacy value counts as absent: the default stays */
	assert_true(stas_conf_get_bool(bad, STAS_OPT_PERSISTENT_CONNECTIONS));
	assert_warning(bad, "File:" FCONF " [Global]: persistent-connections - Text check found "
			    "invalid value \"maybe\". Default will be used (line 2)");
}

static void
test_global_persistent_connections_is_invalid_in_stacd(void **state)
{
	g_autoptr(StasConf) conf = load(STACD, "[Global]\npersistent-connections=false\n");

	assert_n_diags(conf, 1);
	assert_error(conf, "File:" CCONF " [Global] contains invalid options: "
			   "{'persistent-connections'} (line 2)");
}

static void
test_obsolete_options_get_their_own_message(void **state)
{
	g_autoptr(StasConf) conf = load(STACD, "[Global]\nsticky-connections=disabled\n"
					       "udev-rule=enabled\n");
	g_autoptr(StasConf) f = load(STAFD, "[Global]\nudev-rule=disabled\n");

	assert_n_diags(conf, 2);
	assert_warning(conf, "File:" CCONF " [Global]: sticky-connections - Obsolete option, "
			     "ignored: replaced by \"disconnect-scope\" and \"disconnect-trtypes\" "
			     "in [I/O controller connection management] (line 2)");
	assert_warning(conf, "File:" CCONF " [Global]: udev-rule - Obsolete option, ignored: "
			     "stafd always suppresses nvme-cli's udev rule while it runs (line 3)");
	assert_n_diags(f, 1);
}

/* ---- REFERENCE 6.3 item 1 ---- */

static void
test_broken_configs_load_with_defaults_and_name_each_problem(void **state)
{
	static const char text[] = "[Global]\n"
				   "johnny=B. Goode\n"
				   "queue-size=2000000\n"
				   "reconnect-delay=NaN\n"
				   "[Hello]\n"
				   "world=1\n"
				   "[I/O controller connection management]\n"
				   "disconnect-scope=blah-blah\n"
				   "disconnect-trtypes=boing-boing\n";
	g_autoptr(StasConf) c = load(STACD, text);
	g_autoptr(StasConf) f = load(STAFD, text);

	assert_true(is_unset(c, STAS_OPT_QUEUE_SIZE));
	assert_true(is_unset(c, STAS_OPT_RECONNECT_DELAY));
	assert_int_equal(stas_conf_get_disconnect_scope(c),
			 STAS_DISCONNECT_SCOPE_ONLY_STAS_CONNECTIONS);
	assert_int_equal(stas_conf_get_disconnect_trtypes(c), STAS_TRTYPE_TCP);
	assert_error(c, "File:" CCONF " [Global] contains invalid options: {'johnny'} (line 2)");
	assert_error(c, "File:" CCONF " contains invalid sections: {'Hello'} (line 5)");
	assert_warning(c, "File:" CCONF " [Global]: queue-size - \"2000000\" is not within range "
			  "16..1024. Default will be used (line 3)");
	assert_warning(c, "File:" CCONF " [Global]: reconnect-delay - Data converter found "
			  "invalid value \"NaN\". Default will be used (line 4)");
	assert_warning(c, "File:" CCONF " [I/O controller connection management]: "
			  "disconnect-scope - Text check found invalid value \"blah-blah\". "
			  "Default will be used (line 8)");
	assert_warning(c, "File:" CCONF " [I/O controller connection management]: "
			  "disconnect-trtypes - List checker found invalid item \"boing-boing\" "
			  "will be ignored. (line 9)");
	assert_n_diags(c, 6);

	assert_int_equal(int_opt(f, STAS_OPT_KATO), 30);
	assert_error(f, "File:" FCONF " contains invalid sections: {'Hello', 'I/O controller "
			"connection management'} (lines 5, 7)");
	assert_n_diags(f, 4);
}

/* ---- controller= entries: REFERENCE 2.8 ---- */

static void
test_controller_overrides_are_checked_and_normalized(void **state)
{
	/* get_controllers() of test-config.py */
	g_autoptr(StasConf) conf = load(
		STACD, "[Controllers]\n"
		       "controller=transport=tcp;traddr=100.100.100.100;trsvcid=4420;nqn=nqn.x;"
		       "hdr-digest=TRUE;data-digest=false;nr-io-queues=8;nr-write-queues=+6;"
		       "nr-poll-queues=4;queue-size=400;kato=71;reconnect-delay=13;"
		       "ctrl-loss-tmo=666;disable-sqflow=true;"
		       "dhchap-ctrl-secret=DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0:\n");

	assert_n_diags(conf, 0);
	assert_int_equal(n_controllers(conf), 1);
	assert_string_equal(ctrl_get(conf, 0, "hdr-digest"), "true");
	assert_string_equal(ctrl_get(conf, 0, "data-digest"), "false");
	assert_string_equal(ctrl_get(conf, 0, "nr-io-queues"), "8");
	assert_string_equal(ctrl_get(conf, 0, "nr-write-queues"), "6");
	assert_string_equal(ctrl_get(conf, 0, "nr-poll-queues"), "4");
	assert_string_equal(ctrl_get(conf, 0, "queue-size"), "400");
	assert_string_equal(ctrl_get(conf, 0, "kato"), "71");
	assert_string_equal(ctrl_get(conf, 0, "reconnect-delay"), "13");
	assert_string_equal(ctrl_get(conf, 0, "ctrl-loss-tmo"), "666");
	assert_string_equal(ctrl_get(conf, 0, "disable-sqflow"), "true");
	assert_string_equal(ctrl_get(conf, 0, "dhchap-ctrl-secret"),
			    "DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0:");
	assert_string_equal(ctrl_get(conf, 0, "subsysnqn"), "nqn.x");
	assert_int_equal(((const StasConfSpec *)stas_conf_get_controllers(conf)->pdata[0])->line,
			 2);
}

static void
test_invalid_override_is_dropped_so_the_global_value_applies(void **state)
{
	g_autoptr(StasConf) conf = load(
		STACD, "[Global]\nkato=50\nqueue-size=32\n"
		       "[Controllers]\n"
		       "controller=transport=tcp;traddr=1.1.1.1;nqn=nqn.x;kato=abc;queue-size=5;"
		       "hdr-digest=yes\n");
	StasConnParams p;

	assert_int_equal(n_controllers(conf), 1);
	assert_null(ctrl_get(conf, 0, "kato"));
	assert_null(ctrl_get(conf, 0, "queue-size"));
	assert_null(ctrl_get(conf, 0, "hdr-digest"));
	assert_warning(conf, "File:" CCONF " [Global]: kato - Data converter found invalid value "
			     "\"abc\". Default will be used (line 5, controller= override "
			     "dropped)");
	assert_warning(conf, "File:" CCONF " [Global]: queue-size - \"5\" is not within range "
			     "16..1024. Default will be used (line 5, controller= override "
			     "dropped)");
	assert_warning(conf, "File:" CCONF " [Global]: hdr-digest - Text check found invalid "
			     "value \"yes\". Default will be used (line 5, controller= override "
			     "dropped)");
	assert_n_diags(conf, 3);
	stas_conf_get_conn_params(conf, ctrl_map(conf, 0), &p);
	assert_true(p.kato.set);
	assert_int_equal(p.kato.value, 50);
	assert_int_equal(p.queue_size.value, 32);
	assert_false(p.hdr_digest);
}

static void
test_stafd_fills_the_well_known_discovery_nqn(void **state)
{
	g_autoptr(StasConf) conf =
		load(STAFD, "[Controllers]\n"
			    "controller=transport=tcp;traddr=1.1.1.1\n"
			    "controller=transport=tcp;traddr=1.1.1.2;nqn=\n"
			    "controller=transport=tcp;traddr=1.1.1.3;nqn=nqn.cdc\n");

	assert_n_diags(conf, 0);
	assert_int_equal(n_controllers(conf), 3);
	assert_string_equal(ctrl_get(conf, 0, "subsysnqn"), "nqn.2014-08.org.nvmexpress.discovery");
	assert_string_equal(ctrl_get(conf, 1, "subsysnqn"), "nqn.2014-08.org.nvmexpress.discovery");
	assert_string_equal(ctrl_get(conf, 2, "subsysnqn"), "nqn.cdc");
}

static void
test_stacd_drops_controllers_without_a_subsysnqn(void **state)
{
	g_autoptr(StasConf) conf =
		load(STACD, "[Controllers]\n"
			    "controller=transport=tcp;traddr=1.1.1.1\n"
			    "controller=transport=tcp;traddr=1.1.1.2;nqn=nqn.io\n");

	assert_int_equal(n_controllers(conf), 1);
	assert_string_equal(ctrl_get(conf, 0, "traddr"), "1.1.1.2");
	assert_n_diags(conf, 1);
	assert_warning(conf, CCONF ":2: controller: no subsysnqn (nqn=), entry ignored");
}

static void
test_reference_controller_examples_are_valid(void **state)
{
	g_autoptr(StasConf) conf = load(
		STAFD, "[Controllers]\n"
		       "controller = transport=tcp;traddr=localhost;trsvcid=8009\n"
		       "controller=transport=tcp;traddr=2001:db8::370:7334;host-iface=enp0s8;"
		       "nqn=nqn.x\n"
		       "controller = transport = tcp ; traddr = localhost ; ; ; kato=31; "
		       "dhchap-ctrl-secret=DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0:\n");

	assert_n_diags(conf, 0);
	assert_int_equal(n_controllers(conf), 3);
	assert_string_equal(ctrl_get(conf, 1, "host-iface"), "enp0s8");
	assert_string_equal(ctrl_get(conf, 2, "kato"), "31");
}

static void
test_bogus_controller_entries_are_reported_and_skipped(void **state)
{
	/* REFERENCE 6.3 item 4 */
	g_autoptr(StasConf) conf =
		load(STAFD, "[Controllers]\n"
			    "controller=\n"
			    "controller=trsvcid\n"
			    "controller=transport=tcp;traddr=!@#$\n"
			    "controller=transport=XM;traddr=1.1.1.1\n"
			    "controller=transport=tcp;traddr=555.555.555.555\n"
			    "controller=traddr=1.1.1.1\n"
			    "controller=transport=tcp\n"
			    "controller=transport=tcp;traddr=abracadabra\n"
			    "controller=transport=tcp;traddr=100.100.100.100\n"
			    "controller=transport=tcp;traddr=2607:f8b0:4002:c09::64\n"
			    "controller\n");

	assert_warning(conf, FCONF ":2: controller: empty entry, ignored");
	assert_warning(conf, FCONF ":3: controller: token \"trsvcid\" has no \"=\", ignored");
	assert_warning(conf, FCONF ":3: controller: empty entry, ignored");
	assert_warning(conf, FCONF ":4: controller: invalid traddr \"!@#$\" (not an IP address "
				   "or host name), entry ignored");
	assert_warning(conf, FCONF ":5: controller: Invalid transport \"XM\" (not tcp, rdma, fc "
				   "or loop), entry ignored");
	assert_warning(conf, FCONF ":6: controller: invalid traddr \"555.555.555.555\" (not an IP "
				   "address or host name), entry ignored");
	assert_warning(conf, FCONF ":7: controller: no transport, entry ignored");
	assert_warning(conf, FCONF ":8: controller: no traddr, entry ignored");
	assert_warning(conf, FCONF ":12: controller: empty entry, ignored");
	assert_n_diags(conf, 9);
	/* name resolution and ip-family filtering are the daemon's */
	assert_int_equal(n_controllers(conf), 3);
	assert_string_equal(ctrl_get(conf, 0, "traddr"), "abracadabra");
	assert_string_equal(ctrl_get(conf, 1, "traddr"), "100.100.100.100");
	assert_string_equal(ctrl_get(conf, 2, "traddr"), "2607:f8b0:4002:c09::64");
}

static void
test_fc_and_loop_controllers_are_kept(void **state)
{
	/* Q5: upstream drops them for their empty trsvcid */
	g_autoptr(StasConf) conf = load(
		STACD, "[Controllers]\n"
		       "controller=transport=fc;traddr=nn-0x204600a098cbcac6:pn-0x204700a098cbcac6;"
		       "host-traddr=nn-0x20000090fae0b5f5:pn-0x10000090fae0b5f5;nqn=nqn.fc\n"
		       "controller=transport=loop;nqn=nqn.loop\n"
		       "controller=transport=fc;nqn=nqn.fc\n");
	g_autoptr(StasTid) fc = NULL;

	assert_int_equal(n_controllers(conf), 2);
	assert_warning(conf, CCONF ":4: controller: no traddr, entry ignored");
	assert_n_diags(conf, 1);
	fc = tid_of(conf, ctrl_map(conf, 0));
	assert_string_equal(fc->trsvcid, "");
	assert_string_equal(ctrl_get(conf, 1, "transport"), "loop");
}

static void
test_tcp_controller_without_trsvcid_gets_the_port_of_its_kind(void **state)
{
	/* Q6: DCs 8009, IOCs 4420 (the TID fills it in) */
	static const char text[] = "[Controllers]\n"
				   "controller=transport=tcp;traddr=1.1.1.1;nqn=nqn.x\n"
				   "controller=transport=rdma;traddr=1.1.1.2;nqn=nqn.x\n";
	g_autoptr(StasConf) f = load(STAFD, text);
	g_autoptr(StasConf) c = load(STACD, text);
	g_autoptr(StasTid) dc = tid_of(f, ctrl_map(f, 0));
	g_autoptr(StasTid) ioc = tid_of(c, ctrl_map(c, 0));
	g_autoptr(StasTid) rdma = tid_of(f, ctrl_map(f, 1));

	assert_string_equal(dc->trsvcid, "8009");
	assert_string_equal(ioc->trsvcid, "4420");
	assert_string_equal(rdma->trsvcid, "4420");
	assert_null(ctrl_get(f, 0, "trsvcid"));
}

static void
test_controller_with_a_bad_port_is_dropped(void **state)
{
	g_autoptr(StasConf) conf =
		load(STAFD, "[Controllers]\n"
			    "controller=transport=tcp;traddr=1.1.1.1;trsvcid=abc\n"
			    "controller=transport=tcp;traddr=1.1.1.1;trsvcid=0\n"
			    "controller=transport=tcp;traddr=1.1.1.1;trsvcid=65536\n"
			    "controller=transport=tcp;traddr=1.1.1.1;trsvcid=08009\n"
			    "controller=transport=tcp;traddr=1.1.1.1;trsvcid=65535\n"
			    "controller=transport=fc;traddr=nn-0x1:pn-0x2;trsvcid=x\n");

	assert_int_equal(n_controllers(conf), 2);
	assert_string_equal(ctrl_get(conf, 0, "trsvcid"), "65535");
	assert_warning(conf, FCONF ":2: controller: invalid trsvcid \"abc\" (not a port number), "
				   "entry ignored");
	assert_warning(conf, FCONF ":5: controller: invalid trsvcid \"08009\" (not a port "
				   "number), entry ignored");
	assert_n_diags(conf, 4);
}

static void
test_controller_value_with_a_comma_is_dropped(void **state)
{
	/* a ',' would smuggle options into the kernel's connect string */
	g_autoptr(StasConf) conf = load(STACD, "[Controllers]\n"
					       "controller=transport=tcp;traddr=1.2.3.4,hostnqn=x;"
					       "nqn=nqn.x\n"
					       "controller=transport=tcp;traddr=1.2.3.4;nqn=nqn.x;"
					       "dhchap-secret=DHHC-1:00:a,b:\n");

	assert_int_equal(n_controllers(conf), 0);
	assert_warning(conf, CCONF ":2: controller: the value of \"traddr\" contains \",\" or "
				   "white space, entry ignored");
	assert_warning(conf, CCONF ":3: controller: the value of \"dhchap-secret\" contains \",\" "
				   "or white space, entry ignored");
	assert_n_diags(conf, 2);
}

static void
test_nqns_longer_than_223_bytes_are_dropped(void **state)
{
	g_autofree char *nqn = g_strnfill(224, 'n');
	g_autofree char *text =
		g_strdup_printf("[Controllers]\ncontroller=transport=tcp;traddr=1.1.1.1;nqn=%s\n"
				"controller=transport=tcp;traddr=1.1.1.1;nqn=nqn.x;host-nqn=%s\n",
				nqn, nqn);
	g_autoptr(StasConf) conf = load(STACD, text);

	assert_int_equal(n_controllers(conf), 0);
	assert_warning(conf, CCONF ":2: controller: subsysnqn is longer than 223 bytes, entry "
				   "ignored");
	assert_warning(conf, CCONF ":3: controller: host-nqn is longer than 223 bytes, entry "
				   "ignored");
}

static void
test_unknown_controller_key_is_kept_with_a_warning(void **state)
{
	g_autoptr(StasConf) conf =
		load(STAFD, "[Controllers]\n"
			    "controller=transport=tcp;traddr=1.1.1.1;trsvcd=4420\n");

	assert_int_equal(n_controllers(conf), 1);
	assert_string_equal(ctrl_get(conf, 0, "trsvcd"), "4420");
	assert_n_diags(conf, 1);
	assert_warning(conf, FCONF ":2: controller: unknown key \"trsvcd\" (not used)");
}

static void
test_a_secret_in_a_key_position_is_never_shown(void **state)
{
	/* B3: "dhchap-secret" forgotten, the secret became a key */
	g_autoptr(StasConf) conf = load(STAFD, "[Controllers]\n"
					       "controller=transport=tcp;traddr=1.1.1.1;"
					       "DHHC-1:00:c2VjcmV0==:\n"
					       "DHHC-1:00:c2VjcmV0==:\n");
	const GPtrArray *d = stas_conf_get_diagnostics(conf);

	assert_warning(conf, FCONF ":2: controller: unknown key \"<redacted>\" (not used)");
	assert_error(conf, "File:" FCONF " [Controllers] contains invalid options: "
			   "{'<redacted>'} (line 3)");
	for (guint i = 0; i < d->len; i++)
		assert_null(strcasestr(((const StasDiag *)d->pdata[i])->text, "dhhc-"));
}

static void
test_controller_secret_with_base64_padding_is_kept(void **state)
{
	/* Q1 */
	g_autoptr(StasConf) conf = load(STACD, "[Controllers]\n"
					       "controller=transport=tcp;traddr=1.1.1.1;nqn=nqn.x;"
					       "dhchap-secret=DHHC-1:02:Zm9vYmFyYmF6cXV4==:\n");

	assert_n_diags(conf, 0);
	assert_string_equal(ctrl_get(conf, 0, "dhchap-secret"), "DHHC-1:02:Zm9vYmFyYmF6cXV4==:");
}

static void
test_an_indented_line_under_controller_is_another_controller(void **state)
{
	g_autoptr(StasConf) conf = load(STAFD, "[Controllers]\n"
					       "controller = transport=tcp;traddr=1.1.1.1\n"
					       "             transport=tcp;traddr=2.2.2.2\n");

	assert_n_diags(conf, 0);
	assert_int_equal(n_controllers(conf), 2);
	assert_string_equal(ctrl_get(conf, 1, "traddr"), "2.2.2.2");
	assert_int_equal(((const StasConfSpec *)stas_conf_get_controllers(conf)->pdata[1])->line,
			 3);
}

/* ---- exclude= entries: REFERENCE 2.9 ---- */

static void
test_bare_exclude_is_ignored_with_a_warning(void **state)
{
	/* Q2: upstream excludes every controller */
	g_autoptr(StasConf) conf = load(STAFD, "[Controllers]\nexclude=\nexclude=junk\n"
					       "exclude=host-traddr=1.1.1.1\n");
	g_autoptr(StasTid) tid = tid_of_text(conf, "tcp", "1.1.1.1", NULL);

	assert_int_equal(stas_conf_get_excludes(conf)->len, 0);
	assert_false(stas_conf_is_excluded(conf, tid));
	assert_warning(conf, FCONF ":2: exclude: empty entry ignored (it would exclude every "
				   "controller)");
	assert_warning(conf, FCONF ":3: exclude: token \"junk\" has no \"=\", ignored");
	assert_warning(conf, FCONF ":3: exclude: empty entry ignored (it would exclude every "
				   "controller)");
	assert_warning(conf, FCONF ":4: exclude: host-traddr does not take part in exclusion, "
				   "ignored");
	assert_n_diags(conf, 5);
}

static void
test_exclude_entries_exclude_matching_controllers(void **state)
{
	g_autoptr(StasConf) conf = load(STAFD, "[Controllers]\n"
					       "exclude=host-iface=enp0s8\n"
					       "exclude=transport=tcp;traddr=2001:db8::1\n");
	g_autoptr(StasTid) by_iface = tid_of_text(conf, "tcp", "9.9.9.9", "enp0s8");
	g_autoptr(StasTid) by_addr = tid_of_text(conf, "tcp", "2001:DB8:0::1", NULL);
	g_autoptr(StasTid) kept = tid_of_text(conf, "tcp", "9.9.9.9", "enp0s9");

	assert_n_diags(conf, 0);
	assert_true(stas_conf_is_excluded(conf, by_iface));
	/* Q20 */
	assert_true(stas_conf_is_excluded(conf, by_addr));
	assert_false(stas_conf_is_excluded(conf, kept));
}

/* ---- connection parameters ---- */

static void
test_conn_params_prefer_override_then_global_then_unset(void **state)
{
	g_autoptr(StasConf) conf =
		load(STACD, "[Global]\nkato=50\nhdr-digest=true\n"
			    "disable-sqflow=true\nnr-io-queues=4\n"
			    "[Controllers]\n"
			    "controller=transport=tcp;traddr=1.1.1.1;nqn=nqn.x;kato=7;"
			    "hdr-digest=false;ctrl-loss-tmo=-1\n");
	StasConnParams p;

	stas_conf_get_conn_params(conf, ctrl_map(conf, 0), &p);
	assert_int_equal(p.kato.value, 7);
	assert_false(p.hdr_digest);
	assert_true(p.ctrl_loss_tmo.set);
	assert_int_equal(p.ctrl_loss_tmo.value, -1);
	assert_true(p.disable_sqflow.set && p.disable_sqflow.value);
	assert_int_equal(p.nr_io_queues.value, 4);
	assert_false(p.queue_size.set);
	assert_false(p.reconnect_delay.set);
	assert_false(p.nr_write_queues.set);
	assert_false(p.data_digest);

	/* a DLPE-derived controller has no overrides */
	stas_conf_get_conn_params(conf, NULL, &p);
	assert_int_equal(p.kato.value, 50);
	assert_true(p.hdr_digest);
	assert_false(p.ctrl_loss_tmo.set);
}

static void
test_conn_params_kato_default_depends_on_the_daemon(void **state)
{
	g_autoptr(StasConf) f = load(STAFD, "");
	g_autoptr(StasConf) c = load(STACD, "");
	StasConnParams p;

	stas_conf_get_conn_params(f, NULL, &p);
	assert_true(p.kato.set);
	assert_int_equal(p.kato.value, 30);
	stas_conf_get_conn_params(c, NULL, &p);
	assert_false(p.kato.set);
	assert_false(p.disable_sqflow.set);
}

static void
test_conn_params_skip_overrides_that_do_not_parse(void **state)
{
	g_autoptr(StasConf) conf = load(STACD, "[Global]\nkato=50\nqueue-size=64\n");
	g_autoptr(GHashTable) cfg = g_hash_table_new(g_str_hash, g_str_equal);
	StasConnParams p;

	/* e.g. a TID from an old state file */
	g_hash_table_insert(cfg, (char *)"kato", (char *)"x");
	g_hash_table_insert(cfg, (char *)"queue-size", (char *)"8");
	g_hash_table_insert(cfg, (char *)"data-digest", (char *)"TRUE");
	stas_conf_get_conn_params(conf, cfg, &p);
	assert_int_equal(p.kato.value, 50);
	assert_int_equal(p.queue_size.value, 64);
	assert_true(p.data_digest);
}

static void
test_tid_defaults_follow_the_daemon(void **state)
{
	g_autoptr(StasConf) f = load(STAFD, "[Global]\nignore-iface=true\n");
	g_autoptr(StasConf) c = load(STACD, "");
	StasTidDefaults d;

	stas_conf_get_tid_defaults(f, "nqn.host", &d);
	assert_int_equal(d.kind, STAS_TID_KIND_DC);
	assert_true(d.ignore_iface);
	assert_string_equal(d.host_nqn, "nqn.host");
	stas_conf_get_tid_defaults(c, NULL, &d);
	assert_int_equal(d.kind, STAS_TID_KIND_IOC);
	assert_false(d.ignore_iface);
	assert_null(d.host_nqn);
}

/* ---- files, drop-ins, snapshots ---- */

static void
test_dropins_override_and_add(void **state)
{
	/* SPEC B9 */
	g_autofree char *dir = make_tmpdir();
	g_autofree char *main_path =
		write_file(dir, "stacd.conf",
			   "[Global]\nkato=1\nqueue-size=64\n[Controllers]\n"
			   "controller=transport=tcp;traddr=1.1.1.1;nqn=nqn.a\n");
	g_autofree char *dropins = g_build_filename(dir, "stacd.conf.d", NULL);
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	g_autofree char *want1 = NULL;
	g_autofree char *want2 = NULL;
	g_autoptr(StasConf) conf = NULL;

	assert_int_equal(g_mkdir(dropins, 0700), 0);
	a = write_file(dropins, "10-a.conf", "[Global]\nkato=5\njohnny=1\n");
	b = write_file(dropins, "20-b.conf",
		       "[Controllers]\n"
		       "controller=transport=tcp;traddr=2.2.2.2;nqn=nqn.b\n"
		       "[Global]\nqueue-size=5\n");
	conf = stas_conf_load(STACD, main_path);

	assert_string_equal(stas_conf_get_path(conf), main_path);
	assert_int_equal(int_opt(conf, STAS_OPT_KATO), 5);
	/* the last value, from 20-b.conf, is bad: default, not 64 */
	assert_true(is_unset(conf, STAS_OPT_QUEUE_SIZE));
	assert_int_equal(n_controllers(conf), 2);
	assert_string_equal(((const StasConfSpec *)stas_conf_get_controllers(conf)->pdata[1])->file,
			    b);
	want1 = g_strdup_printf("File:%s [Global] contains invalid options: {'johnny'} (line 3)",
				a);
	want2 = g_strdup_printf("File:%s [Global]: queue-size - \"5\" is not within range "
				"16..1024. Default will be used (line 4)",
				b);
	assert_error(conf, want1);
	assert_warning(conf, want2);
	assert_n_diags(conf, 2);
	rm_rf(dir);
}

static void
test_missing_main_file_still_reads_dropins(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *main_path = g_build_filename(dir, "stafd.conf", NULL);
	g_autofree char *dropins = g_build_filename(dir, "stafd.conf.d", NULL);
	g_autofree char *a = NULL;
	g_autoptr(StasConf) conf = NULL;

	assert_int_equal(g_mkdir(dropins, 0700), 0);
	a = write_file(dropins, "a.conf", "[Global]\nkato=9\n");
	conf = stas_conf_load(STAFD, main_path);
	assert_n_diags(conf, 0);
	assert_int_equal(int_opt(conf, STAS_OPT_KATO), 9);
	rm_rf(dir);
}

static void
test_unreadable_main_file_gives_a_diagnostic_and_defaults(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autoptr(StasConf) conf = stas_conf_load(STAFD, dir);
	g_autofree char *want = g_strdup_printf("%s: not a regular file, defaults used", dir);

	assert_n_diags(conf, 1);
	assert_warning(conf, want);
	assert_int_equal(int_opt(conf, STAS_OPT_KATO), 30);
	rm_rf(dir);
}

static void
test_reload_builds_a_new_snapshot(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = write_file(dir, "stafd.conf", "[Global]\nkato=1\n");
	StasConf *old = stas_conf_load(STAFD, path);
	StasConf *held = stas_conf_ref(old);
	g_autofree char *again = NULL;
	g_autoptr(StasConf) fresh = NULL;

	stas_conf_unref(old);
	again = write_file(dir, "stafd.conf", "[Global]\nkato=2\n");
	fresh = stas_conf_load(STAFD, path);
	assert_int_equal(int_opt(held, STAS_OPT_KATO), 1);
	assert_int_equal(int_opt(fresh, STAS_OPT_KATO), 2);
	stas_conf_unref(held);
	rm_rf(dir);
}

static void
test_option_names_and_sections(void **state)
{
	assert_string_equal(stas_conf_option_name(STAS_OPT_KATO), "kato");
	assert_string_equal(stas_conf_option_section(STAS_OPT_KATO), "Global");
	assert_string_equal(stas_conf_option_name(STAS_OPT_ZEROCONF_CONNECTIONS_PERSISTENCE),
			    "zeroconf-connections-persistence");
	assert_string_equal(stas_conf_option_section(STAS_OPT_CONNECT_ATTEMPTS_ON_NCC),
			    "I/O controller connection management");
	assert_true(stas_conf_option_is_valid(STAFD, STAS_OPT_PLEO));
	assert_false(stas_conf_option_is_valid(STACD, STAS_OPT_ZEROCONF));
	assert_false(stas_conf_option_is_valid(STAFD, STAS_OPT_DISCONNECT_SCOPE));
	for (guint i = 0; i < STAS_OPT_N_OPTIONS; i++)
		assert_non_null(stas_conf_option_name(i));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stafd_without_a_file_uses_every_default),
		cmocka_unit_test(test_stacd_without_a_file_uses_every_default),
		cmocka_unit_test(test_stafd_reads_every_option),
		cmocka_unit_test(test_stacd_reads_every_option),
		cmocka_unit_test(test_true_false_enabled_disabled_ignore_case),
		cmocka_unit_test(test_ip_family_accepts_the_four_words_case_sensitively),
		cmocka_unit_test(test_single_valued_options_use_the_last_occurrence),
		cmocka_unit_test(test_tron_kato_and_ip_family_are_read),
		cmocka_unit_test(test_invalid_disconnect_scope_uses_the_default),
		cmocka_unit_test(test_disconnect_scope_words),
		cmocka_unit_test(test_disconnect_trtypes_items_are_checked_one_by_one),
		cmocka_unit_test(test_connect_attempts_on_ncc_one_becomes_two),
		cmocka_unit_test(test_queue_size_must_be_within_16_to_1024),
		cmocka_unit_test(test_integer_options_reject_what_is_not_an_integer),
		cmocka_unit_test(test_integer_options_have_no_range_check),
		cmocka_unit_test(test_zeroconf_persistence_is_a_time_span),
		cmocka_unit_test(test_invalid_zeroconf_persistence_falls_back_to_72_hours),
		cmocka_unit_test(test_pleo_disable_fails_the_text_check),
		cmocka_unit_test(test_options_without_a_value_use_the_default),
		cmocka_unit_test(test_a_value_on_an_indented_line_is_flagged),
		cmocka_unit_test(test_unknown_option_is_reported),
		cmocka_unit_test(test_several_invalid_options_share_one_message),
		cmocka_unit_test(test_unknown_section_is_reported),
		cmocka_unit_test(test_options_of_the_other_daemon_are_invalid),
		cmocka_unit_test(test_stafd_ignores_queue_counts_everywhere),
		cmocka_unit_test(test_blacklist_is_read_as_exclude_with_a_warning),
		cmocka_unit_test(test_global_persistent_connections_still_works_in_stafd),
		cmocka_unit_test(test_global_persistent_connections_is_invalid_in_stacd),
		cmocka_unit_test(test_obsolete_options_get_their_own_message),
		cmocka_unit_test(test_broken_configs_load_with_defaults_and_name_each_problem),
		cmocka_unit_test(test_controller_overrides_are_checked_and_normalized),
		cmocka_unit_test(test_invalid_override_is_dropped_so_the_global_value_applies),
		cmocka_unit_test(test_stafd_fills_the_well_known_discovery_nqn),
		cmocka_unit_test(test_stacd_drops_controllers_without_a_subsysnqn),
		cmocka_unit_test(test_reference_controller_examples_are_valid),
		cmocka_unit_test(test_bogus_controller_entries_are_reported_and_skipped),
		cmocka_unit_test(test_fc_and_loop_controllers_are_kept),
		cmocka_unit_test(test_tcp_controller_without_trsvcid_gets_the_port_of_its_kind),
		cmocka_unit_test(test_controller_with_a_bad_port_is_dropped),
		cmocka_unit_test(test_controller_value_with_a_comma_is_dropped),
		cmocka_unit_test(test_nqns_longer_than_223_bytes_are_dropped),
		cmocka_unit_test(test_unknown_controller_key_is_kept_with_a_warning),
		cmocka_unit_test(test_a_secret_in_a_key_position_is_never_shown),
		cmocka_unit_test(test_controller_secret_with_base64_padding_is_kept),
		cmocka_unit_test(test_an_indented_line_under_controller_is_another_controller),
		cmocka_unit_test(test_bare_exclude_is_ignored_with_a_warning),
		cmocka_unit_test(test_exclude_entries_exclude_matching_controllers),
		cmocka_unit_test(test_conn_params_prefer_override_then_global_then_unset),
		cmocka_unit_test(test_conn_params_kato_default_depends_on_the_daemon),
		cmocka_unit_test(test_conn_params_skip_overrides_that_do_not_parse),
		cmocka_unit_test(test_tid_defaults_follow_the_daemon),
		cmocka_unit_test(test_dropins_override_and_add),
		cmocka_unit_test(test_missing_main_file_still_reads_dropins),
		cmocka_unit_test(test_unreadable_main_file_gives_a_diagnostic_and_defaults),
		cmocka_unit_test(test_reload_builds_a_new_snapshot),
		cmocka_unit_test(test_option_names_and_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
