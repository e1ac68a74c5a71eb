/**
 * Benchmark fixtures: models of a published shape with random weights, exported by tools/model/export.py
 * (`--random-shape`) exactly as the embedded model is. Built on demand by the full `npm run bench` only (never by the
 * tests or `--quick`), cached in the git-ignored bench/.fixtures/, never shipped: their weights are noise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface Fixture {
  /** the Hub-style id the app and the bench page load it under */
  id: string;
  /** the shape's name in export.py's RANDOM_SHAPES */
  shape: string;
  folder: string;
  label: string;
}

export const SMOLLM2_135M_RANDOM: Fixture = {
  id: 'bench/smollm2-135m-random',
  shape: 'smollm2-135m',
  folder: 'bench/.fixtures/smollm2-135m-random',
  label: 'SmolLM2-135M shape, random weights',
};

/** The fixture's folder, exported first if it is not cached yet (about 30 s and 540 MB for SmolLM2-135M's shape). */
export function ensureFixture(f: Fixture): string {
  if (existsSync(join(f.folder, 'onnx/model.onnx'))) return f.folder;
  const partial = `${f.folder}.partial`; // renamed once complete, so an interrupted export is never taken for a fixture
  rmSync(partial, { recursive: true, force: true });
  console.log(`  building ${f.folder} (tools/model/export.py --random-shape ${f.shape})`);
  execFileSync('/usr/bin/python3', ['tools/model/export.py', '--random-shape', f.shape, '--out', partial], { stdio: 'inherit' });
  renameSync(partial, f.folder);
  return f.folder;
}
