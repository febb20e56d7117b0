// BFCL's AST checker: judges decoded calls against a ground truth with the official rules. A line-by-line
// port of bfcl_eval/eval_checker/ast_eval/ast_checker.py (bfcl-eval 2026.3.23), quirks included.
//
// Values are PyValues (py-value.ts) so Python's int/float/bool distinctions and == semantics hold. Where the
// original raises (KeyError on an unknown type, ...), this throws PyCrash; checkEntry reports it.
import { JAVA_TYPE_CONVERSION, javaTypeConverter } from './java-values.js';
import { JS_TYPE_CONVERSION, jsTypeConverter } from './js-values.js';
import {
  PyCrash,
  PyFloat,
  asDict,
  isList,
  pyEq,
  pyGetKey,
  pyIn,
  pyIndex,
  pyIter,
  pyLen,
  pyType,
  repr,
  type PyDict,
  type PyTypeName,
  type PyValue,
} from './py-value.js';

export type Language = 'python' | 'java' | 'javascript';

/** A function doc as BFCL publishes it (parameters in its JSON-Schema dialect). */
export type FunctionDoc = {
  name: string;
  description?: string;
  parameters: { type?: string; properties: Record<string, ParamDoc>; required: string[] };
};
export type ParamDoc = { type: string; items?: { type: string }; description?: string; [k: string]: unknown };

/** What the checker says: BFCL's `{valid, error, error_type}`. error_type is absent when valid. */
export type CheckResult = { valid: boolean; error: unknown[]; error_type?: string };

export type CheckOptions = {
  language: Language;
  /**
   * Mirror BFCL's `underscore_to_dot` model config: expect dotted function names written with `_` (what
   * OpenAI-style FC models return when names were made legal). Default false: names are matched as given.
   */
  underscoreToDot?: boolean;
};

const PYTHON_TYPE_MAPPING: Record<string, PyTypeName> = {
  string: 'str',
  integer: 'int',
  float: 'float',
  boolean: 'bool',
  array: 'list',
  tuple: 'list',
  dict: 'dict',
  any: 'str',
};
const PYTHON_NESTED_TYPE_CHECK_LIST = ['array', 'tuple'];
const NESTED_CONVERSION_TYPE_LIST = ['Array', 'ArrayList', 'array'];

type ExpectedType = PyTypeName | 'set';
const ok = (): CheckResult => ({ valid: true, error: [] });
const fail = (error_type: string, ...error: unknown[]): CheckResult => ({ valid: false, error, error_type });

/**
 * The checker's entry point: picks the parallel (order-free), multiple or simple rule set from the category
 * name exactly as BFCL does (`"parallel" in category`, then `"multiple" in category`).
 */
export function astCheck(
  functions: FunctionDoc[],
  modelOutput: PyDict[],
  possibleAnswer: PyDict[],
  category: string,
  opts: CheckOptions,
): CheckResult {
  if (category.includes('parallel'))
    return parallelFunctionCheckerNoOrder(functions, modelOutput, possibleAnswer, opts);
  if (category.includes('multiple')) return multipleFunctionChecker(functions, modelOutput, possibleAnswer, opts);
  if (modelOutput.length !== 1) return fail('simple_function_checker:wrong_count', 'Wrong number of functions.');
  if (functions.length === 0 || possibleAnswer.length === 0) throw new PyCrash('IndexError', 'list index out of range');
  return simpleFunctionChecker(functions[0], modelOutput[0], possibleAnswer[0], opts);
}

export function findDescription(functions: FunctionDoc[], name: string): FunctionDoc | undefined {
  return functions.find((f) => f.name === name);
}

function getPossibleAnswerType(possibleAnswer: PyValue): PyTypeName | undefined {
  for (const answer of pyIter(possibleAnswer)) if (!pyEq(answer, '')) return pyType(answer);
  return undefined;
}

function convertFuncName(name: string, opts: CheckOptions): string {
  return opts.underscoreToDot && name.includes('.') ? name.replace(/\./g, '_') : name;
}

type TypeCheck = CheckResult & { is_variable: boolean };

