/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit tests of dc-emu-control (the request handlers, without the socket)
 * and dc-emu-config.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "stas/stas-error.h"

#include "dc-emu-admin.h"
#include "dc-emu-config.h"
#include "dc-emu-control.h"
#include "dc-emu-entry.h"
#include "dc-emu-log.h"

typedef struct {
	DceState *state;
	DceCtrl *ctrl;
	guint sent;
} Fx;

static void
on_send(gpointer data, const DceCqe *cqe)
{
	Fx *fx = data;

	if (cqe->result == DCE_AEN_DISC_CHANGE)
		fx->sent++;
}

static int
setup(void **state)
{
	Fx *fx = g_new0(Fx, 1);

	fx->state = dce_state_new(dce_config_new());
	fx->ctrl = dce_ctrl_new(fx->state, "127.0.0.1", on_send, fx);
	/* a live association with an AER held, as the Linux host keeps it */
	fx->ctrl->connected = TRUE;
	fx->ctrl->cc = DCE_CC_EN;
	fx->ctrl->csts = DCE_CSTS_RDY;
	dce_aen_request(&fx->ctrl->aen, 1);
	dce_aen_request(&fx->ctrl->aen, 2);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	Fx *fx = *state;

	dce_ctrl_free(fx->ctrl);
	dce_state_free(fx->state);
	g_free(fx);
	return 0;
}

/* the response to one request line */
static JsonObject *
call(Fx *fx, const char *line)
{
	g_autoptr(JsonParser) p = json_parser_new();

	if (!json_parser_load_from_data(p, line, -1, NULL))
		fail_msg("bad JSON in test: %s", line);
	return dce_control_handle(fx->state, NULL, json_node_get_object(json_parser_get_root(p)));
}

static gboolean
ok(JsonObject *resp)
{
	return json_object_get_boolean_member_with_default(resp, "ok", FALSE);
}

static void
test_ping_answers_ok_and_unknown_ops_fail(void **state)
{
	Fx *fx = *state;
	g_autoptr(JsonObject) a = call(fx, "{\"op\":\"ping\"}");
	g_autoptr(JsonObject) b = call(fx, "{\"op\":\"reboot\"}");
	g_autoptr(JsonObject) c = call(fx, "{\"op\":7}");
	g_autoptr(JsonObject) d = call(fx, "{}");

	assert_true(ok(a));
	assert_false(ok(b));
	assert_non_null(strstr(json_object_get_string_member(b, "error"), "unknown op"));
	assert_false(ok(c));
	assert_false(ok(d));
}

static void
test_set_entries_replaces_the_log_and_fires_an_aen(void **state)
{
	Fx *fx = *state;
	g_autoptr(JsonObject) r =
		call(fx, "{\"op\":\"set-entries\",\"entries\":[{\"traddr\":\"10.0.0.1\"},"
			 "{\"traddr\":\"10.0.0.2\",\"adrfam\":\"ipv4\",\"subnqn\":\"nqn.x:y\"}]}");

	assert_true(ok(r));
	assert_int_equal(fx->state->entries->len, 2);
	assert_int_equal(json_object_get_int_member(r, "genctr"), 1);
	assert_int_equal(json_object_get_int_member(r, "notified"), 1);
	assert_int_equal(fx->sent, 1);
}

static void
test_a_bad_entry_leaves_the_log_unchanged(void **state)
{
	Fx *fx = *state;
	g_autoptr(JsonObject) r1 = call(fx, "{\"op\":\"add-entry\",\"entry\":{\"traddr\":\"a\"}}");
	g_autoptr(JsonObject) r2 = call(
		fx, "{\"op\":\"set-entries\",\"entries\":[{\"traddr\":\"b\"},{\"portid\":\"x\"}]}");
	g_autoptr(JsonObject) r3 = call(fx, "{\"op\":\"set-entries\",\"entries\":[3]}");
	g_autoptr(JsonObject) r4 = call(fx, "{\"op\":\"set-entries\"}");

	assert_true(ok(r1));
	assert_false(ok(r2));
	assert_non_null(strstr(json_object_get_string_member(r2, "error"), "entries[1]"));
	assert_false(ok(r3));
	assert_false(ok(r4));
	assert_int_equal(fx->state->entries->len, 1);
	assert_int_equal(fx->state->genctr, 1);
}

