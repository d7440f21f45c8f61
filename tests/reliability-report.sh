#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The long mode of the reliability tests (issue 7), and its table.
#
#   tests/reliability-report.sh [STEP...]
#
# Each step boots its own guest through tests/vm/run.sh with the knobs of
# the long mode (CI, `make check`, runs the same tests in their short
# mode).  STEPs (default: all, in this order):
#
#   failnth      debug: t-failnth, the fail-nth sweep, FSW_FAILNTH_ROUNDS=10
#   fuzz         debug: t-fuzz-ioctl for FSW_FUZZ_SECS=3600
#   unplug       debug: t-hotunplug (sysfs unbind of the provider, 100
#                cycles) and t-hotunplug-qmp (QMP device_del of the source,
#                the sink and the p2p provider, 100 cycles each)
#   teardown     debug: t-flow-close, 10^4 owners killed with SIGKILL
#                mid-transfer; t-rmmod-busy, 1000 unload attempts
#   concurrency  debug: t-flow-many, 1000 flows x 16 threads x 100 rounds
#   kcsan        the KCSAN kernel: t-flow-many as above, t-flow-close
#                (10^3 kills) and t-flow-ratestop
#
# FSW_LONG_SCALE (default 1) multiplies every count and duration: 0.01 is
# a smoke run of a few minutes.  Logs of each step stay in
# $BUILD/reliability/STEP/ (run.log, console.log, dmesg.txt, ...); the
# table is printed at the end and kept in $BUILD/reliability/report.txt.
#
# Each guest test prints "FIGURE TEST key=value..." lines; the table is
# made of them.  "sanitizer" counts the distinct sanitizer lines of that
# step's boot (tests/vm/sanitizer.re; run.sh fails the boot on any); the
# kernel's own reports that run.sh sets aside (known-reports.txt,
# kcsan-foreign.txt) are counted apart as "foreign".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
B=${BUILD:-build}
case "$B" in /*) ;; *) B=$top/$B ;; esac
scale=${FSW_LONG_SCALE:-1}
res=$B/reliability
mkdir -p "$res"

# N scaled, at least MIN.
sc() {
	python3 -c "import math,sys; print(max(int(sys.argv[3]), math.ceil(float(sys.argv[1]) * float(sys.argv[2]))))" \
		"$1" "$scale" "${2:-1}"
}

# run_step NAME KERNEL EST_SECS TESTS [VAR=VALUE...]: one boot.
run_step() {
	local name=$1 kernel=$2 est=$3 tests=$4 t0 rc tmo
	shift 4
	tmo=$(( $(sc "$est" 1) * 4 + 600 ))
	echo "reliability: $name on $kernel: $tests ($*), limit ${tmo} s per test"
	rm -rf "${res:?}/$name"
	mkdir -p "$res/$name"
	t0=$(date +%s)
	env "$@" FSW_TESTS="$tests" FSW_TEST_TIMEOUT=$tmo \
		FSW_GUEST_TIMEOUT=$((tmo * 3 + 900)) \
		"$top/tests/vm/run.sh" "$kernel" >"$res/$name/run.log" 2>&1
	rc=$?
	echo "$(( $(date +%s) - t0 ))" >"$res/$name/wall"
	echo "$rc" >"$res/$name/rc"
	echo "$kernel" >"$res/$name/kernel"
	cp "$B/vm/$kernel"/{console.log,verdict.log,dmesg.txt,sanitizer.txt,seconds} \
		"$res/$name/" 2>/dev/null
	cp "$B/vm/$kernel"/{known-reports.txt,kcsan-foreign.txt,qmpctl.log} \
		"$res/$name/" 2>/dev/null
	tail -n 1 "$res/$name/run.log" | sed "s/^/reliability: $name: /"
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(failnth fuzz unplug teardown concurrency kcsan)
for s in "${steps[@]}"; do
	case "$s" in
	failnth)
		run_step failnth debug 600 t-failnth \
			FSW_FAILNTH_ROUNDS="$(sc 10)" ;;
	fuzz)
		run_step fuzz debug 3600 t-fuzz-ioctl \
			FSW_FUZZ_SECS="$(sc 3600 10)" ;;
	unplug)
		run_step unplug debug 5000 "t-hotunplug t-hotunplug-qmp" \
			FSW_UNPLUG_CYCLES="$(sc 100)" FSW_QMP_CYCLES="$(sc 100)" ;;
	teardown)
		run_step teardown debug 4000 "t-flow-close t-rmmod-busy" \
			FSW_CLOSE_ITERS="$(sc 10000 3)" FSW_CLOSE_KILL=1 \
			FSW_RMMOD_ITERS="$(sc 1000)" ;;
	concurrency)
		run_step concurrency debug 2000 t-flow-many \
			FSW_MANY_FLOWS="$(sc 1000 16)" FSW_MANY_THREADS=16 \
			FSW_MANY_ROUNDS="$(sc 100 2)" ;;
	kcsan)
		run_step kcsan kcsan 4000 "t-flow-many t-flow-close t-flow-ratestop" \
			FSW_MANY_FLOWS="$(sc 1000 16)" FSW_MANY_THREADS=16 \
			FSW_MANY_ROUNDS="$(sc 100 2)" FSW_CLOSE_ITERS="$(sc 1000 3)" \
			FSW_CLOSE_KILL=1 ;;
	*) echo "reliability-report.sh: unknown step '$s'" >&2; exit 2 ;;
	esac
done

python3 - "$res" "$scale" "${steps[@]}" <<'EOF' | tee "$res/report.txt"
import os, re, sys

res, scale, steps = sys.argv[1], sys.argv[2], sys.argv[3:]

def read(step, name, default=""):
    try:
        with open(os.path.join(res, step, name), errors="replace") as f:
            return f.read()
    except OSError:
        return default

def lines(step, name):
    return [l for l in read(step, name).replace("\r", "").splitlines() if l]

def what(test, f):
    g = lambda k: f.get(k, "?")
    if test == "t-failnth":
        return (f"{g('injections')} injected faults ({g('ioctl_points')} in "
                f"{g('ioctls')} ioctl sweeps, {g('other_points')} in open/"
                f"close/netlink), {g('rounds')} round(s)")
    if test == "t-fuzz-ioctl":
        return f"{g('execs')} execs, {g('sequences')} sequences, {g('pcs')} PCs"
    if test == "t-hotunplug-qmp":
        return (f"{g('cycles')} device_del+add cycles: {g('failed')} flows "
                f"FAILED exactly, {g('events')} events, device_del "
                f"{g('del_ms_avg')} ms avg")
    if test == "t-hotunplug":
        return f"{g('cycles')} cycles"
    if test == "t-flow-close":
        return f"{g('iterations')} owners gone mid-transfer, {g('killed')} by kill -9"
    if test == "t-rmmod-busy":
        return f"{g('attempts')} refused unloads under {g('flows')} running flows"
    if test == "t-flow-many":
        return (f"{g('flows')} flows x {g('threads')} threads x "
                f"{g('rounds')} rounds = {g('total')} flows, "
                f"{g('failures')} failures")
    return " ".join(f"{k}={v}" for k, v in f.items())

rows = []
for step in steps:
    kernel = read(step, "kernel", "?").strip()
    san = len(set(re.sub(r"^\[ *[0-9.]+\] ", "", l)
                  for l in lines(step, "sanitizer.txt")))
    foreign = len(set(re.sub(r"^\[ *[0-9.]+\] ", "", l)
                      for l in lines(step, "known-reports.txt") +
                      lines(step, "kcsan-foreign.txt")))
    verdicts = {}
    for l in lines(step, "verdict.log"):
        m = re.match(r"^(ok|not ok|skip) (\S+)", l)
        if m:
            verdicts[m.group(2)] = m.group(1)
    figs = []
    for l in lines(step, "console.log"):
        m = re.match(r"^FIGURE (\S+)((?: \S+=\S+)+)\s*$", l)
        if m:
            figs.append((m.group(1), dict(kv.split("=", 1) for kv in
                                          m.group(2).split())))
    boot = read(step, "seconds", "?").strip()
    if not figs:
        figs = [("(no figures)", {})]
    for test, f in figs:
        name = test + (f" {f['role']}" if "role" in f else "")
        secs = f.get("secs")
        rows.append((name, kernel, what(test, {k: v for k, v in f.items()
                                                if k != "role"}),
                     f"{secs} s" if secs else f"boot {boot} s",
                     str(san), str(foreign), verdicts.get(test, "?")))

head = ("test", "kernel", "injections / cycles / iterations / execs",
        "duration", "sanitizer", "foreign", "verdict")
w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
print(f"reliability long mode, FSW_LONG_SCALE={scale}")
for r in [head, tuple("-" * x for x in w)] + rows:
    print(" | ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
print()
for step in steps:
    print(f"{step}: {read(step, 'kernel', '?').strip()} boot, "
          f"{read(step, 'wall', '?').strip()} s wall, run.sh: "
          f"{(lines(step, 'run.log') or ['?'])[-1]}")
EOF
fail=0
for s in "${steps[@]}"; do
	[ "$(cat "$res/$s/rc" 2>/dev/null)" = 0 ] || fail=1
done
exit $fail
