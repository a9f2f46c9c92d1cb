/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the output of stafctl/stacctl (REFERENCE 4.1, SPEC B8): python's
 * pprint.pformat(obj, width=120) and, for --json, json.dumps with sorted
 * keys.
 *
 * the golden strings below were made with python 3.11 on the build machine
 * (no python runs at test time): for each case, the input is a JSON text,
 * obj = json.loads(input), and
 *     pretty = pprint.pformat(obj, width=120)
 *     json   = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)
 * printed as C literals by a small script (cases built with json.dumps of
 * python objects, one per rule: the REFERENCE examples, the 120-column
 * boundary, sorting, quoting, escapes, string splitting, nesting).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctl-format.h"

typedef struct {
	const char *name;
	const char *input;  /* JSON */
	const char *pretty; /* pprint.pformat(json.loads(input), width=120) */
	const char *json;   /* json.dumps(..., indent=2, sort_keys=True, ensure_ascii=False) */
} Golden;

/* clang-format off */
static const Golden goldens[] = {
	{ "short_list_one_line",
	  "[{\"device\": \"nvme0\", \"traddr\": \"::1\"}]",
	  "[{'device': 'nvme0', 'traddr': '::1'}]",
	  "[\n"
	  "  {\n"
	  "    \"device\": \"nvme0\",\n"
	  "    \"traddr\": \"::1\"\n"
	  "  }\n"
	  "]" },
	{ "reference_ls_example",
	  "[{\"device\": \"nvme0\", \"host-iface\": \"\", \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5\", \"host-traddr\": \"\", \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", \"traddr\": \"::1\", \"transport\": \"tcp\", \"trsvcid\": \"8009\"}]",
	  "[{'device': 'nvme0',\n"
	  "  'host-iface': '',\n"
	  "  'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5',\n"
	  "  'host-traddr': '',\n"
	  "  'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n"
	  "  'traddr': '::1',\n"
	  "  'transport': 'tcp',\n"
	  "  'trsvcid': '8009'}]",
	  "[\n"
	  "  {\n"
	  "    \"device\": \"nvme0\",\n"
	  "    \"host-iface\": \"\",\n"
	  "    \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5\",\n"
	  "    \"host-traddr\": \"\",\n"
	  "    \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\",\n"
	  "    \"traddr\": \"::1\",\n"
	  "    \"transport\": \"tcp\",\n"
	  "    \"trsvcid\": \"8009\"\n"
	  "  }\n"
	  "]" },
	{ "reference_avahi_example",
	  "{\"tron\": true, \"log-level\": \"DEBUG\", \"avahi\": {\"avahi wake up timer\": \"60.0s [off]\", \"service types\": [\"_nvme-disc._tcp\", \"_nvme-disc._udp\"], \"services\": {}}}",
	  "{'avahi': {'avahi wake up timer': '60.0s [off]',\n"
	  "           'service types': ['_nvme-disc._tcp', '_nvme-disc._udp'],\n"
	  "           'services': {}},\n"
	  " 'log-level': 'DEBUG',\n"
	  " 'tron': True}",
	  "{\n"
	  "  \"avahi\": {\n"
	  "    \"avahi wake up timer\": \"60.0s [off]\",\n"
	  "    \"service types\": [\n"
	  "      \"_nvme-disc._tcp\",\n"
	  "      \"_nvme-disc._udp\"\n"
	  "    ],\n"
	  "    \"services\": {}\n"
	  "  },\n"
	  "  \"log-level\": \"DEBUG\",\n"
	  "  \"tron\": true\n"
	  "}" },
	{ "dict_exactly_120_one_line",
	  "{\"k\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	  "{'k': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'}",
	  "{\n"
	  "  \"k\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n"
	  "}" },
	{ "dict_121_wraps",
	  "{\"k\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	  "{'k': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'}",
	  "{\n"
	  "  \"k\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n"
	  "}" },
	{ "dict_121_two_keys_wraps",
	  "{\"a\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", \"b\": \"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"}",
	  "{'a': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n"
	  " 'b': 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'}",
	  "{\n"
	  "  \"a\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\n"
	  "  \"b\": \"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"\n"
	  "}" },
	{ "dict_120_two_keys_one_line",
	  "{\"a\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", \"b\": \"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"}",
	  "{'a': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n"
	  " 'b': 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'}",
	  "{\n"
	  "  \"a\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\n"
	  "  \"b\": \"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"\n"
	  "}" },
	{ "list_in_list_allowance",
	  "[[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"], \"c\"]",
	  "[['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'],\n"
	  " 'c']",
	  "[\n"
	  "  [\n"
	  "    \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\n"
	  "    \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n"
	  "  ],\n"
	  "  \"c\"\n"
	  "]" },
	{ "list_last_item_allowance",
	  "[\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", \"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"]",
	  "['xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n"
	  " 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy']",
	  "[\n"
	  "  \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\n"
	  "  \"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"\n"
	  "]" },
	{ "list_last_item_allowance_121",
	  "[\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", \"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"]",
	  "['xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n"
	  " 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy']",
	  "[\n"
	  "  \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\n"
	  "  \"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"\n"
	  "]" },
	{ "quotes_single",
	  "[\"it's\"]",
	  "[\"it's\"]",
	  "[\n"
	  "  \"it's\"\n"
	  "]" },
	{ "quotes_double",
	  "[\"say \\\"hi\\\"\"]",
	  "['say \"hi\"']",
	  "[\n"
	  "  \"say \\\"hi\\\"\"\n"
	  "]" },
	{ "quotes_both",
	  "[\"it's \\\"both\\\"\"]",
	  "['it\\'s \"both\"']",
	  "[\n"
	  "  \"it's \\\"both\\\"\"\n"
	  "]" },
	{ "backslash_and_controls",
	  "[\"a\\\\b\", \"tab\\there\", \"nl\\nx\", \"cr\\rx\", \"\\u0001\\u001f\\u007f\"]",
	  "['a\\\\b', 'tab\\there', 'nl\\nx', 'cr\\rx', '\\x01\\x1f\\x7f']",
	  "[\n"
	  "  \"a\\\\b\",\n"
	  "  \"tab\\there\",\n"
	  "  \"nl\\nx\",\n"
	  "  \"cr\\rx\",\n"
	  "  \"\\u0001\\u001f\177\"\n"
	  "]" },
	{ "unicode_printable_and_not",
	  "[\"caf\\u00e9\", \"\\u00a0nbsp\", \"\\u200bzw\", \"\\u2028ls\", \"\\ud83d\\ude00\", \"\\u0085\", \"\\u00ad\", \"\\ue000\", \"\\u0378\"]",
	  "['caf\303\251', '\\xa0nbsp', '\\u200bzw', '\\u2028ls', '\360\237\230\200', '\\x85', '\\xad', '\\ue000', '\\u0378']",
	  "[\n"
	  "  \"caf\303\251\",\n"
	  "  \"\302\240nbsp\",\n"
	  "  \"\342\200\213zw\",\n"
	  "  \"\342\200\250ls\",\n"
	  "  \"\360\237\230\200\",\n"
	  "  \"\302\205\",\n"
	  "  \"\302\255\",\n"
	  "  \"\356\200\200\",\n"
	  "  \"\315\270\"\n"
	  "]" },
	{ "key_order_is_code_point_order",
	  "{\"b\": 1, \"B\": 2, \"a\": 3, \"_x\": 4, \"\\u00e9\": 5, \"Z\": 6, \"10\": 7, \"9\": 8, \"\": 9}",
	  "{'': 9, '10': 7, '9': 8, 'B': 2, 'Z': 6, '_x': 4, 'a': 3, 'b': 1, '\303\251': 5}",
	  "{\n"
	  "  \"\": 9,\n"
	  "  \"10\": 7,\n"
	  "  \"9\": 8,\n"
	  "  \"B\": 2,\n"
	  "  \"Z\": 6,\n"
	  "  \"_x\": 4,\n"
	  "  \"a\": 3,\n"
	  "  \"b\": 1,\n"
	  "  \"\303\251\": 5\n"
	  "}" },
	{ "scalars",
	  "{\"t\": true, \"f\": false, \"n\": null, \"i\": 0, \"neg\": -42, \"big\": 9007199254740993, \"s\": \"\"}",
	  "{'big': 9007199254740993, 'f': False, 'i': 0, 'n': None, 'neg': -42, 's': '', 't': True}",
	  "{\n"
	  "  \"big\": 9007199254740993,\n"
	  "  \"f\": false,\n"
	  "  \"i\": 0,\n"
	  "  \"n\": null,\n"
	  "  \"neg\": -42,\n"
	  "  \"s\": \"\",\n"
	  "  \"t\": true\n"
	  "}" },
	{ "floats",
	  "[1.0, 0.1, -0.0, 1e+16, 1e-05, 0.0001, 123456789.125, 1.5e+300, 2.5e-300, 1234567890123456.0, 100.0, 3.14159]",
	  "[1.0, 0.1, -0.0, 1e+16, 1e-05, 0.0001, 123456789.125, 1.5e+300, 2.5e-300, 1234567890123456.0, 100.0, 3.14159]",
	  "[\n"
	  "  1.0,\n"
	  "  0.1,\n"
	  "  -0.0,\n"
	  "  1e+16,\n"
	  "  1e-05,\n"
	  "  0.0001,\n"
	  "  123456789.125,\n"
	  "  1.5e+300,\n"
	  "  2.5e-300,\n"
	  "  1234567890123456.0,\n"
	  "  100.0,\n"
	  "  3.14159\n"
	  "]" },
	{ "empties",
	  "{\"a\": {}, \"b\": [], \"c\": \"\", \"d\": [{}], \"e\": [[]]}",
	  "{'a': {}, 'b': [], 'c': '', 'd': [{}], 'e': [[]]}",
	  "{\n"
	  "  \"a\": {},\n"
	  "  \"b\": [],\n"
	  "  \"c\": \"\",\n"
	  "  \"d\": [\n"
	  "    {}\n"
	  "  ],\n"
	  "  \"e\": [\n"
	  "    []\n"
	  "  ]\n"
	  "}" },
	{ "empty_dict",
	  "{}",
	  "{}",
	  "{}" },
	{ "empty_list",
	  "[]",
	  "[]",
	  "[]" },
	{ "empty_string",
	  "\"\"",
	  "''",
	  "\"\"" },
	{ "long_string_value_splits_at_spaces",
	  "{\"connect operation\": \"{'fail count': 0, 'completed': False, 'alive': True, 'retry timer': '60.0s [59.98s]', 'error': 'Failed to connect to the controller: connection refused by peer at 10.10.10.10:8009 (errno 111)'}\", \"device\": \"nvme?\"}",
	  "{'connect operation': \"{'fail count': 0, 'completed': False, 'alive': True, 'retry timer': '60.0s [59.98s]', 'error': \"\n"
	  "                      \"'Failed to connect to the controller: connection refused by peer at 10.10.10.10:8009 (errno \"\n"
	  "                      \"111)'}\",\n"
	  " 'device': 'nvme?'}",
	  "{\n"
	  "  \"connect operation\": \"{'fail count': 0, 'completed': False, 'alive': True, 'retry timer': '60.0s [59.98s]', 'error': 'Failed to connect to the controller: connection refused by peer at 10.10.10.10:8009 (errno 111)'}\",\n"
	  "  \"device\": \"nvme?\"\n"
	  "}" },
	{ "long_string_without_spaces_stays_whole",
	  "{\"subsysnqn\": \"nqn.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"x\": \"y\"}",
	  "{'subsysnqn': 'nqn.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',\n"
	  " 'x': 'y'}",
	  "{\n"
	  "  \"subsysnqn\": \"nqn.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\n"
	  "  \"x\": \"y\"\n"
	  "}" },
	{ "long_multiline_string",
	  "{\"text\": \"first line is here\\nsecond line w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w \\nthird\", \"z\": 1}",
	  "{'text': 'first line is here\\n'\n"
	  "         'second line w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w '\n"
	  "         'w w w w w w w w w w w w \\n'\n"
	  "         'third',\n"
	  " 'z': 1}",
	  "{\n"
	  "  \"text\": \"first line is here\\nsecond line w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w \\nthird\",\n"
	  "  \"z\": 1\n"
	  "}" },
	{ "top_level_long_string_gets_parens",
	  "\"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word \"",
	  "('word word word word word word word word word word word word word word word word word word word word word word word '\n"
	  " 'word word word word word word word word word word word word word word word word word ')",
	  "\"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word \"" },
	{ "top_level_short_string",
	  "\"hello\"",
	  "'hello'",
	  "\"hello\"" },
	{ "top_level_list_of_long_strings",
	  "[\"alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha \", \"beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta \"]",
	  "['alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha '\n"
	  " 'alpha alpha alpha alpha alpha alpha ',\n"
	  " 'beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta '\n"
	  " 'beta beta beta beta beta beta beta ']",
	  "[\n"
	  "  \"alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha alpha \",\n"
	  "  \"beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta beta \"\n"
	  "]" },
	{ "string_leading_spaces",
	  "{\"k\": \"     abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc \"}",
	  "{'k': '     abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc '\n"
	  "      'abc abc abc abc abc abc abc abc abc abc abc abc abc abc '}",
	  "{\n"
	  "  \"k\": \"     abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc \"\n"
	  "}" },
	{ "string_tabs_width",
	  "{\"k\": \"a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb \"}",
	  "{'k': 'a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb '\n"
	  "      'a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb '}",
	  "{\n"
	  "  \"k\": \"a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb a\\tb \"\n"
	  "}" },
	{ "string_unicode_spaces_split",
	  "{\"k\": \"word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000w\\u2028w\\u2028w\\u2028w\\u2028w\\u2028w\\u2028w\\u2028w\\u2028w\\u2028w\\u2028x\\u001cx\\u001cx\\u001cx\\u001cx\\u001c\"}",
	  "{'k': 'word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000'\n"
	  "      'word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000word\\u3000w\\u2028'\n"
	  "      'w\\u2028'\n"
	  "      'w\\u2028'\n"
	  "      'w\\u2028'\n"
	  "      'w\\u2028'\n"
	  "      'w\\u2028'\n"
	  "      'w\\u2028'\n"
	  "      'w\\u2028'\n"
	  "      'w\\u2028'\n"
	  "      'w\\u2028'\n"
	  "      'x\\x1c'\n"
	  "      'x\\x1c'\n"
	  "      'x\\x1c'\n"
	  "      'x\\x1c'\n"
	  "      'x\\x1c'}",
	  "{\n"
	  "  \"k\": \"word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200word\343\200\200w\342\200\250w\342\200\250w\342\200\250w\342\200\250w\342\200\250w\342\200\250w\342\200\250w\342\200\250w\342\200\250w\342\200\250x\\u001cx\\u001cx\\u001cx\\u001cx\\u001c\"\n"
	  "}" },
	{ "string_with_quote_chunks",
	  "{\"k\": \"it's it's it's it's it's it's it's it's it's it's say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" plain plain plain plain plain plain plain plain plain plain \"}",
	  "{'k': 'it\\'s it\\'s it\\'s it\\'s it\\'s it\\'s it\\'s it\\'s it\\'s it\\'s say \"x\" say \"x\" say \"x\" say \"x\" say \"x\" say \"x\" say '\n"
	  "      '\"x\" say \"x\" say \"x\" say \"x\" plain plain plain plain plain plain plain plain plain plain '}",
	  "{\n"
	  "  \"k\": \"it's it's it's it's it's it's it's it's it's it's say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" say \\\"x\\\" plain plain plain plain plain plain plain plain plain plain \"\n"
	  "}" },
	{ "long_key",
	  "{\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": \"value\", \"short\": [\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\", \"cccccccccccccccccccccccccccccc\", \"dddddddddddddddddddddddddddddd\"]}",
	  "{'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk': 'value',\n"
	  " 'short': ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',\n"
	  "           'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',\n"
	  "           'cccccccccccccccccccccccccccccc',\n"
	  "           'dddddddddddddddddddddddddddddd']}",
	  "{\n"
	  "  \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": \"value\",\n"
	  "  \"short\": [\n"
	  "    \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\n"
	  "    \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\n"
	  "    \"cccccccccccccccccccccccccccccc\",\n"
	  "    \"dddddddddddddddddddddddddddddd\"\n"
	  "  ]\n"
	  "}" },
	{ "deep_nesting_narrow",
	  "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": {\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\": {\"cccccccccccccccccccccccccccccccccccccccc\": {\"dddddddddd\": \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeee\", \"f\": 1}}}}",
	  "{'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': {'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb': {'cccccccccccccccccccccccccccccccccccccccc': {'dddddddddd': 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeee',\n"
	  "                                                                                                                                        'f': 1}}}}",
	  "{\n"
	  "  \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": {\n"
	  "    \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\": {\n"
	  "      \"cccccccccccccccccccccccccccccccccccccccc\": {\n"
	  "        \"dddddddddd\": \"eeeeeeeeeeeeeeeeeeeeeeeeeeeeee\",\n"
	  "        \"f\": 1\n"
	  "      }\n"
	  "    }\n"
	  "  }\n"
	  "}" },
	{ "dlp_example",
	  "[{\"adrfam\": \"ipv6\", \"asqsz\": \"32\", \"cntlid\": \"65535\", \"eflags\": \"0\", \"portid\": \"1\", \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e21\", \"subtype\": \"nvme\", \"traddr\": \"::1\", \"treq\": \"disable sqflow\", \"trsvcid\": \"8009\", \"trtype\": \"tcp\", \"tsas\": \"{'sectype': 'none'}\"}, {\"adrfam\": \"ipv6\", \"asqsz\": \"32\", \"cntlid\": \"65535\", \"eflags\": \"0\", \"portid\": \"2\", \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e22\", \"subtype\": \"nvme\", \"traddr\": \"::1\", \"treq\": \"disable sqflow\", \"trsvcid\": \"8009\", \"trtype\": \"tcp\", \"tsas\": \"{'sectype': 'none'}\"}]",
	  "[{'adrfam': 'ipv6',\n"
	  "  'asqsz': '32',\n"
	  "  'cntlid': '65535',\n"
	  "  'eflags': '0',\n"
	  "  'portid': '1',\n"
	  "  'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e21',\n"
	  "  'subtype': 'nvme',\n"
	  "  'traddr': '::1',\n"
	  "  'treq': 'disable sqflow',\n"
	  "  'trsvcid': '8009',\n"
	  "  'trtype': 'tcp',\n"
	  "  'tsas': \"{'sectype': 'none'}\"},\n"
	  " {'adrfam': 'ipv6',\n"
	  "  'asqsz': '32',\n"
	  "  'cntlid': '65535',\n"
	  "  'eflags': '0',\n"
	  "  'portid': '2',\n"
	  "  'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e22',\n"
	  "  'subtype': 'nvme',\n"
	  "  'traddr': '::1',\n"
	  "  'treq': 'disable sqflow',\n"
	  "  'trsvcid': '8009',\n"
	  "  'trtype': 'tcp',\n"
	  "  'tsas': \"{'sectype': 'none'}\"}]",
	  "[\n"
	  "  {\n"
	  "    \"adrfam\": \"ipv6\",\n"
	  "    \"asqsz\": \"32\",\n"
	  "    \"cntlid\": \"65535\",\n"
	  "    \"eflags\": \"0\",\n"
	  "    \"portid\": \"1\",\n"
	  "    \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e21\",\n"
	  "    \"subtype\": \"nvme\",\n"
	  "    \"traddr\": \"::1\",\n"
	  "    \"treq\": \"disable sqflow\",\n"
	  "    \"trsvcid\": \"8009\",\n"
	  "    \"trtype\": \"tcp\",\n"
	  "    \"tsas\": \"{'sectype': 'none'}\"\n"
	  "  },\n"
	  "  {\n"
	  "    \"adrfam\": \"ipv6\",\n"
	  "    \"asqsz\": \"32\",\n"
	  "    \"cntlid\": \"65535\",\n"
	  "    \"eflags\": \"0\",\n"
	  "    \"portid\": \"2\",\n"
	  "    \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e22\",\n"
	  "    \"subtype\": \"nvme\",\n"
	  "    \"traddr\": \"::1\",\n"
	  "    \"treq\": \"disable sqflow\",\n"
	  "    \"trsvcid\": \"8009\",\n"
	  "    \"trtype\": \"tcp\",\n"
	  "    \"tsas\": \"{'sectype': 'none'}\"\n"
	  "  }\n"
	  "]" },
	{ "adlp_example",
	  "[{\"discovery-controller\": {\"device\": \"nvme0\", \"host-iface\": \"wlp0s20f3\", \"host-nqn\": \"nqn.1988-11.com.dell:poweredge:1234\", \"host-traddr\": \"1.2.3.4\", \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\", \"traddr\": \"10.10.10.10\", \"transport\": \"tcp\", \"trsvcid\": \"8009\"}, \"log-pages\": [{\"adrfam\": \"ipv6\", \"asqsz\": \"32\", \"cntlid\": \"65535\", \"eflags\": \"0\", \"portid\": \"3\", \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e23\", \"subtype\": \"nvme\", \"traddr\": \"::1\", \"treq\": \"disable sqflow\", \"trsvcid\": \"8009\", \"trtype\": \"tcp\", \"tsas\": \"{'sectype': 'none'}\"}]}, {\"discovery-controller\": {\"device\": \"nvme?\", \"host-iface\": \"wlp0s20f3\", \"host-nqn\": \"nqn.1988-11.com.dell:poweredge:1234\", \"host-traddr\": \"1.2.3.4\", \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\", \"traddr\": \"10.10.10.10\", \"transport\": \"tcp\", \"trsvcid\": \"8009\"}, \"log-pages\": []}]",
	  "[{'discovery-controller': {'device': 'nvme0',\n"
	  "                           'host-iface': 'wlp0s20f3',\n"
	  "                           'host-nqn': 'nqn.1988-11.com.dell:poweredge:1234',\n"
	  "                           'host-traddr': '1.2.3.4',\n"
	  "                           'subsysnqn': 'nqn.1988-11.com.dell:SFSS:2:20220208134025e8',\n"
	  "                           'traddr': '10.10.10.10',\n"
	  "                           'transport': 'tcp',\n"
	  "                           'trsvcid': '8009'},\n"
	  "  'log-pages': [{'adrfam': 'ipv6',\n"
	  "                 'asqsz': '32',\n"
	  "                 'cntlid': '65535',\n"
	  "                 'eflags': '0',\n"
	  "                 'portid': '3',\n"
	  "                 'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e23',\n"
	  "                 'subtype': 'nvme',\n"
	  "                 'traddr': '::1',\n"
	  "                 'treq': 'disable sqflow',\n"
	  "                 'trsvcid': '8009',\n"
	  "                 'trtype': 'tcp',\n"
	  "                 'tsas': \"{'sectype': 'none'}\"}]},\n"
	  " {'discovery-controller': {'device': 'nvme?',\n"
	  "                           'host-iface': 'wlp0s20f3',\n"
	  "                           'host-nqn': 'nqn.1988-11.com.dell:poweredge:1234',\n"
	  "                           'host-traddr': '1.2.3.4',\n"
	  "                           'subsysnqn': 'nqn.1988-11.com.dell:SFSS:2:20220208134025e8',\n"
	  "                           'traddr': '10.10.10.10',\n"
	  "                           'transport': 'tcp',\n"
	  "                           'trsvcid': '8009'},\n"
	  "  'log-pages': []}]",
	  "[\n"
	  "  {\n"
	  "    \"discovery-controller\": {\n"
	  "      \"device\": \"nvme0\",\n"
	  "      \"host-iface\": \"wlp0s20f3\",\n"
	  "      \"host-nqn\": \"nqn.1988-11.com.dell:poweredge:1234\",\n"
	  "      \"host-traddr\": \"1.2.3.4\",\n"
	  "      \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\",\n"
	  "      \"traddr\": \"10.10.10.10\",\n"
	  "      \"transport\": \"tcp\",\n"
	  "      \"trsvcid\": \"8009\"\n"
	  "    },\n"
	  "    \"log-pages\": [\n"
	  "      {\n"
	  "        \"adrfam\": \"ipv6\",\n"
	  "        \"asqsz\": \"32\",\n"
	  "        \"cntlid\": \"65535\",\n"
	  "        \"eflags\": \"0\",\n"
	  "        \"portid\": \"3\",\n"
	  "        \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e23\",\n"
	  "        \"subtype\": \"nvme\",\n"
	  "        \"traddr\": \"::1\",\n"
	  "        \"treq\": \"disable sqflow\",\n"
	  "        \"trsvcid\": \"8009\",\n"
	  "        \"trtype\": \"tcp\",\n"
	  "        \"tsas\": \"{'sectype': 'none'}\"\n"
	  "      }\n"
	  "    ]\n"
	  "  },\n"
	  "  {\n"
	  "    \"discovery-controller\": {\n"
	  "      \"device\": \"nvme?\",\n"
	  "      \"host-iface\": \"wlp0s20f3\",\n"
	  "      \"host-nqn\": \"nqn.1988-11.com.dell:poweredge:1234\",\n"
	  "      \"host-traddr\": \"1.2.3.4\",\n"
	  "      \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\",\n"
	  "      \"traddr\": \"10.10.10.10\",\n"
	  "      \"transport\": \"tcp\",\n"
	  "      \"trsvcid\": \"8009\"\n"
	  "    },\n"
	  "    \"log-pages\": []\n"
	  "  }\n"
	  "]" },
	{ "status_example",
	  "{\"config soak timer\": \"1.5s [off]\", \"hostid\": \"3e518ec3-72ec-46a5-a603-2510e3140e29\", \"hostkey\": null, \"hostnqn\": \"nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5\", \"kernel support.TP8013\": \"True\", \"kernel support.host_iface\": \"True\", \"last known config file\": \"/run/stafd/last-known-config.pickle\", \"log-level\": \"DEBUG\", \"symname\": null, \"terminator.audit timer\": \"30.0s [off]\", \"tron\": true, \"avahi\": {\"avahi wake up timer\": \"60.0s [off]\", \"service types\": [\"_nvme-disc._tcp\", \"_nvme-disc._udp\"], \"services\": {\"('eth0', 'IPv4', 'DC1.local', '_nvme-disc._tcp')\": {\"transport\": \"tcp\", \"traddr\": \"192.168.1.10\", \"trsvcid\": \"8009\", \"host-iface\": \"eth0\", \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", \"reachable\": \"True\"}}}, \"controllers\": [{\"device\": \"nvme0\", \"host-iface\": \"wlp0s20f3\", \"host-nqn\": \"nqn.1988-11.com.dell:poweredge:1234\", \"host-traddr\": \"1.2.3.4\", \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\", \"traddr\": \"10.10.10.10\", \"transport\": \"tcp\", \"trsvcid\": \"8009\", \"connect attempts\": \"0\", \"retry connect timer\": \"60.0s [off]\", \"origin\": \"configured\", \"connect operation\": \"{'fail count': 0, 'completed': True, 'alive': False}\", \"log_pages\": [{\"adrfam\": \"ipv6\", \"asqsz\": \"32\", \"cntlid\": \"65535\", \"eflags\": \"0\", \"portid\": \"4\", \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e24\", \"subtype\": \"nvme\", \"traddr\": \"::1\", \"treq\": \"disable sqflow\", \"trsvcid\": \"8009\", \"trtype\": \"tcp\", \"tsas\": \"{'sectype': 'none'}\"}], \"connected\": \"True\", \"dctype\": \"cdc\", \"cntrltype\": \"discovery\", \"hostid\": \"3e518ec3-72ec-46a5-a603-2510e3140e29\", \"hostnqn\": \"nqn.1988-11.com.dell:poweredge:1234\", \"model\": \"Linux\", \"serial\": \"8d22fa96da912fb13f5a\", \"dhchap-secret\": \"<redacted>\"}]}",
	  "{'avahi': {'avahi wake up timer': '60.0s [off]',\n"
	  "           'service types': ['_nvme-disc._tcp', '_nvme-disc._udp'],\n"
	  "           'services': {\"('eth0', 'IPv4', 'DC1.local', '_nvme-disc._tcp')\": {'host-iface': 'eth0',\n"
	  "                                                                             'reachable': 'True',\n"
	  "                                                                             'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n"
	  "                                                                             'traddr': '192.168.1.10',\n"
	  "                                                                             'transport': 'tcp',\n"
	  "                                                                             'trsvcid': '8009'}}},\n"
	  " 'config soak timer': '1.5s [off]',\n"
	  " 'controllers': [{'cntrltype': 'discovery',\n"
	  "                  'connect attempts': '0',\n"
	  "                  'connect operation': \"{'fail count': 0, 'completed': True, 'alive': False}\",\n"
	  "                  'connected': 'True',\n"
	  "                  'dctype': 'cdc',\n"
	  "                  'device': 'nvme0',\n"
	  "                  'dhchap-secret': '<redacted>',\n"
	  "                  'host-iface': 'wlp0s20f3',\n"
	  "                  'host-nqn': 'nqn.1988-11.com.dell:poweredge:1234',\n"
	  "                  'host-traddr': '1.2.3.4',\n"
	  "                  'hostid': '3e518ec3-72ec-46a5-a603-2510e3140e29',\n"
	  "                  'hostnqn': 'nqn.1988-11.com.dell:poweredge:1234',\n"
	  "                  'log_pages': [{'adrfam': 'ipv6',\n"
	  "                                 'asqsz': '32',\n"
	  "                                 'cntlid': '65535',\n"
	  "                                 'eflags': '0',\n"
	  "                                 'portid': '4',\n"
	  "                                 'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e24',\n"
	  "                                 'subtype': 'nvme',\n"
	  "                                 'traddr': '::1',\n"
	  "                                 'treq': 'disable sqflow',\n"
	  "                                 'trsvcid': '8009',\n"
	  "                                 'trtype': 'tcp',\n"
	  "                                 'tsas': \"{'sectype': 'none'}\"}],\n"
	  "                  'model': 'Linux',\n"
	  "                  'origin': 'configured',\n"
	  "                  'retry connect timer': '60.0s [off]',\n"
	  "                  'serial': '8d22fa96da912fb13f5a',\n"
	  "                  'subsysnqn': 'nqn.1988-11.com.dell:SFSS:2:20220208134025e8',\n"
	  "                  'traddr': '10.10.10.10',\n"
	  "                  'transport': 'tcp',\n"
	  "                  'trsvcid': '8009'}],\n"
	  " 'hostid': '3e518ec3-72ec-46a5-a603-2510e3140e29',\n"
	  " 'hostkey': None,\n"
	  " 'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5',\n"
	  " 'kernel support.TP8013': 'True',\n"
	  " 'kernel support.host_iface': 'True',\n"
	  " 'last known config file': '/run/stafd/last-known-config.pickle',\n"
	  " 'log-level': 'DEBUG',\n"
	  " 'symname': None,\n"
	  " 'terminator.audit timer': '30.0s [off]',\n"
	  " 'tron': True}",
	  "{\n"
	  "  \"avahi\": {\n"
	  "    \"avahi wake up timer\": \"60.0s [off]\",\n"
	  "    \"service types\": [\n"
	  "      \"_nvme-disc._tcp\",\n"
	  "      \"_nvme-disc._udp\"\n"
	  "    ],\n"
	  "    \"services\": {\n"
	  "      \"('eth0', 'IPv4', 'DC1.local', '_nvme-disc._tcp')\": {\n"
	  "        \"host-iface\": \"eth0\",\n"
	  "        \"reachable\": \"True\",\n"
	  "        \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\",\n"
	  "        \"traddr\": \"192.168.1.10\",\n"
	  "        \"transport\": \"tcp\",\n"
	  "        \"trsvcid\": \"8009\"\n"
	  "      }\n"
	  "    }\n"
	  "  },\n"
	  "  \"config soak timer\": \"1.5s [off]\",\n"
	  "  \"controllers\": [\n"
	  "    {\n"
	  "      \"cntrltype\": \"discovery\",\n"
	  "      \"connect attempts\": \"0\",\n"
	  "      \"connect operation\": \"{'fail count': 0, 'completed': True, 'alive': False}\",\n"
	  "      \"connected\": \"True\",\n"
	  "      \"dctype\": \"cdc\",\n"
	  "      \"device\": \"nvme0\",\n"
	  "      \"dhchap-secret\": \"<redacted>\",\n"
	  "      \"host-iface\": \"wlp0s20f3\",\n"
	  "      \"host-nqn\": \"nqn.1988-11.com.dell:poweredge:1234\",\n"
	  "      \"host-traddr\": \"1.2.3.4\",\n"
	  "      \"hostid\": \"3e518ec3-72ec-46a5-a603-2510e3140e29\",\n"
	  "      \"hostnqn\": \"nqn.1988-11.com.dell:poweredge:1234\",\n"
	  "      \"log_pages\": [\n"
	  "        {\n"
	  "          \"adrfam\": \"ipv6\",\n"
	  "          \"asqsz\": \"32\",\n"
	  "          \"cntlid\": \"65535\",\n"
	  "          \"eflags\": \"0\",\n"
	  "          \"portid\": \"4\",\n"
	  "          \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e24\",\n"
	  "          \"subtype\": \"nvme\",\n"
	  "          \"traddr\": \"::1\",\n"
	  "          \"treq\": \"disable sqflow\",\n"
	  "          \"trsvcid\": \"8009\",\n"
	  "          \"trtype\": \"tcp\",\n"
	  "          \"tsas\": \"{'sectype': 'none'}\"\n"
	  "        }\n"
	  "      ],\n"
	  "      \"model\": \"Linux\",\n"
	  "      \"origin\": \"configured\",\n"
	  "      \"retry connect timer\": \"60.0s [off]\",\n"
	  "      \"serial\": \"8d22fa96da912fb13f5a\",\n"
	  "      \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\",\n"
	  "      \"traddr\": \"10.10.10.10\",\n"
	  "      \"transport\": \"tcp\",\n"
	  "      \"trsvcid\": \"8009\"\n"
	  "    }\n"
	  "  ],\n"
	  "  \"hostid\": \"3e518ec3-72ec-46a5-a603-2510e3140e29\",\n"
	  "  \"hostkey\": null,\n"
	  "  \"hostnqn\": \"nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5\",\n"
	  "  \"kernel support.TP8013\": \"True\",\n"
	  "  \"kernel support.host_iface\": \"True\",\n"
	  "  \"last known config file\": \"/run/stafd/last-known-config.pickle\",\n"
	  "  \"log-level\": \"DEBUG\",\n"
	  "  \"symname\": null,\n"
	  "  \"terminator.audit timer\": \"30.0s [off]\",\n"
	  "  \"tron\": true\n"
	  "}" },
	{ "list_of_scalars_wraps",
	  "[1000000, 1000001, 1000002, 1000003, 1000004, 1000005, 1000006, 1000007, 1000008, 1000009, 1000010, 1000011, 1000012, 1000013, 1000014, 1000015, 1000016, 1000017, 1000018, 1000019, 1000020, 1000021, 1000022, 1000023, 1000024, 1000025, 1000026, 1000027, 1000028, 1000029]",
	  "[1000000,\n"
	  " 1000001,\n"
	  " 1000002,\n"
	  " 1000003,\n"
	  " 1000004,\n"
	  " 1000005,\n"
	  " 1000006,\n"
	  " 1000007,\n"
	  " 1000008,\n"
	  " 1000009,\n"
	  " 1000010,\n"
	  " 1000011,\n"
	  " 1000012,\n"
	  " 1000013,\n"
	  " 1000014,\n"
	  " 1000015,\n"
	  " 1000016,\n"
	  " 1000017,\n"
	  " 1000018,\n"
	  " 1000019,\n"
	  " 1000020,\n"
	  " 1000021,\n"
	  " 1000022,\n"
	  " 1000023,\n"
	  " 1000024,\n"
	  " 1000025,\n"
	  " 1000026,\n"
	  " 1000027,\n"
	  " 1000028,\n"
	  " 1000029]",
	  "[\n"
	  "  1000000,\n"
	  "  1000001,\n"
	  "  1000002,\n"
	  "  1000003,\n"
	  "  1000004,\n"
	  "  1000005,\n"
	  "  1000006,\n"
	  "  1000007,\n"
	  "  1000008,\n"
	  "  1000009,\n"
	  "  1000010,\n"
	  "  1000011,\n"
	  "  1000012,\n"
	  "  1000013,\n"
	  "  1000014,\n"
	  "  1000015,\n"
	  "  1000016,\n"
	  "  1000017,\n"
	  "  1000018,\n"
	  "  1000019,\n"
	  "  1000020,\n"
	  "  1000021,\n"
	  "  1000022,\n"
	  "  1000023,\n"
	  "  1000024,\n"
	  "  1000025,\n"
	  "  1000026,\n"
	  "  1000027,\n"
	  "  1000028,\n"
	  "  1000029\n"
	  "]" },
	{ "bool_in_list",
	  "[true, false, null]",
	  "[True, False, None]",
	  "[\n"
	  "  true,\n"
	  "  false,\n"
	  "  null\n"
	  "]" },
};
/* clang-format on */

static const Golden *
golden(const char *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(goldens); i++)
		if (g_str_equal(goldens[i].name, name))
			return &goldens[i];
	fail_msg("no golden case %s", name);
	return &goldens[0];
}

