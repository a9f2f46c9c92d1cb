/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake-kernel-state: what fake-kerneld knows: the targets a test declared
 * (discovery controllers, I/O subsystems, dead addresses), the host's
 * controllers nvme<N>, the records tests check (connect strings, DIM
 * registrations) and the uevent subscribers.
 *
 * threading: one FkKernel is shared by every connection thread.  k->lock
 * guards all of it; functions marked "locked" expect it held.  connects
 * also take k->fabrics_lock for their whole duration, as the kernel's
 * nvmf_dev_mutex: a connect that stalls or waits on a dead address holds
 * up every other connect, exactly the effect SPEC B4 is about.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "fake-kernel-options.h"

G_BEGIN_DECLS

#define FK_AEN_DISC_CHANGED	   "0x70f002"
#define FK_STATUS_INVALID_FIELD	   0x4002 /* Invalid Field in Command, DNR */
#define FK_STATUS_INVALID_LOG_PAGE 0x4109 /* Invalid Log Page, DNR */

typedef enum {
	FK_TARGET_DC,
	FK_TARGET_IO,
	FK_TARGET_DEAD,
} FkTargetKind;

typedef struct {
	char *name;
	FkTargetKind kind;
	char *transport;
	char *traddr;
	char *trsvcid; /* a dead target without one is dead on every port */
	char *nqn;
	char *model;
	char *serial;
	char *firmware;

	/* discovery controllers */
	char *dctype; /* none, ddc, cdc */
	gboolean pleo;
	gboolean slp_unsupported; /* Get Log Page 0 fails, as nvmet's DCs do */
	GByteArray *entries;	  /* numrec * 1024 bytes, wire format */
	GArray *port_local;	  /* gboolean per entry: kept by a PLEO read */
	guint64 genctr;

	/* I/O subsystems */
	guint namespaces;
	GStrv allowed_hosts; /* NULL: every host */

	/* dead addresses */
	guint delay_ms;
	int dead_errno;

	/* test controls */
	gboolean stalled; /* operations wait until released */
	gint64 numrec;	  /* >= 0: the log header claims this many records (a lying DC) */
	guint n_waiting;  /* operations stalled, or connects in a dead delay, now */
	GHashTable *fail; /* op name -> errno */
	guint dim_status; /* DIM completes with this NVMe status */
	guint dim_result;
	char *dim_text;

	guint next_cntlid;
	guint log_reads; /* reads that ended with RAE=0 */
	guint pleo_reads;
	guint aens;
} FkTarget;

typedef struct {
	int instance;
	char *device;
	char *target;  /* the name of the target it is connected to */
	char *options; /* as written to /dev/nvme-fabrics */
	FkOptions *opts;
	char *subsysnqn; /* the target's, as Identify would report it */
	char *cntrltype;
	char *dctype;
	char *model;
	char *serial;
	char *firmware;
	char *src_addr; /* "" when unknown */
	char *state;
	gboolean has_namespaces;
	guint cntlid;
	int kato;
	gboolean aen_armed; /* a discovery log change raises an AEN */
} FkCtrl;

typedef struct {
	GMutex lock;
	GMutex fabrics_lock;
	GCond cond; /* broadcast when a stall is released or a target goes */

	GPtrArray *targets;	/* FkTarget */
	GPtrArray *ctrls;	/* FkCtrl by instance; NULL = free instance */
	GPtrArray *connects;	/* JsonObject: every connect string written */
	GPtrArray *dims;	/* JsonObject: every DIM registration */
	GPtrArray *subscribers; /* GAsyncQueue of uevent lines */
	GHashTable *stats;	/* op -> number of requests */
	guint n_declared;	/* names targets "dc<N>", "io<N>", "dead<N>" */
	guint64 seqnum;

	char *fabrics_template; /* first line of /dev/nvme-fabrics */
	int fabrics_errno;	/* reading it fails with this (0: readable) */
	int subscribe_errno;	/* a uevent subscription fails with this (0: accepted) */
	char *default_hostnqn;
	char *default_hostid;
} FkKernel;

FkKernel *fk_kernel_new(void);

/* ---- targets (locked) ---- */

/* a target from its declaration; NULL with errno and *msg */
FkTarget *fk_target_new_from_json(FkKernel *k, FkTargetKind kind, JsonObject *decl, int *err,
				  char **msg);
void fk_target_free(FkTarget *t);
FkTarget *fk_kernel_target(FkKernel *k, const char *name);
JsonObject *fk_target_to_json(const FkTarget *t);

/* replace a DC's entries (JSON array, README.md); FALSE with *msg on a bad entry */
gboolean fk_target_set_entries(FkTarget *t, JsonArray *entries, char **msg);
/* len bytes of the discovery log at offset, as the DC serves it for lsp; zeros past its end */
void fk_target_log_read(const FkTarget *t, guint8 lsp, guint64 offset, guint8 *buf, gsize len);

/*
 * the log changed: genctr + 1 and an AEN on every controller of the DC that
 * is armed (and disarm it until a read ends with RAE=0, as nvmet does)
 */
void fk_kernel_dc_changed(FkKernel *k, FkTarget *t);

/*
 * wait while the target is stalled.  FALSE if it was removed meanwhile.
 * *t is looked up again after the wait.  locked; drops the lock while waiting.
 */
gboolean fk_kernel_wait_stall(FkKernel *k, FkTarget **t);

/* the errno a test set for op on t, 0 if none */
int fk_target_fail(const FkTarget *t, const char *op);

/* ---- controllers ---- */

/* write options to /dev/nvme-fabrics: 0 and *reply, or errno with *dmesg.  not locked */
int fk_kernel_connect(FkKernel *k, const char *options, char **reply, char **dmesg);
/* delete a controller: remove uevent, instance freed.  locked */
gboolean fk_kernel_disconnect(FkKernel *k, const char *device);
/* locked */
FkCtrl *fk_kernel_ctrl(FkKernel *k, const char *device);
/* the sysfs attributes, raw as the kernel shows them (and, with full, fake-kernel state) */
JsonObject *fk_ctrl_to_json(const FkCtrl *c, gboolean full);

/* ---- uevents (locked) ---- */

/*
 * send a uevent for sysname to every subscriber: the udev properties of an
 * nvme device, the controller's NVME_* properties if it exists, then extra
 * (char* -> char*, may be NULL)
 */
void fk_kernel_emit(FkKernel *k, const char *action, const char *sysname, GHashTable *extra);
GAsyncQueue *fk_kernel_subscribe(FkKernel *k);
void fk_kernel_unsubscribe(FkKernel *k, GAsyncQueue *queue);
/* end every subscription: no uevent reaches its queue any more (a broken monitor) */
void fk_kernel_unsubscribe_all(FkKernel *k);
/* FALSE once the subscription of queue was ended */
gboolean fk_kernel_is_subscribed(FkKernel *k, GAsyncQueue *queue);

G_END_DECLS
