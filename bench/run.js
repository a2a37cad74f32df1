// pprof-diff benchmarks (`npm run bench`, which builds dist/ first).
//
//   node bench/run.js [--no-pprof] [--no-trend] [--no-text] [--cpu-prof] [--regen] [--runs N]
//
// Prints a table of figures and writes bench/out/results.json. Test data is
// generated into bench/out/ (git-ignored) on first use with Go; without Go the
// parts that need it are skipped with the reason. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import pako from 'pako';
import protobuf from 'protobufjs';
import { decodePprof } from '../dist/decode/pprof.js';
import { Dict } from '../dist/model/dict.js';
import { hasGnuTime, measureCommand, median, timeRuns } from './measure.js';
import { printProfile, profileCommand } from './cpuprof.js';
import { measurePhases } from './phases.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// PPROF_DIFF_BENCH_OUT overrides where generated data and results.json go.
const OUT = process.env.PPROF_DIFF_BENCH_OUT ?? join(ROOT, 'bench', 'out');
const BIG_BASE = join(OUT, 'base.pb.gz');
const BIG_HEAD = join(OUT, 'head.pb.gz');
const TREND_DIR = join(OUT, 'trend');
const TREND_TARGETS = 6;
const TREND_ROUNDS = 12;
const FIXTURE = join(ROOT, 'fixtures', 'pair', 'heap-head.pb.gz');
const CLI = join(ROOT, 'bin', 'pprof-diff.js');

const argv = process.argv.slice(2);
const flag = (n) => argv.includes(n);
const RUNS = Number(argv.includes('--runs') ? argv[argv.indexOf('--runs') + 1] : 3);
const rel = (p) => relative(ROOT, p);
const MB = 1e6; // throughput in MB/s, MB = 10^6 bytes
const MiB = 2 ** 20;

const results = { startedAt: new Date().toISOString(), machine: {}, gzip: [], decode: null, diff: [], pprof: null, trend: null, text: null, cpuProfile: null, skipped: [] };
const skip = (what, why) => {
  console.log(`  skipped: ${why}`);
  results.skipped.push({ what, why });
};

// ---- machine ------------------------------------------------------------------
const goVersion = (() => {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
})();
results.machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memGiB: +(totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
  go: goVersion,
  platform: `${process.platform}-${process.arch}`,
  rssMethod: hasGnuTime ? '/usr/bin/time -v' : 'node preload (process.resourceUsage().maxRSS)',
};
const m = results.machine;
console.log('pprof-diff benchmarks');
console.log(`machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memGiB} GiB RAM, ${m.platform}`);
console.log(`node ${m.node}; ${goVersion ?? 'go: not installed'}; wall/RSS of child processes via ${m.rssMethod}`);
console.log('');

// ---- data ---------------------------------------------------------------------
mkdirSync(OUT, { recursive: true });
function ensureBigPair() {
  if (!flag('--regen') && existsSync(BIG_BASE) && existsSync(BIG_HEAD)) return true;
  if (!goVersion) return false;
  console.log(`generating ${rel(BIG_BASE)}, ${rel(BIG_HEAD)} with bench/gen/gen.sh ...`);
  const r = spawnSync(join(ROOT, 'bench', 'gen', 'gen.sh'), [OUT], { cwd: ROOT, stdio: 'inherit' });
  return r.status === 0 && existsSync(BIG_BASE) && existsSync(BIG_HEAD);
}
function trendReady() {
  for (let t = 1; t <= TREND_TARGETS; t++) {
    const d = join(TREND_DIR, `pod-${t}`);
    if (!existsSync(d) || readdirSync(d).filter((f) => f.endsWith('.pb.gz')).length !== TREND_ROUNDS) return false;
  }
  return true;
}
function ensureTrend() {
  if (!flag('--regen') && trendReady()) return true;
  if (!goVersion) return false;
  console.log(`generating ${TREND_TARGETS} × ${TREND_ROUNDS} heap profiles into ${rel(TREND_DIR)} with bench/gen-series/gen.sh (~15 s) ...`);
  const r = spawnSync(join(ROOT, 'bench', 'gen-series', 'gen.sh'), [TREND_DIR, String(TREND_TARGETS), '-rounds', String(TREND_ROUNDS)], { cwd: ROOT, stdio: 'inherit' });
  return r.status === 0 && trendReady();
}
const haveBig = ensureBigPair();
const NO_GO = 'go is not installed and bench/out/ has no generated profiles (apt-get install golang-go)';

