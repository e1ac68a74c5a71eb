/** The shapes the bench runner, its suites, the table and the chart share (bench/results.json holds `Results`). */
import type { Browser } from '@playwright/test';

type Better = 'higher' | 'lower';

/** One figure of a suite: printed as a table line, kept in results.json, drawn in docs/bench.svg when it has a baseline. */
export interface Row {
  label: string;
  value: number;
  unit: string;
  better?: Better;
  /** decimals to print (default: 0 from 100 up, else 1) */
  digits?: number;
  samples?: number[];
  /** the alternative measured in the same run, same page */
  baseline?: { label: string; value: number; samples?: number[] };
  /** how many times better than the baseline (>1: ours is better); set by the runner */
  ratio?: number;
  /** the figure to reach: at most (better 'lower') or at least (better 'higher') */
  target?: number;
  /** draw the figure against its target in docs/bench.svg (rows with a baseline are always drawn) */
  chartTarget?: boolean;
  note?: string;
  /** a suite's extra figure that the table does not print */
  workerOnly?: number;
}

/** What a suite returns: its rows, and any detail worth keeping in results.json. */
interface SuiteOutput {
  rows: Row[];
  errors?: string[];
  /** set by the runner */
  seconds?: number;
  [detail: string]: unknown;
}

interface RunContext {
  browser: Browser;
  /** where `vite preview` serves dist/ */
  base: string;
  quick: boolean;
  /** prints a row as soon as it is measured */
  log(row: Row): void;
}

export interface Suite {
  name: string;
  title: string;
  run(ctx: RunContext): Promise<SuiteOutput>;
}

export interface Results {
  date: string;
  quick: boolean;
  machine: { cpus: number; cpuModel: string; memoryGB: number; platform: string; node: string; chromium: string; gpu: string };
  suites: Record<string, SuiteOutput>;
  failures: { suite: string; error: string }[];
}
