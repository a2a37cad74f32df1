import { UsageError } from '../errors/index.js';
import { parseSize } from '../model/units.js';

/** A growth limit in bytes, or in percent of the base total (heap rules). */
export type SizeLimit =
  | { readonly kind: 'bytes'; readonly bytes: number; readonly text: string }
  | { readonly kind: 'percent'; readonly percent: number; readonly text: string };

/** The threshold options of `check`; an absent one is not a rule. */
export interface Thresholds {
  /** --max-goroutine-growth: total goroutines, last minus first. */
  readonly goroutine?: number | undefined;
  /** --max-stack-goroutine-growth: any one stack's goroutines, last minus first. */
  readonly stackGoroutine?: number | undefined;
  /** --max-heap-growth: total inuse_space, last minus first. */
  readonly heap?: SizeLimit | undefined;
  /** --max-stack-heap-growth: any one stack's inuse_space, last minus first. */
  readonly stackHeap?: SizeLimit | undefined;
}

export const THRESHOLD_OPTIONS = ['--max-goroutine-growth', '--max-stack-goroutine-growth', '--max-heap-growth', '--max-stack-heap-growth'] as const;

export function hasThreshold(t: Thresholds): boolean {
  return t.goroutine !== undefined || t.stackGoroutine !== undefined || t.heap !== undefined || t.stackHeap !== undefined;
}

/** A goroutine count limit: a whole number, 0 or more. */
export function parseCountLimit(v: string, option: string): number {
  const s = v.trim();
  if (!/^\d+$/.test(s)) {
    throw new UsageError(`invalid ${option} ${JSON.stringify(v)}: expected a whole number of goroutines, 0 or more`, {
      hint: `e.g. ${option} 10 (growth above 10 fails; 0 allows none)`,
    });
  }
  return Number(s);
}

/** "10MiB", "512KB", "0", "5%", "2.5%". Negative or malformed values are usage errors. */
export function parseSizeLimit(v: string, option: string): SizeLimit {
  const s = v.trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(s);
  if (pct !== null) return { kind: 'percent', percent: Number(pct[1]), text: `${pct[1]}%` };
  const n = parseSize(s);
  if (n === null || !Number.isFinite(n)) {
    throw new UsageError(`invalid ${option} ${JSON.stringify(v)}: expected a size or a percentage of the base total`, {
      hint: `e.g. ${option} 10MiB, ${option} 512KB, ${option} 5%`,
    });
  }
  return { kind: 'bytes', bytes: n, text: s };
}

/** The limit in bytes; a percentage is of the base (first snapshot's) total, as pprof's -diff_base percentages are. */
export function limitBytes(l: SizeLimit, baseTotal: number): number {
  return l.kind === 'bytes' ? l.bytes : (l.percent / 100) * baseTotal;
}
