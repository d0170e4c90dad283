/**
 * The outbound HTTP of the FHIR road, in place of fhir-kit-client's fetch-based HttpClient (whose `response.text()`
 * reads any body to its end, however large, and decodes any gzip bomb). The resolver keeps calling
 * `client.request(...)`; the Client's `httpClient` is a FhirConnection from here, which:
 * - reads at most `maxResponseBytes` of the *decoded* body, and destroys socket and decoder the moment it is exceeded;
 * - stops at any moment (headers or body) when the request's AbortSignal fires;
 * - never follows a redirect; sends the bearer token only to the connection's own origin;
 * - goes only to normalised URLs under FHIR_SERVER_ALLOWLIST, and in production (for servers not on it) only to
 *   public addresses, checked on the address connected to;
 * - uses one kept-alive Agent per origin, created once for the process and reused across hook calls.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
// http.request / https.request are looked up at call time (not bound by a named import) so that test doubles such as
// nock, which replace them on the module object, see the requests.
import http, { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https, { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { pipeline, Writable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FhirResource, RequestOptions } from 'fhir-kit-client';
import { performance } from 'node:perf_hooks';
import { isNonPublicAddress, ServerAllowlist } from './outbound-policy.js';

export type TransportFailure = 'too-large' | 'non-public-address' | 'outside-allowlist' | 'other-origin' | 'undecodable' | 'aborted' | 'timeout' | 'network';

/**
 * fhir-kit-client's per-request options (handed through `Client.request` unchanged) and a time limit: the transport
 * keeps the timer itself, so a request needs no AbortController of its own; `signal` is the hook call's (deadline,
 * fail-fast), shared by all its requests.
 */
export interface TransportRequestOptions extends RequestOptions {
  /** The request (a stale-socket retry included) fails with kind 'timeout' when no whole answer came within this. */
  timeoutMs?: number;
}

/** A request that failed before a usable answer; `message` names no URL and no token. */
export class FhirTransportError extends Error {
  constructor(
    readonly kind: TransportFailure,
    message: string,
    /** The system error code of a network failure (ECONNREFUSED...). */
    readonly code?: string,
    /** Failed on a kept-alive socket the server had just closed, before any answer: safe to send again once. */
    readonly staleSocket = false,
  ) {
    super(message);
  }
}

/** What fhir-kit-client rejects with for a non-2xx answer or a body that is not JSON: the resolver reads `response.status`. */
export class FhirResponseError extends Error {
  readonly response: { status: number; data: unknown };
  constructor(status: number, data: unknown) {
    super(`HTTP ${status}`);
    this.response = { status, data };
  }
}

export interface FhirTransportOptions {
  maxResponseBytes: number;
  allowlist: readonly string[];
  production: boolean;
}

/** Idle kept-alive sockets close after this (or the server's Keep-Alive hint, if shorter). */
const IDLE_SOCKET_MS = 5000;
/** fhirServer comes from callers: the pool of Agents is bounded; an evicted Agent's idle sockets close on their own. */
const MAX_POOLED_ORIGINS = 64;
const MAX_CONTENT_CODINGS = 2;

/** dns.lookup that keeps only public addresses: the socket can only connect to an address that passed the check. */
function publicOnlyLookup(hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const usable = addresses.filter((entry) => !isNonPublicAddress(entry.address));
    const first = usable[0];
    if (!first) return callback(nonPublic(), []);
    if (options.all) callback(null, usable);
    else callback(null, first.address, first.family);
  });
}

/**
 * Sockets that have a listener of ours for 'error'. A socket can still report an error after its request settled
 * and let go of it (a connect refused or a TLS handshake broken just as the abort destroyed the request; nock's
 * sockets do this routinely); with no listener that 'error' would crash the process. Once per socket: kept-alive
 * sockets serve many requests.
 */
const listenedSockets = new WeakSet<object>();
const ignore = (): void => undefined;

const nonPublic = (): FhirTransportError => new FhirTransportError('non-public-address', 'the FHIR server is at a loopback, link-local or private address');
const aborted = (): FhirTransportError => new FhirTransportError('aborted', 'the request was aborted');
const timedOut = (): FhirTransportError => new FhirTransportError('timeout', 'the FHIR server did not answer in time');

function decoderFor(coding: string): Transform | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

/** The process-wide side: settings and the Agent pool. One per resolver, for the life of the service. */
export class FhirTransport {
  private readonly agents = new Map<string, HttpAgent>();
  readonly allowlist: ServerAllowlist;

