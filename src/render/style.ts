import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Colour is decided once, by the CLI, and injected: renderers never look at
 * the terminal or the environment. chalk alone does not honour NO_COLOR.
 */
export interface Style {
  readonly color: boolean;
  grow(s: string): string;
  shrink(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  warn(s: string): string;
  ok(s: string): string;
  accent(s: string): string;
}

export interface ColorInputs {
  /** --color (true) / --no-color (false) / neither (undefined). */
  flag: boolean | undefined;
  env: Readonly<Record<string, string | undefined>>;
  isTTY: boolean;
}

/** --color/--no-color win; then NO_COLOR (any non-empty value), FORCE_COLOR; then the TTY. */
export function useColor({ flag, env, isTTY }: ColorInputs): boolean {
  if (flag !== undefined) return flag;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return isTTY;
}

export function makeStyle(color: boolean): Style {
  const c: ChalkInstance = new Chalk({ level: color ? 1 : 0 });
  return {
    color,
    grow: (s) => c.red(s),
    shrink: (s) => c.green(s),
    dim: (s) => c.dim(s),
    bold: (s) => c.bold(s),
    warn: (s) => c.yellow(s),
    ok: (s) => c.green(s),
    accent: (s) => c.cyan(s),
  };
}

export const PLAIN: Style = makeStyle(false);
