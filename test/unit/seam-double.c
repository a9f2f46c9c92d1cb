/* SPDX-License-Identifier: Apache-2.0 */
/* an in-process double of the seam's kernel operations, for the controller tests */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "seam-double.h"

#include "stas/stas-conf.h"
#include "stas/stas-sysconf.h"

typedef struct {
	StasErrorCode code;
	char *message;
} Failure;

/* the double's state: the kernel it stands for is process-wide, so is this */
static struct {
	GMutex lock;
	GCond cond;
	GPtrArray *calls[SEAM_N_OPS]; /* SeamCall* */
	GQueue failures[SEAM_N_OPS];  /* Failure* */
	gboolean held[SEAM_N_OPS];
	guint started[SEAM_N_OPS];
	guint next_instance;
	GHashTable *devices; /* char* -> StasNvmeConnectParams*: what made each device */
	char *dctype;
	guint32 discovery_support;
	gboolean supported_answered;
	GBytes *log;
} seam;

void
seam_call_free(SeamCall *call)
{
	if (call == NULL)
		return;
	g_free(call->device);
	stas_nvme_connect_params_free(call->params);
	g_free(call->options);
	g_free(call->symname);
	g_free(call);
}

static void
failure_free(gpointer data)
{
	Failure *f = data;

	g_free(f->message);
	g_free(f);
}

void
seam_double_reset(void)
{
	g_mutex_lock(&seam.lock);
	for (int i = 0; i < SEAM_N_OPS; i++) {
		g_clear_pointer(&seam.calls[i], g_ptr_array_unref);
		seam.calls[i] = g_ptr_array_new_with_free_func((GDestroyNotify)seam_call_free);
		g_queue_clear_full(&seam.failures[i], failure_free);
		seam.held[i] = FALSE;
		seam.started[i] = 0;
	}
	seam.next_instance = 1;
	g_clear_pointer(&seam.devices, g_hash_table_unref);
	seam.devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     (GDestroyNotify)stas_nvme_connect_params_free);
	g_free(seam.dctype);
	seam.dctype = g_strdup("none");
	seam.discovery_support = 0;
	seam.supported_answered = TRUE;
	g_clear_pointer(&seam.log, g_bytes_unref);
	g_cond_broadcast(&seam.cond);
	g_mutex_unlock(&seam.lock);
}

void
seam_double_fail(SeamOp op, StasErrorCode code, const char *message)
{
	Failure *f = g_new0(Failure, 1);

	f->code = code;
	f->message = g_strdup(message);
	g_mutex_lock(&seam.lock);
	g_queue_push_tail(&seam.failures[op], f);
	g_mutex_unlock(&seam.lock);
}

void
seam_double_set_dctype(const char *dctype)
{
	g_mutex_lock(&seam.lock);
	g_free(seam.dctype);
	seam.dctype = g_strdup(dctype);
	g_mutex_unlock(&seam.lock);
}

void
seam_double_set_supported(guint32 discovery_support, gboolean answered)
{
	g_mutex_lock(&seam.lock);
	seam.discovery_support = discovery_support;
	seam.supported_answered = answered;
	g_mutex_unlock(&seam.lock);
}

void
seam_double_set_log(GBytes *log)
{
	g_mutex_lock(&seam.lock);
	g_clear_pointer(&seam.log, g_bytes_unref);
	seam.log = log ? g_bytes_ref(log) : NULL;
	g_mutex_unlock(&seam.lock);
}

void
seam_double_hold(SeamOp op)
{
	g_mutex_lock(&seam.lock);
	seam.held[op] = TRUE;
	g_mutex_unlock(&seam.lock);
}

void
seam_double_release(SeamOp op)
{
	g_mutex_lock(&seam.lock);
	seam.held[op] = FALSE;
	g_cond_broadcast(&seam.cond);
	g_mutex_unlock(&seam.lock);
}

gboolean
seam_double_wait_started(SeamOp op, guint n)
{
	gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	gboolean ok = TRUE;

	g_mutex_lock(&seam.lock);
	while (seam.started[op] < n && ok)
		ok = g_cond_wait_until(&seam.cond, &seam.lock, end);
	ok = seam.started[op] >= n;
	g_mutex_unlock(&seam.lock);
	return ok;
}

guint
seam_double_count(SeamOp op)
{
	guint n;

	g_mutex_lock(&seam.lock);
	n = seam.calls[op]->len;
	g_mutex_unlock(&seam.lock);
	return n;
}

