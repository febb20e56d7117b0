// What a tool does to the simulated world, read from its shape: an OpenAPI method and route, or a
// verb-first name (`add_note`, `getNote`). It drives the deterministic bookkeeping (ids, existence).
import type { JsonSchema, Tool } from '../domain/catalog.js';
import { singular, words } from '../specs/tool-names.js';

export type OperationKind = 'create' | 'read' | 'list' | 'update' | 'delete' | 'action';

export type OperationShape = {
  kind: OperationKind;
  /** Singular collection key, e.g. `pet`, `note`; '' when the tool has none. */
  collection: string;
  /** Argument that names the record acted on (read/update/delete). */
  idParam?: string;
};

const VERBS: Array<[OperationKind, RegExp]> = [
  ['create', /^(create|add|new|insert|post|register|book|schedule|make|submit|upload)$/],
  ['delete', /^(delete|remove|cancel|archive|drop|destroy|unregister|erase)$/],
  ['update', /^(update|edit|modify|set|rename|patch|change|complete|mark|put)$/],
  ['list', /^(list|search|query|browse|filter|all|find)$/],
  ['read', /^(get|fetch|read|show|retrieve|lookup|describe|view|load|check)$/],
];

function idParamOf(schema: JsonSchema, collection: string): string | undefined {
  const props = Object.keys((schema.properties ?? {}) as object);
  const required = new Set((schema.required ?? []) as string[]);
  const candidates = ['id', `${collection}_id`, `${collection}Id`, ...props.filter((p) => /(^|_)id$|[a-z]Id$/.test(p))];
  return candidates.find((c) => props.includes(c) && required.has(c)) ?? candidates.find((c) => props.includes(c));
}

export function operationShape(tool: Tool): OperationShape {
  const method = tool.tags.find((t) => t.startsWith('http:'))?.slice(5);
  const route = tool.tags.find((t) => t.startsWith('path:'))?.slice(5);
  if (method && route) {
    const segments = route.split('/').filter(Boolean);
    const last = segments[segments.length - 1] ?? '';
    const lastParam = last.startsWith('{') ? last.slice(1, -1) : undefined;
    const noun = [...segments].reverse().find((s) => !s.startsWith('{') && !/^v?\d+(\.\d+)*$/.test(s)) ?? '';
    const collection = singular(words(noun).join('_'));
    const kind: OperationKind =
      method === 'get'
        ? lastParam
          ? 'read'
          : 'list'
        : // `POST /pulls/{id}/merge` acts on a record (a verb after an id); `POST /pets` creates one.
          method === 'post'
          ? lastParam || (segments.at(-2)?.startsWith('{') && !/s$/.test(last))
            ? 'action'
            : 'create'
          : method === 'put' || method === 'patch'
            ? lastParam
              ? 'update'
              : 'action'
            : method === 'delete'
              ? lastParam
                ? 'delete'
                : 'action'
              : 'action';
    return { kind, collection, ...(lastParam ? { idParam: lastParam } : {}) };
  }
  // `library.search_books`: the namespace before the last dot names the API, not the operation.
  const ws = words(
    tool.originalName.includes('.') ? tool.originalName.slice(tool.originalName.lastIndexOf('.') + 1) : tool.name,
  );
  const verb = ws[0] ?? '';
  const found = VERBS.find(([, re]) => re.test(verb));
  const collection = singular(
    ws
      .slice(1)
      .filter((w) => !['by', 'id', 'all', 'a', 'an', 'the'].includes(w))
      .join('_'),
  );
  if (!found || collection === '') return { kind: 'action', collection };
  let kind = found[0];
  const idParam = idParamOf(tool.inputSchema, collection);
  // `get_weather(city)` has no id: it is an observation, not a record fetch.
  if ((kind === 'read' || kind === 'update' || kind === 'delete') && !idParam)
    kind = kind === 'read' ? 'action' : 'action';
  if (kind === 'list' && idParam && verb === 'find') kind = 'read';
  return { kind, collection, ...(idParam && kind !== 'create' && kind !== 'list' ? { idParam } : {}) };
}
