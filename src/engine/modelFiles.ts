/**
 * Locates a model's files. The embedded models ship under `public/models/<id>/`
 * in the Hugging Face layout, so they are fetched relative to the app.
 */
export const EMBEDDED_MODELS = ['nexttoken-base'] as const;

export function embeddedModelUrl(modelId: string, file: string): string {
  // BASE_URL is absolute ('/' by default), so it resolves the same from the page and the worker
  return new URL(`${import.meta.env.BASE_URL}models/${modelId}/${file}`, self.location.origin).href;
}

async function fetchJson(url: string): Promise<unknown | null> {
  const res = await fetch(url);
  if (!res.ok) return null;
  return res.json();
}

export async function fetchModelTokenizer(modelId: string) {
  if (!(EMBEDDED_MODELS as readonly string[]).includes(modelId)) return null;
  const [tokenizerJson, tokenizerConfigJson] = await Promise.all([
    fetchJson(embeddedModelUrl(modelId, 'tokenizer.json')),
    fetchJson(embeddedModelUrl(modelId, 'tokenizer_config.json')),
  ]);
  if (!tokenizerJson) throw new Error(`The tokenizer of ${modelId} could not be downloaded (tokenizer.json missing).`);
  return { tokenizerJson, tokenizerConfigJson: tokenizerConfigJson ?? {} };
}
