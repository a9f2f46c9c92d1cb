/* SPDX-License-Identifier: Apache-2.0 */
/* the index of existing controllers, filled from sysfs through the kernel seam */
#include "config.h"

#include "stas/stas-ctrl-index.h"
#include "stas/stas-nvme.h"

/* one device's sysfs attributes, as the udev index wants them (one small read) */
static GHashTable *
read_ctrl_attrs(const char *sysname, gboolean *has_children, gpointer data)
{
	const char *sysfs_root = data;
	g_autoptr(StasNvmeCtrlInfo) info = stas_nvme_sysfs_read_ctrl(sysfs_root, sysname, NULL);
	GHashTable *map;

	if (info == NULL)
		return NULL;
	map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert(map, g_strdup("transport"), g_strdup(info->transport));
	g_hash_table_insert(map, g_strdup("subsysnqn"), g_strdup(info->subsysnqn));
	g_hash_table_insert(map, g_strdup("hostnqn"), g_strdup(info->hostnqn));
	g_hash_table_insert(map, g_strdup("address"), g_strdup(info->address));
	g_hash_table_insert(map, g_strdup("cntrltype"), g_strdup(info->cntrltype));
	*has_children = info->has_namespaces;
	return map;
}

gboolean
stas_ctrl_index_populate(StasUdev *udev, const char *sysfs_root, GError **error)
{
	g_auto(GStrv) devices = NULL;

	g_return_val_if_fail(STAS_IS_UDEV(udev), FALSE);

	stas_udev_set_attr_reader(udev, read_ctrl_attrs, g_strdup(sysfs_root), g_free);
	devices = stas_nvme_sysfs_list_devices(sysfs_root, error);
	if (devices == NULL)
		return FALSE;
	stas_udev_index_populate(udev, (const char *const *)devices);
	return TRUE;
}
