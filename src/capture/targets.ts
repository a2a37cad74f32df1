/**
 * Turning `capture`'s arguments into a plan: which URLs to fetch, what each
 * must decode as, and which subdirectory each lands in. Pure: no I/O.
 */
import { UsageError } from '../errors/index.js';
import type { ProfileKind, SourceFormat } from '../model/profile.js';

/** What a response must decode as before it may land. */
export interface Expectation {
  /** Acceptable profile kinds (any when absent). */
  readonly kinds?: readonly ProfileKind[];
  /** Acceptable source formats (any when absent). */
  readonly formats?: readonly SourceFormat[];
  /** Said in messages: "a heap profile", "a goroutine ?debug=2 dump". */
  readonly describe: string;
}

/** One profile of one target, fetched once per round. */
export interface CaptureSpec {
  /** Names the files: `heap`, `goroutine`, `goroutine-debug2`, `block`, ... */
  readonly profile: string;
  readonly url: string;
  /** `.pb.gz` for Go's (gzipped) protobuf, `.txt` for `?debug=N` text. */
  readonly text: boolean;
  readonly expect: Expectation;
  /**
   * How long the endpoint itself takes before answering, added to
   * --timeout: `?seconds=N` (delta and CPU profiles), and the CPU profile's
   * default of 30 s.
   */
  readonly holdMs: number;
}

export interface Target {
  /** The subdirectory of --out; safe as a single path component. */
  readonly name: string;
  readonly captures: readonly CaptureSpec[];
}

export const DEFAULT_PROFILES = ['heap', 'goroutine'] as const;

/** A target name is one path component that trend will not skip (no leading dot). */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const PROFILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * What each named profile must decode as. Go's /debug/pprof/heap writes no
 * default_sample_type (so inuse_space, the last, is the default) and
 * /debug/pprof/allocs sets alloc_space: the decoder tells them apart as
 * kinds 'heap' and 'allocs'.
 */
function expectationFor(profile: string, debug: number): Expectation {
  if (debug === 0) {
    switch (profile) {
      case 'heap':
        return { kinds: ['heap'], formats: ['proto'], describe: 'a heap profile' };
      case 'allocs':
        return { kinds: ['allocs'], formats: ['proto'], describe: 'an allocs profile' };
      case 'goroutine':
        return { kinds: ['goroutine'], formats: ['proto'], describe: 'a goroutine profile' };
      default:
        // block, mutex, threadcreate, profile (CPU): any pprof protobuf.
        return { formats: ['proto'], describe: `a ${profile} profile (pprof protobuf)` };
    }
  }
  if (profile === 'goroutine' && debug === 1) return { kinds: ['goroutine'], formats: ['goroutine-debug1'], describe: 'a goroutine ?debug=1 text profile' };
  if (profile === 'goroutine' && debug === 2) return { kinds: ['goroutine'], formats: ['goroutine-debug2'], describe: 'a goroutine ?debug=2 dump' };
  if ((profile === 'heap' || profile === 'allocs') && debug === 1) return { formats: ['heap-text'], describe: `a ${profile} ?debug=1 text profile` };
  throw new UsageError(`pprof-diff cannot validate ${profile}?debug=${debug}`, {
    hint: 'text profiles it reads: goroutine-debug1, goroutine-debug2, heap-debug1, allocs-debug1; other profiles are captured as protobuf',
  });
}

/** `goroutine-debug2` → goroutine ?debug=2; `heap` → heap ?debug=0. */
export function parseProfileName(p: string): { name: string; debug: number } {
  const m = /^(.+)-debug([12])$/.exec(p);
  const name = m ? m[1]! : p;
  const debug = m ? Number(m[2]) : 0;
  if (!PROFILE_NAME.test(name)) {
    throw new UsageError(`invalid profile name ${JSON.stringify(p)}`, { hint: 'e.g. --profiles heap,goroutine,allocs,goroutine-debug2' });
  }
  if (name === 'trace' || name === 'cmdline' || name === 'symbol') {
    throw new UsageError(`/debug/pprof/${name} is not a pprof profile`, { hint: 'capture heap, allocs, goroutine, goroutine-debug2, block, mutex, threadcreate or profile' });
  }
  expectationFor(name, debug); // throws for text forms that cannot be validated
  return { name, debug };
}

export function parseProfileList(list: string): string[] {
  const out: string[] = [];
  for (const raw of list.split(',')) {
    const p = raw.trim();
    if (p === '') continue;
    parseProfileName(p);
    if (!out.includes(p)) out.push(p);
  }
  if (out.length === 0) throw new UsageError('--profiles names no profile', { hint: 'e.g. --profiles heap,goroutine' });
  return out;
}

