/**
 * The Chromium that Playwright drives, for the e2e suite (playwright.config.ts) and the benchmark (bench/run.ts):
 * Debian's, never a downloaded browser (the machine reaches only the npm registry), with the same flags.
 */

/** `CHROMIUM_PATH` points elsewhere if you have another build. */
export const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless in a container, and nothing that talks to the network or updates itself while we measure. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];
