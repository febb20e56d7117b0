// One cycle of --n trajectories (default 10,000) through the real pipeline against the scripted endpoint at
// a small latency, on the lane fan-out large cycles take: wall time against the latency-bound ideal, the
// worker's peak RSS, the largest workflow history (events, bytes, largest payload), artifacts written,
// verification time and novelty-index memory per 1,000 trajectories, and what 1,000,000 trajectories per
// cycle would need, checked against Temporal's limits (51,200 events per history, 2 MB per payload, 2,000
// pending activities or children per workflow).
// Usage: node --expose-gc --import tsx bench/scale.ts [--n 10000] [--concurrency 32] [--batch-size 4]
//          [--latency-ms 5] [--segment 500] [--inline-batches 0] [--lookahead N] [--worker-heap-mb M] [--json]
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { temporal } from '@temporalio/proto';
import { NoveltyIndex } from '../src/verify/novelty-index.js';
import { artifactsDir, getJsonl, LocalArtifactStore, type ArtifactRef } from '../src/store/artifact-store.js';
import { LANE_PROGRESS_SIGNALS, RUN_PROGRESS_REPORTS } from '../src/workflows/cycle.js';
import { batchesInFlight, runBenchCycle, startBenchPipeline, treeSize, type ExecutionSize } from './cycle-harness.js';

const ArgsSchema = z.object({
  n: z.coerce.number().int().positive().default(10_000),
  concurrency: z.coerce.number().int().positive().max(2000).default(32),
  'batch-size': z.coerce.number().int().positive().default(4),
  'latency-ms': z.coerce.number().nonnegative().default(5),
  /** synthesis.laneSegmentBatches (the config's default when absent). */
  segment: z.coerce.number().int().positive().optional(),
  /** synthesis.inlineBatches: 0 (default here) takes the lane path at any --n, so a small run proves the large one's machinery. */
  'inline-batches': z.coerce.number().int().nonnegative().default(0),
  /** synthesis.lookaheadBatches (the product's default when absent; 0 runs the cycle as before lookahead). */
  lookahead: z.coerce.number().int().nonnegative().optional(),
  /**
   * The worker's V8 old-space cap (--max-old-space-size), MB. Uncapped, V8 lets garbage grow for long between full
   * collections, so the peak RSS says more about its heap policy than about what the cycle needs; a cap shows that.
   */
  'worker-heap-mb': z.coerce.number().int().positive().optional(),
  /** The cycle to extrapolate to. */
  target: z.coerce.number().int().positive().default(1_000_000),
  json: z.boolean().default(false),
});
const { values } = parseArgs({
  options: {
    n: { type: 'string' },
    concurrency: { type: 'string' },
    'batch-size': { type: 'string' },
    'latency-ms': { type: 'string' },
    segment: { type: 'string' },
    'inline-batches': { type: 'string' },
    lookahead: { type: 'string' },
    'worker-heap-mb': { type: 'string' },
    target: { type: 'string' },
    json: { type: 'boolean' },
  },
});
const args = ArgsSchema.parse(values);
const LIMITS = { events: 51_200, payloadBytes: 2 * 1024 * 1024, pending: 2_000 };

