/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stacd-reconcile: stafd's get_all_log_pages(true) answer as stacd reads it
 * (REFERENCE 3.3, 3.6, 5.2, 5.9.1; SPEC section 5) and the removal decision
 * (REFERENCE 5.9.2 with SPEC B2, B7, Q21).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "stacd-reconcile.h"

#include "stas/stas-error.h"

#define HOST_NQN "nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5"
#define DC_NQN	 "nqn.2014-08.org.nvmexpress:uuid:dc-host"
#define IO_NQN	 "nqn.2014-08.com.example:io"

/* stafd's detailed DC dictionary (the keys stacd reads, and some it does not) */
#define DC(host_traddr, host_iface, host_nqn)                                                      \
	"{\"transport\": \"tcp\", \"traddr\": \"192.168.1.10\", \"trsvcid\": \"8009\", "           \
	"\"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", \"host-traddr\": \"" host_traddr \
	"\", \"host-iface\": \"" host_iface "\", \"host-nqn\": \"" host_nqn "\", "                 \
	"\"device\": \"nvme0\", \"connect attempts\": \"0\", \"origin\": \"configured\"}"

/* one DLPE in stafd's dictionary form (REFERENCE 3.6) */
#define ENTRY(subtype, traddr, trsvcid, subnqn, eflags)                                            \
	"{\"trtype\": \"tcp\", \"adrfam\": \"ipv4\", \"traddr\": \"" traddr "\", "                 \
	"\"trsvcid\": \"" trsvcid "\", \"subnqn\": \"" subnqn "\", \"subtype\": \"" subtype "\", " \
	"\"treq\": \"not specified\", \"portid\": \"1\", \"cntlid\": \"65535\", "                  \
	"\"asqsz\": \"32\", \"eflags\": \"" eflags "\", \"tsas\": \"{'sectype': 'none'}\"}"

#define ITEM(dc, entries) "{\"discovery-controller\": " dc ", \"log-pages\": [" entries "]}"

static const StasTidDefaults defaults = {.kind = STAS_TID_KIND_DC, .host_nqn = HOST_NQN};

static StacdLogPages *
parse_ok(const char *json, const StasTidDefaults *d)
{
	g_autoptr(GError) error = NULL;
	StacdLogPages *pages = stacd_log_pages_parse(json, strlen(json), d, &error);

	if (error)
		fail_msg("unexpected error: %s", error->message);
	assert_non_null(pages);
	return pages;
}

static void
parse_fails(const char *json, gsize len, const char *message_part)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StacdLogPages) pages = stacd_log_pages_parse(json, len, &defaults, &error);

	assert_null(pages);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	if (strstr(error->message, message_part) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", error->message, message_part);
}

/* the entry stored for the TID tcp/traddr/4420/nqn with the given host fields */
static GHashTable *
find(StacdLogPages *pages, const char *traddr, const char *trsvcid, const char *nqn,
     const char *host_traddr, const char *host_iface, const char *host_nqn)
{
	StasTidDefaults d = {.kind = STAS_TID_KIND_IOC, .host_nqn = HOST_NQN};
	g_autoptr(StasTid) tid =
		stas_tid_new("tcp", traddr, trsvcid, nqn, host_traddr, host_iface, host_nqn, &d);

	return g_hash_table_lookup(pages->entries, tid);
}

static gboolean
diag_contains(StacdLogPages *pages, const char *part)
{
	for (guint i = 0; i < pages->diagnostics->len; i++)
		if (strstr(pages->diagnostics->pdata[i], part))
			return TRUE;
	return FALSE;
}

/* ---- stafd's answer ---------------------------------------------------- */

