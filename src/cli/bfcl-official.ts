// `inftool bfcl official`: scores a policy with the official BFCL harness (bfcl-eval, pinned, in its own
// environment), multi-turn included, beside InfTool's own `bfcl run` on the same endpoint and entries, and
// lists every single-turn entry where the two verdicts differ, with both replies.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createChatClient } from '../llm/client.js';
import { isAstCategory } from '../eval/bfcl-data.js';
import { ensureFullBfclData } from '../eval/bfcl-full-data.js';
import {
  ensureOfficialHarness,
  HARNESS_REGISTRY,
  HARNESS_VERSION,
  officialSelection,
  readResultsFile,
  runOfficialHarness,
  type OfficialRun,
} from '../eval/official-harness.js';
import { runBfcl } from '../eval/run-bfcl.js';
import type { BfclCategory } from '../eval/types.js';
import { serve, type ServeCliOptions } from './serve.js';
import { timeStamp } from './args.js';

export type OfficialCliOptions = {
  policy?: string;
  cycle?: number;
  home: string;
  modelFile?: string;
  lora?: string;
  endpoint?: string;
  model?: string;
  apiKeyEnv?: string;
  categories: string[];
  limit: number;
  /** Entries a multi-turn category (each is a whole conversation, far dearer than a single turn); default `limit`. */
  multiTurnLimit?: number;
  seed: number;
  out?: string;
  threads?: number;
  /** Reply budget of the served policy (and of InfTool's own run, so both ask alike); default 256. */
  maxTokens?: number;
  json?: boolean;
  /** Skip InfTool's own run (only the official scores). */
  officialOnly?: boolean;
  log?: (line: string) => void;
};

export type Disagreement = {
  id: string;
  category: string;
  sameReply: boolean;
  official: { valid: boolean; errorType?: string; reply: unknown };
  inftool: { valid: boolean; errorType?: string; reply: unknown };
};

export type OfficialReport = {
  harness: { package: string; version: string; handler: string; registry: string; commands: string[] };
  endpoint: { baseURL: string; model: string; served: string | null };
  selection: { limit: number; multiTurnLimit: number; seed: number; ids: Record<string, string[]> };
  official: OfficialRun['scores'];
  inftool: Record<string, { accuracy: number; correct: number; total: number }>;
  agreement: Record<string, { agree: number; of: number }>;
  disagreements: Disagreement[];
  outDir: string;
};

/** A reply as comparable data: calls as [{name with '.' as '_': arguments object}], text as text. */
export function normalizeReply(reply: unknown): unknown {
  if (!Array.isArray(reply)) return typeof reply === 'string' ? reply : JSON.stringify(reply);
  return reply.map((call) => {
    if (typeof call !== 'object' || call === null) return call;
    const [[name, args]] = Object.entries(call as Record<string, unknown>);
    let value = args;
    if (typeof args === 'string') {
      try {
        value = JSON.parse(args);
      } catch {
        // kept as text: an undecodable call compares as its text
      }
    }
    return { [name.replace(/\./g, '_')]: value };
  });
}

const sameReply = (a: unknown, b: unknown) => JSON.stringify(normalizeReply(a)) === JSON.stringify(normalizeReply(b));

