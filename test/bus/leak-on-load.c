/* SPDX-License-Identifier: Apache-2.0 */
/*
 * a known leak for test-leak-detected.sh: preloaded into a daemon under
 * test, it allocates a block when loaded and drops the pointer, so the
 * daemon's leak checker (LeakSanitizer at exit, valgrind memcheck) must
 * report it and the fixture must fail the case.
 */
#include <stdlib.h>
#include <string.h>

void stas_test_leak_on_load(void);

__attribute__((constructor)) void
stas_test_leak_on_load(void)
{
	/* volatile: the compiler may not drop the allocation */
	char *volatile block = malloc(4096);

	if (block != NULL)
		memset(block, 0x5a, 4096);
	block = NULL;
}
