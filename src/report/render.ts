// Renders a run report: one self-contained HTML page (inline CSS and SVG, no script, no network) and
// the same numbers as report.json. Every number on the page points back to the JSON by `data-key`.
import { CATEGORIES } from '../domain/category.js';
import { buildReportData, scoreRows, type CycleReport, type ReportData, type RunInfo } from './model.js';
import { esc, legend, lineChart, ptr, stackedBars, type Series } from './svg.js';
import { REPORT_CSS } from './style.js';

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#1f77b4',
  '#8c564b',
  '#17becf',
];
const CATEGORY_COLOR: Record<string, string> = Object.fromEntries(CATEGORIES.map((c, i) => [c, PALETTE[i]]));
// BFCL's names for the synthetic categories share their colours, so a reader can match the two charts.
const BFCL_ALIAS: Record<string, string> = {
  simple_python: 'simple',
  live_simple: 'simple',
  live_multiple: 'multiple',
  live_parallel: 'parallel',
  live_parallel_multiple: 'parallel_multiple',
  live_irrelevance: 'irrelevance',
};
const colorOf = (name: string, i: number) =>
  CATEGORY_COLOR[name] ?? CATEGORY_COLOR[BFCL_ALIAS[name] ?? ''] ?? PALETTE[(i + 9) % PALETTE.length];
const keyed = (names: string[], offset = 0) =>
  Object.fromEntries(names.map((n, i) => [n, PALETTE[(i + offset) % PALETTE.length]]));

export const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const signedPts = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)} pts`;
export const int = (v: number) => Math.round(v).toLocaleString('en-US');
const compact = (v: number) =>
  v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : String(Math.round(v));
const minutes = (ms: number) =>
  ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 60_000).toFixed(1)} min`;
const dec = (v: number) => v.toFixed(3);

/** A number on the page: its text, its pointer into report.json, its exact value. */
const num = (value: number | null | undefined, key: string, format: (v: number) => string, tag = 'span', cls = '') =>
  value == null
    ? `<${tag} class="na ${cls}">–</${tag}>`
    : `<${tag} class="${cls}" data-key="${esc(key)}" data-value="${value}">${esc(format(value))}</${tag}>`;

function heat(v: number): string {
  // Red (0) -> amber (0.5) -> green (1), pale enough for dark text.
  const h = Math.round(Math.max(0, Math.min(1, v)) * 125);
  return `hsl(${h} 70% 86%)`;
}

function kpis(d: ReportData): string {
  const s = d.summary;
  const card = (label: string, body: string, sub = '') =>
    `<div class="kpi"><div class="kpi-label">${esc(label)}</div><div class="kpi-value">${body}</div><div class="kpi-sub">${sub}</div></div>`;
  return `<section class="kpis">
    ${card('BFCL overall (last cycle)', num(s.bfclLast, ptr('summary', 'bfclLast'), pct), s.bfclDelta == null ? '' : `${num(s.bfclDelta, ptr('summary', 'bfclDelta'), signedPts, 'span', s.bfclDelta >= 0 ? 'up' : 'down')} since cycle ${d.cycles[0].cycle}`)}
    ${card('Validation (steers the plan)', num(s.validationLast, ptr('summary', 'validationLast'), pct), s.validationDelta == null ? '' : `${num(s.validationDelta, ptr('summary', 'validationDelta'), signedPts, 'span', s.validationDelta >= 0 ? 'up' : 'down')} since cycle ${d.cycles[0].cycle}`)}
    ${card('Weakest category now', s.weakest ? `<span class="cat" style="--c:${colorOf(s.weakest.category, 0)}">${esc(s.weakest.category)}</span>` : '–', s.weakest ? `validation ${num(s.weakest.validation, ptr('summary', 'weakest', 'validation'), pct)}` : '')}
    ${card('Trajectories accepted', num(s.accepted, ptr('summary', 'accepted'), int), `of ${num(s.trajectories, ptr('summary', 'trajectories'), int)} · ${num(s.acceptanceRate, ptr('summary', 'acceptanceRate'), pct)}`)}
    ${card('Cycles', num(s.cycles, ptr('summary', 'cycles'), int), `${num(s.hours, ptr('summary', 'hours'), (h) => `${h.toFixed(1)} h`)} · ${num(s.tokens, ptr('summary', 'tokens'), compact)} tokens`)}
  </section>`;
}

