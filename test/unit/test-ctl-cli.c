/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stafctl and stacctl as programs (REFERENCE 4.1-4.3, SPEC B8, Q27), run as
 * subprocesses against a private dbus-daemon of type system
 * (DBUS_SYSTEM_BUS_ADDRESS): first with nothing on the bus (the upstream
 * message and exit code), then against stand-in daemons that this test
 * exports with the generated skeletons and canned replies, so that every
 * byte of the output can be compared.
 *
 * the expected outputs were made with python 3.11 on the build machine from
 * the same canned data (no python runs at test time): upstream's own code
 * path, e.g. for stafctl status
 *     info = json.loads(PROCESS_INFO); info['controllers'] = LIST_DETAILED
 *     for c in info['controllers']:
 *         c['log_pages'] = LOG_PAGES[c]; c.update(json.loads(CONTROLLER_INFO[c]))
 *     print(pprint.pformat(info, width=120))
 * and json.dumps(..., indent=2, sort_keys=True, ensure_ascii=False) for --json.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "stas-stac-dbus.h"
#include "stas-staf-dbus.h"

#define DISC_NQN       "nqn.2014-08.org.nvmexpress.discovery"
#define NOT_RUNNING(d) "Unable to communicate with " d " over D-Bus. Is " d " running?\n"

/* clang-format off */
#define HOSTNQN \
	"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555"

#define JSON_LIST \
	"[{\"device\": \"nvme0\", \"host-iface\": \"\", \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\", \"host-traddr\": \"\", \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", \"traddr\": \"192.168.1.10\", \"transport\": \"tcp\", \"trsvcid\": \"8009\"}, {\"device\": \"nvme?\", \"host-iface\": \"eth0\", \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\", \"host-traddr\": \"\", \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\", \"traddr\": \"fe80::1\", \"transport\": \"tcp\", \"trsvcid\": \"8009\"}]"

#define JSON_LIST_DETAILED \
	"[{\"device\": \"nvme0\", \"host-iface\": \"\", \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\", \"host-traddr\": \"\", \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", \"traddr\": \"192.168.1.10\", \"transport\": \"tcp\", \"trsvcid\": \"8009\", \"connect attempts\": \"0\", \"retry connect timer\": \"60.0s [off]\", \"origin\": \"configured\", \"model\": \"O'Brien \\\"Linux\\\"\", \"serial\": \"8d22fa96da912fb13f5a\", \"connected\": \"True\", \"dctype\": \"cdc\", \"cntrltype\": \"discovery\", \"hostid\": \"11111111-2222-3333-4444-555555555555\", \"hostnqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\"}, {\"device\": \"nvme?\", \"host-iface\": \"eth0\", \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\", \"host-traddr\": \"\", \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\", \"traddr\": \"fe80::1\", \"transport\": \"tcp\", \"trsvcid\": \"8009\", \"connect attempts\": \"0\", \"retry connect timer\": \"60.0s [off]\", \"origin\": \"configured\", \"model\": \"O'Brien \\\"Linux\\\"\", \"serial\": \"8d22fa96da912fb13f5a\", \"connected\": \"False\", \"dctype\": \"cdc\", \"cntrltype\": \"discovery\", \"hostid\": \"11111111-2222-3333-4444-555555555555\", \"hostnqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\"}]"

#define JSON_LP_DC1 \
	"[{\"adrfam\": \"ipv4\", \"asqsz\": \"32\", \"cntlid\": \"65535\", \"eflags\": \"0\", \"portid\": \"1\", \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e21\", \"subtype\": \"nvme\", \"traddr\": \"192.168.1.20\", \"treq\": \"not specified\", \"trsvcid\": \"4420\", \"trtype\": \"tcp\", \"tsas\": \"{'sectype': 'none'}\"}, {\"adrfam\": \"ipv4\", \"asqsz\": \"32\", \"cntlid\": \"65535\", \"eflags\": \"0\", \"portid\": \"2\", \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e22\", \"subtype\": \"nvme\", \"traddr\": \"192.168.1.21\", \"treq\": \"not specified\", \"trsvcid\": \"4420\", \"trtype\": \"tcp\", \"tsas\": \"{'sectype': 'none'}\"}]"

#define JSON_PROCESS_INFO \
	"{\"tron\": false, \"log-level\": \"INFO\", \"hostnqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\", \"hostid\": \"11111111-2222-3333-4444-555555555555\", \"hostkey\": null, \"symname\": null, \"last known config file\": \"/run/stafd/last-known-config.json\", \"config soak timer\": \"0.2s [off]\", \"kernel support.TP8013\": \"True\", \"kernel support.host_iface\": \"True\", \"terminator.audit timer\": \"30.0s [off]\", \"avahi\": {\"avahi wake up timer\": \"60.0s [off]\", \"service types\": [\"_nvme-disc._tcp\", \"_nvme-disc._udp\"], \"services\": {}}}"

#define JSON_CI_DC1 \
	"{\"device\": \"nvme0\", \"host-iface\": \"\", \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\", \"host-traddr\": \"\", \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", \"traddr\": \"192.168.1.10\", \"transport\": \"tcp\", \"trsvcid\": \"8009\", \"connect attempts\": 0, \"retry connect timer\": \"60.0s [off]\", \"origin\": \"configured\", \"connect operation\": \"{'fail count': 0, 'completed': True, 'alive': False}\"}"

#define JSON_ADLP \
	"[{\"discovery-controller\": {\"device\": \"nvme0\", \"host-iface\": \"\", \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\", \"host-traddr\": \"\", \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", \"traddr\": \"192.168.1.10\", \"transport\": \"tcp\", \"trsvcid\": \"8009\"}, \"log-pages\": [{\"adrfam\": \"ipv4\", \"asqsz\": \"32\", \"cntlid\": \"65535\", \"eflags\": \"0\", \"portid\": \"1\", \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e21\", \"subtype\": \"nvme\", \"traddr\": \"192.168.1.20\", \"treq\": \"not specified\", \"trsvcid\": \"4420\", \"trtype\": \"tcp\", \"tsas\": \"{'sectype': 'none'}\"}, {\"adrfam\": \"ipv4\", \"asqsz\": \"32\", \"cntlid\": \"65535\", \"eflags\": \"0\", \"portid\": \"2\", \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e22\", \"subtype\": \"nvme\", \"traddr\": \"192.168.1.21\", \"treq\": \"not specified\", \"trsvcid\": \"4420\", \"trtype\": \"tcp\", \"tsas\": \"{'sectype': 'none'}\"}]}, {\"discovery-controller\": {\"device\": \"nvme?\", \"host-iface\": \"eth0\", \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\", \"host-traddr\": \"\", \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\", \"traddr\": \"fe80::1\", \"transport\": \"tcp\", \"trsvcid\": \"8009\"}, \"log-pages\": []}]"

#define JSON_ADLP_DETAILED \
	"[{\"discovery-controller\": {\"device\": \"nvme0\", \"host-iface\": \"\", \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\", \"host-traddr\": \"\", \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\", \"traddr\": \"192.168.1.10\", \"transport\": \"tcp\", \"trsvcid\": \"8009\", \"connect attempts\": \"0\", \"retry connect timer\": \"60.0s [off]\", \"origin\": \"configured\", \"model\": \"O'Brien \\\"Linux\\\"\", \"serial\": \"8d22fa96da912fb13f5a\", \"connected\": \"True\", \"dctype\": \"cdc\", \"cntrltype\": \"discovery\", \"hostid\": \"11111111-2222-3333-4444-555555555555\", \"hostnqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\"}, \"log-pages\": [{\"adrfam\": \"ipv4\", \"asqsz\": \"32\", \"cntlid\": \"65535\", \"eflags\": \"0\", \"portid\": \"1\", \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e21\", \"subtype\": \"nvme\", \"traddr\": \"192.168.1.20\", \"treq\": \"not specified\", \"trsvcid\": \"4420\", \"trtype\": \"tcp\", \"tsas\": \"{'sectype': 'none'}\"}, {\"adrfam\": \"ipv4\", \"asqsz\": \"32\", \"cntlid\": \"65535\", \"eflags\": \"0\", \"portid\": \"2\", \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e22\", \"subtype\": \"nvme\", \"traddr\": \"192.168.1.21\", \"treq\": \"not specified\", \"trsvcid\": \"4420\", \"trtype\": \"tcp\", \"tsas\": \"{'sectype': 'none'}\"}]}, {\"discovery-controller\": {\"device\": \"nvme?\", \"host-iface\": \"eth0\", \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\", \"host-traddr\": \"\", \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\", \"traddr\": \"fe80::1\", \"transport\": \"tcp\", \"trsvcid\": \"8009\", \"connect attempts\": \"0\", \"retry connect timer\": \"60.0s [off]\", \"origin\": \"configured\", \"model\": \"O'Brien \\\"Linux\\\"\", \"serial\": \"8d22fa96da912fb13f5a\", \"connected\": \"False\", \"dctype\": \"cdc\", \"cntrltype\": \"discovery\", \"hostid\": \"11111111-2222-3333-4444-555555555555\", \"hostnqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\"}, \"log-pages\": []}]"

