import { IncompatibleError, UsageError } from '../errors/index.js';
import type { Frame, Labels } from '../model/dict.js';
import { total, type Profile, type ValueType } from '../model/profile.js';
import { Accumulator, commonStackForm } from './accumulate.js';
import type { Granularity, Selection } from './select.js';

export interface SnapshotInfo {
  readonly source: string;
  readonly timeNanos: bigint | null;
  /** Total of the sample type over the selected samples (head: after --normalize). */
  readonly total: number;
  /** Samples left out as the profiler's own goroutine. */
  readonly profilerDropped: number;
}

export interface CumValues {
  readonly base: number;
  readonly head: number;
  readonly delta: number;
}

export interface DiffRow {
  readonly key: string;
  /** Leaf first. At function/file/line granularity, the one node. */
  readonly frames: readonly Frame[];
  readonly labels: Labels;
  readonly base: number;
  readonly head: number;
  readonly delta: number;
  readonly cum?: CumValues;
}

export interface DiffResult {
  readonly sampleType: ValueType;
  readonly granularity: Granularity;
  readonly base: SnapshotInfo;
  readonly head: SnapshotInfo;
  /** Ranked and cut to --top / --min-delta. */
  readonly rows: readonly DiffRow[];
  /** Rows that changed before --top and --min-delta cut them. */
  readonly changedRows: number;
  /** Scale applied to head by --normalize (1 without it). */
  readonly scale: number;
}

export interface DiffOptions {
  readonly selection: Selection;
  readonly sampleType?: string | undefined;
  readonly normalize?: boolean;
  /** Rows to keep; 0 keeps all. */
  readonly top?: number;
  /** Rows whose |delta| is below this are left out. */
  readonly minDelta?: number;
  /** Rank function/file/line rows by cum instead of flat. */
  readonly sortByCum?: boolean;
}

/** Resolves --sample-type for one profile: the named type, or the profile's default. */
export function sampleTypeIndexFor(p: Profile, name: string | undefined): number {
  if (name === undefined) return p.defaultSampleType;
  const i = p.sampleTypes.findIndex((t) => t.type === name);
  if (i < 0) {
    throw new UsageError(`unknown sample type "${name}"`, {
      subject: p.source,
      hint: `this profile has: ${p.sampleTypes.map((t) => t.type).join(', ') || '(none)'}`,
    });
  }
  return i;
}

/** Checks that two profiles can be compared on a sample type; returns its index in each. */
export function compatibleTypes(base: Profile, head: Profile, name: string | undefined): [number, number] {
  if (base.kind !== head.kind && base.kind !== 'other' && head.kind !== 'other'
    && !(isHeapLike(base) && isHeapLike(head))) {
    throw new IncompatibleError(`cannot compare a ${base.kind} profile (${base.source}) with a ${head.kind} profile`, {
      subject: head.source,
      hint: 'compare two profiles of the same kind, e.g. two heap or two goroutine profiles',
    });
  }
  const bi = sampleTypeIndexFor(base, name);
  const typeName = name ?? base.sampleTypes[bi]!.type;
  const hi = head.sampleTypes.findIndex((t) => t.type === typeName);
  if (hi < 0) {
    throw new IncompatibleError(`has no sample type "${typeName}" (it has: ${head.sampleTypes.map((t) => t.type).join(', ')})`, {
      subject: head.source,
      hint: 'both profiles must have the sample type being compared; pick one with --sample-type',
    });
  }
  const bu = base.sampleTypes[bi]!.unit;
  const hu = head.sampleTypes[hi]!.unit;
  if (bu !== hu) {
    throw new IncompatibleError(`sample type "${typeName}" is in ${hu}, but in ${bu} in ${base.source}`, { subject: head.source });
  }
  return [bi, hi];
}

function isHeapLike(p: Profile): boolean {
  return p.kind === 'heap' || p.kind === 'allocs';
}

/**
 * Growth first (largest positive delta), then shrinkage (most negative
 * first); ties broken by the key so output is deterministic.
 */
