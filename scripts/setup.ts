// One idempotent set-up for a fresh machine, run by `npm run demo` and `npm test` after `npm ci`:
// the pinned Temporal CLI, the embedded model, the BFCL data, the trainer's Python environment, and (for tests)
// Chromium and the official BFCL harness's own environment.
// Each step is fast when already done; a failure names what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTemporalCli } from '../temporal/cli-binary.js';
import { REPO_ROOT } from '../src/repo-root.js';
import { ensureLocalModel } from '../src/llm/local-model.js';
import { ensureFullBfclData } from '../src/eval/bfcl-full-data.js';

const forTests = process.argv.includes('--tests');
const log = (line: string) => console.log(`[setup] ${line}`);

function step<T>(what: string, fn: () => T): T {
  const t0 = Date.now();
  try {
    const out = fn();
    log(`${what}: ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return out;
  } catch (err) {
    console.error(`[setup] ${what} failed: ${(err as Error).message}`);
    process.exit(1);
  }
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`'${cmd} ${args.join(' ')}' exited with ${r.status ?? r.signal}`);
}

step('Temporal CLI', () => ensureTemporalCli({ log }));
const model = await ensureLocalModel().catch((err) => {
  console.error(`[setup] embedded model failed: ${(err as Error).message}`);
  process.exit(1);
});
log(`embedded model: ${model}`);
const bfcl = await ensureFullBfclData().catch((err) => {
  console.error(`[setup] BFCL data failed: ${(err as Error).message}`);
  process.exit(1);
});
log(`BFCL v4 data (for evaluate.bfclData: bfcl-eval): ${bfcl}`);
step('trainer Python environment', () => run('bash', [join(REPO_ROOT, 'trainer', 'setup.sh')]));
if (forTests && !existsSync('/usr/bin/chromium'))
  step('Chromium (report tests)', () => run('bash', [join(REPO_ROOT, 'scripts', 'ensure-chromium.sh')]));
if (forTests) {
  // The official BFCL harness (its own environment): the tests score the served policy with it. Users get it
  // on the first `inftool bfcl official`.
  const { ensureOfficialHarness } = await import('../src/eval/official-harness.js');
  const t0 = Date.now();
  const python = await ensureOfficialHarness({ log }).catch((err) => {
    console.error(`[setup] official BFCL harness failed: ${(err as Error).message}`);
    process.exit(1);
  });
  log(`official BFCL harness: ${python} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
