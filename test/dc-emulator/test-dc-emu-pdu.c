/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit tests of dc-emu-pdu: the NVMe/TCP PDUs of the DC emulator, byte for
 * byte as include/linux/nvme-tcp.h lays them out.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "stas/stas-error.h"

#include "dc-emu-pdu.h"

/* a CapsuleCmd as the Linux host builds it (nvme_tcp_setup_cmd_pdu) */
static GByteArray *
make_cmd(guint8 opcode, guint16 cid, const guint8 *data, gsize len, gboolean hdgst, gboolean ddgst)
{
	GByteArray *b = g_byte_array_new();
	guint hd = hdgst ? 4 : 0, dd = (ddgst && len) ? 4 : 0;
	guint pdo = len ? DCE_CMD_HLEN + hd : 0;
	guint plen = DCE_CMD_HLEN + hd + len + dd;

	g_byte_array_set_size(b, plen);
	memset(b->data, 0, plen);
	b->data[0] = DCE_PDU_CMD;
	b->data[1] = (hdgst ? DCE_PDU_F_HDGST : 0) | (dd ? DCE_PDU_F_DDGST : 0);
	b->data[2] = DCE_CMD_HLEN;
	b->data[3] = (guint8)pdo;
	dce_put_le32(b->data + 4, plen);
	b->data[8] = opcode;
	dce_put_le16(b->data + 8 + 2, cid);
	dce_put_le32(b->data + 8 + 32, (guint32)len); /* sgl length */
	if (hdgst)
		dce_put_le32(b->data + DCE_CMD_HLEN, dce_crc32c(b->data, DCE_CMD_HLEN));
	if (len) {
		memcpy(b->data + pdo, data, len);
		if (dd)
			dce_put_le32(b->data + pdo + len, dce_crc32c(data, len));
	}
	return b;
}

static void
test_crc32c_is_the_castagnoli_check_value(void **state)
{
	assert_int_equal(dce_crc32c((const guint8 *)"123456789", 9), 0xe3069283);
	assert_int_equal(dce_crc32c(NULL, 0), 0);
}

static void
test_icresp_has_pfv0_cpda0_the_digests_and_maxh2cdata(void **state)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	dce_pdu_put_icresp(b, DCE_DIGEST_HDR | DCE_DIGEST_DATA, 131072);
	assert_int_equal(b->len, 128);
	assert_int_equal(b->data[0], DCE_PDU_ICRESP);
	assert_int_equal(b->data[1], 0);
	assert_int_equal(b->data[2], 128); /* hlen */
	assert_int_equal(b->data[3], 0);   /* pdo */
	assert_int_equal(dce_get_le32(b->data + 4), 128);
	assert_int_equal(dce_get_le16(b->data + 8), 0); /* pfv */
	assert_int_equal(b->data[10], 0);		/* cpda */
	assert_int_equal(b->data[11], 3);		/* digest */
	assert_int_equal(dce_get_le32(b->data + 12), 131072);
}

static void
test_rsp_carries_the_cqe_with_status_shifted_past_the_phase_bit(void **state)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	DceCqe cqe = {
		.result = 0x70f002, .sq_head = 5, .sq_id = 0, .cid = 0x1234, .status = 0x4002};
	DceCqe back;

	dce_pdu_put_rsp(b, FALSE, &cqe);
	assert_int_equal(b->len, 24);
	assert_int_equal(b->data[0], DCE_PDU_RSP);
	assert_int_equal(b->data[2], 24);
	assert_int_equal(dce_get_le32(b->data + 4), 24);
	assert_int_equal(dce_get_le32(b->data + 8), 0x70f002);
	assert_int_equal(dce_get_le16(b->data + 8 + 8), 5);
	assert_int_equal(dce_get_le16(b->data + 8 + 12), 0x1234);
	assert_int_equal(dce_get_le16(b->data + 8 + 14), 0x8004);
	dce_cqe_read(b->data + 8, &back);
	assert_int_equal(back.status, 0x4002);
	assert_int_equal(back.result, 0x70f002);
}