  constructor(readonly options: FhirTransportOptions) {
    this.allowlist = new ServerAllowlist(options.allowlist);
  }

  /** The HttpClient replacement for one hook call's Client. */
  connection(baseUrl: string, bearerToken?: string): FhirConnection {
    return new FhirConnection(this, baseUrl, bearerToken);
  }

  /** In production, a server that is not allow-listed may only be reached at public addresses. */
  guarded(url: URL): boolean {
    return this.options.production && !this.allowlist.allows(url);
  }

  agentFor(url: URL, guarded: boolean): HttpAgent {
    const key = guarded ? `guarded ${url.origin}` : url.origin;
    const pooled = this.agents.get(key);
    if (pooled) {
      // Least recently used first out: move it to the end.
      this.agents.delete(key);
      this.agents.set(key, pooled);
      return pooled;
    }
    const options = { keepAlive: true, scheduling: 'lifo' as const, timeout: IDLE_SOCKET_MS, ...(guarded ? { lookup: publicOnlyLookup } : {}) };
    const agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
    this.agents.set(key, agent);
    if (this.agents.size > MAX_POOLED_ORIGINS) this.agents.delete(this.agents.keys().next().value as string);
    return agent;
  }

  /** Closes every pooled socket (service shutdown, tests). */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

interface Exchange {
  status: number;
  body: Buffer;
}

/** fhir-kit-client's HttpClient contract (`request(method, url, options, body)`) over node:http(s). */
export class FhirConnection {
  private readonly origin: string;
  /** The same for every request of the call (node:http copies them, never changes them). */
  private readonly headers: OutgoingHttpHeaders;

  constructor(
    private readonly transport: FhirTransport,
    readonly baseUrl: string,
    bearerToken?: string,
  ) {
    this.origin = new URL(baseUrl).origin;
    this.headers = { accept: 'application/fhir+json', 'accept-encoding': 'gzip, deflate, br', ...(bearerToken ? { authorization: `Bearer ${bearerToken}` } : {}) };
  }

  /** As fhir-kit-client: the parsed JSON body (`{}` when empty); a non-2xx or non-JSON answer rejects with FhirResponseError. */
  async request(method: string, requestUrl: string, options: TransportRequestOptions = {}, body?: unknown): Promise<FhirResource> {
    const url = new URL(this.expandUrl(requestUrl));
    const signal = options.signal as AbortSignal | undefined;
    const { allowlist } = this.transport;
    if (url.origin !== this.origin) throw new FhirTransportError('other-origin', 'the request would go to another server than fhirServer');
    if (allowlist.configured && !allowlist.allows(url)) throw new FhirTransportError('outside-allowlist', 'the request would leave the base paths of FHIR_SERVER_ALLOWLIST');
    const guarded = this.transport.guarded(url);
    // A literal IP is connected to without a lookup, so it is checked here.
    if (guarded && isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 && isNonPublicAddress(url.hostname)) throw nonPublic();
    const headers = options.headers === undefined ? this.headers : { ...lowerCased(options.headers), ...this.headers };
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const until = options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
    const send = (): Promise<Exchange> =>
      exchange(url, method, headers, payload, this.transport.agentFor(url, guarded), this.transport.options.maxResponseBytes, signal, until === undefined ? undefined : until - performance.now());
    let answer: Exchange;
    try {
      answer = await send();
    } catch (error) {
      if (!(error instanceof FhirTransportError && error.staleSocket && !signal?.aborted)) throw error;
      answer = await send();
    }
    return parse(answer);
  }

  /** fhir-kit-client's joining of a relative URL to the base URL. */
  expandUrl(url = ''): string {
    if (url.toLowerCase().startsWith('http')) return url;
    const base = this.baseUrl;
    if (base.endsWith('/') && url.startsWith('/')) return base + url.slice(1);
    if (base.endsWith('/') || url.startsWith('/')) return base + url;
    return `${base}/${url}`;
  }
}

function lowerCased(headers: Record<string, string> | undefined): Record<string, string> {
  return headers ? Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])) : {};
}

function parse({ status, body }: Exchange): FhirResource {
  // A UTF-8 byte order mark (EF BB BF) is not JSON; some servers send one.
  const text = body.toString('utf8', body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0);
  let data: unknown = {};
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      throw new FhirResponseError(status, text);
    }
  }
  if (status < 200 || status >= 300) throw new FhirResponseError(status, data);
  return data as FhirResource;
}

