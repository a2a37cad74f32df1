import { Dict, type Frame } from './dict.js';
import { kindOf, type GoroutineDetail, type Profile, type SourceFormat, type ValueType } from './profile.js';

export interface BuilderOptions {
  source: string;
  format?: SourceFormat;
  sampleTypes: readonly ValueType[];
  /** Index of the default sample type; defaults to the last one. */
  defaultSampleType?: number;
  periodType?: ValueType | null;
  period?: number;
  timeNanos?: bigint | null;
  durationNanos?: number;
  comments?: readonly string[];
  declaredTotal?: number;
}

/**
 * Builds a Profile sample by sample. Used by the text decoders and by tests
 * (in-memory profiles for the analysis layer); the protobuf decoder fills
 * the columns directly.
 */
export class ProfileBuilder {
  readonly dict: Dict;
  private readonly opts: BuilderOptions;
  private stacks: number[] = [];
  private labelIds: number[] = [];
  private readonly columns: number[][];
  private readonly details: (GoroutineDetail | undefined)[] = [];
  private hasDetails = false;
  private scratch = new Uint32Array(64);

  constructor(dict: Dict, opts: BuilderOptions) {
    this.dict = dict;
    this.opts = opts;
    this.columns = opts.sampleTypes.map(() => []);
  }

  /** Adds a sample; frames are leaf first. All-zero samples are dropped. */
  add(frames: readonly Frame[], values: readonly number[], labels: ReadonlyArray<readonly [string, string]> = [], detail?: GoroutineDetail): void {
    if (values.length !== this.columns.length) {
      throw new Error(`sample has ${values.length} values for ${this.columns.length} sample types`);
    }
    if (values.every((v) => v === 0)) return;
    if (frames.length > this.scratch.length) this.scratch = new Uint32Array(frames.length * 2);
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      this.scratch[i] = this.dict.internFrame(f.function, f.file, f.line);
    }
    this.stacks.push(this.dict.internStack(this.scratch, frames.length));
    this.labelIds.push(this.dict.internLabels(labels));
    values.forEach((v, t) => this.columns[t]!.push(v));
    this.details.push(detail);
    if (detail !== undefined) this.hasDetails = true;
  }

  build(): Profile {
    const o = this.opts;
    const def = o.defaultSampleType ?? o.sampleTypes.length - 1;
    const p: Profile = {
      source: o.source,
      format: o.format ?? 'proto',
      kind: kindOf(o.sampleTypes, def),
      dict: this.dict,
      sampleTypes: o.sampleTypes,
      defaultSampleType: def,
      periodType: o.periodType ?? null,
      period: o.period ?? 0,
      timeNanos: o.timeNanos ?? null,
      durationNanos: o.durationNanos ?? 0,
      comments: o.comments ?? [],
      dropFrames: '',
      keepFrames: '',
      docUrl: '',
      sampleCount: this.stacks.length,
      stack: Uint32Array.from(this.stacks),
      labels: Uint32Array.from(this.labelIds),
      values: this.columns.map((c) => Float64Array.from(c)),
      ...(this.hasDetails ? { goroutines: this.details } : {}),
      ...(o.declaredTotal !== undefined ? { declaredTotal: o.declaredTotal } : {}),
    };
    return p;
  }
}

/** Shorthand for tests: frames from "func file:line" strings or bare function names. */
export function frames(...specs: string[]): Frame[] {
  return specs.map((s) => {
    const m = /^(\S+)(?:\s+(.+):(\d+))?$/.exec(s);
    if (m === null) throw new Error(`bad frame spec ${s}`);
    return { function: m[1]!, file: m[2] ?? '', line: m[3] === undefined ? 0 : Number(m[3]) };
  });
}
