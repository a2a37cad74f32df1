import type { Command } from 'commander';
import type { Io } from '../io.js';
import type { RunWrapper } from '../main.js';
import { addOutputOptions, addSelectionOptions } from '../options.js';

/** Options trend and check share. */
export function addTrendOptions(cmd: Command): Command {
  addSelectionOptions(cmd);
  return cmd
    .option('--min-rate <rate>', 'slowest growth called a leak, e.g. 10/h, 1MiB/d (default: 5 goroutines or 256 KiB over the series)')
    .option('--alpha <p>', 'significance level of the trend test', '0.05')
    .option('--limit <size>', 'memory limit (e.g. 2GiB) to project when inuse_space reaches it')
    .option('--input-format <format>', 'where a target has several formats, use this one: proto, debug1, debug2, heap-text')
    .option('--skip-unreadable', 'leave out files that are not profiles instead of failing');
}

export function registerTrend(program: Command, io: Io, run: RunWrapper): void {
  const cmd = program
    .command('trend')
    .description('rank the stacks that keep growing across a series of snapshots')
    .argument('<paths...>', 'profile files, a directory of them, or a directory of per-target directories');
  addTrendOptions(cmd);
  cmd.option('-n, --top <N>', 'rows per series; 0 shows all', '10');
  addOutputOptions(cmd);
  cmd.addHelpText('after', `
Profiles are grouped per target (a directory; one per subdirectory) and kind
(heap, goroutine; told from the content), and ordered by their own timestamp.
Verdicts: leak, growing, plateau, stable, shrinking, insufficient-data.

Examples:
  pprof-diff trend snapshots/                    one target, or one per subdirectory
  pprof-diff trend snapshots/ --limit 2GiB       project when a pod reaches its limit
  pprof-diff trend pod-a/ pod-b/ -f json`);
  cmd.action(run(async (paths, opts) => {
    const m = await import('./trend.js');
    return m.trendCommand(io, paths as string[], opts as never);
  }));
}
