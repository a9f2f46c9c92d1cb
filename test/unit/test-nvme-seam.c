/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the kernel seam without a kernel: the discovery log read algorithm (SPEC
 * B1) against a mock controller, the connect options (SPEC Q7, Q9, section 5,
 * REFERENCE 2.10), sysfs reading from a fake tree (REFERENCE 5.4), the
 * first line of /dev/nvme-fabrics.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <grp.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <unistd.h>

#include <glib/gstdio.h>

#include "stas/stas-error.h"
#include "stas/stas-nvme.h"

/* ------------------------------------------------------------------------ */
/* a mock discovery controller                                               */

typedef struct {
	guint64 offset;
	guint32 len;
	gboolean rae;
	guint8 lsp;
} Call;

typedef struct MockDc MockDc;
struct MockDc {
	GByteArray *log;			/* what the controller holds now */
	GArray *calls;				/* Call, every command in order */
	void (*before)(MockDc *dc, guint call); /* changes the log between commands */
	int fail_at;				/* this call fails (-1: none) */
	int short_at;				/* this call returns fewer bytes (-1: none) */
	int long_at;				/* this call claims more bytes (-1: none) */
	guint flips;				/* how often before() changed something */
};

static void
log_set_header(GByteArray *log, guint64 genctr, guint64 numrec)
{
	guint64 g = GUINT64_TO_LE(genctr);
	guint64 n = GUINT64_TO_LE(numrec);

	memcpy(log->data, &g, 8);
	memcpy(log->data + 8, &n, 8);
}

static guint64
log_genctr(const guint8 *data)
{
	guint64 g;

	memcpy(&g, data, 8);
	return GUINT64_FROM_LE(g);
}

/* a log of numrec entries; entry i is filled with byte (genctr + i) */
static GByteArray *
log_new(guint64 genctr, guint numrec)
{
	GByteArray *log = g_byte_array_new();

	g_byte_array_set_size(log, STAS_NVME_DLP_HEADER_SIZE + numrec * STAS_NVME_DLP_ENTRY_SIZE);
	memset(log->data, 0, log->len);
	log_set_header(log, genctr, numrec);
	for (guint i = 0; i < numrec; i++)
		memset(log->data + STAS_NVME_DLP_HEADER_SIZE + i * STAS_NVME_DLP_ENTRY_SIZE,
		       (int)((genctr + i) & 0xff), STAS_NVME_DLP_ENTRY_SIZE);
	return log;
}

static MockDc *
mock_new(guint64 genctr, guint numrec)
{
	MockDc *dc = g_new0(MockDc, 1);

	dc->log = log_new(genctr, numrec);
	dc->calls = g_array_new(FALSE, TRUE, sizeof(Call));
	dc->fail_at = dc->short_at = dc->long_at = -1;
	return dc;
}

static void
mock_free(MockDc *dc)
{
	g_byte_array_unref(dc->log);
	g_array_unref(dc->calls);
	g_free(dc);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MockDc, mock_free)

/* the controller returns zeros past the end of what it holds, like a real one */
static gssize
mock_chunk(gpointer user_data, guint64 offset, guint32 len, gboolean rae, guint8 lsp, guint8 *buf,
	   GError **error)
{
	MockDc *dc = user_data;
	guint n = dc->calls->len;
	Call c = {offset, len, rae, lsp};

	if (dc->before != NULL)
		dc->before(dc, n);
	g_array_append_val(dc->calls, c);
	if ((int)n == dc->fail_at) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "mock: Input/output error");
		return -1;
	}
	memset(buf, 0, len);
	if (offset < dc->log->len)
		memcpy(buf, dc->log->data + offset, MIN((guint64)len, dc->log->len - offset));
	if ((int)n == dc->short_at)
		return len / 2;
	if ((int)n == dc->long_at)
		return (gssize)len + 4;
	return len;
}

static const Call *
call_at(const MockDc *dc, guint i)
{
	return &g_array_index(dc->calls, Call, i);
}

/* B1: every command but the last retains the event, the last one clears it */
static void
assert_rae_cleared_last_only(const MockDc *dc)
{
	assert_true(dc->calls->len >= 2);
	for (guint i = 0; i + 1 < dc->calls->len; i++)
		assert_true(call_at(dc, i)->rae);
	assert_false(call_at(dc, dc->calls->len - 1)->rae);
}

static void
assert_call(const MockDc *dc, guint i, guint64 offset, guint32 len, gboolean rae)
{
	const Call *c = call_at(dc, i);

	assert_int_equal(c->offset, offset);
	assert_int_equal(c->len, len);
	assert_int_equal(c->rae, rae);
}

static void
test_dlp_empty_log_reads_header_twice_and_clears_rae(void **state)
{
	g_autoptr(MockDc) dc = mock_new(7, 0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);

	assert_non_null(log);
	assert_int_equal(g_bytes_get_size(log), 1024);
	assert_int_equal(dc->calls->len, 2);
	assert_call(dc, 0, 0, 1024, TRUE);
	assert_call(dc, 1, 0, 1024, FALSE);
}

static void
test_dlp_three_records_header_entries_header(void **state)
{
	g_autoptr(MockDc) dc = mock_new(1, 3);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);
	gsize size = 0;
	const guint8 *data;

	assert_non_null(log);
	data = g_bytes_get_data(log, &size);
	assert_int_equal(size, 4096);
	assert_memory_equal(data, dc->log->data, size);
	assert_int_equal(dc->calls->len, 3);
	assert_call(dc, 0, 0, 1024, TRUE);
	assert_call(dc, 1, 1024, 3072, TRUE);
	assert_call(dc, 2, 0, 1024, FALSE);
}

/* the 4+ record case that libnvme 1.3 gets wrong (vm/NOTES.md pitfall 8) */
static void
test_dlp_ten_records_in_4k_chunks_last_command_clears_rae(void **state)
{
	g_autoptr(MockDc) dc = mock_new(1, 10);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);
	gsize size = 0;
	const guint8 *data;

	assert_non_null(log);
	data = g_bytes_get_data(log, &size);
	assert_int_equal(size, 1024 + 10 * 1024);
	assert_memory_equal(data, dc->log->data, size);
	assert_int_equal(dc->calls->len, 5);
	assert_call(dc, 0, 0, 1024, TRUE);
	assert_call(dc, 1, 1024, 4096, TRUE);
	assert_call(dc, 2, 5120, 4096, TRUE);
	assert_call(dc, 3, 9216, 2048, TRUE);
	assert_call(dc, 4, 0, 1024, FALSE);
	assert_rae_cleared_last_only(dc);
}

static void
test_dlp_lsp_pleo_goes_with_every_command(void **state)
{
	g_autoptr(MockDc) dc = mock_new(1, 5);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log =
		stas_nvme_dlp_read(mock_chunk, dc, STAS_NVME_DLP_LSP_PLEO, NULL, &error);

	assert_non_null(log);
	for (guint i = 0; i < dc->calls->len; i++)
		assert_int_equal(call_at(dc, i)->lsp, 0x2);
}

/* the log changes once, right after the first header was read */
static void
change_after_first_header(MockDc *dc, guint call)
{
	if (call != 1)
		return;
	g_byte_array_unref(dc->log);
	dc->log = log_new(2, 6);
	dc->flips++;
}