static void
test_nvme_entries_become_iocs_with_the_dc_host_fields(void **state)
{
	const char *json = "[" ITEM(
		DC("192.168.1.5", "eth0", DC_NQN),
		ENTRY("nvme", "192.168.1.30", "4420", IO_NQN "1", "0") ", " ENTRY(
			"nvme", "192.168.1.31", "4421", IO_NQN "2",
			"4") ", " ENTRY("referral", "192.168.1.40", "8009",
					"nqn.2014-08.org.nvmexpress.discovery",
					"0") ", " ENTRY("discovery", "192.168.1.10", "8009",
							"nqn.2014-08.org.nvmexpress.discovery",
							"0")) "]";
	g_autoptr(StacdLogPages) pages = parse_ok(json, &defaults);
	GHashTable *e;

	assert_int_equal(pages->n_dcs, 1);
	assert_int_equal(g_hash_table_size(pages->entries), 2); /* referral, discovery left out */
	assert_int_equal(pages->diagnostics->len, 0);
	e = find(pages, "192.168.1.30", "4420", IO_NQN "1", "192.168.1.5", "eth0", DC_NQN);
	assert_non_null(e);
	assert_string_equal(g_hash_table_lookup(e, "eflags"), "0");
	e = find(pages, "192.168.1.31", "4421", IO_NQN "2", "192.168.1.5", "eth0", DC_NQN);
	assert_non_null(e);
	/* the entry is kept as stafd sent it, every key */
	assert_int_equal(g_hash_table_size(e), 12);
	assert_string_equal(g_hash_table_lookup(e, "eflags"), "4");
	assert_string_equal(g_hash_table_lookup(e, "tsas"), "{'sectype': 'none'}");
	assert_string_equal(g_hash_table_lookup(e, "treq"), "not specified");
}

static void
test_dc_without_host_nqn_leaves_the_sysconf_one(void **state)
{
	const char *json =
		"[" ITEM(DC("", "", ""), ENTRY("nvme", "192.168.1.30", "4420", IO_NQN, "0")) "]";
	g_autoptr(StacdLogPages) pages = parse_ok(json, &defaults);

	assert_non_null(find(pages, "192.168.1.30", "4420", IO_NQN, "", "", HOST_NQN));
}

static void
test_ignore_iface_blanks_the_dc_host_iface(void **state)
{
	const char *json = "[" ITEM(DC("", "eth0", ""),
				    ENTRY("nvme", "192.168.1.30", "4420", IO_NQN, "0")) "]";
	StasTidDefaults d = {.kind = STAS_TID_KIND_DC, .host_nqn = HOST_NQN, .ignore_iface = TRUE};
	g_autoptr(StacdLogPages) pages = parse_ok(json, &d);

	assert_non_null(find(pages, "192.168.1.30", "4420", IO_NQN, "", "", HOST_NQN));
	assert_null(find(pages, "192.168.1.30", "4420", IO_NQN, "", "eth0", HOST_NQN));
}

static void
test_empty_trsvcid_of_a_tcp_ioc_is_4420(void **state)
{
	const char *json =
		"[" ITEM(DC("", "", ""), ENTRY("nvme", "192.168.1.30", "", IO_NQN, "0")) "]";
	g_autoptr(StacdLogPages) pages = parse_ok(json, &defaults);

	assert_non_null(find(pages, "192.168.1.30", "4420", IO_NQN, "", "", HOST_NQN));
}

static void
test_the_same_ioc_from_two_dcs_collapses_last_wins(void **state)
{
	const char *json =
		"[" ITEM(DC("", "", ""), ENTRY("nvme", "192.168.1.30", "4420", IO_NQN,
					       "4")) ", " ITEM(DC("", "", ""),
							       ENTRY("nvme", "192.168.1.30", "4420",
								     IO_NQN, "0")) "]";
	g_autoptr(StacdLogPages) pages = parse_ok(json, &defaults);
	GHashTable *e;

	assert_int_equal(pages->n_dcs, 2);
	assert_int_equal(g_hash_table_size(pages->entries), 1);
	e = find(pages, "192.168.1.30", "4420", IO_NQN, "", "", HOST_NQN);
	assert_string_equal(g_hash_table_lookup(e, "eflags"), "0");
}

static void
test_the_same_ioc_via_two_host_interfaces_is_two_iocs(void **state)
{
	const char *json =
		"[" ITEM(DC("", "eth0", ""), ENTRY("nvme", "192.168.1.30", "4420", IO_NQN,
						   "0")) ", " ITEM(DC("", "eth1", ""),
								   ENTRY("nvme", "192.168.1.30",
									 "4420", IO_NQN, "0")) "]";
	g_autoptr(StacdLogPages) pages = parse_ok(json, &defaults);

	assert_int_equal(g_hash_table_size(pages->entries), 2);
}

