// Builds model results from BFCL ground truths: the correct answer in each language's expected form (Java
// and JavaScript arguments are source text) and deterministic mutations of it, for tests and the
// agreement check against the official checker.
import type { FunctionDoc, Language } from './ast-checker.js';
import { PyFloat, isDict, pyType, type PyDict, type PyValue } from './py-value.js';

type Call = Map<string, PyDict>;

const firstChoice = (values: PyValue): PyValue | undefined =>
  Array.isArray(values) ? values.find((v) => !(typeof v === 'string' && v === '')) : undefined;

/** Picks, per parameter, the first acceptable value (omitting may-be-omitted ones) and writes it for `language`. */
export function correctCalls(
  groundTruth: PyValue,
  functions: FunctionDoc[],
  language: Language,
  pick: 'first' | 'second' = 'first',
): Call[] {
  if (!Array.isArray(groundTruth)) return [];
  return groundTruth.filter(isDict).map((gtCall) => {
    const [name, params] = [...gtCall][0] as [string, PyDict];
    const doc = functions.find((f) => f.name === name);
    const args: PyDict = new Map();
    for (const [param, values] of params) {
      let v: PyValue | undefined;
      if (pick === 'second' && Array.isArray(values)) v = values.filter((x) => x !== '')[1] ?? firstChoice(values);
      else v = firstChoice(values);
      if (v === undefined) continue;
      const type = doc?.parameters.properties[param];
      // A ground truth may list a parameter the doc lacks as may-be-omitted: omitting is the right answer.
      if (!type && Array.isArray(values) && values.includes('')) continue;
      args.set(param, encode(v, language, type?.type ?? 'any', type?.items?.type));
    }
    return new Map([[name, args]]);
  });
}

function encode(v: PyValue, language: Language, type: string, itemType?: string): PyValue {
  if (language === 'python') {
    // dict ground truths list acceptable values per key: pick the first of each.
    if (type === 'dict' && isDict(v)) return pickDict(v);
    if (type === 'array' && itemType === 'dict' && Array.isArray(v)) return v.map((x) => (isDict(x) ? pickDict(x) : x));
    return v;
  }
  return language === 'java' ? javaSource(v, type, itemType) : jsSource(v, type, itemType);
}

function pickDict(d: PyDict): PyDict {
  const out: PyDict = new Map();
  for (const [k, vs] of d) {
    const v = firstChoice(vs);
    if (v !== undefined) out.set(k, isDict(v) ? pickDict(v) : v);
  }
  return out;
}

const num = (v: PyValue) => (v instanceof PyFloat ? v.value : (v as number));
const floatText = (v: PyValue) => {
  const s = String(num(v));
  return /[.e]/.test(s) ? s : `${s}.0`;
};

function javaScalar(v: PyValue, type: string): string {
  switch (type) {
    case 'long':
      return `${num(v)}L`;
    case 'float':
      return `${floatText(v)}f`;
    case 'double':
      return floatText(v);
    case 'boolean':
      return String(v);
    case 'integer':
    case 'short':
    case 'byte':
      return String(num(v));
    default:
      return typeof v === 'string' ? v : String(v instanceof PyFloat ? v.value : v);
  }
}

function javaSource(v: PyValue, type: string, itemType?: string): string {
  if (type === 'ArrayList' && Array.isArray(v)) {
    const items = v.map((x) =>
      itemType === 'String' || itemType === 'char' ? `"${x}"` : javaScalar(x, itemType ?? 'any'),
    );
    return items.length ? `new ArrayList<>(Arrays.asList(${items.join(', ')}))` : 'new ArrayList<>()';
  }
  if (type === 'Array' && Array.isArray(v))
    return `new ${itemType === 'String' ? 'String' : 'int'}[]{${v.map((x) => javaScalar(x, itemType ?? 'any')).join(', ')}}`;
  if (type === 'HashMap' && isDict(v)) {
    const puts = [...pickDict(v)].map(
      ([k, x]) =>
        `put("${k}", ${typeof x === 'string' ? `"${x}"` : javaScalar(x, pyType(x) === 'float' ? 'double' : 'any')});`,
    );
    return `new HashMap<String, Object>() {{ ${puts.join(' ')} }}`;
  }
  return javaScalar(v, type);
}

