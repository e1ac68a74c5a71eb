// Test-side checker of a Hugging Face-style causal LM folder (config.json, tokenizer.json,
// onnx/model.onnx): tests/model runs it on the committed public/models/nexttoken-base folder, and on
// copies with one thing broken, so that a folder whose files are missing, truncated or do not belong
// together fails in CI with a message naming the file and the problem. The app does not use it:
// Transformers.js loads the folder itself.
//
// Files are read through a callback, so the tests can hand it in-memory folders.

/** Returns the file's bytes, or null when it does not exist. Paths are relative to the folder. */
export type ReadFile = (path: string) => Promise<Uint8Array | null>;

export class ModelFolderError extends Error {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ModelFolderError';
    this.file = file;
  }
}

/** The fp32 weights: the only ONNX file the folder has (its model card says why). */
const ONNX_FILE = 'onnx/model.onnx';

interface CausalLmConfig {
  model_type: string;
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  max_position_embeddings: number;
  bos_token_id?: number;
  eos_token_id?: number | number[];
}

/** One graph input or output: its name, ONNX element type and dimensions (number = fixed, string = symbolic). */
interface GraphValue {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

export interface ModelFolderReport {
  config: CausalLmConfig;
  onnxFile: string;
  onnxBytes: number;
  inputs: GraphValue[];
  outputs: GraphValue[];
  vocabSize: number; // tokens in tokenizer.json, added tokens included
}

const decoder = new TextDecoder();

async function readJson(readFile: ReadFile, file: string): Promise<Record<string, unknown>> {
  const bytes = await readFile(file);
  if (!bytes) throw new ModelFolderError(file, 'file is missing from the model folder.');
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new ModelFolderError(file, `is not valid JSON (${(e as Error).message}); the file may be truncated.`);
  }
}

function positiveInt(config: Record<string, unknown>, key: string): number {
  const v = config[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ModelFolderError('config.json', `"${key}" must be a positive integer, found ${JSON.stringify(v)}.`);
  }
  return v;
}

function parseConfig(raw: Record<string, unknown>): CausalLmConfig {
  if (typeof raw.model_type !== 'string') throw new ModelFolderError('config.json', '"model_type" is missing.');
  const heads = positiveInt(raw, 'num_attention_heads');
  const hidden = positiveInt(raw, 'hidden_size');
  const config: CausalLmConfig = {
    model_type: raw.model_type,
    vocab_size: positiveInt(raw, 'vocab_size'),
    hidden_size: hidden,
    num_hidden_layers: positiveInt(raw, 'num_hidden_layers'),
    num_attention_heads: heads,
    num_key_value_heads: raw.num_key_value_heads === undefined ? heads : positiveInt(raw, 'num_key_value_heads'),
    head_dim: raw.head_dim === undefined ? hidden / heads : positiveInt(raw, 'head_dim'),
    max_position_embeddings: positiveInt(raw, 'max_position_embeddings'),
  };
  if (typeof raw.bos_token_id === 'number') config.bos_token_id = raw.bos_token_id;
  if (typeof raw.eos_token_id === 'number' || Array.isArray(raw.eos_token_id)) config.eos_token_id = raw.eos_token_id as number | number[];
  if (config.num_attention_heads % config.num_key_value_heads !== 0) {
    throw new ModelFolderError('config.json', `num_attention_heads (${heads}) is not a multiple of num_key_value_heads (${config.num_key_value_heads}).`);
  }
  return config;
}

// ---- a minimal protobuf reader: just enough of onnx.proto to list the graph's inputs and outputs ----

class Truncated extends Error {}

class Reader {
  pos: number;
  readonly end: number;
  readonly buf: Uint8Array;
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Truncated();
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new Error('malformed varint');
  }
  /** Next field as [field number, wire type], or null at the end of this message. */
  tag(): [number, number] | null {
    if (this.pos >= this.end) return null;
    const t = this.varint();
    return [Math.floor(t / 8), t % 8];
  }
  bytes(): Reader {
    const len = this.varint();
    if (this.pos + len > this.end) throw new Truncated();
    const sub = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return sub;
  }
  string(): string {
    const r = this.bytes();
    return decoder.decode(this.buf.subarray(r.pos, r.end));
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.advance(8);
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.advance(4);
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  private advance(n: number) {
    if (this.pos + n > this.end) throw new Truncated();
    this.pos += n;
  }
}

function readValueInfo(r: Reader): GraphValue {
  const v: GraphValue = { name: '', elemType: 0, dims: [] };
  for (let t = r.tag(); t; t = r.tag()) {
    if (t[0] === 1 && t[1] === 2) v.name = r.string();
    else if (t[0] === 2 && t[1] === 2) {
      const type = r.bytes(); // TypeProto
      for (let tt = type.tag(); tt; tt = type.tag()) {
        if (tt[0] !== 1 || tt[1] !== 2) { type.skip(tt[1]); continue; }
        const tensor = type.bytes(); // TypeProto.Tensor
        for (let f = tensor.tag(); f; f = tensor.tag()) {
          if (f[0] === 1 && f[1] === 0) v.elemType = tensor.varint();
          else if (f[0] === 2 && f[1] === 2) {
            const shape = tensor.bytes(); // TensorShapeProto
            for (let s = shape.tag(); s; s = shape.tag()) {
              if (s[0] !== 1 || s[1] !== 2) { shape.skip(s[1]); continue; }
              const dim = shape.bytes();
              let d: number | string = '?';
              for (let x = dim.tag(); x; x = dim.tag()) {
                if (x[0] === 1 && x[1] === 0) d = dim.varint();
                else if (x[0] === 2 && x[1] === 2) d = dim.string();
                else dim.skip(x[1]);
              }
              v.dims.push(d);
            }
          } else tensor.skip(f[1]);
        }
      }
    } else r.skip(t[1]);
  }
  return v;
}

