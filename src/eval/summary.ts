// Accuracy per category and BFCL's summary groups, weighted as bfcl_eval's eval_runner_helper does
// (non-live: unweighted means; live: weighted by entry count; overall: 10/10/10/30/40 percent weights).
import type { BfclCategory } from './types.js';

export type CategoryScore = { correct: number; total: number; accuracy: number; evaluated: boolean };
export type GroupScore = {
  accuracy: number;
  total: number;
  /** false when a member category was not evaluated (BFCL prints N/A) */ complete: boolean;
};

export type BfclSummary = {
  categories: Partial<Record<BfclCategory, CategoryScore>>;
  groups: {
    non_live_ast: GroupScore;
    simple_ast_non_live: GroupScore;
    live_ast: GroupScore;
    irrelevance: GroupScore;
    relevance: GroupScore;
    /** BFCL's overall: multi-turn (30%) and agentic (40%) are out of scope here and count as 0, as BFCL counts a missing group. */
    overall_bfcl: GroupScore;
    /** The same formula over the single-turn groups only (non-live, live, irrelevance; equal weights). */
    overall_single_turn: GroupScore;
  };
};

/**
 * `counts` gives the per-category tallies; `datasetSizes` the number of entries of each category in the
 * data (a category with no results counts as accuracy 0 with that size, as BFCL does).
 */
export function summarize(
  counts: Partial<Record<BfclCategory, { correct: number; total: number }>>,
  datasetSizes: Partial<Record<BfclCategory, number>>,
): BfclSummary {
  const categories: BfclSummary['categories'] = {};
  const score = (c: BfclCategory): CategoryScore => {
    const t = counts[c];
    if (t && t.total > 0) return { ...t, accuracy: t.correct / t.total, evaluated: true };
    return { correct: 0, total: datasetSizes[c] ?? 0, accuracy: 0, evaluated: false };
  };
  for (const c of Object.keys({ ...counts, ...datasetSizes }) as BfclCategory[]) categories[c] = score(c);

  const asGroup = (s: CategoryScore): GroupScore => ({ accuracy: s.accuracy, total: s.total, complete: s.evaluated });
  const unweighted = (xs: GroupScore[]): GroupScore => ({
    accuracy: xs.reduce((a, x) => a + x.accuracy, 0) / xs.length,
    total: xs.reduce((a, x) => a + x.total, 0),
    complete: xs.every((x) => x.complete),
  });
  const weighted = (xs: GroupScore[]): GroupScore => {
    const total = xs.reduce((a, x) => a + x.total, 0);
    return {
      accuracy: total ? xs.reduce((a, x) => a + x.accuracy * x.total, 0) / total : 0,
      total,
      complete: xs.every((x) => x.complete),
    };
  };
  const percent = (xs: GroupScore[], weights: number[]): GroupScore => {
    const sum = weights.reduce((a, b) => a + b, 0);
    return {
      accuracy: xs.reduce((a, x, i) => a + x.accuracy * (weights[i] / sum), 0),
      total: xs.reduce((a, x) => a + x.total, 0),
      complete: xs.every((x) => x.complete),
    };
  };
  const g = (c: BfclCategory) => asGroup(score(c));

  const simple = unweighted([g('simple_python'), g('simple_java'), g('simple_javascript')]);
  const nonLive = unweighted([simple, g('multiple'), g('parallel'), g('parallel_multiple')]);
  const live = weighted([g('live_simple'), g('live_multiple'), g('live_parallel'), g('live_parallel_multiple')]);
  const irrelevance = unweighted([g('irrelevance'), g('live_irrelevance')]);
  const relevance = g('live_relevance');
  const absent: GroupScore = { accuracy: 0, total: 0, complete: false };
  return {
    categories,
    groups: {
      non_live_ast: nonLive,
      simple_ast_non_live: simple,
      live_ast: live,
      irrelevance,
      relevance,
      overall_bfcl: percent([nonLive, live, irrelevance, absent, absent], [10, 10, 10, 30, 40]),
      overall_single_turn: percent([nonLive, live, irrelevance], [10, 10, 10]),
    },
  };
}

/** A human-readable table of the summary. */
export function formatSummary(s: BfclSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const lines = ['category                    correct/total   accuracy'];
  for (const [c, v] of Object.entries(s.categories)) {
    if (!v) continue;
    lines.push(`${c.padEnd(28)}${`${v.correct}/${v.total}`.padStart(13)}   ${v.evaluated ? pct(v.accuracy) : 'N/A'}`);
  }
  lines.push('', 'group                       accuracy');
  for (const [k, v] of Object.entries(s.groups))
    lines.push(
      `${k.padEnd(28)}${pct(v.accuracy)}${v.complete ? '' : '  (some categories not evaluated: counted as 0)'}`,
    );
  return lines.join('\n');
}
