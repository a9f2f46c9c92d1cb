/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the kernel seam's operations (stas-nvme.h) over the fake kernel: test
 * builds of the daemons link this instead of stas-nvme.c.  every call opens
 * its own connection to fake-kerneld at $STAS_FAKE_KERNEL (only this file
 * and the test tools read that variable), so calls from any number of
 * worker threads are independent, like the real seam's.
 *
 * what stays the same as the real seam: the option string is built and
 * checked by stas_nvme_connect_options_build, the reply parsed by
 * stas_nvme_connect_reply_parse, the discovery log read by stas_nvme_dlp_read
 * (one Get Log Page per request, RAE as the algorithm sets it), sysfs values
 * cleaned by stas_nvme_sysfs_value_clean, uevents dispatched by StasUdev.
 * sysfs_root and the /dev/nvme-fabrics paths are ignored: the fake kernel
 * is the only one there is.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "stas/stas-error.h"
#include "stas/stas-iputil.h"
#include "stas/stas-nvme.h"
#include "stas/stas-tid.h"
#include "stas/stas-udev.h"

#include "fake-kernel-proto.h"

/* as the real seam maps errno values */
static StasErrorCode
errno_to_code(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return STAS_ERROR_PERMISSION;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return STAS_ERROR_NOT_FOUND;
	case EINVAL:
		return STAS_ERROR_INVALID;
	case ETIMEDOUT:
		return STAS_ERROR_TIMEOUT;
	case EAGAIN:
	case EBUSY:
	case EALREADY:
	case EINTR:
		return STAS_ERROR_BUSY;
	case EOPNOTSUPP:
		return STAS_ERROR_UNSUPPORTED;
	case ECANCELED:
		return STAS_ERROR_CANCELLED;
	default:
		return STAS_ERROR_IO;
	}
}

static const char *
socket_path(GError **error)
{
	const char *path = g_getenv(FK_SOCKET_ENV);

	if (path == NULL || *path == '\0')
		g_set_error(error, STAS_ERROR, STAS_ERROR_NOT_FOUND,
			    "this is a test build: " FK_SOCKET_ENV
			    " must name the fake kernel's socket");
	return path;
}

/* one request on a new connection; req is taken */
static JsonObject *
call(JsonObject *req, GError **error)
{
	g_autoptr(JsonObject) owned = req;
	const char *path = socket_path(error);

	return path ? fk_call(path, owned, error) : NULL;
}

/* a failed response as a STAS_ERROR with the fake kernel's message */
static gboolean
check(JsonObject *resp, GError **error)
{
	int err = 0;

	if (resp == NULL)
		return FALSE;
	if (fk_response_ok(resp, &err))
		return TRUE;
	g_set_error(error, STAS_ERROR, errno_to_code(err), "%s",
		    fk_get_str(resp, "error") ? fk_get_str(resp, "error") : g_strerror(err));
	return FALSE;
}

static JsonObject *
device_request(const char *op, const char *device, GError **error)
{
	JsonObject *req;

	if (!stas_nvme_device_name_is_valid(device)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "\"%s\" is not an nvme device name", device ? device : "");
		return NULL;
	}
	req = fk_request_new(op);
	json_object_set_string_member(req, "device", device);
	return req;
}

/* ------------------------------------------------------------------------ */
/* sysfs                                                                     */

static char *
attr(JsonObject *ctrl, const char *name)
{
	const char *raw = fk_get_str(ctrl, name);
	g_autofree char *number = NULL;

	if (raw == NULL && json_object_has_member(ctrl, name))
		raw = number = g_strdup_printf("%" G_GINT64_FORMAT, fk_get_int(ctrl, name, 0));
	return stas_nvme_sysfs_value_clean(raw, raw ? strlen(raw) : 0);
}

