/**
 * `npm run bench`: builds the app, serves it with `vite preview`, drives headless Chromium (Debian's, never a
 * downloaded one, with the e2e suite's flags) and measures, in the same page and the same run, the app's own paths
 * against the obvious alternatives, and its start-up against its targets.
 * Writes bench/results.json and docs/bench.svg, and prints a table. Not a test: never fails on a number, only when the
 * harness itself breaks (a suite that throws is recorded and the run goes on, but the exit code says so).
 *
 *   --quick      one repetition, small inputs, a subset of tokenizers (CI proves the harness still works)
 *   --no-build   reuse dist-bench/ (the app plus the bench page, built with NEXTTOKEN_BENCH=1)
 *   --only=a,b   run only these suites (startup, tokenize, paste, inference, health, memory, server, grammar, inside,
 *                longTasks); the others are kept from bench/results.json when it holds a run of the same kind
 * BENCH_PORT (environment): the preview server's port (default 4321), for runs side by side
 */
import { spawn, execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { chromium } from '@playwright/test';
import { chromiumArgs, executablePath } from '../e2e/support/chromium';
import { benchSvg, meetsTarget } from './chart';
import { suites } from './suites';
import type { Results, Row } from './types';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const only = [...args].find((a) => a.startsWith('--only='))?.slice(7).split(',');
const port = Number(process.env.BENCH_PORT) || 4321;
const base = `http://localhost:${port}`;

// the bench page is built only here, into dist-bench/: the app's own dist/ carries no bench code
const benchEnv = { ...process.env, NEXTTOKEN_BENCH: '1' };
if (!args.has('--no-build')) execSync('npx vite build', { stdio: 'inherit', env: benchEnv });

const server = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true, env: benchEnv });
const stopServer = () => {
  try {
    if (server.pid) process.kill(-server.pid);
  } catch {
    /* already gone */
  }
};
process.on('exit', stopServer);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      const r = await fetch(`${base}/bench/page/index.html`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('vite preview did not start');
}

await waitForServer();
const browser = await chromium.launch({
  executablePath,
  headless: true,
  // the bench's own: performance.memory in detail, gc() for the memory suite, no throttling of a page in the background
  args: [...chromiumArgs, '--enable-precise-memory-info', '--js-flags=--expose-gc', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
});

const cpus = os.cpus();
const results: Results = {
  date: new Date().toISOString(),
  quick,
  machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', memoryGB: +(os.totalmem() / 1e9).toFixed(1), platform: `${os.platform()} ${os.release()}`, node: process.version, chromium: browser.version(), gpu: 'none used (WASM); WebGPU figures are only taken where a real GPU is available' },
  suites: {},
  failures: [],
};

const ratioOf = (row: Row): number | undefined => {
  if (!row.baseline || !Number.isFinite(row.value) || !Number.isFinite(row.baseline.value) || row.value === 0 || row.baseline.value === 0) return undefined;
  return row.better === 'lower' ? row.baseline.value / row.value : row.value / row.baseline.value;
};

function formatRow(row: Row): string {
  const v = Number.isFinite(row.value) ? row.value.toFixed(row.digits ?? (Math.abs(row.value) >= 100 ? 0 : 1)) : '—';
  const ratio = ratioOf(row);
  const vs = row.baseline ? `  ${Number.isFinite(row.baseline.value) ? row.baseline.value.toFixed(row.digits ?? 1) : '—'} ${row.baseline.label}${ratio ? ` → ×${ratio.toFixed(2)}` : ''}` : '';
  const met = meetsTarget(row);
  const target = row.target !== undefined ? `  [target ${row.better === 'higher' ? '≥' : '≤'} ${row.target}${met === undefined ? '' : met ? ' ✓' : ' ✗'}]` : '';
  return `  ${row.label.padEnd(62)} ${v.padStart(8)} ${(row.unit ?? '').padEnd(6)}${vs}${target}${row.note ? `\n  ${''.padEnd(62)} (${row.note})` : ''}`;
}

try {
  for (const suite of suites) {
    if (only && !only.includes(suite.name)) continue;
    console.log(`\n## ${suite.title}`);
    const started = Date.now();
    try {
      const out = await suite.run({ browser, base, quick, log: (row) => console.log(formatRow(row)) });
      for (const row of out.rows) row.ratio = ratioOf(row);
      out.seconds = (Date.now() - started) / 1000;
      results.suites[suite.name] = out;
      if (out.errors?.length) console.log(`  page errors: ${out.errors.slice(0, 3).join(' | ')}`);
    } catch (err) {
      console.log(`  SUITE FAILED: ${err instanceof Error ? err.stack : err}`);
      results.failures.push({ suite: suite.name, error: String(err instanceof Error ? err.message : err) });
    }
    console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
} finally {
  await browser.close();
  stopServer();
}

// --only: keep the other suites of the previous run of the same kind (quick or full)
if (only && existsSync('bench/results.json')) {
  try {
    const previous = JSON.parse(readFileSync('bench/results.json', 'utf8')) as Results;
    if (previous.quick === quick) results.suites = { ...previous.suites, ...results.suites };
  } catch {
    /* unreadable: write this run alone */
  }
}
mkdirSync('bench', { recursive: true });
writeFileSync('bench/results.json', JSON.stringify(results, null, 2) + '\n');
mkdirSync('docs', { recursive: true });
writeFileSync('docs/bench.svg', benchSvg(results));
console.log('\nwrote bench/results.json and docs/bench.svg');
if (results.failures.length) {
  console.log(`harness failures: ${results.failures.map((f) => f.suite).join(', ')}`);
  process.exit(1);
}
