/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl-format: the output of stafctl and stacctl (REFERENCE 4.1, SPEC B8).
 *
 * the default output is what upstream prints with python's
 * pprint.pformat(obj, width=120): a python literal with sorted dict keys,
 * single quotes, True/False/None, one line when it fits, else one item per
 * line aligned after the bracket, long strings split at whitespace.  scripts
 * eval() it, so it must match byte for byte.  --json prints the same tree
 * as indented JSON with sorted keys.
 *
 * the tree is a JsonNode (objects, arrays, strings, booleans, null,
 * integers, doubles): the daemons answer in JSON or in a{ss} variants, both
 * convert to it.  pure functions, any thread.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CTL_PPRINT_WIDTH 120

/* pprint.pformat(node, width=width): no trailing newline */
char *ctl_format_pretty(JsonNode *node, int width);

/* json.dumps(node, indent=2, sort_keys=True, ensure_ascii=False) */
char *ctl_format_json(JsonNode *node);

/* python's repr() of a str (utf-8; a bad byte shows as its surrogate escape) */
char *ctl_format_str_repr(const char *text, gssize len);

/* python's repr() of a float */
char *ctl_format_float_repr(double value);

/* a D-Bus reply value (a{ss}, aa{ss}, b, s ...) as a tree */
JsonNode *ctl_node_from_variant(GVariant *value);

/* a JSON reply; fails with the parser's error */
JsonNode *ctl_node_from_json(const char *json, GError **error);

G_END_DECLS
