#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# the man pages as configured in the build: every page of REFERENCE 7.2 is
# there, renders without a groff warning, has no placeholder left, names
# itself in .TH, and every reference to a page of ours points to one that
# exists.
#
# test-man.sh MANBUILDDIR
set -eu

DIR=$1
PAGES="stafctl.1 stacctl.1 stasadm.1 stafd.conf.5 stacd.conf.5 sys.conf.5
org.nvmexpress.staf.5 org.nvmexpress.staf.debug.5 org.nvmexpress.stac.5
org.nvmexpress.stac.debug.5 nvme-stas.7 stafd.8 stacd.8 stafd.service.8 stacd.service.8
stas-config.target.8 stas-config@.service.8"
failed=0

fail() {
	echo "FAIL: $*" >&2
	failed=1
}

for page in $PAGES; do
	f=$DIR/$page
	if [ ! -f "$f" ]; then
		fail "$page is missing"
		continue
	fi
	out=$(groff -man -ww -z -Tutf8 "$f" 2>&1) || fail "$page: groff failed"
	[ -z "$out" ] || fail "$page: groff warnings: $out"
	if grep -n '@[A-Z][A-Z]*@' "$f"; then
		fail "$page: placeholder left"
	fi
	name=${page%.*}
	section=${page##*.}
	th=$(sed -n 's/^\.TH \([^ ]*\) \([0-9]\) .*/\1 \2/p' "$f")
	want="$(echo "$name" | tr '[:lower:]' '[:upper:]') $section"
	[ "$th" = "$want" ] || fail "$page: .TH says \"$th\", not \"$want\""
	grep -q '^\.SH NAME' "$f" || fail "$page: no NAME section"
	grep -q '^\.SH SEE ALSO' "$f" || fail "$page: no SEE ALSO section"

	# references to our pages: ".BR stafd.conf (5)" and the like
	sed -n 's/^\.BR \([a-z][a-zA-Z0-9.@\\-]*\) (\([0-9]\)).*/\1.\2/p' "$f" | sed 's/\\-/-/g' |
		while read -r ref; do
			case "$ref" in
			sta* | org.nvmexpress.* | nvme-stas.* | sys.conf.*)
				[ -f "$DIR/$ref" ] || echo "$ref"
				;;
			esac
		done >"$DIR/.refs.$page"
	if [ -s "$DIR/.refs.$page" ]; then
		fail "$page: references to missing pages: $(tr '\n' ' ' <"$DIR/.refs.$page")"
	fi
	rm -f "$DIR/.refs.$page"
done

# the check above can fail: a page with a broken macro warns
printf '.TH X 1\n.SH NAME\nx \\- y\n.BR\n.foo\n' >"$DIR/.broken.1"
out=$(groff -man -ww -z -Tutf8 "$DIR/.broken.1" 2>&1) || true
rm -f "$DIR/.broken.1"
[ -n "$out" ] || fail "groff does not warn about a broken page: this check cannot fail"

[ "$failed" -eq 0 ] || exit 1
echo "$(echo "$PAGES" | wc -w) man pages checked"