SeamCall *
seam_double_get_call(SeamOp op, guint i)
{
	SeamCall *copy = NULL;

	g_mutex_lock(&seam.lock);
	if (i < seam.calls[op]->len) {
		SeamCall *c = seam.calls[op]->pdata[i];

		copy = g_new0(SeamCall, 1);
		*copy = *c;
		copy->device = g_strdup(c->device);
		copy->params = c->params ? stas_nvme_connect_params_copy(c->params) : NULL;
		copy->options = g_strdup(c->options);
		copy->symname = g_strdup(c->symname);
	}
	g_mutex_unlock(&seam.lock);
	return copy;
}

/*
 * the common start of every call: wait while held, then record the call and
 * take the next programmed failure.  the call is recorded once it starts, so
 * a test can see what a blocked call was about.  returns FALSE with error set
 * for a programmed failure.
 */
static gboolean
enter(SeamCall *call, GError **error)
{
	Failure *f;

	g_mutex_lock(&seam.lock);
	seam.started[call->op]++;
	g_ptr_array_add(seam.calls[call->op], call);
	g_cond_broadcast(&seam.cond);
	while (seam.held[call->op])
		g_cond_wait(&seam.cond, &seam.lock);
	f = g_queue_pop_head(&seam.failures[call->op]);
	g_mutex_unlock(&seam.lock);
	if (!f)
		return TRUE;
	g_set_error_literal(error, STAS_ERROR, f->code, f->message);
	failure_free(f);
	return FALSE;
}

static SeamCall *
call_new(SeamOp op, const char *device)
{
	SeamCall *call = g_new0(SeamCall, 1);

	call->op = op;
	call->device = g_strdup(device);
	return call;
}

static StasNvmeCtrlInfo *
info_new(const char *device, const StasNvmeConnectParams *p)
{
	StasNvmeCtrlInfo *info = g_new0(StasNvmeCtrlInfo, 1);

	g_mutex_lock(&seam.lock);
	info->dctype = g_strdup(seam.dctype);
	g_mutex_unlock(&seam.lock);
	info->device = g_strdup(device);
	info->transport = g_strdup(p && p->transport ? p->transport : "tcp");
	info->subsysnqn = g_strdup(p && p->subsysnqn ? p->subsysnqn : "");
	info->hostnqn = g_strdup(p && p->host_nqn ? p->host_nqn : TEST_HOST_NQN);
	info->hostid = g_strdup(p && p->host_id ? p->host_id : TEST_HOST_ID);
	info->cntrltype = g_strdup(p && !p->discovery ? "io" : "discovery");
	info->model = g_strdup("Linux");
	info->serial = g_strdup("8d22fa96da912fb13f5a");
	info->address = g_strdup("");
	info->traddr = g_strdup("");
	info->trsvcid = g_strdup("");
	info->host_traddr = g_strdup("");
	info->host_iface = g_strdup("");
	info->src_addr = g_strdup("");
	info->firmware_rev = g_strdup("6.1");
	info->state = g_strdup("live");
	info->cntlid = g_strdup("1");
	info->kato = g_strdup("30");
	return info;
}

/* ---- the kernel operations ----------------------------------------- */

char *
stas_nvme_connect(const StasNvmeConnectParams *p, const StasNvmeOptions *kernel,
		  GPtrArray **dropped, GError **error)
{
	SeamCall *call = call_new(SEAM_CONNECT, NULL);
	g_autoptr(GError) invalid = NULL;
	g_autofree char *options = NULL;
	char *device;

	/* the real builder: what would reach /dev/nvme-fabrics, checked */
	options = stas_nvme_connect_options_build(p, kernel, dropped, &invalid);
	call->params = stas_nvme_connect_params_copy(p);
	call->options = g_strdup(options);
	call->kernel_given = kernel != NULL;
	if (!enter(call, error))
		return NULL;
	if (options == NULL) {
		g_propagate_error(error, g_steal_pointer(&invalid));
		return NULL;
	}
	g_mutex_lock(&seam.lock);
	device = g_strdup_printf("nvme%u", seam.next_instance++);
	call->device = g_strdup(device);
	g_hash_table_insert(seam.devices, g_strdup(device), stas_nvme_connect_params_copy(p));
	g_mutex_unlock(&seam.lock);
	return device;
}

char *
stas_nvme_connect_at(const char *fabrics_path, const StasNvmeConnectParams *p,
		     const StasNvmeOptions *kernel, GPtrArray **dropped, GError **error)
{
	return stas_nvme_connect(p, kernel, dropped, error);
}

StasNvmeCtrlInfo *
stas_nvme_attach(const StasNvmeConnectParams *p, const char *device, GError **error)
{
	SeamCall *call = call_new(SEAM_ATTACH, device);

	call->params = stas_nvme_connect_params_copy(p);
	if (!enter(call, error))
		return NULL;
	return info_new(device, p);
}

gboolean
stas_nvme_disconnect(const char *sysfs_root, const char *device, GError **error)
{
	return enter(call_new(SEAM_DISCONNECT, device), error);
}

