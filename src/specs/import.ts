// `specs import`: detects what each source is, runs its importer, and merges everything into one
// normalized catalog; names clashing across sources are namespaced, duplicates within one source refused.
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { CatalogSchema, type Catalog, type Tool, type ToolSet } from '../domain/catalog.js';
import { functionsToSource, listFunctions, type FunctionFormat, type ImportedSource } from './import-functions.js';
import { importLiveMcp } from './import-mcp.js';
import { importOpenApi } from './import-openapi.js';
import { ProblemLog, type ImportProblem } from './problems.js';
import { legalToolName } from './tool-names.js';

export const SOURCE_FORMATS = ['openapi', 'openai', 'bfcl', 'mcp'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

export type ImportResult = {
  catalog: Catalog;
  problems: ImportProblem[];
  /** Per source: how many tools it contributed. */
  perSource: Array<{ source: string; format: SourceFormat | 'mcp-live'; tools: number }>;
};

/** Reads JSON, JSON Lines (BFCL's files) or YAML. */
function parseDocument(text: string, file: string): unknown {
  const trimmed = text.trim();
  if (/\.jsonl$/i.test(file) || (trimmed.startsWith('{') && /}\s*\n\s*{/.test(trimmed))) {
    return trimmed
      .split(/\r?\n/)
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  }
  if (/\.ya?ml$/i.test(file)) return YAML.parse(text);
  return JSON.parse(text);
}

/** Decides a document's format from its shape; BFCL's dialect is recognized by its own type names. */
export function detectFormat(doc: unknown): SourceFormat | undefined {
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && ('openapi' in doc || 'swagger' in doc)) return 'openapi';
  const text = JSON.stringify(doc) ?? '';
  const items: unknown[] = Array.isArray(doc)
    ? doc
    : doc && typeof doc === 'object'
      ? (((doc as any).tools ?? (doc as any).functions ?? [doc]) as unknown[])
      : [];
  if (!Array.isArray(items)) return undefined;
  if (items.some((i) => i && typeof i === 'object' && 'question' in i && 'function' in i)) return 'bfcl';
  if (items.some((i) => i && typeof i === 'object' && 'inputSchema' in i)) return 'mcp';
  if (/"type":"(dict|float|tuple|any)"/.test(text)) return 'bfcl';
  if (items.some((i) => i && typeof i === 'object' && ('parameters' in i || 'function' in i))) return 'openai';
  return undefined;
}

