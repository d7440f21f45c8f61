#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks (print figures, never gate): boot a kernel with 256 MiB NVMe
# disks and run bench.sh in the guest.
#   tests/bench/run.sh        the stock kernel: no sanitizers, host pools
#   tests/bench/run.sh p2p    the debug kernel, the only one here with
#                             P2PDMA: p2p vs host pool vs dd in one boot
#                             (its sanitizers slow everything ~10x)
#   tests/bench/run.sh lang [OUT]  no guest: flowctl check against
#                             nft -c -f on 10000 flows (lang-nft.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
"") exec "$here/../vm/run.sh" --bench stock ;;
p2p) exec "$here/../vm/run.sh" --bench debug ;;
lang) exec "$here/lang-nft.sh" "${2:-build/default}" ;;
*) echo "usage: $0 [p2p | lang [OUT]]" >&2; exit 2 ;;
esac
