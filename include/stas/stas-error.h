/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-error: the one error domain of nvme-stas.
 *
 * every libstas function that can fail sets a STAS_ERROR (or passes on a
 * GIO/GLib error from below).  the domain is registered as D-Bus errors
 * named org.nvmexpress.stas.Error.<Code> so clients see the same codes.
 * thread-safe.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define STAS_ERROR (stas_error_quark())

typedef enum {
	STAS_ERROR_FAILED,	/* generic failure */
	STAS_ERROR_INVALID,	/* bad input: parse or validation error */
	STAS_ERROR_NOT_FOUND,	/* no such file, controller, device */
	STAS_ERROR_IO,		/* read/write/socket failure */
	STAS_ERROR_PERMISSION,	/* not allowed */
	STAS_ERROR_UNSUPPORTED, /* the kernel or a peer lacks a feature */
	STAS_ERROR_TIMEOUT,	/* an operation took too long */
	STAS_ERROR_CANCELLED,	/* an operation was cancelled */
	STAS_ERROR_BUSY,	/* try again later */
	STAS_ERROR_N_CODES,	/*< skip >*/
} StasErrorCode;

GQuark stas_error_quark(void);

/* name of a code, e.g. "Invalid"; "Failed" for out of range codes */
const char *stas_error_code_to_string(StasErrorCode code);

G_END_DECLS
