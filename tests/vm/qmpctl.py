#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The host's end of the guest's request channel: QMP on the guest's behalf.

    qmpctl.py QMP_SOCK CTL_SOCK SPEC_FILE LOG

The guest cannot reach QEMU's monitor, so run.sh gives it a third serial
port (/dev/ttyS2 in the guest) whose other end is CTL_SOCK, and starts
this helper beside QEMU.  The guest writes one request per line:

    ping                 -> "pong"
    device_del ID        -> QMP device_del, then wait for DEVICE_DELETED
                            (pciehp takes about 6.5 s under TCG)
    device_add ID        -> plug ID back with the arguments SPEC_FILE has
                            for it (and its drive first, if QEMU dropped it)

and reads one answer line: "ok CMD ID MS" (MS: milliseconds QEMU took) or
"err CMD ID REASON".  Only the devices of SPEC_FILE can be touched; each of
its lines is

    ID<TAB>DEVICE_ADD ARGUMENTS<TAB>DRIVE_ADD ARGUMENTS (optional)

in the command line's syntax (HMP device_add / drive_add).  Everything
said on both channels goes to LOG with times.  The helper ends when QEMU
closes its sockets (or run.sh kills it).
"""
import json
import os
import select
import socket
import sys
import time

DEL_TIMEOUT = 90.0  # s: pciehp's 5 s plus a slow sanitizer guest


class Qmp:
    def __init__(self, path, log):
        self.log = log
        self.sock = connect(path)
        self.buf = b""
        self.events = []
        self.recv_msg()  # greeting
        self.execute("qmp_capabilities")

    def recv_msg(self, timeout=30.0):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("qmp: no answer")
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                data = self.sock.recv(65536)
                if not data:
                    raise EOFError("qmp: closed")
                self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        msg = json.loads(line)
        self.log("qmp< " + line.decode(errors="replace"))
        return msg

    def execute(self, cmd, **args):
        req = {"execute": cmd}
        if args:
            req["arguments"] = args
        text = json.dumps(req)
        self.log("qmp> " + text)
        self.sock.sendall(text.encode() + b"\n")
        while True:
            msg = self.recv_msg()
            if "event" in msg:
                self.events.append(msg)
                continue
            if "error" in msg:
                raise RuntimeError(msg["error"].get("desc", "error"))
            return msg.get("return")

    def hmp(self, line):
        out = self.execute("human-monitor-command", **{"command-line": line})
        if out and out.strip():
            raise RuntimeError(out.strip())

    def wait_event(self, name, device, timeout):
        end = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name and \
                   ev.get("data", {}).get("device") == device:
                    del self.events[i]
                    return
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no %s for %s in %.0f s" %
                                   (name, device, timeout))
            self.events.append(self.recv_msg(left))


def connect(path, timeout=60.0):
    end = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def main():
    qmp_path, ctl_path, spec_path, log_path = sys.argv[1:5]
    logf = open(log_path, "a", buffering=1)
    t0 = time.monotonic()

    def log(text):
        logf.write("%8.3f %s\n" % (time.monotonic() - t0, text))

    spec = {}
    with open(spec_path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 2 and not line.startswith("#"):
                spec[fields[0]] = (fields[1],
                                   fields[2] if len(fields) > 2 else "")
    qmp = Qmp(qmp_path, log)
    ctl = connect(ctl_path)
    log("connected; devices: " + " ".join(sorted(spec)))
    buf = b""
    while True:
        r, _, _ = select.select([ctl, qmp.sock], [], [])
        if qmp.sock in r:
            # Events between requests; kept until a request wants them.
            try:
                qmp.events.append(qmp.recv_msg(1.0))
            except EOFError:
                break
            except TimeoutError:
                pass
        if ctl not in r:
            continue
        data = ctl.recv(4096)
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            req = line.decode(errors="replace").strip().split()
            if not req:
                continue
            log("guest> " + " ".join(req))
            answer = handle(qmp, spec, req)
            log("guest< " + answer)
            ctl.sendall(answer.encode() + b"\n")
    log("closed")


def handle(qmp, spec, req):
    cmd, dev = req[0], req[1] if len(req) > 1 else ""
    if cmd == "ping":
        return "pong"
    if cmd not in ("device_del", "device_add") or dev not in spec:
        return "err %s %s unknown request or device" % (cmd, dev or "-")
    t = time.monotonic()
    try:
        if cmd == "device_del":
            qmp.events = [e for e in qmp.events
                          if e["event"] != "DEVICE_DELETED"]
            qmp.execute("device_del", id=dev)
            qmp.wait_event("DEVICE_DELETED", dev, DEL_TIMEOUT)
        else:
            args, drive = spec[dev]
            if drive:
                drive_id = [kv.split("=", 1)[1] for kv in drive.split(",")
                            if kv.startswith("id=")][0]
                have = [b["device"] for b in qmp.execute("query-block")]
                # QEMU drops a -drive's backend with its device.
                if drive_id not in have:
                    qmp.hmp("drive_add 0 " + drive)
            qmp.hmp("device_add " + args)
    except (RuntimeError, TimeoutError) as e:
        return "err %s %s %s" % (cmd, dev, str(e).replace("\n", " "))
    return "ok %s %s %d" % (cmd, dev, (time.monotonic() - t) * 1000)


if __name__ == "__main__":
    try:
        main()
    except (EOFError, ConnectionError, KeyboardInterrupt):
        pass
