/* SPDX-License-Identifier: Apache-2.0 */
/* existing-connection matching (REFERENCE 5.4, Q26) over hand-built interface tables */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "stas/stas-match.h"

#define T4     "1.2.3.4"
#define T4_REV "4.3.2.1"
#define T6     "FE80::aaaa:BBBB:cccc:dddd"
#define T6_REV "fe80::DDDD:cccc:bbbb:AAAA"
#define WKDN   STAS_WELL_KNOWN_DISC_NQN
#define UNIQUE "nqn.1988-11.com.dell:SFSS:2:20220208134025e8"
#define HOSTA  "nqn.2014-08.org.nvmexpress:uuid:11111111-1111-1111-1111-111111111111"
#define HOSTB  "nqn.2014-08.org.nvmexpress:uuid:22222222-2222-2222-2222-222222222222"

/* eth0: two IPv4 and two IPv6 addresses (first = primary); eth1: IPv4 only */
static StasIfaceTable *
make_ifaces(void)
{
	StasIfaceTable *t = stas_iface_table_new();

	stas_iface_table_add_link(t, 1, "lo", TRUE, "00:00:00:00:00:00");
	stas_iface_table_add_link(t, 2, "eth0", TRUE, "52:54:00:12:34:56");
	stas_iface_table_add_link(t, 3, "eth1", TRUE, "52:54:00:12:34:57");
	stas_iface_table_add_addr(t, 1, NULL, "127.0.0.1");
	stas_iface_table_add_addr(t, 2, NULL, "192.168.1.10");
	stas_iface_table_add_addr(t, 2, NULL, "192.168.1.11");
	stas_iface_table_add_addr(t, 3, NULL, "10.0.0.5");
	stas_iface_table_add_addr(t, 1, NULL, "::1");
	stas_iface_table_add_addr(t, 2, NULL, "2001:db8::10");
	stas_iface_table_add_addr(t, 2, NULL, "fe80::10");
	return t;
}

/* what an existing controller shows in udev and sysfs; NULL = absent */
typedef struct {
	const char *transport, *traddr, *trsvcid, *subsysnqn;
	const char *host_traddr, *host_iface, *src_addr, *host_nqn, *cntrltype;
	gboolean children;
} CtrlSpec;

static void
put(GHashTable *map, const char *key, const char *value)
{
	if (value)
		g_hash_table_insert(map, g_strdup(key), g_strdup(value));
}

/* built the way the daemon will: uevent properties plus raw sysfs files */
static StasExistingCtrl *
ctrl_from(const CtrlSpec *s)
{
	g_autoptr(GHashTable) props =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GHashTable) attrs =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GString) address = g_string_new(NULL);
	g_autofree char *subsysnqn = s->subsysnqn ? g_strconcat(s->subsysnqn, "\n", NULL) : NULL;
	g_autofree char *hostnqn = s->host_nqn ? g_strconcat(s->host_nqn, "\n", NULL) : NULL;

	put(props, "NVME_TRTYPE", s->transport);
	put(props, "NVME_TRADDR", s->traddr);
	put(props, "NVME_TRSVCID", s->trsvcid);
	put(props, "NVME_HOST_TRADDR", s->host_traddr);
	put(props, "NVME_HOST_IFACE", s->host_iface);
	g_string_append_printf(address, "traddr=%s,trsvcid=%s", s->traddr ? s->traddr : "none",
			       s->trsvcid ? s->trsvcid : "none");
	if (s->host_traddr && *s->host_traddr)
		g_string_append_printf(address, ",host_traddr=%s", s->host_traddr);
	if (s->src_addr && *s->src_addr)
		g_string_append_printf(address, ",src_addr=%s", s->src_addr);
	g_string_append_c(address, '\n');
	put(attrs, "address", address->str);
	put(attrs, "subsysnqn", subsysnqn);
	put(attrs, "hostnqn", hostnqn);
	put(attrs, "cntrltype", s->cntrltype);
	return stas_existing_ctrl_new(props, attrs, s->children);
}

static StasTid *
cand(const char *transport, const char *traddr, const char *trsvcid, const char *subsysnqn,
     const char *host_traddr, const char *host_iface)
{
	StasTidDefaults d = {.kind = STAS_TID_KIND_DC};

	return stas_tid_new(transport, traddr, trsvcid, subsysnqn, host_traddr, host_iface, "", &d);
}

static gboolean
matches(const StasTid *t, const CtrlSpec *spec)
{
	g_autoptr(StasIfaceTable) ifaces = make_ifaces();
	g_autoptr(StasExistingCtrl) c = ctrl_from(spec);

	return stas_match_tid(t, c, ifaces, NULL);
}

static void
expect(gboolean want, const StasTid *t, const CtrlSpec *spec, const char *label)
{
	if (matches(t, spec) != want) {
		print_error("%s: %s vs existing (%s, %s, %s, %s, host-traddr=%s, host-iface=%s, "
			    "src-addr=%s): expected %s\n",
			    label, stas_tid_to_string(t), spec->transport, spec->traddr,
			    spec->trsvcid, spec->subsysnqn, spec->host_traddr, spec->host_iface,
			    spec->src_addr, want ? "match" : "no match");
		fail();
	}
}

#define EXPECT(want, t, spec) expect(want, t, spec, G_STRLOC)

/* ---- the 5.4 vector table ------------------------------------------------ */

