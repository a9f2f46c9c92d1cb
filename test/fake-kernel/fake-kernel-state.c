/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "stas/stas-iputil.h"
#include "stas/stas-nvme.h"
#include "stas/stas-tid.h"

#include "fake-kernel-proto.h"
#include "fake-kernel-state.h"

/* wire layout of a discovery log entry (NVMe base spec, log page 70h) */
#define HDR_SIZE      1024
#define ENTRY_SIZE    1024
#define ENTRY_TRSVCID 32
#define TRSVCID_SIZE  32
#define ENTRY_SUBNQN  256
#define ENTRY_TRADDR  512
#define ENTRY_TSAS    768
#define ADDR_SIZE     256
#define ENTRIES_MAX   65536

FkKernel *
fk_kernel_new(void)
{
	FkKernel *k = g_new0(FkKernel, 1);
	g_autofree char *uuid = g_uuid_string_random();

	g_mutex_init(&k->lock);
	g_mutex_init(&k->fabrics_lock);
	g_cond_init(&k->cond);
	k->targets = g_ptr_array_new_with_free_func((GDestroyNotify)fk_target_free);
	k->ctrls = g_ptr_array_new();
	k->connects = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
	k->dims = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
	k->subscribers = g_ptr_array_new();
	k->stats = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	k->fabrics_template = g_strdup(FK_FABRICS_TEMPLATE_6_1);
	/* the kernel's own default host (nvmf_host_default) */
	k->default_hostnqn = g_strdup_printf("nqn.2014-08.org.nvmexpress:uuid:%s", uuid);
	k->default_hostid = g_steal_pointer(&uuid);
	return k;
}

/* ------------------------------------------------------------------------ */
/* targets                                                                   */

void
fk_target_free(FkTarget *t)
{
	if (t == NULL)
		return;
	g_free(t->name);
	g_free(t->transport);
	g_free(t->traddr);
	g_free(t->trsvcid);
	g_free(t->nqn);
	g_free(t->model);
	g_free(t->serial);
	g_free(t->firmware);
	g_free(t->dctype);
	g_byte_array_unref(t->entries);
	g_array_unref(t->port_local);
	g_strfreev(t->allowed_hosts);
	g_hash_table_unref(t->fail);
	g_free(t->dim_text);
	g_free(t);
}

