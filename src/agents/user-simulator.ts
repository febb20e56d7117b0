// The User Simulator: fixes a goal (exact calls, schema-valid, repaired deterministically when the model's
// proposal is not), voices it in a persona so every value is stated, and replies in character.
import { z } from 'zod';
import type { ChatClient, ChatMessage, Usage } from '../domain/chat.js';
import { parseJsonContent } from '../llm/parse-output.js';
import type { Goal, GoalCall, RequestSource, TaskSpec, ValueSource } from '../domain/task.js';
import type { Tool } from '../domain/catalog.js';
import { seededRng, type Rng } from '../domain/rng.js';
import { planGoalSkeleton, type GoalSkeleton } from './goal-skeleton.js';
import { repairArguments } from './schema-values.js';
import { leaves, mentions } from '../domain/mentions.js';
import { describeRefs, isResultRef, linkResults } from '../domain/result-refs.js';
import {
  offTopicRequest,
  onlyValuesMissing,
  requestProblems,
  statedValues,
  templateRequest,
  type RequestExpectation,
  type RequestProblem,
} from './request-voicing.js';

/** Tokens and model calls one role spent on one trajectory (Trajectory.usage); the meter's RoleUsage counts faults. */
export type RoleTokenUsage = { promptTokens: number; completionTokens: number; calls: number };
export function emptyUsage(): RoleTokenUsage {
  return { promptTokens: 0, completionTokens: 0, calls: 0 };
}
function addUsage(into: RoleTokenUsage, u: Usage): void {
  into.promptTokens += u.promptTokens;
  into.completionTokens += u.completionTokens;
  into.calls += 1;
}

const PERSONAS = [
  'a busy small-business owner who writes tersely',
  'a meticulous project manager who likes to double-check details',
  'a friendly retiree who writes in full, polite sentences',
  'a software developer automating a chore',
  'a student planning something on a tight budget',
  'a travel-loving nurse working night shifts',
];

const LATE_TOOL_NUDGES = [
  'You should have the tool for that now. Please go ahead with my earlier request.',
  'It should work now that the tool is there. Please go ahead with my earlier request.',
  'Okay, you have what you need now, so please go ahead with my earlier request.',
];

const ProposalSchema = z.object({
  persona: z.string().optional(),
  calls: z.array(z.object({ name: z.string(), arguments: z.unknown() })).default([]),
});
const RequestSchema = z.object({ request: z.string().min(1) });
const ReplySchema = z.object({ reply: z.string().min(1) });

/** Values a request must state: every scalar of every call, except booleans (they follow from wording). */
export function valuesToState(
  calls: GoalCall[],
  skip?: { tool: string; parameter: string },
): Array<{ where: string; value: string | number }> {
  return calls.flatMap((c) =>
    leaves(c.arguments)
      .filter((l) => !(skip && c.name === skip.tool && l.path === skip.parameter))
      .filter(
        (l): l is { path: string; value: string | number } =>
          typeof l.value === 'string' || typeof l.value === 'number',
      )
      .map((l) => ({ where: `${c.name}.${l.path}`, value: l.value })),
  );
}

function callsForPrompt(calls: GoalCall[], goal: Pick<Goal, 'turns'>): string {
  return calls.map((c) => `- ${c.name}(${JSON.stringify(describeRefs(c.arguments, goal))})`).join('\n');
}

export class UserSimulator {
  readonly usage = emptyUsage();
  readonly rng: Rng;
  constructor(
    private readonly client: ChatClient,
    private readonly task: TaskSpec,
  ) {
    this.rng = seededRng(`${task.id}:${task.seed}`);
  }

  private async ask<S extends z.ZodTypeAny>(
    messages: ChatMessage[],
    schema: S,
    jsonSchema: Record<string, unknown>,
    name: string,
  ): Promise<z.infer<S> | undefined> {
    const res = await this.client.chat({
      messages,
      jsonSchema: { name, schema: jsonSchema },
      temperature: 0.7,
      seed: this.task.seed,
    });
    addUsage(this.usage, res.usage);
    const parsed = parseJsonContent(res.message.content, schema);
    return parsed.ok ? parsed.value : undefined;
  }

