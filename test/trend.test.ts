import { readFileSync, mkdtempSync, mkdirSync, copyFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SELECTION } from '../src/analyze/select.js';
import { TrendBuilder } from '../src/analyze/trend.js';
import { rowKey } from '../src/analyze/diff.js';
import { Dict } from '../src/model/dict.js';
import { frames, ProfileBuilder } from '../src/model/builder.js';
import { cli, fixture } from './helpers/cli.js';

interface Row { key: string; verdict: string; values: number[]; slopePerHour: number; frames: Array<{ function: string }>; labels: Record<string, string> }
interface SeriesJ { target: string; kind: string; format: string; rows: Row[]; snapshots: unknown[]; restarts: unknown[]; total: { verdict: string } }
interface TrendJ { series: SeriesJ[]; suspects: Array<{ target: string; bytesPerGoroutine: number; goroutine: { frames: Array<{ function: string }> }; heap: Array<{ frames: Array<{ function: string }> }>; hint: string }>; fleet: Array<{ leakTargets: number; targets: number; kind: string; frames: Array<{ function: string }> }>; projections: Array<{ target: string; hoursToLimit: number | null }> }

const trend = (args: string[]): TrendJ => {
  const r = cli(['trend', ...args, '-f', 'json', '-n', '0']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as TrendJ;
};
const truth = (variant: string) => JSON.parse(readFileSync(fixture('series', variant, 'truth.json'), 'utf8')) as {
  payloadProfileBytes: number;
  rounds: Array<{ leakedGoroutines: number }>;
};
const has = (r: { frames: Array<{ function: string }> }, fn: string) => r.frames.some((f) => f.function === fn);
const series = (j: TrendJ, kind: string) => j.series.find((s) => s.kind === kind)!;

describe('trend on the Go fixture series', () => {
  const leaky = trend([fixture('series', 'leaky')]);

  it('leaky: the top goroutine rows are the leaked stack, verdict leak, with the true counts', () => {
    const g = series(leaky, 'goroutine');
    expect(g.format).toBe('proto');
    expect(g.snapshots).toHaveLength(8);
    const leakRows = g.rows.filter((r) => r.verdict === 'leak');
    expect(leakRows.length).toBeGreaterThan(0);
    expect(has(g.rows[0]!, 'main.handleMatch.func1')).toBe(true);
    expect(g.rows[0]!.verdict).toBe('leak');
    for (const r of leakRows) expect(has(r, 'main.handleMatch.func1')).toBe(true);
    // the label variants add up to the program's own count of leaked goroutines, round by round
    const summed = leakRows[0]!.values.map((_, i) => leakRows.reduce((a, r) => a + r.values[i]!, 0));
    expect(summed).toEqual(truth('leaky').rounds.map((r) => r.leakedGoroutines));
  });

  it('leaky: the heap that grows with it is a leak; bytes per goroutine near the true size', () => {
    const h = series(leaky, 'heap');
    expect(h.rows[0]!.verdict).toBe('leak');
    expect(has(h.rows[0]!, 'main.computeMatch')).toBe(true);
    const s = leaky.suspects.find((x) => has(x.goroutine, 'main.handleMatch.func1'))!;
    expect(s.heap.some((x) => has(x, 'main.computeMatch'))).toBe(true);
    const want = truth('leaky').payloadProfileBytes; // 64 KiB per result as the heap profile accounts it
    expect(Math.abs(s.bytesPerGoroutine - want) / want).toBeLessThan(0.1);
    expect(s.hint).toMatch(/cancel\(\)/);
  });

  it('the warming cache is never a leak, in any series', () => {
    for (const v of ['leaky', 'subtle', 'fixed', 'fleet']) {
      const j = v === 'leaky' ? leaky : trend([fixture('series', v)]);
      for (const s of j.series) {
        for (const r of s.rows) {
          if (has(r, 'main.(*routeCache).fill')) expect(r.verdict, `${v}: ${r.key}`).not.toBe('leak');
        }
      }
    }
  });

  it('subtle: the slow leak is still found', () => {
    const j = trend([fixture('series', 'subtle')]);
    const g = series(j, 'goroutine');
    expect(g.total.verdict).toBe('leak');
    expect(g.rows.some((r) => r.verdict === 'leak' && has(r, 'main.handleMatch.func1'))).toBe(true);
  });

  it('fixed: no leak at all', () => {
    const j = trend([fixture('series', 'fixed')]);
    for (const s of j.series) for (const r of s.rows) expect(r.verdict, r.key).not.toBe('leak');
    expect(j.suspects).toEqual([]);
  });

  it('fleet: one target per subdirectory; the leak is in 3 of 3 pods', () => {
    const j = trend([fixture('series', 'fleet')]);
    expect([...new Set(j.series.map((s) => s.target))]).toEqual(['pod-a', 'pod-b', 'pod-c']);
    const g = j.fleet.find((f) => f.kind === 'goroutine' && has(f, 'main.handleMatch.func1'))!;
    expect(g.leakTargets).toBe(3);
    expect(g.targets).toBe(3);
  });

  it('--limit projects when the pod reaches it (checked against a naive Theil–Sen)', () => {
    const j = trend([fixture('series', 'leaky'), '--limit', '2GiB']) as TrendJ & {
      series: Array<SeriesJ & { snapshots: Array<{ time: string; total: number }> }>;
    };
    const p = j.projections[0]!;
    const heap = j.series.find((s) => s.kind === 'heap')!;
    const t = heap.snapshots.map((x) => (Date.parse(x.time) - Date.parse(heap.snapshots[0]!.time)) / 3_600_000);
    const y = heap.snapshots.map((x) => x.total);
    const median = (a: number[]) => {
      const b = [...a].sort((m, n) => m - n);
      return b.length % 2 ? b[(b.length - 1) / 2]! : (b[b.length / 2 - 1]! + b[b.length / 2]!) / 2;
    };
    const slopes: number[] = [];
    for (let i = 0; i < t.length; i++) for (let k = i + 1; k < t.length; k++) if (t[k] !== t[i]) slopes.push((y[k]! - y[i]!) / (t[k]! - t[i]!));
    const slope = median(slopes);
    const intercept = median(y.map((v, i) => v - slope * t[i]!));
    const last = t.length - 1;
    const want = (2 * 1024 ** 3 - Math.max(intercept + slope * t[last]!, y[last]!)) / slope;
    expect(p.hoursToLimit).toBeCloseTo(want, 6);
    expect(p.hoursToLimit).toBeGreaterThan(0);
  });
});

describe('text formats give the same trend as protobuf', () => {
  const proto = series(trend([fixture('series', 'leaky')]), 'goroutine');
  const leakTotal = (s: SeriesJ) => {
    const rows = s.rows.filter((r) => has(r, 'main.handleMatch.func1'));
    return rows[0]!.values.map((_, i) => rows.reduce((a, r) => a + r.values[i]!, 0));
  };

  for (const fmt of ['debug1', 'debug2']) {
    it(`goroutine ${fmt}: same leak rows, same counts`, () => {
      // text has no timestamp: order comes from the file mtime, so copy with mtimes in capture order
      const dir = mkdtempSync(join(tmpdir(), `trend-${fmt}-`));
      for (let i = 1; i <= 8; i++) {
        const name = `goroutine-0${i}.${fmt}.txt`;
        copyFileSync(fixture('series', 'leaky', name), join(dir, name));
        utimesSync(join(dir, name), 1_700_000_000 + i * 3600, 1_700_000_000 + i * 3600);
      }
      const r = cli(['trend', dir, '-f', 'json', '-n', '0']);
      expect(r.status).toBe(0);
      const j = JSON.parse(r.stdout) as TrendJ & { notes: string[] };
      const s = series(j, 'goroutine');
      expect(s.format).toBe(fmt === 'debug1' ? 'goroutine-debug1' : 'goroutine-debug2');
      expect(leakTotal(s)).toEqual(leakTotal(proto));
      expect(s.rows[0]!.verdict).toBe('leak');
      expect(j.notes.join('\n')).toMatch(/modification time/);
    });
  }

  it('heap text: same leading stack and values as protobuf', () => {
    const pj = series(trend([fixture('series', 'leaky')]), 'heap');
    const dir = mkdtempSync(join(tmpdir(), 'trend-heaptext-'));
    for (let i = 1; i <= 8; i++) {
      const name = `heap-0${i}.debug1.txt`;
      copyFileSync(fixture('series', 'leaky', name), join(dir, name));
      utimesSync(join(dir, name), 1_700_000_000 + i * 3600, 1_700_000_000 + i * 3600);
    }
    const tj = series(trend([dir]), 'heap');
    expect(tj.rows[0]!.key).toBe(pj.rows[0]!.key);
    expect(tj.rows[0]!.values).toEqual(pj.rows[0]!.values);
  });
});

describe('trend logic on in-memory series', () => {
  const st = [{ type: 'goroutine', unit: 'count' }];
  const heapTypes = [
    { type: 'alloc_objects', unit: 'count' }, { type: 'alloc_space', unit: 'bytes' },
    { type: 'inuse_objects', unit: 'count' }, { type: 'inuse_space', unit: 'bytes' },
  ];
  const H = 3_600_000_000_000n; // an hour in ns

  it('three snapshots: insufficient-data, not a verdict', () => {
    const dict = new Dict();
    const tb = new TrendBuilder(dict, { selection: DEFAULT_SELECTION, top: 0 });
    for (let i = 0; i < 3; i++) {
      const b = new ProfileBuilder(dict, { source: `g${i}`, sampleTypes: st, timeNanos: BigInt(i) * H + 1n });
      b.add(frames('runtime.gopark', 'main.leak'), [10 + i * 50]);
      tb.add('t', b.build(), 0);
    }
    const r = tb.result();
    expect(r.series[0]!.rows[0]!.verdict).toBe('insufficient-data');
  });

  it('orders snapshots by time_nanos, not by the order given', () => {
    const dict = new Dict();
    const tb = new TrendBuilder(dict, { selection: DEFAULT_SELECTION, top: 0 });
    const order = [4, 0, 3, 1, 5, 2];
    for (const i of order) {
      const b = new ProfileBuilder(dict, { source: `g${i}`, sampleTypes: st, timeNanos: BigInt(i) * H + 1n });
      b.add(frames('runtime.gopark', 'main.leak'), [10 + i * 7]);
      tb.add('t', b.build(), 0);
    }
    const s = tb.result().series[0]!;
    expect(s.snapshots.map((x) => x.source)).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'g5']);
    expect(s.rows[0]!.values).toEqual([10, 17, 24, 31, 38, 45]);
    expect(s.rows[0]!.slopePerHour).toBeCloseTo(7, 9);
    expect(s.rows[0]!.verdict).toBe('leak');
  });

  it('a restart (cumulative alloc total falls) splits the series and is reported', () => {
    const dict = new Dict();
    const tb = new TrendBuilder(dict, { selection: DEFAULT_SELECTION, top: 0 });
    // process 1: 6 snapshots growing; process 2: 6 snapshots flat at a low level
    for (let i = 0; i < 12; i++) {
      const b = new ProfileBuilder(dict, { source: `h${String(i).padStart(2, '0')}`, sampleTypes: heapTypes, timeNanos: BigInt(i) * H + 1n });
      const alloc = i < 6 ? (i + 1) * 1e8 : (i - 5) * 1e7;
      const inuse = i < 6 ? 1e6 * (1 + i) : 1e6;
      b.add(frames('main.grow'), [100, alloc, 10, inuse]);
      tb.add('t', b.build(), 0);
    }
    const s = tb.result().series[0]!;
    expect(s.restarts).toEqual([{ index: 6, before: 'h05', after: 'h06' }]);
    expect(s.segmentStart).toBe(6);
    expect(s.rows[0]!.verdict).toBe('stable');
    expect(s.rows[0]!.values).toHaveLength(12);
  });

  it('allocs profiles of the same moments are not added to the heap series', () => {
    const dict = new Dict();
    const tb = new TrendBuilder(dict, { selection: DEFAULT_SELECTION, top: 0 });
    for (let i = 0; i < 5; i++) {
      for (const def of [3, 1]) { // heap (default inuse_space), then allocs (default alloc_space)
        const b = new ProfileBuilder(dict, { source: `${def === 3 ? 'heap' : 'allocs'}${i}`, sampleTypes: heapTypes, defaultSampleType: def, timeNanos: BigInt(i) * H + 1n });
        b.add(frames('main.grow'), [100, 1e6 * (i + 1), 10, 1e5 * (i + 1)]);
        tb.add('t', b.build(), 0);
      }
    }
    const r = tb.result();
    expect(r.series).toHaveLength(1);
    expect(r.series[0]!.snapshots.map((x) => x.source)).toEqual(['heap0', 'heap1', 'heap2', 'heap3', 'heap4']);
    expect(r.notes.join('\n')).toMatch(/5 allocs profiles left out/);
  });

  it('a filter does not fake a restart: restarts are judged on the whole profile', () => {
    const dict = new Dict();
    const sel = { ...DEFAULT_SELECTION, focus: [/main\.small/] };
    const tb = new TrendBuilder(dict, { selection: sel, top: 0 });
    // the whole process is steady (~110 goroutines); the focused stack dips from 10 to 4
    const small = [10, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    small.forEach((n, i) => {
      const b = new ProfileBuilder(dict, { source: `g${i}`, sampleTypes: st, timeNanos: BigInt(i) * H + 1n });
      b.add(frames('runtime.gopark', 'main.steady'), [100]);
      b.add(frames('runtime.gopark', 'main.small'), [n]);
      tb.add('t', b.build(), 0);
    });
    const s = tb.result().series[0]!;
    expect(s.restarts).toEqual([]);
    expect(s.segmentStart).toBe(0);
    expect(s.rows[0]!.first).toBe(10);
  });

  it('alloc_space is analysed as a rate: steady allocation is not a leak', () => {
    const dict = new Dict();
    const tb = new TrendBuilder(dict, { selection: DEFAULT_SELECTION, top: 0, sampleType: 'alloc_space' });
    for (let i = 0; i < 10; i++) {
      const b = new ProfileBuilder(dict, { source: `h${i}`, sampleTypes: heapTypes, timeNanos: BigInt(i) * H + 1n });
      b.add(frames('main.churn'), [100 * (i + 1), 1e9 * (i + 1), 1, 1000]);
      tb.add('t', b.build(), 0);
    }
    const s = tb.result().series[0]!;
    expect(s.asRate).toBe(true);
    expect(s.sampleType.type).toBe('alloc_space');
    expect(s.rows[0]!.verdict).not.toBe('leak');
    expect(s.rows[0]!.slopePerHour).toBeCloseTo(0, 6); // the rate is constant: 1e9 per hour
  });
});

