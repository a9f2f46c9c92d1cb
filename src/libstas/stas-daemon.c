/* SPDX-License-Identifier: Apache-2.0 */
/* pieces shared by stafd's and stacd's services */
#include "config.h"

#include <sys/socket.h>
#include <sys/utsname.h>

#include "stas/stas-daemon.h"
#include "stas/stas-json-text.h"
#include "stas/stas-error.h"
#include "stas/stas-ini.h"
#include "stas/stas-iputil.h"
#include "stas/stas-nvme.h"

void
stas_daemon_log_diagnostics(const GPtrArray *diags)
{
	for (guint i = 0; diags && i < diags->len; i++) {
		const StasDiag *d = g_ptr_array_index((GPtrArray *)diags, i);

		switch (d->level) {
		case STAS_DIAG_ERROR:
		case STAS_DIAG_WARNING:
			g_warning("%s", d->text);
			break;
		case STAS_DIAG_INFO:
			g_info("%s", d->text);
			break;
		case STAS_DIAG_DEBUG:
		default:
			g_debug("%s", d->text);
			break;
		}
	}
}

void
stas_daemon_log_strings(const GPtrArray *lines, GLogLevelFlags level)
{
	for (guint i = 0; lines && i < lines->len; i++)
		g_log(G_LOG_DOMAIN, level, "%s",
		      (const char *)g_ptr_array_index((GPtrArray *)lines, i));
}

StasNvmeOptions *
stas_daemon_read_kernel_options(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *line = stas_nvme_read_fabrics_options(NULL, &error);
	g_autoptr(StasNvmeOptions) kernel = NULL;
	struct utsname u;

	if (line == NULL && !g_error_matches(error, STAS_ERROR, STAS_ERROR_PERMISSION))
		g_warning("Cannot determine which NVMe options the kernel supports");
	if (uname(&u) != 0)
		u.release[0] = '\0';
	kernel = stas_nvme_options_new(u.release, line);
	if (!stas_nvme_options_supports(kernel, STAS_NVME_CAP_HOST_IFACE) ||
	    !stas_nvme_options_supports(kernel, STAS_NVME_CAP_DISCOVERY))
		g_warning("Kernel does not appear to support all the options needed to run this "
			  "program. Consider updating to a later kernel version.");
	return g_steal_pointer(&kernel);
}

gboolean
stas_daemon_conf_readable(const char *path, GError **error)
{
	g_autoptr(StasIni) ini = stas_ini_new();
	g_autoptr(GError) local = NULL;

	if (stas_ini_add_file(ini, path, &local) ||
	    g_error_matches(local, STAS_ERROR, STAS_ERROR_NOT_FOUND))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}

gboolean
stas_daemon_family_enabled(const StasConf *conf, int family)
{
	StasIpFamily fam = stas_conf_get_ip_family(conf);

	return (family == AF_INET && (fam & STAS_IP_FAMILY_V4)) ||
	       (family == AF_INET6 && (fam & STAS_IP_FAMILY_V6));
}

gboolean
stas_daemon_address_is_usable(const StasConf *conf, const StasTid *tid)
{
	int family;

	if (g_str_equal(tid->transport, "fc") || g_str_equal(tid->transport, "loop"))
		return TRUE;
	if (!g_str_equal(tid->transport, "tcp") && !g_str_equal(tid->transport, "rdma")) {
		g_warning("Invalid transport %s", tid->transport);
		return FALSE;
	}
	family = stas_ip_family(tid->traddr);
	if (family == 0) {
		g_warning("%s IP address is not valid", stas_tid_to_string(tid));
		return FALSE;
	}
	if (!stas_daemon_family_enabled(conf, family)) {
		g_debug("%s ignored based on \"ip-family\" setting", stas_tid_to_string(tid));
		return FALSE;
	}
	return TRUE;
}

/* built from its entries: g_variant_builder_add(b, "{ss}") parses its format
 * for every entry, some 6 K instructions, and list_controllers has 20 per
 * controller */
GVariant *
stas_daemon_dict_to_variant(GHashTable *dict)
{
	guint n, k = 0;
	g_autofree const char **keys = stas_json_text_sorted_keys(dict, &n);
	g_autofree GVariant **entries = g_new(GVariant *, n + 1);

	for (guint i = 0; i < n; i++) {
		const char *v = g_hash_table_lookup(dict, keys[i]);

		if (g_utf8_validate(keys[i], -1, NULL) && g_utf8_validate(v, -1, NULL))
			entries[k++] = g_variant_new_dict_entry(g_variant_new_string(keys[i]),
								g_variant_new_string(v));
	}
	return g_variant_new_array(G_VARIANT_TYPE("{ss}"), entries, k);
}
