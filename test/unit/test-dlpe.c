/* SPDX-License-Identifier: Apache-2.0 */
/* stas-dlpe: discovery log pages from raw bytes to entries, dictionaries and TIDs */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "stas/stas-dlpe.h"
#include "stas/stas-error.h"

#define DISC_NQN "nqn.2014-08.org.nvmexpress.discovery"
#define IO_NQN	 "nqn.1988-11.com.dell:SFSS:2:20220208134025e8"
#define HOST_NQN "nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5"
#define FC_ADDR	 "nn-0x200000109b579ef6:pn-0x100000109b579ef6"

/* ---- a log page builder: every byte placed by hand, little-endian ---- */

typedef struct {
	guint8 trtype, adrfam, subtype, treq;
	guint16 portid, cntlid, asqsz, eflags;
	const char *trsvcid, *subnqn, *traddr;
	guint8 tsas[3];
} Entry;

static void
put_le16(guint8 *p, guint16 v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void
put_le64(guint8 *p, guint64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

/* copy at most size bytes: a string as long as the field leaves no NUL */
static void
put_str(guint8 *p, gsize size, const char *s)
{
	if (s)
		memcpy(p, s, MIN(strlen(s), size));
}

static GByteArray *
log_new(guint64 genctr, guint64 numrec, guint16 recfmt)
{
	GByteArray *log = g_byte_array_new();
	guint8 hdr[1024] = {0};

	put_le64(hdr + 0, genctr);
	put_le64(hdr + 8, numrec);
	put_le16(hdr + 16, recfmt);
	memset(hdr + 18, 0xa5, sizeof(hdr) - 18); /* reserved bytes: never read */
	g_byte_array_append(log, hdr, sizeof(hdr));
	return log;
}

static void
entry_bytes(guint8 raw[1024], const Entry *e)
{
	memset(raw, 0, 1024);
	raw[0] = e->trtype;
	raw[1] = e->adrfam;
	raw[2] = e->subtype;
	raw[3] = e->treq;
	put_le16(raw + 4, e->portid);
	put_le16(raw + 6, e->cntlid);
	put_le16(raw + 8, e->asqsz);
	put_le16(raw + 10, e->eflags);
	put_str(raw + 32, 32, e->trsvcid);
	put_str(raw + 256, 256, e->subnqn);
	put_str(raw + 512, 256, e->traddr);
	memcpy(raw + 768, e->tsas, 3);
}

static void
log_add(GByteArray *log, const Entry *e)
{
	guint8 raw[1024];

	entry_bytes(raw, e);
	g_byte_array_append(log, raw, sizeof(raw));
}

static Entry
tcp_entry(const char *traddr, const char *trsvcid, const char *subnqn, guint8 subtype)
{
	Entry e = {
		.trtype = 3,
		.adrfam = 1,
		.subtype = subtype,
		.treq = 0,
		.portid = 1,
		.cntlid = 0xffff,
		.asqsz = 32,
		.trsvcid = trsvcid,
		.subnqn = subnqn,
		.traddr = traddr,
	};
	return e;
}

static Entry
io_entry(const char *traddr)
{
	return tcp_entry(traddr, "4420", IO_NQN, STAS_DLPE_SUBTYPE_NVME);
}

static StasDlpeLog *
parse(GByteArray *log)
{
	g_autoptr(GError) error = NULL;
	StasDlpeLog *dlp = stas_dlpe_log_parse(log->data, log->len, NULL, &error);

	assert_null(error);
	assert_non_null(dlp);
	return dlp;
}

static StasDlpeLog *
parse_one(const Entry *e)
{
	g_autoptr(GByteArray) log = log_new(1, 1, 0);

	log_add(log, e);
	return parse(log);
}

/* the dictionary of a single-entry log (the entry must be accepted) */
static GHashTable *
map_of(const Entry *e)
{
	g_autoptr(StasDlpeLog) dlp = parse_one(e);

	assert_int_equal(dlp->entries->len, 1);
	return stas_dlpe_to_map(dlp->entries->pdata[0]);
}

static void
assert_entry_value(const Entry *e, const char *key, const char *want)
{
	g_autoptr(GHashTable) map = map_of(e);

	assert_string_equal(g_hash_table_lookup(map, key), want);
}

static void
assert_diag(StasDlpeLog *dlp, guint i, const char *want)
{
	assert_true(i < dlp->diagnostics->len);
	if (!strstr(dlp->diagnostics->pdata[i], want)) {
		print_error("diagnostic \"%s\" lacks \"%s\"\n", (char *)dlp->diagnostics->pdata[i],
			    want);
		fail();
	}
}

static StasDlpe *
entry_at(StasDlpeLog *dlp, guint i)
{
	assert_true(i < dlp->entries->len);
	return dlp->entries->pdata[i];
}

/* ---- header and fields ---- */

static void
test_header_exposes_genctr_numrec_and_recfmt(void **state)
{
	g_autoptr(GByteArray) log = log_new(0x0102030405060708ULL, 0, 0);
	g_autoptr(StasDlpeLog) dlp = parse(log);
	guint64 genctr = 0, numrec = 1;
	guint16 recfmt = 1;

	assert_true(dlp->genctr == 0x0102030405060708ULL);
	assert_true(dlp->numrec == 0);
	assert_int_equal(dlp->recfmt, 0);
	assert_int_equal(dlp->entries->len, 0);
	assert_int_equal(dlp->diagnostics->len, 0);

	assert_true(
		stas_dlpe_log_parse_header(log->data, log->len, &genctr, &numrec, &recfmt, NULL));
	assert_true(genctr == 0x0102030405060708ULL);
	assert_true(numrec == 0);
	assert_int_equal(recfmt, 0);
}

static void
test_header_shorter_than_1024_bytes_is_an_error(void **state)
{
	guint8 small[1023] = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) error2 = NULL;
	StasDlpeLog *dlp =
		stas_dlpe_log_parse(small, sizeof(small), "(tcp, 1.1.1.1, 8009)", &error);

	assert_null(dlp);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_string_equal(error->message, "(tcp, 1.1.1.1, 8009): discovery log of 1023 bytes "
					    "is shorter than its 1024-byte header");
	assert_null(stas_dlpe_log_parse(NULL, 4096, NULL, &error2));
	assert_true(g_error_matches(error2, STAS_ERROR, STAS_ERROR_INVALID));
	assert_false(stas_dlpe_log_parse_header(small, 0, NULL, NULL, NULL, NULL));
}

static void
test_record_format_other_than_zero_is_reported(void **state)
{
	g_autoptr(GByteArray) log = log_new(1, 1, 3);
	g_autoptr(StasDlpeLog) dlp = NULL;
	Entry e = io_entry("10.0.0.1");

	log_add(log, &e);
	dlp = parse(log);
	assert_int_equal(dlp->recfmt, 3);
	assert_int_equal(dlp->entries->len, 1);
	assert_int_equal(dlp->diagnostics->len, 1);
	assert_diag(dlp, 0, "record format 3, expected 0");
}

static void
test_every_entry_field_is_decoded_little_endian(void **state)
{
	Entry in = {
		.trtype = 3,
		.adrfam = 2,
		.subtype = 2,
		.treq = 2,
		.portid = 0x1234,
		.cntlid = 0xabcd,
		.asqsz = 0x0120,
		.eflags = 0x0006,
		.trsvcid = "4420",
		.subnqn = IO_NQN,
		.traddr = "fd00::1",
		.tsas = {1, 0x77, 0x88},
	};
	g_autoptr(StasDlpeLog) dlp = parse_one(&in);
	StasDlpe *e = entry_at(dlp, 0);

	assert_int_equal(e->trtype, 3);
	assert_int_equal(e->adrfam, 2);
	assert_int_equal(e->subtype, 2);
	assert_int_equal(e->treq, 2);
	assert_int_equal(e->portid, 0x1234);
	assert_int_equal(e->cntlid, 0xabcd);
	assert_int_equal(e->asqsz, 0x0120);
	assert_int_equal(e->eflags, 0x0006);
	assert_string_equal(e->trsvcid, "4420");
	assert_string_equal(e->subnqn, IO_NQN);
	assert_string_equal(e->traddr, "fd00::1");
	assert_int_equal(e->tsas[0], 1);
	assert_int_equal(e->tsas[1], 0x77);
	assert_int_equal(e->tsas[2], 0x88);
	assert_int_equal(dlp->diagnostics->len, 0);
}

/* ---- the dictionary form (REFERENCE 3.6) ---- */

static void
test_dictionary_has_the_upstream_keys_and_values(void **state)
{
	Entry in = {
		.trtype = 3,
		.adrfam = 1,
		.subtype = 2,
		.treq = 0,
		.portid = 7,
		.cntlid = 65535,
		.asqsz = 32,
		.eflags = 4,
		.trsvcid = "4420",
		.subnqn = IO_NQN,
		.traddr = "192.168.1.20",
	};
	g_autoptr(GHashTable) map = map_of(&in);
	const char *want[][2] = {
		{"trtype", "tcp"},	   {"adrfam", "ipv4"}, {"traddr", "192.168.1.20"},
		{"trsvcid", "4420"},	   {"subnqn", IO_NQN}, {"subtype", "nvme"},
		{"treq", "not specified"}, {"portid", "7"},    {"cntlid", "65535"},
		{"asqsz", "32"},	   {"eflags", "4"},    {"tsas", "{'sectype': 'none'}"},
	};

	assert_int_equal(g_hash_table_size(map), G_N_ELEMENTS(want));
	for (gsize i = 0; i < G_N_ELEMENTS(want); i++)
		assert_string_equal(g_hash_table_lookup(map, want[i][0]), want[i][1]);
}

static void
test_trtype_spellings_and_numbers_for_unknown_values(void **state)
{
	Entry e = {.adrfam = 1, .trsvcid = "4420", .subnqn = IO_NQN, .traddr = "10.0.0.1"};

	e.trtype = 1;
	assert_entry_value(&e, "trtype", "rdma");
	e.trtype = 3;
	assert_entry_value(&e, "trtype", "tcp");
	e.trtype = 2;
	e.traddr = FC_ADDR;
	assert_entry_value(&e, "trtype", "fc");
	e.trtype = 254;
	e.traddr = "loop-target";
	assert_entry_value(&e, "trtype", "loop");
	e.trtype = 0;
	assert_entry_value(&e, "trtype", "unspecified");
	e.trtype = 7;
	assert_entry_value(&e, "trtype", "7");
	e.trtype = 255;
	assert_entry_value(&e, "trtype", "255");
}

static void
test_adrfam_spellings_and_numbers_for_unknown_values(void **state)
{
	const char *want[] = {"pci", "ipv4", "ipv6", "infiniband", "fc", "5"};
	Entry e = io_entry("10.0.0.1");

	for (guint8 v = 0; v < G_N_ELEMENTS(want); v++) {
		e.adrfam = v;
		assert_entry_value(&e, "adrfam", want[v]);
	}
	e.adrfam = 254;
	assert_entry_value(&e, "adrfam", "254");
}

static void
test_subtype_spellings_and_numbers_for_unknown_values(void **state)
{
	const char *want[] = {"0", "referral", "nvme", "discovery", "4"};
	Entry e = io_entry("10.0.0.1");

	for (guint8 v = 0; v < G_N_ELEMENTS(want); v++) {
		e.subtype = v;
		assert_entry_value(&e, "subtype", want[v]);
	}
}

static void
test_treq_spellings_match_whole_values(void **state)
{
	/* the binding switches on the whole byte: 5 = required + sqflow has no name */
	const char *want[] = {
		"not specified", "required", "not required", "3", "disable sqflow", "5", "6"};
	Entry e = io_entry("10.0.0.1");

	for (guint8 v = 0; v < G_N_ELEMENTS(want); v++) {
		e.treq = v;
		assert_entry_value(&e, "treq", want[v]);
	}
}

static void
test_tcp_tsas_is_the_python_repr_of_sectype(void **state)
{
	const char *want[] = {
		"{'sectype': 'none'}",
		"{'sectype': 'tls'}",
		"{'sectype': 'tls1.3'}",
		"{'sectype': 'reserved'}",
	};
	Entry e = io_entry("10.0.0.1");

	for (guint8 v = 0; v < G_N_ELEMENTS(want); v++) {
		e.tsas[0] = v;
		assert_entry_value(&e, "tsas", want[v]);
	}
	e.tsas[0] = 200;
	assert_entry_value(&e, "tsas", "{'sectype': 'reserved'}");
}

static void
test_rdma_tsas_is_the_python_repr_of_qptype_prtype_cms(void **state)
{
	const char *qp[] = {"reserved", "connected", "datagram", "reserved"};
	const char *pr[] = {"reserved", "not specified", "infiniband", "roce",
			    "rocev2",	"iwarp",	 "reserved"};
	const char *cms[] = {"reserved", "cm", "reserved"};
	Entry e = io_entry("10.0.0.1");

	e.trtype = 1;
	for (guint8 q = 0; q < G_N_ELEMENTS(qp); q++) {
		for (guint8 p = 0; p < G_N_ELEMENTS(pr); p++) {
			for (guint8 c = 0; c < G_N_ELEMENTS(cms); c++) {
				g_autofree char *want = g_strdup_printf(
					"{'qptype': '%s', 'prtype': '%s', 'cms': '%s'}", qp[q],
					pr[p], cms[c]);

				e.tsas[0] = q;
				e.tsas[1] = p;
				e.tsas[2] = c;
				assert_entry_value(&e, "tsas", want);
			}
		}
	}
}

static void
test_fc_and_loop_entries_have_no_tsas_key(void **state)
{
	Entry fc = {.trtype = 2,
		    .adrfam = 4,
		    .subtype = 2,
		    .trsvcid = "none",
		    .subnqn = IO_NQN,
		    .traddr = FC_ADDR,
		    .tsas = {1, 2, 3}};
	Entry loop = {.trtype = 254, .adrfam = 254, .subtype = 2, .subnqn = IO_NQN, .traddr = "1"};
	g_autoptr(GHashTable) fc_map = map_of(&fc);
	g_autoptr(GHashTable) loop_map = map_of(&loop);

	assert_false(g_hash_table_contains(fc_map, "tsas"));
	assert_int_equal(g_hash_table_size(fc_map), 11);
	assert_string_equal(g_hash_table_lookup(fc_map, "trsvcid"), "none");
	assert_false(g_hash_table_contains(loop_map, "tsas"));
	assert_string_equal(g_hash_table_lookup(loop_map, "trsvcid"), "");
}

/* ---- sanitising ---- */

static void
test_padding_whitespace_and_nul_are_stripped(void **state)
{
	char trsvcid[33];
	Entry in = io_entry("  10.0.0.1   ");
	g_autoptr(StasDlpeLog) dlp = NULL;
	StasDlpe *e;

	/* a trsvcid padded with spaces to the very end of its field, no NUL */
	memset(trsvcid, ' ', 32);
	memcpy(trsvcid, "4420", 4);
	trsvcid[32] = '\0';
	in.trsvcid = trsvcid;
	in.subnqn = "\t" IO_NQN "  ";
	dlp = parse_one(&in);
	e = entry_at(dlp, 0);
	assert_string_equal(e->traddr, "10.0.0.1");
	assert_string_equal(e->trsvcid, "4420");
	assert_string_equal(e->subnqn, IO_NQN);
	assert_int_equal(dlp->diagnostics->len, 0);
}

static void
test_bytes_after_the_terminating_nul_are_ignored(void **state)
{
	g_autoptr(GByteArray) log = log_new(1, 1, 0);
	g_autoptr(StasDlpeLog) dlp = NULL;
	Entry in = io_entry("10.0.0.1");
	guint8 raw[1024];

	entry_bytes(raw, &in);
	memset(raw + 512 + 9, 'x', 256 - 9); /* "10.0.0.1\0xxxx...x" to the end */
	g_byte_array_append(log, raw, sizeof(raw));
	dlp = parse(log);
	assert_string_equal(entry_at(dlp, 0)->traddr, "10.0.0.1");
}

static void
test_placeholder_addresses_are_dropped_silently(void **state)
{
	const char *placeholders[] = {"0.0.0.0", "::", "", "   ", "0:0::0", "::ffff:0.0.0.0"};
	g_autoptr(GByteArray) log = log_new(1, 2 * G_N_ELEMENTS(placeholders), 0);
	g_autoptr(StasDlpeLog) dlp = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(placeholders); i++) {
		g_autofree char *addr = g_strdup_printf("10.0.0.%" G_GSIZE_FORMAT, i + 1);
		Entry bad = io_entry(placeholders[i]);
		Entry good = io_entry(addr);

		log_add(log, &bad);
		log_add(log, &good);
	}
	dlp = parse(log);
	assert_int_equal(dlp->entries->len, G_N_ELEMENTS(placeholders));
	assert_int_equal(dlp->n_placeholders, G_N_ELEMENTS(placeholders));
	assert_int_equal(dlp->diagnostics->len, 0);
	assert_string_equal(entry_at(dlp, 0)->traddr, "10.0.0.1");
	assert_string_equal(entry_at(dlp, 5)->traddr, "10.0.0.6");
}

