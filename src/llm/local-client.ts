// ChatClient for an in-process GGUF model (default: the bundled SmolLM2-135M) via node-llama-cpp on CPU:
// one model load per process, grammar-forced tool calls and structured output, optional LoRA adapter.
import os from 'node:os';
import type { Llama, LlamaChat as LlamaChatType, LlamaContext, LlamaGrammar, LlamaModel, Token } from 'node-llama-cpp';
import { toGrammarSchema, toolEnvelopeSchema, toolMode, dropOptionalNulls } from './grammar-schema.js';
import { fromToolEnvelope, toLlamaHistory } from './local-chat-format.js';
import { defaultLocalModelPath, DEFAULT_MODEL_CACHE_DIR, LOCAL_MODEL } from './local-model.js';
import type { ClientOptions } from './openai-client.js';
import { Semaphore } from './semaphore.js';
import { findFormatErrors } from './structured-output.js';
import type {
  AssistantMessage,
  ChatCallOptions,
  ChatClient,
  ChatRequest,
  ChatResponse,
  ReplyFormatError,
} from '../domain/chat.js';
import type { EndpointConfig } from './types.js';
import { activeMeter } from './usage-meter.js';
import { existsSync } from 'node:fs';
import path from 'node:path';

export type LocalEndpointConfig = Extract<EndpointConfig, { kind: 'local' }>;

/**
 * One core fewer than the machine has: a decode step waits for its slowest thread, so a thread on a core that
 * the worker's own event loop (MCP, verification, Temporal) or any other process holds stalls every step.
 * Measured on 2 cores (bench/llm-local.ts, 2026-12-01): 1 thread 70 tok/s against 2 threads 58.5 quiet, and
 * 43 against 2-4 with the machine busy.
 */
export function defaultThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

export type LocalClientOptions = ClientOptions & {
  /** CPU threads for evaluation; default `defaultThreads()`. More threads than cores is far slower. */
  threads?: number;
  /** Refuse a prompt that does not fit the context (ContextOverflowError) instead of letting the runtime
   * drop the oldest turns; the served endpoint uses it, so a client hears about the overflow. */
  strictContext?: boolean;
};

/** The prompt alone fills the context: nothing was generated. */
export class ContextOverflowError extends Error {
  constructor(
    readonly promptTokens: number,
    readonly contextSize: number,
  ) {
    super(`the prompt is ${promptTokens} tokens; the model's context holds ${contextSize} (prompt and reply together)`);
    this.name = 'ContextOverflowError';
  }
}

/** A sequence of one of the contexts (`context`: its index); it keeps the tokens it last evaluated. */
type Slot = { chat: LlamaChatType; context: number; lastUsed: number };
/** `running[c]`: requests decoding on context c, at most `perContext` (the endpoint's `concurrency`); the
 * gate admits contexts x perContext; the idle sequences beyond those are the prefix cache. */
type LoadedContext = {
  contexts: LlamaContext[];
  model: LlamaModel;
  free: Slot[];
  running: number[];
  perContext: number;
  gate: Semaphore;
};

// Process-wide caches: loading a model costs ~0.2 s and its memory; every client for the same file shares it.
let llamaPromise: Promise<Llama> | undefined;
const models = new Map<string, Promise<LlamaModel>>();
const contexts = new Map<string, Promise<LoadedContext>>();
const grammars = new Map<string, Promise<LlamaGrammar>>();

async function llamaRuntime(): Promise<Llama> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  // maxThreads 0 makes each context's `threads` exact; node-llama-cpp's default cap (max(cores, 4))
  // oversubscribes a 2-core machine and is dramatically slower.
  return (llamaPromise ??= getLlama({
    gpu: false,
    build: 'never',
    maxThreads: 0,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
  }));
}

function loadModel(modelPath: string): Promise<LlamaModel> {
  let model = models.get(modelPath);
  if (!model) {
    model = llamaRuntime().then((llama) => llama.loadModel({ modelPath }));
    model.catch(() => models.delete(modelPath)); // a failed load may be retried after the file is fixed
    models.set(modelPath, model);
  }
  return model;
}

