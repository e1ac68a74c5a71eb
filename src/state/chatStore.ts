/**
 * Chat lab state: the conversation and the choices (kept across reloads), and the engine's latest analysis of
 * them (not kept). Every change is sent to the worker after a short pause; the latest request wins.
 */
import { create } from 'zustand';
import type { ChatAnalysis, PricingCatalogue } from '../engine/protocol';
import { exportConversation, importConversation, readStoredConversation } from '../engine/chat/io';
import type { ChatMessage, Conversation, ToolDefinition } from '../engine/chat/types';
import { parseToolCallText } from '../engine/chat/toolCalls';
import { FAMILIES } from '../engine/chat/catalog';
import { engine } from './engineClient';
import { messageOf } from '../engine/protocol';
import { generateActions, useGenerateStore } from './generateStore';
import { latestWins } from './latestWins';
import { showTab } from './navigationStore';
import { defined, field, persisted } from './persistence';

const DEFAULT_CONVERSATION: Conversation = {
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

type ChatStatus = 'idle' | 'working' | 'ready' | 'error';

/** What the user chose: kept across reloads. */
export interface ChatChoices {
  conversation: Conversation;
  templateId: string;
  /** the catalogue model ("provider/model") whose window and prices apply; '' for the template's own model */
  pricingModel: string;
  addGenerationPrompt: boolean;
  reservedOutput: number;
  growthTurns: number;
}

export interface ChatState extends ChatChoices {
  analysis: ChatAnalysis | null;
  /** the template the analysis was rendered with (the choice can change meanwhile) */
  analysisTemplateId: string | null;
  status: ChatStatus;
  error: string | null;
  importError: string | null;
  importNotice: string | null;
  /** the conversation kept from the last visit does not validate: it is shown as it was, and this says why */
  storedProblem: string | null;
  /** the maintained catalogue of API models, once the worker has loaded it */
  catalogue: PricingCatalogue | null;
  catalogueError: string | null;
}

const MAX_GROWTH_TURNS = 2000;
/** Set while reading storage: why the kept conversation does not validate. */
let storedProblem: string | null = null;

const persistence = persisted<ChatChoices>({
  key: 'nexttoken.chat.v1',
  version: 3,
  // an imported conversation of thousands of messages is half a megabyte to write: not in the task that imports it
  delay: (s) => (s.conversation.messages.length > 200 ? 300 : 0),
  // version 0 was written by zustand's persist middleware: the same fields
  migrate: (stored) => {
    // what the user left is shown as they left it, even where it no longer validates (the problem is said, not hidden)
    const read = readStoredConversation(stored.conversation);
    storedProblem = read?.problem ?? null;
    return defined({
      conversation: read?.conversation,
      templateId: field.string(stored.templateId),
      // version 2 kept an OpenAI model name, used with the OpenAI format only
      pricingModel:
        field.string(stored.pricingModel) ??
        (stored.templateId === 'o200k_base' && typeof stored.openAIModel === 'string' && stored.openAIModel !== 'gpt-4o' ? `openai/${stored.openAIModel}` : undefined),
      addGenerationPrompt: field.boolean(stored.addGenerationPrompt),
      reservedOutput: field.number(stored.reservedOutput, 0, Infinity, true),
      growthTurns: field.number(stored.growthTurns, 0, MAX_GROWTH_TURNS, true),
    });
  },
});

const DEFAULTS: ChatChoices = { conversation: DEFAULT_CONVERSATION, templateId: 'qwen', pricingModel: '', addGenerationPrompt: true, reservedOutput: 1024, growthTurns: 0 };

export const useChatStore = create<ChatState>()(() => ({
  ...DEFAULTS,
  ...persistence.initial,
  analysis: null,
  analysisTemplateId: null,
  status: 'idle',
  error: null,
  importError: null,
  importNotice: null,
  storedProblem,
  catalogue: null,
  catalogueError: null,
}));

const set = useChatStore.setState;
const get = useChatStore.getState;

persistence.connect(useChatStore, (s): ChatChoices => ({
  conversation: s.conversation,
  templateId: s.templateId,
  pricingModel: s.pricingModel,
  addGenerationPrompt: s.addGenerationPrompt,
  reservedOutput: s.reservedOutput,
  growthTurns: s.growthTurns,
}));

// the warning about a kept conversation goes once the conversation validates again
useChatStore.subscribe((s, prev) => {
  if (s.storedProblem && s.conversation !== prev.conversation && readStoredConversation(s.conversation)?.problem === null) set({ storedProblem: null });
});

function patchConversation(patch: (c: Conversation) => Partial<Conversation> | null) {
  set((s) => {
    const changed = patch(s.conversation);
    return changed ? { conversation: { ...s.conversation, ...changed } } : {};
  });
}

function lastCallId(c: Conversation): string {
  for (let i = c.messages.length - 1; i >= 0; i--) {
    const calls = c.messages[i].tool_calls;
    if (calls?.length) return calls[calls.length - 1].id;
  }
  return 'call_1';
}

let started = false;
let timer: ReturnType<typeof setTimeout> | undefined;

const analyseLatest = latestWins(async () => {
  const s = get();
  set({ status: 'working' });
  try {
    const r = await engine.request({
      type: 'chat-analyse',
      templateId: s.templateId,
      pricingModel: s.pricingModel,
      conversation: s.conversation,
      addGenerationPrompt: s.addGenerationPrompt,
      reservedOutput: s.reservedOutput,
      growthTurns: s.growthTurns,
      serverModel: servedWindow(),
    });
    set({ analysis: r.analysis, analysisTemplateId: s.templateId, status: 'ready', error: null });
  } catch (err) {
    // the last render belongs to other input: it must not stay on screen (or be Run) under this template's name
    set({ status: 'error', error: messageOf(err), analysis: null, analysisTemplateId: null });
  }
});

/** The window of the server model the Generate lab runs on, where the server says it. */
function servedWindow(): { id: string; contextWindow: number; origin: string } | undefined {
  const info = useGenerateStore.getState().model.info;
  return info?.server?.contextWindow ? { id: info.modelId, contextWindow: info.server.contextWindow, origin: info.server.origin } : undefined;
}

/** The catalogue of API models for the picker (the worker loads it once; a failure is said, the lab keeps working). */
function loadCatalogue(): void {
  engine.request({ type: 'pricing-catalogue' }).then(
    (r) => set({ catalogue: r.catalogue, catalogueError: null }),
    (err) => set({ catalogueError: `The model catalogue could not be loaded: ${messageOf(err)} Windows and prices of API models are unavailable; the template's own model still works.` }),
  );
}

function scheduleAnalysis(delay = 150): void {
  clearTimeout(timer);
  timer = setTimeout(analyseLatest.request, delay);
}

export const chatActions = {
  setConversation: (conversation: Conversation) => set({ conversation }),
  dismissStoredProblem: () => set({ storedProblem: null }),
  updateMessage: (i: number, m: ChatMessage) => patchConversation((c) => ({ messages: c.messages.map((x, k) => (k === i ? m : x)) })),
  addMessage: (role: ChatMessage['role']) =>
    patchConversation((c) => {
      const m: ChatMessage = role === 'tool' ? { role, content: '', tool_call_id: lastCallId(c) } : { role, content: '' };
      return { messages: [...c.messages, m] };
    }),
  removeMessage: (i: number) => patchConversation((c) => ({ messages: c.messages.filter((_, k) => k !== i) })),
  moveMessage: (i: number, delta: -1 | 1) =>
    patchConversation((c) => {
      const j = i + delta;
      if (j < 0 || j >= c.messages.length) return null;
      const messages = [...c.messages];
      [messages[i], messages[j]] = [messages[j], messages[i]];
      return { messages };
    }),
  setTools: (tools: ToolDefinition[]) => patchConversation(() => ({ tools })),
  setTemplate: (templateId: string) => set({ templateId }),
  setPricingModel: (pricingModel: string) => set({ pricingModel }),
  setAddGenerationPrompt: (addGenerationPrompt: boolean) => set({ addGenerationPrompt }),
  setReservedOutput: (n: number) => set({ reservedOutput: Math.max(0, Math.floor(Number.isFinite(n) ? n : 0)) }),
  setGrowthTurns: (n: number) => set({ growthTurns: Math.max(0, Math.min(MAX_GROWTH_TURNS, Math.floor(Number.isFinite(n) ? n : 0))) }),
  importJson(json: string): boolean {
    const r = importConversation(json);
    if (!r.ok) {
      set({ importError: r.error, importNotice: null });
      return false;
    }
    set({ conversation: r.conversation, importError: null, importNotice: `Imported ${r.conversation.messages.length} messages and ${r.conversation.tools.length} tools.` });
    return true;
  },
  exportJson: () => exportConversation(get().conversation),
  /**
   * A reply generated in the Generate lab joins the conversation as the assistant's next message. Text in the
   * template family's tool-call format becomes a tool call (parsed back into the tool and its arguments); other text
   * stays text. Returns what was added, for the user.
   */
  addGeneratedReply(text: string): { kind: 'tool-call'; name: string; arguments: string } | { kind: 'text'; problem: string } {
    const { conversation, templateId } = get();
    const family = FAMILIES.find((f) => f.id === templateId);
    const parsed = family ? parseToolCallText(family.id, text, conversation.tools.map((t) => t.function.name)) : { problem: `The template "${templateId}" has no tool-call format.` };
    if ('problem' in parsed) {
      patchConversation((c) => ({ messages: [...c.messages, { role: 'assistant', content: text }] }));
      return { kind: 'text', problem: parsed.problem };
    }
    const args = JSON.stringify(parsed.arguments);
    const call = { id: `call_${Date.now().toString(36)}`, type: 'function' as const, function: { name: parsed.name, arguments: args } };
    const message: ChatMessage = { role: 'assistant', content: family?.toolCallContent === 'null' ? null : '', tool_calls: [call] };
    patchConversation((c) => ({ messages: [...c.messages, message] }));
    return { kind: 'tool-call', name: parsed.name, arguments: args };
  },
  reset: () => set({ conversation: DEFAULT_CONVERSATION, importError: null, importNotice: null }),
  /** Sends the rendered template to the Generate lab and generates from it (its special tokens are already in the text). */
  runInGenerateLab(text: string) {
    showTab('generate');
    generateActions.runPrompt(text);
  },
  /** Connects the lab to the engine (idempotent): analyses now, and again after every relevant change. */
  start() {
    if (started) return;
    started = true;
    useChatStore.subscribe((s, prev) => {
      if (
        s.conversation !== prev.conversation ||
        s.templateId !== prev.templateId ||
        s.pricingModel !== prev.pricingModel ||
        s.addGenerationPrompt !== prev.addGenerationPrompt ||
        s.reservedOutput !== prev.reservedOutput ||
        s.growthTurns !== prev.growthTurns
      )
        scheduleAnalysis();
    });
    // a server model (or leaving it) changes the window the budget is measured against
    useGenerateStore.subscribe((s, prev) => s.model.info !== prev.model.info && scheduleAnalysis());
    scheduleAnalysis(0);
    loadCatalogue();
  },
};
