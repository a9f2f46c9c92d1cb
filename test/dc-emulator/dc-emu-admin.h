/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-admin: one association (controller) of the DC emulator and the
 * commands of its admin queue, the only queue a discovery controller has:
 *
 * - Fabrics: Connect (admin queue only: I/O queue connects are refused;
 *   host NQN/ID and KATO recorded), Property Get/Set (CAP, VS, CC, CSTS:
 *   the enable/ready and shutdown handshakes), Disconnect;
 * - Identify Controller (CNS 1) with CNTRLTYPE discovery and the DCTYPE;
 * - Get Log Page: discovery log (offset, length, LSP PLEO, RAE) and
 *   Supported Log Pages; the log-error and log-drop modes fail every
 *   discovery log read (an error status, a connection closed mid-transfer);
 * - Set/Get Features: Number of Queues, Async Event Configuration, KATO;
 * - Keep Alive, Abort, Asynchronous Event Request (held until an event);
 * - DIM (0x21) when the controller is a CDC or DDC.
 *
 * the transport (dc-emu-conn) hands in each command with its data and
 * sends what comes back; events that complete a held AER later go out
 * through the send function given at creation.
 *
 * threading: main thread only.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "dc-emu-aen.h"
#include "dc-emu-pdu.h"
#include "dc-emu-state.h"

G_BEGIN_DECLS

/* opcodes */
#define DCE_OPC_GET_LOG_PAGE 0x02
#define DCE_OPC_IDENTIFY     0x06
#define DCE_OPC_ABORT	     0x08
#define DCE_OPC_SET_FEATURES 0x09
#define DCE_OPC_GET_FEATURES 0x0a
#define DCE_OPC_AER	     0x0c
#define DCE_OPC_KEEP_ALIVE   0x18
#define DCE_OPC_DIM	     0x21
#define DCE_OPC_FABRICS	     0x7f

#define DCE_FCT_PROP_SET   0x00
#define DCE_FCT_CONNECT	   0x01
#define DCE_FCT_PROP_GET   0x04
#define DCE_FCT_DISCONNECT 0x08

/* status (DNR << 14 | SCT << 8 | SC), as the CQE carries it shifted by one */
#define DCE_SC_SUCCESS		0x000
#define DCE_SC_INVALID_OPCODE	0x001
#define DCE_SC_INVALID_FIELD	0x002
#define DCE_SC_INTERNAL		0x006
#define DCE_SC_CMD_SEQ_ERROR	0x00c
#define DCE_SC_SGL_INVALID_DATA 0x00f
#define DCE_SC_AER_LIMIT	0x105
#define DCE_SC_INVALID_LOG_PAGE 0x109
#define DCE_SC_FEATURE_NOT_SAVE 0x10d
#define DCE_SC_CONNECT_FORMAT	0x180
#define DCE_SC_CONNECT_INVALID	0x182
#define DCE_SC_DNR		0x4000

/* properties */
#define DCE_PROP_CAP  0x00
#define DCE_PROP_VS   0x08
#define DCE_PROP_CC   0x14
#define DCE_PROP_CSTS 0x1c
#define DCE_PROP_NSSR 0x20

#define DCE_CC_EN	   0x1
#define DCE_CC_SHN_MASK	   (0x3 << 14)
#define DCE_CSTS_RDY	   0x1
#define DCE_CSTS_SHST_DONE (0x2 << 2)
#define DCE_VS		   0x00010300 /* NVMe 1.3, as nvmet */
#define DCE_MQES	   127

/* features */
#define DCE_FEAT_NUM_QUEUES 0x07
#define DCE_FEAT_ASYNC_EVT  0x0b
#define DCE_FEAT_KATO	    0x0f

/* Identify Controller */
#define DCE_ID_LEN	     4096
#define DCE_ID_OFF_CNTLID    78
#define DCE_ID_OFF_OAES	     92
#define DCE_ID_OFF_CNTRLTYPE 111
#define DCE_ID_OFF_KAS	     320
#define DCE_ID_OFF_MAXCMD    514
#define DCE_ID_OFF_SGLS	     536
#define DCE_ID_OFF_SUBNQN    768
#define DCE_ID_OFF_IOCCSZ    1792
#define DCE_ID_OFF_DCTYPE    1806
#define DCE_CNTRLTYPE_DISC   2
#define DCE_ADMIN_INLINE     8192 /* in-capsule data a Linux host puts on the admin queue */

/* Connect data (1024 bytes) */
#define DCE_CONNECT_DATA_LEN	1024
#define DCE_CONNECT_OFF_HOSTID	0
#define DCE_CONNECT_OFF_SUBNQN	256
#define DCE_CONNECT_OFF_HOSTNQN 512

/* a completion sent later, outside dce_ctrl_exec (an AEN) */
typedef void (*DceCtrlSendFunc)(gpointer user_data, const DceCqe *cqe);

typedef enum {
	DCE_EXEC_REPLY,	      /* send reply->data (if any) then reply->cqe */
	DCE_EXEC_HOLD,	      /* nothing now (an AER) */
	DCE_EXEC_REPLY_CLOSE, /* send the reply, then end the association (Disconnect) */
	DCE_EXEC_DROP /* send the first half of reply->data, then close: no completion (log-drop) */
} DceExec;

typedef struct {
	DceCqe cqe;
	GBytes *data; /* controller to host data, or NULL; the caller unrefs it */
} DceReply;

struct _DceCtrl {
	DceState *state;
	DceCtrlSendFunc send;
	gpointer send_data;
	char *peer_addr; /* the host's address, for a DIM entry without one */

	gboolean connected;
	guint16 cntlid;
	guint16 sqsize;
	guint16 sq_head;
	char *hostnqn;
	char *hostid;
	char *subnqn; /* what the host asked for in Connect */
	guint32 kato_ms;
	guint32 cc;
	guint32 csts;
	DceAen aen;

	/* what tests look at */
	guint commands;
	guint log_reads;
	guint8 last_lsp;
	gboolean last_rae;
	guint64 last_offset;
	guint32 last_len;
	guint keep_alives;
	guint dims;
};

DceCtrl *dce_ctrl_new(DceState *state, const char *peer_addr, DceCtrlSendFunc send,
		      gpointer send_data);
void dce_ctrl_free(DceCtrl *c);

/*
 * execute one command with its host to controller data (in-capsule or
 * collected through R2T; NULL/0 if none).  fills reply unless it returns
 * DCE_EXEC_HOLD.
 */
DceExec dce_ctrl_exec(DceCtrl *c, const DceSqe *sqe, const guint8 *data, gsize data_len,
		      DceReply *reply);

/* the discovery log changed (or a test fires an event): TRUE if an AEN was sent or queued */
gboolean dce_ctrl_log_changed(DceCtrl *c, gboolean force);

/* live: connected and enabled (CC.EN, CSTS.RDY) */
gboolean dce_ctrl_is_live(const DceCtrl *c);

JsonObject *dce_ctrl_to_json(const DceCtrl *c);

/* the 4096-byte Identify Controller data of c */
void dce_ctrl_identify(const DceCtrl *c, guint8 out[DCE_ID_LEN]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DceCtrl, dce_ctrl_free)

G_END_DECLS