FkTarget *
fk_kernel_target(FkKernel *k, const char *name)
{
	for (guint i = 0; name != NULL && i < k->targets->len; i++) {
		FkTarget *t = k->targets->pdata[i];

		if (strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

static char *
str_or(JsonObject *obj, const char *key, const char *def)
{
	const char *v = fk_get_str(obj, key);

	return g_strdup(v != NULL ? v : def);
}

static GStrv
str_array(JsonArray *array)
{
	GStrvBuilder *b = g_strv_builder_new();
	GStrv out;

	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *n = json_array_get_element(array, i);

		if (json_node_get_value_type(n) == G_TYPE_STRING)
			g_strv_builder_add(b, json_node_get_string(n));
	}
	out = g_strv_builder_end(b);
	g_strv_builder_unref(b);
	return out;
}

static void
target_init_kind(FkTarget *t, JsonObject *decl)
{
	JsonArray *hosts = fk_get_array(decl, "allowed_hosts");

	switch (t->kind) {
	case FK_TARGET_DC:
		t->trsvcid = str_or(decl, "trsvcid", "8009");
		t->nqn = str_or(decl, "nqn", STAS_WELL_KNOWN_DISC_NQN);
		t->dctype = str_or(decl, "dctype", "none");
		t->pleo = fk_get_bool(decl, "pleo", FALSE);
		t->slp_unsupported = fk_get_bool(decl, "slp_unsupported", FALSE);
		break;
	case FK_TARGET_IO:
		t->trsvcid = str_or(decl, "trsvcid", "4420");
		t->nqn = str_or(decl, "nqn", NULL);
		t->namespaces = (guint)CLAMP(fk_get_int(decl, "namespaces", 1), 0, 1024);
		t->allowed_hosts = hosts ? str_array(hosts) : NULL;
		break;
	case FK_TARGET_DEAD:
	default:
		t->trsvcid = str_or(decl, "trsvcid", NULL);
		t->delay_ms = (guint)CLAMP(fk_get_int(decl, "delay_ms", 0), 0, 600000);
		t->dead_errno = (int)fk_get_int(decl, "errno", ECONNREFUSED);
		break;
	}
}

FkTarget *
fk_target_new_from_json(FkKernel *k, FkTargetKind kind, JsonObject *decl, int *err, char **msg)
{
	static const char *const prefix[] = {"dc", "io", "dead"};
	g_autofree char *name = str_or(decl, "name", NULL);
	FkTarget *t;

	if (name == NULL)
		name = g_strdup_printf("%s%u", prefix[kind], k->n_declared);
	if (fk_kernel_target(k, name) != NULL) {
		*err = EEXIST;
		*msg = g_strdup_printf("a target named %s exists", name);
		return NULL;
	}
	if (fk_get_str(decl, "traddr") == NULL ||
	    (kind == FK_TARGET_IO && fk_get_str(decl, "nqn") == NULL)) {
		*err = EINVAL;
		*msg = g_strdup(kind == FK_TARGET_IO ? "traddr and nqn are required"
						     : "traddr is required");
		return NULL;
	}
	t = g_new0(FkTarget, 1);
	t->kind = kind;
	t->name = g_steal_pointer(&name);
	t->transport = str_or(decl, "transport", "tcp");
	t->traddr = str_or(decl, "traddr", NULL);
	t->model = str_or(decl, "model", "Linux");
	t->serial = fk_get_str(decl, "serial") ? g_strdup(fk_get_str(decl, "serial"))
					       : g_strdup_printf("fk%08x", g_str_hash(t->name));
	t->firmware = str_or(decl, "firmware", "6.1.0");
	t->entries = g_byte_array_new();
	t->port_local = g_array_new(FALSE, FALSE, sizeof(gboolean));
	t->fail = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	t->genctr = 1;
	t->numrec = -1;
	t->next_cntlid = 1;
	target_init_kind(t, decl);
	k->n_declared++;
	if (fk_get_array(decl, "entries") != NULL &&
	    !fk_target_set_entries(t, fk_get_array(decl, "entries"), msg)) {
		fk_target_free(t);
		*err = EINVAL;
		return NULL;
	}
	return t;
}

static const char *
kind_name(FkTargetKind kind)
{
	return kind == FK_TARGET_DC ? "dc" : kind == FK_TARGET_IO ? "io" : "dead";
}

JsonObject *
fk_target_to_json(const FkTarget *t)
{
	JsonObject *o = json_object_new();

	json_object_set_string_member(o, "name", t->name);
	json_object_set_string_member(o, "kind", kind_name(t->kind));
	json_object_set_string_member(o, "transport", t->transport);
	json_object_set_string_member(o, "traddr", t->traddr);
	if (t->trsvcid != NULL)
		json_object_set_string_member(o, "trsvcid", t->trsvcid);
	if (t->nqn != NULL)
		json_object_set_string_member(o, "nqn", t->nqn);
	if (t->kind == FK_TARGET_DC) {
		json_object_set_string_member(o, "dctype", t->dctype);
		json_object_set_boolean_member(o, "pleo", t->pleo);
		json_object_set_int_member(o, "genctr", (gint64)t->genctr);
		json_object_set_int_member(o, "numrec",
					   t->numrec >= 0 ? t->numrec
							  : (gint64)(t->entries->len / ENTRY_SIZE));
		json_object_set_int_member(o, "log_reads", t->log_reads);
		json_object_set_int_member(o, "pleo_reads", t->pleo_reads);
		json_object_set_int_member(o, "aens", t->aens);
	}
	json_object_set_boolean_member(o, "stalled", t->stalled);
	json_object_set_int_member(o, "waiting", t->n_waiting);
	return o;
}

int
fk_target_fail(const FkTarget *t, const char *op)
{
	return GPOINTER_TO_INT(g_hash_table_lookup(t->fail, op));
}

/* ------------------------------------------------------------------------ */
/* discovery log entries                                                     */

typedef struct {
	const char *name;
	guint8 value;
} Named;

static const Named trtypes[] = {{"rdma", 1}, {"fc", 2}, {"tcp", 3}, {"loop", 254}, {NULL, 0}};
static const Named adrfams[] = {{"ipv4", 1}, {"ipv6", 2},   {"ib", 3},
				{"fc", 4},   {"loop", 254}, {NULL, 0}};
static const Named subtypes[] = {{"referral", 1}, {"nvme", 2}, {"discovery", 3}, {NULL, 0}};

/* member key: absent (def), a number in 0..max, or one of the names */
static gboolean
named_value(JsonObject *e, const char *key, const Named *names, guint def, guint max, guint *out)
{
	const char *s = fk_get_str(e, key);
	gint64 n = fk_get_int(e, key, -1);

	*out = def;
	if (!json_object_has_member(e, key))
		return TRUE;
	for (gsize i = 0; s != NULL && names != NULL && names[i].name != NULL; i++) {
		if (strcmp(names[i].name, s) == 0) {
			*out = names[i].value;
			return TRUE;
		}
	}
	if (n < 0 || n > (gint64)max)
		return FALSE;
	*out = (guint)n;
	return TRUE;
}

/* copy s, cut at size; pad with pad bytes (the spec space-pads traddr and trsvcid) */
static void
put_str(guint8 *dst, gsize size, const char *s, guint8 pad)
{
	gsize len = MIN(strlen(s), size);

	memset(dst, pad, size);
	memcpy(dst, s, len);
}

static void
put_le16(guint8 *dst, guint v)
{
	dst[0] = v & 0xff;
	dst[1] = (v >> 8) & 0xff;
}

static gboolean
entry_from_hex(const char *hex, guint8 *out, char **msg)
{
	gsize len = strlen(hex);

	if (len % 2 != 0 || len > 2 * ENTRY_SIZE) {
		*msg = g_strdup("raw_hex: an even number of hex digits, at most 2048");
		return FALSE;
	}
	for (gsize i = 0; i < len; i += 2) {
		int hi = g_ascii_xdigit_value(hex[i]);
		int lo = g_ascii_xdigit_value(hex[i + 1]);

		if (hi < 0 || lo < 0) {
			*msg = g_strdup_printf("raw_hex: not a hex digit at %" G_GSIZE_FORMAT, i);
			return FALSE;
		}
		out[i / 2] = (guint8)(hi << 4 | lo);
	}
	return TRUE;
}

static gboolean
entry_numbers(JsonObject *e, guint8 *out, guint8 trtype, const char *traddr)
{
	guint adrfam, subtype, treq, portid, cntlid, asqsz, eflags, sectype;
	guint def_adrfam = trtype == 2 ? 4 : strchr(traddr, ':') != NULL ? 2 : 1;

	if (!named_value(e, "adrfam", adrfams, def_adrfam, 255, &adrfam) ||
	    !named_value(e, "subtype", subtypes, 2, 255, &subtype) ||
	    !named_value(e, "treq", NULL, 0, 255, &treq) ||
	    !named_value(e, "portid", NULL, 1, 0xffff, &portid) ||
	    !named_value(e, "cntlid", NULL, 0xffff, 0xffff, &cntlid) ||
	    !named_value(e, "asqsz", NULL, 32, 0xffff, &asqsz) ||
	    !named_value(e, "eflags", NULL, 0, 0xffff, &eflags) ||
	    !named_value(e, "sectype", NULL, 0, 255, &sectype))
		return FALSE;
	out[0] = trtype;
	out[1] = (guint8)adrfam;
	out[2] = (guint8)subtype;
	out[3] = (guint8)treq;
	put_le16(out + 4, portid);
	put_le16(out + 6, cntlid);
	put_le16(out + 8, asqsz);
	put_le16(out + 10, eflags);
	out[ENTRY_TSAS] = (guint8)sectype;
	return TRUE;
}

/* one entry from its JSON form (README.md) into 1024 wire bytes */
static gboolean
entry_from_json(JsonObject *e, guint idx, guint8 *out, char **msg)
{
	const char *traddr = fk_get_str(e, "traddr");
	gboolean nvme;
	guint trtype;

	memset(out, 0, ENTRY_SIZE);
	if (fk_get_str(e, "raw_hex") != NULL)
		return entry_from_hex(fk_get_str(e, "raw_hex"), out, msg);
	if (!named_value(e, "trtype", trtypes, 3, 255, &trtype) ||
	    !entry_numbers(e, out, (guint8)trtype, traddr ? traddr : "")) {
		*msg = g_strdup_printf("entry %u: a number or name is out of range", idx);
		return FALSE;
	}
	nvme = out[2] == 2;
	put_str(out + ENTRY_TRSVCID, TRSVCID_SIZE,
		fk_get_str(e, "trsvcid") ? fk_get_str(e, "trsvcid")
		: nvme			 ? "4420"
					 : "8009",
		' ');
	put_str(out + ENTRY_SUBNQN, ADDR_SIZE,
		fk_get_str(e, "subnqn") ? fk_get_str(e, "subnqn")
		: nvme			? ""
					: STAS_WELL_KNOWN_DISC_NQN,
		0);
	put_str(out + ENTRY_TRADDR, ADDR_SIZE, traddr ? traddr : "", ' ');
	return TRUE;
}

gboolean
fk_target_set_entries(FkTarget *t, JsonArray *entries, char **msg)
{
	guint n = json_array_get_length(entries);
	g_autoptr(GByteArray) bytes = g_byte_array_sized_new(n * ENTRY_SIZE);
	g_autoptr(GArray) local = g_array_new(FALSE, FALSE, sizeof(gboolean));

	if (n > ENTRIES_MAX) {
		*msg = g_strdup_printf("at most %d entries", ENTRIES_MAX);
		return FALSE;
	}
	g_byte_array_set_size(bytes, n * ENTRY_SIZE);
	for (guint i = 0; i < n; i++) {
		JsonNode *node = json_array_get_element(entries, i);
		JsonObject *e = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
		gboolean port_local = fk_get_bool(e, "port_local", TRUE);

		if (e == NULL) {
			*msg = g_strdup_printf("entry %u: not an object", i);
			return FALSE;
		}
		if (!entry_from_json(e, i, bytes->data + (gsize)i * ENTRY_SIZE, msg))
			return FALSE;
		g_array_append_val(local, port_local);
	}
	g_byte_array_unref(t->entries);
	g_array_unref(t->port_local);
	t->entries = g_steal_pointer(&bytes);
	t->port_local = g_steal_pointer(&local);
	return TRUE;
}

/* the entries a read with lsp sees: all, or the port local ones for PLEO */
static GArray *
log_selection(const FkTarget *t, guint8 lsp)
{
	gboolean pleo = t->pleo && (lsp & STAS_NVME_DLP_LSP_PLEO);
	GArray *sel = g_array_new(FALSE, FALSE, sizeof(guint));

	for (guint i = 0; i < t->port_local->len; i++) {
		if (!pleo || g_array_index(t->port_local, gboolean, i))
			g_array_append_val(sel, i);
	}
	return sel;
}

void
fk_target_log_read(const FkTarget *t, guint8 lsp, guint64 offset, guint8 *buf, gsize len)
{
	g_autoptr(GArray) sel = log_selection(t, lsp);
	guint8 hdr[HDR_SIZE] = {0};
	guint64 le;

	le = GUINT64_TO_LE(t->genctr);
	memcpy(hdr, &le, 8);
	/* a lying DC claims more (or fewer) records than it has; past the end are zeros */
	le = GUINT64_TO_LE(t->numrec >= 0 ? (guint64)t->numrec : (guint64)sel->len);
	memcpy(hdr + 8, &le, 8);
	memset(buf, 0, len);
	/* block by block: the header, then entry after entry; zeros past the end */
	for (guint64 pos = offset; pos < offset + len;) {
		guint64 block = pos / ENTRY_SIZE; /* 0 = header */
		guint64 in = pos % ENTRY_SIZE;
		gsize n = (gsize)MIN(ENTRY_SIZE - in, offset + len - pos);
		const guint8 *src = NULL;

		if (block == 0)
			src = hdr;
		else if (block <= sel->len)
			src = t->entries->data +
			      (gsize)g_array_index(sel, guint, block - 1) * ENTRY_SIZE;
		if (src != NULL)
			memcpy(buf + (pos - offset), src + in, n);
		pos += n;
	}
}

void
fk_kernel_dc_changed(FkKernel *k, FkTarget *t)
{
	g_autoptr(GHashTable) aen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	t->genctr++;
	g_hash_table_insert(aen, g_strdup("NVME_AEN"), g_strdup(FK_AEN_DISC_CHANGED));
	for (guint i = 0; i < k->ctrls->len; i++) {
		FkCtrl *c = k->ctrls->pdata[i];

		if (c == NULL || strcmp(c->target, t->name) != 0 || !c->aen_armed ||
		    strcmp(c->state, "live") != 0)
			continue;
		c->aen_armed = FALSE;
		t->aens++;
		fk_kernel_emit(k, "change", c->device, aen);
	}
}

gboolean
fk_kernel_wait_stall(FkKernel *k, FkTarget **t)
{
	FkTarget *cur = *t;

	while (cur->stalled) {
		cur->n_waiting++;
		g_cond_wait(&k->cond, &k->lock);
		/* the test may have removed it meanwhile: only then is cur gone */
		if (!g_ptr_array_find(k->targets, cur, NULL)) {
			*t = NULL;
			return FALSE;
		}
		cur->n_waiting--;
	}
	return TRUE;
}

/* ------------------------------------------------------------------------ */
/* connect                                                                   */

static gboolean
same_addr(const char *transport, const char *a, const char *b)
{
	if (g_strcmp0(transport, "tcp") == 0 || g_strcmp0(transport, "rdma") == 0)
		return stas_ip_equal(a, b);
	return g_ascii_strcasecmp(a ? a : "", b ? b : "") == 0;
}

static gboolean
same_port(const char *a, const char *b)
{
	int x, y;

	if (a == NULL || b == NULL)
		return a == b;
	if (fk_parse_kernel_int(a, &x) && fk_parse_kernel_int(b, &y))
		return x == y;
	return strcmp(a, b) == 0;
}

/* the target a connect reaches: a dead address, the subsystem named, or an errno */
static int
find_target(FkKernel *k, const FkOptions *o, FkTarget **out, char **dmesg)
{
	const char *transport = fk_options_get(o, "transport");
	const char *nqn = fk_options_get(o, "nqn");
	const char *port = fk_options_get(o, "trsvcid");
	gboolean listening = FALSE;

	for (guint i = 0; i < k->targets->len; i++) {
		FkTarget *t = k->targets->pdata[i];

		if (strcmp(t->transport, transport) != 0 ||
		    !same_addr(transport, t->traddr, fk_options_get(o, "traddr")))
			continue;
		if (t->kind == FK_TARGET_DEAD &&
		    (t->trsvcid == NULL || same_port(t->trsvcid, port))) {
			*out = t;
			return 0;
		}
		if (!same_port(t->trsvcid, port))
			continue;
		listening = TRUE;
		if (strcmp(t->nqn, nqn) == 0 ||
		    (t->kind == FK_TARGET_DC && strcmp(nqn, STAS_WELL_KNOWN_DISC_NQN) == 0)) {
			*out = t;
			return 0;
		}
	}
	if (!listening) {
		*dmesg = g_strdup_printf("failed to connect socket: %d", -ECONNREFUSED);
		return ECONNREFUSED;
	}
	/* the target answers the Connect command with an error status: -EIO */
	*dmesg = g_strdup_printf("Connect Invalid Data Parameter, subsysnqn \"%s\"", nqn);
	return EIO;
}

/*
 * a dead address: fail after its delay, counted as waiting meanwhile.  k->lock
 * is dropped (other requests go on), k->fabrics_lock is not (other connects wait)
 */
static int
dead_connect(FkKernel *k, FkTarget *t, char **dmesg)
{
	guint delay = t->delay_ms;
	int err = t->dead_errno;

	t->n_waiting++;
	g_mutex_unlock(&k->lock);
	if (delay > 0)
		g_usleep((gulong)delay * 1000);
	g_mutex_lock(&k->lock);
	if (g_ptr_array_find(k->targets, t, NULL))
		t->n_waiting--;
	*dmesg = g_strdup_printf("failed to connect socket: %d", -err);
	return err;
}

static gboolean
host_allowed(const FkTarget *t, const FkOptions *o)
{
	return t->allowed_hosts == NULL ||
	       g_strv_contains((const char *const *)t->allowed_hosts, fk_options_get(o, "hostnqn"));
}

/* nvme_tcp_existing_controller & co: duplicate_connect is forced on for discovery */
static gboolean
is_duplicate(FkKernel *k, const FkOptions *o)
{
	const char *transport = fk_options_get(o, "transport");

	if (o->discovery_nqn || fk_options_has(o, "duplicate_connect") ||
	    strcmp(transport, "loop") == 0)
		return FALSE;
	for (guint i = 0; i < k->ctrls->len; i++) {
		FkCtrl *c = k->ctrls->pdata[i];

		if (c != NULL && strcmp(fk_options_get(c->opts, "transport"), transport) == 0 &&
		    strcmp(c->state, "deleting") != 0 && fk_options_ip_match(c->opts, o))
			return TRUE;
	}
	return FALSE;
}

/* the target side of a connect, with k->lock held: 0 and *out, or an errno */
static int
reach_target(FkKernel *k, const FkOptions *o, FkTarget **out, char **dmesg)
{
	FkTarget *t = NULL;
	int err = find_target(k, o, &t, dmesg);

	if (err != 0)
		return err;
	if (t->kind == FK_TARGET_DEAD)
		return dead_connect(k, t, dmesg);
	if (!fk_kernel_wait_stall(k, &t)) {
		*dmesg = g_strdup("the target went away");
		return ECONNREFUSED;
	}
	err = fk_target_fail(t, "connect");
	if (err != 0) {
		*dmesg = g_strdup_printf("connect failed as the test asked: %d", -err);
		return err;
	}
	if (t->kind == FK_TARGET_IO && !host_allowed(t, o)) {
		*dmesg = g_strdup_printf("Connect Invalid Host, hostnqn \"%s\"",
					 fk_options_get(o, "hostnqn"));
		return EIO;
	}
	if (is_duplicate(k, o)) {
		*dmesg = g_strdup("found same controller");
		return EALREADY;
	}
	*out = t;
	return 0;
}

/* first address of iface in family, as the kernel lists them */
static char *
iface_addr(const char *iface, int family)
{
	struct ifaddrs *list = NULL;
	char *out = NULL;

	if (getifaddrs(&list) != 0)
		return NULL;
	for (struct ifaddrs *a = list; a != NULL && out == NULL; a = a->ifa_next) {
		char text[INET6_ADDRSTRLEN + 8];
		socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in)
						  : sizeof(struct sockaddr_in6);

		if (a->ifa_addr == NULL || a->ifa_addr->sa_family != family ||
		    strcmp(a->ifa_name, iface) != 0)
			continue;
		if (getnameinfo(a->ifa_addr, len, text, sizeof(text), NULL, 0, NI_NUMERICHOST) == 0)
			out = g_strdup(text);
	}
	freeifaddrs(list);
	return out;
}

/* the source address routing picks for traddr (a UDP connect sends nothing) */
static char *
routed_addr(const char *traddr, const char *port)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_DGRAM};
	struct addrinfo *ai = NULL;
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	char text[INET6_ADDRSTRLEN + 8];
	char *out = NULL;
	int fd;

	if (getaddrinfo(traddr, port, &hints, &ai) != 0)
		return NULL;
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
	    getsockname(fd, (struct sockaddr *)&local, &len) == 0 &&
	    getnameinfo((struct sockaddr *)&local, len, text, sizeof(text), NULL, 0,
			NI_NUMERICHOST) == 0)
		out = g_strdup(text);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return out;
}