#define OUT_LS \
	"[{'device': 'nvme0',\n" \
	"  'host-iface': '',\n" \
	"  'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"  'host-traddr': '',\n" \
	"  'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n" \
	"  'traddr': '192.168.1.10',\n" \
	"  'transport': 'tcp',\n" \
	"  'trsvcid': '8009'},\n" \
	" {'device': 'nvme?',\n" \
	"  'host-iface': 'eth0',\n" \
	"  'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"  'host-traddr': '',\n" \
	"  'subsysnqn': 'nqn.1988-11.com.dell:SFSS:2:20220208134025e8',\n" \
	"  'traddr': 'fe80::1',\n" \
	"  'transport': 'tcp',\n" \
	"  'trsvcid': '8009'}]"

#define OUT_LS_DETAILED \
	"[{'cntrltype': 'discovery',\n" \
	"  'connect attempts': '0',\n" \
	"  'connected': 'True',\n" \
	"  'dctype': 'cdc',\n" \
	"  'device': 'nvme0',\n" \
	"  'host-iface': '',\n" \
	"  'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"  'host-traddr': '',\n" \
	"  'hostid': '11111111-2222-3333-4444-555555555555',\n" \
	"  'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"  'model': 'O\\'Brien \"Linux\"',\n" \
	"  'origin': 'configured',\n" \
	"  'retry connect timer': '60.0s [off]',\n" \
	"  'serial': '8d22fa96da912fb13f5a',\n" \
	"  'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n" \
	"  'traddr': '192.168.1.10',\n" \
	"  'transport': 'tcp',\n" \
	"  'trsvcid': '8009'},\n" \
	" {'cntrltype': 'discovery',\n" \
	"  'connect attempts': '0',\n" \
	"  'connected': 'False',\n" \
	"  'dctype': 'cdc',\n" \
	"  'device': 'nvme?',\n" \
	"  'host-iface': 'eth0',\n" \
	"  'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"  'host-traddr': '',\n" \
	"  'hostid': '11111111-2222-3333-4444-555555555555',\n" \
	"  'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"  'model': 'O\\'Brien \"Linux\"',\n" \
	"  'origin': 'configured',\n" \
	"  'retry connect timer': '60.0s [off]',\n" \
	"  'serial': '8d22fa96da912fb13f5a',\n" \
	"  'subsysnqn': 'nqn.1988-11.com.dell:SFSS:2:20220208134025e8',\n" \
	"  'traddr': 'fe80::1',\n" \
	"  'transport': 'tcp',\n" \
	"  'trsvcid': '8009'}]"

#define OUT_LS_JSON \
	"[\n" \
	"  {\n" \
	"    \"device\": \"nvme0\",\n" \
	"    \"host-iface\": \"\",\n" \
	"    \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\",\n" \
	"    \"host-traddr\": \"\",\n" \
	"    \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\",\n" \
	"    \"traddr\": \"192.168.1.10\",\n" \
	"    \"transport\": \"tcp\",\n" \
	"    \"trsvcid\": \"8009\"\n" \
	"  },\n" \
	"  {\n" \
	"    \"device\": \"nvme?\",\n" \
	"    \"host-iface\": \"eth0\",\n" \
	"    \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\",\n" \
	"    \"host-traddr\": \"\",\n" \
	"    \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\",\n" \
	"    \"traddr\": \"fe80::1\",\n" \
	"    \"transport\": \"tcp\",\n" \
	"    \"trsvcid\": \"8009\"\n" \
	"  }\n" \
	"]"

#define OUT_DLP \
	"[{'adrfam': 'ipv4',\n" \
	"  'asqsz': '32',\n" \
	"  'cntlid': '65535',\n" \
	"  'eflags': '0',\n" \
	"  'portid': '1',\n" \
	"  'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e21',\n" \
	"  'subtype': 'nvme',\n" \
	"  'traddr': '192.168.1.20',\n" \
	"  'treq': 'not specified',\n" \
	"  'trsvcid': '4420',\n" \
	"  'trtype': 'tcp',\n" \
	"  'tsas': \"{'sectype': 'none'}\"},\n" \
	" {'adrfam': 'ipv4',\n" \
	"  'asqsz': '32',\n" \
	"  'cntlid': '65535',\n" \
	"  'eflags': '0',\n" \
	"  'portid': '2',\n" \
	"  'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e22',\n" \
	"  'subtype': 'nvme',\n" \
	"  'traddr': '192.168.1.21',\n" \
	"  'treq': 'not specified',\n" \
	"  'trsvcid': '4420',\n" \
	"  'trtype': 'tcp',\n" \
	"  'tsas': \"{'sectype': 'none'}\"}]"

#define OUT_ADLP \
	"[{'discovery-controller': {'device': 'nvme0',\n" \
	"                           'host-iface': '',\n" \
	"                           'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                           'host-traddr': '',\n" \
	"                           'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n" \
	"                           'traddr': '192.168.1.10',\n" \
	"                           'transport': 'tcp',\n" \
	"                           'trsvcid': '8009'},\n" \
	"  'log-pages': [{'adrfam': 'ipv4',\n" \
	"                 'asqsz': '32',\n" \
	"                 'cntlid': '65535',\n" \
	"                 'eflags': '0',\n" \
	"                 'portid': '1',\n" \
	"                 'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e21',\n" \
	"                 'subtype': 'nvme',\n" \
	"                 'traddr': '192.168.1.20',\n" \
	"                 'treq': 'not specified',\n" \
	"                 'trsvcid': '4420',\n" \
	"                 'trtype': 'tcp',\n" \
	"                 'tsas': \"{'sectype': 'none'}\"},\n" \
	"                {'adrfam': 'ipv4',\n" \
	"                 'asqsz': '32',\n" \
	"                 'cntlid': '65535',\n" \
	"                 'eflags': '0',\n" \
	"                 'portid': '2',\n" \
	"                 'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e22',\n" \
	"                 'subtype': 'nvme',\n" \
	"                 'traddr': '192.168.1.21',\n" \
	"                 'treq': 'not specified',\n" \
	"                 'trsvcid': '4420',\n" \
	"                 'trtype': 'tcp',\n" \
	"                 'tsas': \"{'sectype': 'none'}\"}]},\n" \
	" {'discovery-controller': {'device': 'nvme?',\n" \
	"                           'host-iface': 'eth0',\n" \
	"                           'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                           'host-traddr': '',\n" \
	"                           'subsysnqn': 'nqn.1988-11.com.dell:SFSS:2:20220208134025e8',\n" \
	"                           'traddr': 'fe80::1',\n" \
	"                           'transport': 'tcp',\n" \
	"                           'trsvcid': '8009'},\n" \
	"  'log-pages': []}]"