  /** Step 1: the skeleton (seeded) and the exact calls (model-proposed, repaired against each schema). */
  async fixGoal(tools: Tool[]): Promise<{ goal: Goal; skeleton: GoalSkeleton }> {
    const skeleton = planGoalSkeleton(this.task.category, this.task.difficulty, tools, this.rng);
    const persona = this.rng.pick(PERSONAS);
    const slots = skeleton.turns.flat();
    const repairs: string[] = [];
    let proposal: z.infer<typeof ProposalSchema> | undefined;
    if (slots.length) {
      const distinct = [...new Map(slots.map((t) => [t.name, t])).values()];
      const schema = {
        type: 'object',
        properties: {
          persona: { type: 'string' },
          calls: {
            type: 'array',
            minItems: slots.length,
            maxItems: slots.length,
            items: {
              anyOf: distinct.map((t) => ({
                type: 'object',
                properties: { name: { const: t.name }, arguments: t.inputSchema },
                required: ['name', 'arguments'],
              })),
            },
          },
        },
        required: ['persona', 'calls'],
      };
      const prompt = [
        `You invent realistic tasks for ${persona}. Propose exactly ${slots.length} tool call(s), in this order: ${slots.map((t) => t.name).join(', ')}.`,
        skeleton.category.includes('parallel') ? 'Calls to the same tool must use different argument values.' : '',
        `Use concrete, realistic argument values a person would say (names, places, dates, amounts). ${skeleton.includeOptional ? 'Include some optional parameters.' : 'Use only required parameters.'}`,
        'Tools:',
        ...distinct.map((t) => `- ${t.name}: ${t.description}\n  parameters: ${JSON.stringify(t.inputSchema)}`),
        'Answer with JSON: {"persona": "...", "calls": [{"name": "...", "arguments": {...}}]}',
      ]
        .filter(Boolean)
        .join('\n');
      proposal = await this.ask([{ role: 'user', content: prompt }], ProposalSchema, schema, 'goal');
      if (!proposal) repairs.push('goal proposal did not parse as JSON; every call filled from the schema');
    }
    const pool = [...(proposal?.calls ?? [])];
    let proposedCalls = 0;
    const turns: GoalCall[][] = skeleton.turns.map((turn) =>
      turn.map((tool) => {
        const idx = pool.findIndex((c) => c.name === tool.name);
        const proposed = idx >= 0 ? pool.splice(idx, 1)[0].arguments : undefined;
        if (idx < 0 && proposal) repairs.push(`${tool.name}: no proposed call, filled from the schema`);
        const fixed = repairArguments(
          tool.name,
          tool.inputSchema,
          proposed ?? {},
          this.rng,
          skeleton.includeOptional,
          tool.description,
        );
        if (proposed !== undefined) {
          proposedCalls++;
          repairs.push(...fixed.repairs);
        }
        return { name: tool.name, arguments: fixed.arguments };
      }),
    );
    this.distinguishRepeats(turns, tools, repairs, skeleton.includeOptional);
    const valueSource: ValueSource | undefined = !slots.length
      ? undefined
      : proposedCalls === 0
        ? 'schema'
        : repairs.length
          ? 'model-repaired'
          : 'model';
    // Ids the server will decide (create_note's id, then get_note(note_id)) are references, not invented values.
    if (turns.length > 1) linkResults(turns, tools);
    // miss_func: turn 0 asks for the job of the late tool's call, which the assistant cannot yet do.
    const goal: Goal = { request: '', persona: proposal?.persona?.trim() || persona, turns, repairs };
    if (valueSource) goal.valueSource = valueSource;
    if (skeleton.lateTool) goal.lateTool = skeleton.lateTool;
    if (skeleton.withholdParam) {
      const first = turns[0][0];
      goal.withheld = {
        tool: first.name,
        parameter: skeleton.withholdParam,
        value: first.arguments[skeleton.withholdParam],
      };
    }
    return { goal, skeleton };
  }

  /** Two identical calls in one turn say the same thing twice: re-fill the later one until it differs. */
  private distinguishRepeats(turns: GoalCall[][], tools: Tool[], repairs: string[], optional: boolean): void {
    for (const turn of turns) {
      const seen = new Set<string>();
      for (const call of turn) {
        const tool = tools.find((t) => t.name === call.name)!;
        for (let i = 0; i < 8 && seen.has(JSON.stringify(call.arguments)); i++) {
          call.arguments = repairArguments(
            tool.name,
            tool.inputSchema,
            {},
            this.rng,
            optional,
            tool.description,
          ).arguments;
          if (i === 0) repairs.push(`${call.name}: duplicate call in one turn, re-filled`);
        }
        seen.add(JSON.stringify(call.arguments));
      }
    }
  }