static void
test_rsp_with_header_digest_sets_the_flag_and_appends_crc(void **state)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	DceCqe cqe = {.cid = 7};

	dce_pdu_put_rsp(b, TRUE, &cqe);
	assert_int_equal(b->len, 28);
	assert_int_equal(b->data[1], DCE_PDU_F_HDGST);
	assert_int_equal(dce_get_le32(b->data + 4), 28);
	assert_int_equal(dce_get_le32(b->data + 24), dce_crc32c(b->data, 24));
}

static void
test_c2h_data_puts_data_at_pdo_with_last_flag_and_digests(void **state)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	const guint8 data[6] = {1, 2, 3, 4, 5, 6};

	dce_pdu_put_c2h_data(b, TRUE, TRUE, 0x42, 0, data, sizeof(data), TRUE);
	assert_int_equal(b->data[0], DCE_PDU_C2H_DATA);
	assert_int_equal(b->data[1], DCE_PDU_F_HDGST | DCE_PDU_F_DDGST | DCE_PDU_F_DATA_LAST);
	assert_int_equal(b->data[2], 24);
	assert_int_equal(b->data[3], 28); /* pdo = hlen + header digest */
	assert_int_equal(dce_get_le32(b->data + 4), 28 + 6 + 4);
	assert_int_equal(b->len, 38);
	assert_int_equal(dce_get_le16(b->data + 8), 0x42);
	assert_int_equal(dce_get_le32(b->data + 12), 0);
	assert_int_equal(dce_get_le32(b->data + 16), 6);
	assert_int_equal(dce_get_le32(b->data + 24), dce_crc32c(b->data, 24));
	assert_memory_equal(b->data + 28, data, 6);
	assert_int_equal(dce_get_le32(b->data + 34), dce_crc32c(data, 6));
}

static void
test_c2h_data_without_digests_starts_data_at_24(void **state)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	const guint8 data[4] = {9, 9, 9, 9};

	dce_pdu_put_c2h_data(b, FALSE, FALSE, 1, 0, data, 4, TRUE);
	assert_int_equal(b->data[1], DCE_PDU_F_DATA_LAST);
	assert_int_equal(b->data[3], 24);
	assert_int_equal(b->len, 28);
}

static void
test_r2t_names_command_tag_offset_and_length(void **state)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	dce_pdu_put_r2t(b, FALSE, 0x11, 0x22, 0, 2112);
	assert_int_equal(b->len, 24);
	assert_int_equal(b->data[0], DCE_PDU_R2T);
	assert_int_equal(b->data[2], 24);
	assert_int_equal(dce_get_le16(b->data + 8), 0x11);
	assert_int_equal(dce_get_le16(b->data + 10), 0x22);
	assert_int_equal(dce_get_le32(b->data + 12), 0);
	assert_int_equal(dce_get_le32(b->data + 16), 2112);
}

static void
test_c2h_term_quotes_at_most_128_header_bytes(void **state)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	guint8 hdr[200];

	memset(hdr, 0xab, sizeof(hdr));
	dce_pdu_put_c2h_term(b, DCE_FES_HDR_DIGEST, 0, hdr, sizeof(hdr));
	assert_int_equal(b->data[0], DCE_PDU_C2H_TERM);
	assert_int_equal(b->data[2], 24);
	assert_int_equal(dce_get_le32(b->data + 4), 24 + 128);
	assert_int_equal(dce_get_le16(b->data + 8), DCE_FES_HDR_DIGEST);
	assert_int_equal(b->len, 152);
}

static void
test_icreq_is_accepted_and_parsed(void **state)
{
	guint8 buf[128] = {DCE_PDU_ICREQ, 0, 128, 0, 128};
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;
	DceIcReq req;

	buf[11] = DCE_DIGEST_HDR;
	dce_put_le32(buf + 12, 0);
	assert_true(dce_pdu_check(buf, sizeof(buf), FALSE, FALSE, &pdu, &fes, &error));
	assert_true(dce_icreq_parse(&pdu, &req, &error));
	assert_int_equal(req.pfv, 0);
	assert_int_equal(req.digest, DCE_DIGEST_HDR);
}

