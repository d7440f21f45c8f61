#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every example .flow file must pass `flowctl check`.
#   tests/examples.sh FLOWCTL
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
flowctl=$1
pass=0 fail=0
for f in "$top"/examples/*.flow; do
	if out=$("$flowctl" check "$f" 2>&1); then
		echo "ok $(basename "$f")"
		pass=$((pass + 1))
	else
		echo "not ok $(basename "$f")"
		echo "$out" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done
echo "examples: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
