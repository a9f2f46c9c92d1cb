/* SPDX-License-Identifier: Apache-2.0 */
/* stasadm: STorage Appliance Services admin tool */
#include "config.h"

#include "stasadm.h"

int
main(int argc, char **argv)
{
	const StasadmEnv env = {stas_hostid_default_paths(), stdout, stderr};

	return stasadm_run(&env, argc, argv);
}
