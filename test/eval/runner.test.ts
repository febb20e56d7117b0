// runBfcl and `inftool bfcl score|run` against a scripted OpenAI-compatible server on 127.0.0.1: BFCL's
// tool conversion, decoding, retries on 429, undecodable replies scored, and resuming an interrupted run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createChatClient } from '../../src/llm/client.js';
import {
  startScriptedServer,
  type ChatCompletionBody,
  type ScriptedReply,
  type ScriptedServer,
} from '../../src/llm/scripted-server.js';
import { loadBfclDataset, type BfclEntry } from '../../src/eval/bfcl-data.js';
import { bfclToolsFor } from '../../src/eval/bfcl-tools.js';
import { languageOf } from '../../src/eval/check-entry.js';
import { toPyJson, type PyDict } from '../../src/eval/py-value.js';
import { runBfcl } from '../../src/eval/run-bfcl.js';
import { correctCalls } from '../../src/eval/answers.js';

const SAMPLE = new URL('../../data/bfcl-sample', import.meta.url).pathname;
const CLI = new URL('../../src/cli/bfcl.ts', import.meta.url).pathname;
const dataset = loadBfclDataset(SAMPLE);
const run = promisify(execFile);

/** The scripted model: answers each BFCL question correctly, except the ids listed in `garble`. */
function answerer(garble: Set<string>) {
  const byQuestion = new Map<string, BfclEntry>();
  for (const e of dataset.byId.values()) byQuestion.set(JSON.stringify(e.question[0].map((m) => m.content)), e);
  return (body: ChatCompletionBody): ScriptedReply => {
    const key = JSON.stringify(body.messages.map((m) => m.content));
    const e = byQuestion.get(key);
    if (!e) return { status: 400, message: 'unknown question' };
    if (garble.has(e.id)) return { toolCalls: [{ name: body.tools![0].function.name, arguments: '{"broken": ' }] };
    if (!e.groundTruth)
      return e.category === 'live_relevance'
        ? { toolCalls: [{ name: body.tools![0].function.name, arguments: '{}' }] }
        : { content: 'I cannot help with that.' };
    const calls = correctCalls(e.groundTruth, e.functions, languageOf(e.category));
    return {
      toolCalls: calls.map((c) => {
        const [name, args] = [...c][0] as [string, PyDict];
        return { name: name.replace(/\./g, '_'), arguments: toPyJson(args) };
      }),
    };
  };
}

describe('BFCL tools as BFCL sends them', () => {
  it('makes dotted names legal, maps BFCL types to JSON Schema and Java/JS arguments to strings', () => {
    const java = dataset.byCategory.get('simple_java')![0];
    const { tools, originalName } = bfclToolsFor(java.functions, 'simple_java');
    const name = tools[0].function.name;
    assert.match(name, /^[a-zA-Z0-9_-]+$/);
    assert.equal(originalName.get(name), java.functions[0].name);
    const props = tools[0].function.parameters.properties as Record<string, { type: string }>;
    assert.ok(Object.values(props).every((p) => p.type === 'string'));
    const py = bfclToolsFor(
      [
        {
          name: 'f',
          parameters: {
            type: 'dict',
            properties: {
              x: { type: 'float', description: 'x' },
              d: { type: 'dict', properties: { t: { type: 'tuple', items: { type: 'integer' } } } },
            },
            required: ['x'],
          },
        } as never,
      ],
      'simple_python',
    );
    const p = py.tools[0].function.parameters as { type: string; properties: Record<string, any> };
    assert.equal(p.type, 'object');
    assert.deepEqual([p.properties.x.type, p.properties.x.format], ['number', 'float']);
    assert.equal(p.properties.d.type, 'object');
    assert.equal(p.properties.d.properties.t.type, 'array');
  });
});

