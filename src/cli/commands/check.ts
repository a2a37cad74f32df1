import { diffProfiles } from '../../analyze/diff.js';
import type { Verdict } from '../../analyze/stats.js';
import { InputError, UsageError } from '../../errors/index.js';
import {
  allowFromOptions, checkMinSnapshots, evaluatePair, evaluateSeries, hasThreshold, noThresholdError, parseAllowlist,
  parseCountLimit, parseSizeLimit, type AllowPattern, type CheckResult, type GateKind, type Thresholds,
} from '../../gate/index.js';
import { Dict } from '../../model/dict.js';
import { checkJson, renderCheckMarkdown, renderCheckText, renderGithubAnnotations, renderJunit, type PathMap } from '../../render/check.js';
import type { Io } from '../io.js';
import { loadProfile, readInput, statPath } from '../load.js';
import { maxDecompressed, outputTarget, toSelection } from '../options.js';
import { runTrend, type TrendCommandOptions } from './trend.js';

export interface CheckCommandOptions extends TrendCommandOptions {
  maxGoroutineGrowth?: string;
  maxStackGoroutineGrowth?: string;
  maxHeapGrowth?: string;
  maxStackHeapGrowth?: string;
  failOn?: string;
  minSnapshots?: string;
  allow?: string[];
  allowTop?: string[];
  allowlist?: string;
  reportOnly?: boolean;
  junit?: string;
  markdown?: string;
  github?: boolean;
  pathMap?: string[];
}

export const DEFAULT_MIN_SNAPSHOTS = 5;

function thresholds(o: CheckCommandOptions): Thresholds {
  return {
    goroutine: o.maxGoroutineGrowth === undefined ? undefined : parseCountLimit(o.maxGoroutineGrowth, '--max-goroutine-growth'),
    stackGoroutine: o.maxStackGoroutineGrowth === undefined ? undefined : parseCountLimit(o.maxStackGoroutineGrowth, '--max-stack-goroutine-growth'),
    heap: o.maxHeapGrowth === undefined ? undefined : parseSizeLimit(o.maxHeapGrowth, '--max-heap-growth'),
    stackHeap: o.maxStackHeapGrowth === undefined ? undefined : parseSizeLimit(o.maxStackHeapGrowth, '--max-stack-heap-growth'),
  };
}

async function allowList(io: Io, o: CheckCommandOptions): Promise<AllowPattern[]> {
  const out = allowFromOptions(o.allow ?? [], o.allowTop ?? []);
  if (o.allowlist !== undefined) {
    const bytes = await readInput(io, o.allowlist);
    out.push(...parseAllowlist(new TextDecoder().decode(bytes), o.allowlist));
  }
  return out;
}