/* ---- malformed entries ---- */

typedef struct {
	Entry entry;
	const char *raw_field; /* fill this field to its last byte with 'a' */
	const char *want;      /* in the diagnostic */
} Bad;

static void
add_bad(GByteArray *log, const Bad *bad)
{
	guint8 raw[1024];

	entry_bytes(raw, &bad->entry);
	if (g_strcmp0(bad->raw_field, "trsvcid") == 0)
		memset(raw + 32, '7', 32);
	else if (g_strcmp0(bad->raw_field, "subnqn") == 0)
		memset(raw + 256 + 4, 'a', 252);
	else if (g_strcmp0(bad->raw_field, "traddr") == 0)
		memset(raw + 512, '1', 256);
	g_byte_array_append(log, raw, sizeof(raw));
}

static void
test_each_kind_of_malformed_entry_is_dropped_and_its_neighbours_kept(void **state)
{
	g_autofree char *long_nqn = g_strdup_printf("nqn.%0220d", 0);
	const Bad bads[] = {
		{io_entry("1.2.3.4,hostnqn=x"), NULL, "traddr: traddr \"1.2.3.4,hostnqn=x\": ','"},
		{io_entry("1.2.3.4\x01"), NULL, "traddr: traddr \"1.2.3.4\\x01\": non-printable"},
		{io_entry("1.2.\xc3\xa9.4"), NULL, "traddr: traddr \"1.2.\\xc3\\xa9.4\""},
		{io_entry("storage.example.com"), NULL, "not a numeric IPv4 or IPv6 address"},
		{io_entry("10.0.0.9"), "traddr",
		 "traddr: not NUL-terminated (fills the whole 256-byte field)"},
		{io_entry("10.0.0.9"), "trsvcid",
		 "trsvcid: not NUL-terminated (fills the whole 32-byte field)"},
		{io_entry("10.0.0.9"), "subnqn", "subnqn: not NUL-terminated"},
		{tcp_entry("10.0.0.9", "4420,x=y", IO_NQN, 2), NULL, "trsvcid: trsvcid"},
		{tcp_entry("10.0.0.9", "", IO_NQN, 2), NULL, "trsvcid: trsvcid \"\": empty"},
		{tcp_entry("10.0.0.9", "70000", IO_NQN, 2), NULL, "out of range"},
		{tcp_entry("10.0.0.9", "4420", "nqn.x,hostnqn=y", 2), NULL, "subnqn: NQN"},
		{tcp_entry("10.0.0.9", "4420", "iqn.2001-04.com.x", 2), NULL, "\"nqn.\""},
		{tcp_entry("10.0.0.9", "4420", "", 2), NULL, "subnqn: NQN \"\": empty"},
		{tcp_entry("10.0.0.9", "4420", long_nqn, 2), NULL, "longer than 223 bytes"},
		{{.trtype = 2, .subtype = 2, .subnqn = IO_NQN, .traddr = "10.0.0.9"},
		 NULL,
		 "traddr: traddr \"10.0.0.9\": not of the form nn-0x"},
		{{.trtype = 2, .subtype = 2, .subnqn = IO_NQN, .traddr = FC_ADDR, .trsvcid = "a,b"},
		 NULL,
		 "trsvcid: trsvcid \"a,b\""},
		{{.trtype = 254, .subtype = 2, .subnqn = IO_NQN, .traddr = "a=b"},
		 NULL,
		 "traddr: traddr \"a=b\": '='"},
		{{.trtype = 9, .subtype = 2, .subnqn = IO_NQN, .traddr = "a b"},
		 NULL,
		 "traddr: traddr \"a b\": whitespace"},
	};
	g_autoptr(GByteArray) log = log_new(1, 2 * G_N_ELEMENTS(bads) + 1, 0);
	g_autoptr(StasDlpeLog) dlp = NULL;
	Entry good = io_entry("10.0.0.1");

	for (gsize i = 0; i < G_N_ELEMENTS(bads); i++) {
		log_add(log, &good);
		add_bad(log, &bads[i]);
	}
	log_add(log, &good);
	dlp = stas_dlpe_log_parse(log->data, log->len, "(tcp, 10.9.9.9, 8009, " DISC_NQN ")", NULL);
	assert_non_null(dlp);
	assert_int_equal(dlp->entries->len, G_N_ELEMENTS(bads) + 1);
	assert_int_equal(dlp->diagnostics->len, G_N_ELEMENTS(bads));
	for (gsize i = 0; i < G_N_ELEMENTS(bads); i++) {
		guint index = 2 * i + 1;
		g_autofree char *where = g_strdup_printf("(tcp, 10.9.9.9, 8009, " DISC_NQN
							 "): discovery log entry %u (byte offset "
							 "%u) dropped: ",
							 index, 1024 + index * 1024);

		assert_diag(dlp, i, where);
		assert_diag(dlp, i, bads[i].want);
	}
	for (guint i = 0; i < dlp->entries->len; i++)
		assert_true(stas_dlpe_equal(entry_at(dlp, i), entry_at(dlp, 0)));
}

