// Runs BFCL's single-turn AST categories against any ChatClient in native tool-calling ("FC") mode: asks,
// decodes, appends results (resumable), then scores and writes verdicts and a summary. An endpoint outage
// is never scored: the run stops asking, lets the requests in flight finish, and throws it (the next run
// resumes from results.jsonl). Retries: see src/llm/outage.ts; this loop retries only a client that does not.
//
// outDir layout: raw.jsonl (every reply or failure, append-only), results.jsonl (`{"id","result"}`, append-only;
// the resume key), verdicts.jsonl and summary.json (rewritten from results.jsonl at the end of every run).
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  truncateSync,
  writeFileSync,
  statSync,
  readSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { ChatClient, ChatMessage, ChatResponse } from '../domain/chat.js';
import { loadBfclDataset, type BfclDataset, type BfclEntry } from './bfcl-data.js';
import { bfclToolsFor } from './bfcl-tools.js';
import { parsePyJson, toPyJson, type PyDict, type PyValue } from './py-value.js';
import { parseResultsJsonl, scoreResults, type ScoreReport } from './score-results.js';
import { BFCL_AST_CATEGORIES, type BfclCategory } from './types.js';
import { isOutage } from '../llm/outage.js';
import { mapLimit } from '../domain/map-limit.js';

export const RunBfclOptionsSchema = z.object({
  dataDir: z.string().min(1),
  outDir: z.string().min(1),
  categories: z.array(z.enum(BFCL_AST_CATEGORIES)).optional(),
  /** At most this many entries per category: the first ones in file order, or a seeded sample when `seed` is set. */
  limit: z.number().int().positive().optional(),
  /** With `limit`: a fixed seeded selection (the same entries every time for the same seed and data). */
  seed: z.number().int().optional(),
  concurrency: z.number().int().positive().default(4),
  /** Retries of one request on HTTP 429/5xx or a connection failure, with exponential backoff; none for an
   * outage the client already retried (its EndpointUnavailable says attempts > 1). */
  maxRetries: z.number().int().min(0).default(4),
  backoffMs: z.number().int().min(0).default(500),
  temperature: z.number().min(0).max(2).default(0),
  maxTokens: z.number().int().positive().optional(),
});
export type RunBfclOptions = z.input<typeof RunBfclOptionsSchema> & {
  client: ChatClient;
  onProgress?: (p: { done: number; total: number; id: string; skipped: number; failed: number }) => void;
};

export type RunBfclResult = ScoreReport & {
  outDir: string;
  asked: number;
  /** Entries already in results.jsonl from an earlier, interrupted run. */
  resumed: number;
  /** Entries whose request the endpoint refused (no result written; the next run asks again). An outage throws instead. */
  failed: { id: string; error: string }[];
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isRetryable(err: unknown): boolean {
  const e = err as { status?: unknown; retryable?: unknown; code?: unknown; attempts?: unknown };
  if (isOutage(err) && typeof e.attempts === 'number' && e.attempts > 1) return false; // the client spent its budget already
  if (typeof e?.retryable === 'boolean') return e.retryable;
  if (typeof e?.status === 'number') return e.status === 429 || e.status >= 500;
  return typeof e?.code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|UND_ERR)/.test(e.code);
}

/** BFCL FC decoding of one reply into the results form; undecodable arguments are kept as raw text. */
export function decodeReply(response: Pick<ChatResponse, 'message'>, originalName: Map<string, string>): PyValue {
  const calls = response.message.tool_calls ?? [];
  if (calls.length === 0) return response.message.content ?? '';
  return calls.map((c): PyDict => {
    const name = originalName.get(c.function.name) ?? c.function.name;
    let args: PyValue;
    try {
      args = parsePyJson(c.function.arguments);
    } catch {
      args = c.function.arguments; // scored as BFCL scores it: a decode failure
    }
    return new Map([[name, args]]);
  });
}

