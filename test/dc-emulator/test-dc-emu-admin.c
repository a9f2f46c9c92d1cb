/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit tests of dc-emu-admin and dc-emu-state: the admin queue of one DC
 * emulator association, command by command, without sockets.  Identify
 * offsets are checked against libnvme's struct nvme_id_ctrl.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <nvme/types.h>

#include "dc-emu-admin.h"
#include "dc-emu-dim.h"
#include "dc-emu-entry.h"
#include "dc-emu-log.h"

G_STATIC_ASSERT(offsetof(struct nvme_id_ctrl, cntlid) == DCE_ID_OFF_CNTLID);
G_STATIC_ASSERT(offsetof(struct nvme_id_ctrl, oaes) == DCE_ID_OFF_OAES);
G_STATIC_ASSERT(offsetof(struct nvme_id_ctrl, cntrltype) == DCE_ID_OFF_CNTRLTYPE);
G_STATIC_ASSERT(offsetof(struct nvme_id_ctrl, kas) == DCE_ID_OFF_KAS);
G_STATIC_ASSERT(offsetof(struct nvme_id_ctrl, maxcmd) == DCE_ID_OFF_MAXCMD);
G_STATIC_ASSERT(offsetof(struct nvme_id_ctrl, sgls) == DCE_ID_OFF_SGLS);
G_STATIC_ASSERT(offsetof(struct nvme_id_ctrl, subnqn) == DCE_ID_OFF_SUBNQN);
G_STATIC_ASSERT(offsetof(struct nvme_id_ctrl, ioccsz) == DCE_ID_OFF_IOCCSZ);
G_STATIC_ASSERT(offsetof(struct nvme_id_ctrl, dctype) == DCE_ID_OFF_DCTYPE);
G_STATIC_ASSERT(sizeof(struct nvme_id_ctrl) == DCE_ID_LEN);
G_STATIC_ASSERT(offsetof(struct nvmf_connect_data, subsysnqn) == DCE_CONNECT_OFF_SUBNQN);
G_STATIC_ASSERT(offsetof(struct nvmf_connect_data, hostnqn) == DCE_CONNECT_OFF_HOSTNQN);
G_STATIC_ASSERT(sizeof(struct nvmf_connect_data) == DCE_CONNECT_DATA_LEN);

#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555"
#define UNIQUE	"nqn.2014-08.org.example:cdc-1"

typedef struct {
	DceState *state;
	DceCtrl *ctrl;
	GArray *sent; /* DceCqe: completions sent later (AENs) */
	guint16 cid;
} Fx;

static void
on_send(gpointer data, const DceCqe *cqe)
{
	Fx *fx = data;

	g_array_append_val(fx->sent, *cqe);
}

static Fx *
fx_new_with(DceConfig *cfg)
{
	Fx *fx = g_new0(Fx, 1);

	g_ptr_array_add(cfg->entries, dce_entry_new());
	g_ptr_array_add(cfg->entries, dce_entry_new());
	((DceEntry *)g_ptr_array_index(cfg->entries, 1))->local = FALSE;
	fx->state = dce_state_new(cfg);
	fx->ctrl = dce_ctrl_new(fx->state, "192.0.2.7", on_send, fx);
	fx->sent = g_array_new(FALSE, FALSE, sizeof(DceCqe));
	fx->cid = 100;
	return fx;
}

static int
setup(void **state)
{
	*state = fx_new_with(dce_config_new());
	return 0;
}

static int
teardown(void **state)
{
	Fx *fx = *state;

	dce_ctrl_free(fx->ctrl);
	dce_state_free(fx->state);
	g_array_unref(fx->sent);
	g_free(fx);
	return 0;
}

static DceSqe
sqe(Fx *fx, guint8 opcode)
{
	DceSqe s = {{0}};

	s.b[0] = opcode;
	dce_put_le16(s.b + 2, fx->cid++);
	return s;
}

/* run a command that completes at once; returns the status, frees any data unless asked */
static guint16
run(Fx *fx, DceSqe *s, const guint8 *data, gsize len, guint64 *result, GBytes **out)
{
	DceReply r;
	DceExec ex = dce_ctrl_exec(fx->ctrl, s, data, len, &r);

	assert_int_not_equal(ex, DCE_EXEC_HOLD);
	assert_int_equal(r.cqe.cid, dce_sqe_cid(s));
	if (result != NULL)
		*result = r.cqe.result;
	if (out != NULL)
		*out = g_steal_pointer(&r.data);
	g_clear_pointer(&r.data, g_bytes_unref);
	return r.cqe.status;
}

static guint16
do_connect(Fx *fx, const char *subnqn, guint16 qid, guint32 kato, guint64 *result)
{
	DceSqe s = sqe(fx, DCE_OPC_FABRICS);
	guint8 data[DCE_CONNECT_DATA_LEN] = {0};
	const guint8 hostid[16] = {0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33,
				   0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};

	s.b[4] = DCE_FCT_CONNECT;
	dce_put_le16(s.b + 42, qid);
	dce_put_le16(s.b + 44, 31);
	dce_put_le32(s.b + 48, kato);
	dce_put_le32(s.b + 32, sizeof(data));
	memcpy(data, hostid, 16);
	dce_put_le16(data + 16, 0xffff);
	memcpy(data + DCE_CONNECT_OFF_SUBNQN, subnqn, strlen(subnqn));
	memcpy(data + DCE_CONNECT_OFF_HOSTNQN, HOSTNQN, strlen(HOSTNQN));
	return run(fx, &s, data, sizeof(data), result, NULL);
}

