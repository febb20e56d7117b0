// Counts tokens, latency, retries, throttles, outages, garbage bodies and malformed replies per LLM role,
// scoped to one stage of one cycle, and snapshots them as plain JSON that activities persist next to their
// artifacts. Clients are shared by a worker's activities, so each activity attempt runs under its own meter
// (`withMeter`) and the clients record into the meter of the activity that made the request.
import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import type { ChatTiming, Usage } from '../domain/chat.js';

/** What the reply broke: tool-call arguments that are not a JSON object, or structured output that does not parse/validate. */
export const FormatErrorKindSchema = z.enum(['tool_arguments', 'json_content', 'empty_choice']);
export type FormatErrorKind = z.infer<typeof FormatErrorKindSchema>;

export const RoleUsageSchema = z.object({
  requests: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  /** Prompt tokens the endpoint's prefix cache held (not evaluated again), where it says so. */
  cachedPromptTokens: z.number().int().default(0),
  latencyMsTotal: z.number(),
  latencyMsMax: z.number(),
  /** Of the requests, those whose runtime reported where the time went (embedded models), and the sums of it:
   * decoding tokens/s is (completionTokens of those - timedRequests) / decodeMsTotal. */
  timedRequests: z.number().int().default(0),
  timedCompletionTokens: z.number().int().default(0),
  setupMsTotal: z.number().default(0),
  queueMsTotal: z.number().default(0),
  promptMsTotal: z.number().default(0),
  decodeMsTotal: z.number().default(0),
  retries: z.number().int(),
  /** Requests that gave up (after the retry budget, or refused outright). */
  failures: z.number().int(),
  /** HTTP 429 answers (each one also a retry or a failure). */
  throttles: z.number().int().default(0),
  /** Requests that gave up because the endpoint stayed away: each one failed an activity attempt that Temporal retried. */
  outages: z.number().int().default(0),
  /** HTTP 200 bodies that were not a chat completion (HTML, cut-off JSON), retried like an outage. */
  garbage: z.number().int().default(0),
  /** Replies the model gave that broke the requested format (data, kept). */
  formatErrors: z.number().int(),
  formatErrorsByKind: z.record(FormatErrorKindSchema, z.number().int()),
});
export type RoleUsage = z.infer<typeof RoleUsageSchema>;

export const UsageSnapshotSchema = z.object({
  cycle: z.number().int().nullable(),
  stage: z.string().nullable(),
  roles: z.record(z.string(), RoleUsageSchema),
  total: RoleUsageSchema,
});
export type UsageSnapshot = z.infer<typeof UsageSnapshotSchema>;

export type MeterScope = { cycle?: number; stage?: string };

function emptyRoleUsage(): RoleUsage {
  return {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedPromptTokens: 0,
    latencyMsTotal: 0,
    latencyMsMax: 0,
    timedRequests: 0,
    timedCompletionTokens: 0,
    setupMsTotal: 0,
    queueMsTotal: 0,
    promptMsTotal: 0,
    decodeMsTotal: 0,
    retries: 0,
    failures: 0,
    throttles: 0,
    outages: 0,
    garbage: 0,
    formatErrors: 0,
    formatErrorsByKind: {},
  };
}

function addInto(into: RoleUsage, from: RoleUsage): void {
  into.requests += from.requests;
  into.promptTokens += from.promptTokens;
  into.completionTokens += from.completionTokens;
  into.cachedPromptTokens += from.cachedPromptTokens ?? 0;
  into.latencyMsTotal += from.latencyMsTotal;
  into.latencyMsMax = Math.max(into.latencyMsMax, from.latencyMsMax);
  into.timedRequests += from.timedRequests ?? 0;
  into.timedCompletionTokens += from.timedCompletionTokens ?? 0;
  into.setupMsTotal += from.setupMsTotal ?? 0;
  into.queueMsTotal += from.queueMsTotal ?? 0;
  into.promptMsTotal += from.promptMsTotal ?? 0;
  into.decodeMsTotal += from.decodeMsTotal ?? 0;
  into.retries += from.retries;
  into.failures += from.failures;
  into.throttles += from.throttles ?? 0;
  into.outages += from.outages ?? 0;
  into.garbage += from.garbage ?? 0;
  into.formatErrors += from.formatErrors;
  for (const [kind, n] of Object.entries(from.formatErrorsByKind) as Array<[FormatErrorKind, number]>) {
    into.formatErrorsByKind[kind] = (into.formatErrorsByKind[kind] ?? 0) + n;
  }
}

