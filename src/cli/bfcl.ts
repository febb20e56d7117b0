// `inftool bfcl score|run`: score BFCL results with the official checker's rules, or run BFCL's single-turn
// AST categories against an OpenAI-compatible endpoint. Also runnable alone: `tsx src/cli/bfcl.ts score ...`.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { createChatClient } from '../llm/client.js';
import { isAstCategory } from '../eval/bfcl-data.js';
import { runBfcl } from '../eval/run-bfcl.js';
import { formatOfficial, officialBfcl, type OfficialCliOptions } from './bfcl-official.js';
import { positiveInt } from './args.js';
import { scoreResultsFile, type ScoreReport } from '../eval/score-results.js';
import { formatSummary } from '../eval/summary.js';
import type { BfclCategory } from '../eval/types.js';

const categoryList = (v: string): BfclCategory[] =>
  v.split(',').map((c) => {
    const t = c.trim();
    if (!isAstCategory(t)) throw new InvalidArgumentError(`unknown BFCL category "${t}" (multi-turn is out of scope)`);
    return t;
  });

function printProblems(report: ScoreReport, log: (s: string) => void) {
  const p = report.problems;
  if (p.missing.length)
    log(
      `missing results: ${p.missing.length} id(s), scored as failures: ${p.missing.slice(0, 10).join(', ')}${p.missing.length > 10 ? ', ...' : ''}`,
    );
  for (const u of p.unknown) log(`results line ${u.line}: unknown id ${u.id} (not in the data)`);
  for (const m of p.malformed) log(`results line ${m.line}: malformed: ${m.error}`);
  for (const d of p.duplicate) log(`results line ${d.line}: duplicate id ${d.id} (the first line was scored)`);
}

