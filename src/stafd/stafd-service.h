/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stafd-service: stafd's logic (REFERENCE 5.1, 5.6, 5.12, 5.13, 5.16,
 * 5.18, 3.9): the sources of discovery controllers (stafd.conf, the NBFT,
 * mDNS, referrals), the reconciliation that turns them into StafdDc
 * objects, the last-known state, reload and shutdown, the nvme-cli udev
 * rule override and the forwarding of unmanaged DCs' events.
 *
 * the first reconciliation runs at once at start; later triggers are
 * debounced by a short soak (SPEC B6).  the service never talks to D-Bus:
 * stafd-bus.c listens to its signals and asks it questions.
 *
 * threading: the main loop thread only.
 */
#pragma once

#include <glib-object.h>

#include "stafd-dc.h"

G_BEGIN_DECLS

/* SPEC B6: later triggers are debounced by this soak */
#define STAFD_SOAK_SEC 0.2

typedef struct {
	const char *conf_path;	    /* NULL: /etc/stas/stafd.conf */
	const char *sysconf_path;   /* NULL: /etc/stas/sys.conf */
	gboolean tron;		    /* --tron: sticky across reloads (Q15) */
	const char *runtime_dir;    /* $RUNTIME_DIRECTORY, may be NULL */
	const char *nbft_dir;	    /* NULL: /sys/firmware/acpi/tables */
	const char *udev_rules_dir; /* NULL: /run/udev/rules.d */
	const char *systemctl;	    /* path of systemctl, NULL: not found */
	gboolean no_tcp_probe;	    /* test builds with a fake kernel: nothing listens */
} StafdOptions;

#define STAFD_TYPE_SERVICE (stafd_service_get_type())
G_DECLARE_FINAL_TYPE(StafdService, stafd_service, STAFD, SERVICE, GObject)

/* reads sys.conf and stafd.conf; a sys.conf error (host NQN/ID) is fatal */
StafdService *stafd_service_new(const StafdOptions *options, GError **error);

/* load the last-known state, start the sources, reconcile at once */
gboolean stafd_service_start(StafdService *self, GError **error);

/* SIGHUP (REFERENCE 5.16, Q15: sys.conf too) */
void stafd_service_reload(StafdService *self);

/* SIGTERM/SIGINT: save state, dispose of the DCs; "stopped" when done */
void stafd_service_stop(StafdService *self);
gboolean stafd_service_is_stopping(StafdService *self);

/* the DCs (StafdDc*), a new array in TID string order */
GPtrArray *stafd_service_get_dcs(StafdService *self);
/* the DC with that identity, or NULL */
StafdDc *stafd_service_find_dc(StafdService *self, const StasTid *tid);
/* how D-Bus lookups build TIDs (REFERENCE 3.3: same defaulting rules) */
void stafd_service_get_tid_defaults(StafdService *self, StasTidDefaults *out);

gboolean stafd_service_get_tron(StafdService *self);
void stafd_service_set_tron(StafdService *self, gboolean tron);

/* process_info (REFERENCE 3.5), secrets redacted: a JSON text */
char *stafd_service_process_info(StafdService *self);

G_END_DECLS
