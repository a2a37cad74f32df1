import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';

/**
 * Runs the soak-test recipe (test/soak/soak.sh, the shell version of the one
 * in the README) against the fixture Go service: build, serve, capture a
 * series with `pprof-diff capture`, gate with `pprof-diff check`. The leaky
 * build must fail the gate (exit 1), the fixed build pass it (exit 0). Both
 * run at once to keep the suite quick (~15 s).
 */

const SCRIPT = join(ROOT, 'test', 'soak', 'soak.sh');
const hasGo = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
const skipReason = !hasGo ? 'go is not on PATH' : null;
if (skipReason !== null) console.warn(`test/soak: skipping the soak recipe: ${skipReason}`);

interface Run { status: number | null; stdout: string; stderr: string; work: string }

function soak(variant: string): Promise<Run> {
  const work = mkdtempSync(join(tmpdir(), `pprof-diff-soak-${variant}-`));
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), PPROF_DIFF: `${process.execPath} ${BIN}`, WORK: work, NO_COLOR: '1' };
    delete env['FORCE_COLOR'];
    const p = spawn('bash', [SCRIPT, variant], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr, work }));
  });
}

describe.skipIf(skipReason !== null)('soak recipe (test/soak/soak.sh) against fixtures/leakysvc', () => {
  it('leaky build fails the gate (exit 1); fixed build passes (exit 0)', async () => {
    const [leaky, fixed] = await Promise.all([soak('leaky'), soak('fixed')]);

    expect(leaky.status, leaky.stderr).toBe(1);
    expect(leaky.stdout).toMatch(/^FAIL {2}soak: goroutine (total|stack) trends? /m);
    expect(leaky.stdout).toMatch(/main\.handleMatch\.func1 \(leakysvc\/main\.go:\d+\)/);
    expect(leaky.stdout.trimEnd().split('\n').at(-1)).toMatch(/^check failed: \d of 4 rules failed$/);
    expect(leaky.stderr).toMatch(/done: 5 rounds, 10 of 10 captures landed/);
    const xml = readFileSync(join(leaky.work, 'check.xml'), 'utf8');
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="pprof-diff check" tests="4" failures="[1-4]"/);
    expect(xml).toMatch(/<failure message="[^"]*" type="goroutine-(total|stack)-trend">/);

    expect(fixed.status, `${fixed.stdout}\n${fixed.stderr}`).toBe(0);
    expect(fixed.stdout).not.toMatch(/^FAIL/m);
    expect(fixed.stdout.trimEnd().split('\n').at(-1)).toBe('check passed: 4 rules passed');
    expect(existsSync(join(fixed.work, 'snapshots', 'index.jsonl'))).toBe(true);
  }, 90_000);
});
