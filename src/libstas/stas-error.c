/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <gio/gio.h>

#include "stas/stas-error.h"

static const char *const code_names[STAS_ERROR_N_CODES] = {
	[STAS_ERROR_FAILED] = "Failed",
	[STAS_ERROR_INVALID] = "Invalid",
	[STAS_ERROR_NOT_FOUND] = "NotFound",
	[STAS_ERROR_IO] = "IO",
	[STAS_ERROR_PERMISSION] = "Permission",
	[STAS_ERROR_UNSUPPORTED] = "Unsupported",
	[STAS_ERROR_TIMEOUT] = "Timeout",
	[STAS_ERROR_CANCELLED] = "Cancelled",
	[STAS_ERROR_BUSY] = "Busy",
};

const char *
stas_error_code_to_string(StasErrorCode code)
{
	if ((int)code < 0 || code >= STAS_ERROR_N_CODES)
		return code_names[STAS_ERROR_FAILED];
	return code_names[code];
}

GQuark
stas_error_quark(void)
{
	static gsize quark = 0;

	if (g_once_init_enter(&quark)) {
		GQuark q = g_quark_from_static_string("stas-error-quark");

		/* map every code to org.nvmexpress.stas.Error.<Name> on the bus */
		for (int i = 0; i < STAS_ERROR_N_CODES; i++) {
			g_autofree char *name =
				g_strdup_printf("org.nvmexpress.stas.Error.%s", code_names[i]);
			g_dbus_error_register_error(q, i, name);
		}
		g_once_init_leave(&quark, q);
	}
	return (GQuark)quark;
}
