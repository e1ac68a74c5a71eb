/** Which lab is on screen; other stores may switch it (e.g. chat's "Run" opens the inference lab). */
import { create } from 'zustand';

export type TabId = 'tokenizer' | 'generate' | 'chat' | 'analyse';
export const TAB_IDS: readonly TabId[] = ['tokenizer', 'generate', 'chat', 'analyse'];
const TAB_KEY = 'nexttoken.tab';

function initialTab(): TabId {
  let saved: string | null = null;
  try {
    saved = new URLSearchParams(location.hash.slice(1)).get('tab') ?? localStorage.getItem(TAB_KEY);
  } catch {
    /* storage unavailable */
  }
  return TAB_IDS.includes(saved as TabId) ? (saved as TabId) : 'tokenizer';
}

export const useNavigationStore = create<{ tab: TabId }>()(() => ({ tab: initialTab() }));

export function showTab(tab: TabId): void {
  useNavigationStore.setState({ tab });
  try {
    localStorage.setItem(TAB_KEY, tab);
  } catch {
    /* the tab just is not remembered */
  }
}