static guint16
prop_set(Fx *fx, guint32 offset, guint64 value)
{
	DceSqe s = sqe(fx, DCE_OPC_FABRICS);

	s.b[4] = DCE_FCT_PROP_SET;
	dce_put_le32(s.b + 44, offset);
	dce_put_le64(s.b + 48, value);
	return run(fx, &s, NULL, 0, NULL, NULL);
}

static guint64
prop_get(Fx *fx, guint32 offset, gboolean wide, guint16 *status)
{
	DceSqe s = sqe(fx, DCE_OPC_FABRICS);
	guint64 v = 0;

	s.b[4] = DCE_FCT_PROP_GET;
	s.b[40] = wide ? 1 : 0;
	dce_put_le32(s.b + 44, offset);
	*status = run(fx, &s, NULL, 0, &v, NULL);
	return v;
}

/* connected and enabled, as the Linux host leaves it */
static void
bring_up(Fx *fx)
{
	assert_int_equal(do_connect(fx, DCE_DISC_NQN, 0, 30000, NULL), 0);
	assert_int_equal(prop_set(fx, DCE_PROP_CC, 0x460001), 0);
	assert_true(dce_ctrl_is_live(fx->ctrl));
}

static guint16
get_log(Fx *fx, guint8 lid, guint8 lsp, gboolean rae, guint64 offset, guint32 len, GBytes **out)
{
	DceSqe s = sqe(fx, DCE_OPC_GET_LOG_PAGE);
	guint32 numd = len / 4 - 1;

	dce_put_le32(s.b + 40,
		     lid | (guint32)lsp << 8 | (rae ? 1u << 15 : 0) | (numd & 0xffff) << 16);
	dce_put_le32(s.b + 44, numd >> 16);
	dce_put_le32(s.b + 48, (guint32)offset);
	dce_put_le32(s.b + 52, (guint32)(offset >> 32));
	dce_put_le32(s.b + 32, len);
	return run(fx, &s, NULL, 0, NULL, out);
}

static guint64
log_numrec(GBytes *log)
{
	return dce_get_le64((const guint8 *)g_bytes_get_data(log, NULL) + 8);
}

static guint16
identify(Fx *fx, guint8 cns, guint32 len, struct nvme_id_ctrl *id)
{
	DceSqe s = sqe(fx, DCE_OPC_IDENTIFY);
	g_autoptr(GBytes) data = NULL;
	guint16 st;

	dce_put_le32(s.b + 40, cns);
	dce_put_le32(s.b + 32, len);
	st = run(fx, &s, NULL, 0, NULL, &data);
	if (st == 0 && id != NULL) {
		assert_int_equal(g_bytes_get_size(data), sizeof(*id));
		memcpy(id, g_bytes_get_data(data, NULL), sizeof(*id));
	}
	return st;
}

static guint16
feature(Fx *fx, guint8 opcode, guint32 cdw10, guint32 cdw11, guint64 *result)
{
	DceSqe s = sqe(fx, opcode);

	dce_put_le32(s.b + 40, cdw10);
	dce_put_le32(s.b + 44, cdw11);
	return run(fx, &s, NULL, 0, result, NULL);
}

static DceExec
aer(Fx *fx, guint16 *cid, DceReply *r)
{
	DceSqe s = sqe(fx, DCE_OPC_AER);

	*cid = dce_sqe_cid(&s);
	return dce_ctrl_exec(fx->ctrl, &s, NULL, 0, r);
}

static void
aer_held(Fx *fx, guint16 *cid)
{
	DceReply r;

	assert_int_equal(aer(fx, cid, &r), DCE_EXEC_HOLD);
}

/* DIM data as libnvme sends it: one extended entry, host ID, symbolic name */
static GByteArray *
dim_data(const char *eid, const char *symname, const char *traddr)
{
	gsize sym = strlen(symname), symlen = (sym + 3) & ~(gsize)3;
	guint32 tel = DCE_DIM_EXT_DIE_LEN + 4 + 16 + 4 + (guint32)symlen;
	GByteArray *b = g_byte_array_new();
	guint8 *die, *exat;

	g_byte_array_set_size(b, DCE_DIM_HEADER_LEN + tel);
	memset(b->data, 0, b->len);
	dce_put_le32(b->data, b->len);
	dce_put_le64(b->data + DCE_DIM_OFF_NUMENT, 1);
	dce_put_le16(b->data + DCE_DIM_OFF_ENTFMT, DCE_DIM_ENTFMT_EXTENDED);
	dce_put_le16(b->data + DCE_DIM_OFF_ETYPE, 1);
	memcpy(b->data + DCE_DIM_OFF_EID, eid, strlen(eid));
	memcpy(b->data + DCE_DIM_OFF_ENAME, "host-a", 6);
	die = b->data + DCE_DIM_HEADER_LEN;
	die[0] = 3;
	die[1] = 1;
	memcpy(die + DCE_ENTRY_OFF_TRADDR, traddr, strlen(traddr));
	dce_put_le32(die + 1024, tel);
	dce_put_le16(die + 1028, 2);
	exat = die + DCE_DIM_EXT_DIE_LEN;
	dce_put_le16(exat, DCE_EXATTYPE_HOSTID);
	dce_put_le16(exat + 2, 16);
	memset(exat + 4, 0xab, 16);
	exat += 20;
	dce_put_le16(exat, DCE_EXATTYPE_SYMNAME);
	dce_put_le16(exat + 2, (guint16)symlen);
	memset(exat + 4, ' ', symlen);
	memcpy(exat + 4, symname, sym);
	return b;
}