static JsonNode *
parse(const char *json)
{
	g_autoptr(GError) error = NULL;
	JsonNode *node = ctl_node_from_json(json, &error);

	if (node == NULL)
		fail_msg("bad test input: %s", error->message);
	return node;
}

static char *
pretty_of(const char *json)
{
	g_autoptr(JsonNode) node = parse(json);

	return ctl_format_pretty(node, CTL_PPRINT_WIDTH);
}

static void
assert_pretty(const char *name)
{
	const Golden *g = golden(name);
	g_autofree char *out = pretty_of(g->input);

	if (!g_str_equal(out, g->pretty))
		fail_msg("%s:\n--- python\n%s\n--- ours\n%s", name, g->pretty, out);
}

/* ---- REFERENCE 4.1 examples ---- */

static void
test_short_structure_prints_on_one_line(void **state)
{
	g_autofree char *out = pretty_of("[{\"device\": \"nvme0\", \"traddr\": \"::1\"}]");

	assert_string_equal(out, "[{'device': 'nvme0', 'traddr': '::1'}]");
	assert_pretty("short_list_one_line");
}

static void
test_ls_example_of_the_reference(void **state)
{
	/* the text of REFERENCE 4.1, verbatim */
	static const char expected[] =
		"[{'device': 'nvme0',\n"
		"  'host-iface': '',\n"
		"  'host-nqn': "
		"'nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5',\n"
		"  'host-traddr': '',\n"
		"  'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n"
		"  'traddr': '::1',\n"
		"  'transport': 'tcp',\n"
		"  'trsvcid': '8009'}]";
	g_autofree char *out = pretty_of(golden("reference_ls_example")->input);

	assert_string_equal(out, expected);
	assert_pretty("reference_ls_example");
}

