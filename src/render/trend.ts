import { sparkline } from '../analyze/stats.js';
import { FORMAT_NAME, type Series, type TrendResult, type TrendRow } from '../analyze/trend.js';
import { topOwnFrame } from '../model/dict.js';
import { formatDuration, formatValue } from '../model/units.js';
import { mdCell, SCHEMA_VERSION, type RenderContext } from './diff.js';
import type { Style } from './style.js';
import { nodeLine, renderTable, stackLine, timeLabel, truncate, wrap } from './text.js';

const indent = (t: string): string => t.split('\n').map((l) => (l === '' ? l : `  ${l}`)).join('\n');

/** "+41/h", "+9.10 MiB/h", "+250/d": per hour when that reads well, else per day. */
export function formatRate(perHour: number, unit: string): string {
  const perHourReads = unit === 'bytes' ? Math.abs(perHour) >= 1024 * 1024 : Math.abs(perHour) >= 1;
  if (perHourReads || perHour === 0) return `${formatValue(perHour, unit, true)}/h`;
  return `${formatValue(perHour * 24, unit, true)}/d`;
}

export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '—';
  if (p < 0.001) return '<0.001';
  return p.toFixed(3);
}

/**
 * What a sparkline draws: the values since the last restart, or for alloc_*
 * (cumulative, analysed as a rate) the per-interval rates.
 */
function shape(s: Series, values: readonly number[]): number[] {
  const v = values.slice(s.segmentStart);
  if (!s.asRate) return v;
  const t = s.snapshots.slice(s.segmentStart).map((x) => x.timeMs);
  const out: number[] = [];
  for (let i = 1; i < v.length; i++) if (t[i]! > t[i - 1]!) out.push((v[i]! - v[i - 1]!) / (t[i]! - t[i - 1]!));
  return out;
}

function verdictCell(v: string, style: Style): string {
  switch (v) {
    case 'leak':
      return style.grow(style.bold(v));
    case 'growing':
      return style.warn(v);
    case 'shrinking':
      return style.shrink(v);
    case 'plateau':
      return style.accent(v);
    default:
      return style.dim(v);
  }
}

function describe(s: Series, r: TrendRow, granularity: string): string {
  return granularity === 'stack' ? stackLine(r.frames, r.labels) : nodeLine(r.frames[0]!, granularity);
}

function seriesTitle(s: Series): string {
  const snaps = s.snapshots;
  const first = snaps[0];
  const last = snaps[snaps.length - 1];
  const what = s.kind === s.sampleType.type ? s.kind : `${s.kind} ${s.sampleType.type}`;
  let when = '';
  if (first && last) {
    const a = new Date(first.timeMs).toISOString();
    const b = new Date(last.timeMs).toISOString();
    const secs = last.timeMs - first.timeMs < 3_600_000;
    const fmt = (iso: string, withDate: boolean) => (withDate ? `${iso.slice(0, 10)} ` : '') + iso.slice(11, secs ? 19 : 16);
    const sameDay = a.slice(0, 10) === b.slice(0, 10);
    when = `, ${formatDuration(last.timeMs - first.timeMs)} (${fmt(a, !sameDay)}–${fmt(b, !sameDay)} UTC${sameDay ? `, ${a.slice(0, 10)}` : ""})`;
  }
  return `${s.target} · ${what} · ${snaps.length} snapshot${snaps.length === 1 ? '' : 's'}${when}`;
}

export function seriesNotes(s: Series): string[] {
  const notes: string[] = [];
  for (const r of s.restarts) notes.push(`restart detected between ${r.before} and ${r.after}: the statistics use the ${s.snapshots.length - s.segmentStart} snapshots since the last restart`);
  const n = s.snapshots.length - s.segmentStart;
  if (n < 5) notes.push(`only ${n} snapshot${n === 1 ? '' : 's'}: a trend needs at least 5 to be significant (p < 0.05); compare two with \`pprof-diff diff\``);
  if (s.snapshots.some((x) => x.fromMtime)) notes.push('ordered by file modification time (text profiles carry no timestamp)');
  if (s.asRate) notes.push(`${s.sampleType.type} is cumulative since process start: analysed as a rate per interval`);
  return notes;
}