#define OUT_ADLP_DETAILED \
	"[{'discovery-controller': {'cntrltype': 'discovery',\n" \
	"                           'connect attempts': '0',\n" \
	"                           'connected': 'True',\n" \
	"                           'dctype': 'cdc',\n" \
	"                           'device': 'nvme0',\n" \
	"                           'host-iface': '',\n" \
	"                           'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                           'host-traddr': '',\n" \
	"                           'hostid': '11111111-2222-3333-4444-555555555555',\n" \
	"                           'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                           'model': 'O\\'Brien \"Linux\"',\n" \
	"                           'origin': 'configured',\n" \
	"                           'retry connect timer': '60.0s [off]',\n" \
	"                           'serial': '8d22fa96da912fb13f5a',\n" \
	"                           'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n" \
	"                           'traddr': '192.168.1.10',\n" \
	"                           'transport': 'tcp',\n" \
	"                           'trsvcid': '8009'},\n" \
	"  'log-pages': [{'adrfam': 'ipv4',\n" \
	"                 'asqsz': '32',\n" \
	"                 'cntlid': '65535',\n" \
	"                 'eflags': '0',\n" \
	"                 'portid': '1',\n" \
	"                 'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e21',\n" \
	"                 'subtype': 'nvme',\n" \
	"                 'traddr': '192.168.1.20',\n" \
	"                 'treq': 'not specified',\n" \
	"                 'trsvcid': '4420',\n" \
	"                 'trtype': 'tcp',\n" \
	"                 'tsas': \"{'sectype': 'none'}\"},\n" \
	"                {'adrfam': 'ipv4',\n" \
	"                 'asqsz': '32',\n" \
	"                 'cntlid': '65535',\n" \
	"                 'eflags': '0',\n" \
	"                 'portid': '2',\n" \
	"                 'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e22',\n" \
	"                 'subtype': 'nvme',\n" \
	"                 'traddr': '192.168.1.21',\n" \
	"                 'treq': 'not specified',\n" \
	"                 'trsvcid': '4420',\n" \
	"                 'trtype': 'tcp',\n" \
	"                 'tsas': \"{'sectype': 'none'}\"}]},\n" \
	" {'discovery-controller': {'cntrltype': 'discovery',\n" \
	"                           'connect attempts': '0',\n" \
	"                           'connected': 'False',\n" \
	"                           'dctype': 'cdc',\n" \
	"                           'device': 'nvme?',\n" \
	"                           'host-iface': 'eth0',\n" \
	"                           'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                           'host-traddr': '',\n" \
	"                           'hostid': '11111111-2222-3333-4444-555555555555',\n" \
	"                           'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                           'model': 'O\\'Brien \"Linux\"',\n" \
	"                           'origin': 'configured',\n" \
	"                           'retry connect timer': '60.0s [off]',\n" \
	"                           'serial': '8d22fa96da912fb13f5a',\n" \
	"                           'subsysnqn': 'nqn.1988-11.com.dell:SFSS:2:20220208134025e8',\n" \
	"                           'traddr': 'fe80::1',\n" \
	"                           'transport': 'tcp',\n" \
	"                           'trsvcid': '8009'},\n" \
	"  'log-pages': []}]"

#define OUT_STAF_STATUS \
	"{'avahi': {'avahi wake up timer': '60.0s [off]',\n" \
	"           'service types': ['_nvme-disc._tcp', '_nvme-disc._udp'],\n" \
	"           'services': {}},\n" \
	" 'config soak timer': '0.2s [off]',\n" \
	" 'controllers': [{'cntrltype': 'discovery',\n" \
	"                  'connect attempts': 0,\n" \
	"                  'connect operation': \"{'fail count': 0, 'completed': True, 'alive': False}\",\n" \
	"                  'connected': 'True',\n" \
	"                  'dctype': 'cdc',\n" \
	"                  'device': 'nvme0',\n" \
	"                  'host-iface': '',\n" \
	"                  'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                  'host-traddr': '',\n" \
	"                  'hostid': '11111111-2222-3333-4444-555555555555',\n" \
	"                  'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                  'log_pages': [{'adrfam': 'ipv4',\n" \
	"                                 'asqsz': '32',\n" \
	"                                 'cntlid': '65535',\n" \
	"                                 'eflags': '0',\n" \
	"                                 'portid': '1',\n" \
	"                                 'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e21',\n" \
	"                                 'subtype': 'nvme',\n" \
	"                                 'traddr': '192.168.1.20',\n" \
	"                                 'treq': 'not specified',\n" \
	"                                 'trsvcid': '4420',\n" \
	"                                 'trtype': 'tcp',\n" \
	"                                 'tsas': \"{'sectype': 'none'}\"},\n" \
	"                                {'adrfam': 'ipv4',\n" \
	"                                 'asqsz': '32',\n" \
	"                                 'cntlid': '65535',\n" \
	"                                 'eflags': '0',\n" \
	"                                 'portid': '2',\n" \
	"                                 'subnqn': 'nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e22',\n" \
	"                                 'subtype': 'nvme',\n" \
	"                                 'traddr': '192.168.1.21',\n" \
	"                                 'treq': 'not specified',\n" \
	"                                 'trsvcid': '4420',\n" \
	"                                 'trtype': 'tcp',\n" \
	"                                 'tsas': \"{'sectype': 'none'}\"}],\n" \
	"                  'model': 'O\\'Brien \"Linux\"',\n" \
	"                  'origin': 'configured',\n" \
	"                  'retry connect timer': '60.0s [off]',\n" \
	"                  'serial': '8d22fa96da912fb13f5a',\n" \
	"                  'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n" \
	"                  'traddr': '192.168.1.10',\n" \
	"                  'transport': 'tcp',\n" \
	"                  'trsvcid': '8009'},\n" \
	"                 {'cntrltype': 'discovery',\n" \
	"                  'connect attempts': '0',\n" \
	"                  'connected': 'False',\n" \
	"                  'dctype': 'cdc',\n" \
	"                  'device': 'nvme?',\n" \
	"                  'host-iface': 'eth0',\n" \
	"                  'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                  'host-traddr': '',\n" \
	"                  'hostid': '11111111-2222-3333-4444-555555555555',\n" \
	"                  'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                  'log_pages': [],\n" \
	"                  'model': 'O\\'Brien \"Linux\"',\n" \
	"                  'origin': 'configured',\n" \
	"                  'retry connect timer': '60.0s [off]',\n" \
	"                  'serial': '8d22fa96da912fb13f5a',\n" \
	"                  'subsysnqn': 'nqn.1988-11.com.dell:SFSS:2:20220208134025e8',\n" \
	"                  'traddr': 'fe80::1',\n" \
	"                  'transport': 'tcp',\n" \
	"                  'trsvcid': '8009'}],\n" \
	" 'hostid': '11111111-2222-3333-4444-555555555555',\n" \
	" 'hostkey': None,\n" \
	" 'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	" 'kernel support.TP8013': 'True',\n" \
	" 'kernel support.host_iface': 'True',\n" \
	" 'last known config file': '/run/stafd/last-known-config.json',\n" \
	" 'log-level': 'INFO',\n" \
	" 'symname': None,\n" \
	" 'terminator.audit timer': '30.0s [off]',\n" \
	" 'tron': False}"

#define OUT_STAC_STATUS \
	"{'avahi': {'avahi wake up timer': '60.0s [off]',\n" \
	"           'service types': ['_nvme-disc._tcp', '_nvme-disc._udp'],\n" \
	"           'services': {}},\n" \
	" 'config soak timer': '0.2s [off]',\n" \
	" 'controllers': [{'cntrltype': 'discovery',\n" \
	"                  'connect attempts': 0,\n" \
	"                  'connect operation': \"{'fail count': 0, 'completed': True, 'alive': False}\",\n" \
	"                  'connected': 'True',\n" \
	"                  'dctype': 'cdc',\n" \
	"                  'device': 'nvme0',\n" \
	"                  'host-iface': '',\n" \
	"                  'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                  'host-traddr': '',\n" \
	"                  'hostid': '11111111-2222-3333-4444-555555555555',\n" \
	"                  'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                  'model': 'O\\'Brien \"Linux\"',\n" \
	"                  'origin': 'configured',\n" \
	"                  'retry connect timer': '60.0s [off]',\n" \
	"                  'serial': '8d22fa96da912fb13f5a',\n" \
	"                  'subsysnqn': 'nqn.2014-08.org.nvmexpress.discovery',\n" \
	"                  'traddr': '192.168.1.10',\n" \
	"                  'transport': 'tcp',\n" \
	"                  'trsvcid': '8009'},\n" \
	"                 {'cntrltype': 'discovery',\n" \
	"                  'connect attempts': '0',\n" \
	"                  'connected': 'False',\n" \
	"                  'dctype': 'cdc',\n" \
	"                  'device': 'nvme?',\n" \
	"                  'host-iface': 'eth0',\n" \
	"                  'host-nqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                  'host-traddr': '',\n" \
	"                  'hostid': '11111111-2222-3333-4444-555555555555',\n" \
	"                  'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	"                  'model': 'O\\'Brien \"Linux\"',\n" \
	"                  'origin': 'configured',\n" \
	"                  'retry connect timer': '60.0s [off]',\n" \
	"                  'serial': '8d22fa96da912fb13f5a',\n" \
	"                  'subsysnqn': 'nqn.1988-11.com.dell:SFSS:2:20220208134025e8',\n" \
	"                  'traddr': 'fe80::1',\n" \
	"                  'transport': 'tcp',\n" \
	"                  'trsvcid': '8009'}],\n" \
	" 'hostid': '11111111-2222-3333-4444-555555555555',\n" \
	" 'hostkey': None,\n" \
	" 'hostnqn': 'nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555',\n" \
	" 'kernel support.TP8013': 'True',\n" \
	" 'kernel support.host_iface': 'True',\n" \
	" 'last known config file': '/run/stafd/last-known-config.json',\n" \
	" 'log-level': 'INFO',\n" \
	" 'symname': None,\n" \
	" 'terminator.audit timer': '30.0s [off]',\n" \
	" 'tron': False}"

