/**
 * Compiling a user's constraint against the model's vocabulary (XGrammar), and the per-step token masks of one
 * generation. JSON is constrained to one line with the separators ", " and ": " and no free whitespace: compact
 * documents that a small model finishes within its window.
 */
import { choiceGrammar, choiceLines } from './choices';
import { jsonSyntaxErrorOffset } from './jsonSyntax';
import { FAMILIES } from '../chat/catalog';
import { toolCallFormat } from '../chat/toolCalls';
import { captureFatal, loadXGrammar, type CompiledGrammar, type GrammarCompiler, type GrammarMatcher, type TokenizerInfo, type XGrammarModule } from './runtime';
import type { ConstraintInfo, ConstraintKind, ConstraintProblem, ConstraintSpec } from './types';
import type { GrammarVocabulary } from './vocabulary';
import { sharedUntilFailure } from '../sharedUntilFailure';

/** An invalid constraint, with a message for the user and its position in the constraint's text when known. */
export class ConstraintError extends Error {
  readonly problem: ConstraintProblem;

  constructor(problem: ConstraintProblem, options?: { cause?: unknown }) {
    super(problem.message, options);
    this.name = 'ConstraintError';
    this.problem = problem;
  }
}

/** The token masks of one generation: ask for the mask, sample within it, accept the chosen token. */
export interface ConstraintMatcher {
  /** ceil(vocabSize / 32) words, bit set = token allowed (see ./bitmask.ts) */
  nextBitmask(): Promise<Int32Array>;
  /** advances by the chosen token; false (and no change) when the constraint does not allow it */
  accept(id: number): boolean;
  /** the constraint is complete and a stop token was accepted */
  isTerminated(): boolean;
  dispose(): void;
}

export interface CompiledConstraint {
  spec: ConstraintSpec;
  info: ConstraintInfo;
  createMatcher(): Promise<ConstraintMatcher>;
}

const SEPARATORS: [string, string] = [', ', ': '];
/** XGrammar's way of saying "no indentation": one-line JSON */
const NO_INDENT = -1;
const CACHE_SIZE = 16;

const KIND_LABELS: Record<ConstraintKind, string> = {
  none: 'no constraint',
  json: 'JSON',
  'json-schema': 'JSON Schema',
  regex: 'regular expression',
  grammar: 'grammar',
  choice: 'choice list',
  tool: 'tool',
};

export class ConstraintCompiler {
  private readonly cache = new Map<string, Promise<{ compiled: CompiledConstraint; grammar: CompiledGrammar }>>();

  private constructor(
    private readonly xg: XGrammarModule,
    private readonly tokenizerInfo: TokenizerInfo,
    private readonly compiler: GrammarCompiler,
    readonly vocabulary: GrammarVocabulary,
  ) {}

  static async create(vocabulary: GrammarVocabulary): Promise<ConstraintCompiler> {
    const xg = await loadXGrammar();
    const { encoded, vocabType, prependSpace, vocabSize, stopTokenIds } = vocabulary;
    const tokenizerInfo = await xg.TokenizerInfo.createTokenizerInfo(encoded, vocabType, prependSpace, vocabSize, stopTokenIds);
    const compiler = await xg.GrammarCompiler.createGrammarCompiler(tokenizerInfo);
    return new ConstraintCompiler(xg, tokenizerInfo, compiler, vocabulary);
  }

  /** Throws ConstraintError when the constraint is invalid. The same spec compiles once (a small cache). */
  async compile(spec: ConstraintSpec): Promise<CompiledConstraint> {
    const key = JSON.stringify([spec.kind, spec.text, spec.tool ?? null]);
    const entry = sharedUntilFailure(this.cache, key, () => this.compileUncached(spec));
    this.cache.delete(key); // most recently used last
    this.cache.set(key, entry);
    if (this.cache.size > CACHE_SIZE) {
      const [oldestKey, oldest] = this.cache.entries().next().value!;
      this.cache.delete(oldestKey);
      // matchers already made keep their own reference to the compiled grammar
      oldest.then(({ grammar }) => grammar.dispose(), () => {});
    }
    return (await entry).compiled;
  }

  dispose(): void {
    for (const entry of this.cache.values()) entry.then(({ grammar }) => grammar.dispose(), () => {});
    this.cache.clear();
    this.compiler.dispose();
    this.tokenizerInfo.dispose();
  }

