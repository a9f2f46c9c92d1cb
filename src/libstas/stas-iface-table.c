/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "stas/stas-error.h"
#include "stas/stas-iface-table.h"

/* bounds on what one dump may hold: the kernel is trusted, but not unboundedly */
#define MAX_DUMP_LINKS	  65536
#define MAX_DUMP_ADDRS	  (1 << 18)
#define MAX_DATAGRAM	  (1 << 20) /* one netlink datagram */
#define MIN_DATAGRAM	  32768	    /* what iproute2 reads per recv */
#define MAX_DUMP_ATTEMPTS 4	    /* retries when the kernel flags a dump as interrupted */
#define RECV_TIMEOUT_S	  5
#define MAX_MAC_LEN	  32 /* MAX_ADDR_LEN of the kernel */

typedef struct {
	int ifindex;
	char *name;
	gboolean ether_or_loopback;
	char *mac;	     /* "aa:bb:..", NULL if the link has no hardware address */
	GPtrArray *addrs[2]; /* [0] AF_INET, [1] AF_INET6: canonical text, NULL-terminated */
} Iface;

typedef struct {
	StasIpAddr ip; /* IPv4-mapped IPv6 stored as IPv4 so lookups compare as addresses */
	Iface *iface;
} AddrEntry;

struct _StasIfaceTable {
	gatomicrefcount ref;
	GPtrArray *ifaces; /* Iface*, in link order (dump order) */
	GArray *addrs;	   /* AddrEntry, in address order (dump order) */
};

static const char *const no_addrs[] = {NULL};

static void
iface_free(gpointer data)
{
	Iface *iface = data;

	g_free(iface->name);
	g_free(iface->mac);
	g_ptr_array_unref(iface->addrs[0]);
	g_ptr_array_unref(iface->addrs[1]);
	g_free(iface);
}

StasIfaceTable *
stas_iface_table_new(void)
{
	StasIfaceTable *table = g_new0(StasIfaceTable, 1);

	g_atomic_ref_count_init(&table->ref);
	table->ifaces = g_ptr_array_new_with_free_func(iface_free);
	table->addrs = g_array_new(FALSE, TRUE, sizeof(AddrEntry));
	return table;
}

StasIfaceTable *
stas_iface_table_ref(StasIfaceTable *table)
{
	g_return_val_if_fail(table != NULL, NULL);
	g_atomic_ref_count_inc(&table->ref);
	return table;
}

void
stas_iface_table_unref(StasIfaceTable *table)
{
	if (table == NULL || !g_atomic_ref_count_dec(&table->ref))
		return;
	g_array_unref(table->addrs);
	g_ptr_array_unref(table->ifaces);
	g_free(table);
}

static Iface *
find_by_index(const StasIfaceTable *table, int ifindex)
{
	for (guint i = 0; i < table->ifaces->len; i++) {
		Iface *iface = g_ptr_array_index(table->ifaces, i);

		if (iface->ifindex == ifindex)
			return iface;
	}
	return NULL;
}

static const Iface *
find_by_name(const StasIfaceTable *table, const char *ifname)
{
	if (table == NULL || ifname == NULL)
		return NULL;
	for (guint i = 0; i < table->ifaces->len; i++) {
		const Iface *iface = g_ptr_array_index(table->ifaces, i);

		if (g_str_equal(iface->name, ifname))
			return iface;
	}
	return NULL;
}

static Iface *
iface_get_or_add(StasIfaceTable *table, int ifindex, const char *ifname)
{
	Iface *iface = find_by_index(table, ifindex);

	if (iface)
		return iface;
	if (ifname == NULL)
		return NULL;
	iface = g_new0(Iface, 1);
	iface->ifindex = ifindex;
	iface->name = g_strdup(ifname);
	iface->addrs[0] = g_ptr_array_new_null_terminated(1, g_free, TRUE);
	iface->addrs[1] = g_ptr_array_new_null_terminated(1, g_free, TRUE);
	g_ptr_array_add(table->ifaces, iface);
	return iface;
}

