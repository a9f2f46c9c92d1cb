/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the real kernel seam, over libnvme 1.3 and the kernel's own files.
 *
 * connect writes /dev/nvme-fabrics itself: libnvme 1.3 neither filters
 * options by what the kernel supports nor passes queue_size reliably, lets
 * the host key win over a per-controller secret, and follows every connect
 * with an nvme_init_ctrl that scans all subsystems.  libnvme is used where it
 * carries real protocol knowledge: attach (nvme_init_ctrl), DIM (the TP8010
 * payload), get log page (the admin passthru).  every call has its own root.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libnvme.h>

#include "stas/stas-error.h"
#include "stas/stas-iputil.h"
#include "stas/stas-nvme.h"
#include "stas/stas-tid.h"
#include "stas/stas-udev.h"

#define ATTR_MAX 4096 /* a sysfs attribute is at most a page */

/* the first line of /dev/nvme-fabrics is far shorter; bound what we read */
#define OPTIONS_READ_MAX (64 * 1024)

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

/* libnvme reports its own failures as errno values from 1000 up */
static const char *
libnvme_errno_text(int err)
{
	return err >= ENVME_CONNECT_RESOLVE ? nvme_errno_to_string(err) : g_strerror(err);
}

static char *
device_node(const char *device)
{
	return g_strconcat("/dev/", device, NULL);
}

static gboolean
check_device(const char *device, GError **error)
{
	if (stas_nvme_device_name_is_valid(device))
		return TRUE;
	g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "\"%s\" is not an nvme device name",
		    device ? device : "");
	return FALSE;
}

static int
open_device(const char *device, GError **error)
{
	g_autofree char *node = NULL;
	int fd;

	if (!check_device(device, error))
		return -1;
	node = device_node(device);
	fd = open(node, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		g_set_error(error, STAS_ERROR, errno_to_code(err), "cannot open %s: %s", node,
			    g_strerror(err));
	}
	return fd;
}

/* ------------------------------------------------------------------------ */
/* sysfs                                                                     */

static char *
ctrl_dir(const char *sysfs_root, const char *device)
{
	return g_build_filename(sysfs_root ? sysfs_root : STAS_NVME_SYSFS_ROOT, "class", "nvme",
				device, NULL);
}

/* a missing or unreadable attribute reads as "" (older kernels lack some) */
static char *
read_attr(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	char buf[ATTR_MAX];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return g_strdup("");
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return g_strdup("");
	return stas_nvme_sysfs_value_clean(buf, (gsize)n);
}

static gboolean
dir_has_namespaces(const char *dir, gboolean *has_namespaces, GError **error)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, error);
	const char *name;

	if (d == NULL) {
		g_prefix_error(error, "controller directory: ");
		return FALSE;
	}
	*has_namespaces = FALSE;
	while ((name = g_dir_read_name(d)) != NULL) {
		if (stas_nvme_sysfs_name_is_namespace(name)) {
			*has_namespaces = TRUE;
			break;
		}
	}
	return TRUE;
}

static gboolean
ctrl_dir_exists(const char *dir, const char *device, GError **error)
{
	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return TRUE;
	g_set_error(error, STAS_ERROR, STAS_ERROR_NOT_FOUND, "%s: no such controller", device);
	return FALSE;
}

StasNvmeCtrlInfo *
stas_nvme_sysfs_read_ctrl(const char *sysfs_root, const char *device, GError **error)
{
	g_autofree char *dir = NULL;
	g_autoptr(StasNvmeCtrlInfo) info = NULL;

	if (!check_device(device, error))
		return NULL;
	dir = ctrl_dir(sysfs_root, device);
	if (!ctrl_dir_exists(dir, device, error))
		return NULL;

	info = g_new0(StasNvmeCtrlInfo, 1);
	info->device = g_strdup(device);
	info->transport = read_attr(dir, "transport");
	info->subsysnqn = read_attr(dir, "subsysnqn");
	info->hostnqn = read_attr(dir, "hostnqn");
	info->hostid = read_attr(dir, "hostid");
	info->address = read_attr(dir, "address");
	info->cntrltype = read_attr(dir, "cntrltype");
	info->dctype = read_attr(dir, "dctype");
	info->model = read_attr(dir, "model");
	info->serial = read_attr(dir, "serial");
	info->firmware_rev = read_attr(dir, "firmware_rev");
	info->state = read_attr(dir, "state");
	info->cntlid = read_attr(dir, "cntlid");
	info->kato = read_attr(dir, "kato");
	stas_nvme_ctrl_info_parse_address(info, info->address);
	if (!dir_has_namespaces(dir, &info->has_namespaces, error))
		return NULL;
	return g_steal_pointer(&info);
}