#define OUT_STAF_STATUS_JSON \
	"{\n" \
	"  \"avahi\": {\n" \
	"    \"avahi wake up timer\": \"60.0s [off]\",\n" \
	"    \"service types\": [\n" \
	"      \"_nvme-disc._tcp\",\n" \
	"      \"_nvme-disc._udp\"\n" \
	"    ],\n" \
	"    \"services\": {}\n" \
	"  },\n" \
	"  \"config soak timer\": \"0.2s [off]\",\n" \
	"  \"controllers\": [\n" \
	"    {\n" \
	"      \"cntrltype\": \"discovery\",\n" \
	"      \"connect attempts\": 0,\n" \
	"      \"connect operation\": \"{'fail count': 0, 'completed': True, 'alive': False}\",\n" \
	"      \"connected\": \"True\",\n" \
	"      \"dctype\": \"cdc\",\n" \
	"      \"device\": \"nvme0\",\n" \
	"      \"host-iface\": \"\",\n" \
	"      \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\",\n" \
	"      \"host-traddr\": \"\",\n" \
	"      \"hostid\": \"11111111-2222-3333-4444-555555555555\",\n" \
	"      \"hostnqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\",\n" \
	"      \"log_pages\": [\n" \
	"        {\n" \
	"          \"adrfam\": \"ipv4\",\n" \
	"          \"asqsz\": \"32\",\n" \
	"          \"cntlid\": \"65535\",\n" \
	"          \"eflags\": \"0\",\n" \
	"          \"portid\": \"1\",\n" \
	"          \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e21\",\n" \
	"          \"subtype\": \"nvme\",\n" \
	"          \"traddr\": \"192.168.1.20\",\n" \
	"          \"treq\": \"not specified\",\n" \
	"          \"trsvcid\": \"4420\",\n" \
	"          \"trtype\": \"tcp\",\n" \
	"          \"tsas\": \"{'sectype': 'none'}\"\n" \
	"        },\n" \
	"        {\n" \
	"          \"adrfam\": \"ipv4\",\n" \
	"          \"asqsz\": \"32\",\n" \
	"          \"cntlid\": \"65535\",\n" \
	"          \"eflags\": \"0\",\n" \
	"          \"portid\": \"2\",\n" \
	"          \"subnqn\": \"nqn.1988-11.com.dell:PowerSANxxx:01:20210225100113-454f73093ceb4847a7bdfc6e34ae8e22\",\n" \
	"          \"subtype\": \"nvme\",\n" \
	"          \"traddr\": \"192.168.1.21\",\n" \
	"          \"treq\": \"not specified\",\n" \
	"          \"trsvcid\": \"4420\",\n" \
	"          \"trtype\": \"tcp\",\n" \
	"          \"tsas\": \"{'sectype': 'none'}\"\n" \
	"        }\n" \
	"      ],\n" \
	"      \"model\": \"O'Brien \\\"Linux\\\"\",\n" \
	"      \"origin\": \"configured\",\n" \
	"      \"retry connect timer\": \"60.0s [off]\",\n" \
	"      \"serial\": \"8d22fa96da912fb13f5a\",\n" \
	"      \"subsysnqn\": \"nqn.2014-08.org.nvmexpress.discovery\",\n" \
	"      \"traddr\": \"192.168.1.10\",\n" \
	"      \"transport\": \"tcp\",\n" \
	"      \"trsvcid\": \"8009\"\n" \
	"    },\n" \
	"    {\n" \
	"      \"cntrltype\": \"discovery\",\n" \
	"      \"connect attempts\": \"0\",\n" \
	"      \"connected\": \"False\",\n" \
	"      \"dctype\": \"cdc\",\n" \
	"      \"device\": \"nvme?\",\n" \
	"      \"host-iface\": \"eth0\",\n" \
	"      \"host-nqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\",\n" \
	"      \"host-traddr\": \"\",\n" \
	"      \"hostid\": \"11111111-2222-3333-4444-555555555555\",\n" \
	"      \"hostnqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\",\n" \
	"      \"log_pages\": [],\n" \
	"      \"model\": \"O'Brien \\\"Linux\\\"\",\n" \
	"      \"origin\": \"configured\",\n" \
	"      \"retry connect timer\": \"60.0s [off]\",\n" \
	"      \"serial\": \"8d22fa96da912fb13f5a\",\n" \
	"      \"subsysnqn\": \"nqn.1988-11.com.dell:SFSS:2:20220208134025e8\",\n" \
	"      \"traddr\": \"fe80::1\",\n" \
	"      \"transport\": \"tcp\",\n" \
	"      \"trsvcid\": \"8009\"\n" \
	"    }\n" \
	"  ],\n" \
	"  \"hostid\": \"11111111-2222-3333-4444-555555555555\",\n" \
	"  \"hostkey\": null,\n" \
	"  \"hostnqn\": \"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\",\n" \
	"  \"kernel support.TP8013\": \"True\",\n" \
	"  \"kernel support.host_iface\": \"True\",\n" \
	"  \"last known config file\": \"/run/stafd/last-known-config.json\",\n" \
	"  \"log-level\": \"INFO\",\n" \
	"  \"symname\": null,\n" \
	"  \"terminator.audit timer\": \"30.0s [off]\",\n" \
	"  \"tron\": false\n" \
	"}"

/* clang-format on */

/* the private bus, shared by every case */
typedef struct {
	char *dir;
	GSubprocess *daemon;
	char *address;
} Bus;

/* how the stand-in stacd answers controllers_info (not upstream's method) */
typedef enum {
	BULK_ANSWERS,	    /* [controller_info of each controller of the list] */
	BULK_UNKNOWN,	    /* UnknownMethod, as an older or upstream stacd */
	BULK_SHORT,	    /* one element less: a controller went since list_controllers */
	BULK_OTHER,	    /* as many, but one names another controller */
	BULK_NOT_JSON,	    /* a broken reply */
	BULK_ACCESS_DENIED, /* another D-Bus error */
} BulkMode;

/* the stand-in daemons and what they were asked */
typedef struct {
	Bus *bus;
	GDBusConnection *conn;
	StasDbusStaf *staf;
	StasDbusStafDebug *staf_debug;
	StasDbusStac *stac;
	StasDbusStacDebug *stac_debug;
	gboolean detailed;   /* the last list_controllers / get_all_log_pages flag */
	char *last_id[7];    /* the last get_log_pages / controller_info arguments */
	gboolean bad_json;   /* process_info answers something that is not JSON */
	gboolean fail_calls; /* every method answers a D-Bus error */
	BulkMode bulk;
	guint calls; /* method calls answered (or refused) since the case began */
} Fixture;

typedef struct {
	int status;
	char *out;
	char *err;
} Run;

static void
run_clear(Run *r)
{
	g_clear_pointer(&r->out, g_free);
	g_clear_pointer(&r->err, g_free);
}

static Bus *the_bus;

/* ---- the private bus ---- */

static const char bus_config[] =
	"<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
	" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
	"<busconfig>\n"
	"  <type>system</type>\n"
	"  <listen>unix:path=%s/system_bus_socket</listen>\n"
	"  <auth>EXTERNAL</auth>\n"
	"  <policy context=\"default\">\n"
	"    <allow user=\"*\"/>\n"
	"    <allow own=\"*\"/>\n"
	"    <allow send_destination=\"*\"/>\n"
	"    <allow receive_sender=\"*\"/>\n"
	"  </policy>\n"
	"</busconfig>\n";

