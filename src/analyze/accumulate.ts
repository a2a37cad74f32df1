import { InternalError } from '../errors/index.js';
import type { Dict } from '../model/dict.js';
import type { GoroutineDetail, Profile, SourceFormat } from '../model/profile.js';
import { textFormStack, type TextStackForm } from '../decode/text/compat.js';
import { Selector, type Granularity, type Selection } from './select.js';

/**
 * Node keys. At stack granularity a node is (stack, label set), packed into
 * one safe integer; at function/file granularity it is the interned string
 * id of the name; at line granularity the frame id (function, file, line).
 */
const LABEL_BITS = 2 ** 21;
/** Keys of labelled stacks start here, above every dense key. */
const LABELLED = 2 ** 30;

export interface FoldStats {
  /** Sum of the folded sample type over the samples kept by the selection. */
  total: number;
  /** Samples left out as the profiler's own goroutine. */
  profilerDropped: number;
}

/**
 * Folds profiles into per-node value columns, one column per profile: two
 * for a diff, N for a trend. A profile can be dropped as soon as it has been
 * folded, so a series streams through in bounded memory.
 */
export class Accumulator {
  readonly dict: Dict;
  readonly granularity: Granularity;
  columns: number;
  readonly selector: Selector;
  private readonly index = new Map<number, number>();
  private keys: number[] = [];
  /** flat[col][row] */
  readonly flat: Float64Array[];
  /** cum[col][row]; null at stack granularity where cum equals flat. */
  readonly cum: Float64Array[] | null;
  private capacity = 1024;
  private readonly formMemo = new Map<number, number>();
  private frameRow = new Int32Array(0);
  private stamp = new Int32Array(0);
  private tick = 0;
  private stackSum = new Float64Array(0);
  private stackMark = new Int32Array(0);
  private folds = 0;
  totals: Float64Array;

  constructor(dict: Dict, sel: Selection, columns: number) {
    this.dict = dict;
    this.granularity = sel.granularity;
    this.columns = columns;
    this.selector = new Selector(dict, sel);
    this.flat = Array.from({ length: columns }, () => new Float64Array(this.capacity));
    this.cum = sel.granularity === 'stack' ? null : Array.from({ length: columns }, () => new Float64Array(this.capacity));
    this.totals = new Float64Array(columns);
  }

  /** Adds columns up to n (a series learns its length as files stream in). */
  ensureColumns(n: number): void {
    while (this.columns < n) {
      this.flat.push(new Float64Array(this.capacity));
      if (this.cum !== null) this.cum.push(new Float64Array(this.capacity));
      this.columns++;
    }
    if (this.totals.length < n) {
      const t = new Float64Array(Math.max(n, this.totals.length * 2));
      t.set(this.totals);
      this.totals = t;
    }
  }

  get rowCount(): number {
    return this.keys.length;
  }

  /** Rows of small keys (stack ids without labels, name and frame ids) by key: no hashing. */
  private denseRows = new Int32Array(0);

  private row(key: number): number {
    if (key < 0x40000000) {
      if (key >= this.denseRows.length) {
        const g = new Int32Array(Math.max(key + 1, this.denseRows.length * 2, 1024)).fill(-1);
        g.set(this.denseRows);
        this.denseRows = g;
      }
      const r = this.denseRows[key]!;
      if (r >= 0) return r;
      const nr = this.newRow(key);
      this.denseRows[key] = nr;
      return nr;
    }
    const r = this.index.get(key);
    if (r !== undefined) return r;
    const nr = this.newRow(key);
    this.index.set(key, nr);
    return nr;
  }

  private newRow(key: number): number {
    const r = this.keys.length;
    if (r === this.capacity) this.grow();
    this.keys.push(key);
    return r;
  }

  private grow(): void {
    this.capacity *= 2;
    const g = (a: Float64Array): Float64Array => {
      const b = new Float64Array(this.capacity);
      b.set(a);
      return b;
    };
    for (let c = 0; c < this.columns; c++) {
      this.flat[c] = g(this.flat[c]!);
      if (this.cum !== null) this.cum[c] = g(this.cum[c]!);
    }
  }

