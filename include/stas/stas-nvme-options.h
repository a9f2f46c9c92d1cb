/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-nvme-options: what the running kernel's fabrics driver supports
 * (REFERENCE 2.10) and kernel release comparison (upstream version.py).
 *
 * the kernel prints its connect option template as the first line of
 * /dev/nvme-fabrics (readable by root since 5.17); a capability is also
 * assumed when the kernel release implies it.  StasNvmeOptions is
 * immutable once built: share it between threads freely.  pure: the
 * kernel seam (stas-nvme.h) reads /dev/nvme-fabrics.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- kernel release ---- */

/*
 * every run of ASCII digits of a release string, in order:
 * "5.8.0-63-generic" -> 5 8 0 63.  components saturate at G_MAXUINT64.
 */
typedef struct {
	char *release; /* as given */
	guint n_parts;
	guint64 *parts; /* n_parts numbers */
} StasKernelVersion;

/* never NULL; NULL release is the empty version */
StasKernelVersion *stas_kernel_version_new(const char *release);
void stas_kernel_version_free(StasKernelVersion *version);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasKernelVersion, stas_kernel_version_free)

/* lexicographic like python lists: <0, 0, >0 ("5.8" < "5.8.0" < "5.9") */
int stas_kernel_version_compare(const StasKernelVersion *a, const StasKernelVersion *b);
/* same, on release strings */
int stas_kernel_version_compare_str(const char *a, const char *b);

/* ---- fabrics capabilities ---- */

typedef enum {
	STAS_NVME_CAP_DISCOVERY = 1 << 0,	   /* TP8013 unique discovery NQN, 5.16 */
	STAS_NVME_CAP_HOST_IFACE = 1 << 1,	   /* host_iface, 5.14 */
	STAS_NVME_CAP_DHCHAP_SECRET = 1 << 2,	   /* host DH-HMAC-CHAP secret, "5.20" */
	STAS_NVME_CAP_DHCHAP_CTRL_SECRET = 1 << 3, /* controller secret, "5.20" */
} StasNvmeCap;

#define STAS_NVME_CAP_ALL                                                                          \
	(STAS_NVME_CAP_DISCOVERY | STAS_NVME_CAP_HOST_IFACE | STAS_NVME_CAP_DHCHAP_SECRET |        \
	 STAS_NVME_CAP_DHCHAP_CTRL_SECRET)

/* the fabrics option name of one capability ("discovery", "host_iface", ...) */
const char *stas_nvme_cap_option_name(StasNvmeCap cap);

/* capabilities a kernel release implies by its version alone */
StasNvmeCap stas_nvme_caps_from_kernel(const char *kernel_release);

typedef struct _StasNvmeOptions StasNvmeOptions;

/*
 * combine the kernel release (may be NULL) with the text of
 * /dev/nvme-fabrics (NULL when it could not be read).  only the first line
 * of options_text is used: comma separated "name" or "name=%x" tokens;
 * names are whitespace-trimmed, empty ones dropped.  never fails.
 */
StasNvmeOptions *stas_nvme_options_new(const char *kernel_release, const char *options_text);
StasNvmeOptions *stas_nvme_options_ref(StasNvmeOptions *opts);
void stas_nvme_options_unref(StasNvmeOptions *opts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasNvmeOptions, stas_nvme_options_unref)

/* the four capabilities: implied by the kernel version or listed */
StasNvmeCap stas_nvme_options_caps(const StasNvmeOptions *opts);
gboolean stas_nvme_options_supports(const StasNvmeOptions *opts, StasNvmeCap cap);

/* TRUE when options_text was given, i.e. the option list below is real */
gboolean stas_nvme_options_list_known(const StasNvmeOptions *opts);

/*
 * TRUE if the kernel takes this connect option ("fast_io_fail_tmo"): it is
 * in the list, or it is one of the four capabilities and supported.  with
 * no list (list_known FALSE), other options answer FALSE: the caller
 * decides whether to pass them blind.
 */
gboolean stas_nvme_options_has_option(const StasNvmeOptions *opts, const char *name);

/* option names in kernel order, NULL-terminated, owned by opts */
const char *const *stas_nvme_options_list(const StasNvmeOptions *opts);

/*
 * upstream's log text: "supported options: {'discovery': True,
 * 'host_iface': True, 'dhchap_secret': False, 'dhchap_ctrl_secret': False}"
 */
char *stas_nvme_options_to_string(const StasNvmeOptions *opts);

G_END_DECLS
