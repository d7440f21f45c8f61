#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/syz/flowswitch.txt against the UAPI header, both ways:
#  - every ioctl (FLOWSWITCH_IOC_*, and FLOWSWITCH_IOC_X for each
#    FLOWSWITCH_CMD_X), netlink command (FLOWSWITCH_NL_CMD_*) and netlink
#    attribute (FLOWSWITCH_A_*, FLOWSWITCH_*_A_*) of the header appears in
#    the description;
#  - every FLOWSWITCH_* name of the description exists in the header (so a
#    renamed constant is caught here, not by syz-extract on another
#    machine).
# The last line is "syz: N passed, N failed".
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
hdr=${1:-$top/include/uapi/linux/flowswitch.h}
txt=${2:-$top/tests/syz/flowswitch.txt}
pass=0 fail=0

while read -r name; do
	want=$name
	case $name in
	FLOWSWITCH_CMD_*) want=FLOWSWITCH_IOC_${name#FLOWSWITCH_CMD_} ;;
	esac
	if grep -qw -- "$want" "$txt"; then
		pass=$((pass + 1))
	else
		echo "syz: $name: no $want in $txt"
		fail=$((fail + 1))
	fi
done < <(grep -oE '\bFLOWSWITCH_(IOC|CMD|NL_CMD|A|[A-Z0-9]+_A)_[A-Z0-9_]+\b' "$hdr" |
	 sort -u | grep -vE '_MAX$|_UNSPEC$|^FLOWSWITCH_CMD_BASE$')

while read -r name; do
	if grep -qw -- "$name" "$hdr"; then
		pass=$((pass + 1))
	else
		echo "syz: $name of $txt is not in $hdr"
		fail=$((fail + 1))
	fi
done < <(sed 's/#.*//' "$txt" | grep -oE '\bFLOWSWITCH_[A-Z0-9_]+\b' | sort -u)

echo "syz: $pass passed, $fail failed"
[ $fail -eq 0 ]
