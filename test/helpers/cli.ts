import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'pprof-diff.js');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns the built CLI, as a user would run it. */
export function cli(args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): RunResult {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...opts.env };
  delete env['FORCE_COLOR'];
  if (opts.env?.['FORCE_COLOR'] !== undefined) env['FORCE_COLOR'] = opts.env['FORCE_COLOR'];
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env,
    encoding: 'utf8',
    input: opts.input ?? '',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const fixture = (...p: string[]): string => join(ROOT, 'fixtures', ...p);