/** A source is a path (format detected), `<format>:<path>` to force one, `stdio:<command>` or an http(s) URL. */
export async function importSource(
  source: string,
  log: ProblemLog,
  passEnv: string[] = [],
  onProgress?: (done: number, total: number) => void,
): Promise<{ imported: ImportedSource; format: SourceFormat | 'mcp-live' }> {
  if (source.startsWith('stdio:') || /^https?:\/\//.test(source)) {
    return {
      imported: await importLiveMcp(source, log, source.startsWith('stdio:') ? passEnv : []),
      format: 'mcp-live',
    };
  }
  const forced = SOURCE_FORMATS.find((f) => source.startsWith(`${f}:`));
  const file = forced ? source.slice(forced.length + 1) : source;
  const fileLog = forced ? new ProblemLog(file) : log;
  const finish = <T>(v: T) => {
    if (fileLog !== log) log.problems.push(...fileLog.problems);
    return v;
  };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    fileLog.error('', `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return finish({ imported: { tools: [], toolSets: [] }, format: forced ?? 'openapi' });
  }
  let doc: unknown;
  try {
    doc = parseDocument(text, file);
  } catch (e) {
    fileLog.error('', `not valid JSON/YAML: ${(e as Error).message.split('\n')[0]}`);
    return finish({ imported: { tools: [], toolSets: [] }, format: forced ?? 'openapi' });
  }
  const format = forced ?? detectFormat(doc);
  if (!format) {
    fileLog.error(
      '',
      `cannot tell the format: expected an OpenAPI document, OpenAI tools, BFCL function docs or an MCP tool list; prefix the path with one of ${SOURCE_FORMATS.map((f) => `'${f}:'`).join(', ')}`,
    );
    return finish({ imported: { tools: [], toolSets: [] }, format: 'openapi' });
  }
  if (format === 'openapi') return finish({ imported: await importOpenApi(file, fileLog, onProgress), format });
  // BFCL data files are JSON Lines of test entries, each offering its functions under `function`: list
  // them with their real location (line index, function index); a function offered again is the same one.
  if (
    format === 'bfcl' &&
    Array.isArray(doc) &&
    doc.some((d) => d && typeof d === 'object' && 'function' in d && 'question' in d)
  ) {
    const first = new Map<string, { pointer: string; definition: string }>();
    const fns = doc.flatMap((entry: any, line: number) =>
      (Array.isArray(entry?.function) ? entry.function : []).flatMap((f: any, k: number) => {
        const pointer = `/${line}/function/${k}`;
        const definition = JSON.stringify([f?.description, f?.parameters]);
        const earlier = first.get(f?.name);
        if (earlier) {
          // Test entries re-offer functions, sometimes reworded: one tool per name, the first definition kept.
          if (earlier.definition !== definition)
            fileLog.warn(
              pointer,
              `function '${f?.name}' is offered again with a different definition; the one at ${earlier.pointer} is kept`,
            );
          return [];
        }
        first.set(f?.name, { pointer, definition });
        return [{ name: f?.name, description: f?.description, schema: f?.parameters, pointer }];
      }),
    );
    return finish({ imported: functionsToSource(fns, {}, 'bfcl', file, fileLog), format });
  }
  const { fns, meta } = listFunctions(doc, format as FunctionFormat, fileLog);
  return finish({ imported: functionsToSource(fns, meta, format as FunctionFormat, file, fileLog), format });
}

function where(t: Tool): string {
  return `${t.source.location}${t.source.pointer !== undefined ? `#${t.source.pointer}` : ''}`;
}

/** The prefix that namespaces a source's clashing tools: its tool set's id root (the API title's slug), else its file name. */
function sourcePrefix(source: string, imported: ImportedSource): string {
  const root = imported.toolSets[0]?.id.split('.')[0];
  const base =
    source
      .replace(/^(openapi|openai|bfcl|mcp|stdio):/, '')
      .split(/[\\/]/)
      .pop() ?? 'source';
  return legalToolName(root || base.replace(/\.[^.]*$/, ''));
}

export type ImportOptions = {
  /** Called as each source finishes (progress for long imports). */
  onSource?: (done: ImportResult['perSource'][number], problems: ImportProblem[]) => void;
  /** Path items done of a spec's total, while a spec imports. */
  onProgress?: (source: string, done: number, total: number) => void;
  /** Environment variable names a stdio MCP source needs; forwarded to it at import and on every passthrough start. */
  passEnv?: string[];
};

/**
 * Imports every source; problems never stop the others. A name already taken by an earlier source is
 * namespaced with this source's prefix (`twilio-api_ListService`), the original kept in originalName; a
 * name repeated within one source is refused. The catalog is valid by construction (zod-checked).
 */
export async function importSources(sources: string[], options: ImportOptions = {}): Promise<ImportResult> {
  const tools: Tool[] = [];
  const toolSets: ToolSet[] = [];
  const problems: ImportProblem[] = [];
  const perSource: ImportResult['perSource'] = [];
  const byName = new Map<string, { tool: Tool; source: number }>();
  for (const [index, source] of sources.entries()) {
    const log = new ProblemLog(source.replace(/^(openapi|openai|bfcl|mcp):/, ''));
    const progress = options.onProgress
      ? (done: number, total: number) => options.onProgress!(source, done, total)
      : undefined;
    const { imported, format } = await importSource(source, log, options.passEnv, progress);
    const renamed = new Map<string, string>(); // this source's name -> its name in the catalog
    for (const original of imported.tools) {
      let tool = original;
      const earlier = byName.get(tool.name);
      if (earlier && earlier.source !== index) {
        const name = legalToolName(`${sourcePrefix(source, imported)}_${tool.name}`);
        const why = `tool name '${tool.name}' is already taken by ${where(earlier.tool)}; this one is namespaced as '${name}' (original name kept)`;
        log.warn(tool.source.pointer ?? '', why);
        tool = { ...tool, name };
      }
      const clash = byName.get(tool.name);
      if (clash) {
        const same =
          clash.tool.originalName === tool.originalName
            ? `'${tool.name}'`
            : `'${tool.name}' (from '${tool.originalName}'; '${clash.tool.originalName}' maps to the same legal name)`;
        log.error(
          tool.source.pointer ?? '',
          `duplicate tool name ${same}, already defined at ${where(clash.tool)}; rename one (operationId / name) or import the sources into separate catalogs`,
        );
        continue;
      }
      byName.set(tool.name, { tool, source: index });
      if (!renamed.has(original.name)) renamed.set(original.name, tool.name);
      tools.push(tool);
    }
    const taken = new Set(toolSets.map((s) => s.id));
    for (const set of imported.toolSets) {
      // Keep a name once, and only when this source's tool won it (a refused duplicate belongs to someone else).
      const kept = [...new Set(set.toolNames.map((n) => renamed.get(n)).filter((n): n is string => n !== undefined))];
      if (kept.length === 0) continue;
      let id = set.id;
      for (let k = 2; taken.has(id); k++) id = `${set.id}-${k}`;
      taken.add(id);
      toolSets.push({ ...set, id, toolNames: kept });
    }
    problems.push(...log.problems);
    const done = { source, format, tools: renamed.size };
    perSource.push(done);
    options.onSource?.(done, log.problems);
  }
  const catalog = CatalogSchema.parse({ version: 1, tools, toolSets });
  return { catalog, problems, perSource };
}