describe('trend input handling', () => {
  it('a file that is not a profile is an error naming it, unless --skip-unreadable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trend-bad-'));
    mkdirSync(join(dir, 'pod'));
    for (let i = 1; i <= 5; i++) copyFileSync(fixture('series', 'leaky', `goroutine-0${i}.pb.gz`), join(dir, 'pod', `goroutine-0${i}.pb.gz`));
    writeFileSync(join(dir, 'pod', 'notes.txt'), 'hello');
    writeFileSync(join(dir, 'pod', 'index.jsonl'), '{}\n');
    const bad = cli(['trend', dir]);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^pprof-diff: error: .*notes\.txt: /);
    const ok = cli(['trend', dir, '--skip-unreadable', '-f', 'json']);
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/warning: skipped .*notes\.txt/);
    expect(JSON.parse(ok.stdout).series[0].snapshots).toHaveLength(5);
  });

  it('an unknown --sample-type is a usage error', () => {
    const r = cli(['trend', fixture('series', 'leaky'), '-t', 'cpu']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^pprof-diff: error: unknown sample type "cpu"/);
  });

  it('an empty directory is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trend-empty-'));
    const r = cli(['trend', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/holds no profiles/);
  });

  it('table output has sparklines and verdicts', () => {
    const r = cli(['trend', fixture('series', 'leaky')], { env: { NO_COLOR: '1', COLUMNS: '80' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/leak .*[▁▂▃▄▅▆▇█]{8}/);
    expect(r.stdout).toMatch(/Suspects/);
    for (const line of r.stdout.split('\n')) {
      if (/^\s+(leak|growing|plateau|stable)\s/.test(line)) expect([...line].length).toBeLessThanOrEqual(80);
    }
  });
});

