/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seam-check: the kernel seam against a real kernel (run as root inside the
 * test guest, see README.md and seam-check.sh; not part of any test tier).
 *
 *   seam-check HOSTNQN HOSTID LINK1 LINK2 LINK3 IOC_NQN
 *
 * the nvmet discovery port 127.0.0.1:8009 must list >= 4 records; LINKn are
 * configfs port->subsystem links of that port, removed one by one to make the
 * discovery log change; IOC_NQN is served on 127.0.0.1:4420.
 *
 * proves: connect (the option string reaches the kernel: queue_size, kato,
 * nr_io_queues), attach, sysfs reads, supported log pages, discovery log read
 * of >= 4 records, DIM refused by a DC without DIM, disconnect, the TCP
 * probe, and B1: after each seam read the next change raises an AEN again,
 * while without a read a change raises none.
 */
#include "config.h"

#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "stas/stas-error.h"
#include "stas/stas-nvme-options.h"
#include "stas/stas-nvme.h"
#include "stas/stas-tcp-probe.h"
#include "stas/stas-tid.h"

static int passed, failed;

static void
check(gboolean ok, const char *what, const GError *error)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("%s - %s%s%s\n", ok ? "ok  " : "FAIL", what, error ? ": " : "",
	       error ? error->message : "");
	fflush(stdout);
}

/* kernel uevents (no udev in the guest) */
static int
uevent_socket(void)
{
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (fd < 0 || bind(fd, (struct sockaddr *)&nl, sizeof(nl)) != 0)
		return -1;
	return fd;
}

static gboolean
uevent_is_aen(const char *msg, gssize len, const char *dev)
{
	g_autofree char *devpath_end = g_strconcat("/", dev, NULL);
	gboolean nvme = FALSE, mine = FALSE, aen = FALSE;

	for (gssize off = 0; off < len; off += (gssize)strlen(msg + off) + 1) {
		const char *kv = msg + off;

		if (strcmp(kv, "SUBSYSTEM=nvme") == 0)
			nvme = TRUE;
		else if (g_str_has_prefix(kv, "DEVPATH=") && g_str_has_suffix(kv, devpath_end))
			mine = TRUE;
		else if (strcmp(kv, "NVME_AEN=0x70f002") == 0)
			aen = TRUE;
	}
	return nvme && mine && aen;
}

/* TRUE if a discovery-log-change AEN for dev arrives within ms */
static gboolean
wait_aen(int fd, const char *dev, int ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
	char buf[8192];

	for (;;) {
		gint64 left = (end - g_get_monotonic_time()) / 1000;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		gssize n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return FALSE;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (uevent_is_aen(buf, n, dev))
			return TRUE;
	}
}

static guint64
numrec_of(GBytes *log)
{
	guint64 n;

	memcpy(&n, (const guint8 *)g_bytes_get_data(log, NULL) + 8, sizeof(n));
	return GUINT64_FROM_LE(n);
}

static gboolean
read_log(const char *dc, guint64 *numrec, const char *what)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = stas_nvme_get_discovery_log(dc, 0, &error);

	check(log != NULL, what, error);
	if (log == NULL)
		return FALSE;
	*numrec = numrec_of(log);
	printf("     %s: %" G_GUINT64_FORMAT " records, %" G_GSIZE_FORMAT " bytes\n", dc, *numrec,
	       g_bytes_get_size(log));
	return TRUE;
}

static gboolean
unlink_subsystem(const char *link)
{
	if (unlink(link) == 0)
		return TRUE;
	printf("     unlink %s: %s\n", link, g_strerror(errno));
	return FALSE;
}

typedef struct {
	GMainLoop *loop;
	gboolean ok;
	GError *error;
} Probe;

static void
on_probe(GObject *src, GAsyncResult *res, gpointer user_data)
{
	Probe *p = user_data;

	p->ok = stas_tcp_probe_finish(res, &p->error);
	g_main_loop_quit(p->loop);
}

static gboolean
probe(const char *port, GError **error)
{
	StasTcpProbeTarget t = {"127.0.0.1", port, "lo", "127.0.0.1", 2000};
	Probe p = {g_main_loop_new(NULL, FALSE), FALSE, NULL};

	stas_tcp_probe_async(&t, NULL, on_probe, &p);
	g_main_loop_run(p.loop);
	g_main_loop_unref(p.loop);
	if (p.error != NULL)
		g_propagate_error(error, p.error);
	return p.ok;
}

static StasNvmeConnectParams *
params(const char *hostnqn, const char *hostid, const char *nqn, const char *port, gboolean dc)
{
	StasNvmeConnectParams *p = stas_nvme_connect_params_new();

	p->transport = g_strdup("tcp");
	p->traddr = g_strdup("127.0.0.1");
	p->trsvcid = g_strdup(port);
	p->subsysnqn = g_strdup(nqn);
	p->host_nqn = g_strdup(hostnqn);
	p->host_id = g_strdup(hostid);
	p->host_iface = g_strdup("lo");
	p->discovery = dc;
	return p;
}

