import { InputError } from '../errors/index.js';
import type { Dict } from '../model/dict.js';
import type { Profile } from '../model/profile.js';
import { DEFAULT_MAX_DECOMPRESSED, gunzip, isGzip } from './gzip.js';
import { decodePprof } from './pprof.js';
import { parseGoroutineDebug1 } from './text/goroutine-debug1.js';
import { parseGoroutineDebug2 } from './text/goroutine-debug2.js';
import { parseHeapText } from './text/heap-text.js';

export { DEFAULT_MAX_DECOMPRESSED } from './gzip.js';

export interface DecodeOptions {
  /** Path or URL, used in messages and reports. */
  source: string;
  /** Shared interning tables; profiles compared together must share one. */
  dict: Dict;
  /** Cap on the decompressed size of a gzip stream. */
  maxDecompressed?: number;
}

/**
 * Decodes any profile pprof-diff reads, told from the content, never the
 * file name: gzip (by magic bytes, then sniffed again), Go's text formats
 * (goroutine `?debug=1` and `?debug=2`, legacy heap text), else protobuf.
 * Errors are InputErrors naming the source.
 */
export function decodeProfile(bytes: Uint8Array, opts: DecodeOptions): Profile {
  try {
    if (bytes.length === 0) throw new InputError('empty file', { hint: 'the capture produced nothing; check the URL and capture again' });
    let buf = bytes;
    if (isGzip(buf)) {
      buf = gunzip(buf, opts.maxDecompressed ?? DEFAULT_MAX_DECOMPRESSED);
      if (buf.length === 0) throw new InputError('gzip stream inflates to nothing');
    }
    const text = sniffText(buf);
    if (text === 'goroutine-debug1') return parseGoroutineDebug1(buf, opts.dict, opts.source);
    if (text === 'goroutine-debug2') return parseGoroutineDebug2(buf, opts.dict, opts.source);
    if (text === 'heap-text') return parseHeapText(buf, opts.dict, opts.source);
    const what = sniffForeign(buf);
    if (what !== null) {
      throw new InputError(`not a pprof profile (${what})`, {
        hint: 'pprof-diff reads Go profiles from /debug/pprof: protobuf (gzipped or not), goroutine ?debug=1/2 or heap ?debug=1 text',
      });
    }
    return decodePprof(buf, { source: opts.source, dict: opts.dict });
  } catch (e) {
    if (e instanceof InputError) throw e.withSubject(opts.source);
    throw e;
  }
}

const ascii = (buf: Uint8Array, n: number): string => {
  let s = '';
  for (let i = 0; i < Math.min(n, buf.length); i++) s += String.fromCharCode(buf[i]!);
  return s;
};

export type TextFormat = 'goroutine-debug1' | 'goroutine-debug2' | 'heap-text';

/** Go's text profiles start with a fixed header; anything else is not text we read. */
export function sniffText(buf: Uint8Array): TextFormat | null {
  const head = ascii(buf, 64);
  if (head.startsWith('goroutine profile: total ')) return 'goroutine-debug1';
  if (/^goroutine \d+ \[/.test(head)) return 'goroutine-debug2';
  if (head.startsWith('heap profile: ')) return 'heap-text';
  return null;
}

/** Names common non-profile content so the error says what the file is. */
function sniffForeign(buf: Uint8Array): string | null {
  const head = ascii(buf, 16);
  if (head.startsWith('\x89PNG')) return 'it is a PNG image';
  if (head.startsWith('%PDF')) return 'it is a PDF document';
  if (head.startsWith('PK\x03\x04')) return 'it is a zip archive';
  if (head.startsWith('BZh')) return 'it is bzip2-compressed';
  if (head.startsWith('\xfd7zXZ')) return 'it is xz-compressed';
  const t = head.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return 'it looks like JSON';
  if (/^<(!doctype|html|\?xml)/i.test(t)) return 'it looks like HTML or XML';
  if (/^(goroutine|heap|--- )/.test(t)) return 'a Go text profile in a form pprof-diff does not read';
  // A protobuf profile's second byte is a length, never printable text; a
  // failed curl saves a body like "404 page not found".
  const n = Math.min(buf.length, 64);
  let printable = n > 0;
  for (let i = 0; i < n && printable; i++) {
    const c = buf[i]!;
    printable = (c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d || c >= 0xc2;
  }
  if (printable) {
    const firstLine = new TextDecoder().decode(buf.subarray(0, Math.min(buf.length, 200))).split(/\r?\n/)[0]!.trim();
    return `it is plain text: ${JSON.stringify(firstLine.length > 60 ? `${firstLine.slice(0, 60)}…` : firstLine)}`;
  }
  return null;
}
