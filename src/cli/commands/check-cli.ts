import { Option, type Command } from 'commander';
import type { Io } from '../io.js';
import type { RunWrapper } from '../main.js';
import { addOutputOptions, collect } from '../options.js';
import { addTrendOptions } from './trend-cli.js';

/** Declares the `check` command (options, help, action). */
export function registerCheck(program: Command, io: Io, run: RunWrapper): void {
  const cmd = program
    .command('check')
    .description('the CI gate: fail (exit 1) when goroutines or heap keep growing, over a pair or a series of snapshots')
    .argument('<paths...>', 'two profile files (a pair), or directories / 3 or more files (a series)');
  addTrendOptions(cmd);
  cmd
    .option('--max-goroutine-growth <n>', 'fail when total goroutines grow by more than <n> (last minus first)')
    .option('--max-stack-goroutine-growth <n>', 'fail when any one stack gains more than <n> goroutines')
    .option('--max-heap-growth <size|pct>', 'fail when total inuse_space grows by more than this (e.g. 10MiB, or 5% of the first snapshot\'s total)')
    .option('--max-stack-heap-growth <size|pct>', 'fail when any one stack\'s inuse_space grows by more than this')
    .addOption(new Option('--fail-on <verdict>', 'series: the trend verdict that fails a stack (growing also fails on leak) (default: leak)').choices(['leak', 'growing']))
    .option('--min-snapshots <n>', 'series: fewer snapshots than this is no verdict, exit 2 (default: 5, the fewest for which the trend test can reach p < 0.05)')
    .option('--allow <regex>', 'exempt stacks with any frame whose function matches (repeatable)', collect)
    .option('--allow-top <regex>', 'exempt stacks whose top non-runtime frame matches (repeatable)', collect)
    .option('--allowlist <file>', 'exempt stacks matching the patterns in <file>: one regex a line, `top:` prefix for top-frame patterns, # comments')
    .option('--report-only', 'report, but exit 0 even when a rule fails (still 2 on bad input)')
    .option('--junit <file>', 'also write a JUnit XML report to <file>: one testcase per rule')
    .option('--markdown <file>', 'also append the markdown report to <file> (e.g. "$GITHUB_STEP_SUMMARY")')
    .option('--github', 'also print GitHub Actions ::error annotations at the leaking frame\'s file:line (on stdout, before the report)')
    .option('--path-map <from=to>', 'rewrite profile file paths for annotations, e.g. leakysvc/=fixtures/leakysvc/ (repeatable)', collect);
  addOutputOptions(cmd);
  cmd.addHelpText('after', `
Pair (exactly two files, both goroutine or both heap profiles): at least one
--max-* threshold is required. Series (directories, or 3 or more files): fails
when a stack's trend verdict is leak (--fail-on growing: leak or growing);
thresholds, if given, also apply to the first → last change. A threshold that
applies to none of the profiles given is a usage error.

Exit codes: 0 every rule passed, 1 a rule failed, 2 no verdict (bad usage or
input, or fewer than --min-snapshots snapshots).

Examples:
  pprof-diff check snapshots/                                   fail on any leaking stack
  pprof-diff check snapshots/ --allow-top 'main\\.knownLeak$' --junit check.xml
  pprof-diff check goroutine-a.pb.gz goroutine-b.pb.gz --max-goroutine-growth 10
  pprof-diff check heap-a.pb.gz heap-b.pb.gz --max-heap-growth 5% --max-stack-heap-growth 4MiB
  pprof-diff check snapshots/ --github --markdown "$GITHUB_STEP_SUMMARY"`);
  cmd.action(run(async (paths, opts) => {
    const m = await import('./check.js');
    return m.checkCommand(io, paths as string[], opts as never);
  }));
}
