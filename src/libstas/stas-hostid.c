/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "stas/stas-error.h"
#include "stas/stas-hostid.h"

#define MACHINE_ID_LEN 32
#define UUID_BYTES     16

/* stasadm's application key for the machine-id hash (REFERENCE 4.4) */
static const char machine_id_app_key[] = "$nvmexpress.org$";

static const StasHostIdPaths default_paths = {
	.machine_id = "/etc/machine-id",
	.product_uuid = "/sys/class/dmi/id/product_uuid",
	.partition_uuid = "/proc/device-tree/ibm,partition-uuid",
};

const StasHostIdPaths *
stas_hostid_default_paths(void)
{
	return &default_paths;
}

const char *
stas_hostnqn_source_to_string(StasHostNqnSource source)
{
	switch (source) {
	case STAS_HOSTNQN_FROM_MACHINE_ID:
		return "machine-id";
	case STAS_HOSTNQN_FROM_PRODUCT_UUID:
		return "product_uuid";
	case STAS_HOSTNQN_FROM_PARTITION_UUID:
		return "ibm,partition-uuid";
	case STAS_HOSTNQN_FROM_RANDOM:
		return "random";
	default:
		return "unknown";
	}
}

/* ---- uuid text ---- */

static char *
uuid_format(const guint8 b[UUID_BYTES])
{
	return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			       "%02x%02x%02x%02x%02x%02x",
			       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
			       b[11], b[12], b[13], b[14], b[15]);
}

/* version 4, RFC 4122 variant, as python's uuid.UUID(bytes=, version=4) */
static void
uuid_force_v4(guint8 b[UUID_BYTES])
{
	b[6] = (guint8)((b[6] & 0x0F) | 0x40);
	b[8] = (guint8)((b[8] & 0x3F) | 0x80);
}

gboolean
stas_uuid_is_valid(const char *text)
{
	gsize i;

	if (text == NULL || strlen(text) != STAS_UUID_STR_LEN)
		return FALSE;
	for (i = 0; i < STAS_UUID_STR_LEN; i++) {
		gboolean dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? text[i] != '-' : !g_ascii_isxdigit(text[i]))
			return FALSE;
	}
	return TRUE;
}

/* all hex digits of a valid uuid are c (any case) */
static gboolean
uuid_is_all(const char *text, char c)
{
	gsize i;

	for (i = 0; i < STAS_UUID_STR_LEN; i++) {
		if (text[i] != '-' && g_ascii_tolower(text[i]) != c)
			return FALSE;
	}
	return TRUE;
}

/* the first 36 characters as a lowercase uuid, or NULL */
static char *
uuid_prefix(const char *text)
{
	g_autofree char *copy = NULL;

	if (text == NULL || strnlen(text, STAS_UUID_STR_LEN) < STAS_UUID_STR_LEN)
		return NULL;
	copy = g_ascii_strdown(text, STAS_UUID_STR_LEN);
	return stas_uuid_is_valid(copy) ? g_steal_pointer(&copy) : NULL;
}

/* ---- derivations ---- */

char *
stas_uuid_from_machine_id(const char *machine_id)
{
	guint8 id[UUID_BYTES];
	guint8 digest[32];
	gsize digest_len = sizeof(digest);
	gboolean zero = TRUE;
	GHmac *hmac;
	gsize i;

	if (machine_id == NULL)
		return NULL;
	for (i = 0; i < MACHINE_ID_LEN; i++) {
		if (!g_ascii_isxdigit(machine_id[i]))
			return NULL;
	}
	for (i = 0; i < UUID_BYTES; i++) {
		id[i] = (guint8)(g_ascii_xdigit_value(machine_id[2 * i]) << 4 |
				 g_ascii_xdigit_value(machine_id[2 * i + 1]));
		zero = zero && id[i] == 0;
	}
	if (zero)
		return NULL;

	hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)machine_id_app_key,
			  strlen(machine_id_app_key));
	g_hmac_update(hmac, id, sizeof(id));
	g_hmac_get_digest(hmac, digest, &digest_len);
	g_hmac_unref(hmac);

	uuid_force_v4(digest);
	return uuid_format(digest);
}

char *
stas_uuid_from_product_uuid(const char *product_uuid)
{
	/* SMBIOS stores the first three fields little-endian */
	static const guint8 order[] = {6,  7,  4, 5,  2,  3,  0,  1,  8,
				       11, 12, 9, 10, 13, 16, 17, 14, 15};
	g_autofree char *uuid = uuid_prefix(product_uuid);
	char *swapped;
	gsize i;

	if (uuid == NULL || uuid_is_all(uuid, '0') || uuid_is_all(uuid, 'f'))
		return NULL;
	swapped = g_strdup(uuid);
	for (i = 0; i < G_N_ELEMENTS(order); i++)
		swapped[i] = uuid[order[i]];
	return swapped;
}