// ---- 1. gzip --------------------------------------------------------------------
console.log('1. gzip inflate: node:zlib gunzipSync vs pako.ungzip (MB/s of output, median)');
const gzipInputs = [];
if (haveBig) gzipInputs.push({ name: 'big heap (bench/out/base.pb.gz)', file: BIG_BASE, runs: 9 });
else skip('gzip big heap', NO_GO);
gzipInputs.push({ name: 'fixture (fixtures/pair/heap-head.pb.gz)', file: FIXTURE, runs: 41 });
for (const { name, file, runs } of gzipInputs) {
  const gz = readFileSync(file);
  const outLen = gunzipSync(gz).length;
  const zlibMs = median(timeRuns(() => gunzipSync(gz), { warmup: 3, runs }));
  const pakoMs = median(timeRuns(() => pako.ungzip(gz), { warmup: 3, runs }));
  const row = {
    input: name, gzBytes: gz.length, outBytes: outLen, runs,
    zlibMs, zlibMBps: outLen / MB / (zlibMs / 1000), pakoMs, pakoMBps: outLen / MB / (pakoMs / 1000),
  };
  results.gzip.push(row);
  console.log(`  ${name}: ${gz.length} B → ${outLen} B; zlib ${zlibMs.toFixed(2)} ms = ${row.zlibMBps.toFixed(0)} MB/s; pako ${pakoMs.toFixed(2)} ms = ${row.pakoMBps.toFixed(0)} MB/s (zlib ${(pakoMs / zlibMs).toFixed(1)}× faster)`);
}

// ---- 2. decode ------------------------------------------------------------------
console.log('');
console.log('2. protobuf decode of the uncompressed big heap profile (MB/s of protobuf, median)');
if (!haveBig) {
  skip('decode', NO_GO);
} else {
  const raw = gunzipSync(readFileSync(BIG_BASE));
  let samples = 0;
  const oursRuns = 11;
  const oursMs = median(timeRuns(() => { samples = decodePprof(raw, { source: BIG_BASE, dict: new Dict() }).sampleCount; }, { warmup: 3, runs: oursRuns }));
  // A second profile interned into a dict that already holds the first: what
  // the head of a diff costs.
  const warmDict = new Dict();
  decodePprof(raw, { source: BIG_BASE, dict: warmDict });
  const warmMs = median(timeRuns(() => decodePprof(raw, { source: BIG_BASE, dict: warmDict }), { warmup: 1, runs: oursRuns }));
  const root = protobuf.loadSync(join(ROOT, 'proto', 'profile.proto'));
  const T = root.lookupType('pprofdiff.Profile');
  const pbRuns = 3;
  let pbSamples = 0;
  const pbMs = median(timeRuns(() => { pbSamples = T.decode(raw).sample.length; }, { warmup: 1, runs: pbRuns }));
  results.decode = {
    bytes: raw.length, samples, protobufjsSamples: pbSamples,
    ours: { runs: oursRuns, ms: oursMs, MBps: raw.length / MB / (oursMs / 1000) },
    oursWarmDict: { runs: oursRuns, ms: warmMs, MBps: raw.length / MB / (warmMs / 1000) },
    protobufjs: { runs: pbRuns, ms: pbMs, MBps: raw.length / MB / (pbMs / 1000) },
    targetMBps: 100,
  };
  const d = results.decode;
  console.log(`  ${raw.length} B, ${samples} samples (protobufjs: ${pbSamples} raw samples)`);
  console.log(`  decodePprof, fresh Dict: ${oursMs.toFixed(1)} ms = ${d.ours.MBps.toFixed(0)} MB/s (target ≥ 100)`);
  console.log(`  decodePprof, Dict already holding the same stacks: ${warmMs.toFixed(1)} ms = ${d.oursWarmDict.MBps.toFixed(0)} MB/s`);
  console.log(`  protobufjs reflection decode: ${pbMs.toFixed(0)} ms = ${d.protobufjs.MBps.toFixed(1)} MB/s (${(pbMs / oursMs).toFixed(0)}× slower)`);
}

