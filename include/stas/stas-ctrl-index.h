/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-ctrl-index: fills the udev monitor's index of existing nvme
 * controllers (stas-udev.h) from the kernel at daemon start, and keeps
 * reading new devices the same way: the attribute reader it installs reads
 * one device's sysfs attributes through the kernel seam (stas-nvme.h), one
 * small read per device (SPEC B5: no topology scan).  both daemons use it
 * so that an existing connection is attached to instead of duplicated.
 *
 * threading: the udev monitor's (main loop) thread; the reads block
 * briefly on sysfs, as the index's reader always does.
 */
#pragma once

#include <glib.h>

#include "stas/stas-udev.h"

G_BEGIN_DECLS

/*
 * install the sysfs attribute reader on udev and read every nvme device
 * there is now.  sysfs_root NULL: "/sys".  FALSE (with error) when the
 * devices cannot be listed: the index then only learns from uevents.
 */
gboolean stas_ctrl_index_populate(StasUdev *udev, const char *sysfs_root, GError **error);

G_END_DECLS