/* "S" = the source address under test, "I" = its interface, NULL = absent */
static const struct {
	int id;
	const char *transport;
	gboolean reversed;
	const char *trsvcid, *subsysnqn, *host_traddr, *host_iface;
	gboolean match;
} vectors[] = {
	{1, "tcp", FALSE, "8009", "hello", "S", "I", TRUE},
	{2, "blah", FALSE, "8009", "hello", "S", "I", FALSE},
	{3, "tcp", TRUE, "8009", "hello", "S", "I", FALSE},
	{4, "tcp", FALSE, "8010", "hello", "S", "I", FALSE},
	{5, "tcp", FALSE, "8009", "hello", "255.255.255.255", "I", FALSE},
	{6, "tcp", FALSE, "8009", "hello", "S", "blah", FALSE},
	{7, "tcp", FALSE, "8009", "bob", "S", "I", FALSE},
	{8, "tcp", FALSE, "8009", "hello", NULL, "I", TRUE},
	{9, "tcp", FALSE, "8009", "hello", "S", NULL, TRUE},
	{10, "tcp", FALSE, "8009", "hello", NULL, NULL, TRUE},
	{11, "tcp", FALSE, "8009", "hello", "S", "I", TRUE},
	{12, "tcp", FALSE, "8009", "hello", NULL, "I", TRUE},
};

static const char *
subst(const char *v, const char *src, const char *iface)
{
	if (v && g_str_equal(v, "S"))
		return src;
	if (v && g_str_equal(v, "I"))
		return iface;
	return v;
}

static void
run_vector_table(gboolean v6, const char *src, const char *iface, gboolean legacy)
{
	CtrlSpec c = {
		.transport = "tcp",
		.traddr = v6 ? T6 : T4,
		.trsvcid = "8009",
		.subsysnqn = "hello",
		.host_traddr = src,
		.host_iface = iface,
		.src_addr = legacy ? "" : src,
		.host_nqn = "",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(vectors); i++) {
		const char *traddr = vectors[i].reversed ? (v6 ? T6_REV : T4_REV) : c.traddr;
		g_autoptr(StasTid) t =
			cand(vectors[i].transport, traddr, vectors[i].trsvcid, vectors[i].subsysnqn,
			     subst(vectors[i].host_traddr, src, iface),
			     subst(vectors[i].host_iface, src, iface));

		if (matches(t, &c) != vectors[i].match) {
			print_error("vector %d (%s, src %s, %s) expected %s\n", vectors[i].id,
				    v6 ? "IPv6" : "IPv4", src, legacy ? "legacy" : "src-addr",
				    vectors[i].match ? "match" : "no match");
			fail();
		}
	}
}

static void
test_vector_table_ipv4_with_src_addr(void **state)
{
	run_vector_table(FALSE, "192.168.1.10", "eth0", FALSE);
	run_vector_table(FALSE, "192.168.1.11", "eth0", FALSE);
	run_vector_table(FALSE, "10.0.0.5", "eth1", FALSE);
}

static void
test_vector_table_ipv4_legacy_kernel(void **state)
{
	/* upstream leaves case 8 out for IPv4 legacy; here it holds too */
	run_vector_table(FALSE, "192.168.1.10", "eth0", TRUE);
	run_vector_table(FALSE, "192.168.1.11", "eth0", TRUE);
	run_vector_table(FALSE, "10.0.0.5", "eth1", TRUE);
}

static void
test_vector_table_ipv6_with_src_addr(void **state)
{
	run_vector_table(TRUE, "2001:db8::10", "eth0", FALSE);
	run_vector_table(TRUE, "fe80::10", "eth0", FALSE);
}

static void
test_vector_table_ipv6_legacy_kernel(void **state)
{
	run_vector_table(TRUE, "2001:db8::10", "eth0", TRUE);
	run_vector_table(TRUE, "fe80::10", "eth0", TRUE);
}

/* ---- rule 4 with src-addr ------------------------------------------------ */

static void
test_src_addr_names_the_interface_of_an_unbound_connection(void **state)
{
	/* connected without host-traddr/host-iface: the kernel still reports its source */
	CtrlSpec c = {"tcp", T4, "8009", "hello", "", "", "192.168.1.11", ""};
	g_autoptr(StasTid) on_eth0 = cand("tcp", T4, "8009", "hello", NULL, "eth0");
	g_autoptr(StasTid) on_eth1 = cand("tcp", T4, "8009", "hello", NULL, "eth1");
	g_autoptr(StasTid) from_src = cand("tcp", T4, "8009", "hello", "192.168.1.11", NULL);
	g_autoptr(StasTid) from_primary = cand("tcp", T4, "8009", "hello", "192.168.1.10", NULL);

	EXPECT(TRUE, on_eth0, &c);
	EXPECT(FALSE, on_eth1, &c);
	EXPECT(TRUE, from_src, &c);
	EXPECT(FALSE, from_primary, &c);
}

static void
test_src_addr_outranks_the_reported_host_binding(void **state)
{
	/* with src-addr known, host-traddr/host-iface of the kernel are not consulted */
	CtrlSpec c = {"tcp", T4, "8009", "hello", "10.0.0.5", "eth1", "192.168.1.10", ""};
	g_autoptr(StasTid) by_src = cand("tcp", T4, "8009", "hello", "192.168.1.10", "eth0");
	g_autoptr(StasTid) by_reported = cand("tcp", T4, "8009", "hello", "10.0.0.5", "eth1");

	EXPECT(TRUE, by_src, &c);
	EXPECT(FALSE, by_reported, &c);
}

