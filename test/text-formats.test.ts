import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeProfile } from '../src/decode/index.js';
import { textFormStack } from '../src/decode/text/compat.js';
import { parseGoroutineDebug1 } from '../src/decode/text/goroutine-debug1.js';
import { GOROUTINE_DUMP_LIMIT, parseGoroutineDebug2, type GoroutineDetailText } from '../src/decode/text/goroutine-debug2.js';
import { parseHeapText, scaleHeapSample } from '../src/decode/text/heap-text.js';
import { InputError } from '../src/errors/index.js';
import { Dict } from '../src/model/dict.js';
import type { Profile } from '../src/model/profile.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Collapsed stacks, root first, like speedscope's snapshots: "a;b;c{labels} 10". */
function collapsed(p: Profile, t = 0): string[] {
  const out: string[] = [];
  for (let i = 0; i < p.sampleCount; i++) {
    const frames = p.dict.frames(p.stack[i]!).reverse().map((f) => (f.file === '' ? f.function : `${f.function} ${f.file}:${f.line}`));
    const labels = JSON.stringify(p.dict.labels(p.labels[i]!));
    out.push(`${frames.join(';')}${labels === '{}' ? '' : labels} ${p.values[t]![i]}`);
  }
  return out;
}

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

// ---------------------------------------------------------------------------
// goroutine ?debug=1

const DEBUG1 = [
  'goroutine profile: total 13',
  '9 @ 0x439976 0x44973c 0x68136c 0x4697c1',
  '# labels: {"handler":"match", "region":"us\\"east\\"\\t\\u00e9\\xc3\\xa9"}',
  '#\t0x68136b\tmain.handleMatch.func1+0x10b\tleakysvc/main.go:130',
  '',
  // One pc, two logical frames: main.inner was inlined into main.outer.
  '3 @ 0x439976 0x682b69 0x4697c1',
  '#\t0x682b68\tmain.inner+0x68\t\tleakysvc/main.go:20',
  '#\t0x682b68\tmain.outer+0x68\t\tleakysvc/main.go:31',
  '',
  '1 @ 0x439976 0x5555',
  '#\t0x5554',
  '',
  '',
].join('\n');

describe('goroutine ?debug=1', () => {
  it('reads groups, labels, inlined frames and unsymbolized pcs, sniffed from the content', () => {
    const p = decodeProfile(enc(DEBUG1), { source: 'g.txt', dict: new Dict() });
    expect(p.format).toBe('goroutine-debug1');
    expect(p.kind).toBe('goroutine');
    expect(p.sampleTypes).toEqual([{ type: 'goroutine', unit: 'count' }]);
    expect(p.periodType).toEqual({ type: 'goroutine', unit: 'count' });
    expect(p.period).toBe(1);
    expect(p.timeNanos).toBeNull();
    expect(p.declaredTotal).toBe(13);
    expect(collapsed(p)).toEqual([
      'main.handleMatch.func1 leakysvc/main.go:130{"handler":"match","region":"us\\"east\\"\\té\u00e9"} 9',
      'main.outer leakysvc/main.go:31;main.inner leakysvc/main.go:20 3',
      '0x5554 1',
    ]);
  });

  it('fails with the line number on malformed input', () => {
    const d = new Dict();
    const cases: Array<[string, RegExp]> = [
      ['goroutine profile: tot', /^line 1: expected "goroutine profile: total N"/],
      ['goroutine profile: total 1\n1 @ 0x1 0x2\n\n', /^line 3: expected "#\\t0x\.\.\." symbol line after the group at line 2/],
      ['goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.f+0x1\tx.go:1\n\x00\x01\x02junk\n', /^line 4: binary data \(byte 0x00 at column 1\)/],
      ['goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.f+0x1\tx.go:1\n\xff\xfe\n', /^line 4: expected "N @ 0x\.\.\." group line/],
      ['goroutine profile: total 1\nhello\n', /^line 2: expected "N @ 0x\.\.\." group line/],
      ['goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.f+0x1\n', /^line 3: malformed symbol line/],
      ['goroutine profile: total 1\n1 @ 0x1\n# labels: {"a":b}\n#\t0x1\tmain.f+0x1\tx.go:1\n', /^line 3: malformed labels line/],
      ['goroutine profile: total 5\n1 @ 0x1\n#\t0x1\tmain.f+0x1\tx.go:1\n\n', /^line 4: group counts add up to 1 but the header says total 5/],
      ['goroutine profile: total 1\n1 @ 0x1\n#\t0x1', /^line 3: file ends in the middle of a symbol line/],
      ['goroutine profile: total 1\n#\t0x1\tmain.f+0x1\tx.go:1\n', /^line 2: "#" line outside a group/],
    ];
    for (const [text, re] of cases) {
      const e = errorOf(() => parseGoroutineDebug1(enc(text), d, 'x'));
      expect(e.message, JSON.stringify(text)).toMatch(re);
    }
  });

  it('names the file through decodeProfile', () => {
    const e = errorOf(() => decodeProfile(enc('goroutine profile: total 1\n1 @ 0x1\n\n'), { source: 'g.txt', dict: new Dict() }));
    expect(e.subject).toBe('g.txt');
    expect(e.message).toMatch(/^line 3: /);
  });
});