function jsLiteral(v: PyValue): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(jsLiteral).join(', ')}]`;
  if (isDict(v)) return `{${[...pickDict(v)].map(([k, x]) => `${k}: ${jsLiteral(x)}`).join(', ')}}`;
  if (v instanceof PyFloat) return floatText(v);
  return String(v);
}

function jsSource(v: PyValue, type: string, itemType?: string): string {
  switch (type) {
    case 'String':
    case 'any':
      return typeof v === 'string' ? v : jsLiteral(v);
    case 'integer':
      return String(num(v));
    case 'float':
      return floatText(v);
    case 'Bigint':
      return `${num(v)}n`;
    case 'Boolean':
      return String(v);
    case 'array':
      if (typeof v === 'string') return v; // a variable name
      if (!Array.isArray(v)) return jsLiteral(v);
      return `[${v.map((x) => (typeof x === 'string' && itemType !== 'String' ? x : jsLiteral(x))).join(', ')}]`;
    case 'dict':
      return typeof v === 'string' ? v : jsLiteral(v);
    default:
      return jsLiteral(v);
  }
}

// ------------------------------------------------------------------------------------------------------
// Mutations: each returns a result (or undefined when it does not apply to this entry).

export type Mutation = {
  name: string;
  apply: (calls: Call[], ctx: { functions: FunctionDoc[]; language: Language; seed: number }) => PyValue | undefined;
};

const cloneCalls = (calls: Call[]): Call[] => calls.map((c) => new Map([...c].map(([n, a]) => [n, new Map(a)])));
const firstArgs = (calls: Call[]) => (calls.length ? ([...calls[0]][0] as [string, PyDict]) : undefined);
const pickParam = (args: PyDict, seed: number) => {
  const keys = [...args.keys()];
  return keys.length ? keys[seed % keys.length] : undefined;
};
const withArg = (calls: Call[], f: (args: PyDict, name: string) => boolean): PyValue | undefined => {
  const out = cloneCalls(calls);
  if (!out.length) return undefined;
  const [name, args] = [...out[0]][0];
  return f(args, name) ? out : undefined;
};

function retype(v: PyValue): PyValue {
  switch (pyType(v)) {
    case 'int':
      return String(v);
    case 'float':
      return Math.round((v as PyFloat).value);
    case 'str':
      return (v as string).length;
    case 'bool':
      return String(v);
    case 'list':
      return JSON.stringify(v);
    case 'dict':
      return [...(v as PyDict).keys()];
    default:
      return 'null';
  }
}

function wrongValue(v: PyValue): PyValue {
  switch (pyType(v)) {
    case 'int':
      return (v as number) + 1;
    case 'float':
      return new PyFloat((v as PyFloat).value + 0.5);
    case 'str':
      return `${v as string}x`;
    case 'bool':
      return !v;
    case 'list':
      return [...(v as PyValue[]), (v as PyValue[])[0] ?? 1];
    case 'dict':
      return new Map([...(v as PyDict), ['extra_key', 1]]);
    default:
      return 1;
  }
}

function fuzzString(v: PyValue): PyValue {
  if (typeof v === 'string') return `${v.toUpperCase().replace(/ /g, '  ')}.`;
  if (Array.isArray(v)) return v.map(fuzzString);
  return v;
}

export const MUTATIONS: Mutation[] = [
  { name: 'correct', apply: (c) => c },
  { name: 'text_answer', apply: () => 'I am sorry, I cannot help with that.' },
  { name: 'empty_list', apply: () => [] },
  { name: 'empty_string', apply: () => '' },
  { name: 'empty_call', apply: () => [new Map()] },
  { name: 'not_a_dict', apply: () => [5] },
  { name: 'args_not_object', apply: (c) => (firstArgs(c) ? [new Map([[firstArgs(c)![0], '5']])] : undefined) },
  { name: 'args_bad_json', apply: (c) => (firstArgs(c) ? [new Map([[firstArgs(c)![0], '{"a": ']])] : undefined) },
  { name: 'args_json_text', apply: (c) => c.map((call) => new Map([...call].map(([n, a]) => [n, jsonText(a)]))) },
  { name: 'reversed_calls', apply: (c) => (c.length > 1 ? [...c].reverse() : undefined) },
  { name: 'duplicated_call', apply: (c) => (c.length ? [...c, c[0]] : undefined) },
  { name: 'dropped_call', apply: (c) => (c.length > 1 ? c.slice(1) : undefined) },
  {
    name: 'wrong_name',
    apply: (c) => (firstArgs(c) ? [new Map([[`${firstArgs(c)![0]}_v2`, firstArgs(c)![1]]]), ...c.slice(1)] : undefined),
  },
  {
    name: 'missing_param',
    apply: (c, { seed }) =>
      withArg(c, (a) => {
        const p = pickParam(a, seed);
        return p !== undefined && a.delete(p);
      }),
  },
  {
    name: 'extra_param',
    apply: (c) =>
      withArg(c, (a) => {
        a.set('unexpected_param', 'x');
        return true;
      }),
  },
  {
    name: 'wrong_type',
    apply: (c, { seed }) =>
      withArg(c, (a) => {
        const p = pickParam(a, seed);
        if (p === undefined) return false;
        a.set(p, retype(a.get(p)!));
        return true;
      }),
  },
  {
    name: 'wrong_value',
    apply: (c, { seed }) =>
      withArg(c, (a) => {
        const p = pickParam(a, seed + 1);
        if (p === undefined) return false;
        a.set(p, wrongValue(a.get(p)!));
        return true;
      }),
  },
  {
    name: 'int_for_float',
    apply: (c) =>
      withArg(c, (a) => {
        let hit = false;
        for (const [k, v] of a)
          if (v instanceof PyFloat && Number.isInteger(v.value)) {
            a.set(k, v.value);
            hit = true;
          }
        return hit;
      }),
  },
  {
    name: 'float_for_int',
    apply: (c) =>
      withArg(c, (a) => {
        let hit = false;
        for (const [k, v] of a)
          if (typeof v === 'number') {
            a.set(k, new PyFloat(v));
            hit = true;
          }
        return hit;
      }),
  },
  {
    name: 'string_fuzz',
    apply: (c) =>
      withArg(c, (a) => {
        let hit = false;
        for (const [k, v] of a)
          if (typeof v === 'string' || Array.isArray(v)) {
            a.set(k, fuzzString(v));
            hit = true;
          }
        return hit;
      }),
  },
  {
    name: 'null_value',
    apply: (c, { seed }) =>
      withArg(c, (a) => {
        const p = pickParam(a, seed + 2);
        if (p === undefined) return false;
        a.set(p, null);
        return true;
      }),
  },
  {
    name: 'dict_drop_key',
    apply: (c) =>
      withArg(c, (a) => {
        for (const [k, v] of a)
          if (isDict(v) && v.size) {
            const d = new Map(v);
            d.delete([...d.keys()][0]);
            a.set(k, d);
            return true;
          }
        return false;
      }),
  },
  {
    name: 'quote_strings',
    apply: (c) =>
      withArg(c, (a) => {
        let hit = false;
        for (const [k, v] of a)
          if (typeof v === 'string') {
            a.set(k, `"${v}"`);
            hit = true;
          }
        return hit;
      }),
  },
  {
    name: 'strip_literal_suffix',
    apply: (c) =>
      withArg(c, (a) => {
        let hit = false;
        for (const [k, v] of a)
          if (typeof v === 'string' && /^-?\d+(\.\d+)?[fFlLn]$/.test(v)) {
            a.set(k, v.slice(0, -1));
            hit = true;
          }
        return hit;
      }),
  },
  {
    name: 'java_js_collection_variants',
    apply: (c) =>
      withArg(c, (a) => {
        let hit = false;
        for (const [k, v] of a)
          if (typeof v === 'string' && /^(\[|new |\{)/.test(v)) {
            a.set(
              k,
              v.startsWith('[')
                ? `new Array(${v.slice(1, -1)})`
                : v.startsWith('{')
                  ? v.replace(/'/g, '"')
                  : v.replace(/Arrays\.asList\((.*)\)\)$/, '){{ add($1); }}'),
            );
            hit = true;
          }
        return hit;
      }),
  },
  {
    name: 'list_reordered',
    apply: (c) =>
      withArg(c, (a) => {
        for (const [k, v] of a)
          if (Array.isArray(v) && v.length > 1) {
            a.set(k, [...v].reverse());
            return true;
          }
        return false;
      }),
  },
];

function jsonText(a: PyDict): string {
  // Python's json.dumps form, so floats keep their ".0".
  const enc = (v: PyValue): string => {
    if (v instanceof PyFloat) {
      const s = String(v.value);
      return /[.eEn]/.test(s) ? s : `${s}.0`;
    }
    if (Array.isArray(v)) return `[${v.map(enc).join(', ')}]`;
    if (isDict(v)) return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}: ${enc(x)}`).join(', ')}}`;
    return JSON.stringify(v);
  };
  return enc(a);
}

/** Results for an irrelevance/relevance entry: calling the first offered function, or not calling. */
export function relevanceResults(functions: FunctionDoc[]): { name: string; result: PyValue }[] {
  const f = functions[0];
  const args: PyDict = new Map();
  for (const p of f?.parameters.required ?? []) args.set(p, 'x');
  return [
    { name: 'call_first', result: f ? [new Map([[f.name, args]])] : [] },
    { name: 'call_json_text', result: f ? [new Map([[f.name, jsonText(args)]])] : [] },
    { name: 'text_answer', result: 'I cannot help with that.' },
    { name: 'empty_list', result: [] },
    { name: 'empty_string', result: '' },
    { name: 'empty_call', result: [new Map()] },
    { name: 'args_not_object', result: f ? [new Map([[f.name, '5']])] : [5] },
    { name: 'args_bad_json', result: f ? [new Map([[f.name, '{']])] : [5] },
    { name: 'two_calls', result: f ? [new Map([[f.name, args]]), new Map([[f.name, args]])] : [] },
  ];
}