static void
test_nested_example_of_the_reference_with_true(void **state)
{
	static const char expected[] =
		"{'avahi': {'avahi wake up timer': '60.0s [off]',\n"
		"           'service types': ['_nvme-disc._tcp', '_nvme-disc._udp'],\n"
		"           'services': {}},\n"
		" 'log-level': 'DEBUG',\n"
		" 'tron': True}";
	g_autofree char *out = pretty_of(golden("reference_avahi_example")->input);

	assert_string_equal(out, expected);
}

/* ---- the rules ---- */

static void
test_structure_of_exactly_120_columns_stays_on_one_line(void **state)
{
	g_autofree char *out = pretty_of(golden("dict_exactly_120_one_line")->input);

	assert_int_equal(strlen(out), 120);
	assert_null(strchr(out, '\n'));
	assert_pretty("dict_exactly_120_one_line");
	assert_pretty("dict_120_two_keys_one_line");
}

static void
test_structure_of_121_columns_wraps(void **state)
{
	assert_pretty("dict_121_wraps");
	assert_pretty("dict_121_two_keys_wraps");
	assert_pretty("list_last_item_allowance");
	assert_pretty("list_last_item_allowance_121");
	assert_pretty("list_in_list_allowance");
	assert_pretty("list_of_scalars_wraps");
}