describe('diff gives the same ranking and counts from text as from protobuf', () => {
  type D = { rows: Array<{ delta: number; base: number; head: number; labels: Record<string, string>; frames: Array<{ function: string }> }> };
  const diff = (a: string, b: string): D => {
    const r = cli(['diff', fixture('series', 'leaky', a), fixture('series', 'leaky', b), '-f', 'json', '-n', '0']);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as D;
  };
  const summary = (d: D, withLabels: boolean) => d.rows.map((r) => ({
    fn: r.frames.find((f) => !f.function.startsWith('runtime.'))?.function,
    ...(withLabels ? { labels: r.labels } : {}),
    base: r.base, head: r.head, delta: r.delta,
  }));
  const proto = diff('goroutine-01.pb.gz', 'goroutine-08.pb.gz');

  it('goroutine debug=1: the same rows, in the same order, with the same numbers', () => {
    expect(summary(diff('goroutine-01.debug1.txt', 'goroutine-08.debug1.txt'), true)).toEqual(summary(proto, true));
  });

  it('goroutine debug=2: the same numbers with labels summed (debug=2 has none)', () => {
    const d2 = summary(diff('goroutine-01.debug2.txt', 'goroutine-08.debug2.txt'), false);
    const byFn = new Map<string, { base: number; head: number; delta: number }>();
    for (const r of summary(proto, false)) {
      const e = byFn.get(r.fn!) ?? { base: 0, head: 0, delta: 0 };
      byFn.set(r.fn!, { base: e.base + r.base, head: e.head + r.head, delta: e.delta + r.delta });
    }
    expect(d2.map((r) => [r.fn, r.base, r.head, r.delta])).toEqual([...byFn.entries()].map(([fn, v]) => [fn, v.base, v.head, v.delta]));
  });

  it('protobuf against debug=1 text: stacks keyed the same way', () => {
    expect(summary(diff('goroutine-01.pb.gz', 'goroutine-08.debug1.txt'), true)).toEqual(summary(proto, true));
  });

  it('legacy heap text: the same rows and bytes as the protobuf heap profile', () => {
    const h = diff('heap-01.pb.gz', 'heap-08.pb.gz');
    const t = diff('heap-01.debug1.txt', 'heap-08.debug1.txt');
    expect(t.rows.map((r) => [r.frames[0]!.function, r.delta])).toEqual(h.rows.map((r) => [r.frames[0]!.function, r.delta]));
  });
});

