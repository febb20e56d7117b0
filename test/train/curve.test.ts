// The learning curve as it enters workflow history: each GRPO step's rollout metrics (reward spread,
// groups with advantage, format-gate pass, call rate) survive the trip; long curves are thinned evenly.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { curveForHistory, lastCallRate } from '../../src/train/curve.js';
import { CurvePointSchema, TrainerEventSchema } from '../../src/train/job.js';

// A step event exactly as trainer/inftool_trainer/progress.py prints it for a GRPO step.
const GRPO_LINE =
  '{"event":"step","phase":"grpo","step":3,"reward":0.4,"loss":0.02,"components":{"gate_format":1.0,"call_rate":0.75,' +
  '"reward_std":0.31,"groups_with_advantage":0.5,"flat_first_try":1.0,"resampled_groups":2.0,"step_seconds":41.5},"call_rate":0.75,"checkpoint":null}';

describe('curveForHistory', () => {
  it("keeps each GRPO step's rollout metrics and marks SFT steps", () => {
    const ev = TrainerEventSchema.parse(JSON.parse(GRPO_LINE));
    assert.equal(ev.event, 'step');
    const { event: _e, ...grpo } = ev as Extract<typeof ev, { event: 'step' }>;
    const sft = CurvePointSchema.parse({ phase: 'sft', step: 1, reward: null, loss: 1.2 });
    const curve = curveForHistory([sft, grpo]);
    assert.deepEqual(curve[0], { step: 0, reward: 0, loss: 1.2, components: { sft: 1 } });
    assert.equal(curve[1].reward, 0.4);
    const c = curve[1].components ?? {};
    assert.equal(c.reward_std, 0.31);
    assert.equal(c.groups_with_advantage, 0.5);
    assert.deepEqual(c, { ...grpo.components, sft: 0 });
    assert.equal(lastCallRate([sft, grpo]), 0.75);
  });

  it('thins a long curve evenly to the limit', () => {
    const points = Array.from({ length: 1000 }, (_, i) =>
      CurvePointSchema.parse({
        phase: 'grpo',
        step: i + 1,
        reward: i / 1000,
        loss: 0,
        components: { reward_std: 0.1 },
      }),
    );
    const thin = curveForHistory(points, 200);
    assert.equal(thin.length, 200);
    assert.deepEqual(
      thin.slice(0, 3).map((p) => p.step),
      [0, 5, 10],
    );
    assert.ok(thin.every((p) => p.components!.reward_std === 0.1));
  });
});
