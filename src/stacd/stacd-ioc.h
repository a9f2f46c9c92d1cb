/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stacd-ioc: an I/O controller of stacd (REFERENCE 5.3, 5.9.5), a
 * StasController.
 *
 * NCC: the entry stafd lists the controller in may say "not connected to
 * CDC" (eflags bit 0x4).  while it does and connect-attempts-on-ncc is
 * N > 0, the controller gives up after N failed attempts (no retry timer);
 * N = 0 never gives up.  an entry whose NCC went away revives a controller
 * that is not connected: the attempt count starts again and it connects at
 * once.  a reload (SIGHUP) connects at once every controller that is not
 * connected and has no retry pending.
 *
 * ownership (SPEC B7): a controller knows whether stacd made its kernel
 * connection.  the connection that already served its TID when stacd took
 * the controller on (the udev index, looked up at creation and again after
 * a failure or a removal) belongs to someone else; one stacd connected
 * itself, or one the last-known state names (claim), is stacd's.  the
 * service disconnects only stacd's connections, except in audit mode.
 *
 * threading: the main loop thread only, like every StasController.
 */
#pragma once

#include "stas/stas-controller.h"

G_BEGIN_DECLS

/* where the service got the controller from */
typedef enum {
	STACD_ORIGIN_CONFIGURED, /* a controller= entry of stacd.conf */
	STACD_ORIGIN_NBFT,	 /* a subsystem entry of the NBFT: a boot connection (B7) */
	STACD_ORIGIN_DISCOVERED, /* an nvme entry of stafd's log pages */
	STACD_ORIGIN_AUDIT,	 /* an existing kernel connection adopted by an audit */
} StacdOrigin;

/* "configured", "nbft", "discovered", "audit" */
const char *stacd_origin_to_string(StacdOrigin origin);

#define STACD_TYPE_IOC (stacd_ioc_get_type())
G_DECLARE_FINAL_TYPE(StacdIoc, stacd_ioc, STACD, IOC, StasController)

/* a new controller; stas_controller_start() connects (or attaches) */
StacdIoc *stacd_ioc_new(StasCtrlEnv *env, StasTid *tid, StacdOrigin origin);

StacdOrigin stacd_ioc_get_origin(StacdIoc *self);
void stacd_ioc_set_origin(StacdIoc *self, StacdOrigin origin);

/* the entry (char* -> char*, as stafd sent it) or NULL; borrowed */
GHashTable *stacd_ioc_get_dlpe(StacdIoc *self);
/* its NCC bit (FALSE without an entry) */
gboolean stacd_ioc_get_ncc(StacdIoc *self);
/* a new entry (referenced; NULL: none): an NCC that went away revives the controller */
void stacd_ioc_update_dlpe(StacdIoc *self, GHashTable *dlpe);

/* failed attempts the give-up rule counts: since the last success, remove or revival */
guint stacd_ioc_get_connect_attempts(StacdIoc *self);
/* not connected, nothing under way, no retry armed (the NCC rule gave up) */
gboolean stacd_ioc_is_idle(StacdIoc *self);

/* SIGHUP: an idle controller connects at once */
void stacd_ioc_reload(StacdIoc *self);

/* the last-known state says stacd made the kernel connection now there */
void stacd_ioc_claim(StacdIoc *self);
/* claimed, and the kernel connection it was claimed for did not go away since */
gboolean stacd_ioc_is_claimed(StacdIoc *self);
/* stacd made the connection (or will make it: none existed when it was taken on) */
gboolean stacd_ioc_is_owned(StacdIoc *self);
/* a replacement object (Q22) takes over ownership and the entry of old */
void stacd_ioc_inherit(StacdIoc *self, StacdIoc *old);

G_END_DECLS
