// BFCL's shapes: a decoded model result is a list of calls, each a one-key object from function name to
// arguments; a ground truth lists, per call, the acceptable values of each parameter.
import { z } from 'zod';

/** `{ "spotify.play": { "artist": "Taylor Swift", "duration": 20 } }` */
export type DecodedCall = Record<string, Record<string, unknown>>;
/** `{ "spotify.play": { "artist": ["Taylor Swift"], "duration": [20, ""] } }` ("" = may be omitted) */
export type GroundTruthCall = Record<string, Record<string, unknown[]>>;

/** The AST categories scored here (multi-turn is out of scope for the checker). */
export const BFCL_AST_CATEGORIES = [
  'simple_python',
  'simple_java',
  'simple_javascript',
  'multiple',
  'parallel',
  'parallel_multiple',
  'live_simple',
  'live_multiple',
  'live_parallel',
  'live_parallel_multiple',
  'irrelevance',
  'live_irrelevance',
  'live_relevance',
] as const;
export type BfclCategory = (typeof BFCL_AST_CATEGORIES)[number];

export const VerdictSchema = z.object({
  id: z.string(),
  category: z.string(),
  valid: z.boolean(),
  /** BFCL's typed reason, e.g. `type_error:simple`, `value_error:string`, `simple_function_checker:missing_required`. */
  error_type: z.string().optional(),
  error: z.array(z.string()).default([]),
});
export type Verdict = z.infer<typeof VerdictSchema>;
