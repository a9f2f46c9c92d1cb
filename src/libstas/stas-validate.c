/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "stas/stas-error.h"
#include "stas/stas-iputil.h"
#include "stas/stas-validate.h"

#define QUOTE_MAX 64

static const char *
nz(const char *s)
{
	return s ? s : "";
}

char *
stas_str_quote(const char *s, gssize len)
{
	GString *out = g_string_new("\"");
	gsize n;

	n = s == NULL ? 0 : len < 0 ? strlen(s) : (gsize)len;
	for (gsize i = 0; i < n && i < QUOTE_MAX; i++) {
		guchar c = (guchar)s[i];

		if (c == '"' || c == '\\')
			g_string_append_printf(out, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			g_string_append_printf(out, "\\x%02x", c);
		else
			g_string_append_c(out, (char)c);
	}
	g_string_append_c(out, '"');
	if (n > QUOTE_MAX)
		g_string_append(out, "...");
	return g_string_free(out, FALSE);
}

gboolean
stas_str_is_printable_ascii(const char *s, gssize len)
{
	gsize n;

	n = s == NULL ? 0 : len < 0 ? strlen(s) : (gsize)len;
	for (gsize i = 0; i < n; i++)
		if ((guchar)s[i] < 0x20 || (guchar)s[i] > 0x7e)
			return FALSE;
	return TRUE;
}

static gboolean fail(GError **error, const char *what, const char *value, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

/* always FALSE: "<what> \"<value>\": <reason>" */
static gboolean
fail(GError **error, const char *what, const char *value, const char *fmt, ...)
{
	g_autofree char *quoted = stas_str_quote(value, -1);
	g_autofree char *reason = NULL;
	va_list ap;

	va_start(ap, fmt);
	reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s %s: %s", what, quoted, reason);
	return FALSE;
}

/*
 * the bytes no field may hold: non-printable ones, and the separators of
 * the kernel's option string.  extra lists more forbidden characters.
 */
static gboolean
check_chars(const char *what, const char *value, const char *extra, GError **error)
{
	for (gsize i = 0; value[i]; i++) {
		guchar c = (guchar)value[i];

		if (c < 0x20 || c > 0x7e)
			return fail(error, what, value,
				    "non-printable byte 0x%02x at offset %" G_GSIZE_FORMAT, c, i);
		if (c == ' ')
			return fail(error, what, value, "whitespace at offset %" G_GSIZE_FORMAT, i);
		if (c == ',' || c == '=' || (extra && strchr(extra, c)))
			return fail(error, what, value, "'%c' at offset %" G_GSIZE_FORMAT, c, i);
	}
	return TRUE;
}

gboolean
stas_validate_token(const char *what, const char *value, GError **error)
{
	return check_chars(what, nz(value), NULL, error);
}

static gboolean
is_ip_transport(const char *transport)
{
	return g_strcmp0(transport, "tcp") == 0 || g_strcmp0(transport, "rdma") == 0;
}

gboolean
stas_validate_transport(const char *transport, GError **error)
{
	transport = nz(transport);
	if (is_ip_transport(transport) || g_str_equal(transport, "fc") ||
	    g_str_equal(transport, "loop"))
		return TRUE;
	return fail(error, "transport", transport, "not one of tcp, rdma, fc, loop");
}

gboolean
stas_validate_iface(const char *iface, GError **error)
{
	iface = nz(iface);
	if (*iface == '\0')
		return fail(error, "interface", iface, "empty");
	if (!check_chars("interface", iface, "/:", error))
		return FALSE;
	if (strlen(iface) > STAS_IFNAME_MAX_LEN)
		return fail(error, "interface", iface, "longer than %d bytes", STAS_IFNAME_MAX_LEN);
	if (g_str_equal(iface, ".") || g_str_equal(iface, ".."))
		return fail(error, "interface", iface, "not a valid name");
	return TRUE;
}

static gboolean
check_ip(const char *what, const char *value, GError **error)
{
	const char *zone;

	if (*value == '\0')
		return fail(error, what, value, "empty");
	/* characters first: stas_ip_parse() does not look at a zone's text */
	if (!check_chars(what, value, NULL, error))
		return FALSE;
	if (!stas_ip_parse(value, FALSE, NULL))
		return fail(error, what, value, "not a numeric IPv4 or IPv6 address");
	zone = strchr(value, '%');
	if (zone && !stas_validate_iface(zone + 1, NULL))
		return fail(error, what, value, "the IPv6 zone is not an interface name");
	return TRUE;
}

static gboolean
is_hex16(const char *s)
{
	for (int i = 0; i < 16; i++)
		if (!g_ascii_isxdigit(s[i]))
			return FALSE;
	return TRUE;
}

static gboolean
check_fc(const char *what, const char *value, GError **error)
{
	/* nn-0x<16 hex>:pn-0x<16 hex>, 43 bytes, as the kernel's fc parser wants */
	if (!check_chars(what, value, NULL, error))
		return FALSE;
	if (strlen(value) != 43 || strncmp(value, "nn-0x", 5) != 0 || !is_hex16(value + 5) ||
	    strncmp(value + 21, ":pn-0x", 6) != 0 || !is_hex16(value + 27))
		return fail(error, what, value,
			    "not of the form nn-0x<16 hex digits>:pn-0x<16 hex digits>");
	return TRUE;
}

gboolean
stas_validate_traddr(const char *transport, const char *traddr, GError **error)
{
	traddr = nz(traddr);
	if (!stas_validate_transport(transport, error))
		return FALSE;
	if (is_ip_transport(transport))
		return check_ip("traddr", traddr, error);
	if (g_str_equal(transport, "fc"))
		return check_fc("traddr", traddr, error);
	return check_chars("traddr", traddr, NULL, error);
}

gboolean
stas_validate_trsvcid(const char *transport, const char *trsvcid, GError **error)
{
	trsvcid = nz(trsvcid);
	if (!stas_validate_transport(transport, error))
		return FALSE;
	if (!is_ip_transport(transport)) {
		if (*trsvcid)
			return fail(error, "trsvcid", trsvcid, "must be empty for %s", transport);
		return TRUE;
	}
	if (*trsvcid == '\0')
		return fail(error, "trsvcid", trsvcid, "empty");
	for (const char *p = trsvcid; *p; p++)
		if (!g_ascii_isdigit(*p))
			return fail(error, "trsvcid", trsvcid, "not a decimal port number");
	if (trsvcid[0] == '0')
		return fail(error, "trsvcid", trsvcid, "port 0 or a leading zero");
	if (strlen(trsvcid) > 5 || g_ascii_strtoull(trsvcid, NULL, 10) > 65535)
		return fail(error, "trsvcid", trsvcid, "port out of range 1..65535");
	return TRUE;
}

gboolean
stas_validate_nqn(const char *nqn, GError **error)
{
	nqn = nz(nqn);
	if (*nqn == '\0')
		return fail(error, "NQN", nqn, "empty");
	if (!check_chars("NQN", nqn, NULL, error))
		return FALSE;
	if (strlen(nqn) > STAS_NQN_MAX_LEN)
		return fail(error, "NQN", nqn, "longer than %d bytes", STAS_NQN_MAX_LEN);
	if (!g_str_has_prefix(nqn, "nqn."))
		return fail(error, "NQN", nqn, "does not start with \"nqn.\"");
	return TRUE;
}

gboolean
stas_validate_host_traddr(const char *transport, const char *host_traddr, GError **error)
{
	host_traddr = nz(host_traddr);
	if (!stas_validate_transport(transport, error))
		return FALSE;
	if (*host_traddr == '\0')
		return TRUE;
	if (is_ip_transport(transport))
		return check_ip("host-traddr", host_traddr, error);
	if (g_str_equal(transport, "fc"))
		return check_fc("host-traddr", host_traddr, error);
	return check_chars("host-traddr", host_traddr, NULL, error);
}

gboolean
stas_validate_tid(const StasTid *tid, GError **error)
{
	if (!stas_validate_transport(tid->transport, error) ||
	    !stas_validate_traddr(tid->transport, tid->traddr, error) ||
	    !stas_validate_trsvcid(tid->transport, tid->trsvcid, error) ||
	    !stas_validate_nqn(tid->subsysnqn, error) ||
	    !stas_validate_host_traddr(tid->transport, tid->host_traddr, error))
		return FALSE;
	if (*nz(tid->host_iface) && !stas_validate_iface(tid->host_iface, error))
		return FALSE;
	if (*nz(tid->host_nqn) && !stas_validate_nqn(tid->host_nqn, error))
		return FALSE;
	return TRUE;
}