static void
test_src_addr_not_in_the_interface_table_never_matches_an_iface(void **state)
{
	CtrlSpec c = {"tcp", T4, "8009", "hello", "", "", "172.16.0.1", ""};
	g_autoptr(StasTid) by_iface = cand("tcp", T4, "8009", "hello", NULL, "eth0");
	g_autoptr(StasTid) by_addr = cand("tcp", T4, "8009", "hello", "172.16.0.1", NULL);
	g_autoptr(StasExistingCtrl) ctrl = ctrl_from(&c);

	EXPECT(FALSE, by_iface, &c);
	EXPECT(TRUE, by_addr, &c);
	/* no table at all acts as an empty one */
	assert_false(stas_match_tid(by_iface, ctrl, NULL, NULL));
	assert_true(stas_match_tid(by_addr, ctrl, NULL, NULL));
}

/* ---- legacy tcp rule (no src-addr) --------------------------------------- */

static void
test_legacy_no_host_info_assumes_match(void **state)
{
	CtrlSpec c4 = {"tcp", T4, "8009", "hello", "", "", "", ""};
	CtrlSpec c6 = {"tcp", T6, "8009", "hello", "", "", "", ""};
	g_autoptr(StasTid) t4 = cand("tcp", T4, "8009", "hello", "1.1.1.1", NULL);
	g_autoptr(StasTid) t6 = cand("tcp", T6, "8009", "hello", "AAAA::FFFF", NULL);
	g_autoptr(StasTid) t_iface = cand("tcp", T4, "8009", "hello", NULL, "blah");
	g_autoptr(StasIfaceTable) ifaces = make_ifaces();
	g_autoptr(StasExistingCtrl) ctrl = ctrl_from(&c4);
	const char *why = NULL;

	EXPECT(TRUE, t4, &c4);
	EXPECT(TRUE, t6, &c6);
	EXPECT(TRUE, t_iface, &c4);
	assert_true(stas_match_tid(t4, ctrl, ifaces, &why));
	assert_non_null(strstr(why, "not enough info"));
}

static void
test_legacy_iface_only_accepts_a_bare_candidate(void **state)
{
	CtrlSpec c4 = {"tcp", T4, "8009", "hello", "", "eth0", "", ""};
	CtrlSpec c6 = {"tcp", T6, "8009", "hello", "", "eth0", "", ""};
	g_autoptr(StasTid) t4 = cand("tcp", T4, "8009", "hello", NULL, NULL);
	g_autoptr(StasTid) t6 = cand("tcp", T6, "8009", "hello", NULL, NULL);

	EXPECT(TRUE, t4, &c4);
	EXPECT(TRUE, t6, &c6);
}

static void
test_legacy_host_traddr_only(void **state)
{
	CtrlSpec c4 = {"tcp", T4, "8009", "hello", "192.168.1.11", "", "", ""};
	CtrlSpec c6 = {"tcp", T6, "8009", "hello", "fe80::10", "", "", ""};
	g_autoptr(StasTid) other4 = cand("tcp", T4, "8009", "hello", "1.1.1.1", NULL);
	g_autoptr(StasTid) other6 = cand("tcp", T6, "8009", "hello", "AAAA::FFFF", NULL);
	g_autoptr(StasTid) blah4 = cand("tcp", T4, "8009", "hello", NULL, "blah");
	g_autoptr(StasTid) blah6 = cand("tcp", T6, "8009", "hello", NULL, "blah");
	g_autoptr(StasTid) eth0_4 = cand("tcp", T4, "8009", "hello", NULL, "eth0");
	g_autoptr(StasTid) eth0_6 = cand("tcp", T6, "8009", "hello", NULL, "eth0");
	g_autoptr(StasTid) eth1_4 = cand("tcp", T4, "8009", "hello", NULL, "eth1");

	EXPECT(FALSE, other4, &c4);
	EXPECT(FALSE, other6, &c6);
	EXPECT(FALSE, blah4, &c4);
	EXPECT(FALSE, blah6, &c6);
	/* the interface that owns host-traddr */
	EXPECT(TRUE, eth0_4, &c4);
	EXPECT(TRUE, eth0_6, &c6);
	EXPECT(FALSE, eth1_4, &c4);
}

static void
test_legacy_iface_only_compares_the_primary_address(void **state)
{
	CtrlSpec c4 = {"tcp", T4, "8009", "hello", "", "eth0", "", ""};
	CtrlSpec c6 = {"tcp", T6, "8009", "hello", "", "eth0", "", ""};
	g_autoptr(StasTid) both = cand("tcp", T4, "8009", "hello", "1.1.1.1", "blah");
	g_autoptr(StasTid) both6 = cand("tcp", T6, "8009", "hello", "AAA::BBBB", "blah");
	g_autoptr(StasTid) other = cand("tcp", T4, "8009", "hello", "1.1.1.1", NULL);
	g_autoptr(StasTid) other6 = cand("tcp", T6, "8009", "hello", "AAA::BBB", NULL);
	g_autoptr(StasTid) primary = cand("tcp", T4, "8009", "hello", "192.168.1.10", NULL);
	g_autoptr(StasTid) secondary = cand("tcp", T4, "8009", "hello", "192.168.1.11", NULL);
	g_autoptr(StasTid) primary6 = cand("tcp", T6, "8009", "hello", "2001:DB8::10", NULL);
	g_autoptr(StasTid) secondary6 = cand("tcp", T6, "8009", "hello", "fe80::10", NULL);
	g_autoptr(StasTid) mapped = cand("tcp", T4, "8009", "hello", "::ffff:192.168.1.10", NULL);

	EXPECT(FALSE, both, &c4);
	EXPECT(FALSE, both6, &c6);
	EXPECT(FALSE, other, &c4);
	EXPECT(FALSE, other6, &c6);
	EXPECT(TRUE, primary, &c4);
	EXPECT(FALSE, secondary, &c4);
	EXPECT(TRUE, primary6, &c6);
	EXPECT(FALSE, secondary6, &c6);
	EXPECT(TRUE, mapped, &c4);
}

