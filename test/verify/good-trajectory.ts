// Real trajectories to mutate in gate tests: synthesized once through the scripted server and a real
// in-memory MCP session, so each gate test starts from something every gate accepts.
import { startScriptedServer } from '../../src/llm/scripted-server.js';
import { createChatClient } from '../../src/llm/client.js';
import { loadExampleCatalog } from '../../src/specs/examples.js';
import { toolsOf, type Catalog } from '../../src/domain/catalog.js';
import type { Category } from '../../src/domain/category.js';
import type { Trajectory } from '../../src/domain/trajectory.js';
import { synthesizeTrajectory } from '../../src/agents/synthesize.js';
import { mcpSessionFactory } from '../../src/agents/mcp-session.js';
import { scriptedRoles } from '../../src/agents/scripted-roles.js';

export async function goodTrajectories(
  specs: Array<{ category: Category; toolSetId: string; seed: number }>,
): Promise<{ catalog: Catalog; trajectories: Trajectory[] }> {
  const server = await startScriptedServer({ reply: scriptedRoles() });
  const catalog = await loadExampleCatalog();
  const client = () =>
    createChatClient({ kind: 'openai', baseURL: server.baseURL, model: 'scripted-model', maxRetries: 0 });
  try {
    const trajectories: Trajectory[] = [];
    for (const s of specs) {
      trajectories.push(
        await synthesizeTrajectory({
          task: {
            id: `g-${s.category}-${s.toolSetId}-${s.seed}`,
            cycle: 0,
            toolSetId: s.toolSetId,
            category: s.category,
            difficulty: 'medium',
            seed: s.seed,
          },
          tools: toolsOf(catalog, s.toolSetId),
          roles: { user: client(), assistant: client() },
          mcp: mcpSessionFactory(catalog, s.toolSetId, { kind: 'simulated', seed: s.seed }),
        }),
      );
    }
    return { catalog, trajectories };
  } finally {
    await server.close();
  }
}
