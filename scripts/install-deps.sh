#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages flowswitch needs to build, to boot its test
# guests and to build the debug kernel.  Idempotent: when everything is
# already installed it prints nothing and returns at once.
#
# Usage: scripts/install-deps.sh [--check]
#   --check  only report what is missing (exit 1 if anything is)
set -euo pipefail

PKGS=(
	# userspace build and the libraries the tools link against
	build-essential pkg-config
	libbpf-dev libnl-3-dev libnl-genl-3-dev liburing-dev libcmocka-dev
	libjson-c-dev
	# the embedded engine's compressed frames (the crypto API's compression
	# is kernel-only, AF_ALG has none)
	liblz4-dev libzstd-dev zlib1g-dev
	# flowctl top's BPF program (clang -target bpf, bpftool gen skeleton)
	# and flowctl topo --svg (Graphviz's dot)
	clang bpftool graphviz
	# tests/bench/lang-nft.sh: the .flow checker against nft -c
	nftables
	# kernel and module builds
	bc bison flex libelf-dev libssl-dev kmod cpio xz-utils zstd
	linux-headers-amd64 linux-source-6.12
	# the QEMU test bed
	qemu-system-x86 qemu-utils busybox-static python3
)

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "${1:-}" = --check ]; then
	echo "missing packages: ${missing[*]}"
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install: ${missing[*]}" >&2
	exit 1
fi

# Parallel builds (make -j, several checkouts) may all get here at once:
# one installs, the others wait for it and then find nothing missing.
exec 9>/var/lock/flowswitch-install-deps.lock
flock 9
missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once per run.
apt-get update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
echo "install-deps: done"
