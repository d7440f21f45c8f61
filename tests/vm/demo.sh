#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What `make run` shows (fsw.mode=show): the user's story on the guest's
# real devices.  flowd starts on an empty directory with the site's values
# as -D (which namespace is which, where the image files live); each
# shipped example is then run through it with `flowctl run --wait`, so its
# bytes, rate and outcome scroll by; the module's events, flowd's flows and
# counters, and the module's own netlink dump close the show.
# Exit status: 0 when every example did what it says it does on this
# kernel (p2p-required is refused without P2PDMA: that is its point).
ex=/usr/share/flowswitch/examples
d=/tmp/demo

nvme_of() {	# SERIAL -> /dev/nvmeXn1
	for b in /sys/block/nvme*n1; do
		# QEMU pads the serial with blanks; read drops them.
		read -r sn <"$b/device/serial" 2>/dev/null
		[ "$sn" = "$1" ] && echo "/dev/${b##*/}"
	done
}
a=$(nvme_of fswA) b=$(nvme_of fswB)
ivshmem=
for p in /sys/bus/pci/devices/*; do
	[ "$(cat "$p/device")" = 0x1110 ] && ivshmem=${p##*/}
done
p2p=0
flowctl info | grep -q "^features .*p2pdma" && p2p=1
if [ $p2p = 1 ] && [ -n "$ivshmem" ]; then
	echo flowswitch_bar >"/sys/bus/pci/devices/$ivshmem/driver_override"
	echo "$ivshmem" >/sys/bus/pci/drivers_probe
fi

mkdir -p $d/etc
printf 'allow /dev/nvme*\nallow %s/*\n' $d >$d/flowd.conf
dd if=/dev/urandom of=$d/base.img bs=1M count=8 2>/dev/null
echo "--- flowd: A is $a, B is $b, the accelerator BAR is ${ivshmem:-absent}"
flowd -f -c $d/etc -a $d/flowd.conf -s $d/flowd.sock -S $d/state.json \
	-D "source=\"$a\"" -D "target=\"$b\"" \
	-D "db_disk=\"$a\"" -D "mirror_disk=\"$b\"" \
	-D "image_path=\"$d/db.img\"" -D image_direct=false \
	-D backup_span=32MiB \
	-D "image_file=\"$d/base.img\"" -D "load_disk=\"$b\"" -D load_at=200MiB \
	-D "accel=\"${ivshmem:-0000:00:00.0}\"" -D "stage_in=\"$a\"" \
	-D "stage_out=\"$b\"" -D stage_span=8MiB -D stage_at=212MiB \
	2>$d/flowd.log &
flowd=$!
export FLOWD_SOCKET=$d/flowd.sock
i=0
while [ ! -S $d/flowd.sock ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
flowctl monitor >$d/events.txt 2>&1 &
monitor=$!

rc=0
for f in nvme-clone backup-fanout file-to-nvme p2p-required; do
	echo "--- flowctl run $f.flow --wait"
	sed -n '/^#/p' $ex/$f.flow
	if flowctl run $ex/$f.flow --wait; then
		[ $f = p2p-required ] && [ $p2p = 0 ] && rc=1
	else
		[ $f = p2p-required ] && [ $p2p = 0 ] ||
			rc=1
	fi
done

echo "--- flowctl list"
flowctl list
echo "--- flowctl stats"
flowctl stats
echo "--- the module's events (flowctl monitor)"
kill $monitor 2>/dev/null
cat $d/events.txt
echo "--- the module's counters (flowctl dump stats)"
flowctl dump stats
kill $flowd
wait $flowd || rc=1
echo "--- flowd's log"
cat $d/flowd.log
exit $rc
