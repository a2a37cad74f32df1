import { InputError } from '../errors/index.js';
import { Dict, STACK_HASH_PRIME, STACK_HASH_SEED } from '../model/dict.js';
import { kindOf, type Profile, type ValueType } from '../model/profile.js';
import { decodeUtf8, Reader, WIRE_LEN, WIRE_VARINT } from './wire.js';

/*
 * Decoder for profile.proto (see proto/profile.proto, the schema of record).
 *
 * Pass 1 walks the top-level Profile message once: scalar fields and the
 * string table are read; samples, locations and functions are only noted
 * (their byte ranges), because samples come first on the wire but refer to
 * locations, functions and strings that come later.
 * Pass 2 resolves functions, then locations (each to its run of interned
 * frames, inlined frames expanded), then samples into columns.
 */

// Profile field numbers
const P_SAMPLE_TYPE = 1;
const P_SAMPLE = 2;
const P_MAPPING = 3;
const P_LOCATION = 4;
const P_FUNCTION = 5;
const P_STRING_TABLE = 6;
const P_DROP_FRAMES = 7;
const P_KEEP_FRAMES = 8;
const P_TIME_NANOS = 9;
const P_DURATION_NANOS = 10;
const P_PERIOD_TYPE = 11;
const P_PERIOD = 12;
const P_COMMENT = 13;
const P_DEFAULT_SAMPLE_TYPE = 14;
const P_DOC_URL = 15;

class Ranges {
  starts = new Uint32Array(1024);
  ends = new Uint32Array(1024);
  n = 0;
  /** Sum of end - start over all ranges. */
  bytes = 0;
  push(start: number, end: number): void {
    this.bytes += end - start;
    if (this.n === this.starts.length) {
      const s = new Uint32Array(this.n * 2);
      s.set(this.starts);
      this.starts = s;
      const e = new Uint32Array(this.n * 2);
      e.set(this.ends);
      this.ends = e;
    }
    this.starts[this.n] = start;
    this.ends[this.n++] = end;
  }
}

/** id → index table: dense when ids are small (Go numbers them 1..n), else a Map. */
class IdIndex {
  private dense: Int32Array | null = null;
  private map: Map<number, number> | null = null;

  constructor(ids: number[], what: string, fail: (msg: string) => never) {
    let max = 0;
    for (const id of ids) if (id > max) max = id;
    if (max <= ids.length * 4 + 1024) {
      const dense = new Int32Array(max + 1).fill(-1);
      ids.forEach((id, i) => {
        if (id === 0) fail(`${what} with id 0 (ids must be non-zero)`);
        if (dense[id] !== -1) fail(`duplicate ${what} id ${id}`);
        dense[id] = i;
      });
      this.dense = dense;
    } else {
      const map = new Map<number, number>();
      ids.forEach((id, i) => {
        if (id === 0) fail(`${what} with id 0 (ids must be non-zero)`);
        if (map.has(id)) fail(`duplicate ${what} id ${id}`);
        map.set(id, i);
      });
      this.map = map;
    }
  }

  denseArray(): Int32Array | null {
    return this.dense;
  }

  get(id: number): number {
    if (this.dense !== null) return id < this.dense.length ? this.dense[id]! : -1;
    return this.map!.get(id) ?? -1;
  }
}

export interface PprofDecodeOptions {
  source: string;
  dict: Dict;
}

