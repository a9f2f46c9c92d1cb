/* SPDX-License-Identifier: Apache-2.0 */
/* stafd's service: sources, reconciliation, state, reload, shutdown */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <systemd/sd-daemon.h>

#include "stafd-service.h"

#include "stas/stas-avahi.h"
#include "stas/stas-ctrl-spec.h"
#include "stas/stas-daemon.h"
#include "stas/stas-ctrl-index.h"
#include "stas/stas-error.h"
#include "stas/stas-iputil.h"
#include "stas/stas-log.h"
#include "stas/stas-nbft.h"
#include "stas/stas-nvme.h"
#include "stas/stas-terminator.h"

#define UDEV_RULE_NAME	"70-nvmf-autoconnect.rules"
#define UDEV_RULES_DIR	"/run/udev/rules.d"
#define AEN_DLP_CHANGED "0x70f002"

struct _StafdService {
	GObject parent_instance;

	/* options, copied */
	char *conf_path;
	char *sysconf_path;
	gboolean tron_cli;
	char *nbft_dir;
	char *rules_dir;
	char *systemctl;
	char *state_path;

	StasConf *conf;
	StasSysConf *sysconf;
	StasCtrlEnv *env;
	StasUdev *udev;
	StasTerminator *terminator;
	StasAvahi *avahi;

	GHashTable *dcs;     /* StasTid* -> StafdDc* (both referenced) */
	GPtrArray *nbft_dcs; /* GHashTable* candidates, read once (REFERENCE 5.14) */
	StasTimer *soak;
	GCancellable *resolving; /* the reconciliation in progress, if any */

	gboolean started;
	gboolean stopping;
	guint n_disposing;
	char *rule_written; /* the content of the udev rule we wrote, NULL if none */
};

G_DEFINE_TYPE(StafdService, stafd_service, G_TYPE_OBJECT)

enum {
	SIGNAL_LOG_PAGES_CHANGED,
	SIGNAL_DC_REMOVED,
	SIGNAL_STOPPED,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void reconcile(StafdService *self);
static void save_state(StafdService *self);
static void trigger(StafdService *self);

/* ---- configuration ----------------------------------------------------- */

static const char *
host_nqn(StafdService *self)
{
	const char *nqn = self->sysconf ? stas_sysconf_get_hostnqn(self->sysconf) : NULL;

	return nqn ? nqn : "";
}

void
stafd_service_get_tid_defaults(StafdService *self, StasTidDefaults *out)
{
	stas_conf_get_tid_defaults(self->conf, host_nqn(self), out);
}

static void
apply_tron(StafdService *self)
{
	gboolean tron = self->tron_cli || stas_conf_get_bool(self->conf, STAS_OPT_TRON);

	stas_log_set_tron(tron);
	stas_ctrl_env_set_tron(self->env, tron);
}

gboolean
stafd_service_get_tron(StafdService *self)
{
	return stas_log_get_tron();
}

void
stafd_service_set_tron(StafdService *self, gboolean tron)
{
	/* not persisted: a reload takes the config value again (REFERENCE 3.2) */
	stas_log_set_tron(tron);
	stas_ctrl_env_set_tron(self->env, tron);
	g_message("Trace %s", tron ? "ON" : "OFF");
}

static gboolean
load_sysconf(StafdService *self, GError **error)
{
	g_autoptr(StasSysConf) sysconf = stas_sysconf_load(self->sysconf_path, error);

	if (sysconf == NULL)
		return FALSE;
	stas_daemon_log_diagnostics(stas_sysconf_get_diagnostics(sysconf));
	g_clear_pointer(&self->sysconf, stas_sysconf_unref);
	self->sysconf = g_steal_pointer(&sysconf);
	stas_ctrl_env_set_sysconf(self->env, self->sysconf);
	return TRUE;
}

static void
load_conf(StafdService *self)
{
	g_autoptr(StasConf) conf = stas_conf_load(STAS_CONF_KIND_STAFD, self->conf_path);

	stas_daemon_log_diagnostics(stas_conf_get_diagnostics(conf));
	g_clear_pointer(&self->conf, stas_conf_unref);
	self->conf = g_steal_pointer(&conf);
	stas_ctrl_env_set_conf(self->env, self->conf);
	apply_tron(self);
}

/* ---- what the kernel supports ----------------------------------------- */

/* ---- NBFT discovery controllers (read once) ---------------------------- */

static void
load_nbft(StafdService *self)
{
	g_auto(GStrv) files = stas_nbft_list_files(self->nbft_dir);
	g_autoptr(StasIfaceTable) ifaces = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *list = NULL;

	self->nbft_dcs = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	if (files == NULL || files[0] == NULL)
		return;
	list = g_strjoinv("', '", files);
	g_info("NBFT location(s): ['%s']", list);
	ifaces = stas_iface_table_dump(&error);
	if (ifaces == NULL)
		g_warning("Cannot read the network interfaces: %s", error->message);
	for (guint i = 0; files[i]; i++) {
		g_autoptr(GError) perr = NULL;
		g_autoptr(StasNbft) nbft = stas_nbft_parse_file(files[i], &perr);
		g_autoptr(GPtrArray) diags = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GPtrArray) dcs = NULL;

		if (nbft == NULL) {
			g_warning("NBFT %s ignored: %s", files[i], perr->message);
			continue;
		}
		dcs = stas_nbft_dc_candidates(nbft, ifaces, diags);
		stas_daemon_log_strings(diags, G_LOG_LEVEL_WARNING);
		for (guint j = 0; j < dcs->len; j++)
			g_ptr_array_add(self->nbft_dcs,
					g_hash_table_ref(g_ptr_array_index(dcs, j)));
	}
}

