import { TrendBuilder, type TrendResult } from '../../analyze/trend.js';
import { InputError, UsageError } from '../../errors/index.js';
import { Dict } from '../../model/dict.js';
import type { SourceFormat } from '../../model/profile.js';
import { parseSize } from '../../model/units.js';
import { renderTrendMarkdown, renderTrendTable, trendJson } from '../../render/trend.js';
import { discoverTargets } from '../discover.js';
import type { Io } from '../io.js';
import { loadProfileAndTime } from '../load.js';
import {
  intOption, maxDecompressed, outputTarget, sizeOption, toSelection,
  type RawOutputOptions, type RawSelectionOptions,
} from '../options.js';

export interface TrendCommandOptions extends RawSelectionOptions, RawOutputOptions {
  top?: string;
  minRate?: string;
  limit?: string;
  alpha?: string;
  skipUnreadable?: boolean;
  inputFormat?: string;
}

const INPUT_FORMATS: Record<string, SourceFormat> = {
  proto: 'proto',
  debug1: 'goroutine-debug1',
  debug2: 'goroutine-debug2',
  'heap-text': 'heap-text',
};

/** "10/h", "1MiB/d", "250/d", "5" (per hour) → value per hour. */
export function parseRate(s: string): number | null {
  const m = /^(.+?)(?:\/(s|m|min|h|d))?$/.exec(s.trim());
  if (m === null) return null;
  const v = parseSize(m[1]!);
  if (v === null) return null;
  const per = { s: 1 / 3600, m: 1 / 60, min: 1 / 60, h: 1, d: 24 }[m[2] ?? 'h']!;
  return v / per;
}

export interface TrendRun {
  result: TrendResult;
  skipped: string[];
}

/** Streams every file of every target through a TrendBuilder; shared with `check`. */
export async function runTrend(io: Io, paths: readonly string[], o: TrendCommandOptions): Promise<TrendRun> {
  const selection = toSelection(o);
  const top = intOption(o.top, '--top', 10);
  let minRatePerHour: number | undefined;
  if (o.minRate !== undefined) {
    const r = parseRate(o.minRate);
    if (r === null) throw new UsageError(`invalid --min-rate ${JSON.stringify(o.minRate)}`, { hint: 'e.g. --min-rate 10/h, --min-rate 1MiB/d, --min-rate 250/d' });
    minRatePerHour = r;
  }
  const limitBytes = o.limit === undefined ? undefined : sizeOption(o.limit, '--limit');
  let alpha: number | undefined;
  if (o.alpha !== undefined) {
    alpha = Number(o.alpha);
    if (!(alpha > 0 && alpha < 1)) throw new UsageError(`invalid --alpha ${JSON.stringify(o.alpha)}: expected a number between 0 and 1, e.g. 0.01`);
  }
  const minWaitMinutes = selection.minWaitMinutes ?? 0;
  let inputFormat: SourceFormat | undefined;
  if (o.inputFormat !== undefined) {
    inputFormat = INPUT_FORMATS[o.inputFormat];
    if (inputFormat === undefined) throw new UsageError(`invalid --input-format ${JSON.stringify(o.inputFormat)}`, { hint: `one of: ${Object.keys(INPUT_FORMATS).join(', ')}` });
  }
  const maxBytes = maxDecompressed(o);
  const targets = await discoverTargets(io, paths);
  const dict = new Dict();
  const builder = new TrendBuilder(dict, {
    selection, sampleType: o.sampleType, top, minRatePerHour, limitBytes, minWaitMinutes, inputFormat,
    ...(alpha !== undefined ? { alpha } : {}),
  });
  const skipped: string[] = [];
  let loaded = 0;
  for (const t of targets) {
    for (const file of t.files) {
      let loadedFile;
      try {
        loadedFile = await loadProfileAndTime(io, file, dict, { maxDecompressed: maxBytes });
      } catch (e) {
        if (o.skipUnreadable === true && e instanceof InputError) {
          skipped.push(`${file}: ${e.message}`);
          continue;
        }
        if (e instanceof InputError && e.hint === undefined) {
          throw new InputError(e.message, { subject: e.subject, hint: 'use --skip-unreadable to leave out files that are not profiles' });
        }
        throw e;
      }
      // Fold, then let the profile go: memory stays bounded by the series.
      builder.add(t.target, loadedFile.profile, loadedFile.mtimeMs);
      loaded++;
    }
  }
  if (loaded === 0) throw new InputError('no readable profiles', { subject: paths.join(' '), hint: 'point at directories of snapshots written by `pprof-diff capture`' });
  return { result: builder.result(), skipped };
}

export async function trendCommand(io: Io, paths: string[], o: TrendCommandOptions): Promise<number> {
  const out = outputTarget(io, o);
  const { result, skipped } = await runTrend(io, paths, o);
  for (const s of skipped) io.stderr.write(`pprof-diff: warning: skipped ${s}\n`);
  const g = o.granularity ?? 'stack';
  const text = out.format === 'json'
    ? JSON.stringify({ ...(trendJson(result, g) as object), skipped }, null, 2) + '\n'
    : out.format === 'markdown' ? renderTrendMarkdown(result, g) : renderTrendTable(result, { style: out.style, width: out.width, granularity: g });
  await out.emit(io, text);
  return 0;
}
