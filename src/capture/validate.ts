/**
 * A response lands only if it decodes as the profile that was asked for:
 * a truncated gzip stream, an HTML error page served with status 200, or a
 * heap profile at a goroutine URL is rejected here, before it could ever be
 * read by trend as a snapshot.
 */
import { decodeProfile } from '../decode/index.js';
import { InputError } from '../errors/index.js';
import { Dict } from '../model/dict.js';
import type { Profile } from '../model/profile.js';
import type { Expectation } from './targets.js';

function describe(p: Profile): string {
  if (p.format === 'goroutine-debug2') return 'a goroutine ?debug=2 dump';
  if (p.format === 'goroutine-debug1') return 'a goroutine ?debug=1 text profile';
  if (p.format === 'heap-text') return 'a heap text profile';
  const types = p.sampleTypes.map((t) => t.type).join(',');
  return p.kind === 'other' ? `a profile of ${types || 'no sample types'}` : `${p.kind === 'allocs' ? 'an' : 'a'} ${p.kind} profile`;
}

/** Returns null when the bytes are what was expected, else why not (one line). */
export function validateSnapshot(bytes: Uint8Array, expect: Expectation, source: string): string | null {
  let p: Profile;
  try {
    // A fresh Dict per snapshot: a loop that runs for days must not grow one.
    p = decodeProfile(bytes, { source, dict: new Dict() });
  } catch (e) {
    if (e instanceof InputError) return `not a valid profile: ${e.message}`;
    return `not a valid profile: ${e instanceof Error ? e.message : String(e)}`;
  }
  const kindOk = expect.kinds === undefined || expect.kinds.includes(p.kind);
  const formatOk = expect.formats === undefined || expect.formats.includes(p.format);
  if (!kindOk || !formatOk) return `expected ${expect.describe}, got ${describe(p)}`;
  return null;
}
