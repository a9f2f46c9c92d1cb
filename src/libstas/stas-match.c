/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "stas/stas-iputil.h"
#include "stas/stas-match.h"

/* ---- the existing controller -------------------------------------------- */

/* "" for missing and "none" (udev and sysfs spell an unset value that way) */
static char *
clean_value(const char *value, gboolean strip)
{
	g_autofree char *v = g_strdup(value ? value : "");

	if (strip)
		g_strstrip(v);
	if (g_ascii_strcasecmp(v, "none") == 0)
		return g_strdup("");
	return g_steal_pointer(&v);
}

static const char *
lookup(GHashTable *map, const char *key)
{
	return map ? g_hash_table_lookup(map, key) : NULL;
}

GHashTable *
stas_match_parse_address_attr(const char *text)
{
	GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *copy = g_strdup(text ? text : "");
	g_auto(GStrv) tokens = g_strsplit(g_strstrip(copy), ",", -1);

	for (guint i = 0; tokens[i]; i++) {
		char *eq = strchr(tokens[i], '=');

		if (eq == NULL || eq == tokens[i])
			continue;
		*eq = '\0';
		/* the first of repeated keys wins */
		if (!g_hash_table_contains(map, tokens[i]))
			g_hash_table_insert(map, g_strdup(tokens[i]), g_strdup(eq + 1));
	}
	return map;
}

StasExistingCtrl *
stas_existing_ctrl_new(GHashTable *props, GHashTable *attrs, gboolean has_children)
{
	StasExistingCtrl *ctrl = g_new0(StasExistingCtrl, 1);
	g_autoptr(GHashTable) address = stas_match_parse_address_attr(lookup(attrs, "address"));

	ctrl->transport = clean_value(lookup(props, "NVME_TRTYPE"), FALSE);
	ctrl->traddr = clean_value(lookup(props, "NVME_TRADDR"), FALSE);
	ctrl->trsvcid = clean_value(lookup(props, "NVME_TRSVCID"), FALSE);
	ctrl->host_traddr = clean_value(lookup(props, "NVME_HOST_TRADDR"), FALSE);
	ctrl->host_iface = clean_value(lookup(props, "NVME_HOST_IFACE"), FALSE);
	ctrl->subsysnqn = clean_value(lookup(attrs, "subsysnqn"), TRUE);
	ctrl->src_addr = clean_value(g_hash_table_lookup(address, "src_addr"), TRUE);
	ctrl->host_nqn = clean_value(lookup(attrs, "hostnqn"), TRUE);
	ctrl->cntrltype = clean_value(lookup(attrs, "cntrltype"), TRUE);
	ctrl->has_children = has_children;
	return ctrl;
}

void
stas_existing_ctrl_free(StasExistingCtrl *ctrl)
{
	if (ctrl == NULL)
		return;
	g_free(ctrl->transport);
	g_free(ctrl->traddr);
	g_free(ctrl->trsvcid);
	g_free(ctrl->host_traddr);
	g_free(ctrl->host_iface);
	g_free(ctrl->subsysnqn);
	g_free(ctrl->src_addr);
	g_free(ctrl->host_nqn);
	g_free(ctrl->cntrltype);
	g_free(ctrl);
}

/* the values the kernel reports for a controller that states its type */
static gboolean
cntrltype_known(const StasExistingCtrl *ctrl)
{
	return g_str_equal(ctrl->cntrltype, "io") || g_str_equal(ctrl->cntrltype, "discovery") ||
	       g_str_equal(ctrl->cntrltype, "admin");
}

gboolean
stas_existing_ctrl_is_dc(const StasExistingCtrl *ctrl)
{
	if (cntrltype_known(ctrl))
		return g_str_equal(ctrl->cntrltype, "discovery");
	if (g_str_equal(ctrl->subsysnqn, STAS_WELL_KNOWN_DISC_NQN))
		return TRUE;
	return !ctrl->has_children;
}

gboolean
stas_existing_ctrl_is_ioc(const StasExistingCtrl *ctrl)
{
	if (cntrltype_known(ctrl))
		return g_str_equal(ctrl->cntrltype, "io");
	if (g_str_equal(ctrl->subsysnqn, STAS_WELL_KNOWN_DISC_NQN))
		return FALSE;
	return ctrl->has_children;
}

