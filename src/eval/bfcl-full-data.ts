// The full BFCL v4 data (questions, function docs and answers) at set-up time, the way the model is
// fetched: from the official harness's PyPI wheel (`bfcl-eval`, which carries `bfcl_eval/data/`),
// never from a hub or a repository. Unpacked once into `.cache/bfcl/<version>/`; idempotent.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { downloadWheel } from '../pypi-wheel.js';

const execFileAsync = promisify(execFile);

export const BFCL_EVAL = {
  pypiPackage: 'bfcl-eval',
  version: '2026.3.23',
  license: 'Apache-2.0 (ShishirPatil/gorilla, Berkeley Function-Calling Leaderboard; packaged on PyPI as bfcl-eval)',
  dataPrefix: 'bfcl_eval/data/',
} as const;

/** The value of `evaluate.bfclData` that names the full data this module installs. */
export const FULL_BFCL_DATA = 'bfcl-eval';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function fullBfclDataDir(cacheRoot = path.join(REPO_ROOT, '.cache', 'bfcl')): string {
  return path.join(cacheRoot, BFCL_EVAL.version);
}

/** Present when the unpacked folder has its stamp (written last, so a cut-short unpack is redone). */
export function hasFullBfclData(dir = fullBfclDataDir()): boolean {
  return existsSync(path.join(dir, '.complete'));
}

/** Returns the folder of the full BFCL data, unpacking the pinned wheel's `bfcl_eval/data/` once. */
export async function ensureFullBfclData(opts: { dir?: string; python?: string } = {}): Promise<string> {
  const dir = opts.dir ?? fullBfclDataDir();
  if (hasFullBfclData(dir)) return dir;
  const python = opts.python ?? process.env.INFTOOL_PYTHON ?? 'python3';
  await mkdir(path.dirname(dir), { recursive: true });
  const work = await mkdtemp(path.join(path.dirname(dir), '.download-'));
  try {
    const pkg = `${BFCL_EVAL.pypiPackage}==${BFCL_EVAL.version}`;
    const wheel = await downloadWheel(pkg, work, python, 'ensureFullBfclData');
    const out = path.join(work, 'data');
    // Python's zipfile: pip already implies Python is there.
    const unzip = [
      'import os, shutil, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1]); prefix = sys.argv[2]; out = sys.argv[3]; n = 0',
      'for m in z.namelist():',
      '    if not m.startswith(prefix) or m.endswith("/"): continue',
      '    dst = os.path.join(out, m[len(prefix):]); os.makedirs(os.path.dirname(dst), exist_ok=True)',
      '    with z.open(m) as s, open(dst, "wb") as d: shutil.copyfileobj(s, d, 1 << 20)',
      '    n += 1',
      'print(n)',
    ].join('\n');
    const { stdout } = await execFileAsync(python, ['-c', unzip, wheel, BFCL_EVAL.dataPrefix, out]);
    if (!Number(stdout.trim())) throw new Error(`ensureFullBfclData: ${wheel} has no ${BFCL_EVAL.dataPrefix} files`);
    await writeFile(
      path.join(out, 'ATTRIBUTION.txt'),
      `Berkeley Function-Calling Leaderboard v4 data\nLicense: ${BFCL_EVAL.license}\nSource: PyPI ${pkg}, ${BFCL_EVAL.dataPrefix}\n` +
        'Used only to evaluate and to decontaminate; never as synthesis input.\n',
    );
    await writeFile(path.join(out, '.complete'), `${pkg}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(out, dir);
    return dir;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
