// The strong proof: generates model results (correct answers and mutations) for every entry of a BFCL data
// directory, scores them with our checker and with the official one, and prints the agreement.
//
// Set-up (once): python3 -m venv /tmp/bfclvenv && /tmp/bfclvenv/bin/pip install bfcl-eval==2026.3.23
//   (or --no-deps plus: numpy==1.26.4 pandas tqdm python-dotenv pydantic requests overrides tenacity filelock
//    openai tree_sitter==0.21.3 tree-sitter-java==0.21.0 tree-sitter-javascript==0.21.4)
// Run: npx tsx bench/bfcl-compare.ts [--data /work/shared/bfcl-v4] [--python /tmp/bfclvenv/bin/python] [--show 20] [--underscore-to-dot]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadBfclDataset } from '../src/eval/bfcl-data.js';
import { checkEntry, isRelevanceCategory, languageOf } from '../src/eval/check-entry.js';
import { parsePyJson, toPyJson, type PyValue } from '../src/eval/py-value.js';
import { MUTATIONS, correctCalls, relevanceResults } from '../src/eval/answers.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: '/work/shared/bfcl-v4' },
    python: { type: 'string', default: '/tmp/bfclvenv/bin/python' },
    show: { type: 'string', default: '20' },
    /** Results name dotted functions with '_' and both checkers run in BFCL's underscore_to_dot mode. */
    'underscore-to-dot': { type: 'boolean', default: false },
  },
});

const dataset = loadBfclDataset(args.data!);
const underscore = args['underscore-to-dot']!;
const renamed = (r: PyValue): PyValue =>
  underscore && Array.isArray(r)
    ? r.map((c) => (c instanceof Map ? new Map([...c].map(([k, v]) => [k.replace(/\./g, '_'), v])) : c))
    : r;
type Case = { key: string; id: string; category: string; mutation: string; result: PyValue };
const cases: Case[] = [];
let seed = 0;
for (const [category, entries] of dataset.byCategory) {
  for (const e of entries) {
    seed++;
    if (isRelevanceCategory(category)) {
      for (const r of relevanceResults(e.functions))
        cases.push({ key: `${e.id}#${r.name}`, id: e.id, category, mutation: r.name, result: r.result });
      continue;
    }
    const lang = languageOf(category);
    for (const pick of ['first', 'second'] as const) {
      const calls = correctCalls(e.groundTruth!, e.functions, lang, pick);
      for (const m of MUTATIONS) {
        if (pick === 'second' && m.name !== 'correct' && m.name !== 'wrong_type') continue;
        const result = m.apply(calls, { functions: e.functions, language: lang, seed });
        if (result !== undefined)
          cases.push({
            key: `${e.id}#${m.name}#${pick}`,
            id: e.id,
            category,
            mutation: `${m.name}${pick === 'second' ? '(2nd value)' : ''}`,
            result,
          });
      }
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bfcl-compare-'));
const casesPath = join(dir, 'cases.jsonl');
writeFileSync(
  casesPath,
  cases
    .map(
      (c) =>
        `{"key": ${JSON.stringify(c.key)}, "id": ${JSON.stringify(c.id)}, "category": ${JSON.stringify(c.category)}, "result": ${toPyJson(renamed(c.result))}}`,
    )
    .join('\n') + '\n',
);

// Ours: read the same text back, as the CLI would.
const t0 = performance.now();
const ours = new Map<string, { valid: boolean; error_type?: string }>();
for (const line of readFileSync(casesPath, 'utf8').split('\n')) {
  if (!line) continue;
  const c = parsePyJson(line) as Map<string, PyValue>;
  const id = c.get('id') as string;
  const entry = dataset.byId.get(id)!;
  const v = checkEntry({
    category: entry.category,
    functions: entry.functions,
    result: c.get('result')!,
    groundTruth: entry.groundTruth,
    underscoreToDot: underscore,
  });
  ours.set(c.get('key') as string, { valid: v.valid, error_type: v.error_type });
}
const oursSeconds = (performance.now() - t0) / 1000;

const officialPath = join(dir, 'official.jsonl');
const pyOut = execFileSync(
  args.python!,
  [join(import.meta.dirname, 'bfcl_official.py'), args.data!, casesPath, officialPath],
  { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, BFCL_UNDERSCORE_TO_DOT: underscore ? '1' : '0' } },
);
const pyStats = JSON.parse(pyOut.trim().split('\n').pop()!) as { cases: number; seconds: number };

const official = new Map<string, { valid: boolean; error_type?: string | null; exception?: string }>();
for (const line of readFileSync(officialPath, 'utf8').split('\n'))
  if (line) {
    const v = JSON.parse(line);
    official.set(v.key, v);
  }

let sameValid = 0;
let sameType = 0;
const disagreements: string[] = [];
const perMutation = new Map<string, { n: number; agree: number; valid: number }>();
const perCategory = new Map<string, { n: number; agree: number }>();
for (const c of cases) {
  const a = ours.get(c.key)!;
  const b = official.get(c.key)!;
  const validAgree = a.valid === b.valid;
  const typeAgree = validAgree && (a.valid || a.error_type === (b.error_type ?? undefined));
  if (validAgree) sameValid++;
  if (typeAgree) sameType++;
  else
    disagreements.push(
      `${c.key}: ours ${a.valid} ${a.error_type ?? ''} | official ${b.valid} ${b.error_type ?? ''} ${b.exception ?? ''}`,
    );
  const m = perMutation.get(c.mutation) ?? { n: 0, agree: 0, valid: 0 };
  m.n++;
  if (typeAgree) m.agree++;
  if (b.valid) m.valid++;
  perMutation.set(c.mutation, m);
  const pc = perCategory.get(c.category) ?? { n: 0, agree: 0 };
  pc.n++;
  if (typeAgree) pc.agree++;
  perCategory.set(c.category, pc);
}

console.log(`entries: ${dataset.byId.size}   cases: ${cases.length}   (data: ${args.data})`);
console.log(
  `valid/invalid agreement: ${sameValid}/${cases.length} (${((100 * sameValid) / cases.length).toFixed(3)}%)`,
);
console.log(
  `verdict + error_type agreement: ${sameType}/${cases.length} (${((100 * sameType) / cases.length).toFixed(3)}%)`,
);
console.log('\nper category (agree/n):');
for (const [k, v] of perCategory) console.log(`  ${k.padEnd(26)} ${v.agree}/${v.n}`);
console.log('\nper mutation (agree/n, official valid):');
for (const [k, v] of perMutation) console.log(`  ${k.padEnd(26)} ${v.agree}/${v.n}   valid ${v.valid}`);
console.log(
  `\nscoring speed: ours ${(cases.length / oursSeconds).toFixed(0)} cases/s, official ${(pyStats.cases / pyStats.seconds).toFixed(0)} cases/s`,
);
const show = Number(args.show);
if (disagreements.length) {
  console.log(`\n${disagreements.length} disagreements (first ${show}):`);
  for (const d of disagreements.slice(0, show)) console.log(`  ${d}`);
}
console.log(`\ncases and verdicts kept in ${dir}`);
process.exitCode = disagreements.length ? 1 : 0;
