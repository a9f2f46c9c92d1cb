/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the interface table (REFERENCE 5.20, Q12): hand-built tables, the real
 * rtnetlink dump of this namespace against `ip -j`, and a fresh network
 * namespace with known interfaces.  the namespace part needs root: it
 * fails loudly without it, it is never skipped.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>

#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <json-glib/json-glib.h>

#include "stas/stas-error.h"
#include "stas/stas-iface-table.h"

/* ---- hand-built tables --------------------------------------------------- */

static StasIfaceTable *
make_table(void)
{
	StasIfaceTable *t = stas_iface_table_new();

	stas_iface_table_add_link(t, 1, "lo", TRUE, "00:00:00:00:00:00");
	stas_iface_table_add_link(t, 2, "eth0", TRUE, "52:54:00:ab:cd:ef");
	stas_iface_table_add_link(t, 3, "tun0", FALSE, "52:54:00:11:22:33");
	stas_iface_table_add_link(t, 4, "eth0.10", TRUE, "52:54:00:ab:cd:ef");
	stas_iface_table_add_link(t, 5, "v6only", TRUE, "52:54:00:44:55:66");
	stas_iface_table_add_addr(t, 2, NULL, "192.168.1.10");
	stas_iface_table_add_addr(t, 2, NULL, "192.168.1.11");
	stas_iface_table_add_addr(t, 2, NULL, "2001:db8::10");
	stas_iface_table_add_addr(t, 2, NULL, "fe80::10");
	stas_iface_table_add_addr(t, 5, NULL, "fd00::5");
	stas_iface_table_add_addr(t, 3, NULL, "::ffff:10.8.0.1");
	return t;
}

static void
assert_strv(const char *const *got, const char *const *want)
{
	gsize i;

	for (i = 0; want[i]; i++) {
		if (got[i] == NULL) {
			print_error("list too short: %s missing at %zu\n", want[i], i);
			fail();
		}
		assert_string_equal(got[i], want[i]);
	}
	if (got[i] != NULL) {
		print_error("list too long: unexpected %s at %zu\n", got[i], i);
		fail();
	}
}

static void
test_addresses_keep_their_order_per_family(void **state)
{
	g_autoptr(StasIfaceTable) t = make_table();
	const char *const v4[] = {"192.168.1.10", "192.168.1.11", NULL};
	const char *const v6[] = {"2001:db8::10", "fe80::10", NULL};
	const char *const none[] = {NULL};

	assert_strv(stas_iface_table_addrs(t, "eth0", AF_INET), v4);
	assert_strv(stas_iface_table_addrs(t, "eth0", AF_INET6), v6);
	assert_strv(stas_iface_table_addrs(t, "v6only", AF_INET), none);
	assert_strv(stas_iface_table_addrs(t, "nosuch", AF_INET6), none);
	assert_strv(stas_iface_table_addrs(t, "eth0", AF_UNIX), none);
}

static void
test_primary_address_is_the_first_of_its_family(void **state)
{
	g_autoptr(StasIfaceTable) t = make_table();

	assert_string_equal(stas_iface_table_primary_addr(t, "eth0", AF_INET), "192.168.1.10");
	assert_string_equal(stas_iface_table_primary_addr(t, "eth0", AF_INET6), "2001:db8::10");
	assert_string_equal(stas_iface_table_primary_addr(t, "v6only", AF_INET6), "fd00::5");
	assert_null(stas_iface_table_primary_addr(t, "v6only", AF_INET));
	assert_null(stas_iface_table_primary_addr(t, "lo", AF_INET));
	assert_null(stas_iface_table_primary_addr(t, "nosuch", AF_INET));
}

static void
test_iface_of_addr_compares_addresses_not_text(void **state)
{
	g_autoptr(StasIfaceTable) t = make_table();

	assert_string_equal(stas_iface_table_iface_of_addr(t, "192.168.1.11"), "eth0");
	assert_string_equal(stas_iface_table_iface_of_addr(t, "2001:DB8:0:0::10"), "eth0");
	assert_string_equal(stas_iface_table_iface_of_addr(t, "FE80::10%eth0"), "eth0");
	assert_string_equal(stas_iface_table_iface_of_addr(t, "fd00:0::5"), "v6only");
	assert_null(stas_iface_table_iface_of_addr(t, "192.168.1.12"));
	assert_null(stas_iface_table_iface_of_addr(t, "eth0"));
	assert_null(stas_iface_table_iface_of_addr(t, ""));
	assert_null(stas_iface_table_iface_of_addr(t, NULL));
}

static void
test_iface_of_addr_treats_ipv4_mapped_as_ipv4(void **state)
{
	g_autoptr(StasIfaceTable) t = make_table();

	assert_string_equal(stas_iface_table_iface_of_addr(t, "::ffff:192.168.1.10"), "eth0");
	assert_string_equal(stas_iface_table_iface_of_addr(t, "::FFFF:c0a8:010b"), "eth0");
	/* and the other way round: a mapped address on a link is found by its IPv4 form */
	assert_string_equal(stas_iface_table_iface_of_addr(t, "10.8.0.1"), "tun0");
}