  /**
   * Folds sample type `typeIndex` of `p` into column `col`; see FoldOptions.
   */
  fold(p: Profile, typeIndex: number, col: number, o: FoldOptions = {}): FoldStats {
    const scale = o.scale ?? 1;
    const onSample = o.onSample;
    const minWaitMinutes = o.minWaitMinutes ?? this.selector.sel.minWaitMinutes ?? 0;
    const form = o.stackForm ?? null;
    // A text form hides runtime frames the protobuf keeps, and debug=2 has
    // no labels: to compare across formats, key every profile the coarser way.
    const mapStack = form === null || formatForm(p.format) === form ? null : (id: number): number => {
      let m = this.formMemo.get(id);
      if (m === undefined) {
        m = textFormStack(this.dict, id, form);
        this.formMemo.set(id, m);
      }
      return m;
    };
    const dropLabels = form === 'debug2';
    if (p.dict !== this.dict) throw new InternalError('profile decoded against another Dict');
    if (col < 0 || col >= this.columns) throw new InternalError(`column ${col} out of range`);
    const values = p.values[typeIndex];
    if (values === undefined) throw new InternalError(`sample type ${typeIndex} out of range`);
    const sel = this.selector;
    const details = minWaitMinutes > 0 ? p.goroutines : undefined;
    const goroutine = p.kind === 'goroutine';
    const before = sel.profilerDropped;
    const flat = this.flat;
    let total = 0;

    if (this.granularity === 'stack' && sel.passesAll(goroutine) && mapStack === null && details === undefined
      && onSample === undefined && scale === 1) {
      // Nothing to filter or re-key (the common diff): the plain loop.
      const stacks = p.stack;
      const labels = p.labels;
      for (let i = 0; i < p.sampleCount; i++) {
        const v = values[i]!;
        if (v === 0) continue;
        total += v;
        const lab = labels[i]!;
        if (lab >= LABEL_BITS) throw new InternalError('too many distinct label sets');
        const r = this.row(lab === 0 ? stacks[i]! : LABELLED + stacks[i]! * LABEL_BITS + lab);
        const fc = flat[col]!; // re-read: row() may have grown the columns
        fc[r] = fc[r]! + v;
      }
    } else if (this.granularity === 'stack') {
      for (let i = 0; i < p.sampleCount; i++) {
        const lab0 = p.labels[i]!;
        if (!sel.labels(lab0)) continue;
        const lab = dropLabels ? 0 : lab0;
        const s = sel.stack(mapStack ? mapStack(p.stack[i]!) : p.stack[i]!, goroutine);
        if (s < 0) continue;
        const v = (details ? waited(details[i], minWaitMinutes, values[i]!) : values[i]!) * scale;
        if (v === 0) continue;
        total += v;
        if (lab >= LABEL_BITS) throw new InternalError('too many distinct label sets');
        const r = this.row(lab === 0 ? s : LABELLED + s * LABEL_BITS + lab);
        const fc = flat[col]!; // re-read: row() may have grown the columns
        fc[r] = fc[r]! + v;
        if (onSample) onSample(r, i);
      }
    } else {
      // Sum per stack first (samples outnumber distinct stacks), then spread
      // each stack over its nodes: flat to the leaf, cum once per distinct
      // node in the stack so that recursion is not counted twice.
      // per stack id: a dense sum and the list of stacks touched
      if (this.stackSum.length < this.dict.stackCount) {
        this.stackSum = new Float64Array(Math.max(this.dict.stackCount, this.stackSum.length * 2));
      }
      if (this.stackMark.length < this.stackSum.length) this.stackMark = new Int32Array(this.stackSum.length);
      let sum = this.stackSum;
      let mark = this.stackMark;
      const foldId = ++this.folds;
      const touched: number[] = [];
      for (let i = 0; i < p.sampleCount; i++) {
        if (!sel.labels(p.labels[i]!)) continue;
        const s = sel.stack(mapStack ? mapStack(p.stack[i]!) : p.stack[i]!, goroutine);
        if (s < 0) continue;
        const v = (details ? waited(details[i], minWaitMinutes, values[i]!) : values[i]!) * scale;
        total += v;
        if (v === 0) continue;
        if (s >= sum.length) {
          // --hide and text-form keys intern new stacks while folding
          const size = Math.max(s + 1, sum.length * 2);
          const g = new Float64Array(size);
          g.set(sum);
          sum = this.stackSum = g;
          const m = new Int32Array(size);
          m.set(mark);
          mark = this.stackMark = m;
        }
        if (mark[s] !== foldId) {
          mark[s] = foldId;
          touched.push(s);
        }
        sum[s] = sum[s]! + v;
      }
      // frame → row, and a per-stack stamp per row: linear in the frames
      let stamp = this.stamp;
      let frameRow = this.frameRow;
      let tick = this.tick;
      const dict = this.dict;
      const pool = dict.stackPool();
      let fc = flat[col]!;
      let cc = this.cum![col]!;
      for (let t = 0; t < touched.length; t++) {
        const s = touched[t]!;
        const v = sum[s]!;
        sum[s] = 0;
        if (v === 0) continue;
        const start = dict.stackStart(s);
        const end = start + dict.stackDepth(s);
        tick++;
        for (let j = start; j < end; j++) {
          const fr = pool[j]!;
          if (fr >= frameRow.length) {
            const g = new Int32Array(Math.max(fr + 1, dict.frameCount, frameRow.length * 2)).fill(-1);
            g.set(frameRow);
            frameRow = this.frameRow = g;
          }
          let r = frameRow[fr]!;
          if (r < 0) {
            r = frameRow[fr] = this.row(this.nodeOfFrame(fr));
            // a new row may have grown the columns
            fc = flat[col]!;
            cc = this.cum![col]!;
            if (r >= stamp.length) {
              const g = new Int32Array(Math.max(r + 1, stamp.length * 2, 1024));
              g.set(stamp);
              stamp = this.stamp = g;
            }
          }
          if (j === start) fc[r] = fc[r]! + v;
          if (stamp[r] !== tick) {
            stamp[r] = tick;
            cc[r] = cc[r]! + v;
          }
        }
      }
      this.tick = tick;
    }
    this.totals[col] = this.totals[col]! + total;
    return { total, profilerDropped: sel.profilerDropped - before };
  }