// ---------------------------------------------------------------------------
// goroutine ?debug=2

const DEBUG2 = `goroutine 1 [running]:
main.main()
	/src/app/main.go:20 +0x1d

goroutine 7 [chan receive, 42 minutes]:
main.(*dispatcher).worker(0xc00009a120)
	/src/app/main.go:314 +0x69
created by main.startDispatcher.func1
	/src/app/main.go:307 +0x33

goroutine 8 [chan receive, 1 minutes, locked to thread]:
main.(*dispatcher).worker(0xc00009a999)
	/src/app/main.go:314 +0x69
created by main.startDispatcher.func1 in goroutine 1
	/src/app/main.go:307 +0x33

goroutine 9 [select]:
main.inner(...)
	/src/app/inline.go:5
main.Map[...]({0xc000010000, 0x3, 0x3}, 0x4b3c1e)
	/src/app/inline.go:12 +0x25
created by main.main
	/src/app/main.go:19 +0x44

goroutine 10 [running]:
	goroutine running on other thread; stack unavailable
created by main.main
	/src/app/main.go:19 +0x44

goroutine 11 [chan receive]:
main.(*dispatcher).worker(0x0?)
	/src/app/main.go:314 +0x69
created by main.startDispatcher.func1
	/src/app/main.go:307 +0x33
`;

