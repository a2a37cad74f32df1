import Table from 'cli-table3';
import { isRuntimeFunction, type Frame, type Labels } from '../model/dict.js';
import type { Style } from './style.js';

/** Visible width of a string (ANSI escapes excluded; code points counted once). */
export function visibleWidth(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  const cps = [...s];
  if (cps.length <= width) return s;
  return cps.slice(0, Math.max(0, width - 1)).join('') + '…';
}

export type Align = 'left' | 'right';

/**
 * A borderless aligned table: a header, a rule, the rows. The last column
 * takes what is left of `width` and is truncated to fit.
 */
export function renderTable(head: string[], rows: string[][], aligns: Align[], width: number, style: Style): string {
  const fixed = head.length - 1;
  const colW: number[] = head.map((h) => visibleWidth(h));
  for (const r of rows) for (let i = 0; i < fixed; i++) colW[i] = Math.max(colW[i]!, visibleWidth(r[i]!));
  const gap = 2;
  const used = colW.slice(0, fixed).reduce((a, b) => a + b + gap, 0);
  const lastW = Math.max(20, width - used);
  const table = new Table({
    head: head.map((h) => style.bold(h)),
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '',
      right: '', 'right-mid': '', middle: '  ',
    },
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
    colAligns: aligns,
  });
  for (const r of rows) table.push(r.map((c, i) => (i === fixed ? fitLast(c, lastW) : c)));
  const lines = table.toString().split('\n').map((l) => l.replace(/\s+$/, ''));
  const rule = style.dim('─'.repeat(Math.min(width, Math.max(...lines.map(visibleWidth)))));
  return [lines[0]!, rule, ...lines.slice(1)].join('\n') + '\n';
}

function fitLast(s: string, w: number): string {
  // Cells of the last column are built plain or with colour only at frame
  // boundaries; truncation applies to the plain text form.
  return visibleWidth(s) <= w ? s : truncate(s.replace(/\u001b\[[0-9;]*m/g, ''), w);
}

/** Short file name for display: the last two path elements. */
export function shortFile(file: string): string {
  const parts = file.split('/');
  return parts.slice(-2).join('/');
}

/**
 * A stack on one line, leaf first: `leaf (file:line) ← caller ← …`.
 * Leading runtime frames (gopark, selectgo, mallocgc helpers) tell how a
 * goroutine waits, not where: only the outermost of them is kept.
 */
export function stackLine(frames: readonly Frame[], labels: Labels): string {
  let i = 0;
  const hasOwn = frames.some((f) => !isRuntimeFunction(f.function));
  while (hasOwn && i < frames.length - 1 && isRuntimeFunction(frames[i]!.function) && isRuntimeFunction(frames[i + 1]!.function)) i++;
  const shown = frames.slice(i);
  // file:line on the first frame that is the program's own code
  const own = shown.findIndex((f) => !isRuntimeFunction(f.function));
  const parts = shown.map((f, j) => (j === own && f.file !== '' ? `${f.function} (${shortFile(f.file)}:${f.line})` : f.function));
  let s = shown.length === 0 ? '(no frames)' : parts.join(' ← ');
  // labels first: they are short and tell label variants of one stack apart
  // where a long stack is cut to the terminal width
  const ks = Object.keys(labels);
  if (ks.length > 0) s = `{${ks.map((k) => `${k}=${labels[k]}`).join(', ')}} ${s}`;
  return s;
}


/** One node at function/file/line granularity. */
export function nodeLine(f: Frame, granularity: string): string {
  if (granularity === 'file') return f.file;
  if (granularity === 'line') return `${f.function} ${shortFile(f.file)}:${f.line}`;
  return f.function;
}

export function percent(part: number, whole: number): string {
  if (whole === 0) return part === 0 ? '0%' : '—';
  const p = (part / whole) * 100;
  const s = Math.abs(p) >= 10 ? p.toFixed(0) : p.toFixed(1);
  return `${p > 0 ? '+' : ''}${s}%`;
}

export function timeLabel(t: bigint | null): string {
  if (t === null) return 'no timestamp';
  return new Date(Number(t / 1_000_000n)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** Wraps text at word boundaries to `width`, each line starting with `indent`. */
export function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = indent;
  for (const w of words) {
    if (line.trim() !== '' && visibleWidth(line) + 1 + visibleWidth(w) > width) {
      lines.push(line);
      line = indent + '  ' + w;
    } else line = line.trim() === '' ? indent + w : `${line} ${w}`;
  }
  if (line.trim() !== '') lines.push(line);
  return lines.join('\n');
}
