/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib-unix.h>
#include <libudev.h>

#include "stas/stas-error.h"
#include "stas/stas-iputil.h"
#include "stas/stas-udev.h"

/* like udevd: room for a storm of thousands of events between two wakeups */
#define RCVBUF_SIZE (128 * 1024 * 1024)
/* events handed to callbacks per idle dispatch, so one storm does not freeze the loop */
#define DISPATCH_BATCH 64
/* safety net against a livelocked read loop; what is left is read on the next wakeup */
#define DRAIN_MAX	      65536
#define ERRORS_PER_WAKEUP_MAX 16
#define ERROR_LOG_INTERVAL_US (2 * G_USEC_PER_SEC)
/* a kernel uevent is at most 2 KiB; this bounds what a forged one can cost */
#define PROPS_MAX 128

/* the uevent properties kept in the index (REFERENCE 5.4) */
static const char *const nvme_props[] = {
	"NVME_TRTYPE", "NVME_TRADDR", "NVME_TRSVCID", "NVME_HOST_TRADDR", "NVME_HOST_IFACE",
};

/* ---- events ---------------------------------------------------------- */

struct _StasUevent {
	char *action;
	char *sysname;
	guint64 seqnum;
	GHashTable *props;
	gint ref;
};

static StasUevent *
uevent_alloc(const char *action, const char *sysname)
{
	StasUevent *ev = g_new0(StasUevent, 1);

	ev->ref = 1;
	ev->action = g_strdup(action);
	ev->sysname = g_strdup(sysname);
	ev->props = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return ev;
}

static void
uevent_add_prop(StasUevent *ev, const char *key, const char *value)
{
	if (!key || g_hash_table_size(ev->props) >= PROPS_MAX)
		return;
	g_hash_table_insert(ev->props, g_strdup(key), g_strdup(value ? value : ""));
}

static StasUevent *
uevent_finish(StasUevent *ev)
{
	const char *seq = g_hash_table_lookup(ev->props, "SEQNUM");
	guint64 n;

	if (seq && g_ascii_string_to_unsigned(seq, 10, 0, G_MAXUINT64, &n, NULL))
		ev->seqnum = n;
	return ev;
}

StasUevent *
stas_uevent_new(const char *action, const char *sysname, GHashTable *props)
{
	StasUevent *ev;
	GHashTableIter iter;
	gpointer k, v;

	g_return_val_if_fail(action != NULL && sysname != NULL, NULL);

	ev = uevent_alloc(action, sysname);
	if (props) {
		g_hash_table_iter_init(&iter, props);
		while (g_hash_table_iter_next(&iter, &k, &v))
			uevent_add_prop(ev, k, v);
	}
	return uevent_finish(ev);
}

StasUevent *
stas_uevent_new_from_envp(const char *action, const char *sysname, const char *const *envp)
{
	StasUevent *ev;

	g_return_val_if_fail(action != NULL && sysname != NULL, NULL);

	ev = uevent_alloc(action, sysname);
	for (gsize i = 0; envp && envp[i]; i++) {
		const char *eq = strchr(envp[i], '=');
		g_autofree char *key = NULL;

		if (!eq || eq == envp[i])
			continue;
		key = g_strndup(envp[i], eq - envp[i]);
		uevent_add_prop(ev, key, eq + 1);
	}
	return uevent_finish(ev);
}

StasUevent *
stas_uevent_ref(StasUevent *event)
{
	g_return_val_if_fail(event != NULL, NULL);
	g_atomic_int_inc(&event->ref);
	return event;
}

void
stas_uevent_unref(StasUevent *event)
{
	if (!event || !g_atomic_int_dec_and_test(&event->ref))
		return;
	g_free(event->action);
	g_free(event->sysname);
	g_hash_table_unref(event->props);
	g_free(event);
}

const char *
stas_uevent_get_action(const StasUevent *event)
{
	return event->action;
}

const char *
stas_uevent_get_sysname(const StasUevent *event)
{
	return event->sysname;
}

guint64
stas_uevent_get_seqnum(const StasUevent *event)
{
	return event->seqnum;
}

const char *
stas_uevent_get_property(const StasUevent *event, const char *key)
{
	return g_hash_table_lookup(event->props, key);
}