/* src_addr of the tcp "address" attribute (kernel >= 6.1): the socket's local address */
static char *
tcp_src_addr(const FkOptions *o)
{
	const char *traddr = fk_options_get(o, "traddr");
	char *out = NULL;

	if (fk_options_has(o, "host_traddr"))
		out = g_strdup(fk_options_get(o, "host_traddr"));
	else if (fk_options_has(o, "host_iface"))
		out = iface_addr(fk_options_get(o, "host_iface"), stas_ip_family(traddr));
	else
		out = routed_addr(traddr, fk_options_get(o, "trsvcid"));
	if (out != NULL && strchr(out, '%') != NULL)
		*strchr(out, '%') = '\0'; /* %pISc prints no IPv6 scope */
	return out ? out : g_strdup("");
}

static int
lowest_free_instance(FkKernel *k)
{
	for (guint i = 0; i < k->ctrls->len; i++) {
		if (k->ctrls->pdata[i] == NULL)
			return (int)i;
	}
	g_ptr_array_add(k->ctrls, NULL);
	return (int)k->ctrls->len - 1;
}

static FkCtrl *
ctrl_new(FkKernel *k, FkTarget *t, const char *options, FkOptions *o)
{
	FkCtrl *c = g_new0(FkCtrl, 1);
	gboolean dc = t->kind == FK_TARGET_DC;

	c->instance = lowest_free_instance(k);
	c->device = g_strdup_printf("nvme%d", c->instance);
	c->target = g_strdup(t->name);
	c->options = g_strdup(options);
	c->subsysnqn = g_strdup(t->nqn);
	c->cntrltype = g_strdup(dc ? "discovery" : "io");
	c->dctype = g_strdup(dc ? t->dctype : "none");
	c->model = g_strdup(t->model);
	c->serial = g_strdup(t->serial);
	c->firmware = g_strdup(t->firmware);
	c->src_addr = strcmp(t->transport, "tcp") == 0 ? tcp_src_addr(o) : g_strdup("");
	c->state = g_strdup("live");
	c->has_namespaces = !dc && t->namespaces > 0;
	c->cntlid = t->next_cntlid++;
	/* a DC keeps the given kato or 0; an I/O controller defaults to NVME_DEFAULT_KATO */
	c->kato = fk_options_get_int(o, "keep_alive_tmo", 0);
	if (!o->discovery_nqn && c->kato == 0)
		c->kato = 5;
	c->aen_armed = TRUE;
	c->opts = o;
	k->ctrls->pdata[c->instance] = c;
	return c;
}

