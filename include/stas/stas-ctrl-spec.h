/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-ctrl-spec: the "key=value;key=value" strings of controller= and
 * exclude= (REFERENCE 2.8, 2.9), and exclusion matching against a TID.
 *
 * grammar: tokens split at ';' (whitespace around it dropped, empty tokens
 * skipped), each token split at its FIRST '=' (Q1: a DH-HMAC-CHAP secret
 * keeps its base64 '=' padding), key and value stripped, later duplicates
 * win, key "nqn" renamed "subsysnqn".  keys are case-sensitive.  problems
 * come back as warning strings without a location (the caller knows the
 * file:line); secrets are never quoted in them.
 *
 * pure functions, thread-safe.
 */
#pragma once

#include <glib.h>

#include "stas/stas-tid.h"

G_BEGIN_DECLS

/*
 * a new char* -> char* map.  warnings (may be NULL) gets one char* per
 * problem: token without '=', empty key, repeated key.
 */
GHashTable *stas_ctrl_spec_parse(const char *text, GPtrArray *warnings);

/*
 * exclude= entry: as above, and host-traddr is dropped (it does not take
 * part in exclusion, REFERENCE 2.9) with a warning.  Q2: a map that ends
 * up empty would exclude everything; the caller must ignore it.
 */
GHashTable *stas_ctrl_spec_parse_exclude(const char *text, GPtrArray *warnings);

/*
 * minimal match: every pair of exclude equals the same key of the TID
 * (identity fields, then cfg keys); a key the TID lacks never matches.
 * Q20: for tcp/rdma TIDs traddr and host-traddr compare as IP addresses
 * (IPv4 equals its mapped form) when both sides are IP literals, and fc
 * addresses ignore case.  an empty exclude map matches nothing (Q2).
 */
gboolean stas_ctrl_spec_excludes(GHashTable *exclude, const StasTid *tid);

/* TRUE if any map of excludes (a GPtrArray of GHashTable*) excludes tid */
gboolean stas_ctrl_spec_excluded(const GPtrArray *excludes, const StasTid *tid);

/* same keys with the same values (Q22: a changed controller= line) */
gboolean stas_ctrl_spec_map_equal(GHashTable *a, GHashTable *b);

G_END_DECLS
