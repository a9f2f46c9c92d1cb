/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loopback smoke test of nvme-dc-emu: a small NVMe/TCP host written here
 * speaks ICReq, Connect, Property Get/Set, Identify, Get Log Page, AER, DIM
 * (in-capsule and through R2T) and Keep Alive to a real nvme-dc-emu process
 * on 127.0.0.1, and drives it through nvme-dc-emuctl, as the e2e tier does.
 * $NVME_DC_EMU and $NVME_DC_EMUCTL name the binaries (set by meson).
 */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <gio/gio.h>
#include <glib.h>

#include "dc-emu-admin.h"
#include "dc-emu-dim.h"
#include "dc-emu-entry.h"
#include "dc-emu-log.h"
#include "dc-emu-pdu.h"

#define HOSTNQN	   "nqn.2014-08.org.nvmexpress:uuid:0f0e0d0c-0b0a-0908-0706-050403020100"
#define TIMEOUT_MS 5000
#define QUIET_MS   400

typedef struct {
	GSubprocess *proc;
	char *dir;
	char *control;
	guint16 port;
} Emu;

typedef struct {
	GSocket *sock;
	gboolean hdgst;
	gboolean ddgst;
	guint16 cid;
	guint16 cntlid;
} Host;

/* ------------------------------------------------------------------------ */
/* the emulator process                                                      */

static Emu *
emu_start(const char *name, const char *const *extra)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	static const char *const fixed[] = {"--port=0", "--die-with-parent", "--control"};
	g_autoptr(GSubprocessLauncher) l =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GDataInputStream) out = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = NULL;
	g_auto(GStrv) words = NULL;
	Emu *emu = g_new0(Emu, 1);

	emu->dir = g_dir_make_tmp("dc-emu-XXXXXX", &error);
	assert_non_null(emu->dir);
	emu->control = g_build_filename(emu->dir, name, NULL);
	g_ptr_array_add(argv, (gpointer)g_getenv("NVME_DC_EMU"));
	for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
		g_ptr_array_add(argv, (gpointer)fixed[i]);
	g_ptr_array_add(argv, emu->control);
	for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)extra[i]);
	g_ptr_array_add(argv, NULL);
	assert_non_null(argv->pdata[0]);
	emu->proc = g_subprocess_launcher_spawnv(l, (const char *const *)argv->pdata, &error);
	assert_non_null(emu->proc);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(emu->proc));
	line = g_data_input_stream_read_line(out, NULL, NULL, &error);
	assert_non_null(line); /* "READY 127.0.0.1 <port> <control>" */
	words = g_strsplit(line, " ", 0);
	assert_int_equal(g_strv_length(words), 4);
	assert_string_equal(words[0], "READY");
	emu->port = (guint16)g_ascii_strtoull(words[2], NULL, 10);
	assert_int_not_equal(emu->port, 0);
	return emu;
}

static void
emu_stop(Emu *emu)
{
	g_subprocess_send_signal(emu->proc, SIGTERM);
	assert_true(g_subprocess_wait(emu->proc, NULL, NULL));
	assert_true(g_subprocess_get_if_exited(emu->proc));
	assert_int_equal(g_subprocess_get_exit_status(emu->proc), 0);
	assert_false(g_file_test(emu->control, G_FILE_TEST_EXISTS)); /* removed at exit */
	g_object_unref(emu->proc);
	rmdir(emu->dir);
	g_free(emu->dir);
	g_free(emu->control);
	g_free(emu);
}

/* nvme-dc-emuctl OP JSON: its exit status, its output in *out (optional) */
static int
emuctl(Emu *emu, const char *op, const char *json, char **out)
{
	const char *argv[] = {g_getenv("NVME_DC_EMUCTL"), "--socket", emu->control, op, json, NULL};
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	int status = -1;

	assert_non_null(argv[0]);
	assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &text,
				 NULL, &status, &error));
	if (out != NULL)
		*out = g_steal_pointer(&text);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static gboolean
emuctl_has(Emu *emu, const char *op, const char *fragment)
{
	g_autofree char *out = NULL;

	assert_int_equal(emuctl(emu, op, "{}", &out), 0);
	return strstr(out, fragment) != NULL;
}

/* ------------------------------------------------------------------------ */
/* the host side                                                             */