describe('runBfcl against a scripted endpoint', () => {
  let server: ScriptedServer;
  const categories = [
    'simple_python',
    'simple_java',
    'parallel_multiple',
    'live_irrelevance',
    'live_relevance',
  ] as const;
  const garbled = dataset.byCategory.get('simple_python')![1].id;
  before(async () => {
    server = await startScriptedServer({
      reply: answerer(new Set([garbled])),
      failFirst: { count: 2, status: 429, retryAfter: 0 },
    });
  });
  after(() => server.close());

  it('asks, retries 429s, scores undecodable replies, and resumes without asking again', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'bfcl-run-'));
    const client = createChatClient({
      kind: 'openai',
      baseURL: server.baseURL,
      model: 'scripted-model',
      maxRetries: 0,
    });
    const first = await runBfcl({
      dataDir: SAMPLE,
      outDir,
      client,
      categories: [...categories],
      limit: 3,
      concurrency: 3,
      backoffMs: 1,
    });
    assert.equal(first.asked, 15);
    assert.deepEqual(first.failed, []);
    assert.equal(server.stats.injectedFailures, 2);
    assert.equal(server.stats.chat, 17, '15 questions + 2 retried 429s');
    // BFCL sends tools with legal names and no system prompt in FC mode.
    assert.ok(
      server.requests.every(
        (r) => r.tools === undefined || r.tools.every((t) => /^[a-zA-Z0-9_-]+$/.test(t.function.name)),
      ),
    );
    const bad = first.verdicts.find((v) => v.id === garbled)!;
    assert.equal(bad.error_type, 'ast_decoder:decoder_failed');
    assert.equal(
      first.verdicts.filter((v) => !v.valid).length,
      1,
      JSON.stringify(first.verdicts.filter((v) => !v.valid)),
    );
    assert.equal(first.summary.categories.simple_python!.accuracy, 2 / 3);
    assert.equal(first.summary.categories.live_irrelevance!.accuracy, 1);
    assert.equal(readFileSync(join(outDir, 'verdicts.jsonl'), 'utf8').trim().split('\n').length, 15);
    assert.ok(readFileSync(join(outDir, 'raw.jsonl'), 'utf8').includes('"error"'), 'failed attempts are logged');

    // Interrupted mid-write: a torn last line, then a larger run over the same directory.
    appendFileSync(join(outDir, 'results.jsonl'), '{"id": "simple_python_');
    const before = server.stats.chat;
    const second = await runBfcl({
      dataDir: SAMPLE,
      outDir,
      client,
      categories: [...categories],
      limit: 4,
      concurrency: 2,
      backoffMs: 1,
    });
    assert.equal(second.resumed, 15);
    assert.equal(second.asked, 5);
    assert.equal(server.stats.chat - before, 5, 'only the new entries are asked');
    assert.deepEqual(second.problems.malformed, []);
    assert.equal(second.verdicts.length, 20);
    const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
    assert.equal(summary.categories.simple_java.accuracy, 1);
  });

  it('runs and scores from the command line', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'bfcl-cli-'));
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      CLI,
      'run',
      '--data',
      SAMPLE,
      '--endpoint',
      server.baseURL,
      '--model',
      'scripted-model',
      '--out',
      outDir,
      '--categories',
      'multiple,live_simple',
      '--limit',
      '2',
      '--json',
    ]);
    const s = JSON.parse(stdout);
    assert.equal(s.asked, 4);
    assert.equal(s.categories.multiple.accuracy, 1);
    // Score the same results again, plus one line for an id the data lacks.
    const results = join(outDir, 'results.jsonl');
    writeFileSync(results, readFileSync(results, 'utf8') + '{"id": "multiple_99999", "result": []}\n');
    const verdicts = join(outDir, 'again.jsonl');
    const scored = await run(process.execPath, [
      '--import',
      'tsx',
      CLI,
      'score',
      '--data',
      SAMPLE,
      '--results',
      results,
      '--out',
      verdicts,
    ]);
    assert.match(scored.stdout, /multiple\s+2\/10/);
    assert.match(scored.stderr, /unknown id multiple_99999/);
    assert.equal(readFileSync(verdicts, 'utf8').trim().split('\n').length, 20);
  });
});
