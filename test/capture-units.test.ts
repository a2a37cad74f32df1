/**
 * The pure and in-process parts of `capture`: target planning, names and
 * the schedule, validation, the store's landing discipline, the reports.
 * The spawned-binary tests are in capture-faults and capture-go.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchBytes, FetchError } from '../src/capture/http.js';
import { compactRounds, lossSummary, progressLine, roundLine } from '../src/capture/report.js';
import { backoffMs, compactTimestamp, nextSlot, snapshotName } from '../src/capture/schedule.js';
import { Store, storeError, type ManifestRecord } from '../src/capture/store.js';
import { deriveName, parseProfileList, planTargets } from '../src/capture/targets.js';
import { validateSnapshot } from '../src/capture/validate.js';
import { formatError, UsageError } from '../src/errors/index.js';
import { fixture } from './helpers/cli.js';
import { listFiles, tempDir } from './helpers/capture-proc.js';
import { DEBUG2, GOROUTINE, HEAP, startFakeServer } from './helpers/capture-server.js';

const plan = (args: string[], profiles = ['heap', 'goroutine'], gc = false) => planTargets(args, { profiles, gc });

describe('planTargets', () => {
  it('expands a base URL into one /debug/pprof/<profile> URL per profile, named host_port', () => {
    const [t, ...rest] = plan(['http://127.0.0.1:6060']);
    expect(rest).toEqual([]);
    expect(t!.name).toBe('127.0.0.1_6060');
    expect(t!.captures.map((c) => [c.profile, c.url, c.text])).toEqual([
      ['heap', 'http://127.0.0.1:6060/debug/pprof/heap', false],
      ['goroutine', 'http://127.0.0.1:6060/debug/pprof/goroutine', false],
    ]);
  });

  it('accepts name=url, scheme-less host:port, a /debug/pprof/ base with a prefix, and --gc', () => {
    const ts = plan(['api-1=localhost:6060', 'http://10.0.0.8:80/svc/debug/pprof'], ['heap', 'allocs', 'goroutine-debug2'], true);
    expect(ts.map((t) => t.name)).toEqual(['api-1', '10.0.0.8_80']);
    expect(ts[0]!.captures.map((c) => c.url)).toEqual([
      'http://localhost:6060/debug/pprof/heap?gc=1',
      'http://localhost:6060/debug/pprof/allocs',
      'http://localhost:6060/debug/pprof/goroutine?debug=2',
    ]);
    expect(ts[0]!.captures[2]!.text).toBe(true);
    expect(ts[1]!.captures[0]!.url).toBe('http://10.0.0.8/svc/debug/pprof/heap?gc=1');
  });

  it('captures a full profile URL as is, named after its profile and debug level', () => {
    const ts = plan(['127.0.0.1:6060/debug/pprof/goroutine?debug=2', 'http://[::1]:7070/debug/pprof/block']);
    expect(ts.map((t) => [t.name, t.captures.map((c) => c.profile)])).toEqual([
      ['127.0.0.1_6060', ['goroutine-debug2']],
      ['__1_7070', ['block']],
    ]);
    expect(ts[0]!.captures[0]!.expect.formats).toEqual(['goroutine-debug2']);
    // Profiles that take their time answering get it on top of --timeout.
    const held = plan(['http://h:1/debug/pprof/'], ['profile', 'heap']);
    expect(held[0]!.captures.map((c) => c.holdMs)).toEqual([30_000, 0]);
    expect(plan(['http://h:1/debug/pprof/allocs?seconds=60'])[0]!.captures[0]!.holdMs).toBe(60_000);
  });

  it('merges targets that share a name and refuses two captures of one profile into one directory', () => {
    const ts = plan(['http://h:1/debug/pprof/heap', 'http://h:1/debug/pprof/goroutine']);
    expect(ts).toHaveLength(1);
    expect(ts[0]!.captures.map((c) => c.profile)).toEqual(['heap', 'goroutine']);
    expect(() => plan(['http://h:1', 'http://h:1/'])).toThrow(/two targets would write h_1\/heap/);
    expect(() => plan(['a=http://h:1', 'a=http://h:2'])).toThrow(UsageError);
  });

  it('rejects unsafe names, non-http URLs, unknown text forms and non-profiles', () => {
    expect(() => plan(['../x=http://h:1'])).toThrow(/invalid target name/);
    expect(() => plan(['.hidden=http://h:1'])).toThrow(/invalid target name/);
    expect(() => plan(['ftp://h:1'])).toThrow(/only http and https/);
    expect(() => plan([])).toThrow(/no targets/);
    expect(() => parseProfileList('heap,mutex-debug1')).toThrow(/cannot validate mutex\?debug=1/);
    expect(() => parseProfileList('trace')).toThrow(/not a pprof profile/);
    expect(() => parseProfileList(' , ')).toThrow(/names no profile/);
    expect(parseProfileList('heap, goroutine,heap')).toEqual(['heap', 'goroutine']);
  });

  it('derives names that are one safe path component', () => {
    expect(deriveName(new URL('https://pod.ns.svc'))).toBe('pod.ns.svc_443');
    expect(deriveName(new URL('http://[fe80::1]:6060'))).toBe('fe80__1_6060');
  });
});

describe('names and schedule', () => {
  const t = Date.UTC(2026, 10, 25, 4, 30, 15, 123);

  it('formats compact, fixed-width UTC timestamps', () => {
    expect(compactTimestamp(t, false)).toBe('20261125T043015Z');
    expect(compactTimestamp(t, true)).toBe('20261125T043015.123Z');
    expect(snapshotName('heap', '20261125T043015Z', false, 0)).toBe('heap-20261125T043015Z.pb.gz');
    expect(snapshotName('goroutine-debug2', '20261125T043015Z', true, 0)).toBe('goroutine-debug2-20261125T043015Z.txt');
    expect(snapshotName('heap', '20261125T043015Z', false, 0, false)).toBe('heap-20261125T043015Z.pb');
  });

  it('names sort by time, and a collision suffix sorts after the first file', () => {
    const names = [
      snapshotName('heap', compactTimestamp(t + 1000, false), false, 0),
      snapshotName('heap', compactTimestamp(t, false), false, 1),
      snapshotName('heap', compactTimestamp(t, false), false, 0),
    ];
    expect([...names].sort()).toEqual([names[2], names[1], names[0]]);
  });

  it('keeps rounds on slots fixed from the start and skips slots a round overran', () => {
    expect(nextSlot(0, 250, 1000)).toEqual({ slot: 1, skipped: 0 });
    expect(nextSlot(0, 1000, 1000)).toEqual({ slot: 1, skipped: 0 });
    expect(nextSlot(0, 1500, 1000)).toEqual({ slot: 2, skipped: 1 });
    expect(nextSlot(4, 7200, 1000)).toEqual({ slot: 8, skipped: 3 });
    expect([1, 2, 3, 7, 9].map(backoffMs)).toEqual([500, 1000, 2000, 30_000, 30_000]);
  });
});

describe('validateSnapshot', () => {
  const heap = { kinds: ['heap'] as const, formats: ['proto'] as const, describe: 'a heap profile' };
  const goroutine = { kinds: ['goroutine'] as const, formats: ['proto'] as const, describe: 'a goroutine profile' };
  const debug2 = { kinds: ['goroutine'] as const, formats: ['goroutine-debug2'] as const, describe: 'a goroutine ?debug=2 dump' };

  it('accepts what was asked for', () => {
    expect(validateSnapshot(HEAP, heap, 'u')).toBeNull();
    expect(validateSnapshot(GOROUTINE, goroutine, 'u')).toBeNull();
    expect(validateSnapshot(DEBUG2, debug2, 'u')).toBeNull();
  });

  it('says what arrived instead', () => {
    expect(validateSnapshot(HEAP, goroutine, 'u')).toBe('expected a goroutine profile, got a heap profile');
    expect(validateSnapshot(GOROUTINE, debug2, 'u')).toBe('expected a goroutine ?debug=2 dump, got a goroutine profile');
    expect(validateSnapshot(readFileSync(fixture('series', 'leaky', 'goroutine-01.debug1.txt')), debug2, 'u'))
      .toBe('expected a goroutine ?debug=2 dump, got a goroutine ?debug=1 text profile');
    expect(validateSnapshot(Buffer.from('<!DOCTYPE html><html>login</html>'), heap, 'u')).toMatch(/^not a valid profile: not a pprof profile \(it looks like HTML/);
    expect(validateSnapshot(HEAP.subarray(0, 300), heap, 'u')).toMatch(/^not a valid profile: truncated gzip stream/);
    expect(validateSnapshot(new Uint8Array(0), heap, 'u')).toMatch(/^not a valid profile: empty file/);
  });
});

describe('Store', () => {
  const rec = (file: string | null): ManifestRecord => ({
    target: 't', profile: 'heap', file, time: '2026-11-25T04:30:15.000Z', bytes: file === null ? null : 3,
    status: file === null ? 'lost' : 'ok', error: file === null ? 'HTTP 500' : null, round: 1, attempts: 1, url: 'http://h/heap',
  });

  it('lands under the final name without leaving a temporary file, and never overwrites', async () => {
    const dir = tempDir('store');
    const store = new Store(dir);
    expect(await store.init(['t'])).toBe(0);
    expect(listFiles(dir)).toEqual(['index.jsonl']);
    const a = await store.land('t', 'heap', '20261125T043015Z', false, true, new Uint8Array([1, 2, 3]));
    const b = await store.land('t', 'heap', '20261125T043015Z', false, true, new Uint8Array([4, 5]));
    const c = await store.land('t', 'heap', '20261125T043015Z', false, true, new Uint8Array([6]));
    expect([a, b, c]).toEqual(['t/heap-20261125T043015Z.pb.gz', 't/heap-20261125T043015Z~1.pb.gz', 't/heap-20261125T043015Z~2.pb.gz']);
    expect([...readFileSync(join(dir, a))]).toEqual([1, 2, 3]);
    expect([...readFileSync(join(dir, b))]).toEqual([4, 5]);
    expect(store.pendingTemps()).toEqual([]);
    expect(listFiles(dir)).toEqual(['index.jsonl', a, b, c]);
  });

  it('appends whole manifest lines', async () => {
    const dir = tempDir('store');
    const store = new Store(dir);
    await store.init([]);
    await Promise.all([store.append(rec('t/x.pb.gz')), store.append(rec(null)), store.append(rec('t/y.pb.gz'))]);
    const lines = readFileSync(join(dir, 'index.jsonl'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => (JSON.parse(l) as ManifestRecord).file)).toEqual(['t/x.pb.gz', null, 't/y.pb.gz']);
  });

  it('removes temporary files left by a dead capture, and keeps a live one\'s', async () => {
    const dir = tempDir('store');
    mkdirSync(join(dir, 't'));
    writeFileSync(join(dir, 't', '.heap-20261125T043015Z.99999999-1.tmp'), 'partial');
    writeFileSync(join(dir, 't', `.heap-20261125T043015Z.${process.ppid}-1.tmp`), 'someone else writing');
    writeFileSync(join(dir, 't', 'heap-20261125T043015Z.pb.gz'), 'kept');
    expect(await new Store(dir).init(['t', 'absent'])).toBe(1);
    expect(listFiles(dir)).toEqual(['index.jsonl', `t/.heap-20261125T043015Z.${process.ppid}-1.tmp`, 't/heap-20261125T043015Z.pb.gz']);
  });

  it('turns an unwritable directory into a one-line error naming the path', async () => {
    const dir = tempDir('store');
    writeFileSync(join(dir, 'file'), '');
    await expect(new Store(join(dir, 'file', 'out')).init([])).rejects.toThrow(/cannot create the output directory: a parent of this path is not a directory/);
    const store = new Store(dir);
    await store.init([]);
    await expect(store.land('file', 'heap', 's', false, true, new Uint8Array([1]))).rejects.toThrow(/cannot write the snapshot/);
    expect(store.pendingTemps()).toEqual([]);
    const full = storeError(Object.assign(new Error('x'), { code: 'ENOSPC' }), '/s/t/heap.pb.gz', 'write the snapshot');
    expect(formatError(full, false)).toBe('pprof-diff: error: /s/t/heap.pb.gz: cannot write the snapshot: no space left on device\n'
      + 'hint: free some space (or choose another --out); the snapshots and index.jsonl already written are complete\n');
  });
});

describe('fetchBytes', () => {
  it('names each failure', async () => {
    const s = await startFakeServer({
      '/ok': { kind: 'ok', body: HEAP },
      '/e500': { kind: 'status', code: 500, body: '<html>\n<b>oops</b></html>' },
      '/hang': { kind: 'hang' },
      '/reset': { kind: 'reset', body: HEAP },
      '/trickle': { kind: 'trickle', body: HEAP, everyMs: 50 },
    });
    try {
      const signal = new AbortController().signal;
      const get = (p: string, timeoutMs = 400) => fetchBytes(`${s.url}${p}`, { timeoutMs, signal }).then(() => 'ok', (e: Error) => `${e.name}: ${e.message}`);
      expect(Buffer.from(await fetchBytes(`${s.url}/ok`, { timeoutMs: 2000, signal }))).toEqual(HEAP);
      expect(await get('/e500')).toBe('FetchError: HTTP 500 Internal Server Error: <html> <b>oops</b></html>');
      expect(await get('/nope')).toBe('FetchError: HTTP 404 Not Found: Unknown profile');
      expect(await get('/hang')).toBe('FetchError: timed out after 0.4s (no response)');
      expect(await get('/trickle')).toMatch(/^FetchError: timed out after 0.4s \(received \d+ B of the body\)$/);
      expect(await get('/reset', 2000)).toMatch(/^FetchError: connection (reset|closed) after [\d.]+ KiB of the body/);
      expect(await get('/ok', 2000).then(() => fetchBytes(`${s.url}/ok`, { timeoutMs: 2000, signal, maxBytes: 100 })).catch((e: FetchError) => e.message))
        .toMatch(/^response too large/);
      const ac = new AbortController();
      const p = fetchBytes(`${s.url}/hang`, { timeoutMs: 5000, signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      await expect(p).rejects.toThrow(/aborted/);
    } finally {
      await s.close();
    }
  });
});

describe('reports', () => {
  const lost = (target: string, profile: string, round: number, error: string): ManifestRecord => ({
    target, profile, file: null, time: '', bytes: null, status: 'lost', error, round, attempts: 3, url: '',
  });

  it('groups losses by target, profile and reason, with compact round ranges', () => {
    expect(compactRounds([5, 1, 2, 3, 9, 10])).toBe('1-3, 5, 9-10');
    expect(lossSummary([
      lost('b', 'heap', 1, 'HTTP 500 Internal Server Error'),
      lost('a', 'goroutine', 2, 'connection refused'),
      lost('b', 'heap', 2, 'HTTP 500 Internal Server Error'),
      lost('b', 'heap', 3, 'HTTP 500 Internal Server Error'),
      lost('b', 'heap', 5, 'connection reset after 1.2 KiB of the body'),
      lost('b', 'heap', 6, 'connection reset after 3 KiB of the body'),
    ])).toEqual([
      '  a/goroutine: round 2: connection refused',
      '  b/heap: rounds 1-3: HTTP 500 Internal Server Error',
      '  b/heap: rounds 5-6: connection reset after part of the body',
    ]);
  });

  it('draws the progress line and cuts it to the terminal', () => {
    const last = new Map([['api-1', new Map([['heap', 'ok' as const], ['goroutine', 'lost' as const]])]]);
    expect(progressLine({ round: 2, count: 3, next: 65_000, last }, 0, 200))
      .toBe('round 2/3 done · next capture in 1m 5s · api-1: heap ok, goroutine lost');
    expect(progressLine({ round: 7, count: null, next: null, last }, 0, 30)).toBe('round 7 · capturing… · api-1…');
    expect(roundLine({ round: 1, landed: 3, lost: [lost('a', 'heap', 1, 'x')], bytes: 2048, durationMs: 1234 }, 4, null))
      .toBe('round 1/4: 3 landed (2.00 KiB), 1 lost in 1.2s\n');
  });
});
