/**
 * Share links for the Generate, Chat and Analyse labs: `#share=<lab>.<encoded state>`. Making a link refuses, with a
 * message, what would be too long for a URL; opening one applies it to its lab and switches to it, or (malformed)
 * says what is wrong and changes nothing.
 */
import { create } from 'zustand';
import { useAnalyseStore } from '../analyseStore';
import { useChatStore } from '../chatStore';
import { generateActions, useGenerateStore } from '../generateStore';
import { showTab } from '../navigationStore';
import { decodeState, encodeState } from './codec';
import { readLabShare, SHARE_LABS, type LabShare, type ShareLab } from './labState';
import { formatCount } from '../formatCount';

/** Browsers and chat apps cut or refuse longer addresses; a link that might not arrive whole is not offered. */
const MAX_LINK_CHARS = 8000;

interface ShareNotice {
  lab: ShareLab | null;
  kind: 'error' | 'applied';
  message: string;
}

export const useShareStore = create<{ notice: ShareNotice | null }>()(() => ({ notice: null }));

export function dismissShareNotice(): void {
  useShareStore.setState({ notice: null });
}

/** The lab's state now (what a link or an export carries). */
function currentLabShare(lab: ShareLab): LabShare {
  switch (lab) {
    case 'analyse':
      return { lab, text: useAnalyseStore.getState().text };
    case 'chat': {
      const s = useChatStore.getState();
      return { lab, conversation: s.conversation, templateId: s.templateId, pricingModel: s.pricingModel, addGenerationPrompt: s.addGenerationPrompt, reservedOutput: s.reservedOutput, growthTurns: s.growthTurns };
    }
    case 'generate': {
      const s = useGenerateStore.getState();
      return { lab, modelId: s.modelId, prompt: s.prompt, addSpecialTokens: s.addSpecialTokens, settings: s.settings, maxNewTokens: s.maxNewTokens, constraint: s.constraint };
    }
  }
}

const WHAT: Record<ShareLab, string> = { generate: 'prompt and settings', chat: 'conversation', analyse: 'text' };

export type MadeLink = { ok: true; url: string } | { ok: false; error: string };

export async function makeLabLink(lab: ShareLab, base = location.href): Promise<MadeLink> {
  const url = new URL(base);
  url.hash = `share=${lab}.${await encodeState(currentLabShare(lab))}`;
  if (url.href.length > MAX_LINK_CHARS) {
    return {
      ok: false,
      error: `This ${WHAT[lab]} is too long for a link: even compressed it needs ${formatCount(url.href.length)} characters, and links are kept under ${formatCount(MAX_LINK_CHARS)}. Export it as a JSON file instead.`,
    };
  }
  return { ok: true, url: url.href };
}

/** Puts a lab's state (from a link or an imported file) into its store. */
function applyLabShare(share: LabShare): void {
  switch (share.lab) {
    case 'analyse':
      useAnalyseStore.setState({ text: share.text });
      break;
    case 'chat': {
      const { lab: _lab, ...choices } = share;
      useChatStore.setState({ ...choices, importError: null });
      break;
    }
    case 'generate': {
      const { lab: _lab, modelId, ...choices } = share;
      useGenerateStore.setState(choices);
      const s = useGenerateStore.getState();
      if (s.modelId !== modelId || s.backendKind !== 'browser') {
        useGenerateStore.setState({ modelId, backendKind: 'browser' });
        void generateActions.loadModel(modelId);
      }
      break;
    }
  }
}

function shareParam(hash: string): string | null {
  try {
    return new URLSearchParams(hash.slice(1)).get('share');
  } catch {
    return null;
  }
}

function clearShareParam(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  params.delete('share');
  const hash = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${hash ? `#${hash}` : ''}`);
}

/** Applies the link in the address, if any (once: the address then shows the app's own state). */
async function openLabLink(hash = location.hash): Promise<void> {
  const param = shareParam(hash);
  if (param === null) return;
  clearShareParam();
  const dot = param.indexOf('.');
  const lab = SHARE_LABS.find((l) => l === param.slice(0, dot));
  const refuse = (why: string) =>
    useShareStore.setState({ notice: { lab: lab ?? null, kind: 'error', message: `This share link cannot be opened: ${why}. Nothing was changed; ask for the link again.` } });
  if (!lab) return refuse('it names no lab of this app');
  let value: unknown;
  try {
    value = await decodeState(param.slice(dot + 1));
  } catch (err) {
    return refuse((err as Error).message);
  }
  const read = readLabShare(value, lab);
  if (!read.ok) return refuse(read.error);
  applyLabShare(read.value);
  showTab(lab);
  useShareStore.setState({ notice: { lab, kind: 'applied', message: `Opened a shared ${WHAT[lab]}.` } });
}

if (typeof addEventListener === 'function') {
  void openLabLink();
  addEventListener('hashchange', () => void openLabLink());
}
