/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-conn: NVMe/TCP listener and connections of the DC emulator
 * (dc-emu-conn.h).
 */
#include "config.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <gio/gio.h>

#include "stas/stas-error.h"

#include "dc-emu-admin.h"
#include "dc-emu-conn.h"
#include "dc-emu-pdu.h"

#define READ_CHUNK    (64 * 1024)
#define KATO_CHECK_MS 500

struct _DceServer {
	DceState *state;
	GSocket *sock;
	GSource *accept_src;
	guint kato_timer;
	GPtrArray *conns; /* DceConn */
};

/* a command waiting for its data through R2T / H2CData */
typedef struct {
	DceSqe sqe;
	guint16 ttag;
	guint32 len;
	GByteArray *data;
} PendingWrite;

typedef struct {
	DceServer *srv;
	GSocket *sock;
	char *peer;
	GSource *in_src;
	GSource *out_src;
	GByteArray *in;
	GByteArray *out;
	gboolean ic_done;
	gboolean hdgst;
	gboolean ddgst;
	DceCtrl *ctrl;
	GQueue writes; /* PendingWrite, the head has been sent its R2T */
	guint16 next_ttag;
	gboolean closing; /* end once out is flushed */
	gboolean dead;
	gint64 last_rx;
	guint dropped; /* PDUs dropped while stalled */
} DceConn;

static void conn_kill(DceConn *conn);

static void
pending_write_free(gpointer p)
{
	PendingWrite *w = p;

	g_byte_array_unref(w->data);
	g_free(w);
}

static void
conn_free(gpointer p)
{
	DceConn *conn = p;

	g_queue_clear_full(&conn->writes, pending_write_free);
	g_byte_array_unref(conn->in);
	g_byte_array_unref(conn->out);
	g_clear_object(&conn->sock);
	g_free(conn->peer);
	g_free(conn);
}

/* ------------------------------------------------------------------------ */
/* sending                                                                   */

static gboolean on_writable(GSocket *sock, GIOCondition cond, gpointer data);

/* send what out holds; the connection may be dead afterwards */
static void
conn_flush(DceConn *conn)
{
	while (!conn->dead && conn->out->len > 0) {
		g_autoptr(GError) error = NULL;
		gssize n = g_socket_send(conn->sock, (const char *)conn->out->data, conn->out->len,
					 NULL, &error);

		if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			if (conn->out_src == NULL) {
				conn->out_src = g_socket_create_source(conn->sock, G_IO_OUT, NULL);
				g_source_set_callback(conn->out_src, G_SOURCE_FUNC(on_writable),
						      conn, NULL);
				g_source_attach(conn->out_src, NULL);
			}
			return;
		}
		if (n < 0) {
			g_message("%s: send failed: %s", conn->peer, error->message);
			conn_kill(conn);
			return;
		}
		g_byte_array_remove_range(conn->out, 0, (guint)n);
	}
	if (conn->out_src != NULL) {
		g_source_destroy(conn->out_src);
		g_clear_pointer(&conn->out_src, g_source_unref);
	}
	if (conn->closing)
		conn_kill(conn);
}

static gboolean
on_writable(GSocket *sock, GIOCondition cond, gpointer data)
{
	DceConn *conn = data;

	/* conn_flush drops this source itself once out is empty */
	conn_flush(conn);
	return G_SOURCE_CONTINUE;
}

static void
send_cqe(DceConn *conn, const DceCqe *cqe)
{
	dce_pdu_put_rsp(conn->out, conn->hdgst, cqe);
	conn_flush(conn);
}

/* an AEN completion from the controller */
static void
on_ctrl_send(gpointer data, const DceCqe *cqe)
{
	DceConn *conn = data;

	if (conn->dead || conn->srv->state->stalled)
		return;
	send_cqe(conn, cqe);
}