  private nodeOfFrame(frame: number): number {
    switch (this.granularity) {
      case 'function':
        return this.dict.frameFunc[frame]!;
      case 'file':
        return this.dict.frameFile[frame]!;
      default:
        return frame;
    }
  }

  /** The node key of a row (see describe). */
  key(row: number): number {
    return this.keys[row]!;
  }

  /** Frames (leaf first) and labels of a row, for reports. */
  describe(row: number): NodeDescription {
    const key = this.keys[row]!;
    const d = this.dict;
    switch (this.granularity) {
      case 'stack': {
        if (key < LABELLED) return { frames: d.frames(key), labels: d.labels(0), stackId: key };
        const labelId = (key - LABELLED) % LABEL_BITS;
        const stackId = (key - LABELLED - labelId) / LABEL_BITS;
        return { frames: d.frames(stackId), labels: d.labels(labelId), stackId };
      }
      case 'function':
        return { frames: [{ function: d.strings[key]!, file: '', line: 0 }], labels: {}, stackId: -1 };
      case 'file':
        return { frames: [{ function: '', file: d.strings[key]!, line: 0 }], labels: {}, stackId: -1 };
      default:
        return { frames: [d.frame(key)], labels: {}, stackId: -1 };
    }
  }
}

export interface FoldOptions {
  /** Multiplier of every value (--normalize). */
  scale?: number;
  /** Called for each kept sample at stack granularity. */
  onSample?: (row: number, sample: number) => void;
  /** With > 0, a `?debug=2` goroutine group counts only goroutines blocked at least this long. */
  minWaitMinutes?: number;
  /** Key stacks as a Go text form prints them (when profiles of several formats are compared). */
  stackForm?: TextStackForm | null;
}

function formatForm(f: SourceFormat): TextStackForm | null {
  return f === 'goroutine-debug1' ? 'debug1' : f === 'goroutine-debug2' ? 'debug2' : null;
}

/** The coarsest stack form among some profiles' formats (null: all protobuf or heap). */
export function commonStackForm(formats: readonly SourceFormat[]): TextStackForm | null {
  if (formats.includes('goroutine-debug2')) return 'debug2';
  if (formats.includes('goroutine-debug1')) return 'debug1';
  return null;
}

function waited(d: GoroutineDetail | undefined, min: number, v: number): number {
  if (d === undefined) return v;
  let n = 0;
  for (const w of d.waitMinutes) if (w >= min) n++;
  return n;
}

export interface NodeDescription {
  frames: import('../model/dict.js').Frame[];
  labels: import('../model/dict.js').Labels;
  /** Dict stack id at stack granularity, else -1. */
  stackId: number;
}
