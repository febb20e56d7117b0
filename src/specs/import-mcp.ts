// A live MCP server as a source: connect (stdio or streamable HTTP), list every tool page, keep the
// server's own schemas, titles and annotations; its tool set forwards calls to that server (passthrough backend)
// with the environment variables declared by name.
import { connectToServer, passEnv } from './mcp-client.js';
import { type ImportedSource, functionsToSource } from './import-functions.js';
import type { ProblemLog } from './problems.js';
import { slug } from './tool-names.js';

/** `envNames`: variables the server needs (by name); passed to it now and recorded on its tool set for passthrough. */
export async function importLiveMcp(target: string, log: ProblemLog, envNames: string[] = []): Promise<ImportedSource> {
  let conn;
  try {
    conn = await connectToServer(target, { env: passEnv(envNames) });
  } catch (e) {
    log.error('', `could not connect to MCP server: ${(e as Error).message}`);
    return { tools: [], toolSets: [] };
  }
  try {
    const listed: Array<{
      name: string;
      title?: string;
      description?: string;
      inputSchema: unknown;
      outputSchema?: unknown;
      annotations?: Record<string, unknown>;
    }> = [];
    let cursor: string | undefined;
    do {
      const page = await conn.client.listTools(cursor ? { cursor } : {});
      listed.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const info = conn.client.getServerVersion();
    const name = info?.name ?? target;
    const fns = listed.map((t, i) => ({
      name: t.name,
      description: t.description,
      schema: t.inputSchema,
      outputSchema: t.outputSchema,
      pointer: `/tools/${i}`,
    }));
    // Passthrough forwards by original name, so a tool renamed to a legal name still reaches the server.
    const backend = { kind: 'passthrough' as const, server: target, ...(envNames.length ? { env: envNames } : {}) };
    const imported = functionsToSource(
      fns,
      { name: slug(name), description: conn.client.getInstructions() ?? '' },
      'mcp',
      target,
      log,
      backend,
    );
    // Title and annotations are MCP-only; keep them as the server listed them (by original name).
    const byOriginal = new Map(listed.map((t) => [t.name, t]));
    for (const tool of imported.tools) {
      const live = byOriginal.get(tool.originalName);
      if (live?.title) tool.title = live.title;
      if (live?.annotations && Object.keys(live.annotations).length) tool.annotations = { ...live.annotations };
    }
    return imported;
  } catch (e) {
    log.error('', `listing tools failed: ${(e as Error).message}`);
    return { tools: [], toolSets: [] };
  } finally {
    await conn.close().catch(() => undefined);
  }
}
