// Scores one BFCL entry the way bfcl_eval's eval_runner does for a function-calling (FC) model: decode the
// result, check its shape, then run the AST checker or the relevance rule for the entry's category.
//
// A result is BFCL's FC form `[{name: "<json args>"}]`, or the decoded form `[{name: {args}}]` (treated as if
// its args were written as JSON), or a string (a text answer: undecodable, unless empty).
import { astCheck, type CheckOptions, type FunctionDoc, type Language } from './ast-checker.js';
import { PyCrash, fromPlain, isDict, parsePyJson, pyIter, pyType, type PyDict, type PyValue } from './py-value.js';
import type { Verdict } from './types.js';

export type DecodeResult = { ok: true; calls: PyValue[] } | { ok: false; error: string };

/** BFCL's FC `decode_ast`: each item's first key is the name, its value JSON text of the arguments. */
export function decodeFcResult(result: PyValue): DecodeResult {
  let items: PyValue[];
  try {
    items = pyIter(result);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  const calls: PyValue[] = [];
  for (const item of items) {
    if (!isDict(item)) return { ok: false, error: `AttributeError: '${pyType(item)}' object has no attribute 'keys'` };
    const first = item.entries().next();
    if (first.done) return { ok: false, error: 'IndexError: list index out of range (a call with no name)' };
    const [name, args] = first.value;
    let params: PyValue;
    if (typeof args === 'string') {
      try {
        params = parsePyJson(args);
      } catch (e) {
        return { ok: false, error: `JSONDecodeError: ${(e as Error).message} (arguments of ${name})` };
      }
    } else if (isDict(args)) {
      params = args; // decoded form: already parsed arguments
    } else {
      return {
        ok: false,
        error: `TypeError: the JSON object must be str, bytes or bytearray, not ${pyType(args)} (arguments of ${name})`,
      };
    }
    calls.push(new Map([[name, params]]));
  }
  return { ok: true, calls };
}

/** BFCL's `is_function_calling_format_output`: a list of one-key dicts whose value is a dict. */
export function isFunctionCallingFormat(decoded: PyValue[]): decoded is PyDict[] {
  return decoded.every((item) => isDict(item) && item.size === 1 && isDict(item.values().next().value!));
}

/** BFCL's `is_empty_output`: [], [{}] or anything not in call format counts as "no call". */
export function isEmptyOutput(decoded: PyValue[]): boolean {
  if (!isFunctionCallingFormat(decoded)) return true;
  if (decoded.length === 0) return true;
  return decoded.length === 1 && (decoded[0] as PyDict).size === 0;
}

export const isRelevanceCategory = (category: string) =>
  category.includes('relevance') || category.includes('irrelevance');

export function languageOf(category: string): Language {
  if (category.includes('javascript')) return 'javascript';
  if (category.includes('java')) return 'java';
  return 'python';
}

export type EntryInput = {
  /** BFCL category, e.g. `parallel_multiple` or `live_irrelevance`. */
  category: string;
  /** The function docs offered (BFCL's `function` field). */
  functions: FunctionDoc[];
  /** The model's result (see module comment). Plain JS values are accepted; PyValues keep 1 vs 1.0 apart. */
  result: unknown;
  /** BFCL ground truth; required for AST categories, ignored for (ir)relevance. */
  groundTruth?: unknown;
  underscoreToDot?: boolean;
};

export type EntryVerdict = Omit<Verdict, 'id' | 'category'> & { decoded?: PyValue[] };

/** The verdict the official checker gives this entry (valid, error_type, error). */
export function checkEntry(input: EntryInput): EntryVerdict {
  const result = fromPlain(input.result, 'result');
  const decoded = decodeFcResult(result);

  if (isRelevanceCategory(input.category)) {
    const containsCall = decoded.ok && !isEmptyOutput(decoded.calls);
    const irrelevance = input.category.includes('irrelevance');
    if (irrelevance ? !containsCall : containsCall)
      return { valid: true, error: [], decoded: decoded.ok ? decoded.calls : undefined };
    return irrelevance
      ? {
          valid: false,
          error_type: 'irrelevance_error:decoder_success',
          error: ['Valid syntax. Successfully decode AST when it should not.'],
        }
      : {
          valid: false,
          error_type: 'relevance_error:decoder_failed',
          error: [`Invalid syntax. Failed to decode AST when it should have. ${decoded.ok ? '' : decoded.error}`],
        };
  }

  if (!decoded.ok) {
    return {
      valid: false,
      error_type: 'ast_decoder:decoder_failed',
      error: [`Invalid syntax. Failed to decode AST. ${decoded.error}`],
    };
  }
  if (!isFunctionCallingFormat(decoded.calls)) {
    return {
      valid: false,
      error_type: 'ast_decoder:decoder_wrong_output_format',
      error: ['Did not output in the specified format.'],
    };
  }
  if (input.groundTruth === undefined) {
    throw new Error(`checkEntry: category ${input.category} needs a ground truth (possible_answer) but none was given`);
  }
  const groundTruth = fromPlain(input.groundTruth, 'groundTruth');
  if (!Array.isArray(groundTruth) || !groundTruth.every(isDict)) {
    throw new Error(
      `checkEntry: ground truth must be a list of {function: {param: [values]}} objects, got ${pyType(groundTruth)}`,
    );
  }
  const opts: CheckOptions = { language: languageOf(input.category), underscoreToDot: input.underscoreToDot };
  try {
    const r = astCheck(input.functions, decoded.calls, groundTruth as PyDict[], input.category, opts);
    return r.valid
      ? { valid: true, error: [], decoded: decoded.calls }
      : { valid: false, error_type: r.error_type, error: r.error.map(errorText), decoded: decoded.calls };
  } catch (e) {
    if (!(e instanceof PyCrash)) throw e;
    // The official runner would stop the whole evaluation here; we keep going and say why.
    return {
      valid: false,
      error_type: 'checker_error:crash',
      error: [`The official checker raises on this entry: ${e.message}`],
    };
  }
}

// BFCL's parallel checker nests per-candidate errors as objects; verdicts carry them as JSON text.
const errorText = (e: unknown) => (typeof e === 'string' ? e : JSON.stringify(e));

/**
 * Lower-level: do these decoded calls match the ground truth under BFCL's rules? `ordered: false` (default)
 * is the parallel rule (any order); `ordered: true` requires the i-th call to match the i-th answer.
 */
export function matchCalls(
  functionDocs: FunctionDoc[],
  decodedCalls: unknown,
  groundTruthCalls: unknown,
  opts: { language?: Language; ordered?: boolean; underscoreToDot?: boolean } = {},
): { valid: boolean; error_type?: string; error: unknown[] } {
  const calls = fromPlain(decodedCalls, 'decodedCalls');
  const truth = fromPlain(groundTruthCalls, 'groundTruthCalls');
  if (!Array.isArray(calls) || !isFunctionCallingFormat(calls)) {
    return {
      valid: false,
      error_type: 'ast_decoder:decoder_wrong_output_format',
      error: ['decodedCalls is not a list of {name: {args}}'],
    };
  }
  if (!Array.isArray(truth) || !truth.every(isDict))
    throw new Error('matchCalls: groundTruthCalls must be a list of {name: {param: [values]}}');
  const checkOpts: CheckOptions = { language: opts.language ?? 'python', underscoreToDot: opts.underscoreToDot };
  try {
    if (!opts.ordered) return astCheck(functionDocs, calls, truth as PyDict[], 'parallel', checkOpts);
    if (calls.length !== truth.length)
      return {
        valid: false,
        error_type: 'parallel_function_checker_enforce_order:wrong_count',
        error: ['Wrong number of functions.'],
      };
    for (let i = 0; i < truth.length; i++) {
      const r = astCheck(functionDocs, [calls[i]], [truth[i] as PyDict], 'multiple', checkOpts);
      if (!r.valid) return r;
    }
    return { valid: true, error: [] };
  } catch (e) {
    if (!(e instanceof PyCrash)) throw e;
    return { valid: false, error_type: 'checker_error:crash', error: [e.message] };
  }
}