gboolean
stas_nvme_sysfs_has_namespaces(const char *sysfs_root, const char *device, gboolean *has_namespaces,
			       GError **error)
{
	g_autofree char *dir = NULL;

	if (!check_device(device, error))
		return FALSE;
	dir = ctrl_dir(sysfs_root, device);
	if (!ctrl_dir_exists(dir, device, error))
		return FALSE;
	return dir_has_namespaces(dir, has_namespaces, error);
}

static gint
compare_instance(gconstpointer a, gconstpointer b)
{
	const char *x = *(const char *const *)a + strlen("nvme");
	const char *y = *(const char *const *)b + strlen("nvme");

	/* at most 9 digits each: the longer number is the larger */
	if (strlen(x) != strlen(y))
		return strlen(x) < strlen(y) ? -1 : 1;
	return strcmp(x, y);
}

GStrv
stas_nvme_sysfs_list_devices(const char *sysfs_root, GError **error)
{
	g_autofree char *dir = g_build_filename(sysfs_root ? sysfs_root : STAS_NVME_SYSFS_ROOT,
						"class", "nvme", NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = NULL;
	g_autoptr(GError) local = NULL;
	const char *name;

	d = g_dir_open(dir, 0, &local);
	if (d == NULL && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
		return g_new0(char *, 1); /* nvme-core not loaded: no controllers */
	if (d == NULL) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "%s", local->message);
		return NULL;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		if (stas_nvme_device_name_is_valid(name))
			g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, compare_instance);
	g_ptr_array_add(names, NULL);
	return (GStrv)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

char *
stas_nvme_read_fabrics_options(const char *path, GError **error)
{
	g_autofree char *buf = g_malloc(OPTIONS_READ_MAX + 1);
	gsize len = 0;
	int fd;

	if (path == NULL)
		path = STAS_NVME_FABRICS_PATH;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int err = errno;

		g_set_error(error, STAS_ERROR, errno_to_code(err), "Cannot open %s: %s", path,
			    g_strerror(err));
		return NULL;
	}
	/* the kernel hands out the line in one read; loop for regular files */
	while (len < OPTIONS_READ_MAX && memchr(buf, '\n', len) == NULL) {
		ssize_t n = read(fd, buf + len, OPTIONS_READ_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			close(fd);
			g_set_error(error, STAS_ERROR, errno_to_code(err), "Cannot read %s: %s",
				    path, g_strerror(err));
			return NULL;
		}
		if (n == 0)
			break;
		len += (gsize)n;
	}
	close(fd);
	buf[len] = '\0';
	/* first line only, and never past an embedded NUL */
	return g_strndup(buf, strcspn(buf, "\n"));
}

gboolean
stas_nvme_disconnect(const char *sysfs_root, const char *device, GError **error)
{
	g_autofree char *dir = NULL;
	g_autofree char *path = NULL;
	ssize_t n;
	int err;
	int fd;

	if (!check_device(device, error))
		return FALSE;
	dir = ctrl_dir(sysfs_root, device);
	path = g_build_filename(dir, "delete_controller", NULL);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		g_set_error(error, STAS_ERROR, errno_to_code(err), "%s: cannot disconnect: %s",
			    device, g_strerror(err));
		return FALSE;
	}
	/* blocks until the kernel has deleted the controller */
	n = write(fd, "1", 1);
	err = errno;
	close(fd);
	if (n != 1) {
		g_set_error(error, STAS_ERROR, errno_to_code(err), "%s: cannot disconnect: %s",
			    device, g_strerror(err));
		return FALSE;
	}
	return TRUE;
}

/* ------------------------------------------------------------------------ */
/* connect                                                                   */

static gboolean
fabrics_write(int fd, const char *path, const char *options, GError **error)
{
	gsize len = strlen(options);
	ssize_t n = write(fd, options, len);
	int err = errno;

	if (n == (ssize_t)len)
		return TRUE;
	if (n >= 0)
		err = EIO;
	/* the options hold secrets: only the kernel's verdict goes in the message */
	g_set_error(error, STAS_ERROR, errno_to_code(err), "failed to write to %s: %s", path,
		    g_strerror(err));
	return FALSE;
}