static void
test_icreq_with_other_pfv_or_hpda_is_refused(void **state)
{
	guint8 buf[128] = {DCE_PDU_ICREQ, 0, 128, 0, 128};
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;
	DceIcReq req;

	dce_put_le16(buf + 8, 1);
	assert_true(dce_pdu_check(buf, sizeof(buf), FALSE, FALSE, &pdu, &fes, &error));
	assert_false(dce_icreq_parse(&pdu, &req, &error));
	g_clear_error(&error);
	dce_put_le16(buf + 8, 0);
	buf[10] = 32;
	assert_false(dce_icreq_parse(&pdu, &req, &error));
	g_assert_error(error, STAS_ERROR, STAS_ERROR_INVALID);
}

static void
test_icreq_of_wrong_length_is_refused(void **state)
{
	guint8 buf[132] = {DCE_PDU_ICREQ, 0, 128, 0, 132};
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;

	assert_false(dce_pdu_check(buf, sizeof(buf), FALSE, FALSE, &pdu, &fes, &error));
	assert_int_equal(fes, DCE_FES_INVALID_HEADER);
}

static void
test_cmd_with_in_capsule_data_splits_at_pdo(void **state)
{
	guint8 data[1024];
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;

	memset(data, 0x5a, sizeof(data));
	b = make_cmd(0x7f, 3, data, sizeof(data), FALSE, FALSE);
	assert_true(dce_pdu_check(b->data, b->len, FALSE, FALSE, &pdu, &fes, &error));
	assert_int_equal(pdu.psh_len, 64);
	assert_int_equal(pdu.psh[0], 0x7f);
	assert_int_equal(pdu.data_len, 1024);
	assert_ptr_equal(pdu.data, b->data + 72);
}

static void
test_cmd_without_data_has_no_data(void **state)
{
	g_autoptr(GByteArray) b = make_cmd(0x18, 1, NULL, 0, FALSE, FALSE);
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;

	assert_true(dce_pdu_check(b->data, b->len, FALSE, FALSE, &pdu, &fes, &error));
	assert_null(pdu.data);
	assert_int_equal(pdu.data_len, 0);
}

static void
test_cmd_digests_are_checked(void **state)
{
	guint8 data[100];
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;

	memset(data, 7, sizeof(data));
	b = make_cmd(0x21, 9, data, sizeof(data), TRUE, TRUE);
	assert_true(dce_pdu_check(b->data, b->len, TRUE, TRUE, &pdu, &fes, &error));
	assert_int_equal(pdu.data_len, 100);
	assert_ptr_equal(pdu.data, b->data + 76);

	b->data[20] ^= 1; /* header byte: header digest error */
	assert_false(dce_pdu_check(b->data, b->len, TRUE, TRUE, &pdu, &fes, &error));
	assert_int_equal(fes, DCE_FES_HDR_DIGEST);
	g_clear_error(&error);
	b->data[20] ^= 1;
	b->data[80] ^= 1; /* data byte: data digest error */
	assert_false(dce_pdu_check(b->data, b->len, TRUE, TRUE, &pdu, &fes, &error));
	assert_int_equal(fes, DCE_FES_DATA_RANGE);
}

static void
test_digest_flags_must_match_the_negotiation(void **state)
{
	g_autoptr(GByteArray) plain = make_cmd(0x18, 1, NULL, 0, FALSE, FALSE);
	g_autoptr(GByteArray) hd = make_cmd(0x18, 1, NULL, 0, TRUE, FALSE);
	g_autoptr(GByteArray) data = make_cmd(0x21, 1, (const guint8 *)"abcd", 4, FALSE, FALSE);
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;

	/* negotiated but missing, present but not negotiated */
	assert_false(dce_pdu_check(plain->data, plain->len, TRUE, FALSE, &pdu, &fes, &error));
	g_clear_error(&error);
	assert_false(dce_pdu_check(hd->data, hd->len, FALSE, FALSE, &pdu, &fes, &error));
	g_clear_error(&error);
	/* data digest negotiated: data without it is refused */
	assert_false(dce_pdu_check(data->data, data->len, FALSE, TRUE, &pdu, &fes, &error));
	assert_int_equal(fes, DCE_FES_INVALID_HEADER);
}

