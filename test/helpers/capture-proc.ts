/**
 * Async process helpers for the capture tests. The CLI must run without
 * blocking the test's event loop (the fake pprof servers live in it), and
 * tests need to act mid-run: wait for a log line, send a signal, kill the
 * service.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BIN, ROOT } from './cli.js';
import type { ManifestRecord } from '../../src/capture/store.js';

export interface Finished {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Running {
  child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves when stderr matches, rejects after timeoutMs or if the process ends first. */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<Finished>;
}

/** Spawns the built CLI without blocking (unlike cli()). */
export function startCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Running {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...opts.env };
  delete env['FORCE_COLOR'];
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const w of [...waiters]) {
      if (w.re.test(err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const done = new Promise<Finished>((resolve) => {
    child.on('close', (status, signal) => resolve({ status, signal, stdout: out, stderr: err, ms: Date.now() - t0 }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStderr(re, timeoutMs = 15_000) {
      if (re.test(err)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in stderr:\n${err}`)), timeoutMs);
        const w = {
          re,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        waiters.push(w);
        void done.then(() => {
          clearTimeout(timer);
          if (waiters.includes(w)) reject(new Error(`process ended before ${re} appeared in stderr:\n${err}`));
        });
      });
    },
    done,
  };
}

export const runCli = (args: string[], opts: { cwd?: string } = {}): Promise<Finished> => startCli(args, opts).done;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `pprof-diff-${prefix}-`));
}

/** Every file under dir, relative, `/`-separated, sorted (dotfiles included). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** One line of index.jsonl, as the capture store writes it. */
export type Manifest = ManifestRecord;

export function readManifest(dir: string): Manifest[] {
  const text = readFileSync(join(dir, 'index.jsonl'), 'utf8');
  // Every line is whole: no partial line at the end.
  if (text !== '' && !text.endsWith('\n')) throw new Error('index.jsonl does not end with a newline');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Manifest);
}

// ---- the Go fixture service ----------------------------------------------

export const hasGo = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;

/** Builds fixtures/leakysvc into dir; returns the binary's path. */
export function buildLeakysvc(dir: string): string {
  const bin = join(dir, 'leakysvc');
  const r = spawnSync('go', ['build', '-trimpath', '-o', bin, '.'], { cwd: join(ROOT, 'fixtures', 'leakysvc'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`go build failed:\n${r.stderr}`);
  return bin;
}

export interface Service {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Starts `leakysvc -serve 127.0.0.1:0` and waits for "listening on ADDR". */
export function startLeakysvc(bin: string, extra: string[] = []): Promise<Service> {
  const child = spawn(bin, ['-serve', '127.0.0.1:0', '-exit-after', '60s', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`leakysvc did not start: ${out}`)), 10_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: `http://${m[1]}`,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            await exited;
          },
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`leakysvc exited (${code}) before listening: ${out}`)));
  });
}
