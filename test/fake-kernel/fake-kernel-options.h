/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake-kernel-options: what Linux 6.1 does with a string written to
 * /dev/nvme-fabrics before it talks to any target (drivers/nvme/host/
 * fabrics.c nvmf_parse_options, nvmf_check_required_opts,
 * nvmf_check_allowed_opts; tcp.c / rdma.c address checks).
 *
 * the accepted option names come from the template line the fake kernel
 * shows in /dev/nvme-fabrics, so a test can play an older kernel by
 * setting a shorter one.  pure and thread-safe; every failure is an errno
 * and the kernel's log line.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the first line of /dev/nvme-fabrics on 6.1 (CONFIG_NVME_AUTH=y) */
#define FK_FABRICS_TEMPLATE_6_1                                                                    \
	"instance=-1,cntlid=-1,transport=%s,traddr=%s,trsvcid=%s,nqn=%s,queue_size=%d,"            \
	"nr_io_queues=%d,reconnect_delay=%d,ctrl_loss_tmo=%d,keep_alive_tmo=%d,hostnqn=%s,"        \
	"host_traddr=%s,host_iface=%s,hostid=%s,duplicate_connect,disable_sqflow,hdr_digest,"      \
	"data_digest,nr_write_queues=%d,nr_poll_queues=%d,tos=%d,fast_io_fail_tmo=%d,discovery,"   \
	"dhchap_secret=%s,dhchap_ctrl_secret=%s"

#define FK_NQN_SIZE	     223    /* NVMF_NQN_SIZE */
#define FK_FABRICS_MAX	     4096   /* a write longer than PAGE_SIZE is refused (ENOMEM) */
#define FK_TCP_DEFAULT_PORT  "8009" /* NVME_TCP_DISC_PORT, used for any tcp controller */
#define FK_RDMA_DEFAULT_PORT "4420"

/* the parsed options: name -> value ("" for flags, decimal text for ints) */
typedef struct {
	GHashTable *values;
	gboolean discovery_nqn; /* the well-known NQN or the "discovery" flag */
} FkOptions;

void fk_options_free(FkOptions *opts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FkOptions, fk_options_free)

/*
 * parse buf as the kernel would, with the options of template (a
 * /dev/nvme-fabrics first line).  returns 0 and *out, or an errno (EINVAL,
 * EADDRINUSE, ENOMEM, ENODEV) with the kernel's log line in *dmesg.  runs
 * the transport's own checks too: the address and port literals of tcp and
 * rdma (EINVAL) and that host_iface exists on this machine (ENODEV).
 */
int fk_options_parse(const char *template, const char *buf, FkOptions **out, char **dmesg);

/* a value, or NULL if the option was not given */
const char *fk_options_get(const FkOptions *opts, const char *name);
gboolean fk_options_has(const FkOptions *opts, const char *name);
int fk_options_get_int(const FkOptions *opts, const char *name, int def);

/*
 * the kernel's integer syntax (match_int, kstrtoint): optional '-', then a
 * C literal in base 0 (0x.. hex, 0.. octal, else decimal), nothing after,
 * within int range.
 */
gboolean fk_parse_kernel_int(const char *s, int *out);

/*
 * nvmf_ip_options_match (6.1): a new tcp/rdma controller a would duplicate
 * b: same subsystem NQN, host NQN and ID, traddr and trsvcid (as strings),
 * and host_traddr / host_iface each either given to both and equal or
 * given to neither.
 */
gboolean fk_options_ip_match(const FkOptions *a, const FkOptions *b);

G_END_DECLS