static void
test_fc_and_loop_entries_with_good_fields_are_kept(void **state)
{
	g_autoptr(GByteArray) log = log_new(1, 3, 0);
	g_autoptr(StasDlpeLog) dlp = NULL;
	Entry fc = {.trtype = 2,
		    .adrfam = 4,
		    .subtype = 2,
		    .trsvcid = "none",
		    .subnqn = IO_NQN,
		    .traddr = FC_ADDR};
	Entry loop = {.trtype = 254, .subtype = 2, .subnqn = IO_NQN, .traddr = "1"};
	Entry unknown = {.trtype = 9, .subtype = 2, .subnqn = IO_NQN, .traddr = "x:y"};

	log_add(log, &fc);
	log_add(log, &loop);
	log_add(log, &unknown);
	dlp = parse(log);
	assert_int_equal(dlp->entries->len, 3);
	assert_int_equal(dlp->diagnostics->len, 0);
	assert_string_equal(entry_at(dlp, 0)->traddr, FC_ADDR);
	assert_string_equal(entry_at(dlp, 2)->traddr, "x:y");
}

/* ---- counts that lie ---- */

static void
test_numrec_larger_than_the_data_gives_the_entries_really_there(void **state)
{
	g_autoptr(GByteArray) log = log_new(1, 5, 0);
	g_autoptr(StasDlpeLog) dlp = NULL;
	Entry a = io_entry("10.0.0.1"), b = io_entry("10.0.0.2");

	log_add(log, &a);
	log_add(log, &b);
	dlp = parse(log);
	assert_true(dlp->numrec == 5);
	assert_int_equal(dlp->entries->len, 2);
	assert_int_equal(dlp->diagnostics->len, 1);
	assert_diag(dlp, 0, "discovery log claims 5 records but its 3072 bytes hold only 2");
}

