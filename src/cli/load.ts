import { decodeProfile } from '../decode/index.js';
import { InputError } from '../errors/index.js';
import type { Dict } from '../model/dict.js';
import type { Profile } from '../model/profile.js';
import type { Io } from './io.js';

export interface LoadOptions {
  maxDecompressed?: number | undefined;
}

/** Reads a file and turns file-system failures into one-line input errors. */
export async function readInput(io: Io, path: string): Promise<Uint8Array> {
  let st;
  try {
    st = await io.stat(path);
  } catch (e) {
    throw fsError(e, path);
  }
  if (st.isDirectory()) {
    throw new InputError('is a directory, not a profile', {
      subject: path,
      hint: 'diff and show take profile files; `pprof-diff trend <dir>` reads a directory of snapshots',
    });
  }
  if (!st.isFile()) throw new InputError('is not a regular file', { subject: path });
  try {
    return await io.readFile(path);
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
  const bytes = await readInput(io, path);
  const p = decodeProfile(bytes, { source: path, dict, ...(opts.maxDecompressed !== undefined ? { maxDecompressed: opts.maxDecompressed } : {}) });
  // A dump Go cut at its size limit is read, but its counts are a lower bound.
  for (const c of p.comments) if (c.startsWith('truncated:')) io.stderr.write(`pprof-diff: warning: ${path}: ${c}\n`);
  return p;
}
