/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-mdns-txt: the TXT record of an mDNS-announced discovery controller
 * (_nvme-disc._tcp / _udp) and the identity stafd derives from it with the
 * resolved address, port and interface (REFERENCE 5.7).
 *
 * anyone on the LAN can announce a service, so everything here is
 * untrusted: item and record sizes are bounded, only printable ASCII
 * items of the form key=value count, and the address, port, interface
 * and NQN that make up the identity are validated before anything uses
 * them.  nothing here logs: problems come back as diagnostics or errors.
 *
 * a StasMdnsTxt is immutable once parsed; pure functions, thread-safe.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define STAS_MDNS_TXT_ITEM_MAX	255  /* one DNS character-string */
#define STAS_MDNS_TXT_TOTAL_MAX 8192 /* the whole record, counting a length byte per item */

typedef struct _StasMdnsTxt StasMdnsTxt;

/*
 * parse the TXT items (GBytes*, as avahi hands them over; NULL = none).
 * an item is kept only if it is at most 255 bytes of printable ASCII with
 * exactly one '=' and a non-empty key; the key is lower-cased, the value
 * kept as is.  a repeated key keeps its first place and its last value.
 * items past the 8192-byte total are ignored.  source names the service in
 * the diagnostics; may be NULL.  never fails.
 */
StasMdnsTxt *stas_mdns_txt_parse(GPtrArray *items, const char *source);
void stas_mdns_txt_free(StasMdnsTxt *txt);

/* the value of a (lower-case) key, or NULL */
const char *stas_mdns_txt_lookup(const StasMdnsTxt *txt, const char *key);
/* number of key=value pairs kept */
guint stas_mdns_txt_size(const StasMdnsTxt *txt);
/* one line per skipped item, naming the source and the item; char*, never NULL */
GPtrArray *stas_mdns_txt_get_diagnostics(const StasMdnsTxt *txt);

/* the python repr of the pairs, e.g. "{'p': 'tcp', 'nqn': 'nqn.x'}"; newly allocated */
char *stas_mdns_txt_to_string(const StasMdnsTxt *txt);

/*
 * the transport of a "p" value (trimmed, any case): tcp -> "tcp";
 * roce, iwarp, rdma -> "rdma"; anything else or NULL -> NULL.
 */
const char *stas_mdns_protocol_to_transport(const char *protocol);

/*
 * the identity of the DC a resolved service announces, as a new char* ->
 * char* table with transport, traddr (the address, trimmed), trsvcid (the
 * port), host-iface (iface for tcp, "" for rdma: the kernel refuses it)
 * and subsysnqn (the "nqn" value, trimmed, only when the kernel supports
 * TP8013 and it is non-empty; else the well-known discovery NQN).  the
 * table goes to stas_tid_new_from_map() with kind DC.
 *
 * fails with STAS_ERROR_INVALID when "p" names no transport (message
 * exactly as upstream: "Received invalid/undefined protocol in mDNS TXT
 * field: address=<a>, iface=<if>, TXT=<dict>") or when the address, port,
 * interface (tcp) or NQN (TP8013) breaks its grammar.
 */
GHashTable *stas_mdns_txt_identify(const StasMdnsTxt *txt, const char *iface, const char *address,
				   guint port, gboolean tp8013, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasMdnsTxt, stas_mdns_txt_free)

G_END_DECLS