static void
test_dict_keys_are_sorted_by_code_point(void **state)
{
	g_autofree char *out = pretty_of("{\"b\": 1, \"a\": 2, \"B\": 3}");

	assert_string_equal(out, "{'B': 3, 'a': 2, 'b': 1}");
	assert_pretty("key_order_is_code_point_order");
}

static void
test_strings_use_python_quoting(void **state)
{
	assert_pretty("quotes_single");
	assert_pretty("quotes_double");
	assert_pretty("quotes_both");
	assert_pretty("backslash_and_controls");
	assert_pretty("unicode_printable_and_not");
}

static void
test_booleans_null_and_numbers_print_as_python(void **state)
{
	g_autofree char *out = pretty_of("[true, false, null, -3]");

	assert_string_equal(out, "[True, False, None, -3]");
	assert_pretty("scalars");
	assert_pretty("floats");
	assert_pretty("bool_in_list");
}

static void
test_empty_containers_and_strings(void **state)
{
	assert_pretty("empties");
	assert_pretty("empty_dict");
	assert_pretty("empty_list");
	assert_pretty("empty_string");
}

static void
test_long_strings_split_at_whitespace_into_adjacent_literals(void **state)
{
	assert_pretty("long_string_value_splits_at_spaces");
	assert_pretty("long_string_without_spaces_stays_whole");
	assert_pretty("long_multiline_string");
	assert_pretty("string_leading_spaces");
	assert_pretty("string_tabs_width");
	assert_pretty("string_unicode_spaces_split");
	assert_pretty("string_with_quote_chunks");
}

