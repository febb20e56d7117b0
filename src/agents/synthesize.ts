// One task in, one trajectory out: the user simulator fixes and voices the goal, the assistant works
// through MCP, turn by turn. Deterministic given deterministic models; a model's bad output never throws,
// and an endpoint outage always does (it is no part of the trajectory: the activity is retried).
import type { ChatClient, ChatMessage, OpenAITool } from '../domain/chat.js';
import type { Tool, ToolSet } from '../domain/catalog.js';
import type { Goal, TaskSpec } from '../domain/task.js';
import type { Trajectory } from '../domain/trajectory.js';
import { resolveTurn } from '../domain/result-refs.js';
import { UserSimulator, priorConversation } from './user-simulator.js';
import { ASSISTANT_SYSTEM_PROMPT } from '../domain/rl-prompt.js';
import { ToolCallingAssistant, type McpSession } from './assistant.js';
import { decodedCalls, goalCallToGroundTruth, matchCalls } from '../eval/bfcl-match.js';
import { isOutage } from '../llm/outage.js';

export type McpFactory = (tools: Tool[]) => Promise<McpSession & { close?: () => Promise<void> }>;

export type SynthesizeInput = {
  task: TaskSpec;
  /** The tool set's tools (the catalog's `toolsOf(catalog, task.toolSetId)`). */
  tools: Tool[];
  toolSet?: ToolSet;
  roles: { user: ChatClient; assistant: ChatClient };
  /** A live connection to the MCP server of this tool set, or a factory that opens one per trajectory. */
  mcp: McpSession | McpFactory;
  /** Model calls the assistant may make per user turn. */
  maxSteps?: number;
};

export function toOpenAITool(tool: Tool): OpenAITool {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
  };
}

export async function synthesizeTrajectory(input: SynthesizeInput): Promise<Trajectory> {
  const { task, tools, roles } = input;
  const user = new UserSimulator(roles.user, task);
  const goal: Goal = { request: '', persona: '', turns: [] };
  const trajectory: Trajectory = { id: task.id, task, goal, tools: [], messages: [], trace: [], usage: {} };
  let connection: (McpSession & { close?: () => Promise<void> }) | undefined;
  let assistant: ToolCallingAssistant | undefined;
  let phase = 'fixing the goal (user simulator)';
  try {
    const fixed = await user.fixGoal(tools);
    Object.assign(goal, fixed.goal);
    const { skeleton } = fixed;
    trajectory.tools = skeleton.offered.map(toOpenAITool);
    phase = 'opening the MCP connection';
    connection = typeof input.mcp === 'function' ? await input.mcp(tools) : input.mcp;
    assistant = new ToolCallingAssistant(roles.assistant, connection, input.maxSteps ?? 4);
    const messages: ChatMessage[] = [{ role: 'system', content: ASSISTANT_SYSTEM_PROMPT }];
    if (skeleton.contextExchanges)
      messages.push(...priorConversation(skeleton.offered, skeleton.contextExchanges, user.rng));
    const turnStarts: number[] = [];
    const turnRequests: string[] = [];
    trajectory.messages = messages;
    trajectory.turnStarts = turnStarts;
    for (let turn = 0; turn < goal.turns.length; turn++) {
      phase = `voicing turn ${turn} (user simulator)`;
      const request = await user.voiceTurn(goal, turn, skeleton.offered);
      turnRequests.push(request);
      if (goal.lateTool && turn === goal.lateTool.turn)
        messages.push({ role: 'system', content: `A new tool is available: ${goal.lateTool.name}.` });
      turnStarts.push(messages.length);
      messages.push({ role: 'user', content: request });
      const offered =
        goal.lateTool && turn < goal.lateTool.turn
          ? trajectory.tools.filter((t) => t.function.name !== goal.lateTool!.name)
          : trajectory.tools;
      // Values an earlier step's result decides are read from this conversation's own results.
      const resolved = resolveTurn(goal, turn, messages, turnStarts);
      if (resolved.unresolved.length) break; // the step this one builds on did not produce what it needs
      const expected = resolved.calls.map((c) =>
        goalCallToGroundTruth(
          c,
          tools.find((t) => t.name === c.name),
        ),
      );
      let withheldGiven = !(turn === 0 && goal.withheld);
      let nudged = false;
      for (let round = 0; round < 3; round++) {
        phase = `turn ${turn}, round ${round} (assistant)`;
        const out = await assistant.runTurn(messages, offered);
        messages.push(...out.messages);
        const calls = decodedCalls(messages, turnStarts[turn]);
        if (matchCalls(calls, expected, tools).valid) break; // the user's goal for this turn is met
        const calledNow = out.messages.some((m) => m.role === 'assistant' && m.tool_calls?.length);
        phase = `turn ${turn}, round ${round} (user simulator reply)`;
        if (!withheldGiven && !calledNow && !out.stepsExhausted) {
          messages.push({ role: 'user', content: await user.reply(goal, out.finalText, true) });
          withheldGiven = true;
        } else if (!nudged && !calledNow && !out.stepsExhausted && expected.length) {
          messages.push({ role: 'user', content: await user.reply(goal, out.finalText, false) });
          nudged = true;
        } else {
          turn = goal.turns.length; // the user gives up: the remaining turns cannot build on a failed one
          break;
        }
      }
    }
    goal.request = turnRequests[0] ?? '';
    if (goal.turns.length > 1) goal.turnRequests = turnRequests;
  } catch (err) {
    if (isOutage(err)) throw err;
    trajectory.failure = `${phase}: ${(err as Error).message}`;
  } finally {
    trajectory.trace = assistant ? [...assistant.trace] : [];
    trajectory.usage = { user: { ...user.usage }, ...(assistant ? { assistant: { ...assistant.usage } } : {}) };
    const mcpTokens = trajectory.trace.reduce((s, r) => s + (r.tokens ?? 0), 0);
    if (mcpTokens)
      trajectory.usage.mcp = { promptTokens: 0, completionTokens: mcpTokens, calls: trajectory.trace.length };
    if (typeof input.mcp === 'function') await connection?.close?.().catch(() => undefined);
  }
  return trajectory;
}