/* ---- nvme-cli's autoconnect rule (REFERENCE 3.9, Q24) ------------------ */

static char *
udev_rule_content(StafdService *self)
{
	GString *s = g_string_new(
		"\n# written by stafd (nvme-stas) while it runs: it shadows nvme-cli's "
		"autoconnect rules.\n# stafd removes it when it stops.\n");

	/* only the legacy FC kickstart rule survives; without systemctl, none */
	if (self->systemctl)
		g_string_append_printf(
			s,
			"ACTION==\"change\", SUBSYSTEM==\"fc\", ENV{FC_EVENT}==\"nvmediscovery\", "
			"\\\n"
			"  ENV{NVMEFC_HOST_TRADDR}==\"*\",  ENV{NVMEFC_TRADDR}==\"*\", \\\n"
			"  RUN+=\"%s --no-block restart "
			"nvmf-connect@--device\\x3dnone\\x09--transport\\x3dfc\\x09--traddr\\x3d$"
			"env{"
			"NVMEFC_TRADDR}\\x09--trsvcid\\x3dnone\\x09--host-traddr\\x3d$env{NVMEFC_"
			"HOST_"
			"TRADDR}.service\"\n",
			self->systemctl);
	return g_string_free(s, FALSE);
}

static void
install_udev_rule(StafdService *self)
{
	g_autofree char *path = g_build_filename(self->rules_dir, UDEV_RULE_NAME, NULL);
	g_autofree char *content = udev_rule_content(self);
	int fd;

	if (g_mkdir_with_parents(self->rules_dir, 0755) != 0) {
		g_warning("Cannot create %s: %s", self->rules_dir, g_strerror(errno));
		return;
	}
	/* never replace a rule someone else put there */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		int err = errno;
		g_autofree char *old = NULL;

		/* one a killed stafd left (our content) is ours to remove at stop (Q24) */
		if (err == EEXIST && g_file_get_contents(path, &old, NULL, NULL) &&
		    g_str_equal(old, content))
			self->rule_written = g_steal_pointer(&content);
		else if (err != EEXIST)
			g_warning("Cannot write %s: %s", path, g_strerror(err));
		return;
	}
	if (write(fd, content, strlen(content)) != (ssize_t)strlen(content)) {
		g_warning("Cannot write %s: %s", path, g_strerror(errno));
		close(fd);
		unlink(path);
		return;
	}
	close(fd);
	self->rule_written = g_steal_pointer(&content);
}

static void
remove_udev_rule(StafdService *self)
{
	g_autofree char *path = NULL;
	g_autofree char *now = NULL;

	if (self->rule_written == NULL)
		return;
	path = g_build_filename(self->rules_dir, UDEV_RULE_NAME, NULL);
	/* Q24: remove it only if it still is the file we wrote */
	if (g_file_get_contents(path, &now, NULL, NULL) && g_str_equal(now, self->rule_written))
		unlink(path);
	g_clear_pointer(&self->rule_written, g_free);
}

/* ---- nvme-cli interop for DCs stafd does not manage (REFERENCE 5.18) ---- */

static gboolean
is_managed_device(StafdService *self, const char *sysname)
{
	GHashTableIter iter;
	gpointer dc;

	g_hash_table_iter_init(&iter, self->dcs);
	while (g_hash_table_iter_next(&iter, NULL, &dc)) {
		const char *dev = stas_controller_get_device(STAS_CONTROLLER(dc));

		if (dev && g_str_equal(dev, sysname))
			return TRUE;
	}
	return FALSE;
}

static void
append_option(GString *instance, const char *name, const char *value)
{
	if (value == NULL || *value == '\0' || g_ascii_strcasecmp(value, "none") == 0)
		return;
	if (instance->len)
		g_string_append(instance, "\\x09");
	g_string_append_printf(instance, "--%s\\x3d%s", name, value);
}