void
stas_iface_table_add_link(StasIfaceTable *table, int ifindex, const char *ifname,
			  gboolean ether_or_loopback, const char *mac)
{
	Iface *iface;

	g_return_if_fail(table != NULL && ifname != NULL);
	iface = iface_get_or_add(table, ifindex, ifname);
	if (!g_str_equal(iface->name, ifname)) {
		g_free(iface->name);
		iface->name = g_strdup(ifname);
	}
	iface->ether_or_loopback = ether_or_loopback;
	g_free(iface->mac);
	iface->mac = g_strdup(mac);
}

static void
add_ip(StasIfaceTable *table, Iface *iface, const StasIpAddr *ip)
{
	AddrEntry entry = {.iface = iface};
	char *text = stas_ip_to_string(ip);

	g_ptr_array_add(iface->addrs[ip->family == AF_INET ? 0 : 1], text);
	/* lookups compare the IPv4 form of a mapped address */
	stas_ip_parse(text, TRUE, &entry.ip);
	g_array_append_val(table->addrs, entry);
}

void
stas_iface_table_add_addr(StasIfaceTable *table, int ifindex, const char *ifname, const char *addr)
{
	StasIpAddr ip;
	Iface *iface;

	g_return_if_fail(table != NULL);
	/* not an address: nothing a lookup could ever find */
	if (!stas_ip_parse(addr, FALSE, &ip))
		return;
	iface = iface_get_or_add(table, ifindex, ifname);
	if (iface)
		add_ip(table, iface, &ip);
}

const char *
stas_iface_table_iface_of_addr(const StasIfaceTable *table, const char *addr)
{
	StasIpAddr ip;

	if (table == NULL || !stas_ip_parse(addr, TRUE, &ip))
		return NULL;
	for (guint i = 0; i < table->addrs->len; i++) {
		const AddrEntry *entry = &g_array_index(table->addrs, AddrEntry, i);

		if (stas_ip_addr_equal(&entry->ip, &ip))
			return entry->iface->name;
	}
	return NULL;
}

const char *const *
stas_iface_table_addrs(const StasIfaceTable *table, const char *ifname, int family)
{
	const Iface *iface = find_by_name(table, ifname);

	if (iface == NULL || (family != AF_INET && family != AF_INET6))
		return no_addrs;
	return (const char *const *)iface->addrs[family == AF_INET ? 0 : 1]->pdata;
}

const char *
stas_iface_table_primary_addr(const StasIfaceTable *table, const char *ifname, int family)
{
	return stas_iface_table_addrs(table, ifname, family)[0];
}

const char *
stas_iface_table_iface_of_mac(const StasIfaceTable *table, const char *mac)
{
	if (table == NULL || mac == NULL)
		return NULL;
	for (guint i = 0; i < table->ifaces->len; i++) {
		const Iface *iface = g_ptr_array_index(table->ifaces, i);

		if (iface->ether_or_loopback && iface->mac &&
		    g_ascii_strcasecmp(iface->mac, mac) == 0)
			return iface->name;
	}
	return NULL;
}

const char *
stas_iface_table_mac(const StasIfaceTable *table, const char *ifname)
{
	const Iface *iface = find_by_name(table, ifname);

	return iface ? iface->mac : NULL;
}

int
stas_iface_table_ifindex(const StasIfaceTable *table, const char *ifname)
{
	const Iface *iface = find_by_name(table, ifname);

	return iface ? iface->ifindex : 0;
}

