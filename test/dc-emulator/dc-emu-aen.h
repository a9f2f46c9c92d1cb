/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-aen: the asynchronous event state of one controller of the DC
 * emulator, for the one event a DC raises: "discovery log page change"
 * (result 0x70f002).  it behaves like the kernel's nvmet: the event is
 * armed when the controller starts; sending it masks it, and only a Get
 * Log Page of the discovery log with RAE=0 arms it again.  a change while
 * no Asynchronous Event Request is outstanding is kept until one arrives;
 * changes while the event is masked are not reported (the host reads the
 * log anyway when it re-arms).  Async Event Configuration (feature 0Bh)
 * bit 31 switches the event off.
 *
 * plain struct, no I/O: owned by its DceCtrl (one thread).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DCE_AEN_DISC_CHANGE 0x70f002u /* log page 0x70, info 0xf0, type notice */
#define DCE_AEC_DISC_CHANGE (1u << 31)

typedef struct {
	gboolean masked;  /* sent, not yet re-armed by an RAE=0 read */
	gboolean pending; /* to send when the next AER arrives */
	guint32 aec;	  /* Async Event Configuration */
	guint limit;	  /* AERs the host may have outstanding (AERL + 1) */
	GArray *aers;	  /* guint16 command ids of the outstanding AERs, oldest first */

	/* counters a test can read */
	guint sent;	  /* events completed */
	guint suppressed; /* changes not reported: masked or switched off */
} DceAen;

typedef enum {
	DCE_AEN_SENT,	    /* completed an outstanding AER: *cid */
	DCE_AEN_QUEUED,	    /* no AER outstanding: sent when one arrives */
	DCE_AEN_SUPPRESSED, /* masked or switched off */
} DceAenNotify;

typedef enum {
	DCE_AER_COMPLETE, /* an event was pending: complete this AER now */
	DCE_AER_HELD,	  /* hold the AER until an event */
	DCE_AER_LIMIT,	  /* more AERs than the limit: Asynchronous Event Request Limit Exceeded */
} DceAenAer;

/* armed, nothing pending, event switched on */
void dce_aen_init(DceAen *a, guint limit);
void dce_aen_clear(DceAen *a);
/* a controller reset: AERs dropped, armed again, configuration kept */
void dce_aen_reset(DceAen *a);

/* the discovery log changed; force sends even when masked (not when switched off) */
DceAenNotify dce_aen_notify(DceAen *a, gboolean force, guint16 *cid);
/* an Asynchronous Event Request with command id cid */
DceAenAer dce_aen_request(DceAen *a, guint16 cid);
/* a Get Log Page of the discovery log: rae FALSE re-arms */
void dce_aen_log_read(DceAen *a, gboolean rae);

G_END_DECLS
