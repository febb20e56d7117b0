// An LLM role-plays the API behind a tool set. Ids, existence and deletion are kept deterministically
// in the session's world state; the LLM invents the rest, sees that state, and its reply is checked
// against the tool's output schema (one repair round, then a schema-valid default).
import { createHash } from 'node:crypto';
import type { ChatClient, ChatMessage } from '../domain/chat.js';
import type { JsonSchema, Tool, ToolSet } from '../domain/catalog.js';
import { canonicalJson } from '../specs/json-schema.js';
import { compileSchema, describeErrors } from '../domain/schema-validator.js';
import type { ToolBackend, ToolOutcome } from './backend.js';
import { operationShape, type OperationShape } from './operation-shape.js';
import { defaultForSchema } from './schema-default.js';
import {
  STATE_CHANGES_JSON_SCHEMA,
  StateChangesSchema,
  applyChanges,
  putRecord,
  removeRecord,
  type StateChanges,
  type WorldState,
} from './world-state.js';

export type SimulatedBackendOptions = {
  toolSet: ToolSet;
  world: WorldState;
  /** Absent: no LLM; replies are synthesized from schemas and the world state alone (offline, deterministic). */
  llm?: ChatClient;
  /** Each call asks with `seed + callIndex`, so a session replays identically with a deterministic LLM. */
  seed: number;
  /** Absent: the LLM client's own (its role's `temperature` and `maxTokens` in the run config). */
  temperature?: number;
  maxTokens?: number;
  /** Re-asks after an invalid reply (default 1); never after one cut off by the token budget. */
  retries?: 0 | 1;
  /** Upper bound on the world-state JSON shown to the LLM, in characters. */
  maxStateChars?: number;
};

type LlmAnswer = { value: unknown; changes: StateChanges; tokens: number; repaired?: string; error?: string };

export class SimulatedBackend implements ToolBackend {
  private callIndex = 0;
  constructor(private readonly opts: SimulatedBackendOptions) {}

  async close(): Promise<void> {}