static void
test_mac_lookup_is_case_insensitive_and_first_wins(void **state)
{
	g_autoptr(StasIfaceTable) t = make_table();

	assert_string_equal(stas_iface_table_iface_of_mac(t, "52:54:00:ab:cd:ef"), "eth0");
	/* eth0.10 shares the MAC (a VLAN): the first link wins */
	assert_string_equal(stas_iface_table_iface_of_mac(t, "52:54:00:AB:CD:EF"), "eth0");
	assert_string_equal(stas_iface_table_iface_of_mac(t, "00:00:00:00:00:00"), "lo");
	assert_null(stas_iface_table_iface_of_mac(t, "52:54:00:ab:cd:e0"));
	assert_null(stas_iface_table_iface_of_mac(t, NULL));
}

static void
test_mac_lookup_only_considers_ether_and_loopback_links(void **state)
{
	g_autoptr(StasIfaceTable) t = make_table();

	assert_null(stas_iface_table_iface_of_mac(t, "52:54:00:11:22:33"));
	assert_string_equal(stas_iface_table_mac(t, "tun0"), "52:54:00:11:22:33");
}

static void
test_hand_built_table_ignores_what_it_cannot_name(void **state)
{
	g_autoptr(StasIfaceTable) t = make_table();
	g_auto(GStrv) names = NULL;
	const char *const want[] = {"lo", "eth0", "tun0", "eth0.10", "v6only", "new", NULL};

	/* not an address, and an address of an unknown ifindex without a name */
	stas_iface_table_add_addr(t, 2, NULL, "not-an-ip");
	stas_iface_table_add_addr(t, 99, NULL, "10.99.99.99");
	/* a new ifindex with a name creates the interface; a known one keeps its name */
	stas_iface_table_add_addr(t, 42, "new", "10.42.0.1");
	stas_iface_table_add_addr(t, 2, "eth0:1", "192.168.1.12");

	assert_null(stas_iface_table_iface_of_addr(t, "10.99.99.99"));
	assert_string_equal(stas_iface_table_iface_of_addr(t, "10.42.0.1"), "new");
	assert_string_equal(stas_iface_table_iface_of_addr(t, "192.168.1.12"), "eth0");
	assert_int_equal(stas_iface_table_ifindex(t, "new"), 42);
	assert_int_equal(stas_iface_table_ifindex(t, "eth0:1"), 0);
	names = stas_iface_table_list_ifnames(t);
	assert_strv((const char *const *)names, want);
}

static void
test_a_link_names_an_interface_first_seen_by_address(void **state)
{
	g_autoptr(StasIfaceTable) t = stas_iface_table_new();

	stas_iface_table_add_addr(t, 7, "eth7:0", "10.7.0.1");
	stas_iface_table_add_link(t, 7, "eth7", TRUE, "52:54:00:00:00:07");
	assert_string_equal(stas_iface_table_iface_of_addr(t, "10.7.0.1"), "eth7");
	assert_string_equal(stas_iface_table_primary_addr(t, "eth7", AF_INET), "10.7.0.1");
	assert_int_equal(stas_iface_table_ifindex(t, "eth7"), 7);
}

static void
test_table_is_refcounted(void **state)
{
	StasIfaceTable *t = make_table();
	StasIfaceTable *t2 = stas_iface_table_ref(t);

	assert_ptr_equal(t, t2);
	stas_iface_table_unref(t);
	assert_string_equal(stas_iface_table_iface_of_addr(t2, "192.168.1.10"), "eth0");
	stas_iface_table_unref(t2);
	stas_iface_table_unref(NULL);
}

/* ---- recorded rtnetlink dumps ------------------------------------------- */

static void
nl_pad(GByteArray *b)
{
	static const guint8 zero[4];

	g_byte_array_append(b, zero, NLMSG_ALIGN(b->len) - b->len);
}

/* starts a message; returns where it starts for nl_end() */
static guint
nl_begin(GByteArray *b, guint16 type)
{
	struct nlmsghdr nh = {.nlmsg_type = type, .nlmsg_flags = NLM_F_MULTI, .nlmsg_seq = 7};
	guint start = b->len;

	g_byte_array_append(b, (const guint8 *)&nh, sizeof(nh));
	return start;
}

static void
nl_put(GByteArray *b, const void *data, gsize len)
{
	g_byte_array_append(b, data, len);
	nl_pad(b);
}

static void
nl_attr(GByteArray *b, guint16 type, const void *data, gsize len)
{
	struct rtattr rta = {.rta_len = RTA_LENGTH(len), .rta_type = type};

	g_byte_array_append(b, (const guint8 *)&rta, sizeof(rta));
	nl_put(b, data, len);
}

static void
nl_end(GByteArray *b, guint start)
{
	guint32 len = b->len - start;

	memcpy(b->data + start, &len, sizeof(len));
}