static void
test_remove_entry_by_index_or_match(void **state)
{
	Fx *fx = *state;
	g_autoptr(JsonObject) r0 = NULL;
	g_autoptr(JsonObject) r1 = NULL;
	g_autoptr(JsonObject) r2 = NULL;
	g_autoptr(JsonObject) r3 = NULL;
	g_autoptr(JsonObject) r4 = NULL;

	r0 = call(fx, "{\"op\":\"set-entries\",\"notify\":false,\"entries\":[{\"traddr\":\"a\"},"
		      "{\"traddr\":\"b\"},{\"traddr\":\"a\",\"trsvcid\":\"1\"}]}");
	assert_true(ok(r0));
	assert_int_equal(fx->sent, 0); /* notify false */
	assert_int_equal(fx->state->genctr, 1);
	r1 = call(fx, "{\"op\":\"remove-entry\",\"index\":1}");
	assert_true(ok(r1));
	assert_int_equal(fx->sent, 1);
	assert_string_equal(((DceEntry *)g_ptr_array_index(fx->state->entries, 1))->trsvcid, "1");
	r2 = call(fx, "{\"op\":\"remove-entry\",\"match\":{\"traddr\":\"a\"}}");
	assert_true(ok(r2));
	assert_int_equal(json_object_get_int_member(r2, "removed"), 2); /* both "a" */
	assert_int_equal(fx->state->entries->len, 0);
	r3 = call(fx, "{\"op\":\"remove-entry\",\"index\":5}");
	assert_false(ok(r3));
	r4 = call(fx, "{\"op\":\"remove-entry\",\"match\":{\"traddr\":\"z\"}}");
	assert_false(ok(r4));
	assert_int_equal(fx->state->genctr, 3);
}

static void
test_fire_aen_respects_the_mask_unless_forced(void **state)
{
	Fx *fx = *state;
	g_autoptr(JsonObject) a = call(fx, "{\"op\":\"fire-aen\"}");
	g_autoptr(JsonObject) b = call(fx, "{\"op\":\"fire-aen\"}");
	g_autoptr(JsonObject) c = call(fx, "{\"op\":\"fire-aen\",\"force\":true}");

	assert_int_equal(json_object_get_int_member(a, "notified"), 1);
	assert_int_equal(json_object_get_int_member(b, "notified"), 0);
	assert_int_equal(json_object_get_int_member(c, "notified"), 1);
	assert_int_equal(fx->sent, 2);
	assert_int_equal(fx->state->genctr, 0); /* no change of the log */
}

static void
test_malform_sets_modes_by_name(void **state)
{
	Fx *fx = *state;
	g_autoptr(JsonObject) a =
		call(fx, "{\"op\":\"malform\",\"modes\":[\"no-nul\",\"numrec-over\"]}");
	g_autoptr(JsonObject) b = call(fx, "{\"op\":\"malform\",\"modes\":[\"bogus\"]}");
	g_autoptr(JsonObject) st = call(fx, "{\"op\":\"status\"}");
	JsonArray *modes;

	assert_true(ok(a));
	assert_false(ok(b));
	assert_int_equal(fx->state->malform, DCE_MALFORM_NO_NUL | DCE_MALFORM_NUMREC_OVER);
	modes = json_object_get_array_member(json_object_get_object_member(st, "status"),
					     "malformed");
	assert_int_equal(json_array_get_length(modes), 2);
	assert_string_equal(json_array_get_string_element(modes, 0), "no-nul");
}

static void
test_stall_switches_answering(void **state)
{
	Fx *fx = *state;
	g_autoptr(JsonObject) a = call(fx, "{\"op\":\"stall\",\"on\":true}");
	g_autoptr(JsonObject) b = call(fx, "{\"op\":\"stall\",\"on\":\"yes\"}");
	gboolean still = fx->state->stalled;
	g_autoptr(JsonObject) c = call(fx, "{\"op\":\"stall\",\"on\":false}");

	assert_true(ok(a));
	assert_false(ok(b));
	assert_true(still);
	assert_true(ok(c));
	assert_false(fx->state->stalled);
}

