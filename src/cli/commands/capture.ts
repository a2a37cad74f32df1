import { resolve } from 'node:path';
import { runLoop } from '../../capture/loop.js';
import { LineReporter, lossSummary, startLine, TtyReporter } from '../../capture/report.js';
import { Store } from '../../capture/store.js';
import { DEFAULT_PROFILES, parseProfileList, planTargets } from '../../capture/targets.js';
import { UsageError } from '../../errors/index.js';
import { parseDuration } from '../../model/units.js';
import type { Io } from '../io.js';
import { intOption } from '../options.js';

export interface CaptureCommandOptions {
  out: string;
  profiles?: string;
  gc?: boolean;
  every?: string;
  count?: string;
  once?: boolean;
  timeout?: string;
  retries?: string;
}

function durationOption(v: string, option: string): number {
  const ms = parseDuration(v);
  if (ms === null || ms <= 0) {
    throw new UsageError(`invalid ${option} ${JSON.stringify(v)}`, { hint: 'give a duration such as 500ms, 30s, 5m, 6h, 1d or 1h30m' });
  }
  return ms;
}

export interface CaptureSettings {
  everyMs: number | null;
  count: number | null;
  timeoutMs: number;
  retries: number;
}

/** --every / --count / --once: a single round, N rounds, or until stopped. */
export function captureSettings(o: CaptureCommandOptions): CaptureSettings {
  const timeoutMs = durationOption(o.timeout ?? '30s', '--timeout');
  const retries = intOption(o.retries, '--retries', 2);
  const count = o.count === undefined ? null : intOption(o.count, '--count', 0);
  if (count === 0) throw new UsageError('invalid --count "0": expected at least 1');
  if (o.once === true) {
    if (o.every !== undefined || count !== null) {
      throw new UsageError('--once takes one round: it cannot be combined with --every or --count');
    }
    return { everyMs: null, count: 1, timeoutMs, retries };
  }
  if (o.every === undefined) {
    if (count === 1) return { everyMs: null, count: 1, timeoutMs, retries };
    throw new UsageError('say how often to capture: --every <duration>', {
      hint: 'e.g. --every 6h (until stopped), --every 30s --count 10, or --once for a single round',
    });
  }
  return { everyMs: durationOption(o.every, '--every'), count, timeoutMs, retries };
}

export async function captureCommand(io: Io, args: string[], o: CaptureCommandOptions): Promise<number> {
  const s = captureSettings(o);
  const profiles = o.profiles === undefined ? [...DEFAULT_PROFILES] : parseProfileList(o.profiles);
  const targets = planTargets(args, { profiles, gc: o.gc === true });
  const out = resolve(io.cwd, o.out);
  const store = new Store(out);
  const removed = await store.init(targets.map((t) => t.name));

  const err = io.stderr;
  err.write(startLine({
    targets: targets.map((t) => t.name),
    profiles: [...new Set(targets.flatMap((t) => t.captures.map((c) => c.profile)))],
    everyMs: s.everyMs,
    count: s.count,
    out,
  }));
  if (removed > 0) err.write(`removed ${removed} temporary file${removed === 1 ? '' : 's'} left by an interrupted capture\n`);

  // Signals belong to the CLI layer: the loop only sees an AbortSignal.
  // The first SIGINT/SIGTERM stops the loop between writes; a second one
  // exits at once, after removing any temporary file being written.
  const stop = new AbortController();
  let stoppedBy: string | null = null;
  const force = (): void => {
    store.removeTempsSync();
    err.write(`\npprof-diff: ${stoppedBy ?? 'signal'} again: exiting now\n`);
    process.exit(2);
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    stoppedBy = sig;
    err.write(`\npprof-diff: ${sig}: stopping (waiting for writes in progress; press again to exit at once)\n`);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.once('SIGINT', force);
    process.once('SIGTERM', force);
    stop.abort();
  };
  const onExit = (): void => store.removeTempsSync();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);

  const reporter = err.isTTY && io.env['TERM'] !== 'dumb'
    ? new TtyReporter(err, s.count, () => Date.now())
    : new LineReporter(err, s.count);
  let result;
  try {
    result = await runLoop({
      targets,
      everyMs: s.everyMs,
      count: s.count,
      timeoutMs: s.timeoutMs,
      retries: s.retries,
      millis: s.everyMs !== null && s.everyMs < 1000,
    }, store, reporter, stop.signal);
  } finally {
    store.removeTempsSync();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', force);
    process.removeListener('SIGTERM', force);
    process.removeListener('exit', onExit);
  }

  const total = result.landed + result.lost.length;
  if (result.stopped && stoppedBy !== null) {
    const cut = result.abandoned.map((a) => `${a.target}/${a.profile}`);
    err.write(cut.length > 0
      ? `stopped by ${stoppedBy} in round ${result.rounds}; not captured: ${cut.join(', ')}\n`
      : `stopped by ${stoppedBy} after round ${result.rounds}\n`);
  }
  if (result.fatal !== null) {
    // The disk failed: stop with that error (exit 2); what landed before it is complete.
    err.write(`stopped in round ${result.rounds}: ${result.landed} capture${result.landed === 1 ? '' : 's'} landed before the write error; manifest ${store.manifestPath}\n`);
    throw result.fatal;
  }
  err.write(`done: ${result.rounds} round${result.rounds === 1 ? '' : 's'}, ${result.landed} of ${total} captures landed; manifest ${store.manifestPath}\n`);
  if (result.lost.length > 0) {
    err.write(`pprof-diff: error: capture: ${result.lost.length} of ${total} captures lost\n`);
    err.write(lossSummary(result.lost).join('\n') + '\n');
    err.write(`hint: lost captures are in ${store.manifestPath} with "status":"lost"; check that the targets are up and serve /debug/pprof, or raise --timeout/--retries\n`);
    return 2;
  }
  return 0;
}