/* ---- matching ------------------------------------------------------------ */

static gboolean
verdict(const char **why, gboolean match, const char *reason)
{
	if (why)
		*why = reason;
	return match;
}

static gboolean
is_fabrics_transport(const char *transport)
{
	return g_str_equal(transport, "tcp") || g_str_equal(transport, "rdma") ||
	       g_str_equal(transport, "fc") || g_str_equal(transport, "loop");
}

static gboolean
is_ip_transport(const char *transport)
{
	return g_str_equal(transport, "tcp") || g_str_equal(transport, "rdma");
}

/* two interface names, either NULL when unknown: unknown never matches */
static gboolean
iface_equal(const char *a, const char *b)
{
	return a != NULL && b != NULL && g_str_equal(a, b);
}

/* rules 1-3: transport, trsvcid, host NQN, subsystem NQN, traddr */
static gboolean
match_target(const StasTid *t, const StasExistingCtrl *c, const char **why)
{
	if (!is_fabrics_transport(c->transport) || !g_str_equal(t->transport, c->transport))
		return verdict(why, FALSE, "transport differs or is not a fabrics transport");
	if (!g_str_equal(t->trsvcid, c->trsvcid))
		return verdict(why, FALSE, "trsvcid differs");
	if (!g_str_equal(t->host_nqn, c->host_nqn))
		return verdict(why, FALSE, "host-nqn differs");
	/* TP8013: a DC reached through the well-known NQN may report its unique NQN */
	if (!g_str_equal(t->subsysnqn, STAS_WELL_KNOWN_DISC_NQN) &&
	    !g_str_equal(t->subsysnqn, c->subsysnqn))
		return verdict(why, FALSE, "subsysnqn differs");
	if (is_ip_transport(t->transport)) {
		if (!stas_ip_equal(t->traddr, c->traddr))
			return verdict(why, FALSE, "traddr differs (as IP addresses)");
	} else if (g_ascii_strcasecmp(t->traddr, c->traddr) != 0) {
		return verdict(why, FALSE, "traddr differs");
	}
	return TRUE;
}

/* legacy tcp, t.host_traddr set: infer the source address of c */
static gboolean
legacy_host_traddr(const StasTid *t, const StasExistingCtrl *c, gboolean c_traddr_known,
		   const StasIfaceTable *ifaces, const char **why)
{
	const char *primary;
	int family;

	if (c_traddr_known) {
		if (!stas_ip_equal(t->host_traddr, c->host_traddr))
			return verdict(why, FALSE, "legacy: host-traddr differs");
		return TRUE;
	}
	if (!*c->host_iface)
		return verdict(why, TRUE, "legacy: not enough info, assumed match");
	/* without host-traddr, c uses its interface's primary address as source */
	family = stas_ip_family(t->host_traddr);
	if (family == 0)
		return verdict(why, FALSE, "legacy: candidate host-traddr is not an address");
	primary = stas_iface_table_primary_addr(ifaces, c->host_iface, family);
	if (primary && !stas_ip_equal(primary, t->host_traddr))
		return verdict(why, FALSE,
			       "legacy: host-traddr is not the primary address of "
			       "the connection's interface");
	return TRUE;
}

/* legacy tcp, t.host_iface set: infer the interface of c */
static gboolean
legacy_host_iface(const StasTid *t, const StasExistingCtrl *c, gboolean c_traddr_known,
		  const StasIfaceTable *ifaces, const char **why)
{
	if (*c->host_iface) {
		if (!g_str_equal(t->host_iface, c->host_iface))
			return verdict(why, FALSE, "legacy: host-iface differs");
		return TRUE;
	}
	if (!c_traddr_known)
		return verdict(why, TRUE, "legacy: not enough info, assumed match");
	if (!iface_equal(t->host_iface, stas_iface_table_iface_of_addr(ifaces, c->host_traddr)))
		return verdict(why, FALSE,
			       "legacy: host-traddr of the connection is not on "
			       "host-iface");
	return TRUE;
}

