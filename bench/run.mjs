#!/usr/bin/env node
/**
 * `npm run bench`: builds the app, serves it with `vite preview`, drives headless
 * Chromium (Debian's, never a downloaded one) and measures, in the same page and
 * the same run, the app's own paths against the obvious alternatives.
 * Writes bench/results.json and prints a table. Not a test: never fails on a number.
 *
 *   --quick      one repetition and small inputs (CI proves the harness still works)
 *   --no-build   reuse dist/
 *   --only=a,b   run only these suites (tokenize, paste, inference)
 */
import { spawn, execSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { suites } from './suites.mjs';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const only = [...args].find((a) => a.startsWith('--only='))?.slice(7).split(',');
const port = 4321;
const base = `http://localhost:${port}`;

if (!args.has('--no-build')) execSync('npx vite build', { stdio: 'inherit' });

const server = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true });
const stopServer = () => {
  try {
    process.kill(-server.pid);
  } catch {
    /* already gone */
  }
};
process.on('exit', stopServer);

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(base);
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
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--enable-precise-memory-info'],
});

const results = { date: new Date().toISOString(), quick, machine: { cpus: (await import('node:os')).cpus().length, chromium: browser.version() }, suites: {} };
try {
  for (const suite of suites) {
    if (only && !only.includes(suite.name)) continue;
    console.log(`\n## ${suite.title}`);
    const started = Date.now();
    results.suites[suite.name] = await suite.run({ browser, base, quick });
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const row of results.suites[suite.name].rows ?? []) console.log(formatRow(row));
  }
} finally {
  await browser.close();
  stopServer();
}

mkdirSync('bench', { recursive: true });
writeFileSync('bench/results.json', JSON.stringify(results, null, 2) + '\n');
console.log('\nwrote bench/results.json');

function formatRow(row) {
  const ratio = row.baseline ? `  ×${(row.baseline.value / row.value).toFixed(2)} vs ${row.baseline.label}` : '';
  return `${row.label.padEnd(58)} ${String(row.value.toFixed?.(row.digits ?? 1) ?? row.value).padStart(10)} ${row.unit}${ratio}`;
}
