import type { ShowResult } from '../analyze/show.js';
import { formatValue } from '../model/units.js';
import { mdCell, SCHEMA_VERSION, type RenderContext } from './diff.js';
import { nodeLine, renderTable, stackLine, timeLabel } from './text.js';

function pct(v: number, total: number): string {
  return total === 0 ? '' : `${((v / total) * 100).toFixed(1)}%`;
}

function describe(res: ShowResult, r: ShowResult['rows'][number]): string {
  return res.granularity === 'stack' ? stackLine(r.frames, r.labels) : nodeLine(r.frames[0]!, res.granularity);
}

function waitCells(r: ShowResult['rows'][number]): string[] {
  const g = r.goroutines;
  if (g === undefined) return ['', ''];
  const states = Object.entries(g.states).sort((a, b) => b[1] - a[1]).map(([s]) => s);
  return [states.slice(0, 2).join(', ') + (states.length > 2 ? ', …' : ''), `${g.minWait}/${g.medianWait}/${g.maxWait}m`];
}

export function renderShowTable(res: ShowResult, ctx: RenderContext): string {
  const { style } = ctx;
  const out: string[] = [];
  out.push(`${style.bold(res.source)}  ${res.kind} profile (${res.format}), ${timeLabel(res.timeNanos)}, ${res.sampleCount} samples`);
  for (const t of res.sampleTypes) {
    const mark = t.type === res.sampleType.type ? style.accent('▸') : ' ';
    const shown = t.type === res.sampleType.type && res.total !== t.total ? style.dim(`  (${formatValue(res.total, t.unit)} shown: filters, profiler goroutine)`) : '';
    out.push(` ${mark} ${t.type.padEnd(14)} ${formatValue(t.total, t.unit).padStart(12)}${t.isDefault ? style.dim('  (default)') : ''}${shown}`);
  }
  out.push('');
  const unit = res.sampleType.unit;
  if (res.rows.length === 0) out.push('no samples');
  else {
    const cum = res.granularity !== 'stack';
    const waits = !cum && res.rows.some((r) => r.goroutines !== undefined);
    const head = cum ? ['flat', 'flat%', 'cum', 'cum%', res.granularity]
      : [res.sampleType.type, '%', ...(waits ? ['state', 'waited min/med/max'] : []), 'stack (leaf first)'];
    const rows = res.rows.map((r) => (cum
      ? [formatValue(r.flat, unit), pct(r.flat, res.total), formatValue(r.cum!, unit), pct(r.cum!, res.total), describe(res, r)]
      : [formatValue(r.flat, unit), pct(r.flat, res.total), ...(waits ? waitCells(r) : []), describe(res, r)]));
    out.push(renderTable(head, rows, head.map((h, i) => (i === head.length - 1 || h === 'state' ? 'left' : 'right')), ctx.width, style).trimEnd());
  }
  out.push('');
  const noun = res.granularity === 'stack' ? 'stacks' : `${res.granularity}s`;
  out.push(style.dim(res.rows.length < res.rowCount ? `showing ${res.rows.length} of ${res.rowCount} ${noun} (--top 0 shows all)` : `${res.rowCount} ${res.rowCount === 1 ? noun.slice(0, -1) : noun}`));
  if (res.profilerDropped > 0) out.push(style.dim("the profiler's own goroutine is left out (--keep-profiler keeps it)"));
  return out.join('\n') + '\n';
}

export function showJson(res: ShowResult): unknown {
  return {
    schemaVersion: SCHEMA_VERSION,
    command: 'show',
    source: res.source,
    format: res.format,
    kind: res.kind,
    timeNanos: res.timeNanos === null ? null : res.timeNanos.toString(),
    time: res.timeNanos === null ? null : new Date(Number(res.timeNanos / 1_000_000n)).toISOString(),
    durationNanos: res.durationNanos,
    periodType: res.periodType,
    period: res.period,
    sampleCount: res.sampleCount,
    sampleTypes: res.sampleTypes,
    sampleType: res.sampleType,
    granularity: res.granularity,
    total: res.total,
    rowCount: res.rowCount,
    rows: res.rows.map((r) => ({
      key: r.key,
      frames: r.frames.map((f) => ({ function: f.function, file: f.file, line: f.line })),
      labels: r.labels,
      flat: r.flat,
      ...(r.cum !== undefined ? { cum: r.cum } : {}),
      ...(r.goroutines !== undefined ? { goroutines: r.goroutines } : {}),
    })),
  };
}

export function renderShowMarkdown(res: ShowResult): string {
  const unit = res.sampleType.unit;
  const out: string[] = [`### \`${mdCell(res.source)}\`: ${res.sampleType.type} ${formatValue(res.total, unit)}`, ''];
  const cum = res.granularity !== 'stack';
  out.push(cum ? `| flat | cum | ${res.granularity} |` : `| ${res.sampleType.type} | % | stack (leaf first) |`);
  out.push(cum ? '|---:|---:|---|' : '|---:|---:|---|');
  for (const r of res.rows) {
    out.push(cum
      ? `| ${formatValue(r.flat, unit)} | ${formatValue(r.cum!, unit)} | \`${mdCell(describe(res, r))}\` |`
      : `| ${formatValue(r.flat, unit)} | ${pct(r.flat, res.total)} | \`${mdCell(describe(res, r))}\` |`);
  }
  return out.join('\n') + '\n';
}
