// Turns a JavaScript argument written as source text ("[60, 30]", "{limit: 4}") into the Python value BFCL
// compares against: a line-by-line port of bfcl_eval's js_type_converter.py, quirks kept.
//
// Regex notes as in java-values.ts: Python `re.match` anchors only at the start (sticky `y` here), `.` is
// `[^\n]`, and a bare `except:` in the original becomes "return the code unchanged".
import {
  PyCrash,
  pyFloatOf,
  pyIntOf,
  pyStrip,
  pyStripChars,
  sliceInner,
  dropLast,
  type PyDict,
  type PyValue,
} from './py-value.js';

export const JS_TYPE_CONVERSION: Record<string, 'str' | 'int' | 'float' | 'bool' | 'dict' | 'list'> = {
  String: 'str',
  integer: 'int',
  float: 'float',
  Bigint: 'int',
  Boolean: 'bool',
  dict: 'dict',
  array: 'list',
  any: 'str',
};

const INT_RE = /^-?\d+(?=\n?$)/;
const FLOAT_RE = /^-?\d+(\.\d+)?(?=\n?$)/;
const BIGINT_RE = /^-?\d+n(?=\n?$)/;

export function jsTypeConverter(value: string, expectedType: string, nestedType?: string): PyValue {
  if (!(expectedType in JS_TYPE_CONVERSION)) throw new PyCrash('ValueError', `Unsupported type: ${expectedType}`);
  switch (expectedType) {
    case 'String':
      if (!(value.startsWith('"') && value.endsWith('"')) && !(value.startsWith("'") && value.endsWith("'")))
        return value;
      return sliceInner(value);
    case 'integer':
      return INT_RE.test(value) ? must(pyIntOf(value), value) : value;
    case 'float':
      return FLOAT_RE.test(value) ? must(pyFloatOf(value), value) : value;
    case 'Bigint':
      return BIGINT_RE.test(value) ? must(pyIntOf(dropLast(value)), value) : value;
    case 'Boolean':
      return value === 'true' || value === 'false' ? value === 'true' : value;
    case 'dict':
      return parseJsCollection(value, 'dict', nestedType);
    case 'array':
      return parseJsCollection(value, 'array', nestedType);
    default: // any
      return value;
  }
}

function must<T>(v: T | undefined, s: string): T {
  if (v === undefined) throw new PyCrash('ValueError', `invalid literal: '${s}'`);
  return v;
}

const ARRAY_2D = /\[\s*\[[^\n]*?\]\s*(,\s*\[[^\n]*?\]\s*)*\]|\bnew\s+Array\(\s*\[[^\n]*?\]\s*(,\s*\[[^\n]*?\]\s*)*\)/y;
const ARRAY_1D = /\[([^\n]*?)\]|\bnew\s+Array\(([^\n]*?)\)/y;
const INNER_ARRAY = /\[([^\n]*?)\]/g;
const DICT = /\{([^\n]*?)\}/y;
const PAIR = /([^:]+):\s*([^\n]*?)(?:,\s*(?=[^,]+:)|(?=\n?$))/g;

/** Python `re.match`: anchored at the start only. */
function matchStart(re: RegExp, s: string): RegExpExecArray | null {
  re.lastIndex = 0;
  return re.exec(s);
}

export function parseJsCollection(codeIn: string, typeStr: 'array' | 'dict', nestedType?: string): PyValue {
  const code = pyStrip(codeIn);
  if (typeStr === 'array') {
    try {
      const m2 = matchStart(ARRAY_2D, code);
      if (m2) {
        const inner = [...m2[0].matchAll(INNER_ARRAY)].map((m) => m[1]);
        return inner.map((rawInner, idx) => {
          let s = pyStrip(rawInner);
          if (idx === 0 && s.startsWith('[')) s = s.slice(1);
          return s.split(',').map((e) => parseJsValue(pyStrip(e)));
        });
      }
      const m1 = matchStart(ARRAY_1D, code);
      if (!m1) return code;
      const group = m1[1] ?? m1[2];
      const body = group === undefined ? '' : pyStrip(group);
      const elements = body ? body.split(',') : [];
      if (nestedType) {
        return elements.map((e) => {
          const t = pyStrip(e);
          return t.startsWith("'") || t.startsWith('"')
            ? jsTypeConverter(t, nestedType, 'String')
            : jsTypeConverter(t, nestedType);
        });
      }
      return elements.map((e) => parseJsValue(pyStrip(e)));
    } catch {
      return code; // the original's bare `except:`
    }
  }
  if (code === '{}') return new Map();
  const m = matchStart(DICT, code);
  if (!m) return code;
  try {
    const out: PyDict = new Map();
    for (const [, rawKey, rawValue] of m[1].matchAll(PAIR)) {
      const key = pyStripChars(pyStrip(rawKey), '\'"');
      const value = pyStrip(rawValue);
      if (value.startsWith('[') && value.endsWith(']')) out.set(key, parseJsCollection(value, 'array'));
      else if (value.startsWith('{') && value.endsWith('}')) out.set(key, parseJsCollection(value, 'dict'));
      else out.set(key, parseJsValue(pyStripChars(value, '\'"')));
    }
    return out;
  } catch {
    return code;
  }
}

export function parseJsValue(raw: string): PyValue {
  const s = pyStrip(raw);
  if (s === 'true') return true;
  if (s === 'false') return false;
  if ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'"))) return sliceInner(s);
  return pyIntOf(s) ?? pyFloatOf(s) ?? s;
}