static void
test_dlp_genctr_change_during_read_is_retried(void **state)
{
	g_autoptr(MockDc) dc = mock_new(1, 6);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = NULL;
	gsize size = 0;
	const guint8 *data;

	dc->before = change_after_first_header;
	log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);
	assert_non_null(log);
	data = g_bytes_get_data(log, &size);
	/* the second pass: the new log, whole and consistent */
	assert_int_equal(log_genctr(data), 2);
	assert_memory_equal(data, dc->log->data, size);
	/* two passes of header, 2 chunks, header */
	assert_int_equal(dc->calls->len, 8);
	assert_call(dc, 3, 0, 1024, FALSE);
	assert_call(dc, 4, 0, 1024, TRUE);
	assert_call(dc, 7, 0, 1024, FALSE);
}

/* a controller whose log changes between every two commands */
static void
change_always(MockDc *dc, guint call)
{
	guint64 g = log_genctr(dc->log->data);

	log_set_header(dc->log, g + 1, 4);
	dc->flips++;
}

static void
test_dlp_genctr_changing_forever_fails_after_bounded_retries(void **state)
{
	g_autoptr(MockDc) dc = mock_new(1, 4);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = NULL;

	dc->before = change_always;
	log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);
	assert_null(log);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_BUSY));
	/* 6 passes of header, 1 chunk (4 entries), header */
	assert_int_equal(dc->calls->len, 6 * 3);
	/* even the failed read re-armed the AEN */
	assert_false(call_at(dc, dc->calls->len - 1)->rae);
}

static void
test_dlp_retry_limit_is_configurable(void **state)
{
	g_autoptr(MockDc) dc = mock_new(1, 4);
	g_autoptr(GError) error = NULL;
	StasNvmeDlpLimits limits = {.max_retries = 2};
	g_autoptr(GBytes) log = NULL;

	dc->before = change_always;
	log = stas_nvme_dlp_read(mock_chunk, dc, 0, &limits, &error);
	assert_null(log);
	assert_int_equal(dc->calls->len, 2 * 3);
}

/* numrec changes, genctr does not: a lying controller is read again too */
static void
change_numrec_only(MockDc *dc, guint call)
{
	if (call != 2)
		return;
	log_set_header(dc->log, log_genctr(dc->log->data), 2);
	dc->flips++;
}

static void
test_dlp_numrec_change_without_genctr_change_is_retried(void **state)
{
	g_autoptr(MockDc) dc = mock_new(5, 3);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = NULL;

	dc->before = change_numrec_only;
	log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);
	assert_non_null(log);
	assert_int_equal(g_bytes_get_size(log), 1024 + 2 * 1024);
	/* each pass ends with its RAE=0 header read */
	assert_int_equal(dc->calls->len, 6);
	assert_call(dc, 2, 0, 1024, FALSE);
	assert_call(dc, 3, 0, 1024, TRUE);
	assert_call(dc, 4, 1024, 2048, TRUE);
	assert_call(dc, 5, 0, 1024, FALSE);
}

static void
test_dlp_huge_numrec_is_refused_without_reading_entries(void **state)
{
	g_autoptr(MockDc) dc = mock_new(1, 0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = NULL;

	log_set_header(dc->log, 1, G_GUINT64_CONSTANT(0x8000000000000000));
	log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);
	assert_null(log);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_non_null(strstr(error->message, "9223372036854775808"));
	/* the header, then a RAE=0 header read so the next change is still announced */
	assert_int_equal(dc->calls->len, 2);
	assert_call(dc, 0, 0, 1024, TRUE);
	assert_call(dc, 1, 0, 1024, FALSE);
}

static void
test_dlp_numrec_limit_is_inclusive(void **state)
{
	StasNvmeDlpLimits limits = {.max_records = 8};
	g_autoptr(MockDc) ok = mock_new(1, 8);
	g_autoptr(MockDc) over = mock_new(1, 9);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = stas_nvme_dlp_read(mock_chunk, ok, 0, &limits, &error);
	g_autoptr(GBytes) none = NULL;

	assert_non_null(log);
	none = stas_nvme_dlp_read(mock_chunk, over, 0, &limits, &error);
	assert_null(none);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
}

static void
test_dlp_default_limit_is_4096_records(void **state)
{
	g_autoptr(MockDc) dc = mock_new(1, 0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = NULL;

	log_set_header(dc->log, 1, 4097);
	log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);
	assert_null(log);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
}

/* the header promises more entries than the controller holds: zeros come back */
static void
test_dlp_numrec_above_content_returns_numrec_entries(void **state)
{
	g_autoptr(MockDc) dc = mock_new(3, 2);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = NULL;
	const guint8 *data;
	gsize size = 0;

	log_set_header(dc->log, 3, 5);
	log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);
	assert_non_null(log);
	data = g_bytes_get_data(log, &size);
	assert_int_equal(size, 1024 + 5 * 1024);
	assert_int_equal(data[1024 + 4 * 1024], 0);
	assert_rae_cleared_last_only(dc);
}

static void
test_dlp_command_error_is_returned_with_offset(void **state)
{
	g_autoptr(MockDc) dc = mock_new(1, 10);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = NULL;

	dc->fail_at = 2;
	log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);
	assert_null(log);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
	assert_non_null(strstr(error->message, "offset 5120"));
	assert_int_equal(dc->calls->len, 3);
}

static void
test_dlp_short_read_is_an_error(void **state)
{
	g_autoptr(MockDc) dc = mock_new(1, 3);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = NULL;

	dc->short_at = 1;
	log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);
	assert_null(log);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
	assert_non_null(strstr(error->message, "1536 of 3072 bytes"));
}

static void
test_dlp_overlong_read_is_an_error(void **state)
{
	g_autoptr(MockDc) dc = mock_new(1, 3);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = NULL;

	dc->long_at = 0;
	log = stas_nvme_dlp_read(mock_chunk, dc, 0, NULL, &error);
	assert_null(log);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
}

static void
test_dlp_every_command_stays_within_chunk_and_log(void **state)
{
	StasNvmeDlpLimits limits = {.chunk_size = 1030}; /* rounded down to dwords */
	g_autoptr(MockDc) dc = mock_new(1, 7);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = stas_nvme_dlp_read(mock_chunk, dc, 0, &limits, &error);

	assert_non_null(log);
	for (guint i = 0; i < dc->calls->len; i++) {
		const Call *c = call_at(dc, i);

		assert_true(c->len <= 1028);
		assert_int_equal(c->len % 4, 0);
		assert_true(c->offset + c->len <= 1024 + 7 * 1024);
	}
	assert_rae_cleared_last_only(dc);
}

/* ------------------------------------------------------------------------ */
/* connect options                                                           */

#define HOSTNQN "nqn.2014-08.org.nvmexpress:uuid:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
#define HOSTID	"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
#define SUBNQN	"nqn.2014-08.org.example:subsys1"
#define SECRET	"DHHC-1:00:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0PQ==:"
#define CSECRET "DHHC-1:01:Y3RybHNlY3JldGN0cmxzZWNyZXRjdHJsc2VjcmV0MTI=:"

/* the first line of /dev/nvme-fabrics, as Debian's 6.1.0-57 prints it (test VM) */
#define LINE_6_1                                                                                   \
	"instance=-1,cntlid=-1,transport=%s,traddr=%s,trsvcid=%s,nqn=%s,queue_size=%d,"            \
	"nr_io_queues=%d,reconnect_delay=%d,ctrl_loss_tmo=%d,keep_alive_tmo=%d,hostnqn=%s,"        \
	"host_traddr=%s,host_iface=%s,hostid=%s,duplicate_connect,disable_sqflow,hdr_digest,"      \
	"data_digest,nr_write_queues=%d,nr_poll_queues=%d,tos=%d,fast_io_fail_tmo=%d,discovery,"   \
	"dhchap_secret=%s,dhchap_ctrl_secret=%s"