static void
test_pdo_inside_the_header_or_missing_is_refused(void **state)
{
	g_autoptr(GByteArray) b = make_cmd(0x21, 1, (const guint8 *)"abcdefgh", 8, FALSE, FALSE);
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;

	b->data[3] = 40;
	assert_false(dce_pdu_check(b->data, b->len, FALSE, FALSE, &pdu, &fes, &error));
	g_clear_error(&error);
	b->data[3] = 0; /* data but no pdo */
	assert_false(dce_pdu_check(b->data, b->len, FALSE, FALSE, &pdu, &fes, &error));
	g_clear_error(&error);
	b->data[3] = 200; /* past plen */
	assert_false(dce_pdu_check(b->data, b->len, FALSE, FALSE, &pdu, &fes, &error));
}

static void
test_types_a_host_never_sends_are_refused(void **state)
{
	guint8 buf[24] = {DCE_PDU_C2H_DATA, 0, 24, 0, 24};
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;

	assert_false(dce_pdu_check(buf, sizeof(buf), FALSE, FALSE, &pdu, &fes, &error));
	g_assert_error(error, STAS_ERROR, STAS_ERROR_INVALID);
	assert_int_equal(dce_pdu_host_hlen(DCE_PDU_R2T), 0);
	assert_int_equal(dce_pdu_host_hlen(DCE_PDU_CMD), 72);
	assert_int_equal(dce_pdu_host_hlen(DCE_PDU_H2C_DATA), 24);
}

static void
test_h2c_term_is_accepted_with_its_quoted_header(void **state)
{
	guint8 buf[24 + 8] = {DCE_PDU_H2C_TERM, 0, 24, 0, 32};
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;

	assert_true(dce_pdu_check(buf, sizeof(buf), TRUE, TRUE, &pdu, &fes, &error));
	assert_int_equal(pdu.data_len, 8);
}

static void
test_h2c_data_length_must_equal_the_data(void **state)
{
	guint8 buf[24 + 16] = {DCE_PDU_H2C_DATA, DCE_PDU_F_DATA_LAST, 24, 24, 40};
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;
	DceDataHeader dh;

	dce_put_le16(buf + 8, 5);
	dce_put_le16(buf + 10, 6);
	dce_put_le32(buf + 12, 0);
	dce_put_le32(buf + 16, 16);
	assert_true(dce_pdu_check(buf, sizeof(buf), FALSE, FALSE, &pdu, &fes, &error));
	assert_true(dce_h2c_data_parse(&pdu, &dh, &error));
	assert_int_equal(dh.cid, 5);
	assert_int_equal(dh.ttag, 6);
	assert_int_equal(dh.length, 16);
	dce_put_le32(buf + 16, 17);
	assert_false(dce_h2c_data_parse(&pdu, &dh, &error));
}

static void
test_transfer_direction_follows_opcode_or_fctype(void **state)
{
	DceSqe s = {{0}};

	s.b[0] = 0x06; /* identify */
	assert_int_equal(dce_sqe_xfer(&s), DCE_XFER_C2H);
	s.b[0] = 0x02; /* get log page */
	assert_int_equal(dce_sqe_xfer(&s), DCE_XFER_C2H);
	s.b[0] = 0x21; /* DIM */
	assert_int_equal(dce_sqe_xfer(&s), DCE_XFER_H2C);
	s.b[0] = 0x09; /* set features */
	assert_int_equal(dce_sqe_xfer(&s), DCE_XFER_H2C);
	s.b[0] = 0x18; /* keep alive */
	assert_int_equal(dce_sqe_xfer(&s), DCE_XFER_NONE);
	s.b[0] = 0x7f;
	s.b[4] = 0x01; /* connect */
	assert_int_equal(dce_sqe_xfer(&s), DCE_XFER_H2C);
	s.b[4] = 0x04; /* property get */
	assert_int_equal(dce_sqe_xfer(&s), DCE_XFER_NONE);
}

