/* SPDX-License-Identifier: Apache-2.0 */
/* an I/O controller of stacd: NCC handling, ownership (REFERENCE 5.9.5, SPEC B7) */
#include "config.h"

#include "stacd-ioc.h"

#include "stas/stas-dlpe.h"
#include "stas/stas-log.h"

struct _StacdIoc {
	StasController parent_instance;
	StacdOrigin origin;
	GHashTable *dlpe;    /* char* -> char*, or NULL */
	guint attempts_base; /* the base class' count when the NCC rule started again */
	char *preexisting;   /* the kernel controller that served the TID when taken on */
	gboolean claimed;    /* the last-known state says stacd made the connection */
	gboolean made_by_us; /* the current connection is not the preexisting one */
};

G_DEFINE_TYPE(StacdIoc, stacd_ioc, STAS_TYPE_CONTROLLER)

enum {
	SIGNAL_DEVICE_CHANGED,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

#define CTRL(self) STAS_CONTROLLER(self)
#define ID(self)   stas_controller_get_id(CTRL(self))
#define DEV(self)  stas_controller_get_device(CTRL(self))

const char *
stacd_origin_to_string(StacdOrigin origin)
{
	switch (origin) {
	case STACD_ORIGIN_CONFIGURED:
		return "configured";
	case STACD_ORIGIN_NBFT:
		return "nbft";
	case STACD_ORIGIN_DISCOVERED:
		return "discovered";
	case STACD_ORIGIN_AUDIT:
		return "audit";
	default:
		return "?";
	}
}

/* ---- the NCC rule ---------------------------------------------------- */

static int
attempts_on_ncc(StacdIoc *self)
{
	StasConf *conf = stas_ctrl_env_get_conf(stas_controller_get_env(CTRL(self)));

	return conf ? stas_conf_get_connect_attempts_on_ncc(conf) : 0;
}

guint
stacd_ioc_get_connect_attempts(StacdIoc *self)
{
	guint attempts;

	g_return_val_if_fail(STACD_IS_IOC(self), 0);
	attempts = stas_controller_get_connect_attempts(CTRL(self));
	return attempts >= self->attempts_base ? attempts - self->attempts_base : attempts;
}

gboolean
stacd_ioc_get_ncc(StacdIoc *self)
{
	g_return_val_if_fail(STACD_IS_IOC(self), FALSE);
	return self->dlpe != NULL && stas_dlpe_map_ncc(self->dlpe);
}

/* after a failed attempt: give up under NCC once the attempts are spent */
static gboolean
ioc_should_reconnect(StasController *ctrl)
{
	StacdIoc *self = STACD_IOC(ctrl);
	int limit = attempts_on_ncc(self);

	if (!stacd_ioc_get_ncc(self) || limit <= 0)
		return TRUE;
	if (stacd_ioc_get_connect_attempts(self) < (guint)limit)
		return TRUE;
	stas_ctrl_info(ID(self), DEV(self),
		       "NCC: giving up after %u connect attempts (connect-attempts-on-ncc=%d)",
		       stacd_ioc_get_connect_attempts(self), limit);
	return FALSE;
}

GHashTable *
stacd_ioc_get_dlpe(StacdIoc *self)
{
	g_return_val_if_fail(STACD_IS_IOC(self), NULL);
	return self->dlpe;
}

void
stacd_ioc_update_dlpe(StacdIoc *self, GHashTable *dlpe)
{
	gboolean old_ncc;

	g_return_if_fail(STACD_IS_IOC(self));

	old_ncc = stacd_ioc_get_ncc(self);
	if (dlpe)
		g_hash_table_ref(dlpe);
	g_clear_pointer(&self->dlpe, g_hash_table_unref);
	self->dlpe = dlpe;
	if (!old_ncc || stacd_ioc_get_ncc(self) || stas_controller_is_connected(CTRL(self)))
		return;
	/* NCC went away: a fresh count and an attempt now */
	stas_ctrl_debug(ID(self), DEV(self), "NCC cleared: connecting now");
	self->attempts_base = stas_controller_get_connect_attempts(CTRL(self));
	stas_controller_start(CTRL(self));
}

gboolean
stacd_ioc_is_idle(StacdIoc *self)
{
	StasController *ctrl;

	g_return_val_if_fail(STACD_IS_IOC(self), FALSE);
	ctrl = CTRL(self);
	return !stas_controller_is_connected(ctrl) && !stas_controller_is_connecting(ctrl) &&
	       !stas_controller_is_cancelled(ctrl) &&
	       !stas_timer_is_running(stas_controller_get_retry_timer(ctrl));
}

void
stacd_ioc_reload(StacdIoc *self)
{
	g_return_if_fail(STACD_IS_IOC(self));

	if (stacd_ioc_is_idle(self))
		stas_controller_start(CTRL(self));
}

/* ---- ownership ------------------------------------------------------- */

/* the kernel controller that serves the TID now, before stacd connects anything */
static void
refresh_preexisting(StacdIoc *self)
{
	StasCtrlEnv *env = stas_controller_get_env(CTRL(self));
	const char *dev = stas_udev_index_find_existing(
		stas_ctrl_env_get_udev(env), stas_controller_get_tid(CTRL(self)), STAS_TID_KIND_IOC,
		stas_ctrl_env_get_ifaces(env));

	g_free(self->preexisting);
	self->preexisting = g_strdup(dev);
}

void
stacd_ioc_claim(StacdIoc *self)
{
	g_return_if_fail(STACD_IS_IOC(self));
	self->claimed = TRUE;
}

gboolean
stacd_ioc_is_claimed(StacdIoc *self)
{
	g_return_val_if_fail(STACD_IS_IOC(self), FALSE);
	return self->claimed;
}

gboolean
stacd_ioc_is_owned(StacdIoc *self)
{
	g_return_val_if_fail(STACD_IS_IOC(self), FALSE);

	if (self->claimed)
		return TRUE;
	if (stas_controller_is_connected(CTRL(self)))
		return self->made_by_us;
	return self->preexisting == NULL;
}

void
stacd_ioc_inherit(StacdIoc *self, StacdIoc *old)
{
	g_return_if_fail(STACD_IS_IOC(self) && STACD_IS_IOC(old));

	self->claimed = stacd_ioc_is_owned(old);
	if (self->dlpe == NULL && old->dlpe)
		self->dlpe = g_hash_table_ref(old->dlpe);
}

StacdOrigin
stacd_ioc_get_origin(StacdIoc *self)
{
	g_return_val_if_fail(STACD_IS_IOC(self), STACD_ORIGIN_CONFIGURED);
	return self->origin;
}

void
stacd_ioc_set_origin(StacdIoc *self, StacdOrigin origin)
{
	g_return_if_fail(STACD_IS_IOC(self));
	self->origin = origin;
}

/* ---- controller hooks ------------------------------------------------ */

static void
ioc_on_connected(StasController *ctrl)
{
	StacdIoc *self = STACD_IOC(ctrl);
	const char *dev = DEV(self);

	self->made_by_us = self->preexisting == NULL || g_strcmp0(dev, self->preexisting) != 0;
	self->attempts_base = 0;
	g_signal_emit(self, signals[SIGNAL_DEVICE_CHANGED], 0);
}

static void
ioc_on_connect_failed(StasController *ctrl, const GError *error)
{
	refresh_preexisting(STACD_IOC(ctrl));
}

/* the kernel controller is gone: whatever replaces it is judged afresh */
static void
ioc_on_removed(StasController *ctrl)
{
	StacdIoc *self = STACD_IOC(ctrl);

	self->claimed = FALSE;
	self->made_by_us = FALSE;
	self->attempts_base = 0;
	refresh_preexisting(self);
	g_signal_emit(self, signals[SIGNAL_DEVICE_CHANGED], 0);
}

static void
ioc_add_info(StasController *ctrl, GHashTable *info)
{
	StacdIoc *self = STACD_IOC(ctrl);

	/* what the NCC rule counts: a revival starts again from 0 */
	g_hash_table_insert(info, g_strdup("connect attempts"),
			    g_strdup_printf("%u", stacd_ioc_get_connect_attempts(self)));
}

static void
ioc_add_details(StasController *ctrl, GHashTable *details)
{
	StacdIoc *self = STACD_IOC(ctrl);

	g_hash_table_insert(details, g_strdup("dlpe"),
			    self->dlpe ? stas_py_repr_dict(self->dlpe) : g_strdup("None"));
	g_hash_table_insert(details, g_strdup("dlpe.eflags.ncc"),
			    g_strdup(stas_py_bool(stacd_ioc_get_ncc(self))));
}

/* ---- GObject --------------------------------------------------------- */

StacdIoc *
stacd_ioc_new(StasCtrlEnv *env, StasTid *tid, StacdOrigin origin)
{
	StacdIoc *self;

	g_return_val_if_fail(env != NULL && tid != NULL, NULL);

	self = g_object_new(STACD_TYPE_IOC, "env", env, "tid", tid, NULL);
	self->origin = origin;
	return self;
}

static void
stacd_ioc_constructed(GObject *object)
{
	G_OBJECT_CLASS(stacd_ioc_parent_class)->constructed(object);
	refresh_preexisting(STACD_IOC(object));
}

static void
stacd_ioc_finalize(GObject *object)
{
	StacdIoc *self = STACD_IOC(object);

	g_clear_pointer(&self->dlpe, g_hash_table_unref);
	g_free(self->preexisting);
	G_OBJECT_CLASS(stacd_ioc_parent_class)->finalize(object);
}

static void
stacd_ioc_class_init(StacdIocClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	StasControllerClass *ctrl_class = STAS_CONTROLLER_CLASS(klass);

	object_class->constructed = stacd_ioc_constructed;
	object_class->finalize = stacd_ioc_finalize;
	ctrl_class->discovery = FALSE;
	ctrl_class->on_connected = ioc_on_connected;
	ctrl_class->on_connect_failed = ioc_on_connect_failed;
	ctrl_class->on_removed = ioc_on_removed;
	ctrl_class->should_reconnect = ioc_should_reconnect;
	ctrl_class->add_info = ioc_add_info;
	ctrl_class->add_details = ioc_add_details;

	/* the kernel controller appeared (connect, attach) or went away (remove) */
	signals[SIGNAL_DEVICE_CHANGED] =
		g_signal_new("device-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			     NULL, NULL, G_TYPE_NONE, 0);
}

static void
stacd_ioc_init(StacdIoc *self)
{
	self->origin = STACD_ORIGIN_CONFIGURED;
}
