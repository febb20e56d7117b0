// The real pipeline's overhead: one cycle per (latency L, concurrency C) cell through the worker, the cycle
// workflow, the activities and the artifact store, against the scripted endpoint answering every chat call
// after L ms. Ideal = C / (L x chat calls per trajectory): what the endpoint's latency alone allows. Prints
// each cell's trajectories/s to the end of synthesis and to the end of verification, and both ratios; and the
// steady ratio: chat calls per second reaching the endpoint between the 10th and 90th percentile of synthesis's
// calls against the ideal C / L, what a cycle of any size runs at between its start and its tail. `--lookahead
// 0,d` runs each cell once per value of synthesis.lookaheadBatches (d: the product's default), side by side.
// Usage: node --import tsx bench/pipeline-overhead.ts [--latency-ms 20,50,200] [--concurrency 8,64]
//          [--per-lane 24] [--n N] [--batch-size 4] [--inline-batches K] [--lookahead d] [--json] [--cpu-prof DIR]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { lookaheadOf } from '../src/workflows/cycle.js';
import { batchesInFlight, runBenchCycle, startBenchPipeline, type CycleBenchResult } from './cycle-harness.js';

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => Number(x.trim())))
  .pipe(z.array(z.number().positive()).min(1));
const ArgsSchema = z.object({
  'latency-ms': list.default('20,50,200'),
  concurrency: list.pipe(z.array(z.number().int())).default('8,64'),
  /**
   * Trajectories per lane when --n is not given: N = C x per-lane. Enough that the tail (lanes running out of
   * batches at different times: categories differ in calls per trajectory) stays a small part of the run.
   */
  'per-lane': z.coerce.number().int().positive().default(24),
  n: z.coerce.number().int().positive().optional(),
  /** synthesis.batchSize; default the product's. */
  'batch-size': z.coerce.number().int().positive().default(4),
  /** synthesis.inlineBatches; 0 runs every batch through the lane workflows (the path large cycles take). */
  'inline-batches': z.coerce.number().int().nonnegative().optional(),
  /** synthesis.lookaheadBatches per run of a cell: numbers, or d for the product's default. */
  lookahead: z
    .string()
    .default('d')
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(z.union([z.literal('d'), z.coerce.number().int().nonnegative()])).min(1)),
  json: z.boolean().default(false),
  /** Writes the worker's CPU profile (node --cpu-prof) into this folder when the worker exits. */
  'cpu-prof': z.string().optional(),
});
const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string' },
    concurrency: { type: 'string' },
    'per-lane': { type: 'string' },
    n: { type: 'string' },
    'batch-size': { type: 'string' },
    'inline-batches': { type: 'string' },
    lookahead: { type: 'string' },
    json: { type: 'boolean' },
    'cpu-prof': { type: 'string' },
  },
});
const args = ArgsSchema.parse(values);

