/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-pdu: the NVMe/TCP wire format of the DC emulator (NVMe/TCP
 * transport 1.0, as include/linux/nvme-tcp.h): the 8-byte common header, the
 * PDU types the controller side receives (ICReq, CapsuleCmd, H2CData,
 * H2CTermReq) and sends (ICResp, CapsuleResp, C2HData, R2T, C2HTermReq), the
 * CRC32C digests, and the 64-byte submission / 16-byte completion queue
 * entries they carry.
 *
 * pure functions over byte buffers, no I/O, no state: thread-safe.  every
 * length read from the wire is checked before use.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* PDU types */
#define DCE_PDU_ICREQ	 0x00
#define DCE_PDU_ICRESP	 0x01
#define DCE_PDU_H2C_TERM 0x02
#define DCE_PDU_C2H_TERM 0x03
#define DCE_PDU_CMD	 0x04
#define DCE_PDU_RSP	 0x05
#define DCE_PDU_H2C_DATA 0x06
#define DCE_PDU_C2H_DATA 0x07
#define DCE_PDU_R2T	 0x09

/* common header flags */
#define DCE_PDU_F_HDGST	       0x01
#define DCE_PDU_F_DDGST	       0x02
#define DCE_PDU_F_DATA_LAST    0x04
#define DCE_PDU_F_DATA_SUCCESS 0x08

/* ICReq/ICResp digest bits */
#define DCE_DIGEST_HDR	0x01
#define DCE_DIGEST_DATA 0x02

/* fixed sizes (bytes) */
#define DCE_CH_LEN	   8   /* common header */
#define DCE_IC_LEN	   128 /* ICReq, ICResp: hlen = plen */
#define DCE_SQE_LEN	   64
#define DCE_CQE_LEN	   16
#define DCE_CMD_HLEN	   (DCE_CH_LEN + DCE_SQE_LEN) /* 72 */
#define DCE_RSP_HLEN	   (DCE_CH_LEN + DCE_CQE_LEN) /* 24 */
#define DCE_DATA_HLEN	   24			      /* H2CData, C2HData */
#define DCE_R2T_HLEN	   24
#define DCE_TERM_HLEN	   24
#define DCE_TERM_DATA_MAX  128 /* header bytes a TermReq may quote */
#define DCE_DIGEST_LEN	   4
#define DCE_MIN_MAXH2CDATA 4096

/* fatal error status of a C2HTermReq */
#define DCE_FES_INVALID_HEADER 0x01
#define DCE_FES_PDU_SEQUENCE   0x02
#define DCE_FES_HDR_DIGEST     0x03
#define DCE_FES_DATA_RANGE     0x04
#define DCE_FES_DATA_LIMIT     0x05
#define DCE_FES_UNSUPPORTED    0x06

/* ------------------------------------------------------------------------ */
/* little-endian fields at any alignment                                    */

static inline guint16
dce_get_le16(const guint8 *p)
{
	return (guint16)(p[0] | p[1] << 8);
}

