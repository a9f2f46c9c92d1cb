/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kernel fabrics capabilities and kernel release comparison: REFERENCE 2.10,
 * the version.py row of 1.3, upstream test-version.py and
 * test-nvme_options.py, and the /dev/nvme-fabrics template of 6.2.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "stas/stas-error.h"
#include "stas/stas-nvme-options.h"

/* REFERENCE 6.2: what a 6.x kernel prints in /dev/nvme-fabrics */
#define FABRICS_TEMPLATE                                                                           \
	"instance=-1,cntlid=-1,transport=%s,traddr=%s,trsvcid=%s,nqn=%s,queue_size=%d,"            \
	"nr_io_queues=%d,reconnect_delay=%d,ctrl_loss_tmo=%d,keep_alive_tmo=%d,hostnqn=%s,"        \
	"host_traddr=%s,host_iface=%s,hostid=%s,disable_sqflow,hdr_digest,data_digest,"            \
	"nr_write_queues=%d,nr_poll_queues=%d,tos=%d,fast_io_fail_tmo=%d,discovery,"               \
	"dhchap_secret=%s,dhchap_ctrl_secret=%s"

/* a RHEL 8 release: older than every capability by version */
#define OLD_KERNEL "4.18.0-348.el8.x86_64"

static void
assert_parts(const char *release, const guint64 *want, guint n)
{
	g_autoptr(StasKernelVersion) v = stas_kernel_version_new(release);

	assert_string_equal(v->release, release ? release : "");
	assert_int_equal(v->n_parts, n);
	for (guint i = 0; i < n; i++)
		assert_true(v->parts[i] == want[i]);
}

static void
test_kernel_version_is_every_run_of_digits(void **state)
{
	static const guint64 generic[] = {5, 8, 0, 63};
	static const guint64 rhel[] = {4, 18, 0, 348, 8, 86, 64};
	static const guint64 rc[] = {6, 9, 0, 1};
	static const guint64 huge[] = {5, G_MAXUINT64, 1};

	assert_parts("5.8.0-63-generic", generic, G_N_ELEMENTS(generic));
	assert_parts(OLD_KERNEL, rhel, G_N_ELEMENTS(rhel));
	assert_parts("6.9.0-rc1", rc, G_N_ELEMENTS(rc));
	assert_parts("5.99999999999999999999999999.1", huge, G_N_ELEMENTS(huge));
	assert_parts("", NULL, 0);
	assert_parts("generic", NULL, 0);
	assert_parts(NULL, NULL, 0);
}

static void
test_kernel_version_compares_like_upstream_test_version(void **state)
{
	const char *v = "5.8.0-63-generic";

	assert_int_equal(stas_kernel_version_compare_str(v, "5.8.0-63"), 0);
	assert_int_not_equal(stas_kernel_version_compare_str(v, "5.8.0"), 0);
	assert_true(stas_kernel_version_compare_str(v, "5.9") < 0);
	assert_false(stas_kernel_version_compare_str(v, "5.7") < 0);
	assert_true(stas_kernel_version_compare_str(v, "5.8.0-63") <= 0);
	assert_true(stas_kernel_version_compare_str(v, "5.8.1") <= 0);
	assert_false(stas_kernel_version_compare_str(v, "5.7") <= 0);
	assert_true(stas_kernel_version_compare_str(v, "5.8") > 0);
	assert_false(stas_kernel_version_compare_str(v, "5.9") > 0);
	assert_true(stas_kernel_version_compare_str(v, "5.8.0-63") >= 0);
	assert_true(stas_kernel_version_compare_str(v, "5.7.0") >= 0);
	assert_false(stas_kernel_version_compare_str(v, "5.9") >= 0);
}

static void
test_kernel_version_compare_is_lexicographic_on_numbers(void **state)
{
	/* a prefix sorts first, numbers compare as numbers, not text */
	assert_true(stas_kernel_version_compare_str("5.8", "5.8.0") < 0);
	assert_true(stas_kernel_version_compare_str("5.10", "5.9") > 0);
	assert_true(stas_kernel_version_compare_str("6.0", "5.20") > 0);
	assert_true(stas_kernel_version_compare_str("5.19.17", "5.20") < 0);
	assert_int_equal(stas_kernel_version_compare_str("", ""), 0);
	assert_true(stas_kernel_version_compare_str("", "0") < 0);
	assert_int_equal(stas_kernel_version_compare_str("v5.8", "5.8"), 0);
}

