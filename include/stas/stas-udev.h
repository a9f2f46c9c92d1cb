/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-udev: the daemons' uevent monitor and the index of existing nvme
 * controllers (REFERENCE 5.3, 5.4, 5.18, 5.19; SPEC section 2 and B5).
 *
 * a StasUdev owns one libudev netlink monitor filtered on subsystem
 * "nvme", watched at G_PRIORITY_HIGH on the thread-default main context of
 * the thread that created it.  each wakeup drains every queued event
 * (upstream lost "remove" events past 150 connections with one read per
 * wakeup).  events become immutable StasUevent values, queued, and handed
 * to callbacks from an idle source, never from inside the fd callback or
 * stas_udev_inject().
 *
 * dispatch uses explicit registration functions, not GObject signals:
 * a device name has exactly one callback (re-registration replaces) and
 * unregistration is by callback identity (func, user_data), which signal
 * handlers do not model.  callbacks are looked up when an event is
 * dispatched, so a callback unregistered before that point is not called.
 * per event: index update, then the action callbacks in registration
 * order, then the device callback.
 *
 * the index (device name -> StasExistingCtrl) is kept current from the
 * add/change/remove events it dispatches.  sysfs is read by the caller's
 * attribute reader (the kernel seam), never by this module.
 *
 * threading: a StasUdev and its values are used from the thread that
 * created it; StasUevent values are immutable and may be shared.
 */
#pragma once

#include <glib-object.h>

#include "stas/stas-match.h"
#include "stas/stas-tid.h"

G_BEGIN_DECLS

/* one uevent: action, device name ("nvme3") and its properties */
typedef struct _StasUevent StasUevent;

/* props: char* -> char*, copied (at most 128 properties are kept: a kernel uevent has a
 * dozen); may be NULL.  seqnum is taken from SEQNUM if present */
StasUevent *stas_uevent_new(const char *action, const char *sysname, GHashTable *props);
/* from a NULL-terminated "KEY=VALUE" list (the kernel's uevent format); items without '=' are
 * skipped, the value is everything after the first '=' */
StasUevent *stas_uevent_new_from_envp(const char *action, const char *sysname,
				      const char *const *envp);
StasUevent *stas_uevent_ref(StasUevent *event);
void stas_uevent_unref(StasUevent *event);

const char *stas_uevent_get_action(const StasUevent *event);
const char *stas_uevent_get_sysname(const StasUevent *event);
guint64 stas_uevent_get_seqnum(const StasUevent *event);
/* raw value (no "none" mapping), or NULL if absent */
const char *stas_uevent_get_property(const StasUevent *event, const char *key);
/* all properties, read-only */
GHashTable *stas_uevent_get_properties(const StasUevent *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasUevent, stas_uevent_unref)

#define STAS_TYPE_UDEV (stas_udev_get_type())
G_DECLARE_FINAL_TYPE(StasUdev, stas_udev, STAS, UDEV, GObject)

/* the netlink monitor; NULL with error if libudev cannot give one */
StasUdev *stas_udev_new(GError **error);

/* no monitor at all: events only come from stas_udev_inject() (tests, fake kernel) */
StasUdev *stas_udev_new_detached(void);

/*
 * the monitor replaced by a caller-supplied source: fd is watched like the
 * netlink socket and receive() is called until it reports nothing left.
 * receive returns a new event, or NULL with *err: EAGAIN when nothing is
 * left, 0 when a message was read but dropped, any other errno on a read
 * error.  fd stays owned by the caller and must outlive the StasUdev.
 */
typedef StasUevent *(*StasUdevReceiveFunc)(gpointer user_data, int *err);
StasUdev *stas_udev_new_with_receiver(int fd, StasUdevReceiveFunc receive, gpointer user_data);

/* queue an event on the dispatch path, exactly as if the monitor had read it */
void stas_udev_inject(StasUdev *udev, StasUevent *event);

/* event callbacks.  the event is valid for the call; take a ref to keep it */
typedef void (*StasUdevFunc)(StasUdev *udev, StasUevent *event, gpointer user_data);

/* several callbacks per action ("add", "remove", "change", ...); registering the same
 * (func, user_data) twice for one action is a no-op */
void stas_udev_register_action(StasUdev *udev, const char *action, StasUdevFunc func,
			       gpointer user_data);
/* action NULL: from every action */
void stas_udev_unregister_action(StasUdev *udev, const char *action, StasUdevFunc func,
				 gpointer user_data);
