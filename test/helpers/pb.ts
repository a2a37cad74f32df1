/**
 * A tiny protobuf writer for building wire-level test inputs by hand,
 * including the quirks a schema-driven encoder would never produce
 * (unpacked and packed repeats mixed, duplicate fields, bad indexes).
 */
export class W {
  readonly b: number[] = [];

  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) byte |= 0x80;
      this.b.push(byte);
    } while (x !== 0n);
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  /** field as a varint */
  v(field: number, value: number | bigint): this {
    return this.tag(field, 0).varint(value);
  }

  /** field as a length-delimited payload */
  msg(field: number, sub: W | Uint8Array | number[]): this {
    const bytes = sub instanceof W ? sub.b : Array.from(sub);
    this.tag(field, 2).varint(bytes.length);
    this.b.push(...bytes);
    return this;
  }

  str(field: number, s: string): this {
    return this.msg(field, Array.from(Buffer.from(s, 'utf8')));
  }

  packed(field: number, values: Array<number | bigint>): this {
    const inner = new W();
    for (const v of values) inner.varint(v);
    return this.msg(field, inner);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.b);
  }
}

export interface SimpleFn { id: number; name: number; file: number }
export interface SimpleLoc { id: number; lines: Array<[fnId: number, line: number]> }
export interface SimpleSample { locs: number[]; values: number[]; labels?: Array<{ key: number; str?: number; num?: number }>; packed?: boolean }

/** Builds a Profile message from parts; string indexes refer to `strings`. */
export function profileBytes(p: {
  strings: string[];
  sampleTypes: Array<[number, number]>;
  samples: SimpleSample[];
  locations: SimpleLoc[];
  functions: SimpleFn[];
  timeNanos?: bigint;
  defaultSampleType?: number;
}): Uint8Array {
  const w = new W();
  for (const [t, u] of p.sampleTypes) w.msg(1, new W().v(1, t).v(2, u));
  for (const s of p.samples) {
    const sw = new W();
    if (s.packed === false) {
      for (const l of s.locs) sw.v(1, l);
      for (const v of s.values) sw.v(2, v);
    } else {
      sw.packed(1, s.locs);
      sw.packed(2, s.values);
    }
    for (const l of s.labels ?? []) {
      const lw = new W().v(1, l.key);
      if (l.str !== undefined) lw.v(2, l.str);
      if (l.num !== undefined) lw.v(3, l.num);
      sw.msg(3, lw);
    }
    w.msg(2, sw);
  }
  for (const l of p.locations) {
    const lw = new W().v(1, l.id).v(3, 0x1000 + l.id);
    for (const [fn, line] of l.lines) lw.msg(4, new W().v(1, fn).v(2, line));
    w.msg(4, lw);
  }
  for (const f of p.functions) w.msg(5, new W().v(1, f.id).v(2, f.name).v(3, f.name).v(4, f.file));
  for (const s of p.strings) w.str(6, s);
  if (p.timeNanos !== undefined) w.v(9, p.timeNanos);
  if (p.defaultSampleType !== undefined) w.v(14, p.defaultSampleType);
  return w.bytes();
}

export function hex(s: string): Uint8Array {
  const clean = s.replace(/#.*$/gm, '').replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g)!.map((h) => parseInt(h, 16)));
}