  private async compileUncached(spec: ConstraintSpec): Promise<{ compiled: CompiledConstraint; grammar: CompiledGrammar }> {
    const started = performance.now();
    const { grammar, description } = await this.compileGrammar(spec);
    const info: ConstraintInfo = { kind: spec.kind, description, compileMs: performance.now() - started, enforcedBy: 'page' };
    const { xg } = this;
    const compiled: CompiledConstraint = {
      spec,
      info,
      createMatcher: async () => matcherOf(await xg.GrammarMatcher.createGrammarMatcher(grammar)),
    };
    return { compiled, grammar };
  }

  private async compileGrammar(spec: ConstraintSpec): Promise<{ grammar: CompiledGrammar; description: string }> {
    const { compiler } = this;
    const kind = spec.kind;
    const fail = (fatal: string | undefined, error: unknown) => new ConstraintError(problemFromFatal(kind, fatal, error), { cause: error });
    switch (kind) {
      case 'none':
        throw new ConstraintError({ message: 'There is no constraint to compile.' });
      case 'json':
        return { grammar: await captureFatal(() => compiler.compileBuiltinJSONGrammar(), fail), description: 'any JSON document' };
      case 'json-schema': {
        const schema = parseSchemaText(spec.text);
        const grammar = await captureFatal(() => compiler.compileJSONSchema(spec.text, false, NO_INDENT, SEPARATORS, true), fail);
        return { grammar, description: describeSchema('JSON Schema', schema) };
      }
      case 'regex': {
        const pattern = requireText(spec.text, 'a regular expression');
        const grammar = await captureFatal(() => compiler.compileStructuralTag({ type: 'structural_tag', format: { type: 'regex', pattern } }), fail);
        return { grammar, description: `matches /${ellipsis(pattern, 40)}/` };
      }
      case 'grammar': {
        const ebnf = requireText(spec.text, 'a grammar');
        const grammar = await captureFatal(() => compiler.compileGrammar(ebnf, 'root'), fail);
        const rules = ebnf.match(/^\s*[A-Za-z_][\w.-]*\s*::=/gm)?.length ?? 0;
        return { grammar, description: `EBNF grammar, ${rules} rule${rules === 1 ? '' : 's'}` };
      }
      case 'choice': {
        const choices = choicesOf(spec.text);
        const grammar = await captureFatal(() => compiler.compileGrammar(choiceGrammar(choices), 'root'), fail);
        return { grammar, description: `one of ${choices.length} choice${choices.length === 1 ? '' : 's'}` };
      }
      case 'tool':
        return this.compileToolCall(spec, fail);
    }
  }

  /** begin + the arguments (compact JSON following the tool's parameters schema) + end, in the family's format */
  private async compileToolCall(spec: ConstraintSpec, fail: (fatal: string | undefined, error: unknown) => Error): Promise<{ grammar: CompiledGrammar; description: string }> {
    const tool = spec.tool;
    if (!tool?.name.trim()) throw new ConstraintError({ message: 'A tool constraint needs a tool name.' });
    if (!tool.parameters || typeof tool.parameters !== 'object' || Array.isArray(tool.parameters)) {
      throw new ConstraintError({ message: `The tool "${tool.name}" needs a parameters schema (a JSON Schema object).` });
    }
    const { begin, end } = toolCallFormat(tool.family, tool.name);
    // the structural tag's own json_schema format allows any whitespace; a grammar made from the schema keeps it compact
    const argumentsGrammar = await captureFatal(async () => {
      const g = await this.xg.Grammar.fromJSONSchema(JSON.stringify(tool.parameters), false, NO_INDENT, SEPARATORS, true);
      try {
        return g.toString();
      } finally {
        g.dispose();
      }
    }, fail);
    const elements = [
      ...(begin ? [{ type: 'const_string' as const, value: begin }] : []),
      { type: 'grammar' as const, grammar: argumentsGrammar },
      ...(end ? [{ type: 'const_string' as const, value: end }] : []),
    ];
    const grammar = await captureFatal(() => this.compiler.compileStructuralTag({ type: 'structural_tag', format: { type: 'sequence', elements } }), fail);
    const family = FAMILIES.find((f) => f.id === tool.family)?.label ?? tool.family;
    return { grammar, description: `a call of ${tool.name} in the ${family} format` };
  }
}