describe('goroutine ?debug=2', () => {
  it('groups goroutines by frames, ignoring arguments, offsets and the creator', () => {
    const p = decodeProfile(enc(DEBUG2), { source: 'd2.txt', dict: new Dict() });
    expect(p.format).toBe('goroutine-debug2');
    expect(p.kind).toBe('goroutine');
    expect(p.sampleTypes).toEqual([{ type: 'goroutine', unit: 'count' }]);
    expect(p.periodType).toEqual({ type: 'goroutine', unit: 'count' });
    expect(p.timeNanos).toBeNull();
    expect(p.comments).toEqual([]);
    expect(collapsed(p)).toEqual([
      'main.main /src/app/main.go:20 1',
      'main.(*dispatcher).worker /src/app/main.go:314 3',
      'main.Map[...] /src/app/inline.go:12;main.inner /src/app/inline.go:5 1',
      '(stack unavailable) 1',
    ]);
    const d = p.goroutines![1] as GoroutineDetailText;
    expect(d.ids).toEqual([7, 8, 11]);
    expect(d.waitMinutes).toEqual([42, 1, 0]);
    expect(d.states).toEqual({ 'chan receive': 3 });
    expect(d.createdBy).toEqual({ function: 'main.startDispatcher.func1', file: '/src/app/main.go', line: 307 });
    expect((p.goroutines![0] as GoroutineDetailText).createdBy).toBeNull();
    expect(p.goroutines![0]!.states).toEqual({ running: 1 });
  });

  it('reads ...additional frames elided..., CRLF, ancestors and GOTRACEBACK=system suffixes', () => {
    const text = [
      'goroutine 5 [select, 3 minutes]:',
      'main.deep(0x1)',
      '\tC:/src/app/deep.go:9 +0x1 fp=0xc000 sp=0xc000 pc=0x4a',
      '...additional frames elided...',
      '[originating from goroutine 1]:',
      'main.main(...)',
      '\t/src/app/main.go:3 +0x2',
      '',
      '',
    ].join('\r\n');
    const p = parseGoroutineDebug2(enc(text), new Dict(), 'x');
    expect(collapsed(p)).toEqual(['main.deep C:/src/app/deep.go:9 1']);
    expect(p.goroutines![0]!.waitMinutes).toEqual([3]);
  });

  // Below Go's 64 MiB limit a dump cut mid-goroutine lost its end in
  // transit: its counts would be silently wrong, so it is an error.
  it('refuses a dump cut mid-line below the 64 MiB limit, naming the line', () => {
    const cut = DEBUG2.slice(0, DEBUG2.indexOf('/src/app/main.go:314 +0x69', DEBUG2.indexOf('goroutine 11')) + 10);
    expect(() => parseGoroutineDebug2(enc(cut), new Dict(), 'x')).toThrow(/^line 30: the dump is cut short inside goroutine 11/);
  });

  it('refuses a dump cut after a function line below the 64 MiB limit', () => {
    const cut = DEBUG2.slice(0, DEBUG2.indexOf('\t/src/app/main.go:314 +0x69', DEBUG2.indexOf('goroutine 11')));
    expect(() => parseGoroutineDebug2(enc(cut), new Dict(), 'x')).toThrow(/the dump is cut short inside goroutine 11/);
  });

  it('treats a dump of exactly 64 MiB as cut by Go', () => {
    const block = enc('goroutine 77 [select, 5 minutes]:\nmain.handle(0xc000010000)\n\t/src/app/main.go:130 +0x10c\ncreated by main.serve\n\t/src/app/main.go:90 +0x55\n\n');
    const buf = new Uint8Array(GOROUTINE_DUMP_LIMIT);
    let n = 0;
    for (; n + block.length <= buf.length; n += block.length) buf.set(block, n);
    buf.set(block.subarray(0, buf.length - n), n); // cut mid-goroutine, as Go does
    const p = parseGoroutineDebug2(buf, new Dict(), 'x');
    expect(p.comments[0]).toMatch(/64 MiB/);
    expect(p.sampleCount).toBe(1);
    expect(p.values[0]![0]).toBe(Math.floor(GOROUTINE_DUMP_LIMIT / block.length));
  });

  it('fails with the line number on malformed input', () => {
    const d = new Dict();
    const cases: Array<[string, RegExp]> = [
      ['goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n\n\x00\x00\x7fELF\n', /^line 5: binary data/],
      ['goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n\nhello world\n', /^line 5: expected "goroutine N \[state\]:"/],
      ['goroutine 1 [running]:\n\t/x.go:1 +0x1\n\n', /^line 2: file:line line without a function line/],
      ['goroutine 1 [running]:\nmain.main()\n\n', /^line 3: expected "\\tfile:line" after line 2/],
      ['goroutine 1 [running]:\nmain.main()\nmain.f()\n\t/x.go:1\n', /^line 3: expected "\\tfile:line" after line 2/],
      ['goroutine 1 running:\nmain.main()\n\t/x.go:1 +0x1\n', /^line 1: malformed goroutine header/],
      ['goroutine 1 [running]:\nmain.main()\n\t/x.go +0x1\n', /^line 3: expected "\\tfile:line \+0x\.\.\."/],
      ['goroutine 1 [running]:\nmain.main\n\t/x.go:1 +0x1\n', /^line 2: expected a function line/],
    ];
    for (const [text, re] of cases) {
      const e = errorOf(() => parseGoroutineDebug2(enc(text), d, 'x'));
      expect(e.message, JSON.stringify(text)).toMatch(re);
    }
  });
});

