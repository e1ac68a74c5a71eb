/**
 * Chat lab state: the conversation and the choices (persisted to localStorage
 * with zustand's persist), and the engine's latest analysis (not persisted).
 * Every change is sent to the worker, debounced; only the newest answer is kept.
 */
import { showTab } from './navigationStore';
import { generateActions } from './generateStore';
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { ChatAnalysis } from '../engine/chat/analyse';
import { exportConversation, importConversation } from '../engine/chat/io';
import type { ChatMessage, Conversation, ToolDefinition } from '../engine/chat/types';
import { engine } from './engineClient';

export const DEFAULT_CONVERSATION: Conversation = {
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Get the current weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'] },
      },
    },
  ],
  messages: [
    { role: 'system', content: 'You are a helpful assistant that answers questions about weather.' },
    { role: 'user', content: "What's the weather like in Seattle?" },
    { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Seattle"}' } }] },
    { role: 'tool', content: '{"temperature_c": 12, "sky": "light rain"}', tool_call_id: 'call_1' },
    { role: 'assistant', content: 'It is 12 °C with light rain in Seattle. Take an umbrella!' },
  ],
};

export type ChatStatus = 'idle' | 'working' | 'ready' | 'error';

interface ChatState {
  conversation: Conversation;
  templateId: string;
  openAIModel: string;
  addGenerationPrompt: boolean;
  reservedOutput: number;
  growthTurns: number;
  analysis: ChatAnalysis | null;
  /** the request the analysis answers (templates can change meanwhile) */
  analysisTemplateId: string | null;
  status: ChatStatus;
  error: string | null;
  importError: string | null;
  importNotice: string | null;
  setConversation(c: Conversation): void;
  updateMessage(i: number, m: ChatMessage): void;
  addMessage(role: ChatMessage['role']): void;
  removeMessage(i: number): void;
  moveMessage(i: number, delta: -1 | 1): void;
  setTools(tools: ToolDefinition[]): void;
  setTemplate(id: string): void;
  setOpenAIModel(name: string): void;
  setAddGenerationPrompt(on: boolean): void;
  setReservedOutput(n: number): void;
  setGrowthTurns(n: number): void;
  importJson(json: string): boolean;
  exportJson(): string;
  reset(): void;
}

let latestRequest = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

export const useChatStore = create<ChatState>()(
  persist(
    (set, get) => ({
      conversation: DEFAULT_CONVERSATION,
      templateId: 'qwen',
      openAIModel: 'gpt-4o',
      addGenerationPrompt: true,
      reservedOutput: 1024,
      growthTurns: 0,
      analysis: null,
      analysisTemplateId: null,
      status: 'idle',
      error: null,
      importError: null,
      importNotice: null,
      setConversation: (conversation) => set({ conversation }),
      updateMessage: (i, m) => set((s) => ({ conversation: { ...s.conversation, messages: s.conversation.messages.map((x, k) => (k === i ? m : x)) } })),
      addMessage: (role) =>
        set((s) => {
          const m: ChatMessage = role === 'tool' ? { role, content: '', tool_call_id: lastCallId(s.conversation) } : { role, content: '' };
          return { conversation: { ...s.conversation, messages: [...s.conversation.messages, m] } };
        }),
      removeMessage: (i) => set((s) => ({ conversation: { ...s.conversation, messages: s.conversation.messages.filter((_, k) => k !== i) } })),
      moveMessage: (i, delta) =>
        set((s) => {
          const j = i + delta;
          const messages = [...s.conversation.messages];
          if (j < 0 || j >= messages.length) return {};
          [messages[i], messages[j]] = [messages[j], messages[i]];
          return { conversation: { ...s.conversation, messages } };
        }),
      setTools: (tools) => set((s) => ({ conversation: { ...s.conversation, tools } })),
      setTemplate: (templateId) => set({ templateId }),
      setOpenAIModel: (openAIModel) => set({ openAIModel }),
      setAddGenerationPrompt: (addGenerationPrompt) => set({ addGenerationPrompt }),
      setReservedOutput: (n) => set({ reservedOutput: Math.max(0, Math.floor(Number.isFinite(n) ? n : 0)) }),
      setGrowthTurns: (n) => set({ growthTurns: Math.max(0, Math.min(2000, Math.floor(Number.isFinite(n) ? n : 0))) }),
      importJson: (json) => {
        const r = importConversation(json);
        if (!r.ok) {
          set({ importError: r.error, importNotice: null });
          return false;
        }
        set({ conversation: r.conversation, importError: null, importNotice: `Imported ${r.conversation.messages.length} messages and ${r.conversation.tools.length} tools.` });
        return true;
      },
      exportJson: () => exportConversation(get().conversation),
      reset: () => set({ conversation: DEFAULT_CONVERSATION, importError: null, importNotice: null }),
    }),
    {
      name: 'nexttoken.chat.v1',
      storage: createJSONStorage(() => localStorage),
      partialize: (s) => ({
        conversation: s.conversation,
        templateId: s.templateId,
        openAIModel: s.openAIModel,
        addGenerationPrompt: s.addGenerationPrompt,
        reservedOutput: s.reservedOutput,
        growthTurns: s.growthTurns,
      }),
      // a stored conversation that no longer validates is not loaded over the default (and not lost: it stays in storage)
      merge: (persisted, current) => {
        const p = (persisted ?? {}) as Partial<ChatState>;
        const checked = p.conversation ? importConversation(JSON.stringify(p.conversation)) : null;
        return { ...current, ...p, conversation: checked && checked.ok ? checked.conversation : current.conversation };
      },
    },
  ),
);

