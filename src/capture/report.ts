/**
 * What `capture` says on stderr while it runs. On a terminal, one status
 * line redrawn in place (round i of n, next capture in …, the last result
 * per target), with losses and skipped slots printed above it; otherwise
 * quiet, line-oriented logs: one line per round and one per lost capture.
 * stdout stays empty: the record of what landed is index.jsonl.
 */
import { formatBytes, formatDuration } from '../model/units.js';
import type { Reporter, RoundStats } from './loop.js';
import type { ManifestRecord } from './store.js';

export interface Sink {
  write(s: string): void;
  readonly columns: number | undefined;
}

export interface RunInfo {
  targets: readonly string[];
  profiles: readonly string[];
  everyMs: number | null;
  count: number | null;
  out: string;
}

const roundOf = (round: number, count: number | null): string => (count === null ? `round ${round}` : `round ${round}/${count}`);
const clockTime = (ms: number): string => new Date(ms).toISOString().slice(11, 19) + 'Z';
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export function startLine(info: RunInfo): string {
  const n = info.targets.length;
  const when = info.everyMs === null ? 'once' : `every ${formatDuration(info.everyMs)}${info.everyMs < 1000 ? ` (${info.everyMs}ms)` : ''}`;
  const rounds = info.everyMs === null ? '' : info.count === null ? ', until stopped' : `, ${info.count} round${info.count === 1 ? '' : 's'}`;
  return `capture: ${n} target${n === 1 ? '' : 's'} (${info.targets.join(', ')}) × ${info.profiles.join(',')}, ${when}${rounds} → ${info.out}\n`;
}

export function lostLine(rec: ManifestRecord): string {
  return `  lost ${rec.target}/${rec.profile}: ${rec.error ?? 'unknown error'} (${rec.attempts} attempt${rec.attempts === 1 ? '' : 's'})\n`;
}

export function roundLine(s: RoundStats, count: number | null, next: number | null): string {
  const parts = [`${s.landed} landed (${formatBytes(s.bytes)})`];
  if (s.lost.length > 0) parts.push(`${s.lost.length} lost`);
  const tail = next === null ? '' : `; next at ${clockTime(next)}`;
  return `${roundOf(s.round, count)}: ${parts.join(', ')} in ${secs(s.durationMs)}${tail}\n`;
}

export function skippedLine(round: number, overrunMs: number, skipped: number, nextWall: number): string {
  return `round ${round} overran its slot by ${secs(overrunMs)}: skipped ${skipped} slot${skipped === 1 ? '' : 's'}, next round at ${clockTime(nextWall)}\n`;
}

/**
 * The loss summary: one line per (target, profile, reason), with the
 * rounds it happened in, so a target down for a day is one line.
 */
export function lossSummary(lost: readonly ManifestRecord[]): string[] {
  const groups = new Map<string, { key: string; error: string; rounds: number[] }>();
  for (const r of lost) {
    // Numbers that vary between attempts (bytes received) would split a group.
    const reason = (r.error ?? '').replace(/\d+(\.\d+)? ?(B|KiB|MiB|GiB) of the body/g, 'part of the body');
    const k = `${r.target}/${r.profile}\u0000${reason}`;
    const g = groups.get(k) ?? { key: `${r.target}/${r.profile}`, error: reason, rounds: [] };
    g.rounds.push(r.round);
    groups.set(k, g);
  }
  return [...groups.values()]
    .sort((a, b) => a.key.localeCompare(b.key) || (a.rounds[0] ?? 0) - (b.rounds[0] ?? 0))
    .map((g) => `  ${g.key}: ${g.rounds.length === 1 ? 'round' : 'rounds'} ${compactRounds(g.rounds)}: ${g.error}`);
}

/** 1,2,3,5 → "1-3, 5". */
export function compactRounds(rounds: readonly number[]): string {
  const s = [...new Set(rounds)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    out.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** Line-oriented logs for pipes, files and CI. */
export class LineReporter implements Reporter {
  constructor(private readonly out: Sink, private readonly count: number | null) {}
  roundStart(): void {}
  captured(rec: ManifestRecord): void {
    if (rec.status === 'lost') this.out.write(lostLine(rec));
  }
  retrying(): void {}
  roundEnd(s: RoundStats, next: number | null): void {
    this.out.write(roundLine(s, this.count, next));
  }
  skipped(round: number, overrunMs: number, skipped: number, nextWall: number): void {
    this.out.write(skippedLine(round, overrunMs, skipped, nextWall));
  }
  close(): void {}
}

export interface ProgressState {
  round: number;
  count: number | null;
  /** Wall ms of the next round; null while a round is running or after the last. */
  next: number | null;
  /** Per target, per profile: the last result. */
  last: Map<string, Map<string, 'ok' | 'lost' | 'retrying'>>;
}

/** The status line, cut to the terminal's width. */
export function progressLine(s: ProgressState, now: number, columns: number): string {
  const head = s.next === null
    ? `${roundOf(s.round, s.count)} · capturing…`
    : `${roundOf(s.round, s.count)} done · next capture in ${formatDuration(Math.max(0, s.next - now))}`;
  const targets = [...s.last].map(([t, m]) => `${t}: ${[...m].map(([p, r]) => `${p} ${r}`).join(', ')}`);
  const line = [head, ...targets].join(' · ');
  const max = Math.max(10, columns - 1);
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

/** A status line redrawn in place on a terminal. */
export class TtyReporter implements Reporter {
  private readonly state: ProgressState;
  private ticker: NodeJS.Timeout | null = null;

  constructor(private readonly out: Sink, count: number | null, private readonly now: () => number) {
    this.state = { round: 0, count, next: null, last: new Map() };
  }

  private draw(): void {
    this.out.write(`\r\x1b[K${progressLine(this.state, this.now(), this.out.columns || 80)}`);
  }

  /** Prints a permanent line above the status line. */
  private print(s: string): void {
    this.out.write(`\r\x1b[K${s}`);
    this.draw();
  }

  private set(target: string, profile: string, r: 'ok' | 'lost' | 'retrying'): void {
    const m = this.state.last.get(target) ?? new Map<string, 'ok' | 'lost' | 'retrying'>();
    m.set(profile, r);
    this.state.last.set(target, m);
  }

  roundStart(round: number): void {
    this.stopTicker();
    this.state.round = round;
    this.state.next = null;
    this.draw();
  }
  captured(rec: ManifestRecord): void {
    this.set(rec.target, rec.profile, rec.status);
    if (rec.status === 'lost') this.print(`${roundOf(rec.round, this.state.count)}: ${lostLine(rec).trimStart()}`);
    else this.draw();
  }
  retrying(target: string, profile: string): void {
    this.set(target, profile, 'retrying');
    this.draw();
  }
  roundEnd(s: RoundStats, next: number | null): void {
    this.state.next = next;
    if (next === null) return;
    this.draw();
    this.ticker = setInterval(() => this.draw(), 1000);
    this.ticker.unref();
  }
  skipped(round: number, overrunMs: number, skipped: number, nextWall: number): void {
    this.print(skippedLine(round, overrunMs, skipped, nextWall));
  }
  private stopTicker(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }
  close(): void {
    this.stopTicker();
    this.out.write('\r\x1b[K');
  }
}