gboolean
stas_nvme_dim_register(const char *device, const char *host_symname, GError **error)
{
	SeamCall *call = call_new(SEAM_DIM, device);

	call->symname = g_strdup(host_symname);
	return enter(call, error);
}

gboolean
stas_nvme_get_supported_log_pages(const char *device,
				  guint32 lid_support[STAS_NVME_SUPPORTED_LOG_PAGES],
				  GError **error)
{
	gboolean answered;

	if (!enter(call_new(SEAM_SUPPORTED, device), error))
		return FALSE;
	g_mutex_lock(&seam.lock);
	answered = seam.supported_answered;
	memset(lid_support, 0, sizeof(guint32) * STAS_NVME_SUPPORTED_LOG_PAGES);
	lid_support[STAS_NVME_LOG_LID_DISCOVERY] = seam.discovery_support;
	g_mutex_unlock(&seam.lock);
	if (!answered)
		g_set_error(error, STAS_ERROR, STAS_ERROR_UNSUPPORTED,
			    "supported log pages: NVMe status 0x4002 - Invalid Log Page");
	return answered;
}

GBytes *
stas_nvme_get_discovery_log(const char *device, guint8 lsp, GError **error)
{
	SeamCall *call = call_new(SEAM_DLP, device);
	GBytes *log;

	call->lsp = lsp;
	if (!enter(call, error))
		return NULL;
	g_mutex_lock(&seam.lock);
	log = seam.log ? g_bytes_ref(seam.log) : NULL;
	g_mutex_unlock(&seam.lock);
	return log ? log : dlp_finish(dlp_new(1));
}

StasNvmeCtrlInfo *
stas_nvme_sysfs_read_ctrl(const char *sysfs_root, const char *device, GError **error)
{
	g_autoptr(StasNvmeConnectParams) p = NULL;

	if (!enter(call_new(SEAM_SYSFS, device), error))
		return NULL;
	g_mutex_lock(&seam.lock);
	p = g_hash_table_lookup(seam.devices, device);
	p = p ? stas_nvme_connect_params_copy(p) : NULL;
	g_mutex_unlock(&seam.lock);
	return info_new(device, p);
}

/* ---- log page builder ---------------------------------------------- */

