/* SPDX-License-Identifier: Apache-2.0 */
/* the error domain and its D-Bus names */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gio/gio.h>

#include "stas/stas-error.h"

static void
test_codes_have_names(void **state)
{
	assert_string_equal(stas_error_code_to_string(STAS_ERROR_INVALID), "Invalid");
	assert_string_equal(stas_error_code_to_string(STAS_ERROR_NOT_FOUND), "NotFound");
	assert_string_equal(stas_error_code_to_string((StasErrorCode)999), "Failed");
}

static void
test_errors_cross_dbus_with_their_code(void **state)
{
	g_autoptr(GError) error = g_error_new(STAS_ERROR, STAS_ERROR_PERMISSION, "no");
	g_autofree char *name = g_dbus_error_encode_gerror(error);
	g_autoptr(GError) back = NULL;

	assert_string_equal(name, "org.nvmexpress.stas.Error.Permission");
	back = g_dbus_error_new_for_dbus_error(name, "no");
	assert_true(g_error_matches(back, STAS_ERROR, STAS_ERROR_PERMISSION));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes_have_names),
		cmocka_unit_test(test_errors_cross_dbus_with_their_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