/** The model's `count` contexts of `sequences` + `cached` sequences each: `sequences` of them may decode at once, the
 * rest only keep what they evaluated last, for a later prompt that starts the same way. */
function loadContext(
  modelPath: string,
  loraPath: string | undefined,
  contextSize: number,
  sequences: number,
  threads: number,
  count = 1,
  cached = 0,
): Promise<LoadedContext> {
  const key = JSON.stringify([modelPath, loraPath ?? null, contextSize, sequences, threads, count, cached]);
  let loaded = contexts.get(key);
  if (!loaded) {
    loaded = (async () => {
      const { LlamaChat } = await import('node-llama-cpp');
      const model = await loadModel(modelPath);
      const made: LlamaContext[] = [];
      const free: Slot[] = [];
      try {
        for (let c = 0; c < count; c++) {
          const context = await model.createContext({
            contextSize,
            sequences: sequences + cached,
            threads,
            ...(loraPath ? { lora: { adapters: [{ filePath: loraPath }] } } : {}),
          });
          made.push(context);
          for (let i = 0; i < sequences + cached; i++)
            free.push({ chat: new LlamaChat({ contextSequence: context.getSequence() }), context: c, lastUsed: 0 });
        }
      } catch (err) {
        for (const c of made) await c.dispose();
        throw err;
      }
      return {
        contexts: made,
        model,
        free,
        running: made.map(() => 0),
        perContext: sequences,
        gate: new Semaphore(count * sequences),
      };
    })();
    loaded.catch(() => contexts.delete(key));
    contexts.set(key, loaded);
  }
  return loaded;
}

/** A prompt sharing fewer tokens than this with every idle sequence reuses none of them: a chat template's own
 * start is shorter, and a new conversation should not evict the one that shares it. */
const MIN_REUSE = 16;
let slotClock = 0;

/**
 * A free slot on a context with the fewest requests running (so both cores work before one decodes two), and
 * there the sequence that already holds the longest start of `prompt`: those tokens are not evaluated again (a tool
 * set's system prompt, an assistant's conversation one step on, a simulator's retry). A prompt that shares fewer
 * than MIN_REUSE tokens with all of them takes the one used longest ago. The gate guarantees a context below
 * `perContext`.
 */
function takeSlot(loaded: LoadedContext, prompt: Token[]): Slot {
  const { free, running } = loaded;
  const least = Math.min(...free.filter((s) => running[s.context] < loaded.perContext).map((s) => running[s.context]));
  let best = -1;
  let bestShared = -1;
  let oldest = -1;
  for (let i = free.length - 1; i >= 0; i--) {
    const slot = free[i];
    if (running[slot.context] !== least) continue;
    const shared = slot.chat.sequence.compareContextTokens(prompt).firstDifferentIndex;
    if (shared > bestShared) [best, bestShared] = [i, shared];
    if (oldest < 0 || slot.lastUsed < free[oldest].lastUsed) oldest = i;
  }
  const slot = free.splice(bestShared >= MIN_REUSE ? best : oldest, 1)[0];
  slot.lastUsed = ++slotClock;
  running[slot.context]++;
  return slot;
}

function releaseSlot(loaded: LoadedContext, slot: Slot): void {
  loaded.running[slot.context]--;
  loaded.free.push(slot);
}

async function grammarFor(schema: Record<string, unknown>): Promise<LlamaGrammar> {
  const key = JSON.stringify(schema);
  let grammar = grammars.get(key);
  if (!grammar) {
    grammar = (async () => {
      const llama = await llamaRuntime();
      const compact = await compactGbnf(schema);
      // Compact JSON: the stock builder allows indented output, which a small model spends most of its tokens on.
      if (compact)
        return llama.createGrammar({
          grammar: compact,
          stopGenerationTriggers: ['\n\n\n\n'],
          trimWhitespaceSuffix: true,
        });
      return llama.createGrammarForJsonSchema(schema as never);
    })();
    grammar.catch(() => grammars.delete(key));
    grammars.set(key, grammar);
  }
  return grammar;
}

