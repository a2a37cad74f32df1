/**
 * pprof-diff's function-granularity diff against `go tool pprof -top
 * -diff_base`, the reference users know: flat and cum per function must be
 * equal to the byte (and to the goroutine) on the same files.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cli, fixture } from './helpers/cli.js';

const hasGo = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
if (!hasGo) console.warn('conformance tests skipped: `go` is not installed (apt-get install -y golang-go); .ci/run installs it');

interface Node { flat: number; cum: number }

/** Parses `go tool pprof -top` rows: flat flat% sum% cum cum% name [(inline)]. */
function pprofTop(args: string[]): { nodes: Map<string, Node>; accounted: number } {
  const r = spawnSync('go', ['tool', 'pprof', '-symbolize=none', '-top', '-nodefraction=0', ...args], {
    encoding: 'utf8',
    env: { ...process.env, PPROF_TMPDIR: '/tmp', HOME: process.env['HOME'] ?? '/tmp' },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`go tool pprof failed: ${r.stderr}`);
  const lines = r.stdout.split('\n');
  const head = lines.findIndex((l) => /^\s*flat\s+flat%\s+sum%\s+cum\s+cum%/.test(l));
  expect(head).toBeGreaterThan(0);
  const accountedLine = lines.find((l) => l.startsWith('Showing nodes accounting for '))!;
  const num = (s: string) => Number(s.replace(/B$/, ''));
  const accounted = num(/accounting for (-?[\d.]+B?),/.exec(accountedLine)![1]!);
  const nodes = new Map<string, Node>();
  for (const line of lines.slice(head + 1)) {
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    const name = f.slice(5).join(' ').replace(/ \((partial-)?inline\)$/, '');
    nodes.set(name, { flat: num(f[0]!), cum: num(f[3]!) });
  }
  return { nodes, accounted };
}

function ours(args: string[]): Map<string, Node> {
  const r = cli(['diff', '-g', 'function', '-n', '0', '-f', 'json', '--keep-profiler', ...args]);
  expect(r.status, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as { rows: Array<{ key: string; delta: number; cum: { delta: number } }> };
  return new Map(j.rows.map((row) => [row.key, { flat: row.delta, cum: row.cum.delta }]));
}

const cases: Array<{ name: string; base: string; head: string; type: string; unit: boolean }> = [
  { name: 'heap inuse_space', base: fixture('pair', 'heap-base.pb.gz'), head: fixture('pair', 'heap-head.pb.gz'), type: 'inuse_space', unit: true },
  { name: 'heap inuse_objects', base: fixture('pair', 'heap-base.pb.gz'), head: fixture('pair', 'heap-head.pb.gz'), type: 'inuse_objects', unit: false },
  { name: 'heap alloc_space', base: fixture('pair', 'heap-base.pb.gz'), head: fixture('pair', 'heap-head.pb.gz'), type: 'alloc_space', unit: true },
  { name: 'goroutine', base: fixture('pair', 'goroutine-base.pb.gz'), head: fixture('pair', 'goroutine-head.pb.gz'), type: 'goroutine', unit: false },
  { name: 'goroutine, leaky against fixed', base: fixture('series', 'leaky', 'goroutine-08.pb.gz'), head: fixture('series', 'fixed', 'goroutine-08.pb.gz'), type: 'goroutine', unit: false },
  { name: 'heap, fixed series first → last', base: fixture('series', 'fixed', 'heap-01.pb.gz'), head: fixture('series', 'fixed', 'heap-08.pb.gz'), type: 'inuse_space', unit: true },
  { name: 'heap, reversed (shrinkage)', base: fixture('pair', 'heap-head.pb.gz'), head: fixture('pair', 'heap-base.pb.gz'), type: 'inuse_space', unit: true },
];

describe.skipIf(!hasGo)('agreement with go tool pprof -top -diff_base', () => {
  for (const c of cases) {
    it(`${c.name}: flat and cum per function equal pprof's`, () => {
      // -unit=B prints bytes as exact integers; counts print exactly without it.
      const ref = pprofTop([...(c.unit ? ['-unit=B'] : []), `-sample_index=${c.type}`, '-diff_base', c.base, c.head]);
      const got = ours(['-t', c.type, c.base, c.head]);
      expect(ref.nodes.size).toBeGreaterThanOrEqual(3);
      for (const [name, want] of ref.nodes) {
        expect(got.get(name), `${name} missing from pprof-diff`).toEqual(want);
      }
      // and nothing pprof-diff reports is absent from pprof (pprof omits nodes whose flat and cum are both 0)
      for (const [name, node] of got) {
        if (node.flat !== 0 || node.cum !== 0) expect(ref.nodes.has(name), `${name} not in pprof`).toBe(true);
      }
      // pprof's "accounting for" is the sum of flat over the shown nodes
      const sum = [...got.values()].reduce((a, n) => a + n.flat, 0);
      expect(sum).toBe(ref.accounted);
    });
  }
});

describe.skipIf(!hasGo)('show agrees with go tool pprof -top', () => {
  for (const [file, type, unit] of [
    [fixture('pair', 'heap-head.pb.gz'), 'inuse_space', true],
    [fixture('series', 'subtle', 'heap-05.pb.gz'), 'alloc_objects', false],
    [fixture('pair', 'goroutine-head.pb.gz'), 'goroutine', false],
  ] as const) {
    it(`${file.slice(file.indexOf('fixtures'))} ${type}: flat and cum per function`, () => {
      const ref = pprofTop([...(unit ? ['-unit=B'] : []), `-sample_index=${type}`, file]);
      const r = cli(['show', '-g', 'function', '-n', '0', '-f', 'json', '--keep-profiler', '-t', type, file]);
      expect(r.status, r.stderr).toBe(0);
      const rows = (JSON.parse(r.stdout) as { rows: Array<{ key: string; flat: number; cum: number }> }).rows;
      const got = new Map(rows.map((x) => [x.key, { flat: x.flat, cum: x.cum }]));
      expect(ref.nodes.size).toBeGreaterThanOrEqual(3);
      for (const [name, want] of ref.nodes) expect(got.get(name), name).toEqual(want);
      expect(got.size).toBe(ref.nodes.size);
    });
  }
});
