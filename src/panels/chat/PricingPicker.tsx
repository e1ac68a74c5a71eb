/**
 * The model whose window and prices the budget uses: the template's own model, or any model of the maintained
 * catalogue (loaded by the worker), with a search box that narrows the list.
 */
import { useMemo, useState } from 'react';
import type { PricingEntry } from '../../engine/protocol';
import { chatActions, useChatStore } from '../../state/chatStore';

export function PricingPicker() {
  const catalogue = useChatStore((s) => s.catalogue);
  const catalogueError = useChatStore((s) => s.catalogueError);
  const pricingModel = useChatStore((s) => s.pricingModel);
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (e: PricingEntry) => e.id === pricingModel || words.every((w) => `${e.id} ${e.name} ${e.providerName}`.toLowerCase().includes(w));
    const out = new Map<string, PricingEntry[]>();
    for (const e of catalogue?.entries ?? []) {
      if (!matches(e)) continue;
      const list = out.get(e.providerName) ?? [];
      list.push(e);
      out.set(e.providerName, list);
    }
    return [...out.entries()];
  }, [catalogue, query, pricingModel]);
  const shown = groups.reduce((n, [, list]) => n + list.length, 0);
  return (
    <>
      <label>
        Search models{' '}
        <input type="search" data-testid="pricing-model-search" value={query} placeholder="e.g. claude, gemini, llama" onChange={(e) => setQuery(e.target.value)} />
      </label>
      <label>
        Model (window and prices){' '}
        <select data-testid="pricing-model-select" value={pricingModel} onChange={(e) => chatActions.setPricingModel(e.target.value)}>
          <option value="">The template's own model</option>
          {groups.map(([provider, list]) => (
            <optgroup key={provider} label={provider}>
              {list.map((e) => (
                <option key={e.id} value={e.id} data-model-id={e.id}>
                  {e.name} ({e.id})
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <span className="muted" aria-live="polite" data-testid="pricing-model-count">
        {catalogue ? `${shown} of ${catalogue.entries.length} models` : catalogueError ? '' : 'loading the catalogue…'}
      </span>
      {catalogueError && (
        <p className="error-box" role="alert">
          {catalogueError}
        </p>
      )}
    </>
  );
}
