/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-state: the last-known state of a daemon (REFERENCE 5.12), kept in
 * $RUNTIME_DIRECTORY/last-known-config.json across restarts of the
 * service so that stafd brings back its DCs with their cached log pages
 * and origin (stacd sees no gap, B2) and stacd knows which connections it
 * owns.  our own JSON format, version 1:
 *
 *   {"version": 1, "controllers": [
 *     {"tid": {"transport": "tcp", "traddr": "10.0.0.1", "trsvcid": "8009",
 *              "subsysnqn": "nqn...", "host-traddr": "", "host-iface": "",
 *              "host-nqn": "nqn...", "kato": "30"},
 *      "device": "nvme0", "origin": "configured",
 *      "log-pages": [{"trtype": 3, "adrfam": 1, "subtype": 2, "treq": 0,
 *                     "portid": 1, "cntlid": 65535, "asqsz": 32, "eflags": 0,
 *                     "trsvcid": "4420", "subnqn": "nqn...",
 *                     "traddr": "10.0.0.2", "tsas": "000000"}]}]}
 *
 * "device", "origin" and "log-pages" are optional.  the tid is the
 * dictionary form WITHOUT the DH-HMAC-CHAP secrets (B3): they come from
 * the configuration, so a daemon takes the cfg keys of a loaded TID from
 * the equal configured TID when there is one.  on load TIDs are rebuilt
 * with the daemon's StasTidDefaults, so ignore-iface is re-applied
 * (REFERENCE 5.2).  entries are stored as their typed fields (tsas: the 3
 * bytes in hex) and rebuilt with stas_dlpe_new_from_fields.
 *
 * the file is untrusted (SPEC 5).  load refuses, with a GError, a path that
 * is missing (STAS_ERROR_NOT_FOUND: the normal first start), a symlink, not
 * a regular file, not owned by the effective uid, writable by group or
 * others, larger than STAS_STATE_MAX_FILE_SIZE, nested deeper than
 * STAS_STATE_MAX_DEPTH, with too many JSON values, not JSON, or of another
 * version (a file readable by others is loaded, with a diagnostic: it
 * holds no secrets, and the next save makes it 0600).  in a readable
 * file, each bad controller or log page entry is skipped with a
 * diagnostic naming the file and the JSON path (e.g.
 * "controllers[3].log-pages[7].traddr"); the rest is kept.  a bad field
 * skips its whole record; secret keys in a tid are ignored; a TID seen
 * twice keeps the first.  nothing here logs.
 *
 * save writes a temporary file (0600, O_EXCL) in the same directory,
 * fsyncs and renames it over the path: readers see the old or the new
 * content, never a part, and a symlink at the path is replaced, not
 * followed.  the directory is created 0700 when missing (not its
 * parents).  a process that lowers RLIMIT_FSIZE should ignore SIGXFSZ so a
 * too large write is an error, not death.
 *
 * threading: a StasState is built by one thread, then read-only; load and
 * save do blocking I/O on the files named and share nothing: they may run
 * in a worker thread.
 */
#pragma once

#include <glib.h>

#include "stas/stas-dlpe.h"
#include "stas/stas-tid.h"

G_BEGIN_DECLS

#define STAS_STATE_FILE_NAME "last-known-config.json"
#define STAS_STATE_VERSION   1

/* bounds on what load accepts */
#define STAS_STATE_MAX_FILE_SIZE   (64 * 1024 * 1024)
#define STAS_STATE_MAX_DEPTH	   8	   /* nesting of arrays/objects; the format uses 5 */
#define STAS_STATE_MAX_VALUES	   4000000 /* JSON values: bounds parser memory */
#define STAS_STATE_MAX_CONTAINERS  1000000 /* arrays + objects among them */
#define STAS_STATE_MAX_CONTROLLERS 100000
#define STAS_STATE_MAX_ENTRIES	   STAS_DLP_MAX_RECORDS /* log page entries per controller */

/* where a DC came from (stafd, REFERENCE 5.8); NONE: not a DC or not said */
typedef enum {
	STAS_ORIGIN_NONE,
	STAS_ORIGIN_CONFIGURED,
	STAS_ORIGIN_DISCOVERED,
	STAS_ORIGIN_REFERRAL,
} StasOrigin;

/* "configured", "discovered", "referral"; NULL for NONE or out of range */
const char *stas_origin_to_string(StasOrigin origin);
/* the reverse; FALSE (origin untouched) for anything else */
gboolean stas_origin_from_string(const char *s, StasOrigin *origin);

typedef struct {
	/* read-only */
	StasTid *tid;
	char *device; /* kernel device last seen ("nvme3"), or NULL */
	StasOrigin origin;
	GPtrArray *log_pages; /* StasDlpe*, the cached entries; NULL: none kept (IOC) */
} StasStateController;

typedef struct {
	/* read-only once built */
	GPtrArray *controllers; /* StasStateController*, in file order */
	GPtrArray *diagnostics; /* char*, what load skipped and why; empty when built */
} StasState;

StasState *stas_state_new(void);
void stas_state_free(StasState *state);

/*
 * add a controller: tid and the entries of log_pages are referenced (the
 * array itself is copied, so the caller may change it later).  device may
 * be NULL or ""; log_pages may be NULL.
 */
void stas_state_add(StasState *state, StasTid *tid, const char *device, StasOrigin origin,
		    GPtrArray *log_pages);

/*
 * the path of the state file: <runtime_directory>/last-known-config.json,
 * the first one when systemd passed several (':'-separated), else
 * /run/<program>/last-known-config.json.  runtime_directory is the
 * daemon's $RUNTIME_DIRECTORY (may be NULL).  newly allocated.
 */
char *stas_state_path(const char *runtime_directory, const char *program);

/*
 * the JSON text of a state (without secrets).  fails if it would be larger
 * than STAS_STATE_MAX_FILE_SIZE (load would refuse it).
 */
GBytes *stas_state_to_json(const StasState *state, GError **error);

/*
 * a state from JSON text of len bytes (need not be NUL-terminated).
 * source names the text in diagnostics and errors (e.g. the path).  fails
 * only when the text as a whole is unusable; bad records are skipped into
 * diagnostics.  defaults rebuild the TIDs (its kind says DC or IOC).
 */
StasState *stas_state_from_json(const char *data, gsize len, const char *source,
				const StasTidDefaults *defaults, GError **error);

/* write atomically, mode 0600; on failure the old file is left as it was */
gboolean stas_state_save(const StasState *state, const char *path, GError **error);

/*
 * read the file (see the checks above).  a missing file is
 * STAS_ERROR_NOT_FOUND; every other error means the file is unusable and
 * the daemon starts empty.
 */
StasState *stas_state_load(const char *path, const StasTidDefaults *defaults, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasState, stas_state_free)

G_END_DECLS