static void
test_legacy_iface_without_address_of_that_family_is_skipped(void **state)
{
	/* eth1 has no IPv6 address, "ghost" none at all: nothing to compare with */
	CtrlSpec c_eth1 = {"tcp", T6, "8009", "hello", "", "eth1", "", ""};
	CtrlSpec c_ghost = {"tcp", T4, "8009", "hello", "", "ghost", "", ""};
	g_autoptr(StasTid) t6 = cand("tcp", T6, "8009", "hello", "2001:db8::99", NULL);
	g_autoptr(StasTid) t4 = cand("tcp", T4, "8009", "hello", "1.1.1.1", NULL);

	EXPECT(TRUE, t6, &c_eth1);
	EXPECT(TRUE, t4, &c_ghost);
}

static void
test_legacy_garbage_host_traddr_counts_as_unknown(void **state)
{
	/* the kernel's host-traddr does not parse: fall back on host-iface */
	CtrlSpec c = {"tcp", T4, "8009", "hello", "not-an-ip", "eth0", "", ""};
	g_autoptr(StasTid) primary = cand("tcp", T4, "8009", "hello", "192.168.1.10", NULL);
	g_autoptr(StasTid) bad = cand("tcp", T4, "8009", "hello", "not-an-ip", NULL);

	EXPECT(TRUE, primary, &c);
	EXPECT(FALSE, bad, &c);
}

/* ---- other transports ---------------------------------------------------- */

static void
test_fc_compares_host_traddr_case_insensitively(void **state)
{
	CtrlSpec c = {"fc", "ABC", "none", "hello", "AAA::BBBB", "none", "", ""};
	CtrlSpec wwn = {"fc",
			"nn-0x20000090fa942779:pn-0x10000090fa942779",
			"",
			"hello",
			"nn-0x200000109b5c1a3b:pn-0x100000109b5c1a3b",
			"",
			"",
			""};
	g_autoptr(StasTid) same = cand("fc", "ABC", "", "hello", "AAA::BBBB", NULL);
	g_autoptr(StasTid) lower = cand("fc", "abc", "", "hello", "aaa::bbbb", NULL);
	g_autoptr(StasTid) other = cand("fc", "ABC", "", "hello", "BBBB::AAA", NULL);
	g_autoptr(StasTid) none = cand("fc", "ABC", "", "hello", NULL, NULL);
	g_autoptr(StasTid) upper =
		cand("fc", "NN-0X20000090FA942779:PN-0X10000090FA942779", NULL, "hello",
		     "NN-0x200000109B5C1A3B:PN-0x100000109B5C1A3B", NULL);
	g_autoptr(StasTid) other_port =
		cand("fc", "nn-0x20000090fa942779:pn-0x10000090fa942780", NULL, "hello",
		     "nn-0x200000109b5c1a3b:pn-0x100000109b5c1a3b", NULL);

	EXPECT(TRUE, same, &c);
	EXPECT(TRUE, lower, &c);
	EXPECT(FALSE, other, &c);
	EXPECT(FALSE, none, &c);
	EXPECT(TRUE, upper, &wwn);
	EXPECT(FALSE, other_port, &wwn);
}

static void
test_rdma_compares_host_traddr_as_addresses(void **state)
{
	CtrlSpec c = {"rdma", "2.3.4.5", "4444", "hello", "5.4.3.2", "", "", ""};
	CtrlSpec c6 = {"rdma", "2001:db8::1", "4420", "hello", "2001:db8::2", "", "", ""};
	g_autoptr(StasTid) same = cand("rdma", "2.3.4.5", "4444", "hello", "5.4.3.2", NULL);
	g_autoptr(StasTid) other = cand("rdma", "2.3.4.5", "4444", "hello", "5.5.6.6", NULL);
	g_autoptr(StasTid) none = cand("rdma", "2.3.4.5", "4444", "hello", NULL, NULL);
	g_autoptr(StasTid) spelled =
		cand("rdma", "2001:DB8:0::1", NULL, "hello", "2001:0db8::0002", NULL);

	EXPECT(TRUE, same, &c);
	EXPECT(FALSE, other, &c);
	EXPECT(TRUE, none, &c);
	/* no trsvcid on the candidate: rdma defaults to 4420 */
	EXPECT(TRUE, spelled, &c6);
}

static void
test_loop_needs_only_the_target(void **state)
{
	CtrlSpec c = {"loop", "none", "none", "nqn.test:loop", "none", "none", "", ""};
	g_autoptr(StasTid) same = cand("loop", NULL, NULL, "nqn.test:loop", NULL, NULL);
	g_autoptr(StasTid) other = cand("loop", NULL, NULL, "nqn.test:other", NULL, NULL);

	EXPECT(TRUE, same, &c);
	EXPECT(FALSE, other, &c);
}