GHashTable *
stas_uevent_get_properties(const StasUevent *event)
{
	return event->props;
}

/* ---- the object ------------------------------------------------------ */

/* a callback registration; removed is set when it leaves the registry, so a
 * dispatch holding a ref to it knows not to call it any more */
typedef struct {
	StasUdevFunc func;
	gpointer data;
	gboolean removed;
	gint ref;
} Reg;

/* one indexed controller */
typedef struct {
	char *sysname;
	GHashTable *props; /* its NVME_* uevent properties */
	GHashTable *attrs; /* its sysfs attributes (sysfs_keys) */
	gboolean has_children;
	StasExistingCtrl *ctrl; /* built from the above on every change */
	char *key;		/* candidate bucket, NULL if not in one */
} Ctrl;

struct _StasUdev {
	GObject parent_instance;

	GMainContext *context;

	/* the source of events: libudev monitor, caller's receiver, or none */
	struct udev *udev_ctx;
	struct udev_monitor *monitor;
	GSource *fd_source;
	StasUdevReceiveFunc receive;
	gpointer receive_data;

	/* events waiting for the idle dispatch, oldest first */
	GQueue queue;
	GSource *idle_source;
	gboolean disposed;

	GHashTable *actions; /* action -> GPtrArray of Reg */
	GHashTable *devices; /* sysname -> Reg */

	StasUdevAttrReader reader;
	gpointer reader_data;
	GDestroyNotify reader_destroy;
	GHashTable *ctrls;   /* sysname (borrowed from Ctrl) -> Ctrl */
	GHashTable *buckets; /* candidate key -> set of sysname (borrowed from Ctrl) */

	guint64 n_events;
	guint64 n_receive_errors;
	guint errors_since_log;
	gint64 next_error_log;
};

G_DEFINE_TYPE(StasUdev, stas_udev, G_TYPE_OBJECT)

/* ---- registrations --------------------------------------------------- */

static Reg *
reg_new(StasUdevFunc func, gpointer data)
{
	Reg *r = g_new0(Reg, 1);

	r->func = func;
	r->data = data;
	r->ref = 1;
	return r;
}

static Reg *
reg_ref(Reg *r)
{
	r->ref++;
	return r;
}

static void
reg_unref(gpointer p)
{
	Reg *r = p;

	if (--r->ref == 0)
		g_free(r);
}

/* destroy function of the registries: whatever leaves them is never called again */
static void
reg_drop(gpointer p)
{
	Reg *r = p;

	r->removed = TRUE;
	reg_unref(r);
}

static gboolean
reg_is(const Reg *r, StasUdevFunc func, gpointer data)
{
	return r->func == func && r->data == data;
}

static gint
action_reg_index(GPtrArray *regs, StasUdevFunc func, gpointer data)
{
	for (guint i = 0; regs && i < regs->len; i++)
		if (reg_is(regs->pdata[i], func, data))
			return (gint)i;
	return -1;
}

void
stas_udev_register_action(StasUdev *udev, const char *action, StasUdevFunc func, gpointer user_data)
{
	GPtrArray *regs;

	g_return_if_fail(STAS_IS_UDEV(udev));
	g_return_if_fail(action != NULL && func != NULL);

	regs = g_hash_table_lookup(udev->actions, action);
	if (!regs) {
		regs = g_ptr_array_new_with_free_func(reg_drop);
		g_hash_table_insert(udev->actions, g_strdup(action), regs);
	}
	if (action_reg_index(regs, func, user_data) < 0)
		g_ptr_array_add(regs, reg_new(func, user_data));
}

static void
unregister_from(GPtrArray *regs, StasUdevFunc func, gpointer user_data)
{
	gint i = action_reg_index(regs, func, user_data);

	if (i >= 0)
		g_ptr_array_remove_index(regs, (guint)i); /* keeps the order of the others */
}

void
stas_udev_unregister_action(StasUdev *udev, const char *action, StasUdevFunc func,
			    gpointer user_data)
{
	GHashTableIter iter;
	gpointer regs;

	g_return_if_fail(STAS_IS_UDEV(udev));

	if (action) {
		unregister_from(g_hash_table_lookup(udev->actions, action), func, user_data);
		return;
	}
	g_hash_table_iter_init(&iter, udev->actions);
	while (g_hash_table_iter_next(&iter, NULL, &regs))
		unregister_from(regs, func, user_data);
}