static void
forward_to_nvme_cli(StafdService *self, StasUevent *event)
{
	const char *sysname = stas_uevent_get_sysname(event);
	const char *host_traddr = stas_uevent_get_property(event, "NVME_HOST_TRADDR");
	const char *host_iface = stas_uevent_get_property(event, "NVME_HOST_IFACE");
	g_autoptr(GString) instance = g_string_new(NULL);
	g_autofree char *unit = NULL;
	g_autoptr(GError) error = NULL;

	/* values from the kernel still go into a command line: keep them tame */
	if (host_traddr && *host_traddr && g_ascii_strcasecmp(host_traddr, "none") &&
	    !stas_ip_parse(host_traddr, FALSE, NULL))
		host_traddr = NULL;
	if (host_iface && strpbrk(host_iface, "/\\ ,=\t\n") != NULL)
		host_iface = NULL;
	append_option(instance, "device", sysname);
	append_option(instance, "host-traddr", host_traddr);
	append_option(instance, "host-iface", host_iface);
	unit = g_strdup_printf("nvmf-connect@%s.service", instance->str);
	if (self->systemctl == NULL) {
		g_warning("%s - cannot start %s: systemctl not found", sysname, unit);
		return;
	}
	const char *argv[] = {self->systemctl, "--quiet", "--no-block", "restart", unit, NULL};
	if (!g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &error))
		g_warning("%s - cannot start %s: %s", sysname, unit, error->message);
}

static void
on_uevent_change(StasUdev *udev, StasUevent *event, gpointer data)
{
	StafdService *self = data;
	const char *sysname = stas_uevent_get_sysname(event);
	const StasExistingCtrl *ctrl = stas_udev_index_lookup(udev, sysname);
	const char *aen = stas_uevent_get_property(event, "NVME_AEN");
	const char *ev = stas_uevent_get_property(event, "NVME_EVENT");

	if (self->stopping || ctrl == NULL || !stas_existing_ctrl_is_dc(ctrl))
		return;
	if (is_managed_device(self, sysname))
		return;
	if (aen && g_ascii_strcasecmp(aen, AEN_DLP_CHANGED) == 0)
		g_info("%s - Received AEN: Change of Discovery Log Page (%s)", sysname, aen);
	else if (ev && g_str_equal(ev, "rediscover"))
		g_info("%s - Received \"rediscover\" event", sysname);
	else
		return;
	forward_to_nvme_cli(self, event);
}

/* ---- the DC table ------------------------------------------------------- */

static void
on_dc_log_pages_changed(StafdDc *dc, gpointer data)
{
	StafdService *self = data;

	/* keep the saved cache current: a killed stafd restarts with it (B2) */
	save_state(self);
	g_signal_emit(self, signals[SIGNAL_LOG_PAGES_CHANGED], 0, dc);
}

static void
on_dc_needs_reconcile(StafdDc *dc, gpointer data)
{
	/* referrals changed, or an unresponsive DC ran out of time */
	trigger(data);
}

static StafdDc *
add_dc(StafdService *self, StasTid *tid, StasOrigin origin)
{
	StafdDc *dc = stafd_dc_new(self->env, tid, origin);

	g_signal_connect_object(dc, "log-pages-changed", G_CALLBACK(on_dc_log_pages_changed), self,
				0);
	g_signal_connect_object(dc, "referrals-changed", G_CALLBACK(on_dc_needs_reconcile), self,
				0);
	g_signal_connect_object(dc, "unresponsive-timeout", G_CALLBACK(on_dc_needs_reconcile), self,
				0);
	g_hash_table_insert(self->dcs, stas_tid_ref(tid), dc);
	return dc;
}

static void
on_dc_disposed(StasController *ctrl, gboolean success, gpointer data)
{
	StafdService *self = data;

	if (!success)
		stas_ctrl_warning(stas_controller_get_id(ctrl), stas_controller_get_device(ctrl),
				  "Failed to disconnect");
	self->n_disposing--;
	if (self->stopping && self->n_disposing == 0)
		g_signal_emit(self, signals[SIGNAL_STOPPED], 0);
	g_object_unref(self);
}

static void
remove_dc(StafdService *self, StasTid *tid, gboolean keep_connection)
{
	g_autoptr(StasTid) key = NULL;
	g_autoptr(StafdDc) dc = NULL;

	if (!g_hash_table_steal_extended(self->dcs, tid, (gpointer *)&key, (gpointer *)&dc))
		return;
	self->n_disposing++;
	stas_terminator_dispose(self->terminator, STAS_CONTROLLER(dc), keep_connection,
				on_dc_disposed, g_object_ref(self));
}

static gint
compare_dc_ids(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(stas_controller_get_id(*(StasController **)a),
			 stas_controller_get_id(*(StasController **)b));
}