static void
ctrl_free(FkCtrl *c)
{
	g_free(c->device);
	g_free(c->target);
	g_free(c->options);
	fk_options_free(c->opts);
	g_free(c->subsysnqn);
	g_free(c->cntrltype);
	g_free(c->dctype);
	g_free(c->model);
	g_free(c->serial);
	g_free(c->firmware);
	g_free(c->src_addr);
	g_free(c->state);
	g_free(c);
}

static void
record_connect(FkKernel *k, const char *options, int err, const char *device, const char *dmesg)
{
	JsonObject *r = json_object_new();

	json_object_set_string_member(r, "options", options);
	json_object_set_int_member(r, "errno", err);
	if (device != NULL)
		json_object_set_string_member(r, "device", device);
	json_object_set_string_member(r, "dmesg", dmesg ? dmesg : "");
	g_ptr_array_add(k->connects, r);
}

/* k->lock held; *device names the new controller (borrowed) */
static int
connect_locked(FkKernel *k, const char *options, char **reply, const char **device, char **dmesg)
{
	g_autoptr(FkOptions) o = NULL;
	FkTarget *t = NULL;
	FkCtrl *c;
	int err;

	err = fk_options_parse(k->fabrics_template, options, &o, dmesg);
	if (err != 0)
		return err;
	/* the kernel's default host fills what the string left out */
	if (!fk_options_has(o, "hostnqn"))
		g_hash_table_insert(o->values, g_strdup("hostnqn"), g_strdup(k->default_hostnqn));
	if (!fk_options_has(o, "hostid"))
		g_hash_table_insert(o->values, g_strdup("hostid"), g_strdup(k->default_hostid));
	err = reach_target(k, o, &t, dmesg);
	if (err != 0 || t == NULL)
		return err != 0 ? err : EIO;
	c = ctrl_new(k, t, options, g_steal_pointer(&o));
	fk_kernel_emit(k, "add", c->device, NULL);
	*reply = g_strdup_printf("instance=%d,cntlid=%u", c->instance, c->cntlid);
	*device = c->device;
	return 0;
}

