#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""nvmetrace.py TRACE LO HI BYTES

Outside witness of P2P DMA, from QEMU's NVMe trace events: a controller
mapping an address inside another controller's CMB window [LO, HI) logs
pci_nvme_map_addr with that address; a controller moving data from its own
CMB logs pci_nvme_map_addr_cmb.  A p2p flow of BYTES through B's CMB must
show at least BYTES of each.  Prints the sums; exit 0 when both suffice."""
import re
import sys

EVENT = re.compile(r"pci_nvme_map_addr(_cmb)? addr 0x([0-9a-f]+) len (\d+)")


def main():
    trace, lo, hi, need = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    into = own = 0
    with open(trace, errors="replace") as f:
        for line in f:
            m = EVENT.search(line)
            if not m:
                continue
            addr, length = int(m.group(2), 16), int(m.group(3))
            if m.group(1):
                own += length
            elif lo <= addr < hi:
                into += length
    print(f"{into} bytes mapped into the CMB window, {own} from a CMB")
    return 0 if into >= need and own >= need else 1


if __name__ == "__main__":
    sys.exit(main())
