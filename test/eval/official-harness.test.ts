// The official BFCL harness (bfcl-eval, pinned, its own environment from set-up), unmodified, against InfTool's
// served endpoint over the bundled SmolLM2: single-turn categories and a multi-turn one generated and scored by
// the harness, beside InfTool's own `bfcl run` on the same entries. Where both got the same reply, both verdicts
// must be the same (the scorer agrees with the referee); every disagreement is reported with both replies.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { officialBfcl, normalizeReply } from '../../src/cli/bfcl-official.js';
import { ensureFullBfclData } from '../../src/eval/bfcl-full-data.js';
import { categoryIds, ensureOfficialHarness } from '../../src/eval/official-harness.js';
import { limitDataset, selectIds } from '../../src/eval/run-bfcl.js';
import { loadBfclDataset } from '../../src/eval/bfcl-data.js';
import { startScriptedServer } from '../../src/llm/scripted-server.js';

describe('the official BFCL harness against the served policy', () => {
  it('picks the same seeded entries as bfcl run', async () => {
    const dir = await ensureFullBfclData();
    const mine = limitDataset(loadBfclDataset(dir, ['simple_python', 'irrelevance']), 3, 9);
    for (const c of ['simple_python', 'irrelevance'] as const) {
      assert.deepEqual(
        selectIds(categoryIds(dir, c), 3, 9),
        mine.byCategory.get(c)!.map((e) => e.id),
      );
    }
    assert.equal(selectIds(categoryIds(dir, 'multi_turn_base'), 2, 9).length, 2);
  });

  it('compares replies as data: dotted and underscored names, arguments as text or object', () => {
    assert.deepEqual(
      normalizeReply([{ 'math.gcd': '{"a": 4, "b": 6.0}' }]),
      normalizeReply([{ math_gcd: { a: 4, b: 6 } }]),
    );
    assert.notDeepEqual(normalizeReply([{ f: '{"a": 1}' }]), normalizeReply([{ f: { a: 2 } }]));
    assert.equal(normalizeReply('no call'), 'no call');
  });

  it('scores single-turn entries of the served SmolLM2, agreeing with bfcl run wherever the replies are the same', async () => {
    const python = await ensureOfficialHarness(); // installed by set-up; a no-op here
    assert.ok(existsSync(python));
    const out = mkdtempSync(join(tmpdir(), 'inftool-bfcl-official-'));
    const categories = ['simple_python', 'multiple', 'parallel', 'irrelevance'];
    const report = await officialBfcl({ home: out, out, categories, limit: 2, seed: 3, maxTokens: 96, log: () => {} });

    // The harness scored every category on exactly the selected entries.
    assert.deepEqual(Object.keys(report.official).sort(), [...categories].sort());
    for (const c of categories) {
      assert.equal(report.official[c].total, 2, `${c}: ${JSON.stringify(report.official[c])}`);
      // InfTool's own run covered the same ids.
      assert.equal(report.inftool[c]?.total, 2, c);
      assert.equal(report.agreement[c].of, 2, c);
    }
    // Wherever the harness and bfcl run got the same reply, the verdicts agree; other differences are listed.
    assert.deepEqual(
      report.disagreements.filter((d) => d.sameReply),
      [],
      'the same reply scored differently',
    );
    const agreeing = Object.values(report.agreement).reduce((s, a) => s + a.agree, 0);
    assert.equal(agreeing + report.disagreements.length, 8);
    assert.ok(report.harness.commands.some((c) => c.startsWith('bfcl generate --model inftool-FC --run-ids')));
    assert.equal(report.endpoint.served, 'SmolLM2-135M-Instruct.Q4_1.gguf');
    assert.ok(existsSync(join(out, 'summary.json')));
  });

  it('runs and scores a multi-turn entry: the harness executes the calls in its own backends and feeds the results back', async () => {
    // A scripted remote model (the edge of the world): a call of the first offered function, then a plain answer.
    const llm = await startScriptedServer({
      reply: (body) =>
        body.messages.at(-1)?.role === 'tool' || !body.tools?.length
          ? { content: 'Done.' }
          : { toolCalls: [{ name: body.tools[0].function.name, arguments: {} }] },
    });
    try {
      const out = mkdtempSync(join(tmpdir(), 'inftool-bfcl-official-mt-'));
      const report = await officialBfcl({
        home: out,
        out,
        endpoint: llm.baseURL,
        model: 'scripted-model',
        categories: ['multi_turn_base'],
        limit: 1,
        seed: 3,
        log: () => {},
      });
      assert.deepEqual(report.official.multi_turn_base, { accuracy: 0, correct: 0, total: 1 });
      const scoreFile = join(
        out,
        'official',
        'score',
        'inftool-FC',
        'multi_turn',
        'BFCL_v4_multi_turn_base_score.json',
      );
      const failed = JSON.parse(readFileSync(scoreFile, 'utf8').split('\n')[1]) as {
        id: string;
        error_type?: string;
        error?: { error_type?: string };
      };
      assert.equal(failed.id, report.selection.ids.multi_turn_base[0]);
      // The harness ran every turn: each user turn was asked, and each call's execution result came back as a tool message.
      const turns = llm.requests.filter((r) => r.messages.at(-1)?.role === 'user').length;
      const toolResults = llm.requests.filter((r) => r.messages.at(-1)?.role === 'tool').length;
      assert.ok(turns >= 2, `a multi-turn entry has several user turns, saw ${turns}`);
      assert.equal(toolResults, turns, 'one tool result fed back per call');
      assert.deepEqual(report.inftool, {}, 'InfTool does not score multi-turn itself');
    } finally {
      await llm.close();
    }
  });
});
