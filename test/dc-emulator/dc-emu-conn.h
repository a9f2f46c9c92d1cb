/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-conn: the NVMe/TCP transport of the DC emulator: the listening
 * socket and one connection per host association.  a connection frames the
 * byte stream into PDUs (dc-emu-pdu), answers the ICReq, collects command
 * data (in-capsule, or H2CData after an R2T), hands each command to its
 * controller (dc-emu-admin) and sends C2HData and CapsuleResp PDUs back.
 * a protocol error ends the connection with a C2HTermReq.  while the state
 * is stalled every received PDU is dropped and nothing is sent.  a live
 * association silent for longer than its KATO is dropped, as a real
 * controller does (config kato-enforce).
 *
 * threading: main thread only; sockets are non-blocking GSocket sources.
 */
#pragma once

#include <glib.h>

#include "dc-emu-state.h"

G_BEGIN_DECLS

#define DCE_MAXH2CDATA (128 * 1024) /* ICResp MAXH2CDATA: largest write collected by R2T */
#define DCE_MAX_PDU    (DCE_MAXH2CDATA + 256)

typedef struct _DceServer DceServer;

/* listen on state->cfg->address:port; a port 0 is replaced by the one bound */
DceServer *dce_server_new(DceState *state, GError **error);
void dce_server_free(DceServer *srv);

/* close every host connection (the hosts see a dead DC and reconnect); how many */
guint dce_server_drop_connections(DceServer *srv);

/*
 * close the connections that lost PDUs while the state was stalled: their
 * host has timed those commands out, and a dropped ICReq would otherwise
 * hang its connect forever.  how many.
 */
guint dce_server_drop_stalled(DceServer *srv);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DceServer, dce_server_free)

G_END_DECLS
