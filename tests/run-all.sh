#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every test of the project, in order of cost.  This is `make check` and
# what CI runs.  Each stage prints its own "NAME: N passed, N failed"; the
# last line is the total.
#
# Stages: build (module against the stock headers, userspace plain and with
# ASan/UBSan), checkpatch, the syzkaller description's names, unit tests
# (plain and sanitized), language goldens, the fuzzer, the examples, make
# install and an app built against it, QEMU guests on the stock and the
# debug kernel and the make-run demo; then the benchmarks (in the guests,
# the embedded engine and the .flow checker against nft on the host), whose
# figures are printed but never counted.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
jobs=${JOBS:-$(nproc)}
pass=0 fail=0 skipped=0
t_start=$(date +%s)

# stage NAME COMMAND...: run it, take its "N passed, N failed" line, or
# count the stage as one test when it prints none.  Exit 77 without such
# a line is a skip (a tool the stage needs is missing): counted apart.
stage() {
	local name=$1 out rc p f t0
	shift
	t0=$(date +%s)
	echo "=== $name"
	out=$("$@" 2>&1)
	rc=$?
	echo "$out"
	if [ $rc -eq 77 ] && ! grep -q ': [0-9]* passed, [0-9]* failed' <<<"$out"; then
		skipped=$((skipped + 1))
		echo "=== $name: skipped ($(($(date +%s) - t0)) s)"
		return
	fi
	p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' <<<"$out" | tail -n1)
	f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' <<<"$out" | tail -n1)
	if [ -z "$p" ]; then
		if [ $rc -eq 0 ]; then p=1 f=0; else p=0 f=1; fi
	elif [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	echo "=== $name: $p passed, $f failed ($(($(date +%s) - t0)) s)"
}

stage build make -s -j"$jobs" BUILD="$BUILD" all
stage build-san make -s -j"$jobs" BUILD="$BUILD" SAN=1 userspace
stage checkpatch tests/checkpatch.sh
# The syzkaller description against the UAPI header (tests/syz/README.md).
stage syz tests/syz/check.sh
stage harness tests/vm/selftest.sh
stage unit tests/run-unit.sh $(make -s BUILD="$BUILD" print-unit-tests)
stage unit-san tests/run-unit.sh --label unit-san $(make -s BUILD="$BUILD" SAN=1 print-unit-tests)
# The embedded engine's threads under ThreadSanitizer (its test alone).
stage unit-tsan sh -c "make -s -j$jobs BUILD='$BUILD' SAN=thread '$BUILD/tsan/tests/unit/test_engine_uring' &&
	tests/run-unit.sh --label unit-tsan '$BUILD/tsan/tests/unit/test_engine_uring'"
if [ -x tests/lang/run.sh ]; then
	stage lang tests/lang/run.sh "$BUILD/default/flowctl"
	stage lang-san tests/lang/run.sh "$BUILD/san/flowctl"
fi
# libFuzzer on the .flow compiler (clang, ASan + UBSan): 10^6 runs over
# both cores, bounded in time; skipped without clang.
stage fuzz env BUILD="$BUILD" tests/fuzz/run.sh
stage examples tests/examples.sh "$BUILD/default/flowctl"
stage install tests/install.sh "$BUILD"
# flowd on the embedded engine, on this host (ASan build: leaks too).
stage flowd-host tests/flowd-host.sh "$BUILD/san"
stage vm-stock tests/vm/run.sh stock
# The README's main command: flowd runs the shipped examples on the guest.
stage demo tests/vm/run.sh --show stock
stage vm-debug tests/vm/run.sh debug debug:switch-trace debug:rootports \
	debug:rootports-epyc debug:iommu-rootports debug:iommu-switch
# The race detector (KCSAN cannot share a kernel with KASAN): the flow tests.
stage vm-kcsan tests/vm/run.sh kcsan

# Figures, not verdicts: printed for the log, never counted.
echo "=== bench (stock kernel; prints, does not gate)"
tests/bench/run.sh 2>&1 | sed -n '/^bench:/,/^base: the userspace loop of the same/p'
echo "=== bench p2p (debug kernel, sanitizers on; prints, does not gate)"
tests/bench/run.sh p2p 2>&1 | sed -n '/^bench:/,/^base: the userspace loop of the same/p'

echo "=== bench host (embedded io_uring engine, no module; prints, does not gate)"
tests/bench/host.sh "$BUILD/default" 2>&1 | sed -n '/^bench-host:/,/^bench-host: done/p'

echo "=== bench lang (flowctl check vs nft -c -f, 10000 flows; prints, does not gate)"
tests/bench/run.sh lang "$BUILD/default" 2>&1 | sed -n '/^bench-lang:/,/^bench-lang: done/p'

echo "total time $(($(date +%s) - t_start)) s"
[ $skipped -gt 0 ] && echo "$skipped stage(s) skipped"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
