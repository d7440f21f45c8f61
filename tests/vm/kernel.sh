#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Provide the two guest kernels of the test bed and print where they are.
#
#   kernel.sh stock   Debian's stock kernel (linux-image-amd64, no P2PDMA):
#                     the package matching the installed linux-headers-amd64
#                     is downloaded and unpacked into the cache.
#   kernel.sh debug   The debug kernel: Debian's linux-source-6.12, tinyconfig
#                     + kernel-debug.config (P2PDMA, KASAN, lockdep, kmemleak,
#                     KUnit, fault injection).  Built only when the cache has
#                     no build for this source version and config hash.
#
# Prints one line on stdout: the cache directory holding
#   bzImage  the kernel to boot
#   build/   a directory usable as KDIR for out-of-tree modules
#   root/    (stock only) the package unpacked, with lib/modules/<kver>
#   kver     the kernel release string
# Progress goes to stderr.  FLOWSWITCH_CACHE overrides the cache root
# (default /var/cache/flowswitch); it is never inside the checkout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${FLOWSWITCH_CACHE:-/var/cache/flowswitch}
jobs=${JOBS:-$(nproc)}

log() { echo "kernel.sh: $*" >&2; }

stock() {
	local hdr kver ver dir tmp
	# linux-headers-amd64 depends on exactly one linux-headers-<kver>.
	hdr=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | grep -o 'linux-headers-[^ ,]*-amd64' | head -n1)
	kver=${hdr#linux-headers-}
	ver=$(dpkg-query -W -f='${Version}' "$hdr")
	dir=$cache/stock-$kver-$ver
	if [ ! -f "$dir/bzImage" ]; then
		log "fetching linux-image-$kver ($ver)"
		tmp=$(mktemp -d "$cache/.stock.XXXXXX")
		(cd "$tmp" && apt-get -o APT::Sandbox::User=root download -qq "linux-image-$kver=$ver" >/dev/null)
		mkdir -p "$tmp/out"
		dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/out/root"
		# The package leaves modules.dep to its postinst: make it here.
		depmod -b "$tmp/out/root" "$kver"
		mv "$tmp/out/root/boot/vmlinuz-$kver" "$tmp/out/bzImage"
		ln -s "/usr/src/linux-headers-$kver" "$tmp/out/build"
		echo "$kver" >"$tmp/out/kver"
		rm -rf "$dir"
		mv "$tmp/out" "$dir"
		rm -rf "$tmp"
	fi
	echo "$dir"
}

# Each CONFIG_X=v / "# CONFIG_X is not set" line of the fragment must hold in
# the final .config.
verify_config() {
	local frag=$1 cfg=$2 bad=0 line opt
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$cfg" || { log "dropped by Kconfig: $line"; bad=1; } ;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }; opt=${opt%% *}
			! grep -q "^$opt=" "$cfg" || { log "forced on by Kconfig: $opt"; bad=1; } ;;
		esac
	done <"$frag"
	return $bad
}

debug() {
	local frag=$here/kernel-debug.config src ver hash dir t0
	src=$(ls /usr/src/linux-source-6.12.tar.xz)
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	# The key covers the source, the fragment and the recipe below.
	hash=$(cat "$frag" <(sed -n '/^debug()/,/^}/p' "$0") | sha256sum | cut -c1-12)
	dir=$cache/debug-$ver-$hash
	if [ -f "$dir/bzImage" ]; then
		echo "$dir"
		return
	fi
	log "building the debug kernel ($ver, config $hash) in $dir; this takes 20-30 min on 2 cores"
	t0=$(date +%s)
	# Built in place (a kernel tree is not meant to move); bzImage is copied
	# last and marks the build complete, so an interrupted build restarts.
	rm -rf "$dir"
	mkdir -p "$dir"
	tar -xf "$src" -C "$dir"
	mv "$dir"/linux-source-6.12 "$dir/build"
	(
		cd "$dir/build"
		make -s tinyconfig >/dev/null
		scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
		make -s olddefconfig >/dev/null
		verify_config "$frag" .config
		make -s -j"$jobs" bzImage modules >"$dir/build.log" 2>&1 ||
			{ tail -n 40 "$dir/build.log" >&2; exit 1; }
	)
	make -s -C "$dir/build" kernelrelease >"$dir/kver"
	echo "$(( $(date +%s) - t0 ))" >"$dir/build-seconds"
	cp "$dir/build/arch/x86/boot/bzImage" "$dir/bzImage"
	log "debug kernel built in $(cat "$dir/build-seconds") s"
	echo "$dir"
}

# The race-detector kernel: the debug fragment without KASAN, plus
# kernel-kcsan.config.  Its own function (not a parameter of debug()) so
# that the debug kernel's cache key, which covers debug()'s text, stays.
kcsan() {
	local frag src ver hash dir t0
	src=$(ls /usr/src/linux-source-6.12.tar.xz)
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	hash=$(cat "$here/kernel-debug.config" "$here/kernel-kcsan.config" \
		<(sed -n '/^kcsan()/,/^}/p' "$0") | sha256sum | cut -c1-12)
	dir=$cache/kcsan-$ver-$hash
	if [ -f "$dir/bzImage" ]; then
		echo "$dir"
		return
	fi
	log "building the KCSAN kernel ($ver, config $hash) in $dir"
	t0=$(date +%s)
	rm -rf "$dir"
	mkdir -p "$dir"
	frag=$dir/fragment.config
	{ grep -v '^CONFIG_KASAN' "$here/kernel-debug.config"
	  cat "$here/kernel-kcsan.config"; } >"$frag"
	tar -xf "$src" -C "$dir"
	mv "$dir"/linux-source-6.12 "$dir/build"
	(
		cd "$dir/build"
		make -s tinyconfig >/dev/null
		scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
		make -s olddefconfig >/dev/null
		verify_config "$frag" .config
		make -s -j"$jobs" bzImage modules >"$dir/build.log" 2>&1 ||
			{ tail -n 40 "$dir/build.log" >&2; exit 1; }
	)
	make -s -C "$dir/build" kernelrelease >"$dir/kver"
	echo "$(( $(date +%s) - t0 ))" >"$dir/build-seconds"
	cp "$dir/build/arch/x86/boot/bzImage" "$dir/bzImage"
	log "KCSAN kernel built in $(cat "$dir/build-seconds") s"
	echo "$dir"
}

mkdir -p "$cache"
# Several checkouts or test runs may ask at once: one builds, the others
# wait and then find it in the cache.
case "${1:-}" in
stock | debug | kcsan)
	exec 9>"$cache/.lock-$1"
	flock 9
	;;
esac
case "${1:-}" in
stock) stock ;;
debug) debug ;;
kcsan) kcsan ;;
*) echo "usage: $0 stock|debug|kcsan" >&2; exit 2 ;;
esac
