import { sparkline } from '../analyze/stats.js';
import type { CheckResult, Finding, RuleResult } from '../gate/index.js';
import type { Labels } from '../model/dict.js';
import { formatValue } from '../model/units.js';
import { mdCell, SCHEMA_VERSION, type RenderContext } from './diff.js';
import type { Style } from './style.js';
import { stackLine, truncate, visibleWidth, wrap } from './text.js';
import { formatP, formatRate } from './trend.js';

/**
 * Renderers of a CheckResult: the human summary, markdown (for
 * $GITHUB_STEP_SUMMARY), JSON, JUnit XML and GitHub Actions annotations.
 * All pure: they return strings.
 */

const TITLES: Record<RuleResult['id'], string> = {
  'goroutine-total-trend': 'goroutine total trend',
  'goroutine-stack-trend': 'goroutine stack trends',
  'goroutine-growth': 'goroutine growth',
  'stack-goroutine-growth': 'goroutine growth per stack',
  'heap-total-trend': 'heap total trend',
  'heap-stack-trend': 'heap stack trends',
  'heap-growth': 'heap growth',
  'stack-heap-growth': 'heap growth per stack',
};

/** "leaky: goroutine stack trends", "heap growth" (pair). */
export function ruleName(r: RuleResult): string {
  let t = TITLES[r.id];
  if (r.kind === 'heap' && r.sampleType.type !== 'inuse_space') t = t.replace('heap', `heap ${r.sampleType.type}`);
  return r.target === null ? t : `${r.target}: ${t}`;
}

function isTrendRule(r: RuleResult): boolean {
  return r.id.endsWith('-trend');
}

/** The measured value, for people: "+85", "+1.2 MiB (+6.4 MiB total, +5.2 MiB allowed)", "leak, +41/h, p <0.001". */
export function measuredText(r: RuleResult): string {
  if (r.status === 'skip' || r.measured === null) return 'skipped';
  if (r.id.endsWith('-total-trend')) return `${r.verdict ?? '?'}, ${formatRate(r.measured, r.unit)}, p ${formatP(r.pValue ?? NaN)}`;
  if (r.id.endsWith('-stack-trend')) {
    const n = r.measured;
    return n === 0 ? 'no failing stack' : `${n} stack${n === 1 ? '' : 's'} ${verbOf(r)}`;
  }
  const v = formatValue(r.measured, r.unit, true);
  if (r.id.startsWith('stack-')) return `largest ${v}`;
  if (r.allowedGrowth !== undefined && r.allowedGrowth !== 0 && r.total !== undefined) {
    return `${v} (${formatValue(r.total, r.unit, true)} total, ${formatValue(r.allowedGrowth, r.unit, true)} allowed)`;
  }
  return v;
}

function verbOf(r: RuleResult): string {
  // "1 stack leaks", "2 stacks leak or grow"
  const one = r.measured === 1;
  const verbs: Record<string, [string, string]> = { leak: ['leaks', 'leak'], growing: ['grows', 'grow'] };
  return r.limitText.replace(/^not /, '').split(' or ').map((v) => verbs[v]?.[one ? 0 : 1] ?? v).join(' or ');
}

/** The limit, for people: "max +10", "max 5% of base (72.8 KiB)", "must not be: leak". */
export function limitText(r: RuleResult): string {
  if (r.status === 'skip') return '';
  if (isTrendRule(r)) return `verdict must not be ${r.limitText.replace(/^not /, '')}`;
  const per = r.id.startsWith('stack-') ? ' per stack' : '';
  if (r.limitText.endsWith('%')) return `max ${r.limitText} of base${per} (${formatValue(r.limit ?? 0, r.unit)})`;
  return `max ${formatValue(r.limit ?? 0, r.unit, true)}${per}`;
}

function labelText(sets: readonly Labels[]): string {
  const nonEmpty = sets.filter((l) => Object.keys(l).length > 0);
  if (nonEmpty.length === 0) return '';
  const one = (l: Labels) => Object.keys(l).map((k) => `${k}=${l[k]}`).join(', ');
  if (nonEmpty.length === 1) return `{${one(nonEmpty[0]!)}}`;
  return `{${one(nonEmpty[0]!)}} +${nonEmpty.length - 1} more label set${nonEmpty.length > 2 ? 's' : ''}`;
}

