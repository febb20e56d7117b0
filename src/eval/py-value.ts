// Python's value semantics, as far as BFCL's checker depends on them: a JSON parser that keeps 1 and 1.0
// apart (the checker's type rules need it), ==, `in`, len, iteration, str.strip, int()/float() and repr.
//
// Model: None=null, bool=boolean, int=number (integral), float=PyFloat, str=string, list=array,
// dict=Map (insertion order kept: the FC decoder takes an item's *first* key).

/** A Python float. Ints are plain numbers; floats are boxed so `20` and `20.0` stay distinguishable. */
export class PyFloat {
  constructor(readonly value: number) {}
}
export type PyValue = null | boolean | number | PyFloat | string | PyValue[] | PyDict;
export type PyDict = Map<string, PyValue>;
export type PyTypeName = 'NoneType' | 'bool' | 'int' | 'float' | 'str' | 'list' | 'dict';

/**
 * Raised where the official checker itself would raise (KeyError, TypeError, ...). BFCL's runner does not
 * catch these, so the whole evaluation stops; we turn them into a `checker_error:crash` verdict instead.
 */
export class PyCrash extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(`${pyType}: ${message}`);
    this.name = 'PyCrash';
  }
}

export function pyType(v: PyValue): PyTypeName {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

export const isDict = (v: PyValue): v is PyDict => v instanceof Map;
export const isList = (v: PyValue): v is PyValue[] => Array.isArray(v);

function numeric(v: PyValue): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

/** Python `a == b` for JSON-born values (bool == int == float numerically, list/dict structurally). */
export function pyEq(a: PyValue, b: PyValue): boolean {
  if (a === b) return typeof a !== 'number' || !Number.isNaN(a);
  const na = numeric(a);
  if (na !== undefined) {
    const nb = numeric(b);
    return nb !== undefined && na === nb;
  }
  if (a === null || b === null) return false;
  if (typeof a === 'string' || typeof b === 'string') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEq(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !pyEq(v, b.get(k)!)) return false;
    }
    return true;
  }
  return false;
}

const isHashable = (v: PyValue) => !Array.isArray(v) && !(v instanceof Map);

/** Python `x in container`: membership for lists, substring for str, key lookup for dict. */
export function pyIn(x: PyValue, container: PyValue): boolean {
  if (Array.isArray(container)) {
    for (const item of container) if (pyEq(x, item)) return true;
    return false;
  }
  if (typeof container === 'string') {
    if (typeof x !== 'string')
      throw new PyCrash('TypeError', `'in <string>' requires string as left operand, not ${pyType(x)}`);
    return container.includes(x);
  }
  if (container instanceof Map) {
    if (!isHashable(x)) throw new PyCrash('TypeError', `unhashable type: '${pyType(x)}'`);
    // Dict keys here are always str; a number key never equals a str key in Python.
    return typeof x === 'string' && container.has(x);
  }
  throw new PyCrash('TypeError', `argument of type '${pyType(container)}' is not iterable`);
}

/** Python `len(v)` (str counts code points). */
export function pyLen(v: PyValue): number {
  if (typeof v === 'string') return codePoints(v).length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  throw new PyCrash('TypeError', `object of type '${pyType(v)}' has no len()`);
}

/** Python `for x in v`. */
export function pyIter(v: PyValue): PyValue[] {
  if (typeof v === 'string') return codePoints(v);
  if (Array.isArray(v)) return v;
  if (v instanceof Map) return [...v.keys()];
  throw new PyCrash('TypeError', `'${pyType(v)}' object is not iterable`);
}

/** Python `v[i]` for an int index. */
export function pyIndex(v: PyValue, i: number): PyValue {
  if (typeof v === 'string') return codePoints(v)[i] ?? crash('IndexError', 'string index out of range');
  if (Array.isArray(v)) {
    if (i >= v.length) throw new PyCrash('IndexError', 'list index out of range');
    return v[i];
  }
  if (v instanceof Map) throw new PyCrash('KeyError', String(i));
  throw new PyCrash('TypeError', `'${pyType(v)}' object is not subscriptable`);
}

/** Python `d[key]` on something that should be a dict. */
export function pyGetKey(d: PyValue, key: string, where: string): PyValue {
  if (d instanceof Map) {
    if (!d.has(key)) throw new PyCrash('KeyError', `${repr(key)} (${where})`);
    return d.get(key)!;
  }
  if (typeof d === 'string') throw new PyCrash('TypeError', `string indices must be integers (${where})`);
  if (Array.isArray(d)) throw new PyCrash('TypeError', `list indices must be integers or slices, not str (${where})`);
  throw new PyCrash('TypeError', `'${pyType(d)}' object is not subscriptable (${where})`);
}

export function asDict(v: PyValue, where: string): PyDict {
  if (v instanceof Map) return v;
  throw new PyCrash('AttributeError', `'${pyType(v)}' object has no attribute 'items' (${where})`);
}

function crash(t: string, m: string): never {
  throw new PyCrash(t, m);
}

export function codePoints(s: string): string[] {
  // Fast path: no surrogates means code units are code points.
  return /[\uD800-\uDFFF]/.test(s) ? Array.from(s) : s.split('');
}

/** Python `s[1:-1]`. */
export function sliceInner(s: string): string {
  return /[\uD800-\uDFFF]/.test(s) ? Array.from(s).slice(1, -1).join('') : s.slice(1, -1);
}
/** Python `s[:-1]`. */
export function dropLast(s: string): string {
  return /[\uD800-\uDFFF]/.test(s) ? Array.from(s).slice(0, -1).join('') : s.slice(0, -1);
}

