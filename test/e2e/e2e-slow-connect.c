/* SPDX-License-Identifier: Apache-2.0 */
/*
 * e2e-slow-connect: an LD_PRELOAD library for the kill-loop scenario.  every
 * write(2) to /dev/nvme-fabrics returns E2E_CONNECT_DELAY_MS (default 300)
 * milliseconds after the kernel finished it: the controller exists, the
 * daemon does not know its name yet.  the scenario kills stacd in that
 * window, the worst moment of a connect; nothing else changes.  with
 * E2E_CONNECT_MARK set, a file of that name exists for as long as the window
 * lasts (the scenario waits for it: no polling of /proc for a short window).
 *
 * threading: any thread; no state.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FABRICS "/dev/nvme-fabrics"

static int
is_fabrics(int fd)
{
	char path[64], target[sizeof(FABRICS) + 1];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target));
	return n == (ssize_t)strlen(FABRICS) && memcmp(target, FABRICS, (size_t)n) == 0;
}

ssize_t
write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real_write)(int, const void *, size_t);
	ssize_t n;
	int err;

	if (real_write == NULL)
		real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	n = real_write(fd, buf, count);
	err = errno;
	if (is_fabrics(fd)) {
		const char *ms = getenv("E2E_CONNECT_DELAY_MS");
		long delay = ms != NULL ? strtol(ms, NULL, 10) : 300;
		const char *mark = getenv("E2E_CONNECT_MARK");
		struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
		int mfd = -1;

		if (mark != NULL && *mark != '\0')
			mfd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		nanosleep(&ts, NULL);
		if (mfd >= 0) {
			unlink(mark);
			close(mfd);
		}
	}
	errno = err;
	return n;
}