static char *
uuid_from_partition_uuid(const char *partition_uuid)
{
	g_autofree char *uuid = uuid_prefix(partition_uuid);

	if (uuid == NULL || uuid_is_all(uuid, '0'))
		return NULL;
	return g_steal_pointer(&uuid);
}

char *
stas_hostid_generate(void)
{
	guint8 b[UUID_BYTES];
	gsize got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return g_uuid_string_random(); /* no getrandom(): GLib's v4 */
		got += (gsize)n;
	}
	uuid_force_v4(b);
	return uuid_format(b);
}

/* ---- reading the sources ---- */

static gboolean
set_errno_error(GError **error, int err, const char *what, const char *path)
{
	int code = (err == EACCES || err == EPERM) ? STAS_ERROR_PERMISSION : STAS_ERROR_IO;

	g_set_error(error, STAS_ERROR, code, "Cannot %s %s: %s", what, path, g_strerror(err));
	return FALSE;
}

/*
 * the first len bytes of path into buf (len + 1 bytes).  a missing file or
 * a shorter one is not an error: *present says whether len bytes came.
 */
static gboolean
read_exactly(const char *path, char *buf, gsize len, gboolean *present, GError **error)
{
	gsize got = 0;
	int fd;

	*present = FALSE;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return TRUE;
		return set_errno_error(error, errno, "open", path);
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			close(fd);
			return set_errno_error(error, err, "read", path);
		}
		if (n == 0)
			break;
		got += (gsize)n;
	}
	close(fd);
	buf[got] = '\0';
	*present = got == len;
	return TRUE;
}

typedef char *(*UuidFromText)(const char *text);

/*
 * FALSE only on a read error; *uuid stays NULL when the source is unusable.
 * len is at most STAS_UUID_STR_LEN.
 */
static gboolean
try_source(const char *path, gsize len, UuidFromText convert, char **uuid, GError **error)
{
	char buf[STAS_UUID_STR_LEN + 1];
	gboolean present;

	if (path == NULL)
		return TRUE;
	if (!read_exactly(path, buf, len, &present, error))
		return FALSE;
	if (present)
		*uuid = convert(buf);
	return TRUE;
}

char *
stas_hostnqn_generate(const StasHostIdPaths *paths, StasHostNqnSource *source, GError **error)
{
	const struct {
		StasHostNqnSource source;
		const char *path;
		gsize len;
		UuidFromText convert;
	} sources[] = {
		{STAS_HOSTNQN_FROM_MACHINE_ID, paths->machine_id, MACHINE_ID_LEN,
		 stas_uuid_from_machine_id},
		{STAS_HOSTNQN_FROM_PRODUCT_UUID, paths->product_uuid, STAS_UUID_STR_LEN,
		 stas_uuid_from_product_uuid},
		{STAS_HOSTNQN_FROM_PARTITION_UUID, paths->partition_uuid, STAS_UUID_STR_LEN,
		 uuid_from_partition_uuid},
	};
	g_autofree char *uuid = NULL;
	StasHostNqnSource used = STAS_HOSTNQN_FROM_RANDOM;
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(sources) && uuid == NULL; i++) {
		if (!try_source(sources[i].path, sources[i].len, sources[i].convert, &uuid, error))
			return NULL;
		if (uuid != NULL)
			used = sources[i].source;
	}
	if (uuid == NULL)
		uuid = stas_hostid_generate();
	if (source)
		*source = used;
	return g_strconcat(STAS_HOSTNQN_UUID_PREFIX, uuid, NULL);
}

/* ---- validation ---- */

gboolean
stas_hostnqn_validate(const char *nqn, GError **error)
{
	gsize len;

	if (nqn == NULL)
		nqn = "";
	if (!g_str_has_prefix(nqn, "nqn.")) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "Error Host NQN \"%s\" should start with \"nqn.\"", nqn);
		return FALSE;
	}
	len = strlen(nqn);
	if (len > STAS_HOSTNQN_MAX_LEN) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "Error Host NQN is too long (%" G_GSIZE_FORMAT
			    " chars, max %d per NVMe spec)",
			    len, STAS_HOSTNQN_MAX_LEN);
		return FALSE;
	}
	return TRUE;
}