/* a 5.10 kernel: no host_iface, discovery or dhchap */
#define LINE_5_10                                                                                  \
	"instance=-1,cntlid=-1,transport=%s,traddr=%s,trsvcid=%s,nqn=%s,queue_size=%d,"            \
	"nr_io_queues=%d,reconnect_delay=%d,ctrl_loss_tmo=%d,keep_alive_tmo=%d,hostnqn=%s,"        \
	"host_traddr=%s,hostid=%s,duplicate_connect,disable_sqflow,hdr_digest,data_digest,"        \
	"nr_write_queues=%d,nr_poll_queues=%d,tos=%d"

static StasNvmeConnectParams *
tcp_ioc(void)
{
	StasNvmeConnectParams *p = stas_nvme_connect_params_new();

	p->transport = g_strdup("tcp");
	p->traddr = g_strdup("192.168.1.10");
	p->trsvcid = g_strdup("4420");
	p->subsysnqn = g_strdup(SUBNQN);
	p->host_nqn = g_strdup(HOSTNQN);
	p->host_id = g_strdup(HOSTID);
	return p;
}

static StasNvmeConnectParams *
tcp_dc(const char *nqn)
{
	StasNvmeConnectParams *p = tcp_ioc();

	g_free(p->subsysnqn);
	p->subsysnqn = g_strdup(nqn);
	g_free(p->trsvcid);
	p->trsvcid = g_strdup("8009");
	p->discovery = TRUE;
	return p;
}

static char *
build(const StasNvmeConnectParams *p, const StasNvmeOptions *kernel, GPtrArray **dropped)
{
	g_autoptr(GError) error = NULL;
	char *s = stas_nvme_connect_options_build(p, kernel, dropped, &error);

	if (s == NULL)
		fail_msg("unexpected error: %s", error->message);
	return s;
}

