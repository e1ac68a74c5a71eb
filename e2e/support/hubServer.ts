/**
 * A stand-in for the Hugging Face Hub: serves model folders under the Hub's URL layout
 * (`/<owner>/<name>/resolve/main/<file>`) from 127.0.0.1 on a random port. The app's page is cross-origin isolated,
 * so every response carries CORS and CORP headers. Weights are sent in small delayed chunks, like a slow link, so
 * the download progress can be seen.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface HubServer {
  /** e.g. http://127.0.0.1:40123/ */
  url: string;
  /** paths requested so far */
  requests: string[];
  close(): Promise<void>;
}

/**
 * `models` maps a Hub id (owner/name) to a local folder. Requests for a model in `stalled` are accepted and never
 * answered, as a host that hangs.
 */
export async function startHubServer(models: Record<string, string>, chunkDelayMs = 15, stalled: string[] = []): Promise<HubServer> {
  const requests: string[] = [];
  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Headers': '*',
    'Access-Control-Expose-Headers': 'Content-Length, ETag',
    'Cross-Origin-Resource-Policy': 'cross-origin',
  };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    requests.push(path);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(path);
    if (m && stalled.includes(m[1])) return; // the connection stays open and silent
    const folder = m ? models[m[1]] : undefined;
    const file = folder && m ? normalize(join(folder, m[2])) : null;
    let size = -1;
    try {
      if (file && file.startsWith(folder!)) size = statSync(file).isFile() ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (!file || size < 0) {
      res.writeHead(404, { ...cors, 'Content-Type': 'text/plain' }).end('Entry not found');
      return;
    }
    const type = file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    res.writeHead(200, { ...cors, 'Content-Type': type, 'Content-Length': String(size) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const body = readFileSync(file);
    if (!file.endsWith('.onnx')) {
      res.end(body);
      return;
    }
    const chunk = Math.max(64 * 1024, Math.ceil(body.length / 40));
    let offset = 0;
    const pump = () => {
      if (res.destroyed) return;
      res.write(body.subarray(offset, offset + chunk));
      offset += chunk;
      if (offset < body.length) setTimeout(pump, chunkDelayMs);
      else res.end();
    };
    pump();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