/* the fake kernel sends the attributes raw, as sysfs would show them */
static StasNvmeCtrlInfo *
info_from_json(JsonObject *ctrl, GError **error)
{
	StasNvmeCtrlInfo *info;

	if (ctrl == NULL) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "fake kernel: no controller data");
		return NULL;
	}
	info = g_new0(StasNvmeCtrlInfo, 1);
	info->device = attr(ctrl, "device");
	info->transport = attr(ctrl, "transport");
	info->subsysnqn = attr(ctrl, "subsysnqn");
	info->hostnqn = attr(ctrl, "hostnqn");
	info->hostid = attr(ctrl, "hostid");
	info->address = attr(ctrl, "address");
	info->cntrltype = attr(ctrl, "cntrltype");
	info->dctype = attr(ctrl, "dctype");
	info->model = attr(ctrl, "model");
	info->serial = attr(ctrl, "serial");
	info->firmware_rev = attr(ctrl, "firmware_rev");
	info->state = attr(ctrl, "state");
	info->cntlid = attr(ctrl, "cntlid");
	info->kato = attr(ctrl, "kato");
	stas_nvme_ctrl_info_parse_address(info, info->address);
	info->has_namespaces = fk_get_bool(ctrl, "has_namespaces", FALSE);
	return info;
}

StasNvmeCtrlInfo *
stas_nvme_sysfs_read_ctrl(const char *sysfs_root, const char *device, GError **error)
{
	JsonObject *req = device_request("read-ctrl", device, error);
	g_autoptr(JsonObject) resp = req ? call(req, error) : NULL;

	if (!check(resp, error))
		return NULL;
	return info_from_json(fk_get_obj(resp, "ctrl"), error);
}

gboolean
stas_nvme_sysfs_has_namespaces(const char *sysfs_root, const char *device, gboolean *has_namespaces,
			       GError **error)
{
	g_autoptr(StasNvmeCtrlInfo) info = stas_nvme_sysfs_read_ctrl(sysfs_root, device, error);

	if (info == NULL)
		return FALSE;
	*has_namespaces = info->has_namespaces;
	return TRUE;
}

GStrv
stas_nvme_sysfs_list_devices(const char *sysfs_root, GError **error)
{
	g_autoptr(JsonObject) resp = call(fk_request_new("list-devices"), error);
	JsonArray *devices;
	GStrvBuilder *b;
	GStrv out;

	if (!check(resp, error))
		return NULL;
	devices = fk_get_array(resp, "devices");
	b = g_strv_builder_new();
	for (guint i = 0; devices != NULL && i < json_array_get_length(devices); i++) {
		const char *name = json_array_get_string_element(devices, i);

		if (stas_nvme_device_name_is_valid(name))
			g_strv_builder_add(b, name);
	}
	out = g_strv_builder_end(b);
	g_strv_builder_unref(b);
	return out;
}

char *
stas_nvme_read_fabrics_options(const char *path, GError **error)
{
	g_autoptr(JsonObject) resp = call(fk_request_new("fabrics-read"), error);
	int err = 0;

	if (resp == NULL)
		return NULL;
	if (!fk_response_ok(resp, &err)) {
		g_set_error(error, STAS_ERROR, errno_to_code(err), "Cannot open %s: %s",
			    path ? path : STAS_NVME_FABRICS_PATH, g_strerror(err));
		return NULL;
	}
	return g_strdup(fk_get_str(resp, "options") ? fk_get_str(resp, "options") : "");
}

/* ------------------------------------------------------------------------ */
/* connect, attach, disconnect                                               */

char *
stas_nvme_connect_at(const char *fabrics_path, const StasNvmeConnectParams *p,
		     const StasNvmeOptions *kernel, GPtrArray **dropped, GError **error)
{
	g_autofree char *options = stas_nvme_connect_options_build(p, kernel, dropped, error);
	g_autoptr(JsonObject) resp = NULL;
	JsonObject *req;
	int instance = -1;
	int err = 0;

	if (options == NULL)
		return NULL;
	req = fk_request_new("fabrics-write");
	json_object_set_string_member(req, "options", options);
	explicit_bzero(options, strlen(options));
	resp = call(req, error);
	if (resp == NULL)
		return NULL;
	/* the options hold secrets: only the kernel's verdict goes in the message */
	if (!fk_response_ok(resp, &err)) {
		g_set_error(error, STAS_ERROR, errno_to_code(err), "failed to write to %s: %s",
			    fabrics_path ? fabrics_path : STAS_NVME_FABRICS_PATH, g_strerror(err));
		return NULL;
	}
	if (!stas_nvme_connect_reply_parse(fk_get_str(resp, "reply"), &instance, error))
		return NULL;
	return g_strdup_printf("nvme%d", instance);
}