int
fk_kernel_connect(FkKernel *k, const char *options, char **reply, char **dmesg)
{
	const char *device = NULL;
	int err;

	*reply = NULL;
	*dmesg = NULL;
	g_mutex_lock(&k->fabrics_lock);
	g_mutex_lock(&k->lock);
	err = connect_locked(k, options, reply, &device, dmesg);
	record_connect(k, options, err, device, *dmesg);
	g_mutex_unlock(&k->lock);
	g_mutex_unlock(&k->fabrics_lock);
	return err;
}

FkCtrl *
fk_kernel_ctrl(FkKernel *k, const char *device)
{
	guint64 n;

	if (!stas_nvme_device_name_is_valid(device) ||
	    !g_ascii_string_to_unsigned(device + strlen("nvme"), 10, 0, G_MAXUINT, &n, NULL) ||
	    n >= k->ctrls->len)
		return NULL;
	return k->ctrls->pdata[n];
}

gboolean
fk_kernel_disconnect(FkKernel *k, const char *device)
{
	FkCtrl *c = fk_kernel_ctrl(k, device);

	if (c == NULL)
		return FALSE;
	fk_kernel_emit(k, "remove", c->device, NULL);
	k->ctrls->pdata[c->instance] = NULL;
	ctrl_free(c);
	return TRUE;
}

