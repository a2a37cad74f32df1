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

/** The Go runtime's own frames (gopark, selectgo, mallocgc, ...): how, not where. */
export function isRuntimeFunction(fn: string): boolean {
  return fn.startsWith('runtime.') || fn.startsWith('runtime/internal');
}

/**
 * The leaf-most frame that is not the runtime's: where a goroutine is parked
 * (`main.handleMatch.func1` above `runtime.selectgo`), or which function
 * allocated. Null when every frame is the runtime's.
 */
export function topOwnFrame(frames: readonly Frame[]): Frame | null {
  return frames.find((f) => !isRuntimeFunction(f.function)) ?? null;
}

/** A string label set, sorted by key; numeric labels are not part of it. */
export type Labels = Readonly<Record<string, string>>;

const EMPTY_LABELS: Labels = Object.freeze({});

/** Seed and multiplier of the stack hash (FNV-1a's), see internTail. */
export const STACK_HASH_SEED = 0x811c9dc5 | 0;
export const STACK_HASH_PRIME = 0x01000193;

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
  private starts = new Uint32Array(1 << 12);
  private stackLen = new Uint32Array(1 << 12);
  private stackHash = new Uint32Array(1 << 12);
  private nStacks = 0;
  /** Slots of [stack id + 1, hash] pairs: a probe reads one cache line. 0 = empty. */
  private table = new Int32Array(2 << 13);

  get stackCount(): number {
    return this.nStacks;
  }

  /** Interns frames[0..len) (leaf first) and returns the stack id. */
  internStack(frames: Uint32Array, len: number): number {
    const pool = this.tailPool(0, len);
    const tail = this.poolLen;
    let h = STACK_HASH_SEED;
    for (let i = 0; i < len; i++) {
      const f = frames[i]!;
      pool[tail + i] = f;
      h = Math.imul(h ^ f, STACK_HASH_PRIME);
    }
    return this.internTail(len, h);
  }

  /**
   * Interning without a copy: a decoder writes a stack's frames straight
   * into the pool's free tail (see tailPool) and hands over its length and
   * hash; a new stack is kept where it was written, a known one is dropped.
   */
  tailPool(used: number, extra: number): Uint32Array {
    const need = this.poolLen + used + extra;
    if (need > this.pool.length) {
      let size = this.pool.length * 2;
      while (size < need) size *= 2;
      const p = new Uint32Array(size);
      p.set(this.pool.subarray(0, this.poolLen + used));
      this.pool = p;
    }
    return this.pool;
  }

  /** Where the next stack's frames go in the pool (see tailPool). */
  get tail(): number {
    return this.poolLen;
  }

  /**
   * Interns the stack written at pool[tail, tail + len). `h` is the fold of
   * STACK_HASH_SEED with Math.imul(h ^ frame, STACK_HASH_PRIME) over its frames.
   */
  internTail(len: number, h: number): number {
    h ^= len;
    // murmur3's finaliser: stacks differ in few frames out of many, and
    // linear probing needs every input bit spread over the slot bits.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    h >>>= 0;
    const table = this.table;
    const lens = this.stackLen;
    const starts = this.starts;
    const pool = this.pool;
    const tail = this.poolLen;
    const mask = (table.length >> 1) - 1;
    const hs = h | 0;
    let slot = h & mask;
    for (;;) {
      const e = table[slot << 1]!;
      if (e === 0) break;
      if (table[(slot << 1) + 1] === hs) {
        const id = e - 1;
        if (lens[id] === len) {
          const start = starts[id]!;
          let i = 0;
          while (i < len && pool[start + i] === pool[tail + i]) i++;
          if (i === len) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    const id = this.nStacks++;
    if (id >= this.starts.length) this.growStacks();
    this.starts[id] = tail;
    this.stackLen[id] = len;
    this.stackHash[id] = h;
    this.poolLen += len;
    this.table[slot << 1] = id + 1;
    this.table[(slot << 1) + 1] = h | 0;
    if (this.nStacks * 4 > this.table.length) this.rehash(this.table.length);
    return id;
  }

  private growStacks(n = this.starts.length * 2): void {
    const grow = (a: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    this.starts = grow(this.starts);
    this.stackLen = grow(this.stackLen);
    this.stackHash = grow(this.stackHash);
  }

  private rehash(size: number): void {
    const table = new Int32Array(size * 2);
    const mask = size - 1;
    for (let id = 0; id < this.nStacks; id++) {
      const h = this.stackHash[id]!;
      let slot = h & mask;
      while (table[slot << 1] !== 0) slot = (slot + 1) & mask;
      table[slot << 1] = id + 1;
      table[(slot << 1) + 1] = h | 0;
    }
    this.table = table;
  }

  /** Makes room for `more` new stacks at once (a decoder knows its sample count). */
  reserveStacks(more: number): void {
    const want = this.nStacks + more;
    let size = this.table.length >> 1;
    while (want * 2 > size) size *= 2;
    if (size !== this.table.length >> 1) this.rehash(size);
    if (want > this.starts.length) this.growStacks(want);
  }

  /** Frame ids of a stack, leaf first (a view: do not keep it across interning). */
  stackFrames(id: number): Uint32Array {
    const start = this.starts[id]!;
    return this.pool.subarray(start, start + this.stackLen[id]!);
  }

  /** The pool of all stacks' frames; a stack is pool[stackStart(id) .. + stackDepth(id)). Read only. */
  stackPool(): Uint32Array {
    return this.pool;
  }

  stackStart(id: number): number {
    return this.starts[id]!;
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
