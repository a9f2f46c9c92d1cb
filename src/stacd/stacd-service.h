/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stacd-service: stacd's logic (REFERENCE 5.1, 5.9, 5.12, 5.13, 5.16):
 * the wanted I/O controllers (controller= entries of stacd.conf, the
 * NBFT's subsystem entries (SPEC B7), the nvme entries of stafd's log
 * pages with the host fields of the DC that listed them), exclusion,
 * ip-family and address checks, the reconciliation that turns them into
 * StacdIoc objects and decides what leaves (disconnect-scope,
 * disconnect-trtypes, B7, Q21: stacd-reconcile.h), the connection audits
 * with their 1 s add-event soak, the last-known state (which connections
 * stacd owns), reload and shutdown (IOC connections always stay).
 *
 * stafd (SPEC B2): while stafd is absent, unreachable or failing, the
 * last set of entries it gave is kept; until it has answered once since
 * start, controllers that came from its entries are not removed.  after
 * stafd went away, the next reconciliation waits 10 s for it.
 *
 * the first reconciliation runs at once at start; later triggers are
 * debounced by a short soak (SPEC B6).  the service never talks to D-Bus:
 * stacd-bus.c tells it about stafd and fetches stafd's log pages for it
 * through a StacdLogPagesSource, and asks it questions.
 *
 * threading: the main loop thread only.
 */
#pragma once

#include <gio/gio.h>

#include "stacd-ioc.h"

G_BEGIN_DECLS

/* SPEC B6: later triggers are debounced by this soak */
#define STACD_SOAK_SEC 0.2
/* REFERENCE 5.9.3: after stafd went away, give it time to come back with its cache */
#define STACD_STAFD_LOST_SOAK_SEC 10.0
/* REFERENCE 5.9.4: sysfs of a fresh device settles before an audit reads it */
#define STACD_ADD_SOAK_SEC 1.0
/* connects and removes are saved in the last-known state in batches */
#define STACD_SAVE_DELAY_SEC 1.0

typedef struct {
	const char *conf_path;	  /* NULL: /etc/stas/stacd.conf */
	const char *sysconf_path; /* NULL: /etc/stas/sys.conf */
	gboolean tron;		  /* --tron: sticky across reloads (Q15) */
	const char *runtime_dir;  /* $RUNTIME_DIRECTORY, may be NULL */
	const char *nbft_dir;	  /* NULL: /sys/firmware/acpi/tables */
	gboolean no_tcp_probe;	  /* test builds with a fake kernel: nothing listens */
} StacdOptions;

/*
 * how the service gets stafd's get_all_log_pages(true) answer: fetch
 * starts the call, callback runs on the main context, finish returns the
 * JSON text (NULL with error when stafd could not be asked or failed).
 */
typedef struct {
	void (*fetch)(gpointer source, GCancellable *cancellable, GAsyncReadyCallback callback,
		      gpointer user_data);
	char *(*finish)(gpointer source, GAsyncResult *result, GError **error);
} StacdLogPagesSource;

#define STACD_TYPE_SERVICE (stacd_service_get_type())
G_DECLARE_FINAL_TYPE(StacdService, stacd_service, STACD, SERVICE, GObject)

/* reads sys.conf and stacd.conf; a sys.conf error (host NQN/ID) is fatal */
StacdService *stacd_service_new(const StacdOptions *options, GError **error);

/* index of existing controllers, NBFT, last-known state, audits, reconcile at once */
gboolean stacd_service_start(StacdService *self, GError **error);

/* SIGHUP (REFERENCE 5.16, Q15: sys.conf too): revives given-up controllers */
void stacd_service_reload(StacdService *self);

/* SIGTERM/SIGINT: save state, drop the controllers, keep every connection; "stopped" */
void stacd_service_stop(StacdService *self);
gboolean stacd_service_is_stopping(StacdService *self);

/* ---- stafd, as the bus layer sees it ---------------------------------- */

/* where stafd's log pages come from; source is handed back to the functions */
void stacd_service_set_log_pages_source(StacdService *self, const StacdLogPagesSource *vtable,
					gpointer source);
/* stafd owns its bus name (again): reconcile after the soak */
void stacd_service_stafd_appeared(StacdService *self);
/* stafd left the bus: keep its last entries, wait longer for the next pass */
void stacd_service_stafd_vanished(StacdService *self);
gboolean stacd_service_stafd_is_present(StacdService *self);
/* log_pages_changed or dc_removed from stafd */
void stacd_service_stafd_changed(StacdService *self);

/* ---- questions ------------------------------------------------------- */

/* the controllers (StacdIoc*), a new array in TID string order */
GPtrArray *stacd_service_get_iocs(StacdService *self);
/* the controller with that identity, or NULL */
StacdIoc *stacd_service_find_ioc(StacdService *self, const StasTid *tid);
/* how D-Bus lookups build TIDs (same defaulting rules as the service) */
void stacd_service_get_tid_defaults(StacdService *self, StasTidDefaults *out);

gboolean stacd_service_get_tron(StacdService *self);
void stacd_service_set_tron(StacdService *self, gboolean tron);

/* process_info (REFERENCE 3.5), secrets redacted: a JSON text */
char *stacd_service_process_info(StacdService *self);

G_END_DECLS
