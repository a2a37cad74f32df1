/**
 * The capture loop. Each round fetches every profile of every target
 * concurrently, so a dead or slow target costs a round one retry chain,
 * not one per profile; a capture is retried with backoff, then recorded as
 * lost, and the loop goes on. Rounds start on a fixed schedule. A stop
 * request (SIGINT/SIGTERM, as an AbortSignal) cuts off requests and waits,
 * never a file being written; a disk failure stops everything (fatal).
 */
import { setMaxListeners } from 'node:events';
import { AbortedError, FetchError, fetchBytes } from './http.js';
import { backoffMs, compactTimestamp, nextSlot } from './schedule.js';
import { StoreError, type ManifestRecord, type Store } from './store.js';
import type { CaptureSpec, Target } from './targets.js';
import { validateSnapshot } from './validate.js';

export interface LoopOptions {
  targets: readonly Target[];
  /** Interval between round starts; null for a single round. */
  everyMs: number | null;
  /** Rounds to run; null until stopped. */
  count: number | null;
  timeoutMs: number;
  retries: number;
  /** Millisecond timestamps in file names (sub-second intervals). */
  millis: boolean;
}

export interface Clock {
  /** Wall-clock ms since the epoch: names and the manifest. */
  wall(): number;
  /** Monotonic ms: the schedule, immune to clock steps. */
  mono(): number;
}

export const systemClock: Clock = { wall: () => Date.now(), mono: () => performance.now() };

export interface RoundStats {
  round: number;
  landed: number;
  lost: ManifestRecord[];
  bytes: number;
  durationMs: number;
}

/** What the loop tells the person watching it. */
export interface Reporter {
  roundStart(round: number, slotWall: number): void;
  captured(rec: ManifestRecord): void;
  retrying(target: string, profile: string, attempt: number, error: string, delayMs: number): void;
  /** `next` is the next round's start (wall ms), null after the last round. */
  roundEnd(stats: RoundStats, next: number | null): void;
  skipped(round: number, overrunMs: number, skipped: number, nextWall: number): void;
  close(): void;
}

export interface Abandoned {
  target: string;
  profile: string;
}

export interface LoopResult {
  rounds: number;
  landed: number;
  lost: ManifestRecord[];
  /** Captures cut off by a stop request: neither landed nor lost. */
  abandoned: Abandoned[];
  /** True when a stop request ended the loop early. */
  stopped: boolean;
  /** A disk failure that ended the loop. */
  fatal: StoreError | null;
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

export async function runLoop(o: LoopOptions, store: Store, report: Reporter, stop: AbortSignal, clock: Clock = systemClock): Promise<LoopResult> {
  // Requests and backoff waits end on a stop request or on a fatal error.
  const halt = new AbortController();
  // One listener per request or backoff in flight: as many as captures in a round.
  setMaxListeners(0, halt.signal);
  const onStop = (): void => halt.abort();
  stop.addEventListener('abort', onStop, { once: true });
  if (stop.aborted) halt.abort();

  const result: LoopResult = { rounds: 0, landed: 0, lost: [], abandoned: [], stopped: false, fatal: null };
  const wall0 = clock.wall();
  const mono0 = clock.mono();
  const every = o.everyMs ?? 0;

  /** One capture, with retries. Null when cut off by a stop. */
  async function captureOne(t: Target, spec: CaptureSpec, round: number, stamp: string): Promise<ManifestRecord | null> {
    const attempts = o.retries + 1;
    let error = '';
    let started = clock.wall();
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (halt.signal.aborted) return null;
      started = clock.wall();
      let bytes: Uint8Array | null = null;
      try {
        bytes = await fetchBytes(spec.url, { timeoutMs: o.timeoutMs + spec.holdMs, signal: halt.signal });
      } catch (e) {
        if (e instanceof AbortedError) return null;
        error = e instanceof FetchError ? e.message : `request failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (bytes !== null) {
        const invalid = validateSnapshot(bytes, spec.expect, spec.url);
        if (invalid === null) {
          // A valid response lands even if a stop came in meanwhile:
          // stopping happens between writes, not inside one.
          const file = await store.land(t.name, spec.profile, stamp, spec.text, isGzip(bytes), bytes);
          const rec: ManifestRecord = {
            target: t.name, profile: spec.profile, file, time: new Date(started).toISOString(), bytes: bytes.length,
            status: 'ok', error: null, round, attempts: attempt, url: spec.url,
          };
          await store.append(rec);
          return rec;
        }
        error = invalid;
      }
      if (attempt < attempts) {
        const delay = backoffMs(attempt);
        report.retrying(t.name, spec.profile, attempt, error, delay);
        if (!(await sleep(delay, halt.signal))) return null;
      }
    }
    const rec: ManifestRecord = {
      target: t.name, profile: spec.profile, file: null, time: new Date(started).toISOString(), bytes: null,
      status: 'lost', error, round, attempts, url: spec.url,
    };
    await store.append(rec);
    return rec;
  }

  async function captureSpec(t: Target, spec: CaptureSpec, round: number, stamp: string, stats: RoundStats): Promise<void> {
    if (halt.signal.aborted) {
      result.abandoned.push({ target: t.name, profile: spec.profile });
      return;
    }
    try {
      const rec = await captureOne(t, spec, round, stamp);
      if (rec === null) {
        result.abandoned.push({ target: t.name, profile: spec.profile });
        return;
      }
      if (rec.status === 'ok') {
        stats.landed++;
        stats.bytes += rec.bytes ?? 0;
      } else stats.lost.push(rec);
      report.captured(rec);
    } catch (e) {
      // The disk failed: nothing more can land. Stop every capture.
      if (result.fatal === null) result.fatal = e instanceof StoreError ? e : new StoreError(`cannot write: ${String(e)}`);
      halt.abort();
    }
  }

  try {
    let slot = 0;
    for (let round = 1; ; round++) {
      const slotMono = mono0 + slot * every;
      if (!(await sleep(slotMono - clock.mono(), halt.signal))) break;
      result.rounds = round;
      const slotWall = wall0 + slot * every;
      report.roundStart(round, slotWall);
      const stamp = compactTimestamp(slotWall, o.millis);
      const started = clock.mono();
      const stats: RoundStats = { round, landed: 0, lost: [], bytes: 0, durationMs: 0 };
      await Promise.all(o.targets.flatMap((t) => t.captures.map((spec) => captureSpec(t, spec, round, stamp, stats))));
      stats.durationMs = clock.mono() - started;
      result.landed += stats.landed;
      result.lost.push(...stats.lost);
      const last = o.everyMs === null || (o.count !== null && round >= o.count) || halt.signal.aborted;
      if (last) {
        report.roundEnd(stats, null);
        break;
      }
      const next = nextSlot(slot, clock.mono() - mono0, every);
      report.roundEnd(stats, wall0 + next.slot * every);
      if (next.skipped > 0) {
        report.skipped(round, clock.mono() - (mono0 + (slot + 1) * every), next.skipped, wall0 + next.slot * every);
      }
      slot = next.slot;
    }
  } finally {
    stop.removeEventListener('abort', onStop);
    report.close();
  }
  result.stopped = stop.aborted;
  return result;
}
