import { UsageError } from '../errors/index.js';
import { isRuntimeFunction, type Dict, type Frame, type Labels } from '../model/dict.js';
import { sampleTypeIndex, total, type Profile, type ProfileKind, type SourceFormat, type ValueType } from '../model/profile.js';
import { Accumulator } from './accumulate.js';
import { rowKey } from './diff.js';
import type { Selection } from './select.js';
import { classify, detectRestarts, median, minSignificantN, splitAt, theilSen, type Classification, type Verdict } from './stats.js';

const HOUR_MS = 3_600_000;

export interface TrendOptions {
  readonly selection: Selection;
  /** Sample type for heap-like series (default inuse_space). */
  readonly sampleType?: string | undefined;
  /** Rows per series; 0 keeps all. */
  readonly top: number;
  readonly alpha?: number;
  /** Minimum leak rate per hour, per unit ("bytes", "count"); default: see minRateFor. */
  readonly minRatePerHour?: number | undefined;
  /** Memory limit in bytes for the projection. */
  readonly limitBytes?: number | undefined;
  /** Only goroutines blocked at least this long (debug=2 dumps). */
  readonly minWaitMinutes?: number;
  /** Which format to use where a target has several (default: protobuf first). */
  readonly inputFormat?: SourceFormat | undefined;
}

const FORMAT_PREFERENCE: SourceFormat[] = ['proto', 'goroutine-debug2', 'goroutine-debug1', 'heap-text'];
export const FORMAT_NAME: Record<SourceFormat, string> = {
  proto: 'protobuf',
  'goroutine-debug1': 'debug=1 text',
  'goroutine-debug2': 'debug=2 text',
  'heap-text': 'heap text',
};

export interface SnapshotRef {
  readonly source: string;
  readonly timeNanos: bigint | null;
  /** Milliseconds since the epoch: time_nanos, or the file's mtime when absent. */
  readonly timeMs: number;
  readonly fromMtime: boolean;
  readonly total: number;
}

export interface TrendRow {
  readonly key: string;
  readonly frames: readonly Frame[];
  readonly labels: Labels;
  /** One value per snapshot, in time order (0 where the stack is absent). */
  readonly values: number[];
  readonly slopePerHour: number;
  readonly pValue: number;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly first: number;
  readonly last: number;
  /** debug=2 only: goroutines of this stack present in the segment's first and last dump. */
  readonly survivingGoroutines?: number;
  /** debug=2 only: longest wait in the last dump, minutes. */
  readonly maxWaitMinutes?: number;
  /** debug=2 only: median wait in the last dump, minutes. */
  readonly medianWaitMinutes?: number;
  /** Dict stack id (internal; not in JSON). */
  readonly stackId: number;
}

/** A series with every row, before --top cut them (suspects and the fleet need them all). */
interface FullSeries extends Series {
  readonly allRows: readonly TrendRow[];
}

function allRowsOf(s: Series): readonly TrendRow[] {
  return (s as FullSeries).allRows ?? s.rows;
}

export interface Restart {
  /** Index of the first snapshot of the new process. */
  readonly index: number;
  readonly before: string;
  readonly after: string;
}

export interface Series {
  readonly target: string;
  readonly kind: ProfileKind;
  readonly format: SourceFormat;
  readonly sampleType: ValueType;
  /** alloc_* is analysed as a rate (per-interval increments), not a level. */
  readonly asRate: boolean;
  readonly snapshots: readonly SnapshotRef[];
  readonly restarts: readonly Restart[];
  /** First snapshot index of the segment the statistics use (the latest process). */
  readonly segmentStart: number;
  readonly total: { values: number[]; slopePerHour: number; pValue: number; verdict: Verdict };
  readonly rows: readonly TrendRow[];
  readonly rowCount: number;
  readonly minRatePerHour: number;
}

