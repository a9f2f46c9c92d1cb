/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seam-double: an in-process stand-in for the kernel operations of the seam
 * (stas-nvme.h) for the controller tests.  it implements the blocking
 * functions (connect, attach, disconnect, DIM, supported log pages,
 * discovery log, sysfs reads) with programmable answers and a record of
 * every call; the pure helpers are the real ones (stas-nvme-common), so a
 * connect builds and checks its option string exactly like the real seam.
 *
 * the functions run on worker threads: everything here is behind one
 * mutex.  a test may hold an operation: its calls then block (in the
 * worker) until released, which is how "a connect in flight" is made.
 *
 * also: the small fixture every controller test needs (a manual clock, a
 * detached udev, an env with config and sys.conf) and a bounded wait on
 * the main context.
 */
#pragma once

#include "stas/stas-ctrl-env.h"
#include "stas/stas-error.h"
#include "stas/stas-nvme.h"

typedef enum {
	SEAM_CONNECT,
	SEAM_ATTACH,
	SEAM_DISCONNECT,
	SEAM_DIM,
	SEAM_SUPPORTED,
	SEAM_DLP,
	SEAM_SYSFS,
	SEAM_N_OPS,
} SeamOp;

typedef struct {
	SeamOp op;
	char *device;		       /* the device argument, or the device a connect made */
	StasNvmeConnectParams *params; /* connect, attach */
	char *options;		       /* connect: the option string the kernel would get */
	gboolean kernel_given;	       /* connect: a StasNvmeOptions was passed */
	guint8 lsp;		       /* discovery log */
	char *symname;		       /* DIM */
} SeamCall;

/* forget calls, answers and holds; connects make nvme1, nvme2, ... again */
void seam_double_reset(void);

/* the next call of op fails with this error (queued: one per call) */
void seam_double_fail(SeamOp op, StasErrorCode code, const char *message);

/* the sysfs attributes of the controllers the double knows (connected or attached) */
void seam_double_set_dctype(const char *dctype);
/* lid_support[0x70] of the supported log pages; answered FALSE: the DC has no such log */
void seam_double_set_supported(guint32 discovery_support, gboolean answered);
/* the raw discovery log every read returns (referenced); NULL: an empty log */
void seam_double_set_log(GBytes *log);

/* calls of op block (on their worker) until released */
void seam_double_hold(SeamOp op);
void seam_double_release(SeamOp op);
/* wait (bounded) until n calls of op have started; FALSE on timeout */
gboolean seam_double_wait_started(SeamOp op, guint n);

guint seam_double_count(SeamOp op);
/* a copy of call i of op (free with seam_call_free), NULL if there is none */
SeamCall *seam_double_get_call(SeamOp op, guint i);
void seam_call_free(SeamCall *call);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SeamCall, seam_call_free)

/* ---- log page builder ------------------------------------------------ */

/* a raw log: header (genctr, numrec) then one entry per call of dlp_add */
GByteArray *dlp_new(guint64 genctr);
void dlp_add(GByteArray *log, guint8 subtype, const char *traddr, const char *trsvcid,
	     const char *subnqn, guint16 eflags);
GBytes *dlp_finish(GByteArray *log);

/* ---- fixture --------------------------------------------------------- */

#define TEST_HOST_NQN "nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5"
#define TEST_HOST_ID  "3e518ec3-72ec-46a5-a603-2510e3140e29"
#define TEST_HOST_KEY "DHHC-1:00:ia6zGodOr4SEG0Zzaw398rpY0wqipUWj4jWjUh4HWUz6aQ2n:"
#define TEST_SYMNAME  "test host"
#define TEST_DC_NQN   "nqn.1988-11.com.dell:SFSS:2:20220208134025e8"
#define TEST_IO_NQN   "nqn.2014-08.org.nvmexpress:uuid:0000-io"

typedef struct {
	StasClock *clock; /* manual: timers fire only when a test advances it */
	StasUdev *udev;	  /* detached: events come from stas_udev_inject() */
	StasCtrlEnv *env;
	GPtrArray *tracked; /* GWeakRef*: objects that must be gone before the env goes */
} TestEnv;

/* conf_text: the daemon's config file (may be NULL); the TCP probe is off */
TestEnv *test_env_new(StasConfKind kind, const char *conf_text);
/* releases every hold and waits (bounded) until the tracked objects are finalized:
 * their jobs hold them, so no job of a test outlives it */
void test_env_free(TestEnv *t);
/* obj must be finalized before test_env_free() returns; returns obj */
gpointer test_env_track(TestEnv *t, gpointer obj);
/* replace the config (a reload) */
void test_env_set_conf(TestEnv *t, StasConfKind kind, const char *conf_text);

/* a TID from "key=value;key=value" */
StasTid *test_tid(StasTidKind kind, const char *spec);

/* iterate the default main context until cond(data) holds, at most 5 s */
gboolean test_wait_until(gboolean (*cond)(gpointer data), gpointer data);
/* iterate until nothing is left to dispatch right now (bounded) */
void test_drain(void);
/* inject a uevent: props is "KEY=VALUE" list, NULL-terminated (may be NULL) */
void test_uevent(TestEnv *t, const char *action, const char *device, const char *const *props);

/* stdout captured to a string while a test runs */
void test_capture_start(void);
char *test_capture_end(void);
