// Test support: an HTTP proxy in front of an OpenAI-compatible endpoint that injects the faults a long run
// meets. A hard outage (connections dropped) starts when a predicate first matches a request and lasts a
// number of requests, optionally until released by the test; seeded random 429s (Retry-After: 0) and 500s;
// garbage 200 bodies (an HTML page, cut-off JSON) for chosen requests. Every injected fault is counted.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRng } from '../../src/domain/rng.js';
import type { ChatCompletionBody } from '../../src/llm/scripted-server.js';

export type Garbage = 'html' | 'cut_json';
export type FaultPlan = {
  /** The outage begins at the first chat request `when` matches (that request is the first one refused). */
  outage?: { when: (body: ChatCompletionBody, index: number) => boolean; refuse: number; holdUntilReleased?: boolean };
  /** Share of chat requests answered 429 or 500 instead of being forwarded (seeded, so a rerun injects the same). */
  randomRate?: number;
  seed?: string;
  /**
   * Chat requests that get a 200 with a body that is not a chat completion. `index` counts only the requests the
   * outage let through: how many requests a held outage refuses is a matter of timing, and must not decide
   * whether a planned garbage body is ever sent.
   */
  garbage?: (body: ChatCompletionBody, index: number) => Garbage | undefined;
};

export type FaultCounts = { forwarded: number; refused: number; throttled: number; errors: number; garbage: number };

export type FaultProxy = {
  baseURL: string;
  counts: FaultCounts;
  /** Total faults injected (each one a failed attempt for the client). */
  injected(): number;
  /** True once the outage began; `outageOver` once it ended. */
  outageStarted: boolean;
  outageOver: boolean;
  /** Lets a held outage end once its refusals are spent. */
  release(): void;
  close(): Promise<void>;
};

const HTML =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n';
const CUT_JSON =
  '{"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"scripted-model","choices":[{"index":0,"message":{"role":"assistant","content":"Sure, her';

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

export async function startFaultProxy(target: string, plan: FaultPlan): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rng = seededRng(plan.seed ?? 'fault-proxy');
  const counts: FaultCounts = { forwarded: 0, refused: 0, throttled: 0, errors: 0, garbage: 0 };
  let chatIndex = 0;
  let passedIndex = 0;
  let released = false;
  const proxy: FaultProxy = {
    baseURL: '',
    counts,
    injected: () => counts.refused + counts.throttled + counts.errors + counts.garbage,
    outageStarted: false,
    outageOver: false,
    release: () => void (released = true),
    close: () => new Promise((r) => server.close(() => r())),
  };

  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const isChat = req.method === 'POST' && (req.url ?? '').endsWith('/chat/completions');
    if (isChat) {
      const body = JSON.parse(raw.toString('utf8')) as ChatCompletionBody;
      const index = chatIndex++;
      const o = plan.outage;
      if (o && !proxy.outageStarted && o.when(body, index)) proxy.outageStarted = true;
      if (o && proxy.outageStarted && !proxy.outageOver) {
        if (counts.refused < o.refuse || (o.holdUntilReleased && !released)) {
          counts.refused++;
          req.socket.destroy(); // the server is gone: no status, no body
          return;
        }
        proxy.outageOver = true;
      }
      const g = plan.garbage?.(body, passedIndex++);
      if (g) {
        counts.garbage++;
        if (g === 'html') res.writeHead(200, { 'content-type': 'text/html' }).end(HTML);
        else res.writeHead(200, { 'content-type': 'application/json' }).end(CUT_JSON);
        return;
      }
      const draw = rng.next();
      if (plan.randomRate && draw < plan.randomRate) {
        if (draw < plan.randomRate / 2) {
          counts.throttled++;
          res
            .writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' })
            .end('{"error":{"message":"rate limited"}}');
        } else {
          counts.errors++;
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"internal error"}}');
        }
        return;
      }
      counts.forwarded++;
    }
    const up = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    up.end(raw);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return proxy;
}
