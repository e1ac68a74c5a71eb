// A broken or mismatched model folder must fail before inference, with an error that names the
// file and the problem. Each case starts from the committed nexttoken-base folder and breaks one thing.
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelFolderError, validateModelFolder, type ReadFile } from './modelFolder';

const FOLDER = join(dirname(fileURLToPath(import.meta.url)), '../../public/models/nexttoken-base');
const FILES = ['config.json', 'tokenizer.json', 'onnx/model.onnx'];
let files: Map<string, Uint8Array>;
let config: Record<string, unknown>;

beforeAll(async () => {
  files = new Map();
  for (const f of FILES) files.set(f, new Uint8Array(await readFile(join(FOLDER, f))));
  config = JSON.parse(new TextDecoder().decode(files.get('config.json')));
});

/** An in-memory folder: the committed files with some replaced (Uint8Array/object) or removed (null). */
function folder(changes: Record<string, Uint8Array | object | null> = {}): ReadFile {
  return async (path) => {
    if (path in changes) {
      const c = changes[path];
      if (c === null || c instanceof Uint8Array) return c;
      return new TextEncoder().encode(JSON.stringify(c));
    }
    return files.get(path) ?? null;
  };
}

async function failure(read: ReadFile): Promise<ModelFolderError> {
  try {
    await validateModelFolder(read);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFolderError);
    return e as ModelFolderError;
  }
  throw new Error('expected the folder to be rejected');
}

describe('the committed folder', () => {
  it('holds at most 30 MB in all, the limit for a model that ships in the repository', async () => {
    const entries = await readdir(FOLDER, { recursive: true, withFileTypes: true });
    const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    expect(files.map((f) => f.slice(FOLDER.length + 1))).toEqual(expect.arrayContaining([...FILES, 'README.md', 'golden.json']));
    const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000_000);
  });
});

describe('model folder validation', () => {
  it('accepts the committed folder and reads the cache layout from the ONNX graph', async () => {
    const report = await validateModelFolder(folder());
    expect(report.config.model_type).toBe('llama');
    expect(report.onnxFile).toBe('onnx/model.onnx');
    const past = report.inputs.filter((v) => v.name.startsWith('past_key_values.'));
    expect(past).toHaveLength(2 * (config.num_hidden_layers as number));
    for (const v of past) {
      expect(v.dims).toEqual(['batch_size', config.num_key_value_heads, 'past_sequence_length', config.head_dim]);
    }
    expect(report.inputs.slice(0, 3).map((v) => v.name)).toEqual(['input_ids', 'attention_mask', 'position_ids']);
    expect(report.outputs[0]).toMatchObject({ name: 'logits', dims: ['batch_size', 'sequence_length', config.vocab_size] });
    expect(report.vocabSize).toBe(config.vocab_size);
  });

  it('names the missing ONNX file', async () => {
    const e = await failure(folder({ 'onnx/model.onnx': null }));
    expect(e.file).toBe('onnx/model.onnx');
    expect(e.message).toMatch(/^onnx\/model\.onnx: file is missing/);
  });

  it('reports a truncated ONNX file as truncated', async () => {
    const onnx = files.get('onnx/model.onnx')!;
    for (const keep of [0.5, 0.99]) {
      const e = await failure(folder({ 'onnx/model.onnx': onnx.slice(0, Math.floor(onnx.length * keep)) }));
      expect(e.file).toBe('onnx/model.onnx');
      expect(e.message).toMatch(/is truncated/);
    }
    expect((await failure(folder({ 'onnx/model.onnx': new Uint8Array(0) }))).message).toMatch(/empty/);
  });

  it('rejects a config whose num_hidden_layers does not match the weights', async () => {
    const layers = config.num_hidden_layers as number;
    const e = await failure(folder({ 'config.json': { ...config, num_hidden_layers: layers + 1 } }));
    expect(e.file).toBe('onnx/model.onnx');
    expect(e.message).toContain(`cache for ${layers} layers, but config.json says num_hidden_layers is ${layers + 1}`);
  });

  it('rejects a config whose num_key_value_heads does not match the weights', async () => {
    const heads = config.num_key_value_heads as number;
    const e = await failure(folder({ 'config.json': { ...config, num_key_value_heads: heads * 2 } }));
    expect(e.message).toContain(`has ${heads} key/value heads, but config.json says num_key_value_heads is ${heads * 2}`);
  });

  it('rejects a config whose head size does not match the weights', async () => {
    const e = await failure(folder({ 'config.json': { ...config, head_dim: (config.head_dim as number) * 2 } }));
    expect(e.message).toMatch(/head size \d+, but config.json implies head_dim \d+/);
  });

  it('names config.json when it is missing, unparsable or lacks a field', async () => {
    expect((await failure(folder({ 'config.json': null }))).message).toBe('config.json: file is missing from the model folder.');
    const cut = files.get('config.json')!.slice(0, 40);
    expect((await failure(folder({ 'config.json': cut }))).message).toMatch(/^config\.json: is not valid JSON/);
    const { num_hidden_layers: _, ...rest } = config;
    expect((await failure(folder({ 'config.json': rest }))).message).toBe('config.json: "num_hidden_layers" must be a positive integer, found undefined.');
  });

  it('rejects a tokenizer with more tokens than the model has logits', async () => {
    const tok = JSON.parse(new TextDecoder().decode(files.get('tokenizer.json'))) as { model: { vocab: Record<string, number> } };
    tok.model.vocab['extra'] = (config.vocab_size as number) + 5;
    const e = await failure(folder({ 'tokenizer.json': tok }));
    expect(e.file).toBe('tokenizer.json');
    expect(e.message).toContain(`says vocab_size is ${config.vocab_size}`);
  });
});