static void
test_pcie_never_matches(void **state)
{
	CtrlSpec c = {"pcie", "0000:01:00.0", NULL, "nqn.test:pcie", NULL, NULL, NULL, ""};
	CtrlSpec c_empty = {"", "", "", "hello", "", "", "", ""};
	g_autoptr(StasTid) pcie = cand("pcie", "0000:01:00.0", NULL, "nqn.test:pcie", NULL, NULL);
	g_autoptr(StasTid) tcp = cand("tcp", "0000:01:00.0", NULL, "nqn.test:pcie", NULL, NULL);
	g_autoptr(StasTid) empty = cand("", "", "", "hello", NULL, NULL);

	EXPECT(FALSE, pcie, &c);
	EXPECT(FALSE, tcp, &c);
	EXPECT(FALSE, empty, &c_empty);
}

/* ---- identity parts ------------------------------------------------------ */

static void
test_ipv6_textual_variants_are_one_address(void **state)
{
	CtrlSpec c = {"tcp", "fe80::aaaa:bbbb:cccc:dddd", "8009", "hello", "",
		      "",    "2001:0db8:0000::0010",	  ""};
	g_autoptr(StasTid) t = cand("tcp", "FE80:0000:0000:0000:AAAA:bbbb:CCCC:dddd", "8009",
				    "hello", "2001:DB8::10", "eth0");

	EXPECT(TRUE, t, &c);
}

static void
test_ipv4_mapped_addresses_equal_their_ipv4_form(void **state)
{
	CtrlSpec c = {"tcp", "::ffff:1.2.3.4", "4420", "hello", "", "", "::ffff:192.168.1.10", ""};
	CtrlSpec c_v4 = {"tcp", T4, "4420", "hello", "", "", "192.168.1.10", ""};
	g_autoptr(StasTid) t = cand("tcp", T4, "4420", "hello", "192.168.1.10", "eth0");
	g_autoptr(StasTid) t_mapped =
		cand("tcp", "::FFFF:1.2.3.4", "4420", "hello", "::ffff:c0a8:10a", "eth0");

	EXPECT(TRUE, t, &c);
	EXPECT(TRUE, t_mapped, &c_v4);
}

static void
test_well_known_discovery_nqn_matches_a_unique_nqn(void **state)
{
	/* TP8013: reached through the well-known NQN, the DC reports its own */
	CtrlSpec unique = {"tcp", T4, "8009", UNIQUE, "", "", "192.168.1.10", ""};
	CtrlSpec wk = {"tcp", T4, "8009", WKDN, "", "", "192.168.1.10", ""};
	g_autoptr(StasTid) t_wk = cand("tcp", T4, "8009", WKDN, NULL, NULL);
	g_autoptr(StasTid) t_unique = cand("tcp", T4, "8009", UNIQUE, NULL, NULL);
	g_autoptr(StasTid) t_other = cand("tcp", T4, "8009", UNIQUE "x", NULL, NULL);

	EXPECT(TRUE, t_wk, &unique);
	EXPECT(TRUE, t_unique, &unique);
	EXPECT(FALSE, t_other, &unique);
	EXPECT(TRUE, t_wk, &wk);
	/* a unique NQN asked for is not the well-known one found */
	EXPECT(FALSE, t_unique, &wk);
}

static void
test_host_nqn_must_be_identical(void **state)
{
	CtrlSpec c = {"tcp", T4, "8009", "hello", "", "", "192.168.1.10", HOSTA};
	StasTidDefaults d = {.kind = STAS_TID_KIND_DC};
	g_autoptr(StasTid) same = stas_tid_new("tcp", T4, "8009", "hello", NULL, NULL, HOSTA, &d);
	g_autoptr(StasTid) other = stas_tid_new("tcp", T4, "8009", "hello", NULL, NULL, HOSTB, &d);
	g_autoptr(StasTid) empty = stas_tid_new("tcp", T4, "8009", "hello", NULL, NULL, "", &d);

	EXPECT(TRUE, same, &c);
	EXPECT(FALSE, other, &c);
	EXPECT(FALSE, empty, &c);
}

static void
test_trsvcid_is_compared_after_defaulting(void **state)
{
	StasTidDefaults ioc = {.kind = STAS_TID_KIND_IOC};
	CtrlSpec dc = {"tcp", T4, "8009", "hello", "", "", "", ""};
	CtrlSpec io = {"tcp", T4, "4420", "hello", "", "", "", ""};
	g_autoptr(StasTid) t_dc = cand("tcp", T4, NULL, "hello", NULL, NULL);
	g_autoptr(StasTid) t_io = stas_tid_new("tcp", T4, NULL, "hello", NULL, NULL, "", &ioc);

	EXPECT(TRUE, t_dc, &dc);
	EXPECT(FALSE, t_dc, &io);
	EXPECT(TRUE, t_io, &io);
}

static void
test_why_names_the_deciding_rule(void **state)
{
	CtrlSpec c = {"tcp", T4, "8009", "hello", "", "", "192.168.1.10", ""};
	g_autoptr(StasIfaceTable) ifaces = make_ifaces();
	g_autoptr(StasExistingCtrl) ctrl = ctrl_from(&c);
	g_autoptr(StasTid) port = cand("tcp", T4, "8010", "hello", NULL, NULL);
	g_autoptr(StasTid) iface = cand("tcp", T4, "8009", "hello", NULL, "eth1");
	const char *why = NULL;

	assert_false(stas_match_tid(port, ctrl, ifaces, &why));
	assert_string_equal(why, "trsvcid differs");
	assert_false(stas_match_tid(iface, ctrl, ifaces, &why));
	assert_string_equal(why, "src-addr is not on host-iface");
}