static void
check_ioc(const char *hostnqn, const char *hostid, const char *nqn, StasNvmeOptions *kernel)
{
	g_autoptr(StasNvmeConnectParams) p = params(hostnqn, hostid, nqn, "4420", FALSE);
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNvmeCtrlInfo) info = NULL;
	g_autofree char *dev = NULL;
	g_autofree char *sqsize = NULL;
	g_autofree char *qcount = NULL;
	g_autofree char *path = NULL;

	p->queue_size = 32;
	p->nr_io_queues = 1;
	p->kato = 7;
	dev = stas_nvme_connect(p, kernel, NULL, &error);
	check(dev != NULL, "connect an I/O controller with queue_size=32 nr_io_queues=1 kato=7",
	      error);
	if (dev == NULL)
		return;
	info = stas_nvme_sysfs_read_ctrl(NULL, dev, &error);
	check(info != NULL && strcmp(info->kato, "7") == 0 && strcmp(info->cntrltype, "io") == 0,
	      "sysfs: kato=7, cntrltype=io", error);
	path = g_strdup_printf("/sys/class/nvme/%s/sqsize", dev);
	g_file_get_contents(path, &sqsize, NULL, NULL);
	g_free(path);
	path = g_strdup_printf("/sys/class/nvme/%s/queue_count", dev);
	g_file_get_contents(path, &qcount, NULL, NULL);
	printf("     %s: sqsize=%s queue_count=%s", dev, sqsize ? g_strchomp(sqsize) : "?",
	       qcount ? qcount : "?\n");
	check(sqsize && strcmp(sqsize, "31") == 0, "queue_size=32 reached the kernel (Q7)", NULL);
	check(qcount && atoi(qcount) == 2, "nr_io_queues=1 reached the kernel", NULL);
	check(stas_nvme_disconnect(NULL, dev, &error), "disconnect the I/O controller", error);
	g_clear_error(&error);
	g_clear_pointer(&info, stas_nvme_ctrl_info_free);
	info = stas_nvme_sysfs_read_ctrl(NULL, dev, &error);
	check(info == NULL && g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND),
	      "the I/O controller is gone from sysfs", NULL);
}

static void
check_dc_basics(const char *dc, const StasNvmeConnectParams *p)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNvmeCtrlInfo) info = stas_nvme_attach(p, dc, &error);
	guint32 lids[STAS_NVME_SUPPORTED_LOG_PAGES];
	gboolean ok;

	check(info != NULL, "attach to the connected DC", error);
	if (info != NULL) {
		printf("     %s: subsysnqn=%s cntrltype=%s dctype='%s' address=%s state=%s "
		       "kato=%s\n",
		       dc, info->subsysnqn, info->cntrltype, info->dctype, info->address,
		       info->state, info->kato);
		check(strcmp(info->cntrltype, "discovery") == 0 && !info->has_namespaces &&
			      strcmp(info->traddr, "127.0.0.1") == 0 &&
			      strcmp(info->trsvcid, "8009") == 0 && strcmp(info->kato, "30") == 0,
		      "sysfs of the DC: discovery, no namespaces, 127.0.0.1:8009, kato 30", NULL);
	}
	g_clear_error(&error);
	ok = stas_nvme_get_supported_log_pages(dc, lids, &error);
	if (ok)
		printf("     lid_support[0x70]=0x%08x\n", lids[0x70]);
	/* nvmet's DC knows no LID 0: it answers Invalid Field, i.e. "no PLEO" */
	check(ok || g_error_matches(error, STAS_ERROR, STAS_ERROR_UNSUPPORTED),
	      "supported log pages: a log or STAS_ERROR_UNSUPPORTED", error);
	g_clear_error(&error);
	ok = stas_nvme_dim_register(dc, "seam-check", &error);
	check(!ok && g_error_matches(error, STAS_ERROR, STAS_ERROR_UNSUPPORTED),
	      "DIM refused: nvmet is not a CDC/DDC (dctype none)", error);
}

/* B1: reads re-arm the discovery change AEN, no read no AEN */
static void
check_aen_rearm(int ue, const char *dc, char **links)
{
	guint64 n0 = 0, n1 = 0, n2 = 0;

	if (!read_log(dc, &n0, "discovery log read through the seam"))
		return;
	check(n0 >= 4, "the log has >= 4 records (> 4 KiB: libnvme 1.3 would keep RAE set)", NULL);
	check(unlink_subsystem(links[0]) && wait_aen(ue, dc, 10000),
	      "AEN after the 1st change (the read above cleared RAE)", NULL);
	check(unlink_subsystem(links[1]) && !wait_aen(ue, dc, 4000),
	      "control: no AEN for the 2nd change while the log was not read", NULL);
	if (read_log(dc, &n1, "discovery log read again"))
		check(n1 == n0 - 2, "it lists both changes", NULL);
	check(unlink_subsystem(links[2]) && wait_aen(ue, dc, 10000),
	      "AEN after the 3rd change: the seam's read re-armed it (B1)", NULL);
	if (read_log(dc, &n2, "discovery log read a third time"))
		check(n2 == n0 - 3, "it lists the 3rd change", NULL);
}