export function decodePprof(buf: Uint8Array, opts: PprofDecodeOptions): Profile {
  const { dict } = opts;
  const r = new Reader(buf);
  const fail = (msg: string): never => {
    throw new InputError(msg, { hint: 'the profile is malformed; re-capture it, or check the tool that wrote it' });
  };

  const strings: string[] = [];
  const sampleTypeRanges: Array<[number, number]> = [];
  let periodTypeRange: [number, number] | null = null;
  const samples = new Ranges();
  const locations = new Ranges();
  const functions = new Ranges();
  const commentIdx: number[] = [];
  let dropFrames = 0;
  let keepFrames = 0;
  let timeNanos: bigint | null = null;
  let durationNanos = 0;
  let period = 0;
  let defaultSampleType = 0;
  let docUrl = 0;

  // ---- pass 1 ----------------------------------------------------------------
  while (r.pos < r.end) {
    // Fast path for the bulk of a profile: a sample (tag 0x12) shorter than
    // 16 KiB (a one- or two-byte length).
    {
      const p0 = r.pos;
      if (buf[p0] === 0x12 && p0 + 2 < r.end) {
        const b1 = buf[p0 + 1]!;
        let start: number;
        let len: number;
        if (b1 < 0x80) {
          len = b1;
          start = p0 + 2;
        } else {
          const b2 = buf[p0 + 2]!;
          len = (b1 & 0x7f) | (b2 << 7);
          start = p0 + 3;
          if (b2 >= 0x80) len = -1;
        }
        if (len >= 0 && start + len <= r.end) {
          samples.push(start, start + len);
          r.pos = start + len;
          continue;
        }
      }
    }
    const tagAt = r.pos;
    const tag = r.varint();
    if (r.hi !== 0) r.fail('field tag too large', tagAt);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) r.fail('field number 0', tagAt);
    const expectLen = field === P_SAMPLE_TYPE || field === P_SAMPLE || field === P_MAPPING || field === P_LOCATION
      || field === P_FUNCTION || field === P_STRING_TABLE || field === P_PERIOD_TYPE;
    if (expectLen && wire !== WIRE_LEN) r.fail(`field ${field} has wire type ${wire}, expected length-delimited`, tagAt);
    switch (field) {
      case P_SAMPLE_TYPE: {
        const end = r.lenEnd();
        sampleTypeRanges.push([r.pos, end]);
        r.pos = end;
        break;
      }
      case P_SAMPLE: {
        const end = r.lenEnd();
        samples.push(r.pos, end);
        r.pos = end;
        break;
      }
      case P_MAPPING: {
        r.pos = r.lenEnd();
        break;
      }
      case P_LOCATION: {
        const end = r.lenEnd();
        locations.push(r.pos, end);
        r.pos = end;
        break;
      }
      case P_FUNCTION: {
        const end = r.lenEnd();
        functions.push(r.pos, end);
        r.pos = end;
        break;
      }
      case P_STRING_TABLE: {
        const end = r.lenEnd();
        strings.push(decodeUtf8(buf, r.pos, end));
        r.pos = end;
        break;
      }
      case P_PERIOD_TYPE: {
        const end = r.lenEnd();
        periodTypeRange = [r.pos, end];
        r.pos = end;
        break;
      }
      case P_TIME_NANOS:
        if (wire !== WIRE_VARINT) r.skip(wire, tagAt);
        else {
          // Two time_nanos fields: two profiles concatenated (e.g. `cat a b`),
          // which a protobuf parser would silently merge.
          if (timeNanos !== null) fail(`two time_nanos fields (at byte ${tagAt}): this looks like concatenated profiles, not one`);
          timeNanos = r.bigint64();
        }
        break;
      case P_DURATION_NANOS:
        if (wire !== WIRE_VARINT) r.skip(wire, tagAt);
        else durationNanos = r.int64();
        break;
      case P_PERIOD:
        if (wire !== WIRE_VARINT) r.skip(wire, tagAt);
        else period = r.int64();
        break;
      case P_DROP_FRAMES:
        if (wire !== WIRE_VARINT) r.skip(wire, tagAt);
        else dropFrames = r.int64();
        break;
      case P_KEEP_FRAMES:
        if (wire !== WIRE_VARINT) r.skip(wire, tagAt);
        else keepFrames = r.int64();
        break;
      case P_COMMENT:
        readRepeatedInt(r, wire, tagAt, commentIdx);
        break;
      case P_DEFAULT_SAMPLE_TYPE:
        if (wire !== WIRE_VARINT) r.skip(wire, tagAt);
        else defaultSampleType = r.int64();
        break;
      case P_DOC_URL:
        if (wire !== WIRE_VARINT) r.skip(wire, tagAt);
        else docUrl = r.int64();
        break;
      default:
        r.skip(wire, tagAt);
    }
  }

  // "string_table[0] must always be """
  if (strings.length === 0) fail('empty string table (entry 0 must be ""): not a pprof profile');
  if (strings[0] !== '') fail(`string_table[0] is ${JSON.stringify(strings[0]!.slice(0, 40))}, must be ""`);
  const str = (i: number, what: string): string => {
    const s = strings[i];
    if (s === undefined || i < 0) fail(`${what} refers to string index ${i}, out of range (string table has ${strings.length})`);
    return s!;
  };

  const valueType = (range: [number, number], what: string): ValueType => {
    const vr = new Reader(buf, range[0], range[1]);
    let type = 0;
    let unit = 0;
    while (vr.pos < vr.end) {
      const at = vr.pos;
      const tag = vr.varint();
      const f = tag >>> 3;
      const w = tag & 7;
      if (f === 1 && w === WIRE_VARINT) type = vr.int64();
      else if (f === 2 && w === WIRE_VARINT) unit = vr.int64();
      else vr.skip(w, at);
    }
    return { type: str(type, what), unit: str(unit, what) };
  };
  const sampleTypes = sampleTypeRanges.map((rg) => valueType(rg, 'sample_type'));
  const periodType = periodTypeRange === null ? null : valueType(periodTypeRange, 'period_type');
  if (sampleTypes.length === 0 && samples.n > 0) fail('samples but no sample_type');

  // default_sample_type: "If unspecified, the last sample type is the default."
  let defIndex = sampleTypes.length - 1;
  if (defaultSampleType !== 0) {
    const name = str(defaultSampleType, 'default_sample_type');
    const i = sampleTypes.findIndex((t) => t.type === name);
    if (i >= 0) defIndex = i;
  }

  // ---- functions: id → frame name/file ----------------------------------------
  const fnIds: number[] = new Array(functions.n);
  const fnName: string[] = new Array(functions.n);
  const fnFile: string[] = new Array(functions.n);
  for (let i = 0; i < functions.n; i++) {
    const fr = new Reader(buf, functions.starts[i]!, functions.ends[i]!);
    let id = 0;
    let name = 0;
    let systemName = 0;
    let filename = 0;
    while (fr.pos < fr.end) {
      const at = fr.pos;
      const tag = fr.varint();
      const w = tag & 7;
      if (w !== WIRE_VARINT) {
        fr.skip(w, at);
        continue;
      }
      switch (tag >>> 3) {
        case 1: id = fr.uint64(); break;
        case 2: name = fr.int64(); break;
        case 3: systemName = fr.int64(); break;
        case 4: filename = fr.int64(); break;
        default: fr.varint();
      }
    }
    fnIds[i] = id;
    const n = str(name, `function ${id} name`);
    fnName[i] = n !== '' ? n : str(systemName, `function ${id} system_name`);
    fnFile[i] = str(filename, `function ${id} filename`);
  }
  const fnIndex = new IdIndex(fnIds, 'function', fail);

  // ---- locations: id → run of frame ids (leaf first) ---------------------------
  // Frames of all locations are stored back to back in locFrames.
  const locIds: number[] = new Array(locations.n);
  const locStart = new Uint32Array(locations.n + 1);
  let locFrames = new Uint32Array(Math.max(16, locations.n * 2));
  let nLocFrames = 0;
  const lineFn: number[] = [];
  const lineNo: number[] = [];
  for (let i = 0; i < locations.n; i++) {
    const lr = new Reader(buf, locations.starts[i]!, locations.ends[i]!);
    let id = 0;
    let address = 0;
    lineFn.length = 0;
    lineNo.length = 0;
    while (lr.pos < lr.end) {
      const at = lr.pos;
      const tag = lr.varint();
      const f = tag >>> 3;
      const w = tag & 7;
      if (f === 1 && w === WIRE_VARINT) id = lr.uint64();
      else if (f === 3 && w === WIRE_VARINT) address = lr.uint64();
      else if (f === 4 && w === WIRE_LEN) {
        const end = lr.lenEnd();
        let fn = 0;
        let line = 0;
        while (lr.pos < end) {
          const lat = lr.pos;
          const ltag = lr.varint();
          const lw = ltag & 7;
          if ((ltag >>> 3) === 1 && lw === WIRE_VARINT) fn = lr.uint64();
          else if ((ltag >>> 3) === 2 && lw === WIRE_VARINT) line = lr.int64();
          else lr.skip(lw, lat);
        }
        if (lr.pos !== end) lr.fail('line message overruns its length');
        lineFn.push(fn);
        lineNo.push(line);
      } else lr.skip(w, at);
    }
    locIds[i] = id;
    locStart[i] = nLocFrames;
    const need = nLocFrames + Math.max(1, lineFn.length);
    if (need > locFrames.length) {
      const g = new Uint32Array(need * 2);
      g.set(locFrames.subarray(0, nLocFrames));
      locFrames = g;
    }
    if (lineFn.length === 0) {
      // Unsymbolized: pprof shows the address. It is per binary, so such a
      // frame only matches the same build.
      locFrames[nLocFrames++] = dict.internFrame(`0x${address.toString(16)}`, '', 0);
    } else {
      // "Multiple line indicates this location has inlined functions, where
      // the last entry represents the caller into which the preceding
      // entries were inlined": line[0] is the innermost, so the given order
      // is already leaf first.
      for (let j = 0; j < lineFn.length; j++) {
        const fi = fnIndex.get(lineFn[j]!);
        if (fi < 0) fail(`location ${id} refers to unknown function id ${lineFn[j]}`);
        locFrames[nLocFrames++] = dict.internFrame(fnName[fi]!, fnFile[fi]!, lineNo[j]!);
      }
    }
  }
  locStart[locations.n] = nLocFrames;
  const locIndex = new IdIndex(locIds, 'location', fail);

  // ---- samples -------------------------------------------------------------------
  const nTypes = sampleTypes.length;
  const stack = new Uint32Array(samples.n);
  const labelIds = new Uint32Array(samples.n);
  const values: Float64Array[] = sampleTypes.map(() => new Float64Array(samples.n));
  const n = decodeSamples(buf, samples, nTypes, locIndex, locStart, locFrames, dict, stack, labelIds, values, str, fail);

  return {
    source: opts.source,
    format: 'proto',
    kind: kindOf(sampleTypes, defIndex),
    dict,
    sampleTypes,
    defaultSampleType: defIndex,
    periodType,
    period,
    timeNanos,
    durationNanos,
    comments: commentIdx.map((c) => str(c, 'comment')),
    dropFrames: str(dropFrames, 'drop_frames'),
    keepFrames: str(keepFrames, 'keep_frames'),
    docUrl: str(docUrl, 'doc_url'),
    sampleCount: n,
    stack: n === samples.n ? stack : stack.slice(0, n),
    labels: n === samples.n ? labelIds : labelIds.slice(0, n),
    values: n === samples.n ? values : values.map((v) => v.slice(0, n)),
  };
}