static void
test_sqe_fields_are_little_endian_at_their_offsets(void **state)
{
	DceSqe s = {{0}};

	s.b[0] = 0x02;
	dce_put_le16(s.b + 2, 0xbeef);
	dce_put_le32(s.b + 4, 0xffffffff);
	dce_put_le32(s.b + 32, 4096);
	s.b[39] = 0x5a;
	dce_put_le32(s.b + 40, 0x03ff0070);
	assert_int_equal(dce_sqe_opcode(&s), 0x02);
	assert_int_equal(dce_sqe_cid(&s), 0xbeef);
	assert_int_equal(dce_sqe_nsid(&s), 0xffffffff);
	assert_int_equal(dce_sqe_sgl_len(&s), 4096);
	assert_int_equal(dce_sqe_sgl_type(&s), 0x5a);
	assert_int_equal(dce_sqe_cdw(&s, 10), 0x03ff0070);
}

/* bad input: random bytes never crash the checker */
static void
test_random_pdus_are_checked_without_crashing(void **state)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(8009);
	guint8 buf[300];

	for (guint i = 0; i < 20000; i++) {
		gsize len = g_rand_int_range(rand, 0, sizeof(buf));
		g_autoptr(GError) error = NULL;
		guint16 fes = 0;
		DcePdu pdu;

		for (gsize j = 0; j < len; j++)
			buf[j] = (guint8)g_rand_int(rand);
		if (len >= 8) {
			buf[0] = (guint8)g_rand_int_range(rand, 0, 8);
			dce_put_le32(buf + 4, g_rand_boolean(rand) ? (guint32)len : buf[4]);
		}
		if (dce_pdu_check(buf, len, g_rand_boolean(rand), g_rand_boolean(rand), &pdu, &fes,
				  &error)) {
			assert_true(pdu.data == NULL || pdu.data + pdu.data_len <= buf + len);
			assert_true(pdu.psh + pdu.psh_len <= buf + len);
		} else {
			assert_non_null(error);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_is_the_castagnoli_check_value),
		cmocka_unit_test(test_icresp_has_pfv0_cpda0_the_digests_and_maxh2cdata),
		cmocka_unit_test(test_rsp_carries_the_cqe_with_status_shifted_past_the_phase_bit),
		cmocka_unit_test(test_rsp_with_header_digest_sets_the_flag_and_appends_crc),
		cmocka_unit_test(test_c2h_data_puts_data_at_pdo_with_last_flag_and_digests),
		cmocka_unit_test(test_c2h_data_without_digests_starts_data_at_24),
		cmocka_unit_test(test_r2t_names_command_tag_offset_and_length),
		cmocka_unit_test(test_c2h_term_quotes_at_most_128_header_bytes),
		cmocka_unit_test(test_icreq_is_accepted_and_parsed),
		cmocka_unit_test(test_icreq_with_other_pfv_or_hpda_is_refused),
		cmocka_unit_test(test_icreq_of_wrong_length_is_refused),
		cmocka_unit_test(test_cmd_with_in_capsule_data_splits_at_pdo),
		cmocka_unit_test(test_cmd_without_data_has_no_data),
		cmocka_unit_test(test_cmd_digests_are_checked),
		cmocka_unit_test(test_digest_flags_must_match_the_negotiation),
		cmocka_unit_test(test_pdo_inside_the_header_or_missing_is_refused),
		cmocka_unit_test(test_types_a_host_never_sends_are_refused),
		cmocka_unit_test(test_h2c_term_is_accepted_with_its_quoted_header),
		cmocka_unit_test(test_h2c_data_length_must_equal_the_data),
		cmocka_unit_test(test_transfer_direction_follows_opcode_or_fctype),
		cmocka_unit_test(test_sqe_fields_are_little_endian_at_their_offsets),
		cmocka_unit_test(test_random_pdus_are_checked_without_crashing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