  async call(tool: Tool, args: Record<string, unknown>): Promise<ToolOutcome> {
    // No result can satisfy an output schema that does not compile: refused before the LLM is asked.
    const output = tool.outputSchema ? compileSchema(tool.outputSchema) : undefined;
    if (output && !output.ok)
      return {
        ok: false,
        error: `tool '${tool.name}': its output schema does not compile: ${output.error}`,
        tokens: 0,
      };
    const index = this.callIndex++;
    const world = this.opts.world;
    const shape = operationShape(tool);
    const c = shape.collection;
    const key =
      shape.idParam !== undefined && args[shape.idParam] !== undefined ? String(args[shape.idParam]) : undefined;
    const records = (world.records[c] ??= {});
    const existing = key !== undefined ? records[key] : undefined;

    if (
      key !== undefined &&
      (shape.kind === 'read' || shape.kind === 'update' || shape.kind === 'delete') &&
      existing === undefined &&
      world.deleted[c]?.includes(key)
    ) {
      return {
        ok: false,
        error: `not found: ${c} with ${shape.idParam}=${key} was deleted earlier in this session`,
        tokens: 0,
      };
    }

    switch (shape.kind) {
      case 'read': {
        if (existing !== undefined && this.valid(tool, existing)) return { ok: true, value: existing, tokens: 0 };
        const answer = await this.answer(tool, args, shape, index, [
          `No ${c} with ${shape.idParam}=${key} is in the world state yet: invent a plausible one consistent with the arguments; it will be remembered.`,
        ]);
        if (answer.error !== undefined) return { ok: false, error: answer.error, tokens: answer.tokens };
        const value = overlay(tool, answer.value, shape.idParam ? { [shape.idParam]: args[shape.idParam] } : {});
        if (key !== undefined && isRecord(value)) putRecord(world, c, key, value);
        return this.done(answer, value);
      }
      case 'create': {
        const idField = idFieldOf(tool.outputSchema, c);
        // Counters skip ids the world already holds (records a read invented), so a create never overwrites one.
        let n = world.counters[c] ?? 0;
        let id: string | number;
        do id = idValue(tool.outputSchema, idField, c, ++n);
        while (String(id) in records);
        world.counters[c] = n;
        const answer = await this.answer(tool, args, shape, index, [
          `This call creates a new ${c}; its ${idField} is ${JSON.stringify(id)} (already decided, use it).`,
        ]);
        if (answer.error !== undefined) return { ok: false, error: answer.error, tokens: answer.tokens };
        const value = overlay(tool, answer.value, { ...args, [idField]: id });
        putRecord(world, c, String(id), isRecord(value) ? value : { ...args, [idField]: id });
        return this.done(answer, value);
      }
      case 'update': {
        const base = isRecord(existing) ? existing : {};
        const answer = await this.answer(tool, args, shape, index, [
          existing !== undefined
            ? `The ${c} before this update: ${JSON.stringify(existing)}`
            : `No ${c} with ${shape.idParam}=${key} is known yet: treat it as existing.`,
        ]);
        if (answer.error !== undefined) return { ok: false, error: answer.error, tokens: answer.tokens };
        const merged = { ...base, ...args, ...(isRecord(answer.value) ? answer.value : {}) };
        const value = overlay(tool, answer.value, { ...base, ...args });
        if (key !== undefined) putRecord(world, c, key, isRecord(value) ? { ...merged, ...value } : merged);
        return this.done(answer, value);
      }
      case 'delete': {
        const answer = await this.answer(tool, args, shape, index, [
          existing !== undefined
            ? `The ${c} being deleted: ${JSON.stringify(existing)}`
            : `The ${c} with ${shape.idParam}=${key} exists until this call deletes it.`,
        ]);
        if (answer.error !== undefined) return { ok: false, error: answer.error, tokens: answer.tokens };
        if (key !== undefined) removeRecord(world, c, key);
        return this.done(answer, answer.value);
      }
      case 'list': {
        const answer = await this.answer(tool, args, shape, index, [
          `Known ${c} records (the result must include those matching the arguments): ${JSON.stringify(Object.values(records))}`,
        ]);
        if (answer.error !== undefined) return { ok: false, error: answer.error, tokens: answer.tokens };
        return this.done(answer, answer.value);
      }
      case 'action': {
        const obsKey = `${tool.name}(${canonicalJson(args)})`;
        if (obsKey in world.observations) return { ok: true, value: world.observations[obsKey], tokens: 0 };
        const answer = await this.answer(tool, args, shape, index, []);
        if (answer.error !== undefined) return { ok: false, error: answer.error, tokens: answer.tokens };
        world.observations[obsKey] = answer.value;
        return this.done(answer, answer.value);
      }
    }
  }

  private done(answer: LlmAnswer, value: unknown): ToolOutcome {
    applyChanges(this.opts.world, answer.changes);
    return { ok: true, value, tokens: answer.tokens, ...(answer.repaired ? { repaired: answer.repaired } : {}) };
  }

  private valid(tool: Tool, value: unknown): boolean {
    if (!tool.outputSchema) return true;
    const v = compileSchema(tool.outputSchema);
    return v.ok && (v.validate(value) as boolean);
  }

