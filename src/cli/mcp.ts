// `inftool mcp serve`: one tool set of a catalog as a live MCP server over stdio or streamable HTTP,
// simulated by an LLM (or schema-only when none is configured) or forwarded to its real server.
// Runs standalone too: `node --import tsx src/cli/mcp.ts serve ...`.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createChatClient } from '../llm/client.js';
import type { ChatClient } from '../domain/chat.js';
import { CatalogSchema, type Catalog } from '../domain/catalog.js';
import { badArguments, INVALID_PARAMS, serveHttp } from '../mcp/http-server.js';
import { createToolSetServer, type ToolHandlerConfig } from '../mcp/tool-server.js';

/** `--llm-*` options shared by commands that can use an LLM. */
export function addLlmOptions(cmd: Command): Command {
  return cmd
    .option('--llm-base-url <url>', 'OpenAI-compatible endpoint (e.g. http://127.0.0.1:8000/v1) of the LLM to use')
    .option('--llm-model <name>', 'model name at that endpoint')
    .option('--llm-api-key-env <VAR>', 'environment variable holding the API key')
    .option('--llm-local', 'use the embedded local model (node-llama-cpp) instead of an endpoint');
}

export type LlmCliOptions = { llmBaseUrl?: string; llmModel?: string; llmApiKeyEnv?: string; llmLocal?: boolean };

/** undefined when no LLM is configured; throws with the missing option named. */
export function llmFromOptions(o: LlmCliOptions, role: string): ChatClient | undefined {
  if (o.llmLocal) return createChatClient({ kind: 'local', temperature: 0 }, { role });
  if (!o.llmBaseUrl && !o.llmModel) return undefined;
  if (!o.llmBaseUrl || !o.llmModel) throw new CliUsageError('--llm-base-url and --llm-model go together');
  return createChatClient(
    { kind: 'openai', baseURL: o.llmBaseUrl, model: o.llmModel, apiKeyEnv: o.llmApiKeyEnv, temperature: 0 },
    { role },
  );
}

/**
 * A usage error: printed here, then thrown as a CommanderError so that \`inftool\` (src/cli/main.ts) and
 * the standalone runner both exit 2. Any other thrown Error exits 1 with its message.
 */
export class CliUsageError extends CommanderError {
  constructor(message: string) {
    super(2, 'inftool.usage', message);
    console.error(`error: ${message}`);
  }
}

/** Standalone runner for a command group file: same exit codes as \`inftool\` (0 ok, 1 failure, 2 usage). */
export async function runStandalone(group: string, registerGroup: (program: Command) => void): Promise<void> {
  // exitOverride before register: subcommands copy the setting when they are created.
  const program = new Command('inftool').exitOverride();
  registerGroup(program);
  try {
    // The file is the group: \`mcp.ts serve ...\` means \`inftool mcp serve ...\`.
    await program.parseAsync([process.argv[0], process.argv[1], group, ...process.argv.slice(2)]);
  } catch (e) {
    if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
    else {
      console.error(`inftool: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  }
}

export async function readCatalog(file: string): Promise<Catalog> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read catalog ${file}: ${(e as Error).message}`);
  }
  const parsed = CatalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}#/${issue.path.join('/')}: not a valid catalog: ${issue.message} (write one with 'inftool specs import')`,
    );
  }
  return parsed.data;
}

export function register(program: Command): void {
  const mcp = program.command('mcp').description('serve catalog tool sets as MCP servers');
  addLlmOptions(
    mcp
      .command('serve')
      .description('serve one tool set over stdio or streamable HTTP; each session gets its own simulated world')
      .requiredOption('--catalog <file>', 'catalog JSON written by `inftool specs import`')
      .requiredOption('--toolset <id>', 'tool set id in the catalog')
      .addOption(new Option('--transport <kind>', 'stdio or http').choices(['stdio', 'http']).default('stdio'))
      .option('--port <n>', 'HTTP port (0: any free port)', '0')
      .option('--host <addr>', 'HTTP bind address', '127.0.0.1')
      .option('--seed <n>', 'simulation seed (with a temperature-0 LLM, same seed = same replies)', '0')
      .option('--passthrough', 'forward calls to the real MCP server the tool set came from'),
  ).action(
    async (
      o: LlmCliOptions & {
        catalog: string;
        toolset: string;
        transport: 'stdio' | 'http';
        port: string;
        host: string;
        seed: string;
        passthrough?: boolean;
      },
    ) => {
      const catalog = await readCatalog(o.catalog);
      if (!catalog.toolSets.some((s) => s.id === o.toolset))
        throw new CliUsageError(
          `tool set '${o.toolset}' is not in ${o.catalog} (have: ${catalog.toolSets.map((s) => s.id).join(', ')})`,
        );
      const seed = Number(o.seed);
      const port = Number(o.port);
      if (!Number.isInteger(seed)) throw new CliUsageError(`--seed must be an integer, got '${o.seed}'`);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CliUsageError(`--port must be 0..65535, got '${o.port}'`);
      const llm = llmFromOptions(o, 'mcp-simulator');
      const handler: ToolHandlerConfig = o.passthrough ? { kind: 'passthrough' } : { kind: 'simulated', llm, seed };
      const createSession = () => createToolSetServer({ catalog, toolSetId: o.toolset, handler });
      const mode = o.passthrough
        ? 'passthrough'
        : llm
          ? `simulated by ${llm.label}`
          : 'simulated from schemas only (no --llm-* given)';
      if (o.transport === 'stdio') {
        const session = createSession();
        const transport = new StdioServerTransport();
        await session.server.connect(transport);
        // As over HTTP: non-object tools/call arguments get JSON-RPC's -32602, not the SDK's -32603 with a raw dump.
        const deliver = transport.onmessage!;
        transport.onmessage = (message) => {
          const bad = badArguments(message);
          if (!bad) return deliver(message);
          void transport.send({
            jsonrpc: '2.0',
            id: bad.id as string | number,
            error: { code: INVALID_PARAMS, message: bad.message },
          });
        };
        console.error(`inftool mcp: tool set '${o.toolset}' (${session.tools.length} tools, ${mode}) on stdio`);
        return;
      }
      const http = await serveHttp({ createSession, port, host: o.host });
      // The URL goes to stdout, alone on its line, so scripts (and tests) can read it.
      console.log(http.url);
      console.error(`inftool mcp: tool set '${o.toolset}' (${mode}) at ${http.url}; Ctrl-C to stop`);
      await new Promise<void>((done) => {
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void http.close().then(done));
      });
    },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runStandalone('mcp', register);
