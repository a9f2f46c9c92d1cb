/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "stas/stas-iputil.h"

static const guint8 v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

gboolean
stas_ip_parse(const char *text, gboolean unmap_v4, StasIpAddr *out)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *zone;
	gsize len;
	StasIpAddr addr = {0};

	if (text == NULL || *text == '\0')
		return FALSE;

	if (inet_pton(AF_INET, text, addr.bytes) == 1) {
		addr.family = AF_INET;
		if (out)
			*out = addr;
		return TRUE;
	}

	/* an IPv6 zone index ("%eth0") is not part of the address */
	zone = strchr(text, '%');
	len = zone ? (gsize)(zone - text) : strlen(text);
	if (len == 0 || len >= sizeof(buf) || (zone && zone[1] == '\0'))
		return FALSE;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET6, buf, addr.bytes) != 1)
		return FALSE;
	addr.family = AF_INET6;

	if (unmap_v4 && memcmp(addr.bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		memmove(addr.bytes, addr.bytes + 12, 4);
		memset(addr.bytes + 4, 0, 12);
		addr.family = AF_INET;
	}
	if (out)
		*out = addr;
	return TRUE;
}

gboolean
stas_ip_addr_equal(const StasIpAddr *a, const StasIpAddr *b)
{
	if (a->family != b->family)
		return FALSE;
	return memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

gboolean
stas_ip_equal(const char *a, const char *b)
{
	StasIpAddr aa, bb;

	if (!stas_ip_parse(a, TRUE, &aa) || !stas_ip_parse(b, TRUE, &bb))
		return FALSE;
	return stas_ip_addr_equal(&aa, &bb);
}

char *
stas_ip_to_string(const StasIpAddr *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(addr->family, addr->bytes, buf, sizeof(buf)) == NULL)
		return g_strdup("");
	return g_strdup(buf);
}

int
stas_ip_family(const char *text)
{
	StasIpAddr addr;

	if (!stas_ip_parse(text, TRUE, &addr))
		return 0;
	return addr.family;
}