/** One finding's stack on one line (leaf first), with its labels. */
export function findingStack(f: Finding): string {
  const s = stackLine(f.frames, {});
  const l = labelText(f.labelSets);
  return l === '' ? s : `${s}  ${l}`;
}

/** The numbers of one finding: trend facts for series, base → head for pairs. */
function findingNumbers(f: Finding, unit: string): string {
  const change = `${formatValue(f.first, unit)} → ${formatValue(f.last, unit)}`;
  if (f.verdict !== undefined) {
    return `${f.verdict} ${formatRate(f.slopePerHour ?? 0, unit)} p ${formatP(f.pValue ?? NaN)} ${change}${f.values ? ` ${sparkline(f.values, 12)}` : ''}`;
  }
  return `${formatValue(f.delta, unit, true)} (${change})`;
}

function unitOf(r: RuleResult): string {
  return r.sampleType.unit;
}

function statusWord(s: RuleResult['status'], style: Style): string {
  if (s === 'fail') return style.grow(style.bold('FAIL'));
  if (s === 'pass') return style.ok('PASS');
  return style.dim('SKIP');
}

export function failedCount(res: CheckResult): number {
  return res.rules.filter((r) => r.status === 'fail').length;
}

function verdictLine(res: CheckResult, reportOnly: boolean): string {
  const failed = failedCount(res);
  const n = res.rules.filter((r) => r.status !== 'skip').length;
  if (failed === 0) return `check passed: ${n} rule${n === 1 ? '' : 's'} passed`;
  return `check failed: ${failed} of ${n} rule${n === 1 ? '' : 's'} failed${reportOnly ? ' (--report-only: exit 0)' : ''}`;
}

export interface CheckRenderOptions {
  readonly reportOnly: boolean;
}

/** All findings exempted by the allow-list, once each, with the rules they were exempted from. */
function allowedFindings(res: CheckResult): Array<{ f: Finding; rule: RuleResult; rules: string[] }> {
  const by = new Map<string, { f: Finding; rule: RuleResult; rules: string[] }>();
  for (const r of res.rules) {
    for (const f of r.allowed) {
      const k = `${r.target ?? ''}\u0000${r.kind}\u0000${f.key}`;
      const e = by.get(k);
      if (e === undefined) by.set(k, { f, rule: r, rules: [TITLES[r.id]] });
      else e.rules.push(TITLES[r.id]);
    }
  }
  return [...by.values()];
}