function accuracyByCycle(d: ReportData, which: 'bfcl' | 'validation'): string {
  const names = which === 'bfcl' ? d.bfclCategories : d.categories;
  const series: Series[] = names.map((name, i) => ({
    name,
    color: colorOf(name, i),
    points: d.cycles.flatMap((c, ci) => {
      const v = (c[which] as Record<string, number | undefined>)[name];
      return v === undefined
        ? []
        : [{ x: c.cycle, y: v, key: ptr('cycles', ci, which, name), label: `cycle ${c.cycle}` }];
    }),
  }));
  const overall = which === 'bfcl' ? 'bfclOverall' : 'validationScore';
  series.push({
    name: which === 'bfcl' ? 'overall' : 'macro mean',
    color: '#222',
    dashed: true,
    points: d.cycles.flatMap((c, ci) =>
      c[overall] == null
        ? []
        : [{ x: c.cycle, y: c[overall]!, key: ptr('cycles', ci, overall), label: `cycle ${c.cycle}` }],
    ),
  });
  const chart = lineChart({
    title: which === 'bfcl' ? 'BFCL accuracy by category per cycle' : 'Validation accuracy by category per cycle',
    series,
    xTicks: d.cycles.map((c) => ({ x: c.cycle, label: `cycle ${c.cycle}` })),
    yDomain: [0, 1],
    yFormat: (v) => `${Math.round(v * 100)}%`,
    valueFormat: pct,
  });
  const head = `<tr><th>${which === 'bfcl' ? 'BFCL category' : 'category'}</th>${d.cycles.map((c) => `<th>cycle ${c.cycle}</th>`).join('')}</tr>`;
  const rows = names
    .map(
      (name) =>
        `<tr><th><span class="dot" style="--c:${colorOf(name, names.indexOf(name))}"></span>${esc(name)}</th>${d.cycles
          .map((c, ci) => {
            const v = (c[which] as Record<string, number | undefined>)[name];
            return v === undefined
              ? '<td class="na">–</td>'
              : `<td style="background:${heat(v)}">${num(v, ptr('cycles', ci, which, name), pct)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  const foot = `<tr class="total"><th>${which === 'bfcl' ? 'overall' : 'macro mean'}</th>${d.cycles.map((c, ci) => `<td>${num(c[overall], ptr('cycles', ci, overall), pct)}</td>`).join('')}</tr>`;
  return `<div class="two"><div class="chart-box">${chart}${legend(series)}</div><table class="grid-table" data-table="${which}">${head}${rows}${foot}</table></div>`;
}

/** Baseline, then each cycle, on the run's fixed items, with the gain in points over the baseline. */
function gainsSection(d: ReportData): string {
  const scored = d.cycles.map((c, ci) => ({ c, ci })).filter(({ c }) => c.scores);
  const rows = scoreRows([...(d.baseline ? [d.baseline] : []), ...scored.map(({ c }) => c.scores!)]);
  const head = `<tr><th></th>${d.baseline ? '<th>baseline</th>' : ''}${scored.map(({ c }) => `<th>cycle ${c.cycle}${c.selection && !c.selection.kept ? ` <small class="down" title="${c.selection.lost !== undefined ? `worse beyond chance than the incumbent on the validation pool (items gained ${c.selection.gained}, lost ${c.selection.lost}; sign test p = ${(c.selection.pWorse ?? 1).toFixed(3)})` : 'below the incumbent on the validation pool'}; the next cycle started from ${c.selection.carried < 0 ? 'the starting policy' : `cycle ${c.selection.carried}'s policy`}">not kept</small>` : ''}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => {
      const base = d.baseline ? r.pick(d.baseline) : null;
      const cells = scored
        .map(({ c, ci }) => {
          const v = r.pick(c.scores!);
          const delta = v != null && base != null ? v - base : null;
          return `<td${v == null ? ' class="na"' : ` style="background:${heat(v)}"`}>${num(v, ptr('cycles', ci, 'scores', ...r.path), pct)}${delta == null ? '' : ` <small class="${delta >= 0 ? 'up' : 'down'}">${signedPts(delta)}</small>`}</td>`;
        })
        .join('');
      return `<tr><th>${esc(r.label)}</th>${d.baseline ? `<td>${num(base, ptr('baseline', ...r.path), pct)}</td>` : ''}${cells}</tr>`;
    })
    .join('');
  return `<table class="grid-table" data-table="gains">${head}${body}</table>`;
}

function planSection(d: ReportData): string {
  const cats = d.categories;
  const bars = stackedBars({
    title: "Category mix of each cycle's plan",
    bars: d.cycles.map((c, ci) => ({
      label: `cycle ${c.cycle}`,
      segments: cats
        .filter((k) => c.plan.weights[k])
        .map((k) => ({
          name: k,
          value: c.plan.weights[k]!.weight,
          key: ptr('cycles', ci, 'plan', 'weights', k, 'weight'),
          color: colorOf(k, 0),
        })),
    })),
    yFormat: (v) => `${Math.round(v * 100)}%`,
    valueFormat: pct,
    yMax: 1,
  });
  const tables = d.cycles
    .map((c, ci) => {
      const rows = cats
        .filter((k) => c.plan.weights[k])
        .sort((a, b) => c.plan.weights[b]!.weight - c.plan.weights[a]!.weight)
        .map((k) => {
          const w = c.plan.weights[k]!;
          const focus =
            c.plan.focusCategory === k && d.cycles.length > 0 && ci > 0 ? ' <span class="badge">focus</span>' : '';
          return `<tr data-category="${esc(k)}"><th><span class="dot" style="--c:${colorOf(k, 0)}"></span>${esc(k)}${focus}</th>
        <td class="wcell"><span class="wbar" style="--w:${(w.weight * 100).toFixed(2)}%;--c:${colorOf(k, 0)}"></span>${num(w.weight, ptr('cycles', ci, 'plan', 'weights', k, 'weight'), pct)}</td>
        <td>${num(c.plan.counts[k] ?? 0, ptr('cycles', ci, 'plan', 'counts', k), int)}</td><td class="reason">${esc(w.reason)}</td></tr>`;
        })
        .join('');
      const open = ci === d.cycles.length - 1 ? ' open' : '';
      const extra = `${num(c.plan.total, ptr('cycles', ci, 'plan', 'total'), int)} trajectories planned · ${num(c.plan.hardSeeds, ptr('cycles', ci, 'plan', 'hardSeeds'), int)} hard seeds · ${num(c.plan.retiredPrompts, ptr('cycles', ci, 'plan', 'retiredPrompts'), int)} retired prompts`;
      return `<details class="plan" data-cycle="${c.cycle}"${open}><summary>Plan of cycle ${c.cycle}${c.plan.focusCategory && ci > 0 ? ` — aimed at <b>${esc(c.plan.focusCategory)}</b>` : ''} <span class="muted">(${extra})</span></summary>
      <table class="plan-table"><tr><th>category</th><th>weight</th><th>count</th><th>why</th></tr>${rows}</table></details>`;
    })
    .join('');
  return `<div class="two"><div class="chart-box">${bars}${legend(cats.map((k) => ({ name: k, color: colorOf(k, 0) })))}</div>
    <div class="explain"><p>Each cycle's plan is drawn from the <em>previous</em> cycle's held-out validation split and training rollouts, never from BFCL.
    Weak categories get more weight (softmax over 1 − skill), mastered ones keep a floor so nothing is forgotten, and every weight carries the arithmetic that produced it.</p>
    <p>The rule: <code>src/plan/README.md</code>.</p></div></div>${tables}`;
}

function synthesisSection(d: ReportData): string {
  const gateColor = keyed(d.gates, 2);
  const gates = stackedBars({
    title: 'Rejections by gate per cycle',
    bars: d.cycles.map((c, ci) => ({
      label: `cycle ${c.cycle}`,
      segments: d.gates
        .filter((g) => c.synthesis.rejectedByGate[g] !== undefined)
        .map((g) => ({
          name: g,
          value: c.synthesis.rejectedByGate[g],
          key: ptr('cycles', ci, 'synthesis', 'rejectedByGate', g),
          color: gateColor[g],
        })),
    })),
    yFormat: compact,
    valueFormat: int,
  });
  const head = `<tr><th>category</th>${d.cycles.map((c) => `<th>cycle ${c.cycle}</th>`).join('')}</tr>`;
  const rows = d.categories
    .map(
      (k) =>
        `<tr><th><span class="dot" style="--c:${colorOf(k, 0)}"></span>${esc(k)}</th>${d.cycles
          .map((c, ci) => {
            const a = c.synthesis.acceptanceByCategory[k];
            if (!a || a.rate == null) return '<td class="na">–</td>';
            return `<td style="background:${heat(a.rate)}">${num(a.rate, ptr('cycles', ci, 'synthesis', 'acceptanceByCategory', k, 'rate'), pct)} <span class="muted">${num(a.accepted, ptr('cycles', ci, 'synthesis', 'acceptanceByCategory', k, 'accepted'), int)}/${int(a.accepted + a.rejected)}</span></td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  const foot = `<tr class="total"><th>all</th>${d.cycles.map((c, ci) => `<td>${num(c.synthesis.acceptanceRate, ptr('cycles', ci, 'synthesis', 'acceptanceRate'), pct)} <span class="muted">${num(c.synthesis.accepted, ptr('cycles', ci, 'synthesis', 'accepted'), int)}/${num(c.synthesis.trajectories, ptr('cycles', ci, 'synthesis', 'trajectories'), int)}</span></td>`).join('')}</tr>`;
  const errColor = keyed(d.errorClasses, 5);
  const errs = d.errorClasses.length
    ? stackedBars({
        title: 'Validation failures by error class per cycle',
        bars: d.cycles.map((c, ci) => ({
          label: `cycle ${c.cycle}`,
          segments: d.errorClasses
            .filter((e) => c.errorClasses[e] !== undefined)
            .map((e) => ({
              name: e,
              value: c.errorClasses[e],
              key: ptr('cycles', ci, 'errorClasses', e),
              color: errColor[e],
            })),
        })),
        yFormat: compact,
        valueFormat: int,
      })
    : '';
  return `<div class="two"><div class="chart-box"><h3>Rejected trajectories by gate</h3>${gates}${legend(d.gates.map((g) => ({ name: g, color: gateColor[g] })))}</div>
    <div class="chart-box"><h3>Validation failures by error class</h3>${errs || '<p class="muted">no validation errors recorded</p>'}${legend(d.errorClasses.map((e) => ({ name: e, color: errColor[e] })))}</div></div>
    <h3>Acceptance rate by category (accepted / synthesized)</h3><table class="grid-table" data-table="acceptance">${head}${rows}${foot}</table>`;
}

function trainingSection(d: ReportData): string {
  // Steps restart each cycle; laid end to end they show the run's whole learning curve.
  let offset = 0;
  const cycleColor = keyed(d.cycles.map((c) => `cycle ${c.cycle}`));
  const series: Series[] = d.cycles.map((c, ci) => {
    const base = offset;
    const last = c.training.curve.length ? c.training.curve[c.training.curve.length - 1].step : 0;
    offset += Math.max(last, c.training.steps) + 1;
    return {
      name: `cycle ${c.cycle}`,
      color: cycleColor[`cycle ${c.cycle}`],
      points: c.training.curve.map((p, pi) => ({
        x: base + p.step,
        y: p.reward,
        key: ptr('cycles', ci, 'training', 'curve', pi, 'reward'),
        label: `step ${p.step}`,
      })),
    };
  });
  const total = series.reduce((a, s) => a + s.points.length, 0);
  const hasPoints = total > 0;
  const chart = hasPoints
    ? lineChart({
        title: 'Mean GRPO reward per logged step',
        series,
        xTicks: [],
        yFormat: (v) => v.toFixed(2),
        valueFormat: dec,
        xLabel: 'training step (cycles laid end to end)',
        markers: total <= 400,
      })
    : '<p class="muted">no training curve recorded</p>';
  const rows = d.cycles
    .map(
      (c, ci) =>
        `<tr><th>cycle ${c.cycle}</th><td>${esc(c.training.backend)}</td><td>${num(c.training.steps, ptr('cycles', ci, 'training', 'steps'), int)}</td><td>${num(c.training.firstReward, ptr('cycles', ci, 'training', 'firstReward'), dec)}</td><td>${num(c.training.lastReward, ptr('cycles', ci, 'training', 'lastReward'), dec)}</td></tr>`,
    )
    .join('');
  return `<div class="two"><div class="chart-box">${chart}${legend(series)}</div>
    <table class="grid-table" data-table="training"><tr><th></th><th>backend</th><th>steps</th><th>first reward</th><th>last reward</th></tr>${rows}</table></div>
    ${rolloutChart(d)}`;
}

const ROLLOUT_METRICS: Array<{
  field: 'rewardStd' | 'groupsWithAdvantage' | 'gateFormat' | 'callRate';
  name: string;
  color: string;
  dashed?: boolean;
}> = [
  { field: 'groupsWithAdvantage', name: 'groups with advantage', color: '#59a14f' },
  { field: 'rewardStd', name: 'reward std', color: '#e15759' },
  { field: 'gateFormat', name: 'format-gate pass', color: '#4e79a7', dashed: true },
  { field: 'callRate', name: 'call rate', color: '#b07aa1', dashed: true },
];

/** What each GRPO step's rollouts looked like: a step learns only from groups whose rewards differ. */
function rolloutChart(d: ReportData): string {
  let offset = 0;
  const bases = d.cycles.map((c) => {
    const base = offset;
    const last = c.training.curve.length ? c.training.curve[c.training.curve.length - 1].step : 0;
    offset += Math.max(last, c.training.steps) + 1;
    return base;
  });
  const series: Series[] = ROLLOUT_METRICS.map((m) => ({
    name: m.name,
    color: m.color,
    dashed: m.dashed,
    points: d.cycles.flatMap((c, ci) =>
      c.training.curve.flatMap((p, pi) =>
        p[m.field] === undefined
          ? []
          : [
              {
                x: bases[ci] + p.step,
                y: p[m.field]!,
                key: ptr('cycles', ci, 'training', 'curve', pi, m.field),
                label: `cycle ${c.cycle} step ${p.step}`,
              },
            ],
      ),
    ),
  })).filter((s) => s.points.length > 0);
  if (!series.length) return '';
  const total = series.reduce((a, s) => a + s.points.length, 0);
  const chart = lineChart({
    title: 'GRPO rollouts per logged step',
    series,
    xTicks: [],
    yDomain: [0, 1],
    yFormat: (v) => v.toFixed(1),
    valueFormat: dec,
    xLabel: 'training step (cycles laid end to end)',
    markers: total <= 400,
  });
  return `<div class="two"><div class="chart-box" data-chart="rollouts">${chart}${legend(series)}</div>
    <div class="explain"><p>GRPO learns only from groups of rollouts whose rewards differ: a group that scores alike has no advantage.
    Rollouts are sampled under the runtime's grammar, so the format gate should pass; a group that comes out flat is sampled again before it is given up.</p></div></div>`;
}

function costSection(d: ReportData): string {
  const stageColor = keyed(d.stageNames, 0);
  const longest = Math.max(0, ...d.cycles.map((c) => Object.values(c.stages).reduce((a, s) => a + s.ms, 0)));
  const timeUnit = longest >= 2 * 3_600_000 ? 3_600_000 : 60_000;
  const mk = (field: 'ms' | 'tokens', title: string, yFormat: (v: number) => string) =>
    stackedBars({
      title,
      yFormat,
      valueFormat: field === 'ms' ? minutes : int,
      tickUnit: field === 'ms' ? timeUnit : undefined,
      bars: d.cycles.map((c, ci) => ({
        label: `cycle ${c.cycle}`,
        segments: d.stageNames
          .filter((s) => c.stages[s])
          .map((s) => ({
            name: s,
            value: c.stages[s][field],
            key: ptr('cycles', ci, 'stages', s, field),
            color: stageColor[s],
          })),
      })),
    });
  const rows = d.stageNames
    .map(
      (s) =>
        `<tr><th><span class="dot" style="--c:${stageColor[s]}"></span>${esc(s)}</th>${d.cycles
          .map((c, ci) =>
            c.stages[s]
              ? `<td>${num(c.stages[s].ms, ptr('cycles', ci, 'stages', s, 'ms'), minutes)} · ${num(c.stages[s].tokens, ptr('cycles', ci, 'stages', s, 'tokens'), compact)}</td>`
              : '<td class="na">–</td>',
          )
          .join('')}</tr>`,
    )
    .join('');
  const l = legend(d.stageNames.map((s) => ({ name: s, color: stageColor[s] })));
  return `<div class="two"><div class="chart-box"><h3>Wall time per stage</h3>${mk('ms', 'Wall time per stage per cycle', (v) => (timeUnit === 3_600_000 ? `${+(v / 3_600_000).toFixed(1)} h` : `${+(v / 60_000).toFixed(1)} min`))}${l}</div>
    <div class="chart-box"><h3>Tokens per stage</h3>${mk('tokens', 'Tokens per stage per cycle', compact)}${l}</div></div>
    <table class="grid-table" data-table="stages"><tr><th>stage (time · tokens)</th>${d.cycles.map((c) => `<th>cycle ${c.cycle}</th>`).join('')}</tr>${rows}</table>`;
}

/** Endpoint faults per cycle and role: how much of the run was spent waiting out outages and throttles. */
function faultsSection(d: ReportData): string {
  const fields = ['requests', 'retries', 'throttles', 'outages', 'garbage', 'malformed', 'failures'] as const;
  const rows = d.cycles.flatMap((c, ci) =>
    Object.entries(c.faults ?? {}).map(
      ([role, f]) =>
        `<tr${role === 'total' ? ' class="total"' : ''}><th>cycle ${c.cycle} · ${esc(role)}</th>${fields.map((k) => `<td>${num(f[k], ptr('cycles', ci, 'faults', role, k), int)}</td>`).join('')}</tr>`,
    ),
  );
  return `<p class="muted">An outage is waited out, never recorded as data: retries and outages here cost time, not trajectories.</p>
    <table class="grid-table" data-table="faults"><tr><th>cycle · role</th>${fields.map((k) => `<th>${k}</th>`).join('')}</tr>${rows.join('')}</table>`;
}

function page(d: ReportData): string {
  const title = d.run.title ?? `InfTool run ${d.run.runId}`;
  const notes = [d.run.baseModel ? `base model ${d.run.baseModel}` : '', ...d.run.notes].filter(Boolean);
  const body =
    d.cycles.length === 0
      ? '<section><p class="muted">No cycle of this run has finished yet: nothing to show.</p></section>'
      : `${kpis(d)}
  ${d.baseline || d.cycles.some((c) => c.scores) ? `<section id="gains"><h2>Scores on the fixed items against the baseline <span class="tag">same BFCL selection and validation pool every cycle</span></h2>${gainsSection(d)}</section>` : ''}
  <section id="bfcl"><h2>BFCL accuracy <span class="tag">reported only — never steers the run</span></h2>${accuracyByCycle(d, 'bfcl')}</section>
  <section id="validation"><h2>Validation accuracy <span class="tag steer">held-out synthetic split — steers the plan</span></h2>${accuracyByCycle(d, 'validation')}</section>
  <section id="plan"><h2>Plans and why</h2>${planSection(d)}</section>
  <section id="synthesis"><h2>Synthesis and verification</h2>${synthesisSection(d)}</section>
  <section id="training"><h2>Training reward</h2>${trainingSection(d)}</section>
  <section id="cost"><h2>Time and tokens</h2>${costSection(d)}</section>
  ${d.cycles.some((c) => c.faults) ? `<section id="faults"><h2>Endpoint faults</h2>${faultsSection(d)}</section>` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${REPORT_CSS}</style></head>
<body><main>
  <header><h1>${esc(title)}</h1><div class="meta">run <code>${esc(d.run.runId)}</code> · ${d.cycles.length} cycle(s)${d.cycles.length ? ` · last finished ${esc(d.cycles[d.cycles.length - 1].finishedAt)}` : ''}${notes.map((n) => ` · ${esc(n)}`).join('')}</div></header>
  ${body}
  <footer>Generated by InfTool from the run's cycle records. The same numbers are in <code>report.json</code>; every figure on this page carries its JSON pointer in <code>data-key</code>.</footer>
</main></body></html>
`;
}

/** The report of a run from its cycle records (validated; one per cycle, the latest wins). */
export function renderReport(records: unknown[], runInfo: RunInfo): { html: string; json: string; data: ReportData } {
  const data = buildReportData(records, runInfo);
  return { html: page(data), json: JSON.stringify(data, null, 2) + '\n', data };
}

export type { CycleReport, ReportData, RunInfo };