export function rankCompare(a: { delta: number; key: string }, b: { delta: number; key: string }): number {
  const ap = a.delta > 0;
  const bp = b.delta > 0;
  if (ap !== bp) return ap ? -1 : 1;
  if (ap) {
    if (a.delta !== b.delta) return b.delta - a.delta;
  } else if (a.delta !== b.delta) return a.delta - b.delta;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export function diffProfiles(base: Profile, head: Profile, opts: DiffOptions): DiffResult {
  const [bi, hi] = compatibleTypes(base, head, opts.sampleType);
  const sel = opts.selection;
  const acc = new Accumulator(base.dict, sel, 2);
  const scale = opts.normalize === true ? normalizeScale(base, bi, head, hi) : 1;
  const stackForm = base.kind === 'goroutine' ? commonStackForm([base.format, head.format]) : null;
  const bs = acc.fold(base, bi, 0, { stackForm });
  const hs = acc.fold(head, hi, 1, { scale, stackForm });
  const byCum = opts.sortByCum === true && acc.cum !== null;
  const minDelta = opts.minDelta ?? 0;
  const top = opts.top ?? 0;
  // Rank on numbers first and build row objects (frames, keys) only for the
  // rows that can make the cut: a diff of two 200k-stack profiles changes
  // most stacks, and describing them all would dominate the run.
  const n = acc.rowCount;
  const f0 = acc.flat[0]!;
  const f1 = acc.flat[1]!;
  const c0 = acc.cum?.[0];
  const c1 = acc.cum?.[1];
  const ids = new Int32Array(n);
  const sortVal = new Float64Array(n);
  let changedRows = 0;
  let m = 0;
  let maxAbs = 0;
  for (let r = 0; r < n; r++) {
    const d = f1[r]! - f0[r]!;
    const dc = c0 !== undefined ? c1![r]! - c0[r]! : d;
    if (d === 0 && dc === 0) continue;
    changedRows++;
    const v = byCum ? dc : d;
    if (minDelta > 0 && Math.abs(v) < minDelta) continue;
    ids[m] = r;
    sortVal[m++] = v;
    if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
  }
  // One number whose ascending order is the ranking: growth (largest
  // first), then shrinkage (most negative first), then unchanged.
  const offset = 2 * maxAbs + 1;
  const score = (v: number): number => (v > 0 ? -v : offset + v);
  let candidates = ids.subarray(0, m);
  if (top > 0 && m > top) {
    const scores = new Float64Array(m);
    for (let i = 0; i < m; i++) scores[i] = score(sortVal[i]!);
    const sorted = scores.slice().sort();
    const cut = sorted[top - 1]!; // rows tied with the last place stay in for the key tie-break
    const keep: number[] = [];
    for (let i = 0; i < m; i++) if (scores[i]! <= cut) keep.push(ids[i]!);
    candidates = Int32Array.from(keep);
  }
  const rows: DiffRow[] = [];
  for (const r of candidates) {
    const b = f0[r]!;
    const h = f1[r]!;
    const desc = acc.describe(r);
    const cum = c0 !== undefined ? { base: c0[r]!, head: c1![r]!, delta: c1![r]! - c0[r]! } : undefined;
    rows.push({ key: rowKey(desc.frames, desc.labels, sel.granularity), frames: desc.frames, labels: desc.labels, base: b, head: h, delta: h - b, ...(cum ? { cum } : {}) });
  }
  const sortKey = (row: DiffRow): number => (byCum ? row.cum!.delta : row.delta);
  rows.sort((a, c) => rankCompare({ delta: sortKey(a), key: a.key }, { delta: sortKey(c), key: c.key })
    || (a.cum && c.cum ? Math.abs(c.cum.delta) - Math.abs(a.cum.delta) : 0));
  const kept = top > 0 ? rows.slice(0, top) : rows;
  return {
    sampleType: base.sampleTypes[bi]!,
    granularity: sel.granularity,
    base: { source: base.source, timeNanos: base.timeNanos, total: bs.total, profilerDropped: bs.profilerDropped },
    head: { source: head.source, timeNanos: head.timeNanos, total: hs.total, profilerDropped: hs.profilerDropped },
    rows: kept,
    changedRows,
    scale,
  };
}

/** pprof's -normalize: head scaled so that its total equals the base's. */
function normalizeScale(base: Profile, bi: number, head: Profile, hi: number): number {
  const bt = total(base, bi);
  const ht = total(head, hi);
  if (bt === 0 || ht === 0) {
    throw new UsageError(`cannot --normalize: the ${bt === 0 ? 'base' : 'head'} profile's ${base.sampleTypes[bi]!.type} total is 0`, {
      subject: bt === 0 ? base.source : head.source,
      hint: 'compare without --normalize',
    });
  }
  return bt / ht;
}

/** A label key or value as it appears in a row key: quoted when it holds a separator. */
function keyPart(x: string): string {
  return /[=,{}"\s]/.test(x) || x === '' ? JSON.stringify(x) : x;
}

/**
 * A row's stable identity for machines: frames root first as
 * `function:line` joined by `;` (collapsed-stack order), then the labels.
 */
export function rowKey(frames: readonly Frame[], labels: Labels, g: Granularity): string {
  if (g === 'function') return frames[0]?.function ?? '';
  if (g === 'file') return frames[0]?.file ?? '';
  if (g === 'line') return frames[0] ? `${frames[0].function} ${frames[0].file}:${frames[0].line}` : '';
  let s = '';
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]!;
    s += (i === frames.length - 1 ? '' : ';') + f.function + ':' + f.line;
  }
  const ks = Object.keys(labels);
  if (ks.length > 0) s += ' {' + ks.map((k) => `${keyPart(k)}=${keyPart(labels[k]!)}`).join(',') + '}';
  return s;
}
