// What a user says, when the model cannot say it: a check that a request is usable (no function names,
// no JSON, every value stated, a withheld value never), and a seeded natural-language voicing of a turn's
// calls built from the tools' descriptions and parameter names, in the persona's tone.
import type { Goal, GoalCall, RequestSource } from '../domain/task.js';
import type { Tool } from '../domain/catalog.js';
import type { Rng } from '../domain/rng.js';
import { leaves, mentions } from '../domain/mentions.js';
import { isResultRef, type ResultRef } from '../domain/result-refs.js';
import { nameWords } from './realistic-values.js';

export type { RequestSource };

/** What a usable request must do: state `values`, name none of `functionNames`, never state `withheld`. */
export type RequestExpectation = {
  values: Array<{ where: string; value: string | number }>;
  functionNames: string[];
  withheld?: unknown;
};

export type RequestProblem = {
  kind:
    | 'empty'
    | 'too_short'
    | 'too_long'
    | 'json'
    | 'placeholder'
    | 'echo'
    | 'names_function'
    | 'withheld'
    | 'missing_value';
  detail: string;
};

const MIN_WORDS = 4;
const MAX_CHARS = 900;

/** A tool name a person would never write: snake_case, camelCase, with digits or dashes (`search` alone is a word). */
function isIdentifier(name: string): boolean {
  return /[_\d-]|[a-z][A-Z]/.test(name);
}

/** Everything that makes `request` unusable as a user's message for `expect` (empty list: usable as is). */
export function requestProblems(request: string, expect: RequestExpectation): RequestProblem[] {
  const text = request.trim();
  if (!text) return [{ kind: 'empty', detail: 'the request is empty' }];
  const out: RequestProblem[] = [];
  const words = text.split(/\s+/).length;
  if (words < MIN_WORDS) out.push({ kind: 'too_short', detail: `only ${words} word(s)` });
  if (text.length > MAX_CHARS) out.push({ kind: 'too_long', detail: `${text.length} characters` });
  if (/[{}[\]]|"\w+"\s*:|\bjson\b/i.test(text)) out.push({ kind: 'json', detail: 'contains JSON, braces or brackets' });
  if (/<[^<>]{1,80}>/.test(text)) out.push({ kind: 'placeholder', detail: 'contains an <angle-bracket> placeholder' });
  // A small model often hands its instructions back instead of a message.
  if (
    /answer with|exactly as written|state every one of|do not name functions|you are an? [\w\s-]{3,60}\. write/i.test(
      text,
    )
  )
    out.push({ kind: 'echo', detail: 'repeats the instructions it was given' });
  for (const name of new Set(expect.functionNames)) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const named = isIdentifier(name) && new RegExp(`(^|[^\\w])${escaped}([^\\w]|$)`, 'i').test(text);
    if (named) out.push({ kind: 'names_function', detail: `names the function ${name}` });
  }
  const w = expect.withheld;
  if ((typeof w === 'string' || typeof w === 'number') && mentions(text, w))
    out.push({ kind: 'withheld', detail: `states the withheld value ${JSON.stringify(expect.withheld)}` });
  for (const v of expect.values) {
    if (!mentions(text, v.value))
      out.push({ kind: 'missing_value', detail: `leaves out ${v.where} = ${JSON.stringify(v.value)}` });
  }
  return out;
}

/** Only values are missing: the text itself reads like a request and states at least one value (or none were needed). */
export function onlyValuesMissing(problems: RequestProblem[], expect: RequestExpectation): boolean {
  const missing = problems.filter((p) => p.kind === 'missing_value').length;
  return (
    problems.every((p) => p.kind === 'missing_value') && (expect.values.length === 0 || missing < expect.values.length)
  );
}

// ---------------------------------------------------------------------------------------------------
// The voicing: an action phrase per tool, a phrase per value, a sentence frame per persona tone.

type Tone = 'terse' | 'polite' | 'neutral';

function toneOf(persona: string, rng: Rng): Tone {
  if (/terse|busy|short|developer|automat/i.test(persona)) return rng.next() < 0.7 ? 'terse' : 'neutral';
  if (/polite|friendly|retiree|full/i.test(persona)) return rng.next() < 0.7 ? 'polite' : 'neutral';
  return rng.pick(['terse', 'polite', 'neutral', 'neutral'] as const);
}

