// The two mirrors of the train job agree: every default of src/train/job.ts (zod) equals the one in
// trainer/inftool_trainer/job.py (pydantic), so a job written with defaults trains the same either way.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { TrainConfigSchema } from '../../src/train/job.js';
import { DEFAULT_TRAINER_PYTHON, TRAINER_DIR } from '../../src/train/local-backend.js';

const python = process.env.INFTOOL_TRAINER_PYTHON ?? DEFAULT_TRAINER_PYTHON;
const DUMP =
  'import json; from inftool_trainer.job import TrainConfig; print(json.dumps(TrainConfig().model_dump(by_alias=True, exclude_none=True)))';

describe('train job defaults', { skip: process.env.INFTOOL_SKIP_TRAINER === '1' }, () => {
  it('are the same in the zod schema and the pydantic mirror', async () => {
    assert.ok(
      existsSync(python),
      `trainer venv missing at ${python}: run \`bash trainer/setup.sh\` first (or INFTOOL_SKIP_TRAINER=1)`,
    );
    const { stdout } = await promisify(execFile)(python, ['-c', DUMP], { cwd: TRAINER_DIR });
    assert.deepEqual(JSON.parse(stdout), JSON.parse(JSON.stringify(TrainConfigSchema.parse({}))));
  });
});