static gboolean
fabrics_read_instance(int fd, const char *path, int *instance, GError **error)
{
	char reply[ATTR_MAX];
	ssize_t n = read(fd, reply, sizeof(reply) - 1);
	int err = errno;

	if (n < 0) {
		g_set_error(error, STAS_ERROR, errno_to_code(err), "failed to read from %s: %s",
			    path, g_strerror(err));
		return FALSE;
	}
	reply[n] = '\0';
	return stas_nvme_connect_reply_parse(reply, instance, error);
}

char *
stas_nvme_connect_at(const char *fabrics_path, const StasNvmeConnectParams *p,
		     const StasNvmeOptions *kernel, GPtrArray **dropped, GError **error)
{
	g_autofree char *options = NULL;
	int instance = -1;
	gboolean ok;
	int fd;

	options = stas_nvme_connect_options_build(p, kernel, dropped, error);
	if (options == NULL)
		return NULL;

	fd = open(fabrics_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		explicit_bzero(options, strlen(options));
		g_set_error(error, STAS_ERROR, errno_to_code(err), "failed to open %s: %s",
			    fabrics_path, g_strerror(err));
		return NULL;
	}
	/* blocks for the whole connect, behind the kernel's global connect mutex */
	ok = fabrics_write(fd, fabrics_path, options, error) &&
	     fabrics_read_instance(fd, fabrics_path, &instance, error);
	close(fd);
	explicit_bzero(options, strlen(options));
	if (!ok)
		return NULL;
	return g_strdup_printf("nvme%d", instance);
}

char *
stas_nvme_connect(const StasNvmeConnectParams *p, const StasNvmeOptions *kernel,
		  GPtrArray **dropped, GError **error)
{
	return stas_nvme_connect_at(STAS_NVME_FABRICS_PATH, p, kernel, dropped, error);
}

/* ------------------------------------------------------------------------ */
/* a libnvme root of our own per call, its log captured for error messages  */

typedef struct {
	nvme_root_t root;
	FILE *log;
	char *log_buf; /* malloc'ed by open_memstream */
	size_t log_len;
} SeamRoot;

static gboolean
seam_root_init(SeamRoot *sr, GError **error)
{
	memset(sr, 0, sizeof(*sr));
	sr->log = open_memstream(&sr->log_buf, &sr->log_len);
	if (sr->log != NULL)
		sr->root = nvme_create_root(sr->log, LOG_ERR);
	if (sr->root == NULL) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_FAILED, "cannot create a libnvme root");
		return FALSE;
	}
	return TRUE;
}

static void
seam_root_clear(SeamRoot *sr)
{
	if (sr->root != NULL)
		nvme_free_tree(sr->root);
	if (sr->log != NULL)
		fclose(sr->log);
	free(sr->log_buf);
	memset(sr, 0, sizeof(*sr));
}

/* add libnvme's last message, if any, to an error */
static void
seam_root_explain(SeamRoot *sr, GError **error)
{
	g_autofree char *text = NULL;
	char *last;

	if (error == NULL || *error == NULL || sr->log == NULL || fflush(sr->log) != 0 ||
	    sr->log_len == 0)
		return;
	text = g_strndup(sr->log_buf, sr->log_len);
	g_strchomp(text);
	last = strrchr(text, '\n');
	last = last ? last + 1 : text;
	if (*last != '\0')
		g_prefix_error(error, "%s: ", last);
}

static const char *
or_null(const char *s)
{
	return s && *s ? s : NULL;
}

