/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nbft-gen, the e2e tier's NBFT generator: what it writes is a table the
 * project's parser (stas-nbft) accepts and reads back with exactly the
 * values given on the command line, and the controllers stafd and stacd
 * derive from it (REFERENCE 5.14, B7) are the ones the scenario expects.
 * the generator is run as a program (NBFT_GEN), as the scenario runs it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "stas/stas-nbft.h"

#define HOST_NQN "nqn.2014-08.org.nvmexpress:uuid:5e7a0b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b"
#define HOST_ID	 "5e7a0b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b"
#define BOOT_NQN "nqn.2014-08.org.example:stas-nbft-boot"
#define SSNS	 "traddr=127.0.0.1;trsvcid=4420;subsysnqn=" BOOT_NQN
#define DISC	 "uri=nvme+tcp://127.0.0.1:8009/"
#define WK_NQN	 "nqn.2014-08.org.nvmexpress.discovery"

typedef struct {
	char *dir;
	char *path;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->dir = g_dir_make_tmp("nbft-gen-XXXXXX", NULL);
	assert_non_null(f->dir);
	f->path = g_build_filename(f->dir, "NBFT", NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	g_unlink(f->path);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
	g_free(f);
	return 0;
}

/* nbft-gen ARGS... -o PATH; its exit status */
static int
run_gen(Fixture *f, const char *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *err = NULL;
	const char *gen = g_getenv("NBFT_GEN");
	int status = -1;

	assert_non_null(gen);
	g_ptr_array_add(argv, (gpointer)gen);
	for (guint i = 0; args[i]; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, (gpointer) "-o");
	g_ptr_array_add(argv, f->path);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
			  NULL, &err, &status, &error))
		fail_msg("%s: %s", gen, error->message);
	if (err && *err)
		print_message("%s", err);
	return g_spawn_check_wait_status(status, NULL) ? 0 : 1;
}

static StasNbft *
gen_and_parse(Fixture *f, const char *const *args)
{
	g_autoptr(GError) error = NULL;
	StasNbft *nbft;

	assert_int_equal(run_gen(f, args), 0);
	nbft = stas_nbft_parse_file(f->path, &error);
	if (nbft == NULL)
		fail_msg("%s", error->message);
	/* nothing in it was dropped or odd */
	assert_int_equal(nbft->diagnostics->len, 0);
	return nbft;
}

static const char *const boot_args[] = {
	"--host-nqn", HOST_NQN, "--host-id", HOST_ID, "--ssns", SSNS, "--discovery", DISC, NULL,
};

static void
assert_map(GHashTable *map, const char *const *kv)
{
	guint n = 0;

	for (; kv[2 * n]; n++)
		assert_string_equal(g_hash_table_lookup(map, kv[2 * n]), kv[2 * n + 1]);
	assert_int_equal(g_hash_table_size(map), n);
}

/* ------------------------------------------------------------------ tests */

static void
test_boot_table_has_a_valid_acpi_header(void **state)
{
	Fixture *f = *state;
	g_autoptr(StasNbft) nbft = gen_and_parse(f, boot_args);
	g_autofree char *data = NULL;
	gsize len = 0;
	guint8 sum = 0;

	assert_true(g_file_get_contents(f->path, &data, &len, NULL));
	for (gsize i = 0; i < len; i++)
		sum = (guint8)(sum + (guint8)data[i]);
	assert_int_equal(sum, 0);
	assert_string_equal(nbft->header.signature, "NBFT");
	assert_int_equal(nbft->header.length, len);
	assert_int_equal(nbft->header.major_revision, 1);
	assert_int_equal(nbft->header.minor_revision, 0);
	assert_string_equal(nbft->header.oem_id, "STAS  ");
	assert_string_equal(nbft->header.oem_table_id, "NBFTGEN ");
	assert_string_equal(nbft->header.creator_id, "STAS");
	/* the heap is the end of the table */
	assert_int_equal(nbft->header.heap_offset + nbft->header.heap_length, len);
	assert_null(nbft->header.driver_dev_path_sig);
	assert_int_equal(nbft->header.num_hfi, 1);
	assert_int_equal(nbft->header.num_ssns, 1);
	assert_int_equal(nbft->header.num_sec, 0);
	assert_int_equal(nbft->header.num_disc, 1);
}