static guint16
dim(Fx *fx, guint8 tas, GByteArray *data)
{
	DceSqe s = sqe(fx, DCE_OPC_DIM);

	dce_put_le32(s.b + 40, tas);
	dce_put_le32(s.b + 32, data ? data->len : 0);
	return run(fx, &s, data ? data->data : NULL, data ? data->len : 0, NULL, NULL);
}

/* ------------------------------------------------------------------------ */
/* Fabrics                                                                   */

static void
test_commands_before_connect_are_a_sequence_error(void **state)
{
	Fx *fx = *state;
	guint16 st;

	assert_int_equal(feature(fx, DCE_OPC_KEEP_ALIVE, 0, 0, NULL),
			 DCE_SC_CMD_SEQ_ERROR | DCE_SC_DNR);
	prop_get(fx, DCE_PROP_CAP, TRUE, &st);
	assert_int_equal(st, DCE_SC_CMD_SEQ_ERROR | DCE_SC_DNR);
}

static void
test_connect_records_the_host_and_returns_the_cntlid(void **state)
{
	Fx *fx = *state;
	guint64 result = 0;

	assert_int_equal(do_connect(fx, DCE_DISC_NQN, 0, 30000, &result), 0);
	assert_int_equal(result, 1); /* cntlid-base */
	assert_int_equal(fx->ctrl->cntlid, 1);
	assert_string_equal(fx->ctrl->hostnqn, HOSTNQN);
	assert_string_equal(fx->ctrl->hostid, "11111111-2222-3333-4444-555555555555");
	assert_int_equal(fx->ctrl->kato_ms, 30000);
	assert_int_equal(do_connect(fx, DCE_DISC_NQN, 0, 0, NULL),
			 DCE_SC_CMD_SEQ_ERROR | DCE_SC_DNR); /* only once */
}

static void
test_io_queue_connect_is_refused_at_the_qid(void **state)
{
	Fx *fx = *state;
	guint64 result = 0;

	assert_int_equal(do_connect(fx, DCE_DISC_NQN, 1, 0, &result),
			 DCE_SC_CONNECT_INVALID | DCE_SC_DNR);
	assert_int_equal(result, 42); /* IATTR 0 (command), IPO: offset of QID */
	assert_false(fx->ctrl->connected);
}

static void
test_connect_to_another_subsystem_is_refused_at_subnqn(void **state)
{
	Fx *fx = *state;
	guint64 result = 0;

	assert_int_equal(do_connect(fx, "nqn.2014-08.org.example:other", 0, 0, &result),
			 DCE_SC_CONNECT_INVALID | DCE_SC_DNR);
	assert_int_equal(result, 1 << 16 | 256); /* IATTR 1 (data), IPO 256 */
}

static void
test_unique_nqn_accepts_its_own_and_the_well_known_nqn(void **state)
{
	DceConfig *cfg = dce_config_new();
	Fx *fx;
	DceCtrl *second;
	DceSqe s;
	DceReply r;
	guint8 data[DCE_CONNECT_DATA_LEN] = {0};

	g_free(cfg->nqn);
	cfg->nqn = g_strdup(UNIQUE);
	fx = fx_new_with(cfg);
	assert_int_equal(do_connect(fx, UNIQUE, 0, 0, NULL), 0);
	/* a second association, with the well-known NQN, gets its own cntlid */
	second = dce_ctrl_new(fx->state, "192.0.2.8", on_send, fx);
	s = sqe(fx, DCE_OPC_FABRICS);
	s.b[4] = DCE_FCT_CONNECT;
	dce_put_le16(s.b + 44, 31);
	memcpy(data + DCE_CONNECT_OFF_SUBNQN, DCE_DISC_NQN, strlen(DCE_DISC_NQN));
	memcpy(data + DCE_CONNECT_OFF_HOSTNQN, HOSTNQN, strlen(HOSTNQN));
	assert_int_equal(dce_ctrl_exec(second, &s, data, sizeof(data), &r), DCE_EXEC_REPLY);
	assert_int_equal(r.cqe.status, 0);
	assert_int_equal(r.cqe.result, 2);
	dce_ctrl_free(second);
	teardown((void **)&fx);
}

static void
test_connect_without_its_data_or_with_recfmt_1_is_refused(void **state)
{
	Fx *fx = *state;
	DceSqe s = sqe(fx, DCE_OPC_FABRICS);

	s.b[4] = DCE_FCT_CONNECT;
	dce_put_le16(s.b + 44, 31);
	assert_int_equal(run(fx, &s, NULL, 0, NULL, NULL), DCE_SC_SGL_INVALID_DATA | DCE_SC_DNR);
	dce_put_le16(s.b + 40, 1);
	assert_int_equal(run(fx, &s, NULL, 0, NULL, NULL), DCE_SC_CONNECT_FORMAT | DCE_SC_DNR);
}

