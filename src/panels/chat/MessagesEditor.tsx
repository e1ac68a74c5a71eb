/** Add, edit, reorder and delete messages; assistant tool calls; tool results. */
import { memo, useDeferredValue, useState, type CSSProperties, type RefCallback } from 'react';
import { useWindowedList } from '../../components/windowedList';
import type { ChatMessage, Role, ToolCall } from '../../engine/chat/types';
import { chatActions, useChatStore } from '../../state/chatStore';

const ROLES: Role[] = ['system', 'user', 'assistant', 'tool'];

/**
 * A conversation longer than this is drawn near the viewport only (components/windowedList.ts): each message is an
 * editor (a select, buttons, a text field), and 3,000 of them took a 0.25 s task to style and lay out.
 */
const WHOLE_UP_TO = 60;
/** px: the space after a message, its estimated height before it is drawn, and how far off screen messages are drawn */
const GAP = 8;
const OVERSCAN = 800;
/** as measured in Chromium at the default font size, 1280 px wide (a wrong estimate only moves the scrollbar a little) */
const estimateHeight = (m: ChatMessage): number =>
  114 + 18 * textRows(m) + (m.role === 'tool' ? 37 : 0) + (m.role === 'assistant' ? 29 + 224 * (m.tool_calls?.length ?? 0) : 0);

/** The content field's height: its lines, 2 to 8 (counted without splitting: the estimate runs for every message). */
function textRows(m: ChatMessage): number {
  const text = m.content ?? '';
  let lines = 1;
  for (let at = text.indexOf('\n'); at >= 0 && lines < 8; at = text.indexOf('\n', at + 1)) lines++;
  return Math.max(2, lines);
}

interface ItemProps {
  message: ChatMessage;
  index: number;
  last: boolean;
  /** the whole list's length, said to screen readers when the list is windowed (only then: a change of it draws
   * every message again) */
  setSize: number | undefined;
  tokens: number | undefined;
  /** a windowed list: its item's measuring ref, and where an item drawn apart from the others is placed */
  measure?: RefCallback<HTMLElement>;
  placed?: CSSProperties;
}

/** One message; drawn again only when it, its place or its count changes (typing in one leaves the others alone). */
const MessageItem = memo(function MessageItem({ message: m, index: i, last, setSize, tokens, measure, placed }: ItemProps) {
  const { updateMessage, removeMessage, moveMessage } = chatActions;
  return (
    <li
      data-testid="chat-message"
      data-role={m.role}
      className={`chat-message role-${m.role}`}
      data-index={i}
      ref={measure}
      style={placed}
      // a windowed list says each message's place in the whole list (screen readers read "12 of 3,000")
      aria-posinset={setSize && i + 1}
      aria-setsize={setSize}
    >
      <div className="row">
        <label>
          Role of message {i + 1}{' '}
          <select value={m.role} onChange={(e) => updateMessage(i, changeRole(m, e.target.value as Role))}>
            {ROLES.map((r) => (
              <option key={r} value={r}>{r}</option>
            ))}
          </select>
        </label>
        {tokens !== undefined && <span className="muted">{tokens} tokens of content</span>}
        <span className="spacer" />
        <button type="button" onClick={() => moveMessage(i, -1)} disabled={i === 0} aria-label={`Move message ${i + 1} up`}>↑</button>
        <button type="button" onClick={() => moveMessage(i, 1)} disabled={last} aria-label={`Move message ${i + 1} down`}>↓</button>
        <button type="button" onClick={() => removeMessage(i)} aria-label={`Delete message ${i + 1}`}>Delete</button>
      </div>
      {m.role === 'tool' && (
        <label className="row">
          Answers tool call id{' '}
          <input type="text" value={m.tool_call_id ?? ''} onChange={(e) => updateMessage(i, { ...m, tool_call_id: e.target.value })} />
        </label>
      )}
      <label className="sr-only" htmlFor={`chat-content-${i}`}>Content of message {i + 1} ({m.role})</label>
      <textarea
        id={`chat-content-${i}`}
        data-testid="chat-message-content"
        rows={textRows(m)}
        value={m.content ?? ''}
        placeholder={m.role === 'assistant' && m.tool_calls?.length ? '(no text: this message only calls a tool)' : ''}
        onChange={(e) => updateMessage(i, { ...m, content: e.target.value })}
      />
      {m.role === 'assistant' && <ToolCallsEditor message={m} onChange={(next) => updateMessage(i, next)} index={i} />}
    </li>
  );
});

