/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-validate: the grammar of every string that may reach a connect
 * request to the kernel.  /dev/nvme-fabrics takes "key=value,key=value",
 * so a ',' or '=' smuggled into a field would add options of its own (SPEC
 * section 5).  used on DLPEs, mDNS records, config and NBFT values, and
 * once more by the kernel seam right before the write.
 *
 * every check returns FALSE with a STAS_ERROR_INVALID error whose message
 * names the field, quotes the value (escaped) and says what is wrong.
 * NULL is treated as "".  pure functions, thread-safe.
 */
#pragma once

#include <glib.h>

#include "stas/stas-tid.h"

G_BEGIN_DECLS

#define STAS_NQN_MAX_LEN    223 /* NVMF_NQN_SIZE */
#define STAS_IFNAME_MAX_LEN 15	/* IFNAMSIZ - 1 */

/* "tcp", "rdma", "fc" or "loop" */
gboolean stas_validate_transport(const char *transport, GError **error);

/*
 * traddr for a transport (after name resolution): tcp/rdma a numeric IPv4
 * or IPv6 literal (an IPv6 zone must be an interface name); fc
 * "nn-0x<16 hex>:pn-0x<16 hex>"; loop anything printable without ',', '='
 * or whitespace, or "".
 */
gboolean stas_validate_traddr(const char *transport, const char *traddr, GError **error);

/* tcp/rdma: decimal 1..65535 without sign or leading zeros; fc/loop: "" */
gboolean stas_validate_trsvcid(const char *transport, const char *trsvcid, GError **error);

/* "nqn." then printable ASCII without ',', '=' or whitespace, <= 223 bytes */
gboolean stas_validate_nqn(const char *nqn, GError **error);

/* 1..15 printable ASCII, none of '/' ':' ',' '=' or whitespace, not "." or ".." */
gboolean stas_validate_iface(const char *iface, GError **error);

/* "" (unset), else tcp/rdma: IP literal; fc: the fc traddr form; loop: a token */
gboolean stas_validate_host_traddr(const char *transport, const char *host_traddr, GError **error);

/* printable ASCII without ',', '=' or whitespace; "" allowed.  what names the field */
gboolean stas_validate_token(const char *what, const char *value, GError **error);

/* TRUE if every byte of s (len bytes, -1: NUL-terminated) is in 0x20..0x7e */
gboolean stas_str_is_printable_ascii(const char *s, gssize len);

/*
 * the last check before a connect: transport, traddr, trsvcid, subsysnqn,
 * host-traddr, host-iface (if set) and host-nqn (if set) of a TID.  the
 * cfg keys are the business of the code that builds the connect options.
 */
gboolean stas_validate_tid(const StasTid *tid, GError **error);

/*
 * an untrusted string made safe for a message: in double quotes, '"' and
 * '\' escaped, bytes outside 0x20..0x7e as \xNN, cut after 64 bytes with
 * "...".  len -1: NUL-terminated.  newly allocated.
 */
char *stas_str_quote(const char *s, gssize len);

G_END_DECLS
