import { mkdtempSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, fixture } from './helpers/cli.js';

const HB = fixture('pair', 'heap-base.pb.gz');
const HH = fixture('pair', 'heap-head.pb.gz');
const GB = fixture('pair', 'goroutine-base.pb.gz');
const GH = fixture('pair', 'goroutine-head.pb.gz');
const tmp = mkdtempSync(join(tmpdir(), 'pprof-diff-cli-'));

/** An error run: exit 2, nothing on stdout, the one-line error first. */
function expectError(args: string[], pattern: RegExp): string {
  const r = cli(args);
  expect(r.stdout).toBe('');
  expect(r.status).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^pprof-diff: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines.length).toBeLessThanOrEqual(2);
  if (lines.length === 2) expect(lines[1]).toMatch(/^hint: /);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  return lines[0]!;
}

describe('diff (default command)', () => {
  it('ranks the leaked 60 KB results first in a heap pair', () => {
    const r = cli([HB, HH], { env: { NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const rows = r.stdout.split('\n').filter((l) => /^\s*[+-]\d/.test(l));
    expect(rows[0]).toMatch(/main\.computeMatch .* ← main\.handleMatch\.func1/);
    expect(r.stdout).toMatch(/^inuse_space by stack/);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('`diff` and the bare form are the same command', () => {
    expect(cli(['diff', HB, HH]).stdout).toBe(cli([HB, HH]).stdout);
  });

  it('JSON: versioned contract, deltas add up to the total delta', () => {
    const r = cli([HB, HH, '-f', 'json', '--top', '0']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.schemaVersion).toBe(1);
    expect(j.command).toBe('diff');
    expect(j.sampleType).toEqual({ type: 'inuse_space', unit: 'bytes' });
    expect(j.granularity).toBe('stack');
    expect(j.base.source).toBe(HB);
    expect(typeof j.base.timeNanos).toBe('string');
    expect(BigInt(j.head.timeNanos) > BigInt(j.base.timeNanos)).toBe(true);
    const sum = j.rows.reduce((a: number, row: { delta: number }) => a + row.delta, 0);
    expect(sum).toBe(j.head.total - j.base.total);
    for (const row of j.rows) expect(row.delta).toBe(row.head - row.base);
    expect(j.rows[0].frames[0].function).toBe('main.computeMatch');
    expect(j.rows[0].frames[0].file).toMatch(/main\.go$/);
    expect(j.rows[0].delta).toBeGreaterThan(0);
  });

  it('goroutine pair: the leaked goroutine stack grows, split by its labels, profiler left out', () => {
    const r = cli([GB, GH, '-f', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.sampleType.type).toBe('goroutine');
    const top = j.rows[0];
    expect(top.frames.some((f: { function: string }) => f.function === 'main.handleMatch.func1')).toBe(true);
    expect(top.labels.handler).toBe('match');
    for (const row of j.rows) {
      expect(row.frames.some((f: { function: string }) => f.function.startsWith('runtime/pprof.writeGoroutine'))).toBe(false);
    }
    const t = cli([GB, GH], { env: { NO_COLOR: '1' } });
    expect(t.stdout).toMatch(/profiler's own goroutine is left out/);
  });

  it('--top, --min-delta and --focus cut rows', () => {
    const all = JSON.parse(cli([HB, HH, '-f', 'json', '-n', '0']).stdout);
    const two = JSON.parse(cli([HB, HH, '-f', 'json', '-n', '2']).stdout);
    expect(two.rows).toHaveLength(2);
    expect(two.rows).toEqual(all.rows.slice(0, 2));
    const big = JSON.parse(cli([HB, HH, '-f', 'json', '-n', '0', '--min-delta', '1MiB']).stdout);
    expect(big.rows.length).toBeGreaterThan(0);
    for (const row of big.rows) expect(Math.abs(row.delta)).toBeGreaterThanOrEqual(1024 * 1024);
    expect(big.rows.length).toBeLessThan(all.rows.length);
    const focus = JSON.parse(cli([HB, HH, '-f', 'json', '-n', '0', '--focus', 'routeCache']).stdout);
    expect(focus.rows.length).toBeGreaterThan(0);
    for (const row of focus.rows) expect(row.frames.some((f: { function: string }) => /routeCache/.test(f.function))).toBe(true);
  });

  it('a filter that matches nothing says so on stderr', () => {
    const r = cli([GB, GH, '--tag', 'nokey=.']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: no sample matched --focus, --ignore and --tag/);
    expect(r.stdout).toMatch(/nothing changed/);
  });

  it('--tag keeps only matching labels; --hide removes frames', () => {
    const eu = JSON.parse(cli([GB, GH, '-f', 'json', '--tag', 'region=eu']).stdout);
    expect(eu.rows.length).toBeGreaterThan(0);
    for (const row of eu.rows) expect(row.labels.region).toBe('eu');
    const hidden = JSON.parse(cli([GB, GH, '-f', 'json', '--hide', '^runtime\\.']).stdout);
    expect(hidden.rows.length).toBeGreaterThan(0);
    for (const row of hidden.rows) for (const f of row.frames) expect(f.function.startsWith('runtime.')).toBe(false);
    // at function granularity too: hiding interns new stacks while folding
    const fn = cli([GB, GH, '-f', 'json', '-g', 'function', '--hide', 'gopark']);
    expect(fn.status, fn.stderr).toBe(0);
    const rows = JSON.parse(fn.stdout).rows as Array<{ key: string; delta: number; cum: { delta: number } }>;
    expect(rows.some((r) => r.key === 'runtime.gopark')).toBe(false);
    // with gopark hidden, selectgo is the leaf of the leaked goroutines: their whole growth is its flat
    const all = JSON.parse(cli([GB, GH, '-f', 'json']).stdout);
    const leaked = all.rows.filter((r: { frames: Array<{ function: string }> }) => r.frames.some((f) => f.function === 'main.handleMatch.func1'))
      .reduce((a: number, r: { delta: number }) => a + r.delta, 0);
    expect(rows.find((r) => r.key === 'runtime.selectgo')!.delta).toBe(leaked);
  });

  it('--normalize scales head to the base total', () => {
    const j = JSON.parse(cli([HB, HH, '-f', 'json', '--normalize']).stdout);
    expect(j.head.total).toBeCloseTo(j.base.total, 3);
    expect(j.normalizeScale).toBeLessThan(1);
  });

  it('function granularity has flat and cum', () => {
    const j = JSON.parse(cli([HB, HH, '-f', 'json', '-g', 'function', '-n', '0']).stdout);
    const fill = j.rows.find((r: { key: string }) => r.key === 'main.(*routeCache).fill');
    expect(fill.cum.delta).toBeGreaterThan(fill.delta);
    const flatSum = j.rows.reduce((a: number, r: { delta: number }) => a + r.delta, 0);
    expect(flatSum).toBe(j.head.total - j.base.total);
  });

  it('markdown is a table fit for a pull-request comment', () => {
    const r = cli([HB, HH, '-f', 'markdown']);
    expect(r.stdout).toMatch(/^### inuse_space: \+/);
    expect(r.stdout).toMatch(/\n\| Δ \| base \| head \| stack \(leaf first\) \|\n\|---:\|---:\|---:\|---\|\n/);
    expect(r.stdout).toMatch(/`main\.computeMatch/);
  });

  it('colour only when asked or on a TTY, never with NO_COLOR', () => {
    expect(cli([HB, HH]).stdout).not.toMatch(/\u001b\[/);
    expect(cli([HB, HH, '--color']).stdout).toMatch(/\u001b\[/);
    expect(cli([HB, HH], { env: { FORCE_COLOR: '1' } }).stdout).toMatch(/\u001b\[/);
    expect(cli([HB, HH], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toMatch(/\u001b\[/);
    expect(cli([HB, HH, '--no-color'], { env: { FORCE_COLOR: '1' } }).stdout).not.toMatch(/\u001b\[/);
  });

  it('-o writes the report to a file and nothing to stdout', () => {
    const out = join(tmp, 'report.json');
    const r = cli([HB, HH, '-f', 'json', '-o', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).command).toBe('diff');
  });
});

describe('show', () => {
  it('lists sample types, totals and top stacks', () => {
    const r = cli(['show', HH], { env: { NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/heap profile \(proto\)/);
    for (const t of ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']) expect(r.stdout).toContain(t);
    expect(r.stdout).toMatch(/inuse_space .*\(default\)/);
  });

  it('JSON totals equal the sum of all rows', () => {
    const j = JSON.parse(cli(['show', HH, '-f', 'json', '-n', '0']).stdout);
    expect(j.command).toBe('show');
    const sum = j.rows.reduce((a: number, r: { flat: number }) => a + r.flat, 0);
    expect(sum).toBe(j.total);
    const inuse = j.sampleTypes.find((t: { type: string }) => t.type === 'inuse_space');
    expect(inuse.total).toBe(j.total);
  });
});

describe('bad input: exit 2, one line naming the file, no stack trace', () => {
  const empty = join(tmp, 'empty.pb.gz');
  writeFileSync(empty, '');
  const png = join(tmp, 'image.png');
  writeFileSync(png, Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex'));
  const json = join(tmp, 'x.json');
  writeFileSync(json, '{"profile": true}');
  const trunc = join(tmp, 'trunc.pb.gz');
  const hh = readFileSync(HH);
  writeFileSync(trunc, hh.subarray(0, hh.length >> 1));
  const corrupt = join(tmp, 'corrupt.pb');
  writeFileSync(corrupt, Buffer.from([0x0a, 0x20, 0x08, 0x01]));
  const dir = join(tmp, 'adir');
  mkdirSync(dir, { recursive: true });

  it('missing file', () => expectError([HB, join(tmp, 'nope.pb.gz')], /nope\.pb\.gz: no such file or directory/));
  it('directory', () => expectError([HB, dir], /adir: is a directory/));
  it('empty file', () => expectError([empty, HH], /empty\.pb\.gz: empty file/));
  it('PNG', () => expectError([png, HH], /image\.png: not a pprof profile \(it is a PNG image\)/));
  it('JSON', () => expectError([HB, json], /x\.json: not a pprof profile \(it looks like JSON\)/));
  it('plain text (a failed curl)', () => {
    const f = join(tmp, 'curl.pb.gz');
    writeFileSync(f, '404 page not found\n');
    expectError([HB, f], /curl\.pb\.gz: not a pprof profile \(it is plain text: "404 page not found"\)/);
  });
  it('truncated gzip', () => expectError([HB, trunc], /trunc\.pb\.gz: truncated gzip stream/));
  it('corrupt protobuf with the offset', () => expectError([HB, corrupt], /corrupt\.pb: corrupt protobuf at byte 1: /));
  it('heap against goroutine', () => expectError([HB, GH], /cannot compare a heap profile .* with a goroutine profile/));
  it('unknown sample type', () => expectError([HB, HH, '-t', 'cpu'], /unknown sample type "cpu"/));
  it('unknown option exits 2, not commander\'s 1', () => expectError([HB, HH, '--frobnicate'], /unknown option '--frobnicate'/));
  it('bad option value', () => expectError([HB, HH, '--top', 'many'], /invalid --top "many"/));
  it('bad choice', () => expectError([HB, HH, '-g', 'module'], /granularity/));
  it('bad regex', () => expectError([HB, HH, '--focus', '('], /invalid --focus regex/));
  it('bad size', () => expectError([HB, HH, '--min-delta', 'lots'], /invalid --min-delta "lots"/));
  it('missing argument', () => expectError([HB], /missing required argument 'head'/));
  it('gzip bomb cap', () => expectError([HB, HH, '--max-decompressed', '1KiB'], /inflates past the 1024 bytes limit/));

  it('--debug shows the stack trace of an internal error only when asked', () => {
    const r = cli([HB, join(tmp, 'nope.pb.gz'), '--debug']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('help and version', () => {
  it('--help for every command lists options with an example, exit 0', () => {
    for (const args of [['--help'], ['diff', '--help'], ['show', '--help']]) {
      const r = cli(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Examples:/);
    }
    expect(cli(['diff', '--help']).stdout).toMatch(/--sample-type/);
  });
  it('--version', () => {
    const r = cli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