export function MessagesEditor({ tokensPerMessage }: { tokensPerMessage: number[] | null }) {
  const messages = useChatStore((s) => s.conversation.messages);
  const { addMessage } = chatActions;
  const [newRole, setNewRole] = useState<Role>('user');
  const list = useWindowedList(messages, { wholeUpTo: WHOLE_UP_TO, gap: GAP, overscan: OVERSCAN, estimate: estimateHeight });
  // new counts change every message drawn: React redraws them in slices of a few ms, not in one task
  const counts = useDeferredValue(tokensPerMessage);
  return (
    <section className="card" aria-labelledby="chat-messages-h">
      <h2 id="chat-messages-h">Messages</h2>
      <ol
        className={`chat-messages${list.windowed ? ' windowed' : ''}`}
        data-testid="chat-messages"
        data-count={messages.length}
        ref={list.listRef}
        style={list.listStyle}
        onFocus={list.onFocus}
        onBlur={list.onBlur}
      >
        {list.shown.map(({ index: i, placed }) => (
          <MessageItem
            key={i}
            message={messages[i]}
            index={i}
            last={i === messages.length - 1}
            setSize={list.windowed ? messages.length : undefined}
            tokens={counts ? (counts[i] ?? 0) : undefined}
            measure={list.windowed ? list.itemRef : undefined}
            placed={placed}
          />
        ))}
      </ol>
      <div className="row">
        <label>
          New message role{' '}
          <select value={newRole} onChange={(e) => setNewRole(e.target.value as Role)} data-testid="add-message-role">
            {ROLES.map((r) => (
              <option key={r} value={r}>{r}</option>
            ))}
          </select>
        </label>
        <button type="button" data-testid="add-message" onClick={() => addMessage(newRole)}>Add message</button>
      </div>
    </section>
  );
}

function changeRole(m: ChatMessage, role: Role): ChatMessage {
  const out: ChatMessage = { role, content: m.content ?? '' };
  if (role === 'assistant' && m.tool_calls) out.tool_calls = m.tool_calls;
  if (role === 'tool') out.tool_call_id = m.tool_call_id ?? 'call_1';
  return out;
}

function ToolCallsEditor({ message, onChange, index }: { message: ChatMessage; onChange: (m: ChatMessage) => void; index: number }) {
  const calls = message.tool_calls ?? [];
  const setCalls = (next: ToolCall[]) => {
    const m: ChatMessage = { ...message, tool_calls: next };
    if (!next.length) delete m.tool_calls;
    onChange(m);
  };
  return (
    <div className="tool-calls">
      {calls.map((c, k) => {
        let argsError: string | null = null;
        try {
          JSON.parse(c.function.arguments);
        } catch (e) {
          argsError = `Arguments are not valid JSON (${e instanceof Error ? e.message : e}); the template will show them as typed.`;
        }
        const set = (patch: Partial<ToolCall['function']>, id?: string) => setCalls(calls.map((x, j) => (j === k ? { ...x, id: id ?? x.id, function: { ...x.function, ...patch } } : x)));
        return (
          <fieldset key={k} className="tool-call">
            <legend>Tool call {k + 1} of message {index + 1}</legend>
            <label>Call id <input type="text" value={c.id} onChange={(e) => set({}, e.target.value)} /></label>{' '}
            <label>Function name <input type="text" data-testid="tool-call-name" value={c.function.name} onChange={(e) => set({ name: e.target.value })} /></label>
            <label className="block-label" htmlFor={`call-args-${index}-${k}`}>Arguments (a JSON string)</label>
            <textarea id={`call-args-${index}-${k}`} data-testid="tool-call-arguments" rows={2} value={c.function.arguments} onChange={(e) => set({ arguments: e.target.value })} aria-invalid={argsError != null} />
            {argsError && <p className="error-text" role="status">{argsError}</p>}
            <button type="button" onClick={() => setCalls(calls.filter((_, j) => j !== k))}>Remove tool call {k + 1}</button>
          </fieldset>
        );
      })}
      <button type="button" onClick={() => setCalls([...calls, { id: `call_${Date.now().toString(36)}`, type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }])}>
        Add a tool call to message {index + 1}
      </button>
    </div>
  );
}
