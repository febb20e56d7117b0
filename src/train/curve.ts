// The learning curve as it travels through workflow history: GRPO reward and SFT loss points, thinned
// evenly to at most 200 so a long training run never bloats a cycle's history. Pure: workflows use it too.
// The Python GPU worker thins its curve the same way before it sends it (trainer/inftool_trainer/worker.py
// thin_curve), marking each kept point with its `index` in the full curve, so both backends number alike.
// `components` carries each step's reward components and, for GRPO steps, what the rollouts looked like
// (reward_std, groups_with_advantage, gate_format, call_rate...: trainer/README.md); the report plots them.
import type { CurvePoint } from './job.js';

export type HistoryCurvePoint = { step: number; reward: number; loss?: number; components?: Record<string, number> };

export function curveForHistory(points: CurvePoint[], max = 200): HistoryCurvePoint[] {
  const all = points.map((p, i) => ({
    step: p.index ?? i,
    reward: p.reward ?? 0,
    ...(p.loss !== null ? { loss: p.loss } : {}),
    components: { ...p.components, sft: p.phase === 'sft' ? 1 : 0 },
  }));
  if (all.length <= max) return all;
  const every = all.length / max;
  return Array.from({ length: max }, (_, i) => all[Math.floor(i * every)]);
}

export function lastCallRate(points: CurvePoint[]): number | undefined {
  return points.filter((p) => p.call_rate !== null).at(-1)?.call_rate ?? undefined;
}