gboolean
stas_udev_is_action_registered(StasUdev *udev, const char *action, StasUdevFunc func,
			       gpointer user_data)
{
	g_return_val_if_fail(STAS_IS_UDEV(udev), FALSE);
	g_return_val_if_fail(action != NULL, FALSE);

	return action_reg_index(g_hash_table_lookup(udev->actions, action), func, user_data) >= 0;
}

void
stas_udev_register_device(StasUdev *udev, const char *sysname, StasUdevFunc func,
			  gpointer user_data)
{
	g_return_if_fail(STAS_IS_UDEV(udev));
	g_return_if_fail(sysname != NULL && func != NULL);

	if (!*sysname)
		return;
	g_hash_table_replace(udev->devices, g_strdup(sysname), reg_new(func, user_data));
}

static gboolean
reg_matches(gpointer key, gpointer value, gpointer user_data)
{
	const Reg *want = user_data;

	return reg_is(value, want->func, want->data);
}

void
stas_udev_unregister_device(StasUdev *udev, const char *sysname, StasUdevFunc func,
			    gpointer user_data)
{
	Reg want = {.func = func, .data = user_data};
	Reg *r;

	g_return_if_fail(STAS_IS_UDEV(udev));

	if (!sysname) {
		g_hash_table_foreach_remove(udev->devices, reg_matches, &want);
		return;
	}
	r = g_hash_table_lookup(udev->devices, sysname);
	if (r && reg_is(r, func, user_data))
		g_hash_table_remove(udev->devices, sysname);
}

/* ---- the controller index -------------------------------------------- */

/* the sysfs attributes stas_existing_ctrl_new() reads; the index keeps only these */
static const char *const sysfs_keys[] = {"subsysnqn", "hostnqn", "address", "cntrltype"};

/* the same values in the sysfs address attribute, for data without NVME_* keys */
static const char *const address_keys[] = {"traddr", "trsvcid", "host_traddr", "host_iface"};

static void
map_set(GHashTable *map, const char *key, const char *value)
{
	g_hash_table_insert(map, g_strdup(key), g_strdup(value));
}

static GHashTable *
map_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static Ctrl *
ctrl_new(const char *sysname)
{
	Ctrl *c = g_new0(Ctrl, 1);

	c->sysname = g_strdup(sysname);
	c->props = map_new();
	c->attrs = map_new();
	return c;
}

static void
ctrl_free(gpointer p)
{
	Ctrl *c = p;

	g_free(c->sysname);
	g_hash_table_unref(c->props);
	g_hash_table_unref(c->attrs);
	stas_existing_ctrl_free(c->ctrl);
	g_free(c->key);
	g_free(c);
}

/* data as the attribute reader returns it: NVME_* properties and sysfs attributes */
static void
ctrl_take_data(Ctrl *c, GHashTable *data, gboolean has_children)
{
	const char *address = g_hash_table_lookup(data, "address");
	const char *transport = g_hash_table_lookup(data, "transport");
	g_autoptr(GHashTable) addr = stas_match_parse_address_attr(address);

	g_hash_table_remove_all(c->props);
	g_hash_table_remove_all(c->attrs);
	c->has_children = has_children;
	for (gsize i = 0; i < G_N_ELEMENTS(sysfs_keys); i++) {
		const char *v = g_hash_table_lookup(data, sysfs_keys[i]);

		if (v)
			map_set(c->attrs, sysfs_keys[i], v);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(nvme_props); i++) {
		const char *v = g_hash_table_lookup(data, nvme_props[i]);

		/* nvme_props[0] is NVME_TRTYPE, the others follow address_keys */
		if (!v)
			v = i == 0 ? transport : g_hash_table_lookup(addr, address_keys[i - 1]);
		/* read from sysfs files, which end in a newline; uevents do not */
		if (v)
			g_hash_table_insert(c->props, g_strdup(nvme_props[i]),
					    g_strstrip(g_strdup(v)));
	}
}

