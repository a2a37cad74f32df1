import type { Dict, Frame } from '../../model/dict.js';
import type { GoroutineDetail, Profile } from '../../model/profile.js';
import { ProfileBuilder } from '../../model/builder.js';
import { CR, NL, TAB, clip, decodeRange, failAt } from './lines.js';

/*
 * Goroutine dump, `?debug=2` (runtime.Stack(buf, true) via
 * runtime/pprof.writeGoroutineStacks):
 *
 *   goroutine 79 [select, 42 minutes]:
 *   main.handleMatch.func1()
 *   	leakysvc/main.go:130 +0x10c
 *   created by main.handleMatch
 *   	leakysvc/main.go:124 +0x1a5
 *   <blank line>
 *
 * Header: `goroutine ID [state(, N minutes)(, locked to thread)]:`. Frames
 * are `func(args)` then `\tfile:line +0xoff` (no +0xoff for inlined frames),
 * leaf first. Then `created by func` (Go 1.21+: `created by func in
 * goroutine N`) and its own `\tfile:line`, absent for goroutine 1. Deep
 * stacks end with `...additional frames elided...` (100 frames), and
 * GODEBUG=tracebackancestors adds `[originating from goroutine N]:`
 * sections, which are skipped.
 *
 * Goroutines are grouped into one sample per distinct stack of (function,
 * file, line) frames; arguments, offsets and ids are not part of the key.
 * Decisions:
 *
 * - `created by` is NOT a frame. The protobuf goroutine profile (and
 *   debug=1) has no creator frame, and the issue asks for the same stacks,
 *   ranking and counts as the protobuf form; the outermost frame (the
 *   goroutine's entry function) already tells stacks apart in practice. The
 *   creator of the first goroutine of a group is kept in the detail as
 *   `createdBy` (see GoroutineDetailText).
 * - The traceback hides unexported runtime frames everywhere (gopark,
 *   selectgo, runtime.main, ...) and wrappers; the protobuf form keeps them
 *   (compat.ts maps a protobuf stack to what a debug=2 dump shows).
 * - Go stops writing at 64 MiB, mid-goroutine and mid-line. A dump of
 *   64 MiB whose last goroutine is cut (no final newline, or a function
 *   line without its file line) is read: the partial goroutine is dropped
 *   and a comment starting with "truncated:" says so (Profile.comments; the
 *   CLI prints it as a warning). A dump cut like that below 64 MiB lost its
 *   end in transit and is an error.
 * - `\tgoroutine running on other thread; stack unavailable` gives a
 *   goroutine with one synthetic frame "(stack unavailable)".
 *
 * Memory: the bytes are scanned in place. A frame is recognised by hashing
 * the bytes of its function name and file:line, so a string is decoded only
 * for each distinct frame; per goroutine only its id, state and wait time
 * are kept, in the group's detail.
 */

/** Go stops the dump here: runtime/pprof.writeGoroutineStacks "Filled 64 MB - stop there." */
export const GOROUTINE_DUMP_LIMIT = 64 << 20;

/** The detail of a debug=2 group, plus the creator (not a frame: see above). */
export interface GoroutineDetailText extends GoroutineDetail {
  /** `created by` of the group's first goroutine; null for goroutine 1 or when absent. */
  readonly createdBy: Frame | null;
}

const SP = 32;
const LPAREN = 40;
const RPAREN = 41;
const COLON = 58;
const LBRACKET = 91;

const GOROUTINE = bytesOf('goroutine ');
const CREATED_BY = bytesOf('created by ');
const IN_GOROUTINE = bytesOf(' in goroutine ');
const ELIDED = bytesOf('...additional frames elided...');
const ORIGINATING = bytesOf('[originating from goroutine ');
const UNAVAILABLE = bytesOf('\tgoroutine running on other thread');

