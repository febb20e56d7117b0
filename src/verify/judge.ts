// The optional LLM judge: answers the yes/no questions rule gates could not decide. A judge that answers
// off-format (or whose endpoint refuses the request) counts as "no"; an unreachable judge is no answer at
// all: the outage propagates and verification is retried, so an outage never rejects a trajectory.
import { z } from 'zod';
import type { ChatClient } from '../domain/chat.js';
import { parseJsonContent } from '../llm/parse-output.js';
import { isOutage } from '../llm/outage.js';

const AnswerSchema = z.object({ answer: z.enum(['yes', 'no']), reason: z.string().optional() });

export async function askJudge(
  judge: ChatClient,
  question: string,
): Promise<{ yes: boolean; reason: string; tokens: number }> {
  try {
    const res = await judge.chat({
      messages: [
        { role: 'system', content: 'You check synthetic training data. Answer strictly; when unsure, answer "no".' },
        { role: 'user', content: `${question}\nAnswer with JSON: {"answer": "yes" | "no", "reason": "..."}` },
      ],
      jsonSchema: {
        name: 'verdict',
        schema: {
          type: 'object',
          properties: { answer: { enum: ['yes', 'no'] }, reason: { type: 'string' } },
          required: ['answer'],
        },
      },
      temperature: 0,
    });
    const parsed = parseJsonContent(res.message.content, AnswerSchema);
    const tokens = res.usage.promptTokens + res.usage.completionTokens;
    if (!parsed.ok) return { yes: false, reason: `judge reply did not parse (${parsed.error})`, tokens };
    return { yes: parsed.value.answer === 'yes', reason: parsed.value.reason ?? '', tokens };
  } catch (err) {
    if (isOutage(err)) throw err;
    return { yes: false, reason: `judge failed: ${(err as Error).message}`, tokens: 0 };
  }
}
