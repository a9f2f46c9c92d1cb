/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit tests of dc-emu-dim: DIM data built with libnvme's own structures,
 * the way libnvme 1.3's nvmf_dim() fills them, and broken variants.
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

#include "dc-emu-dim.h"
#include "dc-emu-pdu.h"

G_STATIC_ASSERT(sizeof(struct nvmf_dim_data) == DCE_DIM_HEADER_LEN);
G_STATIC_ASSERT(sizeof(struct nvmf_ext_die) == DCE_DIM_EXT_DIE_LEN);
G_STATIC_ASSERT(offsetof(struct nvmf_dim_data, nument) == DCE_DIM_OFF_NUMENT);
G_STATIC_ASSERT(offsetof(struct nvmf_dim_data, entfmt) == DCE_DIM_OFF_ENTFMT);
G_STATIC_ASSERT(offsetof(struct nvmf_dim_data, etype) == DCE_DIM_OFF_ETYPE);
G_STATIC_ASSERT(offsetof(struct nvmf_dim_data, portlcl) == DCE_DIM_OFF_PORTLCL);
G_STATIC_ASSERT(offsetof(struct nvmf_dim_data, ektype) == DCE_DIM_OFF_EKTYPE);
G_STATIC_ASSERT(offsetof(struct nvmf_dim_data, eid) == DCE_DIM_OFF_EID);
G_STATIC_ASSERT(offsetof(struct nvmf_dim_data, ename) == DCE_DIM_OFF_ENAME);
G_STATIC_ASSERT(offsetof(struct nvmf_dim_data, ever) == DCE_DIM_OFF_EVER);

#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:ff8700c3-e3ee-4841-bf92-baa1bb1b88b0"

static const guint8 hostid[16] = {0x05, 0xd4, 0xfc, 0xde, 0x6e, 0xa5, 0x48, 0xc3,
				  0xa0, 0x3a, 0xd8, 0xae, 0x88, 0x16, 0x3f, 0xeb};

static guint16
exat_len(gsize len)
{
	return (guint16)((len + 3) & ~(gsize)3);
}

/* DIM data as libnvme's nvmf_dim(): one extended entry, host ID, optional symname */
static GByteArray *
libnvme_dim(const char *symname)
{
	gsize sym = symname ? strlen(symname) : 0;
	guint32 tel =
		sizeof(struct nvmf_ext_die) + 4 + exat_len(16) + (sym ? 4 + exat_len(sym) : 0);
	guint32 tdl = sizeof(struct nvmf_dim_data) + tel;
	GByteArray *b = g_byte_array_new();
	struct nvmf_dim_data *dim;
	struct nvmf_ext_die *die;
	guint8 *exat;

	g_byte_array_set_size(b, tdl);
	memset(b->data, 0, tdl);
	dim = (void *)b->data; /* g_malloc memory: aligned */
	dce_put_le32((guint8 *)&dim->tdl, tdl);
	dce_put_le64((guint8 *)&dim->nument, 1);
	dce_put_le16((guint8 *)&dim->entfmt, NVMF_DIM_ENTFMT_EXTENDED);
	dce_put_le16((guint8 *)&dim->etype, NVMF_DIM_ETYPE_HOST);
	dce_put_le16((guint8 *)&dim->ektype, 0x5f);
	memcpy(dim->eid, HOSTNQN, strlen(HOSTNQN));
	memcpy(dim->ename, "nvme-vm", 7);
	memcpy(dim->ever, "Linux 6.1", 9);
	die = (void *)(b->data + sizeof(*dim));
	dce_put_le32((guint8 *)&die->tel, tel);
	die->trtype = NVMF_TRTYPE_TCP;
	die->adrfam = NVMF_ADDR_FAMILY_IP4;
	memcpy(die->nqn, HOSTNQN, strlen(HOSTNQN));
	exat = (guint8 *)die->exat;
	dce_put_le16(exat, NVMF_EXATTYPE_HOSTID);
	dce_put_le16(exat + 2, exat_len(16));
	memcpy(exat + 4, hostid, 16);
	if (sym) {
		exat += 4 + exat_len(16);
		dce_put_le16(exat, NVMF_EXATTYPE_SYMNAME);
		dce_put_le16(exat + 2, exat_len(sym));
		memcpy(exat + 4, symname, sym);
		memset(exat + 4 + sym, ' ', exat_len(sym) - sym); /* libnvme pads with spaces */
	}
	dce_put_le16((guint8 *)&die->numexat, sym ? 2 : 1);
	return b;
}

static gboolean
refused(GByteArray *b)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DceDim) dim = dce_dim_parse(b->data, b->len, &error);

	return dim == NULL && g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID);
}

static void
test_libnvme_registration_yields_host_nqn_id_and_symname(void **state)
{
	g_autoptr(GByteArray) b = libnvme_dim("rack7-host");
	g_autoptr(GError) error = NULL;
	g_autoptr(DceDim) dim = dce_dim_parse(b->data, b->len, &error);
	const DceDimEntry *e;

	assert_null(error);
	assert_non_null(dim);
	assert_string_equal(dim->eid, HOSTNQN);
	assert_string_equal(dim->ename, "nvme-vm");
	assert_string_equal(dim->ever, "Linux 6.1");
	assert_int_equal(dim->entfmt, DCE_DIM_ENTFMT_EXTENDED);
	assert_int_equal(dim->etype, 1);
	assert_int_equal(dim->ektype, 0x5f);
	assert_int_equal(dim->entries->len, 1);
	e = g_ptr_array_index(dim->entries, 0);
	assert_string_equal(e->nqn, HOSTNQN);
	assert_string_equal(e->traddr, ""); /* the DC takes the socket's source address */
	assert_int_equal(e->trtype, 3);
	assert_int_equal(e->adrfam, 1);
	assert_string_equal(e->hostid, "05d4fcde-6ea5-48c3-a03a-d8ae88163feb");
	assert_string_equal(e->symname, "rack7-host"); /* space padding cut */
}