/** Reads the graph inputs and outputs of an ONNX ModelProto; throws ModelFolderError if it cannot. */
function readOnnxSignature(file: string, bytes: Uint8Array): { inputs: GraphValue[]; outputs: GraphValue[] } {
  const inputs: GraphValue[] = [];
  const outputs: GraphValue[] = [];
  let sawGraph = false;
  try {
    const model = new Reader(bytes);
    for (let t = model.tag(); t; t = model.tag()) {
      if (t[0] !== 7 || t[1] !== 2) { model.skip(t[1]); continue; } // ModelProto.graph = 7
      sawGraph = true;
      const graph = model.bytes();
      for (let g = graph.tag(); g; g = graph.tag()) {
        if (g[0] === 11 && g[1] === 2) inputs.push(readValueInfo(graph.bytes()));
        else if (g[0] === 12 && g[1] === 2) outputs.push(readValueInfo(graph.bytes()));
        else graph.skip(g[1]); // nodes and initializers (the weights) are skipped, not decoded
      }
    }
  } catch (e) {
    if (e instanceof Truncated) {
      throw new ModelFolderError(file, `is truncated (${bytes.length.toLocaleString('en-US')} bytes): it ends in the middle of the model. Download it again.`);
    }
    throw new ModelFolderError(file, `is not a valid ONNX model (${(e as Error).message}).`);
  }
  if (!sawGraph || inputs.length === 0) {
    throw new ModelFolderError(file, `is not an ONNX model: no graph inputs found in ${bytes.length.toLocaleString('en-US')} bytes.`);
  }
  return { inputs, outputs };
}

/**
 * Checks that config.json, tokenizer.json and onnx/model.onnx exist, parse, and agree:
 * one past key and value per layer, each [batch_size, num_key_value_heads, past, head_dim] with
 * fixed head numbers (Transformers.js builds the first, empty cache from these shapes), and
 * logits over vocab_size tokens.
 */
export async function validateModelFolder(readFile: ReadFile): Promise<ModelFolderReport> {
  const config = parseConfig(await readJson(readFile, 'config.json'));

  const tokenizer = await readJson(readFile, 'tokenizer.json');
  const model = tokenizer.model as { vocab?: Record<string, number> } | undefined;
  if (!model || typeof model.vocab !== 'object' || model.vocab === null) {
    throw new ModelFolderError('tokenizer.json', 'has no "model.vocab": it is not a Hugging Face tokenizer file.');
  }
  const ids = Object.values(model.vocab);
  for (const t of (tokenizer.added_tokens as { id: number }[] | undefined) ?? []) ids.push(t.id);
  const vocabSize = Math.max(...ids) + 1;
  if (vocabSize > config.vocab_size) {
    throw new ModelFolderError('tokenizer.json', `has token ids up to ${vocabSize - 1}, but config.json says vocab_size is ${config.vocab_size}.`);
  }

  const onnxFile = ONNX_FILE;
  const bytes = await readFile(onnxFile);
  if (!bytes) throw new ModelFolderError(onnxFile, 'file is missing from the model folder.');
  if (bytes.length === 0) throw new ModelFolderError(onnxFile, 'file is empty (0 bytes). Download it again.');
  const { inputs, outputs } = readOnnxSignature(onnxFile, bytes);

  const byName = new Map(inputs.map((v) => [v.name, v]));
  for (const name of ['input_ids', 'attention_mask']) {
    if (!byName.has(name)) throw new ModelFolderError(onnxFile, `has no "${name}" input; inputs are ${inputs.map((v) => v.name).join(', ')}.`);
  }
  const pastKeys = inputs.filter((v) => /^past_key_values\.\d+\.key$/.test(v.name));
  if (pastKeys.length !== config.num_hidden_layers) {
    throw new ModelFolderError(
      onnxFile,
      `has a key/value cache for ${pastKeys.length} layers, but config.json says num_hidden_layers is ${config.num_hidden_layers}: the config does not belong to these weights.`,
    );
  }
  for (let i = 0; i < config.num_hidden_layers; i++) {
    for (const kind of ['key', 'value']) {
      const name = `past_key_values.${i}.${kind}`;
      const v = byName.get(name);
      if (!v) throw new ModelFolderError(onnxFile, `has no "${name}" input.`);
      const [, heads, , dim] = v.dims;
      if (v.dims.length !== 4 || typeof heads !== 'number' || typeof dim !== 'number') {
        throw new ModelFolderError(onnxFile, `"${name}" must have shape [batch, heads, past, head_dim] with fixed heads and head_dim, found [${v.dims.join(', ')}].`);
      }
      if (heads !== config.num_key_value_heads) {
        throw new ModelFolderError(
          onnxFile,
          `"${name}" has ${heads} key/value heads, but config.json says num_key_value_heads is ${config.num_key_value_heads}: the config does not belong to these weights.`,
        );
      }
      if (dim !== config.head_dim) {
        throw new ModelFolderError(onnxFile, `"${name}" has head size ${dim}, but config.json implies head_dim ${config.head_dim}: the config does not belong to these weights.`);
      }
    }
  }
  const logits = outputs.find((v) => v.name === 'logits');
  if (!logits) throw new ModelFolderError(onnxFile, 'has no "logits" output.');
  const vocabDim = logits.dims[logits.dims.length - 1];
  if (typeof vocabDim === 'number' && vocabDim !== config.vocab_size) {
    throw new ModelFolderError(onnxFile, `produces logits over ${vocabDim} tokens, but config.json says vocab_size is ${config.vocab_size}.`);
  }
  return { config, onnxFile, onnxBytes: bytes.length, inputs, outputs, vocabSize };
}
