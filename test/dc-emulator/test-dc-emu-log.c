/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit tests of dc-emu-log and dc-emu-entry: the discovery log the DC
 * emulator serves, checked against libnvme's own structure layouts.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <nvme/types.h>

#include "stas/stas-error.h"

#include "dc-emu-entry.h"
#include "dc-emu-log.h"
#include "dc-emu-pdu.h"

/* our offsets are libnvme's */
G_STATIC_ASSERT(sizeof(struct nvmf_disc_log_entry) == DCE_ENTRY_LEN);
G_STATIC_ASSERT(sizeof(struct nvmf_discovery_log) == DCE_LOG_HEADER_LEN);
G_STATIC_ASSERT(offsetof(struct nvmf_disc_log_entry, portid) == DCE_ENTRY_OFF_PORTID);
G_STATIC_ASSERT(offsetof(struct nvmf_disc_log_entry, cntlid) == DCE_ENTRY_OFF_CNTLID);
G_STATIC_ASSERT(offsetof(struct nvmf_disc_log_entry, asqsz) == DCE_ENTRY_OFF_ASQSZ);
G_STATIC_ASSERT(offsetof(struct nvmf_disc_log_entry, eflags) == DCE_ENTRY_OFF_EFLAGS);
G_STATIC_ASSERT(offsetof(struct nvmf_disc_log_entry, trsvcid) == DCE_ENTRY_OFF_TRSVCID);
G_STATIC_ASSERT(offsetof(struct nvmf_disc_log_entry, subnqn) == DCE_ENTRY_OFF_SUBNQN);
G_STATIC_ASSERT(offsetof(struct nvmf_disc_log_entry, traddr) == DCE_ENTRY_OFF_TRADDR);
G_STATIC_ASSERT(offsetof(struct nvmf_disc_log_entry, tsas) == DCE_ENTRY_OFF_TSAS);
G_STATIC_ASSERT(sizeof(struct nvme_supported_log_pages) == DCE_SUPPORTED_LEN);

static DceEntry *
entry_from(const char *json)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) error = NULL;
	DceEntry *e;

	assert_true(json_parser_load_from_data(p, json, -1, NULL));
	e = dce_entry_from_json(json_node_get_object(json_parser_get_root(p)), &error);
	if (e == NULL)
		fail_msg("%s: %s", json, error->message);
	return e;
}

static gboolean
entry_refused(const char *json)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(DceEntry) e = NULL;

	assert_true(json_parser_load_from_data(p, json, -1, NULL));
	e = dce_entry_from_json(json_node_get_object(json_parser_get_root(p)), &error);
	return e == NULL && g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID);
}

static GPtrArray *
three_entries(void)
{
	GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify)dce_entry_free);

	g_ptr_array_add(a, entry_from("{\"traddr\":\"10.0.0.1\",\"trsvcid\":\"4420\","
				      "\"subnqn\":\"nqn.x:one\"}"));
	g_ptr_array_add(a, entry_from("{\"traddr\":\"10.0.0.2\",\"trsvcid\":\"4420\","
				      "\"subnqn\":\"nqn.x:two\",\"local\":false}"));
	g_ptr_array_add(a, entry_from("{\"traddr\":\"10.0.0.3\",\"trsvcid\":\"8009\","
				      "\"subnqn\":\"nqn.x:three\",\"subtype\":\"referral\"}"));
	return a;
}