export async function officialBfcl(o: OfficialCliOptions): Promise<OfficialReport> {
  const log = o.log ?? ((s: string) => console.error(s));
  if (o.endpoint && !o.model) throw new Error('--endpoint needs --model (the model name the endpoint serves)');
  if (o.endpoint && (o.policy || o.modelFile))
    throw new Error('give one of --endpoint URL, --policy RUN_ID or --model-file FILE');
  const dataDir = await ensureFullBfclData();
  const outDir = resolve(o.out ?? join(o.home, 'bfcl-official', timeStamp()));
  mkdirSync(outDir, { recursive: true });
  const ids = officialSelection(dataDir, o.categories, o.limit, o.seed, o.multiTurnLimit);
  const python = await ensureOfficialHarness({ log });

  let served: Awaited<ReturnType<typeof serve>> | undefined;
  let baseURL = o.endpoint;
  let model = o.model;
  if (!baseURL) {
    const s: ServeCliOptions = {
      policy: o.policy,
      cycle: o.cycle,
      home: o.home,
      model: o.modelFile,
      lora: o.lora,
      name: o.model ?? 'inftool-policy',
      host: '127.0.0.1',
      port: 0,
      parallel: 1,
      contextSize: 8192,
      maxTokens: o.maxTokens ?? 256,
      threads: o.threads,
      quiet: true,
    };
    served = await serve(s);
    await served.server.ready;
    baseURL = served.server.baseURL;
    model = served.modelId;
    log(`serving ${served.description} as "${model}" at ${baseURL}`);
  }
  try {
    const apiKey = o.apiKeyEnv ? process.env[o.apiKeyEnv] : undefined;
    log(
      `official harness bfcl-eval==${HARNESS_VERSION}: ${Object.entries(ids)
        .map(([c, l]) => `${c} ${l.length}`)
        .join(', ')}`,
    );
    const official = await runOfficialHarness({
      python,
      baseURL,
      model: model!,
      apiKey,
      ids,
      workDir: join(outDir, 'official'),
      log: (l) => {
        if (/^(🔍|✅|🦍|🏁)/u.test(l)) log(l);
      },
    });

    const astCategories = o.categories.filter(isAstCategory) as BfclCategory[];
    const inftool: OfficialReport['inftool'] = {};
    const agreement: OfficialReport['agreement'] = {};
    const disagreements: Disagreement[] = [];
    if (!o.officialOnly && astCategories.length) {
      log(`InfTool's own bfcl run on the same entries: ${astCategories.join(', ')}`);
      const client = createChatClient(
        {
          kind: 'openai',
          baseURL,
          model: model!,
          apiKeyEnv: o.apiKeyEnv,
          maxRetries: 4,
          concurrency: 1,
          temperature: 0,
          maxTokens: o.maxTokens ?? 256,
        },
        { role: 'bfcl' },
      );
      const mine = await runBfcl({
        dataDir,
        outDir: join(outDir, 'inftool'),
        client,
        categories: astCategories,
        limit: o.limit,
        seed: o.seed,
        concurrency: 1,
      });
      const myReplies = readResultsFile(join(outDir, 'inftool', 'results.jsonl'));
      for (const c of astCategories) {
        const s = mine.summary.categories[c];
        if (s) inftool[c] = { accuracy: s.accuracy, correct: s.correct, total: s.total };
        let agree = 0;
        const mineOf = mine.verdicts.filter((v) => v.category === c);
        for (const v of mineOf) {
          const theirs = official.verdicts.get(v.id);
          if (theirs && theirs.valid === v.valid) {
            agree++;
            continue;
          }
          disagreements.push({
            id: v.id,
            category: c,
            sameReply: sameReply(official.results.get(v.id), myReplies.get(v.id)),
            official: {
              valid: theirs?.valid ?? false,
              errorType: theirs?.errorType ?? (theirs ? undefined : 'not in the harness results'),
              reply: official.results.get(v.id),
            },
            inftool: { valid: v.valid, errorType: v.error_type, reply: myReplies.get(v.id) },
          });
        }
        agreement[c] = { agree, of: mineOf.length };
      }
    }
    const report: OfficialReport = {
      harness: {
        package: 'bfcl-eval',
        version: HARNESS_VERSION,
        handler: 'OpenAICompletionsHandler (function calling)',
        registry: HARNESS_REGISTRY,
        commands: official.commands,
      },
      endpoint: { baseURL, model: model!, served: served?.description ?? null },
      selection: { limit: o.limit, multiTurnLimit: o.multiTurnLimit ?? o.limit, seed: o.seed, ids },
      official: official.scores,
      inftool,
      agreement,
      disagreements,
      outDir,
    };
    writeFileSync(join(outDir, 'summary.json'), JSON.stringify(report, null, 2) + '\n');
    return report;
  } finally {
    await served?.server.close();
  }
}

export function formatOfficial(r: OfficialReport): string {
  const pct = (x: number | undefined) => (typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '–');
  const lines = [
    `official BFCL harness bfcl-eval==${r.harness.version} (${r.harness.handler}) against ${r.endpoint.model} @ ${r.endpoint.baseURL}${r.endpoint.served ? ` (${r.endpoint.served})` : ''}`,
    `entries: ${r.selection.limit} a category (${r.selection.multiTurnLimit} a multi-turn one), seeded selection (seed ${r.selection.seed}); partial evaluation, so not a leaderboard number`,
    `${'category'.padEnd(26)}${'official'.padStart(16)}${'inftool'.padStart(16)}${'agree'.padStart(10)}`,
  ];
  for (const [c, s] of Object.entries(r.official)) {
    const mine = r.inftool[c];
    const a = r.agreement[c];
    lines.push(
      `${c.padEnd(26)}${`${pct(s.accuracy)} ${s.correct}/${s.total}`.padStart(16)}${(mine ? `${pct(mine.accuracy)} ${mine.correct}/${mine.total}` : 'not scored').padStart(16)}${(a ? `${a.agree}/${a.of}` : '').padStart(10)}`,
    );
  }
  if (r.disagreements.length) {
    lines.push(
      '',
      `${r.disagreements.length} entr${r.disagreements.length === 1 ? 'y' : 'ies'} where the verdicts differ:`,
    );
    for (const d of r.disagreements) {
      lines.push(
        `- ${d.id} (${d.sameReply ? 'the same reply, scored differently' : 'the replies differ'}): official ${d.official.valid ? 'valid' : `invalid (${d.official.errorType ?? '?'})`}, inftool ${d.inftool.valid ? 'valid' : `invalid (${d.inftool.errorType ?? '?'})`}`,
      );
      lines.push(`    official reply: ${JSON.stringify(d.official.reply)}`);
      lines.push(`    inftool reply:  ${JSON.stringify(d.inftool.reply)}`);
    }
  }
  lines.push('', `outputs in ${r.outDir}`);
  return lines.join('\n');
}