static void
test_boot_table_host_is_the_given_nqn_and_id(void **state)
{
	static const guint8 id[16] = {0x5e, 0x7a, 0x0b, 0x1c, 0x2d, 0x3e, 0x4f, 0x50,
				      0x8a, 0x9b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b};
	g_autoptr(StasNbft) nbft = gen_and_parse(*state, boot_args);

	assert_string_equal(nbft->host.nqn, HOST_NQN);
	assert_memory_equal(nbft->host.id, id, 16);
	assert_true(nbft->host.nqn_configured);
	assert_true(nbft->host.id_configured);
	assert_int_equal(nbft->host.primary_admin, STAS_NBFT_PRIMARY_ADMIN_NOT_INDICATED);
}

static void
test_boot_table_hfi_is_tcp_on_loopback(void **state)
{
	g_autoptr(StasNbft) nbft = gen_and_parse(*state, boot_args);
	const StasNbftHfi *hfi;

	assert_int_equal(nbft->hfi->len, 1);
	hfi = g_ptr_array_index(nbft->hfi, 0);
	assert_int_equal(hfi->index, 1);
	assert_string_equal(hfi->trtype, "tcp");
	assert_string_equal(hfi->ip, "127.0.0.1");
	assert_int_equal(hfi->prefix, 8);
	assert_string_equal(hfi->mac, "00:00:00:00:00:00");
	assert_string_equal(hfi->gateway, "0.0.0.0");
	assert_true(hfi->global_route);
	assert_false(hfi->dhcp_override);
	assert_int_equal(hfi->ip_origin, 1);
	assert_null(hfi->host_name);
}

static void
test_boot_table_ssns_is_the_given_subsystem(void **state)
{
	g_autoptr(StasNbft) nbft = gen_and_parse(*state, boot_args);
	const StasNbftSsns *s;

	assert_int_equal(nbft->ssns->len, 1);
	s = g_ptr_array_index(nbft->ssns, 0);
	assert_int_equal(s->index, 1);
	assert_string_equal(s->trtype, "tcp");
	assert_string_equal(s->traddr, "127.0.0.1");
	assert_string_equal(s->trsvcid, "4420");
	assert_string_equal(s->subsys_nqn, BOOT_NQN);
	assert_int_equal(s->nsid, 1);
	assert_int_equal(s->nid_type, STAS_NBFT_NID_NONE);
	assert_int_equal(s->n_hfi_indexes, 1);
	assert_int_equal(s->hfi_indexes[0], 1);
	assert_int_equal(s->discovery_index, 0);
	assert_int_equal(s->security_index, 0);
	assert_false(s->hdr_digest);
	assert_false(s->data_digest);
	assert_false(s->discovered);
	assert_false(s->non_bootable);
	assert_false(s->ext_info);
	assert_int_equal(s->availability, STAS_NBFT_NS_NOT_INDICATED);
}

static void
test_boot_table_discovery_is_the_given_uri_with_the_well_known_nqn(void **state)
{
	g_autoptr(StasNbft) nbft = gen_and_parse(*state, boot_args);
	const StasNbftDiscovery *d;

	assert_int_equal(nbft->discovery->len, 1);
	d = g_ptr_array_index(nbft->discovery, 0);
	assert_int_equal(d->index, 1);
	assert_string_equal(d->uri, "nvme+tcp://127.0.0.1:8009/");
	assert_null(d->nqn);
	assert_int_equal(d->hfi_index, 1);
	assert_int_equal(d->sec_index, 0);
}