static void
ctrl_take_event(Ctrl *c, const StasUevent *ev)
{
	for (gsize i = 0; i < G_N_ELEMENTS(nvme_props); i++) {
		const char *v = g_hash_table_lookup(ev->props, nvme_props[i]);

		if (v)
			map_set(c->props, nvme_props[i], v);
	}
}

static char *
candidate_key(const char *transport, const char *traddr, const char *trsvcid)
{
	g_autofree char *norm = NULL;
	StasIpAddr ip;

	if (!*transport)
		return NULL;
	if ((g_str_equal(transport, "tcp") || g_str_equal(transport, "rdma")) &&
	    stas_ip_parse(traddr, TRUE, &ip))
		norm = stas_ip_to_string(&ip);
	else
		norm = g_ascii_strdown(traddr, -1);
	return g_strdup_printf("%s\x1f%s\x1f%s", transport, trsvcid, norm);
}

static void
bucket_remove(StasUdev *self, Ctrl *c)
{
	GHashTable *bucket = c->key ? g_hash_table_lookup(self->buckets, c->key) : NULL;

	if (!bucket)
		return;
	g_hash_table_remove(bucket, c->sysname);
	if (g_hash_table_size(bucket) == 0)
		g_hash_table_remove(self->buckets, c->key);
}

static void
bucket_add(StasUdev *self, Ctrl *c)
{
	GHashTable *bucket;

	if (!c->key)
		return;
	bucket = g_hash_table_lookup(self->buckets, c->key);
	if (!bucket) {
		bucket = g_hash_table_new(g_str_hash, g_str_equal);
		g_hash_table_insert(self->buckets, g_strdup(c->key), bucket);
	}
	g_hash_table_add(bucket, c->sysname);
}

static void
index_unlink(StasUdev *self, const char *sysname)
{
	Ctrl *c = g_hash_table_lookup(self->ctrls, sysname);

	if (!c)
		return;
	bucket_remove(self, c);
	g_hash_table_remove(self->ctrls, sysname);
}

/* (re)build the snapshot of c from its props and attrs and file it; c is in ctrls */
static void
index_rebuild(StasUdev *self, Ctrl *c)
{
	bucket_remove(self, c);
	stas_existing_ctrl_free(c->ctrl);
	g_free(c->key);
	c->ctrl = stas_existing_ctrl_new(c->props, c->attrs, c->has_children);
	c->key = candidate_key(c->ctrl->transport, c->ctrl->traddr, c->ctrl->trsvcid);
	bucket_add(self, c);
}

/* a fresh entry for sysname, replacing any old one */
static Ctrl *
index_insert_new(StasUdev *self, const char *sysname)
{
	Ctrl *c = ctrl_new(sysname);

	index_unlink(self, sysname);
	g_hash_table_insert(self->ctrls, c->sysname, c);
	return c;
}

/* fill c from the attribute reader; FALSE (c untouched) without a reader or if it is gone */
static gboolean
index_read(StasUdev *self, Ctrl *c)
{
	g_autoptr(GHashTable) data = NULL;
	gboolean has_children = FALSE;

	if (!self->reader)
		return FALSE;
	data = self->reader(c->sysname, &has_children, self->reader_data);
	if (!data)
		return FALSE;
	ctrl_take_data(c, data, has_children);
	return TRUE;
}

static void
index_on_event(StasUdev *self, const StasUevent *ev)
{
	gboolean add = g_str_equal(ev->action, "add");
	Ctrl *c;

	if (g_str_equal(ev->action, "remove")) {
		index_unlink(self, ev->sysname);
		return;
	}
	if (!add && !g_str_equal(ev->action, "change"))
		return;

	c = add ? NULL : g_hash_table_lookup(self->ctrls, ev->sysname);
	/* a change for a device we never saw means we missed its add; after a reconnect
	 * (NVME_EVENT=connected) the source address in "address" may differ */
	if (!c) {
		c = index_insert_new(self, ev->sysname);
		index_read(self, c);
	} else if (g_strcmp0(g_hash_table_lookup(ev->props, "NVME_EVENT"), "connected") == 0) {
		index_read(self, c);
	}
	ctrl_take_event(c, ev);
	index_rebuild(self, c);
}

