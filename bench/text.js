// Benchmark: parse a 64 MiB goroutine ?debug=2 dump (~100k goroutines), the
// size at which Go cuts the dump, and report time and peak memory.
//
//   npx tsc -p . && node bench/text.js [--goroutines N] [--runs R]
//
// The dump is synthetic but shaped like real ones: ~40 distinct stacks of
// 3-7 frames with arguments, offsets, inlined frames, `created by` lines,
// distinct goroutine ids and wait times, cut mid-goroutine at exactly 64 MiB
// like runtime/pprof.writeGoroutineStacks does. It is written to a temp file
// and parsed in a child process, so the child's peak RSS is the parser's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIMIT = 64 << 20;
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};

if (args[0] === '--parse') {
  await parseChild(args[1]);
} else {
  main();
}

function main() {
  const runs = Number(opt('--runs', '3'));
  const dir = mkdtempSync(join(tmpdir(), 'pprof-diff-bench-'));
  const file = join(dir, 'goroutine.debug2.txt');
  try {
    const { bytes, goroutines } = generate();
    writeFileSync(file, bytes);
    console.log(`dump: ${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${goroutines} goroutine headers (last one cut)`);
    for (let r = 0; r < runs; r++) {
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--parse', file], { encoding: 'utf8' });
      if (child.status !== 0) {
        process.stderr.write(child.stderr);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(`run ${r + 1}: ${child.stdout}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function parseChild(file) {
  const { Dict } = await import('../dist/model/dict.js');
  const { parseGoroutineDebug2 } = await import('../dist/decode/text/goroutine-debug2.js');
  const buf = readFileSync(file); // a Buffer is a Uint8Array: no copy
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const p = parseGoroutineDebug2(buf, new Dict(), file);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const heapAfter = process.memoryUsage().heapUsed;
  const n = p.values[0].reduce((a, b) => a + b, 0);
  const mib = (x) => `${(x / 2 ** 20).toFixed(0)} MiB`;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  console.log(
    `${ms.toFixed(0)} ms, ${n} goroutines in ${p.sampleCount} stacks; `
      + `peak RSS ${mib(maxRss)} (input buffer ${mib(buf.length)}, RSS before parse ${mib(rssBefore)}); `
      + `JS heap used ${mib(heapBefore)} before, ${mib(heapAfter)} after (result retained); ${p.comments.length > 0 ? 'truncation noted' : 'NO truncation comment'}`,
  );
}

/** A deterministic pseudo-random generator (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate() {
  const rand = rng(42);
  const hex = () => `0x${Math.floor(rand() * 0xffffffff).toString(16)}`;
  const states = ['chan receive', 'select', 'IO wait', 'semacquire', 'sync.Mutex.Lock', 'chan send', 'sleep'];
  const pkgs = ['main', 'github.com/acme/matching/internal/dispatch', 'google.golang.org/grpc', 'net/http', 'database/sql', 'github.com/acme/matching/internal/store'];
  // ~40 stack shapes.
  const shapes = [];
  for (let s = 0; s < 40; s++) {
    const depth = 3 + (s % 5);
    const frames = [];
    for (let d = 0; d < depth; d++) {
      const pkg = pkgs[(s + d) % pkgs.length];
      const fn = d === 0 ? `(*conn${s % 7}).waitLoop` : `handler${s}.func${d}`;
      const inlined = d === 2 && s % 3 === 0;
      frames.push({ name: `${pkg}.${fn}`, file: `/src/${pkg}/file${(s * 7 + d) % 13}.go`, line: 100 + ((s * 31 + d * 17) % 900), inlined });
    }
    shapes.push({ frames, state: states[s % states.length], creator: { name: `${pkgs[s % pkgs.length]}.(*Server).serve${s % 4}`, file: `/src/${pkgs[s % pkgs.length]}/server.go`, line: 300 + s } });
  }
  const enc = new TextEncoder();
  const out = new Uint8Array(LIMIT);
  let n = 0;
  let id = 1;
  let goroutines = 0;
  while (n < LIMIT) {
    const shape = shapes[Math.floor(rand() * rand() * shapes.length)]; // skewed: a few stacks dominate
    const wait = rand() < 0.6 ? Math.floor(rand() * 4000) : 0;
    let s = `goroutine ${id} [${shape.state}${wait > 0 ? `, ${wait} minutes` : ''}${rand() < 0.01 ? ', locked to thread' : ''}]:\n`;
    for (const f of shape.frames) {
      if (f.inlined) s += `${f.name}(...)\n\t${f.file}:${f.line}\n`;
      else s += `${f.name}(${hex()}, {${hex()}, 0x${(rand() * 64) | 0}})\n\t${f.file}:${f.line} +0x${((rand() * 4096) | 0).toString(16)}\n`;
    }
    // Go 1.21+ writes "in goroutine N"; mix both forms.
    s += `created by ${shape.creator.name}${rand() < 0.5 ? ` in goroutine ${1 + ((rand() * 50) | 0)}` : ''}\n\t${shape.creator.file}:${shape.creator.line} +0x${((rand() * 4096) | 0).toString(16)}\n\n`;
    id += 1 + ((rand() * 5) | 0);
    goroutines++;
    const b = enc.encode(s);
    const room = Math.min(b.length, LIMIT - n);
    out.set(b.subarray(0, room), n); // the last block is cut at the limit, as Go does
    n += room;
  }
  return { bytes: out, goroutines };
}
