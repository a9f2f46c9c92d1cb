#!/bin/sh
# fake-kernelctl as test scripts use it: start, declare, connect, list, watch, stop
set -eu

dir=$(mktemp -d)
sock="$dir/kernel.sock"
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT

"$FAKE_KERNELD" --socket "$sock" >/dev/null &
pid=$!
ctl() { "$FAKE_KERNELCTL" --socket "$sock" --wait 10 "$@"; }

ctl ping >/dev/null
ctl declare-subsystem '{"traddr":"127.0.0.3","nqn":"nqn.2014-08.com.example:io1"}' >/dev/null

"$FAKE_KERNELCTL" --socket "$sock" watch >"$dir/events" &
watcher=$!
# subscribed once the answer is there: every later uevent reaches the watcher
for i in $(seq 200); do
	grep -q '"ok":true' "$dir/events" && break
	sleep 0.05
done

opts='nqn=nqn.2014-08.com.example:io1,transport=tcp,traddr=127.0.0.3,trsvcid=4420,hostnqn=nqn.2014-08.org.nvmexpress:uuid:1'
reply=$(ctl fabrics-write "{\"options\":\"$opts\"}")
echo "$reply" | grep -q '"reply":"instance=0,cntlid=1"'

# a rejected string: exit 1, errno EINVAL, nothing connected
if ctl fabrics-write "{\"options\":\"$opts,bogus\"}" >"$dir/out" 2>/dev/null; then
	echo "a malformed connect string was accepted"; exit 1
fi
grep -q '"errno":22' "$dir/out"

ctl list-connects | grep -q "\"options\":\"$opts\""
ctl list-ctrls | grep -q '"device":"nvme0"'
ctl disconnect '{"device":"nvme0"}' >/dev/null

# the watcher saw add and remove (each line is a uevent)
for i in $(seq 100); do
	grep -q '"action":"remove"' "$dir/events" && break
	sleep 0.05
done
kill $watcher
grep -q '"action":"add","sysname":"nvme0"' "$dir/events"
grep -q '"action":"remove","sysname":"nvme0"' "$dir/events"

# unreachable: exit 2
if "$FAKE_KERNELCTL" --socket "$dir/none.sock" ping 2>/dev/null; then
	echo "ping without a fake kernel succeeded"; exit 1
else
	[ $? -eq 2 ]
fi
echo ok