// ---------------------------------------------------------------------------
// legacy heap text

// Expected values computed by Go 1.19's own scaleHeapSample (runtime/pprof
// protomem.go) on amd64: [count, bytes, rate, scaled count, scaled bytes].
const GO_SCALED: Array<[number, number, number, number, number]> = [
  [1, 65536, 4096, 1, 65536],
  [587, 38469632, 4096, 587, 38469636],
  [198, 405504, 4096, 503, 1030586],
  [3, 96, 524288, 49153, 1572912],
  [16, 1048576, 4096, 16, 1048576],
  [7, 112, 524288, 229379, 3670072],
  [1, 8192, 1, 1, 8192],
  [1, 65536, 524288, 8, 557738],
  [1, 96, 524288, 5461, 524336],
];

const HEAP = `heap profile: 214: 1454080 [785: 38875136] @ heap/8192
16: 1048576 [587: 38469632] @ 0x68143d 0x68130b 0x4697c1
#	0x68143c	main.computeMatch+0x3c		leakysvc/main.go:157
#	0x68130a	main.handleMatch.func1+0xaa	leakysvc/main.go:129

198: 405504 [198: 405504] @ 0x682476 0x4697c1
#	0x682475	main.newRouteEntry+0x155	leakysvc/main.go:274

0: 0 [0: 0] @ 0x682477 0x4697c1
#	0x682476	main.gone+0x155	leakysvc/main.go:280

0: 0 [1: 65536] @ 0x682478 0x4697c1
#	0x682477	main.freed+0x155	leakysvc/main.go:290


# runtime.MemStats
# Alloc = 2416936
# PauseNs = [1 2 3]
# DebugGC = false
`;