/* ---- building the existing controller ------------------------------------ */

static GHashTable *
str_map(const char *const *kv)
{
	GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (; kv[0]; kv += 2)
		g_hash_table_insert(map, g_strdup(kv[0]), g_strdup(kv[1]));
	return map;
}

static void
test_none_and_missing_values_read_as_empty(void **state)
{
	const char *const props_kv[] = {"NVME_TRTYPE",
					"tcp",
					"NVME_TRADDR",
					"10.10.1.100",
					"NVME_TRSVCID",
					"4420",
					"NVME_HOST_TRADDR",
					"none",
					"NVME_HOST_IFACE",
					"NONE",
					NULL};
	const char *const attrs_kv[] = {"subsysnqn", "nqn.test:io\n",
					"hostnqn",   "None\n",
					"address",   "traddr=10.10.1.100,src_addr=none\n",
					NULL};
	g_autoptr(GHashTable) props = str_map(props_kv);
	g_autoptr(GHashTable) attrs = str_map(attrs_kv);
	g_autoptr(StasExistingCtrl) c = stas_existing_ctrl_new(props, attrs, TRUE);
	g_autoptr(StasExistingCtrl) bare = stas_existing_ctrl_new(NULL, NULL, FALSE);

	assert_string_equal(c->transport, "tcp");
	assert_string_equal(c->traddr, "10.10.1.100");
	assert_string_equal(c->trsvcid, "4420");
	assert_string_equal(c->host_traddr, "");
	assert_string_equal(c->host_iface, "");
	assert_string_equal(c->subsysnqn, "nqn.test:io");
	assert_string_equal(c->host_nqn, "");
	assert_string_equal(c->src_addr, "");
	assert_string_equal(c->cntrltype, "");
	assert_true(c->has_children);

	assert_string_equal(bare->transport, "");
	assert_string_equal(bare->traddr, "");
	assert_string_equal(bare->subsysnqn, "");
	assert_string_equal(bare->src_addr, "");
	assert_string_equal(bare->host_nqn, "");
	assert_false(bare->has_children);
}

static void
test_src_addr_comes_from_the_address_attribute(void **state)
{
	const char *const attrs_kv[] = {
		"address",
		"traddr=10.10.1.100,trsvcid=4420,host_traddr=10.10.1.50,src_addr=10.10.1.51\n",
		NULL,
	};
	const char *const old_kv[] = {"address", "traddr=10.10.1.100,trsvcid=4420\n", NULL};
	g_autoptr(GHashTable) attrs = str_map(attrs_kv);
	g_autoptr(GHashTable) old_attrs = str_map(old_kv);
	g_autoptr(StasExistingCtrl) c = stas_existing_ctrl_new(NULL, attrs, FALSE);
	g_autoptr(StasExistingCtrl) old = stas_existing_ctrl_new(NULL, old_attrs, FALSE);

	assert_string_equal(c->src_addr, "10.10.1.51");
	/* host-traddr comes from the uevent, not from the address attribute */
	assert_string_equal(c->host_traddr, "");
	assert_string_equal(old->src_addr, "");
}

static void
test_address_attribute_parses_the_kernel_format(void **state)
{
	g_autoptr(GHashTable) a = stas_match_parse_address_attr(
		"traddr=10.10.1.100,trsvcid=4420,host_traddr=10.10.1.50,src_addr=10.10.1.50\n");
	g_autoptr(GHashTable) v6 = stas_match_parse_address_attr(
		"traddr=fd00::1,trsvcid=8009,host_iface=eth0,src_addr=fd00::2");

	assert_int_equal(g_hash_table_size(a), 4);
	assert_string_equal(g_hash_table_lookup(a, "traddr"), "10.10.1.100");
	assert_string_equal(g_hash_table_lookup(a, "trsvcid"), "4420");
	assert_string_equal(g_hash_table_lookup(a, "host_traddr"), "10.10.1.50");
	assert_string_equal(g_hash_table_lookup(a, "src_addr"), "10.10.1.50");
	assert_string_equal(g_hash_table_lookup(v6, "traddr"), "fd00::1");
	assert_string_equal(g_hash_table_lookup(v6, "host_iface"), "eth0");
	assert_string_equal(g_hash_table_lookup(v6, "src_addr"), "fd00::2");
}

static void
test_address_attribute_keys_are_whole_tokens(void **state)
{
	/* a key that merely ends in "src_addr" is another key */
	g_autoptr(GHashTable) a =
		stas_match_parse_address_attr("host_src_addr=1.1.1.1,src_addr=2.2.2.2,x=a=b");
	g_autoptr(GHashTable) rep =
		stas_match_parse_address_attr("src_addr=3.3.3.3,src_addr=4.4.4.4");

	assert_string_equal(g_hash_table_lookup(a, "src_addr"), "2.2.2.2");
	assert_string_equal(g_hash_table_lookup(a, "host_src_addr"), "1.1.1.1");
	assert_string_equal(g_hash_table_lookup(a, "x"), "a=b");
	assert_string_equal(g_hash_table_lookup(rep, "src_addr"), "3.3.3.3");
}