export interface Suspect {
  readonly target: string;
  readonly goroutine: { key: string; frames: readonly Frame[]; slopePerHour: number; last: number };
  readonly heap: ReadonlyArray<{ key: string; frames: readonly Frame[]; slopePerHour: number; verdict: Verdict }>;
  /** Heap growth rate ÷ goroutine growth rate (bytes); null without growing heap. */
  readonly bytesPerGoroutine: number | null;
  /** Whether the target has an inuse_space heap series to compare with. */
  readonly heapCompared: boolean;
  readonly hint: string | null;
}

export interface Projection {
  readonly target: string;
  readonly current: number;
  readonly slopePerHour: number;
  readonly verdict: Verdict;
  readonly limit: number | null;
  /** Hours from the last snapshot until the fitted total reaches the limit; null when never. */
  readonly hoursToLimit: number | null;
}

export interface FleetRow {
  readonly key: string;
  readonly kind: ProfileKind;
  readonly frames: readonly Frame[];
  readonly labels: Labels;
  readonly leakTargets: number;
  readonly targets: number;
  readonly medianSlopePerHour: number;
  readonly unit: string;
}

export interface TrendResult {
  readonly series: readonly Series[];
  readonly suspects: readonly Suspect[];
  readonly projections: readonly Projection[];
  readonly fleet: readonly FleetRow[];
  readonly notes: readonly string[];
}

interface GoroutineTrack {
  ids: Set<number>[];
  waits: number[][];
}

interface SeriesState {
  target: string;
  kind: ProfileKind;
  /** 'allocs' when read from /debug/pprof/allocs files. */
  origin: ProfileKind;
  format: SourceFormat;
  sampleType: ValueType;
  acc: Accumulator;
  snaps: SnapshotRef[];
  /** Restart signal per column: cumulative alloc total, or goroutine total. */
  restartTotals: number[];
  restartKind: 'cumulative' | 'goroutine' | 'gauge';
  asRate: boolean;
  track: Map<number, GoroutineTrack> | null;
}

/** The rate below which a significant rise is `growing`, not `leak`, when --min-rate is not given. */
function defaultMinGrowth(unit: string): number {
  // Growth over the observed window that is worth calling a leak: a few
  // goroutines, a few hundred KiB. Smaller drifts are sampling noise in
  // heap estimates or ordinary churn.
  if (unit === 'bytes') return 256 * 1024;
  return 5;
}

/**
 * Folds a series of profiles, one at a time (each can be dropped after
 * add()), and computes per-stack trends, suspects, projections and the fleet
 * view. Pure: no I/O.
 */
export class TrendBuilder {
  private readonly dict: Dict;
  private readonly opts: TrendOptions;
  private readonly series = new Map<string, SeriesState>();
  private readonly notes: string[] = [];

  constructor(dict: Dict, opts: TrendOptions) {
    this.dict = dict;
    this.opts = opts;
  }

  /** Which sample type a series of this profile's kind analyses. */
  private typeFor(p: Profile): number {
    const want = this.opts.sampleType;
    if (p.kind === 'heap' || p.kind === 'allocs') {
      if (want !== undefined && sampleTypeIndex(p, want) >= 0) return sampleTypeIndex(p, want);
      const inuse = sampleTypeIndex(p, 'inuse_space');
      return inuse >= 0 ? inuse : p.defaultSampleType;
    }
    if (want !== undefined && sampleTypeIndex(p, want) >= 0) return sampleTypeIndex(p, want);
    return p.defaultSampleType;
  }