function typeChecker(
  param: string,
  value: PyValue,
  possibleAnswer: PyValue,
  expectedDescription: string,
  expected: ExpectedType,
  nested: ExpectedType | undefined,
): TypeCheck {
  const result: TypeCheck = { valid: true, error: [], is_variable: false, error_type: 'type_error:simple' };
  let isVariable = false;
  // A ground truth whose values have another type than the doc says names a variable (e.g. "x").
  const paType = getPossibleAnswerType(possibleAnswer);
  if (paType !== undefined && paType !== expected) isVariable = true;

  if (pyType(value) === expected) {
    if (nested === undefined) {
      result.is_variable = isVariable;
      return result;
    }
    for (const paItem of pyIter(possibleAnswer)) {
      let flag = true;
      if (isList(paItem)) {
        for (const valueItem of value as PyValue[]) {
          const r = typeChecker(param, valueItem, paItem, `<class '${nested}'>`, nested, undefined);
          if (!r.valid) {
            flag = false;
            break;
          }
        }
      }
      if (flag) return { valid: true, error: [], is_variable: isVariable };
    }
    result.valid = false;
    result.error = [
      `Nested type checking failed for parameter ${repr(param)}. Expected outer type ${expectedDescription} with inner type <class '${nested}'>. Parameter value: ${repr(value)}.`,
    ];
    result.error_type = 'type_error:nested';
  }
  // The value may be a variable: accept it when it has the ground truth's type.
  if (paType !== undefined && pyType(value) === paType) {
    result.is_variable = true;
    return result;
  }
  result.valid = false;
  result.error.push(
    `Incorrect type for parameter ${repr(param)}. Expected type ${expectedDescription}, got ${pyType(value)}. Parameter value: ${repr(value)}.`,
  );
  result.error_type = 'type_error:simple';
  return result;
}