static void
nl_done(GByteArray *b)
{
	guint start = nl_begin(b, NLMSG_DONE);
	int zero = 0;

	nl_put(b, &zero, sizeof(zero));
	nl_end(b, start);
}

static void
nl_link(GByteArray *b, int index, guint16 type, const char *name, const guint8 *mac, gsize mac_len)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_type = type, .ifi_index = index};
	guint start = nl_begin(b, RTM_NEWLINK);

	nl_put(b, &ifi, sizeof(ifi));
	if (mac)
		nl_attr(b, IFLA_ADDRESS, mac, mac_len);
	if (name)
		nl_attr(b, IFLA_IFNAME, name, strlen(name) + 1);
	nl_end(b, start);
}

/* local/peer as text; NULL leaves the attribute out */
static void
nl_addr(GByteArray *b, int family, guint32 index, const char *local, const char *peer,
	const char *label)
{
	struct ifaddrmsg ifa = {.ifa_family = family, .ifa_index = index};
	guint start = nl_begin(b, RTM_NEWADDR);
	guint8 bytes[16];
	gsize len = family == AF_INET ? 4 : 16;

	nl_put(b, &ifa, sizeof(ifa));
	if (peer && inet_pton(family, peer, bytes) == 1)
		nl_attr(b, IFA_ADDRESS, bytes, len);
	if (local && inet_pton(family, local, bytes) == 1)
		nl_attr(b, IFA_LOCAL, bytes, len);
	if (label)
		nl_attr(b, IFA_LABEL, label, strlen(label) + 1);
	nl_end(b, start);
}

