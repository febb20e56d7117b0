// The one place that decides whether a failed model request is an outage (the endpoint was away, busy or
// sent something that is not a chat completion: wait and ask again) or data (a reply the model really
// gave, however wrong). Every layer that catches errors asks `isOutage` and lets an outage through, so
// Temporal retries the activity and no outage is ever stored as a trajectory, a tool result or a verdict.
//
// How the retries stack, outermost last (one story for the whole system):
//   1. the client (openai-client.ts) retries one request `maxRetries` times with jittered backoff, honouring
//      Retry-After, behind the endpoint's shared limiter (endpoint-limiter.ts); then it throws EndpointUnavailable;
//   2. no layer in between retries again (the BFCL runner retries only for clients that do not, e.g. the
//      `inftool bfcl run` CLI, whose client has maxRetries 0) and none records the outage as a result;
//   3. the activity fails with type EndpointUnavailable (retryable) and Temporal retries it with its own
//      backoff (src/workflows/options.ts); the retry resumes from the artifacts already stored, so a stage
//      waits out an outage of any length that its retry policy allows.
import OpenAI from 'openai';
import { isRetryableStatus } from './retry-policy.js';

export type EndpointId = { baseURL: string; model: string; role: string };

/** A request the endpoint refused or could not serve; names baseURL, model and role, never the key. */
export class LlmEndpointError extends Error {
  constructor(
    message: string,
    readonly endpoint: EndpointId,
    readonly attempts: number,
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'LlmEndpointError';
  }
}

/**
 * The endpoint stayed away (transport error, timeout, 408/409/429/5xx, garbage body) for the client's whole
 * retry budget. Retryable: the activity fails with this type and Temporal tries it again later.
 */
export class EndpointUnavailable extends LlmEndpointError {
  constructor(
    message: string,
    endpoint: EndpointId,
    attempts: number,
    status: number | undefined,
    readonly lastError: string,
  ) {
    super(message, endpoint, attempts, status, true);
    this.name = 'EndpointUnavailable';
  }
}

/** True for an outage from any layer, including one that crossed a boundary as a plain error with the name. */
export function isOutage(err: unknown): boolean {
  return err instanceof EndpointUnavailable || (err as { name?: unknown } | null)?.name === 'EndpointUnavailable';
}

/** Why one attempt failed, as the retry loop and the meter see it. */
export type AttemptFailure = {
  /** outage: worth asking again; rejected: the endpoint refused this request (4xx), asking again cannot help. */
  kind: 'outage' | 'rejected';
  /** The endpoint said "too many requests" (429): the shared limiter slows down. */
  throttled: boolean;
  /** A 200 whose body is not a chat completion (HTML, cut-off JSON, another shape). */
  garbage: boolean;
  status?: number;
  reason: string;
  headers?: Headers;
};

/** Thrown by the client itself when a 200 body is not a chat completion; classified as garbage. */
export class GarbageReply extends Error {
  override name = 'GarbageReply';
}

/** Classifies what the openai SDK (or the client's own shape check) threw for one attempt. */
export function classifyAttempt(err: unknown, timeoutMs: number): AttemptFailure {
  const base = { throttled: false, garbage: false };
  if (err instanceof OpenAI.APIConnectionTimeoutError)
    return { ...base, kind: 'outage', reason: `timed out after ${timeoutMs} ms` };
  if (err instanceof OpenAI.APIConnectionError) {
    const cause = (err.cause as { cause?: { code?: string }; code?: string } | undefined) ?? {};
    const code = cause.code ?? cause.cause?.code;
    return { ...base, kind: 'outage', reason: `connection failed${code ? ` (${code})` : ''}: ${err.message}` };
  }
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    return {
      ...base,
      kind: isRetryableStatus(err.status) ? 'outage' : 'rejected',
      throttled: err.status === 429,
      status: err.status,
      reason: `HTTP ${err.status}: ${err.message}`,
      headers: err.headers,
    };
  }
  if (err instanceof GarbageReply) return { ...base, kind: 'outage', garbage: true, reason: err.message };
  // A 200 with a body that does not parse (cut off mid-JSON, HTML labelled as JSON): the server's fault, not the model's.
  if (err instanceof SyntaxError)
    return { ...base, kind: 'outage', garbage: true, reason: `HTTP 200 with a body that is not JSON: ${err.message}` };
  // undici's "terminated" / "fetch failed": the connection died mid-response.
  if (err instanceof TypeError && /terminated|fetch failed|socket|ECONN/i.test(err.message)) {
    return { ...base, kind: 'outage', reason: `connection lost: ${err.message}` };
  }
  return { ...base, kind: 'rejected', reason: `unexpected error: ${(err as Error)?.message ?? String(err)}` };
}

/** '' when `body` has the shape of a chat completion, else what is wrong (checked before anything reads it). */
export function chatCompletionProblem(body: unknown): string {
  if (typeof body === 'string')
    return `HTTP 200 with a body that is not a chat completion: ${JSON.stringify(body.slice(0, 80))}`;
  if (body === null || typeof body !== 'object')
    return `HTTP 200 with an empty or non-object body (${body === null ? 'null' : typeof body})`;
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return 'HTTP 200 with a JSON body that has no choices array (not a chat completion)';
  for (const c of choices) {
    const message = (c as { message?: unknown } | null)?.message;
    if (message === null || typeof message !== 'object')
      return 'HTTP 200 with a choice that has no message object (not a chat completion)';
  }
  return '';
}
