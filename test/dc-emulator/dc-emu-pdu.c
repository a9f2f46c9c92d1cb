/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-pdu: NVMe/TCP PDUs (dc-emu-pdu.h).  layouts as in the kernel's
 * include/linux/nvme-tcp.h and the NVMe/TCP transport specification.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "stas/stas-error.h"

#include "dc-emu-pdu.h"

/* CRC32C, reflected polynomial 0x82f63b78, one nibble at a time */
static const guint32 crc32c_nibble[16] = {
	0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1, 0x417b1dbc, 0x5125dad3,
	0x61c69362, 0x7198540d, 0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9,
	0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75,
};

guint32
dce_crc32c(const guint8 *buf, gsize len)
{
	guint32 crc = 0xffffffff;

	for (gsize i = 0; i < len; i++) {
		crc ^= buf[i];
		crc = (crc >> 4) ^ crc32c_nibble[crc & 0xf];
		crc = (crc >> 4) ^ crc32c_nibble[crc & 0xf];
	}
	return crc ^ 0xffffffff;
}

void
dce_pdu_header_read(const guint8 *buf, DcePduHeader *hdr)
{
	hdr->type = buf[0];
	hdr->flags = buf[1];
	hdr->hlen = buf[2];
	hdr->pdo = buf[3];
	hdr->plen = dce_get_le32(buf + 4);
}

guint
dce_pdu_host_hlen(guint8 type)
{
	switch (type) {
	case DCE_PDU_ICREQ:
		return DCE_IC_LEN;
	case DCE_PDU_CMD:
		return DCE_CMD_HLEN;
	case DCE_PDU_H2C_DATA:
		return DCE_DATA_HLEN;
	case DCE_PDU_H2C_TERM:
		return DCE_TERM_HLEN;
	default:
		return 0;
	}
}