// ---- 3. whole diff ----------------------------------------------------------------
function runCli(label, args, runs) {
  measureCommand(process.execPath, [CLI, ...args], { cwd: ROOT }); // warm-up (file cache, code cache)
  const rs = [];
  for (let i = 0; i < runs; i++) {
    const r = measureCommand(process.execPath, [CLI, ...args], { cwd: ROOT });
    if (r.status !== 0) throw new Error(`${label}: exit ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    rs.push(r);
  }
  const wall = rs.map((r) => r.wallMs);
  const rss = rs.map((r) => r.maxRssKiB).filter((x) => x !== null);
  return {
    label, command: `node bin/pprof-diff.js ${args.map((a) => (a.startsWith('/') ? rel(a) : a)).join(' ')}`, runs,
    wallMs: median(wall), wallMsAll: wall, maxRssMiB: rss.length ? Math.max(...rss) / 1024 : null, method: rs[0].method,
  };
}
console.log('');
console.log(`3. whole \`pprof-diff diff\` of the big pair (median wall of ${RUNS} after a warm-up, max peak RSS)`);
if (!haveBig) {
  skip('diff', NO_GO);
} else {
  for (const [label, extra] of [['diff (stack)', []], ['diff -g function', ['-g', 'function']]]) {
    let r;
    try {
      r = runCli(label, ['diff', BIG_BASE, BIG_HEAD, ...extra], RUNS);
    } catch (e) {
      skip(label, e.message);
      continue;
    }
    r.targetWallMs = 600;
    r.targetRssMiB = 400;
    results.diff.push(r);
    console.log(`  ${label}: ${(r.wallMs / 1000).toFixed(2)} s wall [${r.wallMsAll.map((x) => (x / 1000).toFixed(2)).join(', ')}], peak RSS ${r.maxRssMiB?.toFixed(0) ?? '?'} MiB (targets ≤ 0.6 s, ≤ 400 MiB)`);
  }
  // Node's own start-up, for scale.
  const startup = median(Array.from({ length: 3 }, () => measureCommand(process.execPath, [CLI, '--version'], { cwd: ROOT }).wallMs));
  results.startupMs = startup;
  console.log(`  (for scale: \`pprof-diff --version\` takes ${(startup / 1000).toFixed(2)} s wall)`);
  // Where the time goes, phase by phase, in one process.
  results.diffPhases = [];
  for (const g of ['stack', 'function']) {
    const ph = measurePhases({ granularity: g, runs: 3, base: BIG_BASE, head: BIG_HEAD });
    results.diffPhases.push(ph);
    console.log(`  in-process phases, -g ${g} (median of 3; ${ph.changedRows} changed rows before --top): ${ph.phases.map((x) => `${x.name} ${x.ms.toFixed(0)} ms`).join(', ')}`);
  }
}

// ---- 4. go tool pprof ---------------------------------------------------------------
console.log('');
console.log('4. `go tool pprof -symbolize=none -top -diff_base base head` on the same pair (1 run)');
if (flag('--no-pprof')) skip('go tool pprof', '--no-pprof');
else if (!goVersion) skip('go tool pprof', 'go is not installed');
else if (!haveBig) skip('go tool pprof', NO_GO);
else {
  // Build the pprof tool first so the timed run does not include it.
  spawnSync('go', ['tool', 'pprof', '-h'], { stdio: 'ignore' });
  const r = measureCommand('go', ['tool', 'pprof', '-symbolize=none', '-top', '-diff_base', BIG_BASE, BIG_HEAD], { cwd: ROOT, env: { ...process.env, PPROF_TMPDIR: join(OUT, 'pprof-tmp') } });
  if (r.status !== 0) {
    skip('go tool pprof', `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  } else {
    results.pprof = { command: `go tool pprof -symbolize=none -top -diff_base ${rel(BIG_BASE)} ${rel(BIG_HEAD)}`, wallMs: r.wallMs, maxRssMiB: r.maxRssKiB === null ? null : r.maxRssKiB / 1024, method: r.method };
    console.log(`  ${(r.wallMs / 1000).toFixed(2)} s wall, peak RSS ${results.pprof.maxRssMiB?.toFixed(0) ?? '?'} MiB`);
  }
}

// ---- 5. trend ----------------------------------------------------------------------
console.log('');
console.log(`5. \`pprof-diff trend\` over ${TREND_TARGETS} targets × ${TREND_ROUNDS} real heap profiles (median wall of ${RUNS}, max peak RSS)`);
if (flag('--no-trend')) skip('trend', '--no-trend');
else {
  const help = spawnSync(process.execPath, [CLI, 'trend', '--help'], { cwd: ROOT, encoding: 'utf8' });
  if (help.status !== 0 || !/^Usage: pprof-diff trend/m.test(help.stdout)) {
    skip('trend', '`pprof-diff trend` is not available yet (`trend --help` does not print the trend command\'s usage)');
  } else if (!ensureTrend()) {
    skip('trend', goVersion ? 'generating the series failed' : NO_GO);
  } else {
    const files = [];
    for (let t = 1; t <= TREND_TARGETS; t++) for (const f of readdirSync(join(TREND_DIR, `pod-${t}`))) files.push(join(TREND_DIR, `pod-${t}`, f));
    const gzBytes = files.reduce((a, f) => a + readFileSync(f).length, 0);
    const rawBytes = files.reduce((a, f) => a + gunzipSync(readFileSync(f)).length, 0);
    try {
      const r = runCli('trend', ['trend', TREND_DIR], RUNS);
      results.trend = { ...r, profiles: files.length, gzBytes, rawBytes };
      console.log(`  ${files.length} profiles, ${(gzBytes / MiB).toFixed(1)} MiB gzipped, ${(rawBytes / MiB).toFixed(1)} MiB uncompressed`);
      console.log(`  ${(r.wallMs / 1000).toFixed(2)} s wall [${r.wallMsAll.map((x) => (x / 1000).toFixed(2)).join(', ')}], peak RSS ${r.maxRssMiB?.toFixed(0) ?? '?'} MiB`);
    } catch (e) {
      skip('trend', e.message);
    }
  }
}

// ---- 6. debug=2 text ------------------------------------------------------------------
console.log('');
console.log('6. goroutine ?debug=2 dump, 64 MiB (~100k goroutines): bench/text.js');
if (flag('--no-text')) skip('text', '--no-text');
else {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'text.js'), '--runs', String(RUNS)], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) skip('text', `bench/text.js exited ${r.status}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  else {
    const runs = [...r.stdout.matchAll(/^run \d+: (\d+) ms, (\d+) goroutines in (\d+) stacks; peak RSS (\d+) MiB/gm)]
      .map((x) => ({ ms: Number(x[1]), goroutines: Number(x[2]), stacks: Number(x[3]), peakRssMiB: Number(x[4]) }));
    const dump = /^dump: ([\d.]+) MiB, (\d+) goroutine headers/m.exec(r.stdout);
    if (runs.length === 0) skip('text', `could not parse bench/text.js output: ${r.stdout.slice(0, 200)}`);
    else {
      results.text = {
        dumpMiB: dump ? Number(dump[1]) : null, goroutineHeaders: dump ? Number(dump[2]) : null,
        goroutines: runs[0].goroutines, stacks: runs[0].stacks, runs: runs.length,
        parseMs: median(runs.map((x) => x.ms)), peakRssMiB: Math.max(...runs.map((x) => x.peakRssMiB)), raw: r.stdout.trim().split('\n'),
      };
      const t = results.text;
      console.log(`  ${t.dumpMiB} MiB, ${t.goroutines} goroutines in ${t.stacks} stacks: parse ${t.parseMs} ms (median of ${t.runs}), peak RSS ${t.peakRssMiB} MiB (includes the 64 MiB input buffer)`);
    }
  }
}

// ---- optional CPU profile of the diff ---------------------------------------------------
if (flag('--cpu-prof') && haveBig) {
  console.log('');
  const p = profileCommand(['diff', BIG_BASE, BIG_HEAD], { name: 'diff', top: 15 });
  results.cpuProfile = p;
  printProfile(p);
}

// ---- summary ------------------------------------------------------------------------
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mib = (x) => (x === null || x === undefined ? '?' : `${x.toFixed(0)} MiB`);
const rows = [];
for (const g of results.gzip) {
  rows.push([`gzip inflate, ${g.input}`, `zlib ${g.zlibMBps.toFixed(0)} MB/s · pako ${g.pakoMBps.toFixed(0)} MB/s`, `zlib ${(g.pakoMs / g.zlibMs).toFixed(1)}× faster`]);
}
if (results.decode) {
  const d = results.decode;
  rows.push([`decode ${(d.bytes / MB).toFixed(1)} MB protobuf (${d.samples} samples), decodePprof`, `${d.ours.MBps.toFixed(0)} MB/s (${d.ours.ms.toFixed(0)} ms); ${d.oursWarmDict.MBps.toFixed(0)} MB/s into a warm Dict`, '≥ 100 MB/s']);
  rows.push(['same bytes, protobufjs reflection', `${d.protobufjs.MBps.toFixed(1)} MB/s (${d.protobufjs.ms.toFixed(0)} ms)`, `${(d.protobufjs.ms / d.ours.ms).toFixed(0)}× slower than ours`]);
}
for (const r of results.diff) rows.push([`\`pprof-diff ${r.label.replace('(stack)', '').trim()}\` big pair`, `${s(r.wallMs)} wall · ${mib(r.maxRssMiB)} peak`, '≤ 0.6 s · ≤ 400 MiB']);
for (const ph of results.diffPhases ?? []) {
  const get = (n) => ph.phases.find((x) => x.name === n)?.ms ?? 0;
  rows.push([`  in-process split, -g ${ph.granularity}`, `gunzip ${get('gunzip both').toFixed(0)} · decode ${(get('decode base') + get('decode head')).toFixed(0)} · diffProfiles ${get('diffProfiles').toFixed(0)} · render ${get('render table').toFixed(0)} ms`, `node start-up ≈ ${s(results.startupMs ?? 0)} extra`]);
}
if (results.pprof) rows.push(['`go tool pprof -top -diff_base` big pair', `${s(results.pprof.wallMs)} wall · ${mib(results.pprof.maxRssMiB)} peak`, 'reference']);
if (results.trend) rows.push([`\`pprof-diff trend\`, ${TREND_TARGETS}×${TREND_ROUNDS} heap profiles`, `${s(results.trend.wallMs)} wall · ${mib(results.trend.maxRssMiB)} peak`, 'bounded memory']);
if (results.text) rows.push([`parse 64 MiB goroutine debug=2 (${results.text.goroutines} goroutines)`, `${s(results.text.parseMs)} · ${mib(results.text.peakRssMiB)} peak`, 'a few seconds, bounded']);
for (const k of results.skipped) rows.push([k.what, 'skipped', k.why]);

console.log('');
console.log(`Summary (${m.cpus} CPUs, node ${m.node}${goVersion ? `, ${goVersion.replace('go version ', '')}` : ''}; MB = 10^6 B, MiB = 2^20 B)`);
console.log('');
const widths = [0, 1, 2].map((i) => Math.max(['What', 'Result', 'Target / note'][i].length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(['What', 'Result', 'Target / note']));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
results.summaryRows = rows;
results.finishedAt = new Date().toISOString();
writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('');
console.log(`wrote ${rel(join(OUT, 'results.json'))}`);