static void
test_numrec_smaller_than_the_data_ignores_the_rest(void **state)
{
	g_autoptr(GByteArray) log = log_new(1, 1, 0);
	g_autoptr(StasDlpeLog) dlp = NULL;
	Entry a = io_entry("10.0.0.1"), b = io_entry("10.0.0.2"), c = io_entry("10.0.0.3");

	log_add(log, &a);
	log_add(log, &b);
	log_add(log, &c);
	dlp = parse(log);
	assert_int_equal(dlp->entries->len, 1);
	assert_string_equal(entry_at(dlp, 0)->traddr, "10.0.0.1");
	assert_int_equal(dlp->diagnostics->len, 1);
	assert_diag(dlp, 0, "discovery log has 2048 bytes beyond its 1 records: ignored");
}

static void
test_a_partial_last_entry_is_not_read(void **state)
{
	g_autoptr(GByteArray) log = log_new(1, 2, 0);
	g_autoptr(StasDlpeLog) dlp = NULL;
	Entry a = io_entry("10.0.0.1");
	guint8 raw[1024];

	log_add(log, &a);
	entry_bytes(raw, &a);
	g_byte_array_append(log, raw, 700);
	dlp = parse(log);
	assert_int_equal(dlp->entries->len, 1);
	assert_diag(dlp, 0, "claims 2 records but its 2748 bytes hold only 1");
}

