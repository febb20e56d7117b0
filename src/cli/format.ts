// How run status looks in a terminal: one line with a progress bar on a TTY, plain lines elsewhere.
import type { CycleSummary, RunStatus, Scores } from '../workflows/definitions.js';
import { scoreRows } from '../report/model.js';
import { whose } from '../workflows/ui-text.js';

const STAGE_ORDER = ['prepare', 'synthesize', 'verify', 'baseline', 'train', 'evaluate', 'target_gaps'];

export function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export function statusLine(s: RunStatus, closed: string | null = null): string {
  const maxCycles = s.maxCycles;
  const stageIdx = Math.max(0, STAGE_ORDER.indexOf(s.stage));
  const within = s.stage === 'synthesize' && s.counts.batches ? (s.counts.batchesDone ?? 0) / s.counts.batches : 0;
  const done = s.stage === 'done' ? 1 : (s.cycle + (stageIdx + within) / STAGE_ORDER.length) / Math.max(1, maxCycles);
  const scores = s.lastScores
    ? ` | val ${pct(s.lastScores.validationOverall)} bfcl ${pct(s.lastScores.bfclOverall)}`
    : '';
  const flags = [
    s.paused ? 'PAUSED' : '',
    s.stopRequested ? 'STOPPING' : '',
    closed && closed !== 'COMPLETED' ? closed : '',
  ]
    .filter(Boolean)
    .join(' ');
  return `${progressBar(done)} cycle ${s.cycle} (${s.cycle + 1} of ${maxCycles}) ${s.stage}${counts(s.counts)}${scores}${flags ? ' ' + flags : ''}`;
}

function counts(c: Record<string, number>): string {
  const parts = Object.entries(c).map(([k, v]) => `${k}=${v}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export function pct(x: number | null | undefined): string {
  return x === undefined || x === null || Number.isNaN(x) ? '-' : `${(x * 100).toFixed(1)}%`;
}

/** Gain in points between two fractions: `+4.2`, `-1.0`, or '' when either is missing. */
export function gain(x: number | null | undefined, base: number | null | undefined): string {
  if (typeof x !== 'number' || typeof base !== 'number') return '';
  const d = (x - base) * 100;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)}`;
}

/**
 * Baseline, then each cycle on the same fixed items, with the gain in points over the baseline: the table
 * `status`, the demo and the loop-gain benchmark print.
 */
export function scoreTable(
  baseline: Scores | null | undefined,
  cycles: Pick<CycleSummary, 'cycle' | 'scores' | 'kept' | 'carried'>[],
): string[] {
  const scored = cycles.filter((c): c is typeof c & { scores: Scores } => Boolean(c.scores));
  if (!baseline && !scored.length) return [];
  const rows = scoreRows([...(baseline ? [baseline] : []), ...scored.map((c) => c.scores)]);
  const width = Math.max(...rows.map((r) => r.label.length), 6) + 2;
  const col = 16;
  const head = ['', ...(baseline ? ['baseline'] : []), ...scored.map((c) => `cycle ${c.cycle}`)];
  const lines = [head.map((h, i) => (i === 0 ? h.padEnd(width) : h.padStart(col))).join('')];
  for (const r of rows) {
    const base = baseline ? r.pick(baseline) : undefined;
    const cells = [
      ...(baseline ? [pct(base)] : []),
      ...scored.map((c) => {
        const v = r.pick(c.scores);
        const g = gain(v, base);
        return `${pct(v)}${g ? ` (${g})` : ''}`;
      }),
    ];
    lines.push(r.label.padEnd(width) + cells.map((c) => c.padStart(col)).join(''));
  }
  const dropped = scored.filter((c) => c.kept === false);
  if (dropped.length)
    lines.push(
      `not kept (worse than the incumbent on the validation pool): ${dropped.map((c) => `cycle ${c.cycle} (next from ${whose(c.carried)})`).join(', ')}`,
    );
  return lines;
}
