#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest-log judge must be able to fail: each line below is the shape of
# a real report (KASAN, lockdep, kmemleak, UBSAN, WARN, hung task) and must
# match sanitizer.re; the clean lines, taken from passing boots of both
# kernels, must not.
set -uo pipefail
re=$(dirname "$0")/sanitizer.re
pass=0 fail=0

must() {
	if echo "$2" | grep -qEf "$re"; then
		[ "$1" = match ] && pass=$((pass + 1)) && return
	else
		[ "$1" = clean ] && pass=$((pass + 1)) && return
	fi
	echo "not ok: expected $1: $2"
	fail=$((fail + 1))
}

must match "[   12.1] BUG: KASAN: slab-use-after-free in fsw_ctx_free+0x2a/0x40 [flowswitch]"
must match "[   12.1] WARNING: possible circular locking dependency detected"
must match "[   12.1] WARNING: CPU: 1 PID: 77 at kmod/dev.c:40 fsw_fops_release+0x10/0x20"
must match "unreferenced object 0xffff888003c2d000 (size 64):"
must match "[   40.2] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"
must match "[   12.1] UBSAN: array-index-out-of-bounds in kmod/ioctl.c:70:7"
must match "[   12.1] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:283"
must match "[  130.0] INFO: task insmod:71 blocked for more than 60 seconds."
must match "[   12.1] refcount_t: underflow; use-after-free."
must match "[   12.1] list_del corruption, ffff888003c2d000->next is LIST_POISON1"
must match "[   12.1] Oops: general protection fault, probably for non-canonical address"
must match "[   12.1] kernel BUG at mm/slub.c:400!"
must clean "[    8.2] kmemleak: Kernel memory leak detector initialized (mem pool available: 15080)"
must clean "[    0.0] kasan: KernelAddressSanitizer initialized (generic)"
must clean "[    0.1] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar"
must clean "[   11.6] flowswitch: loading out-of-tree module taints kernel."
must clean "[    1.8] nvme nvme0: failed to register the CMB"
must clean "    ok 5 fsw_test_numbers"

# Known foreign reports (known-reports.py): the sample is set aside, the
# same report with one flowswitch frame in it is not.
known() {
	local got
	got=$(python3 "$(dirname "$0")/known-reports.py" "$2" | wc -l)
	if { [ "$1" = known ] && [ "$got" -gt 0 ]; } ||
	   { [ "$1" = counted ] && [ "$got" -eq 0 ]; }; then
		pass=$((pass + 1))
	else
		echo "not ok: expected $1: $2 ($got lines set aside)"
		fail=$((fail + 1))
	fi
}
sample=$(dirname "$0")/known/pciehp-lockdep.txt
tmp=$(mktemp)
known known "$sample"
sed 's/pciehp_ist+0x266\/0x2ea/fsw_unplug_notify+0x10\/0x20 [flowswitch]/' \
	"$sample" >"$tmp"
known counted "$tmp"
sed 's/pci_rescan_remove_lock/fsw_ctx_lock/g' "$sample" >"$tmp"
known counted "$tmp"
rm -f "$tmp"
echo "harness: $pass passed, $fail failed"
[ $fail -eq 0 ]
