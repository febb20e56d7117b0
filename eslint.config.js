// Lint rules that keep the code's own promises (README, ../shared/STYLE.md): workflow code is deterministic
// (no Node built-ins, no value imports of activity code, the Temporal samples' rule), no promise is left
// floating, and type-only imports say so. Run by `npm run lint`, which the test command (and CI) runs.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', 'trainer/**', 'bench/out/**', 'test-artifacts/**', '.inftool/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // node:test's test()/describe() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: what it may import is an allow-list.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'workflow code runs in a deterministic sandbox: no Node built-ins (do I/O in an activity)' })),
        patterns: [{
          // Values only from the workflow folder, Temporal's workflow packages, and pure helpers listed here.
          group: ['../*.js', '../*/*.js', '../*/*/*.js', '!../train/curve.js'],
          allowTypeImports: true,
          message: 'workflow code imports values only from src/workflows, @temporalio/workflow|common and pure helpers allow-listed in eslint.config.js (activities are proxied, never imported)',
        }],
      }],
    },
  },
);
