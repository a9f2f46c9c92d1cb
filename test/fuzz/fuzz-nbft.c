/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz the NBFT parser and the candidates derived from a table.  each input
 * is parsed as it is and once more with its checksum fixed up, so mutations
 * get past the checksum into the descriptors and the heap.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stas/stas-nbft.h"
#include "stas/stas-tid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
use_candidates(GPtrArray *maps, StasTidKind kind)
{
	const StasTidDefaults defaults = {.kind = kind, .host_nqn = "nqn.fuzz"};

	for (guint i = 0; i < maps->len; i++) {
		g_autoptr(StasTid) tid =
			stas_tid_new_from_map(g_ptr_array_index(maps, i), &defaults);

		/* a candidate always has the four fields a connect needs */
		if (!*tid->transport || !*tid->traddr || !*tid->trsvcid || !*tid->subsysnqn)
			abort();
	}
}

static void
exercise(const StasNbft *nbft, StasIfaceTable *ifaces)
{
	g_autoptr(GPtrArray) diags = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) dcs = stas_nbft_dc_candidates(nbft, ifaces, diags);
	g_autoptr(GPtrArray) iocs = stas_nbft_ioc_candidates(nbft, ifaces, diags);

	use_candidates(dcs, STAS_TID_KIND_DC);
	use_candidates(iocs, STAS_TID_KIND_IOC);
	for (guint i = 0; i < nbft->ssns->len; i++) {
		const StasNbftSsns *s = g_ptr_array_index(nbft->ssns, i);
		g_autofree char *nid = stas_nbft_nid_to_string(s->nid_type, s->nid);

		/* a known NID type always prints */
		if ((s->nid_type >= STAS_NBFT_NID_EUI64 && s->nid_type <= STAS_NBFT_NID_UUID) !=
		    (nid != NULL))
			abort();
		/* the primary HFI always resolves */
		if (s->n_hfi_indexes < 1 || !stas_nbft_find_hfi(nbft, s->hfi_indexes[0]))
			abort();
		(void)stas_nbft_availability_name(s->availability);
	}
	for (guint i = 0; i < nbft->hfi->len; i++)
		(void)stas_nbft_ip_origin_name(
			((const StasNbftHfi *)g_ptr_array_index(nbft->hfi, i))->ip_origin);
}

static void
parse_one(const guint8 *data, size_t size, StasIfaceTable *ifaces)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNbft) nbft = stas_nbft_parse(data, size, "fuzz", &error);

	/* exactly one of a table and an error */
	if ((nbft == NULL) == (error == NULL))
		abort();
	if (nbft)
		exercise(nbft, ifaces);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(StasIfaceTable) ifaces = stas_iface_table_new();
	g_autofree guint8 *copy = NULL;
	guint8 sum = 0;

	if (size > 65536)
		return 0;
	stas_iface_table_add_link(ifaces, 1, "lo", TRUE, "00:00:00:00:00:00");
	stas_iface_table_add_link(ifaces, 2, "eth0", TRUE, "52:54:00:b8:19:b9");
	parse_one(data, size, ifaces);

	/* exactly size bytes, so ASan sees any overread */
	copy = g_malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (size >= 10) {
		copy[9] = 0;
		for (size_t i = 0; i < size; i++)
			sum = (guint8)(sum + copy[i]);
		copy[9] = (guint8)(0x100 - sum);
	}
	parse_one(copy, size, ifaces);
	return 0;
}