static Bus *
bus_start(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *conf_arg = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GDataInputStream) in = NULL;
	g_autofree char *program = g_find_program_in_path("dbus-daemon");
	Bus *bus;

	if (program == NULL)
		return NULL;
	bus = g_new0(Bus, 1);
	bus->dir = g_dir_make_tmp("ctl-cli-XXXXXX", NULL);
	conf = g_build_filename(bus->dir, "bus.conf", NULL);
	text = g_strdup_printf(bus_config, bus->dir);
	g_assert_true(g_file_set_contents(conf, text, -1, NULL));
	conf_arg = g_strdup_printf("--config-file=%s", conf);
	bus->daemon =
		g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "dbus-daemon", conf_arg,
				 "--nofork", "--nopidfile", "--print-address=1", NULL);
	g_assert_no_error(error);
	in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(bus->daemon));
	bus->address = g_data_input_stream_read_line(in, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(bus->address);
	g_setenv("DBUS_SYSTEM_BUS_ADDRESS", bus->address, TRUE);
	return bus;
}

static void
remove_dir(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *p = g_build_filename(path, name, NULL);

		g_unlink(p);
	}
	g_rmdir(path);
}

static void
bus_stop(Bus *bus)
{
	g_subprocess_force_exit(bus->daemon);
	g_subprocess_wait(bus->daemon, NULL, NULL);
	g_object_unref(bus->daemon);
	remove_dir(bus->dir);
	g_free(bus->dir);
	g_free(bus->address);
	g_free(bus);
}

/* ---- running a tool ---- */

static void
on_communicated(GObject *source, GAsyncResult *res, gpointer data)
{
	Run *r = data;
	g_autoptr(GError) error = NULL;

	g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), res, &r->out, &r->err, &error);
	g_assert_no_error(error);
	r->status = g_subprocess_get_exit_status(G_SUBPROCESS(source));
}

static gboolean
on_timeout(gpointer data)
{
	gboolean *timed_out = data;

	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

/*
 * run $STAFCTL / $STACCTL (tool_env) with args; the main context runs
 * meanwhile, so the stand-in daemons of this process answer.  address
 * NULL: the private bus.
 */
static void
run_tool_at(Run *r, const char *address, const char *tool_env, const char *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	gboolean timed_out = FALSE;
	guint timeout;

	run_clear(r);
	r->status = -1;
	g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS",
				     address ? address : the_bus->address, TRUE);
	g_subprocess_launcher_setenv(launcher, "COLUMNS", "80", TRUE);
	g_ptr_array_add(argv, (char *)g_getenv(tool_env));
	assert_non_null(argv->pdata[0]);
	for (; *args; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	proc = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8_async(proc, NULL, NULL, on_communicated, r);
	timeout = g_timeout_add_seconds(30, on_timeout, &timed_out);
	while (r->status == -1 && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (timed_out)
		fail_msg("%s did not finish", g_getenv(tool_env));
	g_source_remove(timeout);
}

#define STAFCTL(r, ...) run_tool_at(r, NULL, "STAFCTL", (const char *const[]){__VA_ARGS__, NULL})
#define STACCTL(r, ...) run_tool_at(r, NULL, "STACCTL", (const char *const[]){__VA_ARGS__, NULL})

static void
assert_run(const Run *r, int status, const char *out, const char *err)
{
	if (r->status != status || !g_str_equal(r->out, out) || !g_str_equal(r->err, err))
		fail_msg("exit %d (want %d)\n--- stdout\n%s--- want\n%s--- stderr\n%s--- want\n%s",
			 r->status, status, r->out, out, r->err, err);
}

/* ---- nothing on the bus ---- */

static void
test_stafctl_without_stafd_says_so_and_exits_1(void **state)
{
	static const char *const commands[][8] = {
		{"tron"},
		{"troff"},
		{"status"},
		{"ls"},
		{"ls", "-d"},
		{"ls", "--json"},
		{"adlp"},
		{"adlp", "--detailed"},
		{"dlp", "-a", "192.168.1.10", "-s", "8009", "-q", HOSTNQN},
	};
	Run r = {0};

	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
		run_tool_at(&r, NULL, "STAFCTL", commands[i]);
		assert_run(&r, 1, "", NOT_RUNNING("stafd"));
	}
	run_clear(&r);
}

static void
test_stacctl_without_stacd_says_so_and_exits_1(void **state)
{
	static const char *const commands[][3] = {
		{"tron"}, {"troff"}, {"status"}, {"ls"}, {"ls", "-d"}, {"status", "--json"},
	};
	Run r = {0};

	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
		run_tool_at(&r, NULL, "STACCTL", commands[i]);
		assert_run(&r, 1, "", NOT_RUNNING("stacd"));
	}
	run_clear(&r);
}

static void
test_no_bus_at_all_is_the_same_failure(void **state)
{
	g_autofree char *address = g_strdup_printf("unix:path=%s/no-such-socket", the_bus->dir);
	Run r = {0};

	run_tool_at(&r, address, "STAFCTL", (const char *const[]){"ls", NULL});
	assert_run(&r, 1, "", NOT_RUNNING("stafd"));
	run_tool_at(&r, address, "STACCTL", (const char *const[]){"status", NULL});
	assert_run(&r, 1, "", NOT_RUNNING("stacd"));
	run_clear(&r);
}

/*
 * Q27: only dlp without -q reads the host NQN.  stafctl runs in a mount
 * namespace of its own with an empty /etc/nvme (the host's files stay as
 * they are); skipped where that is not allowed.
 */
