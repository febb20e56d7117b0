// `inftool serve`: the base model or any cycle's trained policy as an OpenAI-compatible endpoint, for other
// tools, agents and harnesses (the official BFCL harness among them). Needs no Temporal server.
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { positiveInt } from './args.js';
import { LocalChatClient, defaultThreads } from '../llm/local-client.js';
import { defaultLocalModelPath } from '../llm/local-model.js';
import { ModelRefSchema } from '../llm/types.js';
import { loadCycleRecords } from '../report/write.js';
import { startOpenAIServer, type OpenAIServer } from '../serve/openai-server.js';
import { artifactsDir } from '../store/artifact-store.js';

export type ServeCliOptions = {
  policy?: string;
  cycle?: number;
  home: string;
  model?: string;
  lora?: string;
  name?: string;
  host: string;
  port: number;
  apiKey?: string;
  parallel: number;
  contextSize: number;
  maxTokens: number;
  threads?: number;
  quiet?: boolean;
};

/** The GGUF (and adapter) a run's cycle trained: the last cycle's unless `cycle` is given. */
export async function policyFiles(
  home: string,
  runId: string,
  cycle?: number,
): Promise<{ modelPath: string; loraPath?: string; cycle: number }> {
  const records = await loadCycleRecords({ storeRoot: artifactsDir(home), runId });
  if (records.length === 0)
    throw new Error(
      `no finished cycle of run "${runId}" in ${resolve(home)}/artifacts; pass --home (the run's data directory) or wait for its first cycle`,
    );
  const record = cycle === undefined ? records.at(-1)! : records.find((r) => r.cycle === cycle);
  if (!record)
    throw new Error(
      `run "${runId}" has no finished cycle ${cycle}; finished: ${records.map((r) => r.cycle).join(', ')}`,
    );
  const ref = ModelRefSchema.parse(record.training.policy);
  if (ref.kind !== 'gguf') {
    throw new Error(
      `cycle ${record.cycle} of "${runId}" trained a policy served by ${ref.baseURL} (model ${ref.adapter ?? ref.model}); point your client there`,
    );
  }
  return { modelPath: ref.path, loraPath: ref.loraPath, cycle: record.cycle };
}

/** Starts the endpoint for the CLI's options; resolves once it listens (the model may still be loading). */
export async function serve(
  o: ServeCliOptions,
): Promise<{ server: OpenAIServer; modelId: string; description: string }> {
  if (o.policy && (o.model || o.lora))
    throw new Error('give either --policy RUN_ID or --model FILE [--lora FILE], not both');
  const policy = o.policy ? await policyFiles(o.home, o.policy, o.cycle) : undefined;
  const files = policy ?? {
    modelPath: resolve(o.model ?? defaultLocalModelPath()),
    loraPath: o.lora && resolve(o.lora),
  };
  const modelId = o.name ?? (policy ? `${o.policy}/cycle-${policy.cycle}` : basename(files.modelPath, '.gguf'));
  const client = new LocalChatClient(
    {
      kind: 'local',
      modelPath: files.modelPath,
      loraPath: files.loraPath,
      concurrency: o.parallel,
      contextSize: o.contextSize,
      temperature: 1,
      maxTokens: o.maxTokens,
    },
    { role: 'serve', strictContext: true, threads: o.threads ?? defaultThreads() },
  );
  const server = await startOpenAIServer({
    models: [{ id: modelId, client, defaultMaxTokens: o.maxTokens }],
    host: o.host,
    port: o.port,
    apiKey: o.apiKey,
    log: o.quiet ? undefined : (line) => console.error(line),
  });
  const description = `${basename(files.modelPath)}${files.loraPath ? ` + ${basename(files.loraPath)}` : ''}`;
  return { server, modelId, description };
}

export function register(program: Command): Command {
  return program
    .command('serve')
    .description(
      'serve the base model or a trained policy as an OpenAI-compatible endpoint (/v1/chat/completions with tools, streaming)',
    )
    .option('--policy <runId>', "serve this run's trained policy (its last cycle, or --cycle)")
    .option('--cycle <n>', 'with --policy: the cycle whose policy to serve', (v) => Number(v))
    .option('--home <dir>', 'data directory of the run (with --policy)', process.env.INFTOOL_HOME ?? '.inftool')
    .option('--model <file.gguf>', 'serve this GGUF model (default: the bundled SmolLM2-135M-Instruct)')
    .option('--lora <file.gguf>', 'with --model: a LoRA adapter (GGUF) applied on top')
    .option('--name <id>', 'the model id clients send (default: RUN/cycle-N, or the file name)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free port)', (v) => Number(v), 8000)
    .option('--api-key <key>', 'require this bearer key (default: $INFTOOL_SERVE_API_KEY, else none)')
    .option('--parallel <n>', 'requests decoded at once (parallel sequences of one context)', positiveInt, 2)
    .option('--context-size <n>', 'tokens of prompt and reply together, per sequence', positiveInt, 8192)
    .option('--max-tokens <n>', 'reply length when a request sets no max_tokens', positiveInt, 512)
    .option('--threads <n>', 'CPU threads (default: one fewer than the cores, at least 1)', positiveInt)
    .option('--quiet', 'no request log')
    .action(async (o: ServeCliOptions) => {
      const { server, modelId, description } = await serve({
        ...o,
        apiKey: o.apiKey ?? process.env.INFTOOL_SERVE_API_KEY,
      });
      console.log(`serving ${description} as model "${modelId}" at ${server.baseURL} (loading...)`);
      await server.ready;
      console.log(`ready: OPENAI_BASE_URL=${server.baseURL}`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
