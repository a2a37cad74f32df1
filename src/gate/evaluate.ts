import { rowKey, type DiffResult } from '../analyze/diff.js';
import type { Granularity } from '../analyze/select.js';
import { minSignificantN, type Verdict } from '../analyze/stats.js';
import { classifyInSeries, verdictOrder, type Series, type TrendResult } from '../analyze/trend.js';
import { InputError, UsageError } from '../errors/index.js';
import type { Frame, Labels } from '../model/dict.js';
import type { ValueType } from '../model/profile.js';
import { describeAllow, matchAllow, topOwnFrame, type AllowPattern } from './allow.js';
import { limitBytes, THRESHOLD_OPTIONS, type SizeLimit, type Thresholds } from './thresholds.js';


export type GateKind = 'goroutine' | 'heap';
export type RuleStatus = 'pass' | 'fail' | 'skip';
export type RuleId =
  | 'goroutine-total-trend' | 'goroutine-stack-trend' | 'goroutine-growth' | 'stack-goroutine-growth'
  | 'heap-total-trend' | 'heap-stack-trend' | 'heap-growth' | 'stack-heap-growth';

/**
 * One stack as the gate sees it: label variants of the same frames are
 * summed (one leak split by `region=eu|us` labels is still one leak).
 */
export interface Finding {
  /** Frames root first as `function:line` joined by `;` (diff's row key, without labels). */
  readonly key: string;
  /** Leaf first. */
  readonly frames: readonly Frame[];
  /** The label sets summed into this finding ({} for unlabelled samples). */
  readonly labelSets: readonly Labels[];
  /** The top non-runtime frame (where a goroutine waits, what allocated); null when all frames are the runtime's. */
  readonly top: Frame | null;
  /** Pair: base value; series: value at the first snapshot of the analysed segment. */
  readonly first: number;
  /** Pair: head value; series: value at the last snapshot. */
  readonly last: number;
  readonly delta: number;
  /** Series only: the worst trend verdict among the label variants. */
  readonly verdict?: Verdict;
  /** Series only: Theil–Sen slopes of the label variants, summed. */
  readonly slopePerHour?: number;
  /** Series only: the smallest Mann–Kendall p among the label variants with the worst verdict. */
  readonly pValue?: number;
  /** Series only: values per snapshot (all snapshots, time order), summed over label variants. */
  readonly values?: readonly number[];
  /** Set when an allow-list pattern exempts it: which one. */
  readonly allowedBy?: string;
}

export interface RuleResult {
  readonly id: RuleId;
  /** Series: the target (a directory); pair: null. */
  readonly target: string | null;
  readonly kind: GateKind;
  readonly sampleType: ValueType;
  readonly status: RuleStatus;
  /**
   * Threshold rules: the growth counted against the limit (allowed stacks'
   * growth taken out of totals; the largest non-allowed stack for per-stack
   * rules). Stack-trend rules: how many stacks fail. Total-trend rules: the
   * total's slope per hour. Null for skipped rules.
   */
  readonly measured: number | null;
  /** Threshold rules: the limit in the unit (a percentage resolved against the base total). */
  readonly limit: number | null;
  /** The limit as given: "10", "10MiB", "5%"; trend rules: "not leak" or "not leak or growing". */
  readonly limitText: string;
  readonly unit: string;
  /** Totals: growth of the whole profile before allowed stacks are taken out. */
  readonly total?: number;
  /** Totals: growth of the allowed stacks, taken out of `total`. */
  readonly allowedGrowth?: number;
  /** Total-trend rules: the verdict of the total (allowed stacks taken out). */
  readonly verdict?: Verdict;
  readonly pValue?: number;
  /** One line on what was measured (or why the rule was skipped). */
  readonly detail: string;
  /** The stacks that make the rule fail. */
  readonly offenders: readonly Finding[];
  /** Stacks that would have failed the rule (or made a total grow) but are exempt. */
  readonly allowed: readonly Finding[];
}

export interface CheckResult {
  readonly mode: 'pair' | 'series';
  readonly status: 'pass' | 'fail';
  readonly rules: readonly RuleResult[];
  /** Pair: [base, head]; series: the snapshots analysed, per series. */
  readonly inputs: readonly string[];
  readonly failOn?: readonly Verdict[];
  readonly minSnapshots?: number;
  readonly notes: readonly string[];
}

