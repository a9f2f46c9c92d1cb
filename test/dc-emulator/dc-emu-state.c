/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-state: shared state of one DC emulator (dc-emu-state.h).
 */
#include "config.h"

#include <string.h>

#include "dc-emu-admin.h"
#include "dc-emu-entry.h"
#include "dc-emu-log.h"
#include "dc-emu-state.h"

void
dce_registration_free(DceRegistration *r)
{
	if (r == NULL)
		return;
	g_free(r->hostnqn);
	g_free(r->hostid);
	g_free(r->symname);
	g_free(r->ename);
	g_free(r->ever);
	g_free(r->traddr);
	g_free(r->connect_hostnqn);
	g_free(r->connect_hostid);
	g_free(r);
}

static void
set_string_or_null(JsonObject *o, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_string_member(o, key, value);
	else
		json_object_set_null_member(o, key);
}

JsonObject *
dce_registration_to_json(const DceRegistration *r)
{
	JsonObject *o = json_object_new();

	json_object_set_string_member(o, "hostnqn", r->hostnqn);
	set_string_or_null(o, "hostid", r->hostid);
	set_string_or_null(o, "symname", r->symname);
	json_object_set_string_member(o, "ename", r->ename);
	json_object_set_string_member(o, "ever", r->ever);
	json_object_set_string_member(o, "traddr", r->traddr);
	json_object_set_int_member(o, "trtype", r->trtype);
	json_object_set_int_member(o, "adrfam", r->adrfam);
	json_object_set_int_member(o, "etype", r->etype);
	json_object_set_int_member(o, "tas", r->tas);
	json_object_set_int_member(o, "cntlid", r->cntlid);
	set_string_or_null(o, "connect_hostnqn", r->connect_hostnqn);
	set_string_or_null(o, "connect_hostid", r->connect_hostid);
	json_object_set_int_member(o, "count", r->count);
	return o;
}

DceState *
dce_state_new(DceConfig *cfg)
{
	DceState *s = g_new0(DceState, 1);

	s->cfg = cfg;
	s->entries = g_ptr_array_new_with_free_func((GDestroyNotify)dce_entry_free);
	for (guint i = 0; i < cfg->entries->len; i++)
		g_ptr_array_add(s->entries, dce_entry_copy(g_ptr_array_index(cfg->entries, i)));
	s->malform = cfg->malform;
	s->registrations = g_ptr_array_new_with_free_func((GDestroyNotify)dce_registration_free);
	s->ctrls = g_ptr_array_new();
	s->next_cntlid = cfg->cntlid_base;
	return s;
}

void
dce_state_free(DceState *s)
{
	if (s == NULL)
		return;
	g_clear_pointer(&s->entries, g_ptr_array_unref);
	g_clear_pointer(&s->registrations, g_ptr_array_unref);
	g_clear_pointer(&s->ctrls, g_ptr_array_unref);
	dce_config_free(s->cfg);
	g_free(s);
}

static gboolean
cntlid_in_use(DceState *s, guint16 id)
{
	for (guint i = 0; i < s->ctrls->len; i++) {
		const DceCtrl *c = g_ptr_array_index(s->ctrls, i);

		if (c->connected && c->cntlid == id)
			return TRUE;
	}
	return FALSE;
}

guint16
dce_state_alloc_cntlid(DceState *s)
{
	guint16 id;

	/* dynamic controller model: a fresh ID per association, never one in use */
	do {
		id = s->next_cntlid;
		s->next_cntlid = id >= 0xffef ? 1 : id + 1;
	} while (cntlid_in_use(s, id));
	return id;
}

static guint
notify_all(DceState *s, gboolean force)
{
	g_autoptr(GPtrArray) ctrls = g_ptr_array_copy(s->ctrls, NULL, NULL);
	guint n = 0;

	/* a copy: sending may close a connection, which removes its controller */
	for (guint i = 0; i < ctrls->len; i++) {
		if (dce_ctrl_log_changed(g_ptr_array_index(ctrls, i), force))
			n++;
	}
	return n;
}

guint
dce_state_log_changed(DceState *s)
{
	s->genctr++;
	return notify_all(s, FALSE);
}

guint
dce_state_fire_aen(DceState *s, gboolean force)
{
	return notify_all(s, force);
}

GBytes *
dce_state_discovery_log(DceState *s, gboolean pleo_only)
{
	if (s->malform & DCE_MALFORM_GENCTR_CHURN)
		s->genctr++;
	return dce_log_build(s->entries, s->genctr, pleo_only, s->malform);
}