const THIRD_PERSON: Record<string, string> = {
  returns: 'get',
  gets: 'get',
  fetches: 'fetch',
  retrieves: 'get',
  lists: 'list',
  shows: 'show',
  creates: 'create',
  adds: 'add',
  deletes: 'delete',
  removes: 'remove',
  updates: 'update',
  changes: 'change',
  searches: 'search',
  finds: 'find',
  books: 'book',
  sends: 'send',
  computes: 'compute',
  calculates: 'calculate',
  records: 'record',
  pays: 'pay',
  lends: 'lend',
  converts: 'convert',
  checks: 'check',
  cancels: 'cancel',
  sets: 'set',
  merges: 'merge',
  looks: 'look',
  translates: 'translate',
  schedules: 'schedule',
};
const BASE_VERBS = new Set([
  ...Object.values(THIRD_PERSON),
  'record',
  'lend',
  'pay',
  'reserve',
  'register',
  'upload',
  'download',
  'post',
  'submit',
  'start',
  'stop',
]);
const NAME_VERBS: Record<string, string> = {
  get: 'look up',
  fetch: 'fetch',
  find: 'find',
  list: 'list',
  search: 'search for',
  create: 'create',
  add: 'add',
  delete: 'delete',
  remove: 'remove',
  update: 'update',
  merge: 'merge',
  set: 'set',
  book: 'book',
  send: 'send',
  pay: 'pay',
  borrow: 'borrow',
  return: 'return',
  cancel: 'cancel',
  check: 'check',
  calculate: 'calculate',
  compute: 'compute',
  convert: 'convert',
  translate: 'translate',
};
const PAST: Record<string, string> = {
  create: 'created',
  add: 'added',
  book: 'booked',
  borrow: 'borrowed',
  send: 'sent',
  post: 'posted',
  register: 'registered',
};