/* tcp without src_addr (kernel < 6.1): host-traddr and host-iface, inferred */
static gboolean
match_tcp_legacy(const StasTid *t, const StasExistingCtrl *c, const StasIfaceTable *ifaces,
		 const char **why)
{
	/* an unparsable host-traddr is as good as none */
	gboolean c_traddr_known = stas_ip_family(c->host_traddr) != 0;
	const char *reason = "legacy: host binding matches";

	/* the helpers only overwrite reason when they decide or assume */
	if (*t->host_traddr && !legacy_host_traddr(t, c, c_traddr_known, ifaces, &reason))
		return verdict(why, FALSE, reason);
	if (*t->host_iface && !legacy_host_iface(t, c, c_traddr_known, ifaces, &reason))
		return verdict(why, FALSE, reason);
	return verdict(why, TRUE, reason);
}

/* rule 4: tcp host binding, from src_addr when the kernel reports it */
static gboolean
match_tcp(const StasTid *t, const StasExistingCtrl *c, const StasIfaceTable *ifaces,
	  const char **why)
{
	const char *src_iface;

	if (!*t->host_traddr && !*t->host_iface)
		return verdict(why, TRUE, "candidate has no host binding");
	if (stas_ip_family(c->src_addr) == 0)
		return match_tcp_legacy(t, c, ifaces, why);
	if (*t->host_traddr && !stas_ip_equal(t->host_traddr, c->src_addr))
		return verdict(why, FALSE, "host-traddr is not the connection's src-addr");
	if (*t->host_iface) {
		src_iface = stas_iface_table_iface_of_addr(ifaces, c->src_addr);
		if (!iface_equal(t->host_iface, src_iface))
			return verdict(why, FALSE, "src-addr is not on host-iface");
	}
	return verdict(why, TRUE, "host binding matches src-addr");
}

gboolean
stas_match_tid(const StasTid *tid, const StasExistingCtrl *ctrl, const StasIfaceTable *ifaces,
	       const char **why)
{
	g_return_val_if_fail(tid != NULL && ctrl != NULL, FALSE);

	if (!match_target(tid, ctrl, why))
		return FALSE;
	if (g_str_equal(tid->transport, "tcp"))
		return match_tcp(tid, ctrl, ifaces, why);
	if (g_str_equal(tid->transport, "fc")) {
		/* host-traddr is mandatory for fc and names the host port */
		if (g_ascii_strcasecmp(tid->host_traddr, ctrl->host_traddr) != 0)
			return verdict(why, FALSE, "fc host-traddr differs");
		return verdict(why, TRUE, "fc host-traddr matches");
	}
	if (g_str_equal(tid->transport, "rdma") && *tid->host_traddr) {
		if (!stas_ip_equal(tid->host_traddr, ctrl->host_traddr))
			return verdict(why, FALSE, "rdma host-traddr differs (as IP addresses)");
		return verdict(why, TRUE, "rdma host-traddr matches");
	}
	return verdict(why, TRUE, "target matches");
}

/* ---- adoption by audits -------------------------------------------------- */

/* a borrowed-strings map: the TID copies what it keeps */
static void
map_set(GHashTable *map, const char *key, const char *value)
{
	g_hash_table_insert(map, (gpointer)key, (gpointer)value);
}

StasTid *
stas_existing_ctrl_to_tid(const StasExistingCtrl *ctrl, const StasIfaceTable *ifaces,
			  gboolean ignore_iface)
{
	g_autoptr(GHashTable) map = g_hash_table_new(g_str_hash, g_str_equal);
	StasTidDefaults defaults = {.kind = STAS_TID_KIND_IOC, .ignore_iface = ignore_iface};
	const char *host_iface = ctrl->host_iface;

	/* the interface the kernel picked shows in the source address */
	if (g_str_equal(ctrl->transport, "tcp") && !*host_iface && *ctrl->src_addr) {
		host_iface = stas_iface_table_iface_of_addr(ifaces, ctrl->src_addr);
		if (host_iface == NULL)
			host_iface = "";
	}
	map_set(map, "transport", ctrl->transport);
	map_set(map, "traddr", ctrl->traddr);
	map_set(map, "trsvcid", ctrl->trsvcid);
	map_set(map, "subsysnqn", ctrl->subsysnqn);
	map_set(map, "host-traddr", ctrl->host_traddr);
	map_set(map, "host-iface", host_iface);
	map_set(map, "host-nqn", ctrl->host_nqn);
	map_set(map, "src-addr", ctrl->src_addr);
	return stas_tid_new_from_map(map, &defaults);
}