static void
test_an_empty_answer_is_an_empty_set(void **state)
{
	g_autoptr(StacdLogPages) pages = parse_ok("[]", &defaults);
	g_autoptr(StacdLogPages) empty_dc = parse_ok("[" ITEM(DC("", "", ""), "") "]", &defaults);

	assert_int_equal(pages->n_dcs, 0);
	assert_int_equal(g_hash_table_size(pages->entries), 0);
	assert_int_equal(empty_dc->n_dcs, 1);
	assert_int_equal(g_hash_table_size(empty_dc->entries), 0);
}

/* SPEC section 5: nothing unchecked reaches the kernel */
static void
test_a_traddr_with_smuggled_options_is_dropped(void **state)
{
	const char *json =
		"[" ITEM(DC("", "", ""),
			 ENTRY("nvme", "1.2.3.4,hostnqn=x", "4420", IO_NQN "1", "0") ", " ENTRY(
				 "nvme", "192.168.1.31", "4420", IO_NQN "2", "0")) "]";
	g_autoptr(StacdLogPages) pages = parse_ok(json, &defaults);

	assert_int_equal(g_hash_table_size(pages->entries), 1);
	assert_non_null(find(pages, "192.168.1.31", "4420", IO_NQN "2", "", "", HOST_NQN));
	assert_int_equal(pages->diagnostics->len, 1);
	/* the diagnostic names the source, the DC, the entry and the field */
	assert_true(diag_contains(pages, "stafd log pages: DC (tcp, 192.168.1.10, 8009, "));
	assert_true(diag_contains(pages, "entry 0: "));
	assert_true(diag_contains(pages, "traddr"));
}

static void
test_bad_fields_of_an_entry_drop_it(void **state)
{
	const char *json =
		"[" ITEM(DC("", "", ""),
			 ENTRY("nvme", "192.168.1.30", "4420", "not-an-nqn", "0") ", " ENTRY(
				 "nvme", "192.168.1.31", "99999", IO_NQN,
				 "0") ", " ENTRY("nvme", "host.example.com", "4420", IO_NQN,
						 "0") ", " ENTRY("nvme", "192.168.1.32", "4420",
								 IO_NQN "\\u0007", "0")) "]";
	g_autoptr(StacdLogPages) pages = parse_ok(json, &defaults);

	assert_int_equal(g_hash_table_size(pages->entries), 0);
	assert_int_equal(pages->diagnostics->len, 4);
	assert_true(diag_contains(pages, "entry 3: "));
}

static void
test_bad_dc_host_fields_drop_its_entries(void **state)
{
	const char *json = "[" ITEM(
		DC("1.2.3.4,x=y", "", ""),
		ENTRY("nvme", "192.168.1.30", "4420", IO_NQN,
		      "0")) ", " ITEM(DC("", "eth0,nr_io_queues=1", ""),
				      ENTRY("nvme", "192.168.1.31", "4420", IO_NQN, "0")) "]";
	g_autoptr(StacdLogPages) pages = parse_ok(json, &defaults);

	assert_int_equal(g_hash_table_size(pages->entries), 0);
	assert_int_equal(pages->diagnostics->len, 2);
}

static void
test_unknown_transports_are_dropped(void **state)
{
	const char *json = "[" ITEM(
		DC("", "", ""),
		"{\"trtype\": \"pcie\", \"traddr\": \"0000:01:00.0\", \"trsvcid\": \"\", "
		"\"subnqn\": \"" IO_NQN "\", \"subtype\": \"nvme\", \"eflags\": \"0\"}, "
		"{\"trtype\": \"7\", \"traddr\": \"192.168.1.30\", \"trsvcid\": \"4420\", "
		"\"subnqn\": \"" IO_NQN "\", \"subtype\": \"nvme\", \"eflags\": \"0\"}") "]";
	g_autoptr(StacdLogPages) pages = parse_ok(json, &defaults);

	assert_int_equal(g_hash_table_size(pages->entries), 0);
	assert_int_equal(pages->diagnostics->len, 2);
}