void
stas_udev_set_attr_reader(StasUdev *udev, StasUdevAttrReader reader, gpointer user_data,
			  GDestroyNotify destroy)
{
	g_return_if_fail(STAS_IS_UDEV(udev));

	if (udev->reader_destroy)
		udev->reader_destroy(udev->reader_data);
	udev->reader = reader;
	udev->reader_data = user_data;
	udev->reader_destroy = destroy;
}

void
stas_udev_index_populate(StasUdev *udev, const char *const *sysnames)
{
	g_return_if_fail(STAS_IS_UDEV(udev));

	for (gsize i = 0; sysnames && sysnames[i]; i++) {
		Ctrl *c = index_insert_new(udev, sysnames[i]);

		if (index_read(udev, c))
			index_rebuild(udev, c);
		else
			index_unlink(udev, sysnames[i]);
	}
}

void
stas_udev_index_set(StasUdev *udev, const char *sysname, GHashTable *data, gboolean has_children)
{
	Ctrl *c;

	g_return_if_fail(STAS_IS_UDEV(udev));
	g_return_if_fail(sysname != NULL && data != NULL);

	c = index_insert_new(udev, sysname);
	ctrl_take_data(c, data, has_children);
	index_rebuild(udev, c);
}

void
stas_udev_index_remove(StasUdev *udev, const char *sysname)
{
	g_return_if_fail(STAS_IS_UDEV(udev));
	g_return_if_fail(sysname != NULL);

	index_unlink(udev, sysname);
}

const StasExistingCtrl *
stas_udev_index_lookup(StasUdev *udev, const char *sysname)
{
	Ctrl *c;

	g_return_val_if_fail(STAS_IS_UDEV(udev), NULL);
	g_return_val_if_fail(sysname != NULL, NULL);

	c = g_hash_table_lookup(udev->ctrls, sysname);
	return c ? c->ctrl : NULL;
}

guint
stas_udev_index_size(StasUdev *udev)
{
	g_return_val_if_fail(STAS_IS_UDEV(udev), 0);

	return g_hash_table_size(udev->ctrls);
}

void
stas_udev_index_foreach(StasUdev *udev, StasUdevIndexFunc func, gpointer user_data)
{
	GHashTableIter iter;
	gpointer v;

	g_return_if_fail(STAS_IS_UDEV(udev));
	g_return_if_fail(func != NULL);

	g_hash_table_iter_init(&iter, udev->ctrls);
	while (g_hash_table_iter_next(&iter, NULL, &v)) {
		Ctrl *c = v;

		func(c->sysname, c->ctrl, user_data);
	}
}

/* nvme2 before nvme10: shorter names first, then by bytes */
static gint
sysname_cmp(gconstpointer a, gconstpointer b)
{
	const Ctrl *ca = *(const Ctrl *const *)a;
	const Ctrl *cb = *(const Ctrl *const *)b;
	gsize la = strlen(ca->sysname);
	gsize lb = strlen(cb->sysname);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(ca->sysname, cb->sysname);
}

/* the Ctrls of one bucket, borrowed, by instance number */
static GPtrArray *
bucket_ctrls(StasUdev *self, const char *transport, const char *traddr, const char *trsvcid)
{
	g_autofree char *key = candidate_key(transport ? transport : "", traddr ? traddr : "",
					     trsvcid ? trsvcid : "");
	GHashTable *bucket = key ? g_hash_table_lookup(self->buckets, key) : NULL;
	GPtrArray *out = g_ptr_array_new();
	GHashTableIter iter;
	gpointer name;

	if (!bucket)
		return out;
	g_hash_table_iter_init(&iter, bucket);
	while (g_hash_table_iter_next(&iter, &name, NULL))
		g_ptr_array_add(out, g_hash_table_lookup(self->ctrls, name));
	g_ptr_array_sort(out, sysname_cmp);
	return out;
}

GPtrArray *
stas_udev_index_candidates(StasUdev *udev, const char *transport, const char *traddr,
			   const char *trsvcid)
{
	g_autoptr(GPtrArray) ctrls = NULL;
	GPtrArray *names;

	g_return_val_if_fail(STAS_IS_UDEV(udev), NULL);

	ctrls = bucket_ctrls(udev, transport, traddr, trsvcid);
	names = g_ptr_array_new_full(ctrls->len, g_free);
	for (guint i = 0; i < ctrls->len; i++)
		g_ptr_array_add(names, g_strdup(((Ctrl *)ctrls->pdata[i])->sysname));
	return names;
}