/**
 * node-llama-cpp builds single-line JSON grammars only through an internal function (not in its public
 * exports); we load it by file path and fall back to the public, indentation-allowing builder if it moves.
 */
async function compactGbnf(schema: Record<string, unknown>): Promise<string | undefined> {
  try {
    const { createRequire } = await import('node:module');
    const { pathToFileURL } = await import('node:url');
    const entry = createRequire(import.meta.url).resolve('node-llama-cpp');
    const file = path.join(path.dirname(entry), 'utils', 'gbnfJson', 'getGbnfGrammarForGbnfJsonSchema.js');
    if (!existsSync(file)) return undefined;
    const mod = (await import(pathToFileURL(file).href)) as {
      getGbnfGrammarForGbnfJsonSchema?: (s: unknown, o: { allowNewLines: boolean; scopePadSpaces: number }) => string;
    };
    const gbnf = mod.getGbnfGrammarForGbnfJsonSchema?.(schema, { allowNewLines: false, scopePadSpaces: 0 });
    // Even "compact" leaves an optional space after {, [, : and , — so one call has many spellings, and
    // the trainer could only teach one. Without them the grammar admits exactly JSON.stringify's layout,
    // the layout renderAssistantTurn writes training targets in.
    return gbnf?.replace(/\[ \]\?/g, '""');
  } catch {
    return undefined;
  }
}

/** Frees every loaded model and context (tests, worker shutdown). Clients created before stay usable: they reload. */
export async function disposeLocalModels(): Promise<void> {
  const loaded = [...contexts.values()];
  const loadedModels = [...models.values()];
  contexts.clear();
  models.clear();
  grammars.clear();
  for (const c of loaded)
    for (const context of (await c.catch(() => undefined))?.contexts ?? []) await context.dispose();
  for (const m of loadedModels) await (await m.catch(() => undefined))?.dispose();
}

export class LocalChatClient implements ChatClient {
  readonly label: string;
  readonly role: string;
  readonly modelPath: string;
  private readonly threads: number;

  constructor(
    private readonly cfg: LocalEndpointConfig,
    private readonly opts: LocalClientOptions = {},
  ) {
    this.role = opts.role ?? 'default';
    this.modelPath = path.resolve(cfg.modelPath ?? defaultLocalModelPath());
    this.threads = opts.threads ?? cfg.threads ?? defaultThreads();
    const lora = cfg.loraPath ? `+${path.basename(cfg.loraPath)}` : '';
    this.label = `${this.role}:local:${path.basename(this.modelPath)}${lora}`;
  }

  private checkFiles(): void {
    if (!existsSync(this.modelPath)) {
      const isDefault = this.cfg.modelPath === undefined;
      throw new Error(
        `LLM role "${this.role}": local model file ${this.modelPath} is missing; ` +
          (isDefault
            ? `run set-up (ensureLocalModel) to fetch ${LOCAL_MODEL.name} into ${DEFAULT_MODEL_CACHE_DIR}`
            : 'check modelPath (a GGUF file) in the endpoint config or the ModelRef'),
      );
    }
    if (this.cfg.loraPath && !existsSync(this.cfg.loraPath)) {
      throw new Error(
        `LLM role "${this.role}": LoRA adapter ${this.cfg.loraPath} is missing; check loraPath (a GGUF LoRA adapter)`,
      );
    }
  }

  /** This client's model and contexts, loaded on first use (shared with every client of the same settings). */
  private contexts(): Promise<LoadedContext> {
    return loadContext(
      this.modelPath,
      this.cfg.loraPath,
      this.cfg.contextSize,
      this.cfg.concurrency,
      this.threads,
      this.cfg.contexts ?? 1,
      this.cfg.cacheSequences ?? 0,
    );
  }

  /** Loads the model and its context now (a server warms up before it reports ready). */
  async load(): Promise<void> {
    this.checkFiles();
    await this.contexts();
  }

  get contextSize(): number {
    return this.cfg.contextSize;
  }

