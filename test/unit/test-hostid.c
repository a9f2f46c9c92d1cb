/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host identity: REFERENCE 4.4 (stasadm hostnqn / hostid, "Host NQN UUID
 * derivation") and the host NQN checks of REFERENCE 2.3.
 *
 * known answers were computed outside this code with python3:
 *   hmac.new(b'$nvmexpress.org$', uuid.UUID(machine_id).bytes,
 *            hashlib.sha256).digest()[:16]  ->  uuid.UUID(bytes=..., version=4)
 * which is upstream stasadm's get_machine_app_specific().
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "stas/stas-error.h"
#include "stas/stas-hostid.h"
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * root reads any file, so a permission error needs a process without
 * root's rights: run fn in a child that became "nobody" and return
 * whether fn returned TRUE there.
 */
static gboolean
run_as_nobody(gboolean (*fn)(gpointer), gpointer data)
{
	int status = 0;
	pid_t pid;

	if (geteuid() != 0)
		return fn(data);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
		    setresuid(65534, 65534, 65534) != 0)
			_exit(2);
		_exit(fn(data) ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

#define MACHINE_ID_1 "0123456789abcdef0123456789abcdef"
/* digest starts f27823464809c84a1a8b...: byte 6 c8 -> 48, byte 8 1a -> 9a */
#define MACHINE_UUID_1 "f2782346-4809-484a-9a8b-952a04b57ba4"
#define MACHINE_ID_2   "f00dfeedcafebabe0011223344556677"
#define MACHINE_UUID_2 "5432405c-870e-40b9-a9fc-ba21e3330411"
/*
 * what systemd's sd_id128_get_machine_app_specific() gives for MACHINE_ID_1
 * and app id "$nvmexpress.org$": systemd keys the HMAC with the machine id
 * and hashes the app id, upstream stasadm does the reverse.  computed with
 * python3 hmac.new(uuid.UUID(MACHINE_ID_1).bytes, b'$nvmexpress.org$', ...)
 * after checking that formula against `systemd-id128 machine-id
 * --app-specific=246e766d657870726573732e6f726724` (systemd 252).
 */
#define SYSTEMD_APP_UUID_1 "f9d2f52f-9587-4d43-999b-c607388904b0"

/* REFERENCE 4.4 swap; the result is the NBFT fixture's Dell host id (6.2) */
#define DMI_PRODUCT_UUID "4c4c4544-0034-3610-8038-b2c04f313233"
#define DMI_SWAPPED_UUID "44454c4c-3400-1036-8038-b2c04f313233"

#define PARTITION_UUID "8a0e4c2d-1f3b-4e5a-9c7d-6b2f0e1d3c4a"

typedef struct {
	char *dir;
	char *machine_id;
	char *product_uuid;
	char *partition_uuid;
	StasHostIdPaths paths;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->dir = g_dir_make_tmp("stas-hostid-XXXXXX", NULL);
	assert_non_null(f->dir);
	f->machine_id = g_build_filename(f->dir, "machine-id", NULL);
	f->product_uuid = g_build_filename(f->dir, "product_uuid", NULL);
	f->partition_uuid = g_build_filename(f->dir, "ibm,partition-uuid", NULL);
	f->paths.machine_id = f->machine_id;
	f->paths.product_uuid = f->product_uuid;
	f->paths.partition_uuid = f->partition_uuid;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	g_unlink(f->machine_id);
	g_unlink(f->product_uuid);
	g_unlink(f->partition_uuid);
	g_rmdir(f->dir);
	g_free(f->machine_id);
	g_free(f->product_uuid);
	g_free(f->partition_uuid);
	g_free(f->dir);
	g_free(f);
	return 0;
}

static void
put(const char *path, const char *contents, gssize len)
{
	g_autoptr(GError) error = NULL;

	assert_true(g_file_set_contents(path, contents, len, &error));
}

static void
assert_nqn(const StasHostIdPaths *paths, const char *uuid, StasHostNqnSource want)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *nqn = NULL;
	g_autofree char *expected = g_strconcat(STAS_HOSTNQN_UUID_PREFIX, uuid, NULL);
	StasHostNqnSource source = (StasHostNqnSource)-1;

	nqn = stas_hostnqn_generate(paths, &source, &error);
	assert_null(error);
	assert_string_equal(nqn, expected);
	assert_int_equal(source, want);
}

static void
assert_uuid_v4(const char *uuid)
{
	assert_true(stas_uuid_is_valid(uuid));
	assert_int_equal(uuid[14], '4');
	assert_non_null(strchr("89ab", uuid[19]));
	for (const char *p = uuid; *p; p++)
		assert_false(g_ascii_isupper(*p));
}

static void
test_machine_id_known_answers(void **state)
{
	g_autofree char *a = stas_uuid_from_machine_id(MACHINE_ID_1);
	g_autofree char *b = stas_uuid_from_machine_id(MACHINE_ID_2);
	g_autofree char *upper = stas_uuid_from_machine_id("0123456789ABCDEF0123456789ABCDEF");
	g_autofree char *longer = stas_uuid_from_machine_id(MACHINE_ID_1 "\nextra");

	assert_string_equal(a, MACHINE_UUID_1);
	assert_string_equal(b, MACHINE_UUID_2);
	assert_string_equal(upper, MACHINE_UUID_1);
	assert_string_equal(longer, MACHINE_UUID_1);
	assert_uuid_v4(a);
	assert_uuid_v4(b);
}

static void
test_machine_id_hash_follows_stasadm_not_systemd(void **state)
{
	g_autofree char *a = stas_uuid_from_machine_id(MACHINE_ID_1);

	/* drop-in: the same NQN as upstream stasadm on the same machine */
	assert_string_not_equal(a, SYSTEMD_APP_UUID_1);
}

static void
test_machine_id_must_be_32_hex_digits(void **state)
{
	static const char *const bad[] = {
		"0123456789abcdef0123456789abcde",  /* 31 */
		"0123456789abcdef0123456789abcdeg", /* not hex */
		"01234567-89ab-cdef-0123-456789abcdef", "uninitialized\n", "",
		"00000000000000000000000000000000", /* systemd: no machine id */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *u = stas_uuid_from_machine_id(bad[i]);

		if (u != NULL)
			fail_msg("accepted \"%s\" as %s", bad[i], u);
	}
	assert_null(stas_uuid_from_machine_id(NULL));
}

static void
test_hostnqn_from_machine_id_file(void **state)
{
	Fixture *f = *state;

	put(f->machine_id, MACHINE_ID_1 "\n", -1);
	put(f->product_uuid, DMI_PRODUCT_UUID "\n", -1);
	assert_nqn(&f->paths, MACHINE_UUID_1, STAS_HOSTNQN_FROM_MACHINE_ID);

	/* deterministic per machine */
	assert_nqn(&f->paths, MACHINE_UUID_1, STAS_HOSTNQN_FROM_MACHINE_ID);
	put(f->machine_id, MACHINE_ID_2, -1);
	assert_nqn(&f->paths, MACHINE_UUID_2, STAS_HOSTNQN_FROM_MACHINE_ID);
}

static void
test_product_uuid_first_three_groups_are_byte_swapped(void **state)
{
	g_autofree char *u = stas_uuid_from_product_uuid(DMI_PRODUCT_UUID);
	g_autofree char *upper =
		stas_uuid_from_product_uuid("4C4C4544-0034-3610-8038-B2C04F313233");
	g_autofree char *seq = stas_uuid_from_product_uuid("00112233-4455-6677-8899-aabbccddeeff");

	assert_string_equal(u, DMI_SWAPPED_UUID);
	assert_string_equal(upper, DMI_SWAPPED_UUID);
	assert_string_equal(seq, "33221100-5544-7766-8899-aabbccddeeff");
}

static void
test_product_uuid_that_is_not_a_uuid_is_rejected(void **state)
{
	static const char *const bad[] = {
		"4c4c4544-0034-3610-8038-b2c04f31323", /* 35 */
		"4c4c4544x0034-3610-8038-b2c04f313233", "4c4c4544-0034-3610-8038-b2c04f31323g",
		"00000000-0000-0000-0000-000000000000", /* SMBIOS: not present */
		"ffffffff-ffff-ffff-ffff-ffffffffffff", /* SMBIOS: not set */
		"FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *u = stas_uuid_from_product_uuid(bad[i]);

		if (u != NULL)
			fail_msg("accepted \"%s\" as %s", bad[i], u);
	}
	assert_null(stas_uuid_from_product_uuid(NULL));
}

static void
test_short_or_invalid_machine_id_falls_through_to_product_uuid(void **state)
{
	Fixture *f = *state;

	put(f->product_uuid, DMI_PRODUCT_UUID "\n", -1);
	put(f->machine_id, "0123456789abcdef0123456789abcde\n", -1); /* 31 + newline */
	assert_nqn(&f->paths, DMI_SWAPPED_UUID, STAS_HOSTNQN_FROM_PRODUCT_UUID);
	put(f->machine_id, "0123456789abcdef0123456789abcde", -1); /* 31 */
	assert_nqn(&f->paths, DMI_SWAPPED_UUID, STAS_HOSTNQN_FROM_PRODUCT_UUID);
	put(f->machine_id, "uninitialized\n", -1);
	assert_nqn(&f->paths, DMI_SWAPPED_UUID, STAS_HOSTNQN_FROM_PRODUCT_UUID);
	put(f->machine_id, "", 0);
	assert_nqn(&f->paths, DMI_SWAPPED_UUID, STAS_HOSTNQN_FROM_PRODUCT_UUID);
	g_unlink(f->machine_id);
	assert_nqn(&f->paths, DMI_SWAPPED_UUID, STAS_HOSTNQN_FROM_PRODUCT_UUID);
}

static void
test_partition_uuid_is_third(void **state)
{
	Fixture *f = *state;

	/* device tree properties end in a NUL */
	put(f->partition_uuid, PARTITION_UUID "", (gssize)sizeof(PARTITION_UUID));
	assert_nqn(&f->paths, PARTITION_UUID, STAS_HOSTNQN_FROM_PARTITION_UUID);
	put(f->product_uuid, "00000000-0000-0000-0000-000000000000\n", -1);
	assert_nqn(&f->paths, PARTITION_UUID, STAS_HOSTNQN_FROM_PARTITION_UUID);
	put(f->partition_uuid, "8A0E4C2D-1F3B-4E5A-9C7D-6B2F0E1D3C4A", -1);
	assert_nqn(&f->paths, PARTITION_UUID, STAS_HOSTNQN_FROM_PARTITION_UUID);
}

static void
test_random_uuid_when_no_source_is_usable(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree char *a = NULL;
	g_autofree char *b = NULL;
	StasHostNqnSource source = STAS_HOSTNQN_FROM_MACHINE_ID;

	put(f->partition_uuid, "short", -1);
	a = stas_hostnqn_generate(&f->paths, &source, &error);
	assert_null(error);
	assert_int_equal(source, STAS_HOSTNQN_FROM_RANDOM);
	assert_true(g_str_has_prefix(a, STAS_HOSTNQN_UUID_PREFIX));
	assert_uuid_v4(a + strlen(STAS_HOSTNQN_UUID_PREFIX));
	b = stas_hostnqn_generate(&f->paths, NULL, &error);
	assert_null(error);
	assert_string_not_equal(a, b);
}

static void
test_null_paths_skip_their_source(void **state)
{
	Fixture *f = *state;
	StasHostIdPaths only_dmi = {NULL, f->product_uuid, NULL};

	put(f->machine_id, MACHINE_ID_1, -1);
	put(f->product_uuid, DMI_PRODUCT_UUID, -1);
	assert_nqn(&only_dmi, DMI_SWAPPED_UUID, STAS_HOSTNQN_FROM_PRODUCT_UUID);
}

static void
test_unreadable_source_stops_the_search(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree char *nqn = NULL;
	StasHostIdPaths paths = f->paths;

	/* a directory opens but does not read: never fall back to random */
	put(f->partition_uuid, PARTITION_UUID, -1);
	paths.product_uuid = f->dir;
	nqn = stas_hostnqn_generate(&paths, NULL, &error);
	assert_null(nqn);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_IO));
	assert_non_null(strstr(error->message, f->dir));
}

