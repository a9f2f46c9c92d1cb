/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stacd-bus: stacd on the system bus (REFERENCE 3.1, 3.4, 3.5, 5.9.3).
 *
 * the server side exports /org/nvmexpress/stac with org.nvmexpress.stac
 * (list_controllers) and org.nvmexpress.stac.debug (tron, log_level,
 * process_info, controller_info, and controllers_info, which upstream has
 * not: every controller's info in one call), interface descriptions generated from
 * src/dbus/org.nvmexpress.stac.xml, then owns the name.  secrets are
 * redacted (B3); setting a property is refused unless the caller is root,
 * whatever the bus policy says.
 *
 * the client side watches org.nvmexpress.staf: while it is owned, stafd's
 * log_pages_changed and dc_removed signals (from its owner only) trigger a
 * reconciliation, and the service's StacdLogPagesSource asks stafd for
 * get_all_log_pages(true), asynchronously (the main loop never waits on
 * stafd).  what stafd answers is parsed and checked by the service.
 *
 * threading: the main loop thread only.
 */
#pragma once

#include <gio/gio.h>

#include "stacd-service.h"

G_BEGIN_DECLS

#define STACD_BUS_NAME "org.nvmexpress.stac"
#define STACD_BUS_PATH "/org/nvmexpress/stac"

#define STACD_STAFD_NAME  "org.nvmexpress.staf"
#define STACD_STAFD_PATH  "/org/nvmexpress/staf"
#define STACD_STAFD_IFACE "org.nvmexpress.staf"
/* a stafd that does not answer within this is a stafd that failed (B2) */
#define STACD_STAFD_TIMEOUT_MS 10000

typedef struct _StacdBus StacdBus;

/* export on connection, request the name, watch stafd; name_lost runs if the name is lost
 * or refused */
StacdBus *stacd_bus_new(StacdService *service, GDBusConnection *connection, GCallback name_lost,
			gpointer user_data, GError **error);
void stacd_bus_free(StacdBus *bus);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StacdBus, stacd_bus_free)

G_END_DECLS