export interface SeriesGateOptions {
  readonly thresholds: Thresholds;
  readonly allow: readonly AllowPattern[];
  /** Verdicts that fail a stack: ['leak'] or ['leak', 'growing']. */
  readonly failOn: readonly Verdict[];
  readonly minSnapshots: number;
  readonly alpha: number;
  readonly granularity: Granularity;
}

export interface PairGateOptions {
  readonly thresholds: Thresholds;
  readonly allow: readonly AllowPattern[];
}

// ---------------------------------------------------------------------------

/** Which kind a threshold measures; heap ones only on inuse_space. */
function applies(kind: GateKind, st: ValueType, asRate = false): boolean {
  if (kind === 'goroutine') return st.type === 'goroutine' && !asRate;
  return st.type === 'inuse_space';
}

/**
 * A threshold that applies to none of the inputs is a usage error (exit 2):
 * passing a gate that measured nothing would be a lie.
 */
export function requireApplicable(t: Thresholds, present: ReadonlyArray<{ kind: GateKind; sampleType: ValueType; asRate?: boolean }>, what: string): void {
  const given: Array<[string, GateKind]> = [];
  if (t.goroutine !== undefined) given.push(['--max-goroutine-growth', 'goroutine']);
  if (t.stackGoroutine !== undefined) given.push(['--max-stack-goroutine-growth', 'goroutine']);
  if (t.heap !== undefined) given.push(['--max-heap-growth', 'heap']);
  if (t.stackHeap !== undefined) given.push(['--max-stack-heap-growth', 'heap']);
  for (const [opt, kind] of given) {
    if (present.some((p) => p.kind === kind && applies(kind, p.sampleType, p.asRate))) continue;
    const have = [...new Set(present.map((p) => (p.kind === 'heap' ? `heap ${p.sampleType.type}` : p.kind)))].join(' and ') || 'no';
    throw new UsageError(`${opt} applies to ${kind === 'heap' ? 'heap profiles (inuse_space)' : 'goroutine profiles'}, but ${what} ${have} profiles`, {
      hint: kind === 'heap'
        ? 'give heap profiles (/debug/pprof/heap), or use --max-goroutine-growth / --max-stack-goroutine-growth for goroutine profiles'
        : 'give goroutine profiles (/debug/pprof/goroutine), or use --max-heap-growth / --max-stack-heap-growth for heap profiles',
    });
  }
}

export function noThresholdError(): UsageError {
  return new UsageError('a pair check needs at least one threshold', {
    hint: `give ${THRESHOLD_OPTIONS.join(', ')} (e.g. --max-goroutine-growth 10, --max-heap-growth 5%); or check a series of 5 or more snapshots`,
  });
}

interface Group {
  key: string;
  frames: readonly Frame[];
  labelSets: Labels[];
  first: number;
  last: number;
  values: number[] | null;
  verdict: Verdict | null;
  slope: number;
  p: number;
  failingVerdict: boolean;
  allowedBy: string | null;
}

function finding(g: Group): Finding {
  return {
    key: g.key,
    frames: g.frames,
    labelSets: g.labelSets,
    top: topOwnFrame(g.frames),
    first: g.first,
    last: g.last,
    delta: g.last - g.first,
    ...(g.verdict !== null ? { verdict: g.verdict, slopePerHour: g.slope, pValue: g.p } : {}),
    ...(g.values !== null ? { values: g.values } : {}),
    ...(g.allowedBy !== null ? { allowedBy: g.allowedBy } : {}),
  };
}

const byGrowth = (a: Group, b: Group): number => b.last - b.first - (a.last - a.first) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function totalDrivers(all: readonly Group[], failOn: readonly Verdict[]): Group[] {
  const grown = all.filter((g) => g.allowedBy === null && g.last - g.first > 0).sort(byGrowth);
  const failing = grown.filter((g) => g.verdict !== null && failOn.includes(g.verdict));
  return failing.length > 0 ? failing : grown;
}