static gboolean fail(guint16 *fes, guint16 code, GError **error, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

static gboolean
fail(guint16 *fes, guint16 code, GError **error, const char *fmt, ...)
{
	va_list ap;

	*fes = code;
	if (error == NULL)
		return FALSE;
	g_return_val_if_fail(*error == NULL, FALSE);
	va_start(ap, fmt);
	*error = g_error_new_valist(STAS_ERROR, STAS_ERROR_INVALID, fmt, ap);
	va_end(ap);
	return FALSE;
}

/* the header digest: present exactly when negotiated, and right */
static gboolean
check_hdgst(const guint8 *buf, const DcePduHeader *h, gboolean hdgst, guint16 *fes, GError **error)
{
	gboolean flag = (h->flags & DCE_PDU_F_HDGST) != 0;

	if (flag != hdgst)
		return fail(fes, DCE_FES_INVALID_HEADER, error,
			    "PDU type %#x: header digest flag %s but digest %s", h->type,
			    flag ? "set" : "clear", hdgst ? "negotiated" : "not negotiated");
	if (!hdgst)
		return TRUE;
	if (h->plen < (guint32)h->hlen + DCE_DIGEST_LEN)
		return fail(fes, DCE_FES_INVALID_HEADER, error,
			    "PDU type %#x: plen %u leaves no room for the header digest", h->type,
			    h->plen);
	if (dce_get_le32(buf + h->hlen) != dce_crc32c(buf, h->hlen))
		return fail(fes, DCE_FES_HDR_DIGEST, error, "PDU type %#x: header digest error",
			    h->type);
	return TRUE;
}

/* data from pdo to plen (less the data digest), digest checked */
static gboolean
split_data(const guint8 *buf, const DcePduHeader *h, gboolean hdgst, gboolean ddgst, DcePdu *pdu,
	   guint16 *fes, GError **error)
{
	guint32 hend = h->hlen + (hdgst ? DCE_DIGEST_LEN : 0);
	gboolean flag = (h->flags & DCE_PDU_F_DDGST) != 0;
	guint32 dlen = flag ? DCE_DIGEST_LEN : 0;

	if (flag && !ddgst)
		return fail(fes, DCE_FES_INVALID_HEADER, error,
			    "PDU type %#x: data digest flag set but not negotiated", h->type);
	if (h->pdo == 0) {
		if (h->plen != hend || flag)
			return fail(fes, DCE_FES_INVALID_HEADER, error,
				    "PDU type %#x: plen %u without data (pdo 0)", h->type, h->plen);
		return TRUE;
	}
	if (h->pdo < hend || (guint64)h->pdo + dlen > h->plen)
		return fail(fes, DCE_FES_INVALID_HEADER, error,
			    "PDU type %#x: pdo %u outside header end %u .. plen %u", h->type,
			    h->pdo, hend, h->plen);
	if (ddgst && !flag && h->plen > h->pdo)
		return fail(fes, DCE_FES_INVALID_HEADER, error,
			    "PDU type %#x: data without the negotiated data digest", h->type);
	pdu->data = buf + h->pdo;
	pdu->data_len = h->plen - h->pdo - dlen;
	if (flag && dce_get_le32(pdu->data + pdu->data_len) != dce_crc32c(pdu->data, pdu->data_len))
		return fail(fes, DCE_FES_DATA_RANGE, error, "PDU type %#x: data digest error",
			    h->type);
	return TRUE;
}

gboolean
dce_pdu_check(const guint8 *buf, gsize len, gboolean hdgst, gboolean ddgst, DcePdu *pdu,
	      guint16 *fes, GError **error)
{
	DcePduHeader *h = &pdu->hdr;
	guint want;

	memset(pdu, 0, sizeof(*pdu));
	if (len < DCE_CH_LEN)
		return fail(fes, DCE_FES_INVALID_HEADER, error, "PDU of %zu bytes", len);
	dce_pdu_header_read(buf, h);
	want = dce_pdu_host_hlen(h->type);
	if (want == 0)
		return fail(fes, DCE_FES_INVALID_HEADER, error, "PDU type %#x not sent by a host",
			    h->type);
	if (h->hlen != want || h->plen != len || h->plen < h->hlen)
		return fail(fes, DCE_FES_INVALID_HEADER, error,
			    "PDU type %#x: hlen %u (want %u), plen %u of %zu bytes", h->type,
			    h->hlen, want, h->plen, len);
	pdu->psh = buf + DCE_CH_LEN;
	pdu->psh_len = h->hlen - DCE_CH_LEN;

	/* ICReq and TermReq have no digests; a TermReq quotes a header after its own */
	if (h->type == DCE_PDU_ICREQ) {
		if (h->plen != DCE_IC_LEN)
			return fail(fes, DCE_FES_INVALID_HEADER, error, "ICReq plen %u", h->plen);
		return TRUE;
	}
	if (h->type == DCE_PDU_H2C_TERM) {
		pdu->data = buf + h->hlen;
		pdu->data_len = h->plen - h->hlen;
		return TRUE;
	}
	if (!check_hdgst(buf, h, hdgst, fes, error))
		return FALSE;
	return split_data(buf, h, hdgst, ddgst, pdu, fes, error);
}

gboolean
dce_icreq_parse(const DcePdu *pdu, DceIcReq *req, GError **error)
{
	const guint8 *p = pdu->psh;

	if (pdu->hdr.type != DCE_PDU_ICREQ || pdu->psh_len < DCE_IC_LEN - DCE_CH_LEN) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "not an ICReq (type %#x)",
			    pdu->hdr.type);
		return FALSE;
	}
	req->pfv = dce_get_le16(p);
	req->hpda = p[2];
	req->digest = p[3];
	req->maxr2t = dce_get_le32(p + 4);
	if (req->pfv != 0 || req->hpda > 31) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "ICReq: unsupported pfv %u or hpda %u", req->pfv, req->hpda);
		return FALSE;
	}
	return TRUE;
}

gboolean
dce_h2c_data_parse(const DcePdu *pdu, DceDataHeader *dh, GError **error)
{
	const guint8 *p = pdu->psh;

	if (pdu->hdr.type != DCE_PDU_H2C_DATA || pdu->psh_len < DCE_DATA_HLEN - DCE_CH_LEN) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "not an H2CData (type %#x)",
			    pdu->hdr.type);
		return FALSE;
	}
	dh->cid = dce_get_le16(p);
	dh->ttag = dce_get_le16(p + 2);
	dh->offset = dce_get_le32(p + 4);
	dh->length = dce_get_le32(p + 8);
	if (dh->length != pdu->data_len) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "H2CData: data_length %u but %zu bytes of data", dh->length,
			    pdu->data_len);
		return FALSE;
	}
	return TRUE;
}

guint
dce_sqe_xfer(const DceSqe *s)
{
	if (dce_sqe_opcode(s) == 0x7f)
		return dce_sqe_fctype(s) & 3;
	return dce_sqe_opcode(s) & 3;
}

/* ------------------------------------------------------------------------ */
/* PDUs sent                                                                 */

/* room for a PDU of plen bytes at the end of out; its common header filled */
static guint8 *
pdu_begin(GByteArray *out, guint8 type, guint8 flags, guint8 hlen, guint8 pdo, guint32 plen)
{
	guint start = out->len;
	guint8 *p;

	g_byte_array_set_size(out, start + plen);
	p = out->data + start;
	memset(p, 0, plen);
	p[0] = type;
	p[1] = flags;
	p[2] = hlen;
	p[3] = pdo;
	dce_put_le32(p + 4, plen);
	return p;
}

