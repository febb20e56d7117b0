// Outage versus data at the client: garbage 200 bodies and dead endpoints are retried, then raised as
// EndpointUnavailable naming the role and endpoint; throttles and garbage are counted; the per-endpoint
// limiter is shared by every client of an endpoint, halves its window on a 429 and paces requests per minute.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createChatClient } from '../../src/llm/client.js';
import { EndpointLimiter, limiterStates } from '../../src/llm/endpoint-limiter.js';
import { EndpointUnavailable, isOutage } from '../../src/llm/outage.js';
import { startScriptedServer, type ScriptedReply } from '../../src/llm/scripted-server.js';
import { UsageMeter, withMeter } from '../../src/llm/usage-meter.js';

const fastBackoff = { baseMs: 1, maxMs: 5 };
const hi = { messages: [{ role: 'user' as const, content: 'hi' }] };

/** A scripted server whose first replies are `first`, then a normal answer. */
async function withFirst(first: ScriptedReply[]) {
  return startScriptedServer({ reply: (_b, { index }) => first[index] ?? { content: 'real answer' } });
}

describe('garbage 200 bodies are outages, not replies', () => {
  for (const [what, body] of [
    ['an HTML page', '<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['cut-off JSON', '{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis'],
    ['JSON that is not a chat completion', '{"error_page": true}'],
  ] as const) {
    it(`${what} is retried and the model's real answer comes back`, async () => {
      const server = await withFirst([{ rawBody: body }]);
      try {
        const meter = new UsageMeter();
        const client = createChatClient(
          { kind: 'openai', baseURL: server.baseURL, model: 'm', maxRetries: 2 },
          { role: 'assistant', meter, backoff: fastBackoff },
        );
        const res = await client.chat(hi);
        assert.equal(res.message.content, 'real answer');
        const r = meter.snapshot().roles.assistant;
        assert.deepEqual([r.garbage, r.retries, r.failures, r.formatErrors], [1, 1, 0, 0]);
      } finally {
        await server.close();
      }
    });
  }

  it('an HTML page served as text/html is an outage too', async () => {
    let n = 0;
    const srv = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (n++ === 0) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'c',
            object: 'chat.completion',
            created: 0,
            model: 'm',
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'ok' } }],
          }),
        );
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const meter = new UsageMeter();
      const baseURL = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1`;
      const client = createChatClient(
        { kind: 'openai', baseURL, model: 'm', maxRetries: 1 },
        { role: 'judge', meter, backoff: fastBackoff },
      );
      assert.equal((await client.chat(hi)).message.content, 'ok');
      assert.equal(meter.snapshot().roles.judge.garbage, 1);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});

describe('a dead or failing endpoint ends in EndpointUnavailable', () => {
  it('after the budget: names role, baseURL, model and the last error; counted as an outage', async () => {
    const server = await startScriptedServer({ reply: () => ({ status: 503, message: 'overloaded' }) });
    try {
      const meter = new UsageMeter();
      const client = createChatClient(
        { kind: 'openai', baseURL: server.baseURL, model: 'qwen', maxRetries: 2 },
        { role: 'simulator', backoff: fastBackoff },
      );
      // The meter comes from the activity's context, not the (shared, cached) client.
      const err = await withMeter(meter, () => client.chat(hi)).then(
        () => assert.fail('no error'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof EndpointUnavailable);
      assert.ok(isOutage(err));
      assert.equal(err.name, 'EndpointUnavailable');
      assert.equal(err.attempts, 3);
      assert.equal(err.endpoint.role, 'simulator');
      assert.match(err.message, new RegExp(server.baseURL.replace(/[.]/g, '\\.')));
      assert.match(err.lastError, /HTTP 503/);
      const r = meter.snapshot().roles.simulator;
      assert.deepEqual([r.retries, r.failures, r.outages], [2, 1, 1]);
    } finally {
      await server.close();
    }
  });

  it('a connection refused is an outage; a 400 is not (the request itself was refused)', async () => {
    const dead = await startScriptedServer();
    const baseURL = dead.baseURL;
    await dead.close();
    const client = createChatClient(
      { kind: 'openai', baseURL, model: 'm', maxRetries: 1 },
      { role: 'user', backoff: fastBackoff },
    );
    await assert.rejects(client.chat(hi), (e: unknown) => isOutage(e));
    const refusing = await startScriptedServer({ reply: () => ({ status: 400, message: 'context too long' }) });
    try {
      const c2 = createChatClient(
        { kind: 'openai', baseURL: refusing.baseURL, model: 'm', maxRetries: 3 },
        { role: 'user', backoff: fastBackoff },
      );
      await assert.rejects(
        c2.chat(hi),
        (e: unknown) => !isOutage(e) && (e as { retryable: boolean }).retryable === false,
      );
      assert.equal(refusing.stats.chat, 1);
    } finally {
      await refusing.close();
    }
  });
});

describe('endpoints are not overrun', () => {
  it('two roles (and models) on one endpoint share its concurrency cap', async () => {
    const server = await startScriptedServer({ delayMs: 30, reply: () => ({ content: 'x' }) });
    try {
      const cfg = { kind: 'openai' as const, baseURL: server.baseURL, model: 'shared', concurrency: 3 };
      const a = createChatClient(cfg, { role: 'user' });
      const b = createChatClient({ ...cfg, model: 'an-adapter' }, { role: 'assistant' });
      await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).chat(hi)));
      assert.equal(server.stats.maxInFlight, 3);
      assert.ok(limiterStates().some((s) => s.name === server.baseURL && s.cap === 3));
    } finally {
      await server.close();
    }
  });

  it('a 429 halves the window, successes grow it back, and Retry-After pauses every caller', async () => {
    const server = await startScriptedServer({
      reply: (_b, { index }) => (index === 0 ? { status: 429, retryAfterMs: 0 } : { content: 'x' }),
    });
    try {
      const meter = new UsageMeter();
      const cfg = { kind: 'openai' as const, baseURL: server.baseURL, model: 'throttling', concurrency: 8 };
      const client = createChatClient(cfg, { role: 'assistant', meter, backoff: fastBackoff });
      await client.chat(hi);
      const state = () => limiterStates().find((s) => s.name === server.baseURL)!;
      assert.equal(meter.snapshot().roles.assistant.throttles, 1);
      assert.equal(state().window, 4, 'halved by the 429, then +0 after one success of a window of 4');
      for (let i = 0; i < 4 + 5 + 6 + 7; i++) await client.chat(hi);
      assert.equal(state().window, 8, 'grown back by one per window of successes, up to the cap');
    } finally {
      await server.close();
    }
  });

  it('requestsPerMinute paces starts (600/min: one every 100 ms)', async () => {
    const limiter = new EndpointLimiter('paced', 4, 600);
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        await limiter.acquire();
        limiter.release();
      }),
    );
    assert.ok(Date.now() - started >= 290, `4 starts at 600/min took only ${Date.now() - started} ms`);
  });
});
