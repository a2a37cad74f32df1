import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { formatError, PprofDiffError, UsageError } from '../errors/index.js';
import { nodeIo, type Io } from './io.js';
import { addOutputOptions, addSelectionOptions } from './options.js';
import { registerTrend } from './commands/trend-cli.js';
import { registerCheck } from './commands/check-cli.js';
import { registerCapture } from './commands/capture-cli.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export type Action = (...args: unknown[]) => Promise<number>;
/** Wraps a command action so that its exit code is recorded. */
export type RunWrapper = (fn: Action) => (...args: unknown[]) => Promise<void>;

/**
 * Builds the command table. Each action converts its options and lazily
 * imports its command module; the exit code it returns is recorded in
 * `result`.
 */
function buildProgram(io: Io, result: { code: number }): Command {
  const program = new Command('pprof-diff');
  const run = (fn: Action) => async (...args: unknown[]) => {
    result.code = await fn(...args);
  };
  program
    .description('Find what keeps growing in a Go service: compare pprof heap and goroutine profiles.')
    .version(version(), '-V, --version', 'print the version')
    .option('--debug', 'show stack traces of internal errors')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .addHelpText('after', `
Examples:
  pprof-diff heap-0600.pb.gz heap-1200.pb.gz          what grew between two heap snapshots
  pprof-diff show goroutine.pb.gz                      what a profile holds
Exit codes: 0 ran and nothing failed, 1 a gate failed, 2 no verdict (bad usage or input).`);

  const diff = program
    .command('diff', { isDefault: true })
    .description('rank what grew between two snapshots (the default command)')
    .argument('<base>', 'the earlier profile')
    .argument('<head>', 'the later profile');
  addSelectionOptions(diff);
  diff
    .option('--normalize', "scale head so that its total equals base's (as pprof -normalize)")
    .option('-n, --top <N>', 'rows to show; 0 shows all', '20')
    .option('--min-delta <value>', 'leave out rows whose change is smaller (e.g. 1MiB, 512KB, 5)')
    .option('--cum', 'at function/file/line granularity, rank by cum instead of flat');
  addOutputOptions(diff);
  diff.addHelpText('after', `
Examples:
  pprof-diff heap-base.pb.gz heap-head.pb.gz
  pprof-diff -g function --min-delta 1MiB heap-0600.pb.gz heap-1200.pb.gz
  pprof-diff -t goroutine --tag handler=match goroutine-a.pb.gz goroutine-b.pb.gz -f json`);
  diff.action(run(async (base, head, opts) => {
    const m = await import('./commands/diff.js');
    return m.diffCommand(io, base as string, head as string, opts as never);
  }));

  const show = program
    .command('show')
    .description("one profile's sample types, time, totals and top stacks (like pprof -top)")
    .argument('<profile>', 'a profile file');
  addSelectionOptions(show);
  show
    .option('-n, --top <N>', 'rows to show; 0 shows all', '20')
    .option('--cum', 'at function/file/line granularity, rank by cum instead of flat');
  addOutputOptions(show);
  show.addHelpText('after', `
Examples:
  pprof-diff show heap.pb.gz
  pprof-diff show -g function -t alloc_space heap.pb.gz`);
  show.action(run(async (path, opts) => {
    const m = await import('./commands/show.js');
    return m.showCommand(io, path as string, opts as never);
  }));

  // ---- trend ----------------------------------------------------------------
  // (registered by registerTrend in commands/trend-cli.ts)
  registerTrend(program, io, run);

  // ---- check ----------------------------------------------------------------
  registerCheck(program, io, run);

  // ---- capture ----------------------------------------------------------------
  registerCapture(program, io, run);

  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: readonly string[], io: Io = nodeIo()): Promise<number> {
  const debug = argv.includes('--debug');
  const result = { code: 0 };
  const program = buildProgram(io, result);
  let usageMessage: string | null = null;
  const applyOutput = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Commander's own usage errors are re-worded into ours (exit 2).
      outputError: (s) => {
        usageMessage = s.replace(/^error: /, '').trim();
      },
    });
    for (const sub of cmd.commands) applyOutput(sub);
  };
  applyOutput(program);
  if (argv.length === 0) {
    // No arguments: the help, on stderr, and no verdict.
    io.stderr.write(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      const msg: string = usageMessage ?? e.message.replace(/^error: /, '');
      const err = new UsageError(msg, { hint: 'see pprof-diff --help, or pprof-diff <command> --help' });
      io.stderr.write(formatError(err, false));
      return 2;
    }
    io.stderr.write(formatError(e, debug));
    if (e instanceof PprofDiffError) return 2;
    return 2;
  }
}

/** The bin entry: sets process.exitCode (never process.exit) so piped output is not cut. */
export async function run(): Promise<void> {
  // A reader that goes away (`| head`) is not an error of ours: stop quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw e;
    });
  }
  // Node exits 1 on an uncaught error; 1 means "a gate failed", so a crash
  // that escapes main() must still exit 2.
  const crash = (e: unknown): void => {
    try {
      process.stderr.write(formatError(e, process.argv.includes('--debug')));
    } finally {
      process.exit(2);
    }
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  process.exitCode = await main(process.argv.slice(2));
}
