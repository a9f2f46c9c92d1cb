/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stafd-bus: stafd on the system bus (REFERENCE 3.1-3.3, 3.5, 3.6).
 *
 * exports /org/nvmexpress/staf with org.nvmexpress.staf and
 * org.nvmexpress.staf.debug (interface descriptions generated from
 * src/dbus/org.nvmexpress.staf.xml), then owns the name: systemd's
 * Type=dbus takes the name as "started".  translates the service's objects
 * to wire types: string dictionaries and JSON text, secrets redacted (B3).
 * setting a property is refused unless the caller is root, whatever the
 * bus policy says.
 *
 * threading: the main loop thread only.
 */
#pragma once

#include <gio/gio.h>

#include "stafd-service.h"

G_BEGIN_DECLS

#define STAFD_BUS_NAME "org.nvmexpress.staf"
#define STAFD_BUS_PATH "/org/nvmexpress/staf"

typedef struct _StafdBus StafdBus;

/* export on connection and request the name; name_lost runs if it is lost or refused */
StafdBus *stafd_bus_new(StafdService *service, GDBusConnection *connection, GCallback name_lost,
			gpointer user_data, GError **error);
void stafd_bus_free(StafdBus *bus);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StafdBus, stafd_bus_free)

G_END_DECLS
