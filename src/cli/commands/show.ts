import { showProfile } from '../../analyze/show.js';
import { Dict } from '../../model/dict.js';
import { renderShowMarkdown, renderShowTable, showJson } from '../../render/show.js';
import type { Io } from '../io.js';
import { loadProfile } from '../load.js';
import { intOption, maxDecompressed, outputTarget, toSelection, type RawOutputOptions, type RawSelectionOptions } from '../options.js';

export interface ShowCommandOptions extends RawSelectionOptions, RawOutputOptions {
  top?: string;
  cum?: boolean;
}

export async function showCommand(io: Io, path: string, o: ShowCommandOptions): Promise<number> {
  const selection = toSelection(o);
  const top = intOption(o.top, '--top', 20);
  const out = outputTarget(io, o);
  const p = await loadProfile(io, path, new Dict(), { maxDecompressed: maxDecompressed(o) });
  const res = showProfile(p, { selection, sampleType: o.sampleType, top, sortByCum: o.cum === true });
  if (res.total === 0 && (selection.focus.length + selection.ignore.length + selection.tags.length) > 0) {
    io.stderr.write('pprof-diff: warning: no sample matched --focus, --ignore and --tag\n');
  }
  const text = out.format === 'json'
    ? JSON.stringify(showJson(res), null, 2) + '\n'
    : out.format === 'markdown' ? renderShowMarkdown(res) : renderShowTable(res, { style: out.style, width: out.width });
  await out.emit(io, text);
  return 0;
}