static void
send_reply(DceConn *conn, DceReply *reply)
{
	gsize len = 0;
	const guint8 *data = reply->data != NULL ? g_bytes_get_data(reply->data, &len) : NULL;

	if (len > 0)
		dce_pdu_put_c2h_data(conn->out, conn->hdgst, conn->ddgst, reply->cqe.cid, 0, data,
				     len, TRUE);
	g_clear_pointer(&reply->data, g_bytes_unref);
	send_cqe(conn, &reply->cqe);
}

/* a fatal transport error: C2HTermReq, then close */
static void
conn_fatal(DceConn *conn, guint16 fes, const guint8 *hdr, gsize hdr_len, const char *why)
{
	g_message("%s: transport error (fes %u): %s", conn->peer, fes, why);
	dce_pdu_put_c2h_term(conn->out, fes, 0, hdr, MIN(hdr_len, DCE_TERM_DATA_MAX));
	if (conn->in_src != NULL) {
		g_source_destroy(conn->in_src);
		g_clear_pointer(&conn->in_src, g_source_unref);
	}
	conn->closing = TRUE;
	conn_flush(conn);
}

/* ------------------------------------------------------------------------ */
/* receiving                                                                 */

/* log-drop: half of the data, not the last PDU, then the connection closes mid-transfer */
static void
send_partial_and_close(DceConn *conn, DceReply *reply)
{
	gsize len = 0;
	const guint8 *data = reply->data != NULL ? g_bytes_get_data(reply->data, &len) : NULL;
	gsize half = (len / 2) & ~(gsize)3;

	if (half > 0)
		dce_pdu_put_c2h_data(conn->out, conn->hdgst, conn->ddgst, reply->cqe.cid, 0, data,
				     half, FALSE);
	g_clear_pointer(&reply->data, g_bytes_unref);
	conn->closing = TRUE;
	conn_flush(conn);
}

static void
run_command(DceConn *conn, const DceSqe *sqe, const guint8 *data, gsize len)
{
	DceReply reply;
	DceExec ex = dce_ctrl_exec(conn->ctrl, sqe, data, len, &reply);

	if (ex == DCE_EXEC_HOLD)
		return;
	if (ex == DCE_EXEC_DROP) {
		send_partial_and_close(conn, &reply);
		return;
	}
	if (ex == DCE_EXEC_REPLY_CLOSE)
		conn->closing = TRUE;
	send_reply(conn, &reply);
}

static void
send_r2t(DceConn *conn)
{
	PendingWrite *w = g_queue_peek_head(&conn->writes);

	if (w != NULL)
		dce_pdu_put_r2t(conn->out, conn->hdgst, dce_sqe_cid(&w->sqe), w->ttag, 0, w->len);
	conn_flush(conn);
}

static void
reply_status(DceConn *conn, const DceSqe *sqe, guint16 status)
{
	DceCqe cqe = {.cid = dce_sqe_cid(sqe), .status = status};

	send_cqe(conn, &cqe);
}

static void
handle_cmd(DceConn *conn, const DcePdu *pdu)
{
	DceSqe sqe;
	guint32 sgl_len;
	PendingWrite *w;

	memcpy(sqe.b, pdu->psh, DCE_SQE_LEN);
	sgl_len = dce_sqe_sgl_len(&sqe);
	if (pdu->data_len > 0 && pdu->data_len != sgl_len) {
		reply_status(conn, &sqe, DCE_SC_SGL_INVALID_DATA | DCE_SC_DNR);
		return;
	}
	if (dce_sqe_xfer(&sqe) != DCE_XFER_H2C || pdu->data_len > 0 || sgl_len == 0) {
		run_command(conn, &sqe, pdu->data, pdu->data_len);
		return;
	}
	/* write data not in the capsule: ask for it with an R2T */
	if (sgl_len > DCE_MAXH2CDATA) {
		reply_status(conn, &sqe, DCE_SC_INVALID_FIELD | DCE_SC_DNR);
		return;
	}
	w = g_new0(PendingWrite, 1);
	w->sqe = sqe;
	w->ttag = conn->next_ttag++;
	w->len = sgl_len;
	w->data = g_byte_array_sized_new(sgl_len);
	g_queue_push_tail(&conn->writes, w);
	if (conn->writes.length == 1)
		send_r2t(conn);
}