// Synthesis activities in flight: the lanes of a cycle of any size (at most one per batch).
const inFlight = batchesInFlight(args.concurrency, args.lookahead);
const pipeline = await startBenchPipeline({
  workerConcurrency: inFlight + 8,
  workerNodeArgs: args['worker-heap-mb'] ? [`--max-old-space-size=${args['worker-heap-mb']}`] : [],
});
let report: Record<string, unknown>;
try {
  const r = await runBenchCycle(pipeline, {
    n: args.n,
    concurrency: args.concurrency,
    batchSize: args['batch-size'],
    latencyMs: args['latency-ms'],
    inlineBatches: args['inline-batches'],
    laneSegmentBatches: args.segment,
    lookaheadBatches: args.lookahead,
    label: 'scale',
  });
  const { n } = args;
  const perK = (x: number) => (x / n) * 1000;
  const batches = Math.ceil(n / args['batch-size']);
  const segment = r.config.synthesis.laneSegmentBatches;
  const lanes = Math.min(inFlight, batches);
  const calls = r.chatCalls / n;
  const idealMs = (n * calls * args['latency-ms']) / args.concurrency;

  // Histories: every execution of the run (lanes continue as new), and the largest payload in each kind.
  const byType = (t: string) => r.executions.filter((e) => e.type === t);
  const largest = (xs: ExecutionSize[]) =>
    xs.reduce<ExecutionSize | undefined>((m, e) => (!m || e.events > m.events ? e : m), undefined);
  let largestPayload = { bytes: 0, where: '' };
  const laneEvents: Array<{ events: number; batches: number; bytes: number }> = [];
  for (const e of r.executions) {
    const history = await pipeline.temporal.client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
    let scheduled = 0;
    for (const ev of history.events ?? []) {
      if (ev.activityTaskScheduledEventAttributes?.activityType?.name === 'synthesizeBatch') scheduled++;
      for (const p of payloadsOf(ev))
        if ((p.data?.length ?? 0) > largestPayload.bytes)
          largestPayload = { bytes: p.data!.length, where: `${e.workflowId} event ${ev.eventId} (${ev.eventType})` };
    }
    if (e.type === 'synthesisLaneWorkflow' && scheduled)
      laneEvents.push({ events: e.events, batches: scheduled, bytes: e.bytes });
  }
  // A lane execution's cost per batch, from its fullest execution (its few fixed events spread over the most batches).
  const fullest = laneEvents.sort((a, b) => b.batches - a.batches)[0];
  const eventsPerBatch = fullest ? fullest.events / fullest.batches : NaN;
  const bytesPerBatch = fullest ? fullest.bytes / fullest.batches : NaN;

  const artifacts = treeSize(join(r.home, 'artifacts'));
  const novelty = await noveltyMemory(r.home, r.verify.noveltyRef);
  const rawBytes = treeSize(join(r.home, 'artifacts', r.verify.trajectoriesRef.key)).bytes; // the verified dataset's folder

  // 1,000,000 (--target) trajectories per cycle with the same batch size, lanes and segment.
  const T = args.target;
  const tBatches = Math.ceil(T / args['batch-size']);
  const tLanes = Math.min(inFlight, tBatches);
  const tPerLane = Math.ceil(tBatches / tLanes);
  // Bounds at the target, from this run's measured costs (conservative: a small run signals its cycle after every batch).
  const laneBound = Math.ceil(Math.min(segment, tPerLane) * eventsPerBatch) + 10;
  // The cycle: this run's whole history, plus per lane a child (3 events, up to 2 workflow tasks), every lane signal
  // (1 event and a task) and every report to the run (2 events and a task) the target cycle can send.
  const cycleBound =
    (largest(byType('cycleWorkflow'))?.events ?? 0) +
    9 * tLanes +
    4 * LANE_PROGRESS_SIGNALS +
    5 * (RUN_PROGRESS_REPORTS + 1);
  const verifyInputBytes = tLanes * 80; // one manifest ref per lane
  const workerCpuMs = r.worker.cpuMs / n;
  const tIdealS = (T * calls * args['latency-ms']) / 1000 / Math.min(args.concurrency, tBatches);

  report = {
    measured: {
      n,
      batches,
      batchSize: args['batch-size'],
      lanes,
      segment,
      latencyMs: args['latency-ms'],
      callsPerTrajectory: +calls.toFixed(2),
      wallMs: r.throughVerifyMs,
      synthesisMs: r.synthesisMs,
      idealMs: Math.round(idealMs),
      ratio: +(idealMs / r.throughVerifyMs).toFixed(3),
      // What this machine's cores allow at the CPU the cycle took (worker + endpoint + server): the bound when it is not latency.
      cpuBoundMs: Math.round((n / r.cpu.boundPerSecond) * 1000),
      cpu: { ...r.cpu, boundPerSecond: +r.cpu.boundPerSecond.toFixed(1) },
      hostStealPercent: +(r.stealShare * 100).toFixed(1),
      dispatch: r.dispatch,
      workerHeapCapMB: args['worker-heap-mb'] ?? null,
      workerPeakRssMB: +(r.worker.peakRssBytes / 2 ** 20).toFixed(1),
      workerRssWhileSynthesizingMB: +(r.worker.synthesisRssBytes / 2 ** 20).toFixed(1),
      workerCpuMsPerTrajectory: +workerCpuMs.toFixed(1),
      largestHistory: {
        cycle: pick(largest(byType('cycleWorkflow'))),
        lane: pick(largest(byType('synthesisLaneWorkflow'))),
        run: pick(largest(byType('evolutionWorkflow'))),
        laneExecutions: byType('synthesisLaneWorkflow').length,
        largestPayloadBytes: largestPayload.bytes,
        largestPayloadAt: largestPayload.where,
        laneEventsPerBatch: +eventsPerBatch.toFixed(2),
        laneBytesPerBatch: Math.round(bytesPerBatch),
      },
      artifacts: {
        files: artifacts.files,
        MB: +(artifacts.bytes / 2 ** 20).toFixed(1),
        filesPer1000: Math.round(perK(artifacts.files)),
        MBPer1000: +(perK(artifacts.bytes) / 2 ** 20).toFixed(2),
      },
      verification: {
        ms: r.verifyMs,
        msPer1000: Math.round(perK(r.verifyMs)),
        accepted: r.verify.accepted,
        datasetMBPer1000: +(perK(rawBytes) / 2 ** 20).toFixed(2),
      },
      noveltyIndex: {
        entries: novelty.entries,
        fileKBPer1000Accepted: +(((novelty.fileBytes / Math.max(1, novelty.entries)) * 1000) / 1024).toFixed(1),
        heapKBPer1000Accepted:
          novelty.heapBytes === null
            ? null
            : +(((novelty.heapBytes / Math.max(1, novelty.entries)) * 1000) / 1024).toFixed(1),
      },
    },
    extrapolated: {
      trajectories: T,
      batches: tBatches,
      lanes: tLanes,
      batchesPerLane: tPerLane,
      laneExecutionsPerLane: Math.ceil(tPerLane / segment),
      laneHistoryEvents: laneBound,
      laneHistoryMB: +((Math.min(segment, tPerLane) * bytesPerBatch) / 2 ** 20).toFixed(2),
      cycleHistoryEventsAtMost: cycleBound,
      verifyInputKB: Math.ceil(verifyInputBytes / 1024),
      pendingPerWorkflow: tLanes,
      latencyBoundHours: +(tIdealS / 3600).toFixed(2),
      workerCpuHours: +((workerCpuMs * T) / 3.6e6).toFixed(1),
      workersOf2CoresForLatencyBound: Math.ceil((workerCpuMs * T) / 1000 / tIdealS / 2),
      storageGB: +((perK(artifacts.bytes) * (T / 1000)) / 2 ** 30).toFixed(1),
      verificationHours: +((perK(r.verifyMs) * (T / 1000)) / 3.6e6).toFixed(2),
      verificationDatasetGB: +((perK(rawBytes) * (T / 1000)) / 2 ** 30).toFixed(2),
      noveltyIndexMB:
        novelty.heapBytes === null
          ? null
          : +(((novelty.heapBytes / Math.max(1, novelty.entries)) * T * (r.verify.accepted / n)) / 2 ** 20).toFixed(0),
      withinLimits: {
        laneEvents: laneBound < LIMITS.events,
        cycleEvents: cycleBound < LIMITS.events,
        verifyInput: verifyInputBytes < LIMITS.payloadBytes,
        pending: tLanes <= LIMITS.pending,
        largestPayloadMeasured: largestPayload.bytes < LIMITS.payloadBytes,
      },
    },
  };
} finally {
  await pipeline.close();
}
console.log(args.json ? JSON.stringify(report) : JSON.stringify(report, null, 2));