static void
test_huge_numrec_never_allocates_beyond_the_data(void **state)
{
	g_autoptr(GByteArray) log = log_new(9, G_MAXUINT64, 0);
	g_autoptr(StasDlpeLog) dlp = NULL;
	g_autoptr(StasDlpeLog) empty = NULL;
	g_autoptr(GByteArray) header_only = log_new(9, STAS_DLP_MAX_RECORDS, 0);
	Entry a = io_entry("10.0.0.1");

	log_add(log, &a);
	dlp = parse(log);
	assert_true(dlp->numrec == G_MAXUINT64);
	assert_int_equal(dlp->entries->len, 1);
	assert_int_equal(dlp->diagnostics->len, 2);
	assert_diag(dlp, 0,
		    "claims 18446744073709551615 records, more than the 16384 this host "
		    "reads");
	assert_diag(dlp, 1, "hold only 1");

	empty = parse(header_only);
	assert_int_equal(empty->entries->len, 0);
	assert_int_equal(empty->diagnostics->len, 1);
	assert_diag(empty, 0, "claims 16384 records but its 1024 bytes hold only 0");
}

static void
test_a_1000_entry_page_is_read_in_order(void **state)
{
	g_autoptr(GByteArray) log = log_new(77, 1000, 0);
	g_autoptr(StasDlpeLog) dlp = NULL;

	for (guint i = 0; i < 1000; i++) {
		g_autofree char *addr = g_strdup_printf("10.%u.%u.1", i / 256, i % 256);
		g_autofree char *nqn = g_strdup_printf("nqn.2023-01.io.test:subsys-%u", i);
		Entry e = tcp_entry(addr, "4420", nqn, 2);

		e.portid = (guint16)i;
		log_add(log, &e);
	}
	dlp = parse(log);
	assert_true(dlp->genctr == 77);
	assert_int_equal(dlp->entries->len, 1000);
	assert_int_equal(dlp->diagnostics->len, 0);
	for (guint i = 0; i < 1000; i += 111)
		assert_int_equal(entry_at(dlp, i)->portid, i);
	assert_string_equal(entry_at(dlp, 999)->traddr, "10.3.231.1");
	assert_string_equal(entry_at(dlp, 999)->subnqn, "nqn.2023-01.io.test:subsys-999");
}