static void
test_capabilities_implied_by_kernel_version(void **state)
{
	const StasNvmeCap iface = STAS_NVME_CAP_HOST_IFACE;
	const StasNvmeCap iface_disc = STAS_NVME_CAP_HOST_IFACE | STAS_NVME_CAP_DISCOVERY;

	assert_int_equal(stas_nvme_caps_from_kernel(OLD_KERNEL), 0);
	assert_int_equal(stas_nvme_caps_from_kernel("5.13.19"), 0);
	assert_int_equal(stas_nvme_caps_from_kernel("5.14"), iface);
	assert_int_equal(stas_nvme_caps_from_kernel("5.15.0-91-generic"), iface);
	assert_int_equal(stas_nvme_caps_from_kernel("5.16.0"), iface_disc);
	assert_int_equal(stas_nvme_caps_from_kernel("5.19.17-300.fc36.x86_64"), iface_disc);
	assert_int_equal(stas_nvme_caps_from_kernel("5.20"), STAS_NVME_CAP_ALL);
	assert_int_equal(stas_nvme_caps_from_kernel("6.0.0"), STAS_NVME_CAP_ALL);
	assert_int_equal(stas_nvme_caps_from_kernel("6.1.0-18-amd64"), STAS_NVME_CAP_ALL);
	assert_int_equal(stas_nvme_caps_from_kernel(NULL), 0);
}

static void
test_cap_option_names_are_the_kernel_option_names(void **state)
{
	assert_string_equal(stas_nvme_cap_option_name(STAS_NVME_CAP_DISCOVERY), "discovery");
	assert_string_equal(stas_nvme_cap_option_name(STAS_NVME_CAP_HOST_IFACE), "host_iface");
	assert_string_equal(stas_nvme_cap_option_name(STAS_NVME_CAP_DHCHAP_SECRET),
			    "dhchap_secret");
	assert_string_equal(stas_nvme_cap_option_name(STAS_NVME_CAP_DHCHAP_CTRL_SECRET),
			    "dhchap_ctrl_secret");
	assert_null(stas_nvme_cap_option_name(STAS_NVME_CAP_ALL));
}

static void
test_template_on_old_kernel_gives_every_capability_and_option(void **state)
{
	g_autoptr(StasNvmeOptions) opts = stas_nvme_options_new(OLD_KERNEL, FABRICS_TEMPLATE);
	const char *const *list = stas_nvme_options_list(opts);

	assert_int_equal(stas_nvme_options_caps(opts), STAS_NVME_CAP_ALL);
	assert_true(stas_nvme_options_list_known(opts));
	assert_int_equal(g_strv_length((char **)list), 25);
	assert_string_equal(list[0], "instance");
	assert_string_equal(list[15], "disable_sqflow");
	assert_string_equal(list[24], "dhchap_ctrl_secret");
	assert_true(stas_nvme_options_has_option(opts, "fast_io_fail_tmo"));
	assert_true(stas_nvme_options_has_option(opts, "nr_poll_queues"));
	assert_true(stas_nvme_options_has_option(opts, "hdr_digest"));
	assert_true(stas_nvme_options_has_option(opts, "tos"));
	assert_false(stas_nvme_options_has_option(opts, "tls"));
	assert_false(stas_nvme_options_has_option(opts, "concat"));
	assert_false(stas_nvme_options_has_option(opts, "fast_io_fail_tmo=%d"));
	assert_false(stas_nvme_options_has_option(opts, ""));
	assert_false(stas_nvme_options_has_option(opts, NULL));
}

static void
test_upstream_correct_file_gives_all_four(void **state)
{
	g_autoptr(StasNvmeOptions) opts = stas_nvme_options_new(
		OLD_KERNEL, "host_iface=%s,discovery,dhchap_secret=%s,dhchap_ctrl_secret=%s\n");
	g_autofree char *text = stas_nvme_options_to_string(opts);

	assert_true(stas_nvme_options_supports(opts, STAS_NVME_CAP_DISCOVERY));
	assert_true(stas_nvme_options_supports(opts, STAS_NVME_CAP_HOST_IFACE));
	assert_true(stas_nvme_options_supports(opts, STAS_NVME_CAP_DHCHAP_SECRET));
	assert_true(stas_nvme_options_supports(opts, STAS_NVME_CAP_DHCHAP_CTRL_SECRET));
	assert_string_equal(text, "supported options: {'discovery': True, 'host_iface': True, "
				  "'dhchap_secret': True, 'dhchap_ctrl_secret': True}");
}

static void
test_empty_or_garbage_list_on_old_kernel_supports_nothing(void **state)
{
	g_autoptr(StasNvmeOptions) empty = stas_nvme_options_new(OLD_KERNEL, "");
	g_autoptr(StasNvmeOptions) blah = stas_nvme_options_new(OLD_KERNEL, "blah");
	g_autoptr(StasNvmeOptions) newline = stas_nvme_options_new(OLD_KERNEL, "\n");
	g_autofree char *text = stas_nvme_options_to_string(empty);

	assert_int_equal(stas_nvme_options_caps(empty), 0);
	assert_true(stas_nvme_options_list_known(empty));
	assert_null(stas_nvme_options_list(empty)[0]);
	assert_int_equal(stas_nvme_options_caps(blah), 0);
	assert_false(stas_nvme_options_has_option(blah, "discovery"));
	assert_int_equal(stas_nvme_options_caps(newline), 0);
	assert_null(stas_nvme_options_list(newline)[0]);
	assert_false(stas_nvme_options_supports(empty, 0));
	assert_string_equal(text, "supported options: {'discovery': False, 'host_iface': False, "
				  "'dhchap_secret': False, 'dhchap_ctrl_secret': False}");
}

