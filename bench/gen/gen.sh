#!/usr/bin/env bash
# Builds bench/gen with -trimpath and writes base.pb.gz and head.pb.gz into
# the given directory. Usage: bench/gen/gen.sh <outdir> [gen flags...]
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 <outdir> [gen flags...]" >&2
  exit 2
fi
out="$1"; shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
# Run the binary from a neutral path: the profile records the executable's
# path as its mapping filename.
run_dir="${TMPDIR:-/tmp}/pprof-diff-benchgen"
rm -rf "$run_dir"
mkdir -p "$run_dir"
(cd "$here" && CGO_ENABLED=0 GOFLAGS= go build -trimpath -o "$run_dir/gen" .)
"$run_dir/gen" -out "$out" "$@"
rm -rf "$run_dir"
for f in base head; do
  printf '%s.pb.gz: %s bytes gzipped, %s bytes uncompressed\n' "$f" \
    "$(wc -c <"$out/$f.pb.gz")" "$(gzip -dc "$out/$f.pb.gz" | wc -c)"
done
