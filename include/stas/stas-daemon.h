/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-daemon: the small pieces stafd's and stacd's services share: logging
 * the diagnostics of the loaders, whether a configuration file can be read
 * at a reload, the kernel's fabrics options with the start-up warnings of
 * REFERENCE 2.10, the address checks of 5.13, and the a{ss} of their
 * D-Bus replies.
 *
 * threading: the owner's main loop thread (it logs).
 */
#pragma once

#include <glib.h>

#include "stas/stas-conf.h"
#include "stas/stas-nvme-options.h"
#include "stas/stas-tid.h"

G_BEGIN_DECLS

/*
 * a table of strings as the a{ss} of a D-Bus reply, keys in strcmp order;
 * a pair that is not UTF-8 is left out (D-Bus strings must be; everything
 * from the wire was validated before).  floating reference
 */
GVariant *stas_daemon_dict_to_variant(GHashTable *dict);

/* log StasDiag* at their level (errors and warnings as warnings) */
void stas_daemon_log_diagnostics(const GPtrArray *diags);
/* log plain strings at level */
void stas_daemon_log_strings(const GPtrArray *lines, GLogLevelFlags level);

/*
 * what the running kernel's fabrics driver takes (through the kernel seam),
 * with upstream's warnings when it cannot be read or lacks host_iface or
 * discovery.  never NULL.
 */
StasNvmeOptions *stas_daemon_read_kernel_options(void);

/*
 * FALSE with error when the configuration file at path is there but cannot
 * be read (not a regular file, a read error, too large).  a missing file is
 * readable: it means all defaults, as upstream.  a reload keeps the
 * configuration in use instead of falling back to the defaults (SPEC 5)
 */
gboolean stas_daemon_conf_readable(const char *path, GError **error);

/* the ip-family setting enables family (AF_INET, AF_INET6) */
gboolean stas_daemon_family_enabled(const StasConf *conf, int family);

/*
 * remove_invalid_addresses of REFERENCE 5.13: fc/loop pass, tcp/rdma need
 * an IP literal of an enabled family, other transports are refused; the
 * refusals are logged as upstream does
 */
gboolean stas_daemon_address_is_usable(const StasConf *conf, const StasTid *tid);

G_END_DECLS
