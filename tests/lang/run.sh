#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Golden-file tests of the .flow language, run against a flowctl binary.
#
#   tests/lang/run.sh [--update] FLOWCTL
#
# ok/NAME.flow    must check clean (exit 0, no error); when present,
#                 NAME.plan is the exact 'explain' output, NAME.dot the
#                 exact 'dot' output, NAME.warn the exact diagnostics.
# err/NAME.flow   NAME.err holds the exact text diagnostics; the exit code
#                 must be 1 when it contains an error, 0 for warnings only.
#                 NAME.json, when present, is the exact --json output.
# bogons/NAME.flow  inputs that once crashed the compiler (found by the
#                 fuzzer); they must give exit 0 or 1, never a crash.
# NAME.args       extra arguments (-D, -I), one line, for either kind.
# coverage        every diagnostic code in lang/*.c has an err/ case.
# doc             every code is in lang/LANGUAGE.md, whose section 9 is
#                 what doc-examples.sh makes of the err/ goldens.
#
# Every case runs from its own directory, so file names in diagnostics
# are the short relative ones.  --update rewrites the goldens from the
# binary: review the diff before committing it.
# Prints "ok NAME" or "not ok NAME" plus a diff per case, and ends with
# "N passed, N failed"; exits 1 on any failure.
set -uo pipefail

update=0
if [ "${1:-}" = --update ]; then
	update=1
	shift
fi
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 [--update] FLOWCTL" >&2
	exit 2
fi
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
# A sanitized flowctl exits 1 on a report by default, which is also "found
# errors"; make a report unmistakable.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=86
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

result() {	# NAME OK(0/1) [DETAIL FILE]
	if [ "$2" -eq 0 ]; then
		echo "ok $1"
		pass=$((pass + 1))
	else
		echo "not ok $1"
		[ -n "${3:-}" ] && sed 's/^/    /' "$3"
		fail=$((fail + 1))
	fi
}

# compare GOLDEN ACTUAL: 0 when equal; with --update, take ACTUAL.
compare() {
	if [ $update -eq 1 ]; then
		cp "$2" "$1"
		return 0
	fi
	if [ ! -f "$1" ]; then
		echo "missing golden $(basename "$1")" >"$tmp/diff"
		return 1
	fi
	diff -u "$1" "$2" >"$tmp/diff"
}

args_of() {
	local f=${1%.flow}.args
	[ -f "$f" ] && cat "$f"
}

for f in "$here"/ok/*.flow; do
	[ -e "$f" ] || continue
	name=ok/$(basename "$f" .flow)
	base=${f%.flow}
	cd "$(dirname "$f")"
	# shellcheck disable=SC2046
	"$bin" check $(args_of "$f") "$(basename "$f")" >"$tmp/out" 2>&1
	rc=$?
	bad=0
	if [ $rc -ne 0 ]; then
		echo "exit $rc, expected 0" >"$tmp/diff"
		cat "$tmp/out" >>"$tmp/diff"
		bad=1
	elif [ -f "$base.warn" ] || [ -s "$tmp/out" ]; then
		compare "$base.warn" "$tmp/out" || bad=1
	fi
	for kind in plan dot; do
		[ $bad -eq 0 ] && [ -f "$base.$kind" ] || continue
		cmd=$kind
		[ $kind = plan ] && cmd=explain
		# shellcheck disable=SC2046
		"$bin" $cmd $(args_of "$f") "$(basename "$f")" >"$tmp/out" 2>&1
		compare "$base.$kind" "$tmp/out" || bad=1
	done
	result "$name" $bad "$tmp/diff"
done

for f in "$here"/err/*.flow; do
	[ -e "$f" ] || continue
	name=err/$(basename "$f" .flow)
	base=${f%.flow}
	cd "$(dirname "$f")"
	# shellcheck disable=SC2046
	"$bin" check $(args_of "$f") "$(basename "$f")" >"$tmp/out" 2>&1
	rc=$?
	bad=0
	compare "$base.err" "$tmp/out" || bad=1
	want=0
	grep -q '^[^ ].*: error\[' "$base.err" 2>/dev/null && want=1
	if [ $bad -eq 0 ] && [ $rc -ne $want ]; then
		echo "exit $rc, expected $want" >"$tmp/diff"
		bad=1
	fi
	if [ $bad -eq 0 ] && [ -f "$base.json" ]; then
		# shellcheck disable=SC2046
		"$bin" check --json $(args_of "$f") "$(basename "$f")" \
			>"$tmp/out" 2>&1
		compare "$base.json" "$tmp/out" || bad=1
	fi
	result "$name" $bad "$tmp/diff"
done

for f in "$here"/bogons/*.flow; do
	[ -e "$f" ] || continue
	cd "$(dirname "$f")"
	"$bin" check "$(basename "$f")" >"$tmp/out" 2>&1
	rc=$?
	{ echo "exit $rc, expected 0 or 1"; tail -n 20 "$tmp/out"; } >"$tmp/diff"
	bad=1
	[ $rc -le 1 ] && ! grep -q 'Sanitizer\|runtime error' "$tmp/out" &&
		bad=0
	result "bogons/$(basename "$f" .flow)" $bad "$tmp/diff"
done

# Every code the compiler can emit has at least one err/ case.
: >"$tmp/diff"
for code in $(grep -ohE '"[EW][0-9]{4}"' "$top"/lang/*.c | tr -d '"' |
	      sort -u); do
	ls "$here"/err/"$code"-*.flow >/dev/null 2>&1 ||
		echo "no err/$code-*.flow case" >>"$tmp/diff"
done
bad=0
[ -s "$tmp/diff" ] && bad=1
result coverage $bad "$tmp/diff"

# Every code is documented, and the examples in the reference are these.
: >"$tmp/diff"
doc=$top/lang/LANGUAGE.md
for code in $(grep -ohE '"[EW][0-9]{4}"' "$top"/lang/*.c | tr -d '"' |
	      sort -u); do
	grep -q "^| $code |" "$doc" || echo "$code missing from the table" \
		>>"$tmp/diff"
done
"$here"/doc-examples.sh >"$tmp/doc"
sed -n '/^## 9\. /,$p' "$doc" | diff -u - "$tmp/doc" >>"$tmp/diff"
bad=0
[ -s "$tmp/diff" ] && bad=1
result doc $bad "$tmp/diff"

# tests/run-all.sh totals "NAME: N passed, N failed" lines; the last line
# is the bare form.
echo "lang: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
