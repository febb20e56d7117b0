// The official BFCL harness (`bfcl-eval` from PyPI, pinned) in its own Python environment, run unmodified
// against an OpenAI-compatible endpoint through its own chat-completions FC handler: `generate`, then
// `evaluate`, on a fixed seeded selection of entries, multi-turn categories included.
//
// Environment: <cache>/bfcl-harness/<version>/venv, installed once from official-harness/requirements.lock.txt
// (--no-deps: the lock is the whole closure) and marked with the lock's hash, so a second call costs nothing.
// A run's folder (BFCL_PROJECT_ROOT): test_case_ids_to_generate.json, result/<registry>/..., score/<registry>/...
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BFCL_EVAL } from './bfcl-full-data.js';
import { selectIds } from './run-bfcl.js';

const execFileAsync = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
const LOCK = path.join(HERE, 'official-harness', 'requirements.lock.txt');
const SHIM = path.join(HERE, 'official-harness', 'run_bfcl.py');

export const HARNESS_VERSION = BFCL_EVAL.version;
/** The registry name the harness files results under (the model InfTool adds to its registry). */
export const HARNESS_REGISTRY = 'inftool-FC';
export const MULTI_TURN_CATEGORIES = [
  'multi_turn_base',
  'multi_turn_miss_func',
  'multi_turn_miss_param',
  'multi_turn_long_context',
] as const;

export function harnessDir(cacheRoot = path.join(REPO_ROOT, '.cache', 'bfcl-harness')): string {
  return path.join(cacheRoot, HARNESS_VERSION);
}

/** Installs the pinned harness into its own environment (idempotent); returns its Python. */
export async function ensureOfficialHarness(
  opts: { cacheRoot?: string; python?: string; log?: (s: string) => void } = {},
): Promise<string> {
  const dir = harnessDir(opts.cacheRoot);
  const venv = path.join(dir, 'venv');
  const python = path.join(venv, 'bin', 'python');
  const marker = path.join(dir, 'installed.json');
  const lockHash = createHash('sha256').update(readFileSync(LOCK)).digest('hex');
  if (existsSync(marker) && existsSync(python)) {
    try {
      if ((JSON.parse(readFileSync(marker, 'utf8')) as { lock?: string }).lock === lockHash) return python;
    } catch {
      // a torn marker: install again
    }
  }
  const base = opts.python ?? process.env.INFTOOL_PYTHON ?? 'python3';
  opts.log?.(`installing the official BFCL harness bfcl-eval==${HARNESS_VERSION} into ${venv} (once; about 600 MB)`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const step = async (what: string, cmd: string, args: string[]) => {
    try {
      await execFileAsync(cmd, args, { maxBuffer: 64 << 20 });
    } catch (err) {
      const detail = String((err as { stderr?: string }).stderr ?? (err as Error).message)
        .trim()
        .split('\n')
        .slice(-4)
        .join(' | ');
      throw new Error(`official BFCL harness: ${what} failed (${cmd} ${args.slice(0, 3).join(' ')} ...): ${detail}`);
    }
  };
  await step('creating its environment', base, ['-m', 'venv', venv]);
  await step('installing its pinned packages from PyPI', python, [
    '-m',
    'pip',
    'install',
    '-q',
    '--disable-pip-version-check',
    '--no-deps',
    '-r',
    LOCK,
  ]);
  await step('importing it', python, ['-c', 'import bfcl_eval.constants.model_config']);
  writeFileSync(
    marker,
    JSON.stringify({ lock: lockHash, version: HARNESS_VERSION, installedAt: new Date().toISOString() }) + '\n',
  );
  return python;
}

/** Entry ids of a BFCL data file, in file order (multi-turn files included: any category's). */
export function categoryIds(dataDir: string, category: string): string[] {
  const file = path.join(dataDir, `BFCL_v4_${category}.json`);
  if (!existsSync(file))
    throw new Error(
      `BFCL category "${category}": ${file} is missing (set-up unpacks the full data from the bfcl-eval wheel)`,
    );
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { id: string }).id);
}

/**
 * The ids the harness is asked for: `limit` a category (`multiTurnLimit` a multi-turn one, default `limit`), the
 * same seeded selection `bfcl run` makes, so the two score the same entries.
 */
export function officialSelection(
  dataDir: string,
  categories: string[],
  limit: number,
  seed: number,
  multiTurnLimit = limit,
): Record<string, string[]> {
  return Object.fromEntries(
    categories.map((c) => [
      c,
      selectIds(categoryIds(dataDir, c), c.startsWith('multi_turn') ? multiTurnLimit : limit, seed),
    ]),
  );
}

/** A results file's `{"id", "result"}` lines (the harness's, or bfcl run's) as id -> result; none if it is absent. */
export function readResultsFile(file: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!existsSync(file)) return out;
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (!l.trim()) continue;
    const r = JSON.parse(l) as { id: string; result: unknown };
    out.set(r.id, r.result);
  }
  return out;
}

