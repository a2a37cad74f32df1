import { basename, dirname, join, relative, resolve } from 'node:path';
import { InputError } from '../errors/index.js';
import type { Io } from './io.js';
import { listDir, statPath } from './load.js';

export interface TargetFiles {
  readonly target: string;
  readonly files: string[];
}

/**
 * Files in a snapshot directory that are not profiles and are skipped
 * without a word: capture's manifest (index.jsonl), notes and metadata, and
 * dotfiles (capture's temporary files among them).
 */
export function isMetadata(name: string): boolean {
  return name.startsWith('.') || /\.(json|jsonl|md)$/i.test(name);
}

/**
 * Resolves trend/check arguments to targets. A directory of profiles is one
 * target (named after it); a directory of subdirectories is one target per
 * subdirectory (e.g. one per pod); loose files form a target named after
 * their directory.
 */
export async function discoverTargets(io: Io, args: readonly string[]): Promise<TargetFiles[]> {
  const targets = new Map<string, { name: string; files: string[] }>();
  const add = (dir: string, name: string, file: string): void => {
    const key = resolve(io.cwd, dir);
    let t = targets.get(key);
    if (t === undefined) {
      t = { name, files: [] };
      targets.set(key, t);
    }
    if (!t.files.includes(file)) t.files.push(file);
  };
  for (const arg of args) {
    const st = await statPath(io, arg);
    if (st.isFile()) {
      const dir = dirname(arg);
      add(dir, nameOf(io, dir), arg);
      continue;
    }
    if (!st.isDirectory()) throw new InputError('is neither a file nor a directory', { subject: arg });
    const entries = await listDir(io, arg);
    let found = 0;
    for (const e of entries) {
      if (isMetadata(e)) continue;
      const p = join(arg, e);
      const est = await statPath(io, p);
      if (est.isFile()) {
        add(arg, nameOf(io, arg), p);
        found++;
      } else if (est.isDirectory()) {
        const sub = await listDir(io, p);
        for (const f of sub) {
          if (isMetadata(f)) continue;
          const fp = join(p, f);
          const fst = await statPath(io, fp);
          if (fst.isFile()) {
            add(p, e, fp);
            found++;
          }
        }
      }
    }
    if (found === 0) throw new InputError('holds no profiles', { subject: arg, hint: 'point at a directory of snapshots, e.g. one written by `pprof-diff capture`' });
  }
  // distinct names: fall back to the relative path where two directories share a basename
  const list = [...targets.entries()];
  const count = new Map<string, number>();
  for (const [, t] of list) count.set(t.name, (count.get(t.name) ?? 0) + 1);
  return list.map(([dir, t]) => ({ target: count.get(t.name)! > 1 ? relative(io.cwd, dir) || '.' : t.name, files: t.files }));
}

function nameOf(io: Io, dir: string): string {
  const b = basename(resolve(io.cwd, dir));
  return b === '' ? '.' : b;
}
