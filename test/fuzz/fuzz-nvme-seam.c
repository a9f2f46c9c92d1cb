/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz the pure half of the kernel seam.  the first byte picks what:
 *   0: connect options from '\n'-separated fields: whatever the fields hold,
 *      the option string has only known option names, each once (nothing was
 *      smuggled in);
 *   1: the discovery log read over a mock controller holding the input
 *      (genctr bumped every few commands, one command may fail): a success
 *      is numrec <= 4096 records, consistent, the last command cleared RAE;
 *   2: sysfs value cleaning, "address" parsing, the connect reply, names.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stas/stas-error.h"
#include "stas/stas-nvme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const option_names[] = {
	"nqn",
	"transport",
	"traddr",
	"host_traddr",
	"host_iface",
	"trsvcid",
	"hostnqn",
	"hostid",
	"discovery",
	"dhchap_secret",
	"dhchap_ctrl_secret",
	"nr_io_queues",
	"nr_write_queues",
	"nr_poll_queues",
	"queue_size",
	"keep_alive_tmo",
	"reconnect_delay",
	"ctrl_loss_tmo",
	"disable_sqflow",
	"hdr_digest",
	"data_digest",
};

static void
check_option_string(const char *s)
{
	g_auto(GStrv) tokens = g_strsplit(s, ",", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	if (strlen(s) >= STAS_NVME_CONNECT_MAX || !g_str_has_prefix(s, "nqn="))
		abort();
	for (char **t = tokens; *t != NULL; t++) {
		g_autofree char *name = g_strndup(*t, strcspn(*t, "="));
		gboolean known = FALSE;

		for (gsize i = 0; i < G_N_ELEMENTS(option_names); i++)
			known = known || strcmp(name, option_names[i]) == 0;
		if (!known || g_hash_table_contains(seen, name))
			abort();
		for (const char *c = *t; *c; c++) {
			if ((guchar)*c <= 0x20 || (guchar)*c >= 0x7f)
				abort();
		}
		g_hash_table_add(seen, g_steal_pointer(&name));
	}
}

static char *
field(char **fields, guint n, guint i)
{
	return i < n && *fields[i] ? g_strdup(fields[i]) : NULL;
}

static void
fuzz_connect(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_strndup((const char *)data, size);
	g_auto(GStrv) f = g_strsplit(text, "\n", 12);
	guint n = g_strv_length(f);
	g_autoptr(StasNvmeConnectParams) p = stas_nvme_connect_params_new();
	g_autoptr(StasNvmeOptions) k = stas_nvme_options_new("6.1.0", NULL);
	guint8 flags = size > 0 ? data[0] : 0;

	p->transport = field(f, n, 0);
	p->traddr = field(f, n, 1);
	p->trsvcid = field(f, n, 2);
	p->subsysnqn = field(f, n, 3);
	p->host_traddr = field(f, n, 4);
	p->host_iface = field(f, n, 5);
	p->host_nqn = field(f, n, 6);
	p->host_id = field(f, n, 7);
	p->dhchap_secret = field(f, n, 8);
	p->dhchap_ctrl_secret = field(f, n, 9);
	p->host_key = field(f, n, 10);
	p->discovery = flags & 1;
	p->hdr_digest = flags & 2;
	p->queue_size = (flags & 4) ? (int)size : STAS_NVME_UNSET;
	p->ctrl_loss_tmo = (flags & 8) ? -(int)(flags >> 4) : STAS_NVME_UNSET;
	p->kato = flags >> 4;

	for (int round = 0; round < 2; round++) {
		g_autoptr(GPtrArray) dropped = NULL;
		g_autofree char *s =
			stas_nvme_connect_options_build(p, round ? k : NULL, &dropped, NULL);

		if (s != NULL)
			check_option_string(s);
	}
}

typedef struct {
	GByteArray *log;
	guint calls;
	guint period; /* genctr + 1 before every period-th command (0: never) */
	int fail_at;
	gboolean last_rae;
} Mock;

static gssize
mock_chunk(gpointer user_data, guint64 offset, guint32 len, gboolean rae, guint8 lsp, guint8 *buf,
	   GError **error)
{
	Mock *m = user_data;
	guint n = m->calls++;

	if (m->period && n % m->period == 0 && m->log->len >= 8)
		m->log->data[0]++;
	m->last_rae = rae;
	if ((int)n == m->fail_at) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "mock failure");
		return -1;
	}
	if (len > STAS_NVME_DLP_CHUNK_SIZE)
		abort();
	memset(buf, 0, len);
	if (offset < m->log->len)
		memcpy(buf, m->log->data + offset, MIN((guint64)len, m->log->len - offset));
	return len;
}

static void
fuzz_dlp(const uint8_t *data, size_t size)
{
	Mock m = {g_byte_array_new(), 0, 0, -1, TRUE};
	g_autoptr(GBytes) log = NULL;
	guint64 numrec;

	if (size < 2) {
		g_byte_array_unref(m.log);
		return;
	}
	m.period = data[0] % 8;
	m.fail_at = data[1] < 64 ? data[1] : -1;
	g_byte_array_append(m.log, data + 2, (guint)(size - 2));
	/* the log is at most what the input holds: no huge allocations from numrec */
	log = stas_nvme_dlp_read(mock_chunk, &m, 0, &(StasNvmeDlpLimits){.max_records = 64}, NULL);
	if (log != NULL) {
		const guint8 *d = g_bytes_get_data(log, NULL);

		memcpy(&numrec, d + 8, 8);
		numrec = GUINT64_FROM_LE(numrec);
		if (m.last_rae || numrec > 64 ||
		    g_bytes_get_size(log) != STAS_NVME_DLP_HEADER_SIZE + numrec * 1024)
			abort();
	}
	g_byte_array_unref(m.log);
}

static void
fuzz_strings(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_strndup((const char *)data, size);
	g_autofree char *clean = stas_nvme_sysfs_value_clean((const char *)data, size);
	g_autoptr(StasNvmeCtrlInfo) info = g_new0(StasNvmeCtrlInfo, 1);
	int instance = 0;

	for (const char *c = clean; *c; c++) {
		if ((guchar)*c < 0x20 || (guchar)*c >= 0x7f)
			abort();
	}
	stas_nvme_ctrl_info_parse_address(info, text);
	stas_nvme_ctrl_info_parse_address(info, clean);
	if (stas_nvme_connect_reply_parse(text, &instance, NULL) && instance < 0)
		abort();
	if (stas_nvme_device_name_is_valid(text) && (strchr(text, '/') || strlen(text) > 13))
		abort();
	(void)stas_nvme_sysfs_name_is_namespace(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_connect(data + 1, size - 1);
		break;
	case 1:
		fuzz_dlp(data + 1, size - 1);
		break;
	default:
		fuzz_strings(data + 1, size - 1);
		break;
	}
	return 0;
}