  /** Asks the LLM (or, without one, the schema) for the call's result. Never throws on a bad reply. */
  private async answer(
    tool: Tool,
    args: Record<string, unknown>,
    shape: OperationShape,
    index: number,
    facts: string[],
  ): Promise<LlmAnswer> {
    const fallback = () => fallbackValue(tool, args, shape, this.opts.world);
    const llm = this.opts.llm;
    if (!llm) return { value: fallback(), changes: {}, tokens: 0 };
    const outSchema = tool.outputSchema ?? {};
    const messages: ChatMessage[] = [
      { role: 'system', content: this.systemPrompt(tool) },
      { role: 'user', content: this.callPrompt(tool, args, facts) },
    ];
    const replySchema = {
      type: 'object',
      properties: { result: outSchema, error: { type: 'string' }, state_changes: STATE_CHANGES_JSON_SCHEMA },
    };
    let tokens = 0;
    let problem = '';
    const attempts = 1 + (this.opts.retries ?? 1);
    const fallbackAnswer = (asked: number): LlmAnswer => ({
      value: fallback(),
      changes: {},
      tokens,
      repaired: `synthesized from the output schema after ${asked} invalid ${asked === 1 ? 'reply' : 'replies'}: ${problem}`,
    });
    for (let attempt = 0; attempt < attempts; attempt++) {
      const response = await llm.chat({
        messages,
        jsonSchema: { name: 'tool_result', schema: replySchema },
        ...(this.opts.temperature !== undefined ? { temperature: this.opts.temperature } : {}),
        ...(this.opts.maxTokens !== undefined ? { maxTokens: this.opts.maxTokens } : {}),
        seed: this.opts.seed + index,
      });
      tokens += response.usage.promptTokens + response.usage.completionTokens;
      const text = response.message.content ?? '';
      const parsed = parseReply(text);
      if (parsed.ok) {
        const reply = parsed.value;
        const changes = StateChangesSchema.safeParse(reply.state_changes ?? {});
        if (typeof reply.error === 'string' && !('result' in reply)) {
          return { value: undefined, error: reply.error, changes: {}, tokens };
        }
        // Small models often drop the {result} wrapper and answer with the result itself.
        const value = 'result' in reply ? reply.result : reply;
        const check = checkOutput(tool, value);
        if (check === '') {
          return {
            value,
            changes: changes.success ? changes.data : {},
            tokens,
            ...(attempt > 0 ? { repaired: `retried once: ${problem}` } : {}),
          };
        }
        problem = `result does not match the output schema: ${check}`;
      } else {
        problem = parsed.error;
      }
      // A reply the token budget cut off: asked again in the same budget, with a longer prompt, a model that ran
      // out once runs out again (small ones loop inside the JSON: in the tenth loop-gain run's first 8
      // trajectories 12 of the simulator's 16 requests got invalid replies, 405 tokens a request on average at a
      // budget of 512), so the schema default comes now.
      if (response.finishReason === 'length') {
        problem = `cut off at the token budget: ${problem}`;
        return fallbackAnswer(attempt + 1);
      }
      if (attempt + 1 === attempts) break;
      messages.push({ role: 'assistant', content: text });
      messages.push({
        role: 'user',
        content: `That reply is invalid (${problem}). Answer again with only the JSON object {"result": ..., "state_changes": {...}}.`,
      });
    }
    return fallbackAnswer(attempts);
  }

  private systemPrompt(tool: Tool): string {
    const set = this.opts.toolSet;
    return [
      `You are the backend server of the API "${set.name}"${set.description ? ` (${set.description.slice(0, 300)})` : ''}.`,
      'You receive one tool call and return what the real service would return.',
      'Rules: stay consistent with the world state (records created earlier exist, deleted ones do not); invent specific, plausible values (real-looking names, numbers, dates), never placeholders;',
      'if the call cannot succeed in this world (e.g. a business rule fails), reply {"error": "<message a real server would give>"} instead of a result.',
      'Reply with only a JSON object: {"result": <the tool\'s output>, "state_changes": {"upsert": [{"collection", "id", "record"}], "remove": [{"collection", "id"}], "facts": ["..."]}} (state_changes optional).',
      `Tool: ${tool.name}: ${tool.description.slice(0, 600)}`,
      `Input schema: ${JSON.stringify(tool.inputSchema)}`,
      tool.outputSchema
        ? `Output schema (the result must match it): ${JSON.stringify(tool.outputSchema)}`
        : 'No output schema is given: return a JSON value a real API would return.',
    ].join('\n');
  }