const char *
stas_udev_index_find(StasUdev *udev, const StasTid *tid, StasUdevCtrlPredicate pred,
		     gpointer user_data)
{
	g_autoptr(GPtrArray) ctrls = NULL;

	g_return_val_if_fail(STAS_IS_UDEV(udev), NULL);
	g_return_val_if_fail(tid != NULL && pred != NULL, NULL);

	ctrls = bucket_ctrls(udev, tid->transport, tid->traddr, tid->trsvcid);
	for (guint i = 0; i < ctrls->len; i++) {
		Ctrl *c = ctrls->pdata[i];

		if (pred(tid, c->sysname, c->ctrl, user_data))
			return c->sysname;
	}
	return NULL;
}

typedef struct {
	StasTidKind kind;
	const StasIfaceTable *ifaces;
} MatchArgs;

static gboolean
existing_matches(const StasTid *tid, const char *sysname, const StasExistingCtrl *ctrl,
		 gpointer user_data)
{
	const MatchArgs *args = user_data;
	gboolean right_kind = args->kind == STAS_TID_KIND_DC ? stas_existing_ctrl_is_dc(ctrl)
							     : stas_existing_ctrl_is_ioc(ctrl);

	return right_kind && stas_match_tid(tid, ctrl, args->ifaces, NULL);
}

const char *
stas_udev_index_find_existing(StasUdev *udev, const StasTid *tid, StasTidKind kind,
			      const StasIfaceTable *ifaces)
{
	MatchArgs args = {.kind = kind, .ifaces = ifaces};

	return stas_udev_index_find(udev, tid, existing_matches, &args);
}

/* ---- dispatch -------------------------------------------------------- */

/*
 * FALSE once the owner let go during a dispatch: dispose ran (g_object_run_dispose) or
 * only the dispatch's own reference is left, so no later callback may run (its user
 * data is likely freed already)
 */
static gboolean
dispatch_live(StasUdev *self)
{
	return !self->disposed && g_atomic_int_get(&G_OBJECT(self)->ref_count) > 1;
}

static void
dispatch_actions(StasUdev *self, StasUevent *ev)
{
	GPtrArray *regs = g_hash_table_lookup(self->actions, ev->action);
	g_autoptr(GPtrArray) snap = NULL;

	if (!regs || regs->len == 0)
		return;
	/* callbacks may (un)register while we iterate: walk a snapshot, skip the removed */
	snap = g_ptr_array_new_full(regs->len, reg_unref);
	for (guint i = 0; i < regs->len; i++)
		g_ptr_array_add(snap, reg_ref(regs->pdata[i]));
	for (guint i = 0; i < snap->len && dispatch_live(self); i++) {
		Reg *r = snap->pdata[i];

		if (!r->removed)
			r->func(self, ev, r->data);
	}
}

static void
dispatch_device(StasUdev *self, StasUevent *ev)
{
	Reg *r = g_hash_table_lookup(self->devices, ev->sysname);

	if (!r || !dispatch_live(self))
		return;
	reg_ref(r);
	r->func(self, ev, r->data);
	reg_unref(r);
}

static void
dispatch_one(StasUdev *self, StasUevent *ev)
{
	g_debug("udev: %s %s (seqnum %" G_GUINT64_FORMAT ")", ev->sysname, ev->action, ev->seqnum);
	index_on_event(self, ev);
	dispatch_actions(self, ev);
	dispatch_device(self, ev);
}

static gboolean
on_idle_dispatch(gpointer user_data)
{
	/* a callback may drop the last reference to us */
	g_autoptr(StasUdev) self = g_object_ref(user_data);

	for (guint i = 0; i < DISPATCH_BATCH && dispatch_live(self); i++) {
		g_autoptr(StasUevent) ev = g_queue_pop_head(&self->queue);

		if (!ev)
			break;
		dispatch_one(self, ev);
	}
	/* dispose destroys and drops the source (now, or when our reference goes) */
	if (!dispatch_live(self))
		return G_SOURCE_REMOVE;
	if (!g_queue_is_empty(&self->queue))
		return G_SOURCE_CONTINUE;
	g_clear_pointer(&self->idle_source, g_source_unref);
	return G_SOURCE_REMOVE;
}

