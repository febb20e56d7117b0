// A run's config reaches activities by reference: prepareRun stores it once, under a key derived from its
// content, and every later activity input names it (`configRef`) instead of carrying the whole RunConfig
// through history ("references and small summaries only"). Inputs scheduled by workflows recorded before the
// switch, and direct callers such as tests, still pass it by value (`config`); both resolve the same way.
import type { RunConfig } from '../config.js';
import { contentKey, getJsonShared, putJson, type ArtifactRef } from '../store/artifact-store.js';
import type { ActivityDeps } from './context.js';

/** The config half of an activity input: a reference to the stored config, or the config itself. */
export type ConfigArg = { configRef: ArtifactRef; config?: undefined } | { config: RunConfig; configRef?: undefined };

/** Stores the run's config (idempotent: the same config, the same key). */
export async function storeRunConfig(deps: ActivityDeps, config: RunConfig): Promise<ArtifactRef> {
  return putJson(deps.store, { key: contentKey('run-config', config), name: 'config.json' }, config);
}

/** The config an activity input names. Read once per worker per config and shared: treat it as read-only. */
export async function runConfigOf(deps: ActivityDeps, input: ConfigArg): Promise<RunConfig> {
  if (input.config) return input.config;
  return getJsonShared<RunConfig>(deps.store, input.configRef);
}