static gboolean
dropped_has(GPtrArray *dropped, const char *text)
{
	for (guint i = 0; i < dropped->len; i++) {
		if (strcmp(g_ptr_array_index(dropped, i), text) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
assert_invalid(const StasNvmeConnectParams *p, const char *in_message)
{
	g_autoptr(StasNvmeOptions) k = stas_nvme_options_new("6.1.0", LINE_6_1);
	g_autoptr(GError) error = NULL;
	g_autofree char *s = stas_nvme_connect_options_build(p, k, NULL, &error);

	assert_null(s);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	if (in_message != NULL && strstr(error->message, in_message) == NULL)
		fail_msg("\"%s\" not in \"%s\"", in_message, error->message);
}

static void
test_connect_minimal_tcp_ioc_passes_only_what_is_given(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(StasNvmeOptions) k = stas_nvme_options_new("6.1.0", LINE_6_1);
	g_autoptr(GPtrArray) dropped = NULL;
	g_autofree char *s = build(p, k, &dropped);

	assert_string_equal(s, "nqn=" SUBNQN ",transport=tcp,traddr=192.168.1.10,trsvcid=4420,"
			       "hostnqn=" HOSTNQN ",hostid=" HOSTID);
	assert_int_equal(dropped->len, 0);
}

static void
test_connect_full_tcp_ioc_exact_option_set(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(StasNvmeOptions) k = stas_nvme_options_new("6.1.0", LINE_6_1);
	g_autoptr(GPtrArray) dropped = NULL;
	g_autofree char *s = NULL;

	p->host_traddr = g_strdup("192.168.1.2");
	p->host_iface = g_strdup("eth0");
	p->dhchap_secret = g_strdup(SECRET);
	p->dhchap_ctrl_secret = g_strdup(CSECRET);
	p->kato = 30;
	p->queue_size = 128;
	p->nr_io_queues = 4;
	p->nr_write_queues = 2;
	p->nr_poll_queues = 1;
	p->reconnect_delay = 10;
	p->ctrl_loss_tmo = 600;
	p->hdr_digest = p->data_digest = p->disable_sqflow = TRUE;
	s = build(p, k, &dropped);
	assert_string_equal(s, "nqn=" SUBNQN ",transport=tcp,traddr=192.168.1.10,"
			       "host_traddr=192.168.1.2,host_iface=eth0,trsvcid=4420,"
			       "hostnqn=" HOSTNQN ",hostid=" HOSTID ",dhchap_secret=" SECRET
			       ",dhchap_ctrl_secret=" CSECRET ",nr_io_queues=4,nr_write_queues=2,"
			       "nr_poll_queues=1,queue_size=128,keep_alive_tmo=30,"
			       "reconnect_delay=10,ctrl_loss_tmo=600,disable_sqflow,hdr_digest,"
			       "data_digest");
	assert_int_equal(dropped->len, 0);
}

/* SPEC Q7: upstream's binding dropped it */
static void
test_connect_queue_size_reaches_the_kernel(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(StasNvmeOptions) k = stas_nvme_options_new("6.1.0", LINE_6_1);
	g_autofree char *s = NULL;

	p->queue_size = 1024;
	s = build(p, k, NULL);
	assert_true(g_str_has_suffix(s, ",queue_size=1024"));
}

static void
test_connect_queue_size_outside_16_to_1024_is_refused(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();

	p->queue_size = 15;
	assert_invalid(p, "queue-size: 15");
	p->queue_size = 1025;
	assert_invalid(p, "queue-size: 1025");
	p->queue_size = 16;
	{
		g_autofree char *s = build(p, NULL, NULL);

		assert_non_null(strstr(s, ",queue_size=16"));
	}
}

/* SPEC Q9: the connection's own host NQN, not the default host's */
static void
test_connect_uses_the_host_nqn_of_the_params(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autofree char *s = NULL;

	g_free(p->host_nqn);
	p->host_nqn = g_strdup("nqn.2014-08.org.example:nbft-host");
	s = build(p, NULL, NULL);
	assert_non_null(strstr(s, ",hostnqn=nqn.2014-08.org.example:nbft-host,"));
}

static void
test_connect_without_host_nqn_is_refused(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();

	g_clear_pointer(&p->host_nqn, g_free);
	assert_invalid(p, "host");
}

static void
test_connect_unset_numbers_are_not_passed(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autofree char *s = NULL;

	p->kato = 0; /* like libnvme: 0 is "unset" */
	p->nr_io_queues = -3;
	s = build(p, NULL, NULL);
	assert_null(strstr(s, "keep_alive_tmo"));
	assert_null(strstr(s, "nr_io_queues"));
	assert_null(strstr(s, "ctrl_loss_tmo"));
}

static void
test_connect_ctrl_loss_tmo_negative_means_forever(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	g_autofree char *c = NULL;

	p->ctrl_loss_tmo = -1;
	a = build(p, NULL, NULL);
	p->ctrl_loss_tmo = -5;
	b = build(p, NULL, NULL);
	p->ctrl_loss_tmo = 0;
	c = build(p, NULL, NULL);
	assert_true(g_str_has_suffix(a, ",ctrl_loss_tmo=-1"));
	assert_true(g_str_has_suffix(b, ",ctrl_loss_tmo=-1"));
	assert_true(g_str_has_suffix(c, ",ctrl_loss_tmo=0"));
}

/* REFERENCE 2.10: only what the running kernel lists */
static void
test_connect_leaves_out_options_the_kernel_does_not_list(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(StasNvmeOptions) k = stas_nvme_options_new("5.10.0", LINE_5_10);
	g_autoptr(GPtrArray) dropped = NULL;
	g_autofree char *s = NULL;

	p->host_iface = g_strdup("eth0");
	p->dhchap_secret = g_strdup(SECRET);
	p->dhchap_ctrl_secret = g_strdup(CSECRET);
	p->queue_size = 64;
	s = build(p, k, &dropped);
	assert_string_equal(s, "nqn=" SUBNQN ",transport=tcp,traddr=192.168.1.10,trsvcid=4420,"
			       "hostnqn=" HOSTNQN ",hostid=" HOSTID ",queue_size=64");
	assert_int_equal(dropped->len, 3);
	assert_true(dropped_has(dropped, "host_iface: not supported by the kernel"));
	assert_true(dropped_has(dropped, "dhchap_secret: not supported by the kernel"));
	assert_true(dropped_has(dropped, "dhchap_ctrl_secret: not supported by the kernel"));
}

static void
test_connect_without_option_list_capabilities_follow_the_kernel_version(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(StasNvmeOptions) new_kernel = stas_nvme_options_new("6.1.0-13-amd64", NULL);
	g_autoptr(StasNvmeOptions) old_kernel = stas_nvme_options_new("5.10.0", NULL);
	g_autoptr(GPtrArray) dropped = NULL;
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;

	p->host_iface = g_strdup("eth0");
	p->nr_poll_queues = 2;
	a = build(p, new_kernel, NULL);
	b = build(p, old_kernel, &dropped);
	assert_non_null(strstr(a, ",host_iface=eth0,"));
	assert_null(strstr(b, "host_iface"));
	/* the other options are in every kernel: passed blind */
	assert_non_null(strstr(b, ",nr_poll_queues=2"));
	assert_true(dropped_has(dropped, "host_iface: not supported by the kernel"));
}

static void
test_connect_with_nothing_known_leaves_out_the_capabilities(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(GPtrArray) dropped = NULL;
	g_autofree char *s = NULL;

	p->host_iface = g_strdup("eth0");
	p->host_key = g_strdup(SECRET);
	p->kato = 5;
	s = build(p, NULL, &dropped);
	assert_null(strstr(s, "host_iface"));
	assert_null(strstr(s, "dhchap"));
	assert_non_null(strstr(s, ",keep_alive_tmo=5"));
	assert_int_equal(dropped->len, 2);
}

static void
test_connect_rdma_never_gets_host_iface_or_digests(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(StasNvmeOptions) k = stas_nvme_options_new("6.1.0", LINE_6_1);
	g_autoptr(GPtrArray) dropped = NULL;
	g_autofree char *s = NULL;

	g_free(p->transport);
	p->transport = g_strdup("rdma");
	p->host_traddr = g_strdup("192.168.1.2");
	p->host_iface = g_strdup("ib0");
	p->hdr_digest = TRUE;
	p->nr_write_queues = 2;
	s = build(p, k, &dropped);
	assert_string_equal(s, "nqn=" SUBNQN ",transport=rdma,traddr=192.168.1.10,"
			       "host_traddr=192.168.1.2,trsvcid=4420,hostnqn=" HOSTNQN
			       ",hostid=" HOSTID ",nr_write_queues=2");
	assert_true(dropped_has(dropped, "host_iface: not used by rdma"));
	assert_true(dropped_has(dropped, "hdr_digest: not used by rdma"));
}

static void
test_connect_fc_needs_host_traddr_and_takes_no_trsvcid(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = stas_nvme_connect_params_new();
	g_autoptr(GPtrArray) dropped = NULL;
	g_autofree char *s = NULL;

	p->transport = g_strdup("fc");
	p->traddr = g_strdup("nn-0x1000000044001123:pn-0x2000000055001123");
	p->trsvcid = g_strdup("4420");
	p->subsysnqn = g_strdup(SUBNQN);
	p->host_nqn = g_strdup(HOSTNQN);
	p->nr_poll_queues = 2;
	assert_invalid(p, "host-traddr: missing for fc");
	p->host_traddr = g_strdup("nn-0x1000000044001124:pn-0x2000000055001124");
	s = build(p, NULL, &dropped);
	assert_string_equal(s, "nqn=" SUBNQN ",transport=fc,"
			       "traddr=nn-0x1000000044001123:pn-0x2000000055001123,"
			       "host_traddr=nn-0x1000000044001124:pn-0x2000000055001124,"
			       "hostnqn=" HOSTNQN);
	assert_true(dropped_has(dropped, "trsvcid: not used by fc"));
	assert_true(dropped_has(dropped, "nr_poll_queues: not used by fc"));
}

static void
test_connect_loop_takes_no_reconnect_options(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = stas_nvme_connect_params_new();
	g_autoptr(GPtrArray) dropped = NULL;
	g_autofree char *s = NULL;

	p->transport = g_strdup("loop");
	p->subsysnqn = g_strdup(SUBNQN);
	p->host_nqn = g_strdup(HOSTNQN);
	p->ctrl_loss_tmo = 60;
	p->reconnect_delay = 2;
	s = build(p, NULL, &dropped);
	assert_string_equal(s, "nqn=" SUBNQN ",transport=loop,hostnqn=" HOSTNQN);
	assert_int_equal(dropped->len, 2);
}

static void
test_connect_dc_with_well_known_nqn_has_no_discovery_flag(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_dc("nqn.2014-08.org.nvmexpress.discovery");
	g_autoptr(StasNvmeOptions) k = stas_nvme_options_new("6.1.0", LINE_6_1);
	g_autoptr(GPtrArray) dropped = NULL;
	g_autofree char *s = NULL;

	p->kato = 30;
	p->queue_size = 64;
	p->nr_io_queues = 4;
	p->dhchap_secret = g_strdup(SECRET);
	p->host_key = g_strdup(SECRET);
	s = build(p, k, &dropped);
	assert_string_equal(s, "nqn=nqn.2014-08.org.nvmexpress.discovery,transport=tcp,"
			       "traddr=192.168.1.10,trsvcid=8009,hostnqn=" HOSTNQN ",hostid=" HOSTID
			       ",keep_alive_tmo=30");
	assert_true(dropped_has(dropped, "dhchap_secret: not used by discovery controllers"));
	assert_true(dropped_has(dropped, "queue_size: not used by discovery controllers"));
	assert_true(dropped_has(dropped, "nr_io_queues: not used by discovery controllers"));
}

static void
test_connect_dc_with_unique_nqn_gets_discovery_flag_if_supported(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_dc("nqn.2014-08.com.example:cdc");
	g_autoptr(StasNvmeOptions) k = stas_nvme_options_new("6.1.0", LINE_6_1);
	g_autoptr(StasNvmeOptions) old = stas_nvme_options_new("5.10.0", LINE_5_10);
	g_autoptr(GPtrArray) dropped = NULL;
	g_autofree char *a = build(p, k, NULL);
	g_autofree char *b = build(p, old, &dropped);

	assert_true(g_str_has_suffix(a, ",hostid=" HOSTID ",discovery"));
	assert_null(strstr(b, "discovery,"));
	assert_false(g_str_has_suffix(b, ",discovery"));
	assert_true(dropped_has(dropped, "discovery: not supported by the kernel"));
}

static void
test_connect_per_controller_secret_wins_over_host_key(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(StasNvmeOptions) k = stas_nvme_options_new("6.1.0", LINE_6_1);
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;

	p->host_key = g_strdup("DHHC-1:00:aG9zdGtleWhvc3RrZXlob3N0a2V5aG9zdGtleTE=:");
	a = build(p, k, NULL);
	p->dhchap_secret = g_strdup(SECRET);
	b = build(p, k, NULL);
	assert_non_null(
		strstr(a, ",dhchap_secret=DHHC-1:00:aG9zdGtleWhvc3RrZXlob3N0a2V5aG9zdGtleTE=:"));
	assert_non_null(strstr(b, ",dhchap_secret=" SECRET));
	assert_null(strstr(b, "aG9zdGtleW"));
}

/* SPEC section 5: a string that would add options of its own never reaches the kernel */
static void
test_connect_refuses_injected_options(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();

	g_free(p->traddr);
	p->traddr = g_strdup("1.2.3.4,hostnqn=x");
	assert_invalid(p, "traddr");
	g_free(p->traddr);
	p->traddr = g_strdup("1.2.3.4");

	g_free(p->trsvcid);
	p->trsvcid = g_strdup("4420,nr_io_queues=1");
	assert_invalid(p, "trsvcid");
	g_free(p->trsvcid);
	p->trsvcid = g_strdup("4420");

	g_free(p->subsysnqn);
	p->subsysnqn = g_strdup("nqn.2014-08.org.example:a,discovery");
	assert_invalid(p, "subsystem");
	g_free(p->subsysnqn);
	p->subsysnqn = g_strdup("nqn.2014-08.org.example:a\nb");
	assert_invalid(p, "subsystem");
	g_free(p->subsysnqn);
	p->subsysnqn = g_strdup(SUBNQN);

	p->host_iface = g_strdup("eth0,tos=1");
	assert_invalid(p, "interface");
	g_free(p->host_iface);
	p->host_iface = g_strdup("eth0");

	p->host_traddr = g_strdup("10.0.0.1 ");
	assert_invalid(p, "host-traddr");
	g_free(p->host_traddr);
	p->host_traddr = NULL;

	g_free(p->host_id);
	p->host_id = g_strdup("not-a-uuid");
	assert_invalid(p, "host ID");
}

static void
test_connect_tcp_traddr_must_be_an_ip_literal(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();

	g_free(p->traddr);
	p->traddr = g_strdup("target.example.com");
	assert_invalid(p, "traddr");
	g_free(p->traddr);
	p->traddr = g_strdup("fe80::1%eth0");
	{
		g_autofree char *s = build(p, NULL, NULL);

		assert_non_null(strstr(s, ",traddr=fe80::1%eth0,"));
	}
}

static void
test_connect_refused_secret_is_never_shown(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(GError) error = NULL;
	g_autofree char *s = NULL;

	p->dhchap_secret = g_strdup("DHHC-1:00:TOPSECRETVALUE,hostnqn=x:");
	s = stas_nvme_connect_options_build(p, NULL, NULL, &error);
	assert_null(s);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_null(strstr(error->message, "TOPSECRET"));
	assert_non_null(strstr(error->message, "dhchap-secret"));
}

static void
test_connect_unknown_transport_is_refused(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();

	g_free(p->transport);
	p->transport = g_strdup("pcie");
	assert_invalid(p, "transport");
	g_clear_pointer(&p->transport, g_free);
	assert_invalid(p, "transport");
}

static void
test_connect_params_copy_is_deep(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(StasNvmeConnectParams) c = NULL;

	p->kato = 12;
	p->dhchap_secret = g_strdup(SECRET);
	c = stas_nvme_connect_params_copy(p);
	assert_ptr_not_equal(c->traddr, p->traddr);
	assert_string_equal(c->traddr, "192.168.1.10");
	assert_string_equal(c->dhchap_secret, SECRET);
	assert_int_equal(c->kato, 12);
	assert_int_equal(c->queue_size, STAS_NVME_UNSET);
}

static void
test_connect_reply_gives_the_instance(void **state)
{
	g_autoptr(GError) error = NULL;
	int instance = -1;

	assert_true(stas_nvme_connect_reply_parse("instance=3,cntlid=1\n", &instance, NULL));
	assert_int_equal(instance, 3);
	assert_true(stas_nvme_connect_reply_parse("cntlid=1,instance=12", &instance, NULL));
	assert_int_equal(instance, 12);
	assert_false(stas_nvme_connect_reply_parse("cntlid=1\n", &instance, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
	assert_false(stas_nvme_connect_reply_parse("instance=-1", &instance, NULL));
	assert_false(stas_nvme_connect_reply_parse("instance=x", &instance, NULL));
	assert_false(stas_nvme_connect_reply_parse("", &instance, NULL));
	assert_false(stas_nvme_connect_reply_parse(NULL, &instance, NULL));
}

/* a regular file stands in for /dev/nvme-fabrics: it records the write */
static void
test_connect_writes_exactly_the_option_string(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(StasNvmeOptions) k = stas_nvme_options_new("6.1.0", LINE_6_1);
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	g_autofree char *written = NULL;
	g_autofree char *expected = NULL;
	g_autofree char *dev = NULL;
	int fd = g_file_open_tmp("fabrics-XXXXXX", &path, NULL);

	assert_true(fd >= 0);
	close(fd);
	p->queue_size = 32;
	expected = build(p, k, NULL);
	dev = stas_nvme_connect_at(path, p, k, NULL, &error);
	/* a file answers no "instance=": the connect fails after the write */
	assert_null(dev);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
	assert_true(g_file_get_contents(path, &written, NULL, NULL));
	assert_string_equal(written, expected);
	g_unlink(path);
}

static void
test_connect_with_bad_params_writes_nothing(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	g_autofree char *written = NULL;
	g_autofree char *dev = NULL;
	int fd = g_file_open_tmp("fabrics-XXXXXX", &path, NULL);

	assert_true(fd >= 0);
	close(fd);
	g_free(p->traddr);
	p->traddr = g_strdup("1.2.3.4,hostnqn=x");
	dev = stas_nvme_connect_at(path, p, NULL, NULL, &error);
	assert_null(dev);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_true(g_file_get_contents(path, &written, NULL, NULL));
	assert_string_equal(written, "");
	g_unlink(path);
}

static void
test_connect_without_fabrics_device_is_not_found(void **state)
{
	g_autoptr(StasNvmeConnectParams) p = tcp_ioc();
	g_autoptr(GError) error = NULL;
	g_autofree char *dev =
		stas_nvme_connect_at("/nonexistent/nvme-fabrics", p, NULL, NULL, &error);

	assert_null(dev);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
}

/* ------------------------------------------------------------------------ */
/* sysfs, from a fake tree                                                   */

typedef struct {
	char *root;
} Tree;

static void
tree_write(const Tree *t, const char *rel, const char *content)
{
	g_autofree char *path = g_build_filename(t->root, rel, NULL);
	g_autofree char *dir = g_path_get_dirname(path);

	assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
	assert_true(g_file_set_contents(path, content, -1, NULL));
}

static void
tree_mkdir(const Tree *t, const char *rel)
{
	g_autofree char *path = g_build_filename(t->root, rel, NULL);

	assert_int_equal(g_mkdir_with_parents(path, 0755), 0);
}

static void
rm_rf(const char *path)
{
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *name;

	if (d != NULL) {
		while ((name = g_dir_read_name(d)) != NULL) {
			g_autofree char *child = g_build_filename(path, name, NULL);

			rm_rf(child);
		}
	}
	g_remove(path);
}

/* nvme0: a persistent DC as 6.1 shows it (vm/NOTES.md); nvme1: an IOC with a namespace */
static int
tree_setup(void **state)
{
	Tree *t = g_new0(Tree, 1);

	t->root = g_dir_make_tmp("sysfs-XXXXXX", NULL);
	assert_non_null(t->root);
	tree_write(t, "class/nvme/nvme0/transport", "tcp\n");
	tree_write(t, "class/nvme/nvme0/subsysnqn", "nqn.2014-08.org.nvmexpress.discovery\n");
	tree_write(t, "class/nvme/nvme0/hostnqn", HOSTNQN "\n");
	tree_write(t, "class/nvme/nvme0/hostid", HOSTID "\n");
	tree_write(t, "class/nvme/nvme0/address",
		   "traddr=127.0.0.1,trsvcid=8009,src_addr=127.0.0.1\n");
	tree_write(t, "class/nvme/nvme0/cntrltype", "discovery\n");
	tree_write(t, "class/nvme/nvme0/dctype", "none\n");
	tree_write(t, "class/nvme/nvme0/state", "live\n");
	tree_write(t, "class/nvme/nvme0/kato", "30\n");
	tree_write(t, "class/nvme/nvme0/model", "Linux\n");
	tree_write(t, "class/nvme/nvme0/delete_controller", "");

	tree_write(t, "class/nvme/nvme1/transport", "tcp\n");
	tree_write(t, "class/nvme/nvme1/subsysnqn", SUBNQN "\n");
	tree_write(t, "class/nvme/nvme1/hostnqn", HOSTNQN "\n");
	tree_write(t, "class/nvme/nvme1/hostid", "(efault)\n");
	tree_write(t, "class/nvme/nvme1/address",
		   "traddr=10.10.1.100,trsvcid=4420,host_traddr=10.10.1.50,"
		   "host_iface=eth1,src_addr=10.10.1.50\n");
	tree_write(t, "class/nvme/nvme1/model", "Evil\x01Model\xff  \n");
	tree_write(t, "class/nvme/nvme1/dctype", "NONE\n");
	tree_write(t, "class/nvme/nvme1/nvme1c1n1/size", "2097152\n");

	tree_mkdir(t, "class/nvme/nvme10");
	tree_mkdir(t, "class/nvme/nvme2/nvme2n1");
	tree_mkdir(t, "class/nvme/nvme-subsys0");
	tree_mkdir(t, "class/nvme/nvme3x");
	tree_write(t, "class/nvme/nvme-fabrics", "");
	*state = t;
	return 0;
}

static int
tree_teardown(void **state)
{
	Tree *t = *state;

	rm_rf(t->root);
	g_free(t->root);
	g_free(t);
	return 0;
}

static void
test_sysfs_reads_one_controller(void **state)
{
	Tree *t = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNvmeCtrlInfo) i = stas_nvme_sysfs_read_ctrl(t->root, "nvme0", &error);

	assert_non_null(i);
	assert_string_equal(i->device, "nvme0");
	assert_string_equal(i->transport, "tcp");
	assert_string_equal(i->subsysnqn, "nqn.2014-08.org.nvmexpress.discovery");
	assert_string_equal(i->hostnqn, HOSTNQN);
	assert_string_equal(i->hostid, HOSTID);
	assert_string_equal(i->address, "traddr=127.0.0.1,trsvcid=8009,src_addr=127.0.0.1");
	assert_string_equal(i->traddr, "127.0.0.1");
	assert_string_equal(i->trsvcid, "8009");
	assert_string_equal(i->src_addr, "127.0.0.1");
	assert_string_equal(i->host_traddr, "");
	assert_string_equal(i->host_iface, "");
	assert_string_equal(i->cntrltype, "discovery");
	assert_string_equal(i->state, "live");
	assert_string_equal(i->kato, "30");
	assert_false(i->has_namespaces);
}

/* REFERENCE 5.4: "none" and missing read as "" */
static void
test_sysfs_none_efault_and_missing_read_as_empty(void **state)
{
	Tree *t = *state;
	g_autoptr(StasNvmeCtrlInfo) dc = stas_nvme_sysfs_read_ctrl(t->root, "nvme0", NULL);
	g_autoptr(StasNvmeCtrlInfo) io = stas_nvme_sysfs_read_ctrl(t->root, "nvme1", NULL);

	assert_string_equal(dc->dctype, "");
	assert_string_equal(dc->serial, "");
	assert_string_equal(dc->firmware_rev, "");
	assert_string_equal(io->hostid, "");
	assert_string_equal(io->dctype, "");
	assert_string_equal(io->cntrltype, "");
}

static void
test_sysfs_address_gives_host_binding(void **state)
{
	Tree *t = *state;
	g_autoptr(StasNvmeCtrlInfo) io = stas_nvme_sysfs_read_ctrl(t->root, "nvme1", NULL);

	assert_string_equal(io->traddr, "10.10.1.100");
	assert_string_equal(io->trsvcid, "4420");
	assert_string_equal(io->host_traddr, "10.10.1.50");
	assert_string_equal(io->host_iface, "eth1");
	assert_string_equal(io->src_addr, "10.10.1.50");
	assert_true(io->has_namespaces);
}

static void
test_sysfs_non_printable_bytes_read_as_question_marks(void **state)
{
	Tree *t = *state;
	g_autoptr(StasNvmeCtrlInfo) io = stas_nvme_sysfs_read_ctrl(t->root, "nvme1", NULL);

	assert_string_equal(io->model, "Evil?Model?");
}

static void
test_sysfs_value_clean_rules(void **state)
{
	g_autofree char *a = stas_nvme_sysfs_value_clean("None\n", 5);
	g_autofree char *b = stas_nvme_sysfs_value_clean("(efault)", 8);
	g_autofree char *c = stas_nvme_sysfs_value_clean(NULL, 0);
	g_autofree char *d = stas_nvme_sysfs_value_clean("live\nmore", 4);
	g_autofree char *e = stas_nvme_sysfs_value_clean("a\0b", 3);

	assert_string_equal(a, "");
	assert_string_equal(b, "");
	assert_string_equal(c, "");
	assert_string_equal(d, "live");
	assert_string_equal(e, "a");
}

static void
test_sysfs_address_fc_and_unknown_keys(void **state)
{
	g_autoptr(StasNvmeCtrlInfo) i = g_new0(StasNvmeCtrlInfo, 1);

	stas_nvme_ctrl_info_parse_address(i, "traddr=nn-0x1:pn-0x2,host_traddr=nn-0x3:pn-0x4,"
					     "weird,foo=bar,trsvcid=none");
	assert_string_equal(i->traddr, "nn-0x1:pn-0x2");
	assert_string_equal(i->host_traddr, "nn-0x3:pn-0x4");
	assert_string_equal(i->trsvcid, "");
	assert_string_equal(i->src_addr, "");
	stas_nvme_ctrl_info_parse_address(i, NULL);
	assert_string_equal(i->traddr, "");
}

static void
test_sysfs_has_namespaces_multipath_and_plain(void **state)
{
	Tree *t = *state;
	gboolean has = TRUE;

	assert_true(stas_nvme_sysfs_has_namespaces(t->root, "nvme0", &has, NULL));
	assert_false(has);
	assert_true(stas_nvme_sysfs_has_namespaces(t->root, "nvme1", &has, NULL));
	assert_true(has); /* nvme1c1n1 */
	assert_true(stas_nvme_sysfs_has_namespaces(t->root, "nvme2", &has, NULL));
	assert_true(has); /* nvme2n1 */
}

static void
test_sysfs_missing_controller_is_not_found(void **state)
{
	Tree *t = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNvmeCtrlInfo) i = stas_nvme_sysfs_read_ctrl(t->root, "nvme7", &error);
	gboolean has = FALSE;

	assert_null(i);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	g_clear_error(&error);
	assert_false(stas_nvme_sysfs_has_namespaces(t->root, "nvme7", &has, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
}

static void
test_sysfs_device_names_cannot_escape_the_class_dir(void **state)
{
	Tree *t = *state;
	const char *bad[] = {"../nvme0", "nvme0/..", "nvme",	       "nvme-fabrics",
			     "nvme0n1",	 "",	     "nvme1234567890", "sda"};

	for (gsize n = 0; n < G_N_ELEMENTS(bad); n++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(StasNvmeCtrlInfo) i = stas_nvme_sysfs_read_ctrl(t->root, bad[n], &error);

		assert_null(i);
		assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	}
	assert_false(stas_nvme_device_name_is_valid(NULL));
	assert_true(stas_nvme_device_name_is_valid("nvme0"));
	assert_true(stas_nvme_device_name_is_valid("nvme123"));
}

static void
test_sysfs_namespace_names(void **state)
{
	assert_true(stas_nvme_sysfs_name_is_namespace("nvme0n1"));
	assert_true(stas_nvme_sysfs_name_is_namespace("nvme0c1n12"));
	assert_false(stas_nvme_sysfs_name_is_namespace("nvme0"));
	assert_false(stas_nvme_sysfs_name_is_namespace("nvme0c1"));
	assert_false(stas_nvme_sysfs_name_is_namespace("nvme0n1p1"));
	assert_false(stas_nvme_sysfs_name_is_namespace("ng0n1"));
	assert_false(stas_nvme_sysfs_name_is_namespace("power"));
	assert_false(stas_nvme_sysfs_name_is_namespace(NULL));
}

static void
test_sysfs_lists_devices_in_instance_order(void **state)
{
	Tree *t = *state;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) devs = stas_nvme_sysfs_list_devices(t->root, &error);

	assert_non_null(devs);
	assert_int_equal(g_strv_length(devs), 4);
	assert_string_equal(devs[0], "nvme0");
	assert_string_equal(devs[1], "nvme1");
	assert_string_equal(devs[2], "nvme2");
	assert_string_equal(devs[3], "nvme10");
}

static void
test_sysfs_without_nvme_class_lists_nothing(void **state)
{
	g_autofree char *root = g_dir_make_tmp("sysfs-XXXXXX", NULL);
	g_auto(GStrv) devs = stas_nvme_sysfs_list_devices(root, NULL);

	assert_non_null(devs);
	assert_int_equal(g_strv_length(devs), 0);
	g_rmdir(root);
}

static void
test_disconnect_writes_delete_controller(void **state)
{
	Tree *t = *state;
	g_autoptr(GError) error = NULL;
	g_autofree char *path =
		g_build_filename(t->root, "class/nvme/nvme0/delete_controller", NULL);
	g_autofree char *content = NULL;

	assert_true(stas_nvme_disconnect(t->root, "nvme0", &error));
	assert_true(g_file_get_contents(path, &content, NULL, NULL));
	assert_string_equal(content, "1");
	assert_false(stas_nvme_disconnect(t->root, "nvme9", &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	g_clear_error(&error);
	assert_false(stas_nvme_disconnect(t->root, "../nvme0", &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
}

/* ------------------------------------------------------------------------ */
/* /dev/nvme-fabrics                                                         */

static void
test_fabrics_options_first_line_only(void **state)
{
	g_autofree char *path = NULL;
	g_autofree char *line = NULL;
	g_autoptr(GError) error = NULL;
	int fd = g_file_open_tmp("fabrics-XXXXXX", &path, NULL);

	assert_true(fd >= 0);
	close(fd);
	assert_true(g_file_set_contents(path, LINE_6_1 "\nsecond line\n", -1, NULL));
	line = stas_nvme_read_fabrics_options(path, &error);
	assert_non_null(line);
	assert_string_equal(line, LINE_6_1);
	g_unlink(path);
}

static void
test_fabrics_options_missing_is_not_found(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *line = stas_nvme_read_fabrics_options("/nonexistent/nvme-fabrics", &error);

	assert_null(line);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
}

static void
test_fabrics_options_empty_file_is_empty_line(void **state)
{
	g_autofree char *path = NULL;
	g_autofree char *line = NULL;
	int fd = g_file_open_tmp("fabrics-XXXXXX", &path, NULL);

	assert_true(fd >= 0);
	close(fd);
	line = stas_nvme_read_fabrics_options(path, NULL);
	assert_string_equal(line, "");
	g_unlink(path);
}

/* ------------------------------------------------------------------------ */
/* kernel operations on devices that do not exist (no kernel in this tier)   */

static void
test_device_operations_refuse_bad_names(void **state)
{
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(GError) e3 = NULL;
	guint32 lids[STAS_NVME_SUPPORTED_LOG_PAGES];
	g_autoptr(GBytes) log = stas_nvme_get_discovery_log("../null", 0, &e1);

	assert_null(log);
	assert_true(g_error_matches(e1, STAS_ERROR, STAS_ERROR_INVALID));
	assert_false(stas_nvme_get_supported_log_pages("sda", lids, &e2));
	assert_true(g_error_matches(e2, STAS_ERROR, STAS_ERROR_INVALID));
	assert_false(stas_nvme_dim_register("nvme0/../x", NULL, &e3));
	assert_true(g_error_matches(e3, STAS_ERROR, STAS_ERROR_INVALID));
}

#define OLD_KERNEL "4.18.0-348.el8.x86_64"

/*
 * root reads any file, so a permission error needs a process without
 * root's rights: run fn in a child that became "nobody" and return
 * whether fn returned TRUE there.
 */
static gboolean
run_as_nobody(gboolean (*fn)(gpointer), gpointer data)
{
	int status = 0;
	pid_t pid;

	if (geteuid() != 0)
		return fn(data);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
		    setresuid(65534, 65534, 65534) != 0)
			_exit(2);
		_exit(fn(data) ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static char *
write_temp(const char *contents, gssize len)
{
	g_autoptr(GError) error = NULL;
	char *path = NULL;
	int fd = g_file_open_tmp("stas-fabrics-XXXXXX", &path, &error);

	assert_non_null(path);
	assert_true(fd >= 0);
	close(fd);
	assert_true(g_file_set_contents(path, contents, len, &error));
	return path;
}

static void
test_read_returns_the_first_line(void **state)
{
	g_autofree char *path = write_temp(LINE_6_1 "\nsecond line\n", -1);
	g_autoptr(GError) error = NULL;
	g_autofree char *line = stas_nvme_read_fabrics_options(path, &error);
	g_autoptr(StasNvmeOptions) opts = NULL;

	assert_null(error);
	assert_string_equal(line, LINE_6_1);
	opts = stas_nvme_options_new(OLD_KERNEL, line);
	assert_int_equal(stas_nvme_options_caps(opts), STAS_NVME_CAP_ALL);
	g_unlink(path);
}

static void
test_read_of_empty_file_and_embedded_nul(void **state)
{
	g_autofree char *empty = write_temp("", 0);
	g_autofree char *nul = write_temp("discovery\0host_iface\n", 21);
	g_autoptr(GError) error = NULL;
	g_autofree char *line1 = stas_nvme_read_fabrics_options(empty, &error);
	g_autofree char *line2 = stas_nvme_read_fabrics_options(nul, &error);

	assert_null(error);
	assert_string_equal(line1, "");
	assert_string_equal(line2, "discovery");
	g_unlink(empty);
	g_unlink(nul);
}

static void
test_read_of_long_line_is_bounded(void **state)
{
	g_autoptr(GString) big = g_string_new(NULL);
	g_autofree char *path = NULL;
	g_autofree char *line = NULL;
	g_autoptr(GError) error = NULL;

	while (big->len < 200 * 1024)
		g_string_append(big, "opt,");
	path = write_temp(big->str, (gssize)big->len);
	line = stas_nvme_read_fabrics_options(path, &error);
	assert_null(error);
	assert_int_equal(strlen(line), 64 * 1024);
	g_unlink(path);
}

static void
test_read_errors_name_the_file(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("stas-fabrics-XXXXXX", NULL);
	g_autofree char *missing = g_build_filename(dir, "nvme-fabrics", NULL);
	char *line;

	line = stas_nvme_read_fabrics_options(missing, &error);
	assert_null(line);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	assert_non_null(strstr(error->message, missing));
	g_clear_error(&error);

	/* a directory opens but cannot be read */
	line = stas_nvme_read_fabrics_options(dir, &error);
	assert_null(line);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
	g_rmdir(dir);
}

static gboolean
read_fails_with_permission_error(gpointer path)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *line = stas_nvme_read_fabrics_options(path, &error);

	return line == NULL && g_error_matches(error, STAS_ERROR, STAS_ERROR_PERMISSION);
}

static void
test_read_without_permission_is_a_permission_error(void **state)
{
	g_autofree char *path = NULL;

	path = write_temp("discovery\n", -1);
	assert_int_equal(g_chmod(path, 0), 0);
	assert_true(run_as_nobody(read_fails_with_permission_error, path));
	g_unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dlp_empty_log_reads_header_twice_and_clears_rae),
		cmocka_unit_test(test_dlp_three_records_header_entries_header),
		cmocka_unit_test(test_dlp_ten_records_in_4k_chunks_last_command_clears_rae),
		cmocka_unit_test(test_dlp_lsp_pleo_goes_with_every_command),
		cmocka_unit_test(test_dlp_genctr_change_during_read_is_retried),
		cmocka_unit_test(test_dlp_genctr_changing_forever_fails_after_bounded_retries),
		cmocka_unit_test(test_dlp_retry_limit_is_configurable),
		cmocka_unit_test(test_dlp_numrec_change_without_genctr_change_is_retried),
		cmocka_unit_test(test_dlp_huge_numrec_is_refused_without_reading_entries),
		cmocka_unit_test(test_dlp_numrec_limit_is_inclusive),
		cmocka_unit_test(test_dlp_default_limit_is_4096_records),
		cmocka_unit_test(test_dlp_numrec_above_content_returns_numrec_entries),
		cmocka_unit_test(test_dlp_command_error_is_returned_with_offset),
		cmocka_unit_test(test_dlp_short_read_is_an_error),
		cmocka_unit_test(test_dlp_overlong_read_is_an_error),
		cmocka_unit_test(test_dlp_every_command_stays_within_chunk_and_log),

		cmocka_unit_test(test_connect_minimal_tcp_ioc_passes_only_what_is_given),
		cmocka_unit_test(test_connect_full_tcp_ioc_exact_option_set),
		cmocka_unit_test(test_connect_queue_size_reaches_the_kernel),
		cmocka_unit_test(test_connect_queue_size_outside_16_to_1024_is_refused),
		cmocka_unit_test(test_connect_uses_the_host_nqn_of_the_params),
		cmocka_unit_test(test_connect_without_host_nqn_is_refused),
		cmocka_unit_test(test_connect_unset_numbers_are_not_passed),
		cmocka_unit_test(test_connect_ctrl_loss_tmo_negative_means_forever),
		cmocka_unit_test(test_connect_leaves_out_options_the_kernel_does_not_list),
		cmocka_unit_test(
			test_connect_without_option_list_capabilities_follow_the_kernel_version),
		cmocka_unit_test(test_connect_with_nothing_known_leaves_out_the_capabilities),
		cmocka_unit_test(test_connect_rdma_never_gets_host_iface_or_digests),
		cmocka_unit_test(test_connect_fc_needs_host_traddr_and_takes_no_trsvcid),
		cmocka_unit_test(test_connect_loop_takes_no_reconnect_options),
		cmocka_unit_test(test_connect_dc_with_well_known_nqn_has_no_discovery_flag),
		cmocka_unit_test(test_connect_dc_with_unique_nqn_gets_discovery_flag_if_supported),
		cmocka_unit_test(test_connect_per_controller_secret_wins_over_host_key),
		cmocka_unit_test(test_connect_refuses_injected_options),
		cmocka_unit_test(test_connect_tcp_traddr_must_be_an_ip_literal),
		cmocka_unit_test(test_connect_refused_secret_is_never_shown),
		cmocka_unit_test(test_connect_unknown_transport_is_refused),
		cmocka_unit_test(test_connect_params_copy_is_deep),
		cmocka_unit_test(test_connect_reply_gives_the_instance),
		cmocka_unit_test(test_connect_writes_exactly_the_option_string),
		cmocka_unit_test(test_connect_with_bad_params_writes_nothing),
		cmocka_unit_test(test_connect_without_fabrics_device_is_not_found),

		cmocka_unit_test_setup_teardown(test_sysfs_reads_one_controller, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_none_efault_and_missing_read_as_empty,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_address_gives_host_binding, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(
			test_sysfs_non_printable_bytes_read_as_question_marks, tree_setup,
			tree_teardown),
		cmocka_unit_test(test_sysfs_value_clean_rules),
		cmocka_unit_test(test_sysfs_address_fc_and_unknown_keys),
		cmocka_unit_test_setup_teardown(test_sysfs_has_namespaces_multipath_and_plain,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_missing_controller_is_not_found,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_device_names_cannot_escape_the_class_dir,
						tree_setup, tree_teardown),
		cmocka_unit_test(test_sysfs_namespace_names),
		cmocka_unit_test_setup_teardown(test_sysfs_lists_devices_in_instance_order,
						tree_setup, tree_teardown),
		cmocka_unit_test(test_sysfs_without_nvme_class_lists_nothing),
		cmocka_unit_test_setup_teardown(test_disconnect_writes_delete_controller,
						tree_setup, tree_teardown),

		cmocka_unit_test(test_fabrics_options_first_line_only),
		cmocka_unit_test(test_fabrics_options_missing_is_not_found),
		cmocka_unit_test(test_fabrics_options_empty_file_is_empty_line),
		cmocka_unit_test(test_device_operations_refuse_bad_names),
		cmocka_unit_test(test_read_returns_the_first_line),
		cmocka_unit_test(test_read_of_empty_file_and_embedded_nul),
		cmocka_unit_test(test_read_of_long_line_is_bounded),
		cmocka_unit_test(test_read_errors_name_the_file),
		cmocka_unit_test(test_read_without_permission_is_a_permission_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
