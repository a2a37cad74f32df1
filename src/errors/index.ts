/**
 * Typed errors. Only the CLI entry point maps them to exit codes and text;
 * everything below it throws these and never touches `process`.
 *
 * Exit codes (the contract for every command):
 *   0 ran and nothing failed
 *   1 a gate threshold was exceeded (never produced by an error)
 *   2 no verdict: usage, unreadable or malformed input, incompatible
 *     profiles, internal error
 */

export abstract class PprofDiffError extends Error {
  /** The input the problem is about (a file, URL or option), if any. */
  readonly subject: string | undefined;
  /** One line telling the user what to do about it. */
  readonly hint: string | undefined;
  abstract readonly kind: 'input' | 'usage' | 'internal';

  constructor(message: string, opts: { subject?: string | undefined; hint?: string | undefined; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.subject = opts.subject;
    this.hint = opts.hint;
  }
}

/** The input cannot be read or is not a valid profile (exit 2). */
export class InputError extends PprofDiffError {
  readonly kind = 'input' as const;
  override name = 'InputError';

  /** The same error, about another subject (e.g. once the file name is known). */
  withSubject(subject: string): InputError {
    if (this.subject !== undefined) return this;
    const e = new InputError(this.message, { subject, hint: this.hint, cause: this.cause });
    if (this.stack !== undefined) e.stack = this.stack;
    return e;
  }
}

/** Bad command line: unknown option, bad value, missing argument (exit 2). */
export class UsageError extends PprofDiffError {
  readonly kind = 'usage' as const;
  override name = 'UsageError';
}

/** Profiles that cannot be compared, e.g. heap against goroutine (exit 2). */
export class IncompatibleError extends PprofDiffError {
  readonly kind = 'input' as const;
  override name = 'IncompatibleError';
}

/** A bug: something that should not happen (exit 2, never 1). */
export class InternalError extends PprofDiffError {
  readonly kind = 'internal' as const;
  override name = 'InternalError';
}

/** Formats an error as the one stderr line (plus an optional hint line). */
export function formatError(err: unknown, debug: boolean): string {
  const lines: string[] = [];
  if (err instanceof PprofDiffError) {
    const subject = err.subject !== undefined ? `${err.subject}: ` : '';
    lines.push(`pprof-diff: error: ${subject}${err.message}`);
    if (err.hint !== undefined) lines.push(`hint: ${err.hint}`);
    if (debug && err.stack !== undefined) lines.push(err.stack);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    lines.push(`pprof-diff: error: internal error: ${message}`);
    lines.push(debug && err instanceof Error && err.stack !== undefined
      ? err.stack
      : 'hint: this is a bug in pprof-diff; run again with --debug for a stack trace and report it');
  }
  return lines.join('\n') + '\n';
}
