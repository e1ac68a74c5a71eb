/** One message per cause of a failed load: what the app's fetch saw decides, not what the libraries made of it. */
import { describe, expect, it } from 'vitest';
import { explainLoadError } from './loadModel';

const M = 'nexttoken-base';
const url = (file: string) => `http://localhost:4173/models/${M}/${file}`;

describe('a failed load names its cause', () => {
  it('an HTTP 500 on config.json says the status, not the JSON parser', () => {
    const e = explainLoadError(M, new SyntaxError(`Unexpected token 'b', "boom" is not valid JSON`), { kind: 'http', url: url('config.json'), status: 500 });
    expect(e.kind).toBe('http');
    expect(e.message).toMatch(/config\.json from localhost:4173 answered HTTP 500 \(a server error\)/);
    expect(e.message).not.toMatch(/not valid JSON|could not be found/);
  });

  it('an aborted model.onnx says the host could not be reached, not that the model is missing', () => {
    const e = explainLoadError(M, new Error('Could not locate file: "onnx/model.onnx"'), { kind: 'unreachable', url: url('onnx/model.onnx') });
    expect(e.kind).toBe('network');
    expect(e.message).toMatch(/model\.onnx from localhost:4173 could not be reached/);
    expect(e.message).not.toMatch(/could not be found|model id/);
  });

  it('a body cut short says how much arrived', () => {
    const e = explainLoadError(M, new Error('protobuf parsing failed'), { kind: 'truncated', url: url('onnx/model.onnx'), received: 1000, expected: 22635843 });
    expect(e.kind).toBe('truncated');
    expect(e.message).toMatch(/model\.onnx from localhost:4173 was cut short \(1,000 of 22,635,843 bytes arrived\)/);
  });

  it('a refused runtime blames the Content-Security-Policy, not the connection', () => {
    const e = explainLoadError(M, new Error('no available backend found. ERR: [wasm] TypeError: Failed to fetch dynamically imported module'), {
      kind: 'refused',
      what: 'blob (script-src-elem)',
    });
    expect(e.kind).toBe('runtime');
    expect(e.message).toMatch(/Content-Security-Policy refused blob \(script-src-elem\)/);
    expect(e.message).not.toMatch(/check the connection/i);
  });

  it('without a fault on the wire: invalid JSON, the runtime, out of memory and a missing file each have their message', () => {
    expect(explainLoadError(M, new SyntaxError('Unexpected end of JSON input'), null)).toMatchObject({ kind: 'invalid-json' });
    expect(explainLoadError(M, new Error('no available backend found. ERR: [wasm] CompileError: WebAssembly.instantiate(): expected magic word'), null)).toMatchObject({
      kind: 'runtime',
    });
    expect(explainLoadError(M, new RangeError('Array buffer allocation failed'), null)).toMatchObject({ kind: 'out-of-memory' });
    expect(explainLoadError(M, new Error('Could not locate file: "https://huggingface.co/x/resolve/main/config.json".'), null)).toMatchObject({ kind: 'not-found' });
    expect(explainLoadError(M, new Error('Internal server error error occurred while trying to load file: "https://h/x/config.json".'), null)).toMatchObject({ kind: 'http' });
  });
});
