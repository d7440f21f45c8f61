#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install into a staging directory, then use what it installed the
# way a user would: the example app (examples/*.c) compiled out of tree
# with nothing but `pkg-config --cflags --libs flowswitch` (pointed at the
# staging tree) and run against the installed shared library; the DKMS
# tree built with the MAKE line of its dkms.conf, as DKMS would; the man
# pages readable.
#
#   tests/install.sh [BUILD]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${BUILD:-build}}
pass=0 fail=0
stage=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$stage" "$work"' EXIT

ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "not ok $1${2:+: $2}"; fail=$((fail + 1)); }

if make -s -C "$top" BUILD="$BUILD" install DESTDIR="$stage" PREFIX=/usr \
	>"$work/install.log" 2>&1; then
	ok "make install"
else
	bad "make install" "$(tail -5 "$work/install.log")"
fi

for f in usr/bin/flowctl usr/include/linux/flowswitch.h \
	usr/include/flowswitch.h usr/include/flowswitch-nl.h \
	usr/lib/libflowswitch.a usr/lib/libflowswitch.so.1 \
	usr/lib/libflowswitch-nl.so.1 usr/lib/pkgconfig/flowswitch.pc \
	usr/lib/pkgconfig/flowswitch-nl.pc usr/share/man/man5/flow.5 \
	usr/share/man/man1/flowctl.1; do
	[ -e "$stage/$f" ] && ok "installed /$f" || bad "installed /$f" missing
done

# The example, outside the tree, from the installed headers alone.
export PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_LIBDIR=$stage/usr/lib/pkgconfig
if flags=$(pkg-config --cflags --libs flowswitch 2>&1); then
	ok "pkg-config flowswitch: $flags"
else
	bad "pkg-config flowswitch" "$flags"
fi
for ex in "$top"/examples/*.c; do
	name=$(basename "$ex" .c)
	cp "$ex" "$work/"
	# shellcheck disable=SC2086
	if (cd "$work" && cc -std=gnu11 -Wall -Wextra -Werror -o "$name" \
		"$name.c" $flags) >"$work/cc.log" 2>&1; then
		ok "example $name builds against the installed headers"
	else
		bad "example $name builds" "$(head -5 "$work/cc.log")"
		continue
	fi
	# Linked to the installed shared library, not the build tree's.
	out=$(LD_LIBRARY_PATH=$stage/usr/lib "$work/$name" --help 2>&1)
	rc=$?
	lib=$(LD_LIBRARY_PATH=$stage/usr/lib ldd "$work/$name" |
		grep -o "$stage/usr/lib/libflowswitch.so.1")
	if [ $rc -eq 0 ] && [ -n "$lib" ] && grep -q usage <<<"$out"; then
		ok "example $name runs on the installed library"
	else
		bad "example $name runs" "$out"
	fi
done

# DKMS: the installed source builds with dkms.conf's own MAKE line.
dkms=$(echo "$stage"/usr/src/flowswitch-*)
if [ -f "$dkms/dkms.conf" ] && kdir=$("$top/scripts/kdir.sh" 2>/dev/null); then
	make_line=$(sed -n 's/^MAKE\[0\]="\(.*\)"$/\1/p' "$dkms/dkms.conf")
	make_line=${make_line//\$\{kernel_source_dir\}/$kdir}
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$dkms/dkms.conf")
	# shellcheck disable=SC2086
	if [ "$dkms" = "$stage/usr/src/flowswitch-$ver" ] &&
		(cd "$dkms" && $make_line) >"$work/dkms.log" 2>&1 &&
		[ -f "$dkms/kmod/flowswitch.ko" ]; then
		ok "dkms tree builds flowswitch.ko ($make_line)"
	else
		bad "dkms tree builds" "$(grep -v '^Skipping BTF' "$work/dkms.log" | tail -5)"
	fi
else
	bad "dkms.conf installed, kernel headers found"
fi

# flowctl topo's picture on this host (no module here: the tree alone).
if command -v dot >/dev/null; then
	if "$stage/usr/bin/flowctl" topo --svg "$work/topo.svg" >"$work/topo.log" 2>&1 &&
		grep -q '<svg' "$work/topo.svg" && grep -q 'host bridge' "$work/topo.svg"; then
		ok "flowctl topo --svg draws the PCIe tree"
	else
		bad "flowctl topo --svg" "$(cat "$work/topo.log")"
	fi
else
	bad "flowctl topo --svg" "no Graphviz dot (scripts/install-deps.sh installs graphviz)"
fi

if man -l "$stage/usr/share/man/man1/flowctl.1" 2>/dev/null | grep -q topo; then
	ok "man flowctl renders"
elif ! command -v man >/dev/null; then
	ok "man flowctl (no man here to render it)"
else
	bad "man flowctl renders"
fi

echo "install: $pass passed, $fail failed"
[ $fail -eq 0 ]
