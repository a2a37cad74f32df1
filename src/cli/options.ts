import { Option, type Command } from 'commander';
import { GRANULARITIES, type Granularity, type Selection, type TagFilter } from '../analyze/select.js';
import { UsageError } from '../errors/index.js';
import { DEFAULT_MAX_DECOMPRESSED } from '../decode/index.js';
import { parseDuration, parseSize } from '../model/units.js';
import { makeStyle, useColor, type Style } from '../render/style.js';
import type { Io } from './io.js';

export type Format = 'table' | 'json' | 'markdown';

/** Commander reducer for a repeatable option. */
export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Options for choosing what to look at: diff, show, trend, check. */
export function addSelectionOptions(cmd: Command, { granularity = true } = {}): Command {
  cmd.option('-t, --sample-type <type>', 'sample type: inuse_space, inuse_objects, alloc_space, alloc_objects, goroutine, ... (default: the profile\'s default)');
  if (granularity) {
    cmd.addOption(new Option('-g, --granularity <level>', 'aggregate by stack, function, file or line').choices(GRANULARITIES as string[]).default('stack'));
  }
  return cmd
    .option('--focus <regex>', 'keep only samples with a frame whose function or file matches (repeatable)', collect)
    .option('--ignore <regex>', 'drop samples with a frame whose function or file matches (repeatable)', collect)
    .option('--hide <regex>', 'remove matching frames from stacks (repeatable)', collect)
    .option('--tag <key=regex>', 'keep only samples whose label <key> matches <regex> (repeatable)', collect)
    .option('--keep-profiler', "keep the profiler's own goroutine in goroutine profiles")
    .option('--min-wait <duration>', 'goroutine ?debug=2 dumps: count only goroutines blocked at least this long (e.g. 30m)')
    .option('--max-decompressed <size>', 'refuse gzip streams that inflate past this size', '1GiB');
}

export function addOutputOptions(cmd: Command, formats: readonly Format[] = ['table', 'json', 'markdown']): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format').choices(formats as string[]).default('table'))
    .option('-o, --output <file>', 'write the report to <file> instead of stdout')
    .option('--color', 'colour the output even when not on a terminal')
    .option('--no-color', 'never colour the output (NO_COLOR is honoured too)');
}

export interface RawSelectionOptions {
  sampleType?: string;
  granularity?: string;
  focus?: string[];
  ignore?: string[];
  hide?: string[];
  tag?: string[];
  keepProfiler?: boolean;
  maxDecompressed?: string;
  minWait?: string;
}

export function regex(src: string, option: string): RegExp {
  try {
    return new RegExp(src);
  } catch (e) {
    throw new UsageError(`invalid ${option} regex ${JSON.stringify(src)}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

export function toSelection(o: RawSelectionOptions): Selection {
  const tags: TagFilter[] = (o.tag ?? []).map((t) => {
    const eq = t.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid --tag ${JSON.stringify(t)}`, { hint: 'use --tag key=regex, e.g. --tag handler=match' });
    return { key: t.slice(0, eq), re: regex(t.slice(eq + 1), '--tag') };
  });
  return {
    granularity: (o.granularity ?? 'stack') as Granularity,
    focus: (o.focus ?? []).map((r) => regex(r, '--focus')),
    ignore: (o.ignore ?? []).map((r) => regex(r, '--ignore')),
    hide: (o.hide ?? []).map((r) => regex(r, '--hide')),
    tags,
    keepProfiler: o.keepProfiler === true,
    minWaitMinutes: minWaitOption(o.minWait),
  };
}

function minWaitOption(v: string | undefined): number {
  if (v === undefined) return 0;
  const ms = parseDuration(v);
  if (ms === null) throw new UsageError(`invalid --min-wait ${JSON.stringify(v)}`, { hint: 'e.g. --min-wait 30m, --min-wait 2h' });
  return ms / 60_000;
}

export function sizeOption(v: string, option: string): number {
  const n = parseSize(v);
  if (n === null) throw new UsageError(`invalid ${option} ${JSON.stringify(v)}`, { hint: 'give a number with an optional unit: 512, 64KiB, 1.5MiB, 2GiB, 100MB' });
  return n;
}

export function maxDecompressed(o: RawSelectionOptions): number {
  return o.maxDecompressed === undefined ? DEFAULT_MAX_DECOMPRESSED : sizeOption(o.maxDecompressed, '--max-decompressed');
}

export function intOption(v: string | undefined, option: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`invalid ${option} ${JSON.stringify(v)}: expected a whole number`);
  return Number(v);
}

export interface RawOutputOptions {
  format?: string;
  output?: string;
  color?: boolean;
}

export interface OutputTarget {
  format: Format;
  style: Style;
  width: number;
  emit(io: Io, text: string): Promise<void>;
}

/** Decides colour and width once; reports go to stdout or --output. */
export function outputTarget(io: Io, o: RawOutputOptions): OutputTarget {
  const toFile = o.output !== undefined;
  const color = o.format === 'table' && useColor({ flag: o.color, env: io.env, isTTY: !toFile && io.stdout.isTTY });
  const envCols = Number(io.env['COLUMNS']);
  const width = io.stdout.isTTY && !toFile && io.stdout.columns ? io.stdout.columns : Number.isFinite(envCols) && envCols > 40 ? envCols : 120;
  return {
    format: (o.format ?? 'table') as Format,
    style: makeStyle(color),
    width,
    async emit(io2: Io, text: string) {
      if (toFile) {
        try {
          await io2.writeFile(o.output!, text);
        } catch (e) {
          throw new UsageError(`cannot write the report: ${(e as Error).message}`, { subject: o.output });
        }
      } else io2.stdout.write(text);
    },
  };
}