static void
handle_h2c_data(DceConn *conn, const DcePdu *pdu, const guint8 *raw)
{
	PendingWrite *w = g_queue_peek_head(&conn->writes);
	g_autoptr(GError) error = NULL;
	DceDataHeader dh;

	if (!dce_h2c_data_parse(pdu, &dh, &error)) {
		conn_fatal(conn, DCE_FES_INVALID_HEADER, raw, pdu->hdr.hlen, error->message);
		return;
	}
	if (w == NULL || dh.cid != dce_sqe_cid(&w->sqe) || dh.ttag != w->ttag) {
		conn_fatal(conn, DCE_FES_PDU_SEQUENCE, raw, pdu->hdr.hlen,
			   "H2CData for no outstanding R2T");
		return;
	}
	if (dh.offset != w->data->len || (guint64)dh.offset + dh.length > w->len) {
		conn_fatal(conn, DCE_FES_DATA_RANGE, raw, pdu->hdr.hlen,
			   "H2CData outside the R2T range");
		return;
	}
	g_byte_array_append(w->data, pdu->data, (guint)pdu->data_len);
	if (w->data->len < w->len)
		return;
	g_queue_pop_head(&conn->writes);
	run_command(conn, &w->sqe, w->data->data, w->data->len);
	pending_write_free(w);
	if (!conn->dead && conn->writes.length > 0)
		send_r2t(conn);
}

static void
handle_icreq(DceConn *conn, const DcePdu *pdu, const guint8 *raw)
{
	g_autoptr(GError) error = NULL;
	DceIcReq req;

	if (conn->ic_done) {
		conn_fatal(conn, DCE_FES_PDU_SEQUENCE, raw, DCE_IC_LEN, "second ICReq");
		return;
	}
	if (!dce_icreq_parse(pdu, &req, &error)) {
		conn_fatal(conn, DCE_FES_UNSUPPORTED, raw, DCE_IC_LEN, error->message);
		return;
	}
	conn->hdgst = (req.digest & DCE_DIGEST_HDR) != 0;
	conn->ddgst = (req.digest & DCE_DIGEST_DATA) != 0;
	conn->ic_done = TRUE;
	dce_pdu_put_icresp(conn->out, req.digest & (DCE_DIGEST_HDR | DCE_DIGEST_DATA),
			   DCE_MAXH2CDATA);
	conn_flush(conn);
}

static void
handle_pdu(DceConn *conn, const guint8 *buf, gsize len)
{
	g_autoptr(GError) error = NULL;
	guint16 fes = 0;
	DcePdu pdu;

	if (!dce_pdu_check(buf, len, conn->hdgst, conn->ddgst, &pdu, &fes, &error)) {
		conn_fatal(conn, fes, buf, MIN(len, DCE_TERM_DATA_MAX), error->message);
		return;
	}
	if (pdu.hdr.type == DCE_PDU_ICREQ) {
		handle_icreq(conn, &pdu, buf);
		return;
	}
	if (!conn->ic_done) {
		conn_fatal(conn, DCE_FES_PDU_SEQUENCE, buf, pdu.hdr.hlen, "PDU before ICReq");
		return;
	}
	switch (pdu.hdr.type) {
	case DCE_PDU_CMD:
		handle_cmd(conn, &pdu);
		break;
	case DCE_PDU_H2C_DATA:
		handle_h2c_data(conn, &pdu, buf);
		break;
	case DCE_PDU_H2C_TERM:
	default:
		g_message("%s: host terminated the connection", conn->peer);
		conn_kill(conn);
		break;
	}
}