export function registerBfclCommands(program: Command): Command {
  const bfcl = program
    .command('bfcl')
    .description('BFCL evaluation (single-turn AST categories), agreeing with the official checker');

  bfcl
    .command('score')
    .description('score a results file ({"id","result"} a line) against BFCL data')
    .requiredOption('--data <dir>', 'BFCL data directory (BFCL_v4_<category>.json + possible_answer/)')
    .requiredOption('--results <file>', 'results JSONL')
    .option('--categories <list>', 'comma-separated categories to score (default: those with results)', categoryList)
    .option('--out <file>', 'write one verdict a line here')
    .option(
      '--underscore-to-dot',
      "results name dotted functions with '_' (BFCL result files of OpenAI-style FC models)",
    )
    .option('--json', 'print the summary and problems as one JSON object')
    .action(
      (o: {
        data: string;
        results: string;
        categories?: BfclCategory[];
        out?: string;
        json?: boolean;
        underscoreToDot?: boolean;
      }) => {
        const report = scoreResultsFile({
          dataDir: o.data,
          resultsFile: o.results,
          categories: o.categories,
          underscoreToDot: o.underscoreToDot,
        });
        if (o.out) writeFileSync(o.out, report.verdicts.map((v) => JSON.stringify(v)).join('\n') + '\n');
        if (o.json) console.log(JSON.stringify({ ...report.summary, problems: report.problems }));
        else {
          console.log(formatSummary(report.summary));
          printProblems(report, (s) => console.error(s));
        }
      },
    );

  bfcl
    .command('run')
    .description('ask an OpenAI-compatible endpoint (native tool calling), then score; resumes an interrupted run')
    .requiredOption('--data <dir>', 'BFCL data directory')
    .requiredOption('--endpoint <url>', 'OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1')
    .requiredOption('--model <name>', 'model name')
    .requiredOption('--out <dir>', 'output directory (raw.jsonl, results.jsonl, verdicts.jsonl, summary.json)')
    .option('--categories <list>', 'comma-separated categories (default: all AST categories in --data)', categoryList)
    .option('--limit <n>', 'at most n entries per category', positiveInt)
    .option('--concurrency <n>', 'requests in flight', positiveInt, 4)
    .option('--retries <n>', 'retries per request on 429/5xx', (v) => Number(v), 4)
    .option('--api-key-env <var>', 'environment variable holding the API key')
    .option('--json', 'print the summary as one JSON object')
    .action(
      async (o: {
        data: string;
        endpoint: string;
        model: string;
        out: string;
        categories?: BfclCategory[];
        limit?: number;
        concurrency: number;
        retries: number;
        apiKeyEnv?: string;
        json?: boolean;
      }) => {
        // The runner retries (so a resumed run sees every attempt in raw.jsonl); the client does not.
        const client = createChatClient(
          {
            kind: 'openai',
            baseURL: o.endpoint,
            model: o.model,
            apiKeyEnv: o.apiKeyEnv,
            maxRetries: 0,
            concurrency: o.concurrency,
            temperature: 0,
          },
          { role: 'bfcl' },
        );
        let lastPrint = 0;
        const report = await runBfcl({
          dataDir: o.data,
          outDir: o.out,
          client,
          categories: o.categories,
          limit: o.limit,
          concurrency: o.concurrency,
          maxRetries: o.retries,
          onProgress: (p) => {
            if (Date.now() - lastPrint > 2000 || p.done === p.total) {
              lastPrint = Date.now();
              console.error(`${p.done}/${p.total} (${p.skipped} from an earlier run, ${p.failed} failed)`);
            }
          },
        });
        if (o.json)
          console.log(
            JSON.stringify({
              ...report.summary,
              asked: report.asked,
              resumed: report.resumed,
              failed: report.failed,
              problems: report.problems,
            }),
          );
        else {
          console.log(formatSummary(report.summary));
          printProblems(report, (s) => console.error(s));
          if (report.failed.length)
            console.error(
              `${report.failed.length} request(s) failed after retries; run the same command again to ask them`,
            );
          console.log(`outputs in ${report.outDir}`);
        }
        if (report.failed.length) process.exitCode = 1;
      },
    );
  bfcl
    .command('official')
    .description(
      "score with the official BFCL harness (bfcl-eval, multi-turn included) beside InfTool's own bfcl run, entry by entry",
    )
    .option('--policy <runId>', "serve this run's trained policy (its last cycle, or --cycle) and score it")
    .option('--cycle <n>', 'with --policy: which cycle', (v) => Number(v))
    .option('--home <dir>', 'data directory (runs, and where outputs go)', process.env.INFTOOL_HOME ?? '.inftool')
    .option('--model-file <file.gguf>', 'serve this GGUF (default: the bundled SmolLM2-135M-Instruct) and score it')
    .option('--lora <file.gguf>', 'with --model-file: a LoRA adapter')
    .option('--endpoint <url>', 'score this OpenAI-compatible endpoint instead (e.g. vLLM), with --model')
    .option('--model <name>', 'the model name the endpoint serves (or the name to serve the policy under)')
    .option('--api-key-env <var>', "environment variable holding the endpoint's key")
    .option(
      '--categories <list>',
      'comma-separated BFCL categories, multi-turn included',
      (v: string) =>
        v
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean),
      ['simple_python', 'multiple', 'parallel', 'irrelevance', 'multi_turn_base'],
    )
    .option('--limit <n>', 'entries a category (a fixed seeded selection)', positiveInt, 5)
    .option('--multi-turn-limit <n>', 'entries a multi-turn category (default: --limit)', positiveInt)
    .option('--seed <n>', 'selection seed', (v) => Number(v), 0)
    .option('--out <dir>', 'output directory (default <home>/bfcl-official/<time>)')
    .option('--threads <n>', 'CPU threads for the served model', positiveInt)
    .option('--max-tokens <n>', "reply budget of the served policy and of InfTool's own run", positiveInt, 256)
    .option('--official-only', "skip InfTool's own run and the comparison")
    .option('--json', 'print the report as JSON')
    .action(async (o: OfficialCliOptions) => {
      const report = await officialBfcl(o);
      console.log(o.json ? JSON.stringify(report) : formatOfficial(report));
    });
  return bfcl;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const program = new Command('inftool');
  registerBfclCommands(program);
  program.parseAsync([...process.argv.slice(0, 2), 'bfcl', ...process.argv.slice(2)]).catch((e: Error) => {
    console.error(e.message);
    process.exitCode = 1;
  });
}
