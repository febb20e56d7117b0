// Retry and timeout policy per stage, in one place: a reader sees at a glance how each stage fails.
// Bad input that no retry can fix is thrown as a non-retryable ApplicationFailure by the activity.
// No stage stalls on a dead worker: a long activity heartbeats (its heartbeat timeout, 20 s by default,
// bounds how long a dead worker holds it); a short one has a start-to-close timeout of seconds.
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

/** The failure types no retry can fix; the Python GPU worker uses the same names (trainer/inftool_trainer/job.py). */
export const nonRetryableErrorTypes = ['ConfigError', 'BadInput', 'NothingToTrain'];

/** Heartbeat timeouts bound how long a dead worker holds a stage; activities heartbeat every few seconds. */
export const activityOptions = {
  /**
   * planTaskCount, prepareTrainJob, deployPolicy, targetGaps, recordBatchManifest: read and write a few artifacts (deploy: one adapter
   * registration). Measured at 7-45 ms each on a two-cycle pipeline run (README "Durability"); 30 s is a wide margin
   * that still hands a killed worker's work on within seconds.
   */
  quick: {
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 5, initialInterval: '1s', nonRetryableErrorTypes },
  },
  /** prepareRun imports the specs, which may start live MCP servers: no fixed bound fits, so the worker keeps it
   * alive with heartbeats (src/workers/keep-alive.ts) and a dead worker is noticed within the heartbeat timeout. */
  prepare: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '20 seconds',
    retry: { maximumAttempts: 5, initialInterval: '1s', nonRetryableErrorTypes },
  },
  /**
   * The stages that call model endpoints retry without a cap on attempts: an outage (EndpointUnavailable,
   * src/llm/outage.ts) is waited out, hours if it must, never recorded as data; the UI and `status` name the
   * endpoint being waited for. Bad input is non-retryable by type, so it still fails once.
   */
  synthesize: {
    startToCloseTimeout: '60 minutes',
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes },
  },
  verify: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes },
  },
  train: {
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: '30 seconds',
    retry: {
      maximumAttempts: 20,
      initialInterval: '5s',
      backoffCoefficient: 2,
      maximumInterval: '5 minutes',
      nonRetryableErrorTypes,
    },
  },
  evaluate: {
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes },
  },
} satisfies Record<string, ActivityOptions>;

/** Activity stubs for a run; `heartbeatSeconds` (config) shortens failure detection, e.g. in tests. */
export function stageActivities(heartbeatSeconds?: number) {
  const hb = (o: ActivityOptions): ActivityOptions =>
    heartbeatSeconds && o.heartbeatTimeout ? { ...o, heartbeatTimeout: `${heartbeatSeconds}s` } : o;
  const quick = proxyActivities<Activities>(activityOptions.quick);
  const train = proxyActivities<Activities>(hb(activityOptions.train));
  return {
    quick: {
      planTaskCount: quick.planTaskCount,
      deployPolicy: quick.deployPolicy,
      targetGaps: quick.targetGaps,
      recordBatchManifest: quick.recordBatchManifest,
      comparePool: quick.comparePool,
      prepareRun: proxyActivities<Activities>(hb(activityOptions.prepare)).prepareRun,
    },
    synthesize: proxyActivities<Activities>(hb(activityOptions.synthesize)),
    verify: proxyActivities<Activities>(hb(activityOptions.verify)),
    // prepareTrainJob only builds the job (no heartbeat): short options; the training itself beats every step.
    train: { prepareTrainJob: quick.prepareTrainJob, runTrainJob: train.runTrainJob },
    evaluate: proxyActivities<Activities>(hb(activityOptions.evaluate)),
    trainOptions: hb(activityOptions.train),
  };
}
