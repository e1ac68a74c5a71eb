/**
 * Locates a model's files. The embedded models ship under `public/models/<id>/`
 * in the Hugging Face layout, so they are fetched relative to the app.
 */
import { isEmbeddedModel } from './generation/catalog';

/**
 * Path of the folder holding the embedded models (Transformers.js' localModelPath). It must be a
 * path, not a full URL: Transformers.js treats an http(s) URL as remote and skips the local lookup.
 */
export function embeddedModelBase(): string {
  return `${import.meta.env.BASE_URL}models/`;
}

export function embeddedModelUrl(modelId: string, file: string): string {
  // BASE_URL is absolute ('/' by default), so it resolves the same from the page and the worker
  return new URL(`${import.meta.env.BASE_URL}models/${modelId}/${file}`, self.location.origin).href;
}

async function fetchJson(url: string): Promise<unknown | null> {
  const res = await fetch(url);
  if (!res.ok) return null;
  return res.json();
}

/** Hub-layout hosts models were loaded from, so their tokenizers can be found again. */
const remoteHosts = new Map<string, string>();

export function rememberModelHost(modelId: string, host: string): void {
  remoteHosts.set(modelId, host.endsWith('/') ? host : `${host}/`);
}

/** Where a model's file lives: the app's folder for embedded models, the remembered host for Hub models. */
export function modelFileUrl(modelId: string, file: string): string | null {
  if (isEmbeddedModel(modelId)) return embeddedModelUrl(modelId, file);
  const host = remoteHosts.get(modelId);
  return host ? `${host}${modelId}/resolve/main/${file}` : null;
}

export async function fetchModelTokenizer(modelId: string) {
  const tokenizerUrl = modelFileUrl(modelId, 'tokenizer.json');
  const configUrl = modelFileUrl(modelId, 'tokenizer_config.json');
  if (!tokenizerUrl || !configUrl) return null;
  const [tokenizerJson, tokenizerConfigJson] = await Promise.all([fetchJson(tokenizerUrl), fetchJson(configUrl)]);
  if (!tokenizerJson) throw new Error(`The tokenizer of ${modelId} could not be downloaded (tokenizer.json missing).`);
  return { tokenizerJson, tokenizerConfigJson: tokenizerConfigJson ?? {} };
}