char **
stas_iface_table_list_ifnames(const StasIfaceTable *table)
{
	GPtrArray *names = g_ptr_array_new();

	for (guint i = 0; table && i < table->ifaces->len; i++) {
		const Iface *iface = g_ptr_array_index(table->ifaces, i);

		g_ptr_array_add(names, g_strdup(iface->name));
	}
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

/* ---- rtnetlink ---------------------------------------------------------- */

typedef int NlFd;

static void
nl_fd_close(NlFd fd)
{
	close(fd);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC(NlFd, nl_fd_close, -1)

/* one dump being read: what to do with each message and what came of it */
typedef struct {
	StasIfaceTable *table;
	guint16 msg_type; /* RTM_NEWLINK or RTM_NEWADDR */
	guint32 seq;
	gboolean replay;      /* a recording: any sequence number, no live name lookups */
	gboolean interrupted; /* NLM_F_DUMP_INTR: the kernel's lists changed meanwhile */
	gboolean done;
	guint count;
} NlDump;

/* hex "aa:bb:cc" of a hardware address */
static char *
format_mac(const guint8 *data, gsize len)
{
	GString *s = g_string_sized_new(len * 3);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, i ? ":%02x" : "%02x", data[i]);
	return g_string_free(s, FALSE);
}

/* payload of every rtattr in buf[off..len), handed to fn; stops at a malformed one */
typedef void (*AttrFn)(guint16 type, const guint8 *data, gsize len, gpointer user_data);

static void
walk_attrs(const guint8 *buf, gsize off, gsize len, AttrFn fn, gpointer user_data)
{
	while (off < len && len - off >= sizeof(struct rtattr)) {
		struct rtattr rta;

		memcpy(&rta, buf + off, sizeof(rta));
		if (rta.rta_len < sizeof(rta) || rta.rta_len > len - off)
			return;
		fn(rta.rta_type, buf + off + RTA_LENGTH(0), rta.rta_len - RTA_LENGTH(0), user_data);
		off += RTA_ALIGN(rta.rta_len);
	}
}

typedef struct {
	char *name;
	char *mac;
} LinkAttrs;

static void
link_attr(guint16 type, const guint8 *data, gsize len, gpointer user_data)
{
	LinkAttrs *attrs = user_data;

	if (type == IFLA_IFNAME && attrs->name == NULL) {
		gsize n = strnlen((const char *)data, len);

		if (n > 0 && n < IFNAMSIZ)
			attrs->name = g_strndup((const char *)data, n);
	} else if (type == IFLA_ADDRESS && attrs->mac == NULL && len > 0 && len <= MAX_MAC_LEN) {
		attrs->mac = format_mac(data, len);
	}
}

static void
handle_link(NlDump *dump, const guint8 *payload, gsize len)
{
	struct ifinfomsg ifi;
	LinkAttrs attrs = {0};
	gboolean ether_or_loopback;

	if (len < NLMSG_ALIGN(sizeof(ifi)))
		return;
	memcpy(&ifi, payload, sizeof(ifi));
	walk_attrs(payload, NLMSG_ALIGN(sizeof(ifi)), len, link_attr, &attrs);
	if (attrs.name && ifi.ifi_index > 0) {
		ether_or_loopback = ifi.ifi_type == ARPHRD_ETHER || ifi.ifi_type == ARPHRD_LOOPBACK;
		stas_iface_table_add_link(dump->table, ifi.ifi_index, attrs.name, ether_or_loopback,
					  attrs.mac);
	}
	g_free(attrs.name);
	g_free(attrs.mac);
}

typedef struct {
	int family;
	const guint8 *local;
	const guint8 *address;
} AddrAttrs;

static void
addr_attr(guint16 type, const guint8 *data, gsize len, gpointer user_data)
{
	AddrAttrs *attrs = user_data;
	gsize want = attrs->family == AF_INET ? 4 : 16;

	/* IFA_LABEL is ignored: it is IPv4-only and carries alias names (Q12) */
	if (len != want)
		return;
	if (type == IFA_LOCAL)
		attrs->local = data;
	else if (type == IFA_ADDRESS)
		attrs->address = data;
}

static void
handle_addr(NlDump *dump, const guint8 *payload, gsize len)
{
	struct ifaddrmsg ifa;
	AddrAttrs attrs = {0};
	StasIpAddr ip = {0};
	char name[IF_NAMESIZE];
	Iface *iface;

	if (len < NLMSG_ALIGN(sizeof(ifa)))
		return;
	memcpy(&ifa, payload, sizeof(ifa));
	if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6)
		return;
	attrs.family = ifa.ifa_family;
	walk_attrs(payload, NLMSG_ALIGN(sizeof(ifa)), len, addr_attr, &attrs);
	/* IFA_LOCAL is our end; IFA_ADDRESS is the peer on point-to-point links (Q12) */
	if (attrs.local == NULL)
		attrs.local = attrs.address;
	if (attrs.local == NULL || ifa.ifa_index == 0 || ifa.ifa_index > G_MAXINT)
		return;
	ip.family = ifa.ifa_family;
	memcpy(ip.bytes, attrs.local, ifa.ifa_family == AF_INET ? 4 : 16);

	iface = find_by_index(dump->table, (int)ifa.ifa_index);
	/* a link created between the two dumps: name it like if_indextoname() */
	if (iface == NULL && !dump->replay && if_indextoname(ifa.ifa_index, name) != NULL)
		iface = iface_get_or_add(dump->table, (int)ifa.ifa_index, name);
	if (iface)
		add_ip(dump->table, iface, &ip);
}