static void
test_properties_cap_vs_and_the_enable_handshake(void **state)
{
	Fx *fx = *state;
	guint16 st;
	guint64 cap;

	assert_int_equal(do_connect(fx, DCE_DISC_NQN, 0, 0, NULL), 0);
	cap = prop_get(fx, DCE_PROP_CAP, TRUE, &st);
	assert_int_equal(st, 0);
	assert_int_equal(cap & 0xffff, DCE_MQES);
	assert_true(cap & (1ull << 37));	/* CSS: NVM command set */
	assert_int_equal((cap >> 48) & 0xf, 0); /* MPSMIN 4 KiB */
	assert_int_equal((cap >> 24) & 0xff, 15);
	assert_int_equal(prop_get(fx, DCE_PROP_VS, FALSE, &st), 0x10300);
	assert_int_equal(prop_get(fx, DCE_PROP_CSTS, FALSE, &st), 0);
	/* admin commands wait for CC.EN */
	assert_int_equal(feature(fx, DCE_OPC_KEEP_ALIVE, 0, 0, NULL),
			 DCE_SC_CMD_SEQ_ERROR | DCE_SC_DNR);
	assert_int_equal(prop_set(fx, DCE_PROP_CC, 0x460001), 0);
	assert_int_equal(prop_get(fx, DCE_PROP_CSTS, FALSE, &st), DCE_CSTS_RDY);
	assert_int_equal(prop_get(fx, DCE_PROP_CC, FALSE, &st), 0x460001);
	assert_int_equal(feature(fx, DCE_OPC_KEEP_ALIVE, 0, 0, NULL), 0);
	assert_int_equal(fx->ctrl->keep_alives, 1);
	/* shutdown: SHST complete */
	assert_int_equal(prop_set(fx, DCE_PROP_CC, 0x464001), 0);
	assert_int_equal(prop_get(fx, DCE_PROP_CSTS, FALSE, &st) & 0xc, DCE_CSTS_SHST_DONE);
	prop_get(fx, 0x28, FALSE, &st); /* ASQ: not a fabrics property */
	assert_int_equal(st, DCE_SC_INVALID_FIELD | DCE_SC_DNR);
}

static void
test_disconnect_ends_the_association(void **state)
{
	Fx *fx = *state;
	DceSqe s;
	DceReply r;

	bring_up(fx);
	s = sqe(fx, DCE_OPC_FABRICS);
	s.b[4] = DCE_FCT_DISCONNECT;
	assert_int_equal(dce_ctrl_exec(fx->ctrl, &s, NULL, 0, &r), DCE_EXEC_REPLY_CLOSE);
	assert_int_equal(r.cqe.status, 0);
}

/* ------------------------------------------------------------------------ */
/* Identify                                                                  */

static void
test_identify_is_a_discovery_controller_the_linux_host_accepts(void **state)
{
	Fx *fx = *state;
	struct nvme_id_ctrl id;

	bring_up(fx);
	assert_int_equal(identify(fx, 1, 4096, &id), 0);
	assert_int_equal(id.cntrltype, NVME_CTRL_CNTRLTYPE_DISCOVERY);
	assert_int_equal(id.dctype, NVME_CTRL_DCTYPE_CDC);
	assert_int_equal(dce_get_le16((const guint8 *)&id.cntlid), fx->ctrl->cntlid);
	assert_string_equal(id.subnqn, DCE_DISC_NQN);
	assert_int_equal(dce_get_le16((const guint8 *)&id.icdoff), 0);
	assert_true(dce_get_le32((const guint8 *)&id.sgls) & 0x3);
	assert_true(dce_get_le16((const guint8 *)&id.maxcmd) >= 32);
	assert_true(dce_get_le16((const guint8 *)&id.kas) > 0);
	assert_int_equal(dce_get_le32((const guint8 *)&id.oaes), (guint32)NVME_CTRL_OAES_DL);
	assert_int_equal(id.mdts, 5);
	assert_true(id.cmic & NVME_CTRL_CMIC_MULTI_CTRL);
	/* in-capsule data for a DIM of libnvme (1024 + 1032 + attributes) fits */
	assert_true(dce_get_le32((const guint8 *)&id.ioccsz) * 16 >= 64 + 2112);
	assert_int_equal(id.lpa & NVME_CTRL_LPA_EXTENDED, NVME_CTRL_LPA_EXTENDED);
}

static void
test_identify_reports_ddc_and_none(void **state)
{
	Fx *fx = *state;
	struct nvme_id_ctrl id;

	bring_up(fx);
	fx->state->cfg->dctype = DCE_DCTYPE_DDC;
	assert_int_equal(identify(fx, 1, 4096, &id), 0);
	assert_int_equal(id.dctype, NVME_CTRL_DCTYPE_DDC);
	fx->state->cfg->dctype = DCE_DCTYPE_NONE;
	assert_int_equal(identify(fx, 1, 4096, &id), 0);
	assert_int_equal(id.dctype, NVME_CTRL_DCTYPE_NOT_REPORTED);
}

