// When a run ends: after N cycles, at a target validation score, or when the score stops improving.
// Scores come from the held-out validation split, never from the reported benchmark.
import { CategorySchema } from '../domain/category.js';
import type { CycleRecord } from '../domain/cycle-record.js';
import { StopRulesSchema, type StopRules } from './config.js';

/** Macro mean of a record's validation accuracy over its synthetic categories; undefined when it has none. */
export function validationScore(record: CycleRecord): number | undefined {
  const accs = Object.entries(record.evaluation.validation)
    .filter(([k]) => CategorySchema.safeParse(k).success)
    .map(([, v]) => v);
  return accs.length ? accs.reduce((a, b) => a + b, 0) / accs.length : undefined;
}

const f3 = (x: number) => x.toFixed(3);

export function shouldStop(records: CycleRecord[], rules: Partial<StopRules> = {}): { stop: boolean; reason: string } {
  const r = StopRulesSchema.parse(rules);
  const done = [...records].sort((a, b) => a.cycle - b.cycle);
  if (done.length === 0) return { stop: false, reason: 'no cycle has finished yet' };
  const last = done[done.length - 1];
  if (r.maxCycles !== undefined && done.length >= r.maxCycles) {
    return { stop: true, reason: `${done.length} cycles finished, the configured maximum is ${r.maxCycles}` };
  }
  const scores = done.map(validationScore);
  const lastScore = scores[scores.length - 1];
  if (r.targetScore !== undefined && lastScore !== undefined && lastScore >= r.targetScore) {
    return {
      stop: true,
      reason: `cycle ${last.cycle} reached validation score ${f3(lastScore)} >= target ${r.targetScore}`,
    };
  }
  if (r.patience !== undefined && done.length > r.patience) {
    // The best score before the window, against the best inside it: no gain > minDelta in `patience` cycles.
    const before = scores.slice(0, done.length - r.patience).filter((s): s is number => s !== undefined);
    const inside = scores.slice(done.length - r.patience).filter((s): s is number => s !== undefined);
    if (before.length && inside.length) {
      const bestBefore = Math.max(...before);
      const bestInside = Math.max(...inside);
      if (bestInside <= bestBefore + r.minDelta) {
        return {
          stop: true,
          reason: `no validation gain > ${r.minDelta} in the last ${r.patience} cycles (best ${f3(bestInside)} vs ${f3(bestBefore)} before)`,
        };
      }
    }
  }
  const parts = [`${done.length} cycle(s) finished`];
  if (lastScore !== undefined) parts.push(`validation score ${f3(lastScore)}`);
  if (r.maxCycles !== undefined) parts.push(`max ${r.maxCycles}`);
  if (r.targetScore !== undefined) parts.push(`target ${r.targetScore}`);
  if (r.patience !== undefined) parts.push(`patience ${r.patience}`);
  return { stop: false, reason: `continue: ${parts.join(', ')}` };
}
