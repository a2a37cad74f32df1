/**
 * The pure parts of the loop: when rounds start and how files are named.
 */

/**
 * `20261125T043015Z`: ISO 8601 basic format in UTC, fixed width, so names
 * sort by time. With `millis`, `20261125T043015.123Z` (for sub-second
 * intervals, where two rounds can share a second).
 */
export function compactTimestamp(ms: number, millis: boolean): string {
  const iso = new Date(ms).toISOString(); // 2026-11-25T04:30:15.123Z
  const date = iso.slice(0, 10).replace(/-/g, '');
  const time = iso.slice(11, 19).replace(/:/g, '');
  return `${date}T${time}${millis ? iso.slice(19, 23) : ''}Z`;
}

/**
 * The file name of the n-th candidate for one snapshot. n = 0 is the plain
 * name; a collision (a file already there, e.g. from another run in the same
 * second) gets `~1`, `~2`, ...: `~` sorts after `.`, so a later duplicate
 * also sorts after the first.
 */
export function snapshotName(profile: string, stamp: string, text: boolean, n: number, gzip = true): string {
  const ext = text ? '.txt' : gzip ? '.pb.gz' : '.pb';
  return `${profile}-${stamp}${n > 0 ? `~${n}` : ''}${ext}`;
}

/**
 * Rounds start on slots fixed from the loop's start (start + k × every),
 * never drifting by how long requests took. After a round that ended
 * `elapsed` ms after the start, the next round takes the first slot not
 * already past; slots in between are skipped.
 */
export function nextSlot(prev: number, elapsed: number, every: number): { slot: number; skipped: number } {
  const slot = Math.max(prev + 1, Math.ceil(elapsed / every));
  return { slot, skipped: slot - prev - 1 };
}

/** Exponential backoff between attempts: 0.5 s, 1 s, 2 s, ... capped at 30 s. */
export function backoffMs(attempt: number): number {
  return Math.min(500 * 2 ** (attempt - 1), 30_000);
}