function status(failed: boolean): RuleStatus {
  return failed ? 'fail' : 'pass';
}

/** The total and per-stack threshold rules of one kind, shared by pair and series. */
function thresholdRules(
  kind: GateKind, target: string | null, st: ValueType, groups: readonly Group[],
  totalFirst: number, totalLast: number, t: Thresholds, span: string,
): RuleResult[] {
  const out: RuleResult[] = [];
  const unit = st.unit;
  const total = totalLast - totalFirst;
  const allowedGroups = groups.filter((g) => g.allowedBy !== null);
  const allowedGrowth = allowedGroups.reduce((a, g) => a + (g.last - g.first), 0);
  const counted = total - allowedGrowth;
  const totalLimit = kind === 'goroutine' ? t.goroutine : t.heap;
  const stackLimit = kind === 'goroutine' ? t.stackGoroutine : t.stackHeap;
  const resolve = (l: number | SizeLimit): { limit: number; text: string } => (typeof l === 'number'
    ? { limit: l, text: String(l) }
    : { limit: limitBytes(l, totalFirst), text: l.text });
  if (totalLimit !== undefined) {
    const { limit, text } = resolve(totalLimit);
    const failed = counted > limit;
    out.push({
      id: kind === 'goroutine' ? 'goroutine-growth' : 'heap-growth',
      target, kind, sampleType: st, status: status(failed), measured: counted, limit, limitText: text, unit,
      total, allowedGrowth,
      detail: `total ${st.type} ${span}`,
      // the stacks that grew, largest first, as the reviewer's starting point
      offenders: failed ? groups.filter((g) => g.allowedBy === null && g.last - g.first > 0).sort(byGrowth).slice(0, 10).map(finding) : [],
      allowed: allowedGroups.filter((g) => g.last - g.first !== 0).sort(byGrowth).map(finding),
    });
  }
  if (stackLimit !== undefined) {
    const { limit, text } = resolve(stackLimit);
    const over = groups.filter((g) => g.last - g.first > limit).sort(byGrowth);
    const counting = groups.filter((g) => g.allowedBy === null);
    const measured = counting.reduce((m, g) => Math.max(m, g.last - g.first), 0);
    const offenders = over.filter((g) => g.allowedBy === null);
    out.push({
      id: kind === 'goroutine' ? 'stack-goroutine-growth' : 'stack-heap-growth',
      target, kind, sampleType: st, status: status(offenders.length > 0), measured, limit, limitText: text, unit,
      detail: `largest growth of one stack ${span}`,
      offenders: offenders.map(finding),
      allowed: over.filter((g) => g.allowedBy !== null).map(finding),
    });
  }
  return out;
}

/**
 * The group of a row: rows with the same frames (label variants of one
 * stack) are one group, judged once against the allow-list.
 */
function groupOf(
  groups: Map<string, Group>,
  frames: readonly Frame[],
  granularity: Granularity,
  allow: readonly AllowPattern[],
  start: Pick<Group, 'values' | 'verdict' | 'p'>,
): Group {
  const key = rowKey(frames, {}, granularity);
  let g = groups.get(key);
  if (g === undefined) {
    const a = matchAllow(frames, allow);
    g = { key, frames, labelSets: [], first: 0, last: 0, slope: 0, failingVerdict: false, allowedBy: a === null ? null : describeAllow(a), ...start };
    groups.set(key, g);
  }
  return g;
}

// ---------------------------------------------------------------------------
// Pair mode

/** Rules for two snapshots of one kind; `d` must hold every changed row (diff with top 0). */
export function evaluatePair(d: DiffResult, kind: GateKind, o: PairGateOptions): CheckResult {
  requireApplicable(o.thresholds, [{ kind, sampleType: d.sampleType }], `${d.base.source} and ${d.head.source} are`);
  const groups = new Map<string, Group>();
  for (const r of d.rows) {
    const g = groupOf(groups, r.frames, d.granularity, o.allow, { values: null, verdict: null, p: 1 });
    g.labelSets.push(r.labels);
    g.first += r.base;
    g.last += r.head;
  }
  const rules = thresholdRules(kind, null, d.sampleType, [...groups.values()], d.base.total, d.head.total, o.thresholds, 'from base to head');
  return {
    mode: 'pair',
    status: rules.some((r) => r.status === 'fail') ? 'fail' : 'pass',
    rules,
    inputs: [d.base.source, d.head.source],
    notes: [],
  };
}

