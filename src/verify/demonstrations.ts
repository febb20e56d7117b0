// Goal demonstrations: SFT rows built from the user simulator's own goals. A goal's exact calls passed
// goal_sanity and the schema gate before its RL prompt was made, so "the request, then exactly those
// calls" is a verified example even when the policy itself failed the task. A weak starting policy
// (the embedded 135M model accepts few trajectories) gets something to imitate from cycle 0; the rows
// are synthetic through and through (no human data, never BFCL's functions or questions).
import type { ChatMessage } from '../domain/chat.js';
import type { RlPrompt } from '../domain/rl-prompt.js';
import { seededRng } from '../domain/rng.js';

/** What a demonstration answers when no offered tool fits (an irrelevance goal's reference is no call). */
export const NO_TOOL_REPLY = 'None of the tools I have can do that, so I cannot help with this request.';

export type Demonstration = {
  id: string;
  source: 'goal-demonstration' | 'distractor-demonstration' | 'decline-demonstration';
  accepted: true;
  category: RlPrompt['category'];
  toolSetId: string;
  messages: ChatMessage[];
  tools: RlPrompt['tools'];
};

/** The first acceptable value of each parameter; '' (may be omitted) first means the goal left it out. */
function argumentsOf(params: Record<string, unknown[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(params)) if (values.length && values[0] !== '') out[name] = values[0];
  return out;
}

/** What the SFT set holds besides the demonstrations: the accepted trajectories, by whether they call a tool. */
export type AcceptedMix = { calling: number; declining: number };

export type DemonstrationOptions = {
  /** At least this share of the whole SFT set declines (demonstrations and accepted trajectories together). */
  declineShare?: number;
  /** Each single-call demonstration also once more with unrelated tools mixed into its own (still the same call). */
  distractors?: boolean;
  /** The accepted trajectories the SFT set also holds, so the share counts them. */
  accepted?: AcceptedMix;
};

/** Where the prompts come from: read anew on each of up to four passes (a file's rows, or an array). */
export type PromptSource = () => Iterable<RlPrompt> | AsyncIterable<RlPrompt>;

/**
 * One demonstration per train-split turn-0 prompt whose trajectory was not already accepted (those are in the
 * SFT data as the policy wrote them): the prompt, then the reference calls (or a plain refusal). Then, per
 * calling demonstration, its variants: the same request with another tool set's tools mixed in (`distractors`,
 * single-call goals only: pick the right tool among unrelated ones, as BFCL's multiple category asks), and the same request with only
 * unrelated tools, declined (`declineShare`). One goal, up to three rows that differ only in what is offered.
 *
 * Rows come out one at a time, in that order (every goal demonstration, then every distractor row, then the
 * declines), and the prompts are read in passes, never held: memory is the tool sets' offers and a few counts,
 * whatever the cycle's size.
 */
export async function* goalDemonstrations(
  prompts: PromptSource,
  acceptedTrajectoryIds: ReadonlySet<string>,
  opts: DemonstrationOptions = {},
): AsyncGenerator<Demonstration> {
  const isDemo = (p: RlPrompt) =>
    p.split === 'train' && p.id.endsWith('/t0') && !acceptedTrajectoryIds.has(p.id.slice(0, -3));
  const demos = async function* () {
    for await (const p of prompts()) if (isDemo(p)) yield demonstrationOf(p);
  };
  // Pass 1: every tool set's offer (first-seen order, last offer), which the variants pick from.
  const toolSets = new Map<string, RlPrompt['tools']>();
  for await (const p of prompts()) toolSets.set(p.toolSetId, p.tools); // a Map keeps first-insertion order
  const sets: ToolSets = [...toolSets.entries()];
  // Pass 2: the goal demonstrations, counted.
  let rows = 0;
  let declines = 0;
  for await (const d of demos()) {
    rows++;
    if (d.category === 'irrelevance') declines++;
    yield d;
  }
  const calling = rows - declines;
  // Pass 3: a distractor row per calling demonstration that has an unrelated tool set.
  if (opts.distractors)
    for await (const d of demos()) {
      const row = distractorOf(d, sets);
      if (row) {
        rows++;
        yield row;
      }
    }
  // Pass 4: declines, enough that they are `declineShare` of the whole SFT set.
  const accepted = opts.accepted ?? { calling: 0, declining: 0 };
  const wanted = declinesWanted(
    opts.declineShare ?? 0,
    rows + accepted.calling + accepted.declining,
    declines + accepted.declining,
    calling,
  );
  if (wanted <= 0) return;
  let made = 0;
  for await (const d of demos()) {
    if (made >= wanted) break;
    const row = declineOf(d, sets);
    if (row) {
      made++;
      yield row;
    }
  }
}

/** Every row of `goalDemonstrations` over an array, collected (tests, small cycles). */
export async function allGoalDemonstrations(
  prompts: RlPrompt[],
  acceptedTrajectoryIds: ReadonlySet<string>,
  opts: DemonstrationOptions = {},
): Promise<Demonstration[]> {
  const out: Demonstration[] = [];
  for await (const d of goalDemonstrations(() => prompts, acceptedTrajectoryIds, opts)) out.push(d);
  return out;
}

