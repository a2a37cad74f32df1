import { UsageError } from '../errors/index.js';
import { topOwnFrame, type Frame } from '../model/dict.js';

/**
 * One allow-list entry. `any` patterns exempt a stack when any frame's
 * function name matches (goleak's IgnoreAnyFunction); `top` patterns only
 * look at the top non-runtime frame (goleak's IgnoreTopFunction), the
 * function a goroutine is parked in or an allocation was made by.
 */
export interface AllowPattern {
  readonly re: RegExp;
  readonly top: boolean;
  /** The pattern as written. */
  readonly source: string;
  /** Where it came from, for reports: `--allow`, `--allow-top`, `allow.txt:3`. */
  readonly origin: string;
}

function compile(src: string, option: string, subject?: string): RegExp {
  try {
    return new RegExp(src);
  } catch (e) {
    throw new UsageError(`invalid ${option} regex ${JSON.stringify(src)}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
      subject === undefined ? {} : { subject });
  }
}

export function allowFromOptions(allow: readonly string[], allowTop: readonly string[]): AllowPattern[] {
  return [
    ...allow.map((s) => ({ re: compile(s, '--allow'), top: false, source: s, origin: '--allow' })),
    ...allowTop.map((s) => ({ re: compile(s, '--allow-top'), top: true, source: s, origin: '--allow-top' })),
  ];
}

/**
 * An allow-list file: one regex a line; `top:` before a pattern makes it a
 * top-frame pattern; lines starting with `#` and blank lines are ignored, and
 * so is a trailing comment (white space, then `#` to the end of the line);
 * surrounding white space is trimmed (a pattern that needs a space or a
 * `#` after one can use `\x20` and `\x23`).
 */
export function parseAllowlist(text: string, file: string): AllowPattern[] {
  const out: AllowPattern[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const top = line.startsWith('top:');
    const src = top ? line.slice(4).trim() : line;
    const where = `${file}:${i + 1}`;
    if (src === '') throw new UsageError('empty pattern after top:', { subject: where });
    out.push({ re: compile(src, 'allow-list', where), top, source: src, origin: where });
  });
  return out;
}

export { topOwnFrame } from '../model/dict.js';

/** The first pattern that exempts a stack (frames leaf first), or null. */
export function matchAllow(frames: readonly Frame[], patterns: readonly AllowPattern[]): AllowPattern | null {
  if (patterns.length === 0) return null;
  const top = topOwnFrame(frames);
  for (const p of patterns) {
    if (p.top) {
      if (top !== null && p.re.test(top.function)) return p;
    } else if (frames.some((f) => p.re.test(f.function))) return p;
  }
  return null;
}

/** "--allow-top main\.handleMatch\.func1", "allow.txt:3 top:main\.x". */
export function describeAllow(p: AllowPattern): string {
  if (p.origin.startsWith('--')) return `${p.origin} ${p.source}`;
  return `${p.origin} ${p.top ? 'top:' : ''}${p.source}`;
}