  add(target: string, p: Profile, mtimeMs: number): void {
    // heap and allocs are the same data: one series
    const kind: ProfileKind = p.kind === 'allocs' ? 'heap' : p.kind;
    const ti = this.typeFor(p);
    const st = p.sampleTypes[ti]!;
    // /debug/pprof/allocs is the heap profile under another default: the
    // same data, so its files are an alternative source, never added in.
    const key = `${target}\u0000${kind}\u0000${st.type}\u0000${p.format}\u0000${p.kind}`;
    const allocIdx = sampleTypeIndex(p, 'alloc_space');
    let s = this.series.get(key);
    if (s === undefined) {
      s = {
        target,
        kind,
        origin: p.kind,
        format: p.format,
        sampleType: st,
        acc: new Accumulator(this.dict, this.opts.selection, 0),
        snaps: [],
        restartTotals: [],
        restartKind: kind === 'goroutine' ? 'goroutine' : allocIdx >= 0 ? 'cumulative' : 'gauge',
        asRate: st.type.startsWith('alloc_'),
        track: p.format === 'goroutine-debug2' ? new Map() : null,
      };
      this.series.set(key, s);
    }
    if (p.timeNanos !== null) {
      const same = s.snaps.find((x) => x.timeNanos === p.timeNanos);
      if (same !== undefined) {
        // Two files of one moment (a copy, or the same capture twice) are one
        // observation; counting both would fake evidence.
        this.notes.push(`${target}: ${p.source} has the same time_nanos as ${same.source}: a copy, left out`);
        return;
      }
    }
    const col = s.snaps.length;
    s.acc.ensureColumns(col + 1);
    const track = s.track;
    const details = p.goroutines;
    const minWait = this.opts.minWaitMinutes ?? 0;
    const onSample = track !== null && details !== undefined
      ? (row: number, i: number) => {
        const d = details[i];
        if (d === undefined) return;
        let t = track.get(row);
        if (t === undefined) {
          t = { ids: [], waits: [] };
          track.set(row, t);
        }
        while (t.ids.length <= col) t.ids.push(new Set());
        while (t.waits.length <= col) t.waits.push([]);
        d.ids.forEach((id, j) => {
          if (d.waitMinutes[j]! >= minWait) {
            t!.ids[col]!.add(id);
            t!.waits[col]!.push(d.waitMinutes[j]!);
          }
        });
      }
      : undefined;
    const fs = s.acc.fold(p, ti, col, { ...(onSample ? { onSample } : {}), minWaitMinutes: minWait });
    const timeMs = p.timeNanos !== null ? Number(p.timeNanos / 1_000_000n) : mtimeMs;
    s.snaps.push({ source: p.source, timeNanos: p.timeNanos, timeMs, fromMtime: p.timeNanos === null, total: fs.total });
    // Restarts are judged on the whole profile, never on what the filters
    // kept: a filtered-down stack halving is not a process restart.
    s.restartTotals.push(total(p, s.restartKind === 'cumulative' && allocIdx >= 0 ? allocIdx : ti));
  }

