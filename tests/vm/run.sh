#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot test guests and bring back their verdicts.
#
#   run.sh [--show] FLAVOR...     FLAVOR: stock | debug | kcsan
#
# For each flavor: get the kernel (kernel.sh), build the module against it
# in a private copy of the sources, pack an initramfs with the module, the
# tools and the guest tests, boot QEMU (TCG: nested KVM hangs here) with the
# test-bed devices, and read the verdicts from the guest's second serial
# port.  Any sanitizer or warning line in the guest's kernel log fails the
# run.  Logs stay in $BUILD/vm/FLAVOR/ (console.log, verdict.log, dmesg.txt).
#
# FSW_TESTS=GLOB limits the guest tests to those matching (while
# developing; make check runs them all); several globs, space-separated,
# take the union.  FSW_FUZZ_SECS and FSW_FUZZ_SEED reach t-fuzz-ioctl
# through the kernel command line, and so do the long mode's knobs
# ($guest_knobs below: FSW_UNPLUG_CYCLES, FSW_QMP_CYCLES, ...).
# FSW_TEST_TIMEOUT and FSW_GUEST_TIMEOUT (seconds) replace the per-test
# and per-boot limits.
#
# --show boots the guest quietly and prints what the module reports; it is
# `make run`.  --bench runs tests/bench/bench.sh in the guest instead of
# the tests, on disks of 256 MiB (tests/bench/run.sh).
#
# The last line is "vm: N passed, N failed".
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
B=${BUILD:-build}
case "$B" in /*) ;; *) B=$top/$B ;; esac
mode=test
case "${1:-}" in
--show) mode=show; shift ;;
--bench) mode=bench; shift ;;
esac
[ $# -gt 0 ] || set -- stock debug

# What the guest must report on each kernel.
declare -A expect_p2pdma=([stock]=0 [debug]=1 [kcsan]=1)
# Published p2pmem providers: the two NVMe CMBs, on a P2PDMA kernel only.
declare -A expect_providers=([stock]=0 [debug]=2 [kcsan]=2)
# The sanitizer kernels run the same tests about ten times slower.
declare -A guest_timeout=([stock]=300 [debug]=1200 [kcsan]=1200)
declare -A test_timeout=([stock]=120 [debug]=600 [kcsan]=600)
# The long mode (tests/reliability-report.sh) needs more of both.
if [ -n "${FSW_TEST_TIMEOUT:-}" ]; then
	test_timeout=([stock]=$FSW_TEST_TIMEOUT [debug]=$FSW_TEST_TIMEOUT
		      [kcsan]=$FSW_TEST_TIMEOUT)
fi
if [ -n "${FSW_GUEST_TIMEOUT:-}" ]; then
	guest_timeout=([stock]=$FSW_GUEST_TIMEOUT [debug]=$FSW_GUEST_TIMEOUT
		       [kcsan]=$FSW_GUEST_TIMEOUT)
fi
# Environment the guest tests take, passed through when set.
guest_knobs="FSW_UNPLUG_CYCLES FSW_QMP_CYCLES FSW_CLOSE_ITERS FSW_CLOSE_KILL
	FSW_RMMOD_ITERS FSW_MANY_FLOWS FSW_FAILNTH_ROUNDS
	FSW_MANY_THREADS FSW_MANY_ROUNDS"
if [ $mode = bench ]; then
	guest_timeout=([stock]=1800 [debug]=3600)
fi

# Lines that fail a run wherever they appear in the guest's kernel log
# (tests/vm/selftest.sh proves the list catches real reports).
sanitizer_re=$here/sanitizer.re

total_pass=0 total_fail=0

note() { echo "vm: $*"; }

# True when every sanitizer line of the guest's dmesg comes before the
# module's load line.
boot_report_only() {
	local out=$1 first load
	load=$(grep -n 'flowswitch: ABI' "$out/dmesg.txt" | head -n 1 | cut -d: -f1)
	first=$(grep -nEf "$sanitizer_re" "$out/dmesg.txt" | head -n 1 | cut -d: -f1)
	[ -n "$load" ] && [ -n "$first" ] && [ "$first" -lt "$load" ] &&
		! tail -n +"$load" "$out/dmesg.txt" | grep -qEf "$sanitizer_re"
}

run_flavor() {
	local flavor=$1 kernel=${1%%:*} topo=switch kdir out src shm t0 rc pass fail
	local tests_glob=${FSW_TESTS:-t-*}
	if [ "$flavor" != "$kernel" ]; then
		# A topology variant boots for its P2P verdicts alone
		# (t-p2p-topo, and t-topo: the same through flowctl topo).
		topo=${flavor#*:}
		tests_glob="t-*topo"
	elif [ "$kernel" = kcsan ]; then
		# The race detector runs the tests where flows run side by
		# side and owners come and go.
		tests_glob=${FSW_TESTS:-t-flow-*}
	fi
	kdir=$("$here/kernel.sh" "$kernel")
	out=$B/vm/${flavor/:/-}
	rm -rf "$out"
	mkdir -p "$out"

	# The module, built for this kernel in a private copy (out-of-tree
	# builds write next to their sources).
	src=$out/src
	mkdir -p "$src"
	cp -r "$top/kmod" "$top/include" "$src/"
	make -s -C "$src/kmod" KDIR="$kdir/build" >"$out/kmod-build.log" 2>&1 ||
		{ cat "$out/kmod-build.log"; note "module build failed for $flavor"; return 1; }
	grep -v '^Skipping BTF' "$out/kmod-build.log" || true

	make -s -C "$top" BUILD="$B" guest >/dev/null
	local extra=() disk=512M
	if [ $mode = bench ]; then
		extra=("$top/tests/bench/bench.sh" "$B"/default/tests/bench/uring-copy
		       "$B"/default/tests/bench/ioctl-cost "$B"/default/tests/bench/timeit
		       "$B"/default/tests/bench/xform-bench
		       "$B"/default/tests/bench/sock-bench
		       /usr/bin/dd /usr/bin/cp)
		disk=256M
	fi
	# FSW_TESTS may hold several globs: 't-failnth* t-fuzz*'.
	local names=() globs g
	read -ra globs <<<"$tests_glob"
	for g in "${globs[@]}"; do
		[ ${#names[@]} -eq 0 ] || names+=(-o)
		names+=(-name "$g")
	done
	"$here/initramfs.sh" "$out/initramfs.gz" "$kdir" "$src/kmod/flowswitch.ko" \
		"$B/default/flowctl" "$B/default/flowd" "$here/demo.sh" \
		"$B/default/examples/flowswitch-copy" \
		"${extra[@]}" -- $(find "$B/default/tests/guest" -maxdepth 1 \
		-type f \( "${names[@]}" \) ! -name '*.[od]' | sort)

	truncate -s $disk "$out/A.img" "$out/B.img"
	truncate -s 64M "$out/C.img"
	shm=/dev/shm/flowswitch-ivshmem-$$-${flavor/:/-}
	# 16 MiB: P2PDMA maps whole 2 MiB memory subsections of a BAR.
	truncate -s 16M "$shm"

	local append="console=ttyS0 panic=-1 fsw.mode=$mode"
	append+=" fsw.p2pdma=${expect_p2pdma[$kernel]}"
	append+=" fsw.providers=${expect_providers[$kernel]}"
	append+=" fsw.test_timeout=${test_timeout[$kernel]}"
	# QEMU 7.2's virtio-crypto (builtin backend) offers RSA, which fails
	# the stock kernel's akcipher self-test with a WARN at boot: neither
	# ours nor a path we use.  The debug kernel runs no crypto self-tests
	# (CRYPTO_MANAGER_DISABLE_TESTS); t-xform checks the device's cbc(aes)
	# against the CPU's itself.
	append+=" cryptomgr.notests=1"
	# Knobs of t-fuzz-ioctl: a longer campaign, a replayed seed.
	[ -z "${FSW_FUZZ_SECS:-}" ] || append+=" fsw.fuzz_secs=$FSW_FUZZ_SECS"
	[ -z "${FSW_FUZZ_SEED:-}" ] || append+=" fsw.fuzz_seed=$FSW_FUZZ_SEED"
	# The other tests' knobs (the long mode, tests/reliability-report.sh)
	# reach them as environment variables: fsw.env=NAME=VALUE.
	local knob
	for knob in $guest_knobs; do
		[ -z "${!knob:-}" ] || append+=" fsw.env=$knob=${!knob}"
	done
	local console=(-serial "file:$out/console.log")
	if [ $mode != test ]; then
		append+=" quiet"
		console=(-serial stdio)
	fi

	t0=$(date +%s)
	rc=0
	# The fabric: where A and B sit, the CPU model, an IOMMU, tracing.
	local fabric=() cpu=max
	case "$topo" in
	switch | switch-trace | iommu-switch)
		fabric=(-device pcie-root-port,id=rp1,chassis=1,slot=1
			-device x3130-upstream,id=up1,bus=rp1
			-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=1
			-device xio3130-downstream,id=dn2,bus=up1,chassis=2,slot=2
			-device xio3130-downstream,id=dn3,bus=up1,chassis=2,slot=3) ;;
	rootports | rootports-epyc | iommu-rootports)
		fabric=(-device pcie-root-port,id=dn1,chassis=1,slot=1
			-device pcie-root-port,id=dn2,chassis=2,slot=2
			-device pcie-root-port,id=dn3,chassis=3,slot=3) ;;
	*) note "unknown topology '$topo'"; return 1 ;;
	esac
	case "$topo" in
	iommu-*)
		# First among the devices, so it translates all of them.
		fabric=(-device intel-iommu,intremap=off "${fabric[@]}")
		append+=" intel_iommu=on" ;;
	esac
	# TESTBED: two root ports allow P2P through the host bridge only on
	# an AMD Zen CPU; the default model does not.
	[ "$topo" = rootports ] && cpu=qemu64
	[ "$topo" = rootports-epyc ] && cpu=EPYC
	[ "$topo" = switch-trace ] &&
		fabric+=(-trace 'pci_nvme_map_addr*' -D "$out/nvme-trace.log")
	append+=" fsw.topo=$topo"

	# The guest's request channel (t-hotunplug-qmp): its third serial
	# port is ctl.sock, where qmpctl.py unplugs and plugs back, over QMP,
	# the devices named here (those on hot-pluggable switch ports; C sits
	# on the root bus, which has no hotplug).  The ports use native PCIe
	# hotplug (pciehp, in both kernels; about 6.5 s per device_del), not
	# QEMU's ACPI hotplug, which the debug kernel has no driver for
	# (acpi-pci-hotplug-with-bridge-support=off below).
	printf '%s\t%s\t%s\n' \
		nvA "nvme,id=nvA,serial=fswA,drive=dA,bus=dn1,cmb_size_mb=16" \
		"if=none,id=dA,file=$out/A.img,format=raw" \
		nvB "nvme,id=nvB,serial=fswB,drive=dB,bus=dn2,cmb_size_mb=16" \
		"if=none,id=dB,file=$out/B.img,format=raw" \
		shm "ivshmem-plain,id=shm,memdev=shm0,bus=dn3" "" \
		>"$out/qmpctl.spec"
	python3 "$here/qmpctl.py" "$out/qmp.sock" "$out/ctl.sock" \
		"$out/qmpctl.spec" "$out/qmpctl.log" 2>>"$out/qmpctl.log" &
	local helper=$!

	t0=$(date +%s)
	rc=0
	timeout "${guest_timeout[$kernel]}" qemu-system-x86_64 \
		-M q35 -cpu $cpu -accel tcg -m 1024 -smp 2 -no-reboot -nic none \
		-display none -monitor none \
		"${console[@]}" -serial "file:$out/verdict.raw" \
		-kernel "$kdir/bzImage" -initrd "$out/initramfs.gz" \
		-append "$append" \
		"${fabric[@]}" \
		-drive if=none,id=dA,file="$out/A.img",format=raw \
		-device nvme,id=nvA,serial=fswA,drive=dA,bus=dn1,cmb_size_mb=16 \
		-drive if=none,id=dB,file="$out/B.img",format=raw \
		-device nvme,id=nvB,serial=fswB,drive=dB,bus=dn2,cmb_size_mb=16 \
		-drive if=none,id=dC,driver=raw,file.driver=blkdebug,file.config="$here/blkdebug.conf",file.image.driver=file,file.image.filename="$out/C.img" \
		-device nvme,serial=fswC,drive=dC \
		-object memory-backend-file,id=shm0,size=16M,share=on,mem-path="$shm" \
		-device ivshmem-plain,id=shm,memdev=shm0,bus=dn3 \
		-object cryptodev-backend-builtin,id=cryptodev0 \
		-device virtio-crypto-pci,cryptodev=cryptodev0 \
		-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off \
		-chardev socket,id=ctl,path="$out/ctl.sock",server=on,wait=off \
		-serial chardev:ctl \
		-qmp "unix:$out/qmp.sock,server=on,wait=off" \
		2>"$out/qemu.log" || rc=$?
	kill "$helper" 2>/dev/null || true
	wait "$helper" 2>/dev/null || true
	mv "$shm" "$out/ivshmem.bin"
	echo "$(( $(date +%s) - t0 ))" >"$out/seconds"

	# The guest's tty turns \n into \r\n.
	tr -d '\r' <"$out/verdict.raw" >"$out/verdict.log"
	sed -n '/^dmesg-begin$/,/^dmesg-end$/p' "$out/verdict.log" |
		sed '1d;$d' >"$out/dmesg.txt"
	pass=$(grep -c '^ok ' "$out/verdict.log" || true)
	fail=$(grep -c '^not ok ' "$out/verdict.log" || true)
	grep -E '^(ok|not ok|skip) ' "$out/verdict.log" | sed "s/^/  $flavor: /"

	# Comparisons the guest asked for: the host reads the image files the
	# emulated controllers wrote, an outside witness of the data.
	local a aoff b boff len
	while read -r _ a aoff b boff len; do
		if cmp -s -n "$len" -i "$aoff:$boff" "$out/$a" "$out/$b"; then
			echo "  $flavor: ok hostcmp $a@$aoff $b@$boff $len"
			pass=$((pass + 1))
		else
			echo "  $flavor: not ok hostcmp $a@$aoff $b@$boff $len"
			fail=$((fail + 1))
		fi
	done < <(grep '^hostcmp ' "$out/verdict.log")
	# Data the guest says passed through a BAR: each 1 MiB chunk of it
	# must be found, page-aligned, in the file behind that BAR.
	while read -r _ a aoff len b; do
		if python3 "$here/hostfind.py" "$out/$a" "$aoff" "$len" "$out/$b"; then
			echo "  $flavor: ok hostfind $a@$aoff+$len in $b"
			pass=$((pass + 1))
		else
			echo "  $flavor: not ok hostfind $a@$aoff+$len in $b"
			fail=$((fail + 1))
		fi
	done < <(grep '^hostfind ' "$out/verdict.log")
	# QEMU's own record of the NVMe DMA: the p2p flow's bytes must have
	# been written into B's CMB window by A and read out of it by B.
	local lo hi bytes said
	while read -r _ lo hi bytes; do
		if said=$(python3 "$here/nvmetrace.py" "$out/nvme-trace.log" "$lo" "$hi" "$bytes"); then
			echo "  $flavor: ok nvmetrace: $said (flow $bytes)"
			pass=$((pass + 1))
		else
			echo "  $flavor: not ok nvmetrace: $said (flow $bytes)"
			fail=$((fail + 1))
		fi
	done < <(grep '^nvmetrace ' "$out/verdict.log")

	if ! grep -qx done "$out/verdict.log"; then
		note "$flavor: guest did not finish (qemu exit $rc after $(cat "$out/seconds") s); qemu said:"
		tail -n 5 "$out/qemu.log" | sed 's/^/    /'
		note "$flavor: console tail:"
		tail -n 40 "$out/console.log" 2>/dev/null | sed 's/^/    /'
		fail=$((fail + 1))
	fi
	# The console has what the kernel said after the dmesg dump, too.
	cat "$out/dmesg.txt" "$out/console.log" 2>/dev/null | tr -d '\r' |
		grep -Ef "$sanitizer_re" >"$out/sanitizer.txt" || true
	# Reports on the short list of known-reports.py are the kernel's own,
	# never with a flowswitch frame (the pciehp lockdep report of every
	# first QMP device_del): kept for reading, not counted.
	python3 "$here/known-reports.py" "$out/dmesg.txt" "$out/console.log" |
		sort -u >"$out/known-reports.txt"
	if [ -s "$out/known-reports.txt" ]; then
		grep -vxFf "$out/known-reports.txt" "$out/sanitizer.txt" \
			>"$out/sanitizer.kept" || true
		mv "$out/sanitizer.kept" "$out/sanitizer.txt"
		note "$flavor: known kernel report(s), not ours, not counted: $(sort -u "$out/known-reports.txt" | sed 's/^\[ *[0-9.]*\] //' | sort -u | paste -sd ';') ($out/known-reports.txt)"
	fi
	# KCSAN also reports races between two parts of the kernel that are
	# not ours (benign ones abound, and TCG's timing finds them): those
	# are kept for reading, not counted.  A race with a side in
	# flowswitch (its functions are fsw_*) counts like any report.
	if [ "$kernel" = kcsan ]; then
		grep 'KCSAN: ' "$out/sanitizer.txt" | grep -v 'fsw_' \
			>"$out/kcsan-foreign.txt" || true
		grep -vxFf "$out/kcsan-foreign.txt" "$out/sanitizer.txt" \
			>"$out/sanitizer.kept" || true
		mv "$out/sanitizer.kept" "$out/sanitizer.txt"
		[ -s "$out/kcsan-foreign.txt" ] &&
			note "$flavor: $(sort -u "$out/kcsan-foreign.txt" | wc -l) race(s) outside flowswitch, not counted: $out/kcsan-foreign.txt"
	fi
	# A report from the kernel's own boot, before flowswitch was loaded,
	# and none after: not ours (seen: a KASAN wild-memory-access in the
	# early IRQ path on intel-iommu boots, about one in six, under TCG).
	# Kept for reading, and the flavor boots once more; a second one
	# counts.
	if [ -s "$out/sanitizer.txt" ] && [ -z "${boot_retry:-}" ] &&
		boot_report_only "$out"; then
		note "$flavor: a report in the kernel's boot before flowswitch loaded (kept in $out.boot-report/); booting once more"
		rm -rf "$out.boot-report"
		mv "$out" "$out.boot-report"
		boot_retry=1 run_flavor "$flavor"
		return
	fi
	if [ -s "$out/sanitizer.txt" ]; then
		note "$flavor: sanitizer/warning lines in the guest log:"
		sort -u "$out/sanitizer.txt" | head -n 20 | sed 's/^/    /'
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
		echo "  $flavor: ok no-sanitizer-lines"
	fi
	if [ $fail -gt 0 ] && [ $mode = test ]; then
		note "$flavor: failing tests' output:"
		grep -B30 '^\[guest\] not ok' "$out/console.log" | tail -n 60 | sed 's/^/    /' || true
	fi
	note "$flavor: guest ran $(cat "$out/seconds") s, $pass passed, $fail failed"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
}

for flavor in "$@"; do
	case "$flavor" in
	stock | debug | debug:* | kcsan)
		run_flavor "$flavor" || total_fail=$((total_fail + 1)) ;;
	*) echo "run.sh: unknown flavor '$flavor' (stock | debug[:TOPOLOGY] | kcsan)" >&2; exit 2 ;;
	esac
done
echo "vm: $total_pass passed, $total_fail failed"
[ $total_fail -eq 0 ]
