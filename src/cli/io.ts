import { promises as fs } from 'node:fs';

/** A writable stream as commands see it. */
export interface Out {
  write(s: string): void;
  readonly isTTY: boolean;
  readonly columns: number | undefined;
}

/**
 * Everything a command does to the world goes through here, so that tests
 * can run commands in memory and only the entry point touches `process`.
 */
export interface Io {
  readonly stdout: Out;
  readonly stderr: Out;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  stat(path: string): Promise<{ isFile(): boolean; isDirectory(): boolean; size: number; mtimeMs: number }>;
  readdir(path: string): Promise<string[]>;
  now(): number;
}

export function nodeIo(): Io {
  const wrap = (s: NodeJS.WriteStream): Out => ({
    write: (t: string) => {
      s.write(t);
    },
    get isTTY() {
      return s.isTTY === true;
    },
    get columns() {
      return s.columns;
    },
  });
  return {
    stdout: wrap(process.stdout),
    stderr: wrap(process.stderr),
    env: process.env,
    cwd: process.cwd(),
    readFile: (p) => fs.readFile(p),
    writeFile: (p, d) => fs.writeFile(p, d),
    stat: (p) => fs.stat(p),
    readdir: (p) => fs.readdir(p),
    now: () => Date.now(),
  };
}