static void
put_hdgst(guint8 *pdu, gboolean hdgst)
{
	if (hdgst)
		dce_put_le32(pdu + pdu[2], dce_crc32c(pdu, pdu[2]));
}

void
dce_pdu_put_icresp(GByteArray *out, guint8 digest, guint32 maxh2cdata)
{
	guint8 *p = pdu_begin(out, DCE_PDU_ICRESP, 0, DCE_IC_LEN, 0, DCE_IC_LEN);

	dce_put_le16(p + 8, 0); /* pfv 1.0 */
	p[10] = 0;		/* cpda */
	p[11] = digest;
	dce_put_le32(p + 12, maxh2cdata);
}

void
dce_cqe_write(const DceCqe *cqe, guint8 out[DCE_CQE_LEN])
{
	dce_put_le64(out, cqe->result);
	dce_put_le16(out + 8, cqe->sq_head);
	dce_put_le16(out + 10, cqe->sq_id);
	dce_put_le16(out + 12, cqe->cid);
	dce_put_le16(out + 14, (guint16)(cqe->status << 1));
}

void
dce_cqe_read(const guint8 in[DCE_CQE_LEN], DceCqe *cqe)
{
	cqe->result = dce_get_le64(in);
	cqe->sq_head = dce_get_le16(in + 8);
	cqe->sq_id = dce_get_le16(in + 10);
	cqe->cid = dce_get_le16(in + 12);
	cqe->status = dce_get_le16(in + 14) >> 1;
}

void
dce_pdu_put_rsp(GByteArray *out, gboolean hdgst, const DceCqe *cqe)
{
	guint8 hd = hdgst ? DCE_DIGEST_LEN : 0;
	guint8 *p = pdu_begin(out, DCE_PDU_RSP, hdgst ? DCE_PDU_F_HDGST : 0, DCE_RSP_HLEN, 0,
			      DCE_RSP_HLEN + hd);

	dce_cqe_write(cqe, p + DCE_CH_LEN);
	put_hdgst(p, hdgst);
}

void
dce_pdu_put_c2h_data(GByteArray *out, gboolean hdgst, gboolean ddgst, guint16 cid, guint32 offset,
		     const guint8 *data, gsize len, gboolean last)
{
	guint8 hd = hdgst ? DCE_DIGEST_LEN : 0;
	guint8 dd = ddgst ? DCE_DIGEST_LEN : 0;
	guint8 flags = (hdgst ? DCE_PDU_F_HDGST : 0) | (ddgst ? DCE_PDU_F_DDGST : 0) |
		       (last ? DCE_PDU_F_DATA_LAST : 0);
	guint8 pdo = DCE_DATA_HLEN + hd;
	guint8 *p = pdu_begin(out, DCE_PDU_C2H_DATA, flags, DCE_DATA_HLEN, pdo,
			      (guint32)(pdo + len + dd));

	dce_put_le16(p + 8, cid);
	dce_put_le16(p + 10, 0); /* ttag: unused for C2H */
	dce_put_le32(p + 12, offset);
	dce_put_le32(p + 16, (guint32)len);
	put_hdgst(p, hdgst);
	if (len > 0)
		memcpy(p + pdo, data, len);
	if (ddgst)
		dce_put_le32(p + pdo + len, dce_crc32c(p + pdo, len));
}

void
dce_pdu_put_r2t(GByteArray *out, gboolean hdgst, guint16 cid, guint16 ttag, guint32 offset,
		guint32 length)
{
	guint8 hd = hdgst ? DCE_DIGEST_LEN : 0;
	guint8 *p = pdu_begin(out, DCE_PDU_R2T, hdgst ? DCE_PDU_F_HDGST : 0, DCE_R2T_HLEN, 0,
			      DCE_R2T_HLEN + hd);

	dce_put_le16(p + 8, cid);
	dce_put_le16(p + 10, ttag);
	dce_put_le32(p + 12, offset);
	dce_put_le32(p + 16, length);
	put_hdgst(p, hdgst);
}

void
dce_pdu_put_c2h_term(GByteArray *out, guint16 fes, guint32 fei, const guint8 *hdr, gsize hdr_len)
{
	gsize quote = MIN(hdr_len, DCE_TERM_DATA_MAX);
	guint8 *p = pdu_begin(out, DCE_PDU_C2H_TERM, 0, DCE_TERM_HLEN, 0,
			      (guint32)(DCE_TERM_HLEN + quote));

	dce_put_le16(p + 8, fes);
	dce_put_le32(p + 10, fei);
	if (quote > 0)
		memcpy(p + DCE_TERM_HLEN, hdr, quote);
}