static const guint8 mac_eth0[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
static const guint8 mac_zero[6] = {0};

/* lo, eth0 and an IPv6-only tun0, as the kernel would dump them */
static void
record_dump(GByteArray *links, GByteArray *addrs)
{
	nl_link(links, 1, ARPHRD_LOOPBACK, "lo", mac_zero, sizeof(mac_zero));
	nl_link(links, 2, ARPHRD_ETHER, "eth0", mac_eth0, sizeof(mac_eth0));
	nl_link(links, 3, ARPHRD_NONE, "tun0", NULL, 0);
	nl_done(links);

	nl_addr(addrs, AF_INET, 2, "192.168.1.10", "192.168.1.10", "eth0");
	/* point-to-point with an alias label: local is ours, the label is not a name */
	nl_addr(addrs, AF_INET, 2, "10.0.0.1", "10.0.0.2", "eth0:1");
	/* ipv6 sends IFA_ADDRESS alone unless point-to-point */
	nl_addr(addrs, AF_INET6, 2, NULL, "2001:db8::10", NULL);
	nl_addr(addrs, AF_INET6, 3, NULL, "fd00::3", NULL);
	nl_done(addrs);
}

static void
test_replay_reads_multi_message_dumps(void **state)
{
	g_autoptr(GByteArray) links = g_byte_array_new();
	g_autoptr(GByteArray) addrs = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(StasIfaceTable) t = NULL;
	g_auto(GStrv) names = NULL;
	const char *const want_names[] = {"lo", "eth0", "tun0", NULL};
	const char *const eth0_v4[] = {"192.168.1.10", "10.0.0.1", NULL};
	struct ifaddrmsg packet = {.ifa_family = AF_PACKET, .ifa_index = 2};
	guint start;

	record_dump(links, addrs);
	/* another family is skipped, and nothing after NLMSG_DONE is read */
	start = nl_begin(addrs, RTM_NEWADDR);
	nl_put(addrs, &packet, sizeof(packet));
	nl_end(addrs, start);
	nl_addr(addrs, AF_INET, 2, "172.16.0.1", NULL, NULL);

	t = stas_iface_table_parse_dump(links->data, links->len, addrs->data, addrs->len, &error);
	assert_non_null(t);
	names = stas_iface_table_list_ifnames(t);
	assert_strv((const char *const *)names, want_names);
	assert_strv(stas_iface_table_addrs(t, "eth0", AF_INET), eth0_v4);
	assert_string_equal(stas_iface_table_iface_of_addr(t, "10.0.0.1"), "eth0");
	assert_null(stas_iface_table_iface_of_addr(t, "10.0.0.2"));
	assert_null(stas_iface_table_iface_of_addr(t, "172.16.0.1"));
	assert_string_equal(stas_iface_table_primary_addr(t, "eth0", AF_INET6), "2001:db8::10");
	assert_string_equal(stas_iface_table_iface_of_addr(t, "fd00::3"), "tun0");
	assert_string_equal(stas_iface_table_iface_of_mac(t, "52:54:00:AB:CD:EF"), "eth0");
	assert_string_equal(stas_iface_table_iface_of_mac(t, "00:00:00:00:00:00"), "lo");
	assert_null(stas_iface_table_mac(t, "tun0"));
	assert_int_equal(stas_iface_table_ifindex(t, "tun0"), 3);
}

static void
test_replay_reports_netlink_errors(void **state)
{
	g_autoptr(GByteArray) links = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	struct nlmsgerr err = {.error = -EPERM};
	guint start = nl_begin(links, NLMSG_ERROR);

	nl_put(links, &err, sizeof(err));
	nl_end(links, start);
	assert_null(stas_iface_table_parse_dump(links->data, links->len, NULL, 0, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
	assert_non_null(strstr(error->message, g_strerror(EPERM)));
}

static void
test_replay_rejects_truncated_dumps(void **state)
{
	g_autoptr(GByteArray) links = g_byte_array_new();
	g_autoptr(GByteArray) addrs = g_byte_array_new();
	g_autoptr(GError) cut = NULL;
	g_autoptr(GError) no_done = NULL;
	g_autoptr(GError) empty = NULL;

	record_dump(links, addrs);
	/* the first message claims more bytes than there are */
	assert_null(stas_iface_table_parse_dump(links->data, 20, addrs->data, addrs->len, &cut));
	assert_true(g_error_matches(cut, STAS_ERROR, STAS_ERROR_IO));
	/* whole messages, but the dump never finishes */
	assert_null(stas_iface_table_parse_dump(links->data, links->len, addrs->data,
						addrs->len - NLMSG_LENGTH(sizeof(int)), &no_done));
	assert_true(g_error_matches(no_done, STAS_ERROR, STAS_ERROR_INVALID));
	assert_null(stas_iface_table_parse_dump(NULL, 0, NULL, 0, &empty));
	assert_true(g_error_matches(empty, STAS_ERROR, STAS_ERROR_INVALID));
}

static void
test_replay_skips_malformed_entries(void **state)
{
	g_autoptr(GByteArray) links = g_byte_array_new();
	g_autoptr(GByteArray) addrs = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(StasIfaceTable) t = NULL;
	g_auto(GStrv) names = NULL;
	const char *const want_names[] = {"longmac", "good", NULL};
	struct ifinfomsg ifi = {.ifi_type = ARPHRD_ETHER, .ifi_index = 5};
	struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_index = 11};
	struct rtattr bad = {.rta_len = 2, .rta_type = IFLA_IFNAME};
	guint8 long_mac[40] = {0};
	guint8 five[5] = {10, 0, 0, 1, 9};
	guint8 four[4] = {10, 0, 0, 2};
	char unterminated[IFNAMSIZ + 4];
	guint start;

	/* an attribute shorter than its own header ends the walk: no name, no link */
	start = nl_begin(links, RTM_NEWLINK);
	nl_put(links, &ifi, sizeof(ifi));
	nl_put(links, &bad, sizeof(bad));
	nl_end(links, start);
	/* a name that does not fit IFNAMSIZ, and invalid indexes */
	memset(unterminated, 'x', sizeof(unterminated));
	start = nl_begin(links, RTM_NEWLINK);
	ifi.ifi_index = 6;
	nl_put(links, &ifi, sizeof(ifi));
	nl_attr(links, IFLA_IFNAME, unterminated, sizeof(unterminated));
	nl_end(links, start);
	nl_link(links, 0, ARPHRD_ETHER, "zero", NULL, 0);
	nl_link(links, -4, ARPHRD_ETHER, "negative", NULL, 0);
	/* a hardware address longer than any real one is dropped, the link kept */
	nl_link(links, 10, ARPHRD_ETHER, "longmac", long_mac, sizeof(long_mac));
	/* a message too short for its ifinfomsg */
	start = nl_begin(links, RTM_NEWLINK);
	nl_put(links, &ifi, 8);
	nl_end(links, start);
	nl_link(links, 11, ARPHRD_ETHER, "good", mac_eth0, sizeof(mac_eth0));
	nl_done(links);

	/* IFA_LOCAL of the wrong size is ignored, IFA_ADDRESS then serves */
	start = nl_begin(addrs, RTM_NEWADDR);
	nl_put(addrs, &ifa, sizeof(ifa));
	nl_attr(addrs, IFA_LOCAL, five, sizeof(five));
	nl_attr(addrs, IFA_ADDRESS, four, sizeof(four));
	nl_end(addrs, start);
	/* an address of an interface that exists nowhere */
	nl_addr(addrs, AF_INET, 0x7ffffff0, "10.0.0.3", NULL, NULL);
	nl_addr(addrs, AF_INET, 0, "10.0.0.4", NULL, NULL);
	nl_done(addrs);

	t = stas_iface_table_parse_dump(links->data, links->len, addrs->data, addrs->len, &error);
	assert_non_null(t);
	names = stas_iface_table_list_ifnames(t);
	assert_strv((const char *const *)names, want_names);
	assert_null(stas_iface_table_mac(t, "longmac"));
	assert_string_equal(stas_iface_table_iface_of_addr(t, "10.0.0.2"), "good");
	assert_null(stas_iface_table_iface_of_addr(t, "10.0.0.1"));
	assert_null(stas_iface_table_iface_of_addr(t, "10.0.0.3"));
	assert_null(stas_iface_table_iface_of_addr(t, "10.0.0.4"));
}

static void
test_replay_survives_random_and_mangled_input(void **state)
{
	g_autoptr(GByteArray) links = g_byte_array_new();
	g_autoptr(GByteArray) addrs = g_byte_array_new();
	g_autoptr(GRand) rand = g_rand_new_with_seed(20230601);
	guint ok = 0;

	record_dump(links, addrs);
	for (guint i = 0; i < 4000; i++) {
		g_autoptr(GByteArray) l = g_byte_array_new();
		g_autoptr(GByteArray) a = g_byte_array_new();
		g_autoptr(GError) error = NULL;
		g_autoptr(StasIfaceTable) t = NULL;

		g_byte_array_append(l, links->data, links->len);
		g_byte_array_append(a, addrs->data, addrs->len);
		/* flip a few bytes of a valid dump, or cut it short */
		for (guint j = 0; j < 1 + i % 4; j++) {
			GByteArray *victim = g_rand_boolean(rand) ? l : a;

			victim->data[g_rand_int_range(rand, 0, victim->len)] =
				(guint8)g_rand_int(rand);
		}
		if (i % 7 == 0)
			g_byte_array_set_size(a, g_rand_int_range(rand, 0, a->len));
		t = stas_iface_table_parse_dump(l->data, l->len, a->data, a->len, &error);
		assert_true((t == NULL) == (error != NULL));
		ok += t != NULL;
	}
	/* both outcomes were exercised */
	assert_true(ok > 0 && ok < 4000);
}

/* ---- comparing a dump with iproute2 -------------------------------------- */

static const char *
ip_binary(void)
{
	static const char *const candidates[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip",
						 "/bin/ip"};

	for (gsize i = 0; i < G_N_ELEMENTS(candidates); i++)
		if (g_file_test(candidates[i], G_FILE_TEST_IS_EXECUTABLE))
			return candidates[i];
	return "ip";
}

/* run `ip args...`; stdout, or NULL with *err set to its complaint */
static char *
run_ip(char **err, const char *first, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree char *out = NULL;
	g_autofree char *errout = NULL;
	g_autoptr(GError) error = NULL;
	int status = 0;
	va_list ap;

	g_ptr_array_add(argv, (gpointer)ip_binary());
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		g_ptr_array_add(argv, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);

	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
			  &errout, &status, &error)) {
		*err = g_strdup_printf("cannot run ip: %s", error->message);
		return NULL;
	}
	if (!g_spawn_check_wait_status(status, &error)) {
		*err = g_strdup_printf("ip %s: %s (%s)", first, g_strstrip(errout), error->message);
		return NULL;
	}
	return g_steal_pointer(&out);
}

