#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Assemble the test guest's initramfs.
#
#   initramfs.sh OUT.cpio.gz KERNEL_DIR MODULE.ko BIN... -- TEST...
#
# KERNEL_DIR is what kernel.sh printed; when it holds a stock kernel's
# root/, the nvme driver and its dependencies are copied in and listed, in
# load order, in /lib/modules/load.order.  BINs go to /bin, TESTs to
# /tests; the shared libraries of both are copied as ldd reports them.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$1 kdir=$2 ko=$3
shift 3
bins=() tests=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do bins+=("$1"); shift; done
[ $# -gt 0 ] && shift
tests=("$@")

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,tests,lib/modules}

cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cp "$here/init" "$root/init"
cp "$ko" "$root/flowswitch.ko"

copy_libs() {
	local lib
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || cp -L --parents "$lib" "$root"
	done
}
for b in "${bins[@]}"; do
	# Replaces busybox's applet of that name (GNU dd for the benchmarks).
	cp --remove-destination "$b" "$root/bin/"
	copy_libs "$b"
done
for t in "${tests[@]}"; do
	cp "$t" "$root/tests/"
	copy_libs "$t"
done

# The shipped examples, where an installed tree has them (t-flowd-examples,
# and the flows `make run` shows).
mkdir -p "$root/usr/share/flowswitch/examples"
cp "$here"/../../examples/*.flow "$root/usr/share/flowswitch/examples/"

if [ -d "$kdir/root" ]; then
	kver=$(cat "$kdir/kver")
	# nvme for the disks; the crypto API's templates and AF_ALG for the
	# transform tests (a user's modprobe would load them on demand; the
	# guest has none); aesni_intel is optional (the CPU model decides);
	# virtio_crypto drives the transform device QEMU provides.
	# NVMe-oF/TCP target and initiator (and configfs) for t-nvmeof.
	for m in nvme ctr xts cbc gcm ghash_generic crc32c_generic aesni_intel \
		 lz4 zstd algif_skcipher algif_aead \
		 configfs nvme_fabrics nvme_tcp nvmet nvmet_tcp \
		 algif_hash virtio_pci virtio_crypto; do
		modprobe -d "$kdir/root" -S "$kver" --show-depends "$m" 2>/dev/null
	done |
		awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
		while read -r m; do
			cp "$m" "$root/lib/modules/"
			echo "/lib/modules/$(basename "$m")" >>"$root/lib/modules/load.order"
		done
fi

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