/** Drops spaces and `,./-_*^`, lowercases, and turns ' into " (so "April 1, 2024" matches "april 1 2024"). */
export function standardizeString(s: string): string {
  return s
    .replace(/[ ,./\-_*^]/g, '')
    .toLowerCase()
    .replace(/'/g, '"');
}

function stringChecker(param: string, modelOutput: string, possibleAnswer: PyValue): CheckResult {
  const std: string[] = [];
  for (const a of pyItems(possibleAnswer)) if (typeof a === 'string') std.push(standardizeString(a));
  if (!std.includes(standardizeString(modelOutput))) {
    return fail(
      'value_error:string',
      `Invalid value for parameter ${repr(param)}: ${repr(modelOutput)}. Expected one of ${repr(possibleAnswer)}. Case insensitive.`,
    );
  }
  return ok();
}

function listChecker(param: string, modelOutput: PyValue[], possibleAnswer: PyValue): CheckResult {
  const stdOutput = modelOutput.map((x) => (typeof x === 'string' ? standardizeString(x) : x));
  const stdAnswers: PyValue[] = [];
  for (const answer of pyItems(possibleAnswer)) {
    stdAnswers.push(pyItems(answer).map((item) => (typeof item === 'string' ? standardizeString(item) : item)));
  }
  if (!pyIn(stdOutput, stdAnswers)) {
    return fail(
      'value_error:list/tuple',
      `Invalid value for parameter ${repr(param)}: ${repr(modelOutput)}. Expected one of ${repr(possibleAnswer)}.`,
    );
  }
  return ok();
}

function dictChecker(param: string, modelOutput: PyDict, possibleAnswers: PyValue[]): CheckResult {
  let result: CheckResult = { valid: false, error: [], error_type: 'dict_checker:unclear' };
  for (const possibleAnswer of possibleAnswers) {
    if (pyEq(possibleAnswer, '')) continue;
    result = { valid: false, error: [], error_type: 'dict_checker:unclear' };
    let flag = true;
    for (const [key, value] of modelOutput) {
      if (!pyIn(key, possibleAnswer)) {
        result.error.push(`Unexpected dict key parameter: '${key}'.`);
        result.error_type = 'value_error:dict_key';
        flag = false;
        break;
      }
      const stdValue = typeof value === 'string' ? standardizeString(value) : value;
      const stdAnswers = pyItems(pyGetKey(possibleAnswer, key, `ground truth of ${param}`)).map((a) =>
        typeof a === 'string' ? standardizeString(a) : a,
      );
      if (!pyIn(stdValue, stdAnswers)) {
        result.error.push(
          `Invalid value for parameter ${repr(key)}: ${repr(value)}. Expected one of ${repr(stdAnswers)}.`,
        );
        result.error_type = 'value_error:dict_value';
        flag = false;
        break;
      }
    }
    // Runs even after a failure above, so a missing key can overwrite the error type (as in the original).
    for (const [key, value] of asDict(possibleAnswer, `ground truth of ${param}`)) {
      if (!modelOutput.has(key) && !pyIn('', value)) {
        result.error.push(`Missing dict key parameter: '${key}'.`);
        result.error_type = 'value_error:dict_key';
        flag = false;
        break;
      }
    }
    if (flag) return ok();
  }
  return result;
}

function listDictChecker(param: string, modelOutput: PyValue[], possibleAnswers: PyValue): CheckResult {
  let result: CheckResult = { valid: false, error: [], error_type: 'list_dict_checker:unclear' };
  for (const answer of pyItems(possibleAnswers)) {
    let flag = true;
    if (modelOutput.length !== pyLen(answer)) {
      result = fail('value_error:list_dict_count', 'Wrong number of dictionaries in the list.');
      continue;
    }
    for (let i = 0; i < modelOutput.length; i++) {
      result = dictChecker(param, asDict(modelOutput[i], `${param}[${i}]`), [pyIndex(answer, i)]);
      if (!result.valid) {
        flag = false;
        break;
      }
    }
    if (flag) return ok();
  }
  return result;
}

/** One decoded call `{name: {param: value}}` against one ground-truth call `{name: {param: [values]}}`. */
export function simpleFunctionChecker(
  doc: FunctionDoc | undefined,
  modelOutput: PyDict,
  possibleAnswerCall: PyDict,
  opts: CheckOptions,
): CheckResult {
  if (!doc)
    throw new PyCrash(
      'TypeError',
      "'NoneType' object is not subscriptable (no function doc for the ground truth's name)",
    );
  const firstAnswer = possibleAnswerCall.values().next();
  if (firstAnswer.done) throw new PyCrash('IndexError', 'list index out of range (empty ground-truth call)');
  const possibleAnswer = asDict(firstAnswer.value, 'ground truth call');
  if (!doc.parameters?.properties) throw new PyCrash('KeyError', `'properties' (function doc ${doc.name})`);
  if (!Array.isArray(doc.parameters.required)) throw new PyCrash('KeyError', `'required' (function doc ${doc.name})`);
  const paramDetails = doc.parameters.properties;
  const funcName = convertFuncName(doc.name, opts);

  if (!modelOutput.has(funcName)) {
    return fail(
      'simple_function_checker:wrong_func_name',
      `Function name ${repr(funcName)} not found in model output.`,
    );
  }
  const modelParams = asDict(modelOutput.get(funcName)!, `arguments of ${funcName}`);

  for (const param of doc.parameters.required) {
    if (!modelParams.has(param))
      return fail('simple_function_checker:missing_required', `Missing required parameter: ${repr(param)}.`);
  }

  for (const [param, rawValue] of modelParams) {
    let value = rawValue;
    if (!Object.hasOwn(paramDetails, param) || !possibleAnswer.has(param)) {
      return fail('simple_function_checker:unexpected_param', `Unexpected parameter: ${repr(param)}.`);
    }
    const details = paramDetails[param];
    const description = details.type;
    let expected: ExpectedType;
    let nested: ExpectedType | undefined;
    const nestedItemType = () => {
      if (!details.items || details.items.type === undefined)
        throw new PyCrash('KeyError', `'items' (parameter ${param} of ${doc.name})`);
      return details.items.type;
    };

    if (opts.language === 'java') {
      expected = lookup(JAVA_TYPE_CONVERSION, description, `Java type of ${param} in ${doc.name}`);
      if (typeof value !== 'string') {
        return fail(
          'type_error:java',
          `Incorrect type for parameter ${repr(param)}. Expected type String, got ${pyType(value)}. Parameter value: ${repr(value)}.`,
        );
      }
      if (NESTED_CONVERSION_TYPE_LIST.includes(description)) {
        const nestedType = nestedItemType();
        nested = lookup(JAVA_TYPE_CONVERSION, nestedType, `Java item type of ${param} in ${doc.name}`);
        value = javaTypeConverter(value, description, nestedType);
      } else {
        value = javaTypeConverter(value, description);
      }
    } else if (opts.language === 'javascript') {
      expected = lookup(JS_TYPE_CONVERSION, description, `JavaScript type of ${param} in ${doc.name}`);
      if (typeof value !== 'string') {
        return fail(
          'type_error:js',
          `Incorrect type for parameter ${repr(param)}. Expected type String, got ${pyType(value)}. Parameter value: ${repr(value)}.`,
        );
      }
      if (NESTED_CONVERSION_TYPE_LIST.includes(description)) {
        const nestedType = nestedItemType();
        nested = lookup(JS_TYPE_CONVERSION, nestedType, `JavaScript item type of ${param} in ${doc.name}`);
        value = jsTypeConverter(value, description, nestedType);
      } else {
        value = jsTypeConverter(value, description);
      }
    } else {
      expected = lookup(PYTHON_TYPE_MAPPING, description, `type of ${param} in ${doc.name}`);
      if (PYTHON_NESTED_TYPE_CHECK_LIST.includes(description)) {
        nested = lookup(PYTHON_TYPE_MAPPING, nestedItemType(), `item type of ${param} in ${doc.name}`);
      }
    }

    // Python lets an int stand for a float.
    if (opts.language === 'python' && description === 'float' && typeof value === 'number') value = new PyFloat(value);

    const paValues = possibleAnswer.get(param)!;
    const tc = typeChecker(param, value, paValues, description, expected, nested);
    if (!tc.valid) return { valid: false, error: tc.error, error_type: tc.error_type };

    if (!tc.is_variable) {
      if (expected === 'dict') {
        const r = dictChecker(param, asDict(value, param), pyItems(paValues));
        if (!r.valid) return r;
        continue;
      } else if (expected === 'list' && nested === 'dict') {
        const r = listDictChecker(param, value as PyValue[], paValues);
        if (!r.valid) return r;
        continue;
      } else if (expected === 'str') {
        const r = stringChecker(param, value as string, paValues);
        if (!r.valid) return r;
        continue;
      } else if (expected === 'list') {
        const r = listChecker(param, value as PyValue[], paValues);
        if (!r.valid) return r;
        continue;
      }
    }
    if (!pyIn(value, paValues)) {
      return fail(
        'value_error:others',
        `Invalid value for parameter ${repr(param)}: ${repr(value)}. Expected one of ${repr(paValues)}.`,
      );
    }
  }

  for (const [param, values] of possibleAnswer) {
    if (!modelParams.has(param) && !pyIn('', values)) {
      return fail(
        'simple_function_checker:missing_optional',
        `Optional parameter ${repr(param)} not provided and not marked as optional.`,
      );
    }
  }
  return ok();
}

/** Python `[v[i] for i in range(len(v))]` (how the original walks answers; a dict there raises KeyError). */
function pyItems(v: PyValue): PyValue[] {
  const out: PyValue[] = [];
  const n = pyLen(v);
  for (let i = 0; i < n; i++) out.push(pyIndex(v, i));
  return out;
}

function lookup<T>(table: Record<string, T>, key: string, where: string): T {
  if (!Object.hasOwn(table, key)) throw new PyCrash('KeyError', `'${key}' (${where})`);
  return table[key];
}

/** Parallel categories: every ground-truth call must match a distinct model call, in any order. */
export function parallelFunctionCheckerNoOrder(
  functions: FunctionDoc[],
  modelOutput: PyDict[],
  possibleAnswers: PyDict[],
  opts: CheckOptions,
): CheckResult {
  if (modelOutput.length !== possibleAnswers.length) {
    return fail('parallel_function_checker_no_order:wrong_count', 'Wrong number of functions.');
  }
  const matched = new Set<number>();
  let result: CheckResult = ok();
  for (let i = 0; i < possibleAnswers.length; i++) {
    const expectedName = firstKey(possibleAnswers[i]);
    const doc = findDescription(functions, expectedName);
    const allErrors: unknown[] = [];
    for (let index = 0; index < modelOutput.length; index++) {
      if (matched.has(index)) continue;
      result = simpleFunctionChecker(doc, modelOutput[index], possibleAnswers[i], opts);
      if (result.valid) {
        matched.add(index);
        break;
      }
      allErrors.push({
        [`Model Result Index ${index}`]: {
          sub_error: result.error,
          sub_error_type: result.error_type,
        },
      });
    }
    if (!result.valid) {
      const considered = modelOutput.map((_, j) => j).filter((j) => !matched.has(j));
      allErrors.unshift(
        `Could not find a matching function among index [${considered.join(', ')}] of model output for index ${i} of possible answers.`,
      );
      return { valid: false, error: allErrors, error_type: 'parallel_function_checker_no_order:cannot_find_match' };
    }
  }
  return ok();
}

/** Multiple categories: one call, to the right one of several offered functions. */
export function multipleFunctionChecker(
  functions: FunctionDoc[],
  modelOutput: PyDict[],
  possibleAnswers: PyDict[],
  opts: CheckOptions,
): CheckResult {
  if (modelOutput.length !== possibleAnswers.length)
    return fail('multiple_function_checker:wrong_count', 'Wrong number of functions.');
  if (possibleAnswers.length === 0) throw new PyCrash('IndexError', 'list index out of range (empty ground truth)');
  const doc = findDescription(functions, firstKey(possibleAnswers[0]));
  return simpleFunctionChecker(doc, modelOutput[0], possibleAnswers[0], opts);
}

function firstKey(d: PyDict): string {
  const k = d.keys().next();
  if (k.done) throw new PyCrash('IndexError', 'list index out of range (empty ground-truth call)');
  return k.value;
}