static void
test_entry_encodes_every_field_where_libnvme_reads_it(void **state)
{
	g_autoptr(DceEntry) e = entry_from(
		"{\"trtype\":\"tcp\",\"adrfam\":\"ipv6\",\"subtype\":\"current\",\"treq\":4,"
		"\"portid\":258,\"cntlid\":65534,\"asqsz\":64,\"eflags\":6,\"sectype\":2,"
		"\"traddr\":\"fe80::1\",\"trsvcid\":\"8009\",\"subnqn\":\"nqn.x:cdc\"}");
	struct nvmf_disc_log_entry entry;
	const struct nvmf_disc_log_entry *le = &entry;

	dce_entry_encode(e, 0, (guint8 *)&entry);
	assert_int_equal(le->trtype, NVMF_TRTYPE_TCP);
	assert_int_equal(le->adrfam, NVMF_ADDR_FAMILY_IP6);
	assert_int_equal(le->subtype, NVME_NQN_CURR);
	assert_int_equal(le->treq, 4);
	assert_int_equal(dce_get_le16((const guint8 *)&le->portid), 258);
	assert_int_equal(dce_get_le16((const guint8 *)&le->cntlid), 0xfffe);
	assert_int_equal(dce_get_le16((const guint8 *)&le->asqsz), 64);
	assert_int_equal(dce_get_le16((const guint8 *)&le->eflags), 6);
	assert_string_equal(le->trsvcid, "8009");
	assert_string_equal(le->subnqn, "nqn.x:cdc");
	assert_string_equal(le->traddr, "fe80::1");
	assert_int_equal(le->tsas.tcp.sectype, 2);
}

static void
test_entry_defaults_are_a_dynamic_tcp_ipv4_subsystem(void **state)
{
	g_autoptr(DceEntry) e = entry_from("{}");

	assert_int_equal(e->trtype, 3);
	assert_int_equal(e->adrfam, 1);
	assert_int_equal(e->subtype, 2);
	assert_int_equal(e->cntlid, 0xffff);
	assert_int_equal(e->asqsz, 32);
	assert_true(e->local);
}

static void
test_entry_json_refuses_unknown_keys_bad_ranges_and_long_strings(void **state)
{
	g_autofree char *trsvcid33 = g_strnfill(33, '1');
	g_autofree char *ok32 = g_strdup_printf("{\"trsvcid\":\"%.32s\"}", trsvcid33);
	g_autofree char *bad33 = g_strdup_printf("{\"trsvcid\":\"%s\"}", trsvcid33);
	g_autoptr(DceEntry) e = NULL;

	assert_true(entry_refused("{\"trdadr\":\"1.2.3.4\"}"));
	assert_true(entry_refused("{\"trtype\":\"carrier-pigeon\"}"));
	assert_true(entry_refused("{\"portid\":65536}"));
	assert_true(entry_refused("{\"treq\":-1}"));
	assert_true(entry_refused("{\"traddr\":4}"));
	assert_true(entry_refused("{\"local\":\"yes\"}"));
	assert_true(entry_refused(bad33));
	e = entry_from(ok32); /* the whole field, no NUL left */
	assert_int_equal(strlen(e->trsvcid), 32);
}

static void
test_entry_json_round_trips(void **state)
{
	g_autoptr(DceEntry) e = entry_from("{\"traddr\":\"1.2.3.4\",\"eflags\":4,\"local\":false}");
	g_autoptr(JsonObject) o = dce_entry_to_json(e);
	g_autoptr(DceEntry) back = dce_entry_from_json(o, NULL);

	assert_non_null(back);
	assert_string_equal(back->traddr, "1.2.3.4");
	assert_int_equal(back->eflags, 4);
	assert_false(back->local);
}

static void
test_entry_matches_on_the_given_members_only(void **state)
{
	g_autoptr(DceEntry) e = entry_from("{\"traddr\":\"1.2.3.4\",\"subnqn\":\"nqn.x:a\"}");
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) error = NULL;

	assert_true(json_parser_load_from_data(p, "{\"subnqn\":\"nqn.x:a\"}", -1, NULL));
	assert_true(dce_entry_matches(e, json_node_get_object(json_parser_get_root(p)), &error));
	assert_true(json_parser_load_from_data(p, "{\"subnqn\":\"nqn.x:b\"}", -1, NULL));
	assert_false(dce_entry_matches(e, json_node_get_object(json_parser_get_root(p)), &error));
	assert_null(error);
	assert_true(json_parser_load_from_data(p, "{\"bogus\":1}", -1, NULL));
	assert_false(dce_entry_matches(e, json_node_get_object(json_parser_get_root(p)), &error));
	assert_non_null(error);
}