/**
 * One request and its whole (decoded, bounded) body. Settles exactly once; whatever settles it first (abort, timeout,
 * error, the byte cap, the end) destroys the request, its socket and every decoder, and later events find it settled.
 */
function exchange(
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  payload: string | undefined,
  agent: HttpAgent,
  maxBytes: number,
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    if (signal?.aborted) return reject(aborted());
    if (timeoutMs !== undefined && timeoutMs <= 0) return reject(timedOut());
    let settled = false;
    let answered = false;
    let timer: NodeJS.Timeout | undefined;
    const streams: { destroy(): void }[] = [];
    const settle = (error: Error | undefined, value?: Exchange): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
      if (error) {
        for (const stream of streams) stream.destroy();
        req.destroy();
        reject(error);
      } else {
        resolve(value as Exchange);
      }
    };
    const onAbort = (): void => settle(aborted());
    const tooLarge = (): FhirTransportError => new FhirTransportError('too-large', `the answer is larger than ${maxBytes} bytes`);
    const broken = (): FhirTransportError => new FhirTransportError('network', 'the connection broke while the answer was read');

    let req: ClientRequest;
    try {
      req = (url.protocol === 'https:' ? https : http).request(url, { method, headers, agent });
    } catch {
      // A header node:http refuses (a token with a line break): nothing was sent.
      return reject(new FhirTransportError('network', 'the request could not be made'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) timer = setTimeout(() => settle(timedOut()), timeoutMs);
    req.on('socket', (socket) => {
      if (listenedSockets.has(socket)) return;
      listenedSockets.add(socket);
      socket.on('error', ignore);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof FhirTransportError) return settle(error);
      const code = typeof error.code === 'string' && /^[A-Z_]+$/.test(error.code) ? error.code : undefined;
      const stale = req.reusedSocket && !answered && (code === 'ECONNRESET' || code === 'EPIPE');
      settle(new FhirTransportError('network', 'the FHIR server could not be reached', code, stale));
    });
    req.on('response', (res: IncomingMessage) => {
      answered = true;
      if (settled) return void res.destroy();
      streams.push(res);
      const status = res.statusCode ?? 0;
      const length = Number(res.headers['content-length']);
      const encoding = res.headers['content-encoding'];
      const codings =
        encoding === undefined
          ? []
          : encoding
              .split(',')
              .map((coding) => coding.trim().toLowerCase())
              .filter((coding) => coding !== '' && coding !== 'identity');
      if (codings.length === 0 && length > maxBytes) return settle(tooLarge());
      if (codings.length > MAX_CONTENT_CODINGS) return settle(new FhirTransportError('undecodable', `the answer has more than ${MAX_CONTENT_CODINGS} content codings`));
      const chunks: Buffer[] = [];
      let size = 0;
      const take = (chunk: Buffer): boolean => {
        size += chunk.length;
        if (size > maxBytes) return false;
        chunks.push(chunk);
        return true;
      };
      const body = (): Buffer => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      if (codings.length === 0) {
        // The common case, read straight off the response: a stream pipeline costs an AbortController, a DOMException
        // and a Writable per request, a third of the transport's own CPU.
        res.on('data', (chunk: Buffer) => {
          if (!take(chunk)) settle(tooLarge());
        });
        res.on('end', () => settle(undefined, { status, body: body() }));
        // Closed before its end (the server or the socket went away mid-body): 'end' never comes. After the end
        // 'close' comes too; no error is made then (an Error's stack trace is a good part of a request's cost).
        const onBroken = (): void => {
          if (!settled) settle(broken());
        };
        res.on('error', onBroken);
        res.on('close', onBroken);
        return;
      }
      const decoders: Transform[] = [];
      // Content codings are listed in the order they were applied: undone last to first.
      for (const coding of codings.reverse()) {
        const decoder = decoderFor(coding);
        if (!decoder) return settle(new FhirTransportError('undecodable', 'the answer has an unsupported Content-Encoding'));
        decoders.push(decoder);
        streams.push(decoder);
      }
      let undecodable = false;
      for (const decoder of decoders) decoder.once('error', () => (undecodable = true));
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          done(take(chunk) ? undefined : tooLarge());
        },
      });
      pipeline([res, ...decoders, sink], (error) => {
        if (!error) return settle(undefined, { status, body: body() });
        if (error instanceof FhirTransportError) return settle(error);
        settle(undecodable ? new FhirTransportError('undecodable', 'the answer could not be decoded (Content-Encoding)') : broken());
      });
    });
    req.end(payload);
  });
}
