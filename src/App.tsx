import type { ReactNode } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { StoredStateNotice } from './components/StoredStateNotice';
import { TokenizerPanel } from './panels/tokenizer/TokenizerPanel';
import { GenerateLab } from './panels/generate/GenerateLab';
import { ChatPanel } from './panels/chat/ChatPanel';
import { AnalysePanel } from './panels/analyse/AnalysePanel';
import { showTab, useNavigationStore, type TabId } from './state/navigationStore';

interface Tab {
  id: TabId;
  label: string;
  render: () => ReactNode;
}

const TABS: Tab[] = [
  { id: 'tokenizer', label: 'Tokenizer', render: () => <TokenizerPanel /> },
  { id: 'generate', label: 'Generate', render: () => <GenerateLab /> },
  { id: 'chat', label: 'Chat & context', render: () => <ChatPanel /> },
  { id: 'analyse', label: 'Analyse', render: () => <AnalysePanel /> },
];

export function App() {
  const tab = useNavigationStore((s) => s.tab);
  const choose = showTab;
  const active = TABS.find((t) => t.id === tab) ?? TABS[0];
  return (
    <div className="app">
      <header className="app-header">
        <h1>
          Next<span className="accent">Token</span>
        </h1>
        <p className="tagline">The machinery of language models, visible and exact.</p>
        <nav aria-label="Labs">
          <div role="tablist" aria-label="Labs" className="tabs">
            {TABS.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                id={`tab-${t.id}`}
                aria-selected={t.id === tab}
                aria-controls={`panel-${t.id}`}
                tabIndex={t.id === tab ? 0 : -1}
                data-testid={`tab-${t.id}`}
                onClick={() => choose(t.id)}
                onKeyDown={(e) => {
                  const i = TABS.findIndex((x) => x.id === tab);
                  if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                    const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
                    choose(next.id);
                    document.getElementById(`tab-${next.id}`)?.focus();
                  }
                }}
              >
                {t.label}
              </button>
            ))}
          </div>
        </nav>
        <StoredStateNotice />
      </header>
      <main id={`panel-${active.id}`} role="tabpanel" aria-labelledby={`tab-${active.id}`} className="panel">
        <ErrorBoundary name={active.label}>{active.render()}</ErrorBoundary>
      </main>
    </div>
  );
}
