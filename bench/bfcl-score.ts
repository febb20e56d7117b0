// Times scoring the complete BFCL AST set (every entry of every single-turn category) from a results file,
// as `inftool bfcl score` does, and prints entries/second beside the official checker's rate on the same
// entries when its venv is at hand. No assertions: numbers to compare across changes and machines.
// Run: npx tsx bench/bfcl-score.ts [--data /work/shared/bfcl-v4] [--reps 20] [--python /tmp/bfclvenv/bin/python]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadBfclDataset } from '../src/eval/bfcl-data.js';
import { languageOf } from '../src/eval/check-entry.js';
import { toPyJson, type PyValue } from '../src/eval/py-value.js';
import { parseResultsJsonl, scoreResults } from '../src/eval/score-results.js';
import { MUTATIONS, correctCalls } from '../src/eval/answers.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: '/work/shared/bfcl-v4' },
    reps: { type: 'string', default: '20' },
    python: { type: 'string', default: '/tmp/bfclvenv/bin/python' },
  },
});

const dataset = loadBfclDataset(args.data!);
// A realistic model: mostly right, sometimes wrong in one of the usual ways.
const mix = [
  'correct',
  'correct',
  'wrong_value',
  'missing_param',
  'text_answer',
  'wrong_type',
  'correct',
  'extra_param',
];
const lines: string[] = [];
const cases: string[] = [];
let i = 0;
for (const e of dataset.byId.values()) {
  let result: PyValue;
  if (e.groundTruth === undefined)
    result = i % 3 ? 'I cannot help with that.' : [new Map([[e.functions[0]?.name ?? 'f', new Map()]])];
  else {
    const calls = correctCalls(e.groundTruth, e.functions, languageOf(e.category));
    const m = MUTATIONS.find((x) => x.name === mix[i % mix.length])!;
    result = m.apply(calls, { functions: e.functions, language: languageOf(e.category), seed: i }) ?? calls;
  }
  i++;
  lines.push(`{"id": ${JSON.stringify(e.id)}, "result": ${toPyJson(result)}}`);
  cases.push(
    `{"key": ${JSON.stringify(e.id)}, "id": ${JSON.stringify(e.id)}, "category": ${JSON.stringify(e.category)}, "result": ${toPyJson(result)}}`,
  );
}
const text = lines.join('\n') + '\n';

const reps = Number(args.reps);
const times: number[] = [];
let accuracy = 0;
for (let r = 0; r < reps; r++) {
  const t0 = performance.now();
  const report = scoreResults(dataset, parseResultsJsonl(text));
  times.push((performance.now() - t0) / 1000);
  accuracy = report.summary.groups.overall_single_turn.accuracy;
}
const cold = times[0];
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const ours = dataset.byId.size / median;
console.log(`entries: ${dataset.byId.size} (${dataset.byCategory.size} categories), ${reps} reps`);
console.log(
  `ours, first (cold) run: ${(cold * 1000).toFixed(1)} ms  ->  ${(dataset.byId.size / cold).toFixed(0)} entries/s`,
);
console.log(
  `ours: median ${(median * 1000).toFixed(1)} ms  ->  ${ours.toFixed(0)} entries/s  (parse + score; single-turn overall ${(accuracy * 100).toFixed(2)}%)`,
);

if (existsSync(args.python!)) {
  const dir = mkdtempSync(join(tmpdir(), 'bfcl-bench-'));
  writeFileSync(join(dir, 'cases.jsonl'), cases.join('\n') + '\n');
  const out = execFileSync(
    args.python!,
    [join(import.meta.dirname, 'bfcl_official.py'), args.data!, join(dir, 'cases.jsonl'), join(dir, 'official.jsonl')],
    { encoding: 'utf8' },
  );
  const s = JSON.parse(out.trim().split('\n').pop()!) as { cases: number; seconds: number };
  const official = s.cases / s.seconds;
  console.log(`official bfcl-eval checker: ${official.toFixed(0)} entries/s (scoring loop only, data pre-loaded)`);
  console.log(`ratio ours/official: ${(ours / official).toFixed(2)}x`);
} else {
  console.log(`official checker not at hand (${args.python} missing): no baseline ratio`);
}
