import type { Command } from 'commander';
import type { Io } from '../io.js';
import type { RunWrapper } from '../main.js';

/** Declares the `capture` command (options, help, action). */
export function registerCapture(_program: Command, _io: Io, _run: RunWrapper): void {
  // not declared yet
}
