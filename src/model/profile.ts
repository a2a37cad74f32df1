import type { Dict } from './dict.js';

export interface ValueType {
  readonly type: string;
  readonly unit: string;
}

/** What a profile measures, told from its sample types (never its file name). */
export type ProfileKind = 'heap' | 'allocs' | 'goroutine' | 'other';

/** The encoding a profile was read from. */
export type SourceFormat = 'proto' | 'goroutine-debug1' | 'goroutine-debug2' | 'heap-text';

/** Per-stack facts only a `?debug=2` goroutine dump has. */
export interface GoroutineDetail {
  /** Goroutine ids in this group. */
  readonly ids: number[];
  /** Wait state (e.g. "chan receive") → number of goroutines. */
  readonly states: Record<string, number>;
  /** Minutes blocked, per goroutine, in the order of `ids` (0 when not shown). */
  readonly waitMinutes: number[];
}

/**
 * One decoded profile. Columnar: sample i has stack `stack[i]` (a Dict stack
 * id), string labels `labels[i]` (a Dict label-set id) and
 * `values[t][i]` for sample type t. Samples whose values are all zero have
 * already been dropped.
 */
export interface Profile {
  /** Where it was read from (a path or URL), for messages and reports. */
  readonly source: string;
  readonly format: SourceFormat;
  readonly kind: ProfileKind;
  readonly dict: Dict;
  readonly sampleTypes: readonly ValueType[];
  /** Index into sampleTypes of the default sample type. */
  readonly defaultSampleType: number;
  readonly periodType: ValueType | null;
  readonly period: number;
  /** Wall-clock time of collection; null when the profile has none (text formats). */
  readonly timeNanos: bigint | null;
  readonly durationNanos: number;
  readonly comments: readonly string[];
  readonly dropFrames: string;
  readonly keepFrames: string;
  readonly docUrl: string;
  readonly sampleCount: number;
  readonly stack: Uint32Array;
  readonly labels: Uint32Array;
  readonly values: readonly Float64Array[];
  /** Only for `?debug=2` dumps: details per sample index. */
  readonly goroutines?: readonly (GoroutineDetail | undefined)[];
  /** For text formats: the `total N` the header claims, when given. */
  readonly declaredTotal?: number;
}

/** Heap sample types as Go writes them; `/debug/pprof/allocs` defaults to alloc_space. */
export function kindOf(sampleTypes: readonly ValueType[], defaultIndex: number): ProfileKind {
  const names = sampleTypes.map((t) => t.type);
  if (names.length === 1 && names[0] === 'goroutine') return 'goroutine';
  if (names.includes('inuse_space') || names.includes('alloc_space')) {
    const def = names[defaultIndex];
    return def === 'alloc_space' || def === 'alloc_objects' ? 'allocs' : 'heap';
  }
  return 'other';
}

/** Index of a sample type by name, or -1. */
export function sampleTypeIndex(p: Profile, name: string): number {
  return p.sampleTypes.findIndex((t) => t.type === name);
}

/** Sum of one sample type over all samples. */
export function total(p: Profile, typeIndex: number): number {
  const v = p.values[typeIndex];
  if (v === undefined) return 0;
  let s = 0;
  for (let i = 0; i < p.sampleCount; i++) s += v[i]!;
  return s;
}