/** Ids already answered in results.jsonl; drops a torn last line left by a crash mid-write. */
function readDoneIds(resultsPath: string): Set<string> {
  if (!existsSync(resultsPath)) return new Set();
  const size = statSync(resultsPath).size;
  if (size > 0) {
    const fd = openSync(resultsPath, 'r');
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    closeSync(fd);
    if (last[0] !== 0x0a) {
      const text = readFileSync(resultsPath, 'utf8');
      truncateSync(resultsPath, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
    }
  }
  return new Set(parseResultsJsonl(readFileSync(resultsPath, 'utf8')).results.map((r) => r.id));
}

/**
 * The fixed seeded selection of a category's ids: without `limit` all of them; without `seed` the first
 * `limit`; otherwise the `limit` whose sha256(seed:id) is smallest (a sample that does not move when other
 * entries are added), in file order. `bfcl run`, the evaluate stage and the official harness all select with it.
 */
export function selectIds(ids: string[], limit: number | undefined, seed: number | undefined): string[] {
  if (!limit) return ids;
  if (seed === undefined) return ids.slice(0, limit);
  const rank = (id: string) => createHash('sha256').update(`${seed}:${id}`).digest('hex');
  const chosen = new Set(
    ids
      .map((id) => [rank(id), id] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, limit)
      .map(([, id]) => id),
  );
  return ids.filter((id) => chosen.has(id));
}

/** The dataset restricted to `limit` entries per category, chosen by selectIds. */
export function limitDataset(dataset: BfclDataset, limit?: number, seed?: number): BfclDataset {
  if (!limit) return dataset;
  const byCategory = new Map<BfclCategory, BfclEntry[]>();
  const byId = new Map<string, BfclEntry>();
  for (const [c, es] of dataset.byCategory) {
    const chosen = new Set(
      selectIds(
        es.map((e) => e.id),
        limit,
        seed,
      ),
    );
    const kept = es.filter((e) => chosen.has(e.id));
    byCategory.set(c, kept);
    for (const e of kept) byId.set(e.id, e);
  }
  return { dir: dataset.dir, byCategory, byId };
}

export async function runBfcl(options: RunBfclOptions): Promise<RunBfclResult> {
  const opts = RunBfclOptionsSchema.parse(options);
  const { client, onProgress } = options;
  const dataset = limitDataset(loadBfclDataset(opts.dataDir, opts.categories), opts.limit, opts.seed);
  mkdirSync(opts.outDir, { recursive: true });
  const resultsPath = join(opts.outDir, 'results.jsonl');
  const rawPath = join(opts.outDir, 'raw.jsonl');
  const done = readDoneIds(resultsPath);
  const todo = [...dataset.byId.values()].filter((e) => !done.has(e.id));
  const resumed = dataset.byId.size - todo.length;
  const failed: RunBfclResult['failed'] = [];
  let outage: unknown;
  let finished = 0;

  const askOne = async (entry: BfclEntry) => {
    const { tools, originalName } = bfclToolsFor(entry.functions, entry.category);
    // Single-turn categories: the first turn's messages, as BFCL sends them (no system prompt added in FC mode).
    const messages = entry.question[0].map((m) => ({ role: m.role, content: m.content })) as ChatMessage[];
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await client.chat({
          messages,
          tools: tools.length ? tools : undefined,
          temperature: opts.temperature,
          maxTokens: opts.maxTokens,
        });
        const result = decodeReply(response, originalName);
        appendFileSync(
          rawPath,
          JSON.stringify({
            id: entry.id,
            attempt,
            message: response.message,
            usage: response.usage,
            latencyMs: response.latencyMs,
            finishReason: response.finishReason,
          }) + '\n',
        );
        appendFileSync(resultsPath, `{"id": ${JSON.stringify(entry.id)}, "result": ${toPyJson(result)}}\n`);
        return;
      } catch (err) {
        const message = (err as Error)?.message ?? String(err);
        appendFileSync(rawPath, JSON.stringify({ id: entry.id, attempt, error: message }) + '\n');
        if (!isRetryable(err) || attempt >= opts.maxRetries) {
          if (isOutage(err))
            outage ??= err; // not an answer: nothing is written, the run stops and says why
          else failed.push({ id: entry.id, error: message });
          return;
        }
        await sleep(opts.backoffMs * 2 ** attempt * (0.5 + Math.random() / 2));
      }
    }
  };

  // An outage stops new entries; the ones in flight finish (and are kept), then it is thrown.
  await mapLimit(todo, opts.concurrency, async (entry) => {
    await askOne(entry);
    if (outage !== undefined) throw outage;
    finished++;
    onProgress?.({
      done: finished + resumed,
      total: dataset.byId.size,
      id: entry.id,
      skipped: resumed,
      failed: failed.length,
    });
  });

  const report = scoreResults(
    dataset,
    parseResultsJsonl(existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : ''),
    [...dataset.byCategory.keys()],
  );
  writeFileSync(
    join(opts.outDir, 'verdicts.jsonl'),
    report.verdicts.map((v) => JSON.stringify(v)).join('\n') + (report.verdicts.length ? '\n' : ''),
  );
  writeFileSync(
    join(opts.outDir, 'summary.json'),
    JSON.stringify(
      {
        model: client.label,
        dataDir: opts.dataDir,
        limit: opts.limit ?? null,
        seed: opts.seed ?? null,
        ids: [...dataset.byId.keys()],
        asked: todo.length,
        resumed,
        failed,
        ...report.summary,
        problems: report.problems,
      },
      null,
      2,
    ) + '\n',
  );
  return { ...report, outDir: opts.outDir, asked: todo.length, resumed, failed };
}
