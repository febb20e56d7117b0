// The loop-gain benchmark: does InfTool's loop make a model better on BFCL from synthetic data alone?
// Runs a whole run (baseline + cycles) on the embedded Temporal server with an in-process worker, then
// prints one table: the baseline, then each cycle, per BFCL category and the non-live AST mean, with the
// gain in points; BFCL errors per class (wrong values, wrong call count, text instead of a call, a call on
// an irrelevance item...); and whether the target (non-live AST mean +10 points, no category below its
// baseline by more than 5) was met. Writes the run's HTML report and bench/out/loop-gain-<stamp>.json.
//
//   npx tsx bench/loop-gain.ts [--config configs/loop-gain.yaml] [--home DIR]
//   npx tsx bench/loop-gain.ts --table-only --home DIR --run RUN_ID   (print the table of a finished run)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureFullBfclData } from '../src/eval/bfcl-full-data.js';
import { scoreTable } from '../src/cli/format.js';
import { timeStamp } from '../src/cli/args.js';
import type { RunStatus, Scores } from '../src/workflows/definitions.js';

const { values: args } = parseArgs({
  options: {
    config: { type: 'string', default: 'configs/loop-gain.yaml' },
    home: { type: 'string' },
    run: { type: 'string' },
    'table-only': { type: 'boolean', default: false },
  },
});
const REPO = resolve(import.meta.dirname, '..');
const stamp = timeStamp();
const home = resolve(args.home ?? join(REPO, 'bench', 'out', `loop-gain-${stamp}`));

/** BFCL error types folded into the classes a reader acts on. */
export function errorClass(errorType: string | undefined, category: string): string {
  const t = errorType ?? 'unknown';
  if (t.startsWith('irrelevance_error')) return 'call on an irrelevance item';
  if (t === 'ast_decoder:decoder_failed' || t === 'relevance_error:decoder_failed') return 'text instead of a call';
  if (t.startsWith('ast_decoder')) return 'unparseable call';
  if (t.endsWith('wrong_count')) return 'wrong call count';
  if (t.endsWith('wrong_func_name') || t.endsWith('cannot_find_match'))
    return category.includes('parallel') ? 'calls match no reference' : 'wrong function';
  if (t.startsWith('value_error') || t.startsWith('type_error')) return 'wrong values';
  if (t.includes('missing_required') || t.includes('unexpected_param') || t.includes('missing_optional'))
    return 'wrong parameters';
  return t;
}

type Verdict = { id: string; category: string; valid: boolean; error_type?: string };

