// Inline SVG charts for the run report: line charts and stacked bars drawn as plain strings, so the page
// needs no script, CDN or network. Every mark carries `data-key` (a JSON pointer into report.json) and `data-value`.

export const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** A JSON pointer (RFC 6901) from path parts. */
export const ptr = (...parts: Array<string | number>) =>
  '/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const n2 = (x: number) => Number(x.toFixed(2));

export type Point = { x: number; y: number; key: string; label?: string };
export type Series = { name: string; color: string; points: Point[]; dashed?: boolean };

type Frame = { width: number; height: number; left: number; right: number; top: number; bottom: number };
const FRAME: Frame = { width: 560, height: 250, left: 46, right: 14, top: 14, bottom: 34 };

function niceTicks(min: number, max: number, count = 5): number[] {
  if (max <= min) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function axes(
  f: Frame,
  yTicks: number[],
  sy: (v: number) => number,
  yFormat: (v: number) => string,
  xTicks: Array<{ x: number; label: string }>,
  sx: (v: number) => number,
  xLabel?: string,
): string {
  const out: string[] = [];
  for (const t of yTicks) {
    const y = n2(sy(t));
    out.push(`<line class="grid" x1="${f.left}" x2="${f.width - f.right}" y1="${y}" y2="${y}"/>`);
    out.push(`<text class="tick" x="${f.left - 6}" y="${y + 3.5}" text-anchor="end">${esc(yFormat(t))}</text>`);
  }
  for (const t of xTicks)
    out.push(
      `<text class="tick" x="${n2(sx(t.x))}" y="${f.height - f.bottom + 15}" text-anchor="middle">${esc(t.label)}</text>`,
    );
  out.push(
    `<line class="axis" x1="${f.left}" x2="${f.width - f.right}" y1="${f.height - f.bottom}" y2="${f.height - f.bottom}"/>`,
  );
  if (xLabel)
    out.push(
      `<text class="axis-label" x="${(f.left + f.width - f.right) / 2}" y="${f.height - 4}" text-anchor="middle">${esc(xLabel)}</text>`,
    );
  return out.join('');
}

export function lineChart(o: {
  title: string;
  series: Series[];
  xTicks: Array<{ x: number; label: string }>;
  yDomain?: [number, number];
  yFormat: (v: number) => string;
  valueFormat?: (v: number) => string;
  xLabel?: string;
  markers?: boolean;
}): string {
  const f = FRAME;
  const all = o.series.flatMap((s) => s.points);
  const xs = [...all.map((p) => p.x), ...o.xTicks.map((t) => t.x)];
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  if (!(x1 > x0)) {
    x0 -= 1;
    x1 += 1;
  }
  let [y0, y1] = o.yDomain ?? [Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y))];
  if (!o.yDomain) {
    const pad = (y1 - y0) * 0.1 || 0.05;
    y0 -= pad;
    y1 += pad;
  }
  const pad = 14;
  const sx = (v: number) => f.left + pad + ((v - x0) / (x1 - x0)) * (f.width - f.left - f.right - 2 * pad);
  const sy = (v: number) => f.top + (1 - (v - y0) / (y1 - y0)) * (f.height - f.top - f.bottom);
  const vf = o.valueFormat ?? o.yFormat;
  const parts = [axes(f, niceTicks(y0, y1), sy, o.yFormat, o.xTicks, sx, o.xLabel)];
  for (const s of o.series) {
    const pts = s.points.map((p) => `${n2(sx(p.x))},${n2(sy(p.y))}`).join(' ');
    parts.push(`<g class="series" data-series="${esc(s.name)}">`);
    if (s.points.length > 1)
      parts.push(
        `<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2.2" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      );
    if (o.markers !== false || s.points.length === 1) {
      for (const p of s.points) {
        parts.push(
          `<circle cx="${n2(sx(p.x))}" cy="${n2(sy(p.y))}" r="3.6" fill="${s.color}" stroke="#fff" stroke-width="1.2" data-key="${esc(p.key)}" data-value="${p.y}"><title>${esc(`${s.name} · ${p.label ?? p.x}: ${vf(p.y)}`)}</title></circle>`,
        );
      }
    }
    parts.push('</g>');
  }
  return `<svg class="chart" viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${esc(o.title)}">${parts.join('')}</svg>`;
}

export type Segment = { name: string; value: number; key: string; color: string };

export function stackedBars(o: {
  title: string;
  bars: Array<{ label: string; segments: Segment[] }>;
  yFormat: (v: number) => string;
  valueFormat?: (v: number) => string;
  yMax?: number;
  xLabel?: string;
  /** Ticks fall on round multiples of this unit (e.g. an hour, for values in ms). */
  tickUnit?: number;
}): string {
  const f = FRAME;
  const totals = o.bars.map((b) => b.segments.reduce((a, s) => a + Math.max(0, s.value), 0));
  const yMax = o.yMax ?? (Math.max(0, ...totals) || 1);
  const sy = (v: number) => f.top + (1 - v / yMax) * (f.height - f.top - f.bottom);
  const slot = (f.width - f.left - f.right) / Math.max(1, o.bars.length);
  const bw = Math.min(64, slot * 0.62);
  const sx = (i: number) => f.left + slot * (i + 0.5);
  const vf = o.valueFormat ?? o.yFormat;
  const unit = o.tickUnit ?? 1;
  const ticks = niceTicks(0, yMax / unit).map((t) => t * unit);
  const parts = [
    axes(
      f,
      ticks,
      sy,
      o.yFormat,
      o.bars.map((b, i) => ({ x: i, label: b.label })),
      sx,
      o.xLabel,
    ),
  ];
  o.bars.forEach((b, i) => {
    let acc = 0;
    parts.push(`<g class="bar" data-bar="${esc(b.label)}">`);
    for (const s of b.segments) {
      const v = Math.max(0, s.value);
      const yTop = sy(acc + v);
      const h = sy(acc) - yTop;
      acc += v;
      parts.push(
        `<rect x="${n2(sx(i) - bw / 2)}" y="${n2(yTop)}" width="${n2(bw)}" height="${n2(Math.max(0, h))}" fill="${s.color}" data-key="${esc(s.key)}" data-value="${s.value}"><title>${esc(`${b.label} · ${s.name}: ${vf(s.value)}`)}</title></rect>`,
      );
    }
    parts.push('</g>');
  });
  return `<svg class="chart" viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${esc(o.title)}">${parts.join('')}</svg>`;
}

export function legend(items: Array<{ name: string; color: string; dashed?: boolean }>): string {
  return `<ul class="legend">${items.map((i) => `<li><span class="swatch${i.dashed ? ' dashed' : ''}" style="--c:${i.color}"></span>${esc(i.name)}</li>`).join('')}</ul>`;
}