static void
test_log_header_has_genctr_numrec_recfmt(void **state)
{
	g_autoptr(GPtrArray) entries = three_entries();
	g_autoptr(GBytes) log = dce_log_build(entries, 42, FALSE, 0);
	gsize len = 0;
	const struct nvmf_discovery_log *hdr = g_bytes_get_data(log, &len);

	assert_int_equal(len, 1024 + 3 * 1024);
	assert_int_equal(dce_get_le64((const guint8 *)&hdr->genctr), 42);
	assert_int_equal(dce_get_le64((const guint8 *)&hdr->numrec), 3);
	assert_int_equal(dce_get_le16((const guint8 *)&hdr->recfmt), 0);
	assert_string_equal(hdr->entries[0].subnqn, "nqn.x:one");
	assert_string_equal(hdr->entries[2].subnqn, "nqn.x:three");
	assert_int_equal(hdr->entries[2].subtype, NVME_NQN_DISC);
}

static void
test_pleo_keeps_only_port_local_entries(void **state)
{
	g_autoptr(GPtrArray) entries = three_entries();
	g_autoptr(GBytes) log = dce_log_build(entries, 1, TRUE, 0);
	gsize len = 0;
	const struct nvmf_discovery_log *hdr = g_bytes_get_data(log, &len);

	assert_int_equal(len, 1024 + 2 * 1024);
	assert_int_equal(dce_get_le64((const guint8 *)&hdr->numrec), 2);
	assert_string_equal(hdr->entries[0].subnqn, "nqn.x:one");
	assert_string_equal(hdr->entries[1].subnqn, "nqn.x:three");
}

static void
test_an_empty_log_is_just_the_header(void **state)
{
	g_autoptr(GPtrArray) none = g_ptr_array_new();
	g_autoptr(GBytes) log = dce_log_build(none, 0, FALSE, 0);

	assert_int_equal(g_bytes_get_size(log), 1024);
	assert_int_equal(dce_get_le64((const guint8 *)g_bytes_get_data(log, NULL) + 8), 0);
}

static void
test_log_copy_reads_a_window_and_zeros_past_the_end(void **state)
{
	g_autoptr(GPtrArray) entries = three_entries();
	g_autoptr(GBytes) log = dce_log_build(entries, 1, FALSE, 0);
	guint8 buf[2048];
	guint8 zero[2048] = {0};

	dce_log_copy(log, 2048, buf, 2048); /* entries 1 and 2 */
	assert_string_equal((const char *)buf + DCE_ENTRY_OFF_SUBNQN, "nqn.x:two");
	assert_string_equal((const char *)buf + 1024 + DCE_ENTRY_OFF_SUBNQN, "nqn.x:three");
	memset(buf, 0xff, sizeof(buf));
	dce_log_copy(log, 3072, buf, 2048); /* last entry, then 1024 bytes past the end */
	assert_string_equal((const char *)buf + DCE_ENTRY_OFF_SUBNQN, "nqn.x:three");
	assert_memory_equal(buf + 1024, zero, 1024);
	memset(buf, 0xff, sizeof(buf));
	dce_log_copy(log, G_MAXUINT64 - 10, buf, 2048);
	assert_memory_equal(buf, zero, 2048);
}

static void
test_malformed_space_padding_pads_strings_with_spaces(void **state)
{
	g_autoptr(DceEntry) e = entry_from("{\"traddr\":\"1.2.3.4\",\"trsvcid\":\"4420\"}");
	guint8 raw[DCE_ENTRY_LEN];

	dce_entry_encode(e, DCE_MALFORM_SPACE_PAD, raw);
	assert_memory_equal(raw + DCE_ENTRY_OFF_TRADDR, "1.2.3.4 ", 8);
	assert_int_equal(raw[DCE_ENTRY_OFF_TRADDR + 255], ' ');
	assert_int_equal(raw[DCE_ENTRY_OFF_TRSVCID + 31], ' ');
	assert_null(memchr(raw + DCE_ENTRY_OFF_TRSVCID, 0, DCE_TRSVCID_LEN));
}

