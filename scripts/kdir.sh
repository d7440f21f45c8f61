#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel build directory to compile the module against: the
# running kernel's when it has one, otherwise the newest Debian
# linux-headers-*-amd64 (this project's hosts run a kernel without modules).
kdir=/lib/modules/$(uname -r)/build
if [ -d "$kdir" ]; then
	echo "$kdir"
	exit 0
fi
kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
if [ -z "$kdir" ]; then
	echo "kdir.sh: no kernel build dir; run scripts/install-deps.sh" >&2
	exit 1
fi
echo "$kdir"
