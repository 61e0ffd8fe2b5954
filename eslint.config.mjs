// ESLint flat config: type-aware promise rules everywhere, and the workflow sandbox's import
// rules for src/workflows and the modules it imports at run time (src/shared). The rule sees
// one file's imports; test/lint/workflow-imports.test.ts walks the whole graph from
// src/workflows and fails on a banned module reached through any path.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// Node built-ins, bare (`fs`, `fs/promises`) and `node:`-prefixed: the workflow sandbox has none.
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));

// Packages that do I/O or belong to the activity/client/worker side of Temporal.
const ioPackages = [
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
  'ssh2',
  'proxmox-api',
  'undici',
];

// Phoenix's own modules that do I/O or run outside the sandbox. Type imports stay allowed
// (they are erased); value imports would drag the module into the workflow bundle.
const ioSourceDirs = ['activities', 'proxmox', 'ssh', 'config', 'planning', 'cloudinit', 'cli', 'temporal', 'sim'];
const ioSourceFiles = ['client', 'worker', 'worker-factory', 'worker-settings', 'workflow-bundle'];

const workflowSandbox = {
  files: ['src/workflows/**/*.ts', 'src/shared/**/*.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: [
          ...nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow code runs in the Temporal sandbox: no Node built-ins (do it in an activity).',
            allowTypeImports: true,
          })),
          ...ioPackages.map((name) => ({
            name,
            message: 'Workflow code must not import I/O or activity/client/worker modules.',
            allowTypeImports: true,
          })),
        ],
        patterns: [
          {
            regex: '^node:',
            message: 'Workflow code runs in the Temporal sandbox: no Node built-ins (do it in an activity).',
            allowTypeImports: true,
          },
          {
            regex: `^\\.\\.?/(\\.\\./)*(${ioSourceDirs.join('|')})(/|$)`,
            message:
              'Workflow code may import only src/workflows and src/shared at run time; use `import type` for types, proxyActivities for effects.',
            allowTypeImports: true,
          },
          {
            regex: `^\\.\\.?/(\\.\\./)*(${ioSourceFiles.join('|')})$`,
            message: 'Workflow code may import only src/workflows and src/shared at run time.',
            allowTypeImports: true,
          },
        ],
      },
    ],
  },
};

// The two client layers share nothing and know nothing of Temporal: they throw typed errors,
// and the activities (src/activities/common/classify.ts) turn those into ApplicationFailures.
const clientLayer = (self, other) => ({
  files: [`src/${self}/**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          { regex: `^\\.\\./(\\.\\./)*${other}(/|$)`, message: `src/${self} and src/${other} are separate client layers: put what both need in src/shared.` },
          { regex: '^@temporalio/', message: `src/${self} knows nothing of Temporal; classify its errors in src/activities/common.` },
        ],
      },
    ],
  },
});

export default tseslint.config(
  {
    ignores: ['dist/**', '**/dist/**', 'node_modules/**', '**/node_modules/**', '.tools/**', 'coverage/**'],
  },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        projectService: {
          // The few JavaScript entry points are outside tsconfig.json's include.
          allowDefaultProject: ['bin/*.js', 'packages/*/bin/*.js', 'scripts/*.mjs', 'bench/lib/*.js', 'eslint.config.mjs'],
          // They are a dozen small files; the default cap of 8 only guards against globbing a tree.
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 24,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's runner awaits the promises of top-level test()/describe() itself;
          // subtests (t.test) are not on this list and must be awaited.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  workflowSandbox,
  clientLayer('proxmox', 'ssh'),
  clientLayer('ssh', 'proxmox'),
);
