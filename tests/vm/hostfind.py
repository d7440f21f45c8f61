#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""hostfind.py IMAGE OFFSET LENGTH MEMFILE

Outside witness for data that passed through device memory: every 1 MiB
chunk of IMAGE[OFFSET, OFFSET + LENGTH) must appear at a page-aligned
offset of MEMFILE (the host file behind an emulated BAR).  Exit 0 when all
are found."""
import sys

CHUNK = 1 << 20
PAGE = 4096


def main():
    image, off, length, mem = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(image, "rb") as f:
        f.seek(off)
        data = f.read(length)
    with open(mem, "rb") as f:
        memory = f.read()
    missing = 0
    for start in range(0, len(data), CHUNK):
        chunk = data[start:start + CHUNK]
        at = memory.find(chunk)
        while at >= 0 and at % PAGE:
            at = memory.find(chunk, at + 1)
        if at < 0:
            print(f"hostfind: chunk at {off + start} of {image} not in {mem}")
            missing += 1
    return 1 if missing or not data else 0


if __name__ == "__main__":
    sys.exit(main())
