import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';

/**
 * A real loopback FHIR server (node:http on 127.0.0.1, port 0) whose Observation searches answer with a hostile
 * shape; Patient reads and other searches answer normally (an empty searchset). It records what reached it and how
 * each hostile answer ended: cut by the client, or sent to its end.
 */
export type Coding = 'gzip' | 'deflate' | 'br';
export type HostileShape =
  /** As fast as the socket takes it. */
  | { kind: 'endless'; chunkBytes?: number }
  /** `bytes` every `everyMs`. */
  | { kind: 'steady'; bytes: number; everyMs: number }
  /** One byte every `everyMs`. */
  | { kind: 'drip'; everyMs: number }
  /** A small compressed body that decodes to `decodedBytes` (a valid Bundle with a long padding string). */
  | { kind: 'bomb'; coding: Coding; decodedBytes: number }
  /** Any body as it is, with its headers. */
  | { kind: 'raw'; status?: number; headers?: Record<string, string | number>; body: Buffer | string };

export interface HostileFhir {
  base: string;
  port: number;
  /** Paths of every request that reached the server, and the Authorization header each carried. */
  requests: { path: string; authorization?: string }[];
  /** Hostile answers the client hung up on before their end / that were sent to their end. */
  cut: number;
  completed: number;
  /** Hostile answers still being sent. */
  open: number;
  close(): Promise<void>;
}

/** How long (or how much) a stream goes on when the client never hangs up: long past any deadline of the tests. */
const STREAM_LIMIT_MS = 6000;
const STREAM_LIMIT_BYTES = 64 * 1024 * 1024;
const HEAD = '{"resourceType":"Bundle","type":"searchset","entry":[';
const ENTRY = '{"resource":{"resourceType":"Observation","id":"x","status":"final","code":{"text":"padding"}}},';

const bombs = new Map<string, Buffer>();
export function bomb(coding: Coding, decodedBytes: number): Buffer {
  const key = `${coding}:${decodedBytes}`;
  let packed = bombs.get(key);
  if (!packed) {
    const plain = Buffer.concat([Buffer.from('{"resourceType":"Bundle","type":"searchset","entry":[],"padding":"'), Buffer.alloc(decodedBytes, 'x'), Buffer.from('"}')]);
    packed = coding === 'gzip' ? gzipSync(plain, { level: 9 }) : coding === 'deflate' ? deflateSync(plain, { level: 9 }) : brotliCompressSync(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
    bombs.set(key, packed);
  }
  return packed;
}

function normal(req: IncomingMessage, res: ServerResponse): void {
  const type = (req.url ?? '').split('?')[0]?.split('/').at(-2) ?? '';
  res.writeHead(200, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(type === 'Patient' ? { resourceType: 'Patient', id: 'p1', birthDate: '1960-01-01' } : { resourceType: 'Bundle', type: 'searchset', entry: [] }));
}

export async function startHostileFhir(shape: HostileShape | ((path: string) => HostileShape | undefined)): Promise<HostileFhir> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state = { cut: 0, completed: 0, open: 0 };
  const requests: HostileFhir['requests'] = [];

  const hostile = (res: ServerResponse, chosen: HostileShape): void => {
    if (chosen.kind === 'bomb') {
      const body = bomb(chosen.coding, chosen.decodedBytes);
      res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-encoding': chosen.coding, 'content-length': body.length });
      res.end(body);
      return;
    }
    if (chosen.kind === 'raw') {
      res.writeHead(chosen.status ?? 200, { 'content-type': 'application/fhir+json', ...chosen.headers });
      res.end(chosen.body);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.write(HEAD);
    let sent = 0;
    const started = Date.now();
    const over = (): boolean => Date.now() - started > STREAM_LIMIT_MS || sent > STREAM_LIMIT_BYTES;
    const stop = (timer?: NodeJS.Timeout): void => {
      if (timer) {
        clearInterval(timer);
        timers.delete(timer);
      }
      if (!res.destroyed && !res.writableEnded) res.end(']}');
    };
    if (chosen.kind === 'endless') {
      const chunk = Buffer.from(ENTRY.repeat(Math.max(1, Math.ceil((chosen.chunkBytes ?? 65536) / ENTRY.length))));
      const pump = (): void => {
        while (!res.destroyed && !over()) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        stop();
      };
      pump();
      return;
    }
    const piece = chosen.kind === 'drip' ? Buffer.from(' ') : Buffer.from(ENTRY.repeat(Math.max(1, Math.ceil(chosen.bytes / ENTRY.length))));
    const timer = setInterval(() => {
      if (res.destroyed || over()) return stop(timer);
      sent += piece.length;
      res.write(piece);
    }, chosen.everyMs);
    timers.add(timer);
    res.on('close', () => stop(timer));
  };

  const server = createServer((req, res) => {
    const path = req.url ?? '';
    requests.push({ path, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const chosen = typeof shape === 'function' ? shape(path) : /\/Observation\?/.test(path) ? shape : undefined;
    if (!chosen) return normal(req, res);
    state.open++;
    res.on('close', () => {
      state.open--;
      if (res.writableFinished) state.completed++;
      else state.cut++;
    });
    hostile(res, chosen);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/fhir`,
    port,
    requests,
    get cut() {
      return state.cut;
    },
    get completed() {
      return state.completed;
    },
    get open() {
      return state.open;
    },
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Waits (bounded) until `done()` holds; false if it never did. */
export async function eventually(done: () => boolean, withinMs = 3000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (!done()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