static void
test_identify_other_cns_or_length_is_refused(void **state)
{
	Fx *fx = *state;

	bring_up(fx);
	assert_int_equal(identify(fx, 0, 4096, NULL), DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	assert_int_equal(identify(fx, 6, 4096, NULL), DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	assert_int_equal(identify(fx, 1, 512, NULL), DCE_SC_SGL_INVALID_DATA | DCE_SC_DNR);
}

/* ------------------------------------------------------------------------ */
/* Get Log Page                                                              */

static void
test_discovery_log_header_then_entries_at_their_offset(void **state)
{
	Fx *fx = *state;
	g_autoptr(GBytes) hdr = NULL;
	g_autoptr(GBytes) ent = NULL;

	bring_up(fx);
	assert_int_equal(get_log(fx, 0x70, 0, TRUE, 0, 1024, &hdr), 0);
	assert_int_equal(g_bytes_get_size(hdr), 1024);
	assert_int_equal(log_numrec(hdr), 2);
	assert_int_equal(get_log(fx, 0x70, 0, TRUE, 1024, 2048, &ent), 0);
	assert_int_equal(((const guint8 *)g_bytes_get_data(ent, NULL))[0], 3); /* trtype tcp */
	assert_int_equal(fx->ctrl->last_offset, 1024);
	assert_int_equal(fx->ctrl->last_len, 2048);
	assert_int_equal(fx->ctrl->log_reads, 2);
}

static void
test_numdu_and_lpou_are_decoded(void **state)
{
	DceConfig *cfg = dce_config_new();
	Fx *fx;
	g_autoptr(GBytes) log = NULL;
	g_autoptr(GBytes) far = NULL;
	guint32 len;
	const guint8 *p;

	cfg->mdts = 0; /* no limit: one read of 300 KiB */
	fx = fx_new_with(cfg);
	for (guint i = 0; i < 298; i++)
		g_ptr_array_add(fx->state->entries, dce_entry_new());
	bring_up(fx);
	len = 1024 + 300 * 1024; /* NUMD 76800 - 1: NUMDU 1 */
	assert_int_equal(get_log(fx, 0x70, 0, FALSE, 0, len, &log), 0);
	assert_int_equal(g_bytes_get_size(log), len);
	assert_int_equal(log_numrec(log), 300);
	p = g_bytes_get_data(log, NULL);
	assert_int_equal(p[len - 1024], 3); /* the last entry is there */
	assert_int_equal(get_log(fx, 0x70, 0, FALSE, 1ull << 32, 4096, &far), 0);
	assert_int_equal(fx->ctrl->last_offset, 1ull << 32);
	teardown((void **)&fx);
}

static void
test_log_reads_out_of_bounds_are_refused(void **state)
{
	Fx *fx = *state;
	DceSqe s;

	bring_up(fx);
	assert_int_equal(get_log(fx, 0x70, 0, FALSE, 2, 1024, NULL),
			 DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	/* more than MDTS (4 KiB << 5) */
	assert_int_equal(get_log(fx, 0x70, 0, FALSE, 0, 256 * 1024, NULL),
			 DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	/* NUMD disagreeing with the data length */
	s = sqe(fx, DCE_OPC_GET_LOG_PAGE);
	dce_put_le32(s.b + 40, 0x70 | 255u << 16);
	dce_put_le32(s.b + 32, 4096);
	assert_int_equal(run(fx, &s, NULL, 0, NULL, NULL), DCE_SC_SGL_INVALID_DATA | DCE_SC_DNR);
	assert_int_equal(get_log(fx, 0x02, 0, FALSE, 0, 512, NULL),
			 DCE_SC_INVALID_LOG_PAGE | DCE_SC_DNR);
	assert_int_equal(fx->ctrl->log_reads, 0);
}

static void
test_pleo_returns_port_local_entries_only(void **state)
{
	Fx *fx = *state;
	g_autoptr(GBytes) all = NULL;
	g_autoptr(GBytes) local = NULL;

	bring_up(fx);
	assert_int_equal(get_log(fx, 0x70, 0, FALSE, 0, 1024, &all), 0);
	assert_int_equal(get_log(fx, 0x70, DCE_LSP_PLEO, FALSE, 0, 1024, &local), 0);
	assert_int_equal(log_numrec(all), 2);
	assert_int_equal(log_numrec(local), 1);
	assert_int_equal(fx->ctrl->last_lsp, DCE_LSP_PLEO);
}

static void
test_lsp_pleo_without_pleo_support_is_refused_or_ignored(void **state)
{
	Fx *fx = *state;
	g_autoptr(GBytes) log = NULL;

	bring_up(fx);
	fx->state->cfg->pleo = FALSE;
	assert_int_equal(get_log(fx, 0x70, DCE_LSP_PLEO, FALSE, 0, 1024, NULL),
			 DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	fx->state->cfg->lsp_ignore = TRUE;
	assert_int_equal(get_log(fx, 0x70, DCE_LSP_PLEO, FALSE, 0, 1024, &log), 0);
	assert_int_equal(log_numrec(log), 2);
}

static void
test_supported_log_pages_follow_pleo_support(void **state)
{
	Fx *fx = *state;
	g_autoptr(GBytes) a = NULL;
	g_autoptr(GBytes) b = NULL;

	bring_up(fx);
	assert_int_equal(get_log(fx, 0x00, 0, TRUE, 0, 1024, &a), 0);
	assert_int_equal(dce_get_le32((const guint8 *)g_bytes_get_data(a, NULL) + 0x70 * 4),
			 0x00020001);
	fx->state->cfg->pleo = FALSE;
	assert_int_equal(get_log(fx, 0x00, 0, TRUE, 0, 1024, &b), 0);
	assert_int_equal(dce_get_le32((const guint8 *)g_bytes_get_data(b, NULL) + 0x70 * 4), 1);
}

static void
test_genctr_churn_changes_genctr_on_every_read(void **state)
{
	Fx *fx = *state;
	g_autoptr(GBytes) a = NULL;
	g_autoptr(GBytes) b = NULL;

	bring_up(fx);
	fx->state->malform = DCE_MALFORM_GENCTR_CHURN;
	assert_int_equal(get_log(fx, 0x70, 0, TRUE, 0, 1024, &a), 0);
	assert_int_equal(get_log(fx, 0x70, 0, TRUE, 0, 1024, &b), 0);
	assert_int_not_equal(dce_get_le64(g_bytes_get_data(a, NULL)),
			     dce_get_le64(g_bytes_get_data(b, NULL)));
}

static void
test_log_error_answers_every_discovery_log_read_with_internal_error(void **state)
{
	Fx *fx = *state;
	g_autoptr(GBytes) log = NULL;
	g_autoptr(GBytes) supported = NULL;

	bring_up(fx);
	fx->state->malform = DCE_MALFORM_LOG_ERROR;
	assert_int_equal(get_log(fx, 0x70, 0, FALSE, 0, 1024, &log), DCE_SC_INTERNAL);
	assert_null(log);
	assert_int_equal(fx->ctrl->log_reads, 0);
	/* other log pages are not affected */
	assert_int_equal(get_log(fx, 0x00, 0, FALSE, 0, 1024, &supported), 0);
	fx->state->malform = 0;
	assert_int_equal(get_log(fx, 0x70, 0, FALSE, 0, 1024, &log), 0);
	assert_int_equal(fx->ctrl->log_reads, 1);
}

static void
test_log_error_leaves_the_aen_masked(void **state)
{
	Fx *fx = *state;
	guint16 cid;

	bring_up(fx);
	aer_held(fx, &cid);
	dce_state_log_changed(fx->state);
	aer_held(fx, &cid);
	fx->state->malform = DCE_MALFORM_LOG_ERROR;
	assert_int_equal(get_log(fx, 0x70, 0, FALSE, 0, 1024, NULL), DCE_SC_INTERNAL);
	/* a failed read with RAE=0 does not re-arm the event */
	assert_int_equal(dce_state_log_changed(fx->state), 0);
}

static void
test_log_drop_hands_the_log_to_the_transport_to_cut(void **state)
{
	Fx *fx = *state;
	DceSqe s = sqe(fx, DCE_OPC_GET_LOG_PAGE);
	DceReply r;

	bring_up(fx);
	fx->state->malform = DCE_MALFORM_LOG_DROP;
	dce_put_le32(s.b + 40, 0x70 | (1024u / 4 - 1) << 16);
	dce_put_le32(s.b + 32, 1024);
	assert_int_equal(dce_ctrl_exec(fx->ctrl, &s, NULL, 0, &r), DCE_EXEC_DROP);
	assert_non_null(r.data);
	assert_int_equal(g_bytes_get_size(r.data), 1024);
	assert_int_equal(r.cqe.cid, dce_sqe_cid(&s));
	g_bytes_unref(r.data);
	assert_int_equal(fx->ctrl->log_reads, 0);
	/* log-error wins over log-drop: the host gets a status, the connection stays */
	fx->state->malform = DCE_MALFORM_LOG_DROP | DCE_MALFORM_LOG_ERROR;
	assert_int_equal(get_log(fx, 0x70, 0, FALSE, 0, 1024, NULL), DCE_SC_INTERNAL);
}

/* ------------------------------------------------------------------------ */
/* AEN and RAE                                                               */

static void
test_change_completes_the_held_aer_with_0x70f002(void **state)
{
	Fx *fx = *state;
	guint16 cid;
	DceCqe *c;

	bring_up(fx);
	aer_held(fx, &cid);
	assert_int_equal(dce_state_log_changed(fx->state), 1);
	assert_int_equal(fx->sent->len, 1);
	c = &g_array_index(fx->sent, DceCqe, 0);
	assert_int_equal(c->cid, cid);
	assert_int_equal(c->result, 0x70f002);
	assert_int_equal(c->status, 0);
	assert_int_equal(fx->state->genctr, 1);
}

static void
test_aen_rearms_only_after_an_rae0_read(void **state)
{
	Fx *fx = *state;
	g_autoptr(GBytes) l1 = NULL;
	g_autoptr(GBytes) l2 = NULL;
	guint16 cid;

	bring_up(fx);
	aer_held(fx, &cid);
	dce_state_log_changed(fx->state);
	aer_held(fx, &cid); /* the host's next AER */
	assert_int_equal(dce_state_log_changed(fx->state), 0);
	assert_int_equal(get_log(fx, 0x70, 0, TRUE, 0, 1024, &l1), 0); /* RAE=1 */
	assert_int_equal(dce_state_log_changed(fx->state), 0);
	assert_int_equal(get_log(fx, 0x70, 0, FALSE, 0, 1024, &l2), 0); /* RAE=0 */
	assert_false(fx->ctrl->last_rae);
	assert_int_equal(dce_state_log_changed(fx->state), 1);
	assert_int_equal(fx->sent->len, 2);
	assert_int_equal(g_array_index(fx->sent, DceCqe, 1).cid, cid);
}

static void
test_a_change_before_the_aer_completes_it_at_once(void **state)
{
	Fx *fx = *state;
	guint16 cid;
	DceReply r;

	bring_up(fx);
	assert_int_equal(dce_state_log_changed(fx->state), 1); /* queued */
	assert_int_equal(fx->sent->len, 0);
	assert_int_equal(aer(fx, &cid, &r), DCE_EXEC_REPLY);
	assert_int_equal(r.cqe.result, 0x70f002);
	assert_int_equal(r.cqe.cid, cid);
}

static void
test_no_aen_to_an_association_not_enabled(void **state)
{
	Fx *fx = *state;

	assert_int_equal(do_connect(fx, DCE_DISC_NQN, 0, 0, NULL), 0);
	assert_int_equal(dce_state_log_changed(fx->state), 0);
	assert_int_equal(dce_state_fire_aen(fx->state, TRUE), 0);
}

static void
test_aer_limit_is_enforced(void **state)
{
	Fx *fx = *state;
	guint16 cid;
	DceReply r;

	bring_up(fx);
	for (guint i = 0; i < fx->state->cfg->aer_limit; i++)
		aer_held(fx, &cid);
	assert_int_equal(aer(fx, &cid, &r), DCE_EXEC_REPLY);
	assert_int_equal(r.cqe.status, DCE_SC_AER_LIMIT | DCE_SC_DNR);
}

/* ------------------------------------------------------------------------ */
/* features                                                                  */

static void
test_features_aec_kato_and_number_of_queues(void **state)
{
	Fx *fx = *state;
	guint64 v = 99;
	guint16 cid;

	bring_up(fx);
	assert_int_equal(feature(fx, DCE_OPC_SET_FEATURES, DCE_FEAT_KATO, 5000, NULL), 0);
	assert_int_equal(feature(fx, DCE_OPC_GET_FEATURES, DCE_FEAT_KATO, 0, &v), 0);
	assert_int_equal(v, 5000);
	assert_int_equal(feature(fx, DCE_OPC_SET_FEATURES, DCE_FEAT_NUM_QUEUES, 0x00070007, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(feature(fx, DCE_OPC_GET_FEATURES, DCE_FEAT_ASYNC_EVT | 3 << 8, 0, &v), 0);
	assert_int_equal(v, 0x4); /* changeable */
	/* Async Event Configuration without bit 31: no AEN */
	assert_int_equal(feature(fx, DCE_OPC_SET_FEATURES, DCE_FEAT_ASYNC_EVT, 0, NULL), 0);
	aer_held(fx, &cid);
	assert_int_equal(dce_state_log_changed(fx->state), 0);
	assert_int_equal(feature(fx, DCE_OPC_SET_FEATURES, DCE_FEAT_ASYNC_EVT, 1u << 31, NULL), 0);
	assert_int_equal(dce_state_log_changed(fx->state), 1);
}

static void
test_unknown_or_saved_features_are_refused(void **state)
{
	Fx *fx = *state;

	bring_up(fx);
	assert_int_equal(feature(fx, DCE_OPC_SET_FEATURES, 0x02, 0, NULL),
			 DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	assert_int_equal(feature(fx, DCE_OPC_GET_FEATURES, 0x02, 0, NULL),
			 DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	assert_int_equal(feature(fx, DCE_OPC_SET_FEATURES, DCE_FEAT_KATO | 1u << 31, 1, NULL),
			 DCE_SC_FEATURE_NOT_SAVE | DCE_SC_DNR);
	assert_int_equal(feature(fx, 0x80, 0, 0, NULL), DCE_SC_INVALID_OPCODE | DCE_SC_DNR);
}

/* ------------------------------------------------------------------------ */
/* DIM                                                                       */

static void
test_dim_registers_host_nqn_id_symname_and_source_address(void **state)
{
	Fx *fx = *state;
	g_autoptr(GByteArray) d = dim_data(HOSTNQN, "rack7", "");
	DceRegistration *r;

	bring_up(fx);
	assert_int_equal(dim(fx, DCE_DIM_TAS_REGISTER, d), 0);
	assert_int_equal(fx->state->registrations->len, 1);
	r = g_ptr_array_index(fx->state->registrations, 0);
	assert_string_equal(r->hostnqn, HOSTNQN);
	assert_string_equal(r->hostid, "abababab-abab-abab-abab-abababababab");
	assert_string_equal(r->symname, "rack7");
	assert_string_equal(r->ename, "host-a");
	assert_string_equal(r->traddr, "192.0.2.7"); /* empty in the entry: the peer */
	assert_int_equal(r->cntlid, fx->ctrl->cntlid);
	assert_string_equal(r->connect_hostnqn, HOSTNQN);
	assert_int_equal(r->count, 1);
}

static void
test_dim_update_replaces_and_deregister_removes(void **state)
{
	Fx *fx = *state;
	g_autoptr(GByteArray) d1 = dim_data(HOSTNQN, "one", "");
	g_autoptr(GByteArray) d2 = dim_data(HOSTNQN, "two", "198.51.100.1");
	DceRegistration *r;

	bring_up(fx);
	assert_int_equal(dim(fx, DCE_DIM_TAS_REGISTER, d1), 0);
	assert_int_equal(dim(fx, DCE_DIM_TAS_UPDATE, d2), 0);
	assert_int_equal(fx->state->registrations->len, 1);
	r = g_ptr_array_index(fx->state->registrations, 0);
	assert_string_equal(r->symname, "two");
	assert_string_equal(r->traddr, "198.51.100.1");
	assert_int_equal(r->count, 2);
	assert_int_equal(r->tas, DCE_DIM_TAS_UPDATE);
	assert_int_equal(dim(fx, DCE_DIM_TAS_DEREGISTER, d1), 0);
	assert_int_equal(fx->state->registrations->len, 0);
	assert_int_equal(fx->state->dim_count, 3);
}

static void
test_dim_is_refused_by_a_dc_without_dctype_or_with_bad_data(void **state)
{
	Fx *fx = *state;
	g_autoptr(GByteArray) d = dim_data(HOSTNQN, "x", "");
	g_autoptr(GByteArray) noeid = dim_data("", "x", "");

	bring_up(fx);
	assert_int_equal(dim(fx, 3, d), DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	assert_int_equal(dim(fx, 0, NULL), DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	assert_int_equal(dim(fx, 0, noeid), DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	fx->state->cfg->dctype = DCE_DCTYPE_NONE;
	assert_int_equal(dim(fx, 0, d), DCE_SC_INVALID_OPCODE | DCE_SC_DNR);
	assert_int_equal(fx->state->registrations->len, 0);
}

/* ------------------------------------------------------------------------ */
/* state                                                                     */

static void
test_cntlids_are_unique_and_wrap_below_0xfff0(void **state)
{
	Fx *fx = *state;

	bring_up(fx); /* holds cntlid 1 */
	fx->state->next_cntlid = 0xffef;
	assert_int_equal(dce_state_alloc_cntlid(fx->state), 0xffef);
	assert_int_equal(dce_state_alloc_cntlid(fx->state), 2); /* 1 is in use */
}

static void
test_status_lists_the_association(void **state)
{
	Fx *fx = *state;
	g_autoptr(JsonObject) st = NULL;
	JsonArray *conns;
	JsonObject *c;

	bring_up(fx);
	st = dce_state_status(fx->state);
	conns = json_object_get_array_member(st, "connections");
	assert_int_equal(json_array_get_length(conns), 1);
	c = json_array_get_object_element(conns, 0);
	assert_string_equal(json_object_get_string_member(c, "hostnqn"), HOSTNQN);
	assert_true(json_object_get_boolean_member(c, "live"));
	assert_string_equal(json_object_get_string_member(st, "dctype"), "cdc");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_commands_before_connect_are_a_sequence_error),
		T(test_connect_records_the_host_and_returns_the_cntlid),
		T(test_io_queue_connect_is_refused_at_the_qid),
		T(test_connect_to_another_subsystem_is_refused_at_subnqn),
		cmocka_unit_test(test_unique_nqn_accepts_its_own_and_the_well_known_nqn),
		T(test_connect_without_its_data_or_with_recfmt_1_is_refused),
		T(test_properties_cap_vs_and_the_enable_handshake),
		T(test_disconnect_ends_the_association),
		T(test_identify_is_a_discovery_controller_the_linux_host_accepts),
		T(test_identify_reports_ddc_and_none),
		T(test_identify_other_cns_or_length_is_refused),
		T(test_discovery_log_header_then_entries_at_their_offset),
		cmocka_unit_test(test_numdu_and_lpou_are_decoded),
		T(test_log_reads_out_of_bounds_are_refused),
		T(test_pleo_returns_port_local_entries_only),
		T(test_lsp_pleo_without_pleo_support_is_refused_or_ignored),
		T(test_supported_log_pages_follow_pleo_support),
		T(test_genctr_churn_changes_genctr_on_every_read),
		T(test_log_error_answers_every_discovery_log_read_with_internal_error),
		T(test_log_error_leaves_the_aen_masked),
		T(test_log_drop_hands_the_log_to_the_transport_to_cut),
		T(test_change_completes_the_held_aer_with_0x70f002),
		T(test_aen_rearms_only_after_an_rae0_read),
		T(test_a_change_before_the_aer_completes_it_at_once),
		T(test_no_aen_to_an_association_not_enabled),
		T(test_aer_limit_is_enforced),
		T(test_features_aec_kato_and_number_of_queues),
		T(test_unknown_or_saved_features_are_refused),
		T(test_dim_registers_host_nqn_id_symname_and_source_address),
		T(test_dim_update_replaces_and_deregister_removes),
		T(test_dim_is_refused_by_a_dc_without_dctype_or_with_bad_data),
		T(test_cntlids_are_unique_and_wrap_below_0xfff0),
		T(test_status_lists_the_association),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
