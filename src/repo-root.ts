// Where the checkout is: the bundled data (data/, configs/), the project-local caches (.cache/) and the
// trainer are found from here, whichever process (CLI, worker, test) runs.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
