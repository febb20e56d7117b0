// gatedReward: each gate zeroes the reward, each reward-hacking pattern scores 0, partial credit follows the
// BFCL matching rules, and the configuration is validated.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatedReward, RewardConfigSchema } from '../../src/eval/reward.js';
import { vectorInputs } from '../vectors/generate.js';

const byName = new Map(vectorInputs().map((v) => [v.name, v.input]));
const reward = (name: string, config?: Parameters<typeof gatedReward>[1]) => {
  const input = byName.get(name);
  assert.ok(input, `no vector named ${name}`);
  return gatedReward(input, config);
};

describe('gatedReward', () => {
  it('gives full reward to exact calls, in any order, with normalised strings and optional params', () => {
    for (const n of [
      'exact_single_call',
      'exact_with_optional_given',
      'string_normalised_match',
      'int_for_number_accepted',
      'dict_argument_match',
      'parallel_exact_any_order',
      'content_beside_correct_call',
    ]) {
      assert.equal(reward(n).reward, 1, n);
    }
  });
  it('zeroes the reward when the format gate fails', () => {
    for (const n of [
      'format_gate_bad_json',
      'format_gate_arguments_not_object',
      'hack_call_unoffered_tool',
      'irrelevance_malformed_call',
    ]) {
      const r = reward(n);
      assert.deepEqual([r.reward, r.gates.format, r.gates.schema], [0, false, false], n);
      assert.match(r.reason, /^format gate/);
    }
  });
  it('zeroes the reward when the schema gate fails', () => {
    for (const n of [
      'schema_gate_wrong_type',
      'schema_gate_missing_required',
      'schema_gate_enum_violation',
      'schema_gate_minimum_violation',
    ]) {
      const r = reward(n);
      assert.deepEqual([r.reward, r.gates.format, r.gates.schema], [0, true, false], n);
      assert.match(r.reason, /^schema gate: arguments of get_weather fail its schema/);
    }
  });
  it('scores reward hacking 0: padding, repetition beyond the reference, text only, never acting', () => {
    for (const n of [
      'hack_padded_duplicate_call',
      'hack_padded_extra_call',
      'hack_text_only_answer',
      'hack_never_acts_empty',
      'irrelevance_called_anyway',
    ]) {
      assert.equal(reward(n).reward, 0, n);
    }
    assert.match(reward('hack_padded_duplicate_call').reason, /padded or repeated/);
    assert.match(reward('hack_text_only_answer').reason, /text-only/);
  });
  it('grades partial matches: right function wrong arguments, one of two calls', () => {
    assert.equal(reward('wrong_argument_value_partial').reward, 0.3);
    assert.equal(reward('parallel_one_argument_wrong').reward, 0.65);
    assert.equal(reward('parallel_one_call_missing').reward, 0.5);
    assert.equal(reward('parallel_same_call_repeated').components.argument_match, 0.5);
    assert.equal(reward('wrong_function_offered').reward, 0);
  });
  it('rewards making no call when the reference is []', () => {
    assert.equal(reward('irrelevance_no_call').reward, 1);
    assert.equal(reward('irrelevance_no_call', { irrelevanceReward: 0.8 }).reward, 0.8);
  });
  it('honours configured weights and enforced gates', () => {
    assert.equal(
      reward('wrong_argument_value_partial', { weights: { function_match: 1, argument_match: 1 } }).reward,
      0.5,
    );
    const noSchema = reward('schema_gate_wrong_type', { gates: ['format'] });
    assert.equal(noSchema.gates.schema, false);
    assert.equal(noSchema.reward, 0.3, 'schema not enforced: graded on the match alone');
    assert.throws(() => RewardConfigSchema.parse({ weights: { function_match: 0, argument_match: 0 } }), /weights/);
    assert.throws(() => RewardConfigSchema.parse({ gates: ['speed'] }));
  });
});