/* ---- TIDs and NCC ---- */

static StasTid *
dc_tid(const char *host_traddr, const char *host_iface, const char *host_nqn)
{
	StasTidDefaults d = {.kind = STAS_TID_KIND_DC};

	return stas_tid_new("tcp", "10.9.9.9", "8009", DISC_NQN, host_traddr, host_iface, host_nqn,
			    &d);
}

static void
test_tid_from_an_entry_copies_the_host_fields_of_the_dc(void **state)
{
	g_autoptr(StasTid) dc = dc_tid("10.0.0.100", "eth1", HOST_NQN);
	g_autoptr(StasDlpeLog) dlp = NULL;
	g_autoptr(StasTid) tid = NULL;
	StasTidDefaults d = {.kind = STAS_TID_KIND_DC, .host_nqn = "nqn.sysconf"};
	Entry in = io_entry("10.0.0.1");

	in.trsvcid = "4421";
	dlp = parse_one(&in);
	tid = stas_dlpe_to_tid(entry_at(dlp, 0), dc, &d);
	assert_string_equal(tid->transport, "tcp");
	assert_string_equal(tid->traddr, "10.0.0.1");
	assert_string_equal(tid->trsvcid, "4421");
	assert_string_equal(tid->subsysnqn, IO_NQN);
	assert_string_equal(tid->host_traddr, "10.0.0.100");
	assert_string_equal(tid->host_iface, "eth1");
	assert_string_equal(tid->host_nqn, HOST_NQN);
	assert_string_equal(stas_tid_to_string(tid),
			    "(tcp, 10.0.0.1, 4421, " IO_NQN ", eth1, 10.0.0.100)");
}

static void
test_tid_keeps_the_sysconf_host_nqn_when_the_dc_has_none(void **state)
{
	g_autoptr(StasTid) dc = dc_tid("", "eth1", "");
	g_autoptr(StasDlpeLog) dlp = NULL;
	g_autoptr(StasTid) tid = NULL;
	g_autoptr(StasTid) no_dc = NULL;
	g_autoptr(StasTid) ignored = NULL;
	StasTidDefaults d = {.kind = STAS_TID_KIND_IOC, .host_nqn = "nqn.sysconf"};
	StasTidDefaults ign = {.host_nqn = "nqn.sysconf", .ignore_iface = TRUE};
	Entry in = io_entry("10.0.0.1");

	dlp = parse_one(&in);
	tid = stas_dlpe_to_tid(entry_at(dlp, 0), dc, &d);
	assert_string_equal(tid->host_nqn, "nqn.sysconf");
	assert_string_equal(tid->host_iface, "eth1");
	no_dc = stas_dlpe_to_tid(entry_at(dlp, 0), NULL, NULL);
	assert_string_equal(no_dc->host_nqn, "");
	assert_string_equal(no_dc->host_iface, "");
	ignored = stas_dlpe_to_tid(entry_at(dlp, 0), dc, &ign);
	assert_string_equal(ignored->host_iface, "");
}

static void
put(GHashTable *map, const char *key, const char *value)
{
	g_hash_table_insert(map, (gpointer)key, (gpointer)value);
}

static GHashTable *
dict(const char *trtype, const char *trsvcid, const char *subtype, const char *eflags)
{
	GHashTable *map = g_hash_table_new(g_str_hash, g_str_equal);

	put(map, "trtype", trtype);
	put(map, "traddr", "10.0.0.1");
	put(map, "trsvcid", trsvcid);
	put(map, "subnqn", IO_NQN);
	put(map, "subtype", subtype);
	put(map, "eflags", eflags);
	return map;
}

static void
test_tid_kind_is_ioc_for_nvme_and_dc_for_referral_and_discovery(void **state)
{
	/* visible in the default port of a tcp entry without trsvcid (dictionary form) */
	g_autoptr(StasTid) dc = dc_tid("", "", HOST_NQN);
	g_autoptr(GHashTable) nvme = dict("tcp", "", "nvme", "0");
	g_autoptr(GHashTable) referral = dict("tcp", "", "referral", "0");
	g_autoptr(GHashTable) discovery = dict("tcp", "", "discovery", "0");
	g_autoptr(StasTid) t1 = stas_dlpe_map_to_tid(nvme, dc, NULL);
	g_autoptr(StasTid) t2 = stas_dlpe_map_to_tid(referral, dc, NULL);
	g_autoptr(StasTid) t3 = stas_dlpe_map_to_tid(discovery, dc, NULL);

	assert_string_equal(t1->trsvcid, "4420");
	assert_string_equal(t2->trsvcid, "8009");
	assert_string_equal(t3->trsvcid, "8009");
	assert_string_equal(t1->subsysnqn, IO_NQN);
	assert_string_equal(t1->host_nqn, HOST_NQN);
}

