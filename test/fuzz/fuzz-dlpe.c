/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz the discovery log page parser: the input is a raw log (header +
 * entries).  every accepted entry of a real transport must give a TID that
 * passes the last check before a connect.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stas/stas-dlpe.h"
#include "stas/stas-validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gboolean
is_real_transport(guint8 trtype)
{
	return trtype == STAS_DLPE_TRTYPE_TCP || trtype == STAS_DLPE_TRTYPE_RDMA ||
	       trtype == STAS_DLPE_TRTYPE_FC || trtype == STAS_DLPE_TRTYPE_LOOP;
}

static void
check_entry(const StasDlpe *e, const StasTid *dc)
{
	StasTidDefaults d = {.host_nqn = "nqn.2014-08.org.nvmexpress:uuid:fuzz"};
	g_autoptr(GHashTable) map = stas_dlpe_to_map(e);
	g_autoptr(StasTid) tid = stas_dlpe_to_tid(e, dc, &d);
	g_autoptr(StasTid) tid2 = stas_dlpe_map_to_tid(map, dc, &d);
	g_autoptr(StasTid) bare = stas_dlpe_to_tid(e, NULL, &d);
	g_autofree char *transport = stas_dlpe_transport(e);

	if (stas_dlpe_ncc(e) != stas_dlpe_map_ncc(map))
		abort();
	if (!stas_tid_equal(tid, tid2) || !g_str_equal(transport, tid->transport))
		abort();
	/* the host fields come from the DC (a tcp one here), so check the entry's own */
	if (is_real_transport(e->trtype) && !stas_validate_tid(bare, NULL))
		abort();
	if (!stas_dlpe_equal(e, e))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	StasTidDefaults dcd = {.kind = STAS_TID_KIND_DC};
	g_autoptr(StasTid) dc =
		stas_tid_new("tcp", "10.0.0.1", "8009", "nqn.2014-08.org.nvmexpress.discovery",
			     "10.0.0.2", "eth0", "nqn.2014-08.org.nvmexpress:uuid:dc", &dcd);
	g_autoptr(StasDlpeLog) log = NULL;
	g_autofree guint8 *copy = NULL;

	/* an exact-size copy, so ASan sees any overread */
	copy = g_malloc(size ? size : 1);
	memcpy(copy, data, size);
	log = stas_dlpe_log_parse(copy, size, "(fuzz)", NULL);
	if (log == NULL)
		return 0;
	if (log->entries->len > log->numrec || log->entries->len > STAS_DLP_MAX_RECORDS)
		abort();
	for (guint i = 0; i < log->entries->len; i++)
		check_entry(log->entries->pdata[i], dc);
	if (!stas_dlpe_list_equal(log->entries, log->entries) ||
	    !stas_dlpe_list_equal_subtype(log->entries, log->entries, STAS_DLPE_SUBTYPE_REFERRAL))
		abort();
	return 0;
}