/* nvmf_get_address, plus nvme_tcp_get_address's src_addr */
static char *
ctrl_address(const FkCtrl *c)
{
	static const char *const keys[] = {"traddr", "trsvcid", "host_traddr", "host_iface"};
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (fk_options_has(c->opts, keys[i]))
			g_string_append_printf(s, "%s%s=%s", s->len ? "," : "", keys[i],
					       fk_options_get(c->opts, keys[i]));
	}
	if (*c->src_addr != '\0')
		g_string_append_printf(s, "%ssrc_addr=%s", s->len ? "," : "", c->src_addr);
	return g_string_free(s, FALSE);
}

JsonObject *
fk_ctrl_to_json(const FkCtrl *c, gboolean full)
{
	JsonObject *o = json_object_new();
	g_autofree char *address = ctrl_address(c);

	json_object_set_string_member(o, "device", c->device);
	json_object_set_string_member(o, "transport", fk_options_get(c->opts, "transport"));
	json_object_set_string_member(o, "subsysnqn", c->subsysnqn);
	json_object_set_string_member(o, "hostnqn", fk_options_get(c->opts, "hostnqn"));
	json_object_set_string_member(o, "hostid", fk_options_get(c->opts, "hostid"));
	json_object_set_string_member(o, "address", address);
	json_object_set_string_member(o, "cntrltype", c->cntrltype);
	json_object_set_string_member(o, "dctype", c->dctype);
	json_object_set_string_member(o, "model", c->model);
	json_object_set_string_member(o, "serial", c->serial);
	json_object_set_string_member(o, "firmware_rev", c->firmware);
	json_object_set_string_member(o, "state", c->state);
	json_object_set_int_member(o, "cntlid", c->cntlid);
	json_object_set_int_member(o, "kato", c->kato);
	json_object_set_boolean_member(o, "has_namespaces", c->has_namespaces);
	if (full) {
		json_object_set_string_member(o, "target", c->target);
		json_object_set_string_member(o, "options", c->options);
		json_object_set_boolean_member(o, "aen_armed", c->aen_armed);
	}
	return o;
}