static gboolean
generate_fails_with_permission_error(gpointer data)
{
	Fixture *f = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *nqn = stas_hostnqn_generate(&f->paths, NULL, &error);

	return nqn == NULL && g_error_matches(error, STAS_ERROR, STAS_ERROR_PERMISSION);
}

static void
test_product_uuid_without_root_is_a_permission_error(void **state)
{
	Fixture *f = *state;

	put(f->product_uuid, DMI_PRODUCT_UUID, -1);
	assert_int_equal(g_chmod(f->product_uuid, 0), 0);
	assert_true(run_as_nobody(generate_fails_with_permission_error, f));
}

static void
test_hostid_is_random_v4_and_distinct(void **state)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (int i = 0; i < 1000; i++) {
		char *id = stas_hostid_generate();

		assert_uuid_v4(id);
		assert_false(g_hash_table_contains(seen, id));
		g_hash_table_add(seen, id);
	}
}

static void
test_uuid_validity(void **state)
{
	assert_true(stas_uuid_is_valid("01234567-89ab-cdef-0123-456789abcdef"));
	assert_true(stas_uuid_is_valid("01234567-89AB-CDEF-0123-456789ABCDEF"));
	assert_false(stas_uuid_is_valid("01234567-89ab-cdef-0123-456789abcdef0"));
	assert_false(stas_uuid_is_valid("0123456789ab-cdef-0123-456789abcdef-"));
	assert_false(stas_uuid_is_valid("{1234567-89ab-cdef-0123-456789abcdef}"));
	assert_false(stas_uuid_is_valid(""));
	assert_false(stas_uuid_is_valid(NULL));
}

