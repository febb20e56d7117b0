// Reads a BFCL data directory as published: `BFCL_v4_<category>.json` (one entry a line) with
// `possible_answer/` beside it. Ground truths are parsed with Python's number semantics (py-value.ts).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { FunctionDoc } from './ast-checker.js';
import { isRelevanceCategory } from './check-entry.js';
import { parsePyJson, type PyValue } from './py-value.js';
import { BFCL_AST_CATEGORIES, type BfclCategory } from './types.js';

const ChatTurnSchema = z.array(z.object({ role: z.string(), content: z.string() }).passthrough());
export const BfclEntrySchema = z
  .object({
    id: z.string(),
    question: z.array(ChatTurnSchema).min(1),
    function: z.array(z.object({ name: z.string(), parameters: z.record(z.unknown()) }).passthrough()),
  })
  .passthrough();

export type BfclEntry = {
  id: string;
  category: BfclCategory;
  question: z.infer<typeof ChatTurnSchema>[];
  functions: FunctionDoc[];
  /** Absent for irrelevance / relevance categories. */
  groundTruth?: PyValue;
};

export type BfclDataset = {
  dir: string;
  /** Entries by category, in file order. */
  byCategory: Map<BfclCategory, BfclEntry[]>;
  byId: Map<string, BfclEntry>;
};

const FILE_RE = /^BFCL_v4_(.+)\.json$/;
export const isAstCategory = (c: string): c is BfclCategory => (BFCL_AST_CATEGORIES as readonly string[]).includes(c);

/** Loads the AST categories found in `dir` (or only `categories`); other categories are ignored. */
export function loadBfclDataset(dir: string, categories?: readonly string[]): BfclDataset {
  if (!existsSync(dir))
    throw new Error(`BFCL data directory ${dir} does not exist (expected BFCL_v4_<category>.json files)`);
  for (const c of categories ?? []) {
    if (!isAstCategory(c))
      throw new Error(
        `Unknown or unsupported BFCL category "${c}"; supported: ${BFCL_AST_CATEGORIES.join(', ')} (multi-turn is out of scope)`,
      );
  }
  const byCategory = new Map<BfclCategory, BfclEntry[]>();
  const byId = new Map<string, BfclEntry>();
  for (const file of readdirSync(dir).sort()) {
    const m = FILE_RE.exec(file);
    if (!m || !isAstCategory(m[1])) continue;
    const category = m[1];
    if (categories && !categories.includes(category)) continue;
    const path = join(dir, file);
    const entries = readJsonl(path).map(({ value, line }) => {
      const parsed = BfclEntrySchema.safeParse(value);
      if (!parsed.success)
        throw new Error(
          `${path}:${line}: not a BFCL entry: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`,
        );
      return {
        id: parsed.data.id,
        category,
        question: parsed.data.question,
        functions: parsed.data.function as unknown as FunctionDoc[],
      } as BfclEntry;
    });
    if (!isRelevanceCategory(category)) {
      const answerPath = join(dir, 'possible_answer', file);
      if (!existsSync(answerPath))
        throw new Error(
          `${answerPath} is missing: category ${category} needs its ground truth beside the data (possible_answer/${file})`,
        );
      const answers = new Map<string, PyValue>();
      for (const line of readFileSync(answerPath, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const v = parsePyJson(line);
        if (!(v instanceof Map) || typeof v.get('id') !== 'string' || !v.has('ground_truth'))
          throw new Error(`${answerPath}: a line without "id" and "ground_truth"`);
        answers.set(v.get('id') as string, v.get('ground_truth')!);
      }
      for (const e of entries) {
        if (!answers.has(e.id)) throw new Error(`${answerPath}: no ground truth for ${e.id}`);
        e.groundTruth = answers.get(e.id);
      }
    }
    byCategory.set(category, entries);
    for (const e of entries) byId.set(e.id, e);
  }
  if (byCategory.size === 0) throw new Error(`No BFCL AST data files (BFCL_v4_<category>.json) found in ${dir}`);
  return { dir, byCategory, byId };
}

function readJsonl(path: string): { value: unknown; line: number }[] {
  const out: { value: unknown; line: number }[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (!text.trim()) return;
      try {
        out.push({ value: JSON.parse(text), line: i + 1 });
      } catch (e) {
        throw new Error(`${path}:${i + 1}: invalid JSON: ${(e as Error).message}`);
      }
    });
  return out;
}
