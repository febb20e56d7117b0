// Signals, queries, search-attribute keys and the small state that workflows carry between cycles.
// Shared by workflow code and clients; deterministic-safe (no Node built-ins, no I/O).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { RunConfig } from '../config.js';
import type { ModelRef } from '../llm/types.js';
import type { ArtifactRef } from '../store/artifact-store.js';
import type { BaseModel, TrainData } from '../train/job.js';
import type { Scores } from '../domain/cycle-record.js';

export type { Scores };

export const STAGES = [
  'prepare',
  'synthesize',
  'verify',
  'baseline',
  'train',
  'evaluate',
  'target_gaps',
  'done',
  'stopped',
] as const;
export type Stage = (typeof STAGES)[number];

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Stops the run after the stage in progress ends. */
export const stopSignal = defineSignal('stop');
/** Sent by a cycle workflow to its run as it moves through stages. */
export const stageSignal = defineSignal<[StageUpdate]>('stage');
export const statusQuery = defineQuery<RunStatus>('status');
/** Stop as an Update: answers once the stop took effect (the run ended after the stage in progress). */
export const requestStopUpdate = defineUpdate<{ stage: Stage; cycle: number; reason: string }>('requestStop');

export const CycleKey = defineSearchAttributeKey('InfToolCycle', SearchAttributeType.INT);
export const StageKey = defineSearchAttributeKey('InfToolStage', SearchAttributeType.KEYWORD);
export const ScoreKey = defineSearchAttributeKey('InfToolScore', SearchAttributeType.DOUBLE);
export const RunKey = defineSearchAttributeKey('InfToolRun', SearchAttributeType.KEYWORD);

export type StageUpdate = { cycle: number; stage: Stage; counts?: Record<string, number> };

/** Sent by a synthesis lane to its cycle now and then: how many of its batches it has finished. */
export const laneProgressSignal = defineSignal<[LaneProgress]>('laneProgress');
export type LaneProgress = { lane: number; done: number };

/** What a finished cycle leaves in history: scores and references, never data. */
export type CycleSummary = {
  cycle: number;
  recordRef: ArtifactRef;
  accepted: number;
  trajectories: number;
  /** BFCL overall; null when BFCL was not evaluated (older runs wrote 0). */
  bfclOverall: number | null;
  validationOverall: number | null;
  policy: ModelRef;
  /** The trained policy on the fixed items (absent in runs recorded before fixed items existed). */
  scores?: Scores;
  /** Cycle 0 only: the starting policy on the same items, before any training. */
  baseline?: Scores;
  /** cycles.keepBest: whether this cycle's policy scored at least the incumbent's on the pool and goes forward. */
  kept?: boolean;
  /** cycles.keepBest: the cycle whose policy the next cycle starts from (-1: the starting policy). */
  carried?: number;
};

/** cycles.keepBest: the policy the run goes on from, and its score on the fixed pool. */
export type Incumbent = {
  cycle: number;
  policy: ModelRef;
  trainBase?: BaseModel;
  poolOverall: number | null | undefined;
  /** Its verdicts on the pool (cycles.keepBestAlpha compares item by item). */
  verdictsRef?: ArtifactRef;
};

export type RunStatus = {
  runId: string;
  cycle: number;
  maxCycles: number;
  stage: Stage;
  paused: boolean;
  stopRequested: boolean;
  counts: Record<string, number>;
  lastScores: { bfcl: Record<string, number>; validationOverall?: number | null; bfclOverall?: number | null } | null;
  cycles: CycleSummary[];
  policy: ModelRef | null;
  /** The starting policy's scores on the fixed items: every gain is measured against it. */
  baseline?: Scores | null;
  stopReason?: string;
};

export type EvolutionInput = {
  runId: string;
  config: RunConfig;
  /** Set by continue-as-new: the state carried into the next cycle. */
  carry?: {
    cycle: number;
    planRef: ArtifactRef;
    catalogRef: ArtifactRef;
    /** The stored config (prepareRun's), which activities take instead of `config`; absent in older runs. */
    configRef?: ArtifactRef;
    policy: ModelRef;
    trainBase?: BaseModel;
    noveltyRef?: ArtifactRef;
    /** The fixed validation pool (cycle 0's held-out prompts). */
    poolRef?: ArtifactRef;
    baseline?: Scores | null;
    /** cycles.keepBest: the best policy so far on the pool (what `policy` and `trainBase` are then taken from). */
    incumbent?: Incumbent;
    /** train.replayCycles: the newest cycles' verified data, newest first. */
    replay?: TrainData[];
    cycles: CycleSummary[];
    paused: boolean;
  };
};

export type CycleInput = {
  runId: string;
  parentId: string;
  cycle: number;
  config: RunConfig;
  /** The stored config: what the cycle's activities are given (by value only when absent, in older runs). */
  configRef?: ArtifactRef;
  planRef: ArtifactRef;
  catalogRef: ArtifactRef;
  policy: ModelRef;
  trainBase?: BaseModel;
  noveltyRef?: ArtifactRef;
  poolRef?: ArtifactRef;
  incumbent?: Incumbent;
  /** train.replayCycles: earlier cycles' verified data, newest first, whose SFT rows this cycle's training replays. */
  replay?: TrainData[];
  previousRecords: ArtifactRef[];
  paused: boolean;
};

/** The config half of an activity input, as workflows pass it: by reference once the run has one. */
export function configArg(config: RunConfig, configRef: ArtifactRef | undefined) {
  return configRef ? { configRef } : { config };
}

export type CycleResult =
  | {
      kind: 'completed';
      summary: CycleSummary;
      nextPlanRef: ArtifactRef;
      noveltyRef: ArtifactRef;
      poolRef?: ArtifactRef;
      trainBase?: BaseModel;
      /** cycles.keepBest: the policy the next cycle starts from (this cycle's, or the incumbent it did not beat). */
      incumbent?: Incumbent;
      /** This cycle's verified data (carried for train.replayCycles). */
      trainData?: TrainData;
      stop: { stop: boolean; reason: string };
    }
  | { kind: 'stopped'; stage: Stage };
