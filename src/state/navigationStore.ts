/** Which lab is on screen; other stores may switch it (e.g. chat's "Run" opens the Generate lab). */
import { create } from 'zustand';
import { field, persisted } from './persistence';

export type TabId = 'tokenizer' | 'generate' | 'chat' | 'analyse';
const TAB_IDS: readonly TabId[] = ['tokenizer', 'generate', 'chat', 'analyse'];

interface NavigationState {
  tab: TabId;
}

const persistence = persisted<NavigationState>({
  key: 'nexttoken.tab',
  version: 2,
  // version 1 stored the tab id alone
  migrate: (stored, version) => {
    const tab = field.oneOf(version === 1 ? stored.value : stored.tab, TAB_IDS);
    return tab ? { tab } : {};
  },
});

function linkedTab(): TabId | undefined {
  try {
    return field.oneOf(new URLSearchParams(location.hash.slice(1)).get('tab'), TAB_IDS);
  } catch {
    return undefined;
  }
}

export const useNavigationStore = create<NavigationState>()(() => ({ tab: linkedTab() ?? persistence.initial.tab ?? 'tokenizer' }));
persistence.connect(useNavigationStore, (s) => ({ tab: s.tab }));
// a link to a lab (#tab=…) opens it also in an open app
if (typeof addEventListener === 'function') {
  addEventListener('hashchange', () => {
    const tab = linkedTab();
    if (tab) useNavigationStore.setState({ tab });
  });
}

export function showTab(tab: TabId): void {
  useNavigationStore.setState({ tab });
}