const pipeline = await startBenchPipeline({
  // Every batch in flight (lookahead included) runs at once on the one worker.
  workerConcurrency:
    Math.max(
      ...args.concurrency.flatMap((c) => args.lookahead.map((l) => batchesInFlight(c, l === 'd' ? undefined : l))),
    ) + 8,
  workerNodeArgs: args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`] : [],
});
const rows: Array<Record<string, number | string>> = [];
try {
  // A first cycle loads and compiles what every later one reuses (modules, the catalog, schemas): not measured.
  await runBenchCycle(pipeline, { n: 16, concurrency: 4, latencyMs: 0, batchSize: 2, label: 'warm-up' });
  for (const latencyMs of args['latency-ms']) {
    for (const concurrency of args.concurrency) {
      for (const lookahead of args.lookahead) {
        const n = args.n ?? concurrency * args['per-lane'];
        const r: CycleBenchResult = await runBenchCycle(pipeline, {
          n,
          concurrency,
          latencyMs,
          batchSize: args['batch-size'],
          inlineBatches: args['inline-batches'],
          ...(lookahead === 'd' ? {} : { lookaheadBatches: lookahead }),
          label: `overhead-l${latencyMs}-c${concurrency}`,
        });
        const la = lookaheadOf(r.config.synthesis, r.config.roles);
        const calls = r.chatCalls / n;
        const ideal = concurrency / ((latencyMs / 1000) * calls);
        const synth = n / (r.synthesisMs / 1000);
        const through = n / (r.throughVerifyMs / 1000);
        // A lane's batch against its time from one scheduling to the next (the steady ratio before lookahead; with it
        // a batch's time includes its wait for a slot, so only the endpoint's arrivals say what the cycle runs at).
        const laneCycleMs = r.dispatch.batchMs + r.dispatch.completedToNextScheduledMs;
        const laneSteady = r.dispatch.batches ? ((n / r.dispatch.batches) * calls * latencyMs) / laneCycleMs : 0;
        const steady = (r.steadyCallsPerSecond * latencyMs) / 1000 / concurrency;
        const row = {
          latencyMs,
          concurrency,
          lookahead: la,
          n,
          batchSize: args['batch-size'],
          fanOut: Math.ceil(n / args['batch-size']) > r.config.synthesis.inlineBatches ? 'lanes' : 'inline',
          callsPerTrajectory: +calls.toFixed(2),
          maxInFlight: r.maxInFlight,
          idealPerSecond: +ideal.toFixed(2),
          synthesisPerSecond: +synth.toFixed(2),
          synthesisRatio: +(synth / ideal).toFixed(3),
          throughVerifyPerSecond: +through.toFixed(2),
          ratio: +(through / ideal).toFixed(3),
          steadyRatio: +steady.toFixed(3),
          laneSteadyRatio: +laneSteady.toFixed(3),
          synthesisMs: r.synthesisMs,
          verifyMs: r.verifyMs,
          startMs: r.dispatch.startMs,
          drainMs: r.dispatch.drainMs,
          laneStartSpreadMs: r.dispatch.laneStartSpreadMs,
          laneEndSpreadMs: r.dispatch.laneEndSpreadMs,
          batchMs: r.dispatch.batchMs,
          scheduleToStartMs: r.dispatch.scheduleToStartMs,
          refillMs: r.dispatch.completedToNextScheduledMs,
          workerCpuMsPerTrajectory: +(r.worker.cpuMs / n).toFixed(1),
          endpointCpuMsPerTrajectory: +(r.cpu.endpointMs / n).toFixed(1),
          serverCpuMsPerTrajectory: +(r.cpu.serverMs / n).toFixed(1),
          cpuMsPerTrajectory: +((r.cpu.workerMs + r.cpu.endpointMs + r.cpu.serverMs) / n).toFixed(1),
          cpuBoundPerSecond: +r.cpu.boundPerSecond.toFixed(1),
          stealPercent: +(r.stealShare * 100).toFixed(1),
          accepted: r.verify.accepted,
        };
        rows.push(row);
        if (!args.json) {
          console.log(
            `L=${latencyMs} ms C=${concurrency} lookahead ${la} N=${n} (${row.fanOut}): ${calls.toFixed(2)} calls/trajectory, ideal ${ideal.toFixed(2)}/s; ` +
              `synthesis ${synth.toFixed(2)}/s (${row.synthesisRatio}), through verification ${through.toFixed(2)}/s: ratio ${row.ratio}, steady ${row.steadyRatio}` +
              ` [synthesis ${r.synthesisMs} ms (first batch at ${r.dispatch.startMs}, last ${r.dispatch.drainMs} ms before the end${r.dispatch.laneStartSpreadMs ? `; lanes started over ${r.dispatch.laneStartSpreadMs} ms and ended over ${r.dispatch.laneEndSpreadMs} ms` : ''}), verify ${r.verifyMs} ms; a batch ${r.dispatch.batchMs} ms, dispatched in ${r.dispatch.scheduleToStartMs} ms, next scheduled ${r.dispatch.completedToNextScheduledMs} ms after; CPU ${row.cpuMsPerTrajectory} ms/trajectory (worker ${row.workerCpuMsPerTrajectory}, endpoint ${row.endpointCpuMsPerTrajectory}, server ${row.serverCpuMsPerTrajectory}) allows ${row.cpuBoundPerSecond}/s on ${r.cpu.cores} cores; max in flight ${r.maxInFlight}; lane steady ${row.laneSteadyRatio}; host steal ${row.stealPercent}% of the cores]`,
          );
        }
      }
    }
  }
} finally {
  await pipeline.close();
}
if (args.json) console.log(JSON.stringify(rows, null, 2));
else
  console.table(rows, [
    'latencyMs',
    'concurrency',
    'lookahead',
    'n',
    'fanOut',
    'callsPerTrajectory',
    'idealPerSecond',
    'throughVerifyPerSecond',
    'cpuBoundPerSecond',
    'synthesisRatio',
    'ratio',
    'steadyRatio',
    'stealPercent',
  ]);