static void
test_tid_of_an_fc_entry_has_no_trsvcid(void **state)
{
	Entry fc = {.trtype = 2,
		    .adrfam = 4,
		    .subtype = 2,
		    .trsvcid = "none",
		    .subnqn = IO_NQN,
		    .traddr = FC_ADDR};
	g_autoptr(StasDlpeLog) dlp = parse_one(&fc);
	g_autoptr(StasTid) tid = stas_dlpe_to_tid(entry_at(dlp, 0), NULL, NULL);
	g_autofree char *transport = stas_dlpe_transport(entry_at(dlp, 0));

	assert_string_equal(transport, "fc");
	assert_string_equal(tid->transport, "fc");
	assert_string_equal(tid->traddr, FC_ADDR);
	assert_string_equal(tid->trsvcid, "");
}

static void
test_ncc_is_eflags_bit_0x4(void **state)
{
	const struct {
		guint16 eflags;
		gboolean ncc;
	} cases[] = {{0, FALSE}, {1, FALSE},	  {3, FALSE},	 {4, TRUE},
		     {6, TRUE},	 {0xfffb, FALSE}, {0xffff, TRUE}};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		Entry in = io_entry("10.0.0.1");
		g_autoptr(StasDlpeLog) dlp = NULL;

		in.eflags = cases[i].eflags;
		dlp = parse_one(&in);
		assert_int_equal(stas_dlpe_ncc(entry_at(dlp, 0)), cases[i].ncc);
	}
}

static void
test_ncc_of_a_dictionary_reads_the_eflags_string(void **state)
{
	const char *yes[] = {"4", "6", "65535"};
	const char *no[] = {"0", "3", "", "x", "-4", "65536", "4 "};

	for (gsize i = 0; i < G_N_ELEMENTS(yes); i++) {
		g_autoptr(GHashTable) map = dict("tcp", "4420", "nvme", yes[i]);

		assert_true(stas_dlpe_map_ncc(map));
	}
	for (gsize i = 0; i < G_N_ELEMENTS(no); i++) {
		g_autoptr(GHashTable) map = dict("tcp", "4420", "nvme", no[i]);

		assert_false(stas_dlpe_map_ncc(map));
	}
	assert_false(stas_dlpe_map_ncc(NULL));
}

/* ---- comparing lists (log_pages_changed only on change, Q25) ---- */

static GPtrArray *
entries_of(const Entry *entries, gsize n)
{
	g_autoptr(GByteArray) log = log_new(1, n, 0);
	g_autoptr(StasDlpeLog) dlp = NULL;

	for (gsize i = 0; i < n; i++)
		log_add(log, &entries[i]);
	dlp = parse(log);
	assert_int_equal(dlp->entries->len, n);
	return g_ptr_array_ref(dlp->entries);
}

static void
test_entry_lists_compare_equal_only_with_the_same_entries_in_order(void **state)
{
	Entry a = io_entry("10.0.0.1"), b = io_entry("10.0.0.2");
	Entry ab[] = {a, b}, ab2[] = {a, b}, ba[] = {b, a}, a_only[] = {a};
	Entry ab_ncc[] = {a, b};
	g_autoptr(GPtrArray) l_ab = NULL, l_ab2 = NULL, l_ba = NULL, l_a = NULL, l_ncc = NULL;
	g_autoptr(GPtrArray) none = g_ptr_array_new();

	ab_ncc[0].eflags = 4;
	l_ab = entries_of(ab, 2);
	l_ab2 = entries_of(ab2, 2);
	l_ba = entries_of(ba, 2);
	l_a = entries_of(a_only, 1);
	l_ncc = entries_of(ab_ncc, 2);
	assert_true(stas_dlpe_list_equal(l_ab, l_ab2));
	assert_false(stas_dlpe_list_equal(l_ab, l_ba));
	assert_false(stas_dlpe_list_equal(l_ab, l_a));
	assert_false(stas_dlpe_list_equal(l_ab, l_ncc));
	assert_true(stas_dlpe_list_equal(NULL, none));
	assert_false(stas_dlpe_list_equal(NULL, l_a));
}

