// Maps BFCL's typed failure reasons (`error_type`) onto the planner's error classes, and condenses a
// cycle's validation verdicts (or its CycleRecord) into what the planner reads: accuracy and errors per category.
import { z } from 'zod';
import { CATEGORIES, CategorySchema, type Category } from '../domain/category.js';
import type { Verdict } from '../eval/types.js';
import type { CycleRecord } from '../domain/cycle-record.js';
import { ERROR_CLASSES, ErrorClassSchema, type ErrorClass } from '../domain/plan.js';

// Ordered: the first matching rule wins, so the specific multi-turn irrelevance reason is read before
// the generic `multi_turn:` state reasons and `wrong_count` before the checker-prefix fallbacks.
const RULES: ReadonlyArray<readonly [RegExp, ErrorClass]> = [
  [/irrelevance_error/, 'call_on_irrelevance'],
  [/^relevance_error|empty_turn_model_response|ast_decoder:decoder_failed|empty_model_response/, 'no_call'],
  [/decoder_wrong_output_format|:parse|json_decode|malformed/, 'malformed'],
  [/:wrong_count$|list_dict_count/, 'wrong_count'],
  [/wrong_func_name|cannot_find_match|wrong_function/, 'wrong_function'],
  [/missing_required|missing_optional/, 'missing_argument'],
  [/unexpected_param/, 'extra_argument'],
  [/^type_error/, 'wrong_type'],
  [/^value_error|dict_checker|list_dict_checker/, 'wrong_value'],
  [/^multi_turn:(instance_state_mismatch|execution_response_mismatch|method_invoke_order_mismatch)/, 'wrong_state'],
];

/** `simple_function_checker:missing_required` -> `missing_argument`; unknown reasons -> `other`. */
export function classifyErrorType(errorType: string | undefined): ErrorClass {
  if (!errorType) return 'other';
  for (const [pattern, cls] of RULES) if (pattern.test(errorType)) return cls;
  return 'other';
}

export const CategoryAccuracySchema = z.object({ acc: z.number().min(0).max(1), n: z.number().int().nonnegative() });
export type CategoryAccuracy = z.infer<typeof CategoryAccuracySchema>;

/** What the planner reads from a held-out split: accuracy per category, error classes per category. */
export const ValidationSummarySchema = z.object({
  perCategory: z.record(CategorySchema, CategoryAccuracySchema),
  errorClasses: z.record(CategorySchema, z.record(ErrorClassSchema, z.number().nonnegative())).default({}),
});
export type ValidationSummary = z.infer<typeof ValidationSummarySchema>;

function asCategory(value: string, where: string): Category {
  const parsed = CategorySchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(
      `${where}: '${value}' is not a synthetic category (${CATEGORIES.join(', ')}); ` +
        "validation verdicts must carry the RL prompt's category, not a BFCL category",
    );
  }
  return parsed.data;
}

/** Condenses validation-split verdicts (their `category` is the RL prompt's synthetic category). */
export function summarizeValidation(verdicts: Verdict[]): ValidationSummary {
  const perCategory: ValidationSummary['perCategory'] = {};
  const errorClasses: ValidationSummary['errorClasses'] = {};
  const tally: Partial<Record<Category, { ok: number; n: number }>> = {};
  verdicts.forEach((v, i) => {
    const cat = asCategory(v.category, `validation verdict #${i} (id ${v.id})`);
    const t = (tally[cat] ??= { ok: 0, n: 0 });
    t.n += 1;
    if (v.valid) t.ok += 1;
    else {
      const cls = classifyErrorType(v.error_type);
      const row = (errorClasses[cat] ??= {});
      row[cls] = (row[cls] ?? 0) + 1;
    }
  });
  for (const [cat, t] of Object.entries(tally) as [Category, { ok: number; n: number }][]) {
    perCategory[cat] = { acc: t.ok / t.n, n: t.n };
  }
  return { perCategory, errorClasses };
}

/**
 * Reads the planner's input from a CycleRecord's `evaluation.validation*` fields, never from `bfcl`:
 * the reported benchmark must not steer the run. Conventions (the pipeline writes them so):
 * `validation[category]` = accuracy, `validation['n/' + category]` = item count (absent: 0, i.e. the
 * prior dominates), `validationErrors['category/error_type']` = count (a key without a category
 * prefix is counted under no category and only shows in the report).
 */
export function validationFromRecord(record: CycleRecord): ValidationSummary {
  const perCategory: ValidationSummary['perCategory'] = {};
  const errorClasses: ValidationSummary['errorClasses'] = {};
  for (const [key, value] of Object.entries(record.evaluation.validation)) {
    if (key.startsWith('n/')) continue;
    const cat = CategorySchema.safeParse(key);
    if (!cat.success) continue; // summary keys such as `overall` are for the report
    const n = record.evaluation.validation[`n/${key}`] ?? 0;
    perCategory[cat.data] = { acc: Math.min(1, Math.max(0, value)), n: Math.max(0, Math.round(n)) };
  }
  for (const [key, count] of Object.entries(record.evaluation.validationErrors)) {
    const split = splitCategoryKey(key);
    if (!split) continue;
    const row = (errorClasses[split.category] ??= {});
    const cls = classifyErrorType(split.rest);
    row[cls] = (row[cls] ?? 0) + count;
  }
  return { perCategory, errorClasses };
}

/** `parallel/value_error:list/tuple` -> {parallel, value_error:list/tuple}; no category prefix -> undefined. */
export function splitCategoryKey(key: string): { category: Category; rest: string } | undefined {
  const slash = key.indexOf('/');
  if (slash < 0) return undefined;
  const cat = CategorySchema.safeParse(key.slice(0, slash));
  return cat.success ? { category: cat.data, rest: key.slice(slash + 1) } : undefined;
}

/** Error classes of a whole record, over all categories (for the report). */
export function errorClassTotals(record: CycleRecord): Partial<Record<ErrorClass, number>> {
  const out: Partial<Record<ErrorClass, number>> = {};
  for (const [key, count] of Object.entries(record.evaluation.validationErrors)) {
    const cls = classifyErrorType(splitCategoryKey(key)?.rest ?? key);
    out[cls] = (out[cls] ?? 0) + count;
  }
  return out;
}

export { ERROR_CLASSES };
