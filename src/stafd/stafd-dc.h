/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stafd-dc: a discovery controller of stafd (REFERENCE 5.5, 5.8), a
 * StasController.
 *
 * after each connect or attach: DIM registration with a CDC/DDC (a
 * registration answered with an error status is a warning and the chain
 * goes on; a transport failure is retried every 5 s), the supported log
 * pages of a non-CDC when pleo is enabled (retried every 5 s) to choose
 * PLEO, then the discovery log (retried every 20 s), parsed and cached.
 * the cache survives a kernel "remove" and can be restored from the
 * last-known state without a network read.  "log-pages-changed" is
 * emitted only when the entries really changed (Q25), "referrals-changed"
 * when the referral entries did.  an AEN 0x70f002 re-reads the log; an
 * NVME_EVENT connected/rediscover and a reload resync (registration ->
 * supported log pages -> log, the first that exists).
 *
 * the origin (configured > referral > discovered) decides aging: a
 * discovered DC that mDNS no longer reports and that is not connected is
 * marked unresponsive and, after zeroconf-connections-persistence,
 * "unresponsive-timeout" asks the service to reconcile; a negative
 * persistence means retrying forever.
 *
 * threading: the main loop thread only, like every StasController.
 */
#pragma once

#include "stas/stas-controller.h"
#include "stas/stas-dlpe.h"
#include "stas/stas-state.h"

G_BEGIN_DECLS

#define STAFD_DC_REGISTRATION_RETRY_SEC 5.0
#define STAFD_DC_SUPPORTED_RETRY_SEC	5.0
#define STAFD_DC_GET_LOG_RETRY_SEC	20.0

#define STAFD_TYPE_DC (stafd_dc_get_type())
G_DECLARE_FINAL_TYPE(StafdDc, stafd_dc, STAFD, DC, StasController)

/* a new DC; call stas_controller_start() to connect.  origin NONE counts as configured */
StafdDc *stafd_dc_new(StasCtrlEnv *env, StasTid *tid, StasOrigin origin);

/* the cached entries (StasDlpe*), in log order; borrowed, never NULL */
GPtrArray *stafd_dc_get_log_pages(StafdDc *self);
/* the referral entries among them, a new array */
GPtrArray *stafd_dc_get_referrals(StafdDc *self);
/* the last-known state's entries become the cache (referenced), no signal, no read */
void stafd_dc_restore_log_pages(StafdDc *self, GPtrArray *entries);

/* configured > referral > discovered (NONE loses to all) */
StasOrigin stafd_dc_origin_merge(StasOrigin a, StasOrigin b);
StasOrigin stafd_dc_get_origin(StafdDc *self);
/* set and evaluate aging; NONE: ERROR "Trying to set invalid origin to ..." and nothing changes */
void stafd_dc_set_origin(StafdDc *self, StasOrigin origin);
/* the same from the text form; FALSE (and the ERROR line) for anything else */
gboolean stafd_dc_set_origin_string(StafdDc *self, const char *origin);

/* whether mDNS currently reports this DC; the service keeps it current */
void stafd_dc_set_mdns_reported(StafdDc *self, gboolean reported);
/* REFERENCE 5.8: mark or clear the unresponsive state (also run after each failed connect) */
void stafd_dc_check_unresponsive(StafdDc *self);
/* discovered, not reported, not connected, and its persistence ran out */
gboolean stafd_dc_is_unresponsive(StafdDc *self);

/* registration -> supported log pages -> log: re-run the first that exists */
void stafd_dc_resync(StafdDc *self);
/* SIGHUP: unresponsive check, then resync */
void stafd_dc_reload(StafdDc *self);

G_END_DECLS
