import { InputError } from '../../errors/index.js';
import type { Frame } from '../../model/dict.js';

/*
 * Shared pieces of the three text parsers: a line scanner over the raw
 * bytes (no giant string, no array of lines), strict per-line decoding that
 * turns binary junk into an error naming the line, and the two line shapes
 * debug=1 goroutine and legacy heap text share (`# labels:` and the
 * `#\t0xpc\tfunc+0xoff\tfile:line` symbol lines written by runtime/pprof's
 * printStackRecord).
 */

export const TAB = 9;
export const NL = 10;
export const CR = 13;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Throws the InputError for line `line` (1-based); the caller adds the file name. */
export function failAt(line: number, msg: string, hint?: string): never {
  throw new InputError(`line ${line}: ${msg}`, {
    hint: hint ?? 'the text profile is malformed or cut short; capture it again from /debug/pprof',
  });
}

/**
 * Walks the lines of a buffer. After next() returns true, [start, end) is the
 * current line without its "\n" (and without a "\r" before it), `line` its
 * 1-based number and `terminated` whether a "\n" ended it.
 */
export class LineScanner {
  readonly buf: Uint8Array;
  pos = 0;
  start = 0;
  end = 0;
  line = 0;
  terminated = true;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  next(): boolean {
    const buf = this.buf;
    if (this.pos >= buf.length) return false;
    this.start = this.pos;
    let nl = buf.indexOf(NL, this.pos);
    if (nl < 0) {
      nl = buf.length;
      this.terminated = false;
      this.pos = nl;
    } else {
      this.pos = nl + 1;
    }
    this.end = nl > this.start && buf[nl - 1] === CR ? nl - 1 : nl;
    this.line++;
    return true;
  }

  get empty(): boolean {
    return this.end === this.start;
  }

  /** The current line as a string; binary data or invalid UTF-8 is an error naming the line. */
  text(): string {
    return decodeRange(this.buf, this.start, this.end, this.line);
  }
}

/**
 * Decodes buf[start, end) as one line of text. Go's text profiles contain
 * no control characters other than tabs (label values are %q-quoted), so
 * anything else means the file is not (only) a text profile.
 */
export function decodeRange(buf: Uint8Array, start: number, end: number, line: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if ((b < 0x20 && b !== TAB) || b === 0x7f) {
      failAt(line, `binary data (byte 0x${b.toString(16).padStart(2, '0')} at column ${i - start + 1}) in a text profile`,
        'the file is not a Go text profile, or something was appended to it');
    }
    if (b >= 0x80) ascii = false;
  }
  if (ascii) {
    // Latin-1 fast path: short ASCII lines are the common case.
    let s = '';
    for (let i = start; i < end; i += 4096) s += String.fromCharCode(...buf.subarray(i, Math.min(end, i + 4096)));
    return s;
  }
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    return failAt(line, 'invalid UTF-8 in a text profile (binary data?)', 'the file is not a Go text profile, or something was appended to it');
  }
}

/** `N @ 0x1 0x2 ...` (debug=1 count profiles); the address list may be empty. */
export const COUNT_LINE = /^(\d+) @((?: 0x[0-9a-f]+)*)$/;

/**
 * Parses a symbol line as runtime/pprof's printStackRecord writes it:
 * `#\t%#x\t%s+%#x\t%s:%d` (pc, function+offset, file:line), or `#\t%#x` when
 * the pc has no symbol. A tabwriter pads the columns with extra tabs, so
 * runs of tabs separate the fields.
 */
export function parseSymbolLine(text: string, line: number): Frame {
  const fields = text.split(/\t+/);
  if (fields[0] !== '#' || fields.length < 2 || !/^0x[0-9a-f]+$/.test(fields[1]!)) {
    return failAt(line, `expected "#\\t0x..." symbol line, got ${JSON.stringify(clip(text))}`);
  }
  if (fields.length === 2) {
    // "name == \"\"": no symbol for this pc; pprof shows the address.
    return { function: fields[1]!, file: '', line: 0 };
  }
  if (fields.length !== 4) {
    return failAt(line, `malformed symbol line (want "#\\t0xpc\\tfunc+0xoff\\tfile:line"), got ${JSON.stringify(clip(text))}`);
  }
  const fn = fields[2]!.replace(/\+0x[0-9a-f]+$/, '');
  const loc = fields[3]!;
  const colon = loc.lastIndexOf(':');
  const lineNo = colon < 0 ? NaN : Number(loc.slice(colon + 1));
  if (fn === '' || colon <= 0 || !Number.isSafeInteger(lineNo) || !/^\d+$/.test(loc.slice(colon + 1))) {
    return failAt(line, `malformed symbol line (want "#\\t0xpc\\tfunc+0xoff\\tfile:line"), got ${JSON.stringify(clip(text))}`);
  }
  return { function: fn, file: loc.slice(0, colon), line: lineNo };
}

export const LABELS_PREFIX = '# labels: ';

/**
 * Parses the `# labels: {"k":"v", "k2":"v2"}` line. runtime/pprof's
 * labelMap.String writes each pair with fmt's %q:%q (Go string literals),
 * sorted, joined by ", ".
 */
export function parseLabelsLine(text: string, line: number): Array<[string, string]> {
  const s = text.slice(LABELS_PREFIX.length);
  const bad = (why: string): never => failAt(line, `malformed labels line (${why}): ${JSON.stringify(clip(text))}`);
  if (s[0] !== '{' || s[s.length - 1] !== '}') bad('want {"key":"value", ...}');
  const out: Array<[string, string]> = [];
  let i = 1;
  const end = s.length - 1;
  if (i === end) return out;
  for (;;) {
    const k = readGoQuoted(s, i);
    if (k === null) return bad('key is not a quoted string');
    i = k.next;
    if (s[i] !== ':') return bad('missing ":" after key');
    const v = readGoQuoted(s, i + 1);
    if (v === null) return bad('value is not a quoted string');
    i = v.next;
    out.push([k.value, v.value]);
    if (i === end) return out;
    if (s.startsWith(', ', i)) i += 2;
    else return bad('missing ", " between pairs');
  }
}

const utf8Lenient = new TextDecoder('utf-8');

/**
 * Reads a Go interpreted string literal (as strconv.Quote writes it) at
 * s[at]; returns its value and the index after the closing quote, or null.
 * \x escapes are raw bytes, so the value is assembled as UTF-8 bytes.
 */
export function readGoQuoted(s: string, at: number): { value: string; next: number } | null {
  if (s[at] !== '"') return null;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  let i = at + 1;
  const pushCode = (cp: number): void => {
    for (const b of enc.encode(String.fromCodePoint(cp))) bytes.push(b);
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === '"') return { value: utf8Lenient.decode(Uint8Array.from(bytes)), next: i + 1 };
    if (c !== '\\') {
      const cp = s.codePointAt(i)!;
      pushCode(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = s[i + 1];
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, "'": 39 };
    if (e === undefined) return null;
    if (simple[e] !== undefined) {
      bytes.push(simple[e]);
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = s.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return null;
      const v = parseInt(hex, 16);
      if (e === 'x') bytes.push(v);
      else if (v > 0x10ffff) return null;
      else pushCode(v);
      i += 2 + n;
    } else if (e >= '0' && e <= '7') {
      const oct = s.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return null;
      bytes.push(parseInt(oct, 8) & 0xff);
      i += 4;
    } else return null;
  }
  return null;
}

export function clip(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n)}...` : s;
}
