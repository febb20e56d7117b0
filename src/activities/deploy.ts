// Deploy: makes the policy the train stage produced servable for the next cycle. A local GGUF (+ LoRA)
// is served by the embedded runtime as it is; on an OpenAI-compatible server (vLLM, SGLang) the new
// LoRA adapter is registered at run time and addressed by its name.
import type { ModelRef } from '../llm/types.js';
import { BadInput } from './context.js';
import type { TrainStageResult } from './train.js';

export type DeployInput = { runId: string; cycle: number; previous: ModelRef; training: TrainStageResult };

export function deployActivities() {
  return {
    async deployPolicy({ runId, cycle, previous, training }: DeployInput): Promise<ModelRef> {
      if (training.backend === 'none' || training.steps === 0) return previous;
      if (previous.kind === 'gguf') {
        if (!training.model)
          throw new BadInput(
            `cycle ${cycle}: the trainer exported no GGUF (train.trainer.exportGguf is off), so the embedded runtime cannot serve the new policy`,
          );
        return training.model;
      }
      const adapterPath = training.trainBase?.adapterPath;
      if (!adapterPath)
        throw new BadInput(
          `cycle ${cycle}: the trainer produced no LoRA adapter to register with ${previous.baseURL}; use LoRA (train.trainer.adapter.kind: lora) with an endpoint policy`,
        );
      const name = `${runId}-cycle-${cycle}`.replace(/[^A-Za-z0-9_.-]/g, '-');
      // vLLM's runtime LoRA loading (needs VLLM_ALLOW_RUNTIME_LORA_UPDATING=True on the server).
      const res = await fetch(`${previous.baseURL.replace(/\/$/, '')}/load_lora_adapter`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lora_name: name, lora_path: adapterPath }),
      });
      const text = await res.text();
      // A retry after a crash finds the adapter already loaded: that is success.
      if (!res.ok && !/already been loaded/i.test(text)) {
        const hint =
          res.status === 404
            ? ' (does the server support runtime LoRA loading? vLLM: --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True)'
            : '';
        const err = new Error(
          `registering adapter '${name}' (${adapterPath}) with ${previous.baseURL} failed: HTTP ${res.status} ${text.slice(0, 200)}${hint}`,
        );
        if (res.status >= 400 && res.status < 500) throw new BadInput(err.message);
        throw err;
      }
      return { kind: 'endpoint', baseURL: previous.baseURL, model: previous.model, adapter: name };
    },
  };
}