/* ev: taken */
static void
queue_event(StasUdev *self, StasUevent *ev)
{
	self->n_events++;
	g_queue_push_tail(&self->queue, ev);
	if (self->idle_source)
		return;
	self->idle_source = g_idle_source_new();
	g_source_set_priority(self->idle_source, G_PRIORITY_DEFAULT_IDLE);
	g_source_set_callback(self->idle_source, on_idle_dispatch, self, NULL);
	g_source_set_static_name(self->idle_source, "stas-udev dispatch");
	g_source_attach(self->idle_source, self->context);
}

void
stas_udev_inject(StasUdev *udev, StasUevent *event)
{
	g_return_if_fail(STAS_IS_UDEV(udev));
	g_return_if_fail(event != NULL);

	if (udev->disposed)
		return;
	queue_event(udev, stas_uevent_ref(event));
}

guint64
stas_udev_get_n_events(StasUdev *udev)
{
	g_return_val_if_fail(STAS_IS_UDEV(udev), 0);

	return udev->n_events;
}

guint64
stas_udev_get_n_receive_errors(StasUdev *udev)
{
	g_return_val_if_fail(STAS_IS_UDEV(udev), 0);

	return udev->n_receive_errors;
}

/* ---- the monitor ----------------------------------------------------- */

/* errors come in bursts (ENOBUFS during a storm): one debug line per 2 s with the count */
static void
note_receive_error(StasUdev *self, int err)
{
	gint64 now = g_get_monotonic_time();

	self->n_receive_errors++;
	self->errors_since_log++;
	if (now < self->next_error_log)
		return;
	g_debug("udev: monitor receive error: %s [%u]", g_strerror(err), self->errors_since_log);
	self->next_error_log = now + ERROR_LOG_INTERVAL_US;
	self->errors_since_log = 0;
}

/* drain everything queued: one read per wakeup lost events upstream (issue #261) */
static gboolean
on_fd_ready(gint fd, GIOCondition condition, gpointer user_data)
{
	StasUdev *self = user_data;
	guint n_errors = 0;

	for (guint n = 0; n < DRAIN_MAX; n++) {
		int err = 0;
		StasUevent *ev = self->receive(self->receive_data, &err);

		if (ev) {
			queue_event(self, ev);
			continue;
		}
		if (err == 0 || err == EINTR)
			continue;
		if (err == EAGAIN)
			break;
		note_receive_error(self, err);
		if (++n_errors >= ERRORS_PER_WAKEUP_MAX)
			break;
	}
	return G_SOURCE_CONTINUE;
}

static void
watch_fd(StasUdev *self, int fd, StasUdevReceiveFunc receive, gpointer data)
{
	self->receive = receive;
	self->receive_data = data;
	self->fd_source = g_unix_fd_source_new(fd, G_IO_IN);
	g_source_set_priority(self->fd_source, G_PRIORITY_HIGH);
	g_source_set_callback(self->fd_source, G_SOURCE_FUNC(on_fd_ready), self, NULL);
	g_source_set_static_name(self->fd_source, "stas-udev monitor");
	g_source_attach(self->fd_source, self->context);
}

static StasUevent *
uevent_from_device(struct udev_device *dev)
{
	const char *action = udev_device_get_action(dev);
	const char *sysname = udev_device_get_sysname(dev);
	struct udev_list_entry *e;
	StasUevent *ev;

	if (!action || !sysname)
		return NULL;
	ev = uevent_alloc(action, sysname);
	udev_list_entry_foreach(e, udev_device_get_properties_list_entry(dev))
		uevent_add_prop(ev, udev_list_entry_get_name(e), udev_list_entry_get_value(e));
	uevent_finish(ev);
	ev->seqnum = udev_device_get_seqnum(dev);
	return ev;
}

