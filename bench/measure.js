// Helpers shared by the benchmarks: timing in-process functions, and running
// a command in a child process while measuring its wall time and peak RSS.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs fn `warmup` times untimed, then `runs` times; returns the times in ms. */
export function timeRuns(fn, { warmup = 2, runs = 7 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms;
}

const GNU_TIME = '/usr/bin/time';
export const hasGnuTime = (() => {
  if (!existsSync(GNU_TIME)) return false;
  const r = spawnSync(GNU_TIME, ['-v', 'true'], { encoding: 'utf8' });
  return r.status === 0 && /Maximum resident set size/.test(r.stderr);
})();

const PRELOAD = fileURLToPath(new URL('./maxrss-preload.js', import.meta.url));

/** "h:mm:ss" or "m:ss.ss" → seconds. */
function clock(s) {
  return s.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

/**
 * Runs cmd with args, stdout to /dev/null (or `stdoutFile`), and measures it.
 * With GNU time (`/usr/bin/time -v`) the peak RSS is the child's
 * ru_maxrss; without it, for node commands only, a preload module records
 * the node process's own maxRSS at exit. Wall time is measured here with
 * process.hrtime around the spawn (GNU time's own figure, 10 ms resolution,
 * is kept too).
 * Returns { wallMs, timeWallMs, maxRssKiB, status, stderr, method }.
 */
export function measureCommand(cmd, args, { env = process.env, cwd, stdoutFile = '/dev/null', forceWrapper = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-diff-measure-'));
  const report = join(dir, 'report.txt');
  const out = openSync(stdoutFile, 'w');
  try {
    let argv;
    let childEnv = env;
    let method;
    if (hasGnuTime && !forceWrapper) {
      argv = [GNU_TIME, ['-v', '-o', report, cmd, ...args]];
      method = '/usr/bin/time -v';
    } else if (cmd === process.execPath) {
      argv = [cmd, ['--import', PRELOAD, ...args]];
      childEnv = { ...env, PPROF_DIFF_BENCH_MAXRSS: report };
      method = 'node preload (process.resourceUsage().maxRSS)';
    } else {
      argv = [cmd, args];
      method = 'wall only (no /usr/bin/time)';
    }
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv[1], { cwd, env: childEnv, stdio: ['ignore', out, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    let maxRssKiB = null;
    let timeWallMs = null;
    let status = r.status;
    if (existsSync(report)) {
      const txt = readFileSync(report, 'utf8');
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(txt);
      if (rss) maxRssKiB = Number(rss[1]);
      const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(txt);
      if (wall) timeWallMs = clock(wall[1]) * 1000;
      const st = /Exit status: (\d+)/.exec(txt);
      if (st) status = Number(st[1]);
      const plain = /^maxrss_kib=(\d+)/m.exec(txt);
      if (plain) maxRssKiB = Number(plain[1]);
    }
    return { wallMs, timeWallMs, maxRssKiB, status, stderr: r.stderr ?? '', method };
  } finally {
    closeSync(out);
    rmSync(dir, { recursive: true, force: true });
  }
}
