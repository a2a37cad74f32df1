import type { DiffResult, DiffRow } from '../analyze/diff.js';
import { formatDuration, formatValue } from '../model/units.js';
import type { Style } from './style.js';
import { nodeLine, percent, renderTable, stackLine, timeLabel } from './text.js';

export const SCHEMA_VERSION = 1;

export interface RenderContext {
  readonly style: Style;
  /** Terminal width to fit tables to. */
  readonly width: number;
}

function signed(style: Style, v: number, unit: string): string {
  const s = formatValue(v, unit, true);
  return v > 0 ? style.grow(s) : v < 0 ? style.shrink(s) : style.dim(s);
}

function describeRow(r: DiffRow, granularity: string): string {
  return granularity === 'stack' ? stackLine(r.frames, r.labels) : nodeLine(r.frames[0]!, granularity);
}

function gap(res: DiffResult): string {
  const b = res.base.timeNanos;
  const h = res.head.timeNanos;
  if (b === null || h === null) return '';
  return ` (${formatDuration(Number((h - b) / 1_000_000n))} later)`;
}

/** Notes shown under every diff report. */
export function diffNotes(res: DiffResult, shown: number): string[] {
  const notes: string[] = [];
  const noun = res.granularity === 'stack' ? 'stacks' : `${res.granularity}s`;
  if (shown < res.changedRows) notes.push(`showing ${shown} of ${res.changedRows} changed ${noun} (--top and --min-delta cut the rest)`);
  else if (res.changedRows > 0) notes.push(`${res.changedRows} changed ${res.changedRows === 1 ? noun.slice(0, -1) : noun}`);
  const dropped = res.base.profilerDropped + res.head.profilerDropped;
  if (dropped > 0) notes.push("the profiler's own goroutine is left out (--keep-profiler keeps it)");
  if (res.base.timeNanos !== null && res.head.timeNanos !== null && res.head.timeNanos < res.base.timeNanos) {
    notes.push('head was taken before base: growth here is shrinkage in time (swap them?)');
  }
  if (res.scale !== 1) notes.push(`head scaled by ${res.scale.toFixed(4)} to the base total (--normalize)`);
  return notes;
}

export function renderDiffTable(res: DiffResult, ctx: RenderContext): string {
  const { style } = ctx;
  const unit = res.sampleType.unit;
  const t = res.sampleType.type;
  const totalDelta = res.head.total - res.base.total;
  const out: string[] = [];
  out.push(`${style.bold(t)} by ${res.granularity}`);
  out.push(`  base  ${timeLabel(res.base.timeNanos)}  ${formatValue(res.base.total, unit)}  ${style.dim(res.base.source)}`);
  out.push(`  head  ${timeLabel(res.head.timeNanos)}  ${formatValue(res.head.total, unit)}  ${style.dim(res.head.source)}${gap(res)}`);
  out.push(`  delta ${signed(style, totalDelta, unit)} (${percent(totalDelta, res.base.total)})`);
  out.push('');
  if (res.rows.length === 0) {
    out.push(res.changedRows === 0 ? 'nothing changed' : 'no row passes --min-delta');
  } else {
    const cum = res.granularity !== 'stack';
    const head = cum ? ['Δ flat', 'Δ cum', 'base', 'head', res.granularity] : ['Δ', 'base', 'head', 'stack (leaf first)'];
    const rows = res.rows.map((r) => (cum
      ? [signed(style, r.delta, unit), signed(style, r.cum!.delta, unit), formatValue(r.base, unit), formatValue(r.head, unit), describeRow(r, res.granularity)]
      : [signed(style, r.delta, unit), formatValue(r.base, unit), formatValue(r.head, unit), describeRow(r, res.granularity)]));
    out.push(renderTable(head, rows, head.map((_, i) => (i === head.length - 1 ? 'left' : 'right')), ctx.width, style).trimEnd());
  }
  out.push('');
  for (const n of diffNotes(res, res.rows.length)) out.push(style.dim(n));
  return out.join('\n') + '\n';
}

function timeJson(t: bigint | null): string | null {
  return t === null ? null : t.toString();
}

export function diffJson(res: DiffResult): unknown {
  const snap = (s: DiffResult['base']) => ({
    source: s.source,
    timeNanos: timeJson(s.timeNanos),
    time: s.timeNanos === null ? null : new Date(Number(s.timeNanos / 1_000_000n)).toISOString(),
    total: s.total,
    profilerGoroutineDropped: s.profilerDropped > 0,
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    command: 'diff',
    sampleType: { type: res.sampleType.type, unit: res.sampleType.unit },
    granularity: res.granularity,
    base: snap(res.base),
    head: snap(res.head),
    delta: res.head.total - res.base.total,
    normalizeScale: res.scale,
    changedRows: res.changedRows,
    rows: res.rows.map((r) => ({
      key: r.key,
      frames: r.frames.map((f) => ({ function: f.function, file: f.file, line: f.line })),
      labels: r.labels,
      base: r.base,
      head: r.head,
      delta: r.delta,
      ...(r.cum ? { cum: r.cum } : {}),
    })),
  };
}

/** Escapes text for a Markdown table cell. */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderDiffMarkdown(res: DiffResult): string {
  const unit = res.sampleType.unit;
  const totalDelta = res.head.total - res.base.total;
  const out: string[] = [];
  out.push(`### ${res.sampleType.type}: ${formatValue(totalDelta, unit, true)} (${percent(totalDelta, res.base.total)})`);
  out.push('');
  out.push(`| | time | total | profile |`);
  out.push(`|---|---|---:|---|`);
  out.push(`| base | ${timeLabel(res.base.timeNanos)} | ${formatValue(res.base.total, unit)} | \`${mdCell(res.base.source)}\` |`);
  out.push(`| head | ${timeLabel(res.head.timeNanos)} | ${formatValue(res.head.total, unit)} | \`${mdCell(res.head.source)}\` |`);
  out.push('');
  if (res.rows.length > 0) {
    const cum = res.granularity !== 'stack';
    out.push(cum ? `| Δ flat | Δ cum | base | head | ${res.granularity} |` : '| Δ | base | head | stack (leaf first) |');
    out.push(cum ? '|---:|---:|---:|---:|---|' : '|---:|---:|---:|---|');
    for (const r of res.rows) {
      const d = describeRow(r, res.granularity);
      const cells = cum
        ? [formatValue(r.delta, unit, true), formatValue(r.cum!.delta, unit, true), formatValue(r.base, unit), formatValue(r.head, unit), `\`${mdCell(d)}\``]
        : [formatValue(r.delta, unit, true), formatValue(r.base, unit), formatValue(r.head, unit), `\`${mdCell(d)}\``];
      out.push(`| ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  for (const n of diffNotes(res, res.rows.length)) out.push(`_${n}_  `);
  return out.join('\n').trimEnd() + '\n';
}