static void
test_only_the_first_line_counts(void **state)
{
	g_autoptr(StasNvmeOptions) opts =
		stas_nvme_options_new(OLD_KERNEL, "host_iface=%s\ndiscovery,tos=%d\n");

	assert_int_equal(stas_nvme_options_caps(opts), STAS_NVME_CAP_HOST_IFACE);
	assert_false(stas_nvme_options_has_option(opts, "tos"));
}

static void
test_names_are_trimmed_and_listed_once(void **state)
{
	g_autoptr(StasNvmeOptions) opts =
		stas_nvme_options_new(OLD_KERNEL, " discovery , ,host_iface = %s ,discovery,,=x");
	const char *const *list = stas_nvme_options_list(opts);

	assert_int_equal(g_strv_length((char **)list), 2);
	assert_string_equal(list[0], "discovery");
	assert_string_equal(list[1], "host_iface");
	assert_int_equal(stas_nvme_options_caps(opts),
			 STAS_NVME_CAP_DISCOVERY | STAS_NVME_CAP_HOST_IFACE);
}

static void
test_backported_option_on_old_kernel_is_found_in_list(void **state)
{
	g_autoptr(StasNvmeOptions) opts = stas_nvme_options_new("5.4.0", "instance=-1,discovery");

	assert_int_equal(stas_nvme_options_caps(opts), STAS_NVME_CAP_DISCOVERY);
	assert_false(stas_nvme_options_supports(opts, STAS_NVME_CAP_ALL));
	assert_false(stas_nvme_options_has_option(opts, "host_iface"));
}

static void
test_version_implies_capability_missing_from_list(void **state)
{
	g_autoptr(StasNvmeOptions) opts = stas_nvme_options_new("6.1.0", "instance=-1,tos=%d");

	assert_int_equal(stas_nvme_options_caps(opts), STAS_NVME_CAP_ALL);
	assert_true(stas_nvme_options_has_option(opts, "dhchap_secret"));
	assert_true(stas_nvme_options_has_option(opts, "tos"));
	assert_false(stas_nvme_options_has_option(opts, "fast_io_fail_tmo"));
}

static void
test_unknown_list_answers_only_for_version_implied_capabilities(void **state)
{
	g_autoptr(StasNvmeOptions) recent = stas_nvme_options_new("5.16.2", NULL);
	g_autoptr(StasNvmeOptions) old = stas_nvme_options_new(OLD_KERNEL, NULL);
	g_autoptr(StasNvmeOptions) nothing = stas_nvme_options_new(NULL, NULL);

	assert_false(stas_nvme_options_list_known(recent));
	assert_true(stas_nvme_options_has_option(recent, "host_iface"));
	assert_true(stas_nvme_options_has_option(recent, "discovery"));
	assert_false(stas_nvme_options_has_option(recent, "dhchap_secret"));
	assert_false(stas_nvme_options_has_option(recent, "fast_io_fail_tmo"));
	assert_int_equal(stas_nvme_options_caps(old), 0);
	assert_false(stas_nvme_options_has_option(old, "discovery"));
	assert_null(stas_nvme_options_list(old)[0]);
	assert_int_equal(stas_nvme_options_caps(nothing), 0);
}

static void
test_options_are_refcounted(void **state)
{
	StasNvmeOptions *opts = stas_nvme_options_new("6.1", FABRICS_TEMPLATE);
	StasNvmeOptions *ref = stas_nvme_options_ref(opts);

	stas_nvme_options_unref(opts);
	assert_true(stas_nvme_options_has_option(ref, "tos"));
	stas_nvme_options_unref(ref);
	stas_nvme_options_unref(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_version_is_every_run_of_digits),
		cmocka_unit_test(test_kernel_version_compares_like_upstream_test_version),
		cmocka_unit_test(test_kernel_version_compare_is_lexicographic_on_numbers),
		cmocka_unit_test(test_capabilities_implied_by_kernel_version),
		cmocka_unit_test(test_cap_option_names_are_the_kernel_option_names),
		cmocka_unit_test(test_template_on_old_kernel_gives_every_capability_and_option),
		cmocka_unit_test(test_upstream_correct_file_gives_all_four),
		cmocka_unit_test(test_empty_or_garbage_list_on_old_kernel_supports_nothing),
		cmocka_unit_test(test_only_the_first_line_counts),
		cmocka_unit_test(test_names_are_trimmed_and_listed_once),
		cmocka_unit_test(test_backported_option_on_old_kernel_is_found_in_list),
		cmocka_unit_test(test_version_implies_capability_missing_from_list),
		cmocka_unit_test(test_unknown_list_answers_only_for_version_implied_capabilities),
		cmocka_unit_test(test_options_are_refcounted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
