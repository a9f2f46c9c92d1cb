/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-match: does an existing kernel controller serve a candidate TID?
 *
 * owns the view of one kernel nvme controller (StasExistingCtrl: uevent
 * properties and sysfs attributes, REFERENCE 5.4), its DC/IOC
 * classification (Q26), the matching rules of 5.4 and the TID under which
 * an audit adopts an existing IOC.  no sysfs or udev access here: callers
 * hand in plain attribute maps, so everything is a pure function over
 * immutable values and thread-safe.
 */
#pragma once

#include <glib.h>

#include "stas/stas-iface-table.h"
#include "stas/stas-tid.h"

G_BEGIN_DECLS

/* an existing controller; every string non-NULL, "" when missing or "none" */
typedef struct {
	char *transport;       /* uevent NVME_TRTYPE */
	char *traddr;	       /* NVME_TRADDR */
	char *trsvcid;	       /* NVME_TRSVCID */
	char *host_traddr;     /* NVME_HOST_TRADDR */
	char *host_iface;      /* NVME_HOST_IFACE */
	char *subsysnqn;       /* sysfs subsysnqn */
	char *src_addr;	       /* src_addr= of sysfs address (kernel >= 6.1) */
	char *host_nqn;	       /* sysfs hostnqn */
	char *cntrltype;       /* sysfs cntrltype (kernel >= 5.18) */
	gboolean has_children; /* the controller has namespaces */
} StasExistingCtrl;

/*
 * build from the device's uevent properties (NVME_TRTYPE, NVME_TRADDR,
 * NVME_TRSVCID, NVME_HOST_TRADDR, NVME_HOST_IFACE) and raw sysfs attribute
 * contents (subsysnqn, hostnqn, address, cntrltype), both char* -> char*,
 * either may be NULL.  attribute values are stripped of surrounding
 * whitespace; a value "none" (any case) counts as missing.
 */
StasExistingCtrl *stas_existing_ctrl_new(GHashTable *props, GHashTable *attrs,
					 gboolean has_children);
void stas_existing_ctrl_free(StasExistingCtrl *ctrl);

/*
 * classification (Q26): a cntrltype of io, discovery or admin decides
 * alone.  without one (old kernel, or "reserved" from a pre-1.4
 * controller): the well-known discovery NQN means DC, else namespaces mean
 * IOC and none mean DC.  so a controller is at most one of the two.
 */
gboolean stas_existing_ctrl_is_dc(const StasExistingCtrl *ctrl);
gboolean stas_existing_ctrl_is_ioc(const StasExistingCtrl *ctrl);

/*
 * the matching function of REFERENCE 5.4 (rules 1-7 and the legacy tcp
 * rule for kernels without src_addr).  ifaces resolves interfaces of
 * addresses and primary addresses; NULL acts as an empty table.  only
 * fabrics transports (tcp, rdma, fc, loop) ever match.  why, when not
 * NULL, receives a static phrase naming the deciding rule (for trace logs).
 */
gboolean stas_match_tid(const StasTid *tid, const StasExistingCtrl *ctrl,
			const StasIfaceTable *ifaces, const char **why);

/*
 * the TID of an existing controller as an audit adopts it (5.4 "IOC
 * enumeration for audits"): kind IOC, host-nqn from sysfs, src-addr as an
 * extra key, and for tcp an empty host-iface replaced by the interface
 * that owns src-addr.  callers pick which controllers (is_ioc, trtypes).
 */
StasTid *stas_existing_ctrl_to_tid(const StasExistingCtrl *ctrl, const StasIfaceTable *ifaces,
				   gboolean ignore_iface);

/*
 * the sysfs address attribute, "traddr=...,trsvcid=...,host_traddr=...,
 * src_addr=..." as a new char* -> char* table.  surrounding whitespace is
 * stripped; each comma-separated token splits at its first '='; tokens
 * without '=' or with an empty key are skipped; the first of repeated keys
 * wins.  never fails: NULL or garbage gives an empty table.
 */
GHashTable *stas_match_parse_address_attr(const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasExistingCtrl, stas_existing_ctrl_free)

G_END_DECLS