static void
test_items_of_the_wrong_shape_are_skipped(void **state)
{
	const char *json =
		"[1, \"x\", null, [], {}, {\"discovery-controller\": 5, \"log-pages\": []}, "
		"{\"discovery-controller\": " DC(
			"", "", "") ", \"log-pages\": {}}, "
				    "{\"discovery-controller\": " DC("", "", "") "}, " ITEM(
					    DC("", "", ""),
					    "7, \"y\", [], " ENTRY("nvme", "192.168.1.30", "4420",
								   IO_NQN, "0")) "]";
	g_autoptr(StacdLogPages) pages = parse_ok(json, &defaults);

	assert_int_equal(g_hash_table_size(pages->entries), 1);
	assert_int_equal(pages->n_dcs, 3);
	assert_int_equal(pages->diagnostics->len, 11);
	assert_true(diag_contains(pages, "item 0: not an object"));
	assert_true(diag_contains(pages, "item 4: no \"discovery-controller\" object"));
	assert_true(diag_contains(pages, "no \"log-pages\" list"));
	assert_true(diag_contains(pages, "entry 2: not an object"));
}

static void
test_values_that_are_not_strings_are_ignored(void **state)
{
	const char *json = "[" ITEM(DC("", "", ""),
				    "{\"trtype\": \"tcp\", \"traddr\": \"192.168.1.30\", "
				    "\"trsvcid\": 4420, \"subnqn\": \"" IO_NQN "\", "
				    "\"subtype\": \"nvme\", \"eflags\": 4, \"x\": {\"y\": 1}}") "]";
	g_autoptr(StacdLogPages) pages = parse_ok(json, &defaults);
	GHashTable *e = find(pages, "192.168.1.30", "4420", IO_NQN, "", "", HOST_NQN);

	/* trsvcid as a number is no trsvcid: the tcp IOC default applies */
	assert_non_null(e);
	assert_null(g_hash_table_lookup(e, "eflags"));
	assert_null(g_hash_table_lookup(e, "x"));
	assert_int_equal(g_hash_table_size(e), 4);
}

/* one DC whose log-pages list holds one object, opened here */
#define ONE_ENTRY_OPEN "[{\"discovery-controller\": " DC("", "", "") ", \"log-pages\": [{"

static void
test_dictionaries_are_bounded(void **state)
{
	g_autoptr(GString) keys = g_string_new(ONE_ENTRY_OPEN);
	g_autoptr(GString) value = g_string_new(ONE_ENTRY_OPEN);
	g_autoptr(StacdLogPages) p1 = NULL;
	g_autoptr(StacdLogPages) p2 = NULL;
	g_autoptr(StacdLogPages) p3 = NULL;
	g_autofree char *big = g_strnfill(STACD_DICT_MAX_VALUE + 1, 'a');
	g_autofree char *fits = NULL;

	for (int i = 0; i <= STACD_DICT_MAX_KEYS; i++)
		g_string_append_printf(keys, "%s\"k%d\": \"v\"", i ? ", " : "", i);
	g_string_append(keys, "}]}]");
	g_string_append_printf(value,
			       "\"trtype\": \"tcp\", \"traddr\": \"192.168.1.30\", "
			       "\"subnqn\": \"" IO_NQN
			       "\", \"subtype\": \"nvme\", \"x\": \"%s\"}]}]",
			       big);
	p1 = parse_ok(keys->str, &defaults);
	assert_int_equal(p1->diagnostics->len, 1);
	assert_true(diag_contains(p1, "entry 0: too many keys"));
	p2 = parse_ok(value->str, &defaults);
	assert_int_equal(g_hash_table_size(p2->entries), 0);
	assert_true(diag_contains(p2, "entry 0: a key or value is too long"));
	/* at the bound it fits */
	big[STACD_DICT_MAX_VALUE] = '\0';
	fits = g_strdup_printf(ONE_ENTRY_OPEN "\"trtype\": \"tcp\", \"traddr\": \"192.168.1.30\", "
					      "\"subnqn\": \"" IO_NQN "\", \"subtype\": \"nvme\", "
					      "\"x\": \"%s\"}]}]",
			       big);
	p3 = parse_ok(fits, &defaults);
	assert_int_equal(g_hash_table_size(p3->entries), 1);
}

