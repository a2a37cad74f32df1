import type { Dict, Frame } from '../../model/dict.js';
import type { Profile } from '../../model/profile.js';
import { ProfileBuilder } from '../../model/builder.js';
import { COUNT_LINE, LABELS_PREFIX, LineScanner, clip, failAt, parseLabelsLine, parseSymbolLine } from './lines.js';

/*
 * Goroutine profile, `?debug=1` (runtime/pprof printCountProfile):
 *
 *   goroutine profile: total 22
 *   9 @ 0x439976 0x44973c 0x68136c 0x4697c1
 *   # labels: {"handler":"match", "region":"us"}
 *   #	0x68136b	main.handleMatch.func1+0x10b	leakysvc/main.go:130
 *   <blank line>
 *
 * One group per distinct (pcs, labels), like the samples of the protobuf
 * form. The symbol lines come from printStackRecord, which expands inlined
 * calls into one line per logical frame (several lines for one pc), leaf
 * first, exactly as the protobuf writer expands a location into lines; so
 * frames come out as the protobuf decoder produces them. Two differences
 * remain, both from printStackRecord: it hides the runtime.* frames at the
 * leaf end (runtime.gopark, runtime.selectgo, ...; all of them are shown when
 * the stack has nothing else) and runtime.goexit (the protobuf writer drops
 * goexit too). See compat.ts for mapping a protobuf stack to this form.
 *
 * The result: sample type goroutine/count, period type goroutine/count,
 * period 1 (as the protobuf form), declaredTotal from the header. The
 * addresses are not kept: they are per binary.
 */
export function parseGoroutineDebug1(buf: Uint8Array, dict: Dict, source: string): Profile {
  const sc = new LineScanner(buf);
  if (!sc.next()) failAt(1, 'empty goroutine profile');
  const header = /^(\w+) profile: total (\d+)$/.exec(sc.text());
  if (header === null) failAt(1, `expected "goroutine profile: total N", got ${JSON.stringify(clip(sc.text()))}`);
  const name = header[1]!;
  const declared = Number(header[2]);
  const vt = { type: name, unit: 'count' };
  const b = new ProfileBuilder(dict, {
    source,
    format: 'goroutine-debug1',
    sampleTypes: [vt],
    periodType: vt,
    period: 1,
    timeNanos: null,
    declaredTotal: declared,
  });

  // The group being read.
  let open = false;
  let count = 0;
  let nAddrs = 0;
  let groupLine = 0;
  let labels: Array<[string, string]> = [];
  let frames: Frame[] = [];
  let sum = 0;

  const close = (): void => {
    if (!open) return;
    if (frames.length === 0 && nAddrs > 0) {
      failAt(sc.line, `expected "#\\t0x..." symbol line after the group at line ${groupLine}`);
    }
    b.add(frames, [count], labels);
    sum += count;
    open = false;
  };

  while (sc.next()) {
    if (sc.empty) {
      close();
      continue;
    }
    const text = sc.text();
    if (text.charCodeAt(0) === 0x23 /* # */) {
      if (!open) failAt(sc.line, `"#" line outside a group (expected "N @ 0x..."): ${JSON.stringify(clip(text))}`);
      if (text.startsWith(LABELS_PREFIX)) {
        // printCountProfile writes it right after the "N @" line.
        if (frames.length > 0 || labels.length > 0) failAt(sc.line, 'labels line after symbol lines');
        labels = parseLabelsLine(text, sc.line);
        continue;
      }
      const f = parseSymbolLine(text, sc.line);
      // A last line cut short may still look like an unsymbolized "#\t0x..." line.
      if (!sc.terminated && f.file === '') failAt(sc.line, 'file ends in the middle of a symbol line (truncated?)');
      frames.push(f);
      continue;
    }
    const m = COUNT_LINE.exec(text);
    if (m === null) failAt(sc.line, `expected "N @ 0x..." group line, got ${JSON.stringify(clip(text))}`);
    close();
    open = true;
    count = Number(m[1]);
    nAddrs = m[2]!.length === 0 ? 0 : m[2]!.trim().split(' ').length;
    groupLine = sc.line;
    labels = [];
    frames = [];
  }
  close();
  // printCountProfile writes total = the number of goroutines it grouped, so
  // the counts must add up to it; when they do not, groups are missing.
  if (sum !== declared) {
    failAt(sc.line, `group counts add up to ${sum} but the header says total ${declared} (truncated file?)`);
  }
  return b.build();
}
