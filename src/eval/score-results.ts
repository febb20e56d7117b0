// Scores a results file (JSONL, `{"id", "result"}` a line) against a BFCL dataset: one verdict per entry,
// accuracy per category and BFCL's groups. Missing and unknown ids and malformed lines are reported, never skipped.
import { readFileSync } from 'node:fs';
import { loadBfclDataset, type BfclDataset } from './bfcl-data.js';
import { checkEntry } from './check-entry.js';
import { parsePyJson, type PyValue } from './py-value.js';
import { summarize, type BfclSummary } from './summary.js';
import type { BfclCategory, Verdict } from './types.js';

export type ScoreProblems = {
  /** Ids of the scored categories with no result line; each is scored invalid (`inftool:missing_result`). */
  missing: string[];
  /** Result ids that are not in the data. */
  unknown: { line: number; id: string }[];
  /** Lines that are not `{"id": string, "result": ...}` JSON. */
  malformed: { line: number; error: string }[];
  /** Ids seen more than once; the first line is scored. */
  duplicate: { line: number; id: string }[];
};

export type ScoreReport = {
  verdicts: Verdict[];
  summary: BfclSummary;
  problems: ScoreProblems;
  categories: BfclCategory[];
};

export type ResultLine = { id: string; result: PyValue; line: number };

/** Parses results JSONL text, keeping Python number semantics; bad lines go to `malformed`. */
export function parseResultsJsonl(text: string): { results: ResultLine[]; malformed: ScoreProblems['malformed'] } {
  const results: ResultLine[] = [];
  const malformed: ScoreProblems['malformed'] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let v: PyValue;
    try {
      v = parsePyJson(raw);
    } catch (e) {
      malformed.push({ line: i + 1, error: `invalid JSON: ${(e as Error).message}` });
      return;
    }
    if (!(v instanceof Map) || typeof v.get('id') !== 'string') {
      malformed.push({ line: i + 1, error: 'expected an object with a string "id"' });
      return;
    }
    if (!v.has('result')) {
      malformed.push({ line: i + 1, error: `result line for ${v.get('id')} has no "result" field` });
      return;
    }
    results.push({ id: v.get('id') as string, result: v.get('result')!, line: i + 1 });
  });
  return { results, malformed };
}

/**
 * Scores `results` against `dataset`. The categories scored are `categories` if given, else every category
 * with at least one result; within them every data id gets a verdict.
 */
export function scoreResults(
  dataset: BfclDataset,
  parsed: { results: ResultLine[]; malformed: ScoreProblems['malformed'] },
  categories?: BfclCategory[],
  opts: { underscoreToDot?: boolean } = {},
): ScoreReport {
  const problems: ScoreProblems = { missing: [], unknown: [], malformed: [...parsed.malformed], duplicate: [] };
  const byId = new Map<string, ResultLine>();
  for (const r of parsed.results) {
    if (!dataset.byId.has(r.id)) problems.unknown.push({ line: r.line, id: r.id });
    else if (byId.has(r.id)) problems.duplicate.push({ line: r.line, id: r.id });
    else byId.set(r.id, r);
  }
  const scored =
    categories ?? [...dataset.byCategory.keys()].filter((c) => dataset.byCategory.get(c)!.some((e) => byId.has(e.id)));
  const verdicts: Verdict[] = [];
  const counts: Partial<Record<BfclCategory, { correct: number; total: number }>> = {};
  for (const category of scored) {
    const entries = dataset.byCategory.get(category);
    if (!entries) throw new Error(`Category ${category} is not in ${dataset.dir}`);
    const tally = (counts[category] = { correct: 0, total: 0 });
    for (const entry of entries) {
      const r = byId.get(entry.id);
      let v: Verdict;
      if (!r) {
        problems.missing.push(entry.id);
        v = {
          id: entry.id,
          category,
          valid: false,
          error_type: 'inftool:missing_result',
          error: ['No result line for this id.'],
        };
      } else {
        const { decoded: _decoded, ...verdict } = checkEntry({
          category,
          functions: entry.functions,
          result: r.result,
          groundTruth: entry.groundTruth,
          underscoreToDot: opts.underscoreToDot,
        });
        v = { id: entry.id, category, ...verdict };
      }
      verdicts.push(v);
      tally.total++;
      if (v.valid) tally.correct++;
    }
  }
  const sizes: Partial<Record<BfclCategory, number>> = {};
  for (const [c, es] of dataset.byCategory) sizes[c] = es.length;
  return { verdicts, summary: summarize(counts, sizes), problems, categories: scored };
}

/** File-level convenience: `inftool bfcl score` in one call. */
export function scoreResultsFile(opts: {
  dataDir: string;
  resultsFile: string;
  categories?: BfclCategory[];
  underscoreToDot?: boolean;
}): ScoreReport {
  const dataset = loadBfclDataset(opts.dataDir, opts.categories);
  return scoreResults(dataset, parseResultsJsonl(readFileSync(opts.resultsFile, 'utf8')), opts.categories, {
    underscoreToDot: opts.underscoreToDot,
  });
}