GPtrArray *
stafd_service_get_dcs(StafdService *self)
{
	GPtrArray *dcs = g_ptr_array_new_with_free_func(g_object_unref);
	GHashTableIter iter;
	gpointer dc;

	g_hash_table_iter_init(&iter, self->dcs);
	while (g_hash_table_iter_next(&iter, NULL, &dc))
		g_ptr_array_add(dcs, g_object_ref(dc));
	g_ptr_array_sort(dcs, compare_dc_ids);
	return dcs;
}

StafdDc *
stafd_service_find_dc(StafdService *self, const StasTid *tid)
{
	return g_hash_table_lookup(self->dcs, tid);
}

/* ---- last-known state (REFERENCE 5.12) ---------------------------------- */

static void
save_state(StafdService *self)
{
	g_autoptr(StasState) state = stas_state_new();
	g_autoptr(GPtrArray) dcs = stafd_service_get_dcs(self);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < dcs->len; i++) {
		StafdDc *dc = g_ptr_array_index(dcs, i);
		StasController *ctrl = STAS_CONTROLLER(dc);

		stas_state_add(state, stas_controller_get_tid(ctrl),
			       stas_controller_get_device(ctrl), stafd_dc_get_origin(dc),
			       stafd_dc_get_log_pages(dc));
	}
	if (!stas_state_save(state, self->state_path, &error))
		g_warning("Unable to save last known config: %s", error->message);
}

/* the configured TID equal to tid, which carries the secrets the file does not */
static StasTid *
with_configured_cfg(StafdService *self, StasTid *tid)
{
	const GPtrArray *specs = stas_conf_get_controllers(self->conf);
	StasTidDefaults defaults;

	stafd_service_get_tid_defaults(self, &defaults);
	for (guint i = 0; i < specs->len; i++) {
		const StasConfSpec *spec = g_ptr_array_index((GPtrArray *)specs, i);
		g_autoptr(StasTid) conf_tid = stas_tid_new_from_map(spec->map, &defaults);

		if (stas_tid_equal(conf_tid, tid))
			return g_steal_pointer(&conf_tid);
	}
	return stas_tid_ref(tid);
}

static void
load_state(StafdService *self)
{
	StasTidDefaults defaults;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasState) state = NULL;

	stafd_service_get_tid_defaults(self, &defaults);
	state = stas_state_load(self->state_path, &defaults, &error);
	if (state == NULL) {
		if (!g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND))
			g_warning("Ignoring last known config: %s", error->message);
		return;
	}
	stas_daemon_log_strings(state->diagnostics, G_LOG_LEVEL_WARNING);
	for (guint i = 0; i < state->controllers->len; i++) {
		StasStateController *rec = g_ptr_array_index(state->controllers, i);
		g_autoptr(StasTid) tid = with_configured_cfg(self, rec->tid);
		StafdDc *dc;

		if (g_hash_table_contains(self->dcs, tid))
			continue;
		dc = add_dc(self, tid, rec->origin);
		if (rec->log_pages)
			stafd_dc_restore_log_pages(dc, rec->log_pages);
		stas_controller_start(STAS_CONTROLLER(dc));
	}
}

/* ---- reconciliation (REFERENCE 5.6, 5.13) -------------------------------- */

typedef struct {
	StafdService *self;
	GCancellable *cancellable;
	GPtrArray *configured; /* StasTid*, a slot is NULL once dropped */
	guint pending;
} Reconcile;

static void
reconcile_free(Reconcile *r)
{
	g_object_unref(r->self);
	g_object_unref(r->cancellable);
	g_ptr_array_unref(r->configured);
	g_free(r);
}

static void
add_candidate(GHashTable *candidates, StasTid *tid, StasOrigin origin)
{
	gpointer old;

	if (g_hash_table_lookup_extended(candidates, tid, NULL, &old))
		origin = stafd_dc_origin_merge(GPOINTER_TO_INT(old), origin);
	/* insert keeps the first key: configured TIDs (added first) carry the parameters */
	g_hash_table_insert(candidates, stas_tid_ref(tid), GINT_TO_POINTER(origin));
}

static GHashTable *
collect_candidates(StafdService *self, GPtrArray *configured)
{
	GHashTable *candidates = g_hash_table_new_full(stas_tid_hash, stas_tid_equal,
						       (GDestroyNotify)stas_tid_unref, NULL);
	g_autoptr(GPtrArray) discovered = NULL;
	StasTidDefaults defaults;
	GHashTableIter iter;
	gpointer dc;

	for (guint i = 0; i < configured->len; i++) {
		StasTid *tid = g_ptr_array_index(configured, i);

		if (tid && *tid->traddr != '\0' &&
		    (*tid->trsvcid != '\0' || g_str_equal(tid->transport, "fc") ||
		     g_str_equal(tid->transport, "loop")))
			add_candidate(candidates, tid, STAS_ORIGIN_CONFIGURED);
	}
	stafd_service_get_tid_defaults(self, &defaults);
	discovered = stas_avahi_get_tids(self->avahi, &defaults);
	for (guint i = 0; i < discovered->len; i++)
		add_candidate(candidates, g_ptr_array_index(discovered, i), STAS_ORIGIN_DISCOVERED);

	g_hash_table_iter_init(&iter, self->dcs);
	while (g_hash_table_iter_next(&iter, NULL, &dc)) {
		g_autoptr(GPtrArray) referrals = stafd_dc_get_referrals(dc);
		StasTid *dc_tid = stas_controller_get_tid(STAS_CONTROLLER(dc));

		for (guint i = 0; i < referrals->len; i++) {
			g_autoptr(StasTid) tid = stas_dlpe_to_tid(g_ptr_array_index(referrals, i),
								  dc_tid, &defaults);

			add_candidate(candidates, tid, STAS_ORIGIN_REFERRAL);
		}
	}
	return candidates;
}

