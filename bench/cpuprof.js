// Profiles one pprof-diff command with `node --cpu-prof` and prints the
// functions with the most self time, and self time per source file.
//
//   node bench/cpuprof.js [--top N] [--interval US] -- diff bench/out/base.pb.gz bench/out/head.pb.gz
//
// The .cpuprofile is kept in bench/out/cpuprof/ (open it in Chrome DevTools
// or speedscope for a flame graph). Also exported: profileCommand().
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runs `node --cpu-prof bin/pprof-diff.js ...args` and returns
 * { file, totalMs, functions: [{name, where, selfMs, pct}], files: [{file, selfMs, pct}] }.
 */
export function profileCommand(args, { name = 'diff', intervalUs = 200, top = 15 } = {}) {
  const dir = join(ROOT, 'bench', 'out', 'cpuprof', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, `--cpu-prof-interval`, String(intervalUs), join(ROOT, 'bin', 'pprof-diff.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`pprof-diff ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const f = readdirSync(dir).find((x) => x.endsWith('.cpuprofile'));
  if (!f) throw new Error('no .cpuprofile written');
  const prof = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  return { file: relative(ROOT, join(dir, f)), ...summarise(prof, top) };
}

function summarise(prof, top) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // timeDeltas[i] is the time since the previous sample; charge it to sample i.
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const fns = new Map();
  const files = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id).callFrame;
    const url = cf.url ? cf.url.replace(/^file:\/\//, '') : '';
    const file = url ? relative(ROOT, url) : '';
    const name = cf.functionName || (url ? '(anonymous)' : cf.functionName);
    const label = name || '(native)';
    const key = `${label}\u0000${file}:${cf.lineNumber + 1}`;
    const e = fns.get(key) ?? { name: label, where: file ? `${file}:${cf.lineNumber + 1}` : '', selfUs: 0 };
    e.selfUs += us;
    fns.set(key, e);
    const fk = file || `(${label.replace(/[()]/g, '')})`;
    files.set(fk, (files.get(fk) ?? 0) + us);
    total += us;
  }
  const pct = (us) => (100 * us) / total;
  return {
    totalMs: total / 1000,
    functions: [...fns.values()].sort((a, b) => b.selfUs - a.selfUs).slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, selfMs: e.selfUs / 1000, pct: pct(e.selfUs) })),
    files: [...files.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([file, us]) => ({ file, selfMs: us / 1000, pct: pct(us) })),
  };
}

export function printProfile(p, log = console.log) {
  log(`CPU profile (${p.totalMs.toFixed(0)} ms sampled; ${p.file})`);
  log('  self ms    self %  function (location)');
  for (const f of p.functions) {
    log(`  ${f.selfMs.toFixed(1).padStart(7)}  ${f.pct.toFixed(1).padStart(6)}%  ${f.name}${f.where ? ` (${f.where})` : ''}`);
  }
  log('  by file:');
  for (const f of p.files.slice(0, 8)) log(`  ${f.selfMs.toFixed(1).padStart(7)}  ${f.pct.toFixed(1).padStart(6)}%  ${f.file}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : [];
  const args = dash >= 0 ? argv.slice(dash + 1) : argv;
  const opt = (n, d) => (own.includes(n) ? own[own.indexOf(n) + 1] : d);
  if (args.length === 0) {
    console.error('usage: node bench/cpuprof.js [--top N] [--interval US] -- <pprof-diff args...>');
    process.exit(2);
  }
  printProfile(profileCommand(args, { name: args[0], top: Number(opt('--top', '20')), intervalUs: Number(opt('--interval', '200')) }));
}