static JsonArray *
ip_json(const char *text)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) root = json_from_string(text, &error);

	if (root == NULL || !JSON_NODE_HOLDS_ARRAY(root)) {
		print_error("ip -j printed no JSON array: %s\n", error ? error->message : text);
		fail();
	}
	return json_array_ref(json_node_get_array(root));
}

static const char *
member_str(JsonObject *o, const char *name)
{
	return json_object_has_member(o, name) ? json_object_get_string_member(o, name) : NULL;
}

static gboolean
is_ether_or_loopback(JsonObject *link)
{
	const char *type = member_str(link, "link_type");

	return type && (g_str_equal(type, "ether") || g_str_equal(type, "loopback"));
}

/* names and order, ifindex, MACs of ether/loopback links, first-MAC-wins */
static void
compare_links(const StasIfaceTable *t, JsonArray *links)
{
	g_auto(GStrv) names = stas_iface_table_list_ifnames(t);
	guint n = json_array_get_length(links);

	if (g_strv_length(names) != n) {
		print_error("table has %u interfaces, ip link shows %u\n", g_strv_length(names), n);
		fail();
	}
	for (guint i = 0; i < n; i++) {
		JsonObject *link = json_array_get_object_element(links, i);
		const char *name = member_str(link, "ifname");
		const char *mac = member_str(link, "address");

		assert_string_equal(names[i], name);
		assert_int_equal(stas_iface_table_ifindex(t, name),
				 json_object_get_int_member(link, "ifindex"));
		if (!is_ether_or_loopback(link) || mac == NULL)
			continue;
		assert_string_equal(stas_iface_table_mac(t, name), mac);
		/* the first ether/loopback link with this MAC in kernel order */
		for (guint j = 0; j <= i; j++) {
			JsonObject *first = json_array_get_object_element(links, j);

			if (is_ether_or_loopback(first) &&
			    g_strcmp0(member_str(first, "address"), mac) == 0) {
				assert_string_equal(stas_iface_table_iface_of_mac(t, mac),
						    member_str(first, "ifname"));
				break;
			}
		}
	}
}

