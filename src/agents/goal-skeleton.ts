// The shape of a task before any model speaks: which tools are offered, which tools each turn calls and
// how often, what is withheld. Seeded, so a category's structure never depends on a weak model.
import type { Category, Difficulty } from '../domain/category.js';
import type { Tool } from '../domain/catalog.js';
import type { Rng } from '../domain/rng.js';
import { findChain } from '../domain/result-refs.js';

export type GoalSkeleton = {
  category: Category;
  /** Tools the assistant sees (for miss_func: from the late turn on; earlier turns see all but lateTool). */
  offered: Tool[];
  /** Per user turn, the tool of each call (empty: no call is right). */
  turns: Tool[][];
  lateTool?: { name: string; turn: number };
  /** miss_param: withhold this required parameter of turn 0's first call. */
  withholdParam?: string;
  /** long_context: how many earlier exchanges precede the first request. */
  contextExchanges: number;
  /** Harder tasks state optional parameters too. */
  includeOptional: boolean;
};

const BY_DIFFICULTY = { easy: 0, medium: 1, hard: 2 } as const;

function scalarRequired(tool: Tool): string[] {
  const props = (tool.inputSchema.properties ?? {}) as Record<string, { type?: unknown; enum?: unknown }>;
  return ((tool.inputSchema.required ?? []) as string[]).filter((p) => {
    const t = props[p]?.type;
    return !props[p]?.enum && (t === 'string' || t === 'integer' || t === 'number');
  });
}

/** Throws (with what to change) when the tool set cannot express the category. */
export function planGoalSkeleton(category: Category, difficulty: Difficulty, tools: Tool[], rng: Rng): GoalSkeleton {
  if (tools.length === 0) throw new Error(`category '${category}': the tool set has no tools`);
  const d = BY_DIFFICULTY[difficulty];
  const base = { category, contextExchanges: 0, includeOptional: d === 2 };
  const shuffled = rng.shuffle(tools);
  const offerAround = (targets: Tool[], size: number) => {
    const extra = shuffled.filter((t) => !targets.includes(t)).slice(0, Math.max(0, size - targets.length));
    return rng.shuffle([...targets, ...extra]);
  };
  const needTwo = () => {
    if (tools.length < 2)
      throw new Error(
        `category '${category}' needs a tool set with at least 2 tools (this one has ${tools.length}); plan it for a larger tool set`,
      );
  };
  switch (category) {
    case 'simple': {
      const t = shuffled[0];
      return { ...base, offered: [t], turns: [[t]] };
    }
    case 'multiple': {
      needTwo();
      const t = shuffled[0];
      return { ...base, offered: offerAround([t], [2, 3, 5][d]), turns: [[t]] };
    }
    case 'parallel': {
      const t = shuffled[0];
      return { ...base, offered: [t], turns: [Array(2 + d).fill(t)] };
    }
    case 'parallel_multiple': {
      needTwo();
      const targets = shuffled.slice(0, Math.min(tools.length, d === 2 ? 3 : 2));
      const calls = targets.flatMap((t, i) => (i === 0 && d > 0 ? [t, t] : [t]));
      return { ...base, offered: offerAround(targets, targets.length + d), turns: [calls] };
    }
    case 'irrelevance':
      return { ...base, offered: shuffled.slice(0, [1, 2, 4][d]), turns: [[]] };
    case 'multi_turn_base':
    case 'multi_turn_long_context': {
      const n = category === 'multi_turn_base' ? 2 + d : 1 + Math.min(d, 1);
      const turns = Array.from({ length: n }, () => [rng.pick(shuffled)]);
      // A real multi-step task where the tool set has one: the second step needs what the first returns.
      const chain = category === 'multi_turn_base' ? findChain(shuffled) : undefined;
      if (chain) turns.splice(0, 2, [chain.producer], [chain.consumer]);
      return {
        ...base,
        offered: shuffled.slice(0, 6),
        turns,
        contextExchanges: category === 'multi_turn_long_context' ? [3, 6, 10][d] : 0,
      };
    }
    case 'multi_turn_miss_param': {
      const withParam = shuffled.filter((t) => scalarRequired(t).length > 0);
      if (!withParam.length)
        throw new Error(
          `category 'multi_turn_miss_param' needs a tool with a required string or number parameter; none in this tool set`,
        );
      const first = withParam[0];
      const rest = Array.from({ length: 1 + d }, () => [rng.pick(shuffled)]);
      return {
        ...base,
        offered: offerAround([first], 6),
        turns: [[first], ...rest].slice(0, 1 + Math.max(1, d)),
        withholdParam: rng.pick(scalarRequired(first)),
      };
    }
    case 'multi_turn_miss_func': {
      const late = shuffled[0];
      const rest = Array.from({ length: d }, () => [rng.pick(shuffled)]);
      // Turn 0 asks for the late tool's job while it is not offered: the right reply is no call.
      return {
        ...base,
        offered: offerAround([late], 6),
        turns: [[], [late], ...rest],
        lateTool: { name: late.name, turn: 1 },
      };
    }
  }
}