/* attach, DIM and log reads from several threads at once: one root per call */
typedef struct {
	const char *dc;
	const StasNvmeConnectParams *p;
	gint failures;
} Stress;

static gpointer
stress_thread(gpointer data)
{
	Stress *s = data;

	for (int i = 0; i < 10; i++) {
		g_autoptr(StasNvmeCtrlInfo) info = stas_nvme_attach(s->p, s->dc, NULL);
		g_autoptr(GBytes) log = stas_nvme_get_discovery_log(s->dc, 0, NULL);
		g_autoptr(GError) error = NULL;

		if (info == NULL || log == NULL || stas_nvme_dim_register(s->dc, "x", &error) ||
		    !g_error_matches(error, STAS_ERROR, STAS_ERROR_UNSUPPORTED))
			g_atomic_int_inc(&s->failures);
	}
	return NULL;
}

static void
check_threads(const char *dc, const StasNvmeConnectParams *p)
{
	Stress s = {dc, p, 0};
	GThread *t[4];
	g_autoptr(StasNvmeConnectParams) other = stas_nvme_connect_params_copy(p);
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNvmeCtrlInfo) info = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(t); i++)
		t[i] = g_thread_new("stress", stress_thread, &s);
	for (guint i = 0; i < G_N_ELEMENTS(t); i++)
		g_thread_join(t[i]);
	check(s.failures == 0, "4 threads x 10 x (attach, discovery log, DIM) at once", NULL);

	g_free(other->trsvcid);
	other->trsvcid = g_strdup("4420");
	info = stas_nvme_attach(other, dc, &error);
	check(info == NULL && g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND),
	      "attach refuses a device that is another controller", error);
}

static void
check_pleo(const char *dc)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) log = stas_nvme_get_discovery_log(dc, STAS_NVME_DLP_LSP_PLEO, &error);

	printf("     LSP=PLEO read: %s\n", log ? "ok" : error->message);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *line = NULL;
	g_autoptr(StasNvmeOptions) kernel = NULL;
	g_autoptr(StasNvmeConnectParams) p = NULL;
	g_autoptr(GPtrArray) dropped = NULL;
	g_autofree char *dc = NULL;
	g_auto(GStrv) devs = NULL;
	struct utsname u;
	int ue;

	if (argc != 7) {
		fprintf(stderr, "usage: %s HOSTNQN HOSTID LINK1 LINK2 LINK3 IOC_NQN\n", argv[0]);
		return 2;
	}
	uname(&u);
	line = stas_nvme_read_fabrics_options(NULL, &error);
	check(line != NULL, "read the first line of /dev/nvme-fabrics", error);
	printf("     %s\n", line ? line : "");
	kernel = stas_nvme_options_new(u.release, line);

	check(probe("8009", &error), "TCP probe of 127.0.0.1:8009 (bound to lo, 127.0.0.1)", error);
	g_clear_error(&error);
	check(!probe("8010", &error) && g_error_matches(error, STAS_ERROR, STAS_ERROR_IO),
	      "TCP probe of the closed 127.0.0.1:8010 is refused", error);
	g_clear_error(&error);

	ue = uevent_socket();
	check(ue >= 0, "uevent socket", NULL);
	p = params(argv[1], argv[2], STAS_WELL_KNOWN_DISC_NQN, "8009", TRUE);
	p->kato = 30;
	p->queue_size = 64; /* a DC takes none: must be left out, not fail the connect */
	dc = stas_nvme_connect(p, kernel, &dropped, &error);
	check(dc != NULL, "connect the DC 127.0.0.1:8009 (host_iface=lo)", error);
	for (guint i = 0; dropped && i < dropped->len; i++)
		printf("     left out: %s\n", (char *)g_ptr_array_index(dropped, i));
	if (dc == NULL)
		goto out;
	printf("     device: %s\n", dc);
	devs = stas_nvme_sysfs_list_devices(NULL, &error);
	check(devs != NULL && g_strv_contains((const char *const *)devs, dc),
	      "sysfs lists the new device", error);

	check_dc_basics(dc, p);
	check_aen_rearm(ue, dc, argv + 3);
	check_pleo(dc);
	check_threads(dc, p);
	check_ioc(argv[1], argv[2], argv[6], kernel);

	g_clear_error(&error);
	check(stas_nvme_disconnect(NULL, dc, &error), "disconnect the DC", error);
	g_clear_error(&error);
	check(!stas_nvme_disconnect(NULL, dc, &error) &&
		      g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND),
	      "a second disconnect finds nothing (STAS_ERROR_NOT_FOUND)", error);
out:
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