/* the DCs to remove: gone from every source, keeping mDNS DCs until they age out */
static GPtrArray *
dcs_to_remove(StafdService *self, GHashTable *candidates, GHashTable *wanted)
{
	GPtrArray *to_del = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	GHashTableIter iter;
	gpointer key, dc;

	g_hash_table_iter_init(&iter, self->dcs);
	while (g_hash_table_iter_next(&iter, &key, &dc)) {
		gboolean must_remove;

		if (g_hash_table_contains(wanted, key) && !stafd_dc_is_unresponsive(dc))
			continue;
		must_remove = g_hash_table_contains(candidates, key) ||
			      stafd_dc_is_unresponsive(dc) ||
			      stas_conf_is_excluded(self->conf, key);
		if (must_remove || stafd_dc_get_origin(dc) != STAS_ORIGIN_DISCOVERED)
			g_ptr_array_add(to_del, stas_tid_ref(key));
	}
	return to_del;
}

static void
reconcile_finish(Reconcile *r)
{
	StafdService *self = r->self;
	g_autoptr(GHashTable) candidates = collect_candidates(self, r->configured);
	g_autoptr(GHashTable) wanted = g_hash_table_new_full(stas_tid_hash, stas_tid_equal,
							     (GDestroyNotify)stas_tid_unref, NULL);
	g_autoptr(GPtrArray) to_del = NULL;
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, candidates);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (stas_conf_is_excluded(self->conf, key) ||
		    !stas_daemon_address_is_usable(self->conf, key))
			continue;
		g_hash_table_insert(wanted, stas_tid_ref(key), value);
		g_hash_table_iter_remove(&iter); /* what is left in candidates must go */
	}

	/* every DC, also one kept after it left mDNS: is avahi still reporting it?
	 * (REFERENCE 5.8: a withdrawn DC ages once it is no longer connected) */
	g_hash_table_iter_init(&iter, self->dcs);
	while (g_hash_table_iter_next(&iter, &key, &value))
		stafd_dc_set_mdns_reported(value, stas_avahi_is_reported(self->avahi, key));

	to_del = dcs_to_remove(self, candidates, wanted);
	for (guint i = 0; i < to_del->len; i++)
		remove_dc(self, g_ptr_array_index(to_del, i), FALSE);
	if (to_del->len)
		g_signal_emit(self, signals[SIGNAL_DC_REMOVED], 0);

	g_hash_table_iter_init(&iter, wanted);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		StafdDc *dc = g_hash_table_lookup(self->dcs, key);
		StasOrigin origin = GPOINTER_TO_INT(value);

		/* Q22: a controller= line whose parameters changed gets a new object; the
		 * kernel connection stays (parameters apply to the next connect) */
		if (dc && origin == STAS_ORIGIN_CONFIGURED &&
		    !stas_ctrl_spec_map_equal(
			    stas_tid_get_cfg_table(stas_controller_get_tid(STAS_CONTROLLER(dc))),
			    stas_tid_get_cfg_table(key))) {
			remove_dc(self, key, TRUE);
			dc = NULL;
		}
		if (dc == NULL) {
			dc = add_dc(self, key, origin);
			stafd_dc_set_mdns_reported(dc, stas_avahi_is_reported(self->avahi, key));
			stas_controller_start(STAS_CONTROLLER(dc));
			continue;
		}
		stafd_dc_set_mdns_reported(dc, stas_avahi_is_reported(self->avahi, key));
		if (stafd_dc_get_origin(dc) != origin)
			stafd_dc_set_origin(dc, origin);
		else
			stafd_dc_check_unresponsive(dc);
	}
	save_state(self);
}

static void
resolution_done(Reconcile *r)
{
	if (--r->pending > 0)
		return;
	if (!g_cancellable_is_cancelled(r->cancellable) && !r->self->stopping)
		reconcile_finish(r);
	if (r->self->resolving == r->cancellable)
		g_clear_object(&r->self->resolving);
	reconcile_free(r);
}

typedef struct {
	Reconcile *r;
	guint slot;
} Lookup;