export type OfficialVerdict = { id: string; category: string; valid: boolean; errorType?: string; error?: unknown };
export type OfficialCategoryScore = { accuracy: number; correct: number; total: number };
export type OfficialRun = {
  workDir: string;
  scores: Record<string, OfficialCategoryScore>;
  verdicts: Map<string, OfficialVerdict>;
  /** The harness's result line per id (what the model answered, as the harness recorded it). */
  results: Map<string, unknown>;
  /** The harness's own command lines, for the README's "how the numbers were made". */
  commands: string[];
};

export type OfficialRunOptions = {
  python: string;
  /** OpenAI-compatible base URL (ends in /v1). */
  baseURL: string;
  /** The model name the handler sends. */
  model: string;
  apiKey?: string;
  ids: Record<string, string[]>;
  workDir: string;
  temperature?: number;
  threads?: number;
  /** Keep results already in workDir (the harness then asks only for the ids it lacks): a retried activity resumes. */
  resume?: boolean;
  log?: (line: string) => void;
};

function runShim(o: OfficialRunOptions, args: string[]): Promise<void> {
  const env = {
    ...process.env,
    BFCL_PROJECT_ROOT: o.workDir,
    OPENAI_BASE_URL: o.baseURL,
    OPENAI_API_KEY: o.apiKey ?? 'no-key',
    INFTOOL_BFCL_REGISTRY: HARNESS_REGISTRY,
    INFTOOL_BFCL_MODEL: o.model,
    PYTHONUNBUFFERED: '1',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(o.python, [SHIM, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const keep = (b: Buffer) => {
      for (const line of b.toString('utf8').split(/\r?\n|\r/)) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        o.log?.(line);
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `official BFCL harness \`bfcl ${args[0]}\` exited with ${code}; its last lines:\n${tail.slice(-15).join('\n')}`,
            ),
          ),
    );
  });
}

/** Reads `score/<registry>/**\/BFCL_v4_<category>_score.json`: a summary line, then one line per failed entry. */
function readScores(
  workDir: string,
  ids: Record<string, string[]>,
): Pick<OfficialRun, 'scores' | 'verdicts' | 'results'> {
  const scores: OfficialRun['scores'] = {};
  const verdicts = new Map<string, OfficialVerdict>();
  const results = new Map<string, unknown>();
  // The harness files each category under a group folder (non_live/, live/, multi_turn/...).
  const find = (root: string, name: string): string | undefined =>
    existsSync(root)
      ? readdirSync(root, { recursive: true, encoding: 'utf8' })
          .map((p) => path.join(root, p))
          .find((p) => path.basename(p) === name)
      : undefined;
  for (const [category, wanted] of Object.entries(ids)) {
    const scoreFile = find(path.join(workDir, 'score', HARNESS_REGISTRY), `BFCL_v4_${category}_score.json`);
    if (!scoreFile)
      throw new Error(
        `official BFCL harness wrote no score for ${category} under ${workDir}/score (see its output above)`,
      );
    const lines = readFileSync(scoreFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const head = lines[0] as { accuracy: number; correct_count: number; total_count: number };
    scores[category] = { accuracy: head.accuracy, correct: head.correct_count, total: head.total_count };
    const failed = new Map(lines.slice(1).map((l) => [String(l.id), l]));
    for (const id of wanted) {
      const f = failed.get(id);
      verdicts.set(id, {
        id,
        category,
        valid: !f,
        ...(f ? { errorType: f.error_type as string | undefined, error: f.error } : {}),
      });
    }
    const resultFile = find(path.join(workDir, 'result', HARNESS_REGISTRY), `BFCL_v4_${category}_result.json`);
    if (resultFile) for (const [id, r] of readResultsFile(resultFile)) results.set(id, r);
  }
  return { scores, verdicts, results };
}

/** The harness's `generate` (only the given ids, via --run-ids) and `evaluate` (--partial-eval) in `workDir`. */
export async function runOfficialHarness(o: OfficialRunOptions): Promise<OfficialRun> {
  const categories = Object.keys(o.ids).filter((c) => o.ids[c].length > 0);
  if (categories.length === 0) throw new Error('official BFCL harness: no entries selected');
  mkdirSync(o.workDir, { recursive: true });
  writeFileSync(path.join(o.workDir, 'test_case_ids_to_generate.json'), JSON.stringify(o.ids, null, 1) + '\n');
  const generate = [
    'generate',
    '--model',
    HARNESS_REGISTRY,
    '--run-ids',
    '--temperature',
    String(o.temperature ?? 0),
    '--num-threads',
    String(o.threads ?? 1),
    ...(o.resume ? [] : ['--allow-overwrite']),
  ];
  const evaluate = ['evaluate', '--model', HARNESS_REGISTRY, '--test-category', categories.join(','), '--partial-eval'];
  await runShim(o, generate);
  await runShim(o, evaluate);
  return {
    workDir: o.workDir,
    ...readScores(o.workDir, o.ids),
    commands: [generate, evaluate].map((a) => `bfcl ${a.join(' ')}`),
  };
}
