// The per-session world a simulated MCP server keeps, so later calls agree with earlier ones: records
// by collection and id, deleted ids, id counters, and remembered observations of read-only calls.
import { z } from 'zod';

export const WorldStateSchema = z.object({
  /** collection -> id (as text) -> record. */
  records: z.record(z.record(z.unknown())).default({}),
  /** collection -> ids deleted in this session: fetching them again is "not found". */
  deleted: z.record(z.array(z.string())).default({}),
  /** collection -> last id handed out by a create. */
  counters: z.record(z.number().int()).default({}),
  /** `tool(canonical args)` -> result: the same question gets the same answer within a session. */
  observations: z.record(z.unknown()).default({}),
  /** Free-form facts the simulator chose to remember (e.g. "the user's balance is 120 EUR"). */
  facts: z.array(z.string()).default([]),
});
export type WorldState = z.infer<typeof WorldStateSchema>;

export function emptyWorld(): WorldState {
  return { records: {}, deleted: {}, counters: {}, observations: {}, facts: [] };
}

/** Changes the LLM may ask for next to its result; applied after the deterministic bookkeeping. */
export const StateChangesSchema = z
  .object({
    upsert: z
      .array(z.object({ collection: z.string().min(1), id: z.union([z.string(), z.number()]), record: z.unknown() }))
      .default([]),
    remove: z.array(z.object({ collection: z.string().min(1), id: z.union([z.string(), z.number()]) })).default([]),
    facts: z.array(z.string()).default([]),
  })
  .partial()
  .default({});
export type StateChanges = z.infer<typeof StateChangesSchema>;

/** JSON Schema of the same shape, sent to the LLM as part of its structured-output schema. */
export const STATE_CHANGES_JSON_SCHEMA = {
  type: 'object',
  properties: {
    upsert: {
      type: 'array',
      items: {
        type: 'object',
        properties: { collection: { type: 'string' }, id: { type: ['string', 'integer'] }, record: {} },
        required: ['collection', 'id', 'record'],
      },
    },
    remove: {
      type: 'array',
      items: {
        type: 'object',
        properties: { collection: { type: 'string' }, id: { type: ['string', 'integer'] } },
        required: ['collection', 'id'],
      },
    },
    facts: { type: 'array', items: { type: 'string' } },
  },
};

export function applyChanges(world: WorldState, changes: StateChanges): void {
  for (const u of changes.upsert ?? []) putRecord(world, u.collection, String(u.id), u.record);
  for (const r of changes.remove ?? []) removeRecord(world, r.collection, String(r.id));
  for (const f of changes.facts ?? []) if (!world.facts.includes(f)) world.facts.push(f);
}

export function putRecord(world: WorldState, collection: string, id: string, record: unknown): void {
  (world.records[collection] ??= {})[id] = record;
  const gone = world.deleted[collection];
  if (gone) world.deleted[collection] = gone.filter((d) => d !== id);
}

export function removeRecord(world: WorldState, collection: string, id: string): void {
  if (world.records[collection]) delete world.records[collection][id];
  const gone = (world.deleted[collection] ??= []);
  if (!gone.includes(id)) gone.push(id);
}