static StasUevent *
monitor_receive(gpointer user_data, int *err)
{
	struct udev_monitor *monitor = user_data;
	struct udev_device *dev;
	StasUevent *ev;

	errno = 0;
	dev = udev_monitor_receive_device(monitor);
	if (!dev) {
		*err = errno ? errno : EAGAIN; /* never loop on a silent failure */
		return NULL;
	}
	ev = uevent_from_device(dev);
	udev_device_unref(dev);
	if (!ev)
		*err = 0;
	return ev;
}

static gboolean
monitor_open(StasUdev *self, GError **error)
{
	int r;

	self->udev_ctx = udev_new();
	if (!self->udev_ctx) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "udev_new: %s", g_strerror(errno));
		return FALSE;
	}
	self->monitor = udev_monitor_new_from_netlink(self->udev_ctx, "udev");
	if (!self->monitor) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "udev netlink monitor: %s",
			    g_strerror(errno));
		return FALSE;
	}
	r = udev_monitor_filter_add_match_subsystem_devtype(self->monitor, "nvme", NULL);
	if (r < 0) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "udev monitor filter: %s",
			    g_strerror(-r));
		return FALSE;
	}
	/* not fatal: without privileges the kernel keeps its default size */
	r = udev_monitor_set_receive_buffer_size(self->monitor, RCVBUF_SIZE);
	if (r < 0)
		g_debug("udev: cannot enlarge the monitor receive buffer: %s", g_strerror(-r));
	r = udev_monitor_enable_receiving(self->monitor);
	if (r < 0) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "udev monitor: %s", g_strerror(-r));
		return FALSE;
	}
	watch_fd(self, udev_monitor_get_fd(self->monitor), monitor_receive, self->monitor);
	return TRUE;
}

/* ---- construction ---------------------------------------------------- */

StasUdev *
stas_udev_new(GError **error)
{
	g_autoptr(StasUdev) self = g_object_new(STAS_TYPE_UDEV, NULL);

	if (!monitor_open(self, error))
		return NULL;
	return g_steal_pointer(&self);
}

StasUdev *
stas_udev_new_detached(void)
{
	return g_object_new(STAS_TYPE_UDEV, NULL);
}

StasUdev *
stas_udev_new_with_receiver(int fd, StasUdevReceiveFunc receive, gpointer user_data)
{
	StasUdev *self;

	g_return_val_if_fail(fd >= 0 && receive != NULL, NULL);

	self = g_object_new(STAS_TYPE_UDEV, NULL);
	watch_fd(self, fd, receive, user_data);
	return self;
}

static void
source_clear(GSource **source)
{
	if (!*source)
		return;
	g_source_destroy(*source);
	g_clear_pointer(source, g_source_unref);
}

static void
stas_udev_dispose(GObject *object)
{
	StasUdev *self = STAS_UDEV(object);

	self->disposed = TRUE;
	source_clear(&self->fd_source);
	source_clear(&self->idle_source);
	g_queue_clear_full(&self->queue, (GDestroyNotify)stas_uevent_unref);
	g_hash_table_remove_all(self->actions);
	g_hash_table_remove_all(self->devices);
	stas_udev_set_attr_reader(self, NULL, NULL, NULL);
	g_clear_pointer(&self->monitor, udev_monitor_unref);
	g_clear_pointer(&self->udev_ctx, udev_unref);

	G_OBJECT_CLASS(stas_udev_parent_class)->dispose(object);
}

static void
stas_udev_finalize(GObject *object)
{
	StasUdev *self = STAS_UDEV(object);

	/* buckets borrow the names the Ctrls own */
	g_hash_table_unref(self->buckets);
	g_hash_table_unref(self->ctrls);
	g_hash_table_unref(self->actions);
	g_hash_table_unref(self->devices);
	g_main_context_unref(self->context);

	G_OBJECT_CLASS(stas_udev_parent_class)->finalize(object);
}

static void
stas_udev_class_init(StasUdevClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = stas_udev_dispose;
	object_class->finalize = stas_udev_finalize;
}

static void
stas_udev_init(StasUdev *self)
{
	self->context = g_main_context_ref_thread_default();
	g_queue_init(&self->queue);
	self->actions = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify)g_ptr_array_unref);
	self->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, reg_drop);
	self->ctrls = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, ctrl_free);
	self->buckets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify)g_hash_table_unref);
}