  result(): TrendResult {
    const want = this.opts.sampleType;
    if (want !== undefined && ![...this.series.values()].some((s) => s.sampleType.type === want)) {
      const have = [...new Set([...this.series.values()].map((s) => s.sampleType.type))];
      throw new UsageError(`unknown sample type "${want}": no profile in the series has it`, { hint: `the series have: ${have.join(', ')}` });
    }
    const series: Series[] = [];
    // One format per target and kind: the same moments are often captured
    // in several forms (protobuf and text), which must not be mixed.
    const groups = new Map<string, SeriesState[]>();
    for (const s of this.series.values()) {
      const g = `${s.target}\u0000${s.kind}\u0000${s.sampleType.type}`;
      groups.set(g, [...(groups.get(g) ?? []), s]);
    }
    for (const states of groups.values()) {
      const preferred = [...states].sort((a, b) => FORMAT_PREFERENCE.indexOf(a.format) - FORMAT_PREFERENCE.indexOf(b.format)
        || (a.origin === 'allocs' ? 1 : 0) - (b.origin === 'allocs' ? 1 : 0))[0];
      let pick = preferred;
      const want = this.opts.inputFormat;
      if (want !== undefined) {
        // --input-format chooses among the formats of a kind; a kind with
        // none of that format keeps its own, and the report says so.
        pick = states.find((s) => s.format === want) ?? preferred;
        if (pick !== undefined && pick.format !== want) {
          this.notes.push(`${pick.target}: no ${pick.kind} profiles in ${FORMAT_NAME[want]}: used ${FORMAT_NAME[pick.format]}`);
        }
      }
      if (pick === undefined) continue;
      for (const s of states) {
        if (s !== pick) {
          this.notes.push(s.origin !== pick.origin && s.format === pick.format
            ? `${s.target}: ${s.snaps.length} allocs profiles left out: the same data as the heap profiles`
            : `${s.target}: ${s.snaps.length} ${s.kind} profiles in ${FORMAT_NAME[s.format]} left out in favour of ${FORMAT_NAME[pick.format]} (--input-format chooses)`);
        }
      }
      if ((this.opts.minWaitMinutes ?? 0) > 0 && pick.kind === 'goroutine' && pick.format !== 'goroutine-debug2') {
        this.notes.push(`${pick.target}: --min-wait applies to ?debug=2 dumps only; the ${FORMAT_NAME[pick.format]} goroutine profiles carry no wait times (--input-format debug2 uses the dumps)`);
      }
      series.push(this.finishSeries(pick));
    }
    series.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : kindOrder(a.kind) - kindOrder(b.kind)));
    if (series.some((s) => s.snapshots.some((x) => x.fromMtime))) {
      this.notes.push('text profiles carry no timestamp: their file modification time orders them');
    }
    return {
      series,
      suspects: this.suspects(series),
      projections: this.projections(series),
      fleet: this.fleet(series),
      notes: this.notes,
    };
  }

  private finishSeries(s: SeriesState): FullSeries {
    const n = s.snaps.length;
    // order columns by time (stable for equal times: by source name)
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s.snaps[a]!.timeMs - s.snaps[b]!.timeMs
      || (s.snaps[a]!.source < s.snaps[b]!.source ? -1 : 1));
    const snaps = order.map((i) => s.snaps[i]!);
    const tMs = snaps.map((x) => x.timeMs);
    const restartTotals = order.map((i) => s.restartTotals[i]!);
    const cuts = detectRestarts(tMs, restartTotals, { kind: s.restartKind });
    const restarts = cuts.map((i) => ({ index: i, before: snaps[i - 1]!.source, after: snaps[i]!.source }));
    const segs = splitAt(cuts, n);
    const seg = segs[segs.length - 1] ?? { start: 0, end: n };
    const unit = s.sampleType.unit;

    // statistics on the latest segment; alloc_* as per-interval rates
    const t0 = tMs[seg.start] ?? 0;
    const segT = tMs.slice(seg.start, seg.end).map((t) => (t - t0) / HOUR_MS);
    const spanH = segT.length > 0 ? segT[segT.length - 1]! : 0;
    const levelMinRate = this.opts.minRatePerHour ?? (spanH > 0 ? defaultMinGrowth(unit) / spanH : 0);
    // alloc_* is analysed as a rate, whose slope is per hour per hour: a
    // rate must grow by at least the minimum rate over the series.
    const minRate = s.asRate ? (spanH > 0 ? levelMinRate / spanH : 0) : levelMinRate;
    // Snapshots that share a timestamp (text files copied together keep one
    // modification time) have no order to test and no time to divide by.
    const distinct = new Set(segT).size;
    if (distinct < segT.length) {
      const fromMtime = snaps.slice(seg.start, seg.end).some((x) => x.fromMtime);
      this.notes.push(`${s.target}: ${segT.length - distinct + 1} ${s.kind} snapshots share a timestamp${fromMtime ? ' (file modification times: text profiles carry none)' : ''}; `
        + (distinct < minSignificantN(this.opts.alpha ?? 0.05) ? 'too few distinct times for a verdict' : 'their order is a guess')
        + (fromMtime ? '; give the files their capture times, e.g. touch -d' : ''));
    }
    const alpha = this.opts.alpha ?? 0.05;
    const stat = (vals: number[]): Classification => classifySegment(segT, vals.slice(seg.start, seg.end), s.asRate, { alpha, minRate });

    const totals = snaps.map((x) => x.total);
    // first/last: the values at the segment's ends; for alloc_* (analysed as
    // a rate) the first and last per-interval rates, per hour
    const endpoints = (values: number[]): { first: number; last: number } => {
      if (!s.asRate) return { first: values[seg.start] ?? 0, last: values[seg.end - 1] ?? 0 };
      const rate = (i: number): number => {
        const dt = segT[i]! - segT[i - 1]!;
        return dt > 0 ? (values[seg.start + i]! - values[seg.start + i - 1]!) / dt : 0;
      };
      const m = seg.end - seg.start;
      return m < 2 ? { first: 0, last: 0 } : { first: rate(1), last: rate(m - 1) };
    };
    const tc = stat(totals);
    const rows: TrendRow[] = [];
    const acc = s.acc;
    for (let r = 0; r < acc.rowCount; r++) {
      const values = order.map((c) => acc.flat[c]![r]!);
      if (values.every((v) => v === 0)) continue;
      const c = stat(values);
      const d = acc.describe(r);
      const extra = s.track ? this.waitFacts(s.track.get(r), order, seg.start, seg.end) : {};
      rows.push({
        key: rowKey(d.frames, d.labels, acc.granularity),
        frames: d.frames,
        labels: d.labels,
        values,
        slopePerHour: finiteOr0(c.slope),
        pValue: c.p,
        verdict: c.verdict,
        reason: c.reason,
        ...endpoints(values),
        stackId: d.stackId,
        ...extra,
      });
    }
    rows.sort((a, b) => verdictOrder(a.verdict) - verdictOrder(b.verdict) || b.slopePerHour - a.slopePerHour
      || (b.last - b.first) - (a.last - a.first) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rowCount = rows.length;
    return {
      target: s.target,
      kind: s.kind,
      format: s.format,
      sampleType: s.sampleType,
      asRate: s.asRate,
      snapshots: snaps,
      restarts,
      segmentStart: seg.start,
      total: { values: totals, slopePerHour: finiteOr0(tc.slope), pValue: tc.p, verdict: tc.verdict },
      rows: this.opts.top > 0 ? rows.slice(0, this.opts.top) : rows,
      allRows: rows,
      rowCount,
      minRatePerHour: minRate,
    };
  }

  private waitFacts(t: GoroutineTrack | undefined, order: number[], start: number, end: number): Partial<TrendRow> {
    if (t === undefined || end <= start) return {};
    const firstCol = order[start]!;
    const lastCol = order[end - 1]!;
    const first = t.ids[firstCol] ?? new Set<number>();
    const last = t.ids[lastCol] ?? new Set<number>();
    let surviving = 0;
    if (end - start > 1) for (const id of last) if (first.has(id)) surviving++;
    const waits = t.waits[lastCol] ?? [];
    return {
      survivingGoroutines: surviving,
      maxWaitMinutes: waits.reduce((a, b) => Math.max(a, b), 0),
      medianWaitMinutes: waits.length ? median(waits) : 0,
    };
  }

  /**
   * Ties each leaking goroutine stack to the heap stacks that grow with it:
   * heap allocations made on goroutines that start in the same function
   * (the heap stack's outermost frame is the goroutine's). Label variants of
   * one goroutine stack are summed first: the heap profile has no labels.
   */
  private suspects(series: Series[]): Suspect[] {
    const out: Suspect[] = [];
    const byTarget = new Map<string, Series[]>();
    for (const s of series) byTarget.set(s.target, [...(byTarget.get(s.target) ?? []), s]);
    for (const [target, ss] of byTarget) {
      const g = ss.find((s) => s.kind === 'goroutine' && !s.asRate);
      const h = ss.find((s) => s.kind === 'heap' && s.sampleType.type === 'inuse_space');
      if (g === undefined) continue;
      const gRows = allRowsOf(g);
      // sum label variants per stack
      const byStack = new Map<number, TrendRow[]>();
      for (const r of gRows) if (r.stackId >= 0) byStack.set(r.stackId, [...(byStack.get(r.stackId) ?? []), r]);
      for (const [stackId, rows] of byStack) {
        if (!rows.some((r) => r.verdict === 'leak')) continue;
        const sum = rows[0]!.values.map((_, i) => rows.reduce((a, r) => a + r.values[i]!, 0));
        const y = sum.slice(g.segmentStart);
        const c = classifyInSeries(g, sum, this.opts.alpha ?? 0.05);
        const frames = this.dict.frames(stackId);
        const start = outermostOwn(frames);
        const heapRows: Array<{ key: string; frames: readonly Frame[]; slopePerHour: number; verdict: Verdict }> = [];
        let heapRate = 0;
        if (h !== undefined && start !== null) {
          for (const hr of allRowsOf(h)) {
            if (hr.verdict !== 'leak' && hr.verdict !== 'growing') continue;
            if (hr.slopePerHour <= 0) continue;
            if (outermostOwn(hr.frames) !== start) continue;
            heapRows.push({ key: hr.key, frames: hr.frames, slopePerHour: hr.slopePerHour, verdict: hr.verdict });
            heapRate += hr.slopePerHour;
          }
        }
        heapRows.sort((a, b) => b.slopePerHour - a.slopePerHour);
        const gRate = finiteOr0(c.slope);
        out.push({
          target,
          goroutine: { key: rowKey(frames, {}, 'stack'), frames, slopePerHour: gRate, last: y[y.length - 1] ?? 0 },
          heap: heapRows,
          bytesPerGoroutine: heapRows.length > 0 && gRate > 0 ? heapRate / gRate : null,
          heapCompared: h !== undefined,
          hint: causeHint(frames, h),
        });
      }
    }
    out.sort((a, b) => b.goroutine.slopePerHour - a.goroutine.slopePerHour || (a.target < b.target ? -1 : 1));
    return out;
  }

  private projections(series: Series[]): Projection[] {
    const out: Projection[] = [];
    for (const s of series) {
      if (s.kind !== 'heap' || s.sampleType.type !== 'inuse_space') continue;
      const segT = segmentHours(s);
      const y = s.total.values.slice(s.segmentStart);
      if (y.length < 2) continue;
      const fit = theilSen(segT, y);
      const slope = finiteOr0(fit.slope);
      const lastT = segT[segT.length - 1]!;
      const current = y[y.length - 1]!;
      const limit = this.opts.limitBytes ?? null;
      let hoursToLimit: number | null = null;
      if (limit !== null && slope > 0) {
        const fitted = fit.intercept + slope * lastT;
        hoursToLimit = Math.max(0, (limit - Math.max(fitted, current)) / slope);
      }
      out.push({ target: s.target, current, slopePerHour: slope, verdict: s.total.verdict, limit, hoursToLimit });
    }
    return out;
  }

  private fleet(series: Series[]): FleetRow[] {
    const targets = new Set(series.map((s) => s.target));
    if (targets.size < 2) return [];
    // a stack can leak only in targets that have its kind of profile
    const targetsOf = new Map<string, Set<string>>();
    for (const s of series) {
      const k = `${s.kind}\u0000${s.sampleType.type}`;
      targetsOf.set(k, (targetsOf.get(k) ?? new Set()).add(s.target));
    }
    const by = new Map<string, { row: TrendRow; kind: ProfileKind; unit: string; leak: number; slopes: number[]; targets: number; of: number }>();
    for (const s of series) {
      for (const r of allRowsOf(s)) {
        const k = `${s.kind}\u0000${s.sampleType.type}\u0000${r.key}`;
        let e = by.get(k);
        if (e === undefined) {
          e = { row: r, kind: s.kind, unit: s.sampleType.unit, leak: 0, slopes: [], targets: 0, of: targetsOf.get(`${s.kind}\u0000${s.sampleType.type}`)!.size };
          by.set(k, e);
        }
        e.targets++;
        e.slopes.push(r.slopePerHour);
        if (r.verdict === 'leak') e.leak++;
      }
    }
    const out: FleetRow[] = [];
    for (const e of by.values()) {
      if (e.leak === 0) continue;
      out.push({
        key: e.row.key, kind: e.kind, frames: e.row.frames, labels: e.row.labels,
        leakTargets: e.leak, targets: e.of,
        medianSlopePerHour: median(e.slopes),
        unit: e.unit,
      });
    }
    out.sort((a, b) => b.leakTargets - a.leakTargets || kindOrder(a.kind) - kindOrder(b.kind) || b.medianSlopePerHour - a.medianSlopePerHour);
    return out;
  }
}

