#!/bin/bash
# flowd on this host's embedded io_uring engine (no module): a directory
# of .flow files applied, flowctl run --wait, a changed file re-applied as
# a diff (the unchanged flow keeps its id), kill -9 + restart resumes, and
# the copies are byte-exact.  Usage: flowd-host.sh BUILD_DIR
set -u
B=${1:-build/default}
FLOWD=$B/flowd FLOWCTL=$B/flowctl
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "not ok $1"; fail=$((fail + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

t=$(mktemp -d /tmp/flowd-host.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$t"; }
trap cleanup EXIT
mkdir -p "$t/etc" "$t/run"
export FLOWD_SOCKET=$t/run/sock
head -c 48M /dev/urandom >"$t/src"
truncate -s 48M "$t/d1" "$t/d2" "$t/d3"
flowfile() {	# RATE of flow b
	cat >"$t/etc/f.flow.tmp" <<EOT
flowlang 1;
device s = file(path="$t/src");
device d1 = file(path="$t/d1");
device d2 = file(path="$t/d2");
flow a [rate=5MiB/s] { read(s) -> [chunk=1MiB, depth=2] write(d1); }
flow b [rate=$1] { read(s) -> [chunk=1MiB, depth=2] write(d2); }
EOT
	mv "$t/etc/f.flow.tmp" "$t/etc/f.flow"
}
start() { "$FLOWD" -E uring -c "$t/etc" -a "$t/none.conf" -s "$FLOWD_SOCKET" \
	-S "$t/run/state.json" 2>>"$t/log" & pid=$!
	for _ in $(seq 50); do [ -S "$FLOWD_SOCKET" ] && break; sleep 0.1; done; }
field() {	# FLOW KEY: from flowctl list --json
	"$FLOWCTL" list --json | python3 -c "import json,sys
print([f['$2'] for f in json.load(sys.stdin) if f['name']=='$1'][0])"
}

flowfile 5MiB/s
start
sleep 1
check engine-reported [ "$("$FLOWCTL" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["engine"])')" = io_uring ]
ida=$(field a id) idb=$(field b id) ba=$(field a bytes_done)
flowfile 6MiB/s
sleep 1
check diff-keeps-a [ "$(field a id)" = "$ida" ]
check diff-replaces-b [ "$(field b id)" != "$idb" ]
check a-grows [ "$(field a bytes_done)" -gt "$ba" ]
sleep 1.2
kill -9 $pid; wait $pid 2>/dev/null
before=$(python3 -c "import json; print(min(f['bytes'] for f in json.load(open('$t/run/state.json'))['flows']))")
start
# each flow of the killed flowd: resumed from its recorded bytes, or
# (if it had finished) not re-run
res=$("$FLOWCTL" stats --json | python3 -c "import json,sys; s=json.load(sys.stdin); print(s['reconciled_resumed'], s['reconciled_done'])")
check "reconciled(resumed,done: $res)" [ $(( ${res% *} + ${res#* } )) = 2 -a ${res% *} -ge 1 ]
check no-duplicates [ "$("$FLOWCTL" list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ]
cat >"$t/run.flow" <<EOT
flowlang 1;
device s = file(path="$t/src");
device d3 = file(path="$t/d3");
flow c { read(s) -> [chunk=1MiB, depth=4] write(d3); }
EOT
check run-wait timeout 60 "$FLOWCTL" run "$t/run.flow" --wait
check run-exact cmp -s "$t/src" "$t/d3"
for _ in $(seq 150); do [ "$(field a state)$(field b state)" = donedone ] && break; sleep 0.2; done
check a-exact cmp -s "$t/src" "$t/d1"
check b-exact cmp -s "$t/src" "$t/d2"
echo "resumed from >= $before bytes"
kill $pid; wait $pid; check clean-exit [ $? = 0 ]; pid=
[ $fail -eq 0 ] || cat "$t/log"
echo "flowd-host: $pass passed, $fail failed"
[ $fail -eq 0 ]
