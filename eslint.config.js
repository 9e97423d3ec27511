// Layering by runtime, enforced by lint (like VS Code's code-layering rule):
//   src-shared    → nothing runtime-specific (no node:, electron, DOM, React)
//   engine/serve/cli → shared + node, never electron
//   app/preload   → shared + node + electron (the only places electron may appear)
//   src-renderer  → shared + DOM/React; only bridge/ touches the transport
import tseslint from 'typescript-eslint';
import globals from 'globals';

const electronBan = { group: ['electron', 'electron/*', 'electron-store'], message: 'Only src-main/app and src-main/preload may import electron.' };
const nodeBan = { regex: '^(node:.*|(fs|path|child_process|net|os|crypto|http|https|url|util|stream|events|worker_threads)(/.*)?)$', message: 'This layer must not import Node built-ins.' };
const mainBan = { group: ['**/src-main/**', '../src-main/**', '../../src-main/**'], message: 'This layer must not import src-main.' };
const rendererBan = { group: ['**/src-renderer/**'], message: 'Only the renderer may import src-renderer.' };
const uiBan = { group: ['react', 'react-dom', 'react/*', 'react-dom/*', '@mui/*', '@emotion/*', '@novnc/novnc'], message: 'UI libraries belong in src-renderer.' };
const shellBan = { group: ['**/app/**', '**/preload/**'], message: 'The engine, serve and cli never import the Electron shell.' };
const engineEntryBan = { regex: '(^|/)engine(\\.[jt]s)?$', message: 'Only the entry (main.ts) imports engine.ts; take an EngineContext (engine-context.ts) and peer services through the constructor.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', 'coverage/**', 'test/fixtures/cache/**', 'test/unit/lint-fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-exports': ['error', { restrictDefaultExports: { direct: true, named: true, defaultFrom: true, namedFrom: true, namespaceFrom: true } }],
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', { patterns: [electronBan, nodeBan, mainBan, rendererBan, uiBan] }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'process', 'Buffer', 'require', '__dirname'],
    },
  },
  {
    files: ['src-main/engine/**/*.ts', 'src-main/serve/**/*.ts', 'src-main/cli/**/*.ts'],
    languageOptions: { globals: globals.node },
    rules: { 'no-restricted-imports': ['error', { patterns: [electronBan, rendererBan, uiBan, shellBan] }] },
  },
  {
    // Services get an EngineContext and their peers from engine-services.ts (the composition root), never the Engine.
    files: ['src-main/engine/**/*.ts'],
    ignores: ['src-main/engine/main.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electronBan, rendererBan, uiBan, shellBan, engineEntryBan] }] },
  },
  {
    files: ['src-main/app/**/*.ts', 'src-main/preload/**/*.ts'],
    languageOptions: { globals: globals.node },
    rules: { 'no-restricted-imports': ['error', { patterns: [rendererBan, uiBan] }] },
  },
  {
    // Main → renderer sends go through renderer-sends.ts, typed by the app contract's channel maps (like Desktop's ban).
    files: ['src-main/app/**/*.ts'],
    ignores: ['src-main/app/renderer-sends.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.property.name=/^(send|postMessage)$/][callee.object.property.name=/^(webContents|sender)$/], CallExpression[callee.property.name=/^(send|postMessage)$/][callee.object.name=/^(webContents|sender)$/]",
        message: 'Send to a renderer with sendToRenderer/sendPortToRenderer (renderer-sends.ts), typed by the app contract.',
      }],
    },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.tsx'],
    ignores: ['src-renderer/bridge/**'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': ['error', { patterns: [electronBan, nodeBan, mainBan, { group: ['ws'], message: 'Only src-renderer/bridge touches the transport.' }] }],
      'no-restricted-properties': ['error', { object: 'window', property: 'hangar', message: 'Only src-renderer/bridge may use window.hangar.' }],
      'no-restricted-globals': ['error', { name: 'WebSocket', message: 'Only src-renderer/bridge touches the transport.' }, { name: 'MessageChannel', message: 'Only src-renderer/bridge touches the transport.' }],
    },
  },
  {
    files: ['src-renderer/bridge/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: { 'no-restricted-imports': ['error', { patterns: [electronBan, nodeBan, mainBan] }] },
  },
  {
    files: ['**/*.config.ts', '**/*.config.js', 'eslint.config.js'],
    rules: { 'no-restricted-exports': 'off' },
  },
  {
    files: ['scripts/**/*.js', 'bin/**/*.js', 'test/**/*.ts', 'test/**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    // vitest globalSetup must be a default export
    files: ['test/helpers/global-setup.ts'],
    rules: { 'no-restricted-exports': 'off' },
  },
);
