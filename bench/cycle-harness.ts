// What bench/pipeline-overhead.ts and bench/scale.ts share: one real cycle (a Temporal dev server on free
// ports, a worker process, the cycle workflow, its activities and the artifact store) against the scripted
// endpoint with a fixed latency per chat call, measured from the cycle's own history. The run is
// terminated once verification has finished: training is off and evaluation is not what these measure.
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { tsToMs } from '@temporalio/common/lib/time.js';
import type { temporal } from '@temporalio/proto';
import { startScriptedServer, type ScriptedServer } from '../src/llm/scripted-server.js';
import { parseRunConfig, type RunConfig } from '../src/config.js';
import { statusQuery, type RunStatus } from '../src/workflows/definitions.js';
import { startEvolution } from '../src/cli/run.js';
import { lookaheadOf } from '../src/workflows/cycle.js';
import type { VerifyCycleResult } from '../src/activities/verify.js';
import { scriptedRoles } from '../src/agents/scripted-roles.js';
import {
  spawnWorker,
  startTestTemporal,
  tempHome,
  workerEnv,
  type TestTemporal,
  type WorkerProcess,
} from '../temporal/harness.js';

export const CycleBenchOptionsSchema = z.object({
  /** Trajectories in the cycle. */
  n: z.number().int().positive(),
  /** Trajectories in flight at once: `synthesis.parallelBatches` lanes, each one trajectory at a time. */
  concurrency: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  latencyMs: z.number().nonnegative(),
  /** `synthesis.inlineBatches`: 0 sends every batch through the lane workflows. */
  inlineBatches: z.number().int().nonnegative().optional(),
  laneSegmentBatches: z.number().int().positive().optional(),
  /** `synthesis.lookaheadBatches` (the product's default when absent). */
  lookaheadBatches: z.number().int().nonnegative().optional(),
  label: z.string().default('bench'),
});
export type CycleBenchOptions = z.input<typeof CycleBenchOptionsSchema>;

export type ExecutionSize = { workflowId: string; runId: string; type: string; events: number; bytes: number };

export type CycleBenchResult = {
  options: z.output<typeof CycleBenchOptionsSchema>;
  config: RunConfig;
  home: string;
  /** Cycle start to the verify activity's scheduling (synthesis, fan-out and planTaskCount included). */
  synthesisMs: number;
  /** The verifyCycle activity, started to completed. */
  verifyMs: number;
  /** Cycle start to verification done. */
  throughVerifyMs: number;
  /** Chat requests the scripted endpoint answered before verification ended (synthesis makes them all). */
  chatCalls: number;
  /**
   * Chat calls per second arriving at the endpoint between the 10th and the 90th percentile of synthesis's calls:
   * the rate a cycle of any size runs at between its start and its tail, however its batches overlap.
   */
  steadyCallsPerSecond: number;
  /** The most chat requests the endpoint had open at once (one per trajectory in flight). */
  maxInFlight: number;
  verify: VerifyCycleResult;
  executions: ExecutionSize[];
  /**
   * Where a lane's time goes between batches, over every synthesizeBatch: scheduled to started (task dispatch),
   * and a batch's completion to the next batch's scheduling in the same workflow (a workflow task).
   */
  dispatch: {
    batches: number;
    scheduleToStartMs: number;
    completedToNextScheduledMs: number;
    batchMs: number;
    startMs: number;
    drainMs: number;
    /** Lane fan-out: from the first lane's first batch to the last lane's, and the same for their last completions. */
    laneStartSpreadMs: number;
    laneEndSpreadMs: number;
  };
  /**
   * The worker process: its peak RSS so far, the largest RSS seen (sampled every 250 ms) while the run was still
   * synthesizing, and the CPU time this cycle took. The difference between the peaks is verification's.
   */
  worker: { peakRssBytes: number; synthesisRssBytes: number; cpuMs: number };
  /**
   * CPU time this cycle took in each process (the worker; this one, which plays the endpoint; the Temporal server)
   * and what it allows on this machine's cores: the throughput bound when the CPU, not the latency, is what limits.
   */
  cpu: { workerMs: number; endpointMs: number; serverMs: number; cores: number; boundPerSecond: number };
  /**
   * CPU time the machine's host took from this VM while the cycle ran (steal, /proc/stat), as a share of its cores'
   * time: a shared host slows every process here at random, and this says when a cell was measured on a busy one.
   */
  stealShare: number;
};

type Ctx = {
  temporal: TestTemporal;
  worker: WorkerProcess;
  home: string;
  taskQueue: string;
  workerConcurrency: number;
};