static void
on_resolved(GObject *source, GAsyncResult *result, gpointer data)
{
	Lookup *lk = data;
	Reconcile *r = lk->r;
	StasTid *tid = g_ptr_array_index(r->configured, lk->slot);
	g_autoptr(GError) error = NULL;
	GList *addrs = g_resolver_lookup_by_name_finish(G_RESOLVER(source), result, &error);
	g_autofree char *v4 = NULL;
	g_autofree char *v6 = NULL;
	const char *pick;

	for (GList *l = addrs; l; l = l->next) {
		GInetAddress *a = l->data;

		if (g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV4 && v4 == NULL)
			v4 = g_inet_address_to_string(a);
		if (g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV6 && v6 == NULL)
			v6 = g_inet_address_to_string(a);
	}
	g_resolver_free_addresses(addrs);
	pick = (v4 && stas_daemon_family_enabled(r->self->conf, AF_INET))    ? v4
	       : (v6 && stas_daemon_family_enabled(r->self->conf, AF_INET6)) ? v6
									     : NULL;
	if (pick) {
		g_ptr_array_index(r->configured, lk->slot) = stas_tid_new_with_traddr(tid, pick);
		stas_tid_unref(tid);
	} else {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_warning("Cannot resolve traddr: %s: %s", tid->traddr,
				  error ? error->message : "no usable address");
		g_ptr_array_index(r->configured, lk->slot) = NULL;
		stas_tid_unref(tid);
	}
	g_free(lk);
	resolution_done(r);
}

static GPtrArray *
configured_tids(StafdService *self)
{
	GPtrArray *tids = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	const GPtrArray *specs = stas_conf_get_controllers(self->conf);
	StasTidDefaults defaults;

	stafd_service_get_tid_defaults(self, &defaults);
	for (guint i = 0; i < specs->len; i++) {
		const StasConfSpec *spec = g_ptr_array_index((GPtrArray *)specs, i);

		g_ptr_array_add(tids, stas_tid_new_from_map(spec->map, &defaults));
	}
	for (guint i = 0; self->nbft_dcs && i < self->nbft_dcs->len; i++)
		g_ptr_array_add(tids, stas_tid_new_from_map(g_ptr_array_index(self->nbft_dcs, i),
							    &defaults));
	return tids;
}

static void
reconcile(StafdService *self)
{
	g_autoptr(GResolver) resolver = g_resolver_get_default();
	Reconcile *r;

	if (self->stopping)
		return;
	/* a newer pass supersedes one still resolving names */
	if (self->resolving)
		g_cancellable_cancel(self->resolving);
	g_clear_object(&self->resolving);

	r = g_new0(Reconcile, 1);
	r->self = g_object_ref(self);
	r->cancellable = g_cancellable_new();
	r->configured = configured_tids(self);
	r->pending = 1; /* held until every lookup is started */
	self->resolving = g_object_ref(r->cancellable);

	for (guint i = 0; i < r->configured->len; i++) {
		StasTid *tid = g_ptr_array_index(r->configured, i);
		gboolean ip_transport =
			g_str_equal(tid->transport, "tcp") || g_str_equal(tid->transport, "rdma");
		int family = stas_ip_family(tid->traddr);
		Lookup *lk;

		if (stas_conf_is_excluded(self->conf, tid) || !ip_transport)
			continue;
		if (*tid->traddr == '\0') {
			g_warning("Invalid traddr: %s", stas_tid_to_string(tid));
			continue;
		}
		if (family != 0) {
			if (!stas_daemon_family_enabled(self->conf, family)) {
				g_warning(
					"Excluding configured IP address %s based on \"ip-family\" "
					"setting",
					tid->traddr);
				stas_tid_unref(tid);
				g_ptr_array_index(r->configured, i) = NULL;
			}
			continue;
		}
		lk = g_new0(Lookup, 1);
		lk->r = r;
		lk->slot = i;
		r->pending++;
		g_resolver_lookup_by_name_async(resolver, tid->traddr, r->cancellable, on_resolved,
						lk);
	}
	resolution_done(r);
}

static void
on_soak(gpointer data)
{
	reconcile(data);
}

/* something changed: reconcile after the soak (SPEC B6) */
static void
trigger(StafdService *self)
{
	if (!self->stopping && self->started)
		stas_timer_start(self->soak);
}

static void
on_avahi_changed(StasAvahi *avahi, gpointer data)
{
	trigger(data);
}

/* ---- the index of existing kernel controllers ----------------------------- */

static void
populate_index(StafdService *self)
{
	g_autoptr(GError) error = NULL;

	if (!stas_ctrl_index_populate(self->udev, NULL, &error))
		g_warning("Cannot list the NVMe controllers: %s", error->message);
}

/* ---- life cycle ---------------------------------------------------------- */

