// The example specs shipped in `examples/`, imported at run time into a catalog for the demo and
// tests (a generated catalog is never committed).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Catalog } from '../domain/catalog.js';
import { importSources } from './import.js';
import { formatProblem } from './problems.js';

export const EXAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

export const EXAMPLE_FILES = [
  'petstore-expanded.yaml',
  'link-example.yaml',
  'notes-mcp-tools.json',
  'weather-openai-tools.json',
  'library-bfcl-functions.json',
] as const;

// The OpenAPI copies are kept unchanged, so their readable domains are set here.
const DOMAINS: Record<string, string> = { 'swagger-petstore': 'pets', 'link-example': 'code-hosting' };

let cached: Promise<Catalog> | undefined;

/** Imports every example (once per process); throws if any example stopped importing cleanly. */
export function loadExampleCatalog(): Promise<Catalog> {
  cached ??= (async () => {
    const { catalog, problems } = await importSources(EXAMPLE_FILES.map((f) => path.join(EXAMPLES_DIR, f)));
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length) throw new Error(`examples/ no longer import cleanly:\n${errors.map(formatProblem).join('\n')}`);
    for (const set of catalog.toolSets) set.domain = DOMAINS[set.id] ?? set.domain;
    for (const tool of catalog.tools) tool.tags = tool.tags.map((t) => DOMAINS[t] ?? t);
    return catalog;
  })();
  // Callers get their own copy: a test mutating it must not change another's.
  return cached.then((c) => structuredClone(c));
}