/** "Creates a new pet in the store." -> "create a new pet in the store"; undefined when the description is no verb phrase. */
function descriptionAction(tool: Tool): string | undefined {
  let first = tool.description
    .split(/(?<=[.!?])\s|\n|:|;|,/)[0]
    .trim()
    .replace(/[.!?]$/, '');
  if (!first || /^[A-Z]+\s+\//.test(first) || /[{}/<>]/.test(first)) return undefined; // "GET /2.0/users/{username}"
  // Digits and counts in a description ("for the next 1 to 10 days") would read as values: cut them.
  first = first
    .replace(/\s+(for|from|in|of|with|between|up to|by)\s+(the\s+next\s+)?\d.*$/i, '')
    .replace(/\s+(in|for|to|of)\s+(a|an)\s+\w+(\s+for\s+a\s+number\s+of\s+\w+)?$/i, ''); // "in a city": the value says which
  if (/\d|\b(one|two|three|four|five|ten)\b/i.test(first)) return undefined;
  const [verb, ...rest] = first.split(/\s+/);
  const v = verb.toLowerCase();
  if (THIRD_PERSON[v]) return [THIRD_PERSON[v], ...rest].join(' ');
  if (BASE_VERBS.has(v)) return [v, ...rest].join(' ');
  if (rest.length <= 8) return `get the ${first.charAt(0).toLowerCase()}${first.slice(1)}`; // "Daily forecast" -> "get the daily forecast"
  return undefined;
}

/** "getPullRequestsByRepository" -> "look up the pull requests by repository". */
function nameAction(tool: Tool): string {
  const words = nameWords(tool.name);
  const at = words.findIndex((w) => NAME_VERBS[w]); // library_borrow_book: the verb is the second word
  if (at >= 0)
    return `${NAME_VERBS[words[at]]} the ${words.slice(at + 1).join(' ') || words.slice(0, at).join(' ') || 'item'}`;
  return `help with the ${words.join(' ')}`;
}

function actionOf(tool: Tool | undefined, name: string, rng: Rng): string {
  if (!tool) return `help with the ${nameWords(name).join(' ')}`;
  const fromDescription = descriptionAction(tool);
  return fromDescription && rng.next() < 0.75 ? fromDescription : nameAction(tool);
}

/** How a reference to an earlier result reads: "the note you just created", "the id from the previous step". */
function refPhrase(ref: ResultRef, goal: Pick<Goal, 'turns'>, rng: Rng): string {
  const producer = goal.turns[ref.$result.turn]?.[ref.$result.call]?.name ?? '';
  const [verb, ...noun] = nameWords(producer);
  const field = ref.$result.path.slice(1).split('/').flatMap(nameWords).join(' ');
  const options = [`the ${field} from the previous step`, `the ${field} you just got back`];
  if (noun.length && PAST[verb])
    options.push(`the ${noun.join(' ')} you just ${PAST[verb]}`, `that ${noun.join(' ')} I just ${PAST[verb]}`);
  return rng.pick(options);
}

const listOf = (items: string[]) =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

type Phrase = { natural: string } | { label: string; value: string };

/** One value as words: "in Lisbon", "for 5 days", `named "Biscuit"`, or a label and value to list ("slug elastic-newsletter"). */
function valuePhrase(
  path: string,
  value: unknown,
  schema: Record<string, unknown> | undefined,
  goal: Pick<Goal, 'turns'>,
  rng: Rng,
): Phrase | undefined {
  const words = path
    .split('/')
    .filter((p) => !/^\d+$/.test(p))
    .flatMap(nameWords);
  const label = words.join(' ') || 'value';
  const has = (...w: string[]) => words.some((x) => w.includes(x));
  if (isResultRef(value)) return { natural: `for ${refPhrase(value, goal, rng)}` };
  if (typeof value === 'boolean') {
    const def = schema?.default;
    if (def === value || (def === undefined && value === false)) return undefined;
    const on = [`with ${label} turned on`, `and make it ${label}`, `with ${label} set to yes`];
    return { natural: rng.pick(value ? on : [`with ${label} turned off`, `without ${label}`]) };
  }
  if (Array.isArray(value)) {
    const items = value.filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
    if (!items.length) return undefined;
    return rng.next() < 0.5
      ? { label: `the ${label}`, value: listOf(items) }
      : { natural: `using ${listOf(items)} as ${label}` };
  }
  if (value === null || typeof value === 'object') return undefined;
  const v = String(value);
  const fmt = schema?.format;
  const last = words[words.length - 1] ?? '';
  if (has('city', 'location', 'place', 'town')) return { natural: rng.pick([`in ${v}`, `for ${v}`]) };
  if (fmt === 'date' || has('date'))
    return rng.next() < 0.6 ? { natural: rng.pick([`on ${v}`, `for ${v}`]) } : { label: `the ${label}`, value: v };
  if (has('time') && !has('zone')) return { natural: `at ${v}` };
  if (
    typeof value === 'number' &&
    has('days', 'nights', 'weeks', 'hours', 'minutes', 'people', 'guests', 'tickets', 'seats', 'rooms', 'copies')
  )
    return { natural: `for ${v} ${value === 1 ? last.replace(/s$/, '') : last}` };
  if (has('query', 'keyword', 'keywords', 'search', 'term', 'topic'))
    return { natural: rng.pick([`about "${v}"`, `matching "${v}"`, `for "${v}"`]) };
  if (has('title')) return { natural: rng.pick([`called "${v}"`, `titled "${v}"`, `with the title "${v}"`]) };
  if (label === 'name' && typeof value === 'string')
    return { natural: rng.pick([`called "${v}"`, `named "${v}"`, `named ${v}`]) };
  if (has('body', 'content', 'text', 'message', 'notes', 'comment', 'description'))
    return { natural: rng.pick([`saying "${v}"`, `with the ${label} "${v}"`]) };
  if (has('email')) return { natural: rng.pick([`at ${v}`, `with the email ${v}`]) };
  return { label: rng.next() < 0.3 ? `the ${label}` : label, value: v };
}

function schemaAt(tool: Tool | undefined, path: string): Record<string, unknown> | undefined {
  let node = tool?.inputSchema as Record<string, unknown> | undefined;
  for (const key of path.split('/')) {
    if (!node) return undefined;
    if (/^\d+$/.test(key)) node = node.items as Record<string, unknown> | undefined;
    else node = (node.properties as Record<string, Record<string, unknown>> | undefined)?.[key];
  }
  return node;
}

/** A call's values in words: natural phrases first, the rest listed ("with username x, slug y and pid 5"). */
function callPhrase(
  call: GoalCall,
  tool: Tool | undefined,
  goal: Pick<Goal, 'turns'>,
  skip: string | undefined,
  rng: Rng,
): string {
  const natural: string[] = [];
  const listed: string[] = [];
  for (const [key, value] of Object.entries(call.arguments)) {
    if (key === skip) continue;
    // Top-level arrays are one phrase; nested objects are stated leaf by leaf ("payment method card").
    const entries =
      value && typeof value === 'object' && !Array.isArray(value) && !isResultRef(value)
        ? leaves(value, key)
        : [{ path: key, value }];
    for (const e of entries) {
      const p = valuePhrase(e.path, e.value, schemaAt(tool, e.path), goal, rng);
      if (p && 'natural' in p) natural.push(p.natural);
      else if (p) listed.push(`${p.label} ${p.value}`);
    }
  }
  const list = listed.length ? `${rng.pick(['with', 'using', 'for'])} ${listOf(listed)}` : '';
  return [...natural, list].filter(Boolean).join(' ');
}

const FRAMES: Record<Tone, Array<(a: string) => string>> = {
  terse: [(a) => `${cap(a)}.`, (a) => `Need to ${a}.`, (a) => `Please ${a}.`, (a) => `${cap(a)}, thanks.`],
  polite: [
    (a) => `Hello! Could you please ${a}? Thank you so much.`,
    (a) => `Good morning. I would be grateful if you could ${a}.`,
    (a) => `Hi there, would you mind helping me ${a}? Many thanks.`,
    (a) => `Could you kindly ${a}? I appreciate it.`,
  ],
  neutral: [
    (a) => `Can you ${a}?`,
    (a) => `I'd like to ${a}.`,
    (a) => `Could you ${a} for me?`,
    (a) => `I need to ${a}.`,
    (a) => `Please ${a}.`,
    (a) => `Hey, can you ${a}?`,
  ],
};
const FOLLOW_UPS: Array<(a: string) => string> = [
  (a) => `Thanks! Next, please ${a}.`,
  (a) => `Great. Now ${a}, please.`,
  (a) => `One more thing: could you ${a}?`,
  (a) => `Perfect. Can you also ${a}?`,
  (a) => `Okay, and now I need to ${a}.`,
  (a) => `Thank you. Next I'd like to ${a}.`,
];
const ALSO = [' Also, ', ' And then ', ' After that, ', ' Besides that, '];

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export type VoiceInput = {
  calls: GoalCall[];
  tools: Tool[];
  goal: Pick<Goal, 'turns'>;
  persona: string;
  rng: Rng;
  /** The parameter of `calls[0]` withheld from this request (miss_param turn 0). */
  skip?: { tool: string; parameter: string };
  /** Later turns read as follow-ups. */
  followUp?: boolean;
};

/** Groups consecutive calls to one tool: "get the forecast in Lisbon for 3 days, and also in Osaka for 5 days". */
function groups(calls: GoalCall[]): GoalCall[][] {
  const out: GoalCall[][] = [];
  for (const c of calls) {
    const g = out.find((x) => x[0].name === c.name);
    if (g) g.push(c);
    else out.push([c]);
  }
  return out;
}

/** A deterministic (given `rng`) natural-language request for `calls`, stating every value but the withheld one. */
export function templateRequest(input: VoiceInput): string {
  const { rng, goal } = input;
  const tone = toneOf(input.persona, rng);
  const sentences = groups(input.calls).map((group, gi) => {
    const tool = input.tools.find((t) => t.name === group[0].name);
    const action = actionOf(tool, group[0].name, rng);
    const parts = group.map((call, i) => {
      const skip =
        input.skip && i === 0 && gi === 0 && call.name === input.skip.tool ? input.skip.parameter : undefined;
      return callPhrase(call, tool, goal, skip, rng);
    });
    const more = parts.slice(1).map((p, i) => `${i === parts.length - 2 ? 'and also' : 'then'} ${p}`);
    const body = [`${action} ${parts[0]}`, ...more].join(', ');
    return body.trim().replace(/\s+/g, ' ');
  });
  const [first, ...rest] = sentences;
  let text = rng.pick(input.followUp ? FOLLOW_UPS : FRAMES[tone])(first);
  for (const s of rest) text += `${rng.pick(ALSO)}${s}.`;
  return text;
}

/** A sentence stating values a model's request left out: "Also, make it for 10 days with unit celsius." */
export function statedValues(missing: RequestExpectation['values'], rng: Rng): string {
  const natural: string[] = [];
  const listed: string[] = [];
  for (const m of missing) {
    const p = valuePhrase(m.where.split('.').slice(1).join('.'), m.value, undefined, { turns: [] }, rng);
    if (p && 'natural' in p) natural.push(p.natural);
    else if (p) listed.push(`${p.label} ${p.value}`);
  }
  const list = listed.length ? `with ${listOf(listed)}` : '';
  return `${rng.pick(['Also, make it', 'Oh, and make it', 'To be precise: make it', 'Just so you know, I need it'])} ${[...natural, list].filter(Boolean).join(' ')}.`;
}

// ---------------------------------------------------------------------------------------------------
// Off-topic requests (irrelevance): varied, and never about what the offered tools do.

const OFF_TOPIC: Array<{ topic: RegExp; make: (rng: Rng) => string }> = [
  {
    topic: /poem|write/,
    make: (r) =>
      `Can you write a short poem about ${r.pick(['the first snow of winter', 'a lighthouse keeper', 'autumn leaves', 'a sleepy cat', 'the sea at night'])}?`,
  },
  {
    topic: /boil|water|physics/,
    make: (r) =>
      `What is the boiling point of water at ${r.pick(['the top of Mount Everest', 'sea level', '3000 metres'])}?`,
  },
  {
    topic: /translat|language/,
    make: (r) =>
      `How do I say "${r.pick(['good morning, neighbour', 'where is the train station', 'thank you for dinner'])}" in ${r.pick(['Portuguese', 'Japanese', 'Italian', 'Polish'])}?`,
  },
  {
    topic: /paint|art|history/,
    make: (r) =>
      `Who painted ${r.pick(['the ceiling of the Sistine Chapel', 'The Starry Night', 'Girl with a Pearl Earring'])}?`,
  },
  {
    topic: /plant|garden/,
    make: (r) =>
      `Give me ${r.pick(['three', 'a few'])} tips for keeping ${r.pick(['basil', 'orchids', 'a fern', 'tomatoes'])} alive indoors.`,
  },
  {
    topic: /rainbow|science|explain/,
    make: (r) =>
      `Explain in one paragraph how ${r.pick(['a rainbow forms', 'tides work', 'vaccines train the immune system', 'bread rises'])}.`,
  },
  {
    topic: /recipe|cook|food/,
    make: (r) =>
      `What's a simple recipe for ${r.pick(['lentil soup', 'banana bread', 'a vegetable curry', 'pancakes'])}?`,
  },
  {
    topic: /math|number|calculat/,
    make: (r) => `Is ${r.pick([91, 97, 221, 561])} a prime number? Please explain briefly.`,
  },
  {
    topic: /joke|fun/,
    make: (r) => `Tell me a clean joke about ${r.pick(['penguins', 'accountants', 'coffee', 'the moon'])}.`,
  },
  {
    topic: /exercise|fitness|health/,
    make: (r) =>
      `Suggest a ${r.pick(['ten-minute', 'quick', 'gentle'])} stretching routine for ${r.pick(['my back', 'after running', 'the morning'])}.`,
  },
  {
    topic: /movie|film|book|read/,
    make: (r) =>
      `Recommend a ${r.pick(['classic', 'funny', 'thoughtful'])} film to watch with ${r.pick(['my parents', 'friends', 'kids'])} this weekend.`,
  },
  {
    topic: /chess|game/,
    make: (r) => `What is a good opening for a beginner in ${r.pick(['chess', 'go', 'checkers'])}?`,
  },
];

/** A request none of `tools` can help with, chosen so its topic does not appear in their descriptions. */
export function offTopicRequest(tools: Tool[], rng: Rng): string {
  const about = tools.map((t) => `${t.name} ${t.description}`.toLowerCase()).join(' ');
  const fit = OFF_TOPIC.filter((o) => !o.topic.test(about));
  return rng.pick(fit.length ? fit : OFF_TOPIC).make(rng);
}
