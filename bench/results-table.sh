#!/bin/bash
# bench/results-table.sh [FILE...] - the figure lines ("name value unit", as
# bench/run-all.sh prints them; other lines are ignored) as a markdown table
# for RESULTS.md: every figure, with its anchor from bench/anchors.txt, the
# ratio figure / anchor, and SPEC section 6's target where there is one.
# (the anchors' "MB" are taken as the same unit as our MiB: VmRSS / 1024.)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
echo "| figure | value | anchor | anchor source | ratio | SPEC 6 target |"
echo "|---|---|---|---|---|---|"
awk -F'|' -v OFS='|' '
	FNR == NR { if ($0 !~ /^#/ && NF >= 5) { a[$1] = $2; src[$1] = $4; tgt[$1] = $5 } next }
	/^f[0-9]/ && NF == 3 {
		split($0, w, " ")
		n = w[1]; v = w[2]; u = w[3]
		r = ""
		if (a[n] != "" && v + 0 == v && a[n] + 0 > 0) r = sprintf("%.3g", v / a[n])
		printf "| %s | %s %s | %s | %s | %s | %s |\n", n, v, u, (a[n] != "" ? a[n] " " u : ""), src[n], r, tgt[n]
	}' "$HERE/anchors.txt" FS=' ' "$@"
