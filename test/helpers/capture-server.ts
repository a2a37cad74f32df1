/**
 * A local HTTP server that plays a /debug/pprof endpoint and misbehaves on
 * purpose, one behaviour per path. It serves real Go profile bytes from
 * fixtures/pair. Loopback only.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fixture } from './cli.js';

export const HEAP = readFileSync(fixture('pair', 'heap-head.pb.gz'));
export const GOROUTINE = readFileSync(fixture('pair', 'goroutine-head.pb.gz'));
export const DEBUG2 = readFileSync(fixture('series', 'leaky', 'goroutine-08.debug2.txt'));

export type Behaviour =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'status'; code: number; body: string }
  /** Accepts the connection and never answers. */
  | { kind: 'hang' }
  /** 200, a Content-Length matching what is sent, but the gzip stream is cut. */
  | { kind: 'truncated-gzip'; body: Buffer }
  /** Headers and half the body, then a TCP reset. */
  | { kind: 'reset'; body: Buffer }
  /** The body one small chunk at a time, slower than any sane timeout. */
  | { kind: 'trickle'; body: Buffer; everyMs: number }
  /** Fails `times` requests with 503, then serves the body. */
  | { kind: 'flaky'; times: number; body: Buffer };

export interface FakeServer {
  url: string;
  /** Requests seen per path (without query). */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startFakeServer(routes: Record<string, Behaviour>): Promise<FakeServer> {
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    const b = routes[path];
    if (b === undefined) {
      // What net/http/pprof says for a profile it does not know.
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Unknown profile\n');
      return;
    }
    const octet = { 'content-type': 'application/octet-stream' };
    switch (b.kind) {
      case 'ok':
        res.writeHead(200, { ...octet, 'content-length': b.body.length }).end(b.body);
        return;
      case 'status':
        res.writeHead(b.code, { 'content-type': 'text/html' }).end(b.body);
        return;
      case 'hang':
        return;
      case 'truncated-gzip': {
        const cut = b.body.subarray(0, Math.floor(b.body.length / 2));
        res.writeHead(200, { ...octet, 'content-length': cut.length }).end(cut);
        return;
      }
      case 'reset': {
        res.writeHead(200, { ...octet, 'content-length': b.body.length });
        res.write(b.body.subarray(0, Math.floor(b.body.length / 2)), () => {
          const t = setTimeout(() => req.socket.resetAndDestroy(), 20);
          timers.add(t);
        });
        return;
      }
      case 'trickle': {
        res.writeHead(200, { ...octet, 'content-length': b.body.length });
        let i = 0;
        const t = setInterval(() => {
          if (res.destroyed || i >= b.body.length) {
            clearInterval(t);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(b.body.subarray(i, i + 16));
          i += 16;
        }, b.everyMs);
        timers.add(t);
        return;
      }
      case 'flaky':
        if (n <= b.times) res.writeHead(503, { 'content-type': 'text/plain' }).end('warming up\n');
        else res.writeHead(200, { ...octet, 'content-length': b.body.length }).end(b.body);
        return;
    }
  };
  const server: Server = createServer(handle);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
