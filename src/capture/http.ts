/**
 * One HTTP GET with a hard deadline, done with node:http so that every way
 * a response can go wrong has its own message: refused, reset, timed out
 * (before or during the body), a body shorter than its Content-Length, a
 * non-200 status.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { formatBytes } from '../model/units.js';

/** A response that cannot be used; `message` says why, in one line. */
export class FetchError extends Error {
  override name = 'FetchError';
}

/** The caller gave up (SIGINT/SIGTERM): not a failure of the target. */
export class AbortedError extends Error {
  override name = 'AbortedError';
}

/**
 * The largest body accepted. Go cuts goroutine ?debug=2 dumps at 64 MiB
 * and protobuf profiles are far smaller; past this the endpoint is not
 * serving a profile.
 */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;

export interface FetchOptions {
  /** The whole request, connect to last byte, must fit in this many ms. */
  timeoutMs: number;
  signal: AbortSignal;
  maxBytes?: number;
}

const secs = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`);

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== undefined && ERRNO_TEXT[code] !== undefined) return ERRNO_TEXT[code];
  const msg = e instanceof Error ? e.message : String(e);
  return code !== undefined && !msg.includes(code) ? `${msg} (${code})` : msg;
}

/** A short, single-line excerpt of an error body (Go's pprof says "Unknown profile"). */
function excerpt(chunks: Buffer[]): string {
  const s = Buffer.concat(chunks).subarray(0, 200).toString('utf8');
  if (/[\x00-\x08\x0e-\x1f]/.test(s)) return '';
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}

export function fetchBytes(url: string, o: FetchOptions): Promise<Uint8Array> {
  const maxBytes = o.maxBytes ?? MAX_BODY_BYTES;
  return new Promise<Uint8Array>((resolve, reject) => {
    if (o.signal.aborted) {
      reject(new AbortedError('aborted'));
      return;
    }
    let settled = false;
    let received = 0;
    let gotResponse = false;
    const chunks: Buffer[] = [];
    const mod = url.startsWith('https:') ? https : http;
    // agent: false: a fresh connection per request, so one reset or hung
    // socket never poisons the next attempt.
    const req = mod.get(url, { agent: false, headers: { 'user-agent': 'pprof-diff capture', accept: '*/*' } });
    const finish = (err: Error | null, value?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      if (err !== null) {
        req.destroy();
        reject(err);
      } else resolve(value!);
    };
    const timer = setTimeout(() => {
      finish(new FetchError(gotResponse
        ? `timed out after ${secs(o.timeoutMs)} (received ${formatBytes(received)} of the body)`
        : `timed out after ${secs(o.timeoutMs)} (no response)`));
    }, o.timeoutMs);
    const onAbort = (): void => finish(new AbortedError('aborted'));
    o.signal.addEventListener('abort', onAbort, { once: true });

    req.on('error', (e) => {
      finish(new FetchError(gotResponse ? `${errnoText(e)} after ${formatBytes(received)} of the body` : errnoText(e)));
    });
    req.on('response', (res) => {
      gotResponse = true;
      const status = res.statusCode ?? 0;
      const declared = res.headers['content-length'] === undefined ? null : Number(res.headers['content-length']);
      if (declared !== null && declared > maxBytes) {
        finish(new FetchError(`response too large (${formatBytes(declared)}; the limit is ${formatBytes(maxBytes)})`));
        return;
      }
      res.on('data', (c: Buffer) => {
        received += c.length;
        if (received > maxBytes) {
          finish(new FetchError(`response too large (over ${formatBytes(maxBytes)})`));
          return;
        }
        // Keep only an excerpt of error bodies.
        if (status === 200 || received <= 4096) chunks.push(c);
      });
      res.on('error', (e) => {
        finish(new FetchError(`${errnoText(e)} after ${formatBytes(received)} of the body`));
      });
      res.on('end', () => {
        if (status !== 200) {
          const body = excerpt(chunks);
          finish(new FetchError(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}${body ? `: ${body}` : ''}`));
          return;
        }
        if (!res.complete || (declared !== null && received !== declared)) {
          finish(new FetchError(`truncated body: got ${received} of ${declared ?? '?'} bytes`));
          return;
        }
        finish(null, new Uint8Array(Buffer.concat(chunks, received)));
      });
      // A connection closed mid-body without 'end' (reset, or the peer went away).
      res.on('close', () => {
        if (!res.complete) finish(new FetchError(`connection closed after ${formatBytes(received)} of the body${declared !== null ? ` (expected ${formatBytes(declared)})` : ''}`));
      });
    });
  });
}