/**
 * trend's verdict for one series of values over a segment: `t` in hours,
 * `y` the values at those times. alloc_* (cumulative since process start)
 * is classified as its per-interval rates. Where snapshots share
 * timestamps, fewer distinct times than a significant test needs give no
 * verdict: copies have no order to test and no time to divide by.
 */
export function classifySegment(t: readonly number[], y: readonly number[], asRate: boolean, opts: { alpha: number; minRate: number }): Classification {
  let c: Classification;
  if (!asRate) c = classify(t, y, opts);
  else {
    const rt: number[] = [];
    const ry: number[] = [];
    for (let i = 1; i < y.length; i++) {
      const dt = t[i]! - t[i - 1]!;
      if (dt <= 0) continue;
      rt.push((t[i]! + t[i - 1]!) / 2);
      ry.push((y[i]! - y[i - 1]!) / dt);
    }
    c = classify(rt, ry, opts);
  }
  return new Set(t).size < minSignificantN(opts.alpha) ? { ...c, verdict: 'insufficient-data', reason: 'too-few-points' } : c;
}

/** classifySegment for values aligned with a series' snapshots (e.g. a total with some stacks taken out). */
export function classifyInSeries(s: Series, values: readonly number[], alpha: number): Classification {
  return classifySegment(segmentHours(s), values.slice(s.segmentStart), s.asRate, { alpha, minRate: s.minRatePerHour });
}

