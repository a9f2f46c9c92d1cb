/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-admin: the admin queue of one DC emulator association
 * (dc-emu-admin.h).  command layouts: struct nvme_command and friends of
 * the kernel's include/linux/nvme.h (Connect, Property Get/Set, Get Log
 * Page, Identify, features); Identify Controller offsets as libnvme's
 * struct nvme_id_ctrl.  what a Linux 6.1 host checks in the answers
 * (drivers/nvme/host/core.c, fabrics.c, tcp.c): the Identify cntlid equals
 * the Connect one, ICDOFF 0, SGLS bit 0, MAXCMD, OAES bit 31 to get AENs,
 * CNTRLTYPE discovery for a discovery connection.
 */
#include "config.h"

#include <string.h>

#include "dc-emu-admin.h"
#include "dc-emu-dim.h"
#include "dc-emu-entry.h"
#include "dc-emu-log.h"

#define CAP_CQR	       (1ull << 16)
#define CAP_TO	       (15ull << 24) /* 7.5 s */
#define CAP_CSS_NVM    (1ull << 37)
#define MAX_XFER       (16u * 1024 * 1024) /* hard cap when MDTS says "no limit" */
#define DEFAULT_SQSIZE 31

DceCtrl *
dce_ctrl_new(DceState *state, const char *peer_addr, DceCtrlSendFunc send, gpointer send_data)
{
	DceCtrl *c = g_new0(DceCtrl, 1);

	c->state = state;
	c->send = send;
	c->send_data = send_data;
	c->peer_addr = g_strdup(peer_addr);
	c->sqsize = DEFAULT_SQSIZE;
	dce_aen_init(&c->aen, state->cfg->aer_limit);
	g_ptr_array_add(state->ctrls, c);
	return c;
}

void
dce_ctrl_free(DceCtrl *c)
{
	if (c == NULL)
		return;
	g_ptr_array_remove(c->state->ctrls, c);
	dce_aen_clear(&c->aen);
	g_free(c->peer_addr);
	g_free(c->hostnqn);
	g_free(c->hostid);
	g_free(c->subnqn);
	g_free(c);
}

gboolean
dce_ctrl_is_live(const DceCtrl *c)
{
	return c->connected && (c->cc & DCE_CC_EN) && (c->csts & DCE_CSTS_RDY);
}

static DceExec
status(DceReply *r, guint16 sc)
{
	r->cqe.status = sc;
	return DCE_EXEC_REPLY;
}

/* Connect Invalid Parameters: IATTR (1 = in the data) and IPO (byte offset) in the result */
static DceExec
connect_invalid(DceReply *r, gboolean in_data, guint16 offset)
{
	r->cqe.result = (guint64)(in_data ? 1u : 0u) << 16 | offset;
	return status(r, DCE_SC_CONNECT_INVALID | DCE_SC_DNR);
}

static guint32
max_xfer(const DceCtrl *c)
{
	return c->state->cfg->mdts ? 4096u << c->state->cfg->mdts : MAX_XFER;
}

/* ------------------------------------------------------------------------ */
/* Fabrics commands                                                          */