function matcherOf(matcher: GrammarMatcher): ConstraintMatcher {
  return {
    nextBitmask: () => matcher.getNextTokenBitmask(),
    accept: (id) => matcher.acceptToken(id),
    isTerminated: () => matcher.isTerminated(),
    dispose: () => matcher.dispose(),
  };
}

function requireText(text: string, what: string): string {
  if (!text.trim()) throw new ConstraintError({ message: `Enter ${what}.` });
  return text;
}

function ellipsis(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The schema text checked as JSON here, so a syntax error gets its exact position. */
function parseSchemaText(text: string): unknown {
  requireText(text, 'a JSON Schema');
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ConstraintError({ message: `The schema is not valid JSON: ${detail.replace(/\s*\(line \d+ column \d+\)$/, '')}`, ...jsonErrorPosition(text, detail) }, { cause: error });
  }
  if (typeof schema !== 'boolean' && (!schema || typeof schema !== 'object' || Array.isArray(schema))) {
    throw new ConstraintError({ message: 'A JSON Schema is a JSON object (or true / false).' });
  }
  return schema;
}

/** The position of a JSON.parse error from its message: "at position N" (V8), "line L column C" (V8, Firefox). */
function jsonErrorPosition(text: string, message: string): Omit<ConstraintProblem, 'message'> {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) {
    const line = Number(lineColumn[1]);
    const column = Number(lineColumn[2]);
    const lineStart = text.split('\n').slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0);
    return { line, column, offset: lineStart + column - 1 };
  }
  const position = /position (\d+)/.exec(message);
  if (position) return positionOfOffset(text, Number(position[1]));
  // the engine did not say where (V8 sometimes quotes the text instead): find it with our own scan
  const offset = jsonSyntaxErrorOffset(text);
  return offset === null ? {} : positionOfOffset(text, offset);
}

function positionOfOffset(text: string, offset: number): Omit<ConstraintProblem, 'message'> {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1, offset };
}

function describeSchema(label: string, schema: unknown): string {
  const properties = schema && typeof schema === 'object' ? (schema as { properties?: unknown }).properties : undefined;
  const count = properties && typeof properties === 'object' ? Object.keys(properties).length : 0;
  return count ? `${label}, ${count} propert${count === 1 ? 'y' : 'ies'}` : label;
}

/** The choices of a 'choice' constraint; none is an invalid constraint. */
function choicesOf(text: string): string[] {
  const choices = choiceLines(text);
  if (!choices.length) throw new ConstraintError({ message: 'Enter at least one choice, one per line.' });
  return choices;
}

/** XGrammar's "[FATAL] file.cc:123: …" line → the user's message, with the position in the constraint's own text. */
function problemFromFatal(kind: ConstraintKind, fatal: string | undefined, error: unknown): ConstraintProblem {
  const what = KIND_LABELS[kind];
  if (!fatal) return { message: `The ${what} could not be compiled (${error instanceof Error ? error.message : String(error)}).` };
  let detail = fatal
    .replace(/^.*?\[FATAL\]\s*/, '')
    .replace(/^\S+\.(?:cc|h|cpp):\d+:\s*/, '')
    .replace(/^Check failed: \(.*?\) is false:\s*/, '')
    .trim();
  const regexError = /^Regex parsing error at position (\d+):\s*(.*)$/.exec(detail);
  if (regexError && kind === 'regex') {
    const column = Number(regexError[1]); // 1-based
    return { message: `Invalid regular expression at position ${column}: ${regexError[2]}`, line: 1, column, offset: column - 1 };
  }
  const ebnfError = /^EBNF (?:parser|lexer) error at line (\d+), column (\d+):\s*(.*)$/.exec(detail);
  if (ebnfError) {
    const [line, column] = [Number(ebnfError[1]), Number(ebnfError[2])];
    // only a grammar's own text has these positions; for the other kinds they are in an EBNF made from the input
    if (kind === 'grammar') return { message: `Grammar error at line ${line}, column ${column}: ${ebnfError[3]}`, line, column };
    detail = ebnfError[3];
  }
  if (regexError) detail = `${regexError[2]} (at position ${regexError[1]} of a pattern in the schema)`;
  return { message: `Invalid ${what}: ${detail.replace(/\s*The JSON string is:[\s\S]*$/, '')}` };
}