char *
stas_nvme_connect(const StasNvmeConnectParams *p, const StasNvmeOptions *kernel,
		  GPtrArray **dropped, GError **error)
{
	return stas_nvme_connect_at(STAS_NVME_FABRICS_PATH, p, kernel, dropped, error);
}

static const char *
or_empty(const char *s)
{
	return s ? s : "";
}

static gboolean
same_traddr(const char *transport, const char *a, const char *b)
{
	if (g_strcmp0(transport, "tcp") == 0 || g_strcmp0(transport, "rdma") == 0)
		return stas_ip_equal(a, b);
	return g_ascii_strcasecmp(or_empty(a), or_empty(b)) == 0;
}

/* the same identity check as the real attach: a reused name is not adopted */
static gboolean
ctrl_is(const StasNvmeConnectParams *p, const StasNvmeCtrlInfo *info, GError **error)
{
	const char *what = NULL;

	if (g_strcmp0(p->transport, info->transport) != 0)
		what = "transport";
	else if (!same_traddr(p->transport, p->traddr, info->traddr))
		what = "traddr";
	else if (*or_empty(p->trsvcid) && g_strcmp0(p->trsvcid, info->trsvcid) != 0)
		what = "trsvcid";
	else if (g_strcmp0(p->subsysnqn, STAS_WELL_KNOWN_DISC_NQN) != 0 &&
		 g_strcmp0(p->subsysnqn, info->subsysnqn) != 0)
		what = "subsysnqn";
	else if (*or_empty(p->host_nqn) && *info->hostnqn != '\0' &&
		 g_strcmp0(p->host_nqn, info->hostnqn) != 0)
		what = "hostnqn";
	if (what == NULL)
		return TRUE;
	g_set_error(error, STAS_ERROR, STAS_ERROR_NOT_FOUND,
		    "%s is no longer the controller to attach (%s differs)", info->device, what);
	return FALSE;
}

StasNvmeCtrlInfo *
stas_nvme_attach(const StasNvmeConnectParams *p, const char *device, GError **error)
{
	g_autoptr(StasNvmeCtrlInfo) info = stas_nvme_sysfs_read_ctrl(NULL, device, error);
	g_autoptr(JsonObject) resp = NULL;

	if (info == NULL || !ctrl_is(p, info, error))
		return NULL;
	/* the fake kernel's side of nvme_init_ctrl: may stall or fail as a test asks */
	resp = call(device_request("attach", device, NULL), error);
	if (!check(resp, error)) {
		g_prefix_error(error, "%s: attach failed: ", device);
		return NULL;
	}
	return g_steal_pointer(&info);
}

gboolean
stas_nvme_disconnect(const char *sysfs_root, const char *device, GError **error)
{
	JsonObject *req = device_request("disconnect", device, error);
	g_autoptr(JsonObject) resp = req ? call(req, error) : NULL;

	return check(resp, error);
}

/* ------------------------------------------------------------------------ */
/* admin commands                                                            */

/* an NVMe status completion (the fake kernel sends "status") or an errno */
static gboolean
check_command(JsonObject *resp, const char *what, StasErrorCode status_code, GError **error)
{
	gint64 status = fk_get_int(resp, "status", 0);

	if (resp == NULL || fk_response_ok(resp, NULL))
		return resp != NULL;
	if (status > 0) {
		g_set_error(error, STAS_ERROR, status_code, "%s: NVMe status 0x%04x - %s", what,
			    (guint)status, or_empty(fk_get_str(resp, "text")));
		return FALSE;
	}
	check(resp, error);
	g_prefix_error(error, "%s: ", what);
	return FALSE;
}

