// How many batches a cycle keeps in flight beyond `parallelBatches` (src/workflows/cycle.ts lookaheadOf): by
// default a quarter of it, 1 to 4, within Temporal's 2,000 pending; none when every synthesis role is the embedded
// model (the demo and loop-gain configs run as they did before lookahead); what a config says always wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lookaheadOf } from '../../src/workflows/cycle.js';
import { loadRunConfig } from '../../src/config.js';
import { REPO_ROOT } from '../support/temporal.js';

const local = { kind: 'local' };
const remote = { kind: 'openai' };

test('lookahead: a quarter of parallelBatches, 1 to 4, within 2,000 pending; a configured number wins', () => {
  assert.equal(lookaheadOf({ parallelBatches: 1 }), 1);
  assert.equal(lookaheadOf({ parallelBatches: 8 }), 2);
  assert.equal(lookaheadOf({ parallelBatches: 64 }), 4);
  assert.equal(lookaheadOf({ parallelBatches: 8, lookaheadBatches: 0 }), 0);
  assert.equal(lookaheadOf({ parallelBatches: 8, lookaheadBatches: 7 }), 7);
  assert.equal(lookaheadOf({ parallelBatches: 1998, lookaheadBatches: 7 }), 2, 'pending stays within 2,000');
});

test('no lookahead by default when user, assistant and simulator are all the embedded model', async () => {
  assert.equal(lookaheadOf({ parallelBatches: 8 }, { user: local, assistant: local, simulator: local }), 0);
  assert.equal(lookaheadOf({ parallelBatches: 8 }, { user: local, assistant: remote, simulator: local }), 2);
  assert.equal(
    lookaheadOf({ parallelBatches: 8, lookaheadBatches: 3 }, { user: local, assistant: local, simulator: local }),
    3,
  );
  for (const name of ['demo.yaml', 'loop-gain.yaml']) {
    const config = await loadRunConfig(join(REPO_ROOT, 'configs', name));
    assert.equal(lookaheadOf(config.synthesis, config.roles), 0, `${name} runs as before lookahead`);
  }
});
