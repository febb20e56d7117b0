// `inftool specs import|consolidate`: raw API specs into one normalized catalog, reporting every
// refused piece by file and JSON pointer; then optional tool-pool consolidation.
// Runs standalone too: `node --import tsx src/cli/specs.ts import ...`.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command } from 'commander';
import OpenAI from 'openai';
import { ENV_NAME_PATTERN } from '../domain/catalog.js';
import { consolidateCatalog } from '../specs/consolidate.js';
import { importSources } from '../specs/import.js';
import { formatProblem, summarizeProblems } from '../specs/problems.js';
import type { Embedder } from '../specs/similarity.js';
import { addLlmOptions, CliUsageError, llmFromOptions, readCatalog, runStandalone, type LlmCliOptions } from './mcp.js';

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, JSON.stringify(value, null, 2) + '\n');
}

/** An Embedder over any OpenAI-compatible `/v1/embeddings`. */
export function openAiEmbedder(baseURL: string, model: string, apiKeyEnv?: string): Embedder {
  const client = new OpenAI({ baseURL, apiKey: (apiKeyEnv && process.env[apiKeyEnv]) || 'not-needed' });
  return async (texts) => {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += 256) {
      const res = await client.embeddings.create({ model, input: texts.slice(i, i + 256) });
      out.push(...[...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding));
    }
    return out;
  };
}

export function register(program: Command): void {
  const specs = program.command('specs').description('import API specs into a tool catalog, and consolidate it');

  specs
    .command('import')
    .description(
      'import OpenAPI 2.0/3.x, OpenAI tools, BFCL function docs, MCP tool lists, or live MCP servers (stdio:<cmd>, http(s)://...)',
    )
    .argument(
      '<sources...>',
      'files (format detected; force with openapi:|openai:|bfcl:|mcp: prefix), stdio:<command> or an MCP URL',
    )
    .requiredOption('--out <file>', 'catalog JSON to write')
    .option('--strict', 'exit 1 when anything was refused (default: exit 0 whenever tools were imported)')
    .option('--verbose', 'print every refusal and warning with its file and JSON pointer, not just the summary')
    .option('--problems <file>', 'also write every refusal and warning as JSON')
    .option(
      '--pass-env <names>',
      'comma-separated environment variable names a stdio MCP server needs (values are never written)',
    )
    .action(
      async (
        sources: string[],
        o: { out: string; strict?: boolean; verbose?: boolean; problems?: string; passEnv?: string },
      ) => {
        const passEnv = (o.passEnv ?? '')
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean);
        const badName = passEnv.find((n) => !ENV_NAME_PATTERN.test(n));
        if (badName !== undefined)
          throw new CliUsageError(`--pass-env: '${badName}' is not an environment variable name`);
        // One line per source as it finishes: progress for many or huge sources, and the grouped reasons.
        let lastProgress = Date.now();
        const { catalog, problems } = await importSources(sources, {
          passEnv,
          // A huge spec takes minutes: a line every 10 s says how far it got.
          onProgress: (source, done, total) => {
            if (Date.now() - lastProgress < 10_000) return;
            lastProgress = Date.now();
            console.error(`${source}: ${done} of ${total} paths imported…`);
          },
          onSource: (s, found) => {
            if (o.verbose) for (const p of found) console.error(formatProblem(p));
            const parts = [summarizeProblems(found, 'error'), summarizeProblems(found, 'warning')].filter(Boolean);
            console.error(`${s.source} (${s.format}): ${s.tools} tools${parts.length ? `; ${parts.join('; ')}` : ''}`);
          },
        });
        await writeJson(o.out, catalog);
        if (o.problems) await writeJson(o.problems, problems);
        const refused = problems.filter((p) => p.severity === 'error').length;
        const more = o.verbose
          ? 'listed above'
          : `--verbose${o.problems ? '' : ' or --problems <file>'} lists each with its file and JSON pointer`;
        console.log(
          `${o.out}: ${catalog.tools.length} tools in ${catalog.toolSets.length} tool sets${refused ? `; ${refused} refused (${more})` : ''}`,
        );
        if (catalog.tools.length === 0) throw new Error(`no tool could be imported from ${sources.join(', ')}`);
        if (refused && o.strict) throw new Error(`${refused} refused with --strict; ${o.out} holds everything else`);
      },
    );

  addLlmOptions(
    specs
      .command('consolidate')
      .description('cluster similar tools and merge redundant ones (LLM if given, else a deterministic rule)')
      .requiredOption('--catalog <file>', 'catalog to read')
      .requiredOption('--out <file>', 'consolidated catalog to write')
      .option('--threshold <x>', 'cluster similarity threshold (default 0.5 lexical, 0.8 embeddings)')
      .option('--embeddings-base-url <url>', 'OpenAI-compatible endpoint for embeddings (default: TF-IDF)')
      .option('--embeddings-model <name>', 'embeddings model')
      .option('--report <file>', 'also write the report as JSON'),
  ).action(
    async (
      o: LlmCliOptions & {
        catalog: string;
        out: string;
        threshold?: string;
        embeddingsBaseUrl?: string;
        embeddingsModel?: string;
        report?: string;
      },
    ) => {
      const input = await readCatalog(o.catalog);
      const threshold = o.threshold === undefined ? undefined : Number(o.threshold);
      if (threshold !== undefined && !(threshold > 0 && threshold <= 1))
        throw new CliUsageError(`--threshold must be in (0, 1], got '${o.threshold}'`);
      if (!!o.embeddingsBaseUrl !== !!o.embeddingsModel)
        throw new CliUsageError('--embeddings-base-url and --embeddings-model go together');
      const embed = o.embeddingsBaseUrl
        ? openAiEmbedder(o.embeddingsBaseUrl, o.embeddingsModel!, o.llmApiKeyEnv)
        : undefined;
      const llm = llmFromOptions(o, 'consolidator');
      // With an LLM each cluster is one model call: say which one is being decided, so a long run is visibly alive.
      const onCluster = llm
        ? (k: number, n: number, names: string[]) => {
            const shown = `${names.slice(0, 4).join(', ')}${names.length > 4 ? `, +${names.length - 4}` : ''}`;
            console.error(`cluster ${k + 1}/${n}: ${shown} (asking ${llm.label})`);
          }
        : undefined;
      const { catalog, report } = await consolidateCatalog(input, { llm, embed, threshold, onCluster });
      await writeJson(o.out, catalog);
      if (o.report) await writeJson(o.report, report);
      for (const m of report.merges) console.error(`merged ${m.from.join(', ')} -> ${m.into} (${m.by})`);
      for (const f of report.llmFallbacks)
        console.error(`LLM answer unusable for [${f.cluster.join(', ')}]: ${f.reason}; rule used`);
      console.log('domain\ttools in\ttools out');
      for (const d of report.perDomain) console.log(`${d.domain}\t${d.toolsIn}\t${d.toolsOut}`);
      console.log(
        `${o.out}: ${input.tools.length} -> ${catalog.tools.length} tools (${report.clusters} clusters, ${report.merges.length} merges)`,
      );
    },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runStandalone('specs', register);