static void
test_entries_per_dc_are_bounded(void **state)
{
	g_autoptr(GString) json = g_string_new("[" ITEM(DC("", "", ""), ""));
	g_autoptr(StacdLogPages) pages = NULL;

	g_string_truncate(json, json->len - 2); /* reopen the log-pages list */
	for (int i = 0; i <= STACD_LOG_PAGES_MAX_ENTRIES; i++)
		g_string_append_printf(json, "%s{\"subtype\": \"referral\"}", i ? "," : "");
	g_string_append(json, "]}]");
	pages = parse_ok(json->str, &defaults);
	assert_true(diag_contains(pages, "16385 entries, only the first 16384 are used"));
}

static void
test_unusable_text_is_refused(void **state)
{
	g_autofree char *deep = NULL;
	g_autoptr(GString) d = g_string_new(NULL);
	const char nul_escape[] = "[\"a\\u0000b\"]";

	parse_fails("", 0, "not JSON");
	parse_fails("not json", 8, "not JSON");
	parse_fails("{\"a\": 1}", 8, "not a list");
	parse_fails("\"text\"", 6, "not a list");
	parse_fails(nul_escape, sizeof(nul_escape) - 1, "\\u0000");
	for (int i = 0; i < STACD_LOG_PAGES_MAX_DEPTH + 1; i++)
		g_string_append_c(d, '[');
	for (int i = 0; i < STACD_LOG_PAGES_MAX_DEPTH + 1; i++)
		g_string_append_c(d, ']');
	parse_fails(d->str, d->len, "nested deeper than 6 levels");
	/* a 1 MB deep nest never reaches json-glib's recursion */
	deep = g_strnfill(1024 * 1024, '[');
	parse_fails(deep, strlen(deep), "nested deeper");
}

static void
test_too_much_text_is_refused(void **state)
{
	gsize len = STACD_LOG_PAGES_MAX_BYTES + 1;
	g_autofree char *text = g_malloc(len);

	memset(text, ' ', len);
	text[0] = '[';
	text[len - 1] = ']';
	parse_fails(text, len, "more than 33554432");
}

static void
test_too_many_values_are_refused(void **state)
{
	gsize n = STACD_LOG_PAGES_MAX_VALUES + 1;
	g_autoptr(GString) s = g_string_sized_new(2 * n + 2);

	g_string_append_c(s, '[');
	for (gsize i = 0; i < n; i++)
		g_string_append(s, i ? ",0" : "0");
	g_string_append_c(s, ']');
	parse_fails(s->str, s->len, "more than 2000000 values");
}

static void
test_text_need_not_be_nul_terminated(void **state)
{
	const char json[] = "[]garbage";
	g_autoptr(GError) error = NULL;
	g_autoptr(StacdLogPages) pages = stacd_log_pages_parse(json, 2, &defaults, &error);

	assert_non_null(pages);
	assert_null(error);
}

/* ---- the removal decision (REFERENCE 5.9.2, SPEC B2, B7, Q21) ------------ */

#define ONLY  STAS_DISCONNECT_SCOPE_ONLY_STAS_CONNECTIONS
#define AUDIT STAS_DISCONNECT_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES
#define NEVER STAS_DISCONNECT_SCOPE_NO_DISCONNECT
#define TCP   STAS_TRTYPE_TCP
#define RF    (STAS_TRTYPE_RDMA | STAS_TRTYPE_FC)
#define ALL   (STAS_TRTYPE_TCP | STAS_TRTYPE_RDMA | STAS_TRTYPE_FC)

#define KEEP	   STACD_REMOVAL_KEEP
#define FORGET	   STACD_REMOVAL_FORGET
#define DISCONNECT STACD_REMOVAL_DISCONNECT

typedef struct {
	StasDisconnectScope scope;
	StasTrtype trtypes;
	const char *transport;
	gboolean owned, nbft, serves_wanted, dlpe_unknown;
	StacdRemoval expected;
	const char *why;
} Row;