gboolean stas_udev_is_action_registered(StasUdev *udev, const char *action, StasUdevFunc func,
					gpointer user_data);

/* one callback per device name: registering again replaces; "" is ignored */
void stas_udev_register_device(StasUdev *udev, const char *sysname, StasUdevFunc func,
			       gpointer user_data);
/* removes the registration of sysname if it is (func, user_data).  sysname NULL: every
 * registration of (func, user_data), which walks all of them: pass the name on hot paths */
void stas_udev_unregister_device(StasUdev *udev, const char *sysname, StasUdevFunc func,
				 gpointer user_data);

/* counters: events read or injected, monitor read errors (ENOBUFS etc.) */
guint64 stas_udev_get_n_events(StasUdev *udev);
guint64 stas_udev_get_n_receive_errors(StasUdev *udev);

/*
 * the index of existing controllers: device name -> StasExistingCtrl
 * (stas-match.h), built from the uevent properties NVME_TRTYPE,
 * NVME_TRADDR, NVME_TRSVCID, NVME_HOST_TRADDR, NVME_HOST_IFACE and the
 * sysfs attributes subsysnqn, hostnqn, address, cntrltype plus "has
 * namespaces", all handed in by the caller.
 *
 * attribute data comes as one char* -> char* map per device: NVME_* keys
 * are uevent properties, the rest sysfs attributes; a missing NVME_* key
 * is taken from the sysfs "transport" and "address" (traddr, trsvcid,
 * host_traddr, host_iface) attributes, which hold the same values.
 *
 * events: "add" reads the device with the attribute reader, then lays the
 * event's NVME_* properties over it; "change" updates the NVME_*
 * properties and keeps the rest, but reads the device again when it was
 * unknown (its add was missed) or with NVME_EVENT=connected (a reconnect
 * may change the source address); "remove" drops the entry.  the index is
 * updated before the event's callbacks run.
 */

/* returns a new map (or a new reference) of sysname's attributes and sets *has_children
 * (namespaces), or NULL if the device is gone.  called on the main context, one device at
 * a time */
typedef GHashTable *(*StasUdevAttrReader)(const char *sysname, gboolean *has_children,
					  gpointer user_data);
void stas_udev_set_attr_reader(StasUdev *udev, StasUdevAttrReader reader, gpointer user_data,
			       GDestroyNotify destroy);

/* initial population: read each name with the attribute reader */
void stas_udev_index_populate(StasUdev *udev, const char *const *sysnames);
/* add or replace one entry from an attribute map as the reader returns it (copied) */
void stas_udev_index_set(StasUdev *udev, const char *sysname, GHashTable *data,
			 gboolean has_children);
void stas_udev_index_remove(StasUdev *udev, const char *sysname);

/* the controller named sysname, or NULL.  borrowed: valid until the index changes */
const StasExistingCtrl *stas_udev_index_lookup(StasUdev *udev, const char *sysname);
guint stas_udev_index_size(StasUdev *udev);

/* every entry, in no particular order (audits); the index must not change meanwhile */
typedef void (*StasUdevIndexFunc)(const char *sysname, const StasExistingCtrl *ctrl,
				  gpointer user_data);
void stas_udev_index_foreach(StasUdev *udev, StasUdevIndexFunc func, gpointer user_data);

/*
 * candidates for an existing-connection match: the controllers with this
 * transport and trsvcid (exact) and traddr (as an IP address for tcp and
 * rdma, IPv4-mapped IPv6 = IPv4; case-insensitive otherwise).  one hash
 * lookup: O(1) in the number of controllers (B5).  a new array of device
 * names, by instance number.
 */
GPtrArray *stas_udev_index_candidates(StasUdev *udev, const char *transport, const char *traddr,
				      const char *trsvcid);

/* the first candidate for tid (by instance number) that pred accepts, or NULL; borrowed.
 * pred must not change the index */
typedef gboolean (*StasUdevCtrlPredicate)(const StasTid *tid, const char *sysname,
					  const StasExistingCtrl *ctrl, gpointer user_data);
const char *stas_udev_index_find(StasUdev *udev, const StasTid *tid, StasUdevCtrlPredicate pred,
				 gpointer user_data);

/* REFERENCE 5.4: the first candidate of the kind (is_dc / is_ioc) that stas_match_tid()
 * accepts, or NULL; borrowed.  ifaces as for stas_match_tid() */
const char *stas_udev_index_find_existing(StasUdev *udev, const StasTid *tid, StasTidKind kind,
					  const StasIfaceTable *ifaces);

G_END_DECLS
