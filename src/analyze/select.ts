import type { Dict } from '../model/dict.js';

export type Granularity = 'stack' | 'function' | 'file' | 'line';
export const GRANULARITIES: readonly Granularity[] = ['stack', 'function', 'file', 'line'];

export interface TagFilter {
  readonly key: string;
  readonly re: RegExp;
}

/** What part of a profile to look at; shared by diff, show, trend and check. */
export interface Selection {
  readonly granularity: Granularity;
  /** Keep samples with a frame whose function or file matches any of these. */
  readonly focus: readonly RegExp[];
  /** Drop samples with a frame whose function or file matches any of these. */
  readonly ignore: readonly RegExp[];
  /** Remove matching frames from stacks (samples are kept). */
  readonly hide: readonly RegExp[];
  /** Keep samples whose label `key` matches (all filters must hold). */
  readonly tags: readonly TagFilter[];
  /** Keep the profiler's own goroutine in goroutine profiles. */
  readonly keepProfiler: boolean;
  /** `?debug=2` dumps: count only goroutines blocked at least this many minutes (0: all). */
  readonly minWaitMinutes?: number;
}

export const DEFAULT_SELECTION: Selection = {
  granularity: 'stack',
  focus: [],
  ignore: [],
  hide: [],
  tags: [],
  keepProfiler: false,
};

/**
 * The goroutine that wrote a goroutine profile is always in it, with a stack
 * that differs between snapshots (pprof's own frames): noise for a diff.
 * Every form of the profile is written under runtime/pprof.writeGoroutine*.
 */
const PROFILER_FRAME = /^runtime\/pprof\.writeGoroutine/;

const DROP = -1;

/**
 * Applies a Selection to the stacks and label sets of one Dict, memoised per
 * frame, stack and label-set id so that each is judged once however many
 * samples and profiles refer to it.
 */
export class Selector {
  readonly sel: Selection;
  private readonly dict: Dict;
  private frameFlags = new Uint8Array(0); // bit0 known, bit1 focus, bit2 ignore, bit3 hide, bit4 profiler
  private stackMemo = new Int32Array(0); // 0 unknown, else (effective stack id + 2), or 1 = drop
  private labelMemo = new Uint8Array(0); // 0 unknown, 1 keep, 2 drop
  private readonly trivial: boolean;
  /** Samples dropped because they are the profiler's own goroutine, per fold. */
  profilerDropped = 0;

  constructor(dict: Dict, sel: Selection) {
    this.dict = dict;
    this.sel = sel;
    this.trivial = sel.focus.length === 0 && sel.ignore.length === 0 && sel.hide.length === 0;
  }

  private flags(frame: number): number {
    if (frame >= this.frameFlags.length) {
      const g = new Uint8Array(Math.max(this.dict.frameCount, frame + 1) + 64);
      g.set(this.frameFlags);
      this.frameFlags = g;
    }
    let f = this.frameFlags[frame]!;
    if (f !== 0) return f;
    const fn = this.dict.funcName(frame);
    const file = this.dict.fileName(frame);
    const hit = (res: readonly RegExp[]): boolean => res.some((re) => re.test(fn) || (file !== '' && re.test(file)));
    f = 1;
    if (hit(this.sel.focus)) f |= 2;
    if (hit(this.sel.ignore)) f |= 4;
    if (hit(this.sel.hide)) f |= 8;
    if (PROFILER_FRAME.test(fn)) f |= 16;
    this.frameFlags[frame] = f;
    return f;
  }

  /**
   * The stack id to account a sample under (frames hidden), or -1 when the
   * sample is filtered out. `goroutine` says whether the profiler's own
   * goroutine is to be dropped.
   */
  stack(stackId: number, goroutine: boolean): number {
    if (stackId >= this.stackMemo.length) {
      const g = new Int32Array(Math.max(this.dict.stackCount, stackId + 1) + 1024);
      g.set(this.stackMemo);
      this.stackMemo = g;
    }
    const memo = this.stackMemo[stackId]!;
    if (memo !== 0 && !goroutine) return memo === 1 ? DROP : memo - 2;
    const frames = this.dict.stackFrames(stackId);
    let profiler = false;
    if (goroutine && !this.sel.keepProfiler) {
      for (let i = 0; i < frames.length; i++) {
        if (this.flags(frames[i]!) & 16) {
          profiler = true;
          break;
        }
      }
    }
    if (profiler) {
      this.profilerDropped++;
      return DROP;
    }
    if (memo !== 0) return memo === 1 ? DROP : memo - 2;
    let result = stackId;
    if (!this.trivial) {
      let focus = this.sel.focus.length === 0;
      let ignore = false;
      let hidden = 0;
      for (let i = 0; i < frames.length; i++) {
        const f = this.flags(frames[i]!);
        if (f & 2) focus = true;
        if (f & 4) ignore = true;
        if (f & 8) hidden++;
      }
      if (!focus || ignore) result = DROP;
      else if (hidden > 0) {
        const kept: number[] = [];
        for (let i = 0; i < frames.length; i++) if (!(this.flags(frames[i]!) & 8)) kept.push(frames[i]!);
        result = this.dict.internStack(Uint32Array.from(kept), kept.length);
      }
    }
    this.stackMemo[stackId] = result === DROP ? 1 : result + 2;
    return result;
  }

  /** True when the selection keeps every sample of such a profile unchanged. */
  passesAll(goroutine: boolean): boolean {
    return this.trivial && this.sel.tags.length === 0 && (!goroutine || this.sel.keepProfiler);
  }

  /** Whether a label set passes the --tag filters. */
  labels(labelId: number): boolean {
    if (this.sel.tags.length === 0) return true;
    if (labelId >= this.labelMemo.length) {
      const g = new Uint8Array(Math.max(this.dict.labelSetCount, labelId + 1) + 64);
      g.set(this.labelMemo);
      this.labelMemo = g;
    }
    const m = this.labelMemo[labelId]!;
    if (m !== 0) return m === 1;
    const set = this.dict.labels(labelId);
    const ok = this.sel.tags.every((t) => set[t.key] !== undefined && t.re.test(set[t.key]!));
    this.labelMemo[labelId] = ok ? 1 : 2;
    return ok;
  }
}
