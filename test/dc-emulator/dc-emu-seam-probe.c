/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-seam-probe: what stafd does with a freshly connected DC, through
 * the project's kernel seam (stas-nvme.h), for vm-check.sh in the test
 * guest: DIM register with a symbolic name, Supported Log Pages, then the
 * discovery log with LSP PLEO when the DC supports it.
 *
 *   dc-emu-seam-probe nvme<N> SYMNAME
 *
 * prints "dim: ok", "lid70: 0x...", "log: lsp=L numrec=N genctr=G bytes=B"
 * (or the error of a step); exit 0 only if every step worked.
 */
#include "config.h"

#include <stdio.h>

#include "stas/stas-nvme.h"

static guint64
le64(const guint8 *p)
{
	guint64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int
main(int argc, char **argv)
{
	guint32 lid_support[STAS_NVME_SUPPORTED_LOG_PAGES] = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = NULL;
	const guint8 *data;
	gsize len = 0;
	guint8 lsp = 0;
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: dc-emu-seam-probe nvme<N> SYMNAME\n");
		return 2;
	}
	if (stas_nvme_dim_register(argv[1], argv[2], &error)) {
		printf("dim: ok\n");
	} else {
		printf("dim: error %s\n", error->message);
		g_clear_error(&error);
		rc = 1;
	}
	if (stas_nvme_get_supported_log_pages(argv[1], lid_support, &error)) {
		printf("lid70: 0x%08x\n", lid_support[STAS_NVME_LOG_LID_DISCOVERY]);
		if ((lid_support[STAS_NVME_LOG_LID_DISCOVERY] >> 16) & STAS_NVME_DLP_LSP_PLEO)
			lsp = STAS_NVME_DLP_LSP_PLEO;
	} else {
		printf("lid70: error %s\n", error->message);
		g_clear_error(&error);
		rc = 1;
	}
	log = stas_nvme_get_discovery_log(argv[1], lsp, &error);
	if (log == NULL) {
		printf("log: error %s\n", error->message);
		return 1;
	}
	data = g_bytes_get_data(log, &len);
	if (len < 16) {
		printf("log: error %zu bytes\n", len);
		return 1;
	}
	printf("log: lsp=%u numrec=%" G_GUINT64_FORMAT " genctr=%" G_GUINT64_FORMAT " bytes=%zu\n",
	       lsp, le64(data + 8), le64(data), len);
	return rc;
}