export function segmentHours(s: Series): number[] {
  const snaps = s.snapshots.slice(s.segmentStart);
  const t0 = snaps[0]?.timeMs ?? 0;
  return snaps.map((x) => (x.timeMs - t0) / HOUR_MS);
}

function finiteOr0(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

function kindOrder(k: ProfileKind): number {
  return k === 'goroutine' ? 0 : k === 'heap' ? 1 : 2;
}

const VERDICT_ORDER: Verdict[] = ['leak', 'growing', 'plateau', 'shrinking', 'stable', 'insufficient-data'];
export function verdictOrder(v: Verdict): number {
  return VERDICT_ORDER.indexOf(v);
}


/** The function a goroutine (or the goroutine an allocation ran on) starts in: the outermost non-runtime frame. */
function outermostOwn(frames: readonly Frame[]): string | null {
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]!.function;
    if (!isRuntimeFunction(f)) return f;
  }
  return null;
}

/** `main.handleMatch.func1` → `main.handleMatch`: the function a closure was declared in. */
function enclosing(fn: string): string {
  return fn.replace(/(\.func\d+)+$/, '');
}

const WAITS = /^runtime\.(selectgo|chanrecv[12]?|block)$/;
const CONTEXT_CTOR = /^context\.(WithCancel|WithTimeout|WithDeadline|WithCancelCause)$|^context\.\(\*cancelCtx\)\.Done$/;