function pathMaps(o: CheckCommandOptions): PathMap[] {
  return (o.pathMap ?? []).map((m) => {
    const eq = m.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid --path-map ${JSON.stringify(m)}`, { hint: 'use --path-map from=to, e.g. --path-map leakysvc/=fixtures/leakysvc/' });
    return { from: m.slice(0, eq), to: m.slice(eq + 1) };
  });
}

/** Pair = exactly two regular files; anything else is a series. */
async function isPair(io: Io, paths: readonly string[]): Promise<boolean> {
  if (paths.length !== 2) return false;
  for (const p of paths) if (!(await statPath(io, p)).isFile()) return false;
  return true;
}

async function checkPair(io: Io, [basePath, headPath]: readonly string[], o: CheckCommandOptions, t: Thresholds, allow: AllowPattern[]): Promise<CheckResult> {
  if (o.failOn !== undefined || o.minSnapshots !== undefined) {
    throw new UsageError(`${o.failOn !== undefined ? '--fail-on' : '--min-snapshots'} applies to a series; a pair is gated by thresholds`, {
      hint: 'give a directory of 5 or more snapshots for a trend verdict',
    });
  }
  if (o.sampleType !== undefined) {
    throw new UsageError('--sample-type does not apply to a pair check: it measures goroutine counts and heap inuse_space');
  }
  if (!hasThreshold(t)) throw noThresholdError();
  const selection = toSelection(o);
  const dict = new Dict();
  const load = { maxDecompressed: maxDecompressed(o) };
  const base = await loadProfile(io, basePath!, dict, load);
  const head = await loadProfile(io, headPath!, dict, load);
  const kindOf = (k: string): GateKind | null => (k === 'goroutine' ? 'goroutine' : k === 'heap' || k === 'allocs' ? 'heap' : null);
  for (const p of [base, head]) {
    if (kindOf(p.kind) === null) {
      throw new InputError(`is not a goroutine or heap profile (sample types: ${p.sampleTypes.map((x) => x.type).join(', ')})`, {
        subject: p.source, hint: 'check gates /debug/pprof/goroutine and /debug/pprof/heap profiles',
      });
    }
  }
  const kind = kindOf(base.kind)!;
  const d = diffProfiles(base, head, { selection, sampleType: kind === 'heap' ? 'inuse_space' : undefined, top: 0 });
  return evaluatePair(d, kind, { thresholds: t, allow });
}

async function checkSeries(io: Io, paths: readonly string[], o: CheckCommandOptions, t: Thresholds, allow: AllowPattern[]): Promise<{ res: CheckResult; skipped: string[] }> {
  const alpha = o.alpha === undefined ? 0.05 : Number(o.alpha);
  let minSnapshots = DEFAULT_MIN_SNAPSHOTS;
  if (o.minSnapshots !== undefined) {
    if (!/^\d+$/.test(o.minSnapshots.trim())) throw new UsageError(`invalid --min-snapshots ${JSON.stringify(o.minSnapshots)}: expected a whole number`);
    minSnapshots = Number(o.minSnapshots);
    if (alpha > 0 && alpha < 1) checkMinSnapshots(minSnapshots, alpha);
  }
  const failOn: Verdict[] = o.failOn === 'growing' ? ['leak', 'growing'] : ['leak'];
  // every row: the gate judges every stack, not the top ones
  const { result, skipped } = await runTrend(io, paths, { ...o, top: '0' });
  const res = evaluateSeries(result, {
    thresholds: t, allow, failOn, minSnapshots, alpha, granularity: (o.granularity ?? 'stack') as never,
  });
  return { res, skipped };
}

async function appendFile(io: Io, path: string, text: string): Promise<void> {
  let prev = '';
  try {
    prev = new TextDecoder().decode(await io.readFile(path));
  } catch {
    // a new file
  }
  await io.writeFile(path, prev + (prev !== '' && !prev.endsWith('\n') ? '\n' : '') + text);
}

async function writeReport(io: Io, path: string, option: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (e) {
    throw new UsageError(`cannot write the ${option} report: ${(e as Error).message}`, { subject: path });
  }
}

export async function checkCommand(io: Io, paths: string[], o: CheckCommandOptions): Promise<number> {
  // Options first: a typo must not cost a trend run.
  const out = outputTarget(io, o);
  const t = thresholds(o);
  const maps = pathMaps(o);
  if (o.github === true && out.format !== 'table' && o.output === undefined) {
    throw new UsageError(`--github prints annotations on stdout, which would corrupt the ${out.format} report there`, { hint: 'write the report to a file with -o' });
  }
  const allow = await allowList(io, o);
  const pair = await isPair(io, paths);
  let res: CheckResult;
  if (pair) res = await checkPair(io, paths, o, t, allow);
  else {
    const r = await checkSeries(io, paths, o, t, allow);
    for (const s of r.skipped) io.stderr.write(`pprof-diff: warning: skipped ${s}\n`);
    res = r.res;
  }
  const reportOnly = o.reportOnly === true;
  // Only this path returns 1: every rule evaluated and one failed.
  const exitCode = res.status === 'fail' && !reportOnly ? 1 : 0;
  if (o.junit !== undefined) {
    const junit = o.junit;
    await writeReport(io, junit, '--junit', () => io.writeFile(junit, renderJunit(res)));
  }
  if (o.markdown !== undefined) {
    const md = o.markdown;
    await writeReport(io, md, '--markdown', () => appendFile(io, md, renderCheckMarkdown(res, { reportOnly })));
  }
  if (o.github === true) io.stdout.write(renderGithubAnnotations(res, maps));
  const text = out.format === 'json'
    ? JSON.stringify(checkJson(res, { reportOnly, exitCode }), null, 2) + '\n'
    : out.format === 'markdown' ? renderCheckMarkdown(res, { reportOnly }) : renderCheckText(res, { style: out.style, width: out.width, reportOnly });
  await out.emit(io, text);
  return exitCode;
}