/* an nvme_ctrl_t bound to the existing device, freed with the root */
static nvme_ctrl_t
seam_ctrl_init(SeamRoot *sr, const StasNvmeCtrlInfo *info, const char *host_nqn,
	       const char *host_id, const char *symname, gboolean discovery, GError **error)
{
	nvme_host_t h = nvme_lookup_host(sr->root, host_nqn, or_null(host_id));
	nvme_ctrl_t c;
	int instance = atoi(info->device + strlen("nvme"));
	int err;

	if (h == NULL) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_FAILED, "%s: no libnvme host",
			    info->device);
		return NULL;
	}
	if (or_null(symname))
		nvme_host_set_hostsymname(h, symname);
	c = nvme_create_ctrl(sr->root, info->subsysnqn, info->transport, or_null(info->traddr),
			     or_null(info->host_traddr), or_null(info->host_iface),
			     or_null(info->trsvcid));
	if (c == NULL) {
		err = errno;
		g_set_error(error, STAS_ERROR, STAS_ERROR_FAILED, "%s: %s", info->device,
			    libnvme_errno_text(err));
		return NULL;
	}
	nvme_ctrl_set_discovery_ctrl(c, discovery);
	if (nvme_init_ctrl(h, c, instance) != 0) {
		err = errno;
		nvme_free_ctrl(c); /* not linked into the tree on failure */
		g_set_error(error, STAS_ERROR, STAS_ERROR_FAILED, "%s: attach failed: %s",
			    info->device, libnvme_errno_text(err));
		return NULL;
	}
	/* the device node must open: the controller really exists */
	if (nvme_ctrl_get_fd(c) < 0) {
		err = errno;
		g_set_error(error, STAS_ERROR, errno_to_code(err), "%s: attach failed: %s",
			    info->device, g_strerror(err));
		return NULL;
	}
	return c;
}

/* ------------------------------------------------------------------------ */
/* attach                                                                    */

static gboolean
same_traddr(const char *transport, const char *a, const char *b)
{
	if (g_strcmp0(transport, "tcp") == 0 || g_strcmp0(transport, "rdma") == 0)
		return stas_ip_equal(a, b);
	return g_ascii_strcasecmp(a ? a : "", b ? b : "") == 0;
}

static gboolean
ctrl_is(const StasNvmeConnectParams *p, const StasNvmeCtrlInfo *info, GError **error)
{
	const char *what = NULL;

	if (g_strcmp0(p->transport, info->transport) != 0)
		what = "transport";
	else if (!same_traddr(p->transport, p->traddr, info->traddr))
		what = "traddr";
	else if (or_null(p->trsvcid) && g_strcmp0(p->trsvcid, info->trsvcid) != 0)
		what = "trsvcid";
	else if (g_strcmp0(p->subsysnqn, STAS_WELL_KNOWN_DISC_NQN) != 0 &&
		 g_strcmp0(p->subsysnqn, info->subsysnqn) != 0)
		what = "subsysnqn";
	else if (or_null(p->host_nqn) && *info->hostnqn != '\0' &&
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
	SeamRoot sr;
	gboolean ok;

	if (info == NULL || !ctrl_is(p, info, error))
		return NULL;
	if (!seam_root_init(&sr, error))
		return NULL;
	ok = seam_ctrl_init(&sr, info, *info->hostnqn ? info->hostnqn : p->host_nqn,
			    *info->hostid ? info->hostid : p->host_id, NULL, p->discovery,
			    error) != NULL;
	if (!ok)
		seam_root_explain(&sr, error);
	seam_root_clear(&sr);
	return ok ? g_steal_pointer(&info) : NULL;
}

/* ------------------------------------------------------------------------ */
/* DIM                                                                       */

static gboolean
dim_send(nvme_ctrl_t c, const char *device, GError **error)
{
	__u32 result = 0;
	int status;

	if (!nvmf_is_registration_supported(c)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_UNSUPPORTED,
			    "%s: the discovery controller does not support explicit registration",
			    device);
		return FALSE;
	}
	errno = 0;
	status = nvmf_register_ctrl(c, NVMF_DIM_TAS_REGISTER, &result);
	if (status == 0)
		return TRUE;
	/*
	 * -1: the command never completed (errno): a transport failure that
	 * REFERENCE 5.5 retries after 5 s; upstream's binding logged it as a
	 * registration error and never registered (as the fake seam does)
	 */
	if (status < 0) {
		int err = errno ? errno : EIO;

		g_set_error(error, STAS_ERROR, errno_to_code(err), "%s: %s", device,
			    g_strerror(err));
		return FALSE;
	}
	/* upstream's exact text (the Python binding's registration_ctlr) */
	g_set_error(error, STAS_ERROR, STAS_ERROR_FAILED, "Result:0x%04x, Status:0x%04x - %s",
		    result, (guint)status, nvme_status_to_string(status, false));
	return FALSE;
}