gboolean
stas_nvme_dim_register(const char *device, const char *host_symname, GError **error)
{
	JsonObject *req = device_request("dim-register", device, error);
	g_autoptr(JsonObject) resp = NULL;
	gint64 status;

	if (req == NULL)
		return FALSE;
	if (host_symname != NULL)
		json_object_set_string_member(req, "symname", host_symname);
	resp = call(req, error);
	status = fk_get_int(resp, "status", 0);
	if (resp != NULL && status > 0) {
		/* upstream's text, as the real seam gives it */
		g_set_error(error, STAS_ERROR, STAS_ERROR_FAILED,
			    "Result:0x%04x, Status:0x%04x - %s",
			    (guint)fk_get_int(resp, "result", 0), (guint)status,
			    or_empty(fk_get_str(resp, "text")));
		return FALSE;
	}
	return check(resp, error);
}

gboolean
stas_nvme_get_supported_log_pages(const char *device,
				  guint32 lid_support[STAS_NVME_SUPPORTED_LOG_PAGES],
				  GError **error)
{
	JsonObject *req = device_request("supported-log-pages", device, error);
	g_autoptr(JsonObject) resp = req ? call(req, error) : NULL;
	JsonArray *lids;

	/* an error status is the controller saying "no such log" (nvmet's DCs do) */
	if (!check_command(resp, "supported log pages", STAS_ERROR_UNSUPPORTED, error))
		return FALSE;
	lids = fk_get_array(resp, "lid_support");
	for (guint i = 0; i < STAS_NVME_SUPPORTED_LOG_PAGES; i++) {
		JsonNode *n = lids && i < json_array_get_length(lids)
				      ? json_array_get_element(lids, i)
				      : NULL;

		lid_support[i] = n && json_node_get_value_type(n) == G_TYPE_INT64
					 ? (guint32)json_node_get_int(n)
					 : 0;
	}
	return TRUE;
}

typedef struct {
	FkConn *conn;
	const char *device;
} LogReader;

/* one Get Log Page command, a request on the read's own connection */
static gssize
discovery_chunk(gpointer user_data, guint64 offset, guint32 len, gboolean rae, guint8 lsp,
		guint8 *buf, GError **error)
{
	LogReader *r = user_data;
	g_autoptr(JsonObject) req = fk_request_new("get-log");
	g_autoptr(JsonObject) resp = NULL;
	g_autofree guchar *data = NULL;
	gsize n = 0;

	json_object_set_string_member(req, "device", r->device);
	json_object_set_int_member(req, "offset", (gint64)offset);
	json_object_set_int_member(req, "len", len);
	json_object_set_boolean_member(req, "rae", rae);
	json_object_set_int_member(req, "lsp", lsp);
	if (!fk_conn_send(r->conn, req, error))
		return -1;
	resp = fk_conn_recv(r->conn, error);
	if (!check_command(resp, "get log page", STAS_ERROR_IO, error))
		return -1;
	data = g_base64_decode(or_empty(fk_get_str(resp, "data")), &n);
	memcpy(buf, data, MIN(n, (gsize)len));
	return (gssize)MIN(n, (gsize)len);
}

GBytes *
stas_nvme_get_discovery_log(const char *device, guint8 lsp, GError **error)
{
	const char *path = socket_path(error);
	g_autoptr(FkConn) conn = NULL;
	LogReader r = {NULL, device};
	GBytes *log;

	if (path == NULL)
		return NULL;
	if (!stas_nvme_device_name_is_valid(device)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "\"%s\" is not an nvme device name", device ? device : "");
		return NULL;
	}
	conn = fk_conn_connect(path, error);
	if (conn == NULL)
		return NULL;
	r.conn = conn;
	log = stas_nvme_dlp_read(discovery_chunk, &r, lsp, NULL, error);
	if (log == NULL)
		g_prefix_error(error, "%s: ", device);
	return log;
}

/* ------------------------------------------------------------------------ */
/* uevents                                                                   */

typedef struct {
	FkConn *conn;
	int quiet[2]; /* a pipe that never becomes readable, once the stream ended */
} UeventStream;