static void
test_default_paths_are_the_system_ones(void **state)
{
	const StasHostIdPaths *p = stas_hostid_default_paths();

	assert_string_equal(p->machine_id, "/etc/machine-id");
	assert_string_equal(p->product_uuid, "/sys/class/dmi/id/product_uuid");
	assert_string_equal(p->partition_uuid, "/proc/device-tree/ibm,partition-uuid");
	assert_string_equal(stas_hostnqn_source_to_string(STAS_HOSTNQN_FROM_MACHINE_ID),
			    "machine-id");
	assert_string_equal(stas_hostnqn_source_to_string(STAS_HOSTNQN_FROM_RANDOM), "random");
}

static void
test_hostnqn_validation_messages(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *max = g_strnfill(STAS_HOSTNQN_MAX_LEN, 'x');
	g_autofree char *over = g_strnfill(STAS_HOSTNQN_MAX_LEN + 1, 'x');
	g_autofree char *long_bad = g_strnfill(300, 'y');

	assert_true(stas_hostnqn_validate(
		"nqn.2014-08.org.nvmexpress:uuid:01234567-0123-0123-0123-0123456789ab", &error));
	memcpy(max, "nqn.", 4);
	assert_true(stas_hostnqn_validate(max, &error));
	assert_null(error);

	memcpy(over, "nqn.", 4);
	assert_false(stas_hostnqn_validate(over, &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_string_equal(error->message,
			    "Error Host NQN is too long (224 chars, max 223 per NVMe spec)");
	g_clear_error(&error);

	assert_false(stas_hostnqn_validate("nqm.2014-08.org.nvmexpress:uuid:x", &error));
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_string_equal(error->message, "Error Host NQN \"nqm.2014-08.org.nvmexpress:uuid:x\" "
					    "should start with \"nqn.\"");
	g_clear_error(&error);

	/* the prefix is checked first, as upstream */
	assert_false(stas_hostnqn_validate(long_bad, &error));
	assert_non_null(strstr(error->message, "should start with"));
	g_clear_error(&error);

	assert_false(stas_hostnqn_validate("NQN.2014-08.org.example", &error));
	g_clear_error(&error);
	assert_false(stas_hostnqn_validate("", &error));
	assert_string_equal(error->message, "Error Host NQN \"\" should start with \"nqn.\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_machine_id_known_answers),
		cmocka_unit_test(test_machine_id_hash_follows_stasadm_not_systemd),
		cmocka_unit_test(test_machine_id_must_be_32_hex_digits),
		cmocka_unit_test_setup_teardown(test_hostnqn_from_machine_id_file, setup, teardown),
		cmocka_unit_test(test_product_uuid_first_three_groups_are_byte_swapped),
		cmocka_unit_test(test_product_uuid_that_is_not_a_uuid_is_rejected),
		cmocka_unit_test_setup_teardown(
			test_short_or_invalid_machine_id_falls_through_to_product_uuid, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_partition_uuid_is_third, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_uuid_when_no_source_is_usable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_null_paths_skip_their_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_source_stops_the_search, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_product_uuid_without_root_is_a_permission_error, setup, teardown),
		cmocka_unit_test(test_hostid_is_random_v4_and_distinct),
		cmocka_unit_test(test_uuid_validity),
		cmocka_unit_test(test_default_paths_are_the_system_ones),
		cmocka_unit_test(test_hostnqn_validation_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
