/**
 * docs/bench.svg from bench/results.json: one horizontal bar pair per row that has a baseline (ours vs the baseline,
 * each scaled to the larger of the two), with the ratio; then the rows marked `chartTarget`, one bar against a tick
 * at the target, with ✓ or ✗. Pure Node, no dependencies.
 */
import type { Results, Row } from './types';

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Whether a row meets its target (undefined without a target or a value). */
export function meetsTarget(row: Row): boolean | undefined {
  if (row.target === undefined || !Number.isFinite(row.value)) return undefined;
  return row.better === 'higher' ? row.value >= row.target : row.value <= row.target;
}

type Baselined = Row & { baseline: NonNullable<Row['baseline']> };
type Targeted = Row & { target: number };

export function benchSvg(results: Results): string {
  const vs: Baselined[] = [];
  const targets: Targeted[] = [];
  for (const suite of Object.values(results.suites)) {
    for (const r of suite.rows ?? []) {
      if (r.baseline && Number.isFinite(r.value) && Number.isFinite(r.baseline.value)) vs.push(r as Baselined);
      else if (r.chartTarget && r.target !== undefined && Number.isFinite(r.value)) targets.push(r as Targeted);
    }
  }
  const W = 900;
  const labelW = 430;
  const barW = 330;
  const rowH = 34;
  const top = 54;
  const H = top + (vs.length + targets.length) * rowH + 30;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">NextToken benchmark${results.quick ? ' (quick run)' : ''}</text>`,
    `<text x="12" y="40" fill="#555">${esc(`${results.date.slice(0, 10)} · ${results.machine.cpus} CPU · Chromium ${results.machine.chromium} · WASM (no GPU) · blue: NextToken, grey: baseline or target · ratio > 1: NextToken better`)}</text>`,
  ];
  vs.forEach((r, i) => {
    const y = top + i * rowH;
    const max = Math.max(r.value, r.baseline.value) || 1;
    const wa = (barW * r.value) / max;
    const wb = (barW * r.baseline.value) / max;
    const ratio = r.better === 'lower' ? r.baseline.value / r.value : r.value / r.baseline.value;
    out.push(
      `<text x="12" y="${y + 13}">${esc(r.label)}</text>`,
      `<text x="12" y="${y + 27}" fill="#777">vs ${esc(r.baseline.label)} (${r.better === 'lower' ? 'lower' : 'higher'} is better)</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${wa.toFixed(1)}" height="12" fill="#0b5cad"/>`,
      `<rect x="${labelW}" y="${y + 17}" width="${wb.toFixed(1)}" height="12" fill="#aaa"/>`,
      `<text x="${labelW + wa + 4}" y="${y + 13}">${fmt(r.value)} ${esc(r.unit)}</text>`,
      `<text x="${labelW + wb + 4}" y="${y + 27}" fill="#777">${fmt(r.baseline.value)}</text>`,
      `<text x="${W - 10}" y="${y + 20}" text-anchor="end" font-weight="600" fill="${ratio >= 1 ? '#1a7f37' : '#b42318'}">×${ratio.toFixed(2)}</text>`,
    );
  });
  targets.forEach((r, i) => {
    const y = top + (vs.length + i) * rowH;
    const max = Math.max(r.value, r.target) || 1;
    const wa = (barW * r.value) / max;
    const xt = labelW + (barW * r.target) / max;
    const ok = meetsTarget(r);
    out.push(
      `<text x="12" y="${y + 13}">${esc(r.label)}</text>`,
      `<text x="12" y="${y + 27}" fill="#777">target ${r.better === 'higher' ? '≥' : '≤'} ${fmt(r.target)} ${esc(r.unit)}</text>`,
      `<rect x="${labelW}" y="${y + 8}" width="${wa.toFixed(1)}" height="12" fill="#0b5cad"/>`,
      `<line x1="${xt.toFixed(1)}" x2="${xt.toFixed(1)}" y1="${y + 3}" y2="${y + 25}" stroke="#333" stroke-width="2"/>`,
      `<text x="${labelW + wa + 4}" y="${y + 18}">${fmt(r.value)} ${esc(r.unit)}</text>`,
      `<text x="${W - 10}" y="${y + 20}" text-anchor="end" font-weight="600" fill="${ok ? '#1a7f37' : '#b42318'}">${ok ? '✓' : '✗'}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
