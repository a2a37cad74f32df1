import type { Dict, Frame } from '../../model/dict.js';
import type { Profile } from '../../model/profile.js';
import { ProfileBuilder } from '../../model/builder.js';
import { LineScanner, clip, failAt, parseSymbolLine } from './lines.js';

/*
 * Legacy heap text, `heap?debug=1` (runtime/pprof writeHeapInternal):
 *
 *   heap profile: 235: 1501472 [1350: 44005072] @ heap/8192
 *   16: 1048576 [587: 38469632] @ 0x68143d 0x68130b 0x4697c1
 *   #	0x68143c	main.computeMatch+0x3c		leakysvc/main.go:157
 *   #	0x68130a	main.handleMatch.func1+0xaa	leakysvc/main.go:129
 *   <blank line>
 *   ...
 *   # runtime.MemStats
 *   # Alloc = 2416936
 *   ...
 *
 * Header and records read `inuse_objects: inuse_bytes [alloc_objects:
 * alloc_bytes]`, raw sampled counts. Go writes `heap/<2*MemProfileRate>`
 * ("early versions of the C++ heap profiler reported 2*MemProfileRate, so
 * that's what pprof has come to expect"), and pprof's legacy parser takes
 * period = R/2 for the "heap" kind. Values are un-sampled per record and
 * per (count, bytes) pair with the same function Go's protobuf writer uses
 * (protomem.go scaleHeapSample, rate = MemProfileRate):
 *   scale = 1 / (1 - exp(-avg/rate)), avg = bytes/count,
 *   (int64(count*scale), int64(bytes*scale)), (0, 0) when count or bytes is 0.
 * So the values equal the protobuf heap profile's up to the last ulp of
 * exp(): Go's amd64 math.Exp is its own assembly and V8's is fdlibm's, and
 * the int64 truncation turns a 1-ulp difference into an off-by-one in the
 * rare case the product lands on an integer. In practice they agree: 300k
 * random (count, size, rate) cases computed by Go 1.19 on amd64 matched
 * exactly, as do all fixtures, so the tests demand exact equality.
 *
 * Go 1.19 quirk: pprof reads a header whose alloc pair equals the inuse
 * pair (or is 0) as a two-column objects/space profile. Go always writes
 * the four numbers per record, so pprof-diff always produces the four
 * sample types of the protobuf form, in its order: alloc_objects/count,
 * alloc_space/bytes, inuse_objects/count, inuse_space/bytes; period type
 * space/bytes, period MemProfileRate, default inuse_space.
 *
 * Other kinds pprof accepts: heap_v2/heapz_v2 (R is the rate itself),
 * heapprofile (no sampling, period 1).
 */

const HEADER = /^heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] *@ *(heap[_a-z0-9]*)\/?(\d*)\s*$/;
const RECORD = /^(-?\d+): *(-?\d+) *\[ *(-?\d+): *(-?\d+) *\] *@((?: 0x[0-9a-f]+)*)\s*$/;

/** Un-samples one (count, bytes) pair; the same arithmetic as runtime/pprof's scaleHeapSample. */
export function scaleHeapSample(count: number, size: number, rate: number): [number, number] {
  if (count === 0 || size === 0) return [0, 0];
  // "if rate==1 all samples were collected so no adjustment is needed.
  //  if rate<1 treat as unknown and skip scaling."
  if (rate <= 1) return [count, size];
  const avgSize = size / count;
  const scale = 1 / (1 - Math.exp(-avgSize / rate));
  // Go's int64(float64) conversion truncates toward zero.
  return [Math.trunc(count * scale), Math.trunc(size * scale)];
}

