/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-iface-table: the netlink interface/address cache.
 *
 * a StasIfaceTable is a snapshot of the host's links and addresses taken
 * with one rtnetlink dump per pass (REFERENCE 5.20, Q12: names from
 * if_indextoname()/IFLA_IFNAME, IFA_LOCAL before IFA_ADDRESS, native
 * endianness).  immutable once built, refcounted, readable from any
 * thread.  tables can also be built by hand for tests.
 */
#pragma once

#include <glib.h>

#include "stas/stas-iputil.h"

G_BEGIN_DECLS

typedef struct _StasIfaceTable StasIfaceTable;

/* one RTM_GETLINK + one RTM_GETADDR dump of the current network namespace */
StasIfaceTable *stas_iface_table_dump(GError **error);

/* an empty table, filled by the _add_ functions (tests) */
StasIfaceTable *stas_iface_table_new(void);
void stas_iface_table_add_link(StasIfaceTable *table, int ifindex, const char *ifname,
			       gboolean ether_or_loopback, const char *mac);
/* addresses of one interface are kept in the order added ("primary" first) */
void stas_iface_table_add_addr(StasIfaceTable *table, int ifindex, const char *ifname,
			       const char *addr);

StasIfaceTable *stas_iface_table_ref(StasIfaceTable *table);
void stas_iface_table_unref(StasIfaceTable *table);

/* name of the interface that owns addr (compared as addresses), or NULL */
const char *stas_iface_table_iface_of_addr(const StasIfaceTable *table, const char *addr);

/* first address of family (AF_INET/AF_INET6) on ifname, or NULL */
const char *stas_iface_table_primary_addr(const StasIfaceTable *table, const char *ifname,
					  int family);

/* all addresses of ifname of that family in kernel order (NULL-terminated, owned by table) */
const char *const *stas_iface_table_addrs(const StasIfaceTable *table, const char *ifname,
					  int family);

/* first ether/loopback link whose MAC equals mac (case-insensitive), or NULL */
const char *stas_iface_table_iface_of_mac(const StasIfaceTable *table, const char *mac);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasIfaceTable, stas_iface_table_unref)

G_END_DECLS