function pick(e: ExecutionSize | undefined) {
  return e ? { events: e.events, KB: Math.round(e.bytes / 1024), workflowId: e.workflowId } : null;
}

type Ev = temporal.api.history.v1.IHistoryEvent;
/** Every payload an event carries (inputs, results, signal arguments), to find the largest. */
function payloadsOf(ev: Ev): Array<{ data?: Uint8Array | null }> {
  const out: Array<{ data?: Uint8Array | null }> = [];
  const walk = (v: unknown, depth: number) => {
    if (!v || typeof v !== 'object' || depth > 6) return;
    if (Array.isArray((v as { payloads?: unknown }).payloads))
      out.push(...(v as { payloads: Array<{ data?: Uint8Array | null }> }).payloads);
    for (const [k, x] of Object.entries(v))
      if (k !== 'payloads' && x && typeof x === 'object' && !(x instanceof Uint8Array)) walk(x, depth + 1);
  };
  walk(ev, 0);
  return out;
}

/** The novelty index's file, and its heap once loaded (needs --expose-gc; null without). */
async function noveltyMemory(
  home: string,
  ref: ArtifactRef,
): Promise<{ entries: number; fileBytes: number; heapBytes: number | null }> {
  const store = new LocalArtifactStore(artifactsDir(home));
  const fileBytes = statSync(store.locate(ref)).size;
  const rows = await getJsonl(store, ref); // parsed before the measurement: what is counted is the index, not its text
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return { entries: (await NoveltyIndex.fromJsonlRows(rows)).size, fileBytes, heapBytes: null };
  gc();
  const before = process.memoryUsage().heapUsed;
  const index = await NoveltyIndex.fromJsonlRows(rows);
  gc();
  const heapBytes = process.memoryUsage().heapUsed - before;
  return { entries: index.size, fileBytes, heapBytes };
}
