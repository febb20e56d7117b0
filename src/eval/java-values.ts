// Turns a Java argument written as source text ("50L", "new ArrayList<>(Arrays.asList(1, 2))") into the
// Python value BFCL compares against: a line-by-line port of bfcl_eval's java_type_converter.py, quirks kept.
//
// Regex notes: Python's `$` also matches before a final newline (written `(?=\n?$)` here) and its `.`
// matches \r (written `[^\n]`). Where the original "defaults to string", so does this port.
import {
  PyCrash,
  type PyFloat,
  dropLast,
  pyFloatOf,
  pyIntOf,
  pyStrip,
  sliceInner,
  type PyDict,
  type PyValue,
} from './py-value.js';

export const JAVA_TYPE_CONVERSION: Record<string, 'int' | 'float' | 'bool' | 'str' | 'list' | 'dict' | 'set'> = {
  byte: 'int',
  short: 'int',
  integer: 'int',
  float: 'float',
  double: 'float',
  long: 'int',
  boolean: 'bool',
  char: 'str',
  Array: 'list',
  ArrayList: 'list',
  Set: 'set',
  HashMap: 'dict',
  Hashtable: 'dict',
  Queue: 'list',
  Stack: 'list',
  String: 'str',
  any: 'str',
};

const INT_RE = /^-?\d+(?=\n?$)/;
const FLOAT_F_RE = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF](?=\n?$)/;
const DOUBLE_RE = /^-?\d+(\.\d+)?([eE][+-]?\d+)?(?=\n?$)/;
const LONG_RE = /^-?\d+[lL](?=\n?$)/;
const TRAILING_F = /[fF](?=\n?$)/;
const TRAILING_L = /[lL](?=\n?$)/;

const mustInt = (s: string): number => {
  const v = pyIntOf(s);
  if (v === undefined) throw new PyCrash('ValueError', `invalid literal for int() with base 10: '${s}'`);
  return v;
};
const mustFloat = (s: string): PyFloat => {
  const v = pyFloatOf(s);
  if (v === undefined) throw new PyCrash('ValueError', `could not convert string to float: '${s}'`);
  return v;
};

export function javaTypeConverter(value: string, expectedType: string, nestedType?: string): PyValue {
  if (!(expectedType in JAVA_TYPE_CONVERSION)) throw new PyCrash('ValueError', `Unsupported type: ${expectedType}`);
  switch (expectedType) {
    case 'byte':
    case 'short':
    case 'integer':
      return INT_RE.test(value) ? mustInt(value) : value;
    case 'float':
      return FLOAT_F_RE.test(value) ? mustFloat(value.replace(TRAILING_F, '')) : value;
    case 'double':
      return DOUBLE_RE.test(value) ? mustFloat(value) : value;
    case 'long':
      return LONG_RE.test(value) ? mustInt(value.replace(TRAILING_L, '')) : value;
    case 'boolean':
      return value === 'true' || value === 'false' ? value === 'true' : value;
    case 'char':
      // The original pattern r"^\'.$\'" can never match (`$` precedes a quote), so a char stays as written.
      return value;
    case 'Array':
      return parseArray(value, nestedType);
    case 'ArrayList':
      return parseArrayList(value, nestedType);
    case 'HashMap':
      return parseHashMap(value);
    case 'Set':
    case 'Hashtable':
      throw new PyCrash('NotImplementedError', 'Set conversion is not implemented');
    case 'Queue':
    case 'Stack':
      throw new PyCrash('NotImplementedError', `${expectedType} conversion is not implemented`);
    default: // String, any
      return value;
  }
}

const W = '[\\p{L}\\p{N}_]';
const AS_LIST = new RegExp(`new\\s+ArrayList<${W}*>\\(Arrays\\.asList\\(([^\\n]+?)\\)\\)`, 'u');
const ADD_BLOCK = new RegExp(`new\\s+ArrayList<${W}*>\\(\\)\\s*\\{\\{\\s*(.+?)\\s*\\}\\}`, 'su');
const ADD_CALL = /add\(([^\n]+?)\)/g;
const EMPTY_LIST = new RegExp(`new\\s+ArrayList<${W}*>\\(\\)`, 'u');
const ARRAY = new RegExp(`new\\s+${W}+\\[\\]\\s*\\{([^\\n]*?)\\}`, 'u');
const HASHMAP = /new\s+HashMap<.*?>\s*\(\)\s*\{\s*\{?\s*(.*?)\s*\}?\s*\}/s;
const PUT_CALL = /put\("([^\n]*?)",\s*([^\n]*?)\)/g;
const EMPTY_MAP = /new\s+HashMap<[^\n]*?>\s*\(\)/;

function listElement(raw: string, nestedType?: string): PyValue {
  const s = pyStrip(raw);
  if (nestedType === 'char' || nestedType === 'String') return sliceInner(s); // drop the quotes
  return nestedType ? javaTypeConverter(s, nestedType) : parseJavaValue(s);
}

function parseArrayList(input: string, nestedType?: string): PyValue {
  const asList = AS_LIST.exec(input);
  if (asList) return asList[1].split(',').map((e) => listElement(e, nestedType));
  const add = ADD_BLOCK.exec(input);
  if (add) return [...add[1].matchAll(ADD_CALL)].map((m) => listElement(m[1], nestedType));
  if (EMPTY_LIST.test(input)) return [];
  return input;
}

function parseArray(input: string, nestedType?: string): PyValue {
  const m = ARRAY.exec(input);
  if (!m) return input;
  const parts = m[1].split(',').filter((x) => pyStrip(x) !== '');
  // Unlike ArrayList, nested String elements keep their quotes here (the original passes them through).
  return parts.map((x) => (nestedType ? javaTypeConverter(pyStrip(x), nestedType) : parseJavaValue(pyStrip(x))));
}

function parseHashMap(input: string): PyValue {
  const m = HASHMAP.exec(input);
  if (m) {
    const out: PyDict = new Map();
    if (pyStrip(m[1]) !== '') {
      for (const put of m[1].matchAll(PUT_CALL)) out.set(put[1], parseJavaValue(pyStrip(put[2])));
    }
    return out;
  }
  if (EMPTY_MAP.test(input)) return new Map();
  return input;
}

/** Parses a Java literal without knowing its declared type. */
export function parseJavaValue(s: string): PyValue {
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s.startsWith('"') && s.endsWith('"')) return sliceInner(s);
  if (LONG_RE.test(s)) return mustInt(dropLast(s));
  if (FLOAT_F_RE.test(s)) return mustFloat(s.replace(TRAILING_F, ''));
  return pyIntOf(s) ?? pyFloatOf(s) ?? s;
}