static inline guint32
dce_get_le32(const guint8 *p)
{
	return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static inline guint64
dce_get_le64(const guint8 *p)
{
	return (guint64)dce_get_le32(p) | (guint64)dce_get_le32(p + 4) << 32;
}

static inline void
dce_put_le16(guint8 *p, guint16 v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static inline void
dce_put_le32(guint8 *p, guint32 v)
{
	dce_put_le16(p, v & 0xffff);
	dce_put_le16(p + 2, v >> 16);
}

static inline void
dce_put_le64(guint8 *p, guint64 v)
{
	dce_put_le32(p, v & 0xffffffff);
	dce_put_le32(p + 4, v >> 32);
}

/* CRC32C (Castagnoli) of buf as NVMe/TCP digests use it (init ~0, final ~0) */
guint32 dce_crc32c(const guint8 *buf, gsize len);

/* ------------------------------------------------------------------------ */
/* received PDUs                                                             */

typedef struct {
	guint8 type;
	guint8 flags;
	guint8 hlen;
	guint8 pdo;
	guint32 plen;
} DcePduHeader;

/* the common header in the first DCE_CH_LEN bytes of buf (no checks: see dce_pdu_check) */
void dce_pdu_header_read(const guint8 *buf, DcePduHeader *hdr);

/*
 * the parts of one complete received PDU (buf holds exactly hdr.plen
 * bytes): the PDU specific header (after the common header, hlen - 8
 * bytes) and the data.  hdgst/ddgst: the digests negotiated by ICReq (both
 * FALSE for the ICReq itself).
 */
typedef struct {
	DcePduHeader hdr;
	const guint8 *psh; /* PDU specific header */
	gsize psh_len;
	const guint8 *data; /* NULL if the PDU carries no data */
	gsize data_len;
} DcePdu;

/*
 * check a received PDU and split it: its length and header length against
 * its type, the digest flags against the negotiated digests, the header and
 * data digests, pdo inside the PDU.  on failure *fes gets the fatal error
 * status a C2HTermReq reports (STAS_ERROR_INVALID).
 */
gboolean dce_pdu_check(const guint8 *buf, gsize len, gboolean hdgst, gboolean ddgst, DcePdu *pdu,
		       guint16 *fes, GError **error);

/* the fixed header length of a PDU type the host sends; 0 for others */
guint dce_pdu_host_hlen(guint8 type);

typedef struct {
	guint16 pfv;
	guint8 hpda;
	guint8 digest;
	guint32 maxr2t;
} DceIcReq;

/* an ICReq's fields; pfv other than 0 and hpda above 31 are refused (STAS_ERROR_INVALID) */
gboolean dce_icreq_parse(const DcePdu *pdu, DceIcReq *req, GError **error);

typedef struct {
	guint16 cid;
	guint16 ttag;
	guint32 offset;
	guint32 length;
} DceDataHeader;

/* an H2CData's header; its data_length must equal the data carried */
gboolean dce_h2c_data_parse(const DcePdu *pdu, DceDataHeader *dh, GError **error);

/* ------------------------------------------------------------------------ */
/* submission and completion queue entries                                  */

typedef struct {
	guint8 b[DCE_SQE_LEN];
} DceSqe;

static inline guint8
dce_sqe_opcode(const DceSqe *s)
{
	return s->b[0];
}

static inline guint16
dce_sqe_cid(const DceSqe *s)
{
	return dce_get_le16(s->b + 2);
}

static inline guint32
dce_sqe_nsid(const DceSqe *s)
{
	return dce_get_le32(s->b + 4);
}

/* command dword n (0..15) */
static inline guint32
dce_sqe_cdw(const DceSqe *s, guint n)
{
	return dce_get_le32(s->b + 4 * n);
}

/* the data pointer as one SGL descriptor: address, length, type byte */
static inline guint64
dce_sqe_sgl_addr(const DceSqe *s)
{
	return dce_get_le64(s->b + 24);
}

static inline guint32
dce_sqe_sgl_len(const DceSqe *s)
{
	return dce_get_le32(s->b + 32);
}

static inline guint8
dce_sqe_sgl_type(const DceSqe *s)
{
	return s->b[39];
}

/* a Fabrics command's type (opcode 0x7f) */
static inline guint8
dce_sqe_fctype(const DceSqe *s)
{
	return s->b[4];
}

/* data transfer direction of a command: opcode bits 1:0, fctype bits 1:0 for Fabrics */
#define DCE_XFER_NONE 0
#define DCE_XFER_H2C  1 /* host to controller: write */
#define DCE_XFER_C2H  2 /* controller to host: read */
#define DCE_XFER_BIDI 3

guint dce_sqe_xfer(const DceSqe *s);

typedef struct {
	guint64 result; /* dwords 0 and 1 */
	guint16 sq_head;
	guint16 sq_id;
	guint16 cid;
	guint16 status; /* status field without the phase bit: (DNR<<14 | SCT<<8 | SC) */
} DceCqe;

/* ------------------------------------------------------------------------ */
/* PDUs the controller sends: appended to out                               */

void dce_pdu_put_icresp(GByteArray *out, guint8 digest, guint32 maxh2cdata);
void dce_pdu_put_rsp(GByteArray *out, gboolean hdgst, const DceCqe *cqe);
void dce_pdu_put_c2h_data(GByteArray *out, gboolean hdgst, gboolean ddgst, guint16 cid,
			  guint32 offset, const guint8 *data, gsize len, gboolean last);
void dce_pdu_put_r2t(GByteArray *out, gboolean hdgst, guint16 cid, guint16 ttag, guint32 offset,
		     guint32 length);
/* hdr: the offending header, quoted up to DCE_TERM_DATA_MAX bytes */
void dce_pdu_put_c2h_term(GByteArray *out, guint16 fes, guint32 fei, const guint8 *hdr,
			  gsize hdr_len);

/* a completion's 16 bytes */
void dce_cqe_write(const DceCqe *cqe, guint8 out[DCE_CQE_LEN]);
void dce_cqe_read(const guint8 in[DCE_CQE_LEN], DceCqe *cqe);

G_END_DECLS