static const Row removal_table[] = {
	/* only-stas-connections: what stacd made goes; disconnect-trtypes plays no part */
	{ONLY, TCP, "tcp", TRUE, FALSE, FALSE, FALSE, DISCONNECT, "own tcp connection"},
	{ONLY, TCP, "rdma", TRUE, FALSE, FALSE, FALSE, DISCONNECT, "own, trtype not listed"},
	{ONLY, RF, "tcp", TRUE, FALSE, FALSE, FALSE, DISCONNECT, "own, trtypes rdma+fc"},
	{ONLY, TCP, "fc", TRUE, FALSE, FALSE, FALSE, DISCONNECT, "own fc connection"},
	{ONLY, TCP, "loop", TRUE, FALSE, FALSE, FALSE, DISCONNECT, "own loop connection"},
	{ONLY, TCP, "tcp", FALSE, FALSE, FALSE, FALSE, FORGET, "B7: made by others"},
	{ONLY, ALL, "rdma", FALSE, FALSE, FALSE, FALSE, FORGET, "B7: made by others, any trtype"},
	{ONLY, TCP, "tcp", FALSE, TRUE, FALSE, FALSE, FORGET, "B7: boot connection"},
	{ONLY, TCP, "tcp", TRUE, TRUE, FALSE, FALSE, FORGET, "B7: NBFT, even if stacd made it"},
	{ONLY, TCP, "tcp", TRUE, FALSE, TRUE, FALSE, FORGET, "Q21: serves a wanted TID"},
	{ONLY, TCP, "tcp", TRUE, FALSE, FALSE, TRUE, KEEP, "B2: stafd's set not known"},
	{ONLY, TCP, "tcp", FALSE, FALSE, FALSE, TRUE, KEEP, "B2, not owned"},
	/* audit mode: whoever made it, when its transport is listed */
	{AUDIT, TCP, "tcp", TRUE, FALSE, FALSE, FALSE, DISCONNECT, "audit, own"},
	{AUDIT, TCP, "tcp", FALSE, FALSE, FALSE, FALSE, DISCONNECT, "audit, made by others"},
	{AUDIT, TCP, "tcp", FALSE, TRUE, FALSE, FALSE, DISCONNECT, "audit, boot connection"},
	{AUDIT, TCP, "rdma", TRUE, FALSE, FALSE, FALSE, FORGET, "audit, rdma not listed"},
	{AUDIT, TCP, "fc", FALSE, FALSE, FALSE, FALSE, FORGET, "audit, fc not listed"},
	{AUDIT, RF, "tcp", TRUE, FALSE, FALSE, FALSE, FORGET, "2.0 fix: rdma+fc spares tcp"},
	{AUDIT, RF, "rdma", FALSE, FALSE, FALSE, FALSE, DISCONNECT, "audit, rdma listed"},
	{AUDIT, RF, "fc", FALSE, TRUE, FALSE, FALSE, DISCONNECT, "audit, fc boot connection"},
	{AUDIT, ALL, "loop", TRUE, FALSE, FALSE, FALSE, FORGET, "loop can never be listed"},
	{AUDIT, ALL, "tcp", FALSE, FALSE, TRUE, FALSE, FORGET, "Q21: adopted, serves wanted"},
	{AUDIT, ALL, "tcp", TRUE, FALSE, TRUE, FALSE, FORGET, "Q21 in audit mode"},
	{AUDIT, ALL, "tcp", FALSE, FALSE, FALSE, TRUE, KEEP, "B2 in audit mode"},
	/* no-disconnect: sticky */
	{NEVER, TCP, "tcp", TRUE, FALSE, FALSE, FALSE, FORGET, "no-disconnect, own"},
	{NEVER, ALL, "rdma", FALSE, FALSE, FALSE, FALSE, FORGET, "no-disconnect, others"},
	{NEVER, TCP, "tcp", TRUE, TRUE, FALSE, FALSE, FORGET, "no-disconnect, boot"},
	{NEVER, TCP, "tcp", TRUE, FALSE, FALSE, TRUE, KEEP, "B2 under no-disconnect"},
};

static void
test_removal_decision_table(void **state)
{
	for (gsize i = 0; i < G_N_ELEMENTS(removal_table); i++) {
		const Row *r = &removal_table[i];
		StacdRemovalCase c = {r->scope, r->trtypes,	  r->transport,	  r->owned,
				      r->nbft,	r->serves_wanted, r->dlpe_unknown};
		StacdRemoval got = stacd_removal_decide(&c);

		if (got != r->expected)
			fail_msg("row %zu (%s): %s, expected %s", i, r->why,
				 stacd_removal_to_string(got),
				 stacd_removal_to_string(r->expected));
	}
}