// Python's str.isspace() set differs from JS's trim() (\x1c-\x1f and \x85 in, \ufeff out).
const PY_WS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, 'g');
/** Python `s.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}
/** Python `s.strip(chars)`. */
export function pyStripChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a])) a++;
  while (b > a && chars.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

const PY_INT = /^[+-]?\d(?:_?\d)*$/;
const PY_FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const PY_FLOAT_SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/** Python `int(s)` for base 10; undefined where Python raises ValueError. (ASCII digits only.) */
export function pyIntOf(s: string): number | undefined {
  const t = pyStrip(s);
  if (!PY_INT.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** Python `float(s)`; undefined where Python raises ValueError. */
export function pyFloatOf(s: string): PyFloat | undefined {
  const t = pyStrip(s);
  if (PY_FLOAT.test(t)) return new PyFloat(Number(t.replace(/_/g, '')));
  if (PY_FLOAT_SPECIAL.test(t)) {
    const neg = t.startsWith('-');
    return new PyFloat(/nan/i.test(t) ? NaN : neg ? -Infinity : Infinity);
  }
  return undefined;
}

/** Python's repr, close enough for error messages (never used for decisions). */
export function repr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (v instanceof PyFloat) {
    const x = v.value;
    if (Number.isNaN(x)) return 'nan';
    if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
    return Number.isInteger(x) && Math.abs(x) < 1e16 ? `${x}.0` : String(x);
  }
  if (typeof v === 'string')
    return v.includes("'") && !v.includes('"')
      ? JSON.stringify(v)
      : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
  return `{${[...v].map(([k, x]) => `${repr(k)}: ${repr(x)}`).join(', ')}}`;
}

// ---------------------------------------------------------------------------------------------------------
// JSON <-> PyValue

export class PyJsonError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'PyJsonError';
  }
}

const WS = /[ \t\n\r]*/y;
const NUM = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const STR_PLAIN = /"[^"\\\u0000-\u001f]*"/y;
const STR_ESCAPED = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/**
 * Parses JSON text like Python's `json.loads`: numbers with a fraction or exponent become PyFloat, objects
 * become Maps in source order, and NaN/Infinity/-Infinity are accepted (Python accepts them too).
 */
export function parsePyJson(text: string): PyValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new PyJsonError(`${what} at character ${pos}`, pos);
  };
  const ws = () => {
    WS.lastIndex = pos;
    WS.test(text);
    pos = WS.lastIndex;
  };
  const value = (): PyValue => {
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const m: PyDict = new Map();
      ws();
      if (text[pos] === '}') {
        pos++;
        return m;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('Expecting property name enclosed in double quotes');
        const k = string();
        ws();
        if (text[pos] !== ':') fail("Expecting ':' delimiter");
        pos++;
        m.set(k, value());
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return m;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '[') {
      pos++;
      const a: PyValue[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return a;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', pos)) return ((pos += 4), true);
    if (text.startsWith('false', pos)) return ((pos += 5), false);
    if (text.startsWith('null', pos)) return ((pos += 4), null);
    if (text.startsWith('NaN', pos)) return ((pos += 3), new PyFloat(NaN));
    if (text.startsWith('Infinity', pos)) return ((pos += 8), new PyFloat(Infinity));
    if (text.startsWith('-Infinity', pos)) return ((pos += 9), new PyFloat(-Infinity));
    NUM.lastIndex = pos;
    const m = NUM.exec(text);
    if (m) {
      pos = NUM.lastIndex;
      return m[1] !== undefined || m[2] !== undefined ? new PyFloat(Number(m[0])) : Number(m[0]);
    }
    return fail('Expecting value');
  };
  const string = (): string => {
    STR_PLAIN.lastIndex = pos;
    if (STR_PLAIN.test(text)) {
      const s = text.slice(pos + 1, STR_PLAIN.lastIndex - 1);
      pos = STR_PLAIN.lastIndex;
      return s;
    }
    STR_ESCAPED.lastIndex = pos;
    if (!STR_ESCAPED.test(text)) fail('Invalid string');
    const s = JSON.parse(text.slice(pos, STR_ESCAPED.lastIndex)) as string;
    pos = STR_ESCAPED.lastIndex;
    return s;
  };
  const v = value();
  ws();
  if (pos !== text.length) fail('Extra data');
  return v;
}

/** PyValue -> plain JSON-able JS (floats lose their float-ness: use for output only). */
export function toPlain(v: PyValue): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[k] = toPlain(x);
    return o;
  }
  return v;
}

/**
 * Plain JS (e.g. from JSON.parse) -> PyValue. JSON.parse has already merged 1 and 1.0, so a non-integral
 * number becomes a float and an integral one an int; pass JSON text through parsePyJson where that matters.
 */
export function fromPlain(v: unknown, where = 'value'): PyValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? v : new PyFloat(v);
  if (v instanceof PyFloat || v instanceof Map) return v as PyValue;
  if (Array.isArray(v)) return v.map((x, i) => fromPlain(x, `${where}[${i}]`));
  if (typeof v === 'object') {
    const m: PyDict = new Map();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, fromPlain(x, `${where}.${k}`));
    return m;
  }
  throw new TypeError(`${where}: ${typeof v} is not a JSON value`);
}

/** PyValue -> JSON text that Python's json.loads reads back to the same value (floats keep a `.0`). */
export function toPyJson(v: PyValue): string {
  if (v instanceof PyFloat) {
    const x = v.value;
    if (Number.isNaN(x)) return 'NaN';
    if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
    const s = String(x);
    return /[.eE]/.test(s) ? s : `${s}.0`;
  }
  if (Array.isArray(v)) return `[${v.map(toPyJson).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}: ${toPyJson(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}