export function renderTrendTable(res: TrendResult, ctx: RenderContext & { granularity: string }): string {
  const { style } = ctx;
  const out: string[] = [];
  for (const s of res.series) {
    const unit = s.sampleType.unit;
    out.push(style.bold(truncate(seriesTitle(s), ctx.width)));
    const tv = s.total.values;
    const totalSpan = s.asRate
      ? `${formatValue(tv[tv.length - 1]! - (tv[s.segmentStart] ?? 0), unit)} allocated`
      : `${formatValue(tv[s.segmentStart] ?? 0, unit)} → ${formatValue(tv[tv.length - 1] ?? 0, unit)}`;
    const totalRate = s.asRate ? `rate ${formatValue(s.total.slopePerHour, unit, true)}/h²` : formatRate(s.total.slopePerHour, unit);
    out.push(`  total  ${totalSpan}  ${totalRate}  ${sparkline(shape(s, tv), 16)}  ${verdictCell(s.total.verdict, style)} (p ${formatP(s.total.pValue)})`);
    if (s.format !== 'proto') out.push(style.dim(`  read from ${FORMAT_NAME[s.format]}`));
    for (const n of seriesNotes(s)) out.push(style.warn(wrap(n, ctx.width - 2, '  ')));
    out.push('');
    if (s.rows.length === 0) out.push('  no samples');
    else {
      const debug2 = s.rows.some((r) => r.maxWaitMinutes !== undefined);
      const head = ['verdict', 'rate', 'p', 'first → last', 'trend', ...(debug2 ? ['kept', 'wait'] : []), ctx.granularity === 'stack' ? 'stack (leaf first)' : ctx.granularity];
      const rows = s.rows.map((r) => [
        verdictCell(r.verdict, style),
        s.asRate ? `${formatValue(r.slopePerHour, unit, true)}/h²` : formatRate(r.slopePerHour, unit),
        formatP(r.pValue),
        s.asRate ? `${formatValue(r.first, unit)}/h → ${formatValue(r.last, unit)}/h` : `${formatValue(r.first, unit)} → ${formatValue(r.last, unit)}`,
        sparkline(shape(s, r.values), 12),
        ...(debug2 ? [String(r.survivingGoroutines ?? 0), `${r.maxWaitMinutes ?? 0}m`] : []),
        describe(s, r, ctx.granularity),
      ]);
      const aligns = head.map((_, i) => (i === 0 || i === head.length - 1 || i === 4 ? 'left' as const : 'right' as const));
      if (ctx.width >= 140) {
        out.push(indent(renderTable(head, rows, aligns, ctx.width - 2, style).trimEnd()));
      } else {
        // Narrow terminal: each stack on its own line under its numbers,
        // its labels at the end of the numbers.
        const labelText = (l: Readonly<Record<string, string>>) => {
          const ks = Object.keys(l);
          return ks.length === 0 ? '' : `{${ks.map((k) => `${k}=${l[k]}`).join(', ')}}`;
        };
        const numbers = renderTable([...head.slice(0, -1), ''], rows.map((r, i) => [...r.slice(0, -1), labelText(s.rows[i]!.labels)]), aligns, ctx.width - 2, style).trimEnd().split('\n');
        const lines = [numbers[0]!, numbers[1]!];
        s.rows.forEach((r, i) => {
          lines.push(numbers[i + 2]!);
          const stack = ctx.granularity === 'stack' ? stackLine(r.frames, {}) : describe(s, r, ctx.granularity);
          lines.push(`         ${truncate(stack, ctx.width - 11)}`);
        });
        out.push(indent(lines.join('\n')));
      }
      if (s.rows.length < s.rowCount) out.push(style.dim(`  showing ${s.rows.length} of ${s.rowCount} rows (--top 0 shows all)`));
      if (debug2) out.push(style.dim('  kept: goroutines of the stack alive in the first and last dump; wait: longest wait in the last dump'));
    }
    out.push('');
  }
  if (res.suspects.length > 0) {
    out.push(style.bold('Suspects: leaking goroutines and the memory they hold'));
    for (const sp of res.suspects) {
      const fn = topOwnFrame(sp.goroutine.frames)?.function ?? sp.goroutine.key;
      const each = sp.bytesPerGoroutine !== null ? `, each holding ~${formatValue(sp.bytesPerGoroutine, 'bytes')}`
        : sp.heapCompared ? ', no growing heap stack found on these goroutines' : ' (no inuse_space heap series to tie them to)';
      out.push(`  ${style.grow(fn)} ${style.dim(`[${sp.target}]`)}: ${formatRate(sp.goroutine.slopePerHour, 'count')} goroutines${each}`);
      for (const h of sp.heap.slice(0, 5)) out.push(truncate(`    heap ${formatRate(h.slopePerHour, 'bytes')} ${h.verdict.padEnd(7)} ${stackLine(h.frames, {})}`, ctx.width));
      if (sp.hint !== null) out.push(style.warn(wrap(`hint: ${sp.hint}`, ctx.width - 4, '    ')));
    }
    out.push(style.dim('  (goroutine stacks themselves, 2 KiB or more each, are not in the heap profile)'));
    out.push('');
  }
  if (res.projections.length > 0) {
    out.push(style.bold('Projection: inuse_space'));
    for (const p of res.projections) {
      let tail = '';
      if (p.limit !== null) {
        tail = p.hoursToLimit === null
          ? `; not growing toward ${formatValue(p.limit, 'bytes')}`
          : `; reaches ${formatValue(p.limit, 'bytes')} in ~${formatDuration(p.hoursToLimit * 3_600_000)}`;
      }
      out.push(`  ${p.target}: ${formatValue(p.current, 'bytes')} now, ${formatRate(p.slopePerHour, 'bytes')} (${p.verdict})${tail}`);
    }
    if (res.projections.every((p) => p.limit === null)) out.push(style.dim('  --limit <size> (e.g. 2GiB) projects when the limit is reached'));
    out.push('');
  }
  if (res.fleet.length > 0) {
    out.push(style.bold('Fleet'));
    for (const f of res.fleet) {
      out.push(truncate(`  leaks in ${f.leakTargets} of ${f.targets} targets, ${formatRate(f.medianSlopePerHour, f.unit)} median, ${f.kind}: ${stackLine(f.frames, f.labels)}`, ctx.width));
    }
    out.push('');
  }
  for (const n of res.notes) out.push(style.dim(wrap(n, ctx.width, '')));
  return out.join('\n').trimEnd() + '\n';
}

