import type { Command } from 'commander';
import type { Io } from '../io.js';
import type { RunWrapper } from '../main.js';

/** Declares the `capture` command (options, help, action). */
export function registerCapture(program: Command, io: Io, run: RunWrapper): void {
  const capture = program
    .command('capture')
    .description('capture heap and goroutine snapshots from live /debug/pprof endpoints, on a schedule, into a directory trend and check read')
    .argument('<targets...>', 'base URLs (http://10.0.0.7:6060), full profile URLs (http://host:6060/debug/pprof/heap), or name=url')
    .requiredOption('-o, --out <dir>', 'the snapshot directory (created if missing): <dir>/<target>/<profile>-<UTC time>.pb.gz and <dir>/index.jsonl')
    .option('-p, --profiles <list>', 'profiles to capture from base URLs: heap, goroutine, allocs, goroutine-debug2 (text dump, .txt), goroutine-debug1, heap-debug1, or any other the endpoint serves (block, mutex, ...)', 'heap,goroutine')
    .option('--gc', 'run a GC before each heap snapshot (heap?gc=1), so inuse_* is current')
    .option('--every <duration>', 'start a round every <duration> (500ms, 30s, 6h, 1d, 1h30m); rounds keep to this schedule however long requests take')
    .option('--count <n>', 'stop after <n> rounds (default: until stopped with Ctrl-C / SIGTERM)')
    .option('--once', 'capture one round and exit (for cron)')
    .option('--timeout <duration>', 'give up on a request (connect to last byte) after this long; a profile that takes ?seconds=N (or the CPU profile, 30s) gets that much more', '30s')
    .option('--retries <n>', 'retry a failed capture <n> times (backoff 0.5s, 1s, 2s, ...) before recording it as lost', '2');
  capture.addHelpText('after', `
Each round captures every profile of every target at once, on a fixed schedule
(a round that overruns its slot says so, and the next starts on the next free slot).
A response lands only if it decodes as the profile asked for; it is written to a
temporary dotfile, fsynced and renamed, and never overwrites a file. A target that
is down, slow, answers an error or sends a bad body is retried, then recorded as
lost for that round; the loop goes on. Each capture appends one JSON line
{target, profile, file, time, bytes, status, error, round, attempts, url} to
<dir>/index.jsonl.

Output: nothing on stdout. On stderr, a progress line on a terminal, else one line
per round and one per lost capture, then a summary.
Exit codes: 0 every capture landed (also after Ctrl-C, for what was captured);
2 some were lost (after the loop completes; the summary says which and why), bad
usage, or the output directory cannot be written.

Examples:
  pprof-diff capture http://127.0.0.1:6060 --out snaps --every 6h
  pprof-diff capture api-1=http://10.0.0.7:6060 api-2=http://10.0.0.8:6060 -o snaps --every 30m --count 144 --gc
  pprof-diff capture http://127.0.0.1:6060 -o snaps --once --profiles heap,goroutine,goroutine-debug2
  pprof-diff capture http://127.0.0.1:6060/debug/pprof/heap -o snaps --every 1m --timeout 10s --retries 3
  pprof-diff trend snaps/`);
  capture.action(run(async (targets, opts) => {
    const m = await import('./capture.js');
    return m.captureCommand(io, targets as string[], opts as never);
  }));
}
