#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side benchmark of the embedded io_uring engine (no module, no
# guest): copy one 1 GiB file (issue 6's size) with GNU dd (O_DIRECT), GNU
# cp, the io_uring baseline (tests/bench/uring-copy.c) and `flowctl copy
# --engine io_uring`,
# ROUNDS times each, and print the median throughput, CPU seconds and the
# ratios.  CPU is the command's own (user + system of it and its children,
# io_uring's io-wq workers included: they are threads of the process); the
# machine is shared, so a whole-machine figure would measure the
# neighbours.  Every method ends with its data on disk (conv=fsync, sync
# FILE, fsync, the flow's flush) and the copy is compared with the source.
#
#   tests/bench/host.sh [OUT]     OUT: the build's output dir (build/default)
# BENCH_DIR (default /var/tmp: a disk, not tmpfs), BENCH_MIB, ROUNDS.
set -uo pipefail

out=${1:-build/default}
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/fsw-bench-XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
MIB=${BENCH_MIB:-1024}
ROUNDS=${ROUNDS:-3}
CHUNK=1048576
DEPTH=16
src=$dir/src dst=$dir/dst
cold=no
[ -w /proc/sys/vm/drop_caches ] && cold=yes

echo "bench-host: copy $MIB MiB file -> file in $dir ($(stat -f -c %T "$dir")), $ROUNDS rounds, chunk $CHUNK, depth $DEPTH, cold cache: $cold"
head -c $((MIB << 20)) /dev/urandom >"$src"
sync "$src"

: >"$dir/results"
run() {
	local name=$1 r t same=yes
	shift
	for ((r = 0; r < ROUNDS; r++)); do
		rm -f "$dst"
		: >"$dst"
		sync "$dst"
		[ $cold = yes ] && echo 3 >/proc/sys/vm/drop_caches
		# bash's time: wall, then user and system of the command and
		# every child it waited for.
		t=$( { TIMEFORMAT='%R %U %S'; time "$@" >"$dir/out" 2>&1; } 2>&1 ) || {
			echo "bench-host: $name failed:"
			cat "$dir/out"
			return
		}
		echo "$name $t" >>"$dir/results"
		cmp -s "$src" "$dst" || same=NO
	done
	echo "$name exact $same" >>"$dir/results"
}

run dd dd if="$src" of="$dst" bs=$CHUNK iflag=direct oflag=direct conv=fsync
run cp sh -c 'cp "$1" "$2" && sync "$2"' sh "$src" "$dst"
run io_uring "$out/tests/bench/uring-copy" "$src" "$dst" $CHUNK $DEPTH
run engine "$out/flowctl" copy --engine io_uring --json --chunk $CHUNK \
	--depth $DEPTH "$src" "$dst"
# What the engine said about its own I/O, from the last round.
sed -n 's/.*"direct_bytes":\([0-9]*\),"buffered_bytes":\([0-9]*\).*"host_bytes":\([0-9]*\).*/engine: direct \1 B, buffered \2 B, host memory \3 B/p' "$dir/out"

awk -v mib="$MIB" '
	$2 == "exact" { ok[$1] = $3; next }
	{ n[$1]++; t[$1, n[$1]] = $2; c[$1, n[$1]] = $3 + $4
	  if (!($1 in seen)) { seen[$1] = 1; order[++m] = $1 } }
	function med(a, key, cnt,   mi, mj, mv, mt) {
		for (mi = 1; mi <= cnt; mi++) mv[mi] = a[key, mi]
		for (mi = 1; mi <= cnt; mi++) for (mj = mi + 1; mj <= cnt; mj++)
			if (mv[mj] < mv[mi]) { mt = mv[mi]; mv[mi] = mv[mj]; mv[mj] = mt }
		return mv[int((cnt + 1) / 2)]
	}
	END {
		for (i = 1; i <= m; i++) {
			k = order[i]; T[k] = med(t, k, n[k]); C[k] = med(c, k, n[k])
		}
		printf "%-9s %9s %8s %7s %8s %8s %9s %6s\n", "method", "MiB/s",
		       "cpu-s", "x dd", "x uring", "cpu/dd", "cpu/uring",
		       "exact"
		for (i = 1; i <= m; i++) {
			k = order[i]
			printf "%-9s %9.1f %8.3f %7.2f %8.2f %8.2f %9.2f %6s\n",
			       k, mib / T[k], C[k], T["dd"] / T[k],
			       T["io_uring"] / T[k],
			       (C["dd"] > 0 ? C[k] / C["dd"] : 0),
			       (C["io_uring"] > 0 ? C[k] / C["io_uring"] : 0),
			       ok[k]
		}
	}' "$dir/results"
echo "bench-host: done"