static void
test_top_level_long_string_is_parenthesized(void **state)
{
	assert_pretty("top_level_long_string_gets_parens");
	assert_pretty("top_level_short_string");
	assert_pretty("top_level_list_of_long_strings");
}

static void
test_continuation_lines_align_after_the_bracket_and_key(void **state)
{
	assert_pretty("long_key");
	assert_pretty("deep_nesting_narrow");
}

static void
test_daemon_shaped_outputs(void **state)
{
	assert_pretty("dlp_example");
	assert_pretty("adlp_example");
	assert_pretty("status_example");
}

static void
test_every_golden_matches_python_pprint(void **state)
{
	for (gsize i = 0; i < G_N_ELEMENTS(goldens); i++)
		assert_pretty(goldens[i].name);
}

/* ---- --json ---- */

static void
test_json_output_matches_json_dumps_with_sorted_keys(void **state)
{
	for (gsize i = 0; i < G_N_ELEMENTS(goldens); i++) {
		g_autoptr(JsonNode) node = parse(goldens[i].input);
		g_autofree char *out = ctl_format_json(node);

		if (!g_str_equal(out, goldens[i].json))
			fail_msg("%s:\n--- python\n%s\n--- ours\n%s", goldens[i].name,
				 goldens[i].json, out);
	}
}

