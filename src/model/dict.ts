/**
 * Interning tables shared by every profile decoded in one run.
 *
 * Location ids and addresses are per file: the same stack has other ids in
 * another snapshot or build. So a stack is identified here by its
 * symbolized frames (function, file, line), and every profile decoded
 * against the same Dict gets comparable stack ids. That makes a diff or a
 * trend a matter of integer keys, with no strings built per sample.
 */

export interface Frame {
  readonly function: string;
  readonly file: string;
  readonly line: number;
}

/** A string label set, sorted by key; numeric labels are not part of it. */
export type Labels = Readonly<Record<string, string>>;

const EMPTY_LABELS: Labels = Object.freeze({});

export class Dict {
  // ---- strings -----------------------------------------------------------
  readonly strings: string[] = [''];
  private readonly stringIds = new Map<string, number>([['', 0]]);

  intern(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  // ---- frames ------------------------------------------------------------
  /** Per frame id: function name string id, file string id, line. */
  readonly frameFunc: number[] = [];
  readonly frameFile: number[] = [];
  readonly frameLine: number[] = [];
  private readonly frameIds = new Map<string, number>();

  internFrame(func: string, file: string, line: number): number {
    const key = `${func}\u0000${file}\u0000${line}`;
    let id = this.frameIds.get(key);
    if (id === undefined) {
      id = this.frameFunc.length;
      this.frameFunc.push(this.intern(func));
      this.frameFile.push(this.intern(file));
      this.frameLine.push(line);
      this.frameIds.set(key, id);
    }
    return id;
  }

  get frameCount(): number {
    return this.frameFunc.length;
  }

  frame(id: number): Frame {
    return {
      function: this.strings[this.frameFunc[id]!]!,
      file: this.strings[this.frameFile[id]!]!,
      line: this.frameLine[id]!,
    };
  }

  funcName(frameId: number): string {
    return this.strings[this.frameFunc[frameId]!]!;
  }

  fileName(frameId: number): string {
    return this.strings[this.frameFile[frameId]!]!;
  }

  // ---- stacks (sequences of frame ids, leaf first) -------------------------
  // Open-addressing hash table over a growable pool of frame ids, so that
  // interning a stack allocates nothing per sample.
  private pool = new Uint32Array(1 << 16);
  private poolLen = 0;
  private stackStart = new Uint32Array(1 << 12);
  private stackLen = new Uint32Array(1 << 12);
  private stackHash = new Uint32Array(1 << 12);
  private nStacks = 0;
  private table = new Int32Array(1 << 13).fill(-1);

  get stackCount(): number {
    return this.nStacks;
  }

  /** Interns frames[0..len) (leaf first) and returns the stack id. */
  internStack(frames: Uint32Array, len: number): number {
    let h = 0x811c9dc5 ^ len;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ frames[i]!, 0x01000193);
    // murmur3's finaliser: stacks differ in few frames out of many, and
    // linear probing needs every input bit spread over the slot bits.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    h >>>= 0;
    const table = this.table;
    const hashes = this.stackHash;
    const lens = this.stackLen;
    const starts = this.stackStart;
    const pool = this.pool;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const id = table[slot]!;
      if (id < 0) break;
      if (hashes[id] === h && lens[id] === len) {
        const start = starts[id]!;
        let i = 0;
        while (i < len && pool[start + i] === frames[i]) i++;
        if (i === len) return id;
      }
      slot = (slot + 1) & mask;
    }
    return this.addStack(frames, len, h, slot);
  }

  private addStack(frames: Uint32Array, len: number, h: number, slot: number): number {
    const id = this.nStacks++;
    if (id >= this.stackStart.length) this.growStacks();
    if (this.poolLen + len > this.pool.length) {
      let size = this.pool.length * 2;
      while (size < this.poolLen + len) size *= 2;
      const p = new Uint32Array(size);
      p.set(this.pool.subarray(0, this.poolLen));
      this.pool = p;
    }
    const pool = this.pool;
    const at = this.poolLen;
    for (let i = 0; i < len; i++) pool[at + i] = frames[i]!;
    this.stackStart[id] = this.poolLen;
    this.stackLen[id] = len;
    this.stackHash[id] = h;
    this.poolLen += len;
    this.table[slot] = id;
    if (this.nStacks * 2 > this.table.length) this.rehash();
    return id;
  }

  private growStacks(): void {
    const n = this.stackStart.length * 2;
    const grow = (a: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    this.stackStart = grow(this.stackStart);
    this.stackLen = grow(this.stackLen);
    this.stackHash = grow(this.stackHash);
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let id = 0; id < this.nStacks; id++) {
      let slot = this.stackHash[id]! & mask;
      while (table[slot]! >= 0) slot = (slot + 1) & mask;
      table[slot] = id;
    }
    this.table = table;
  }

  /** Frame ids of a stack, leaf first (a view: do not keep it across interning). */
  stackFrames(id: number): Uint32Array {
    const start = this.stackStart[id]!;
    return this.pool.subarray(start, start + this.stackLen[id]!);
  }

  stackDepth(id: number): number {
    return this.stackLen[id]!;
  }

  /** Symbolized frames of a stack, leaf first. */
  frames(id: number): Frame[] {
    return Array.from(this.stackFrames(id), (f) => this.frame(f));
  }

  // ---- label sets ----------------------------------------------------------
  private readonly labelSetList: Labels[] = [EMPTY_LABELS];
  private readonly labelSetIds = new Map<string, number>([['', 0]]);

  /** Interns a list of [key, value] pairs; 0 is the empty set. */
  internLabels(pairs: ReadonlyArray<readonly [string, string]>): number {
    if (pairs.length === 0) return 0;
    const sorted = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const key = sorted.map(([k, v]) => `${k}\u0000${v}`).join('\u0001');
    let id = this.labelSetIds.get(key);
    if (id === undefined) {
      id = this.labelSetList.length;
      const obj: Record<string, string> = {};
      for (const [k, v] of sorted) {
        // Several values for one key are joined, as pprof shows them.
        obj[k] = obj[k] === undefined ? v : `${obj[k]},${v}`;
      }
      this.labelSetList.push(Object.freeze(obj));
      this.labelSetIds.set(key, id);
    }
    return id;
  }

  labels(id: number): Labels {
    return this.labelSetList[id]!;
  }

  get labelSetCount(): number {
    return this.labelSetList.length;
  }
}