/**
 * The hot loop: one pass over every sample, resolving location ids to runs
 * of interned frames and interning the stack. Kept in its own function so
 * the engine optimises it on its own; single-byte varints (location ids and
 * small values are mostly under 128) are read inline.
 */
function decodeSamples(
  buf: Uint8Array,
  samples: Ranges,
  nTypes: number,
  locIndex: IdIndex,
  locStart: Uint32Array,
  locFrames: Uint32Array,
  dict: Dict,
  stack: Uint32Array,
  labelIds: Uint32Array,
  values: Float64Array[],
  str: (i: number, what: string) => string,
  fail: (msg: string) => never,
): number {
  let n = 0;
  const pairs: Array<[string, string]> = [];
  const sr = new Reader(buf);
  const dense = locIndex.denseArray();
  // location id → its frame id when the location has exactly one frame, else -2
  let singleFrame = new Int32Array(0);
  if (dense !== null) {
    singleFrame = new Int32Array(dense.length).fill(-2);
    for (let id = 0; id < dense.length; id++) {
      const li = dense[id]!;
      if (li >= 0 && locStart[li + 1]! - locStart[li]! === 1) singleFrame[id] = locFrames[locStart[li]!]!;
    }
  }
  const starts = samples.starts;
  const ends = samples.ends;
  // Room for every frame up front (at most one per byte of the samples, as
  // inlined locations aside each location id takes a byte or more): the
  // pool does not grow inside the loop, which would also cost a deopt.
  let pool = dict.tailPool(0, samples.bytes + 64);
  dict.reserveStacks(samples.n);
  // Imported bindings are re-checked on every use; the hot loop takes locals.
  const SEED = STACK_HASH_SEED;
  const PRIME = STACK_HASH_PRIME;
  for (let i = 0; i < samples.n; i++) {
    // The position lives in a local; the Reader is used for the rare paths
    // (multi-byte varints, labels, unknown fields) and for error offsets.
    let p = starts[i]!;
    const sampleEnd = ends[i]!;
    sr.end = sampleEnd;
    let depth = 0;
    let h = SEED;
    // frames go straight into the Dict's pool tail: no copy for a new stack
    const tail = dict.tail;
    if (tail + 64 > pool.length) pool = dict.tailPool(0, 64);
    let nv = 0;
    let nonzero = false;
    let npairs = 0;
    while (p < sampleEnd) {
      const at = p;
      let tag = buf[p]!;
      if (tag < 0x80) p++;
      else {
        sr.pos = p;
        tag = sr.varint();
        p = sr.pos;
      }
      const f = tag >>> 3;
      const w = tag & 7;
      if (f === 1 && (w === WIRE_LEN || w === WIRE_VARINT)) {
        // location_id: packed or not, possibly both in one message (Go packs
        // only runs of more than two values).
        let end = -1;
        if (w === WIRE_LEN) {
          sr.pos = p;
          end = sr.lenEnd();
          p = sr.pos;
          if (p === end) continue;
          sr.end = end; // a varint must not run past its packed field
        }
        const lim = sr.end;
        do {
          let id = buf[p]!;
          if (id < 0x80 && p < lim) p++;
          else {
            sr.pos = p;
            id = sr.uint64();
            p = sr.pos;
          }
          // Most locations have one frame (no inlining): one load resolves them.
          const single = id < singleFrame.length ? singleFrame[id]! : -2;
          if (single >= 0) {
            if (tail + depth >= pool.length) pool = dict.tailPool(depth, 256);
            pool[tail + depth++] = single;
            h = Math.imul(h ^ single, PRIME);
            continue;
          }
          const li = dense !== null ? (id < dense.length ? dense[id]! : -1) : locIndex.get(id);
          if (li < 0) fail(`sample ${i} refers to unknown location id ${id}`);
          const s = locStart[li]!;
          const e = locStart[li + 1]!;
          if (tail + depth + (e - s) > pool.length) pool = dict.tailPool(depth, e - s + 256);
          for (let k = s; k < e; k++) {
            const fr = locFrames[k]!;
            pool[tail + depth++] = fr;
            h = Math.imul(h ^ fr, PRIME);
          }
        } while (p < end);
        sr.end = sampleEnd;
        if (end >= 0 && p !== end) sr.fail('packed location_id overruns its length', at);
      } else if (f === 2 && (w === WIRE_LEN || w === WIRE_VARINT)) {
        let end = -1;
        if (w === WIRE_LEN) {
          sr.pos = p;
          end = sr.lenEnd();
          p = sr.pos;
          if (p === end) continue;
          sr.end = end;
        }
        const lim = sr.end;
        // Values go straight into the output columns at row n; an all-zero
        // sample does not advance n, so the next sample overwrites them.
        do {
          let v: number;
          const b0 = buf[p]!;
          if (b0 < 0x80 && p < lim) {
            v = b0;
            p++;
          } else {
            sr.pos = p;
            v = sr.int64();
            p = sr.pos;
          }
          if (nv < nTypes) values[nv]![n] = v;
          if (v !== 0) nonzero = true;
          nv++;
        } while (p < end);
        sr.end = sampleEnd;
        if (end >= 0 && p !== end) sr.fail('packed value overruns its length', at);
      } else if (f === 3 && w === WIRE_LEN) {
        // Fast path for Go's heap label {key: "bytes", num: N}: a short
        // message of key (08 k), num (18 varint) and at most a num_unit
        // (20 u). Numeric labels are never part of the key: skip it whole.
        const len = buf[p]!;
        if (len < 0x80 && p + 1 + len <= sampleEnd && buf[p + 1] === 0x08 && buf[p + 2]! < 0x80 && buf[p + 3] === 0x18) {
          const lend = p + 1 + len;
          let q = p + 4;
          while (q < lend && buf[q]! >= 0x80) q++;
          q++;
          if (q < lend && buf[q] === 0x20 && buf[q + 1]! < 0x80) q += 2;
          if (q === lend) {
            p = lend;
            continue;
          }
        }
        sr.pos = p;
        const end = sr.lenEnd();
        let key = 0;
        let sv = 0;
        let hasNum = false;
        while (sr.pos < end) {
          const lat = sr.pos;
          const ltag = sr.varint();
          const lf = ltag >>> 3;
          const lw = ltag & 7;
          if (lf === 1 && lw === WIRE_VARINT) key = sr.int64();
          else if (lf === 2 && lw === WIRE_VARINT) sv = sr.int64();
          else if (lf === 3 && lw === WIRE_VARINT) {
            sr.int64();
            hasNum = true;
          } else sr.skip(lw, lat);
        }
        if (sr.pos !== end) sr.fail('label overruns its length');
        p = sr.pos;
        // Numeric labels (Go's heap "bytes", the average object size) drift
        // between snapshots and are never part of the stack key.
        if (!hasNum || sv !== 0) {
          const k = str(key, `sample ${i} label key`);
          if (npairs === 0) pairs.length = 0;
          pairs.push([k, str(sv, `sample ${i} label "${k}" value`)]);
          npairs++;
        }
      } else {
        sr.pos = p;
        sr.skip(w, at);
        p = sr.pos;
      }
    }
    if (nv !== nTypes) fail(`sample ${i} has ${nv} values but the profile has ${nTypes} sample types`);
    if (!nonzero) continue; // all-zero samples carry nothing
    stack[n] = dict.internTail(depth, h);
    labelIds[n] = npairs === 0 ? 0 : dict.internLabels(pairs);
    n++;
  }
  return n;
}



function readRepeatedInt(r: Reader, wire: number, tagAt: number, out: number[]): void {
  if (wire === WIRE_VARINT) out.push(r.int64());
  else if (wire === WIRE_LEN) {
    const end = r.lenEnd();
    const outer = r.end;
    r.end = end;
    while (r.pos < end) out.push(r.int64());
    r.end = outer;
  } else r.skip(wire, tagAt);
}
