import type { Frame, Labels } from '../model/dict.js';
import { total, type Profile, type ProfileKind, type SourceFormat, type ValueType } from '../model/profile.js';
import { Accumulator } from './accumulate.js';
import { rowKey, sampleTypeIndexFor } from './diff.js';
import { median } from './stats.js';
import type { Granularity, Selection } from './select.js';

export interface ShowRow {
  readonly key: string;
  readonly frames: readonly Frame[];
  readonly labels: Labels;
  readonly flat: number;
  readonly cum?: number;
  /** `?debug=2` dumps: wait states and minutes blocked of the stack's goroutines. */
  readonly goroutines?: { states: Record<string, number>; minWait: number; medianWait: number; maxWait: number };
}

export interface ShowResult {
  readonly source: string;
  readonly format: SourceFormat;
  readonly kind: ProfileKind;
  readonly timeNanos: bigint | null;
  readonly durationNanos: number;
  readonly periodType: ValueType | null;
  readonly period: number;
  readonly sampleCount: number;
  /** Every sample type with its total over all samples. */
  readonly sampleTypes: ReadonlyArray<ValueType & { total: number; isDefault: boolean }>;
  readonly sampleType: ValueType;
  readonly granularity: Granularity;
  /** Total of the shown sample type over the selected samples. */
  readonly total: number;
  readonly profilerDropped: number;
  readonly rows: readonly ShowRow[];
  readonly rowCount: number;
}

export interface ShowOptions {
  readonly selection: Selection;
  readonly sampleType?: string | undefined;
  readonly top?: number;
  readonly sortByCum?: boolean;
}

/** One profile's top nodes, like `pprof -top`: largest flat (or cum) first. */
export function showProfile(p: Profile, opts: ShowOptions): ShowResult {
  const ti = sampleTypeIndexFor(p, opts.sampleType);
  const acc = new Accumulator(p.dict, opts.selection, 1);
  const waits = new Map<number, { states: Record<string, number>; minutes: number[] }>();
  const minWait = opts.selection.minWaitMinutes ?? 0;
  const details = p.goroutines;
  const st = acc.fold(p, ti, 0, details === undefined ? {} : {
    onSample: (row, i) => {
      const d = details[i];
      if (d === undefined) return;
      let w = waits.get(row);
      if (w === undefined) {
        w = { states: {}, minutes: [] };
        waits.set(row, w);
      }
      d.waitMinutes.forEach((m) => {
        if (m >= minWait) w!.minutes.push(m);
      });
      for (const [state, n] of Object.entries(d.states)) w.states[state] = (w.states[state] ?? 0) + n;
    },
  });
  const rows: ShowRow[] = [];
  for (let r = 0; r < acc.rowCount; r++) {
    const flat = acc.flat[0]![r]!;
    const cum = acc.cum?.[0]![r];
    if (flat === 0 && (cum === undefined || cum === 0)) continue;
    const d = acc.describe(r);
    const w = waits.get(r);
    let g: ShowRow['goroutines'];
    if (w !== undefined && w.minutes.length > 0) {
      g = { states: w.states, minWait: w.minutes.reduce((a, b) => Math.min(a, b)), medianWait: median(w.minutes), maxWait: w.minutes.reduce((a, b) => Math.max(a, b)) };
    }
    rows.push({ key: rowKey(d.frames, d.labels, opts.selection.granularity), frames: d.frames, labels: d.labels, flat, ...(cum !== undefined ? { cum } : {}), ...(g ? { goroutines: g } : {}) });
  }
  const byCum = opts.sortByCum === true && acc.cum !== null;
  const v = (r: ShowRow): number => (byCum ? r.cum! : r.flat);
  rows.sort((a, b) => v(b) - v(a) || (b.cum ?? 0) - (a.cum ?? 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rowCount = rows.length;
  const kept = (opts.top ?? 0) > 0 ? rows.slice(0, opts.top) : rows;
  return {
    source: p.source,
    format: p.format,
    kind: p.kind,
    timeNanos: p.timeNanos,
    durationNanos: p.durationNanos,
    periodType: p.periodType,
    period: p.period,
    sampleCount: p.sampleCount,
    sampleTypes: p.sampleTypes.map((t, i) => ({ ...t, total: total(p, i), isDefault: i === p.defaultSampleType })),
    sampleType: p.sampleTypes[ti]!,
    granularity: opts.selection.granularity,
    total: st.total,
    profilerDropped: st.profilerDropped,
    rows: kept,
    rowCount,
  };
}