/* frame and handle every complete PDU in conn->in */
static void
process_input(DceConn *conn)
{
	gsize used = 0;

	while (!conn->dead && !conn->closing && conn->in->len - used >= DCE_CH_LEN) {
		const guint8 *p = conn->in->data + used;
		guint32 plen = dce_get_le32(p + 4);

		if (plen < DCE_CH_LEN || plen > DCE_MAX_PDU) {
			conn_fatal(conn,
				   plen < DCE_CH_LEN ? DCE_FES_INVALID_HEADER : DCE_FES_DATA_LIMIT,
				   p, DCE_CH_LEN, "PDU length out of range");
			return;
		}
		if (conn->in->len - used < plen)
			break;
		if (conn->srv->state->stalled) {
			g_debug("%s: stalled, PDU type %#x dropped", conn->peer, p[0]);
			conn->dropped++;
		} else {
			handle_pdu(conn, p, plen);
		}
		used += plen;
	}
	if (!conn->dead && used > 0)
		g_byte_array_remove_range(conn->in, 0, (guint)used);
}

static gboolean
on_readable(GSocket *sock, GIOCondition cond, gpointer data)
{
	DceConn *conn = data;
	g_autoptr(GError) error = NULL;
	guint old = conn->in->len;
	gssize n;

	g_byte_array_set_size(conn->in, old + READ_CHUNK);
	n = g_socket_receive(sock, (char *)conn->in->data + old, READ_CHUNK, NULL, &error);
	g_byte_array_set_size(conn->in, old + (n > 0 ? (guint)n : 0));
	if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		g_message("%s: connection closed%s%s", conn->peer, error ? ": " : "",
			  error ? error->message : "");
		conn_kill(conn);
		return G_SOURCE_REMOVE;
	}
	conn->last_rx = g_get_monotonic_time();
	process_input(conn);
	return conn->dead || conn->in_src == NULL ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* connection life                                                           */

static gboolean
idle_once(gpointer data)
{
	return G_SOURCE_REMOVE;
}

static void
conn_kill(DceConn *conn)
{
	if (conn->dead)
		return;
	conn->dead = TRUE;
	if (conn->in_src != NULL) {
		g_source_destroy(conn->in_src);
		g_clear_pointer(&conn->in_src, g_source_unref);
	}
	if (conn->out_src != NULL) {
		g_source_destroy(conn->out_src);
		g_clear_pointer(&conn->out_src, g_source_unref);
	}
	g_socket_close(conn->sock, NULL);
	if (conn->ctrl->connected)
		g_message("cntlid %u: association ended", conn->ctrl->cntlid);
	g_clear_pointer(&conn->ctrl, dce_ctrl_free);
	g_ptr_array_remove(conn->srv->conns, conn);
	/* freed once the current callback has returned */
	g_idle_add_full(G_PRIORITY_HIGH, idle_once, conn, conn_free);
}

static char *
peer_string(GSocket *sock)
{
	g_autoptr(GSocketAddress) addr = g_socket_get_remote_address(sock, NULL);
	GInetAddress *ia;

	if (addr == NULL || !G_IS_INET_SOCKET_ADDRESS(addr))
		return g_strdup("?");
	ia = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr));
	return g_inet_address_to_string(ia);
}