/* every combination: the rules that hold whatever the rest says */
static void
test_removal_invariants(void **state)
{
	const StasDisconnectScope scopes[] = {ONLY, AUDIT, NEVER};
	const StasTrtype trtypes[] = {0, TCP, RF, ALL};
	const char *const transports[] = {"tcp", "rdma", "fc", "loop"};

	for (guint bits = 0; bits < 16; bits++)
		for (gsize s = 0; s < G_N_ELEMENTS(scopes); s++)
			for (gsize t = 0; t < G_N_ELEMENTS(trtypes); t++)
				for (gsize x = 0; x < G_N_ELEMENTS(transports); x++) {
					StacdRemovalCase c = {scopes[s], trtypes[t], transports[x],
							      bits & 1,	 bits & 2,   bits & 4,
							      bits & 8};
					StacdRemoval got = stacd_removal_decide(&c);

					/* B2 */
					assert_true(!c.dlpe_unknown || got == KEEP);
					assert_true(c.dlpe_unknown || got != KEEP);
					if (got != DISCONNECT)
						continue;
					/* Q21, no-disconnect */
					assert_false(c.serves_wanted);
					assert_true(c.scope != NEVER);
					/* B7 outside audit mode */
					assert_true(c.scope == AUDIT || (c.owned && !c.nbft));
					/* trtypes only in audit mode, and then they decide */
					assert_true(c.scope != AUDIT ||
						    (stacd_trtype_from_string(c.transport) &
						     c.trtypes));
				}
}

static void
test_trtype_bits(void **state)
{
	assert_int_equal(stacd_trtype_from_string("tcp"), STAS_TRTYPE_TCP);
	assert_int_equal(stacd_trtype_from_string("rdma"), STAS_TRTYPE_RDMA);
	assert_int_equal(stacd_trtype_from_string("fc"), STAS_TRTYPE_FC);
	assert_int_equal(stacd_trtype_from_string("loop"), 0);
	assert_int_equal(stacd_trtype_from_string("pcie"), 0);
	assert_int_equal(stacd_trtype_from_string("TCP"), 0);
	assert_int_equal(stacd_trtype_from_string(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvme_entries_become_iocs_with_the_dc_host_fields),
		cmocka_unit_test(test_dc_without_host_nqn_leaves_the_sysconf_one),
		cmocka_unit_test(test_ignore_iface_blanks_the_dc_host_iface),
		cmocka_unit_test(test_empty_trsvcid_of_a_tcp_ioc_is_4420),
		cmocka_unit_test(test_the_same_ioc_from_two_dcs_collapses_last_wins),
		cmocka_unit_test(test_the_same_ioc_via_two_host_interfaces_is_two_iocs),
		cmocka_unit_test(test_an_empty_answer_is_an_empty_set),
		cmocka_unit_test(test_a_traddr_with_smuggled_options_is_dropped),
		cmocka_unit_test(test_bad_fields_of_an_entry_drop_it),
		cmocka_unit_test(test_bad_dc_host_fields_drop_its_entries),
		cmocka_unit_test(test_unknown_transports_are_dropped),
		cmocka_unit_test(test_items_of_the_wrong_shape_are_skipped),
		cmocka_unit_test(test_values_that_are_not_strings_are_ignored),
		cmocka_unit_test(test_dictionaries_are_bounded),
		cmocka_unit_test(test_entries_per_dc_are_bounded),
		cmocka_unit_test(test_unusable_text_is_refused),
		cmocka_unit_test(test_too_much_text_is_refused),
		cmocka_unit_test(test_too_many_values_are_refused),
		cmocka_unit_test(test_text_need_not_be_nul_terminated),
		cmocka_unit_test(test_removal_decision_table),
		cmocka_unit_test(test_removal_invariants),
		cmocka_unit_test(test_trtype_bits),
	};

	return cmocka_run_group_tests_name("stacd-reconcile", tests, NULL, NULL);
}