export function trendJson(res: TrendResult, granularity: string): unknown {
  const frames = (fs: readonly { function: string; file: string; line: number }[]) => fs.map((f) => ({ function: f.function, file: f.file, line: f.line }));
  return {
    schemaVersion: SCHEMA_VERSION,
    command: 'trend',
    granularity,
    series: res.series.map((s) => ({
      target: s.target,
      kind: s.kind,
      format: s.format,
      sampleType: s.sampleType,
      analysedAsRate: s.asRate,
      snapshots: s.snapshots.map((x) => ({
        source: x.source,
        timeNanos: x.timeNanos === null ? null : x.timeNanos.toString(),
        time: new Date(x.timeMs).toISOString(),
        timeFromMtime: x.fromMtime,
        total: x.total,
      })),
      restarts: s.restarts,
      segmentStart: s.segmentStart,
      minRatePerHour: s.minRatePerHour,
      total: s.total,
      rowCount: s.rowCount,
      rows: s.rows.map((r) => ({
        key: r.key,
        frames: frames(r.frames),
        labels: r.labels,
        values: r.values,
        slopePerHour: r.slopePerHour,
        pValue: r.pValue,
        verdict: r.verdict,
        reason: r.reason,
        first: r.first,
        last: r.last,
        ...(r.survivingGoroutines !== undefined ? { survivingGoroutines: r.survivingGoroutines, maxWaitMinutes: r.maxWaitMinutes, medianWaitMinutes: r.medianWaitMinutes } : {}),
      })),
    })),
    suspects: res.suspects.map((sp) => ({
      target: sp.target,
      goroutine: { key: sp.goroutine.key, frames: frames(sp.goroutine.frames), slopePerHour: sp.goroutine.slopePerHour },
      heap: sp.heap.map((h) => ({ key: h.key, frames: frames(h.frames), slopePerHour: h.slopePerHour, verdict: h.verdict })),
      bytesPerGoroutine: sp.bytesPerGoroutine,
      heapCompared: sp.heapCompared,
      hint: sp.hint,
    })),
    projections: res.projections,
    fleet: res.fleet.map((f) => ({ ...f, frames: frames(f.frames) })),
    notes: res.notes,
  };
}

export function renderTrendMarkdown(res: TrendResult, granularity: string): string {
  const out: string[] = [];
  for (const s of res.series) {
    const unit = s.sampleType.unit;
    out.push(`### ${mdCell(s.target)} · ${s.kind} ${s.sampleType.type}: ${s.total.verdict}, ${formatRate(s.total.slopePerHour, unit)}`);
    out.push('');
    for (const n of seriesNotes(s)) out.push(`> ${n}`);
    if (seriesNotes(s).length) out.push('');
    out.push('| verdict | rate | p | first → last | trend | stack |');
    out.push('|---|---:|---:|---:|---|---|');
    for (const r of s.rows) {
      out.push(`| ${r.verdict} | ${formatRate(r.slopePerHour, unit)} | ${formatP(r.pValue)} | ${formatValue(r.first, unit)} → ${formatValue(r.last, unit)} | ${sparkline(shape(s, r.values), 12)} | \`${mdCell(describe(s, r, granularity))}\` |`);
    }
    out.push('');
  }
  if (res.suspects.length > 0) {
    out.push('### Suspects');
    out.push('');
    for (const sp of res.suspects) {
      const fn = topOwnFrame(sp.goroutine.frames)?.function ?? sp.goroutine.key;
      out.push(`- **\`${mdCell(fn)}\`** (${mdCell(sp.target)}): ${formatRate(sp.goroutine.slopePerHour, 'count')} goroutines${sp.bytesPerGoroutine !== null ? `, ~${formatValue(sp.bytesPerGoroutine, 'bytes')} each` : ''}${sp.hint ? ` — ${mdCell(sp.hint)}` : ''}`);
    }
    out.push('');
  }
  for (const p of res.projections) {
    if (p.limit !== null && p.hoursToLimit !== null) out.push(`- ${mdCell(p.target)} reaches ${formatValue(p.limit, 'bytes')} in ~${formatDuration(p.hoursToLimit * 3_600_000)}`);
  }
  return out.join('\n').trimEnd() + '\n';
}