static DceExec
exec_connect(DceCtrl *c, const DceSqe *sqe, const guint8 *data, gsize len, DceReply *r)
{
	const DceConfig *cfg = c->state->cfg;
	guint16 recfmt = dce_get_le16(sqe->b + 40);
	guint16 qid = dce_get_le16(sqe->b + 42);
	guint16 sqsize = dce_get_le16(sqe->b + 44);
	g_autofree char *subnqn = NULL;
	g_autofree char *hostnqn = NULL;

	if (c->connected)
		return status(r, DCE_SC_CMD_SEQ_ERROR | DCE_SC_DNR);
	if (recfmt != 0)
		return status(r, DCE_SC_CONNECT_FORMAT | DCE_SC_DNR);
	if (data == NULL || len < DCE_CONNECT_DATA_LEN)
		return status(r, DCE_SC_SGL_INVALID_DATA | DCE_SC_DNR);
	/* a discovery controller has no I/O queues */
	if (qid != 0) {
		g_message("connect for I/O queue %u refused", qid);
		return connect_invalid(r, FALSE, 42);
	}
	if (sqsize == 0 || sqsize > DCE_MQES)
		return connect_invalid(r, FALSE, 44);
	subnqn = dce_fixed_string(data + DCE_CONNECT_OFF_SUBNQN, DCE_NQN_LEN);
	hostnqn = dce_fixed_string(data + DCE_CONNECT_OFF_HOSTNQN, DCE_NQN_LEN);
	if (g_strcmp0(subnqn, cfg->nqn) != 0 && g_strcmp0(subnqn, DCE_DISC_NQN) != 0) {
		g_message("connect to unknown subsystem %s refused", subnqn);
		return connect_invalid(r, TRUE, DCE_CONNECT_OFF_SUBNQN);
	}
	if (hostnqn[0] == '\0')
		return connect_invalid(r, TRUE, DCE_CONNECT_OFF_HOSTNQN);

	c->connected = TRUE;
	c->cntlid = dce_state_alloc_cntlid(c->state);
	c->sqsize = sqsize;
	c->kato_ms = dce_get_le32(sqe->b + 48);
	c->subnqn = g_steal_pointer(&subnqn);
	c->hostnqn = g_steal_pointer(&hostnqn);
	c->hostid = dce_uuid_string(data + DCE_CONNECT_OFF_HOSTID);
	r->cqe.result = c->cntlid;
	g_message("cntlid %u: connected from %s, hostnqn %s, hostid %s, kato %u ms", c->cntlid,
		  c->peer_addr, c->hostnqn, c->hostid, c->kato_ms);
	return DCE_EXEC_REPLY;
}

static guint64
prop_cap(void)
{
	return DCE_MQES | CAP_CQR | CAP_TO | CAP_CSS_NVM;
}