static void
run_without_host_nqn(Run *r, const char *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree char *unshare = g_find_program_in_path("unshare");

	if (unshare == NULL || geteuid() != 0)
		skip();
	g_ptr_array_add(argv, (char *)"--mount");
	g_ptr_array_add(argv, (char *)"--propagation");
	g_ptr_array_add(argv, (char *)"private");
	g_ptr_array_add(argv, (char *)"sh");
	g_ptr_array_add(argv, (char *)"-c");
	g_ptr_array_add(argv, (char *)"mount -t tmpfs none /etc/nvme 2>/dev/null || exit 77; "
				      "exec \"$@\"");
	g_ptr_array_add(argv, (char *)"sh");
	g_ptr_array_add(argv, (char *)g_getenv("STAFCTL"));
	for (; *args; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	g_setenv("UNSHARE", unshare, TRUE);
	run_tool_at(r, NULL, "UNSHARE", (const char *const *)argv->pdata);
	if (r->status == 77 || (r->status != 0 && strstr(r->err, "unshare")))
		skip();
}

static void
test_host_nqn_is_read_only_by_dlp_without_q(void **state)
{
	Run r = {0};

	if (!g_file_test("/etc/nvme", G_FILE_TEST_IS_DIR))
		skip();
	run_without_host_nqn(&r, (const char *const[]){"ls", NULL});
	assert_run(&r, 1, "", NOT_RUNNING("stafd"));
	run_without_host_nqn(&r, (const char *const[]){"dlp", "-a", "1.2.3.4", "-s", "8009", "-q",
						       HOSTNQN, NULL});
	assert_run(&r, 1, "", NOT_RUNNING("stafd"));
	/* /etc/stas/sys.conf may exist and name another file: only the start is certain */
	run_without_host_nqn(&r, (const char *const[]){"dlp", "-a", "1.2.3.4", "-s", "8009", NULL});
	assert_int_equal(r.status, 1);
	if (!g_file_test("/etc/stas/sys.conf", G_FILE_TEST_EXISTS))
		assert_string_equal(r.err,
				    "Error reading mandatory Host NQN (see stasadm --help): "
				    "[Errno 2] No such file or directory: '/etc/nvme/hostnqn'\n");
	run_clear(&r);
}

/* ---- the command line ---- */

static void
test_version_is_nvme_stas_version(void **state)
{
	Run r = {0};

	STAFCTL(&r, "--version");
	assert_run(&r, 0, "nvme-stas " PACKAGE_VERSION "\n", "");
	STAFCTL(&r, "-v", "ls");
	assert_run(&r, 0, "nvme-stas " PACKAGE_VERSION "\n", "");
	STACCTL(&r, "-v");
	assert_run(&r, 0, "nvme-stas " PACKAGE_VERSION "\n", "");
	run_clear(&r);
}

static void
test_no_command_prints_the_usage_line_and_exits_1(void **state)
{
	Run r = {0};

	run_tool_at(&r, NULL, "STAFCTL", (const char *const[]){NULL});
	assert_run(&r, 1, "usage: stafctl [-h] [-v] [--json] {tron,troff,status,ls,dlp,adlp} ...\n",
		   "");
	run_tool_at(&r, NULL, "STACCTL", (const char *const[]){NULL});
	assert_run(&r, 1, "usage: stacctl [-h] [-v] [--json] {tron,troff,status,ls} ...\n", "");
	run_clear(&r);
}

static void
test_usage_errors_exit_2_with_argparse_messages(void **state)
{
	static const char dlp_usage[] =
		"usage: stafctl dlp [-h] [-t <trtype>] -a <traddr> -s <trsvcid> [-w <traddr>]\n"
		"                   [-f <iface>] [-q <nqn>] [-n <nqn>] [--json]\n";
	Run r = {0};

	STAFCTL(&r, "foo");
	assert_run(&r, 2, "",
		   "usage: stafctl [-h] [-v] [--json] {tron,troff,status,ls,dlp,adlp} ...\n"
		   "stafctl: error: argument {tron,troff,status,ls,dlp,adlp}: invalid choice: "
		   "'foo' (choose from 'tron', 'troff', 'status', 'ls', 'dlp', 'adlp')\n");
	STAFCTL(&r, "dlp");
	assert_run(&r, 2, "",
		   "usage: stafctl dlp [-h] [-t <trtype>] -a <traddr> -s <trsvcid> [-w <traddr>]\n"
		   "                   [-f <iface>] [-q <nqn>] [-n <nqn>] [--json]\n"
		   "stafctl dlp: error: the following arguments are required: -a/--traddr, "
		   "-s/--trsvcid\n");
	STAFCTL(&r, "dlp", "-a", "1.2.3.4", "-s", "8009", "-t", "ib");
	assert_true(g_str_has_prefix(r.err, dlp_usage));
	assert_run(&r, 2, "",
		   "usage: stafctl dlp [-h] [-t <trtype>] -a <traddr> -s <trsvcid> [-w <traddr>]\n"
		   "                   [-f <iface>] [-q <nqn>] [-n <nqn>] [--json]\n"
		   "stafctl dlp: error: argument -t/--transport: invalid choice: 'ib' (choose "
		   "from 'tcp', 'rdma', 'fc', 'loop')\n");
	STAFCTL(&r, "dlp", "-a");
	assert_run(&r, 2, "",
		   "usage: stafctl dlp [-h] [-t <trtype>] -a <traddr> -s <trsvcid> [-w <traddr>]\n"
		   "                   [-f <iface>] [-q <nqn>] [-n <nqn>] [--json]\n"
		   "stafctl dlp: error: argument -a/--traddr: expected one argument\n");
	STAFCTL(&r, "dlp", "-a1.2.3.4", "-s", "8009", "--host", "x");
	assert_int_equal(r.status, 2);
	assert_true(g_str_has_suffix(r.err, "stafctl dlp: error: ambiguous option: --host could "
					    "match --host-traddr, --host-iface, --host-nqn\n"));
	STAFCTL(&r, "ls", "--bogus");
	assert_run(&r, 2, "",
		   "usage: stafctl [-h] [-v] [--json] {tron,troff,status,ls,dlp,adlp} ...\n"
		   "stafctl: error: unrecognized arguments: --bogus\n");
	STAFCTL(&r, "ls", "-dx");
	assert_run(&r, 2, "",
		   "usage: stafctl ls [-h] [-d] [--json]\n"
		   "stafctl ls: error: argument -d/--detailed: ignored explicit argument 'x'\n");
	STACCTL(&r, "dlp");
	assert_int_equal(r.status, 2);
	assert_true(g_str_has_suffix(r.err, "invalid choice: 'dlp' (choose from 'tron', 'troff', "
					    "'status', 'ls')\n"));
	run_clear(&r);
}

static void
test_help_exits_0(void **state)
{
	Run r = {0};

	STAFCTL(&r, "ls", "-h");
	assert_run(&r, 0,
		   "usage: stafctl ls [-h] [-d] [--json]\n"
		   "\n"
		   "options:\n"
		   "  -h, --help      show this help message and exit\n"
		   "  -d, --detailed  Print detailed info (default: \"False\")\n"
		   "  --json          Print the output as JSON\n",
		   "");
	STACCTL(&r, "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "STorage Appliance Connector (STAC)\n"));
	assert_non_null(strstr(r.out, "    ls                  List I/O controllers\n"));
	run_clear(&r);
}

/* ---- the stand-in daemons ---- */

/* a JSON list of string dicts as aa{ss} */
static GVariant *
string_dicts(const char *json)
{
	g_autoptr(JsonNode) node = json_from_string(json, NULL);
	JsonArray *array = json_node_get_array(node);
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("aa{ss}"));
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonObject *o = json_array_get_object_element(array, i);
		g_autoptr(GList) members = json_object_get_members(o);

		g_variant_builder_open(&b, G_VARIANT_TYPE("a{ss}"));
		for (GList *l = members; l; l = l->next)
			g_variant_builder_add(&b, "{ss}", (char *)l->data,
					      json_object_get_string_member(o, l->data));
		g_variant_builder_close(&b);
	}
	return g_variant_builder_end(&b);
}

/* every handler asks first: the count of calls a tool made */
static gboolean
refused(Fixture *f, GDBusMethodInvocation *invocation)
{
	f->calls++;
	if (f->fail_calls)
		g_dbus_method_invocation_return_dbus_error(
			invocation, "org.freedesktop.DBus.Error.AccessDenied", "refused");
	return f->fail_calls;
}

static void
remember_id(Fixture *f, const char *const id[7])
{
	for (int i = 0; i < 7; i++) {
		g_free(f->last_id[i]);
		f->last_id[i] = g_strdup(id[i]);
	}
}

static gboolean
on_list_controllers(GObject *skeleton, GDBusMethodInvocation *invocation, gboolean detailed,
		    Fixture *f)
{
	GVariant *list = string_dicts(detailed ? JSON_LIST_DETAILED : JSON_LIST);

	f->detailed = detailed;
	if (refused(f, invocation)) {
		g_variant_unref(g_variant_ref_sink(list));
		return TRUE;
	}
	g_dbus_method_invocation_return_value(invocation, g_variant_new_tuple(&list, 1));
	return TRUE;
}

static gboolean
on_get_log_pages(StasDbusStaf *skeleton, GDBusMethodInvocation *invocation, const char *transport,
		 const char *traddr, const char *trsvcid, const char *subsysnqn,
		 const char *host_traddr, const char *host_iface, const char *host_nqn, Fixture *f)
{
	const char *id[7] = {transport,	  traddr,     trsvcid, subsysnqn,
			     host_traddr, host_iface, host_nqn};

	remember_id(f, id);
	if (refused(f, invocation))
		return TRUE;
	stas_dbus_staf_complete_get_log_pages(
		skeleton, invocation,
		string_dicts(g_str_equal(traddr, "192.168.1.10") ? JSON_LP_DC1 : "[]"));
	return TRUE;
}

static gboolean
on_get_all_log_pages(StasDbusStaf *skeleton, GDBusMethodInvocation *invocation, gboolean detailed,
		     Fixture *f)
{
	f->detailed = detailed;
	if (refused(f, invocation))
		return TRUE;
	stas_dbus_staf_complete_get_all_log_pages(skeleton, invocation,
						  detailed ? JSON_ADLP_DETAILED : JSON_ADLP);
	return TRUE;
}

static gboolean
on_process_info(GObject *skeleton, GDBusMethodInvocation *invocation, Fixture *f)
{
	if (refused(f, invocation))
		return TRUE;
	g_dbus_method_invocation_return_value(
		invocation, g_variant_new("(s)", f->bad_json ? "{'not': json" : JSON_PROCESS_INFO));
	return TRUE;
}