export function renderCheckText(res: CheckResult, ctx: RenderContext & CheckRenderOptions): string {
  const { style } = ctx;
  const out: string[] = [];
  const head = res.mode === 'pair'
    ? `pprof-diff check: ${res.inputs[0]} → ${res.inputs[1]}`
    : `pprof-diff check: series (fail on: ${(res.failOn ?? []).join(', ')}; at least ${res.minSnapshots} snapshots)`;
  out.push(style.bold(head));
  out.push('');
  const names = res.rules.map(ruleName);
  const measured = res.rules.map(measuredText);
  const nameW = Math.max(...names.map(visibleWidth));
  const measW = Math.max(...measured.map(visibleWidth));
  res.rules.forEach((r, i) => {
    const tail = r.status === 'skip' ? style.dim(r.detail) : `${measured[i]!.padEnd(measW)}  ${style.dim(limitText(r))}`;
    const line = `${statusWord(r.status, style)}  ${names[i]!.padEnd(nameW)}  ${tail}`.trimEnd();
    if (visibleWidth(line) <= ctx.width || r.status === 'skip') out.push(line);
    else {
      // too wide for the terminal: the limit goes under the measurement
      out.push(`${statusWord(r.status, style)}  ${names[i]!}  ${measured[i]!}`);
      out.push(`      ${style.dim(limitText(r))}`);
    }
  });
  for (const r of res.rules) {
    if (r.status !== 'fail' || r.offenders.length === 0) continue;
    out.push('');
    out.push(style.bold(`${ruleName(r)}: ${r.id.endsWith('-total-trend') || r.id.endsWith('-growth') && !r.id.startsWith('stack-') ? 'what grew' : 'offending stacks'}`));
    for (const f of r.offenders) {
      out.push(`  ${style.grow(findingNumbers(f, unitOf(r)))}`);
      out.push(`    ${truncate(findingStack(f), ctx.width - 4)}`);
    }
  }
  const allowed = allowedFindings(res);
  if (allowed.length > 0) {
    out.push('');
    out.push(style.bold('Allowed (exempt by the allow-list, not counted)'));
    for (const { f, rule, rules } of allowed) {
      out.push(`  ${style.accent('ALLOWED')}  ${rule.target !== null ? `${rule.target}: ` : ''}${rule.kind} ${findingNumbers(f, unitOf(rule))}`);
      out.push(style.dim(wrap(`by ${f.allowedBy}; exempt from: ${rules.join(', ')}`, ctx.width, '    ')));
      out.push(`    ${truncate(findingStack(f), ctx.width - 4)}`);
    }
  }
  if (res.notes.length > 0) {
    out.push('');
    for (const n of res.notes) out.push(style.dim(wrap(n, ctx.width, '')));
  }
  out.push('');
  const v = verdictLine(res, ctx.reportOnly);
  out.push(res.status === 'fail' ? style.grow(style.bold(v)) : style.ok(v));
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// Markdown

export function renderCheckMarkdown(res: CheckResult, o: CheckRenderOptions): string {
  const out: string[] = [];
  out.push(`## pprof-diff check: ${res.status === 'fail' ? 'FAIL' : 'PASS'}`);
  out.push('');
  out.push(res.mode === 'pair'
    ? `Pair: \`${mdCell(res.inputs[0] ?? '')}\` → \`${mdCell(res.inputs[1] ?? '')}\``
    : `Series of ${res.inputs.length} snapshots; fails on: ${(res.failOn ?? []).join(', ')}`);
  out.push('');
  out.push('| status | rule | measured | limit |');
  out.push('|---|---|---|---|');
  for (const r of res.rules) {
    const st = r.status === 'fail' ? '**FAIL**' : r.status === 'pass' ? 'PASS' : 'SKIP';
    out.push(`| ${st} | ${mdCell(ruleName(r))} | ${mdCell(r.status === 'skip' ? r.detail : measuredText(r))} | ${mdCell(limitText(r))} |`);
  }
  out.push('');
  for (const r of res.rules) {
    if (r.status !== 'fail') continue;
    out.push(`### FAIL: ${mdCell(ruleName(r))}`);
    out.push('');
    out.push(`${mdCell(measuredText(r))}; ${mdCell(limitText(r))}.`);
    out.push('');
    if (r.offenders.length > 0) out.push(...findingTable(r.offenders, unitOf(r)), '');
  }
  const allowed = allowedFindings(res);
  if (allowed.length > 0) {
    out.push('### Allowed (exempt, not counted)');
    out.push('');
    out.push('| kind | change | stack (leaf first) | allowed by |');
    out.push('|---|---|---|---|');
    for (const { f, rule } of allowed) {
      out.push(`| ${rule.target !== null ? `${mdCell(rule.target)} ` : ''}${rule.kind} | ${mdCell(findingNumbers(f, unitOf(rule)))} | \`${mdCell(findingStack(f))}\` | \`${mdCell(f.allowedBy ?? '')}\` |`);
    }
    out.push('');
  }
  for (const n of res.notes) out.push(`_${mdCell(n)}_  `);
  out.push('');
  out.push(`_${verdictLine(res, o.reportOnly)}_`);
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function findingTable(fs: readonly Finding[], unit: string): string[] {
  const series = fs.some((f) => f.verdict !== undefined);
  const rows = series
    ? ['| verdict | rate | p | first → last | stack (leaf first) | where |', '|---|---:|---:|---:|---|---|']
    : ['| growth | base → head | stack (leaf first) | where |', '|---:|---:|---|---|'];
  for (const f of fs) {
    const where = f.top !== null && f.top.file !== '' ? `\`${mdCell(`${f.top.file}:${f.top.line}`)}\`` : '';
    const stack = `\`${mdCell(findingStack(f))}\``;
    rows.push(series
      ? `| ${f.verdict} | ${formatRate(f.slopePerHour ?? 0, unit)} | ${formatP(f.pValue ?? NaN)} | ${formatValue(f.first, unit)} → ${formatValue(f.last, unit)} | ${stack} | ${where} |`
      : `| ${formatValue(f.delta, unit, true)} | ${formatValue(f.first, unit)} → ${formatValue(f.last, unit)} | ${stack} | ${where} |`);
  }
  return rows;
}

// ---------------------------------------------------------------------------
// JSON (public contract, schemaVersion 1; documented in the README)

function findingJson(f: Finding): unknown {
  return {
    key: f.key,
    frames: f.frames.map((x) => ({ function: x.function, file: x.file, line: x.line })),
    labelSets: f.labelSets,
    top: f.top === null ? null : { function: f.top.function, file: f.top.file, line: f.top.line },
    first: f.first,
    last: f.last,
    delta: f.delta,
    ...(f.verdict !== undefined ? { verdict: f.verdict, slopePerHour: f.slopePerHour, pValue: finiteOrNull(f.pValue) } : {}),
    ...(f.values !== undefined ? { values: f.values } : {}),
    allowedBy: f.allowedBy ?? null,
  };
}

function finiteOrNull(x: number | undefined): number | null {
  return x === undefined || !Number.isFinite(x) ? null : x;
}

export function checkJson(res: CheckResult, o: CheckRenderOptions & { exitCode: number }): unknown {
  return {
    schemaVersion: SCHEMA_VERSION,
    command: 'check',
    mode: res.mode,
    status: res.status,
    exitCode: o.exitCode,
    reportOnly: o.reportOnly,
    ...(res.mode === 'series' ? { failOn: res.failOn, minSnapshots: res.minSnapshots } : {}),
    inputs: res.inputs,
    summary: {
      rules: res.rules.length,
      passed: res.rules.filter((r) => r.status === 'pass').length,
      failed: failedCount(res),
      skipped: res.rules.filter((r) => r.status === 'skip').length,
    },
    rules: res.rules.map((r) => ({
      id: r.id,
      name: ruleName(r),
      target: r.target,
      kind: r.kind,
      sampleType: r.sampleType,
      status: r.status,
      measured: r.measured,
      limit: r.limit,
      limitText: r.limitText,
      unit: r.unit,
      ...(r.total !== undefined ? { total: r.total, allowedGrowth: r.allowedGrowth ?? 0 } : {}),
      ...(r.verdict !== undefined ? { verdict: r.verdict, pValue: finiteOrNull(r.pValue) } : {}),
      detail: r.detail,
      offenders: r.offenders.map(findingJson),
      allowed: r.allowed.map(findingJson),
    })),
    notes: res.notes,
  };
}

// ---------------------------------------------------------------------------
// JUnit XML

/**
 * Escapes text for XML content and attribute values. Characters XML 1.0
 * cannot carry at all (C0 controls other than tab, LF, CR; lone
 * surrogates; U+FFFE/U+FFFF) are replaced by U+FFFD.
 */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // keep line breaks inside attribute values (a literal newline is normalised to a space)
    .replace(/\r/g, '&#13;');
}

function attr(s: string): string {
  return xmlEscape(s).replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

function failureText(r: RuleResult): { message: string; body: string } {
  const first = r.offenders[0];
  const where = first?.top ? ` at ${first.top.function} (${first.top.file}:${first.top.line})` : '';
  const message = `${measuredText(r)}; ${limitText(r)}${where}`;
  const lines = [`${ruleName(r)}: ${message}`, r.detail];
  for (const f of r.offenders) lines.push(`  ${findingNumbers(f, unitOf(r))}`, `    ${findingStack(f)}`);
  return { message, body: lines.join('\n') };
}

export function renderJunit(res: CheckResult, o: { timestamp?: string } = {}): string {
  const groups = new Map<string, RuleResult[]>();
  for (const r of res.rules) {
    const k = r.target ?? 'pair';
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const count = (rs: readonly RuleResult[], s: RuleResult['status']) => rs.filter((r) => r.status === s).length;
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(`<testsuites name="pprof-diff check" tests="${res.rules.length}" failures="${count(res.rules, 'fail')}" errors="0" skipped="${count(res.rules, 'skip')}">`);
  for (const [target, rs] of groups) {
    const suite = target === 'pair' && res.mode === 'pair' ? `pprof-diff check ${res.inputs.join(' → ')}` : `pprof-diff check ${target}`;
    out.push(`  <testsuite name="${attr(suite)}" tests="${rs.length}" failures="${count(rs, 'fail')}" errors="0" skipped="${count(rs, 'skip')}"${o.timestamp ? ` timestamp="${attr(o.timestamp)}"` : ''}>`);
    for (const r of rs) {
      const classname = `pprof-diff.check.${target}`;
      const name = `${TITLES[r.id]}${r.kind === 'heap' && r.sampleType.type !== 'inuse_space' ? ` (${r.sampleType.type})` : ''}`;
      const first = r.offenders[0]?.top;
      const fileAttr = first && first.file !== '' ? ` file="${attr(first.file)}" line="${first.line}"` : '';
      const open = `    <testcase classname="${attr(classname)}" name="${attr(name)}"${r.status === 'fail' ? fileAttr : ''}`;
      const inner: string[] = [];
      if (r.status === 'fail') {
        const { message, body } = failureText(r);
        inner.push(`      <failure message="${attr(message)}" type="${attr(r.id)}">${xmlEscape(body)}</failure>`);
      } else if (r.status === 'skip') {
        inner.push(`      <skipped message="${attr(r.detail)}"/>`);
      }
      const sysout: string[] = [`${measuredText(r)}; ${limitText(r)}`.replace(/^skipped; $/, r.detail)];
      for (const f of r.allowed) sysout.push(`allowed by ${f.allowedBy}: ${findingNumbers(f, unitOf(r))} ${findingStack(f)}`);
      inner.push(`      <system-out>${xmlEscape(sysout.join('\n'))}</system-out>`);
      out.push(`${open}>`, ...inner, '    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// GitHub Actions annotations

/** Escapes workflow-command data (the message). */
export function ghData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow-command property value (file, title). */
export function ghProperty(s: string): string {
  return ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface PathMap {
  readonly from: string;
  readonly to: string;
}

/** Rewrites a profile's file path (module-relative with -trimpath) into a repository path. */
export function mapPath(file: string, maps: readonly PathMap[]): string {
  for (const m of maps) if (file.startsWith(m.from)) return m.to + file.slice(m.from.length);
  return file;
}

/**
 * One `::error` line per offending stack, at the file:line of its top
 * non-runtime frame where the profile has it; one per failed rule without
 * such a stack.
 */
export function renderGithubAnnotations(res: CheckResult, maps: readonly PathMap[] = []): string {
  const out: string[] = [];
  for (const r of res.rules) {
    if (r.status !== 'fail') continue;
    const title = `pprof-diff check: ${ruleName(r)}`;
    const located = r.offenders.filter((f) => f.top !== null && f.top.file !== '' && f.top.line > 0);
    for (const f of located) {
      const file = mapPath(f.top!.file, maps);
      const msg = `${findingNumbers(f, unitOf(r))} (${limitText(r)})\n${findingStack(f)}`;
      out.push(`::error file=${ghProperty(file)},line=${f.top!.line},title=${ghProperty(title)}::${ghData(msg)}`);
    }
    if (located.length === 0) {
      out.push(`::error title=${ghProperty(title)}::${ghData(`${measuredText(r)}; ${limitText(r)}`)}`);
    }
  }
  return out.length === 0 ? '' : out.join('\n') + '\n';
}

