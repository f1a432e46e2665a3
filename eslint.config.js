// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

// Clients know a journey and a launch by their contracts (src/campaigns/journey-contract.ts,
// launch-contract.ts), not by their code.
const journeyContractOnly = {
  group: [
    '**/workflows/journey',
    '**/workflows/journey.js',
    '**/workflows/launch',
    '**/workflows/launch.js',
  ],
  message:
    'Import signals, queries and types from campaigns/journey-contract or campaigns/launch-contract.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'test/.artifacts/**', 'test/replay/histories/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits hides its failure (and, in a CLI, can outlive the connection).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Workflow code is replayed in Temporal's sandbox: as in temporalio/samples-typescript, it may
    // import activity code for its types only, and no Node built-in at all.
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtinModules.flatMap((name) => [
            { name, message: 'Workflow code cannot use Node built-ins.' },
            { name: `node:${name}`, message: 'Workflow code cannot use Node built-ins.' },
          ]),
          patterns: [
            {
              group: ['**/activities', '**/activities/*', '**/activities/**'],
              allowTypeImports: true,
              message:
                'Workflows reach activities through proxyActivities; import their types only.',
            },
            {
              // The schemas (zod) and the registry stay out of the bundle; steps.ts files are workflow-safe.
              group: [
                '**/campaigns/kinds/registry*',
                '**/campaigns/kinds/common*',
                '**/campaigns/kinds/*/definition*',
                '**/campaigns/kinds/*/index*',
                '**/domain/campaigns/definition*',
              ],
              allowTypeImports: true,
              message: "Workflows import a kind's steps.ts and the definition types only.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/workflows/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [journeyContractOnly] }],
    },
  },
  {
    // The CLI and the HTTP endpoint parse and print; the work, and every query, is in services
    // (src/services, src/client.ts, src/inbox, src/reports…) and src/db below them. The rule's
    // options replace those of the block above for these files, so they repeat its pattern.
    files: ['src/cli/**/*.ts', 'src/http/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            journeyContractOnly,
            {
              group: ['**/db', '**/db/*', '**/db/**'],
              message:
                'The CLI and HTTP call services (src/services, src/client.ts), never src/db.',
            },
          ],
        },
      ],
    },
  },
  {
    // src/db is the bottom layer: it may use pure domain types and the migrations, nothing above it.
    files: ['src/db/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            journeyContractOnly,
            {
              regex: String.raw`^\.\./((activities|campaigns|channels|cli|http|import|inbox|indicators|provision|reports|services|temporal|workflows)/|(client|worker|start|config)\.js$)`,
              message: 'src/db is the bottom layer: it imports src/domain and the migrations only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Kysely's own migration pattern: a migration sees the database as it was, not today's schema.
    files: ['migrations/**/*.ts', 'src/db/migrate.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Series coefficients are written with the digits of their published source.
    files: ['src/domain/indicators/special.ts', 'test/domain/indicators/special.test.ts'],
    rules: { 'no-loss-of-precision': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