static void
test_json_output_reads_back_as_the_same_tree(void **state)
{
	g_autoptr(JsonNode) node = parse(golden("status_example")->input);
	g_autofree char *out = ctl_format_json(node);
	g_autoptr(JsonNode) again = parse(out);

	assert_true(json_node_equal(node, again));
}

/* ---- repr details ---- */

static void
test_repr_of_nul_and_bytes_that_are_not_utf8(void **state)
{
	/* python: repr('\x00'), repr(b'a\xffb'.decode('utf-8', 'surrogateescape')) */
	g_autofree char *nul = ctl_format_str_repr("\0", 1);
	g_autofree char *bad = ctl_format_str_repr("a\377b", -1);
	g_autofree char *cut = ctl_format_str_repr("\303", -1);

	assert_string_equal(nul, "'\\x00'");
	assert_string_equal(bad, "'a\\udcffb'");
	assert_string_equal(cut, "'\\udcc3'");
}

static void
test_float_repr_is_python_shortest_repr(void **state)
{
	static const struct {
		double value;
		const char *repr;
	} cases[] = {
		/* python: repr(float(x)) */
		{0.1, "0.1"},
		{1.0, "1.0"},
		{-0.0, "-0.0"},
		{1e16, "1e+16"},
		{1e-05, "1e-05"},
		{0.0001, "0.0001"},
		{1.5e300, "1.5e+300"},
		{100.0, "100.0"},
		{123.456, "123.456"},
		{1e22, "1e+22"},
		{9999999999999998.0, "9999999999999998.0"},
		{5e-324, "5e-324"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *r = ctl_format_float_repr(cases[i].value);

		assert_string_equal(r, cases[i].repr);
	}
}

/* ---- inputs ---- */

static void
test_list_controllers_reply_converts_to_list_of_dicts(void **state)
{
	GVariantBuilder b;
	g_autoptr(GVariant) v = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *out = NULL;

	g_variant_builder_init(&b, G_VARIANT_TYPE("aa{ss}"));
	g_variant_builder_open(&b, G_VARIANT_TYPE("a{ss}"));
	g_variant_builder_add(&b, "{ss}", "traddr", "::1");
	g_variant_builder_add(&b, "{ss}", "device", "nvme0");
	g_variant_builder_close(&b);
	v = g_variant_ref_sink(g_variant_builder_end(&b));
	node = ctl_node_from_variant(v);
	out = ctl_format_pretty(node, CTL_PPRINT_WIDTH);
	assert_string_equal(out, "[{'device': 'nvme0', 'traddr': '::1'}]");
}

static void
test_variant_scalars_and_containers_convert(void **state)
{
	g_autoptr(GVariant) v =
		g_variant_ref_sink(g_variant_new_parsed("(true, int32 -5, uint64 7, 2.5, @as [], "
							"<'x'>, {'k': <byte 0x41>})"));
	g_autoptr(JsonNode) node = ctl_node_from_variant(v);
	g_autofree char *out = ctl_format_pretty(node, CTL_PPRINT_WIDTH);

	assert_string_equal(out, "[True, -5, 7, 2.5, [], 'x', {'k': 65}]");
}

static void
test_reply_that_is_not_json_is_an_error(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) node = ctl_node_from_json("{\"a\": ", &error);

	assert_null(node);
	assert_non_null(error);
	g_clear_error(&error);
	assert_null(ctl_node_from_json("", &error));
	assert_non_null(error);
}