/**
 * The user simulator's half alone: the goal fixed and its first request voiced, with no assistant and no MCP
 * server. A held-out evaluation item is made this way (its reference is the goal's calls). Single-turn goals
 * only: a later turn's request may depend on what a rollout returned. A model's bad output never throws (the
 * trajectory's `failure` says where), an outage always does.
 */
export async function synthesizeGoal(input: { task: TaskSpec; tools: Tool[]; user: ChatClient }): Promise<Trajectory> {
  const { task, tools } = input;
  const user = new UserSimulator(input.user, task);
  const goal: Goal = { request: '', persona: '', turns: [] };
  const trajectory: Trajectory = { id: task.id, task, goal, tools: [], messages: [], trace: [], usage: {} };
  let phase = 'fixing the goal (user simulator)';
  try {
    const fixed = await user.fixGoal(tools);
    Object.assign(goal, fixed.goal);
    if (goal.turns.length > 1)
      throw new Error(`a ${task.category} goal has ${goal.turns.length} turns; only single-turn goals are drawn alone`);
    trajectory.tools = fixed.skeleton.offered.map(toOpenAITool);
    const messages: ChatMessage[] = [{ role: 'system', content: ASSISTANT_SYSTEM_PROMPT }];
    if (fixed.skeleton.contextExchanges)
      messages.push(...priorConversation(fixed.skeleton.offered, fixed.skeleton.contextExchanges, user.rng));
    phase = 'voicing turn 0 (user simulator)';
    goal.request = await user.voiceTurn(goal, 0, fixed.skeleton.offered);
    trajectory.turnStarts = [messages.length];
    messages.push({ role: 'user', content: goal.request });
    trajectory.messages = messages;
  } catch (err) {
    if (isOutage(err)) throw err;
    trajectory.failure = `${phase}: ${(err as Error).message}`;
  } finally {
    trajectory.usage = { user: { ...user.usage } };
  }
  return trajectory;
}