  /**
   * Step 2: what the user says to open `turn`. The model writes it (one retry with its problems named); a
   * request that names a function, shows JSON, is too short or states the withheld value is replaced by a
   * seeded natural-language voicing, one that only left out values gets them appended. Either way every
   * value is stated, a withheld one never, and `goal.requestSources[turn]` says who wrote it.
   */
  async voiceTurn(goal: Goal, turn: number, tools: Tool[]): Promise<string> {
    const skip =
      turn === 0 && goal.withheld ? { tool: goal.withheld.tool, parameter: goal.withheld.parameter } : undefined;
    if (this.task.category === 'irrelevance') return this.voiceIrrelevant(goal, tools);
    // miss_func: turn 0 voices the late call; the late turn just asks again once the tool is there.
    const calls =
      goal.lateTool && turn === 0
        ? goal.turns[goal.lateTool.turn]
        : goal.lateTool && turn === goal.lateTool.turn
          ? []
          : goal.turns[turn];
    if (calls.length === 0) {
      this.recordSource(goal, turn, 'template');
      return turn === goal.lateTool?.turn ? this.rng.pick(LATE_TOOL_NUDGES) : 'Thanks!';
    }
    const need = valuesToState(calls, skip);
    const expect: RequestExpectation = {
      values: need,
      functionNames: tools.map((t) => t.name),
      withheld: skip ? goal.withheld!.value : undefined,
    };
    const base = [
      `You are ${goal.persona}. Write the message you send to an assistant to get this done (do not name functions or mention JSON):`,
      callsForPrompt(calls, goal),
      `State every one of these values exactly as written: ${need.map((n) => JSON.stringify(n.value)).join(', ')}.`,
      calls.some((c) => Object.values(c.arguments).some(isResultRef))
        ? 'Values in <angle brackets> come from what an earlier step returned: refer to them in words (e.g. "the note you just created"); never invent them.'
        : '',
      skip
        ? `Do NOT mention the ${skip.parameter} (${JSON.stringify(goal.withheld!.value)}); you will give it only when asked.`
        : '',
      turn > 0 ? 'This is a follow-up in an ongoing conversation.' : '',
      'Answer with JSON: {"request": "..."}',
    ]
      .filter(Boolean)
      .join('\n');
    let partial: { text: string; problems: RequestProblem[] } | undefined;
    let last: RequestProblem[] = [];
    let feedback = '';
    for (let attempt = 0; attempt < 2; attempt++) {
      const out = await this.ask(
        [{ role: 'user', content: base + feedback }],
        RequestSchema,
        { type: 'object', properties: { request: { type: 'string' } }, required: ['request'] },
        'request',
      );
      const text = out?.request.trim() ?? '';
      last = requestProblems(text, expect);
      if (!last.length) return this.recordSource(goal, turn, 'model', text);
      if (onlyValuesMissing(last, expect) && (!partial || last.length < partial.problems.length))
        partial = { text, problems: last };
      feedback = text
        ? `\nYour previous message "${text}" cannot be sent: it ${last.map((p) => p.detail).join('; ')}.`
        : '';
    }
    if (partial) {
      const missing = need.filter((n) => !mentions(partial!.text, n.value));
      const request = `${partial.text.replace(/([^.!?])$/, '$1.')} ${statedValues(missing, this.rng)}`;
      if (!requestProblems(request, expect).length) {
        goal.repairs = [
          ...(goal.repairs ?? []),
          `turn ${turn}: request left out ${missing.map((m) => m.where).join(', ')}; appended`,
        ];
        return this.recordSource(goal, turn, 'model-repaired', request);
      }
    }
    goal.repairs = [
      ...(goal.repairs ?? []),
      `turn ${turn}: model request unusable (${last.map((p) => p.kind).join(', ') || 'no reply'}); templated`,
    ];
    return this.recordSource(goal, turn, 'template', this.voiceFromTemplate(goal, turn, calls, tools, expect, skip));
  }

