#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel half of the tree must be checkpatch --strict clean.  Uses the
# checkpatch.pl of the debug kernel's source (kernel.sh debug).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kdir=$(tests/vm/kernel.sh debug)
files=$(git ls-files 'kmod/*.c' 'kmod/*.h' 'include/uapi/*.h')
if perl "$kdir/build/scripts/checkpatch.pl" --strict --no-tree -q -f $files; then
	echo "ok checkpatch ($(echo "$files" | wc -w) files)"
else
	echo "not ok checkpatch"
	exit 1
fi
