#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks (print figures, never gate): boot the stock kernel -- no
# sanitizers -- with 256 MiB NVMe disks and run bench.sh in the guest.
#   tests/bench/run.sh
# Needs `make` first (the module and the guest programs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../vm/run.sh" --bench stock
