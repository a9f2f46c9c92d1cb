/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz the time span parser (REFERENCE 2.6); any accepted value is finite */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stas/stas-timeparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = NULL;
	double seconds;

	if (size > 4096)
		return 0;
	/* exactly size bytes plus the terminator, so ASan sees any overread */
	text = g_malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (stas_timeparse(text, &seconds) && !isfinite(seconds))
		abort();
	return 0;
}
