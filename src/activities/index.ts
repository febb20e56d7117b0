// Every stage activity a worker registers, built over one set of dependencies (the artifact store).
// Workflows import only the type `Activities`, never this module's code.
import { failFastOnBadInput, type ActivityDeps } from './context.js';
import { prepareActivities } from './prepare.js';
import { synthesizeActivities } from './synthesize.js';
import { verifyActivities } from './verify.js';
import { trainActivities } from './train.js';
import { evaluateActivities } from './evaluate.js';
import { gapActivities } from './gaps.js';
import { deployActivities } from './deploy.js';
import { poolActivities } from './pool.js';

export function createActivities(deps: ActivityDeps) {
  const all = {
    ...prepareActivities(deps),
    ...synthesizeActivities(deps),
    ...verifyActivities(deps),
    ...trainActivities(deps),
    ...evaluateActivities(deps),
    ...poolActivities(deps),
    ...gapActivities(deps),
    ...deployActivities(),
  };
  return Object.fromEntries(
    Object.entries(all).map(([name, fn]) => [
      name,
      failFastOnBadInput(name, fn as (...a: unknown[]) => Promise<unknown>),
    ]),
  ) as typeof all;
}

export type Activities = ReturnType<typeof createActivities>;
export type { StageTimes } from './gaps.js';
export type { TrainStageResult } from './train.js';
export type { EvaluationResult } from './evaluate.js';
export type { DrawPoolResult } from './pool.js';