static void
test_registration_without_symname_has_none(void **state)
{
	g_autoptr(GByteArray) b = libnvme_dim(NULL);
	g_autoptr(DceDim) dim = dce_dim_parse(b->data, b->len, NULL);
	const DceDimEntry *e;

	assert_non_null(dim);
	e = g_ptr_array_index(dim->entries, 0);
	assert_non_null(e->hostid);
	assert_null(e->symname);
}

static void
test_data_shorter_than_the_header_or_tdl_is_refused(void **state)
{
	g_autoptr(GByteArray) b = libnvme_dim("x");

	g_byte_array_set_size(b, 1023);
	assert_true(refused(b));
	g_byte_array_unref(b);
	b = libnvme_dim("x");
	dce_put_le32(b->data, b->len + 4); /* TDL past the data */
	assert_true(refused(b));
	dce_put_le32(b->data, 1000); /* TDL below the header */
	assert_true(refused(b));
}

static void
test_entries_past_tdl_are_refused(void **state)
{
	g_autoptr(GByteArray) b = libnvme_dim("x");

	dce_put_le64(b->data + DCE_DIM_OFF_NUMENT, 2);
	assert_true(refused(b));
	dce_put_le64(b->data + DCE_DIM_OFF_NUMENT, G_MAXUINT64);
	assert_true(refused(b));
}

static void
test_a_tel_or_attribute_past_its_entry_is_refused(void **state)
{
	g_autoptr(GByteArray) b = libnvme_dim("x");
	guint8 *die = b->data + DCE_DIM_HEADER_LEN;

	dce_put_le32(die + 1024, 1031); /* below the fixed part */
	assert_true(refused(b));
	dce_put_le32(die + 1024, b->len - DCE_DIM_HEADER_LEN + 1);
	assert_true(refused(b));
	dce_put_le32(die + 1024, b->len - DCE_DIM_HEADER_LEN);
	dce_put_le16(die + 1032 + 2, 1000); /* host ID attribute length past TEL */
	assert_true(refused(b));
	dce_put_le16(die + 1032 + 2, 16);
	dce_put_le16(die + 1028, 9); /* more attributes than fit */
	assert_true(refused(b));
}

static void
test_unknown_entry_format_is_refused(void **state)
{
	g_autoptr(GByteArray) b = libnvme_dim(NULL);

	dce_put_le16(b->data + DCE_DIM_OFF_ENTFMT, 3);
	assert_true(refused(b));
}

static void
test_basic_entries_are_1024_bytes_each(void **state)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autoptr(DceDim) dim = NULL;
	const DceDimEntry *e;

	g_byte_array_set_size(b, 1024 + 2 * 1024);
	memset(b->data, 0, b->len);
	dce_put_le32(b->data, b->len);
	dce_put_le64(b->data + DCE_DIM_OFF_NUMENT, 2);
	dce_put_le16(b->data + DCE_DIM_OFF_ENTFMT, DCE_DIM_ENTFMT_BASIC);
	memcpy(b->data + DCE_DIM_OFF_EID, "nqn.x:ddc", 9);
	memcpy(b->data + 2048 + 512, "10.0.0.2", 8);
	dim = dce_dim_parse(b->data, b->len, NULL);
	assert_non_null(dim);
	assert_int_equal(dim->entries->len, 2);
	e = g_ptr_array_index(dim->entries, 1);
	assert_string_equal(e->traddr, "10.0.0.2");
	assert_null(e->hostid);
}

/* bad input: random mutations of a valid registration never crash the parser */
static void
test_random_mutations_are_parsed_without_crashing(void **state)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(8010);
	g_autoptr(GByteArray) good = libnvme_dim("sym");

	for (guint i = 0; i < 5000; i++) {
		g_autoptr(GByteArray) b = g_byte_array_sized_new(good->len);
		g_autoptr(DceDim) dim = NULL;
		g_autoptr(GError) error = NULL;
		guint flips = g_rand_int_range(rand, 1, 8);

		g_byte_array_append(b, good->data, good->len);
		for (guint j = 0; j < flips; j++) {
			/* mostly the counts and lengths */
			static const guint hot[] = {
				0, 8, 16, 1024 + 1024, 1024 + 1028, 1024 + 1034, 1024 + 1054};
			guint at = g_rand_boolean(rand) ? hot[g_rand_int_range(rand, 0, 7)]
							: (guint)g_rand_int_range(rand, 0, b->len);

			b->data[MIN(at, b->len - 1)] = (guint8)g_rand_int(rand);
		}
		g_byte_array_set_size(
			b, g_rand_int_range(rand, (gint32)b->len - 64, (gint32)b->len + 1));
		dim = dce_dim_parse(b->data, b->len, &error);
		assert_true((dim == NULL) == (error != NULL));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libnvme_registration_yields_host_nqn_id_and_symname),
		cmocka_unit_test(test_registration_without_symname_has_none),
		cmocka_unit_test(test_data_shorter_than_the_header_or_tdl_is_refused),
		cmocka_unit_test(test_entries_past_tdl_are_refused),
		cmocka_unit_test(test_a_tel_or_attribute_past_its_entry_is_refused),
		cmocka_unit_test(test_unknown_entry_format_is_refused),
		cmocka_unit_test(test_basic_entries_are_1024_bytes_each),
		cmocka_unit_test(test_random_mutations_are_parsed_without_crashing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
