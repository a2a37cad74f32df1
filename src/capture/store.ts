/**
 * The output directory: `<out>/<target>/<profile>-<stamp>.pb.gz` plus the
 * append-only manifest `<out>/index.jsonl`.
 *
 * Nothing partial ever carries a snapshot's name. A snapshot is written to
 * a dotfile in the same directory (`.heap-<stamp>.<pid>-<n>.tmp`; trend
 * skips dotfiles, so even a crash leftover is never read), fsynced, then
 * hard-linked to its final name, which fails instead of overwriting when
 * the name is taken; the directory is fsynced so the new entry survives a
 * power cut. The manifest line is appended only after the file is in place,
 * so every `ok` line names a complete file.
 */
import { unlinkSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors/index.js';
import { snapshotName } from './schedule.js';

export const MANIFEST = 'index.jsonl';

/** One line of index.jsonl. */
export interface ManifestRecord {
  target: string;
  profile: string;
  /** Relative to the output directory, `/`-separated; null when lost. */
  file: string | null;
  /** When the last attempt started (ISO 8601, UTC, milliseconds). */
  time: string;
  /** Size of the landed file; null when lost. */
  bytes: number | null;
  status: 'ok' | 'lost';
  /** Why the capture was lost (the last attempt's failure); null when ok. */
  error: string | null;
  round: number;
  attempts: number;
  url: string;
}

/** The disk cannot take the snapshot: the loop cannot do its job (exit 2). */
export class StoreError extends InputError {}

const DISK_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a parent of this path is not a directory',
  EEXIST: 'exists and is not a directory',
  EIO: 'I/O error',
  EMFILE: 'too many open files',
};

export function storeError(e: unknown, path: string, doing: string): StoreError {
  const code = (e as NodeJS.ErrnoException).code;
  const what = code !== undefined && DISK_TEXT[code] !== undefined ? DISK_TEXT[code] : e instanceof Error ? e.message : String(e);
  const hint = code === 'ENOSPC' || code === 'EDQUOT'
    ? 'free some space (or choose another --out); the snapshots and index.jsonl already written are complete'
    : 'choose a writable --out directory';
  return new StoreError(`cannot ${doing}: ${what}`, { subject: path, hint });
}

/** Filesystems that cannot fsync a directory say so with these; that is fine. */
const FSYNC_DIR_UNSUPPORTED = new Set(['EINVAL', 'EISDIR', 'EPERM', 'EACCES', 'ENOTSUP', 'EBADF']);

async function fsyncDir(dir: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    if (!FSYNC_DIR_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** Hard links are the no-overwrite rename; some filesystems have none. */
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS', 'EMLINK']);

const TEMP = /^\..+\.(\d+)-\d+\.tmp$/;

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Store {
  readonly manifestPath: string;
  /** Temporary files being written right now, removed on any way out. */
  private readonly temps = new Set<string>();
  private tempCounter = 0;
  private manifestQueue: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {
    this.manifestPath = join(dir, MANIFEST);
  }

  /**
   * Creates the output directory and the manifest (so that an unwritable
   * --out fails before the first request), and removes temporary files that
   * a killed capture left behind. Returns how many were removed.
   */
  async init(targets: readonly string[]): Promise<number> {
    try {
      await fs.mkdir(this.dir, { recursive: true });
    } catch (e) {
      throw storeError(e, this.dir, 'create the output directory');
    }
    try {
      const fh = await fs.open(this.manifestPath, 'a');
      await fh.close();
    } catch (e) {
      throw storeError(e, this.manifestPath, 'write the manifest');
    }
    // Target directories are made when their first snapshot lands, so a
    // target that never answers leaves no empty directory for trend.
    let removed = 0;
    for (const t of targets) {
      let names: string[];
      try {
        names = await fs.readdir(join(this.dir, t));
      } catch {
        continue;
      }
      for (const f of names) {
        const m = TEMP.exec(f);
        // Another capture writing into the same directory keeps its own.
        if (m !== null && !pidAlive(Number(m[1]))) {
          await fs.unlink(join(this.dir, t, f)).catch(() => {});
          removed++;
        }
      }
    }
    return removed;
  }

  /**
   * Lands one snapshot under its final name and returns that name relative
   * to the output directory. Never overwrites: a taken name gets `~1`, ...
   * Throws StoreError (the disk failed), leaving no temporary file.
   */
  async land(target: string, profile: string, stamp: string, text: boolean, gzip: boolean, bytes: Uint8Array): Promise<string> {
    const d = join(this.dir, target);
    const tmp = join(d, `.${profile}-${stamp}.${process.pid}-${++this.tempCounter}.tmp`);
    this.temps.add(tmp);
    let final = '';
    try {
      // A new target directory's own entry must survive a power cut too.
      if ((await fs.mkdir(d, { recursive: true })) !== undefined) await fsyncDir(this.dir);
      const fh = await fs.open(tmp, 'wx', 0o644);
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      let renamed = false;
      for (let n = 0; ; n++) {
        final = snapshotName(profile, stamp, text, n, gzip);
        const dest = join(d, final);
        try {
          await fs.link(tmp, dest);
          break;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? '';
          if (code === 'EEXIST') continue;
          if (!NO_LINK.has(code)) throw e;
          // No hard links here: check, then rename (a narrow race with
          // another writer, which the link avoids where it can).
          if (await fs.access(dest).then(() => true, () => false)) continue;
          await fs.rename(tmp, dest);
          renamed = true;
          break;
        }
      }
      if (!renamed) await fs.unlink(tmp);
      this.temps.delete(tmp);
      await fsyncDir(d);
    } catch (e) {
      await fs.unlink(tmp).catch(() => {});
      this.temps.delete(tmp);
      throw storeError(e, join(d, final === '' ? snapshotName(profile, stamp, text, 0, gzip) : final), 'write the snapshot');
    }
    return `${target}/${final}`;
  }

  /** Appends one line, whole, in one write on an O_APPEND descriptor, fsynced. */
  append(rec: ManifestRecord): Promise<void> {
    const line = JSON.stringify(rec) + '\n';
    const next = this.manifestQueue.then(async () => {
      try {
        const fh = await fs.open(this.manifestPath, 'a');
        try {
          await fh.write(line);
          await fh.sync();
        } finally {
          await fh.close();
        }
      } catch (e) {
        throw storeError(e, this.manifestPath, 'append to the manifest');
      }
    });
    this.manifestQueue = next.catch(() => {});
    return next;
  }

  /** Temporary files still on disk (for the last-resort cleanup). */
  pendingTemps(): string[] {
    return [...this.temps];
  }

  /** Synchronous last resort (a second Ctrl-C, an exit): remove what is in flight. */
  removeTempsSync(): void {
    for (const t of this.temps) {
      try {
        unlinkSync(t);
      } catch {
        // already gone
      }
      this.temps.delete(t);
    }
  }
}