static gboolean
on_controller_info(GObject *skeleton, GDBusMethodInvocation *invocation, const char *transport,
		   const char *traddr, const char *trsvcid, const char *subsysnqn,
		   const char *host_traddr, const char *host_iface, const char *host_nqn,
		   Fixture *f)
{
	const char *id[7] = {transport,	  traddr,     trsvcid, subsysnqn,
			     host_traddr, host_iface, host_nqn};

	remember_id(f, id);
	if (refused(f, invocation))
		return TRUE;
	g_dbus_method_invocation_return_value(
		invocation,
		g_variant_new("(s)", g_str_equal(traddr, "192.168.1.10") ? JSON_CI_DC1 : "{}"));
	return TRUE;
}

/* the stand-in's controller_info replies of JSON_LIST's two controllers, in one array */
#define JSON_ALL_INFO "[" JSON_CI_DC1 ", {}]"

static gboolean
on_controllers_info(GObject *skeleton, GDBusMethodInvocation *invocation, Fixture *f)
{
	const char *json = JSON_ALL_INFO;

	if (refused(f, invocation))
		return TRUE;
	switch (f->bulk) {
	case BULK_UNKNOWN:
		return FALSE; /* the skeleton answers UnknownMethod */
	case BULK_SHORT:
		json = "[" JSON_CI_DC1 "]";
		break;
	case BULK_OTHER:
		json = "[{}, " JSON_CI_DC1 "]";
		break;
	case BULK_NOT_JSON:
		json = "[{'not': json";
		break;
	case BULK_ACCESS_DENIED:
		g_dbus_method_invocation_return_dbus_error(
			invocation, "org.freedesktop.DBus.Error.AccessDenied", "refused");
		return TRUE;
	case BULK_ANSWERS:
	default:
		break;
	}
	g_dbus_method_invocation_return_value(invocation, g_variant_new("(s)", json));
	return TRUE;
}

static void export(Fixture *f, gpointer skeleton, const char *path)
{
	g_autoptr(GError) error = NULL;

	g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(skeleton), f->conn, path,
					 &error);
	g_assert_no_error(error);
}

static void
own(Fixture *f, const char *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
		f->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		"RequestName", g_variant_new("(su)", name, 4), G_VARIANT_TYPE("(u)"),
		G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
	guint32 result = 0;

	g_assert_no_error(error);
	g_variant_get(reply, "(u)", &result);
	g_assert_cmpuint(result, ==, 1);
}

static int
daemons_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;

	f->bus = the_bus;
	f->conn = g_dbus_connection_new_for_address_sync(
		the_bus->address,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	g_assert_no_error(error);
	f->staf = stas_dbus_staf_skeleton_new();
	f->staf_debug = stas_dbus_staf_debug_skeleton_new();
	f->stac = stas_dbus_stac_skeleton_new();
	f->stac_debug = stas_dbus_stac_debug_skeleton_new();
	g_signal_connect(f->staf, "handle-list-controllers", G_CALLBACK(on_list_controllers), f);
	g_signal_connect(f->staf, "handle-get-log-pages", G_CALLBACK(on_get_log_pages), f);
	g_signal_connect(f->staf, "handle-get-all-log-pages", G_CALLBACK(on_get_all_log_pages), f);
	g_signal_connect(f->staf_debug, "handle-process-info", G_CALLBACK(on_process_info), f);
	g_signal_connect(f->staf_debug, "handle-controller-info", G_CALLBACK(on_controller_info),
			 f);
	g_signal_connect(f->stac, "handle-list-controllers", G_CALLBACK(on_list_controllers), f);
	g_signal_connect(f->stac_debug, "handle-process-info", G_CALLBACK(on_process_info), f);
	g_signal_connect(f->stac_debug, "handle-controller-info", G_CALLBACK(on_controller_info),
			 f);
	g_signal_connect(f->stac_debug, "handle-controllers-info", G_CALLBACK(on_controllers_info),
			 f);
	export(f, f->staf, "/org/nvmexpress/staf");
	export(f, f->staf_debug, "/org/nvmexpress/staf");
	export(f, f->stac, "/org/nvmexpress/stac");
	export(f, f->stac_debug, "/org/nvmexpress/stac");
	own(f, "org.nvmexpress.staf");
	own(f, "org.nvmexpress.stac");
	*state = f;
	return 0;
}

static int
daemons_teardown(void **state)
{
	Fixture *f = *state;

	g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(f->staf));
	g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(f->staf_debug));
	g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(f->stac));
	g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(f->stac_debug));
	g_object_unref(f->staf);
	g_object_unref(f->staf_debug);
	g_object_unref(f->stac);
	g_object_unref(f->stac_debug);
	g_dbus_connection_close_sync(f->conn, NULL, NULL);
	g_object_unref(f->conn);
	for (int i = 0; i < 7; i++)
		g_free(f->last_id[i]);
	g_free(f);
	return 0;
}

/* each case starts with well-behaved daemons */
static int
reset(void **state)
{
	Fixture *f = *state;

	f->bad_json = FALSE;
	f->fail_calls = FALSE;
	f->detailed = FALSE;
	f->bulk = BULK_ANSWERS;
	f->calls = 0;
	stas_dbus_staf_debug_set_tron(f->staf_debug, FALSE);
	stas_dbus_stac_debug_set_tron(f->stac_debug, FALSE);
	return 0;
}

static void
assert_last_id(Fixture *f, const char *transport, const char *traddr, const char *trsvcid,
	       const char *subsysnqn, const char *host_traddr, const char *host_iface,
	       const char *host_nqn)
{
	const char *want[7] = {transport,   traddr,	trsvcid, subsysnqn,
			       host_traddr, host_iface, host_nqn};

	for (int i = 0; i < 7; i++)
		assert_string_equal(f->last_id[i], want[i]);
}

/* no controller named yet */
static void
forget_id(Fixture *f)
{
	const char *none[7] = {"", "", "", "", "", "", ""};

	remember_id(f, none);
}

/* ---- replies printed ---- */

static void
test_ls_prints_the_python_literal(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	STAFCTL(&r, "ls");
	assert_run(&r, 0, OUT_LS "\n", "");
	assert_false(f->detailed);
	STACCTL(&r, "ls");
	assert_run(&r, 0, OUT_LS "\n", "");
	run_clear(&r);
}

static void
test_ls_detailed_asks_for_details(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	STAFCTL(&r, "ls", "-d");
	assert_run(&r, 0, OUT_LS_DETAILED "\n", "");
	assert_true(f->detailed);
	f->detailed = FALSE;
	STACCTL(&r, "ls", "--detailed");
	assert_run(&r, 0, OUT_LS_DETAILED "\n", "");
	assert_true(f->detailed);
	run_clear(&r);
}

static void
test_json_option_prints_json_on_every_command(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	STAFCTL(&r, "ls", "--json");
	assert_run(&r, 0, OUT_LS_JSON "\n", "");
	/* also as an option before the command */
	STAFCTL(&r, "--json", "ls");
	assert_run(&r, 0, OUT_LS_JSON "\n", "");
	STAFCTL(&r, "status", "--json");
	assert_run(&r, 0, OUT_STAF_STATUS_JSON "\n", "");
	STAFCTL(&r, "tron", "--json");
	assert_run(&r, 0, "{\n  \"tron\": true\n}\n", "");
	STACCTL(&r, "troff", "--json");
	assert_run(&r, 0, "{\n  \"tron\": false\n}\n", "");
	STAFCTL(&r, "dlp", "-a", "9.9.9.9", "-s", "8009", "-q", HOSTNQN, "--json");
	assert_run(&r, 0, "[]\n", "");
	STAFCTL(&r, "adlp", "--json");
	assert_int_equal(r.status, 0);
	{
		g_autoptr(JsonNode) printed = json_from_string(r.out, NULL);
		g_autoptr(JsonNode) sent = json_from_string(JSON_ADLP, NULL);

		assert_true(json_node_equal(printed, sent));
	}
	(void)f;
	run_clear(&r);
}

static void
test_dlp_sends_the_seven_fields_in_order(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	STAFCTL(&r, "dlp", "--traddr", "192.168.1.10", "--trsvcid", "8009", "-q", HOSTNQN);
	assert_run(&r, 0, OUT_DLP "\n", "");
	assert_last_id(f, "tcp", "192.168.1.10", "8009", DISC_NQN, "", "", HOSTNQN);
	STAFCTL(&r, "dlp", "-t", "rdma", "-a", "10.0.0.1", "-s", "4420", "-w", "10.0.0.2", "-f",
		"ib0", "-q", "nqn.host", "-n", "nqn.dc");
	assert_run(&r, 0, "[]\n", "");
	assert_last_id(f, "rdma", "10.0.0.1", "4420", "nqn.dc", "10.0.0.2", "ib0", "nqn.host");
	run_clear(&r);
}