static void
test_referral_lists_compare_without_the_other_entries(void **state)
{
	Entry a = io_entry("10.0.0.1"), b = io_entry("10.0.0.2");
	Entry r1 = tcp_entry("10.0.0.3", "8009", DISC_NQN, STAS_DLPE_SUBTYPE_REFERRAL);
	Entry r2 = tcp_entry("10.0.0.4", "8009", DISC_NQN, STAS_DLPE_SUBTYPE_REFERRAL);
	Entry x[] = {a, r1, b, r2}, y[] = {r1, r2}, z[] = {r2, a, r1}, w[] = {a, r1};
	g_autoptr(GPtrArray) lx = entries_of(x, 4), ly = entries_of(y, 2);
	g_autoptr(GPtrArray) lz = entries_of(z, 3), lw = entries_of(w, 2);

	assert_true(stas_dlpe_list_equal_subtype(lx, ly, STAS_DLPE_SUBTYPE_REFERRAL));
	assert_false(stas_dlpe_list_equal_subtype(lx, lz, STAS_DLPE_SUBTYPE_REFERRAL));
	assert_false(stas_dlpe_list_equal_subtype(lx, lw, STAS_DLPE_SUBTYPE_REFERRAL));
	assert_false(stas_dlpe_list_equal_subtype(lx, ly, STAS_DLPE_SUBTYPE_NVME));
	assert_true(stas_dlpe_list_equal_subtype(ly, NULL, STAS_DLPE_SUBTYPE_NVME));
}

static void
test_entries_equal_as_their_dictionaries_do(void **state)
{
	/* fc has no tsas in the dictionary; tcp sectypes 3 and 9 both read 'reserved' */
	Entry fc1 = {.trtype = 2, .subtype = 2, .subnqn = IO_NQN, .traddr = FC_ADDR, .tsas = {1}};
	Entry fc2 = fc1, t1 = io_entry("10.0.0.1"), t2 = io_entry("10.0.0.1");
	Entry t3 = io_entry("10.0.0.1");
	Entry all[] = {fc1, fc2, t1, t2, t3};
	g_autoptr(GPtrArray) l = NULL;

	all[1].tsas[0] = 2;
	all[2].tsas[0] = 3;
	all[3].tsas[0] = 9;
	all[4].tsas[0] = 2;
	l = entries_of(all, 5);
	assert_true(stas_dlpe_equal(l->pdata[0], l->pdata[1]));
	assert_true(stas_dlpe_equal(l->pdata[2], l->pdata[3]));
	assert_false(stas_dlpe_equal(l->pdata[2], l->pdata[4]));
	assert_false(stas_dlpe_equal(l->pdata[0], l->pdata[2]));
}

static void
test_entries_are_refcounted(void **state)
{
	Entry in = io_entry("10.0.0.1");
	StasDlpeLog *dlp = parse_one(&in);
	StasDlpe *e = stas_dlpe_ref(entry_at(dlp, 0));
	StasDlpeLog *again = stas_dlpe_log_ref(dlp);

	stas_dlpe_log_unref(again);
	stas_dlpe_log_unref(dlp);
	assert_string_equal(e->traddr, "10.0.0.1");
	stas_dlpe_unref(e);
	stas_dlpe_unref(NULL);
	stas_dlpe_log_unref(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_exposes_genctr_numrec_and_recfmt),
		cmocka_unit_test(test_header_shorter_than_1024_bytes_is_an_error),
		cmocka_unit_test(test_record_format_other_than_zero_is_reported),
		cmocka_unit_test(test_every_entry_field_is_decoded_little_endian),
		cmocka_unit_test(test_dictionary_has_the_upstream_keys_and_values),
		cmocka_unit_test(test_trtype_spellings_and_numbers_for_unknown_values),
		cmocka_unit_test(test_adrfam_spellings_and_numbers_for_unknown_values),
		cmocka_unit_test(test_subtype_spellings_and_numbers_for_unknown_values),
		cmocka_unit_test(test_treq_spellings_match_whole_values),
		cmocka_unit_test(test_tcp_tsas_is_the_python_repr_of_sectype),
		cmocka_unit_test(test_rdma_tsas_is_the_python_repr_of_qptype_prtype_cms),
		cmocka_unit_test(test_fc_and_loop_entries_have_no_tsas_key),
		cmocka_unit_test(test_padding_whitespace_and_nul_are_stripped),
		cmocka_unit_test(test_bytes_after_the_terminating_nul_are_ignored),
		cmocka_unit_test(test_placeholder_addresses_are_dropped_silently),
		cmocka_unit_test(
			test_each_kind_of_malformed_entry_is_dropped_and_its_neighbours_kept),
		cmocka_unit_test(test_fc_and_loop_entries_with_good_fields_are_kept),
		cmocka_unit_test(test_numrec_larger_than_the_data_gives_the_entries_really_there),
		cmocka_unit_test(test_numrec_smaller_than_the_data_ignores_the_rest),
		cmocka_unit_test(test_a_partial_last_entry_is_not_read),
		cmocka_unit_test(test_huge_numrec_never_allocates_beyond_the_data),
		cmocka_unit_test(test_a_1000_entry_page_is_read_in_order),
		cmocka_unit_test(test_tid_from_an_entry_copies_the_host_fields_of_the_dc),
		cmocka_unit_test(test_tid_keeps_the_sysconf_host_nqn_when_the_dc_has_none),
		cmocka_unit_test(test_tid_kind_is_ioc_for_nvme_and_dc_for_referral_and_discovery),
		cmocka_unit_test(test_tid_of_an_fc_entry_has_no_trsvcid),
		cmocka_unit_test(test_ncc_is_eflags_bit_0x4),
		cmocka_unit_test(test_ncc_of_a_dictionary_reads_the_eflags_string),
		cmocka_unit_test(
			test_entry_lists_compare_equal_only_with_the_same_entries_in_order),
		cmocka_unit_test(test_referral_lists_compare_without_the_other_entries),
		cmocka_unit_test(test_entries_equal_as_their_dictionaries_do),
		cmocka_unit_test(test_entries_are_refcounted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