function demonstrationOf(p: RlPrompt): Demonstration {
  const reply: ChatMessage = p.reference.length
    ? {
        role: 'assistant',
        content: null,
        tool_calls: p.reference.map((call, i) => {
          const [name, params] = Object.entries(call)[0];
          return {
            id: `call_${i}`,
            type: 'function' as const,
            function: { name, arguments: JSON.stringify(argumentsOf(params)) },
          };
        }),
      }
    : { role: 'assistant', content: NO_TOOL_REPLY };
  return {
    id: `${p.id}/demo`,
    source: 'goal-demonstration',
    accepted: true,
    category: p.category,
    toolSetId: p.toolSetId,
    messages: [...p.messages, reply],
    tools: p.tools,
  };
}

type ToolSets = Array<[string, RlPrompt['tools']]>;

/** How many calls the demonstration's reply makes. */
function callsOf(d: Demonstration): number {
  const reply = d.messages.at(-1);
  return reply?.role === 'assistant' ? (reply.tool_calls?.length ?? 0) : 0;
}

/** The next tool set after `d`'s own (wrapping) that shares no tool name with what `d` offers. */
function unrelatedToolSet(d: Demonstration, toolSets: ToolSets): ToolSets[number] | undefined {
  const offered = new Set((d.tools ?? []).map((t) => t.function.name));
  const at = toolSets.findIndex(([id]) => id === d.toolSetId);
  return [...toolSets.slice(at + 1), ...toolSets.slice(0, Math.max(0, at))].find(
    ([id, tools]) => id !== d.toolSetId && tools.length > 0 && tools.every((t) => !offered.has(t.function.name)),
  );
}

/**
 * A single-call demonstration once more, offered one or two of an unrelated tool set's tools besides its own at
 * seeded places (seeded by the row's id, so the same prompts give the same rows), the reply unchanged: choosing
 * among tools is taught by rows where a wrong one is on offer. A simple goal so offered is a multiple one.
 *
 * Never a goal of several calls: those twins made most of the calling rows several-call ones (run 9's last
 * SFT set: 58 of 102), and the policy learned to go on calling after the right call (run 9's cycle 2 gave
 * 2-3 calls on 19 of 35 BFCL multiple items; its first call alone would have scored 40% there, not 14%).
 * The synthesis mix has parallel_multiple goals of its own.
 */
function distractorOf(d: Demonstration, toolSets: ToolSets): Demonstration | undefined {
  if (d.category === 'irrelevance' || callsOf(d) !== 1) return undefined;
  const other = unrelatedToolSet(d, toolSets);
  if (!other) return undefined;
  const rng = seededRng(`${d.id}:distractors`);
  const extra = rng.shuffle(other[1]).slice(0, rng.int(1, Math.min(2, other[1].length)));
  const tools = [...d.tools];
  for (const t of extra) tools.splice(rng.int(0, tools.length), 0, t);
  return {
    ...d,
    id: `${d.id.replace(/\/demo$/, '')}/mixed`,
    source: 'distractor-demonstration',
    category: d.category === 'simple' ? 'multiple' : d.category === 'parallel' ? 'parallel_multiple' : d.category,
    tools,
  };
}

/**
 * How many declines make them `share` of the whole SFT set (`rows` besides them, `declines` of which decline
 * already, the irrelevance goals' own and accepted declining trajectories included), at most one per calling
 * demonstration. Measured why (loop-gain, 2026-12-01): SFT on 18 demonstrations of which 2 declined took BFCL
 * irrelevance from 85% to 0%; on 31 rows of which 15 declined (40% of the demonstrations, plus the accepted
 * trajectories, all declines) the policy declined everything.
 */
function declinesWanted(share: number, rows: number, declines: number, calling: number): number {
  if (share <= 0) return 0;
  // declines + k = share * (rows + k)  =>  k = (share * rows - declines) / (1 - share)
  return Math.min(calling, Math.max(0, Math.ceil((share * rows - declines) / (1 - Math.min(share, 0.95)))));
}

/**
 * A demonstration of declining, so imitating calls does not teach "always call": a calling demonstration's request
 * offered another tool set's tools (another domain, no tool name in common, as BFCL builds its irrelevance items),
 * answered with the plain refusal; the first calling demonstrations in order, each paired with the next tool set,
 * so the same prompts give the same rows.
 *
 * As many of them as the calling row offered (seeded by the row's id), so the two rows differ only in what the
 * tools do. They were the other set's last offer, whatever size: in run 10's last SFT set the 26 decline rows
 * offered 1, 2 or 3 tools (8, 16, 2) against 20 of the 63 calling rows offering one; every BFCL irrelevance item
 * offers exactly one function, as every simple_python item does.
 */
function declineOf(d: Demonstration, toolSets: ToolSets): Demonstration | undefined {
  if (d.category === 'irrelevance') return undefined;
  const other = unrelatedToolSet(d, toolSets);
  if (!other) return undefined; // one tool set only: nothing unrelated to offer
  const tools = seededRng(`${d.id}:decline`).shuffle(other[1]).slice(0, Math.max(1, d.tools.length));
  return {
    id: `${d.id.replace(/\/demo$/, '')}/decline`,
    source: 'decline-demonstration',
    accepted: true,
    category: 'irrelevance',
    toolSetId: other[0],
    messages: [...d.messages.slice(0, -1), { role: 'assistant', content: NO_TOOL_REPLY }],
    tools,
  };
}