/* the reader takes a fast path for the daemons' plain JSON and hands anything
 * else to json-glib: either way the tree (and any error) is json-glib's */
static void
test_json_reader_agrees_with_json_glib(void **state)
{
	static const char *const inputs[] = {
		"{\"a\": \"b\", \"c\": [1, -2, 0, true, false, null, {}], \"d\": {\"e\": []}}",
		" \t\r\n[ \"x\" , \"y\" ]\n ",
		"{\"esc\": \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"}",
		"{\"u\": \"\\u00e9\\ud83d\\ude00\"}",
		"{\"utf8\": \"\xc3\xa9\xe2\x82\xac\"}",
		"{\"dup\": \"1\", \"dup\": \"2\"}",
		"{\"\": \"empty key\"}",
		"[1.5, 1e3, -0, 0.0, 123456789012345678]",
		"[1234567890123456789, -9223372036854775808]",
		"[99999999999999999999]",
		"[01]",
		"{\"a\": 1,}",
		"[1,]",
		"[1 2]",
		"{\"a\" 1}",
		"{\"a\": \"b\"} x",
		"{\"a\": \"\x01\"}",
		"/* c */ {\"a\": 1}",
		"\"top-level string\"",
		"42",
		"",
		"   ",
		"{\"a\": tru}",
		"{\"a\": \"unterminated}",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(inputs); i++) {
		g_autoptr(GError) ours_error = NULL;
		g_autoptr(GError) glib_error = NULL;
		g_autoptr(JsonNode) ours = ctl_node_from_json(inputs[i], &ours_error);
		g_autoptr(JsonNode) glib = json_from_string(inputs[i], &glib_error);

		if (glib == NULL && glib_error == NULL) {
			assert_null(ours);
			assert_non_null(ours_error);
			continue;
		}
		if (glib == NULL) {
			if (ours != NULL)
				fail_msg("input %zu: json-glib fails, ours reads it", i);
			assert_string_equal(ours_error->message, glib_error->message);
			continue;
		}
		if (ours == NULL)
			fail_msg("input %zu: json-glib reads it, ours fails: %s", i,
				 ours_error->message);
		{
			g_autofree char *a = ctl_format_json(ours);
			g_autofree char *b = ctl_format_json(glib);
			g_autofree char *pa = ctl_format_pretty(ours, CTL_PPRINT_WIDTH);
			g_autofree char *pb = ctl_format_pretty(glib, CTL_PPRINT_WIDTH);

			assert_string_equal(a, b);
			assert_string_equal(pa, pb);
			assert_true(json_node_equal(ours, glib));
		}
	}
}