// ---------------------------------------------------------------------------
// Series mode

function gateKind(s: Series): GateKind | null {
  if (s.kind === 'goroutine') return 'goroutine';
  if (s.kind === 'heap' || s.kind === 'allocs') return 'heap';
  return null;
}

/**
 * Fewer snapshots than this can give no verdict at this alpha: with the
 * continuity-corrected Mann–Kendall test, n = 4 gives at best p = 0.089.
 */
export function checkMinSnapshots(n: number, alpha: number): void {
  const need = minSignificantN(alpha);
  if (n < need) {
    throw new UsageError(`--min-snapshots ${n} is too few: with ${n} snapshots the Mann–Kendall trend test cannot reach p < ${alpha}, so no stack could ever fail`, {
      hint: `use --min-snapshots ${need} or more (the default is 5)`,
    });
  }
}

export function evaluateSeries(res: TrendResult, o: SeriesGateOptions): CheckResult {
  const notes: string[] = [...res.notes];
  const gated = res.series.filter((s) => gateKind(s) !== null);
  for (const s of res.series) {
    if (gateKind(s) === null) notes.push(`${s.target}: ${s.snapshots.length} ${s.sampleType.type} profiles are not checked (check gates goroutine and heap profiles)`);
  }
  if (gated.length === 0) {
    throw new InputError('no goroutine or heap profiles to check', { hint: 'check gates series of /debug/pprof/goroutine and /debug/pprof/heap snapshots' });
  }
  // No verdict rather than a pass that could not have failed.
  for (const s of gated) {
    const n = s.snapshots.length - s.segmentStart;
    if (n < o.minSnapshots) {
      const restart = s.restarts.length > 0 ? ` since the restart before ${s.restarts[s.restarts.length - 1]!.after}` : '';
      throw new InputError(`no verdict: ${n} ${s.kind} snapshot${n === 1 ? '' : 's'}${restart}, fewer than --min-snapshots ${o.minSnapshots}`, {
        subject: s.target,
        hint: n <= 4 && o.minSnapshots >= 5
          ? 'with 4 or fewer snapshots the trend test cannot reach p < 0.05 (at best p = 0.089 with 4); capture at least 5, or gate two snapshots with a threshold: pprof-diff check <base> <head> --max-goroutine-growth N'
          : 'capture more snapshots (pprof-diff capture --count N), or lower --min-snapshots',
      });
    }
  }
  requireApplicable(o.thresholds, gated.map((s) => ({ kind: gateKind(s)!, sampleType: s.sampleType, asRate: s.asRate })), 'the series have');

  const failLabel = o.failOn.length === 1 ? `not ${o.failOn[0]}` : `not ${o.failOn.join(' or ')}`;
  const rules: RuleResult[] = [];
  const inputs: string[] = [];
  const targets = [...new Set(gated.map((s) => s.target))];
  for (const target of targets) {
    for (const kind of ['goroutine', 'heap'] as const) {
      const s = gated.find((x) => x.target === target && gateKind(x) === kind);
      const thresholdsOfKind = kind === 'goroutine'
        ? o.thresholds.goroutine !== undefined || o.thresholds.stackGoroutine !== undefined
        : o.thresholds.heap !== undefined || o.thresholds.stackHeap !== undefined;
      if (s === undefined) {
        if (thresholdsOfKind) {
          rules.push(skipRule(target, kind, `no ${kind} profiles in ${target}`));
        }
        continue;
      }
      for (const x of s.snapshots) inputs.push(x.source);
      const start = s.segmentStart;
      const end = s.snapshots.length - 1;
      const groups = new Map<string, Group>();
      for (const r of s.rows) {
        const g = groupOf(groups, r.frames, o.granularity, o.allow, { values: r.values.map(() => 0), verdict: r.verdict, p: r.pValue });
        g.labelSets.push(r.labels);
        g.first += r.values[start] ?? 0;
        g.last += r.values[end] ?? 0;
        r.values.forEach((v, i) => (g!.values![i] = g!.values![i]! + v));
        g.slope += r.slopePerHour;
        const worse = verdictOrder(r.verdict) - verdictOrder(g.verdict!);
        if (worse < 0 || (worse === 0 && r.pValue < g.p)) {
          g.verdict = r.verdict;
          g.p = r.pValue;
        }
        if (o.failOn.includes(r.verdict)) g.failingVerdict = true;
      }
      const all = [...groups.values()];
      const st = s.sampleType;
      const what = kind === 'heap' ? `heap ${st.type}` : 'goroutine';

      // total trend, with the allowed stacks taken out
      const allowedGroups = all.filter((g) => g.allowedBy !== null);
      let verdict = s.total.verdict;
      let slope = s.total.slopePerHour;
      let p = s.total.pValue;
      if (allowedGroups.length > 0) {
        const residual = s.total.values.map((v, i) => v - allowedGroups.reduce((a, g) => a + g.values![i]!, 0));
        const c = classifyInSeries(s, residual, o.alpha);
        verdict = c.verdict;
        slope = Number.isFinite(c.slope) ? c.slope : 0;
        p = c.p;
      }
      const totalFails = o.failOn.includes(verdict);
      const contributing = allowedGroups.filter((g) => g.last - g.first !== 0 || g.failingVerdict);
      rules.push({
        id: kind === 'goroutine' ? 'goroutine-total-trend' : 'heap-total-trend',
        target, kind, sampleType: st, status: status(totalFails), measured: slope, limit: null, limitText: failLabel,
        unit: st.unit, verdict, pValue: p,
        detail: `trend of the ${what} total over ${s.snapshots.length - start} snapshots${allowedGroups.length > 0 ? ', allowed stacks taken out' : ''}`,
        // What drives the total: stacks that are themselves rising (a cache
        // that plateaued grew too, but is not what fails the gate); the
        // largest growers only when no stack's own trend is rising.
        offenders: totalFails ? totalDrivers(all, o.failOn).slice(0, 3).map(finding) : [],
        allowed: contributing.sort(byGrowth).map(finding),
      });

      // per-stack trends
      const failing = all.filter((g) => g.failingVerdict).sort((a, b) => b.slope - a.slope || (a.key < b.key ? -1 : 1));
      const offenders = failing.filter((g) => g.allowedBy === null);
      rules.push({
        id: kind === 'goroutine' ? 'goroutine-stack-trend' : 'heap-stack-trend',
        target, kind, sampleType: st, status: status(offenders.length > 0), measured: offenders.length, limit: 0, limitText: failLabel,
        unit: 'stacks',
        detail: `trend verdict of each ${what} stack (${all.length} stacks)`,
        offenders: offenders.map(finding),
        allowed: failing.filter((g) => g.allowedBy !== null).map(finding),
      });

      if (thresholdsOfKind) {
        if (applies(kind, st, s.asRate)) {
          const tv = s.total.values;
          rules.push(...thresholdRules(kind, target, st, all, tv[start] ?? 0, tv[end] ?? 0, o.thresholds,
            `from the first to the last snapshot${start > 0 ? ' since the restart' : ''}`));
        } else {
          rules.push(skipRule(target, kind, `the ${kind} series of ${target} measures ${st.type}, not inuse_space`));
        }
      }
    }
  }
  return {
    mode: 'series',
    status: rules.some((r) => r.status === 'fail') ? 'fail' : 'pass',
    rules,
    inputs,
    failOn: o.failOn,
    minSnapshots: o.minSnapshots,
    notes,
  };
}

function skipRule(target: string, kind: GateKind, why: string): RuleResult {
  return {
    id: kind === 'goroutine' ? 'goroutine-growth' : 'heap-growth',
    target, kind, sampleType: kind === 'goroutine' ? { type: 'goroutine', unit: 'count' } : { type: 'inuse_space', unit: 'bytes' },
    status: 'skip', measured: null, limit: null, limitText: '', unit: kind === 'goroutine' ? 'count' : 'bytes',
    detail: why, offenders: [], allowed: [],
  };
}