  async chat(request: ChatRequest, call: ChatCallOptions = {}): Promise<ChatResponse> {
    this.checkFiles();
    const started = performance.now();
    const loaded = await this.contexts();
    const ready = performance.now(); // the first request also loads the model and creates its contexts
    const mode = toolMode(request);
    const envelope = mode === 'none' ? undefined : toolEnvelopeSchema(request.tools ?? [], mode);
    const structured = mode === 'none' && request.jsonSchema ? toGrammarSchema(request.jsonSchema.schema) : undefined;
    const grammarSchema = envelope ?? structured;
    const grammar = grammarSchema ? await grammarFor(grammarSchema) : undefined;
    const history = toLlamaHistory(request.messages, request.tools, mode);

    const queued = performance.now();
    const result = await loaded.gate.run(async () => {
      const slotAt = performance.now();
      let firstTokenAt: number | undefined;
      // Every sequence renders prompts with the same chat wrapper; the gate leaves at least one free.
      const prompt = loaded.free[0].chat.chatWrapper
        .generateContextState({ chatHistory: history })
        .contextText.tokenize(loaded.model.tokenizer);
      const promptTokens = prompt.length;
      const slot = takeSlot(loaded, prompt);
      try {
        const meter = slot.chat.sequence.tokenMeter;
        const outputBefore = meter.usedOutputTokens;
        const inputBefore = meter.usedInputTokens;
        let maxTokens = request.maxTokens ?? this.cfg.maxTokens;
        if (this.opts.strictContext) {
          if (promptTokens >= this.cfg.contextSize) throw new ContextOverflowError(promptTokens, this.cfg.contextSize);
          maxTokens = Math.min(maxTokens, this.cfg.contextSize - promptTokens);
        }
        const plainText = !grammar;
        const reply = await slot.chat.generateResponse(history, {
          grammar,
          maxTokens,
          temperature: request.temperature ?? this.cfg.temperature,
          ...(request.seed !== undefined ? { seed: request.seed } : {}),
          ...(plainText && request.stop?.length ? { customStopTriggers: request.stop } : {}),
          ...(plainText && call.onText ? { onTextChunk: call.onText } : {}),
          onToken: () => void (firstTokenAt ??= performance.now()),
          ...(call.signal ? { signal: call.signal, stopOnAbortSignal: true } : {}),
        });
        const evaluated = meter.usedInputTokens - inputBefore;
        const end = performance.now();
        const firstAt = firstTokenAt ?? end;
        return {
          reply,
          timing: {
            setupMs: queued - ready,
            queueMs: slotAt - queued,
            promptMs: firstAt - slotAt,
            decodeMs: end - firstAt,
          },
          promptTokens,
          completionTokens: meter.usedOutputTokens - outputBefore,
          cachedPromptTokens: Math.max(0, promptTokens - evaluated),
        };
      } finally {
        releaseSlot(loaded, slot);
      }
    });

    const text = result.reply.response;
    let message: AssistantMessage;
    let errors: ReplyFormatError[] = [];
    if (envelope) {
      ({ message, errors } = fromToolEnvelope(text, request.tools ?? []));
    } else if (structured) {
      message = { role: 'assistant', content: text };
      try {
        message.content = JSON.stringify(dropOptionalNulls(JSON.parse(text), request.jsonSchema!.schema));
      } catch {
        // Left as generated (usually cut off by maxTokens); the check below records it.
      }
    } else {
      message = { role: 'assistant', content: text };
    }
    if (errors.length === 0) errors = findFormatErrors(message, mode === 'none' ? request.jsonSchema : undefined);
    const usage = {
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
      cachedPromptTokens: result.cachedPromptTokens,
    };
    const latencyMs = performance.now() - started;
    const usageMeter = activeMeter() ?? this.opts.meter;
    usageMeter?.record(this.role, usage, latencyMs, result.timing);
    for (const e of errors) usageMeter?.recordFormatError(this.role, e.kind);
    const stop = result.reply.metadata.stopReason;
    const finishReason = stop === 'maxTokens' ? 'length' : message.tool_calls?.length ? 'tool_calls' : 'stop';
    return {
      message,
      usage,
      latencyMs,
      timing: result.timing,
      finishReason,
      ...(errors.length ? { formatErrors: errors } : {}),
      rawText: text,
    };
  }
}