function bytesOf(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function startsWith(buf: Uint8Array, at: number, end: number, p: Uint8Array): boolean {
  if (end - at < p.length) return false;
  for (let i = 0; i < p.length; i++) if (buf[at + i] !== p[i]) return false;
  return true;
}

/**
 * Frames keyed by their bytes: (function name range, file:line range) of
 * the first occurrence → Dict frame id. Open addressing over typed arrays.
 */
class FrameTable {
  private readonly buf: Uint8Array;
  private readonly dict: Dict;
  private table = new Int32Array(1 << 12).fill(-1);
  private hashes = new Uint32Array(1 << 11);
  // per entry: fnStart, fnEnd, locStart, locEnd (offsets into buf)
  private ranges = new Int32Array(4 << 11);
  private ids = new Uint32Array(1 << 11);
  private n = 0;

  constructor(buf: Uint8Array, dict: Dict) {
    this.buf = buf;
    this.dict = dict;
  }

  /** Dict frame id of function buf[fa,fb) at file:line buf[la,lb) (lb is just after the line digits; colon is the ':'). */
  intern(fa: number, fb: number, la: number, colon: number, lb: number, line: number): number {
    const buf = this.buf;
    let h = 0x811c9dc5;
    for (let i = fa; i < fb; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    h = Math.imul(h ^ 0xff, 0x01000193);
    for (let i = la; i < lb; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    h >>>= 0;
    const mask = this.table.length - 1;
    let slot = h & mask;
    for (;;) {
      const e = this.table[slot]!;
      if (e < 0) break;
      if (this.hashes[e] === h) {
        const r = e * 4;
        const ea = this.ranges[r]!;
        const eb = this.ranges[r + 1]!;
        const ela = this.ranges[r + 2]!;
        const elb = this.ranges[r + 3]!;
        if (eb - ea === fb - fa && elb - ela === lb - la && sameBytes(buf, ea, fa, fb - fa) && sameBytes(buf, ela, la, lb - la)) {
          return this.ids[e]!;
        }
      }
      slot = (slot + 1) & mask;
    }
    const fn = decodeRange(buf, fa, fb, line);
    const file = decodeRange(buf, la, colon, line);
    const lineNo = parseDigits(buf, colon + 1, lb);
    const id = this.dict.internFrame(fn, file, lineNo);
    const e = this.n++;
    if (e >= this.hashes.length) this.grow();
    this.hashes[e] = h;
    this.ranges.set([fa, fb, la, lb], e * 4);
    this.ids[e] = id;
    this.table[slot] = e;
    if (this.n * 2 > this.table.length) this.rehash();
    return id;
  }

  private grow(): void {
    const n = this.hashes.length * 2;
    const h = new Uint32Array(n);
    h.set(this.hashes);
    this.hashes = h;
    const r = new Int32Array(n * 4);
    r.set(this.ranges);
    this.ranges = r;
    const ids = new Uint32Array(n);
    ids.set(this.ids);
    this.ids = ids;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let e = 0; e < this.n; e++) {
      let slot = this.hashes[e]! & mask;
      while (table[slot]! >= 0) slot = (slot + 1) & mask;
      table[slot] = e;
    }
    this.table = table;
  }
}

function sameBytes(buf: Uint8Array, a: number, b: number, len: number): boolean {
  if (a === b) return true;
  for (let i = 0; i < len; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

function parseDigits(buf: Uint8Array, a: number, b: number): number {
  let v = 0;
  for (let i = a; i < b; i++) v = v * 10 + (buf[i]! - 48);
  return v;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

/**
 * Finds `file:line` in a `\tfile:line +0xoff` line (the offset, and with
 * GOTRACEBACK=system ` fp=... sp=... pc=...`, may follow). Returns the index
 * of the ':' and the end of the digits, or null. The first ':' followed by
 * digits and then the end or a space wins, so `C:/x.go:12` works.
 */
function findFileLine(buf: Uint8Array, a: number, b: number): [number, number] | null {
  for (let i = a; i < b; i++) {
    if (buf[i] !== COLON || !isDigit(buf[i + 1])) continue;
    let j = i + 1;
    while (j < b && isDigit(buf[j])) j++;
    if (j === b || buf[j] === SP) return i > a ? [i, j] : null;
  }
  return null;
}

interface Group {
  readonly ids: number[];
  readonly waitMinutes: number[];
  readonly states: Record<string, number>;
  readonly createdBy: Frame | null;
}

export function parseGoroutineDebug2(buf: Uint8Array, dict: Dict, source: string): Profile {
  const frames = new FrameTable(buf, dict);
  const len = buf.length;

  // Per goroutine being read.
  let inG = false;
  let gid = 0;
  let gLine = 0;
  let gState = '';
  let gWait = 0;
  let depth = 0;
  let stack = new Uint32Array(128);
  let creator = -1; // Dict frame id of the `created by` frame
  let cutLine = false; // stopped at a last line cut short
  let pendingFn = -1; // start of a function line waiting for its file line
  let pendingFnEnd = -1;
  let pendingCreator = false;
  let skipAncestors = false;

  const groups = new Map<number, Group>(); // Dict stack id → group (insertion order = first seen)
  const states = new Map<string, string>(); // header bytes → state (a few distinct values)
  let goroutines = 0;

  const push = (id: number): void => {
    if (depth === stack.length) {
      const s = new Uint32Array(depth * 2);
      s.set(stack);
      stack = s;
    }
    stack[depth++] = id;
  };

  const finish = (): void => {
    if (!inG) return;
    inG = false;
    const sid = dict.internStack(stack, depth);
    let g = groups.get(sid);
    if (g === undefined) {
      g = { ids: [], waitMinutes: [], states: {}, createdBy: creator < 0 ? null : dict.frame(creator) };
      groups.set(sid, g);
    }
    g.ids.push(gid);
    g.waitMinutes.push(gWait);
    g.states[gState] = (g.states[gState] ?? 0) + 1;
    goroutines++;
  };

  let pos = 0;
  let line = 0;
  let start = 0;
  let end = 0;
  while (pos < len) {
    start = pos;
    let nl = buf.indexOf(NL, pos);
    if (nl < 0) nl = len;
    pos = nl + 1;
    // Only a last line without its newline can be a cut line: Go writes whole lines.
    const last = nl === len;
    end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    line++;
    if (end === start) {
      // Blank line: between goroutines.
      if (pendingFn >= 0 || pendingCreator) failAt(line, `expected "\\tfile:line" after line ${line - 1}, got a blank line`);
      finish();
      skipAncestors = false;
      continue;
    }
    const c0 = buf[start]!;
    if (c0 === TAB) {
      if (!inG) failAt(line, `file:line line outside a goroutine: ${JSON.stringify(clip(decodeRange(buf, start, end, line)))}`);
      if (skipAncestors) continue;
      if (pendingFn < 0 && !pendingCreator) {
        if (startsWith(buf, start, end, UNAVAILABLE)) {
          push(dict.internFrame('(stack unavailable)', '', 0));
          continue;
        }
        failAt(line, `file:line line without a function line before it: ${JSON.stringify(clip(decodeRange(buf, start, end, line)))}`);
      }
      const fl = findFileLine(buf, start + 1, end);
      if (fl === null) {
        if (last) {
          cutLine = true;
          break;
        }
        failAt(line, `expected "\\tfile:line +0x..." after the function line, got ${JSON.stringify(clip(decodeRange(buf, start, end, line)))}`);
      }
      const id = frames.intern(pendingFn, pendingFnEnd, start + 1, fl[0], fl[1], line);
      if (pendingCreator) {
        creator = id;
        pendingCreator = false;
      } else push(id);
      pendingFn = -1;
      continue;
    }
    if (startsWith(buf, start, end, GOROUTINE) && isDigit(buf[start + GOROUTINE.length])) {
      if (pendingFn >= 0 || pendingCreator) failAt(line, `expected "\\tfile:line" after line ${line - 1}`);
      finish();
      skipAncestors = false;
      // goroutine ID [state, N minutes, locked to thread]:
      let i = start + GOROUTINE.length;
      let id = 0;
      while (i < end && isDigit(buf[i])) id = id * 10 + (buf[i++]! - 48);
      const lb = buf.indexOf(LBRACKET, i);
      if (lb < 0 || lb >= end || end - lb < 3 || buf[end - 1] !== COLON || buf[end - 2] !== 93 /* ] */) {
        if (last) {
          cutLine = true;
          break;
        }
        failAt(line, `malformed goroutine header (want "goroutine N [state]:"), got ${JSON.stringify(clip(decodeRange(buf, start, end, line)))}`);
      }
      const inner = decodeRange(buf, lb + 1, end - 2, line);
      let st = states.get(inner);
      gWait = 0;
      const parts = inner.split(', ');
      for (let k = 1; k < parts.length; k++) {
        const m = /^(\d+) minutes?$/.exec(parts[k]!);
        if (m !== null) gWait = Number(m[1]);
      }
      if (st === undefined) {
        st = parts[0]!;
        states.set(inner, st);
      }
      inG = true;
      gid = id;
      gLine = line;
      gState = st;
      depth = 0;
      creator = -1;
      continue;
    }
    if (!inG) failAt(line, `expected "goroutine N [state]:", got ${JSON.stringify(clip(decodeRange(buf, start, end, line)))}`);
    if (skipAncestors) continue;
    if (pendingFn >= 0 || pendingCreator) {
      if (last) {
        cutLine = true;
        break;
      }
      failAt(line, `expected "\\tfile:line" after line ${line - 1}, got ${JSON.stringify(clip(decodeRange(buf, start, end, line)))}`);
    }
    if (startsWith(buf, start, end, CREATED_BY)) {
      pendingCreator = true;
      pendingFn = start + CREATED_BY.length;
      pendingFnEnd = end;
      // Go 1.21+: "created by main.f in goroutine 7"
      for (let i = pendingFn; i + IN_GOROUTINE.length <= end; i++) {
        if (buf[i] === SP && startsWith(buf, i, end, IN_GOROUTINE)) {
          pendingFnEnd = i;
          break;
        }
      }
      continue;
    }
    if (startsWith(buf, start, end, ELIDED)) continue;
    if (startsWith(buf, start, end, ORIGINATING)) {
      skipAncestors = true;
      continue;
    }
    // A function line: name(args). Arguments never contain parentheses,
    // while names can (main.(*T).m), so the last '(' starts the arguments.
    if (buf[end - 1] !== RPAREN) {
      if (last) {
        cutLine = true;
        break;
      }
      failAt(line, `expected a function line "pkg.func(...)", got ${JSON.stringify(clip(decodeRange(buf, start, end, line)))}`);
    }
    let lp = end - 1;
    while (lp > start && buf[lp] !== LPAREN) lp--;
    if (lp <= start) failAt(line, `expected a function line "pkg.func(...)", got ${JSON.stringify(clip(decodeRange(buf, start, end, line)))}`);
    pendingFn = start;
    pendingFnEnd = lp;
  }

  // Was the dump cut? Go writes whole lines and ends with a newline unless
  // it hit the 64 MiB limit (then it stops mid-goroutine, mid-line).
  const cutAtLimit = len >= GOROUTINE_DUMP_LIMIT;
  const unterminated = len > 0 && buf[len - 1] !== NL;
  const incomplete = cutLine || pendingFn >= 0 || pendingCreator;
  const comments: string[] = [];
  if (inG && !cutAtLimit && (unterminated || incomplete)) {
    // Cut short below Go's limit: a download or copy that lost its end,
    // not Go's own cut. Counts from it would be silently wrong.
    failAt(gLine, `the dump is cut short inside goroutine ${gid} (${len} bytes, below Go's 64 MiB limit)`);
  }
  if (inG && (cutAtLimit || unterminated || incomplete)) {
    comments.push(
      `truncated: the dump ends inside goroutine ${gid} (line ${gLine})${cutAtLimit ? ', at Go\'s 64 MiB limit for ?debug=2' : ''}; `
      + 'that goroutine was dropped and any after it are missing',
    );
    inG = false;
  } else if (cutAtLimit) {
    comments.push("truncated: the dump is 64 MiB, Go's limit for ?debug=2; goroutines after it are missing");
  }
  finish();
  if (goroutines === 0 && comments.length === 0) failAt(1, 'no goroutines in the dump');

  const vt = { type: 'goroutine', unit: 'count' };
  const b = new ProfileBuilder(dict, {
    source,
    format: 'goroutine-debug2',
    sampleTypes: [vt],
    periodType: vt,
    period: 1,
    timeNanos: null,
    comments,
  });
  for (const [sid, g] of groups) {
    const detail: GoroutineDetailText = { ids: g.ids, states: g.states, waitMinutes: g.waitMinutes, createdBy: g.createdBy };
    b.add(dict.frames(sid), [g.ids.length], [], detail);
  }
  return b.build();
}