static void
conn_new(DceServer *srv, GSocket *sock)
{
	DceConn *conn = g_new0(DceConn, 1);

	conn->srv = srv;
	conn->sock = sock;
	conn->peer = peer_string(sock);
	conn->in = g_byte_array_new();
	conn->out = g_byte_array_new();
	g_queue_init(&conn->writes);
	conn->last_rx = g_get_monotonic_time();
	conn->ctrl = dce_ctrl_new(srv->state, conn->peer, on_ctrl_send, conn);
	g_socket_set_blocking(sock, FALSE);
	g_socket_set_option(sock, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
	conn->in_src = g_socket_create_source(sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(conn->in_src, G_SOURCE_FUNC(on_readable), conn, NULL);
	g_source_attach(conn->in_src, NULL);
	g_ptr_array_add(srv->conns, conn);
	g_debug("%s: connection accepted", conn->peer);
}

/* ------------------------------------------------------------------------ */
/* listener                                                                  */

static gboolean
on_accept(GSocket *sock, GIOCondition cond, gpointer data)
{
	DceServer *srv = data;
	g_autoptr(GError) error = NULL;
	GSocket *client = g_socket_accept(sock, NULL, &error);

	if (client == NULL) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			g_warning("accept: %s", error->message);
		return G_SOURCE_CONTINUE;
	}
	conn_new(srv, client);
	return G_SOURCE_CONTINUE;
}

/* drop live associations silent for longer than their KATO */
static gboolean
on_kato_check(gpointer data)
{
	DceServer *srv = data;
	gint64 now = g_get_monotonic_time();
	g_autoptr(GPtrArray) conns = NULL;

	if (!srv->state->cfg->kato_enforce || srv->state->stalled)
		return G_SOURCE_CONTINUE;
	conns = g_ptr_array_copy(srv->conns, NULL, NULL);
	for (guint i = 0; i < conns->len; i++) {
		DceConn *conn = g_ptr_array_index(conns, i);
		guint32 kato = conn->ctrl->kato_ms;

		if (dce_ctrl_is_live(conn->ctrl) && kato > 0 &&
		    now - conn->last_rx > (gint64)kato * 1000) {
			g_message("cntlid %u: keep alive timeout (%u ms)", conn->ctrl->cntlid,
				  kato);
			conn_kill(conn);
		}
	}
	return G_SOURCE_CONTINUE;
}

static GSocket *
listen_socket(DceConfig *cfg, GError **error)
{
	g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(cfg->address);
	g_autoptr(GSocketAddress) addr = NULL;
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GSocket) sock = NULL;

	if (ia == NULL) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "not an IP address: %s",
			    cfg->address);
		return NULL;
	}
	addr = g_inet_socket_address_new(ia, cfg->port);
	sock = g_socket_new(g_inet_address_get_family(ia), G_SOCKET_TYPE_STREAM,
			    G_SOCKET_PROTOCOL_TCP, error);
	if (sock == NULL || !g_socket_bind(sock, addr, TRUE, error) ||
	    !g_socket_listen(sock, error))
		return NULL;
	bound = g_socket_get_local_address(sock, error);
	if (bound == NULL)
		return NULL;
	cfg->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	g_socket_set_blocking(sock, FALSE);
	return g_steal_pointer(&sock);
}

DceServer *
dce_server_new(DceState *state, GError **error)
{
	g_autoptr(GSocket) sock = listen_socket(state->cfg, error);
	DceServer *srv;

	if (sock == NULL) {
		g_prefix_error(error, "listen on %s port %u: ", state->cfg->address,
			       state->cfg->port);
		return NULL;
	}
	srv = g_new0(DceServer, 1);
	srv->state = state;
	srv->sock = g_steal_pointer(&sock);
	srv->conns = g_ptr_array_new();
	srv->accept_src = g_socket_create_source(srv->sock, G_IO_IN, NULL);
	g_source_set_callback(srv->accept_src, G_SOURCE_FUNC(on_accept), srv, NULL);
	g_source_attach(srv->accept_src, NULL);
	srv->kato_timer = g_timeout_add(KATO_CHECK_MS, on_kato_check, srv);
	return srv;
}

guint
dce_server_drop_connections(DceServer *srv)
{
	guint n = srv->conns->len;

	while (srv->conns->len > 0)
		conn_kill(g_ptr_array_index(srv->conns, 0));
	return n;
}

guint
dce_server_drop_stalled(DceServer *srv)
{
	g_autoptr(GPtrArray) conns = g_ptr_array_copy(srv->conns, NULL, NULL);
	guint n = 0;

	for (guint i = 0; i < conns->len; i++) {
		DceConn *conn = g_ptr_array_index(conns, i);

		if (conn->dropped > 0) {
			conn_kill(conn);
			n++;
		}
	}
	return n;
}

void
dce_server_free(DceServer *srv)
{
	if (srv == NULL)
		return;
	dce_server_drop_connections(srv);
	/* run the idles that free the connections */
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_source_destroy(srv->accept_src);
	g_source_unref(srv->accept_src);
	g_source_remove(srv->kato_timer);
	g_socket_close(srv->sock, NULL);
	g_object_unref(srv->sock);
	g_ptr_array_unref(srv->conns);
	g_free(srv);
}