/* per interface and family, the "local" addresses in ip's (the kernel's) order */
static void
compare_addrs(const StasIfaceTable *t, JsonArray *ifaces)
{
	for (guint i = 0; i < json_array_get_length(ifaces); i++) {
		JsonObject *iface = json_array_get_object_element(ifaces, i);
		const char *name = member_str(iface, "ifname");
		JsonArray *info = json_object_has_member(iface, "addr_info")
					  ? json_object_get_array_member(iface, "addr_info")
					  : NULL;
		g_autoptr(GPtrArray) v4 = g_ptr_array_new();
		g_autoptr(GPtrArray) v6 = g_ptr_array_new();

		for (guint j = 0; info && j < json_array_get_length(info); j++) {
			JsonObject *a = json_array_get_object_element(info, j);
			const char *family = member_str(a, "family");
			const char *local = member_str(a, "local");

			if (local == NULL || family == NULL)
				continue;
			if (g_str_equal(family, "inet"))
				g_ptr_array_add(v4, (gpointer)local);
			else if (g_str_equal(family, "inet6"))
				g_ptr_array_add(v6, (gpointer)local);
			else
				continue;
			/* owned by this interface, or by an earlier one with the same address */
			assert_non_null(stas_iface_table_iface_of_addr(t, local));
		}
		g_ptr_array_add(v4, NULL);
		g_ptr_array_add(v6, NULL);
		assert_strv(stas_iface_table_addrs(t, name, AF_INET),
			    (const char *const *)v4->pdata);
		assert_strv(stas_iface_table_addrs(t, name, AF_INET6),
			    (const char *const *)v6->pdata);
	}
}

static void
test_dump_of_this_namespace_agrees_with_ip(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasIfaceTable) t = NULL;
	g_autofree char *err = NULL;
	g_autofree char *links_text = run_ip(&err, "-j", "link", "show", NULL);
	g_autofree char *addrs_text = run_ip(&err, "-j", "address", "show", NULL);
	g_autoptr(JsonArray) links = NULL;
	g_autoptr(JsonArray) addrs = NULL;

	if (links_text == NULL || addrs_text == NULL) {
		print_error("%s\n", err);
		fail();
	}
	t = stas_iface_table_dump(&error);
	if (t == NULL) {
		print_error("dump failed: %s\n", error->message);
		fail();
	}
	links = ip_json(links_text);
	addrs = ip_json(addrs_text);
	compare_links(t, links);
	compare_addrs(t, addrs);
}

/* ---- a fresh network namespace ------------------------------------------- */

#define D0_MAC "02:5a:5a:00:00:01"
#define D1_MAC "02:5a:5a:00:00:02"

typedef struct {
	StasIfaceTable *table; /* dumped inside the namespace */
	char *links_json;      /* ip -j link show, inside */
	char *addrs_json;      /* ip -j address show, inside */
	char *link_kind;       /* dummy, or veth where the kernel has no dummy driver */
	char *error;	       /* why the namespace could not be set up */
} Netns;

static gboolean
ip_ok(Netns *ns, const char *const *args)
{
	g_autofree char *err = NULL;
	g_autofree char *out = run_ip(&err, args[0], args[1], args[2], args[3], args[4], args[5],
				      args[6], args[7], args[8], args[9], NULL);

	if (out)
		return TRUE;
	ns->error = g_steal_pointer(&err);
	return FALSE;
}

/* a link nobody can reach: dummy, else a veth whose peer stays down */
static gboolean
add_link(Netns *ns, const char *name, const char *mac)
{
	g_autofree char *err = NULL;
	g_autofree char *out = run_ip(&err, "link", "add", name, "type", "dummy", NULL);
	g_autofree char *peer = g_strconcat(name, "p", NULL);
	const char *const veth[] = {"link", "add",  name, "type", "veth",
				    "peer", "name", peer, NULL,	  NULL};
	const char *const nogen[] = {"link", "set", "dev", name, "addrgenmode",
				     "none", NULL,  NULL,  NULL, NULL};
	const char *const setmac[] = {"link", "set", "dev", name, "address",
				      mac,    NULL,  NULL,  NULL, NULL};

	if (out == NULL && (err == NULL || strstr(err, "Unknown device type") == NULL)) {
		ns->error = g_steal_pointer(&err);
		return FALSE;
	}
	if (out == NULL && !ip_ok(ns, veth))
		return FALSE;
	g_free(ns->link_kind);
	ns->link_kind = g_strdup(out ? "dummy" : "veth");
	/* no automatic link-local addresses: the address lists stay exactly ours */
	return ip_ok(ns, nogen) && ip_ok(ns, setmac);
}

/* the commands, in order; each row is one `ip` invocation (NULL-padded) */
static const char *const setup_d0[][10] = {
	{"address", "add", "10.11.12.13/24", "dev", "d0"},
	{"address", "add", "10.11.12.14/24", "dev", "d0", "label", "d0:1"},
	{"address", "add", "10.11.12.15/24", "dev", "d0"},
	{"address", "add", "10.99.0.1", "peer", "10.99.0.2", "dev", "d0"},
	{"-6", "address", "add", "fd00:1::13/64", "dev", "d0", "nodad"},
	{"link", "set", "dev", "d0", "up"},
};
static const char *const setup_d1[][10] = {
	{"-6", "address", "add", "fd00:2::1/64", "dev", "d1", "nodad"},
	{"-6", "address", "add", "fd00:2::2/64", "dev", "d1", "nodad"},
	{"link", "set", "dev", "d1", "up"},
};