gboolean
stas_nvme_dim_register(const char *device, const char *host_symname, GError **error)
{
	g_autoptr(StasNvmeCtrlInfo) info = stas_nvme_sysfs_read_ctrl(NULL, device, error);
	SeamRoot sr;
	nvme_ctrl_t c;
	gboolean ok;

	if (info == NULL)
		return FALSE;
	if (strcmp(info->transport, "tcp") != 0) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_UNSUPPORTED,
			    "%s: explicit registration needs tcp, not %s", device, info->transport);
		return FALSE;
	}
	if (*info->hostnqn == '\0') {
		g_set_error(error, STAS_ERROR, STAS_ERROR_FAILED, "%s: no host NQN in sysfs",
			    device);
		return FALSE;
	}
	if (!seam_root_init(&sr, error))
		return FALSE;
	/* register the host the connection really uses */
	c = seam_ctrl_init(&sr, info, info->hostnqn, info->hostid, host_symname, TRUE, error);
	ok = c != NULL && dim_send(c, device, error);
	if (c == NULL)
		seam_root_explain(&sr, error);
	seam_root_clear(&sr);
	return ok;
}

/* ------------------------------------------------------------------------ */
/* log pages                                                                 */

/* ret: libnvme's answer, -1 (errno err) or an NVMe status (-> status_code) */
static gboolean
nvme_status_error(int ret, int err, StasErrorCode status_code, const char *what, GError **error)
{
	if (ret == 0)
		return TRUE;
	if (ret < 0)
		g_set_error(error, STAS_ERROR, errno_to_code(err), "%s: %s", what, g_strerror(err));
	else
		g_set_error(error, STAS_ERROR, status_code, "%s: NVMe status 0x%04x - %s", what,
			    (guint)ret, nvme_status_to_string(ret, false));
	return FALSE;
}

gboolean
stas_nvme_get_supported_log_pages(const char *device,
				  guint32 lid_support[STAS_NVME_SUPPORTED_LOG_PAGES],
				  GError **error)
{
	struct nvme_supported_log_pages log;
	int fd = open_device(device, error);
	int ret, err;

	if (fd < 0)
		return FALSE;
	memset(&log, 0, sizeof(log));
	ret = nvme_get_log_supported_log_pages(fd, true, &log);
	err = errno;
	close(fd);
	/* an error status is the controller saying "no such log" (nvmet's DCs do) */
	if (!nvme_status_error(ret, err, STAS_ERROR_UNSUPPORTED, "supported log pages", error))
		return FALSE;
	for (gsize i = 0; i < STAS_NVME_SUPPORTED_LOG_PAGES; i++)
		lid_support[i] = GUINT32_FROM_LE(log.lid_support[i]);
	return TRUE;
}

/* one Get Log Page admin command on the DC's device */
static gssize
discovery_chunk(gpointer user_data, guint64 offset, guint32 len, gboolean rae, guint8 lsp,
		guint8 *buf, GError **error)
{
	struct nvme_get_log_args args = {
		.lpo = offset,
		.result = NULL,
		.log = buf,
		.args_size = sizeof(args),
		.fd = *(int *)user_data,
		.timeout = NVME_DEFAULT_IOCTL_TIMEOUT,
		.lid = NVME_LOG_LID_DISCOVER,
		.len = len,
		.nsid = NVME_NSID_NONE,
		.csi = NVME_CSI_NVM,
		.lsi = NVME_LOG_LSI_NONE,
		.lsp = lsp,
		.uuidx = NVME_UUID_NONE,
		.rae = rae,
		.ot = false,
	};
	int ret = nvme_get_log(&args);

	if (!nvme_status_error(ret, errno, STAS_ERROR_IO, "get log page", error))
		return -1;
	return len;
}

GBytes *
stas_nvme_get_discovery_log(const char *device, guint8 lsp, GError **error)
{
	int fd = open_device(device, error);
	GBytes *log;

	if (fd < 0)
		return NULL;
	log = stas_nvme_dlp_read(discovery_chunk, &fd, lsp, NULL, error);
	close(fd);
	if (log == NULL)
		g_prefix_error(error, "%s: ", device);
	return log;
}

/* ------------------------------------------------------------------------ */
/* uevents                                                                   */

StasUdev *
stas_nvme_udev_new(GError **error)
{
	return stas_udev_new(error);
}
