#!/bin/bash
# scenario 10: bad configuration files (REFERENCE 6.3 items 1 and 4, 2.2 to
# 2.11; SPEC 5).  stafd.conf, stacd.conf, their drop-in directories and
# sys.conf hold every kind of error: options outside a section, unknown
# sections and options, malformed section headers, bad booleans, words,
# integers, ranges, lists and time spans, inline comments, duplicate keys
# and sections, keys without value or name, control characters, bad UTF-8,
# obsolete and deprecated options, bad controller= strings and overrides, an
# empty exclude=, unreadable drop-ins, missing sys.conf files.  the daemons
# must run, name the file and line of each problem in their log, use the
# defaults (seen in sysfs, on the bus and on the DC emulator), and connect
# the valid controllers of the same files.  a reload with broken files keeps
# them up and every connection in place.
# runs INSIDE the guest: run-vm.sh this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
# shellcheck source=reconnect-lib.sh
. "$(dirname "$0")/reconnect-lib.sh"
BC=nqn.2014-08.org.example:stas-bc
P=/etc/stas/stafd.conf
Q=/etc/stas/stacd.conf
S=/etc/stas/sys.conf

step "kernel, bus, udev"
e2e_boot

step "target: ${BC}1..5 on 127.0.0.1:4420; the DC emulator, a DDC with PLEO, lists ${BC}1 (port local) and ${BC}2 (not)"
nvmet_port 1 127.0.0.1 4420
for i in 1 2 3 4 5; do
	nvmet_subsys $BC$i file:/run/bc$i.img:8M
	nvmet_link 1 $BC$i
done
check "DC emulator (DDC, PLEO) ready on 127.0.0.1:8009" emu_start ddc 8009 --dctype ddc \
	--entry "$(emu_entry ${BC}1)" --entry "$(emu_entry ${BC}2 127.0.0.1 4420 false)"
nvme connect -t tcp -a 127.0.0.1 -s 4420 -n ${BC}5 > /dev/null
check "a connection made by hand (nvme connect): ${BC}5" wait_for 10 ioc_live ${BC}5 4420