static gboolean
setup_links(Netns *ns)
{
	if (!add_link(ns, "d0", D0_MAC))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(setup_d0); i++)
		if (!ip_ok(ns, setup_d0[i]))
			return FALSE;
	if (!add_link(ns, "d1", D1_MAC))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(setup_d1); i++)
		if (!ip_ok(ns, setup_d1[i]))
			return FALSE;
	return TRUE;
}

/*
 * runs in its own thread: unshare(CLONE_NEWNET) moves only this thread
 * (and the `ip` it spawns) into the new namespace, which dies with it.
 */
static gpointer
netns_thread(gpointer data)
{
	Netns *ns = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *err = NULL;

	if (geteuid() != 0) {
		ns->error = g_strdup("this test must run as root (it creates a network "
				     "namespace); run the unit suite as root");
		return NULL;
	}
	if (unshare(CLONE_NEWNET) != 0) {
		ns->error = g_strdup_printf("unshare(CLONE_NEWNET) failed: %s", g_strerror(errno));
		return NULL;
	}
	if (!setup_links(ns))
		return NULL;
	ns->table = stas_iface_table_dump(&error);
	if (ns->table == NULL) {
		ns->error = g_strdup_printf("dump in the namespace failed: %s", error->message);
		return NULL;
	}
	ns->links_json = run_ip(&err, "-j", "link", "show", NULL);
	ns->addrs_json = ns->links_json ? run_ip(&err, "-j", "address", "show", NULL) : NULL;
	if (ns->addrs_json == NULL)
		ns->error = g_steal_pointer(&err);
	return NULL;
}

static int
netns_setup(void **state)
{
	Netns *ns = g_new0(Netns, 1);
	GThread *thread = g_thread_new("netns", netns_thread, ns);

	g_thread_join(thread);
	if (ns->error)
		print_error("\n*** NETWORK NAMESPACE SETUP FAILED: %s ***\n\n", ns->error);
	else
		print_message("network namespace links are %s devices\n", ns->link_kind);
	*state = ns;
	return 0;
}

static int
netns_teardown(void **state)
{
	Netns *ns = *state;

	stas_iface_table_unref(ns->table);
	g_free(ns->links_json);
	g_free(ns->addrs_json);
	g_free(ns->link_kind);
	g_free(ns->error);
	g_free(ns);
	return 0;
}

/* every namespace test fails, loudly, when the namespace could not be made */
static const StasIfaceTable *
netns_table(void **state)
{
	Netns *ns = *state;

	if (ns->error || ns->table == NULL) {
		print_error("no network namespace: %s\n", ns->error ? ns->error : "unknown");
		fail();
	}
	return ns->table;
}

static void
test_netns_dump_agrees_with_ip(void **state)
{
	const StasIfaceTable *t = netns_table(state);
	Netns *ns = *state;
	g_autoptr(JsonArray) links = ip_json(ns->links_json);
	g_autoptr(JsonArray) addrs = ip_json(ns->addrs_json);

	compare_links(t, links);
	compare_addrs(t, addrs);
}

static void
test_netns_lists_links_by_their_names(void **state)
{
	const StasIfaceTable *t = netns_table(state);
	Netns *ns = *state;
	g_auto(GStrv) names = stas_iface_table_list_ifnames(t);

	assert_true(g_strv_contains((const char *const *)names, "lo"));
	assert_true(g_strv_contains((const char *const *)names, "d0"));
	assert_true(g_strv_contains((const char *const *)names, "d1"));
	/* an IPv4 alias label is not an interface (Q12) */
	assert_false(g_strv_contains((const char *const *)names, "d0:1"));
	/* without a dummy driver the links are veths with a peer each */
	assert_true(g_strv_contains((const char *const *)names, "d0p") ==
		    g_str_equal(ns->link_kind, "veth"));
	assert_true(stas_iface_table_ifindex(t, "d0") > 1);
}

static void
test_netns_addresses_come_in_kernel_order(void **state)
{
	const StasIfaceTable *t = netns_table(state);
	/* ipv4: primaries before secondaries; ipv6: newest first within a scope */
	const char *const d0_v4[] = {"10.11.12.13", "10.99.0.1", "10.11.12.14", "10.11.12.15",
				     NULL};
	const char *const d0_v6[] = {"fd00:1::13", NULL};
	const char *const d1_v6[] = {"fd00:2::2", "fd00:2::1", NULL};
	const char *const none[] = {NULL};

	assert_strv(stas_iface_table_addrs(t, "d0", AF_INET), d0_v4);
	assert_strv(stas_iface_table_addrs(t, "d0", AF_INET6), d0_v6);
	assert_strv(stas_iface_table_addrs(t, "d1", AF_INET), none);
	assert_strv(stas_iface_table_addrs(t, "d1", AF_INET6), d1_v6);
	/* lo is down in a new namespace */
	assert_strv(stas_iface_table_addrs(t, "lo", AF_INET), none);
}

