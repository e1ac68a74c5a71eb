/**
 * Loading models the way the app loads Hub models, from a local HTTP server laid out like the Hub
 * (`{host}/{model}/resolve/main/{file}`), and the errors a user can meet on the way.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../../sampling/types';
import { Generator } from '../../generation/generator';
import type { LoadProgress } from '../../generation/types';
import { OnnxBackend } from './backend';
import { ModelLoadError, loadCausalLM } from './loadModel';

const embedded = resolve(__dirname, '../../../../public/models/nexttoken-base');

describe('loading models from a Hub-like server', () => {
  let server: Server;
  let host: string;
  let root: string;

  beforeAll(async () => {
    // Three repos: the embedded model, the same with an architecture we cannot generate with, and one whose
    // weights fail to download (the server answers 500 for them).
    root = mkdtempSync(join(tmpdir(), 'nexttoken-hub-'));
    cpSync(embedded, join(root, 'test-org/nexttoken-base'), { recursive: true });
    cpSync(embedded, join(root, 'test-org/encoder-only'), { recursive: true });
    const config = JSON.parse(readFileSync(join(embedded, 'config.json'), 'utf8'));
    writeFileSync(join(root, 'test-org/encoder-only/config.json'), JSON.stringify({ ...config, model_type: 'bert' }));
    cpSync(embedded, join(root, 'test-org/broken-download'), { recursive: true });

    server = createServer((req, res) => {
      const match = /^\/(.+?)\/resolve\/main\/(.+)$/.exec(decodeURIComponent(req.url ?? ''));
      if (!match) return void res.writeHead(404).end();
      const [, repo, file] = match;
      if (repo.endsWith('broken-download') && file.startsWith('onnx/')) return void res.writeHead(500).end('boom');
      const path = join(root, repo, file);
      if (!existsSync(path) || !statSync(path).isFile()) return void res.writeHead(404).end('Entry not found');
      const body = readFileSync(path);
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
      if (req.method === 'HEAD') return void res.end();
      res.end(body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    host = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    env.allowLocalModels = false;
    // In Node, onnxruntime reads downloaded weights from a file, so downloads go through a (throw-away) file cache.
    env.useFSCache = true;
    env.cacheDir = join(root, '.cache');
    env.useBrowserCache = false;
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
    rmSync(root, { recursive: true, force: true });
  });

  it('downloads a model with byte progress per file, compiles it, and generates', async () => {
    const events: LoadProgress[] = [];
    const lm = await loadCausalLM({
      modelId: 'test-org/nexttoken-base',
      device: 'cpu',
      remoteHost: host,
      allowRemoteModels: true,
      onProgress: (p) => events.push(p),
    });
    const weights = events.filter((e) => e.phase === 'download' && e.file === 'onnx/model.onnx');
    const size = statSync(join(embedded, 'onnx/model.onnx')).size;
    expect(weights.at(-1)).toMatchObject({ loadedBytes: size, totalBytes: size });
    const compileAt = events.findIndex((e) => e.phase === 'compile');
    expect(compileAt).toBeGreaterThan(events.indexOf(weights.at(-1)!));
    expect(events.at(-1)?.phase).toBe('ready');

    const steps = new Generator(new OnnxBackend(lm)).generate(lm.tokenizer.encode('Hello there'), {
      settings: { ...DEFAULT_SAMPLING, temperature: 0 },
      maxNewTokens: 3,
    });
    let next = await steps.next();
    while (!next.done) next = await steps.next();
    expect(next.value.tokenIds).toHaveLength(3);
    await lm.dispose();
  });

  it('explains a missing model (404) and keeps the previous model usable', async () => {
    const previous = await loadCausalLM({ modelId: 'test-org/nexttoken-base', device: 'cpu', remoteHost: host });
    const error = await loadCausalLM({ modelId: 'test-org/missing', device: 'cpu', remoteHost: host }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({ kind: 'not-found', modelId: 'test-org/missing' });
    expect((error as Error).message).toMatch(/"test-org\/missing" could not be found/);
    expect((error as Error).message).toMatch(/previously loaded model is still available/);

    const steps = new Generator(new OnnxBackend(previous)).generate(previous.tokenizer.encode('Still here'), {
      settings: { ...DEFAULT_SAMPLING, temperature: 0 },
      maxNewTokens: 2,
    });
    let next = await steps.next();
    while (!next.done) next = await steps.next();
    expect(next.value.tokenIds).toHaveLength(2);
    await previous.dispose();
  });

  it('refuses an architecture it cannot generate with, before downloading weights', async () => {
    const events: LoadProgress[] = [];
    const error = await loadCausalLM({
      modelId: 'test-org/encoder-only',
      device: 'cpu',
      remoteHost: host,
      onProgress: (p) => events.push(p),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'unsupported' });
    expect((error as Error).message).toMatch(/"bert" model/);
    expect(events.some((e) => e.phase === 'download' && e.file.startsWith('onnx/'))).toBe(false);
  });

  it('explains a failed download', async () => {
    const error = await loadCausalLM({ modelId: 'test-org/broken-download', device: 'cpu', remoteHost: host }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'http' });
    expect((error as Error).message).toMatch(/Loading model "test-org\/broken-download" failed: model\.onnx from 127\.0\.0\.1:\d+ answered HTTP 500 \(a server error\)/);
  });
});