gboolean
stafd_service_start(StafdService *self, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(StasIfaceTable) ifaces = stas_iface_table_dump(&local);

	if (ifaces)
		stas_ctrl_env_set_ifaces(self->env, ifaces);
	else
		g_warning("Cannot read the network interfaces: %s", local->message);

	populate_index(self);
	stas_udev_register_action(self->udev, "change", on_uevent_change, self);
	load_nbft(self);
	load_state(self);

	stas_avahi_set_service_types(self->avahi, stas_conf_get_mdns_service_types(self->conf));
	g_signal_connect_object(self->avahi, "changed", G_CALLBACK(on_avahi_changed), self, 0);
	install_udev_rule(self);

	/* SPEC B6: the first reconciliation runs at once */
	self->started = TRUE;
	reconcile(self);
	return TRUE;
}

void
stafd_service_reload(StafdService *self)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) dcs = NULL;

	if (self->stopping)
		return;
	sd_notify(0, "RELOADING=1");
	g_message("Reloading configuration");
	/* SPEC 5: a file that is there but cannot be read does not mean "all defaults" */
	if (stas_daemon_conf_readable(stas_conf_get_path(self->conf), &error))
		load_conf(self);
	else
		g_warning("%s: keeping the configuration in use", error->message);
	g_clear_error(&error);
	/* Q15: sys.conf is re-read too; a broken one keeps the identity we have */
	if (!load_sysconf(self, &error))
		g_warning("Keeping the previous host identity: %s", error->message);
	stas_avahi_kick(self->avahi);
	stas_avahi_set_service_types(self->avahi, stas_conf_get_mdns_service_types(self->conf));
	trigger(self);
	dcs = stafd_service_get_dcs(self);
	for (guint i = 0; i < dcs->len; i++)
		stafd_dc_reload(g_ptr_array_index(dcs, i));
	sd_notify(0, "READY=1");
}

gboolean
stafd_service_is_stopping(StafdService *self)
{
	return self->stopping;
}

static gboolean
emit_stopped(gpointer data)
{
	g_signal_emit(data, signals[SIGNAL_STOPPED], 0);
	return G_SOURCE_REMOVE;
}

void
stafd_service_stop(StafdService *self)
{
	g_autoptr(GPtrArray) dcs = NULL;
	gboolean keep;

	if (self->stopping)
		return;
	sd_notify(0, "STOPPING=1");
	g_message("Stopping");
	self->stopping = TRUE;
	stas_timer_stop(self->soak);
	if (self->resolving)
		g_cancellable_cancel(self->resolving);
	save_state(self);
	remove_udev_rule(self);
	stas_udev_unregister_action(self->udev, "change", on_uevent_change, self);

	/* DC connections stay in the kernel when persistent-connections (default) */
	keep = stas_conf_get_bool(self->conf, STAS_OPT_PERSISTENT_CONNECTIONS);
	dcs = stafd_service_get_dcs(self);
	for (guint i = 0; i < dcs->len; i++) {
		StasController *ctrl = g_ptr_array_index(dcs, i);
		g_autoptr(StasTid) tid = stas_tid_ref(stas_controller_get_tid(ctrl));

		remove_dc(self, tid, keep);
	}
	if (self->n_disposing == 0)
		g_idle_add_full(G_PRIORITY_DEFAULT, emit_stopped, g_object_ref(self),
				g_object_unref);
	else
		stas_terminator_kill(self->terminator);
}

/* ---- process_info (REFERENCE 3.5) ---------------------------------------- */

static void
add_string_or_null(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

char *
stafd_service_process_info(StafdService *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GHashTable) term = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *soak = stas_timer_to_string(self->soak);
	StasNvmeOptions *kernel = stas_ctrl_env_get_kernel(self->env);
	GHashTableIter iter;
	gpointer k, v;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "tron");
	json_builder_add_boolean_value(b, stas_log_get_tron());
	json_builder_set_member_name(b, "log-level");
	json_builder_add_string_value(b, stas_log_level_name());
	add_string_or_null(b, "hostnqn", stas_sysconf_get_hostnqn(self->sysconf));
	add_string_or_null(b, "hostid", stas_sysconf_get_hostid(self->sysconf));
	/* B3: the host key is a secret */
	add_string_or_null(b, "hostkey",
			   stas_sysconf_get_hostkey(self->sysconf) ? STAS_REDACTED : NULL);
	add_string_or_null(b, "symname", stas_sysconf_get_symname(self->sysconf));
	add_string_or_null(b, "last known config file", self->state_path);
	add_string_or_null(b, "config soak timer", soak);
	add_string_or_null(b, "kernel support.TP8013",
			   stas_py_bool(kernel && stas_nvme_options_supports(
							  kernel, STAS_NVME_CAP_DISCOVERY)));
	add_string_or_null(b, "kernel support.host_iface",
			   stas_py_bool(kernel && stas_nvme_options_supports(
							  kernel, STAS_NVME_CAP_HOST_IFACE)));
	stas_terminator_add_info(self->terminator, term);
	g_hash_table_iter_init(&iter, term);
	while (g_hash_table_iter_next(&iter, &k, &v))
		add_string_or_null(b, k, v);
	json_builder_set_member_name(b, "avahi");
	json_builder_add_value(b, stas_avahi_info(self->avahi));
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

