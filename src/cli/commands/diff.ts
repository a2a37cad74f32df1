import { diffProfiles } from '../../analyze/diff.js';
import { Dict } from '../../model/dict.js';
import { diffJson, renderDiffMarkdown, renderDiffTable } from '../../render/diff.js';
import type { Io } from '../io.js';
import { loadProfile } from '../load.js';
import {
  intOption, maxDecompressed, outputTarget, sizeOption, toSelection,
  type RawOutputOptions, type RawSelectionOptions,
} from '../options.js';

export interface DiffCommandOptions extends RawSelectionOptions, RawOutputOptions {
  normalize?: boolean;
  top?: string;
  minDelta?: string;
  cum?: boolean;
}

export async function diffCommand(io: Io, basePath: string, headPath: string, o: DiffCommandOptions): Promise<number> {
  const selection = toSelection(o);
  const top = intOption(o.top, '--top', 20);
  const minDelta = o.minDelta === undefined ? 0 : sizeOption(o.minDelta, '--min-delta');
  const out = outputTarget(io, o);
  const dict = new Dict();
  const load = { maxDecompressed: maxDecompressed(o) };
  const base = await loadProfile(io, basePath, dict, load);
  const head = await loadProfile(io, headPath, dict, load);
  const res = diffProfiles(base, head, {
    selection, sampleType: o.sampleType, normalize: o.normalize === true, top, minDelta, sortByCum: o.cum === true,
  });
  if (res.base.total === 0 && res.head.total === 0 && (selection.focus.length + selection.ignore.length + selection.tags.length) > 0) {
    io.stderr.write('pprof-diff: warning: no sample matched --focus, --ignore and --tag in either profile\n');
  }
  const text = out.format === 'json'
    ? JSON.stringify(diffJson(res), null, 2) + '\n'
    : out.format === 'markdown' ? renderDiffMarkdown(res) : renderDiffTable(res, { style: out.style, width: out.width });
  await out.emit(io, text);
  return 0;
}
