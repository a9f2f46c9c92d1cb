/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "stas/stas-error.h"
#include "stas/stas-ini.h"
#include "stas/stas-sysconf.h"

/* a host NQN, ID or key is one short line; read no more than this */
#define FIRST_LINE_MAX 4096

struct _StasSysConf {
	gint ref;
	char *path;
	char *hostnqn;
	char *hostid;
	char *hostkey;
	char *symname;
	GPtrArray *diags; /* StasDiag* */
};

typedef enum {
	READ_WORD, /* the first whitespace-separated word */
	READ_LINE, /* the whole first line, stripped (Q15, symname) */
} ReadMode;

/* where a value came from, for messages */
typedef struct {
	char *value; /* NULL: unset */
	char *path;  /* the file read, NULL for a literal */
	int err;     /* errno of reading path, 0 if fine */
} Resolved;

static void
resolved_clear(Resolved *r)
{
	g_clear_pointer(&r->value, g_free);
	g_clear_pointer(&r->path, g_free);
}

/* an OSError as python prints it: upstream's messages embed that text */
static char *
os_error_text(int err, const char *path)
{
	return g_strdup_printf("[Errno %d] %s: '%s'", err, g_strerror(err), path);
}

static int
read_first_line(const char *path, ReadMode mode, char **out)
{
	char buf[FIRST_LINE_MAX + 1];
	gsize n = 0;
	char *s, *end;
	int fd;

	*out = NULL;
	/* O_NONBLOCK: a fifo here must not hang the daemon */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno;
	while (n < FIRST_LINE_MAX && memchr(buf, '\n', n) == NULL) {
		ssize_t r = read(fd, buf + n, FIRST_LINE_MAX - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;

			close(fd);
			return err == EAGAIN ? 0 : err;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	/* the first line, and nothing after a NUL byte */
	s = buf;
	end = strchr(s, '\n');
	if (end)
		*end = '\0';
	while (g_ascii_isspace(*s))
		s++;
	if (mode == READ_WORD) {
		for (end = s; *end && !g_ascii_isspace(*end); end++)
			;
		*end = '\0';
	} else {
		g_strchomp(s);
	}
	if (*s)
		*out = g_strdup(s);
	return 0;
}

/*
 * REFERENCE 2.3 resolution: a present key is a literal or "file://<path>";
 * an absent key reads default_file (if any).  FALSE if a file could not
 * be read (r->err, r->path set).
 */
static gboolean
resolve(StasIni *ini, const char *key, const char *default_file, ReadMode mode, Resolved *r)
{
	const StasIniEntry *e = stas_ini_get_last(ini, "Host", key);

	memset(r, 0, sizeof(*r));
	if (e && !g_str_has_prefix(e->value ? e->value : "", "file://")) {
		/* a key without "=" reads as the empty value */
		r->value = g_strdup(e->value ? e->value : "");
		return TRUE;
	}
	if (e)
		r->path = g_strdup(e->value + strlen("file://"));
	else if (default_file)
		r->path = g_strdup(default_file);
	else
		return TRUE;
	r->err = read_first_line(r->path, mode, &r->value);
	return r->err == 0;
}

/* what the kernel's connect string or a log line must not carry */
static gboolean
has_bad_chars(const char *s)
{
	if (!g_utf8_validate(s, -1, NULL))
		return TRUE;
	for (; *s; s++)
		if ((guchar)*s < 0x20 || *s == 0x7f || *s == ',')
			return TRUE;
	return FALSE;
}

static gboolean
resolve_hostnqn(StasSysConf *sc, StasIni *ini, const char *default_file, GError **error)
{
	Resolved r;
	glong len;

	if (!resolve(ini, "nqn", default_file, READ_WORD, &r)) {
		g_autofree char *why = os_error_text(r.err, r.path);

		g_set_error(error, STAS_ERROR,
			    r.err == ENOENT ? STAS_ERROR_NOT_FOUND : STAS_ERROR_IO,
			    "Error reading mandatory Host NQN (see stasadm --help): %s", why);
		resolved_clear(&r);
		return FALSE;
	}
	sc->hostnqn = g_steal_pointer(&r.value);
	if (sc->hostnqn == NULL) {
		stas_diag_list_add(sc->diags, STAS_DIAG_WARNING, "Host NQN undefined: %s is empty",
				   r.path);
		resolved_clear(&r);
		return TRUE;
	}
	resolved_clear(&r);
	if (has_bad_chars(sc->hostnqn)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "Error Host NQN contains invalid characters (control characters, "
			    "\",\" or bad UTF-8)");
		return FALSE;
	}
	if (!g_str_has_prefix(sc->hostnqn, "nqn.")) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "Error Host NQN \"%s\" should start with \"nqn.\"", sc->hostnqn);
		return FALSE;
	}
	len = g_utf8_strlen(sc->hostnqn, -1);
	if (len > STAS_HOST_NQN_MAX_LEN) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "Error Host NQN is too long (%ld chars, max %d per NVMe spec)", len,
			    STAS_HOST_NQN_MAX_LEN);
		return FALSE;
	}
	return TRUE;
}