static void
test_netns_primary_address(void **state)
{
	const StasIfaceTable *t = netns_table(state);

	assert_string_equal(stas_iface_table_primary_addr(t, "d0", AF_INET), "10.11.12.13");
	assert_string_equal(stas_iface_table_primary_addr(t, "d0", AF_INET6), "fd00:1::13");
	assert_string_equal(stas_iface_table_primary_addr(t, "d1", AF_INET6), "fd00:2::2");
	assert_null(stas_iface_table_primary_addr(t, "d1", AF_INET));
}

static void
test_netns_iface_of_addr(void **state)
{
	const StasIfaceTable *t = netns_table(state);

	assert_string_equal(stas_iface_table_iface_of_addr(t, "10.11.12.13"), "d0");
	assert_string_equal(stas_iface_table_iface_of_addr(t, "::ffff:10.11.12.13"), "d0");
	assert_string_equal(stas_iface_table_iface_of_addr(t, "::FFFF:a0b:c0e"), "d0");
	/* the alias-labelled address belongs to d0 itself */
	assert_string_equal(stas_iface_table_iface_of_addr(t, "10.11.12.14"), "d0");
	/* point-to-point: our end (IFA_LOCAL) is ours, the peer (IFA_ADDRESS) is not */
	assert_string_equal(stas_iface_table_iface_of_addr(t, "10.99.0.1"), "d0");
	assert_null(stas_iface_table_iface_of_addr(t, "10.99.0.2"));
	assert_string_equal(stas_iface_table_iface_of_addr(t, "FD00:1:0::13"), "d0");
	assert_null(stas_iface_table_iface_of_addr(t, "10.11.12.99"));
}

static void
test_netns_ipv6_only_interface_is_present(void **state)
{
	const StasIfaceTable *t = netns_table(state);

	assert_string_equal(stas_iface_table_iface_of_addr(t, "fd00:2::1"), "d1");
	assert_string_equal(stas_iface_table_iface_of_addr(t, "FD00:2:0:0:0:0:0:2"), "d1");
}

static void
test_netns_mac_lookup(void **state)
{
	const StasIfaceTable *t = netns_table(state);

	assert_string_equal(stas_iface_table_mac(t, "d0"), D0_MAC);
	assert_string_equal(stas_iface_table_iface_of_mac(t, D0_MAC), "d0");
	assert_string_equal(stas_iface_table_iface_of_mac(t, "02:5A:5A:00:00:01"), "d0");
	assert_string_equal(stas_iface_table_iface_of_mac(t, "02:5a:5A:00:00:02"), "d1");
	assert_string_equal(stas_iface_table_iface_of_mac(t, "00:00:00:00:00:00"), "lo");
	assert_null(stas_iface_table_iface_of_mac(t, "02:5a:5a:00:00:03"));
}

static void
test_netns_left_this_namespace_alone(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasIfaceTable) here = stas_iface_table_dump(&error);

	netns_table(state);
	assert_non_null(here);
	assert_null(stas_iface_table_iface_of_mac(here, D0_MAC));
	assert_null(stas_iface_table_iface_of_addr(here, "10.11.12.13"));
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_addresses_keep_their_order_per_family),
		cmocka_unit_test(test_primary_address_is_the_first_of_its_family),
		cmocka_unit_test(test_iface_of_addr_compares_addresses_not_text),
		cmocka_unit_test(test_iface_of_addr_treats_ipv4_mapped_as_ipv4),
		cmocka_unit_test(test_mac_lookup_is_case_insensitive_and_first_wins),
		cmocka_unit_test(test_mac_lookup_only_considers_ether_and_loopback_links),
		cmocka_unit_test(test_hand_built_table_ignores_what_it_cannot_name),
		cmocka_unit_test(test_a_link_names_an_interface_first_seen_by_address),
		cmocka_unit_test(test_table_is_refcounted),
		cmocka_unit_test(test_replay_reads_multi_message_dumps),
		cmocka_unit_test(test_replay_reports_netlink_errors),
		cmocka_unit_test(test_replay_rejects_truncated_dumps),
		cmocka_unit_test(test_replay_skips_malformed_entries),
		cmocka_unit_test(test_replay_survives_random_and_mangled_input),
		cmocka_unit_test(test_dump_of_this_namespace_agrees_with_ip),
	};
	const struct CMUnitTest netns[] = {
		cmocka_unit_test(test_netns_dump_agrees_with_ip),
		cmocka_unit_test(test_netns_lists_links_by_their_names),
		cmocka_unit_test(test_netns_addresses_come_in_kernel_order),
		cmocka_unit_test(test_netns_primary_address),
		cmocka_unit_test(test_netns_iface_of_addr),
		cmocka_unit_test(test_netns_ipv6_only_interface_is_present),
		cmocka_unit_test(test_netns_mac_lookup),
		cmocka_unit_test(test_netns_left_this_namespace_alone),
	};
	int failed = cmocka_run_group_tests_name("pure", pure, NULL, NULL);

	failed += cmocka_run_group_tests_name("netns", netns, netns_setup, netns_teardown);
	return failed;
}