export class UsageMeter {
  private readonly roles = new Map<string, RoleUsage>();

  constructor(readonly scope: MeterScope = {}) {}

  private role(role: string): RoleUsage {
    let entry = this.roles.get(role);
    if (!entry) this.roles.set(role, (entry = emptyRoleUsage()));
    return entry;
  }

  /** One completed request: its token usage, wall-clock latency (including retries) and, where known, its timing. */
  record(role: string, usage: Usage, latencyMs: number, timing?: ChatTiming): void {
    const r = this.role(role);
    r.requests++;
    r.promptTokens += usage.promptTokens;
    r.completionTokens += usage.completionTokens;
    r.cachedPromptTokens += usage.cachedPromptTokens ?? 0;
    r.latencyMsTotal += latencyMs;
    r.latencyMsMax = Math.max(r.latencyMsMax, latencyMs);
    if (timing) {
      r.timedRequests++;
      r.timedCompletionTokens += usage.completionTokens;
      r.setupMsTotal += timing.setupMs;
      r.queueMsTotal += timing.queueMs;
      r.promptMsTotal += timing.promptMs;
      r.decodeMsTotal += timing.decodeMs;
    }
  }

  recordRetry(role: string): void {
    this.role(role).retries++;
  }

  /** A request that gave up (dead endpoint, non-retryable status); `outage` when the endpoint stayed away. */
  recordFailure(role: string, outage = false): void {
    const r = this.role(role);
    r.failures++;
    if (outage) r.outages++;
  }

  recordThrottle(role: string): void {
    this.role(role).throttles++;
  }

  recordGarbage(role: string): void {
    this.role(role).garbage++;
  }

  recordFormatError(role: string, kind: FormatErrorKind): void {
    const r = this.role(role);
    r.formatErrors++;
    r.formatErrorsByKind[kind] = (r.formatErrorsByKind[kind] ?? 0) + 1;
  }

  /** Plain JSON (a deep copy), safe to write into an artifact or return from an activity. */
  snapshot(): UsageSnapshot {
    const roles: Record<string, RoleUsage> = {};
    const total = emptyRoleUsage();
    for (const [name, usage] of [...this.roles.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      roles[name] = structuredClone(usage);
      addInto(total, usage);
    }
    return { cycle: this.scope.cycle ?? null, stage: this.scope.stage ?? null, roles, total };
  }
}

/**
 * Sums snapshots (e.g. every synthesize shard of a cycle) per role. The scope is kept where all
 * inputs agree and becomes null where they differ, so a per-cycle roll-up reads `stage: null`.
 */
export function mergeUsageSnapshots(snapshots: UsageSnapshot[]): UsageSnapshot {
  const roles: Record<string, RoleUsage> = {};
  const total = emptyRoleUsage();
  for (const snap of snapshots) {
    for (const [name, usage] of Object.entries(snap.roles)) addInto((roles[name] ??= emptyRoleUsage()), usage);
    addInto(total, snap.total);
  }
  const same = <T>(values: T[]): T | null =>
    values.length > 0 && values.every((v) => v === values[0]) ? values[0] : null;
  return {
    cycle: same(snapshots.map((s) => s.cycle)),
    stage: same(snapshots.map((s) => s.stage)),
    roles,
    total,
  };
}

const active = new AsyncLocalStorage<UsageMeter>();

/** Runs `work` with `meter` as the meter every client records into for requests made inside it. */
export function withMeter<T>(meter: UsageMeter, work: () => Promise<T>): Promise<T> {
  return active.run(meter, work);
}

/** The meter of the activity attempt this code runs in, if any. */
export function activeMeter(): UsageMeter | undefined {
  return active.getStore();
}

/** A snapshot that tells nothing (no requests, no faults): not worth persisting. */
export function isEmptySnapshot(s: UsageSnapshot): boolean {
  return Object.keys(s.roles).length === 0;
}
