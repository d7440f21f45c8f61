#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tests/bench/run.sh: copy all of NVMe A (256 MiB) to NVMe B
# with GNU dd, GNU cp, an io_uring program and a flowswitch flow through a
# host pool -- and, on a P2PDMA kernel, through a p2p pool -- ROUNDS
# times each, and print throughput, CPU seconds (all CPUs, kernel workers
# included, from /proc/stat) and the ratios.  Every method ends with its
# data on the device (conv=fsync, sync, fsync, the flow's flush), and B is
# compared with A after each method.
ROUNDS=5
P2P=0
if /bin/flowctl info --json | grep -q '"p2pdma":true'; then
	# Only the sanitizer kernel has P2PDMA here: everything runs ~10x
	# slower, so fewer rounds and no cp (minutes, and nothing new).
	P2P=1
	ROUNDS=3
fi
CHUNK=1048576
DEPTH=16

dev() {
	for d in /sys/block/nvme*; do
		# The serial is padded with blanks to 20 characters.
		[ "$(tr -d " " <"$d/device/serial" 2>/dev/null)" = "$1" ] &&
			echo "/dev/${d##*/}" && return
	done
}
A=$(dev fswA)
B=$(dev fswB)
MIB=$(($(cat /sys/block/${A#/dev/}/size) / 2048))


echo "bench: copy $MIB MiB $A -> $B, $ROUNDS rounds, chunk $CHUNK, depth $DEPTH"
# Fill A with something that is not zeros.
dd if=/dev/urandom of=/tmp/seed bs=1M count=16 2>/dev/null
i=0
while [ $i -lt $((MIB / 16)) ]; do
	dd if=/tmp/seed of="$A" bs=1M seek=$((i * 16)) conv=notrunc oflag=direct 2>/dev/null
	i=$((i + 1))
done
sync

run() {
	name=$1
	shift
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		dd if=/dev/zero of="$B" bs=1M count=1 oflag=direct 2>/dev/null
		sync
		echo 3 >/proc/sys/vm/drop_caches
		if /bin/timeit "$@" >/tmp/out 2>&1; then
			# flowctl --json says how many bytes crossed host memory.
			hb=$(sed -n 's/.*"length":\([0-9]*\).*"host_bytes":\([0-9]*\).*/\2 \1/p' /tmp/out |
				awk '{ printf "%.2f", $1 / $2 }')
			echo "$name $(tail -n 1 /tmp/out) ${hb:--}" >>/tmp/results
		else
			echo "bench: $name failed:"
			cat /tmp/out
		fi
		r=$((r + 1))
	done
	if cmp -s "$A" "$B"; then same=yes; else same=NO; fi
	echo "$name $same" >>/tmp/verified
}

: >/tmp/results
: >/tmp/verified
run dd dd if="$A" of="$B" bs=$CHUNK iflag=direct oflag=direct conv=fsync
[ $P2P = 1 ] || run cp sh -c "cp $A $B && sync"
run io_uring /bin/uring-copy "$A" "$B" $CHUNK $DEPTH
run flow-host /bin/flowctl copy --json --chunk $CHUNK --depth $DEPTH "$A" "$B"
# A 16 MiB CMB holds 8 chunks of 1 MiB, with room to spare.
# The path self-test's cost against the flow it guards (before the p2p rounds,
# which then find the path proven and cached).
if [ $P2P = 1 ]; then
	/bin/flowctl copy --json --chunk $CHUNK --depth 8 --placement required \
		"$A" "$B" >/tmp/canary.json 2>&1
	sed -n 's/.*"elapsed_ns":\([0-9]*\).*"canary_ns":\([0-9]*\).*/\1 \2/p' \
		/tmp/canary.json >/tmp/canary
fi

if [ $P2P = 1 ]; then
	run flow-p2p /bin/flowctl copy --json --chunk $CHUNK --depth 8 \
		--placement required "$A" "$B"
fi

# Median of the rounds per method.
awk -v mib="$MIB" '
	FILENAME ~ /verified/ { ok[$1] = $2; next }
	{ n[$1]++; t[$1, n[$1]] = $2; c[$1, n[$1]] = $3; hb[$1] = $4
	  if (!($1 in seen)) { seen[$1] = 1; order[++m] = $1 } }
	# Locals named apart from the globals: busybox awk mixes them up.
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
		printf "%-11s %9s %8s %9s %8s %10s %8s %6s\n", "method",
		       "MiB/s", "cpu-s", "x dd", "x uring", "cpu/dd",
		       "hostB/B", "exact"
		for (i = 1; i <= m; i++) {
			k = order[i]
			printf "%-11s %9.1f %8.2f %9.2f %8.2f %10.2f %8s %6s\n",
			       k, mib / T[k], C[k], T["dd"] / T[k],
			       T["io_uring"] / T[k],
			       (C["dd"] > 0 ? C[k] / C["dd"] : 0), hb[k], ok[k]
		}
		print "hostB/B: bytes through host memory per payload byte," \
		      " measured by the flow (dd and io_uring: 2 by" \
		      " construction, cp more)"
	}' /tmp/verified /tmp/results

if [ -s /tmp/canary ]; then
	read -r el cn </tmp/canary
	awk -v e="$el" -v c="$cn" 'BEGIN { printf "path self-test: %.2f ms, %.3f%% of the %d MiB p2p flow (target < 1%%)\n", c / 1e6, 100 * c / (e + c), '"$MIB"' }'
fi
/bin/ioctl-cost "$A" "$B"
# Transforms: the flow's crypto stages against a userspace read/AF_ALG/
# write loop, and the CPU engine against the virtio-crypto device.
XMIB=64
[ $P2P = 1 ] && XMIB=16
/bin/xform-bench "$A" $XMIB
# Sockets: a flow into TCP, plain and sealed, against read/send loops.
/bin/sock-bench "$A" $XMIB