/** One dev server and one worker for several cycles (a grid): each cycle gets its own scripted endpoint and task queue. */
export async function startBenchPipeline(o: {
  workerConcurrency: number;
  workerEnv?: Record<string, string>;
  workerNodeArgs?: string[];
}): Promise<Ctx & { close(): Promise<void> }> {
  const temporal = await startTestTemporal();
  const home = tempHome();
  const taskQueue = `bench-${Math.random().toString(36).slice(2, 8)}`;
  const removeAll = () => {
    for (const dir of [home, temporal.dataDir]) rmSync(dir, { recursive: true, force: true });
  };
  const worker = await spawnWorker(
    {
      ...workerEnv(temporal.env, parseRunConfig({ temporal: { taskQueue } }), home),
      INFTOOL_WORKER_CONCURRENCY: String(o.workerConcurrency),
      ...o.workerEnv,
    },
    o.workerNodeArgs,
  ).catch(async (err: unknown) => {
    await temporal.close();
    removeAll();
    throw err;
  });
  return {
    temporal,
    worker,
    home,
    taskQueue,
    workerConcurrency: o.workerConcurrency,
    async close() {
      await worker.kill('SIGTERM'); // graceful: --cpu-prof writes the worker's profile on exit
      await temporal.close();
      removeAll(); // the artifacts and the server's database of a benchmark are not kept
    },
  };
}

/** The scripted roles of the pipeline tests (user simulator, oracle assistant, MCP simulator), `latencyMs` per chat call. */
async function scriptedEndpoint(latencyMs: number): Promise<{ server: ScriptedServer; arrivals: number[] }> {
  const roles = scriptedRoles();
  const arrivals: number[] = [];
  const server = await startScriptedServer({
    delayMs: latencyMs,
    keepRequests: false,
    reply: (body, ctx) => {
      arrivals.push(Date.now());
      const fmt = body.response_format as { json_schema?: { name?: string } } | undefined;
      if (fmt?.json_schema?.name === 'tool_result') return { content: JSON.stringify({ result: { ok: true } }) };
      return roles(body, ctx);
    },
  });
  return { server, arrivals };
}

/** The worker's peak resident set and CPU time so far, from /proc (Linux). */
export function processUsage(pid: number): { peakRssBytes: number; cpuMs: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100/s on Linux)
    return { peakRssBytes: hwm, cpuMs: ticks * 10 };
  } catch {
    return { peakRssBytes: 0, cpuMs: 0 };
  }
}

/** The machine's stolen CPU time so far, all cores (/proc/stat's steal, in clock ticks of 10 ms); 0 off Linux. */
function stealMs(): number {
  try {
    return Number(readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)[8] ?? 0) * 10;
  } catch {
    return 0;
  }
}