static void
test_address_attribute_tolerates_garbage(void **state)
{
	static const char *const junk[] = {
		"",	   "\n",       ",,,",	   "=",
		"=x,=y",   "noequals", "src_addr", "\x01\xff\x7f,\xfe=\x80",
		"   \t\n",
	};
	g_autoptr(GHashTable) null = stas_match_parse_address_attr(NULL);
	g_autoptr(GHashTable) mixed =
		stas_match_parse_address_attr("garbage,,=x,src_addr=10.0.0.1,,tail\n\n");

	assert_int_equal(g_hash_table_size(null), 0);
	for (gsize i = 0; i < G_N_ELEMENTS(junk); i++) {
		g_autoptr(GHashTable) m = stas_match_parse_address_attr(junk[i]);

		assert_null(g_hash_table_lookup(m, "src_addr"));
	}
	assert_int_equal(g_hash_table_size(mixed), 1);
	assert_string_equal(g_hash_table_lookup(mixed, "src_addr"), "10.0.0.1");
}

/* ---- classification (Q26) ------------------------------------------------ */

static void
classify(const char *cntrltype, const char *subsysnqn, gboolean children, gboolean want_dc,
	 gboolean want_ioc)
{
	CtrlSpec s = {"tcp", T4, "4420", subsysnqn, "", "", "", "", cntrltype, children};
	g_autoptr(StasExistingCtrl) c = ctrl_from(&s);

	if (stas_existing_ctrl_is_dc(c) != want_dc || stas_existing_ctrl_is_ioc(c) != want_ioc) {
		print_error("cntrltype=%s subsysnqn=%s children=%d: expected dc=%d ioc=%d\n",
			    cntrltype, subsysnqn, children, want_dc, want_ioc);
		fail();
	}
}

static void
test_cntrltype_decides_when_the_kernel_reports_it(void **state)
{
	classify("io", UNIQUE, TRUE, FALSE, TRUE);
	/* an I/O controller without namespaces is not a DC (Q26) */
	classify("io", UNIQUE, FALSE, FALSE, TRUE);
	/* a DC with namespaces is not an IOC */
	classify("discovery", UNIQUE, TRUE, TRUE, FALSE);
	classify("discovery", UNIQUE, FALSE, TRUE, FALSE);
	classify("discovery", WKDN, FALSE, TRUE, FALSE);
	classify("io", WKDN, TRUE, FALSE, TRUE);
	classify("admin", UNIQUE, FALSE, FALSE, FALSE);
	/* sysfs ends the value with a newline */
	classify("io\n", UNIQUE, FALSE, FALSE, TRUE);
}

static void
test_without_cntrltype_the_well_known_nqn_then_children_decide(void **state)
{
	classify(NULL, WKDN, TRUE, TRUE, FALSE);
	classify(NULL, WKDN, FALSE, TRUE, FALSE);
	classify(NULL, UNIQUE, TRUE, FALSE, TRUE);
	classify(NULL, UNIQUE, FALSE, TRUE, FALSE);
	classify(NULL, NULL, FALSE, TRUE, FALSE);
	/* "none" and "reserved" (a pre-1.4 controller) state no type */
	classify("none", UNIQUE, TRUE, FALSE, TRUE);
	classify("reserved", UNIQUE, FALSE, TRUE, FALSE);
	classify("reserved", UNIQUE, TRUE, FALSE, TRUE);
	classify("reserved", WKDN, TRUE, TRUE, FALSE);
}

/* ---- audit TIDs ---------------------------------------------------------- */

static void
test_audit_tid_takes_host_iface_from_src_addr(void **state)
{
	CtrlSpec s = {"tcp", "10.10.1.100",  "4420", "nqn.test:io", "",
		      "",    "192.168.1.11", HOSTA,  "io",	    TRUE};
	g_autoptr(StasIfaceTable) ifaces = make_ifaces();
	g_autoptr(StasExistingCtrl) c = ctrl_from(&s);
	g_autoptr(StasTid) t = stas_existing_ctrl_to_tid(c, ifaces, FALSE);

	assert_string_equal(t->transport, "tcp");
	assert_string_equal(t->traddr, "10.10.1.100");
	assert_string_equal(t->trsvcid, "4420");
	assert_string_equal(t->subsysnqn, "nqn.test:io");
	assert_string_equal(t->host_traddr, "");
	assert_string_equal(t->host_iface, "eth0");
	assert_string_equal(t->host_nqn, HOSTA);
	assert_string_equal(stas_tid_get_cfg(t, "src-addr"), "192.168.1.11");
	assert_string_equal(stas_tid_to_string(t), "(tcp, 10.10.1.100, 4420, nqn.test:io, eth0)");
	/* the adopted TID is served by the controller it came from */
	assert_true(stas_match_tid(t, c, ifaces, NULL));
}

static void
test_audit_tid_keeps_a_reported_host_iface(void **state)
{
	CtrlSpec s = {"tcp",  "10.10.1.100",  "4420", "nqn.test:io", "10.0.0.5",
		      "eth1", "192.168.1.10", "",     "io",	     TRUE};
	g_autoptr(StasIfaceTable) ifaces = make_ifaces();
	g_autoptr(StasExistingCtrl) c = ctrl_from(&s);
	g_autoptr(StasTid) t = stas_existing_ctrl_to_tid(c, ifaces, FALSE);
	g_autoptr(StasTid) ignored = stas_existing_ctrl_to_tid(c, ifaces, TRUE);

	assert_string_equal(t->host_iface, "eth1");
	assert_string_equal(t->host_traddr, "10.0.0.5");
	assert_string_equal(ignored->host_iface, "");
}

