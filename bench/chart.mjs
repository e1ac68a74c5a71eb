/**
 * docs/bench.svg from bench/results.json: one horizontal bar pair per row that has a baseline
 * (ours vs the baseline, each scaled to the larger of the two), with the ratio. Pure Node, no dependencies.
 */
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function benchSvg(results) {
  const rows = [];
  for (const [name, suite] of Object.entries(results.suites)) {
    for (const r of suite.rows ?? []) if (r.baseline && Number.isFinite(r.value) && Number.isFinite(r.baseline.value)) rows.push({ suite: name, ...r });
  }
  const W = 900;
  const labelW = 430;
  const barW = 330;
  const rowH = 34;
  const top = 54;
  const H = top + rows.length * rowH + 30;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">NextToken benchmark${results.quick ? ' (quick run)' : ''}</text>`,
    `<text x="12" y="40" fill="#555">${esc(`${results.date.slice(0, 10)} · ${results.machine.cpus} CPU · Chromium ${results.machine.chromium} · WASM (no GPU) · blue: NextToken, grey: baseline · ratio > 1: NextToken better`)}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const max = Math.max(r.value, r.baseline.value) || 1;
    const wa = (barW * r.value) / max;
    const wb = (barW * r.baseline.value) / max;
    const ratio = r.better === 'lower' ? r.baseline.value / r.value : r.value / r.baseline.value;
    const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
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
  out.push('</svg>');
  return out.join('\n') + '\n';
}