/**
 * go vet's lostcancel, seen from the profiles: goroutines parked in select
 * or a channel receive, in a function whose declaring function made a
 * cancellable context (its cancelCtx or Done channel shows in the heap
 * profile), are what a missing `cancel()` leaves behind.
 */
function causeHint(frames: readonly Frame[], heap: Series | undefined): string | null {
  const waits = frames.some((f) => WAITS.test(f.function));
  if (!waits) return null;
  const start = outermostOwn(frames);
  if (start === null) return null;
  const owners = new Set([start, enclosing(start)]);
  let ctxEvidence = false;
  if (heap !== undefined) {
    for (const r of allRowsOf(heap)) {
      for (let i = 0; i + 1 < r.frames.length; i++) {
        if (CONTEXT_CTOR.test(r.frames[i]!.function) && owners.has(r.frames[i + 1]!.function)) ctxEvidence = true;
      }
    }
  }
  const where = frames.find((f) => WAITS.test(f.function))!.function.replace('runtime.', '');
  if (ctxEvidence) {
    return `parked in ${where} under ${start}, which waits on a context made in ${enclosing(start)}: a missing cancel() (go vet lostcancel) leaks exactly this`;
  }
  return `parked in ${where} in ${start} and never woken: look for a channel or context.Done() nobody closes`;
}