  private callPrompt(tool: Tool, args: Record<string, unknown>, facts: string[]): string {
    const world = this.opts.world;
    const max = this.opts.maxStateChars ?? 4000;
    let state = JSON.stringify({ records: world.records, deleted: world.deleted, facts: world.facts });
    if (state.length > max) state = state.slice(0, max) + '…(truncated)';
    return [
      `World state: ${state}`,
      ...facts.map((f) => `Note: ${f}`),
      `Call: ${tool.name}(${JSON.stringify(args)})`,
    ].join('\n');
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** '' when valid, else ajv's description of what is wrong. */
function checkOutput(tool: Tool, value: unknown): string {
  if (value === undefined) return '(root): missing result';
  if (!tool.outputSchema) return '';
  const v = compileSchema(tool.outputSchema);
  if (!v.ok) return `the output schema does not compile: ${v.error}`;
  return v.validate(value) ? '' : describeErrors(v.validate.errors);
}

/** Extracts the JSON object from a reply that may be wrapped in prose or a code fence. */
export function parseReply(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const candidates = [text.trim()];
  const fence = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  if (fence) candidates.push(fence[1].trim());
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  for (const c of candidates) {
    try {
      const v = JSON.parse(c);
      if (isRecord(v)) return { ok: true, value: v };
    } catch {
      /* try the next candidate */
    }
  }
  return {
    ok: false,
    error: text.trim() === '' ? 'empty reply' : `not a JSON object: ${JSON.stringify(text.slice(0, 80))}`,
  };
}

/** Puts fields decided deterministically (ids, sent arguments) onto the LLM's result when the schema allows them. */
function overlay(tool: Tool, value: unknown, fields: Record<string, unknown>): unknown {
  if (!isRecord(value)) return value;
  const props = propertiesOf(tool.outputSchema);
  const out = { ...value };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && (props === null || props.has(k))) out[k] = v;
  return checkOutput(tool, out) === '' || checkOutput(tool, value) !== '' ? out : value;
}

/** Property names an output schema allows at top level (through allOf); null = any. */
function propertiesOf(schema: JsonSchema | undefined): Set<string> | null {
  if (!schema) return null;
  const names = new Set<string>();
  const visit = (s: unknown) => {
    if (!isRecord(s)) return;
    if (isRecord(s.properties)) for (const k of Object.keys(s.properties)) names.add(k);
    if (Array.isArray(s.allOf)) s.allOf.forEach(visit);
  };
  visit(schema);
  return names.size ? names : null;
}

function idFieldOf(schema: JsonSchema | undefined, collection: string): string {
  const props = propertiesOf(schema);
  if (!props) return 'id';
  return (
    ['id', `${collection}_id`, `${collection}Id`].find((p) => props.has(p)) ??
    [...props].find((p) => /(^|_)id$|[a-z]Id$/.test(p)) ??
    'id'
  );
}

/** The id field's schema in an output schema (through allOf), if it names one. */
function idSchemaOf(schema: JsonSchema | undefined, field: string): Record<string, unknown> | undefined {
  let prop: unknown;
  const visit = (s: unknown) => {
    if (!isRecord(s)) return;
    if (isRecord(s.properties) && field in s.properties) prop = s.properties[field];
    if (Array.isArray(s.allOf)) s.allOf.forEach(visit);
  };
  visit(schema);
  return isRecord(prop) ? prop : undefined;
}

/** A UUID (version 4 layout) derived from the collection and counter: unique per create, the same on replay. */
export function counterUuid(collection: string, n: number): string {
  const h = createHash('sha256').update(`${collection}\u0000${n}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The id a create hands out, in the id field's own format: integers count up, `uuid` ids are UUIDs, other strings read `note_3`. */
export function idValue(schema: JsonSchema | undefined, field: string, collection: string, n: number): string | number {
  const prop = idSchemaOf(schema, field);
  const types = prop ? (Array.isArray(prop.type) ? prop.type : [prop.type]) : [];
  if (types.includes('integer') || types.includes('number')) return n;
  if (prop?.format === 'uuid') return counterUuid(collection, n);
  return `${collection || 'item'}_${n}`;
}

/** What a call returns when no LLM answer is usable: schema-valid, filled from the arguments and the world. */
function fallbackValue(tool: Tool, args: Record<string, unknown>, shape: OperationShape, world: WorldState): unknown {
  const records = Object.values(world.records[shape.collection] ?? {});
  if (tool.outputSchema) {
    const schema = tool.outputSchema;
    if (schema.type === 'array' && shape.kind === 'list') {
      const valid = compileSchema(schema);
      if (valid.ok && valid.validate(records)) return records;
    }
    return defaultForSchema(schema, args);
  }
  switch (shape.kind) {
    case 'list':
      return records;
    case 'delete':
      return { deleted: true, ...(shape.idParam ? { [shape.idParam]: args[shape.idParam] } : {}) };
    case 'create':
    case 'read':
    case 'update':
      return { ...args };
    default:
      return { status: 'ok' };
  }
}