static void
test_audit_tid_without_a_known_source_has_no_host_iface(void **state)
{
	CtrlSpec unknown = {"tcp", "10.10.1.100", "4420", "nqn.test:io", "",
			    "",	   "172.16.0.1",  "",	  "io",		 TRUE};
	CtrlSpec legacy = {"tcp", "10.10.1.100", "4420", "nqn.test:io", "", "", "", "", "io", TRUE};
	CtrlSpec rdma = {"rdma", "10.10.1.100",	 "4420", "nqn.test:io", "",
			 "",	 "192.168.1.10", "",	 "io",		TRUE};
	g_autoptr(StasIfaceTable) ifaces = make_ifaces();
	g_autoptr(StasExistingCtrl) c_unknown = ctrl_from(&unknown);
	g_autoptr(StasExistingCtrl) c_legacy = ctrl_from(&legacy);
	g_autoptr(StasExistingCtrl) c_rdma = ctrl_from(&rdma);
	g_autoptr(StasTid) t_unknown = stas_existing_ctrl_to_tid(c_unknown, ifaces, FALSE);
	g_autoptr(StasTid) t_legacy = stas_existing_ctrl_to_tid(c_legacy, ifaces, FALSE);
	g_autoptr(StasTid) t_rdma = stas_existing_ctrl_to_tid(c_rdma, ifaces, FALSE);

	assert_string_equal(t_unknown->host_iface, "");
	assert_string_equal(t_legacy->host_iface, "");
	/* src-addr names an interface for tcp only */
	assert_string_equal(t_rdma->host_iface, "");
	/* src-addr is carried even when the kernel has none, as upstream does */
	assert_string_equal(stas_tid_get_cfg(t_legacy, "src-addr"), "");
	assert_string_equal(stas_tid_get_cfg(t_rdma, "src-addr"), "192.168.1.10");
}

static void
test_audit_tid_host_nqn_is_the_sysfs_one_even_if_empty(void **state)
{
	CtrlSpec s = {"tcp", "10.10.1.100", "4420", "nqn.test:io", "", "", "", NULL, "io", TRUE};
	g_autoptr(StasExistingCtrl) c = ctrl_from(&s);
	g_autoptr(StasTid) t = stas_existing_ctrl_to_tid(c, NULL, FALSE);
	g_autoptr(GHashTable) map = stas_tid_to_map(t, FALSE);

	assert_string_equal(t->host_nqn, "");
	assert_string_equal(g_hash_table_lookup(map, "host-nqn"), "");
	assert_string_equal(g_hash_table_lookup(map, "src-addr"), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_table_ipv4_with_src_addr),
		cmocka_unit_test(test_vector_table_ipv4_legacy_kernel),
		cmocka_unit_test(test_vector_table_ipv6_with_src_addr),
		cmocka_unit_test(test_vector_table_ipv6_legacy_kernel),
		cmocka_unit_test(test_src_addr_names_the_interface_of_an_unbound_connection),
		cmocka_unit_test(test_src_addr_outranks_the_reported_host_binding),
		cmocka_unit_test(test_src_addr_not_in_the_interface_table_never_matches_an_iface),
		cmocka_unit_test(test_legacy_no_host_info_assumes_match),
		cmocka_unit_test(test_legacy_iface_only_accepts_a_bare_candidate),
		cmocka_unit_test(test_legacy_host_traddr_only),
		cmocka_unit_test(test_legacy_iface_only_compares_the_primary_address),
		cmocka_unit_test(test_legacy_iface_without_address_of_that_family_is_skipped),
		cmocka_unit_test(test_legacy_garbage_host_traddr_counts_as_unknown),
		cmocka_unit_test(test_fc_compares_host_traddr_case_insensitively),
		cmocka_unit_test(test_rdma_compares_host_traddr_as_addresses),
		cmocka_unit_test(test_loop_needs_only_the_target),
		cmocka_unit_test(test_pcie_never_matches),
		cmocka_unit_test(test_ipv6_textual_variants_are_one_address),
		cmocka_unit_test(test_ipv4_mapped_addresses_equal_their_ipv4_form),
		cmocka_unit_test(test_well_known_discovery_nqn_matches_a_unique_nqn),
		cmocka_unit_test(test_host_nqn_must_be_identical),
		cmocka_unit_test(test_trsvcid_is_compared_after_defaulting),
		cmocka_unit_test(test_why_names_the_deciding_rule),
		cmocka_unit_test(test_none_and_missing_values_read_as_empty),
		cmocka_unit_test(test_src_addr_comes_from_the_address_attribute),
		cmocka_unit_test(test_address_attribute_parses_the_kernel_format),
		cmocka_unit_test(test_address_attribute_keys_are_whole_tokens),
		cmocka_unit_test(test_address_attribute_tolerates_garbage),
		cmocka_unit_test(test_cntrltype_decides_when_the_kernel_reports_it),
		cmocka_unit_test(test_without_cntrltype_the_well_known_nqn_then_children_decide),
		cmocka_unit_test(test_audit_tid_takes_host_iface_from_src_addr),
		cmocka_unit_test(test_audit_tid_keeps_a_reported_host_iface),
		cmocka_unit_test(test_audit_tid_without_a_known_source_has_no_host_iface),
		cmocka_unit_test(test_audit_tid_host_nqn_is_the_sysfs_one_even_if_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