describe('legacy heap text (heap?debug=1)', () => {
  it('un-samples exactly as Go does', () => {
    for (const [c, s, r, ec, es] of GO_SCALED) expect(scaleHeapSample(c, s, r)).toEqual([ec, es]);
    expect(scaleHeapSample(0, 0, 4096)).toEqual([0, 0]);
  });

  it('reads records into the four protobuf sample types, rate = R/2, ignoring MemStats', () => {
    const p = decodeProfile(enc(HEAP), { source: 'h.txt', dict: new Dict() });
    expect(p.format).toBe('heap-text');
    expect(p.kind).toBe('heap');
    expect(p.sampleTypes.map((t) => `${t.type}/${t.unit}`)).toEqual(['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
    expect(p.defaultSampleType).toBe(3);
    expect(p.periodType).toEqual({ type: 'space', unit: 'bytes' });
    expect(p.period).toBe(4096);
    expect(p.timeNanos).toBeNull();
    // The all-zero record is dropped, as in the protobuf form.
    expect(p.sampleCount).toBe(3);
    const row = (i: number): number[] => p.values.map((v) => v[i]!);
    expect(row(0)).toEqual([587, 38469636, 16, 1048576]);
    expect(row(1)).toEqual([503, 1030586, 503, 1030586]);
    expect(row(2)).toEqual([1, 65536, 0, 0]);
    expect(collapsed(p, 3)[0]).toBe('main.handleMatch.func1 leakysvc/main.go:129;main.computeMatch leakysvc/main.go:157 1048576');
  });

  it('keeps four sample types when the header has alloc equal to inuse (Go 1.19 quirk pprof reads as two columns)', () => {
    const text = 'heap profile: 1: 65536 [1: 65536] @ heap/1048576\n1: 65536 [1: 65536] @ 0x1\n#\t0x1\tmain.f+0x1\tm.go:3\n\n';
    const p = parseHeapText(enc(text), new Dict(), 'x');
    expect(p.sampleTypes).toHaveLength(4);
    expect(p.period).toBe(524288);
    expect(p.values.map((v) => v[0])).toEqual([8, 557738, 8, 557738]);
  });

  it('reads the other kinds pprof accepts', () => {
    const rec = '1: 96 [1: 96] @ 0x1\n#\t0x1\tmain.f+0x1\tm.go:3\n';
    expect(parseHeapText(enc(`heap profile: 1: 96 [1: 96] @ heap_v2/524288\n${rec}`), new Dict(), 'x').values[3]![0]).toBe(524336);
    expect(parseHeapText(enc(`heap profile: 1: 96 [1: 96] @ heapprofile\n${rec}`), new Dict(), 'x').values[3]![0]).toBe(96);
  });

  it('fails with the line number on malformed input', () => {
    const d = new Dict();
    const cases: Array<[string, RegExp]> = [
      ['heap profile: 1: 2 [3:', /^line 1: expected "heap profile: a: b \[c: d\] @ heap\/R"/],
      ['heap profile: 1: 2 [3: 4] @ growthz\n', /^line 1: expected "heap profile/],
      ['heap profile: 1: 2 [3: 4] @ heap/8192\n1: 2 [3: 4] @ 0x1 0x2\n\n', /^line 3: expected "#\\t0x\.\.\." symbol line after the record at line 2/],
      ['heap profile: 1: 2 [3: 4] @ heap/8192\n1: 2 [3: 4] @ 0x1\n#\t0x1\tf+0x1\tm.go:1\n\x89PNG\x00\n', /^line 4: binary data/],
      ['heap profile: 1: 2 [3: 4] @ heap/8192\nnot a record\n', /^line 2: expected "inuse_objects: inuse_bytes \[alloc_objects: alloc_bytes\] @ 0x\.\.\." record/],
      ['heap profile: 1: 2 [3: 4] @ heap/8192\n0: 16 [3: 4] @ 0x1\n#\t0x1\tf+0x1\tm.go:1\n', /^line 2: inuse count is 0 but inuse bytes is 16/],
      ['heap profile: 1: 2 [3: 4] @ heap/8192\n\n# runtime.MemStats\n# Alloc = 1\ngarbage\n', /^line 5: unexpected line in the runtime.MemStats section/],
      ['heap profile: 1: 2 [3: 4] @ heap/8192\n#\t0x1\tf+0x1\tm.go:1\n', /^line 2: symbol line outside a record/],
    ];
    for (const [text, re] of cases) {
      const e = errorOf(() => parseHeapText(enc(text), d, 'x'));
      expect(e.message, JSON.stringify(text)).toMatch(re);
    }
  });
});

// ---------------------------------------------------------------------------
// Real Go-written fixtures (fixtures/leakysvc, Go 1.19), each round captured
// at the same moment in every format.
//
// What matches, precisely:
// - debug=1 vs protobuf goroutine: the same (stack, label set) → count map
//   and the same total, once each protobuf stack is mapped to what debug=1
//   prints (textFormStack 'debug1': the leaf-end runtime.* frames such as
//   runtime.gopark/selectgo/chanrecv are not printed in debug=1). Every
//   goroutine, the profiler's own included.
// - debug=2 vs protobuf goroutine, labels ignored (debug=2 has none): the
//   same stack → count map once protobuf stacks are mapped with
//   textFormStack 'debug2' (unexported runtime frames hidden anywhere, e.g.
//   runtime.main), except the goroutine writing the profile, whose stack
//   differs by construction (writeGoroutineStacks vs writeRuntimeProfile).
// - heap text vs protobuf heap: per stack, all four values equal exactly;
//   the stacks are the same without any mapping (both writers hide the
//   leaf-end runtime frames).

const SERIES = join(import.meta.dirname, '..', 'fixtures', 'series');
const VARIANTS = ['leaky', 'subtle', 'fixed'];
const ROUNDS = ['01', '02', '03', '04', '05', '06', '07', '08'];

function perKey(p: Profile, key: (i: number) => string, t = 0): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < p.sampleCount; i++) m.set(key(i), (m.get(key(i)) ?? 0) + p.values[t]![i]!);
  return m;
}

const isProfilerStack = (dict: Dict, sid: number): boolean => dict.frames(sid).some((f) => f.function.startsWith('runtime/pprof.writeGoroutine'));

for (const variant of VARIANTS) {
  describe(`fixtures/series/${variant}: text formats agree with protobuf`, () => {
    for (const round of ROUNDS) {
      const file = (name: string): string => join(SERIES, variant, name);
      const names = [`goroutine-${round}.pb.gz`, `goroutine-${round}.debug1.txt`, `goroutine-${round}.debug2.txt`, `heap-${round}.pb.gz`, `heap-${round}.debug1.txt`];
      const missing = names.filter((n) => !existsSync(file(n)));
      const why = missing.length > 0 ? ` (skipped: missing ${missing.join(', ')}; run fixtures/generate.sh)` : '';
      const read = (dict: Dict, n: string): Profile => decodeProfile(readFileSync(file(n)), { source: n, dict });

      it.skipIf(missing.length > 0)(`round ${round}: goroutine debug=1 = protobuf per (stack, labels)${why}`, () => {
        const dict = new Dict();
        const pb = read(dict, names[0]!);
        const d1 = read(dict, names[1]!);
        const pbMap = perKey(pb, (i) => `${textFormStack(dict, pb.stack[i]!, 'debug1')}/${pb.labels[i]}`);
        const d1Map = perKey(d1, (i) => `${d1.stack[i]}/${d1.labels[i]}`);
        expect(d1Map).toEqual(pbMap);
        expect(d1.declaredTotal).toBe(total(pb));
        expect(total(d1)).toBe(total(pb));
        // Labels really are there (pprof.Do in the fixture program).
        expect(d1.labels.some((l) => l !== 0)).toBe(true);
      });

      it.skipIf(missing.length > 0)(`round ${round}: goroutine debug=2 = protobuf per stack (no labels), profiler goroutine aside${why}`, () => {
        const dict = new Dict();
        const pb = read(dict, names[0]!);
        const d2 = read(dict, names[2]!);
        expect(d2.comments).toEqual([]);
        const pbMap = new Map<number, number>();
        for (let i = 0; i < pb.sampleCount; i++) {
          if (isProfilerStack(dict, pb.stack[i]!)) continue;
          const k = textFormStack(dict, pb.stack[i]!, 'debug2');
          pbMap.set(k, (pbMap.get(k) ?? 0) + pb.values[0]![i]!);
        }
        const d2Map = new Map<number, number>();
        let profiler = 0;
        for (let i = 0; i < d2.sampleCount; i++) {
          if (isProfilerStack(dict, d2.stack[i]!)) {
            profiler += d2.values[0]![i]!;
            continue;
          }
          d2Map.set(d2.stack[i]!, (d2Map.get(d2.stack[i]!) ?? 0) + d2.values[0]![i]!);
        }
        expect(profiler).toBe(1);
        expect(d2Map).toEqual(pbMap);
        expect(total(d2)).toBe(total(pb));
        // Details line up with the counts.
        for (let i = 0; i < d2.sampleCount; i++) {
          const g = d2.goroutines![i]!;
          expect(g.ids.length).toBe(d2.values[0]![i]);
          expect(g.waitMinutes.length).toBe(g.ids.length);
          expect(Object.values(g.states).reduce((a, b) => a + b, 0)).toBe(g.ids.length);
        }
      });

      it.skipIf(missing.length > 0)(`round ${round}: heap text = protobuf heap, all four values per stack, exactly${why}`, () => {
        const dict = new Dict();
        const pb = read(dict, names[3]!);
        const ht = read(dict, names[4]!);
        expect(ht.sampleTypes).toEqual(pb.sampleTypes);
        expect(ht.periodType).toEqual(pb.periodType);
        expect(ht.period).toBe(pb.period);
        expect(ht.defaultSampleType).toBe(pb.defaultSampleType);
        for (let t = 0; t < 4; t++) {
          expect(perKey(ht, (i) => String(ht.stack[i]), t)).toEqual(perKey(pb, (i) => String(pb.stack[i]), t));
        }
      });
    }
  });
}

function total(p: Profile): number {
  let s = 0;
  for (let i = 0; i < p.sampleCount; i++) s += p.values[0]![i]!;
  return s;
}
