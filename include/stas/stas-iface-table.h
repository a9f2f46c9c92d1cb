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

/*
 * the same from recorded dumps (replay and tests): links holds the
 * RTM_NEWLINK messages, addrs the RTM_NEWADDR ones, each ending with
 * NLMSG_DONE, native byte order, sequence numbers not checked.  malformed
 * or truncated messages are errors (STAS_ERROR_IO / STAS_ERROR_INVALID).
 */
StasIfaceTable *stas_iface_table_parse_dump(const guint8 *links, gsize links_len,
					    const guint8 *addrs, gsize addrs_len, GError **error);

/* an empty table, filled by the _add_ functions (tests) */
StasIfaceTable *stas_iface_table_new(void);
void stas_iface_table_add_link(StasIfaceTable *table, int ifindex, const char *ifname,
			       gboolean ether_or_loopback, const char *mac);
/*
 * addresses of one interface are kept in the order added ("primary" first).
 * the interface is found by ifindex; ifname names it only when ifindex is
 * new (a link's name wins).  text that is not an IP literal is ignored.
 */
void stas_iface_table_add_addr(StasIfaceTable *table, int ifindex, const char *ifname,
			       const char *addr);

StasIfaceTable *stas_iface_table_ref(StasIfaceTable *table);
void stas_iface_table_unref(StasIfaceTable *table);

/* name of the interface that owns addr (compared as addresses), or NULL */
const char *stas_iface_table_iface_of_addr(const StasIfaceTable *table, const char *addr);

/* first address of family (AF_INET/AF_INET6) on ifname, or NULL */
const char *stas_iface_table_primary_addr(const StasIfaceTable *table, const char *ifname,
					  int family);

/*
 * all addresses of ifname of that family in kernel order, as canonical text
 * (NULL-terminated, owned by table; an empty array, never NULL, when none)
 */
const char *const *stas_iface_table_addrs(const StasIfaceTable *table, const char *ifname,
					  int family);

/* first ether/loopback link whose MAC equals mac (case-insensitive), or NULL */
const char *stas_iface_table_iface_of_mac(const StasIfaceTable *table, const char *mac);

/* hardware address of ifname as "aa:bb:cc:dd:ee:ff" (any link type), or NULL */
const char *stas_iface_table_mac(const StasIfaceTable *table, const char *ifname);

/* interface index of ifname, or 0 */
int stas_iface_table_ifindex(const StasIfaceTable *table, const char *ifname);

/* names of every interface, links in kernel order; free with g_strfreev() */
char **stas_iface_table_list_ifnames(const StasIfaceTable *table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasIfaceTable, stas_iface_table_unref)

G_END_DECLS
