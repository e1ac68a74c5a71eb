/**
 * The embedded model as it was before its internals were exported: the same ONNX file with the extra outputs
 * (hidden_states.*, attentions.*, the lens weights) removed from the graph's output list (tests/reference/
 * standardExport.ts). The inside suite decodes with both, in the bench worker (which adds no outputs to a graph), to
 * show that the internals-capable graph decodes as fast.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { standardExport } from '../../tests/reference/standardExport';

export const DECODING_ONLY_MODEL = 'nexttoken-base-decoding-only';

/** Writes `${dist}/models/nexttoken-base-decoding-only/` next to the embedded model (once per build). */
export function writeDecodingOnlyModel(dist: string): void {
  const from = join(dist, 'models/nexttoken-base');
  const to = join(dist, 'models', DECODING_ONLY_MODEL);
  if (existsSync(join(to, 'onnx/model.onnx'))) return;
  mkdirSync(join(to, 'onnx'), { recursive: true });
  for (const file of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) cpSync(join(from, file), join(to, file));
  const model = new Uint8Array(readFileSync(join(from, 'onnx/model.onnx')));
  writeFileSync(join(to, 'onnx/model.onnx'), standardExport(model));
}
