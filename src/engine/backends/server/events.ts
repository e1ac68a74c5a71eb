/**
 * A streamed answer as a sequence of JSON values: server-sent events (OpenAI, vLLM, llama.cpp; parsed with
 * `eventsource-parser`), newline-delimited JSON (Ollama), or — from a server that ignored `stream: true` — one JSON
 * body. Each event is capped in size and the whole stream in bytes; malformed events are failures with a message.
 *
 * How the stream ended is returned, not thrown: 'done' (OpenAI's `data: [DONE]`), 'closed' (the body ended without
 * it) or 'broken' (the connection failed mid-way). The caller decides whether that was complete.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { EngineFailure } from '../../handlers';
import { oversized } from './http';

/** One event (one SSE `data`, one JSON line) larger than this is refused. */
export const MAX_EVENT_CHARS = 1024 * 1024;
/** A whole stream larger than this is cut off. */
const MAX_STREAM_BYTES = 64 * 1024 * 1024;

export type StreamFormat = 'sse' | 'ndjson';

export type StreamEnd = { kind: 'done' } | { kind: 'closed' } | { kind: 'broken'; error: unknown };

function malformed(what: string, sample: string): EngineFailure {
  const start = sample.trim().slice(0, 80).replace(/\s+/g, ' ');
  return new EngineFailure(`The server's stream is malformed: ${what} ("${start}"). A proxy between here and the server may be rewriting it.`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw malformed('an event is not valid JSON', text);
  }
}

/** A chunk-by-chunk splitter for one format: `feed` returns the JSON values completed so far. */
interface Splitter {
  feed(text: string): unknown[];
  /** whatever remains when the body ends */
  end(): unknown[];
  sawDone(): boolean;
}

function sseSplitter(): Splitter {
  let values: unknown[] = [];
  let done = false;
  let failure: Error | null = null;
  const parser = createParser({
    maxBufferSize: MAX_EVENT_CHARS,
    onEvent(event: EventSourceMessage) {
      if (done || failure) return;
      // the parser caps what it buffers across chunks; an event that arrived whole is measured here
      if (event.data.length > MAX_EVENT_CHARS) failure = oversized('stream event', MAX_EVENT_CHARS);
      else if (event.data === '[DONE]') done = true;
      else if (event.event === 'error') failure = new EngineFailure(`The server reported an error in its stream: ${event.data.slice(0, 300)}`);
      else if (event.data.trim() !== '') values.push(parseJson(event.data));
    },
    onError(error) {
      if (failure) return;
      failure =
        error.type === 'max-buffer-size-exceeded'
          ? oversized('stream event', MAX_EVENT_CHARS)
          : malformed('a line is not a server-sent event', error.field ?? error.message);
    },
  });
  // the events before a bad one are handed out first; the failure comes with the next call
  const take = () => {
    if (values.length === 0 && failure) throw failure;
    const out = values;
    values = [];
    return out;
  };
  return {
    feed(text) {
      try {
        parser.feed(text);
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }
      return take();
    },
    end() {
      parser.reset({ consume: true });
      const out = take();
      if (failure) throw failure;
      return out;
    },
    sawDone: () => done,
  };
}

function ndjsonSplitter(): Splitter {
  let pending = '';
  let failure: Error | null = null;
  // as for SSE: the lines before a bad one are handed out first
  const lines = (text: string) => {
    if (failure) throw failure;
    const out: unknown[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(parseJson(line));
      } catch (err) {
        failure = err as Error;
        if (out.length === 0) throw err;
        break;
      }
    }
    return out;
  };
  return {
    feed(text) {
      pending += text;
      const cut = pending.lastIndexOf('\n');
      if (cut < 0) {
        if (pending.length > MAX_EVENT_CHARS) throw oversized('stream line', MAX_EVENT_CHARS);
        return [];
      }
      const complete = pending.slice(0, cut);
      pending = pending.slice(cut + 1);
      return lines(complete);
    },
    end() {
      const rest = pending;
      pending = '';
      const out = lines(rest);
      if (failure) throw failure;
      return out;
    },
    sawDone: () => false,
  };
}

/**
 * The JSON values of a streamed answer, in order; returns how it ended. Throws EngineFailure for a malformed or
 * oversized stream; an abort of `signal` ends it as 'broken' (the caller knows it aborted).
 */
export async function* streamValues(response: Response, format: StreamFormat): AsyncGenerator<unknown, StreamEnd> {
  const type = response.headers.get('Content-Type') ?? '';
  const whole = type.includes('application/json');
  const splitter = whole ? null : format === 'sse' ? sseSplitter() : ndjsonSplitter();
  if (!response.body) return { kind: 'closed' };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let total = 0;
  let body = '';
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        return { kind: 'broken', error };
      }
      if (chunk.done) break;
      total += chunk.value.byteLength;
      if (total > MAX_STREAM_BYTES) throw oversized(whole ? 'answer' : 'stream', MAX_STREAM_BYTES);
      const text = decoder.decode(chunk.value, { stream: true });
      if (splitter) yield* splitter.feed(text);
      else body += text;
    }
    const rest = decoder.decode();
    if (!splitter) {
      yield parseJson(body + rest);
      return { kind: 'done' };
    }
    yield* splitter.feed(rest);
    yield* splitter.end();
    return splitter.sawDone() ? { kind: 'done' } : { kind: 'closed' };
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
