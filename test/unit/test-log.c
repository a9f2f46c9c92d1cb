/* SPDX-License-Identifier: Apache-2.0 */
/* logging: stdout format, trace toggling, controller prefix (REFERENCE 5.17) */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include "stas/stas-log.h"

/* run fn with stdout sent to a temporary file; return what it printed */
static char *
capture_stdout(void (*fn)(void))
{
	char path[] = "/tmp/stas-test-log-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(STDOUT_FILENO);
	char *out = NULL;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	fn();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	assert_true(g_file_get_contents(path, &out, NULL, NULL));
	unlink(path);
	return out;
}

static void
log_some_lines(void)
{
	g_debug("a debug line");
	g_info("an info line");
	g_warning("a warning line");
	stas_ctrl_info("(tcp, 1.1.1.1, 8009)", "nvme3", "Connection established!");
	stas_ctrl_info("(tcp, 1.1.1.1, 8009)", NULL, "Disconnect initiated");
	stas_ctrl_debug("(tcp, 1.1.1.1, 8009)", "nvme3", "a debug ctrl line");
}

static void
test_info_and_warnings_printed_debug_dropped_without_trace(void **state)
{
	g_autofree char *out = NULL;

	stas_log_set_tron(FALSE);
	out = capture_stdout(log_some_lines);
	assert_null(strstr(out, "debug line"));
	assert_non_null(strstr(out, "an info line\n"));
	assert_non_null(strstr(out, "WARNING: a warning line\n"));
	assert_string_equal(stas_log_level_name(), "INFO");
}

static void
test_controller_lines_start_with_tid_and_device(void **state)
{
	g_autofree char *out = NULL;

	stas_log_set_tron(FALSE);
	out = capture_stdout(log_some_lines);
	assert_non_null(strstr(out, "(tcp, 1.1.1.1, 8009) | nvme3 - Connection established!\n"));
	assert_non_null(strstr(out, "(tcp, 1.1.1.1, 8009) | nvme? - Disconnect initiated\n"));
}

static void
test_trace_on_prints_debug_lines(void **state)
{
	g_autofree char *out = NULL;

	stas_log_set_tron(TRUE);
	out = capture_stdout(log_some_lines);
	stas_log_set_tron(FALSE);
	assert_non_null(strstr(out, "DEBUG: a debug line\n"));
	assert_non_null(strstr(out, "DEBUG: (tcp, 1.1.1.1, 8009) | nvme3 - a debug ctrl line\n"));
}

static void
test_level_name_follows_trace(void **state)
{
	stas_log_set_tron(TRUE);
	assert_true(stas_log_get_tron());
	assert_string_equal(stas_log_level_name(), "DEBUG");
	stas_log_set_tron(FALSE);
	assert_string_equal(stas_log_level_name(), "INFO");
}

static void
test_stdout_target_never_uses_journal(void **state)
{
	stas_log_init("test-log", STAS_LOG_STDOUT);
	assert_false(stas_log_to_journal());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_and_warnings_printed_debug_dropped_without_trace),
		cmocka_unit_test(test_controller_lines_start_with_tid_and_device),
		cmocka_unit_test(test_trace_on_prints_debug_lines),
		cmocka_unit_test(test_level_name_follows_trace),
		cmocka_unit_test(test_stdout_target_never_uses_journal),
	};

	stas_log_init("test-log", STAS_LOG_STDOUT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