function errorsOf(scores: Scores | undefined): Record<string, number> {
  if (!scores?.bfclRef) return {};
  const file = join(home, 'artifacts', scores.bfclRef.key, scores.bfclRef.name, 'verdicts.jsonl');
  if (!existsSync(file)) return {};
  const out: Record<string, number> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const v = JSON.parse(line) as Verdict;
    if (v.valid) continue;
    const k = errorClass(v.error_type, v.category);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

const NON_LIVE_MEAN = 'group/non_live_ast_mean';

/** The target: non-live AST mean +10 points over the baseline, no category more than 5 points below its own. */
export function verdictOnTarget(baseline: Scores, last: Scores): { met: boolean; lines: string[] } {
  const lines: string[] = [];
  const b = baseline.bfcl[NON_LIVE_MEAN];
  const l = last.bfcl[NON_LIVE_MEAN];
  const gain = typeof b === 'number' && typeof l === 'number' ? (l - b) * 100 : NaN;
  lines.push(
    `non-live AST mean: ${(b * 100).toFixed(1)}% -> ${(l * 100).toFixed(1)}% (${gain >= 0 ? '+' : ''}${gain.toFixed(1)} pts; target +10)`,
  );
  const drops = Object.keys(baseline.bfcl)
    .filter((k) => !k.startsWith('group/') && typeof last.bfcl[k] === 'number')
    .map((k) => ({ k, d: (last.bfcl[k] - baseline.bfcl[k]) * 100 }))
    .filter((x) => x.d < -5);
  lines.push(
    drops.length
      ? `categories more than 5 pts below baseline: ${drops.map((x) => `${x.k} ${x.d.toFixed(1)}`).join(', ')}`
      : 'no category more than 5 pts below its baseline',
  );
  return { met: gain >= 10 && drops.length === 0, lines };
}

/**
 * The policy the run ends with: the last cycle's, or with cycles.keepBest the incumbent after it (chosen on the
 * synthetic validation pool only), whose BFCL scores are those measured when it was that cycle's new policy.
 */
export function finalPolicy(status: Pick<RunStatus, 'cycles' | 'baseline'>): { name: string; scores?: Scores } {
  const last = status.cycles.at(-1);
  if (!last || last.carried === undefined)
    return { name: last ? `cycle ${last.cycle}'s` : 'none', scores: last?.scores };
  if (last.carried < 0)
    return { name: 'the starting policy (no cycle beat it on the pool)', scores: status.baseline ?? undefined };
  const from = status.cycles.find((c) => c.cycle === last.carried);
  return { name: `cycle ${last.carried}'s (the best on the validation pool)`, scores: from?.scores };
}

function printTable(status: RunStatus, wallS: number | null): void {
  const baseline = status.baseline ?? undefined;
  console.log(
    `\nloop-gain: ${status.runId}, ${status.cycles.length} cycle(s)${wallS ? `, ${(wallS / 60).toFixed(1)} min wall` : ''}`,
  );
  console.log(scoreTable(baseline, status.cycles).join('\n'));
  const columns = [
    { name: 'baseline', scores: baseline },
    ...status.cycles.map((c) => ({ name: `cycle ${c.cycle}`, scores: c.scores })),
  ];
  const errs = columns.map((c) => errorsOf(c.scores));
  const classes = [...new Set(errs.flatMap((e) => Object.keys(e)))].sort();
  if (classes.length) {
    console.log('\nBFCL errors by class (entries):');
    console.log(''.padEnd(30) + columns.map((c) => c.name.padStart(12)).join(''));
    for (const k of classes) console.log(k.padEnd(30) + errs.map((e) => String(e[k] ?? 0).padStart(12)).join(''));
  }
  console.log(
    '\nsynthesis: ' + status.cycles.map((c) => `cycle ${c.cycle} accepted ${c.accepted}/${c.trajectories}`).join(', '),
  );
  const final = finalPolicy(status);
  if (baseline && final.scores) {
    const v = verdictOnTarget(baseline, final.scores);
    console.log(`\nthe run's final policy: ${final.name}`);
    console.log(`${v.lines.join('\n')}\ntarget ${v.met ? 'MET' : 'NOT met'}`);
  }
}

async function main(): Promise<void> {
  if (args['table-only']) {
    if (!args.run) throw new Error('--table-only needs --run RUN_ID (and --home)');
    const { connectClient, runStatus } = await import('../src/cli/temporal-client.js');
    const c = await connectClient();
    try {
      printTable((await runStatus(c.client, args.run)).status, null);
    } finally {
      await c.close();
    }
    return;
  }
  await ensureFullBfclData();
  mkdirSync(home, { recursive: true });
  const { startDemo } = await import('../src/cli/demo.js');
  const t0 = Date.now();
  const out = await startDemo({
    configFile: resolve(args.config!),
    home,
    exitWhenDone: true,
    runId: `run-loop-gain-${stamp}`,
  });
  const wallS = (Date.now() - t0) / 1000;
  printTable(out.status, wallS);
  const file = join(REPO, 'bench', 'out', `loop-gain-${stamp}.json`);
  mkdirSync(join(REPO, 'bench', 'out'), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify(
      {
        runId: out.runId,
        config: args.config,
        wallS,
        baseline: out.status.baseline,
        cycles: out.status.cycles,
        report: out.report,
      },
      null,
      2,
    ),
  );
  console.log(`\nwrote ${file}${out.report ? `; report ${out.report}` : ''}`);
}

await main();