static gboolean
handle_error_msg(const guint8 *payload, gsize len, GError **error)
{
	struct nlmsgerr err;

	if (len < sizeof(err)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "netlink: truncated error message");
		return FALSE;
	}
	memcpy(&err, payload, sizeof(err));
	if (err.error == 0)
		return TRUE; /* an ack: nothing more will come */
	g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "netlink: dump failed: %s",
		    g_strerror(err.error < 0 ? -err.error : err.error));
	return FALSE;
}

/* the dump's entries are bounded, whatever the kernel sends */
static gboolean
count_entry(NlDump *dump, GError **error)
{
	guint max = dump->msg_type == RTM_NEWLINK ? MAX_DUMP_LINKS : MAX_DUMP_ADDRS;

	if (++dump->count <= max)
		return TRUE;
	g_set_error(error, STAS_ERROR, STAS_ERROR_FAILED,
		    "netlink: more than %u entries in one dump", max);
	return FALSE;
}

/* every message of one datagram; FALSE with error on failure */
static gboolean
handle_datagram(NlDump *dump, const guint8 *buf, gsize len, GError **error)
{
	gsize off = 0;

	while (!dump->done && off < len && len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr nh;
		const guint8 *payload;
		gsize plen;

		memcpy(&nh, buf + off, sizeof(nh));
		if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len - off) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_IO,
				    "netlink: malformed message at byte %" G_GSIZE_FORMAT, off);
			return FALSE;
		}
		payload = buf + off + NLMSG_HDRLEN;
		plen = nh.nlmsg_len > NLMSG_HDRLEN ? nh.nlmsg_len - NLMSG_HDRLEN : 0;
		off += NLMSG_ALIGN(nh.nlmsg_len);

		if (!dump->replay && nh.nlmsg_seq != dump->seq)
			continue; /* not an answer to this request */
		if (nh.nlmsg_flags & NLM_F_DUMP_INTR)
			dump->interrupted = TRUE;
		if (nh.nlmsg_type == NLMSG_DONE) {
			dump->done = TRUE;
		} else if (nh.nlmsg_type == NLMSG_ERROR) {
			if (!handle_error_msg(payload, plen, error))
				return FALSE;
			dump->done = TRUE;
		} else if (nh.nlmsg_type == dump->msg_type) {
			if (!count_entry(dump, error))
				return FALSE;
			if (dump->msg_type == RTM_NEWLINK)
				handle_link(dump, payload, plen);
			else
				handle_addr(dump, payload, plen);
		}
	}
	return TRUE;
}

static gboolean
nl_send_request(int fd, guint16 type, guint32 seq, GError **error)
{
	struct {
		struct nlmsghdr nh;
		union {
			struct ifinfomsg ifi;
			struct ifaddrmsg ifa;
		} u;
	} req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	gsize body = type == RTM_GETLINK ? sizeof(req.u.ifi) : sizeof(req.u.ifa);
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(body);
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	/* family AF_UNSPEC (0): every link, IPv4 and IPv6 addresses */

	do
		n = sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0 || (gsize)n != req.nh.nlmsg_len) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "netlink: send failed: %s",
			    n < 0 ? g_strerror(errno) : "short write");
		return FALSE;
	}
	return TRUE;
}

static void
set_recv_error(int errsv, GError **error)
{
	if (errsv == EAGAIN || errsv == EWOULDBLOCK)
		g_set_error(error, STAS_ERROR, STAS_ERROR_TIMEOUT,
			    "netlink: no answer from the kernel within %d s", RECV_TIMEOUT_S);
	else
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "netlink: receive failed: %s",
			    g_strerror(errsv));
}