static void
test_adlp_prints_all_log_pages(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	STAFCTL(&r, "adlp");
	assert_run(&r, 0, OUT_ADLP "\n", "");
	assert_false(f->detailed);
	STAFCTL(&r, "adlp", "-d");
	assert_run(&r, 0, OUT_ADLP_DETAILED "\n", "");
	assert_true(f->detailed);
	run_clear(&r);
}

static void
test_stafctl_status_merges_log_pages_and_controller_info(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	STAFCTL(&r, "status");
	assert_run(&r, 0, OUT_STAF_STATUS "\n", "");
	/* the last controller was asked for by its seven fields */
	assert_last_id(f, "tcp", "fe80::1", "8009", "nqn.1988-11.com.dell:SFSS:2:20220208134025e8",
		       "", "eth0", HOSTNQN);
	run_clear(&r);
}

static void
test_stacctl_status_has_no_log_pages(void **state)
{
	Run r = {0};

	STACCTL(&r, "status");
	assert_run(&r, 0, OUT_STAC_STATUS "\n", "");
	run_clear(&r);
}

/* stafctl status is upstream's: per DC, get_log_pages and controller_info */
static void
test_stafctl_status_calls_per_controller(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	STAFCTL(&r, "status");
	assert_run(&r, 0, OUT_STAF_STATUS "\n", "");
	assert_int_equal(f->calls, 2 + 2 * 2);
	run_clear(&r);
}

/*
 * stacctl status, with controllers_info and without it, as text and as
 * JSON: the same bytes; 3 calls (process_info, list_controllers,
 * controllers_info) with it, and 2 more (controller_info per controller)
 * after each way the bulk answer is not used
 */
static void
status_by_each_path(Fixture *f, const char *format, const char *want_text)
{
	static const BulkMode fallbacks[] = {BULK_UNKNOWN, BULK_SHORT, BULK_OTHER};
	g_autofree char *bulk = NULL;
	Run r = {0};

	f->bulk = BULK_ANSWERS;
	f->calls = 0;
	forget_id(f);
	STACCTL(&r, "status", format);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_int_equal(f->calls, 3);
	assert_last_id(f, "", "", "", "", "", "", "");
	if (want_text)
		assert_string_equal(r.out, want_text);
	bulk = g_strdup(r.out);
	for (gsize i = 0; i < G_N_ELEMENTS(fallbacks); i++) {
		f->bulk = fallbacks[i];
		f->calls = 0;
		forget_id(f);
		STACCTL(&r, "status", format);
		assert_run(&r, 0, bulk, "");
		assert_int_equal(f->calls, 3 + 2);
		/* the per-controller calls did run: the last one named the second controller */
		assert_last_id(f, "tcp", "fe80::1", "8009",
			       "nqn.1988-11.com.dell:SFSS:2:20220208134025e8", "", "eth0", HOSTNQN);
	}
	run_clear(&r);
}

static void
test_stacctl_status_bulk_equals_per_controller_text(void **state)
{
	status_by_each_path(*state, NULL, OUT_STAC_STATUS "\n");
}

static void
test_stacctl_status_bulk_equals_per_controller_json(void **state)
{
	status_by_each_path(*state, "--json", NULL);
}

static void
test_stacctl_status_bulk_reply_not_json_is_reported(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	f->bulk = BULK_NOT_JSON;
	STACCTL(&r, "status");
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_true(g_str_has_prefix(r.err, "Invalid reply from stacd: "));
	assert_int_equal(f->calls, 3);
	run_clear(&r);
}

/* only UnknownMethod means "no such method here": another error is a D-Bus failure */
static void
test_stacctl_status_bulk_error_is_a_dbus_failure(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	f->bulk = BULK_ACCESS_DENIED;
	STACCTL(&r, "status");
	assert_run(&r, 1, "", NOT_RUNNING("stacd"));
	assert_int_equal(f->calls, 3);
	run_clear(&r);
}

static void
test_tron_and_troff_set_the_property_and_read_it_back(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	STAFCTL(&r, "tron");
	assert_run(&r, 0, "tron = True\n", "");
	assert_true(stas_dbus_staf_debug_get_tron(f->staf_debug));
	STAFCTL(&r, "troff");
	assert_run(&r, 0, "tron = False\n", "");
	assert_false(stas_dbus_staf_debug_get_tron(f->staf_debug));
	STACCTL(&r, "tron");
	assert_run(&r, 0, "tron = True\n", "");
	assert_true(stas_dbus_stac_debug_get_tron(f->stac_debug));
	run_clear(&r);
}

static void
test_reply_that_is_not_json_is_reported(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	f->bad_json = TRUE;
	STAFCTL(&r, "status");
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_true(g_str_has_prefix(r.err, "Invalid reply from stafd: "));
	run_clear(&r);
}

static void
test_error_reply_is_a_dbus_failure(void **state)
{
	Fixture *f = *state;
	Run r = {0};

	f->fail_calls = TRUE;
	STAFCTL(&r, "ls");
	assert_run(&r, 1, "", NOT_RUNNING("stafd"));
	STAFCTL(&r, "status");
	assert_run(&r, 1, "", NOT_RUNNING("stafd"));
	STAFCTL(&r, "dlp", "-a", "1.1.1.1", "-s", "1", "-q", "nqn.x");
	assert_run(&r, 1, "", NOT_RUNNING("stafd"));
	STACCTL(&r, "ls");
	assert_run(&r, 1, "", NOT_RUNNING("stacd"));
	run_clear(&r);
}

int
main(void)
{
	const struct CMUnitTest no_daemon[] = {
		cmocka_unit_test(test_stafctl_without_stafd_says_so_and_exits_1),
		cmocka_unit_test(test_stacctl_without_stacd_says_so_and_exits_1),
		cmocka_unit_test(test_no_bus_at_all_is_the_same_failure),
		cmocka_unit_test(test_host_nqn_is_read_only_by_dlp_without_q),
		cmocka_unit_test(test_version_is_nvme_stas_version),
		cmocka_unit_test(test_no_command_prints_the_usage_line_and_exits_1),
		cmocka_unit_test(test_usage_errors_exit_2_with_argparse_messages),
		cmocka_unit_test(test_help_exits_0),
	};
	const struct CMUnitTest daemons[] = {
		cmocka_unit_test_setup(test_ls_prints_the_python_literal, reset),
		cmocka_unit_test_setup(test_ls_detailed_asks_for_details, reset),
		cmocka_unit_test_setup(test_json_option_prints_json_on_every_command, reset),
		cmocka_unit_test_setup(test_dlp_sends_the_seven_fields_in_order, reset),
		cmocka_unit_test_setup(test_adlp_prints_all_log_pages, reset),
		cmocka_unit_test_setup(test_stafctl_status_merges_log_pages_and_controller_info,
				       reset),
		cmocka_unit_test_setup(test_stacctl_status_has_no_log_pages, reset),
		cmocka_unit_test_setup(test_stafctl_status_calls_per_controller, reset),
		cmocka_unit_test_setup(test_stacctl_status_bulk_equals_per_controller_text, reset),
		cmocka_unit_test_setup(test_stacctl_status_bulk_equals_per_controller_json, reset),
		cmocka_unit_test_setup(test_stacctl_status_bulk_reply_not_json_is_reported, reset),
		cmocka_unit_test_setup(test_stacctl_status_bulk_error_is_a_dbus_failure, reset),
		cmocka_unit_test_setup(test_tron_and_troff_set_the_property_and_read_it_back,
				       reset),
		cmocka_unit_test_setup(test_reply_that_is_not_json_is_reported, reset),
		cmocka_unit_test_setup(test_error_reply_is_a_dbus_failure, reset),
	};
	int failed;

	the_bus = bus_start();
	if (the_bus == NULL) {
		printf("dbus-daemon not found: skipped\n");
		return 77;
	}
	failed = cmocka_run_group_tests_name("without daemons", no_daemon, NULL, NULL);
	failed += cmocka_run_group_tests_name("with stand-in daemons", daemons, daemons_setup,
					      daemons_teardown);
	bus_stop(the_bus);
	return failed;
}