/* a huge string with many words costs linear time, not quadratic */
static void
test_huge_string_splits_in_linear_time(void **state)
{
	GString *s = g_string_new("[\"");
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *out = NULL;
	g_autofree char *json = NULL;
	guint lines = 0;

	for (int i = 0; i < 200000; i++)
		g_string_append(s, "word ");
	g_string_append(s, "\"]");
	json = g_string_free(s, FALSE);
	node = parse(json);
	out = ctl_format_pretty(node, CTL_PPRINT_WIDTH);
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	/* 118 columns for the literal: 23 words of 5 plus the quotes per line */
	assert_int_equal(lines, 200000 / 23);
	assert_true(g_str_has_prefix(out, "['word word "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_structure_prints_on_one_line),
		cmocka_unit_test(test_ls_example_of_the_reference),
		cmocka_unit_test(test_nested_example_of_the_reference_with_true),
		cmocka_unit_test(test_structure_of_exactly_120_columns_stays_on_one_line),
		cmocka_unit_test(test_structure_of_121_columns_wraps),
		cmocka_unit_test(test_dict_keys_are_sorted_by_code_point),
		cmocka_unit_test(test_strings_use_python_quoting),
		cmocka_unit_test(test_booleans_null_and_numbers_print_as_python),
		cmocka_unit_test(test_empty_containers_and_strings),
		cmocka_unit_test(test_long_strings_split_at_whitespace_into_adjacent_literals),
		cmocka_unit_test(test_top_level_long_string_is_parenthesized),
		cmocka_unit_test(test_continuation_lines_align_after_the_bracket_and_key),
		cmocka_unit_test(test_daemon_shaped_outputs),
		cmocka_unit_test(test_every_golden_matches_python_pprint),
		cmocka_unit_test(test_json_output_matches_json_dumps_with_sorted_keys),
		cmocka_unit_test(test_json_output_reads_back_as_the_same_tree),
		cmocka_unit_test(test_repr_of_nul_and_bytes_that_are_not_utf8),
		cmocka_unit_test(test_float_repr_is_python_shortest_repr),
		cmocka_unit_test(test_list_controllers_reply_converts_to_list_of_dicts),
		cmocka_unit_test(test_variant_scalars_and_containers_convert),
		cmocka_unit_test(test_reply_that_is_not_json_is_an_error),
		cmocka_unit_test(test_json_reader_agrees_with_json_glib),
		cmocka_unit_test(test_huge_string_splits_in_linear_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
