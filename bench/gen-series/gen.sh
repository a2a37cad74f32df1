#!/usr/bin/env bash
# Builds bench/gen-series with -trimpath and writes <outdir>/pod-1..pod-T/,
# each with R heap profiles (heap-000.pb.gz ...), the targets in parallel.
# Usage: bench/gen-series/gen.sh <outdir> [targets=6] [gen-series flags...]
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 <outdir> [targets] [gen-series flags...]" >&2
  exit 2
fi
out="$1"; shift
targets="${1:-6}"; [ $# -gt 0 ] && shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
# Run from a neutral path: the profile records the executable's path as its
# mapping filename.
run_dir="${TMPDIR:-/tmp}/pprof-diff-benchseries"
rm -rf "$run_dir"
mkdir -p "$run_dir"
(cd "$here" && CGO_ENABLED=0 GOFLAGS= go build -trimpath -o "$run_dir/gen-series" .)
pids=()
for t in $(seq 1 "$targets"); do
  rm -rf "$out/pod-$t"
  "$run_dir/gen-series" -out "$out/pod-$t" -seed "$t" "$@" &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
rm -rf "$run_dir"
exit $rc