/* what stafd and stacd make of it: the scenario's DC and boot IOC */
static void
test_boot_table_gives_stafd_the_dc_and_stacd_the_boot_ioc(void **state)
{
	static const char *const dc[] = {
		"transport", "tcp",  "traddr",	 "127.0.0.1", "trsvcid", "8009",
		"subsysnqn", WK_NQN, "host-nqn", HOST_NQN,    NULL,
	};
	static const char *const ioc[] = {
		"transport",   "tcp",	    "traddr",	"127.0.0.1",  "trsvcid",
		"4420",	       "subsysnqn", BOOT_NQN,	"hdr-digest", "false",
		"data-digest", "false",	    "host-nqn", HOST_NQN,     NULL,
	};
	g_autoptr(StasNbft) nbft = gen_and_parse(*state, boot_args);
	g_autoptr(GPtrArray) diags = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) dcs = stas_nbft_dc_candidates(nbft, NULL, diags);
	g_autoptr(GPtrArray) iocs = stas_nbft_ioc_candidates(nbft, NULL, diags);

	assert_int_equal(diags->len, 0);
	assert_int_equal(dcs->len, 1);
	assert_map(g_ptr_array_index(dcs, 0), dc);
	assert_int_equal(iocs->len, 1);
	assert_map(g_ptr_array_index(iocs, 0), ioc);
}

static void
test_descriptors_keep_the_order_given_ipv6_included(void **state)
{
	static const char *const args[] = {
		"--host-nqn",
		HOST_NQN,
		"--host-id",
		"5e7a0b1c2d3e4f508a9b0c1d2e3f4a5b",
		"--hfi-ip",
		"fd00::10/64",
		"--hfi-mac",
		"52:54:00:12:34:56",
		"--ssns",
		"traddr=::1;trsvcid=4421;subsysnqn=nqn.2014-08.org.example:a;nsid=7;data-digest="
		"true",
		"--ssns",
		"traddr=127.0.0.2;trsvcid=4420;subsysnqn=nqn.2014-08.org.example:b;hdr-digest=true",
		"--discovery",
		"uri=nvme+tcp://[fd00::1]:8009/;subsysnqn=nqn.2014-08.org.example:cdc",
		"--discovery",
		"uri=nvme+tcp://127.0.0.3/",
		NULL,
	};
	g_autoptr(StasNbft) nbft = gen_and_parse(*state, args);
	const StasNbftHfi *hfi = g_ptr_array_index(nbft->hfi, 0);
	const StasNbftSsns *a, *b;
	const StasNbftDiscovery *d1, *d2;

	assert_string_equal(hfi->ip, "fd00::10");
	assert_int_equal(hfi->prefix, 64);
	assert_string_equal(hfi->mac, "52:54:00:12:34:56");
	assert_string_equal(hfi->gateway, "::");
	assert_int_equal(nbft->ssns->len, 2);
	a = g_ptr_array_index(nbft->ssns, 0);
	b = g_ptr_array_index(nbft->ssns, 1);
	assert_int_equal(a->index, 1);
	assert_string_equal(a->traddr, "::1");
	assert_string_equal(a->trsvcid, "4421");
	assert_string_equal(a->subsys_nqn, "nqn.2014-08.org.example:a");
	assert_int_equal(a->nsid, 7);
	assert_false(a->hdr_digest);
	assert_true(a->data_digest);
	assert_int_equal(b->index, 2);
	assert_string_equal(b->traddr, "127.0.0.2");
	assert_true(b->hdr_digest);
	assert_false(b->data_digest);
	assert_int_equal(b->nsid, 1);
	assert_int_equal(nbft->discovery->len, 2);
	d1 = g_ptr_array_index(nbft->discovery, 0);
	d2 = g_ptr_array_index(nbft->discovery, 1);
	assert_int_equal(d1->index, 1);
	assert_string_equal(d1->uri, "nvme+tcp://[fd00::1]:8009/");
	assert_string_equal(d1->nqn, "nqn.2014-08.org.example:cdc");
	assert_int_equal(d2->index, 2);
	assert_string_equal(d2->uri, "nvme+tcp://127.0.0.3/");
	assert_null(d2->nqn);
}