/** `127.0.0.1:6060` → `127.0.0.1_6060`; `[::1]:6060` → `__1_6060`. */
export function deriveName(u: URL): string {
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port !== '' ? u.port : u.protocol === 'https:' ? '443' : '80';
  const name = `${host}_${port}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return SAFE_NAME.test(name) ? name : `_${name}`;
}

function parseUrl(s: string, arg: string): URL {
  // "localhost:6060" would parse as the scheme "localhost:": default to http.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `http://${s}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new UsageError(`invalid target ${JSON.stringify(arg)}: not a URL`, { hint: 'give http://host:port, a profile URL, or name=http://host:port' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UsageError(`invalid target ${JSON.stringify(arg)}: only http and https URLs are supported`);
  }
  return u;
}

function holdMs(u: URL, profile: string): number {
  const s = Number(u.searchParams.get('seconds'));
  if (u.searchParams.has('seconds') && Number.isFinite(s) && s > 0) return s * 1000;
  return profile === 'profile' ? 30_000 : 0;
}

export interface PlanOptions {
  profiles: readonly string[];
  /** Ask for a GC before heap snapshots (`heap?gc=1`). */
  gc: boolean;
}

/**
 * A target is a base URL (`http://10.0.0.7:6060`, or one ending in
 * `/debug/pprof/`), which gets every --profiles profile; a full profile URL
 * (`http://host:6060/debug/pprof/heap`), which is captured as is; or either
 * one as `name=url`. Targets that share a name share a directory; two
 * captures of the same profile into one directory are refused.
 */
export function planTargets(args: readonly string[], o: PlanOptions): Target[] {
  if (args.length === 0) throw new UsageError('no targets', { hint: 'e.g. pprof-diff capture http://127.0.0.1:6060 --out snaps --every 1h' });
  const byName = new Map<string, CaptureSpec[]>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const scheme = arg.indexOf('://');
    let name: string | null = null;
    let rest = arg;
    // `name=url`, told apart from a scheme-less URL with a query
    // (`host:6060/debug/pprof/goroutine?debug=2`) by where the `=` is.
    const named = eq > 0 && (scheme >= 0 ? eq < scheme : !/[/:?]/.test(arg.slice(0, eq)));
    if (named) {
      name = arg.slice(0, eq);
      rest = arg.slice(eq + 1);
      if (!SAFE_NAME.test(name)) {
        throw new UsageError(`invalid target name ${JSON.stringify(name)}`, { hint: 'a name is letters, digits, ".", "_" and "-", not starting with "." or "-" (it becomes a directory)' });
      }
    }
    const u = parseUrl(rest, arg);
    const specs: CaptureSpec[] = [];
    const path = u.pathname;
    const isBase = path === '' || path === '/' || /\/debug\/pprof\/?$/.test(path);
    if (isBase) {
      const basePath = path === '' || path === '/' ? '/debug/pprof/' : path.endsWith('/') ? path : `${path}/`;
      for (const p of o.profiles) {
        const { name: prof, debug } = parseProfileName(p);
        const pu = new URL(u.href);
        pu.pathname = basePath + prof;
        if (debug > 0) pu.searchParams.set('debug', String(debug));
        if (o.gc && prof === 'heap') pu.searchParams.set('gc', '1');
        specs.push({ profile: p, url: pu.href, text: debug > 0, expect: expectationFor(prof, debug), holdMs: holdMs(pu, prof) });
      }
    } else {
      const segs = path.split('/').filter((s) => s !== '');
      const prof = decodeURIComponent(segs[segs.length - 1] ?? '');
      const debugParam = u.searchParams.get('debug');
      const debug = debugParam === null ? 0 : Number(debugParam);
      if (!Number.isInteger(debug) || debug < 0) throw new UsageError(`invalid target ${JSON.stringify(arg)}: bad debug parameter`);
      const label = debug > 0 ? `${prof}-debug${debug}` : prof;
      parseProfileName(label);
      const pu = new URL(u.href);
      if (o.gc && prof === 'heap' && !pu.searchParams.has('gc')) pu.searchParams.set('gc', '1');
      specs.push({ profile: label, url: pu.href, text: debug > 0, expect: expectationFor(prof, debug), holdMs: holdMs(pu, prof) });
    }
    const dir = name ?? deriveName(u);
    const list = byName.get(dir) ?? [];
    for (const s of specs) {
      if (list.some((x) => x.profile === s.profile)) {
        throw new UsageError(`two targets would write ${dir}/${s.profile} snapshots`, { hint: 'give each target its own name: name=url' });
      }
      list.push(s);
    }
    byName.set(dir, list);
  }
  return [...byName].map(([name, captures]) => ({ name, captures }));
}