static gboolean
resolve_hostid(StasSysConf *sc, StasIni *ini, const char *default_file, GError **error)
{
	Resolved r;

	if (!resolve(ini, "id", default_file, READ_WORD, &r)) {
		g_autofree char *why = os_error_text(r.err, r.path);

		g_set_error(error, STAS_ERROR,
			    r.err == ENOENT ? STAS_ERROR_NOT_FOUND : STAS_ERROR_IO,
			    "Error reading mandatory Host ID (see stasadm --help): %s", why);
		resolved_clear(&r);
		return FALSE;
	}
	if (r.value && *r.value == '\0')
		g_clear_pointer(&r.value, g_free);
	if (r.value == NULL && r.path)
		stas_diag_list_add(sc->diags, STAS_DIAG_WARNING, "Host ID undefined: %s is empty",
				   r.path);
	else if (r.value == NULL)
		stas_diag_list_add(sc->diags, STAS_DIAG_WARNING,
				   "Host ID undefined: [Host] id is empty");
	sc->hostid = g_steal_pointer(&r.value);
	resolved_clear(&r);
	if (sc->hostid && has_bad_chars(sc->hostid)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "Error Host ID contains invalid characters (control characters, "
			    "\",\" or bad UTF-8)");
		return FALSE;
	}
	return TRUE;
}

static void
resolve_hostkey(StasSysConf *sc, StasIni *ini, const char *default_file)
{
	Resolved r;

	if (!resolve(ini, "key", default_file, READ_WORD, &r)) {
		g_autofree char *why = os_error_text(r.err, r.path);

		/* no key file is the normal case: no authentication */
		stas_diag_list_add(sc->diags, r.err == ENOENT ? STAS_DIAG_DEBUG : STAS_DIAG_WARNING,
				   "Host key undefined: %s", why);
	} else if (r.value && *r.value && has_bad_chars(r.value)) {
		/* never quoted: it is a secret (B3) */
		stas_diag_list_add(sc->diags, STAS_DIAG_WARNING,
				   "Host key contains invalid characters, ignored");
	} else if (r.value && *r.value) {
		sc->hostkey = g_steal_pointer(&r.value);
	}
	resolved_clear(&r);
}

static void
resolve_symname(StasSysConf *sc, StasIni *ini)
{
	Resolved r;

	if (!resolve(ini, "symname", NULL, READ_LINE, &r)) {
		g_autofree char *why = os_error_text(r.err, r.path);

		stas_diag_list_add(sc->diags, STAS_DIAG_WARNING,
				   "Error reading host symbolic name (will remain undefined): %s",
				   why);
	} else if (r.value && *r.value && !g_utf8_validate(r.value, -1, NULL)) {
		stas_diag_list_add(sc->diags, STAS_DIAG_WARNING,
				   "Host symbolic name is not valid UTF-8 (will remain undefined)");
	} else if (r.value && *r.value) {
		sc->symname = g_steal_pointer(&r.value);
	}
	resolved_clear(&r);
}

