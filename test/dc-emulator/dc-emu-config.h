/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-config: what one nvme-dc-emu process is: where it listens, its
 * control socket, the discovery controller it plays (NQN, DCTYPE, PLEO
 * support, limits) and its initial entries.  read from a JSON config file
 * (README.md), then command-line options on top.
 *
 * plain struct, main thread only.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
	DCE_DCTYPE_NONE = 0, /* not reported (what the 6.1 nvmet says) */
	DCE_DCTYPE_DDC = 1,  /* direct discovery controller */
	DCE_DCTYPE_CDC = 2,  /* centralized discovery controller */
} DceDcType;

typedef struct {
	char *address; /* listen address, IPv4 or IPv6 literal */
	guint16 port;  /* 0: any free port (printed on the READY line) */
	char *control; /* control socket path, NULL for none */
	char *nqn;     /* subsystem NQN in Identify: unique or well-known */
	DceDcType dctype;
	gboolean pleo;	       /* Port Local Entries Only supported */
	gboolean lsp_ignore;   /* an unsupported LSP is ignored, not refused */
	guint8 mdts;	       /* max data transfer 4 KiB << mdts; 0 no limit */
	guint16 cntlid_base;   /* first controller ID given out */
	gboolean kato_enforce; /* drop an association silent for longer than its KATO */
	guint aer_limit;       /* outstanding AERs allowed per controller (AERL + 1) */
	char *serial;
	char *model;
	guint malform;	    /* DceMalform bits at start */
	GPtrArray *entries; /* DceEntry, the initial discovery log */
} DceConfig;

/* 127.0.0.1:8009, well-known NQN, cdc, PLEO on, mdts 5, cntlid from 1, KATO enforced */
DceConfig *dce_config_new(void);
void dce_config_free(DceConfig *cfg);

gboolean dce_dctype_from_name(const char *name, DceDcType *dctype);
const char *dce_dctype_name(DceDcType dctype);

/* apply the members of a config object (README.md); unknown keys are refused */
gboolean dce_config_apply_json(DceConfig *cfg, JsonObject *obj, GError **error);
gboolean dce_config_load_file(DceConfig *cfg, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DceConfig, dce_config_free)

G_END_DECLS
