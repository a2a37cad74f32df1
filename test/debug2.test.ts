import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, fixture } from './helpers/cli.js';

/** A `?debug=2` dump as Go writes it, for goroutines with given ids and wait minutes. */
function dump(leaked: Array<[id: number, minutes: number]>, workers: number[]): string {
  const parts: string[] = [];
  parts.push(`goroutine 1 [running]:
runtime/pprof.writeGoroutineStacks({0x7a3f20, 0xc000012345})
\truntime/pprof/pprof.go:703 +0x70
main.main()
\tleakysvc/main.go:50 +0x1d
`);
  for (const [id, m] of leaked) {
    parts.push(`goroutine ${id} [select${m > 0 ? `, ${m} minutes` : ''}]:
main.handleMatch.func1()
\tleakysvc/main.go:130 +0x11a
created by main.handleMatch
\tleakysvc/main.go:125 +0x1b6
`);
  }
  for (const id of workers) {
    parts.push(`goroutine ${id} [chan receive, 300 minutes]:
main.(*dispatcher).worker(0xc0000a0000, 0x1)
\tleakysvc/main.go:314 +0x5e
created by main.newDispatcher
\tleakysvc/main.go:305 +0x85
`);
  }
  return parts.join('\n');
}

describe('goroutine ?debug=2 dumps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'debug2-'));
  // 6 dumps an hour apart: the same leaked goroutines stay, their wait grows,
  // and 3 new ones join every hour.
  const files: string[] = [];
  for (let k = 0; k < 6; k++) {
    const leaked: Array<[number, number]> = [];
    for (let g = 0; g < 3 * (k + 1); g++) {
      const born = Math.floor(g / 3); // hour the goroutine leaked
      leaked.push([100 + g, (k - born) * 60]);
    }
    const f = join(dir, `goroutine-${k}.txt`);
    writeFileSync(f, dump(leaked, [10, 11]));
    utimesSync(f, 1_700_000_000 + k * 3600, 1_700_000_000 + k * 3600);
    files.push(f);
  }

  it('show: states and wait minutes per stack', () => {
    const r = cli(['show', files[5]!, '-f', 'json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    const leak = j.rows.find((x: { key: string }) => x.key.includes('handleMatch'));
    expect(leak.flat).toBe(18);
    expect(leak.goroutines).toEqual({ states: { select: 18 }, minWait: 0, medianWait: 150, maxWait: 300 });
  });

  it('--min-wait keeps only goroutines blocked at least that long', () => {
    const j = JSON.parse(cli(['show', files[5]!, '-f', 'json', '--min-wait', '2h']).stdout);
    const leak = j.rows.find((x: { key: string }) => x.key.includes('handleMatch'));
    // leaked at hours 0..3 of 5 have waited ≥ 120 minutes: 4 hours × 3 goroutines
    expect(leak.flat).toBe(12);
    const d = JSON.parse(cli([files[0]!, files[5]!, '-f', 'json', '--min-wait', '2h']).stdout);
    expect(d.rows[0].delta).toBe(12);
  });

  it('trend: surviving goroutine ids and growing waits are shown', () => {
    const r = cli(['trend', dir, '-f', 'json']);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout).series[0];
    expect(s.format).toBe('goroutine-debug2');
    const leak = s.rows[0];
    expect(leak.verdict).toBe('leak');
    expect(leak.values).toEqual([3, 6, 9, 12, 15, 18]);
    expect(leak.survivingGoroutines).toBe(3); // the first hour's three are in every dump
    expect(leak.maxWaitMinutes).toBe(300);
    const worker = s.rows.find((x: { key: string }) => x.key.includes('worker'));
    expect(worker.survivingGoroutines).toBe(2);
    const t = cli(['trend', dir], { env: { NO_COLOR: '1', COLUMNS: '120' } });
    expect(t.stdout).toMatch(/kept/);
    expect(t.stdout).toMatch(/300m/);
  });

  it('a dump cut short in transit is an error naming the file and line, not a silent undercount', () => {
    const full = readFileSync(fixture('series', 'leaky', 'goroutine-08.debug2.txt'));
    const cut = join(mkdtempSync(join(tmpdir(), 'debug2-cut-')), 'cut.txt.partial');
    writeFileSync(cut, full.subarray(0, 3000));
    const r = cli(['show', cut]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^pprof-diff: error: .*cut\.txt\.partial: line \d+: the dump is cut short inside goroutine \d+/);
  });
});
