/**
 * `pprof-diff capture` (the spawned binary) against a local server that
 * misbehaves on purpose: every kind of failure is retried, recorded as lost
 * with its reason, and never stops the others; nothing partial is left.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProfile } from '../src/decode/index.js';
import { Dict } from '../src/model/dict.js';
import { cli } from './helpers/cli.js';
import { listFiles, readManifest, runCli, startCli, tempDir, type Manifest } from './helpers/capture-proc.js';
import { GOROUTINE, HEAP, startFakeServer, type FakeServer } from './helpers/capture-server.js';

const STAMP = '\\d{8}T\\d{6}Z';
const dotfiles = (dir: string): string[] => listFiles(dir).filter((f) => f.split('/').some((c) => c.startsWith('.')));

/** Every ok line names a complete file that is there; no file lacks its line. */
function expectConsistent(dir: string, m: Manifest[]): void {
  const ok = m.filter((r) => r.status === 'ok');
  for (const r of ok) expect(statSync(join(dir, r.file!)).size).toBe(r.bytes);
  expect(listFiles(dir).filter((f) => f !== 'index.jsonl')).toEqual(ok.map((r) => r.file).sort());
  expect(dotfiles(dir)).toEqual([]);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let srv: FakeServer;
beforeAll(async () => {
  srv = await startFakeServer({
    '/good/debug/pprof/heap': { kind: 'ok', body: HEAP },
    '/good/debug/pprof/goroutine': { kind: 'ok', body: GOROUTINE },
    '/e500/heap': { kind: 'status', code: 500, body: 'internal error' },
    '/hang/heap': { kind: 'hang' },
    '/trunc/heap': { kind: 'truncated-gzip', body: HEAP },
    '/reset/heap': { kind: 'reset', body: HEAP },
    '/trickle/heap': { kind: 'trickle', body: HEAP, everyMs: 100 },
    '/html/heap': { kind: 'ok', body: Buffer.from('<!DOCTYPE html>\n<html><body>Sign in</body></html>\n') },
    '/wrong/goroutine': { kind: 'ok', body: HEAP },
    '/flaky/heap': { kind: 'flaky', times: 1, body: HEAP },
  });
});
afterAll(async () => {
  await srv?.close();
});

describe('capture against a misbehaving server', () => {
  it('records each failure as lost with its reason, lands the good targets, exits 2 with a summary', async () => {
    const out = tempDir('faults');
    const refused = await closedPort();
    const u = srv.url;
    const r = await runCli([
      'capture', '--out', out, '--once', '--timeout', '1s', '--retries', '1',
      `good=${u}/good/debug/pprof/`,
      `e500=${u}/e500/heap`,
      `e404=${u}/e404/heap`,
      `hang=${u}/hang/heap`,
      `trunc=${u}/trunc/heap`,
      `reset=${u}/reset/heap`,
      `trickle=${u}/trickle/heap`,
      `html=${u}/html/heap`,
      `wrong=${u}/wrong/goroutine`,
      `flaky=${u}/flaky/heap`,
      `down=http://127.0.0.1:${refused}`,
    ]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');

    const m = readManifest(out);
    const by = new Map(m.map((x) => [`${x.target}/${x.profile}`, x]));
    expect([...by.keys()].sort()).toEqual([
      'down/goroutine', 'down/heap', 'e404/heap', 'e500/heap', 'flaky/heap', 'good/goroutine', 'good/heap',
      'hang/heap', 'html/heap', 'reset/heap', 'trickle/heap', 'trunc/heap', 'wrong/goroutine',
    ]);
    // The good ones landed, whole and valid, in the same round.
    for (const k of ['good/heap', 'good/goroutine', 'flaky/heap']) {
      const x = by.get(k)!;
      expect(x).toMatchObject({ status: 'ok', error: null, round: 1 });
      expect(x.file).toMatch(new RegExp(`^${k}-${STAMP}\\.pb\\.gz$`));
      const p = decodeProfile(readFileSync(join(out, x.file!)), { source: x.file!, dict: new Dict() });
      expect(p.kind).toBe(k.endsWith('goroutine') ? 'goroutine' : 'heap');
    }
    expect(by.get('good/heap')!.bytes).toBe(HEAP.length);
    expect(by.get('good/heap')!.attempts).toBe(1);
    expect(by.get('flaky/heap')!.attempts).toBe(2);
    expect(by.get('good/heap')!.file!.replace('heap', 'goroutine')).toBe(by.get('good/goroutine')!.file);

    const errors: Record<string, RegExp> = {
      'e500/heap': /^HTTP 500 Internal Server Error: internal error$/,
      'e404/heap': /^HTTP 404 Not Found: Unknown profile$/,
      'hang/heap': /^timed out after 1s \(no response\)$/,
      'trunc/heap': /^not a valid profile: truncated gzip stream/,
      'reset/heap': /^connection (reset|closed) after .* of the body/,
      'trickle/heap': /^timed out after 1s \(received \d+ B of the body\)$/,
      'html/heap': /^not a valid profile: not a pprof profile \(it looks like HTML or XML\)$/,
      'wrong/goroutine': /^expected a goroutine profile, got a heap profile$/,
      'down/heap': /^connection refused$/,
      'down/goroutine': /^connection refused$/,
    };
    for (const [k, re] of Object.entries(errors)) {
      const x = by.get(k)!;
      expect(x, k).toMatchObject({ status: 'lost', file: null, bytes: null, attempts: 2, round: 1 });
      expect(x.error, k).toMatch(re);
    }
    // Retried: each failing URL was asked twice.
    expect(srv.hits.get('/e500/heap')).toBe(2);
    expect(srv.hits.get('/trunc/heap')).toBe(2);

    expectConsistent(out, m);
    // No directory for targets that never landed anything (trend reads every subdirectory).
    expect(existsSync(join(out, 'e500'))).toBe(false);

    const err = r.stderr;
    expect(err).toMatch(/^capture: 11 targets \(good, e500, .*\) × heap,goroutine, once → /);
    expect(err).toContain('round 1/1: 3 landed (23.3 KiB), 10 lost in ');
    expect(err).not.toMatch(/Warning/);
    expect(err).toContain('  lost e500/heap: HTTP 500 Internal Server Error: internal error (2 attempts)\n');
    expect(err).toContain('pprof-diff: error: capture: 10 of 13 captures lost\n');
    expect(err).toContain('  down/goroutine: round 1: connection refused\n');
    expect(err).toContain('  wrong/goroutine: round 1: expected a goroutine profile, got a heap profile\n');
    expect(err).toMatch(/\nhint: lost captures are in .*index\.jsonl/);
  });

  it('keeps going round after round, and a clean run exits 0 with one file per round', async () => {
    const out = tempDir('rounds');
    const r = await runCli(['capture', `${srv.url}/good/debug/pprof`, `e500=${srv.url}/e500/heap`, '-o', out, '--every', '400ms', '--count', '3', '--retries', '0']);
    expect(r.status).toBe(2);
    const m = readManifest(out);
    expect(m.map((x) => `${x.round} ${x.target}/${x.profile} ${x.status}`).sort()).toEqual([
      '1 127.0.0.1_' + new URL(srv.url).port + '/goroutine ok',
      '1 127.0.0.1_' + new URL(srv.url).port + '/heap ok',
      '1 e500/heap lost',
      '2 127.0.0.1_' + new URL(srv.url).port + '/goroutine ok',
      '2 127.0.0.1_' + new URL(srv.url).port + '/heap ok',
      '2 e500/heap lost',
      '3 127.0.0.1_' + new URL(srv.url).port + '/goroutine ok',
      '3 127.0.0.1_' + new URL(srv.url).port + '/heap ok',
      '3 e500/heap lost',
    ]);
    // Sub-second intervals name files to the millisecond; names are distinct and sort by round.
    const heaps = m.filter((x) => x.profile === 'heap' && x.status === 'ok').sort((a, b) => a.round - b.round).map((x) => x.file!);
    expect(heaps.every((f) => /heap-\d{8}T\d{6}\.\d{3}Z\.pb\.gz$/.test(f))).toBe(true);
    expect([...heaps].sort()).toEqual(heaps);
    expect(new Set(heaps).size).toBe(3);
    expectConsistent(out, m);
    expect(r.stderr).toContain('  e500/heap: rounds 1-3: HTTP 500 Internal Server Error: internal error\n');
    expect(r.stderr).toMatch(/round 3\/3: 2 landed .* 1 lost/);

    const clean = tempDir('clean');
    const ok = await runCli(['capture', `a=${srv.url}/good/debug/pprof/`, '-o', clean, '--count', '1']);
    expect(ok.stderr).toMatch(/done: 1 round, 2 of 2 captures landed/);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('');
  });

  it('stays on schedule: a round that overruns its slot skips to the next one', async () => {
    const out = tempDir('overrun');
    const r = await runCli(['capture', `g=${srv.url}/good/debug/pprof/`, `hang=${srv.url}/hang/heap`, '-o', out,
      '--every', '1s', '--count', '2', '--timeout', '1500ms', '--retries', '0', '-p', 'heap']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/round 1 overran its slot by 0\.\ds: skipped 1 slot, next round at /);
    const m = readManifest(out).filter((x) => x.target === 'g');
    expect(m.map((x) => x.round)).toEqual([1, 2]);
    // The second round started on slot 2 (2 s after the first), not 1.5 s later.
    const dt = Date.parse(m[1]!.time) - Date.parse(m[0]!.time);
    expect(dt).toBeGreaterThanOrEqual(1900);
    expect(dt).toBeLessThan(2600);
    const secs = m.map((x) => /heap-\d{8}T\d{4}(\d\d)Z/.exec(x.file!)![1]!).map(Number);
    expect((secs[1]! - secs[0]! + 60) % 60).toBe(2);
  });

  it('SIGINT mid-round stops at once, keeps what landed, leaves no temporary file', async () => {
    const out = tempDir('sigint');
    const p = startCli(['capture', `g=${srv.url}/good/debug/pprof/`, `hang=${srv.url}/hang/heap`, '-o', out,
      '--every', '1s', '--timeout', '20s', '--retries', '0']);
    // Round 1: g lands at once, hang holds the round open.
    const t0 = Date.now();
    while (Date.now() - t0 < 10_000) {
      if (existsSync(join(out, 'index.jsonl')) && readManifest(out).length >= 2) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(readManifest(out)).toHaveLength(2);
    const sent = Date.now();
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(Date.now() - sent).toBeLessThan(3000);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('pprof-diff: SIGINT: stopping');
    expect(r.stderr).toContain('stopped by SIGINT in round 1; not captured: hang/heap');
    const m = readManifest(out);
    expect(m.map((x) => `${x.target}/${x.profile} ${x.status}`).sort()).toEqual(['g/goroutine ok', 'g/heap ok']);
    expectConsistent(out, m);
  });

  it('SIGTERM while waiting for the next round exits promptly with 0', async () => {
    const out = tempDir('sigterm');
    const p = startCli(['capture', `g=${srv.url}/good/debug/pprof/`, '-o', out, '--every', '1h']);
    await p.waitForStderr(/round 1: 2 landed/);
    const sent = Date.now();
    p.child.kill('SIGTERM');
    const r = await p.done;
    expect(Date.now() - sent).toBeLessThan(3000);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('stopped by SIGTERM after round 1\ndone: 1 round, 2 of 2 captures landed');
    expectConsistent(out, readManifest(out));
  });

  it('removes temporary files an earlier, killed capture left behind', async () => {
    const out = tempDir('leftover');
    mkdirSync(join(out, 'g'), { recursive: true });
    writeFileSync(join(out, 'g', '.heap-20261125T043015Z.99999999-3.tmp'), HEAP.subarray(0, 100));
    const r = await runCli(['capture', `g=${srv.url}/good/debug/pprof/`, '-o', out, '--once']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('removed 1 temporary file left by an interrupted capture');
    expectConsistent(out, readManifest(out));
  });
});

describe('capture usage and output directory errors', () => {
  it('an unwritable --out is a one-line error, exit 2, before any request', () => {
    const base = tempDir('unwritable');
    writeFileSync(join(base, 'afile'), '');
    const out = join(base, 'afile', 'snaps');
    const r = cli(['capture', 'http://127.0.0.1:1', '--out', out, '--once']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`pprof-diff: error: ${out}: cannot create the output directory: a parent of this path is not a directory\nhint: choose a writable --out directory\n`);
  });

  it('a snapshot that cannot be written stops the loop with a clear error, exit 2', async () => {
    const out = tempDir('writefail');
    writeFileSync(join(out, 'g'), 'a file where the target directory should be');
    const r = await runCli(['capture', `g=${srv.url}/good/debug/pprof/`, '-o', out, '--every', '1s', '--count', '5', '-p', 'heap']);
    expect(r.status).toBe(2);
    expect(r.ms).toBeLessThan(5000);
    expect(r.stderr).toMatch(/stopped in round 1: 0 captures landed before the write error/);
    expect(r.stderr).toMatch(new RegExp(`pprof-diff: error: ${out}/g/heap-${STAMP}\\.pb\\.gz: cannot write the snapshot: exists and is not a directory\nhint: choose a writable --out directory\n$`));
    expect(readManifest(out)).toEqual([]);
  });

  it('rejects bad usage with exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['capture', 'http://127.0.0.1:1', '--once'], /required option '-o, --out <dir>' not specified/],
      [['capture', 'http://127.0.0.1:1', '-o', 'x'], /say how often to capture: --every <duration>\nhint: e\.g\. --every 6h/],
      [['capture', 'http://127.0.0.1:1', '-o', 'x', '--every', 'soon'], /invalid --every "soon"/],
      [['capture', 'http://127.0.0.1:1', '-o', 'x', '--every', '1s', '--count', '0'], /invalid --count "0"/],
      [['capture', 'http://127.0.0.1:1', '-o', 'x', '--once', '--every', '1s'], /--once takes one round/],
      [['capture', 'http://127.0.0.1:1', '-o', 'x', '--once', '--timeout', '0s'], /invalid --timeout "0s"/],
      [['capture', 'http://127.0.0.1:1', '-o', 'x', '--once', '--retries', '-1'], /invalid --retries "-1"/],
      [['capture', 'http://127.0.0.1:1', '-o', 'x', '--once', '-p', 'trace'], /trace is not a pprof profile/],
      [['capture', '-o', 'x', '--once'], /missing required argument 'targets'/],
    ];
    const cwd = tempDir('usage');
    for (const [args, re] of cases) {
      const r = cli(args, { cwd });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^pprof-diff: error: /);
      expect(r.stderr, args.join(' ')).toMatch(re);
    }
    // Nothing was created for a rejected command line.
    expect(listFiles(cwd)).toEqual([]);
  });

  it('documents options, layout, output and exit codes in --help', () => {
    const r = cli(['capture', '--help']);
    expect(r.status).toBe(0);
    for (const s of ['--out <dir>', '--profiles <list>', '--gc', '--every <duration>', '--count <n>', '--once', '--timeout <duration>', '--retries <n>', 'index.jsonl', 'Exit codes', 'nothing on stdout']) {
      expect(r.stdout).toContain(s);
    }
  });
});
