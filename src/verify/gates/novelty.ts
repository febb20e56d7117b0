// Gate 5, novelty: not a near-copy of an evaluation question (decontamination) and not a near-duplicate
// of anything accepted before (same calls, or a request at least threshold-similar).
import { callSignature, type NoveltyIndex } from '../novelty-index.js';
import type { ContaminationIndex } from '../contamination-index.js';
import { fail, pass, userText, type GateContext, type RuleVerdict } from './context.js';

export type NoveltyContext = GateContext & { seen: NoveltyIndex; contamination?: ContaminationIndex };

export function noveltyKey(ctx: GateContext): { request: string; signature: string; hasCalls: boolean } {
  const t = ctx.trajectory;
  return {
    request: userText(t) || t.goal.request,
    signature: callSignature(t.task.toolSetId, t.goal.turns),
    hasCalls: t.goal.turns.some((x) => x.length),
  };
}

export function noveltyGate(ctx: NoveltyContext): RuleVerdict {
  const key = noveltyKey(ctx);
  const hit = ctx.contamination?.check(key.request);
  if (hit)
    return fail(
      'novelty',
      `contaminated: ${(hit.overlap * 100).toFixed(0)}% of the request's ${ctx.contamination!.config.n}-grams occur in evaluation item ${hit.id}`,
    );
  const dup = ctx.seen.check(key.request, key.signature, key.hasCalls);
  if (dup)
    return fail(
      'novelty',
      dup.kind === 'same_calls'
        ? `duplicate: same calls as ${dup.of}`
        : `near-duplicate: request ${(dup.similarity * 100).toFixed(0)}% similar to ${dup.of}`,
    );
  return pass('novelty');
}