step "the broken files"
mkdir -p /etc/stas
{
	cat <<-'EOF'
		tron=true
		[Global]
		tron=maybe
		kato=10
		pleo=disable
		ip-family=ipv5
		queue-size=2000000
		johnny=be-good
		sticky-connections=enabled
		hdr-digest
		[Hello]
		world=1
		[Global
		kato=1
		[Service Discovery]
		zeroconf=disabled
		[Discovery controller connection management]
		persistent-connections=yes
		zeroconf-connections-persistence=blah
		[Global]
		kato = 20  # not a comment
	EOF
	printf 'data-digest=tr\001ue\n'
	printf 'disable-sqflow=\377\376\n'
	cat <<-'EOF'
		= true
		[Controllers]
		controller=
		controller=trsvcid
		controller=transport=tcp;traddr=!@#$;trsvcid=8009
		controller=transport=XM;traddr=127.0.0.1
		controller=transport=tcp;traddr=555.555.555.555
		controller=transport=tcp;traddr=abracadabra.invalid;trsvcid=8009
		controller=transport=tcp;traddr=127.0.0.1;trsvcid=99999
		controller=transport=tcp;traddr=127.0.0.1,hostnqn=evil;trsvcid=8009
		controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009;kato=abc;bogus
		exclude=
		blacklist=traddr=10.0.0.1
	EOF
} > $P
# the indented line under controller= is another controller (upstream's
# continuation lines), ${BC}4
cat > $Q <<-EOF
	[Global]
	kato=abc
	queue-size=64
	nr-io-queues=NaN
	reconnect-delay=NaN
	ctrl-loss-tmo=-x
	disable-sqflow=perhaps
	pleo=enabled
	zeroconf=disabled
	[I/O controller connection management]
	disconnect-scope=blah-blah
	disconnect-trtypes=boing-boing
	connect-attempts-on-ncc=many
	[Global]
	queue-size=2000000
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=4420
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=4420;nqn=${BC}3;queue-size=7;kato=x
	 transport=tcp;traddr=127.0.0.1;trsvcid=4420;nqn=${BC}4
	[Service Discovery]
	zeroconf=enabled
EOF
# drop-ins: a directory and a dangling link where files belong, then a good
# one (read after them: stacd's tron comes from it)
mkdir -p $Q.d/00-dir.conf
ln -sf /nonexistent/stacd.conf $Q.d/10-dangling.conf
printf '[Global]\ntron=true\n' > $Q.d/20-ok.conf
printf '[Host]\nsymname=file:///nonexistent/symname\nkey=file:///run\n' > $S
for f in $P $Q $S; do
	echo "  $f:"
	cat -n -v "$f" | sed 's/^/  /'
done
ln_of() { grep -anF -- "$2" "$1" | head -n1 | cut -d: -f1; }   # FILE TEXT: its first line number

step "stafd and stacd start with them"
check "stafd started, owns org.nvmexpress.staf" e2e_daemon_start stafd
check "stacd started, owns org.nvmexpress.stac" e2e_daemon_start stacd

step "each problem is logged with its file and line"
expect() {   # DAEMON MESSAGE
	check "$1 logs: $2" log_has "$1" "$2"
}
# stafd.conf
expect stafd "$P:1: option \"tron\" is not inside a [section], ignored"
expect stafd "File:$P [Global]: tron - Text check found invalid value \"maybe\". Default will be used (line 3)"
expect stafd "File:$P [Global]: pleo - Text check found invalid value \"disable\". Default will be used (line 5)"
expect stafd "File:$P [Global]: ip-family - Text check found invalid value \"ipv5\". Default will be used (line 6)"
expect stafd "File:$P [Global]: queue-size - \"2000000\" is not within range 16..1024. Default will be used (line 7)"
expect stafd "File:$P [Global] contains invalid options: {'johnny'} (line 8)"
expect stafd "File:$P [Global]: sticky-connections - Obsolete option, ignored"
expect stafd "File:$P [Global]: hdr-digest - Text check found invalid value \"\". Default will be used (line 10)"
expect stafd "File:$P contains invalid sections: {'Hello'} (line 11)"
expect stafd "$P:13: malformed section header \"[Global\", ignored with the options under it"
expect stafd "File:$P [Discovery controller connection management]: persistent-connections - Text check found invalid value \"yes\". Default will be used (line 18)"
expect stafd "File:$P [Discovery controller connection management]: zeroconf-connections-persistence - Data converter found invalid value \"blah\". Default will be used (line 19)"
expect stafd "$P:21: [Global] kato: \" #\" does not start a comment here"
expect stafd "File:$P [Global]: kato - Data converter found invalid value \"20  # not a comment\". Default will be used (line 21)"
expect stafd "$P:22: line contains a control character, ignored"
expect stafd "$P:23: line is not valid UTF-8, ignored"
expect stafd "$P:24: [Global] option name missing before \"=\", line ignored"
L=$(ln_of $P 'controller=')
expect stafd "$P:$L: controller: empty entry, ignored"
expect stafd "$P:$((L + 1)): controller: token \"trsvcid\" has no \"=\", ignored"
expect stafd "$P:$((L + 2)): controller: invalid traddr \"!@#\$\" (not an IP address or host name), entry ignored"
expect stafd "$P:$((L + 3)): controller: Invalid transport \"XM\" (not tcp, rdma, fc or loop), entry ignored"
expect stafd "$P:$((L + 4)): controller: invalid traddr \"555.555.555.555\" (not an IP address or host name), entry ignored"
check "stafd logs: Cannot resolve traddr: abracadabra.invalid" wait_for 30 \
	log_has stafd "Cannot resolve traddr: abracadabra.invalid"
expect stafd "$P:$((L + 6)): controller: invalid trsvcid \"99999\" (not a port number), entry ignored"
expect stafd "$P:$((L + 7)): controller: the value of \"traddr\" contains \",\" or white space, entry ignored"
expect stafd "$P:$((L + 8)): controller: token \"bogus\" has no \"=\", ignored"
expect stafd "File:$P [Global]: kato - Data converter found invalid value \"abc\". Default will be used (line $((L + 8)), controller= override dropped)"
expect stafd "$P:$((L + 9)): exclude: empty entry ignored (it would exclude every controller)"
expect stafd "File:$P [Controllers]: blacklist - Deprecated option, read as \"exclude\""
# stacd.conf and its drop-ins
expect stacd "File:$Q [Global]: kato - Data converter found invalid value \"abc\". Default will be used (line 2)"
expect stacd "File:$Q [Global]: nr-io-queues - Data converter found invalid value \"NaN\". Default will be used (line 4)"
expect stacd "File:$Q [Global]: reconnect-delay - Data converter found invalid value \"NaN\". Default will be used (line 5)"
expect stacd "File:$Q [Global]: ctrl-loss-tmo - Data converter found invalid value \"-x\". Default will be used (line 6)"
expect stacd "File:$Q [Global]: disable-sqflow - Text check found invalid value \"perhaps\". Default will be used (line 7)"
expect stacd "File:$Q [Global] contains invalid options: {'pleo', 'zeroconf'} (lines 8, 9)"
expect stacd "File:$Q [I/O controller connection management]: disconnect-scope - Text check found invalid value \"blah-blah\". Default will be used (line 11)"
expect stacd "File:$Q [I/O controller connection management]: disconnect-trtypes - List checker found invalid item \"boing-boing\" will be ignored. (line 12)"
expect stacd "File:$Q [I/O controller connection management]: connect-attempts-on-ncc - Data converter found invalid value \"many\". Default will be used (line 13)"
expect stacd "File:$Q [Global]: queue-size - \"2000000\" is not within range 16..1024. Default will be used (line 15)"
expect stacd "$Q:17: controller: no subsysnqn (nqn=), entry ignored"
expect stacd "File:$Q [Global]: queue-size - \"7\" is not within range 16..1024. Default will be used (line 18, controller= override dropped)"
expect stacd "File:$Q [Global]: kato - Data converter found invalid value \"x\". Default will be used (line 18, controller= override dropped)"
expect stacd "File:$Q contains invalid sections: {'Service Discovery'} (line 20)"
expect stacd "$Q.d/00-dir.conf: not a regular file, ignored"
expect stacd "$Q.d/10-dangling.conf: No such file or directory, ignored"
# sys.conf, read by both
for d in stafd stacd; do
	expect $d "Error reading host symbolic name (will remain undefined): [Errno 2] No such file or directory: '/nonexistent/symname'"
	expect $d "Host key undefined: [Errno 21] Is a directory: '/run'"
done

step "the valid controllers of the same files connect"
check "stafd's DC (the one good controller= of stafd.conf) is live" wait_for 30 dc_live 8009
check "${BC}1, from the DC's log page, is connected" wait_for 60 ioc_live ${BC}1 4420
check "${BC}3, configured in stacd.conf, is connected" wait_for 60 ioc_live ${BC}3 4420
check "${BC}4, on the continuation line of stacd.conf, is connected" wait_for 60 ioc_live ${BC}4 4420
ctrl_rows discovery | sed 's/^/  sysfs DC:  /'
ctrl_rows io | sed 's/^/  sysfs IOC: /'

step "the defaults are in effect"
DC=$(dc_dev 8009)
C3=$(nvme_find_ctrl ${BC}3 4420)
for a in kato sqsize queue_count reconnect_delay ctrl_loss_tmo; do
	echo "  $DC (DC) $a=$(nvme_ctrl_attr "$DC" $a)   $C3 (${BC}3) $a=$(nvme_ctrl_attr "$C3" $a)"
done
attr_is() { [ "$(nvme_ctrl_attr "$1" "$2")" = "$3" ]; }   # CTRL ATTR VALUE
"$STAFCTL" status --json > $E2E_RUN/stafd-status.json 2>&1
"$STACCTL" status --json > $E2E_RUN/stacd-status.json 2>&1
check "stafd: tron off (tron=maybe, and tron=true outside a section, ignored)" \
	grep -q '"tron": false' $E2E_RUN/stafd-status.json
check "stafd: no symbolic name (its file is missing)" grep -q '"symname": null' $E2E_RUN/stafd-status.json
check "stacd: tron on (the good drop-in after the two unreadable ones is read)" \
	grep -q '"tron": true' $E2E_RUN/stacd-status.json
check "the DC's kato is stafd's default 30 (the last kato= is bad, the bad override dropped)" \
	attr_is "$DC" kato 30
lsp_is() { [ "$(emu_conn ddc "$(nvme_ctrl_attr "$DC" cntlid)" last_lsp)" = "$1" ]; }
check "pleo: the default (enabled): stafd read the log page with LSP PLEO (2)" wait_for 10 lsp_is 2
check "... so ${BC}2 (not port local) is not connected" ioc_absent ${BC}2 4420
check "${BC}3: kato is the kernel's default 5 (stacd's kato=abc and override dropped)" \
	attr_is "$C3" kato 5
check "${BC}3: queue size is the kernel's default 128 (the last queue-size= is out of range, override dropped)" \
	attr_is "$C3" sqsize 127
check "${BC}3: reconnect delay the kernel's default 10 s (reconnect-delay=NaN)" \
	attr_is "$C3" reconnect_delay 10
check "${BC}3: ctrl loss timeout the kernel's default 600 s (ctrl-loss-tmo=-x)" \
	attr_is "$C3" ctrl_loss_tmo 600
check "${BC}3: one I/O queue per CPU, the kernel's default (nr-io-queues=NaN)" \
	attr_is "$C3" queue_count $(($(nproc) + 1))

step "a reload with broken files: the daemons stay up, every connection stays"
KEEP=("$(ioc_token ${BC}1 4420)" "$(ioc_token ${BC}3 4420)" "$(ioc_token ${BC}4 4420)"
	"$(ioc_token ${BC}5 4420)" ";$DC $DISC_NQN $(nvme_ctrl_attr "$DC" cntlid) live;")
POLL=$E2E_RUN/poll.txt
rc_poll_start $POLL
{
	echo '[Controllers]'
	echo "controller=transport=tcp;traddr=1.2.3.4.5;trsvcid=4420;nqn=${BC}9"
	echo '[Controllers'
	printf '\377\376\375\n'
} >> $Q
LQ=$(ln_of $Q 'traddr=1.2.3.4.5')
printf '[Host]\nnqn=bogus\n' > $S
printf '[Global]\nkato=\n' >> $P
LP=$(($(wc -l < $P)))
mkdir -p $P.d/50-broken.conf
N_RF=$(log_count stafd "Reloading configuration")
N_RC=$(log_count stacd "Reloading configuration")
e2e_daemon_reload stafd
e2e_daemon_reload stacd
check "stafd reloaded" wait_for 10 sh -c "[ \$(grep -cF 'Reloading configuration' $E2E_RUN/stafd.log) -gt $N_RF ]"
check "stacd reloaded" wait_for 10 sh -c "[ \$(grep -cF 'Reloading configuration' $E2E_RUN/stacd.log) -gt $N_RC ]"
soak_done() { "$STACCTL" status --json | grep -q '"config soak timer": "[0-9.]*s \[off\]"'; }
check "stacd's reconciliation after the reload ran" wait_for 10 soak_done
# the window in which a wrong reaction would show: a disconnect or an audit
sleep 3
rc_poll_stop
for d in stafd stacd; do
	expect $d "Keeping the previous host identity: Error Host NQN \"bogus\" should start with \"nqn.\""
done
expect stacd "$Q:$LQ: controller: invalid traddr \"1.2.3.4.5\" (not an IP address or host name), entry ignored"
expect stacd "$Q:$((LQ + 1)): malformed section header \"[Controllers\", ignored with the options under it"
expect stacd "$Q:$((LQ + 2)): line is not valid UTF-8, ignored"
expect stafd "$P.d/50-broken.conf: not a regular file, ignored"
expect stafd "File:$P [Global]: kato - Data converter found invalid value \"\". Default will be used (line $LP)"
check "stafd still owns org.nvmexpress.staf" bus_has org.nvmexpress.staf
check "stacd still owns org.nvmexpress.stac" bus_has org.nvmexpress.stac
check "stafd still answers, with the previous host NQN" sh -c \
	"'$STAFCTL' status --json | grep -qF '\"hostnqn\": \"$(cat /etc/nvme/hostnqn)\"'"
check "over $(wc -l < $POLL) samples, the DC and ${BC}1, ${BC}3, ${BC}4, ${BC}5 never changed" \
	poll_kept $POLL "${KEEP[@]}"
check "disconnect-scope is the default (only-stas-connections): the hand-made ${BC}5 stays" \
	ioc_live ${BC}5 4420

step "persistent-connections is the default (true): stafd's stop leaves the DC"
check "stafd stopped cleanly" e2e_daemon_stop stafd
check "the DC is still connected" dc_live 8009

rc_keep_logs
e2e_finish
