// What every gate reads: one trajectory and the catalog tools it may use. Gates are pure functions of
// this; where rules cannot decide, a gate names the questions for an optional judge instead of guessing.
import type { Tool } from '../../domain/catalog.js';
import type { GateName, GateVerdict } from '../../domain/verdict.js';
import type { Trajectory } from '../../domain/trajectory.js';
import type { ChatMessage } from '../../domain/chat.js';

export type GateContext = {
  trajectory: Trajectory;
  /** Catalog tools by name (at least the trajectory's tool set). */
  tools: ReadonlyMap<string, Tool>;
};

/** A rule verdict; `undecided` lists yes/no questions whose "yes" from a judge would turn a fail into a pass. */
export type RuleVerdict = GateVerdict & { undecided?: string[] };

export function pass(gate: GateName): RuleVerdict {
  return { gate, pass: true };
}
export function fail(gate: GateName, reason: string, undecided?: string[]): RuleVerdict {
  return undecided?.length ? { gate, pass: false, reason, undecided } : { gate, pass: false, reason };
}

/** Index of the first message of the task proper (after any prior-context conversation). */
export function firstTurnStart(t: Trajectory): number {
  return t.turnStarts?.[0] ?? t.messages.findIndex((m) => m.role === 'user');
}

/** Index in `messages` of each goal turn's opening user message (single-turn trajectories: just the first). */
export function turnStartsOf(t: Trajectory): number[] {
  return t.turnStarts ?? [firstTurnStart(t)];
}

/** User text of the task proper: every user message from the first turn on. */
export function userText(t: Trajectory): string {
  return t.messages
    .slice(Math.max(0, firstTurnStart(t)))
    .filter((m): m is Extract<ChatMessage, { role: 'user' }> => m.role === 'user')
    .map((m) => m.content)
    .join('\n');
}

/** Every tool call the assistant made in the task proper, with where it sits. */
export function assistantCalls(
  t: Trajectory,
): Array<{ message: number; call: NonNullable<Extract<ChatMessage, { role: 'assistant' }>['tool_calls']>[number] }> {
  return t.messages.flatMap((m, i) =>
    i >= firstTurnStart(t) && m.role === 'assistant' && m.tool_calls
      ? m.tool_calls.map((call) => ({ message: i, call }))
      : [],
  );
}