static DceExec
exec_prop_get(DceCtrl *c, const DceSqe *sqe, DceReply *r)
{
	gboolean wide = (sqe->b[40] & 1) != 0;
	guint64 v;

	switch (dce_get_le32(sqe->b + 44)) {
	case DCE_PROP_CAP:
		v = prop_cap();
		break;
	case DCE_PROP_VS:
		v = DCE_VS;
		break;
	case DCE_PROP_CC:
		v = c->cc;
		break;
	case DCE_PROP_CSTS:
		v = c->csts;
		break;
	default:
		return status(r, DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	}
	r->cqe.result = wide ? v : (v & 0xffffffff);
	return DCE_EXEC_REPLY;
}

/* CC written: enable -> ready, disable -> not ready (a reset), shutdown -> complete */
static void
cc_write(DceCtrl *c, guint32 cc)
{
	guint32 old = c->cc;

	c->cc = cc;
	if ((cc & DCE_CC_EN) && !(old & DCE_CC_EN)) {
		c->csts = DCE_CSTS_RDY;
		dce_aen_reset(&c->aen);
	} else if (!(cc & DCE_CC_EN) && (old & DCE_CC_EN)) {
		c->csts &= ~(guint32)DCE_CSTS_RDY;
		dce_aen_reset(&c->aen);
	}
	if (cc & DCE_CC_SHN_MASK) {
		c->csts |= DCE_CSTS_SHST_DONE;
		dce_aen_reset(&c->aen);
	}
}

static DceExec
exec_prop_set(DceCtrl *c, const DceSqe *sqe, DceReply *r)
{
	guint64 v = dce_get_le64(sqe->b + 48);

	if (!(sqe->b[40] & 1))
		v &= 0xffffffff;
	switch (dce_get_le32(sqe->b + 44)) {
	case DCE_PROP_CC:
		cc_write(c, (guint32)v);
		return DCE_EXEC_REPLY;
	case DCE_PROP_NSSR:
		return DCE_EXEC_REPLY; /* a subsystem reset: nothing to reset */
	default:
		return status(r, DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	}
}

static DceExec
exec_fabrics(DceCtrl *c, const DceSqe *sqe, const guint8 *data, gsize len, DceReply *r)
{
	guint8 fctype = dce_sqe_fctype(sqe);

	if (fctype == DCE_FCT_CONNECT)
		return exec_connect(c, sqe, data, len, r);
	if (!c->connected)
		return status(r, DCE_SC_CMD_SEQ_ERROR | DCE_SC_DNR);
	switch (fctype) {
	case DCE_FCT_PROP_GET:
		return exec_prop_get(c, sqe, r);
	case DCE_FCT_PROP_SET:
		return exec_prop_set(c, sqe, r);
	case DCE_FCT_DISCONNECT:
		g_message("cntlid %u: disconnect", c->cntlid);
		return DCE_EXEC_REPLY_CLOSE;
	default:
		return status(r, DCE_SC_INVALID_OPCODE | DCE_SC_DNR);
	}
}

/* ------------------------------------------------------------------------ */
/* admin commands                                                            */

/* an ASCII field: value, space padded */
static void
put_ascii(guint8 *p, gsize n, const char *value)
{
	gsize len = MIN(strlen(value), n);

	memset(p, ' ', n);
	memcpy(p, value, len);
}

void
dce_ctrl_identify(const DceCtrl *c, guint8 out[DCE_ID_LEN])
{
	const DceConfig *cfg = c->state->cfg;

	memset(out, 0, DCE_ID_LEN);
	put_ascii(out + 4, 20, cfg->serial);
	put_ascii(out + 24, 40, cfg->model);
	put_ascii(out + 64, 8, "1.0");
	out[76] = 0x02; /* CMIC: several controllers (hosts) in the subsystem */
	out[77] = cfg->mdts;
	dce_put_le16(out + DCE_ID_OFF_CNTLID, c->cntlid);
	dce_put_le32(out + 80, DCE_VS);
	dce_put_le32(out + DCE_ID_OFF_OAES, DCE_AEC_DISC_CHANGE);
	out[DCE_ID_OFF_CNTRLTYPE] = DCE_CNTRLTYPE_DISC;
	out[258] = 3;				 /* ACL */
	out[259] = (guint8)(cfg->aer_limit - 1); /* AERL, 0's based */
	out[261] = 1 << 2; /* LPA: extended data (NUMDU, LPO) for Get Log Page */
	dce_put_le16(out + DCE_ID_OFF_KAS, 10); /* 100 ms units: 1 s */
	out[512] = 0x66;			/* SQES */
	out[513] = 0x44;			/* CQES */
	dce_put_le16(out + DCE_ID_OFF_MAXCMD, DCE_MQES + 1);
	dce_put_le32(out + DCE_ID_OFF_SGLS, (1u << 0) | (1u << 20)); /* SGLs, SGL offsets */
	memcpy(out + DCE_ID_OFF_SUBNQN, cfg->nqn, MIN(strlen(cfg->nqn), DCE_NQN_LEN - 1));
	dce_put_le32(out + DCE_ID_OFF_IOCCSZ, (DCE_SQE_LEN + DCE_ADMIN_INLINE) / 16);
	dce_put_le32(out + 1796, DCE_CQE_LEN / 16); /* IORCSZ */
	dce_put_le16(out + 1800, 0);		    /* ICDOFF: Linux requires 0 */
	out[1802] = 0;				    /* FCATT: dynamic controller model */
	out[1803] = 1;				    /* MSDBD */
	dce_put_le16(out + 1804, 1);		    /* OFCS: Disconnect supported */
	out[DCE_ID_OFF_DCTYPE] = (guint8)cfg->dctype;
}

static DceExec
exec_identify(DceCtrl *c, const DceSqe *sqe, DceReply *r)
{
	guint8 *id;

	if ((dce_sqe_cdw(sqe, 10) & 0xff) != 1)
		return status(r, DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	if (dce_sqe_sgl_len(sqe) != DCE_ID_LEN)
		return status(r, DCE_SC_SGL_INVALID_DATA | DCE_SC_DNR);
	id = g_malloc(DCE_ID_LEN);
	dce_ctrl_identify(c, id);
	r->data = g_bytes_new_take(id, DCE_ID_LEN);
	return DCE_EXEC_REPLY;
}

static DceExec
log_discovery(DceCtrl *c, guint8 lsp, gboolean rae, guint64 offset, guint32 len, DceReply *r)
{
	const DceConfig *cfg = c->state->cfg;
	guint8 supported = cfg->pleo ? DCE_LSP_PLEO : 0;
	g_autoptr(GBytes) log = NULL;
	guint8 *buf;

	if ((lsp & ~supported) && !cfg->lsp_ignore)
		return status(r, DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	/* a faulty DC: the read fails, RAE and the counters stay as they were */
	if (c->state->malform & DCE_MALFORM_LOG_ERROR) {
		g_message("cntlid %u: discovery log read answered Internal Error (log-error)",
			  c->cntlid);
		return status(r, DCE_SC_INTERNAL);
	}
	log = dce_state_discovery_log(c->state, (lsp & supported & DCE_LSP_PLEO) != 0);
	buf = g_malloc(len);
	dce_log_copy(log, offset, buf, len);
	r->data = g_bytes_new_take(buf, len);
	if (c->state->malform & DCE_MALFORM_LOG_DROP) {
		g_message("cntlid %u: discovery log read dropped mid-transfer (log-drop)",
			  c->cntlid);
		return DCE_EXEC_DROP;
	}
	c->log_reads++;
	c->last_lsp = lsp;
	c->last_rae = rae;
	c->last_offset = offset;
	c->last_len = len;
	dce_aen_log_read(&c->aen, rae);
	g_debug("cntlid %u: discovery log read, offset %" G_GUINT64_FORMAT ", %u bytes, lsp %u, "
		"rae %d",
		c->cntlid, offset, len, lsp, rae);
	return DCE_EXEC_REPLY;
}

static DceExec
exec_get_log_page(DceCtrl *c, const DceSqe *sqe, DceReply *r)
{
	guint32 cdw10 = dce_sqe_cdw(sqe, 10);
	guint8 lid = cdw10 & 0xff;
	guint8 lsp = (cdw10 >> 8) & 0x7f;
	gboolean rae = (cdw10 >> 15) & 1;
	guint64 numd = ((guint64)(dce_sqe_cdw(sqe, 11) & 0xffff) << 16 | cdw10 >> 16) + 1;
	guint64 len = numd * 4;
	guint64 offset = (guint64)dce_sqe_cdw(sqe, 13) << 32 | dce_sqe_cdw(sqe, 12);
	guint8 supported[DCE_SUPPORTED_LEN];
	guint8 *buf;
	g_autoptr(GBytes) log = NULL;

	if (len != dce_sqe_sgl_len(sqe))
		return status(r, DCE_SC_SGL_INVALID_DATA | DCE_SC_DNR);
	if (len > max_xfer(c) || (offset & 3))
		return status(r, DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	if (lid == DCE_LID_DISCOVERY)
		return log_discovery(c, lsp, rae, offset, (guint32)len, r);
	if (lid != DCE_LID_SUPPORTED)
		return status(r, DCE_SC_INVALID_LOG_PAGE | DCE_SC_DNR);
	dce_log_supported(c->state->cfg->pleo, supported);
	log = g_bytes_new(supported, sizeof(supported));
	buf = g_malloc(len);
	dce_log_copy(log, offset, buf, len);
	r->data = g_bytes_new_take(buf, len);
	return DCE_EXEC_REPLY;
}

static DceExec
exec_set_features(DceCtrl *c, const DceSqe *sqe, DceReply *r)
{
	guint32 cdw10 = dce_sqe_cdw(sqe, 10);
	guint32 value = dce_sqe_cdw(sqe, 11);

	if (cdw10 >> 31)
		return status(r, DCE_SC_FEATURE_NOT_SAVE | DCE_SC_DNR);
	switch (cdw10 & 0xff) {
	case DCE_FEAT_NUM_QUEUES:
		r->cqe.result = 0; /* no I/O queues to give: 0's based 1 of each, as the minimum */
		return DCE_EXEC_REPLY;
	case DCE_FEAT_ASYNC_EVT:
		c->aen.aec = value;
		return DCE_EXEC_REPLY;
	case DCE_FEAT_KATO:
		c->kato_ms = value;
		return DCE_EXEC_REPLY;
	default:
		return status(r, DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	}
}

static DceExec
exec_get_features(DceCtrl *c, const DceSqe *sqe, DceReply *r)
{
	guint32 cdw10 = dce_sqe_cdw(sqe, 10);
	gboolean capabilities = ((cdw10 >> 8) & 7) == 3;
	guint64 v;

	switch (cdw10 & 0xff) {
	case DCE_FEAT_NUM_QUEUES:
		v = 0;
		break;
	case DCE_FEAT_ASYNC_EVT:
		v = c->aen.aec;
		break;
	case DCE_FEAT_KATO:
		v = c->kato_ms;
		break;
	default:
		return status(r, DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	}
	r->cqe.result = capabilities ? 0x4 /* changeable */ : v;
	return DCE_EXEC_REPLY;
}

static DceExec
exec_aer(DceCtrl *c, const DceSqe *sqe, DceReply *r)
{
	switch (dce_aen_request(&c->aen, dce_sqe_cid(sqe))) {
	case DCE_AER_COMPLETE:
		r->cqe.result = DCE_AEN_DISC_CHANGE;
		g_message("cntlid %u: AEN %#x (queued)", c->cntlid, DCE_AEN_DISC_CHANGE);
		return DCE_EXEC_REPLY;
	case DCE_AER_HELD:
		return DCE_EXEC_HOLD;
	case DCE_AER_LIMIT:
	default:
		return status(r, DCE_SC_AER_LIMIT | DCE_SC_DNR);
	}
}

static DceExec
exec_dim(DceCtrl *c, const DceSqe *sqe, const guint8 *data, gsize len, DceReply *r)
{
	guint8 tas = dce_sqe_cdw(sqe, 10) & 0xf;
	g_autoptr(DceDim) dim = NULL;
	g_autoptr(GError) error = NULL;

	if (c->state->cfg->dctype == DCE_DCTYPE_NONE)
		return status(r, DCE_SC_INVALID_OPCODE | DCE_SC_DNR);
	if (tas > DCE_DIM_TAS_UPDATE)
		return status(r, DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	dim = data != NULL ? dce_dim_parse(data, len, &error) : NULL;
	if (dim == NULL || dim->eid[0] == '\0') {
		g_message("cntlid %u: DIM refused: %s", c->cntlid,
			  error != NULL ? error->message : "no data or no EID");
		return status(r, DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	}
	c->dims++;
	dce_state_dim(c->state, c, tas, dim);
	g_message("cntlid %u: DIM task %u from %s", c->cntlid, tas, dim->eid);
	return DCE_EXEC_REPLY;
}

static DceExec
exec_admin(DceCtrl *c, const DceSqe *sqe, const guint8 *data, gsize len, DceReply *r)
{
	switch (dce_sqe_opcode(sqe)) {
	case DCE_OPC_GET_LOG_PAGE:
		return exec_get_log_page(c, sqe, r);
	case DCE_OPC_IDENTIFY:
		return exec_identify(c, sqe, r);
	case DCE_OPC_ABORT:
		r->cqe.result = 1; /* not aborted */
		return DCE_EXEC_REPLY;
	case DCE_OPC_SET_FEATURES:
		return exec_set_features(c, sqe, r);
	case DCE_OPC_GET_FEATURES:
		return exec_get_features(c, sqe, r);
	case DCE_OPC_AER:
		return exec_aer(c, sqe, r);
	case DCE_OPC_KEEP_ALIVE:
		c->keep_alives++;
		return DCE_EXEC_REPLY;
	case DCE_OPC_DIM:
		return exec_dim(c, sqe, data, len, r);
	default:
		return status(r, DCE_SC_INVALID_OPCODE | DCE_SC_DNR);
	}
}

DceExec
dce_ctrl_exec(DceCtrl *c, const DceSqe *sqe, const guint8 *data, gsize data_len, DceReply *reply)
{
	memset(reply, 0, sizeof(*reply));
	c->commands++;
	c->sq_head = (guint16)((c->sq_head + 1u) % (c->sqsize + 1u));
	reply->cqe.cid = dce_sqe_cid(sqe);
	reply->cqe.sq_head = c->sq_head;
	if (dce_sqe_opcode(sqe) == DCE_OPC_FABRICS)
		return exec_fabrics(c, sqe, data, data_len, reply);
	/* admin commands only once connected and enabled (as nvmet) */
	if (!dce_ctrl_is_live(c))
		return status(reply, DCE_SC_CMD_SEQ_ERROR | DCE_SC_DNR);
	return exec_admin(c, sqe, data, data_len, reply);
}

gboolean
dce_ctrl_log_changed(DceCtrl *c, gboolean force)
{
	DceCqe cqe = {0};
	guint16 cid = 0;

	if (!dce_ctrl_is_live(c))
		return FALSE;
	switch (dce_aen_notify(&c->aen, force, &cid)) {
	case DCE_AEN_SENT:
		cqe.result = DCE_AEN_DISC_CHANGE;
		cqe.cid = cid;
		cqe.sq_head = c->sq_head;
		g_message("cntlid %u: AEN %#x", c->cntlid, DCE_AEN_DISC_CHANGE);
		c->send(c->send_data, &cqe);
		return TRUE;
	case DCE_AEN_QUEUED:
		return TRUE;
	case DCE_AEN_SUPPRESSED:
	default:
		return FALSE;
	}
}

static void
set_str(JsonObject *o, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_string_member(o, key, value);
	else
		json_object_set_null_member(o, key);
}

JsonObject *
dce_ctrl_to_json(const DceCtrl *c)
{
	JsonObject *o = json_object_new();

	json_object_set_boolean_member(o, "connected", c->connected);
	json_object_set_boolean_member(o, "live", dce_ctrl_is_live(c));
	json_object_set_int_member(o, "cntlid", c->cntlid);
	set_str(o, "peer", c->peer_addr);
	set_str(o, "hostnqn", c->hostnqn);
	set_str(o, "hostid", c->hostid);
	set_str(o, "subnqn", c->subnqn);
	json_object_set_int_member(o, "kato_ms", c->kato_ms);
	json_object_set_int_member(o, "cc", c->cc);
	json_object_set_int_member(o, "csts", c->csts);
	json_object_set_boolean_member(o, "aen_armed", !c->aen.masked);
	json_object_set_boolean_member(o, "aen_pending", c->aen.pending);
	json_object_set_int_member(o, "aers_outstanding", c->aen.aers->len);
	json_object_set_int_member(o, "aec", c->aen.aec);
	json_object_set_int_member(o, "aens_sent", c->aen.sent);
	json_object_set_int_member(o, "aens_suppressed", c->aen.suppressed);
	json_object_set_int_member(o, "commands", c->commands);
	json_object_set_int_member(o, "log_reads", c->log_reads);
	json_object_set_int_member(o, "last_lsp", c->last_lsp);
	json_object_set_boolean_member(o, "last_rae", c->last_rae);
	json_object_set_int_member(o, "last_offset", (gint64)c->last_offset);
	json_object_set_int_member(o, "last_len", c->last_len);
	json_object_set_int_member(o, "keep_alives", c->keep_alives);
	json_object_set_int_member(o, "dims", c->dims);
	return o;
}
