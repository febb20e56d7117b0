// Lint rules that keep the code's own promises (README, ARCHITECTURE.md): imports run down the layers of
// scripts/layers.js, workflow code is deterministic (no Node built-ins, no value imports of activity code, the
// Temporal samples' rule), no promise is left floating, and type-only imports say so. Run by `npm run lint`,
// which the test command (and CI) runs, with scripts/check-imports.ts for what a per-file rule cannot see (cycles).
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { LAYERS, forbiddenArrow, packageOf } from './scripts/layers.js';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// Workflow code runs in Temporal's deterministic sandbox: what it may import is an allow-list.
const workflowRestrictions = {
  paths: nodeBuiltins.map((name) => ({
    name,
    message: 'workflow code runs in a deterministic sandbox: no Node built-ins (do I/O in an activity)',
  })),
  patterns: [
    {
      // Values only from the workflow folder, Temporal's workflow packages, and pure helpers listed here.
      group: ['../*.js', '../*/*.js', '../*/*/*.js', '!../train/curve.js'],
      allowTypeImports: true,
      message:
        'workflow code imports values only from src/workflows, @temporalio/workflow|common and pure helpers allow-listed in eslint.config.js (activities are proxied, never imported)',
    },
  ],
};

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const MAX_DEPTH = 7; // folders below a package's own; deeper files are still covered by scripts/check-imports.ts

/** no-restricted-imports for the files of one package at one folder depth: every relative import that reaches
 * a package of its own layer or a higher one is an error naming both layers. */
function layeringOverride(pkg, depth) {
  const from = packageOf(pkg);
  const isFile = pkg.endsWith('.ts');
  const dir = isFile ? path.posix.dirname(pkg) : [pkg, ...Array.from({ length: depth }, (_, i) => `_${i}`)].join('/');
  const patterns = LAYERS.flatMap((layer) => layer.packages).flatMap((target) => {
    const why = forbiddenArrow(from, packageOf(target));
    if (!why) return [];
    let rel = path.posix.relative(dir, target.replace(/\.ts$/, ''));
    if (!rel.startsWith('.')) rel = `./${rel}`;
    const regex = target.endsWith('.ts') ? `^${escapeRegex(rel)}\\.(js|ts)$` : `^${escapeRegex(rel)}/`;
    return [{ regex, message: `${why}; imports run down the layers only (ARCHITECTURE.md, scripts/layers.js)` }];
  });
  const workflow = pkg === 'src/workflows';
  return {
    files: [isFile ? pkg : `${pkg}/${'*/'.repeat(depth)}*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...(workflow ? { paths: workflowRestrictions.paths } : {}),
          patterns: [...patterns, ...(workflow ? workflowRestrictions.patterns : [])],
        },
      ],
    },
  };
}

const layering = LAYERS.flatMap((layer) => layer.packages).flatMap((pkg) =>
  pkg.endsWith('.ts')
    ? [layeringOverride(pkg, 0)]
    : Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => layeringOverride(pkg, depth)),
);

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
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  ...layering,
);
