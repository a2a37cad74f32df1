import { decodeProfile } from '../decode/index.js';
import { InputError } from '../errors/index.js';
import type { Dict } from '../model/dict.js';
import type { Profile } from '../model/profile.js';
import type { Io } from './io.js';

export interface LoadOptions {
  maxDecompressed?: number | undefined;
}

/** io.stat, with failures as one-line input errors naming the path. */
export function statPath(io: Io, path: string): ReturnType<Io['stat']> {
  return io.stat(path).catch((e: unknown) => {
    throw fsError(e, path);
  });
}

/** io.readdir, sorted, with failures as one-line input errors naming the path. */
export async function listDir(io: Io, path: string): Promise<string[]> {
  const entries = await io.readdir(path).catch((e: unknown) => {
    throw fsError(e, path);
  });
  return entries.sort();
}

/** Reads a file and turns file-system failures into one-line input errors. */
export async function readInput(io: Io, path: string): Promise<Uint8Array> {
  return (await readInputAndTime(io, path)).bytes;
}

/** readInput, with the file's modification time (text profiles carry no time of their own). */
export async function readInputAndTime(io: Io, path: string): Promise<{ bytes: Uint8Array; mtimeMs: number }> {
  const st = await statPath(io, path);
  if (st.isDirectory()) {
    throw new InputError('is a directory, not a profile', {
      subject: path,
      hint: 'diff and show take profile files; `pprof-diff trend <dir>` reads a directory of snapshots',
    });
  }
  if (!st.isFile()) throw new InputError('is not a regular file', { subject: path });
  try {
    return { bytes: await io.readFile(path), mtimeMs: st.mtimeMs };
  } catch (e) {
    throw fsError(e, path);
  }
}

export function fsError(e: unknown, path: string): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new InputError('no such file or directory', { subject: path });
    case 'EACCES':
    case 'EPERM':
      return new InputError('permission denied', { subject: path });
    case 'EISDIR':
      return new InputError('is a directory, not a profile', { subject: path });
    case 'ENOTDIR':
      return new InputError('a component of the path is not a directory', { subject: path });
    default:
      return new InputError(`cannot read: ${(e as Error).message}`, { subject: path });
  }
}

export async function loadProfile(io: Io, path: string, dict: Dict, opts: LoadOptions = {}): Promise<Profile> {
  return (await loadProfileAndTime(io, path, dict, opts)).profile;
}

/** loadProfile, with the file's modification time. */
export async function loadProfileAndTime(io: Io, path: string, dict: Dict, opts: LoadOptions = {}): Promise<{ profile: Profile; mtimeMs: number }> {
  const { bytes, mtimeMs } = await readInputAndTime(io, path);
  const p = decodeProfile(bytes, { source: path, dict, ...(opts.maxDecompressed !== undefined ? { maxDecompressed: opts.maxDecompressed } : {}) });
  // A dump Go cut at its size limit is read, but its counts are a lower bound.
  for (const c of p.comments) if (c.startsWith('truncated:')) io.stderr.write(`pprof-diff: warning: ${path}: ${c}\n`);
  return { profile: p, mtimeMs };
}
