#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run cmocka unit-test programs and total their cases.
#   run-unit.sh [--label NAME] PROGRAM...
# Last line: "NAME: N passed, N failed" (NAME defaults to "unit").
set -uo pipefail

label=unit
if [ "${1:-}" = --label ]; then
	label=$2
	shift 2
fi
pass=0 fail=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	echo "$out"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' <<<"$out" | head -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' <<<"$out" | head -n1)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
	# A program that crashed or exited non-zero without a FAILED count
	# (a sanitizer report, say) still fails.
	if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "$label: $t exited $rc"
		fail=$((fail + 1))
	fi
done
echo "$label: $pass passed, $fail failed"
[ $fail -eq 0 ]
