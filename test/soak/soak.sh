#!/usr/bin/env bash
# Soak-test recipe: build a Go service, run it with net/http/pprof, let load
# (with its error paths) run, capture a series of heap and goroutine
# snapshots with `pprof-diff capture`, and gate with `pprof-diff check`.
#
# The service here is the fixture program fixtures/leakysvc: in serve mode it
# drives its own load (20 requests every 100 ms, 2 % of them taking the
# driver-cancel error path). For your own service, replace "start the
# service" with your binary and "load" with your load generator (k6, hey,
# vegeta, ...), and keep the error paths in the mix: that is where leaks hide.
#
# Usage: test/soak/soak.sh [leaky|fixed|subtle] [extra pprof-diff check args...]
# Exit:  pprof-diff check's: 0 pass, 1 a rule failed, 2 no verdict; 2 also
#        when the recipe itself cannot run (no go, service does not start).
# Env:   PPROF_DIFF  the pprof-diff command (default: this checkout's bin)
#        WORK        scratch directory (default: a new temporary one)
#        WARMUP      let caches warm up before the first snapshot (default 8s: leakysvc's route cache fills in ~5s)
#        EVERY COUNT capture schedule (default 1s and 5: 5 snapshots is the
#                    fewest with which the trend test can reach p < 0.05)
set -euo pipefail

variant="${1:-leaky}"
shift || true
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PPROF_DIFF="${PPROF_DIFF:-node $root/bin/pprof-diff.js}"
WORK="${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/pprof-diff-soak.XXXXXX")}"
WARMUP="${WARMUP:-8s}"
EVERY="${EVERY:-1s}"
COUNT="${COUNT:-5}"

command -v go >/dev/null || { echo "soak.sh: go not found on PATH" >&2; exit 2; }
mkdir -p "$WORK"

# 1. Build the service. -trimpath: profile file names read leakysvc/main.go,
#    not this machine's checkout path.
(cd "$root/fixtures/leakysvc" && CGO_ENABLED=0 go build -trimpath -o "$WORK/leakysvc" .)

# 2. Start it on a free loopback port (127.0.0.1:0); it prints
#    "listening on 127.0.0.1:PORT" once it accepts connections. -exit-after
#    is a safety net should this script be killed before its trap runs.
"$WORK/leakysvc" -serve 127.0.0.1:0 -variant "$variant" -exit-after 10m >"$WORK/service.out" 2>"$WORK/service.err" &
svc=$!
cleanup() { kill "$svc" 2>/dev/null || true; wait "$svc" 2>/dev/null || true; }
trap cleanup EXIT

addr=""
for _ in $(seq 1 100); do
  addr="$(sed -n 's/^listening on //p' "$WORK/service.out")"
  [ -n "$addr" ] && break
  kill -0 "$svc" 2>/dev/null || { echo "soak.sh: the service exited:" >&2; cat "$WORK/service.err" >&2; exit 2; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "soak.sh: the service did not start listening within 10s" >&2; exit 2; }
echo "soak.sh: $variant service on $addr; warming up for $WARMUP" >&2

# 3. Load runs in the background (leakysvc drives its own). Let caches and
#    pools warm up first: a cache still filling looks like growth.
sleep "${WARMUP%s}"

# 4. Capture a series: COUNT rounds of heap (after a GC) and goroutine profiles.
$PPROF_DIFF capture "soak=http://$addr" --out "$WORK/snapshots" --every "$EVERY" --count "$COUNT" --profiles heap,goroutine --gc

# 5. Gate. The exit code is the step's verdict.
set +e
$PPROF_DIFF check "$WORK/snapshots" --junit "$WORK/check.xml" "$@"
rc=$?
set -e
echo "soak.sh: pprof-diff check exited $rc; snapshots and report in $WORK" >&2
exit "$rc"