/* ------------------------------------------------------------------------ */
/* uevents                                                                   */

static void
ctrl_props(const FkCtrl *c, JsonObject *props)
{
	static const struct {
		const char *prop;
		const char *opt;
	} map[] = {
		{"NVME_TRADDR", "traddr"},
		{"NVME_TRSVCID", "trsvcid"},
		{"NVME_HOST_TRADDR", "host_traddr"},
		{"NVME_HOST_IFACE", "host_iface"},
	};

	/* nvme_class_uevent: what was not given reads "none" */
	json_object_set_string_member(props, "NVME_TRTYPE", fk_options_get(c->opts, "transport"));
	for (gsize i = 0; i < G_N_ELEMENTS(map); i++) {
		const char *v = fk_options_get(c->opts, map[i].opt);

		json_object_set_string_member(props, map[i].prop, v ? v : "none");
	}
}

void
fk_kernel_emit(FkKernel *k, const char *action, const char *sysname, GHashTable *extra)
{
	g_autoptr(JsonObject) ev = json_object_new();
	JsonObject *props = json_object_new();
	FkCtrl *c = fk_kernel_ctrl(k, sysname);
	g_autofree char *line = NULL;
	g_autofree char *devpath = g_strconcat("/devices/virtual/nvme-fabrics/ctl/", sysname, NULL);
	g_autofree char *devname = g_strconcat("/dev/", sysname, NULL);
	char seqnum[24];
	GHashTableIter iter;
	gpointer key, value;

	json_object_set_string_member(props, "ACTION", action);
	json_object_set_string_member(props, "DEVPATH", devpath);
	json_object_set_string_member(props, "SUBSYSTEM", "nvme");
	json_object_set_string_member(props, "DEVNAME", devname);
	g_snprintf(seqnum, sizeof(seqnum), "%" G_GUINT64_FORMAT, ++k->seqnum);
	json_object_set_string_member(props, "SEQNUM", seqnum);
	if (c != NULL)
		ctrl_props(c, props);
	if (extra != NULL) {
		g_hash_table_iter_init(&iter, extra);
		while (g_hash_table_iter_next(&iter, &key, &value))
			json_object_set_string_member(props, key, value);
	}
	json_object_set_string_member(ev, "action", action);
	json_object_set_string_member(ev, "sysname", sysname);
	json_object_set_object_member(ev, "props", props);
	line = fk_json_to_line(ev);
	for (guint i = 0; i < k->subscribers->len; i++)
		g_async_queue_push(k->subscribers->pdata[i], g_strdup(line));
}

GAsyncQueue *
fk_kernel_subscribe(FkKernel *k)
{
	GAsyncQueue *q = g_async_queue_new_full(g_free);

	g_ptr_array_add(k->subscribers, g_async_queue_ref(q));
	return q;
}

void
fk_kernel_unsubscribe(FkKernel *k, GAsyncQueue *queue)
{
	if (g_ptr_array_remove(k->subscribers, queue))
		g_async_queue_unref(queue);
}

void
fk_kernel_unsubscribe_all(FkKernel *k)
{
	for (guint i = 0; i < k->subscribers->len; i++)
		g_async_queue_unref(k->subscribers->pdata[i]);
	g_ptr_array_set_size(k->subscribers, 0);
}

gboolean
fk_kernel_is_subscribed(FkKernel *k, GAsyncQueue *queue)
{
	return g_ptr_array_find(k->subscribers, queue, NULL);
}