/* read one datagram into buf (grown as needed, bounded); its length or -1 */
static gssize
nl_recv(int fd, GByteArray *buf, GError **error)
{
	struct sockaddr_nl from;
	socklen_t fromlen;
	ssize_t n;

	/* the real size of the next datagram, so nothing is ever truncated */
	do
		n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		set_recv_error(errno, error);
		return -1;
	}
	if (n > MAX_DATAGRAM) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO,
			    "netlink: datagram of %zd bytes exceeds the %d byte bound", n,
			    MAX_DATAGRAM);
		return -1;
	}
	if ((gsize)n > buf->len)
		g_byte_array_set_size(buf, (guint)n);

	do {
		fromlen = sizeof(from);
		n = recvfrom(fd, buf->data, buf->len, 0, (struct sockaddr *)&from, &fromlen);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		set_recv_error(errno, error);
		return -1;
	}
	/* only the kernel (port 0) answers dumps */
	if (fromlen < sizeof(from) || from.nl_pid != 0)
		return 0;
	return n;
}

static gboolean
nl_dump(int fd, NlDump *dump, GByteArray *buf, GError **error)
{
	guint16 req = dump->msg_type == RTM_NEWLINK ? RTM_GETLINK : RTM_GETADDR;

	if (!nl_send_request(fd, req, dump->seq, error))
		return FALSE;
	while (!dump->done) {
		gssize n = nl_recv(fd, buf, error);

		if (n < 0)
			return FALSE;
		if (!handle_datagram(dump, buf->data, (gsize)n, error))
			return FALSE;
	}
	return TRUE;
}

static int
nl_open(GError **error)
{
	struct timeval tv = {.tv_sec = RECV_TIMEOUT_S};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "netlink: socket: %s",
			    g_strerror(errno));
		return -1;
	}
	/* a dump never blocks for long; bound it anyway */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* links then addresses on one socket; *interrupted when either dump was */
static StasIfaceTable *
dump_once(guint32 seq, gboolean *interrupted, GError **error)
{
	g_autoptr(StasIfaceTable) table = stas_iface_table_new();
	g_autoptr(GByteArray) buf = g_byte_array_sized_new(MIN_DATAGRAM);
	g_auto(NlFd) fd = nl_open(error);
	NlDump links = {.table = table, .msg_type = RTM_NEWLINK, .seq = seq};
	NlDump addrs = {.table = table, .msg_type = RTM_NEWADDR, .seq = seq + 1};

	if (fd < 0)
		return NULL;
	g_byte_array_set_size(buf, MIN_DATAGRAM);
	if (!nl_dump(fd, &links, buf, error) || !nl_dump(fd, &addrs, buf, error))
		return NULL;
	*interrupted = links.interrupted || addrs.interrupted;
	return g_steal_pointer(&table);
}

StasIfaceTable *
stas_iface_table_dump(GError **error)
{
	g_autoptr(StasIfaceTable) table = NULL;
	gboolean interrupted = TRUE;

	/* a dump that raced with a change is retried; the last one is kept regardless */
	for (guint i = 0; interrupted && i < MAX_DUMP_ATTEMPTS; i++) {
		g_clear_pointer(&table, stas_iface_table_unref);
		interrupted = FALSE;
		table = dump_once(1 + 2 * i, &interrupted, error);
		if (table == NULL)
			return NULL;
	}
	return g_steal_pointer(&table);
}

static gboolean
replay(NlDump *dump, const guint8 *buf, gsize len, const char *what, GError **error)
{
	if (!handle_datagram(dump, buf, len, error)) {
		g_prefix_error(error, "%s: ", what);
		return FALSE;
	}
	if (!dump->done) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%s: netlink: dump ends without NLMSG_DONE", what);
		return FALSE;
	}
	return TRUE;
}

StasIfaceTable *
stas_iface_table_parse_dump(const guint8 *links, gsize links_len, const guint8 *addrs,
			    gsize addrs_len, GError **error)
{
	g_autoptr(StasIfaceTable) table = stas_iface_table_new();
	NlDump link_dump = {.table = table, .msg_type = RTM_NEWLINK, .replay = TRUE};
	NlDump addr_dump = {.table = table, .msg_type = RTM_NEWADDR, .replay = TRUE};

	if (!replay(&link_dump, links, links ? links_len : 0, "links", error) ||
	    !replay(&addr_dump, addrs, addrs ? addrs_len : 0, "addresses", error))
		return NULL;
	return g_steal_pointer(&table);
}
