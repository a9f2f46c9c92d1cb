/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-timeparse: time spans as written in stafd.conf
 * (zeroconf-connections-persistence), REFERENCE 2.6.
 *
 * "72hours", "1:01", "3 days 5 hours", "-1", "0.5", "1 minute, 24 secs".
 * pure function, thread-safe.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* seconds (may be fractional or negative); FALSE if text is not a time span */
gboolean stas_timeparse(const char *text, double *seconds);

G_END_DECLS
