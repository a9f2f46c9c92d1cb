/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stasadm: the host identity tool (REFERENCE 4.4): hostnqn, hostid,
 * set-symname, clear-symname, each saved in sys.conf's [Host] section
 * (edited in place, Q19) and, with -f FILE, in FILE, sys.conf then
 * pointing at it ("file://FILE").
 *
 * exit status: 0 done; 1 no command (usage printed) or a failure (its
 * message on stderr, e.g. "Permission denied. Root privileges required."
 * when the host NQN source needs root); 2 a usage error.
 *
 * stasadm_run() is the whole program with its surroundings as parameters,
 * so tests can run it in-process.
 */
#pragma once

#include <stdio.h>

#include "stas/stas-hostid.h"

G_BEGIN_DECLS

typedef struct {
	const StasHostIdPaths *hostid_paths; /* where the host NQN comes from */
	FILE *out;
	FILE *err;
} StasadmEnv;

int stasadm_run(const StasadmEnv *env, int argc, char **argv);

G_END_DECLS