static DceRegistration *
find_registration(DceState *s, const char *hostnqn, guint *index)
{
	for (guint i = 0; i < s->registrations->len; i++) {
		DceRegistration *r = g_ptr_array_index(s->registrations, i);

		if (g_strcmp0(r->hostnqn, hostnqn) == 0) {
			if (index != NULL)
				*index = i;
			return r;
		}
	}
	return NULL;
}

/* fill r from the first entry of dim; an empty traddr means the source address */
static void
registration_fill(DceRegistration *r, DceCtrl *ctrl, guint8 tas, const DceDim *dim)
{
	const DceDimEntry *e = dim->entries->len > 0 ? g_ptr_array_index(dim->entries, 0) : NULL;

	g_free(r->hostid);
	g_free(r->symname);
	g_free(r->ename);
	g_free(r->ever);
	g_free(r->traddr);
	g_free(r->connect_hostnqn);
	g_free(r->connect_hostid);
	r->hostid = e != NULL ? g_strdup(e->hostid) : NULL;
	r->symname = e != NULL ? g_strdup(e->symname) : NULL;
	r->ename = g_strdup(dim->ename);
	r->ever = g_strdup(dim->ever);
	if (e != NULL && e->traddr[0] != '\0')
		r->traddr = g_strdup(e->traddr);
	else
		r->traddr = g_strdup(ctrl->peer_addr != NULL ? ctrl->peer_addr : "");
	r->trtype = e != NULL ? e->trtype : 0;
	r->adrfam = e != NULL ? e->adrfam : 0;
	r->etype = dim->etype;
	r->tas = tas;
	r->cntlid = ctrl->cntlid;
	r->connect_hostnqn = g_strdup(ctrl->hostnqn);
	r->connect_hostid = g_strdup(ctrl->hostid);
	r->count++;
}

void
dce_state_dim(DceState *s, DceCtrl *ctrl, guint8 tas, const DceDim *dim)
{
	guint index = 0;
	DceRegistration *r = find_registration(s, dim->eid, &index);

	s->dim_count++;
	if (tas == DCE_DIM_TAS_DEREGISTER) {
		if (r != NULL)
			g_ptr_array_remove_index(s->registrations, index);
		return;
	}
	if (r == NULL) {
		r = g_new0(DceRegistration, 1);
		r->hostnqn = g_strdup(dim->eid);
		g_ptr_array_add(s->registrations, r);
	}
	registration_fill(r, ctrl, tas, dim);
}

JsonArray *
dce_state_registrations_json(DceState *s)
{
	JsonArray *a = json_array_new();

	for (guint i = 0; i < s->registrations->len; i++)
		json_array_add_object_element(
			a, dce_registration_to_json(g_ptr_array_index(s->registrations, i)));
	return a;
}

JsonArray *
dce_state_entries_json(DceState *s)
{
	JsonArray *a = json_array_new();

	for (guint i = 0; i < s->entries->len; i++)
		json_array_add_object_element(a,
					      dce_entry_to_json(g_ptr_array_index(s->entries, i)));
	return a;
}

static JsonArray *
malform_json(guint malform)
{
	JsonArray *a = json_array_new();

	for (guint bit = 1; bit <= DCE_MALFORM_ALL; bit <<= 1) {
		if (malform & bit)
			json_array_add_string_element(a, dce_malform_name((DceMalform)bit));
	}
	return a;
}

JsonObject *
dce_state_status(DceState *s)
{
	JsonObject *o = json_object_new();
	JsonArray *ctrls = json_array_new();

	for (guint i = 0; i < s->ctrls->len; i++)
		json_array_add_object_element(ctrls,
					      dce_ctrl_to_json(g_ptr_array_index(s->ctrls, i)));
	json_object_set_string_member(o, "nqn", s->cfg->nqn);
	json_object_set_string_member(o, "dctype", dce_dctype_name(s->cfg->dctype));
	json_object_set_boolean_member(o, "pleo", s->cfg->pleo);
	json_object_set_string_member(o, "address", s->cfg->address);
	json_object_set_int_member(o, "port", s->cfg->port);
	json_object_set_int_member(o, "genctr", (gint64)s->genctr);
	json_object_set_boolean_member(o, "stalled", s->stalled);
	json_object_set_array_member(o, "malformed", malform_json(s->malform));
	json_object_set_int_member(o, "dim_count", s->dim_count);
	json_object_set_array_member(o, "entries", dce_state_entries_json(s));
	json_object_set_array_member(o, "registrations", dce_state_registrations_json(s));
	json_object_set_array_member(o, "connections", ctrls);
	return o;
}