static void
put_le64(guint8 *p, guint64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

GByteArray *
dlp_new(guint64 genctr)
{
	GByteArray *log = g_byte_array_new();
	guint8 hdr[1024] = {0};

	put_le64(hdr, genctr);
	g_byte_array_append(log, hdr, sizeof(hdr));
	return log;
}

void
dlp_add(GByteArray *log, guint8 subtype, const char *traddr, const char *trsvcid,
	const char *subnqn, guint16 eflags)
{
	guint8 e[1024] = {0};

	e[0] = 3; /* tcp */
	e[1] = strchr(traddr, ':') ? 2 : 1;
	e[2] = subtype;
	e[4] = 1; /* portid */
	e[6] = 0xff;
	e[7] = 0xff; /* cntlid */
	e[8] = 32;   /* asqsz */
	e[10] = eflags & 0xff;
	e[11] = eflags >> 8;
	memcpy(e + 32, trsvcid, MIN(strlen(trsvcid), 32));
	memcpy(e + 256, subnqn, MIN(strlen(subnqn), 256));
	memcpy(e + 512, traddr, MIN(strlen(traddr), 256));
	g_byte_array_append(log, e, sizeof(e));
	put_le64(log->data + 8, (log->len - 1024) / 1024);
}

GBytes *
dlp_finish(GByteArray *log)
{
	return g_byte_array_free_to_bytes(log);
}

/* ---- fixture ------------------------------------------------------- */

static StasConf *
conf_from_text(StasConfKind kind, const char *text)
{
	g_autoptr(StasIni) ini = stas_ini_new();

	if (text)
		stas_ini_add_data(ini, "test.conf", text, strlen(text));
	return stas_conf_new_from_ini(kind, ini);
}

static StasSysConf *
sysconf_new(void)
{
	const char *text = "[Host]\nnqn=" TEST_HOST_NQN "\nid=" TEST_HOST_ID "\nkey=" TEST_HOST_KEY
			   "\nsymname=" TEST_SYMNAME "\n";
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("stas-sysconf-XXXXXX", &path, &error);
	StasSysConf *sys;

	g_assert_no_error(error);
	g_assert_true(write(fd, text, strlen(text)) == (gssize)strlen(text));
	close(fd);
	sys = stas_sysconf_load(path, &error);
	g_assert_no_error(error);
	unlink(path);
	return sys;
}

TestEnv *
test_env_new(StasConfKind kind, const char *conf_text)
{
	TestEnv *t = g_new0(TestEnv, 1);
	g_autoptr(StasSysConf) sys = sysconf_new();
	g_autoptr(StasConf) conf = conf_from_text(kind, conf_text);
	g_autoptr(StasNvmeOptions) kernel = stas_nvme_options_new("6.1.0", NULL);
	g_autoptr(GError) error = NULL;
	StasWorkerPool *pool = stas_worker_pool_new(2, &error);

	g_assert_no_error(error);
	seam_double_reset();
	/* 2024-04-02 12:00:00 UTC: log lines with dates are checked in UTC */
	t->clock = stas_clock_new_manual(G_GINT64_CONSTANT(1712059200) * G_USEC_PER_SEC);
	t->udev = stas_udev_new_detached();
	t->env = stas_ctrl_env_new(pool, t->udev, t->clock);
	stas_ctrl_env_set_conf(t->env, conf);
	stas_ctrl_env_set_sysconf(t->env, sys);
	stas_ctrl_env_set_kernel(t->env, kernel);
	stas_ctrl_env_set_tcp_probe(t->env, FALSE, 0);
	t->tracked = g_ptr_array_new();
	return t;
}

static void
weak_free(gpointer data)
{
	g_weak_ref_clear(data);
	g_free(data);
}

gpointer
test_env_track(TestEnv *t, gpointer obj)
{
	GWeakRef *weak = g_new0(GWeakRef, 1);

	g_weak_ref_init(weak, obj);
	g_ptr_array_add(t->tracked, weak);
	return obj;
}

static gboolean
all_gone(gpointer data)
{
	GPtrArray *tracked = data;

	for (guint i = 0; i < tracked->len; i++) {
		g_autoptr(GObject) obj = g_weak_ref_get(tracked->pdata[i]);

		if (obj)
			return FALSE;
	}
	return TRUE;
}

void
test_env_set_conf(TestEnv *t, StasConfKind kind, const char *conf_text)
{
	g_autoptr(StasConf) conf = conf_from_text(kind, conf_text);

	stas_ctrl_env_set_conf(t->env, conf);
}

void
test_env_free(TestEnv *t)
{
	/* let every answer come home first: jobs hold their controllers */
	for (int i = 0; i < SEAM_N_OPS; i++)
		seam_double_release(i);
	g_assert_true(test_wait_until(all_gone, t->tracked));
	g_ptr_array_set_free_func(t->tracked, weak_free);
	g_ptr_array_unref(t->tracked);
	test_drain();
	stas_ctrl_env_unref(t->env);
	test_drain();
	g_object_unref(t->udev);
	stas_clock_unref(t->clock);
	g_free(t);
}

StasTid *
test_tid(StasTidKind kind, const char *spec)
{
	g_autoptr(GHashTable) map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) items = g_strsplit(spec, ";", -1);
	StasTidDefaults defaults = {.kind = kind, .host_nqn = TEST_HOST_NQN};

	for (guint i = 0; items[i]; i++) {
		char *eq = strchr(items[i], '=');

		if (eq)
			g_hash_table_insert(map, g_strndup(items[i], eq - items[i]),
					    g_strdup(eq + 1));
	}
	return stas_tid_new_from_map(map, &defaults);
}

static gboolean
on_tick(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

gboolean
test_wait_until(gboolean (*cond)(gpointer data), gpointer data)
{
	gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	/* a tick keeps the blocking iteration from sleeping past the deadline */
	guint tick = g_timeout_add(10, on_tick, NULL);
	gboolean ok;

	while (!(ok = cond(data)) && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(tick);
	return ok;
}

void
test_drain(void)
{
	for (int i = 0; i < 10000 && g_main_context_iteration(NULL, FALSE); i++)
		;
}

void
test_uevent(TestEnv *t, const char *action, const char *device, const char *const *props)
{
	g_autoptr(StasUevent) ev = stas_uevent_new_from_envp(action, device, props);

	stas_udev_inject(t->udev, ev);
}

/* ---- stdout capture ------------------------------------------------ */

static struct {
	int saved;
	int fd;
	char path[64];
} capture = {-1, -1, ""};

void
test_capture_start(void)
{
	g_strlcpy(capture.path, "/tmp/stas-test-ctrl-XXXXXX", sizeof(capture.path));
	capture.fd = mkstemp(capture.path);
	g_assert_true(capture.fd >= 0);
	fflush(stdout);
	capture.saved = dup(STDOUT_FILENO);
	dup2(capture.fd, STDOUT_FILENO);
}

char *
test_capture_end(void)
{
	char *out = NULL;

	fflush(stdout);
	dup2(capture.saved, STDOUT_FILENO);
	close(capture.saved);
	close(capture.fd);
	g_assert_true(g_file_get_contents(capture.path, &out, NULL, NULL));
	unlink(capture.path);
	return out;
}
