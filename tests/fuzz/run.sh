#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The CI fuzzing campaign of the .flow compiler: build fuzz_lang (clang,
# libFuzzer, ASan + UBSan; lang/lang.mk), run FUZZ_RUNS executions split
# over FUZZ_WORKERS processes that share one copy of tests/fuzz/corpus,
# and judge:
#
#   exit 0   no crash, leak, timeout or sanitizer report, and at least
#            FUZZ_RUNS executions done (each worker's own final count)
#   exit 1   a worker found something (its reproducer is kept under
#            BUILD/fuzz/artifacts: add it to tests/lang/bogons/), or
#            fewer executions than FUZZ_RUNS were done within
#            FUZZ_MAX_TIME seconds
#   exit 77  no clang, so no libFuzzer: skipped
#
#   tests/fuzz/run.sh
# Environment: BUILD (build), FUZZ_RUNS (1000000), FUZZ_WORKERS (nproc, at
# most 4), FUZZ_MAX_TIME (per worker, 900 s), FUZZ_SEED (random).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
runs=${FUZZ_RUNS:-1000000}
workers=${FUZZ_WORKERS:-$(nproc)}
[ "$workers" -gt 4 ] && workers=4
[ "$workers" -lt 1 ] && workers=1
# 10^6 runs take about 3 min of two idle cores here; the bound leaves room
# for a machine shared with kernel builds (9 min measured).
max_time=${FUZZ_MAX_TIME:-900}
seed=${FUZZ_SEED:-$((RANDOM * 32768 + RANDOM + 1))}

if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
	echo "fuzz: ${FUZZ_CC:-clang} not found, skipped (libFuzzer needs it)"
	exit 77
fi
make -s -j2 BUILD="$BUILD" fuzz-lang || {
	echo "fuzz: build failed"
	exit 1
}
bin=$BUILD/fuzz/fuzz_lang
# The workers write every new input to the corpus: tmpfs when there is
# one (an ext4 create per new input was 5% of the run).
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/artifacts"
cp tests/fuzz/corpus/* "$work/corpus/"

# Every worker does its share; the first takes the remainder.
share=$((runs / workers))
echo "fuzz: $runs executions over $workers workers, seed $seed," \
	"at most $max_time s each"
t0=$(date +%s.%N)
# A 16 MiB quarantine (default 256) still holds each run's freed memory
# for many runs after it, and spares the page faults of cycling through
# 256 MiB: about 7% of the CPU.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}
pids=()
for ((w = 0; w < workers; w++)); do
	n=$share
	[ $w -eq 0 ] && n=$((runs - share * (workers - 1)))
	# -timeout: one input taking 10 s is a hang (runs take ~0.5 ms);
	# -reload: workers pick up each other's new inputs.
	"$bin" -runs="$n" -max_total_time="$max_time" -seed=$((seed + w)) \
		-timeout=10 -reload=1 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" \
		>"$work/log.$w" 2>&1 &
	pids+=($!)
done
bad=0
for ((w = 0; w < workers; w++)); do
	wait "${pids[$w]}" || bad=1
done
wall=$(echo "$(date +%s.%N) - $t0" | bc)

total=0
for ((w = 0; w < workers; w++)); do
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log.$w")
	total=$((total + ${n:-0}))
done
rate=$(echo "$total / $wall" | bc)
printf 'fuzz: %d executions in %.1f s (%d exec/s), corpus %d -> %d inputs\n' \
	"$total" "$wall" "$rate" "$(ls tests/fuzz/corpus | wc -l)" \
	"$(ls "$work/corpus" | wc -l)"

if [ $bad -ne 0 ] || [ -n "$(ls "$work/artifacts")" ]; then
	mkdir -p "$BUILD/fuzz/artifacts"
	cp "$work"/artifacts/* "$BUILD/fuzz/artifacts/" 2>/dev/null
	for ((w = 0; w < workers; w++)); do
		grep -q 'ERROR\|SUMMARY\|runtime error\|Sanitizer' \
			"$work/log.$w" || continue
		echo "fuzz: worker $w:"
		grep -A40 'ERROR\|runtime error' "$work/log.$w" | head -n 60 |
			sed 's/^/    /'
	done
	echo "fuzz: reproducers in $BUILD/fuzz/artifacts:" \
		"$(ls "$BUILD/fuzz/artifacts" | tr '\n' ' ')"
	echo "fuzz: replay with $bin FILE; keep it in tests/lang/bogons/"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
if [ "$total" -lt "$runs" ]; then
	echo "fuzz: only $total of $runs executions within $max_time s"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
echo "fuzz: 1 passed, 0 failed"