/* SPEC 5: a typo is named, not silently ignored; stafd.conf's wording */
static void
report_unknown(StasSysConf *sc, StasIni *ini)
{
	static const char *const keys[] = {"nqn", "id", "key", "symname"};

	for (guint i = 0; i < stas_ini_get_n_headers(ini); i++) {
		const StasIniEntry *h = stas_ini_get_header(ini, i);
		g_autofree char *name = NULL;

		if (g_str_equal(h->section, "Host"))
			continue;
		name = g_strescape(h->section, NULL);
		stas_diag_list_add(sc->diags, STAS_DIAG_ERROR,
				   "File:%s contains invalid sections: {'%s'} (line %u)", h->file,
				   name, h->line);
	}
	for (guint i = 0; i < stas_ini_get_n_entries(ini); i++) {
		const StasIniEntry *e = stas_ini_get_entry(ini, i);
		g_autofree char *name = NULL;
		gboolean known = FALSE;

		if (e->continuation || !g_str_equal(e->section, "Host"))
			continue;
		for (guint k = 0; k < G_N_ELEMENTS(keys); k++)
			known = known || g_str_equal(e->key, keys[k]);
		if (known)
			continue;
		name = g_strescape(e->key, NULL);
		stas_diag_list_add(sc->diags, STAS_DIAG_ERROR,
				   "File:%s [Host] contains invalid options: {'%s'} (line %u)",
				   e->file, name, e->line);
	}
}

static void
read_ini(StasSysConf *sc, StasIni *ini)
{
	g_autoptr(GError) error = NULL;
	const GPtrArray *diags;

	if (!stas_ini_add_file(ini, sc->path, &error) &&
	    !g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND))
		stas_diag_list_add(sc->diags, STAS_DIAG_WARNING, "%s, defaults used",
				   error->message);
	diags = stas_ini_get_diagnostics(ini);
	for (guint i = 0; i < diags->len; i++) {
		const StasDiag *d = diags->pdata[i];

		g_ptr_array_add(sc->diags, stas_diag_new(d->level, d->text));
	}
	report_unknown(sc, ini);
}

StasSysConf *
stas_sysconf_load_full(const char *path, const StasSysConfDefaults *defaults, GError **error)
{
	g_autoptr(StasSysConf) sc = g_new0(StasSysConf, 1);
	g_autoptr(StasIni) ini = stas_ini_new();
	StasSysConfDefaults d = {0};

	if (defaults)
		d = *defaults;
	sc->ref = 1;
	sc->path = g_strdup(path ? path : STAS_SYSCONF_PATH);
	sc->diags = stas_diag_list_new();
	read_ini(sc, ini);

	if (!resolve_hostnqn(sc, ini, d.hostnqn_file ? d.hostnqn_file : STAS_SYSCONF_HOSTNQN_FILE,
			     error))
		return NULL;
	if (!resolve_hostid(sc, ini, d.hostid_file ? d.hostid_file : STAS_SYSCONF_HOSTID_FILE,
			    error))
		return NULL;
	resolve_hostkey(sc, ini, d.hostkey_file ? d.hostkey_file : STAS_SYSCONF_HOSTKEY_FILE);
	resolve_symname(sc, ini);
	return g_steal_pointer(&sc);
}

StasSysConf *
stas_sysconf_load(const char *path, GError **error)
{
	return stas_sysconf_load_full(path, NULL, error);
}

StasSysConf *
stas_sysconf_ref(StasSysConf *sc)
{
	g_return_val_if_fail(sc != NULL, NULL);
	g_atomic_int_inc(&sc->ref);
	return sc;
}

void
stas_sysconf_unref(StasSysConf *sc)
{
	if (sc == NULL || !g_atomic_int_dec_and_test(&sc->ref))
		return;
	g_free(sc->path);
	g_free(sc->hostnqn);
	g_free(sc->hostid);
	if (sc->hostkey)
		memset(sc->hostkey, 0, strlen(sc->hostkey));
	g_free(sc->hostkey);
	g_free(sc->symname);
	if (sc->diags)
		g_ptr_array_unref(sc->diags);
	g_free(sc);
}

const char *
stas_sysconf_get_hostnqn(const StasSysConf *sc)
{
	return sc->hostnqn;
}

const char *
stas_sysconf_get_hostid(const StasSysConf *sc)
{
	return sc->hostid;
}

const char *
stas_sysconf_get_hostkey(const StasSysConf *sc)
{
	return sc->hostkey;
}

const char *
stas_sysconf_get_symname(const StasSysConf *sc)
{
	return sc->symname;
}

const char *
stas_sysconf_get_path(const StasSysConf *sc)
{
	return sc->path;
}

const GPtrArray *
stas_sysconf_get_diagnostics(const StasSysConf *sc)
{
	return sc->diags;
}