static void
test_malformed_no_nul_fills_every_string_field(void **state)
{
	g_autoptr(DceEntry) e = entry_from("{\"traddr\":\"1.2.3.4\",\"subnqn\":\"nqn.x:a\"}");
	guint8 raw[DCE_ENTRY_LEN];

	dce_entry_encode(e, DCE_MALFORM_NO_NUL, raw);
	assert_null(memchr(raw + DCE_ENTRY_OFF_TRSVCID, 0, DCE_TRSVCID_LEN));
	assert_null(memchr(raw + DCE_ENTRY_OFF_SUBNQN, 0, DCE_NQN_LEN));
	assert_null(memchr(raw + DCE_ENTRY_OFF_TRADDR, 0, DCE_TRADDR_LEN));
	assert_memory_equal(raw + DCE_ENTRY_OFF_TRADDR, "1.2.3.4XX", 9);
}

static void
test_malformed_traddr_comma_injects_an_option(void **state)
{
	g_autoptr(DceEntry) e = entry_from("{\"traddr\":\"1.2.3.4\"}");
	guint8 raw[DCE_ENTRY_LEN];

	dce_entry_encode(e, DCE_MALFORM_TRADDR_COMMA, raw);
	assert_string_equal((const char *)raw + DCE_ENTRY_OFF_TRADDR, "1.2.3.4,hostnqn=nqn.evil=1");
}

static void
test_malformed_non_printable_adds_control_bytes(void **state)
{
	g_autoptr(DceEntry) e = entry_from("{\"traddr\":\"1.2.3.4\",\"trsvcid\":\"4420\","
					   "\"subnqn\":\"nqn.x:a\"}");
	guint8 raw[DCE_ENTRY_LEN];

	dce_entry_encode(e, DCE_MALFORM_NONPRINT, raw);
	assert_string_equal((const char *)raw + DCE_ENTRY_OFF_TRSVCID, "4420\x1b");
	assert_string_equal((const char *)raw + DCE_ENTRY_OFF_SUBNQN, "nqn.x:a\x01");
	assert_string_equal((const char *)raw + DCE_ENTRY_OFF_TRADDR, "1.2.3.4\x7f");
}

static void
test_malformed_numrec_claims_more_records_than_the_data(void **state)
{
	g_autoptr(GPtrArray) entries = three_entries();
	g_autoptr(GBytes) over = dce_log_build(entries, 1, FALSE, DCE_MALFORM_NUMREC_OVER);
	g_autoptr(GBytes) huge = dce_log_build(entries, 1, FALSE, DCE_MALFORM_NUMREC_HUGE);

	assert_int_equal(g_bytes_get_size(over), 4096);
	assert_int_equal(dce_get_le64((const guint8 *)g_bytes_get_data(over, NULL) + 8),
			 3 + DCE_NUMREC_OVER);
	assert_int_equal(dce_get_le64((const guint8 *)g_bytes_get_data(huge, NULL) + 8),
			 G_MAXUINT64);
}

static void
test_long_values_are_cut_at_their_field(void **state)
{
	g_autoptr(DceEntry) e = dce_entry_new();
	guint8 raw[DCE_ENTRY_LEN];

	g_free(e->trsvcid);
	e->trsvcid = g_strnfill(32, '7');
	dce_entry_encode(e, DCE_MALFORM_NONPRINT, raw); /* 33 bytes: the control byte is cut */
	assert_int_equal(raw[DCE_ENTRY_OFF_TRSVCID + 31], '7');
	assert_int_equal(raw[DCE_ENTRY_OFF_TRSVCID + 32 + 0], 0); /* rsvd64 untouched */
}

static void
test_malform_names_round_trip(void **state)
{
	for (guint bit = 1; bit <= DCE_MALFORM_ALL; bit <<= 1) {
		const char *name = dce_malform_name((DceMalform)bit);

		assert_non_null(name);
		assert_int_equal(dce_malform_from_name(name), bit);
	}
	assert_int_equal(dce_malform_from_name("bogus"), 0);
	assert_int_equal(dce_malform_from_name(NULL), 0);
	assert_int_equal(dce_malform_from_name("space-padding"), DCE_MALFORM_SPACE_PAD);
	assert_int_equal(dce_malform_from_name("genctr-churn"), DCE_MALFORM_GENCTR_CHURN);
}

