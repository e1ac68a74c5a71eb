/**
 * Constraints for the current model: compiles a ConstraintSpec against the loaded model's vocabulary with XGrammar
 * (grammar/), loaded on first use so the worker does not fetch its WebAssembly until someone asks for a constraint.
 * One compiler per model (its vocabulary is prepared once); compiled grammars are cached by the compiler.
 *
 * A server backend gets the constraint as its own structured-output option instead (backends/server): nothing is
 * compiled here, and the constraint's info says the server enforces it.
 */
import type { NextTokenBackend } from './backends/types';
import type { GrammarConstraint } from './generation/generator';
import type { ConstraintCompilePhase } from './protocol';
import type { ConstraintInfo, ConstraintProblem, ConstraintSpec } from './grammar/types';
import { EngineFailure } from './handlers';
import { serverConstraintSupport } from './backends/server/constraints';
import { serverName } from './backends/server/types';

type GrammarModule = typeof import('./grammar/compile');
type Compiler = Awaited<ReturnType<GrammarModule['ConstraintCompiler']['create']>>;

export type ConstraintOutcome = { ok: true; info: ConstraintInfo; compiled: GrammarConstraint | null } | { ok: false; problem: ConstraintProblem };

/** True when the spec asks for nothing. */
export function isUnconstrained(spec: ConstraintSpec | undefined): spec is undefined {
  return !spec || spec.kind === 'none';
}

function problemText(problem: ConstraintProblem): string {
  const where = problem.line !== undefined ? ` (line ${problem.line}${problem.column !== undefined ? `, column ${problem.column}` : ''})` : problem.offset !== undefined ? ` (at character ${problem.offset + 1})` : '';
  return `${problem.message}${where}`;
}

export class ConstraintService {
  private compiler: Promise<Compiler> | null = null;

  constructor(private readonly backend: NextTokenBackend) {}

  /** Compiles `spec` (or, for a server, says which of its options enforces it); an invalid spec is an outcome. */
  async compile(spec: ConstraintSpec, onPhase?: (phase: ConstraintCompilePhase) => void): Promise<ConstraintOutcome> {
    const server = this.backend.info.server;
    if (server) {
      // a server enforces constraints itself, with its own structured-output option: nothing is compiled here
      const support = serverConstraintSupport(server.flavor, server.api, spec.kind, server.version);
      if (!support.supported) return { ok: false, problem: { message: support.reason } };
      const description = `${serverName(server.flavor)} enforces it with its “${support.option}” option${support.note ? `; ${support.note}` : ''}`;
      return { ok: true, compiled: null, info: { kind: spec.kind, description, compileMs: 0, enforcedBy: 'server' } };
    }
    const start = performance.now();
    onPhase?.('engine');
    const grammar = await import('./grammar/compile');
    try {
      const compiler = await this.compilerOf(grammar, onPhase);
      onPhase?.('compile');
      const compiled = await compiler.compile(spec);
      return { ok: true, compiled, info: { ...compiled.info, compileMs: performance.now() - start } };
    } catch (err) {
      if (err instanceof grammar.ConstraintError) return { ok: false, problem: err.problem };
      throw err;
    }
  }

  /** The compiled constraint for a run, or null (unconstrained, or a server's); an invalid one refuses the run. */
  async forRun(spec: ConstraintSpec | undefined): Promise<GrammarConstraint | null> {
    if (isUnconstrained(spec)) return null;
    const outcome = await this.compile(spec);
    if (!outcome.ok) throw new EngineFailure(`The constraint is invalid: ${problemText(outcome.problem)}. Fix it, or set the constraint to None.`);
    return outcome.compiled;
  }

  dispose(): void {
    void this.compiler?.then((c) => c.dispose()).catch(() => undefined);
    this.compiler = null;
  }

  private compilerOf(grammar: GrammarModule, onPhase?: (phase: ConstraintCompilePhase) => void): Promise<Compiler> {
    if (!this.compiler) {
      onPhase?.('vocabulary');
      const { info, tokenizer } = this.backend;
      const attempt = (async () => {
        const { grammarVocabularyOf } = await import('./grammar/vocabulary');
        return grammar.ConstraintCompiler.create(grammarVocabularyOf(tokenizer as never, info.vocabSize, info.eosTokenIds));
      })();
      // a failed preparation is not cached: the next constraint tries again
      this.compiler = attempt.catch((err: unknown) => {
        this.compiler = null;
        throw err;
      });
    }
    return this.compiler;
  }
}
