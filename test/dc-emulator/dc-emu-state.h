/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-state: what all associations of one DC emulator share: the
 * configuration, the discovery log entries and their generation counter,
 * the malformed modes, the stall switch, the DIM registrations, and the
 * list of live controllers that a log change notifies.
 *
 * threading: main thread only (one GLib main loop runs the whole emulator).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "dc-emu-config.h"
#include "dc-emu-dim.h"

G_BEGIN_DECLS

typedef struct _DceCtrl DceCtrl;

/* one host registered by DIM, keyed by its host NQN (the DIM's EID) */
typedef struct {
	char *hostnqn; /* EID */
	char *hostid;  /* host ID attribute, or NULL */
	char *symname; /* symbolic name attribute, or NULL */
	char *ename;   /* entity name (libnvme: the host name) */
	char *ever;    /* entity version */
	char *traddr;  /* of the entry; the connection's source address when it is empty */
	guint8 trtype;
	guint8 adrfam;
	guint16 etype;
	guint8 tas;	/* the last task: register or update */
	guint16 cntlid; /* of the association that sent it */
	char *connect_hostnqn;
	char *connect_hostid;
	guint count; /* DIM commands received for this host */
} DceRegistration;

void dce_registration_free(DceRegistration *r);
JsonObject *dce_registration_to_json(const DceRegistration *r);

typedef struct {
	DceConfig *cfg;		  /* owned; pleo and dctype may change at run time */
	GPtrArray *entries;	  /* DceEntry */
	guint64 genctr;		  /* discovery log generation counter */
	guint malform;		  /* DceMalform bits */
	gboolean stalled;	  /* nothing is answered */
	GPtrArray *registrations; /* DceRegistration */
	GPtrArray *ctrls;	  /* DceCtrl, not owned: each adds and removes itself */
	guint16 next_cntlid;
	guint dim_count;
} DceState;

/* takes cfg; the initial entries and malformed modes come from it */
DceState *dce_state_new(DceConfig *cfg);
void dce_state_free(DceState *s);

/* a controller ID for a new association: cntlid-base upwards, within 1..0xffef */
guint16 dce_state_alloc_cntlid(DceState *s);

/*
 * the entries changed (the caller edited s->entries): genctr moves on and
 * every live controller is told (an AEN, dc-emu-aen.h).  returns how many
 * controllers sent or queued the event.
 */
guint dce_state_log_changed(DceState *s);
/* an event to every live controller without a change; force: even if masked */
guint dce_state_fire_aen(DceState *s, gboolean force);

/* the discovery log as a Get Log Page reads it now (genctr-churn moves genctr first) */
GBytes *dce_state_discovery_log(DceState *s, gboolean pleo_only);

/* a DIM task from the association ctrl; dim was parsed by dce_dim_parse */
void dce_state_dim(DceState *s, DceCtrl *ctrl, guint8 tas, const DceDim *dim);

JsonObject *dce_state_status(DceState *s);
JsonArray *dce_state_registrations_json(DceState *s);
JsonArray *dce_state_entries_json(DceState *s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DceState, dce_state_free)

G_END_DECLS