static void
test_table_without_ssns_or_discovery_lists_none(void **state)
{
	static const char *const args[] = {"--host-nqn", HOST_NQN, "--host-id", HOST_ID, NULL};
	g_autoptr(StasNbft) nbft = gen_and_parse(*state, args);

	assert_int_equal(nbft->header.num_ssns, 0);
	assert_int_equal(nbft->header.num_disc, 0);
	assert_int_equal(nbft->ssns->len, 0);
	assert_int_equal(nbft->discovery->len, 0);
	assert_int_equal(nbft->hfi->len, 1);
}

/* the checksum covers every byte: one changed byte and the table is refused */
static void
test_a_changed_byte_breaks_the_checksum(void **state)
{
	Fixture *f = *state;
	g_autofree char *data = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	assert_int_equal(run_gen(f, boot_args), 0);
	assert_true(g_file_get_contents(f->path, &data, &len, NULL));
	data[len - 2] ^= 0x01;
	assert_null(stas_nbft_parse((const guint8 *)data, len, "flipped", &error));
	assert_non_null(strstr(error->message, "checksum"));
}

static void
test_bad_arguments_write_nothing(void **state)
{
	Fixture *f = *state;
	static const char *const cases[][7] = {
		{"--host-id", HOST_ID, NULL},
		{"--host-nqn", HOST_NQN, NULL},
		{"--host-nqn", HOST_NQN, "--host-id", "5e7a0b1c-2d3e", NULL},
		{"--host-nqn", HOST_NQN, "--host-id", "zz7a0b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b", NULL},
		{"--host-nqn", HOST_NQN, "--host-id", HOST_ID, "--hfi-ip", "127.0.0.1", NULL},
		{"--host-nqn", HOST_NQN, "--host-id", HOST_ID, "--hfi-ip", "127.0.0.1/33", NULL},
		{"--host-nqn", HOST_NQN, "--host-id", HOST_ID, "--hfi-mac", "52:54:00", NULL},
		{"--host-nqn", HOST_NQN, "--host-id", HOST_ID, "--ssns",
		 "traddr=host.example;trsvcid=4420;subsysnqn=x", NULL},
		{"--host-nqn", HOST_NQN, "--host-id", HOST_ID, "--ssns",
		 "traddr=127.0.0.1;trsvcid=4420", NULL},
		{"--host-nqn", HOST_NQN, "--host-id", HOST_ID, "--ssns",
		 "traddr=127.0.0.1;trsvcid=4420;subsysnqn=x;nsid=-1", NULL},
		{"--host-nqn", HOST_NQN, "--host-id", HOST_ID, "--ssns",
		 "traddr=127.0.0.1;trsvcid=4420;subsysnqn=x;hdr-digest=yes", NULL},
		{"--host-nqn", HOST_NQN, "--host-id", HOST_ID, "--ssns",
		 "traddr=127.0.0.1;trsvcid=4420;subsysnqn=x;colour=blue", NULL},
		{"--host-nqn", HOST_NQN, "--host-id", HOST_ID, "--discovery", "subsysnqn=x", NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		print_message("case %u\n", i);
		assert_int_equal(run_gen(f, cases[i]), 1);
		assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boot_table_has_a_valid_acpi_header, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_boot_table_host_is_the_given_nqn_and_id, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_boot_table_hfi_is_tcp_on_loopback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_boot_table_ssns_is_the_given_subsystem, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_boot_table_discovery_is_the_given_uri_with_the_well_known_nqn, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_boot_table_gives_stafd_the_dc_and_stacd_the_boot_ioc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_descriptors_keep_the_order_given_ipv6_included,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_without_ssns_or_discovery_lists_none,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_changed_byte_breaks_the_checksum, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments_write_nothing, setup, teardown),
	};

	return cmocka_run_group_tests_name("nbft-gen", tests, NULL, NULL);
}