/* ---- GObject ------------------------------------------------------------- */

StafdService *
stafd_service_new(const StafdOptions *options, GError **error)
{
	g_autoptr(StafdService) self = g_object_new(STAFD_TYPE_SERVICE, NULL);
	g_autoptr(GError) local = NULL;
	g_autoptr(StasWorkerPool) pool = stas_worker_pool_new(0, error);

	if (pool == NULL)
		return NULL;
	self->conf_path = g_strdup(options->conf_path);
	self->sysconf_path = g_strdup(options->sysconf_path);
	self->tron_cli = options->tron;
	self->nbft_dir = g_strdup(options->nbft_dir);
	self->rules_dir =
		g_strdup(options->udev_rules_dir ? options->udev_rules_dir : UDEV_RULES_DIR);
	self->systemctl = g_strdup(options->systemctl);
	self->state_path = stas_state_path(options->runtime_dir, "stafd");

	self->udev = stas_nvme_udev_new(&local);
	if (self->udev == NULL) {
		/* no udevd, no netlink: connect and serve all the same, deaf to the kernel */
		g_warning("Running without kernel uevents: %s", local->message);
		self->udev = stas_udev_new_detached();
	}
	self->env = stas_ctrl_env_new(g_steal_pointer(&pool), self->udev, NULL);
	if (options->no_tcp_probe)
		stas_ctrl_env_set_tcp_probe(self->env, FALSE, 0);
	self->soak =
		stas_timer_new(stas_ctrl_env_get_clock(self->env), STAFD_SOAK_SEC, on_soak, self);
	load_conf(self);
	if (!load_sysconf(self, error))
		return NULL;
	{
		g_autoptr(StasNvmeOptions) kernel = stas_daemon_read_kernel_options();

		stas_ctrl_env_set_kernel(self->env, kernel);
	}
	self->terminator = stas_terminator_new(self->env);
	self->avahi = stas_avahi_new(stas_nvme_options_supports(stas_ctrl_env_get_kernel(self->env),
								STAS_NVME_CAP_DISCOVERY));
	return g_steal_pointer(&self);
}

static void
stafd_service_dispose(GObject *object)
{
	StafdService *self = STAFD_SERVICE(object);

	if (self->resolving)
		g_cancellable_cancel(self->resolving);
	g_clear_object(&self->resolving);
	g_clear_pointer(&self->soak, stas_timer_free);
	remove_udev_rule(self);
	g_clear_pointer(&self->dcs, g_hash_table_unref);
	g_clear_object(&self->avahi);
	g_clear_object(&self->terminator);
	G_OBJECT_CLASS(stafd_service_parent_class)->dispose(object);
}

static void
stafd_service_finalize(GObject *object)
{
	StafdService *self = STAFD_SERVICE(object);

	g_clear_pointer(&self->nbft_dcs, g_ptr_array_unref);
	g_clear_pointer(&self->conf, stas_conf_unref);
	g_clear_pointer(&self->sysconf, stas_sysconf_unref);
	g_clear_pointer(&self->env, stas_ctrl_env_unref);
	g_clear_object(&self->udev);
	g_free(self->conf_path);
	g_free(self->sysconf_path);
	g_free(self->nbft_dir);
	g_free(self->rules_dir);
	g_free(self->systemctl);
	g_free(self->state_path);
	G_OBJECT_CLASS(stafd_service_parent_class)->finalize(object);
}

static void
stafd_service_init(StafdService *self)
{
	self->dcs = g_hash_table_new_full(stas_tid_hash, stas_tid_equal,
					  (GDestroyNotify)stas_tid_unref, g_object_unref);
}

static void
stafd_service_class_init(StafdServiceClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = stafd_service_dispose;
	object_class->finalize = stafd_service_finalize;

	/* a DC's log page entries changed (arg: the StafdDc) */
	signals[SIGNAL_LOG_PAGES_CHANGED] =
		g_signal_new("log-pages-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
			     NULL, NULL, NULL, G_TYPE_NONE, 1, STAFD_TYPE_DC);
	/* a reconciliation removed one or more DCs */
	signals[SIGNAL_DC_REMOVED] =
		g_signal_new("dc-removed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			     NULL, NULL, G_TYPE_NONE, 0);
	/* the shutdown is complete: quit the main loop */
	signals[SIGNAL_STOPPED] =
		g_signal_new("stopped", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			     NULL, G_TYPE_NONE, 0);
}