function rssBytes(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

export function benchConfig(
  o: z.output<typeof CycleBenchOptionsSchema>,
  baseURL: string,
  taskQueue: string,
): RunConfig {
  // The endpoint's limiter must never be what caps concurrency here: all three roles share it.
  const endpoint = {
    kind: 'openai',
    baseURL,
    model: 'scripted-model',
    maxRetries: 2,
    temperature: 0,
    concurrency: Math.max(16, 4 * o.concurrency),
  };
  return parseRunConfig({
    name: o.label,
    seed: 11,
    cycles: { max: 1 },
    synthesis: {
      perCycle: o.n,
      batchSize: o.batchSize,
      parallelBatches: o.concurrency,
      categories: ['simple', 'multiple', 'parallel', 'irrelevance'],
      ...(o.inlineBatches !== undefined ? { inlineBatches: o.inlineBatches } : {}),
      ...(o.laneSegmentBatches !== undefined ? { laneSegmentBatches: o.laneSegmentBatches } : {}),
      ...(o.lookaheadBatches !== undefined ? { lookaheadBatches: o.lookaheadBatches } : {}),
    },
    roles: { user: endpoint, assistant: endpoint, simulator: endpoint },
    train: { backend: 'none' },
    evaluate: { categories: ['simple_python'], limit: 1, baseline: false, rolloutPrompts: 0 },
    temporal: { taskQueue },
  });
}

function decodePayload<T>(p: temporal.api.common.v1.IPayload | null | undefined): T {
  return JSON.parse(Buffer.from(p?.data ?? new Uint8Array()).toString('utf8')) as T;
}

/**
 * Synthesis activities a bench cycle keeps in flight at `concurrency` (its `parallelBatches`): that plus its
 * lookahead, `lookaheadBatches` or the product's default for roles on an endpoint (the scripted one).
 */
export function batchesInFlight(concurrency: number, lookaheadBatches?: number): number {
  return (
    concurrency +
    lookaheadOf({ parallelBatches: concurrency, ...(lookaheadBatches !== undefined ? { lookaheadBatches } : {}) })
  );
}

/** Runs one cycle to the end of verification on `ctx`'s worker, then terminates the run and measures it. */
export async function runBenchCycle(ctx: Ctx, input: CycleBenchOptions): Promise<CycleBenchResult> {
  const o = CycleBenchOptionsSchema.parse(input);
  const { server, arrivals } = await scriptedEndpoint(o.latencyMs);
  const config = benchConfig(o, server.baseURL, ctx.taskQueue);
  const inFlight = batchesInFlight(o.concurrency, o.lookaheadBatches);
  if (inFlight + 2 > ctx.workerConcurrency) {
    await server.close();
    throw new Error(
      `the worker runs ${ctx.workerConcurrency} activities at once; ${inFlight} batches in flight need more`,
    );
  }
  const runId = `run-${o.label}-${Math.random().toString(36).slice(2, 8)}`;
  const client = ctx.temporal.client;
  const cpuBefore = processUsage(ctx.worker.child.pid!).cpuMs;
  const serverBefore = processUsage(ctx.temporal.server.process.pid!).cpuMs;
  const selfBefore = process.cpuUsage();
  const stealBefore = stealMs();
  const wallBefore = Date.now();
  try {
    const handle = await startEvolution(client, config, runId);
    const pastVerify = new Set(['baseline', 'train', 'evaluate', 'target_gaps', 'done', 'stopped']);
    let synthesisRssBytes = 0;
    for (let i = 0; ; i++) {
      const s: RunStatus | undefined = await handle.query(statusQuery).catch(() => undefined);
      if (s && pastVerify.has(s.stage)) break;
      if (!s || s.stage === 'prepare' || s.stage === 'synthesize')
        synthesisRssBytes = Math.max(synthesisRssBytes, rssBytes(ctx.worker.child.pid!));
      if (ctx.worker.child.exitCode !== null || ctx.worker.child.signalCode !== null)
        throw new Error(`the worker exited:\n${ctx.worker.output().slice(-2000)}`);
      if (i % 8 === 7 && (await handle.describe()).status.name !== 'RUNNING')
        throw new Error(`run ${runId} ended before verification finished`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await handle.terminate('benchmark: synthesis and verification measured');
    const self = process.cpuUsage(selfBefore);
    const stealShare = (stealMs() - stealBefore) / ((Date.now() - wallBefore) * availableParallelism());
    const endpointMs = (self.user + self.system) / 1000;
    const serverMs = processUsage(ctx.temporal.server.process.pid!).cpuMs - serverBefore;
    const workerUsage = processUsage(ctx.worker.child.pid!);
    const workerMs = workerUsage.cpuMs - cpuBefore;
    const cores = availableParallelism();

    const cycleId = `${runId}/cycle-0`;
    const history = await client.workflow.getHandle(cycleId).fetchHistory();
    const events = history.events ?? [];
    const start = tsToMs(events[0].eventTime);
    const verifySched = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'verifyCycle',
    );
    if (!verifySched) throw new Error(`${cycleId}: no verifyCycle in its history`);
    const schedId = Number(verifySched.eventId);
    const started = events.find(
      (e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1) === schedId,
    );
    const completed = events.find(
      (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1) === schedId,
    );
    if (!started || !completed) throw new Error(`${cycleId}: verifyCycle did not complete`);
    const verifyEnd = tsToMs(completed.eventTime);
    const verify = decodePayload<VerifyCycleResult>(
      completed.activityTaskCompletedEventAttributes?.result?.payloads?.[0],
    );

    const executions: ExecutionSize[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId STARTS_WITH '${runId}'` })) {
      const d = await client.workflow.getHandle(wf.workflowId, wf.runId).describe();
      executions.push({
        workflowId: wf.workflowId,
        runId: wf.runId,
        type: d.type,
        events: d.historyLength,
        bytes: d.historySize ?? 0,
      });
    }
    // startMs: the cycle's start to its first batch; drainMs: the last batch's scheduling to the last completion
    // (lanes run out of batches at different times: the tail the ideal does not count).
    const dispatch = {
      batches: 0,
      scheduleToStartMs: 0,
      completedToNextScheduledMs: 0,
      batchMs: 0,
      startMs: 0,
      drainMs: 0,
      laneStartSpreadMs: 0,
      laneEndSpreadMs: 0,
    };
    let refills = 0;
    /** Per lane (its executions together): its first batch's scheduling and its last batch's completion. */
    const laneSpanById = new Map<string, [number, number]>();
    let firstScheduled = Infinity;
    let lastScheduled = 0;
    let lastCompleted = 0;
    for (const e of executions) {
      if (e.type !== 'cycleWorkflow' && e.type !== 'synthesisLaneWorkflow') continue;
      const evs =
        e.type === 'cycleWorkflow'
          ? events
          : ((await client.workflow.getHandle(e.workflowId, e.runId).fetchHistory()).events ?? []);
      const scheduled = new Map<number, number>();
      const completions: number[] = [];
      let execFirst = Infinity;
      let execLast = 0;
      for (const ev of evs) {
        const at = tsToMs(ev.eventTime);
        if (ev.activityTaskScheduledEventAttributes?.activityType?.name === 'synthesizeBatch') {
          scheduled.set(Number(ev.eventId), at);
          firstScheduled = Math.min(firstScheduled, at);
          lastScheduled = Math.max(lastScheduled, at);
          execFirst = Math.min(execFirst, at);
          const done = completions.shift();
          if (done !== undefined) ((dispatch.completedToNextScheduledMs += at - done), refills++);
        }
        const st = ev.activityTaskStartedEventAttributes;
        if (st && scheduled.has(Number(st.scheduledEventId)))
          dispatch.scheduleToStartMs += at - scheduled.get(Number(st.scheduledEventId))!;
        const c = ev.activityTaskCompletedEventAttributes;
        if (c && scheduled.has(Number(c.scheduledEventId))) {
          dispatch.batches++;
          dispatch.batchMs += at - scheduled.get(Number(c.scheduledEventId))!;
          lastCompleted = Math.max(lastCompleted, at);
          execLast = Math.max(execLast, at);
          completions.push(at);
        }
      }
      if (e.type === 'synthesisLaneWorkflow' && execLast) {
        const [first, last] = laneSpanById.get(e.workflowId) ?? [Infinity, 0];
        laneSpanById.set(e.workflowId, [Math.min(first, execFirst), Math.max(last, execLast)]);
      }
    }
    if (dispatch.batches) {
      dispatch.scheduleToStartMs = Math.round(dispatch.scheduleToStartMs / dispatch.batches);
      dispatch.batchMs = Math.round(dispatch.batchMs / dispatch.batches);
    }
    dispatch.completedToNextScheduledMs = refills ? Math.round(dispatch.completedToNextScheduledMs / refills) : 0;
    dispatch.startMs = Math.round(firstScheduled - start);
    dispatch.drainMs = Math.round(lastCompleted - lastScheduled);
    // How far apart the lanes started (their first batches) and ended (their last completions).
    const spread = (xs: number[]) => (xs.length ? Math.round(Math.max(...xs) - Math.min(...xs)) : 0);
    const laneSpans = [...laneSpanById.values()];
    dispatch.laneStartSpreadMs = spread(laneSpans.map(([first]) => first));
    dispatch.laneEndSpreadMs = spread(laneSpans.map(([, last]) => last));
    return {
      options: o,
      config,
      home: ctx.home,
      dispatch,
      synthesisMs: tsToMs(verifySched.eventTime) - start,
      verifyMs: verifyEnd - tsToMs(started.eventTime),
      throughVerifyMs: verifyEnd - start,
      chatCalls: arrivals.filter((t) => t <= verifyEnd).length,
      steadyCallsPerSecond: middleRate(arrivals.filter((t) => t <= tsToMs(verifySched.eventTime))),
      maxInFlight: server.stats.maxInFlight,
      verify,
      executions: executions.sort((a, b) => b.events - a.events),
      worker: { peakRssBytes: workerUsage.peakRssBytes, synthesisRssBytes, cpuMs: workerMs },
      stealShare,
      cpu: {
        workerMs,
        endpointMs: Math.round(endpointMs),
        serverMs,
        cores,
        boundPerSecond: (cores * 1000 * o.n) / (workerMs + endpointMs + serverMs),
      },
    };
  } finally {
    await server.close();
  }
}

/** Events per second between the 10th and the 90th percentile of their (sorted) times. */
function middleRate(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  const lo = Math.floor(sorted.length * 0.1);
  const hi = Math.ceil(sorted.length * 0.9) - 1;
  const span = sorted[hi] - sorted[lo];
  return hi > lo && span > 0 ? ((hi - lo) * 1000) / span : 0;
}

/** Files and bytes under a folder (the artifact store). */
export function treeSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) (files++, (bytes += statSync(p).size));
    }
  };
  try {
    walk(dir);
  } catch {
    /* no artifacts yet */
  }
  return { files, bytes };
}