describe('trend guards against fake evidence', () => {
  it('copies of one snapshot (same time_nanos) count once, and the report says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trend-dup-'));
    for (const i of ['01', '04', '08']) {
      copyFileSync(fixture('series', 'leaky', `goroutine-${i}.pb.gz`), join(dir, `goroutine-${i}.pb.gz`));
      copyFileSync(fixture('series', 'leaky', `goroutine-${i}.pb.gz`), join(dir, `copy-${i}.pb.gz`));
    }
    const r = cli(['trend', dir, '-f', 'json']);
    const j = JSON.parse(r.stdout) as TrendJ & { notes: string[] };
    expect(j.series[0]!.snapshots).toHaveLength(3);
    expect(j.series[0]!.rows.every((x) => x.verdict === 'insufficient-data')).toBe(true);
    expect(j.notes.join('\n')).toMatch(/same time_nanos .* a copy, left out/);
    expect(cli(['check', dir]).status).toBe(2);
  });

  it('text files that share a modification time get no verdict', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trend-sametime-'));
    for (let i = 1; i <= 8; i++) {
      const name = `goroutine-0${i}.debug1.txt`;
      copyFileSync(fixture('series', 'leaky', name), join(dir, name));
      utimesSync(join(dir, name), 1_700_000_000, 1_700_000_000);
    }
    const j = JSON.parse(cli(['trend', dir, '-f', 'json']).stdout) as TrendJ & { notes: string[] };
    for (const r of j.series[0]!.rows) expect(r.verdict).toBe('insufficient-data');
    expect(has(j.series[0]!.rows[0]!, 'main.handleMatch.func1')).toBe(true); // still ranked by growth
    expect(j.notes.join('\n')).toMatch(/share a timestamp .*too few distinct times/);
  });

  it('--input-format chooses per kind: the heap series stays', () => {
    const j = JSON.parse(cli(['trend', fixture('series', 'leaky'), '--input-format', 'debug2', '-f', 'json']).stdout) as TrendJ & { notes: string[] };
    expect(j.series.map((s) => `${s.kind}:${s.format}`)).toEqual(['goroutine:goroutine-debug2', 'heap:proto']);
    expect(j.notes.join('\n')).toMatch(/no heap profiles in debug=2 text: used protobuf/);
  });

  it('the fleet view counts only targets that have the kind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trend-fleetkind-'));
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    for (let i = 1; i <= 8; i++) {
      copyFileSync(fixture('series', 'leaky', `goroutine-0${i}.pb.gz`), join(dir, 'a', `goroutine-0${i}.pb.gz`));
      copyFileSync(fixture('series', 'leaky', `heap-0${i}.pb.gz`), join(dir, 'a', `heap-0${i}.pb.gz`));
      copyFileSync(fixture('series', 'subtle', `heap-0${i}.pb.gz`), join(dir, 'b', `heap-0${i}.pb.gz`));
    }
    const j = trend([dir]);
    const g = j.fleet.find((f) => f.kind === 'goroutine')!;
    expect(g.targets).toBe(1);
    const h = j.fleet.find((f) => f.kind === 'heap' && has(f, 'main.computeMatch'))!;
    expect(h).toMatchObject({ targets: 2, leakTargets: 2 });
  });
});

describe('row keys', () => {
  const f = [{ function: 'main.leaf', file: 'a.go', line: 3 }, { function: 'main.root', file: 'a.go', line: 9 }];
  it('are root first function:line, then the labels', () => {
    expect(rowKey(f, { handler: 'match', region: 'eu' }, 'stack')).toBe('main.root:9;main.leaf:3 {handler=match,region=eu}');
  });
  it('quote label keys and values that hold a separator, so two label sets never share a key', () => {
    const a = rowKey(f, { k: 'a,b=c' }, 'stack');
    const b = rowKey(f, { k: 'a', b: 'c' }, 'stack');
    expect(a).toBe('main.root:9;main.leaf:3 {k="a,b=c"}');
    expect(a).not.toBe(b);
  });
});
