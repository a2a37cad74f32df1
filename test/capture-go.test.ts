/**
 * `pprof-diff capture` against the real thing: the fixture program
 * (fixtures/leakysvc) serving net/http/pprof on a loopback port. Needs Go;
 * without it these tests are skipped, and say so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProfile } from '../src/decode/index.js';
import { Dict } from '../src/model/dict.js';
import { cli } from './helpers/cli.js';
import { buildLeakysvc, hasGo, listFiles, readManifest, runCli, startCli, startLeakysvc, tempDir, type Service } from './helpers/capture-proc.js';

if (!hasGo) console.warn('capture-go tests skipped: `go` is not on PATH (they build fixtures/leakysvc to capture from a live service)');

const STAMP = /-(\d{8}T\d{6})Z\./;

describe.skipIf(!hasGo)('capture from a live Go service (fixtures/leakysvc)', () => {
  let bin = '';
  const services: Service[] = [];
  beforeAll(() => {
    bin = buildLeakysvc(tempDir('leakysvc'));
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  it('lands valid snapshots every second that trend reads', async () => {
    const svc = await startLeakysvc(bin);
    services.push(svc);
    const out = tempDir('live');
    const r = await runCli(['capture', `svc=${svc.url}`, '--out', out, '--every', '1s', '--count', '3', '--gc', '--timeout', '10s']);
    expect(r.stderr).toMatch(/round 3\/3: 2 landed/);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');

    const m = readManifest(out);
    expect(m).toHaveLength(6);
    expect(m.every((x) => x.status === 'ok' && x.error === null && x.target === 'svc' && x.attempts === 1)).toBe(true);
    expect(m.filter((x) => x.profile === 'heap').map((x) => x.url)).toEqual(Array(3).fill(`${svc.url}/debug/pprof/heap?gc=1`));
    expect(m.map((x) => x.round).sort()).toEqual([1, 1, 2, 2, 3, 3]);
    expect(listFiles(out)).toEqual(['index.jsonl', ...m.map((x) => x.file!).sort()]);

    const times: Record<string, bigint[]> = { heap: [], goroutine: [] };
    for (const x of m) {
      const bytes = readFileSync(join(out, x.file!));
      expect(bytes.length).toBe(x.bytes);
      const p = decodeProfile(bytes, { source: x.file!, dict: new Dict() });
      expect(p.kind).toBe(x.profile);
      expect(p.format).toBe('proto');
      expect(p.sampleCount).toBeGreaterThan(0);
      times[x.profile]!.push(p.timeNanos!);
    }
    // Rounds one second apart: names one second apart, and the profiles' own clocks agree.
    const heapNames = m.filter((x) => x.profile === 'heap').map((x) => x.file!).sort();
    const secs = heapNames.map((f) => Date.parse(STAMP.exec(f)![1]!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)$/, '$1-$2-$3T$4:$5:$6Z')));
    expect([secs[1]! - secs[0]!, secs[2]! - secs[1]!]).toEqual([1000, 1000]);
    for (const ts of Object.values(times)) {
      const sorted = [...ts].sort((a, b) => (a < b ? -1 : 1));
      expect(Number(sorted[2]! - sorted[0]!) / 1e6).toBeGreaterThan(1500);
    }

    // The directory is what trend reads: one target, heap and goroutine series.
    const t = cli(['trend', out, '--no-color']);
    expect(t.stderr).not.toMatch(/error/);
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/svc · goroutine · 3 snapshots/);
    expect(t.stdout).toContain('main.handleMatch.func1');
    expect(t.stdout).toMatch(/svc · heap/);
  });

  it('goes on when the service is killed mid-loop: later rounds are lost, exit 2', async () => {
    const svc = await startLeakysvc(bin);
    services.push(svc);
    const out = tempDir('killed');
    const p = startCli(['capture', `svc=${svc.url}`, '--out', out, '--every', '1s', '--count', '3', '--timeout', '1s', '--retries', '1',
      '--profiles', 'heap,allocs,goroutine,goroutine-debug2']);
    await p.waitForStderr(/round 1\/3: /);
    await svc.stop();
    const r = await p.done;
    expect(r.status).toBe(2);

    const m = readManifest(out);
    const r1 = m.filter((x) => x.round === 1);
    expect(r1.map((x) => `${x.profile} ${x.status}`).sort()).toEqual(['allocs ok', 'goroutine ok', 'goroutine-debug2 ok', 'heap ok']);
    for (const x of r1) {
      const prof = decodeProfile(readFileSync(join(out, x.file!)), { source: x.file!, dict: new Dict() });
      if (x.profile === 'goroutine-debug2') {
        expect(x.file).toMatch(/^svc\/goroutine-debug2-\d{8}T\d{6}Z\.txt$/);
        expect(prof.format).toBe('goroutine-debug2');
      } else {
        expect(x.file).toMatch(new RegExp(`^svc/${x.profile}-\\d{8}T\\d{6}Z\\.pb\\.gz$`));
        expect(prof.kind).toBe(x.profile);
      }
    }
    const later = m.filter((x) => x.round > 1);
    expect(later.map((x) => `${x.round} ${x.profile}`).sort()).toEqual([
      '2 allocs', '2 goroutine', '2 goroutine-debug2', '2 heap',
      '3 allocs', '3 goroutine', '3 goroutine-debug2', '3 heap',
    ]);
    for (const x of later) expect(x).toMatchObject({ status: 'lost', error: 'connection refused', attempts: 2, file: null });
    expect(r.stderr).toContain('pprof-diff: error: capture: 8 of 12 captures lost\n');
    expect(r.stderr).toContain('  svc/heap: rounds 2-3: connection refused\n');
    expect(listFiles(out)).toEqual(['index.jsonl', ...r1.map((x) => x.file!).sort()]);
  });
});