static void
test_supported_log_pages_announce_pleos_in_lid_0x70(void **state)
{
	struct nvme_supported_log_pages sup;

	dce_log_supported(TRUE, (guint8 *)&sup);
	assert_int_equal(dce_get_le32((const guint8 *)&sup.lid_support[0x70]), 0x00020001);
	assert_int_equal(dce_get_le32((const guint8 *)&sup.lid_support[0x70]) >> 16 &
				 NVMF_LOG_DISC_LID_PLEOS,
			 NVMF_LOG_DISC_LID_PLEOS);
	assert_int_equal(dce_get_le32((const guint8 *)&sup.lid_support[0]), 1);
	assert_int_equal(dce_get_le32((const guint8 *)&sup.lid_support[2]), 0);
	dce_log_supported(FALSE, (guint8 *)&sup);
	assert_int_equal(dce_get_le32((const guint8 *)&sup.lid_support[0x70]), 0x00000001);
}

static void
test_fixed_string_stops_at_nul_cuts_spaces_and_escapes(void **state)
{
	const guint8 a[8] = {'a', 'b', ' ', ' ', 0, 'x', 'x', 'x'};
	const guint8 b[4] = {'w', 'x', 'y', 'z'};
	const guint8 c[5] = {'a', 0x01, '\\', 0xff, 0};
	g_autofree char *sa = dce_fixed_string(a, sizeof(a));
	g_autofree char *sb = dce_fixed_string(b, sizeof(b));
	g_autofree char *sc = dce_fixed_string(c, sizeof(c));

	assert_string_equal(sa, "ab");
	assert_string_equal(sb, "wxyz"); /* no NUL: the field's end */
	assert_string_equal(sc, "a\\x01\\x5c\\xff");
	assert_true(g_utf8_validate(sc, -1, NULL));
}

static void
test_uuid_string_is_8_4_4_4_12_lowercase(void **state)
{
	const guint8 u[16] = {0x05, 0xd4, 0xfc, 0xde, 0x6e, 0xa5, 0x48, 0xc3,
			      0xa0, 0x3a, 0xd8, 0xae, 0x88, 0x16, 0x3f, 0xeb};
	g_autofree char *s = dce_uuid_string(u);

	assert_string_equal(s, "05d4fcde-6ea5-48c3-a03a-d8ae88163feb");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_encodes_every_field_where_libnvme_reads_it),
		cmocka_unit_test(test_entry_defaults_are_a_dynamic_tcp_ipv4_subsystem),
		cmocka_unit_test(test_entry_json_refuses_unknown_keys_bad_ranges_and_long_strings),
		cmocka_unit_test(test_entry_json_round_trips),
		cmocka_unit_test(test_entry_matches_on_the_given_members_only),
		cmocka_unit_test(test_log_header_has_genctr_numrec_recfmt),
		cmocka_unit_test(test_pleo_keeps_only_port_local_entries),
		cmocka_unit_test(test_an_empty_log_is_just_the_header),
		cmocka_unit_test(test_log_copy_reads_a_window_and_zeros_past_the_end),
		cmocka_unit_test(test_malformed_space_padding_pads_strings_with_spaces),
		cmocka_unit_test(test_malformed_no_nul_fills_every_string_field),
		cmocka_unit_test(test_malformed_traddr_comma_injects_an_option),
		cmocka_unit_test(test_malformed_non_printable_adds_control_bytes),
		cmocka_unit_test(test_malformed_numrec_claims_more_records_than_the_data),
		cmocka_unit_test(test_long_values_are_cut_at_their_field),
		cmocka_unit_test(test_malform_names_round_trip),
		cmocka_unit_test(test_supported_log_pages_announce_pleos_in_lid_0x70),
		cmocka_unit_test(test_fixed_string_stops_at_nul_cuts_spaces_and_escapes),
		cmocka_unit_test(test_uuid_string_is_8_4_4_4_12_lowercase),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