function lastCallId(c: Conversation): string {
  for (let i = c.messages.length - 1; i >= 0; i--) {
    const calls = c.messages[i].tool_calls;
    if (calls?.length) return calls[calls.length - 1].id;
  }
  return 'call_1';
}

function requestAnalysis(): void {
  const s = useChatStore.getState();
  const requestId = engine.newRequestId();
  latestRequest = requestId;
  useChatStore.setState({ status: 'working' });
  engine.send({
    type: 'chat-analyse',
    requestId,
    templateId: s.templateId,
    openAIModel: s.openAIModel,
    conversation: s.conversation,
    addGenerationPrompt: s.addGenerationPrompt,
    reservedOutput: s.reservedOutput,
    growthTurns: s.growthTurns,
  });
  pendingTemplate.set(requestId, s.templateId);
}

const pendingTemplate = new Map<number, string>();

export function scheduleAnalysis(delay = 150): void {
  clearTimeout(timer);
  timer = setTimeout(requestAnalysis, delay);
}

let started = false;
/** Connects the store to the engine (idempotent): re-analyses on every relevant change. */
export function startChatEngine(): void {
  if (started) return;
  started = true;
  engine.subscribe((e) => {
    if (e.type === 'chat-analysed' || e.type === 'chat-error') {
      const templateId = pendingTemplate.get(e.requestId) ?? null;
      pendingTemplate.delete(e.requestId);
      if (e.requestId !== latestRequest) return;
      if (e.type === 'chat-analysed') useChatStore.setState({ analysis: e.analysis, analysisTemplateId: templateId, status: 'ready', error: null });
      else useChatStore.setState({ status: 'error', error: e.message });
    } else if (e.type === 'error' && e.scope === 'engine') {
      useChatStore.setState({ status: 'error', error: e.message });
    }
  });
  useChatStore.subscribe((s, prev) => {
    if (
      s.conversation !== prev.conversation ||
      s.templateId !== prev.templateId ||
      s.openAIModel !== prev.openAIModel ||
      s.addGenerationPrompt !== prev.addGenerationPrompt ||
      s.reservedOutput !== prev.reservedOutput ||
      s.growthTurns !== prev.growthTurns
    )
      scheduleAnalysis();
  });
  scheduleAnalysis(0);
}

/** Hands the rendered text to the inference lab (it listens for this event). */
/** Sends the rendered template to the inference lab and generates from it (its special tokens are already in the text). */
export function runInInferenceLab(text: string): void {
  showTab('generate');
  generateActions.runPrompt(text);
}
