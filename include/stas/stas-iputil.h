/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-iputil: IP address helpers (parse, compare, format).
 *
 * pure functions, thread-safe.  IPv4 and its IPv4-mapped IPv6 form compare
 * equal everywhere (REFERENCE 5.20).
 */
#pragma once

#include <glib.h>
#include <sys/socket.h>

G_BEGIN_DECLS

typedef struct {
	int family;	  /* AF_INET or AF_INET6 */
	guint8 bytes[16]; /* network order; AF_INET uses the first 4 */
} StasIpAddr;

/*
 * parse a numeric IPv4 or IPv6 literal (no hostnames, no brackets, an
 * IPv6 zone "%eth0" is accepted and ignored).  with unmap_v4, an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) comes back as AF_INET.
 */
gboolean stas_ip_parse(const char *text, gboolean unmap_v4, StasIpAddr *out);

/* TRUE when both parse and are the same address; IPv4 == its mapped form */
gboolean stas_ip_equal(const char *a, const char *b);
gboolean stas_ip_addr_equal(const StasIpAddr *a, const StasIpAddr *b);

/* canonical text (inet_ntop); newly allocated */
char *stas_ip_to_string(const StasIpAddr *addr);

/* AF_INET, AF_INET6 (mapped v4 counts as AF_INET), or 0 if not an IP literal */
int stas_ip_family(const char *text);

G_END_DECLS
