#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Kernel reports known not to be flowswitch's, in a guest's kernel log.

    known-reports.py LOG...

Prints the lines of LOG that sanitizer.re would match but that belong to a
report on the list below, so that run.sh can set them aside (into
known-reports.txt) instead of failing the run.  A report is the text from
its first line to the end of its stack dump ("</TASK>").  The list is
kept short and exact; a report with any flowswitch frame (fsw_*,
[flowswitch]) is never on it.

- pciehp-lockdep: 6.12's pciehp_unconfigure_device() drops the slot's
  reset_lock around each device's removal and takes it again while it
  holds pci_rescan_remove_lock, the reverse of the order pciehp_ist()
  took them in.  Lockdep reports a possible circular dependency on the
  first hot-unplug of a device behind a pciehp slot (every QMP device_del
  on this test bed, with or without flowswitch); both acquisitions are in
  the same thread of the same slot, and lockdep is off for the rest of
  that boot.  Sample: tests/vm/known/pciehp-lockdep.txt.
"""
import re
import sys

KNOWN = {
    "pciehp-lockdep": [
        "WARNING: possible circular locking dependency detected",
        "is trying to acquire lock:",
        "(&ctrl->reset_lock",
        "at: pciehp_unconfigure_device+",
        "but task is already holding lock:",
        "(pci_rescan_remove_lock)",
    ],
}
START = re.compile(r"WARNING: possible circular locking dependency detected")
OURS = re.compile(r"fsw_|\[flowswitch\]|flowswitch")


def reports(lines):
    i = 0
    while i < len(lines):
        if START.search(lines[i]):
            j = i
            while j < len(lines) and "</TASK>" not in lines[j]:
                j += 1
            # The "=====" rule lockdep prints before the header.
            yield lines[max(i - 1, 0):j + 1]
            i = j + 1
        else:
            i += 1


def known(block):
    text = "\n".join(block)
    if OURS.search(text):
        return None
    for name, needles in KNOWN.items():
        if all(n in text for n in needles):
            return name
    return None


def main():
    sanitizer = [re.compile(l.strip()) for l in
                 open(__file__.rsplit("/", 1)[0] + "/sanitizer.re")
                 if l.strip()]
    for path in sys.argv[1:]:
        try:
            lines = open(path, errors="replace").read().splitlines()
        except OSError:
            continue
        for block in reports(lines):
            name = known(block)
            if not name:
                continue
            for line in block:
                if any(r.search(line) for r in sanitizer):
                    print(line)


if __name__ == "__main__":
    main()
