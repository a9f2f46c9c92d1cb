/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz mDNS TXT parsing and service identity.  input framing:
 *   byte 0      flags: bit 0 = kernel supports TP8013, bit 1 = port + 65536
 *   bytes 1-2   port, little-endian
 *   byte 3      n, then n bytes of address
 *   next byte   m, then m bytes of interface name
 *   the rest    TXT items, each a 2-byte little-endian length and its bytes
 *               (the last one cut at the end of the input)
 * any identity that comes out must pass the last check before a connect.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stas/stas-mdns-txt.h"
#include "stas/stas-tid.h"
#include "stas/stas-validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a length-prefixed string (1-byte length) as a C string, or NULL at the end */
static char *
take_str(const uint8_t *data, size_t size, size_t *pos)
{
	size_t n;

	if (*pos >= size)
		return NULL;
	n = MIN((size_t)data[*pos], size - *pos - 1);
	*pos += 1;
	*pos += n;
	return g_strndup((const char *)data + *pos - n, n);
}

static GPtrArray *
take_items(const uint8_t *data, size_t size, size_t pos)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

	while (pos + 2 <= size) {
		size_t n = data[pos] | (data[pos + 1] << 8);

		pos += 2;
		n = MIN(n, size - pos);
		g_ptr_array_add(items, g_bytes_new(data + pos, n));
		pos += n;
	}
	return items;
}

static void
check_identity(GHashTable *map)
{
	StasTidDefaults d = {.kind = STAS_TID_KIND_DC,
			     .host_nqn = "nqn.2014-08.org.nvmexpress:uuid:fuzz"};
	g_autoptr(StasTid) tid = stas_tid_new_from_map(map, &d);

	if (!stas_validate_tid(tid, NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *address = NULL, *iface = NULL, *repr = NULL;
	g_autoptr(GPtrArray) items = NULL;
	g_autoptr(StasMdnsTxt) txt = NULL;
	g_autoptr(GHashTable) map = NULL;
	g_autoptr(GError) error = NULL;
	size_t pos = 3;
	guint port;

	if (size < 3 || size > 65536)
		return 0;
	port = data[1] | (data[2] << 8) | ((data[0] & 2) ? 65536 : 0);
	address = take_str(data, size, &pos);
	iface = take_str(data, size, &pos);
	items = take_items(data, size, pos);

	txt = stas_mdns_txt_parse(items, "(fuzz)");
	repr = stas_mdns_txt_to_string(txt);
	map = stas_mdns_txt_identify(txt, iface, address, port, data[0] & 1, &error);
	if ((map == NULL) == (error == NULL))
		abort();
	if (map)
		check_identity(map);
	return 0;
}
