/**
 * The priced model's facts next to the window: prices per million tokens with the catalogue they are from, whether
 * the token counts are the model's own, and the KV-cache memory per token and for the whole request.
 */
import type { ChatAnalysis } from '../../engine/protocol';
import { formatCount } from '../../state/formatCount';

type Limits = ChatAnalysis['limits'];

function price(v: number | null, testId: string, label: string) {
  return (
    <div className="count">
      <span className="count-value" data-testid={testId}>{v == null ? 'no price' : String(v)}</span>
      <span className="count-label">{label} (USD per 1M tokens)</span>
    </div>
  );
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

export function ModelFacts({ limits, used }: { limits: Limits; used: number }) {
  const { kv, tokenCount } = limits;
  return (
    <>
      <div className="counts" aria-label={`Prices of ${limits.modelName}`}>
        {price(limits.inputPricePerM, 'price-input', 'input')}
        {price(limits.outputPricePerM, 'price-output', 'output')}
        {price(limits.cachedInputPricePerM, 'price-cached-input', 'cached input')}
        <div className="count">
          <span className="count-value" data-testid="max-output">{limits.maxOutputTokens ?? '—'}</span>
          <span className="count-label">max output (tokens)</span>
        </div>
      </div>
      <p className="muted" data-testid="catalogue-source">
        {limits.catalogue
          ? `Window and prices of ${limits.modelName}: ${limits.catalogue.name} ${limits.catalogue.version} (data as of ${limits.catalogue.dataDate || 'unknown'})`
          : `Window: ${limits.source}; no catalogue price (open weights run on your own hardware)`}
      </p>
      <p data-testid="token-count-note" data-exact={String(tokenCount.exact)}>
        {tokenCount.exact
          ? `Token counts are exact: ${tokenCount.reason}.`
          : `Token counts are an estimate, counted with ${tokenCount.countedWith}: ${tokenCount.reason}.`}
      </p>
      <div className="counts" aria-label="KV-cache memory">
        <div className="count">
          <span className="count-value" data-testid="kv-bytes-per-token">{kv ? String(kv.bytesPerToken) : 'unknown'}</span>
          <span className="count-label">KV-cache bytes per token{kv ? ` (${kv.source})` : ' (no config with the attention shape)'}</span>
        </div>
        {kv && (
          <div className="count">
            <span className="count-value" data-testid="kv-bytes-conversation" data-bytes={kv.bytesPerToken * used}>{bytes(kv.bytesPerToken * used)}</span>
            <span className="count-label">KV cache for these {formatCount(used)} tokens</span>
          </div>
        )}
      </div>
      {kv && <p className="muted">{kv.formula}</p>}
    </>
  );
}