static Host *
host_connect(Emu *emu)
{
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, emu->port);
	g_autoptr(GError) error = NULL;
	Host *h = g_new0(Host, 1);

	h->sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
			       &error);
	assert_non_null(h->sock);
	assert_true(g_socket_connect(h->sock, addr, NULL, &error));
	h->cid = 1;
	return h;
}

static void
host_free(Host *h)
{
	g_socket_close(h->sock, NULL);
	g_object_unref(h->sock);
	g_free(h);
}

static void
host_send(Host *h, const guint8 *buf, gsize len)
{
	g_autoptr(GError) error = NULL;

	while (len > 0) {
		gssize n = g_socket_send(h->sock, (const char *)buf, len, NULL, &error);

		assert_true(n > 0);
		buf += n;
		len -= (gsize)n;
	}
}

/* exactly len bytes within timeout_ms; FALSE on timeout or EOF */
static gboolean
host_recv(Host *h, guint8 *buf, gsize len, int timeout_ms)
{
	while (len > 0) {
		g_autoptr(GError) error = NULL;
		gssize n;

		if (!g_socket_condition_timed_wait(h->sock, G_IO_IN, (gint64)timeout_ms * 1000,
						   NULL, NULL))
			return FALSE;
		n = g_socket_receive(h->sock, (char *)buf, len, NULL, &error);
		if (n <= 0)
			return FALSE;
		buf += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* the next PDU, or NULL */
static GByteArray *
host_recv_pdu(Host *h, int timeout_ms)
{
	GByteArray *b = g_byte_array_new();
	guint32 plen;

	g_byte_array_set_size(b, 8);
	if (!host_recv(h, b->data, 8, timeout_ms)) {
		g_byte_array_unref(b);
		return NULL;
	}
	plen = dce_get_le32(b->data + 4);
	assert_true(plen >= 8 && plen < 1024 * 1024);
	g_byte_array_set_size(b, plen);
	assert_true(host_recv(h, b->data + 8, plen - 8, timeout_ms));
	return b;
}

static void
host_icreq(Host *h, guint8 digest)
{
	guint8 req[128] = {DCE_PDU_ICREQ, 0, 128, 0, 128};
	g_autoptr(GByteArray) resp = NULL;

	req[11] = digest;
	host_send(h, req, sizeof(req));
	resp = host_recv_pdu(h, TIMEOUT_MS);
	assert_non_null(resp);
	assert_int_equal(resp->len, 128);
	assert_int_equal(resp->data[0], DCE_PDU_ICRESP);
	assert_int_equal(dce_get_le16(resp->data + 8), 0); /* pfv */
	assert_int_equal(resp->data[10], 0);		   /* cpda */
	assert_int_equal(resp->data[11], digest);
	assert_true(dce_get_le32(resp->data + 12) >= 4096);
	h->hdgst = (digest & DCE_DIGEST_HDR) != 0;
	h->ddgst = (digest & DCE_DIGEST_DATA) != 0;
}

static DceSqe
host_sqe(Host *h, guint8 opcode)
{
	DceSqe s = {{0}};

	s.b[0] = opcode;
	dce_put_le16(s.b + 2, h->cid++);
	return s;
}

/* a CapsuleCmd; data in the capsule when given */
static void
host_cmd(Host *h, DceSqe *s, const guint8 *data, gsize len)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	guint hd = h->hdgst ? 4 : 0, dd = (h->ddgst && len) ? 4 : 0;
	guint pdo = len ? 72 + hd : 0;

	if (len > 0) {
		dce_put_le32(s->b + 32, (guint32)len);
		s->b[39] = 0x01; /* data block, offset: in-capsule */
	}
	g_byte_array_set_size(b, 72 + hd + len + dd);
	b->data[0] = DCE_PDU_CMD;
	b->data[1] = (hd ? DCE_PDU_F_HDGST : 0) | (dd ? DCE_PDU_F_DDGST : 0);
	b->data[2] = 72;
	b->data[3] = (guint8)pdo;
	dce_put_le32(b->data + 4, b->len);
	memcpy(b->data + 8, s->b, 64);
	if (hd)
		dce_put_le32(b->data + 72, dce_crc32c(b->data, 72));
	if (len) {
		memcpy(b->data + pdo, data, len);
		if (dd)
			dce_put_le32(b->data + pdo + len, dce_crc32c(data, len));
	}
	host_send(h, b->data, b->len);
}

/* check the digests of a received PDU */
static void
check_digests(Host *h, GByteArray *p)
{
	guint8 hlen = p->data[2];

	assert_int_equal((p->data[1] & DCE_PDU_F_HDGST) != 0, h->hdgst);
	if (h->hdgst)
		assert_int_equal(dce_get_le32(p->data + hlen), dce_crc32c(p->data, hlen));
	if (p->data[0] == DCE_PDU_C2H_DATA && h->ddgst) {
		guint8 pdo = p->data[3];

		assert_true(p->data[1] & DCE_PDU_F_DDGST);
		assert_int_equal(dce_get_le32(p->data + p->len - 4),
				 dce_crc32c(p->data + pdo, p->len - pdo - 4));
	}
}

/* the completion of cid, collecting C2HData before it; FALSE if none in time */
static gboolean
host_wait(Host *h, guint16 cid, int timeout_ms, DceCqe *cqe, GByteArray *data)
{
	for (;;) {
		g_autoptr(GByteArray) p = host_recv_pdu(h, timeout_ms);

		if (p == NULL)
			return FALSE;
		check_digests(h, p);
		if (p->data[0] == DCE_PDU_C2H_DATA) {
			guint8 pdo = p->data[3];
			guint32 len = dce_get_le32(p->data + 16);

			assert_int_equal(dce_get_le16(p->data + 8), cid);
			if (data != NULL)
				g_byte_array_append(data, p->data + pdo, len);
			continue;
		}
		assert_int_equal(p->data[0], DCE_PDU_RSP);
		dce_cqe_read(p->data + 8, cqe);
		assert_int_equal(cqe->cid, cid);
		return TRUE;
	}
}

static guint16
host_exec(Host *h, DceSqe *s, const guint8 *in, gsize in_len, GByteArray *out, guint64 *result)
{
	DceCqe cqe;

	host_cmd(h, s, in, in_len);
	assert_true(host_wait(h, dce_sqe_cid(s), TIMEOUT_MS, &cqe, out));
	if (result != NULL)
		*result = cqe.result;
	return cqe.status;
}

static guint16
host_fabrics_connect(Host *h, guint16 qid, guint32 kato, guint64 *result)
{
	DceSqe s = host_sqe(h, DCE_OPC_FABRICS);
	guint8 data[1024] = {0};

	s.b[4] = DCE_FCT_CONNECT;
	dce_put_le16(s.b + 42, qid);
	dce_put_le16(s.b + 44, 31);
	dce_put_le32(s.b + 48, kato);
	for (guint i = 0; i < 16; i++)
		data[i] = (guint8)(15 - i);
	dce_put_le16(data + 16, 0xffff);
	memcpy(data + 256, DCE_DISC_NQN, strlen(DCE_DISC_NQN));
	memcpy(data + 512, HOSTNQN, strlen(HOSTNQN));
	return host_exec(h, &s, data, sizeof(data), NULL, result);
}

static guint64
host_prop(Host *h, guint8 fctype, guint32 offset, guint64 value)
{
	DceSqe s = host_sqe(h, DCE_OPC_FABRICS);
	guint64 result = 0;

	s.b[4] = fctype;
	s.b[40] = offset == DCE_PROP_CAP ? 1 : 0;
	dce_put_le32(s.b + 44, offset);
	dce_put_le64(s.b + 48, value);
	assert_int_equal(host_exec(h, &s, NULL, 0, NULL, &result), 0);
	return result;
}

/* ICReq, Connect, CC.EN=1 and CSTS.RDY, as nvme_tcp_setup_ctrl does */
static Host *
host_up(Emu *emu, guint8 digest, guint32 kato)
{
	Host *h = host_connect(emu);
	guint64 cntlid = 0;

	host_icreq(h, digest);
	assert_int_equal(host_fabrics_connect(h, 0, kato, &cntlid), 0);
	h->cntlid = (guint16)cntlid;
	assert_int_equal(host_prop(h, DCE_FCT_PROP_GET, DCE_PROP_CAP, 0) & 0xffff, DCE_MQES);
	host_prop(h, DCE_FCT_PROP_SET, DCE_PROP_CC, 0x460001);
	assert_int_equal(host_prop(h, DCE_FCT_PROP_GET, DCE_PROP_CSTS, 0) & 1, 1);
	return h;
}

static guint16
host_get_log(Host *h, guint8 lid, guint8 lsp, gboolean rae, guint32 offset, guint32 len,
	     GByteArray *out)
{
	DceSqe s = host_sqe(h, DCE_OPC_GET_LOG_PAGE);
	guint32 numd = len / 4 - 1;

	dce_put_le32(s.b + 40, lid | (guint32)lsp << 8 | (rae ? 1u << 15 : 0) | numd << 16);
	dce_put_le32(s.b + 48, offset);
	dce_put_le32(s.b + 32, len);
	s.b[39] = 0x5a; /* transport data block */
	return host_exec(h, &s, NULL, 0, out, NULL);
}

static guint16
host_send_aer(Host *h)
{
	DceSqe s = host_sqe(h, DCE_OPC_AER);

	host_cmd(h, &s, NULL, 0);
	return dce_sqe_cid(&s);
}

static GByteArray *
dim_payload(const char *symname)
{
	gsize sym = strlen(symname), symlen = (sym + 3) & ~(gsize)3;
	guint32 tel = DCE_DIM_EXT_DIE_LEN + 20 + 4 + (guint32)symlen;
	GByteArray *b = g_byte_array_new();
	guint8 *die, *exat;

	g_byte_array_set_size(b, DCE_DIM_HEADER_LEN + tel);
	memset(b->data, 0, b->len);
	dce_put_le32(b->data, b->len);
	dce_put_le64(b->data + DCE_DIM_OFF_NUMENT, 1);
	dce_put_le16(b->data + DCE_DIM_OFF_ENTFMT, DCE_DIM_ENTFMT_EXTENDED);
	dce_put_le16(b->data + DCE_DIM_OFF_ETYPE, 1);
	memcpy(b->data + DCE_DIM_OFF_EID, HOSTNQN, strlen(HOSTNQN));
	die = b->data + DCE_DIM_HEADER_LEN;
	die[0] = 3;
	die[1] = 1;
	dce_put_le32(die + 1024, tel);
	dce_put_le16(die + 1028, 2);
	exat = die + DCE_DIM_EXT_DIE_LEN;
	dce_put_le16(exat, DCE_EXATTYPE_HOSTID);
	dce_put_le16(exat + 2, 16);
	for (guint i = 0; i < 16; i++)
		exat[4 + i] = (guint8)(15 - i);
	exat += 20;
	dce_put_le16(exat, DCE_EXATTYPE_SYMNAME);
	dce_put_le16(exat + 2, (guint16)symlen);
	memset(exat + 4, ' ', symlen);
	memcpy(exat + 4, symname, sym);
	return b;
}

/* ------------------------------------------------------------------------ */
/* tests                                                                     */

static int
group_setup(void **state)
{
	const char *const extra[] = {
		"--dctype=cdc",
		"--entry={\"traddr\":\"127.0.0.1\",\"trsvcid\":\"4420\",\"subnqn\":\"nqn.x:a\"}",
		"--entry={\"traddr\":\"127.0.0.2\",\"subnqn\":\"nqn.x:b\",\"local\":false}",
		NULL,
	};

	*state = emu_start("a.sock", extra);
	return 0;
}

static int
group_teardown(void **state)
{
	emu_stop(*state);
	return 0;
}

static void
test_connect_identify_and_read_the_discovery_log(void **state)
{
	Emu *emu = *state;
	Host *h = host_up(emu, 0, 0);
	g_autoptr(GByteArray) id = g_byte_array_new();
	g_autoptr(GByteArray) hdr = g_byte_array_new();
	g_autoptr(GByteArray) ent = g_byte_array_new();
	g_autoptr(GByteArray) sup = g_byte_array_new();
	DceSqe s = host_sqe(h, DCE_OPC_IDENTIFY);

	dce_put_le32(s.b + 40, 1);
	dce_put_le32(s.b + 32, 4096);
	assert_int_equal(host_exec(h, &s, NULL, 0, id, NULL), 0);
	assert_int_equal(id->len, 4096);
	assert_int_equal(id->data[DCE_ID_OFF_CNTRLTYPE], 2);
	assert_int_equal(id->data[DCE_ID_OFF_DCTYPE], 2);
	assert_int_equal(dce_get_le16(id->data + DCE_ID_OFF_CNTLID), h->cntlid);
	assert_string_equal((const char *)id->data + DCE_ID_OFF_SUBNQN, DCE_DISC_NQN);

	assert_int_equal(host_get_log(h, 0x70, 0, TRUE, 0, 1024, hdr), 0);
	assert_int_equal(dce_get_le64(hdr->data + 8), 2);
	assert_int_equal(host_get_log(h, 0x70, 0, FALSE, 1024, 2048, ent), 0);
	assert_string_equal((const char *)ent->data + DCE_ENTRY_OFF_SUBNQN, "nqn.x:a");
	assert_string_equal((const char *)ent->data + 1024 + DCE_ENTRY_OFF_TRADDR, "127.0.0.2");
	g_byte_array_set_size(hdr, 0);
	assert_int_equal(host_get_log(h, 0x70, DCE_LSP_PLEO, FALSE, 0, 1024, hdr), 0);
	assert_int_equal(dce_get_le64(hdr->data + 8), 1);
	assert_int_equal(host_get_log(h, 0x00, 0, FALSE, 0, 1024, sup), 0);
	assert_int_equal(dce_get_le32(sup->data + 0x70 * 4), 0x00020001);
	assert_true(emuctl_has(emu, "list-connections", "\"hostnqn\":\"" HOSTNQN "\""));
	assert_true(emuctl_has(emu, "list-connections",
			       "\"hostid\":\"0f0e0d0c-0b0a-0908-0706-050403020100\""));
	host_free(h);
}

static void
test_entry_change_completes_the_aer_once_until_rae0(void **state)
{
	Emu *emu = *state;
	Host *h = host_up(emu, 0, 0);
	g_autoptr(GByteArray) log = g_byte_array_new();
	guint16 cid = host_send_aer(h);
	DceCqe cqe;

	g_usleep(100 * 1000); /* the AER is held */
	assert_int_equal(emuctl(emu, "add-entry", "{\"entry\":{\"traddr\":\"127.0.0.3\"}}", NULL),
			 0);
	assert_true(host_wait(h, cid, TIMEOUT_MS, &cqe, NULL));
	assert_int_equal(cqe.result, 0x70f002);
	assert_int_equal(cqe.status, 0);

	cid = host_send_aer(h);
	assert_int_equal(emuctl(emu, "remove-entry", "{\"index\":2}", NULL), 0);
	assert_false(host_wait(h, cid, QUIET_MS, &cqe, NULL)); /* masked */
	assert_int_equal(host_get_log(h, 0x70, 0, TRUE, 0, 1024, log), 0);
	assert_int_equal(emuctl(emu, "fire-aen", "{}", NULL), 0);
	assert_false(host_wait(h, cid, QUIET_MS, &cqe, NULL)); /* RAE=1 left it masked */
	assert_int_equal(host_get_log(h, 0x70, 0, FALSE, 0, 1024, log), 0);
	assert_int_equal(emuctl(emu, "fire-aen", "{}", NULL), 0);
	assert_true(host_wait(h, cid, TIMEOUT_MS, &cqe, NULL));
	assert_int_equal(cqe.result, 0x70f002);
	host_free(h);
}

static void
test_dim_in_capsule_and_through_r2t(void **state)
{
	Emu *emu = *state;
	Host *h = host_up(emu, 0, 0);
	g_autoptr(GByteArray) d1 = dim_payload("in-capsule");
	g_autoptr(GByteArray) d2 = dim_payload("through-r2t");
	g_autoptr(GByteArray) r2t = NULL;
	g_autoptr(GByteArray) h2c = g_byte_array_new();
	DceSqe s = host_sqe(h, DCE_OPC_DIM);
	DceCqe cqe;

	assert_int_equal(host_exec(h, &s, d1->data, d1->len, NULL, NULL), 0);
	assert_true(emuctl_has(emu, "list-registrations", "\"symname\":\"in-capsule\""));

	/* no data in the capsule: the controller asks for it */
	s = host_sqe(h, DCE_OPC_DIM);
	dce_put_le32(s.b + 32, d2->len);
	s.b[39] = 0x5a;
	host_cmd(h, &s, NULL, 0);
	r2t = host_recv_pdu(h, TIMEOUT_MS);
	assert_non_null(r2t);
	assert_int_equal(r2t->data[0], DCE_PDU_R2T);
	assert_int_equal(dce_get_le16(r2t->data + 8), dce_sqe_cid(&s));
	assert_int_equal(dce_get_le32(r2t->data + 12), 0);
	assert_int_equal(dce_get_le32(r2t->data + 16), d2->len);
	g_byte_array_set_size(h2c, 24);
	memset(h2c->data, 0, 24);
	h2c->data[0] = DCE_PDU_H2C_DATA;
	h2c->data[1] = DCE_PDU_F_DATA_LAST;
	h2c->data[2] = 24;
	h2c->data[3] = 24;
	dce_put_le16(h2c->data + 8, dce_sqe_cid(&s));
	dce_put_le16(h2c->data + 10, dce_get_le16(r2t->data + 10)); /* ttag */
	dce_put_le32(h2c->data + 16, d2->len);
	g_byte_array_append(h2c, d2->data, d2->len);
	dce_put_le32(h2c->data + 4, h2c->len);
	host_send(h, h2c->data, h2c->len);
	assert_true(host_wait(h, dce_sqe_cid(&s), TIMEOUT_MS, &cqe, NULL));
	assert_int_equal(cqe.status, 0);
	assert_true(emuctl_has(emu, "list-registrations", "\"symname\":\"through-r2t\""));
	assert_true(emuctl_has(emu, "list-registrations", "\"traddr\":\"127.0.0.1\""));
	assert_true(emuctl_has(emu, "list-registrations", "\"count\":2"));
	host_free(h);
}

static void
test_header_and_data_digests(void **state)
{
	Emu *emu = *state;
	Host *h = host_up(emu, DCE_DIGEST_HDR | DCE_DIGEST_DATA, 0);
	g_autoptr(GByteArray) log = g_byte_array_new();

	/* host_wait checks the digests of every PDU received */
	assert_int_equal(host_get_log(h, 0x70, 0, FALSE, 0, 4096, log), 0);
	assert_int_equal(log->len, 4096);
	host_free(h);
}

static void
test_io_queue_connect_is_refused(void **state)
{
	Emu *emu = *state;
	Host *h = host_connect(emu);
	guint64 result = 0;

	host_icreq(h, 0);
	assert_int_equal(host_fabrics_connect(h, 1, 0, &result),
			 DCE_SC_CONNECT_INVALID | DCE_SC_DNR);
	assert_int_equal(result, 42);
	host_free(h);
}

static void
test_protocol_error_ends_with_c2h_term(void **state)
{
	Emu *emu = *state;
	Host *h = host_connect(emu);
	guint8 bad[24] = {DCE_PDU_C2H_DATA, 0, 24, 0, 24}; /* a controller's PDU */
	g_autoptr(GByteArray) term = NULL;
	guint8 byte;

	host_icreq(h, 0);
	host_send(h, bad, sizeof(bad));
	term = host_recv_pdu(h, TIMEOUT_MS);
	assert_non_null(term);
	assert_int_equal(term->data[0], DCE_PDU_C2H_TERM);
	assert_int_equal(dce_get_le16(term->data + 8), DCE_FES_INVALID_HEADER);
	assert_false(host_recv(h, &byte, 1, TIMEOUT_MS)); /* closed */
	host_free(h);
}

static void
test_stall_answers_nothing_then_drops_the_connection(void **state)
{
	Emu *emu = *state;
	Host *h = host_up(emu, 0, 0);
	DceSqe s = host_sqe(h, DCE_OPC_KEEP_ALIVE);
	DceCqe cqe;
	guint8 byte;

	assert_int_equal(emuctl(emu, "stall", "{\"on\":true}", NULL), 0);
	host_cmd(h, &s, NULL, 0);
	assert_false(host_wait(h, dce_sqe_cid(&s), QUIET_MS, &cqe, NULL));
	assert_int_equal(emuctl(emu, "stall", "{\"on\":false}", NULL), 0);
	assert_false(host_recv(h, &byte, 1, TIMEOUT_MS)); /* it lost a command: closed */
	host_free(h);
	h = host_up(emu, 0, 0); /* answering again */
	host_free(h);
}

static void
test_log_drop_cuts_the_transfer_and_log_error_answers_a_status(void **state)
{
	Emu *emu = *state;
	Host *h = host_up(emu, 0, 0);
	DceSqe s = host_sqe(h, DCE_OPC_GET_LOG_PAGE);
	g_autoptr(GByteArray) p = NULL;
	guint8 byte;

	assert_int_equal(emuctl(emu, "malform", "{\"modes\":[\"log-drop\"]}", NULL), 0);
	dce_put_le32(s.b + 40, 0x70 | (1024u / 4 - 1) << 16);
	dce_put_le32(s.b + 32, 1024);
	s.b[39] = 0x5a;
	host_cmd(h, &s, NULL, 0);
	p = host_recv_pdu(h, TIMEOUT_MS);
	assert_non_null(p);
	assert_int_equal(p->data[0], DCE_PDU_C2H_DATA);
	assert_int_equal(p->data[1] & DCE_PDU_F_DATA_LAST, 0);
	assert_int_equal(dce_get_le32(p->data + 16), 512); /* half of the 1024 asked */
	assert_false(host_recv(h, &byte, 1, TIMEOUT_MS));  /* closed, no completion */
	host_free(h);

	assert_int_equal(emuctl(emu, "malform", "{\"modes\":[\"log-error\"]}", NULL), 0);
	h = host_up(emu, 0, 0);
	assert_int_equal(host_get_log(h, 0x70, 0, FALSE, 0, 1024, NULL), DCE_SC_INTERNAL);
	assert_int_equal(emuctl(emu, "malform", "{\"modes\":[]}", NULL), 0);
	assert_int_equal(host_get_log(h, 0x70, 0, FALSE, 0, 1024, NULL), 0);
	host_free(h);
}

static void
test_drop_connections_closes_every_association(void **state)
{
	Emu *emu = *state;
	Host *a = host_up(emu, 0, 0);
	Host *b = host_up(emu, 0, 0);
	g_autofree char *out = NULL;
	guint8 byte;

	assert_int_not_equal(a->cntlid, b->cntlid);
	assert_int_equal(emuctl(emu, "drop-connections", "{}", &out), 0);
	assert_non_null(strstr(out, "\"dropped\":2"));
	assert_false(host_recv(a, &byte, 1, TIMEOUT_MS));
	assert_false(host_recv(b, &byte, 1, TIMEOUT_MS));
	host_free(a);
	host_free(b);
}

static void
test_a_silent_association_is_dropped_after_its_kato(void **state)
{
	Emu *emu = *state;
	Host *h = host_up(emu, 0, 300);
	gint64 t0 = g_get_monotonic_time();
	guint8 byte;

	assert_false(host_recv(h, &byte, 1, TIMEOUT_MS));
	assert_true(g_get_monotonic_time() - t0 < 3 * G_USEC_PER_SEC);
	host_free(h);
}

static void
test_a_second_emulator_with_a_unique_nqn_runs_alongside(void **state)
{
	const char *const extra[] = {"--dctype=ddc", "--no-pleo", "--nqn=nqn.x:ddc-2",
				     "--cntlid-base=500", NULL};
	Emu *emu2 = emu_start("b.sock", extra);
	Host *h = host_up(emu2, 0, 0);
	g_autoptr(GByteArray) id = g_byte_array_new();
	g_autoptr(GByteArray) sup = g_byte_array_new();
	DceSqe s = host_sqe(h, DCE_OPC_IDENTIFY);

	assert_int_equal(h->cntlid, 500);
	dce_put_le32(s.b + 40, 1);
	dce_put_le32(s.b + 32, 4096);
	assert_int_equal(host_exec(h, &s, NULL, 0, id, NULL), 0);
	assert_int_equal(id->data[DCE_ID_OFF_DCTYPE], 1);
	assert_string_equal((const char *)id->data + DCE_ID_OFF_SUBNQN, "nqn.x:ddc-2");
	assert_int_equal(host_get_log(h, 0x00, 0, FALSE, 0, 1024, sup), 0);
	assert_int_equal(dce_get_le32(sup->data + 0x70 * 4), 0x00000001);
	assert_int_equal(host_get_log(h, 0x70, DCE_LSP_PLEO, FALSE, 0, 1024, NULL),
			 DCE_SC_INVALID_FIELD | DCE_SC_DNR);
	host_free(h);
	emu_stop(emu2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_identify_and_read_the_discovery_log),
		cmocka_unit_test(test_entry_change_completes_the_aer_once_until_rae0),
		cmocka_unit_test(test_dim_in_capsule_and_through_r2t),
		cmocka_unit_test(test_header_and_data_digests),
		cmocka_unit_test(test_io_queue_connect_is_refused),
		cmocka_unit_test(test_protocol_error_ends_with_c2h_term),
		cmocka_unit_test(test_stall_answers_nothing_then_drops_the_connection),
		cmocka_unit_test(test_log_drop_cuts_the_transfer_and_log_error_answers_a_status),
		cmocka_unit_test(test_drop_connections_closes_every_association),
		cmocka_unit_test(test_a_silent_association_is_dropped_after_its_kato),
		cmocka_unit_test(test_a_second_emulator_with_a_unique_nqn_runs_alongside),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
