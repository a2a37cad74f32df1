import { InputError } from '../errors/index.js';

/**
 * A minimal protobuf wire reader over one buffer. It knows the four wire
 * types proto3 uses (varint, 64-bit, length-delimited, 32-bit) and refuses
 * the deprecated groups; errors carry the byte offset where decoding failed.
 */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const TWO_32 = 4294967296;

export class Reader {
  pos: number;
  end: number;
  readonly buf: Uint8Array;
  /** High 32 bits of the last varint read (see varintHi). */
  hi = 0;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  fail(what: string, at = this.pos): never {
    throw new InputError(`corrupt protobuf at byte ${at}: ${what}`, {
      hint: 'the file is damaged or not a pprof profile; re-capture it',
    });
  }

  /**
   * Reads a varint; returns the low 32 bits as an unsigned number and leaves
   * the high 32 bits in `this.hi`. Most varints in a profile (ids, string
   * indexes, small values) end within the first four bytes.
   */
  varint(): number {
    const buf = this.buf;
    let p = this.pos;
    const end = this.end;
    if (p >= end) this.fail('unexpected end of data in varint');
    let b = buf[p++]!;
    if (b < 0x80) {
      this.pos = p;
      this.hi = 0;
      return b;
    }
    let lo = b & 0x7f;
    let hi = 0;
    let shift = 7;
    // bytes 2..4 fill bits 7..27 of lo
    for (; shift < 28; shift += 7) {
      if (p >= end) this.fail('unexpected end of data in varint');
      b = buf[p++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = p;
        this.hi = 0;
        return lo >>> 0;
      }
    }
    // byte 5 straddles: 4 bits into lo, 3 bits into hi
    if (p >= end) this.fail('unexpected end of data in varint');
    b = buf[p++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (shift = 3; ; shift += 7) {
        if (shift > 31) this.fail('varint longer than 10 bytes');
        if (p >= end) this.fail('unexpected end of data in varint');
        b = buf[p++]!;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.pos = p;
    this.hi = hi >>> 0;
    return lo >>> 0;
  }

  /**
   * int64 → number, the one checked conversion. Negative values are legal
   * (delta profiles hold them) and come as 10-byte two's complement varints.
   * Values outside ±(2^53-1) cannot be held exactly and are refused.
   */
  int64(): number {
    const at = this.pos;
    const lo = this.varint();
    const hi = this.hi;
    if (hi === 0) return lo;
    if (hi & 0x80000000) {
      // negative: -(~x + 1)
      const nlo = (~lo >>> 0) + 1;
      const nhi = (~hi >>> 0) + (nlo > 0xffffffff ? 1 : 0);
      if (nhi > 0x1fffff) this.fail('int64 value below -(2^53-1) cannot be represented exactly', at);
      return -((nhi >>> 0) * TWO_32 + (nlo >>> 0));
    }
    if (hi > 0x1fffff) this.fail('int64 value above 2^53-1 cannot be represented exactly', at);
    return hi * TWO_32 + lo;
  }

  /** uint64 used as an id or index: must fit a safe integer. */
  uint64(): number {
    const at = this.pos;
    const lo = this.varint();
    const hi = this.hi;
    if (hi === 0) return lo;
    if (hi > 0x1fffff) this.fail('integer above 2^53-1', at);
    return hi * TWO_32 + lo;
  }

  /** int64 as an exact bigint (time_nanos does not fit a double exactly). */
  bigint64(): bigint {
    const lo = this.varint();
    const v = (BigInt(this.hi) << 32n) | BigInt(lo);
    return BigInt.asIntN(64, v);
  }

  /** Reads a length prefix and returns the end offset of the payload. */
  lenEnd(): number {
    const at = this.pos;
    const len = this.varint();
    if (this.hi !== 0) this.fail('length-delimited field longer than 4 GiB', at);
    const end = this.pos + len;
    if (end > this.end) this.fail(`length-delimited field of ${len} bytes runs past the end of its message (${this.end - this.pos} bytes left)`, at);
    return end;
  }

  /** Skips a field of the given wire type (unknown fields are allowed). */
  skip(wire: number, tagAt: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        if (this.pos + 8 > this.end) this.fail('unexpected end of data in 64-bit field');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lenEnd();
        return;
      case WIRE_I32:
        if (this.pos + 4 > this.end) this.fail('unexpected end of data in 32-bit field');
        this.pos += 4;
        return;
      default:
        this.fail(`invalid wire type ${wire}`, tagAt);
    }
  }
}

const utf8 = new TextDecoder('utf-8');

export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  // Short ASCII strings are the common case; TextDecoder has a fixed cost.
  if (end - start < 24) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return utf8.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(buf.subarray(start, end));
}