static void
uevent_stream_free(gpointer data)
{
	UeventStream *s = data;

	fk_conn_free(s->conn);
	for (int i = 0; i < 2; i++) {
		if (s->quiet[i] >= 0)
			close(s->quiet[i]);
	}
	g_free(s);
}

/*
 * fake-kerneld went away: the watched fd would stay readable (EOF) and spin
 * the monitor source.  put a silent pipe in its place; the number stays
 * valid for the StasUdev until it is freed.
 */
static void
uevent_stream_silence(UeventStream *s)
{
	if (s->quiet[0] >= 0 || pipe2(s->quiet, O_CLOEXEC) != 0)
		return;
	dup2(s->quiet[0], s->conn->fd);
}

static StasUevent *
uevent_from_line(const char *line)
{
	g_autoptr(JsonObject) obj = fk_json_parse_object(line, NULL);
	g_autoptr(GHashTable) props = NULL;
	g_autoptr(GList) keys = NULL;
	JsonObject *p;

	if (obj == NULL || fk_get_str(obj, "action") == NULL || fk_get_str(obj, "sysname") == NULL)
		return NULL;
	props = g_hash_table_new(g_str_hash, g_str_equal);
	p = fk_get_obj(obj, "props");
	keys = p ? json_object_get_members(p) : NULL;
	for (GList *l = keys; l != NULL; l = l->next) {
		if (fk_get_str(p, l->data) != NULL)
			g_hash_table_insert(props, l->data, (gpointer)fk_get_str(p, l->data));
	}
	return stas_uevent_new(fk_get_str(obj, "action"), fk_get_str(obj, "sysname"), props);
}

/* the StasUdevReceiveFunc: one event per call, EAGAIN when none is left */
static StasUevent *
uevent_stream_receive(gpointer user_data, int *err)
{
	UeventStream *s = user_data;

	for (;;) {
		g_autofree char *line = fk_conn_take_line(s->conn);
		gssize n;

		if (line != NULL) {
			StasUevent *ev = uevent_from_line(line);

			*err = 0; /* a line that is no event is dropped */
			return ev;
		}
		if (s->quiet[0] >= 0) {
			*err = EAGAIN;
			return NULL;
		}
		n = fk_conn_fill(s->conn);
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (n < 0 && errno == EAGAIN) {
			*err = EAGAIN;
			return NULL;
		}
		*err = n == 0 ? EPIPE : errno;
		uevent_stream_silence(s);
		return NULL;
	}
}

static UeventStream *
uevent_stream_open(GError **error)
{
	const char *path = socket_path(error);
	g_autoptr(JsonObject) req = fk_request_new("subscribe");
	g_autoptr(JsonObject) resp = NULL;
	g_autoptr(FkConn) conn = NULL;
	UeventStream *s;

	if (path == NULL)
		return NULL;
	conn = fk_conn_connect(path, error);
	if (conn == NULL || !fk_conn_send(conn, req, error))
		return NULL;
	/* every event after this answer reaches us; later lines stay in the buffer */
	resp = fk_conn_recv(conn, error);
	if (!check(resp, error))
		return NULL;
	if (fcntl(conn->fd, F_SETFL, fcntl(conn->fd, F_GETFL) | O_NONBLOCK) != 0) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "fake kernel: %s", g_strerror(errno));
		return NULL;
	}
	s = g_new0(UeventStream, 1);
	s->conn = g_steal_pointer(&conn);
	s->quiet[0] = s->quiet[1] = -1;
	return s;
}

StasUdev *
stas_nvme_udev_new(GError **error)
{
	UeventStream *s = uevent_stream_open(error);
	StasUdev *udev;

	if (s == NULL)
		return NULL;
	udev = stas_udev_new_with_receiver(s->conn->fd, uevent_stream_receive, s);
	/* freed after dispose removed the fd source (qdata goes at finalize) */
	g_object_set_data_full(G_OBJECT(udev), "stas-nvme-fake-stream", s, uevent_stream_free);
	return udev;
}
