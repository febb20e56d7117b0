// Tokens per second of the embedded model with threads = cores (our default) against threads = 4
// (node-llama-cpp's default cap on a small machine), to show why the client pins threads to the core count.
// Run: npm run bench:llm-local -- [tokens=16] [repeats=2] [busy=0]. Oversubscribed threads are slow enough
// (about 10x here on 2 cores) that the defaults stay small; each result prints as soon as it is measured.
// busy=N first starts N other processes that each spin on a core for the whole run: how each thread count
// degrades when the machine is shared (issue 14 asks for graceful degradation, not a 5x fall).
import os from 'node:os';
import { spawn } from 'node:child_process';
import { createChatClient } from '../src/llm/client.js';
import { disposeLocalModels } from '../src/llm/local-client.js';
import { ensureLocalModel } from '../src/llm/local-model.js';
import type { ChatRequest } from '../src/domain/chat.js';

const tokens = Number(process.argv[2] ?? 16);
const repeats = Number(process.argv[3] ?? 2);
const busy = Number(process.argv[4] ?? 0);
const spinners = Array.from({ length: busy }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
process.on('exit', () => spinners.forEach((p) => p.kill('SIGKILL')));
const cores = os.availableParallelism();
const modelPath = await ensureLocalModel();
const request: ChatRequest = {
  messages: [{ role: 'user', content: 'Write a long story about a lighthouse keeper.' }],
  maxTokens: tokens,
  temperature: 0,
};

async function tokensPerSecond(threads: number): Promise<{ threads: number; tokPerS: number; runs: number[] }> {
  const client = createChatClient({ kind: 'local', modelPath, maxTokens: tokens }, { role: 'bench', threads } as never);
  await client.chat({ ...request, maxTokens: 4 }); // load model + context outside the timed runs
  const runs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const res = await client.chat(request);
    runs.push(res.usage.completionTokens / (res.latencyMs / 1000));
  }
  runs.sort((a, b) => a - b);
  return { threads, tokPerS: runs[Math.floor(runs.length / 2)], runs };
}

console.log(
  `cores=${cores} tokens/run=${tokens} repeats=${repeats} busy=${busy} loadavg=${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(',')}`,
);
const show = (r: Awaited<ReturnType<typeof tokensPerSecond>>) =>
  console.log(
    `threads=${r.threads}: median ${r.tokPerS.toFixed(1)} tok/s (runs ${r.runs.map((x) => x.toFixed(1)).join(', ')})`,
  );
const baseline = await tokensPerSecond(cores);
show(baseline);
if (busy === 0) {
  const four = await tokensPerSecond(4);
  show(four);
  console.log(`ratio threads=${cores} / threads=4: ${(baseline.tokPerS / four.tokPerS).toFixed(2)}x`);
} else console.log('threads=4: skipped with busy processes (under 1 tok/s even on a quiet machine)');
if (cores > 1) {
  // Fewer threads than cores: what a role gets with `threads: 1` (a busy machine's better choice, if it is).
  const one = await tokensPerSecond(1);
  show(one);
  console.log(`ratio threads=1 / threads=${cores}: ${(one.tokPerS / baseline.tokPerS).toFixed(2)}x`);
}
await disposeLocalModels();
spinners.forEach((p) => p.kill('SIGKILL'));
