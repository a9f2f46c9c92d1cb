/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "stas/stas-error.h"
#include "stas/stas-nvme-options.h"

/* ---- kernel release ---- */

StasKernelVersion *
stas_kernel_version_new(const char *release)
{
	StasKernelVersion *v = g_new0(StasKernelVersion, 1);
	g_autoptr(GArray) parts = g_array_new(FALSE, FALSE, sizeof(guint64));
	const char *p = release ? release : "";

	v->release = g_strdup(p);
	while (*p != '\0') {
		guint64 n = 0;

		if (!g_ascii_isdigit(*p)) {
			p++;
			continue;
		}
		for (; g_ascii_isdigit(*p); p++) {
			guint d = (guint)(*p - '0');

			n = n > (G_MAXUINT64 - d) / 10 ? G_MAXUINT64 : n * 10 + d;
		}
		g_array_append_val(parts, n);
	}
	v->n_parts = parts->len;
	v->parts = (guint64 *)(void *)g_array_free(g_steal_pointer(&parts), FALSE);
	return v;
}

void
stas_kernel_version_free(StasKernelVersion *version)
{
	if (version == NULL)
		return;
	g_free(version->release);
	g_free(version->parts);
	g_free(version);
}

int
stas_kernel_version_compare(const StasKernelVersion *a, const StasKernelVersion *b)
{
	guint i;

	for (i = 0; i < a->n_parts && i < b->n_parts; i++) {
		if (a->parts[i] != b->parts[i])
			return a->parts[i] < b->parts[i] ? -1 : 1;
	}
	if (a->n_parts == b->n_parts)
		return 0;
	return a->n_parts < b->n_parts ? -1 : 1;
}

int
stas_kernel_version_compare_str(const char *a, const char *b)
{
	g_autoptr(StasKernelVersion) va = stas_kernel_version_new(a);
	g_autoptr(StasKernelVersion) vb = stas_kernel_version_new(b);

	return stas_kernel_version_compare(va, vb);
}

/* ---- capabilities ---- */

static const struct {
	StasNvmeCap cap;
	const char *option;
	const char *min_kernel; /* upstream defs.py; "5.20" means 6.0 and later */
} cap_table[] = {
	{STAS_NVME_CAP_DISCOVERY, "discovery", "5.16"},
	{STAS_NVME_CAP_HOST_IFACE, "host_iface", "5.14"},
	{STAS_NVME_CAP_DHCHAP_SECRET, "dhchap_secret", "5.20"},
	{STAS_NVME_CAP_DHCHAP_CTRL_SECRET, "dhchap_ctrl_secret", "5.20"},
};

const char *
stas_nvme_cap_option_name(StasNvmeCap cap)
{
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(cap_table); i++) {
		if (cap_table[i].cap == cap)
			return cap_table[i].option;
	}
	return NULL;
}

StasNvmeCap
stas_nvme_caps_from_kernel(const char *kernel_release)
{
	g_autoptr(StasKernelVersion) kernel = stas_kernel_version_new(kernel_release);
	StasNvmeCap caps = 0;
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(cap_table); i++) {
		g_autoptr(StasKernelVersion) min = stas_kernel_version_new(cap_table[i].min_kernel);

		if (stas_kernel_version_compare(kernel, min) >= 0)
			caps |= cap_table[i].cap;
	}
	return caps;
}

struct _StasNvmeOptions {
	gatomicrefcount ref;
	StasNvmeCap caps;
	gboolean list_known;
	GPtrArray *names;  /* char *, NULL-terminated, kernel order */
	GHashTable *index; /* name -> name (borrowed from names) */
};

/* "name" or "name=%x" tokens of the first line */
static void
parse_option_line(StasNvmeOptions *opts, const char *text)
{
	gsize len = strcspn(text, "\n");
	g_autofree char *line = g_strndup(text, len);
	g_auto(GStrv) tokens = g_strsplit(line, ",", -1);
	gsize i;

	for (i = 0; tokens[i] != NULL; i++) {
		char *name = g_strstrip(tokens[i]);
		char *eq = strchr(name, '=');

		if (eq != NULL) {
			*eq = '\0';
			g_strchomp(name);
		}
		if (*name == '\0' || g_hash_table_contains(opts->index, name))
			continue;
		name = g_strdup(name);
		g_ptr_array_insert(opts->names, (gint)opts->names->len - 1, name);
		g_hash_table_add(opts->index, name);
	}
}

StasNvmeOptions *
stas_nvme_options_new(const char *kernel_release, const char *options_text)
{
	StasNvmeOptions *opts = g_new0(StasNvmeOptions, 1);
	gsize i;

	g_atomic_ref_count_init(&opts->ref);
	opts->names = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(opts->names, NULL);
	opts->index = g_hash_table_new(g_str_hash, g_str_equal);
	opts->caps = stas_nvme_caps_from_kernel(kernel_release);
	if (options_text != NULL) {
		opts->list_known = TRUE;
		parse_option_line(opts, options_text);
	}
	for (i = 0; i < G_N_ELEMENTS(cap_table); i++) {
		if (g_hash_table_contains(opts->index, cap_table[i].option))
			opts->caps |= cap_table[i].cap;
	}
	return opts;
}

StasNvmeOptions *
stas_nvme_options_ref(StasNvmeOptions *opts)
{
	g_atomic_ref_count_inc(&opts->ref);
	return opts;
}

void
stas_nvme_options_unref(StasNvmeOptions *opts)
{
	if (opts == NULL || !g_atomic_ref_count_dec(&opts->ref))
		return;
	g_hash_table_unref(opts->index);
	g_ptr_array_unref(opts->names);
	g_free(opts);
}

StasNvmeCap
stas_nvme_options_caps(const StasNvmeOptions *opts)
{
	return opts->caps;
}

gboolean
stas_nvme_options_supports(const StasNvmeOptions *opts, StasNvmeCap cap)
{
	return cap != 0 && (opts->caps & cap) == cap;
}

gboolean
stas_nvme_options_list_known(const StasNvmeOptions *opts)
{
	return opts->list_known;
}

gboolean
stas_nvme_options_has_option(const StasNvmeOptions *opts, const char *name)
{
	gsize i;

	if (name == NULL)
		return FALSE;
	if (g_hash_table_contains(opts->index, name))
		return TRUE;
	for (i = 0; i < G_N_ELEMENTS(cap_table); i++) {
		if (strcmp(cap_table[i].option, name) == 0)
			return (opts->caps & cap_table[i].cap) != 0;
	}
	return FALSE;
}

const char *const *
stas_nvme_options_list(const StasNvmeOptions *opts)
{
	return (const char *const *)opts->names->pdata;
}

char *
stas_nvme_options_to_string(const StasNvmeOptions *opts)
{
	GString *s = g_string_new("supported options: {");
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(cap_table); i++) {
		g_string_append_printf(s, "%s'%s': %s", i ? ", " : "", cap_table[i].option,
				       (opts->caps & cap_table[i].cap) ? "True" : "False");
	}
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

/* ---- reading /dev/nvme-fabrics ---- */