  /** The seeded voicing; a few variants until one has no problem (the last one otherwise, with values appended). */
  private voiceFromTemplate(
    goal: Goal,
    turn: number,
    calls: GoalCall[],
    tools: Tool[],
    expect: RequestExpectation,
    skip?: { tool: string; parameter: string },
  ): string {
    let request = '';
    for (let i = 0; i < 5; i++) {
      request = templateRequest({ calls, tools, goal, persona: goal.persona, rng: this.rng, skip, followUp: turn > 0 });
      if (!requestProblems(request, expect).length) return request;
    }
    const missing = expect.values.filter((n) => !mentions(request, n.value));
    return missing.length ? `${request} ${statedValues(missing, this.rng)}` : request;
  }

  private recordSource(goal: Goal, turn: number, source: RequestSource, request = ''): string {
    const sources = (goal.requestSources ??= []);
    sources[turn] = source;
    const order: RequestSource[] = ['model', 'model-repaired', 'template'];
    goal.requestSource = order[Math.max(...sources.filter(Boolean).map((s) => order.indexOf(s)))];
    return request;
  }

  private async voiceIrrelevant(goal: Goal, tools: Tool[]): Promise<string> {
    const prompt = [
      `You are ${goal.persona}. An assistant can use only these tools:`,
      ...tools.map((t) => `- ${t.name}: ${t.description}`),
      'Write one realistic request that NONE of these tools can help with (a different job, not a missing detail).',
      'Answer with JSON: {"request": "..."}',
    ].join('\n');
    const out = await this.ask(
      [{ role: 'user', content: prompt }],
      RequestSchema,
      { type: 'object', properties: { request: { type: 'string' } }, required: ['request'] },
      'request',
    );
    const text = out?.request.trim() ?? '';
    const problems = requestProblems(text, { values: [], functionNames: tools.map((t) => t.name) });
    if (!problems.length) return this.recordSource(goal, 0, 'model', text);
    goal.repairs = [
      ...(goal.repairs ?? []),
      `irrelevant request unusable (${problems.map((p) => p.kind).join(', ')}); used an off-topic template`,
    ];
    return this.recordSource(goal, 0, 'template', offTopicRequest(tools, this.rng));
  }

  /** In character: answer the assistant's question (giving the withheld value when it is asked for). */
  async reply(goal: Goal, assistantText: string, giveWithheld: boolean): Promise<string> {
    if (giveWithheld && goal.withheld) {
      const value = goal.withheld.value as string | number;
      const prompt = `You are ${goal.persona}. The assistant asked: "${assistantText}". Answer briefly, giving the ${goal.withheld.parameter}: ${JSON.stringify(value)} exactly. Answer with JSON: {"reply": "..."}`;
      const out = await this.ask(
        [{ role: 'user', content: prompt }],
        ReplySchema,
        { type: 'object', properties: { reply: { type: 'string' } }, required: ['reply'] },
        'reply',
      );
      if (out && mentions(out.reply, value)) return out.reply.trim();
      goal.repairs = [
        ...(goal.repairs ?? []),
        `withheld value reply did not state ${JSON.stringify(value)}; used a template`,
      ];
      return `The ${goal.withheld.parameter.replace(/_/g, ' ')} is ${value}.`;
    }
    return 'Please go ahead and do what I asked, with the details I gave.';
  }
}

/** A deterministic earlier conversation for long_context tasks: realistic bulk the assistant must read past. */
export function priorConversation(tools: Tool[], exchanges: number, rng: Rng): ChatMessage[] {
  const topics = [
    'my schedule for next week',
    'a report I am drafting',
    'the notes from our last meeting',
    'a budget spreadsheet',
    'an email thread with a supplier',
  ];
  const out: ChatMessage[] = [];
  for (let i = 0; i < exchanges; i++) {
    const topic = rng.pick(topics);
    const lines = Array.from(
      { length: 6 },
      (_, j) =>
        `${j + 1}. item ${rng.int(100, 999)} — ${rng.pick(['pending', 'done', 'blocked', 'review'])}, owner ${rng.pick(['Ana', 'Bo', 'Chen', 'Dev'])}`,
    );
    out.push({
      role: 'user',
      content: `Before we start: here is ${topic}.\n${lines.join('\n')}\nCan you summarise it in one sentence?`,
    });
    out.push({
      role: 'assistant',
      content: `Summary of ${topic}: ${lines.length} items, mostly ${rng.pick(['pending', 'done'])}; nothing needs ${tools[0]?.name ?? 'a tool'} yet.`,
    });
  }
  return out;
}