static void
test_set_changes_only_run_time_settings(void **state)
{
	Fx *fx = *state;
	g_autoptr(JsonObject) a = call(fx, "{\"op\":\"set\",\"pleo\":false,\"dctype\":\"ddc\"}");
	g_autoptr(JsonObject) b = call(fx, "{\"op\":\"set\",\"port\":4420}");
	g_autoptr(JsonObject) c = call(fx, "{\"op\":\"set\",\"dctype\":\"xdc\"}");

	assert_true(ok(a));
	assert_false(fx->state->cfg->pleo);
	assert_int_equal(fx->state->cfg->dctype, DCE_DCTYPE_DDC);
	assert_false(ok(b));
	assert_false(ok(c));
	assert_int_equal(fx->state->cfg->port, 8009);
}

static void
test_registrations_and_connections_are_listed(void **state)
{
	Fx *fx = *state;
	DceRegistration *r = g_new0(DceRegistration, 1);
	g_autoptr(JsonObject) a = NULL;
	g_autoptr(JsonObject) b = NULL;
	g_autoptr(JsonObject) c = NULL;
	JsonObject *reg;

	r->hostnqn = g_strdup("nqn.x:host");
	r->symname = g_strdup("sym");
	r->ename = g_strdup("e");
	r->ever = g_strdup("v");
	r->traddr = g_strdup("127.0.0.1");
	g_ptr_array_add(fx->state->registrations, r);
	a = call(fx, "{\"op\":\"list-registrations\"}");
	reg = json_array_get_object_element(json_object_get_array_member(a, "registrations"), 0);
	assert_string_equal(json_object_get_string_member(reg, "hostnqn"), "nqn.x:host");
	assert_string_equal(json_object_get_string_member(reg, "symname"), "sym");
	assert_true(json_object_get_null_member(reg, "hostid"));
	b = call(fx, "{\"op\":\"list-connections\"}");
	assert_int_equal(json_array_get_length(json_object_get_array_member(b, "connections")), 1);
	c = call(fx, "{\"op\":\"clear-registrations\"}");
	assert_true(ok(c));
	assert_int_equal(fx->state->registrations->len, 0);
}

static void
test_config_file_members_and_unknown_keys(void **state)
{
	g_autoptr(DceConfig) cfg = dce_config_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("dc-emu-XXXXXX.json", &path, NULL);
	const char *text = "{\"address\":\"::1\",\"port\":8010,\"nqn\":\"nqn.x:cdc\","
			   "\"dctype\":\"ddc\",\"pleo\":false,\"lsp-unsupported\":\"ignore\","
			   "\"mdts\":0,\"cntlid-base\":100,\"malformed\":[\"space-padding\"],"
			   "\"entries\":[{\"traddr\":\"::2\",\"adrfam\":\"ipv6\"}]}";

	assert_true(fd >= 0);
	close(fd);
	assert_true(g_file_set_contents(path, text, -1, NULL));
	assert_true(dce_config_load_file(cfg, path, &error));
	assert_string_equal(cfg->address, "::1");
	assert_int_equal(cfg->port, 8010);
	assert_string_equal(cfg->nqn, "nqn.x:cdc");
	assert_int_equal(cfg->dctype, DCE_DCTYPE_DDC);
	assert_false(cfg->pleo);
	assert_true(cfg->lsp_ignore);
	assert_int_equal(cfg->mdts, 0);
	assert_int_equal(cfg->cntlid_base, 100);
	assert_int_equal(cfg->malform, DCE_MALFORM_SPACE_PAD);
	assert_int_equal(cfg->entries->len, 1);
	assert_true(g_file_set_contents(path, "{\"adress\":\"::1\"}", -1, NULL));
	assert_false(dce_config_load_file(cfg, path, &error));
	g_assert_error(error, STAS_ERROR, STAS_ERROR_INVALID);
	g_clear_error(&error);
	assert_true(g_file_set_contents(path, "{\"port\":70000}", -1, NULL));
	assert_false(dce_config_load_file(cfg, path, &error));
	g_clear_error(&error);
	assert_true(g_file_set_contents(path, "[1]", -1, NULL));
	assert_false(dce_config_load_file(cfg, path, &error));
	unlink(path);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_ping_answers_ok_and_unknown_ops_fail),
		T(test_set_entries_replaces_the_log_and_fires_an_aen),
		T(test_a_bad_entry_leaves_the_log_unchanged),
		T(test_remove_entry_by_index_or_match),
		T(test_fire_aen_respects_the_mask_unless_forced),
		T(test_malform_sets_modes_by_name),
		T(test_stall_switches_answering),
		T(test_set_changes_only_run_time_settings),
		T(test_registrations_and_connections_are_listed),
		cmocka_unit_test(test_config_file_members_and_unknown_keys),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