export function parseHeapText(buf: Uint8Array, dict: Dict, source: string): Profile {
  const sc = new LineScanner(buf);
  if (!sc.next()) failAt(1, 'empty heap profile');
  const headerText = sc.text();
  const h = HEADER.exec(headerText);
  if (h === null) failAt(1, `expected "heap profile: a: b [c: d] @ heap/R", got ${JSON.stringify(clip(headerText))}`);
  const kind = h[5]!;
  const r = h[6] === '' ? 0 : Number(h[6]);
  let rate: number;
  switch (kind) {
    case 'heap':
      rate = Math.floor(r / 2);
      break;
    case 'heap_v2':
    case 'heapz_v2':
      rate = r;
      break;
    case 'heapprofile':
      rate = 1;
      break;
    default:
      return failAt(1, `unknown heap profile kind "${kind}" (expected heap/R)`);
  }
  const b = new ProfileBuilder(dict, {
    source,
    format: 'heap-text',
    sampleTypes: [
      { type: 'alloc_objects', unit: 'count' },
      { type: 'alloc_space', unit: 'bytes' },
      { type: 'inuse_objects', unit: 'count' },
      { type: 'inuse_space', unit: 'bytes' },
    ],
    defaultSampleType: 3,
    periodType: { type: 'space', unit: 'bytes' },
    period: rate,
    timeNanos: null,
  });

  let open = false;
  let values: number[] = [];
  let nAddrs = 0;
  let recordLine = 0;
  let frames: Frame[] = [];
  let trailer = false;
  let records = 0;

  const close = (): void => {
    if (!open) return;
    if (frames.length === 0 && nAddrs > 0) failAt(sc.line, `expected "#\\t0x..." symbol line after the record at line ${recordLine}`);
    b.add(frames, values);
    records++;
    open = false;
  };

  const pair = (cs: string, bs: string, what: string): [number, number] => {
    const c = Number(cs);
    const s = Number(bs);
    if (!Number.isSafeInteger(c) || !Number.isSafeInteger(s)) failAt(sc.line, `${what} value out of range`);
    // pprof's legacy parser rejects this too: bytes without objects cannot be un-sampled.
    if (c === 0 && s !== 0) failAt(sc.line, `${what} count is 0 but ${what} bytes is ${s}`);
    return scaleHeapSample(c, s, rate);
  };

  while (sc.next()) {
    if (sc.empty) {
      close();
      continue;
    }
    const text = sc.text();
    if (trailer) {
      // "# runtime.MemStats" and its "# Name = value" lines: ignored, but
      // anything that is not a comment here is not part of a heap profile.
      if (text.charCodeAt(0) !== 0x23) failAt(sc.line, `unexpected line in the runtime.MemStats section: ${JSON.stringify(clip(text))}`);
      continue;
    }
    if (text.charCodeAt(0) === 0x23 /* # */) {
      if (text.startsWith('#\t')) {
        if (!open) failAt(sc.line, 'symbol line outside a record');
        const f = parseSymbolLine(text, sc.line);
        if (!sc.terminated && f.file === '') failAt(sc.line, 'file ends in the middle of a symbol line (truncated?)');
        frames.push(f);
        continue;
      }
      if (open) close();
      trailer = true;
      continue;
    }
    const m = RECORD.exec(text);
    if (m === null) failAt(sc.line, `expected "inuse_objects: inuse_bytes [alloc_objects: alloc_bytes] @ 0x..." record, got ${JSON.stringify(clip(text))}`);
    close();
    const [io, ib] = pair(m[1]!, m[2]!, 'inuse');
    const [ao, ab] = pair(m[3]!, m[4]!, 'alloc');
    values = [ao, ab, io, ib];
    nAddrs = m[5]!.length === 0 ? 0 : m[5]!.trim().split(' ').length;
    recordLine = sc.line;
    frames = [];
    open = true;
  }
  close();
  // Go always writes the MemStats trailer last; a file without it was cut
  // short (the records before the cut are still whole, but some are missing).
  if (!trailer && records > 0 && !sc.terminated) {
    failAt(sc.line, 'file ends in the middle of a line (truncated?)');
  }
  return b.build();
}
