// Where a `pprof-diff diff` of the big pair spends its time, phase by phase,
// in one process (the same steps as src/cli/commands/diff.ts):
// read, gunzip, decode (base, head), diffProfiles, render.
//
//   node bench/phases.js [-g stack|function|file|line] [--runs N]
//
// Needs bench/out/base.pb.gz and head.pb.gz (bench/run.js generates them).
// Also exported: measurePhases().
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { diffProfiles } from '../dist/analyze/diff.js';
import { DEFAULT_SELECTION } from '../dist/analyze/select.js';
import { decodePprof } from '../dist/decode/pprof.js';
import { Dict } from '../dist/model/dict.js';
import { renderDiffTable } from '../dist/render/diff.js';
import { PLAIN } from '../dist/render/style.js';
import { median } from './measure.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function measurePhases({ granularity = 'stack', runs = 5, base = join(ROOT, 'bench', 'out', 'base.pb.gz'), head = join(ROOT, 'bench', 'out', 'head.pb.gz') } = {}) {
  const all = [];
  let changedRows = 0;
  for (let r = 0; r < runs + 1; r++) {
    const t = [];
    let last = process.hrtime.bigint();
    const lap = (name) => {
      const now = process.hrtime.bigint();
      t.push([name, Number(now - last) / 1e6]);
      last = now;
    };
    const gzB = readFileSync(base);
    const gzH = readFileSync(head);
    lap('read files');
    const rawB = gunzipSync(gzB);
    const rawH = gunzipSync(gzH);
    lap('gunzip both');
    const dict = new Dict();
    const pb = decodePprof(rawB, { source: base, dict });
    lap('decode base');
    const ph = decodePprof(rawH, { source: head, dict });
    lap('decode head');
    const res = diffProfiles(pb, ph, { selection: { ...DEFAULT_SELECTION, granularity }, top: 20 });
    changedRows = res.changedRows;
    lap('diffProfiles');
    renderDiffTable(res, { style: PLAIN, width: 120 });
    lap('render table');
    if (r > 0) all.push(t); // run 0 is a warm-up
  }
  return { granularity, runs, changedRows, phases: all[0].map(([name], i) => ({ name, ms: median(all.map((t) => t[i][1])) })) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const a = process.argv.slice(2);
  const opt = (n, d) => (a.includes(n) ? a[a.indexOf(n) + 1] : d);
  const res = measurePhases({ granularity: opt('-g', 'stack'), runs: Number(opt('--runs', '5')) });
  const sum = res.phases.reduce((s, p) => s + p.ms, 0);
  console.log(`diff phases, -g ${res.granularity}, median of ${res.runs} in-process runs after a warm-up (${res.changedRows} changed rows before --top):`);
  for (const p of res.phases) console.log(`  ${p.name.padEnd(14)} ${p.ms.toFixed(1).padStart(8)} ms  ${((100 * p.ms) / sum).toFixed(0).padStart(3)}%`);
  console.log(`  ${'total'.padEnd(14)} ${sum.toFixed(1).padStart(8)} ms`);
}
