// Turns BFCL function docs into OpenAI tools the way BFCL's FC handlers do (language hints, its `dict`,
// `float`, `tuple`, `any` and Java/JS types mapped to JSON Schema, dots in names made legal) and maps names back.
import type { OpenAITool } from '../domain/chat.js';
import type { FunctionDoc } from './ast-checker.js';
import { languageOf } from './check-entry.js';

/** bfcl_eval.constants.type_mappings.GORILLA_TO_OPENAPI */
const GORILLA_TO_OPENAPI: Record<string, string> = {
  integer: 'integer',
  number: 'number',
  float: 'number',
  string: 'string',
  boolean: 'boolean',
  bool: 'boolean',
  array: 'array',
  list: 'array',
  dict: 'object',
  object: 'object',
  tuple: 'array',
  any: 'string',
  byte: 'integer',
  short: 'integer',
  long: 'integer',
  double: 'number',
  char: 'string',
  ArrayList: 'array',
  Array: 'array',
  HashMap: 'object',
  Hashtable: 'object',
  Queue: 'array',
  Stack: 'array',
  Any: 'string',
  String: 'string',
  Bigint: 'integer',
};

type Schema = Record<string, any>; // BFCL's docs are loose JSON; this module only rewrites their type fields.

const HINT = {
  python: ' Note that the provided function is in Python 3 syntax.',
  java: ' Note that the provided function is in Java 8 SDK syntax.',
  javascript: ' Note that the provided function is in JavaScript syntax.',
};

/** bfcl_eval.utils._func_doc_language_specific_pre_processing: Java/JS arguments become strings of source. */
function preprocess(fn: Schema, category: string): Schema {
  const lang = languageOf(category);
  fn.description = `${fn.description ?? ''}${HINT[lang]}`;
  if (lang === 'python') return fn;
  const langName = lang === 'java' ? 'Java' : 'JavaScript';
  for (const value of Object.values<Schema>(fn.parameters.properties ?? {})) {
    if (value.type === 'any')
      value.description = `${value.description ?? ''} This parameter can be of any type of ${langName} object in string representation.`;
    else
      value.description = `${value.description ?? ''} This is ${langName} ${value.type} type parameter in string representation.`;
    const listTypes = lang === 'java' ? ['ArrayList', 'Array'] : ['array'];
    if (listTypes.includes(value.type)) {
      value.description += ` The list elements are of type ${value.items?.type}; they are not in string representation.`;
      delete value.items;
    }
    if (lang === 'javascript' && value.type === 'dict' && 'properties' in value) {
      value.description += ` The dictionary entries have the following schema; they are not in string representation. ${JSON.stringify(value.properties)}`;
      delete value.properties;
    }
    value.type = 'string';
  }
  return fn;
}

/** bfcl_eval.model_handler.utils._cast_to_openai_type with the GORILLA_TO_OPENAPI mapping. */
function castToOpenAIType(properties: Schema): Schema {
  for (const key of Object.keys(properties)) {
    const value = properties[key];
    if (!('type' in value)) value.type = 'string';
    else {
      if (value.type === 'float') {
        value.format = 'float';
        value.description = `${value.description ?? ''} This is a float type value.`;
      }
      value.type = GORILLA_TO_OPENAPI[value.type] ?? 'string';
    }
    if (value.type === 'array' || value.type === 'object') {
      if ('properties' in value) value.properties = castToOpenAIType(value.properties);
      else if ('items' in value) {
        value.items.type = GORILLA_TO_OPENAPI[value.items.type] ?? 'string';
        if (value.items.type === 'array' && 'items' in value.items)
          value.items.items.type = GORILLA_TO_OPENAPI[value.items.items.type] ?? 'string';
        else if (value.items.type === 'object' && 'properties' in value.items)
          value.items.properties = castToOpenAIType(value.items.properties);
      }
    }
  }
  return properties;
}

export type BfclTools = {
  tools: OpenAITool[];
  /** Tool name as sent -> BFCL function name (dots restored). */
  originalName: Map<string, string>;
};

/** The tools BFCL's OpenAI FC handler sends for these docs. */
export function bfclToolsFor(functions: FunctionDoc[], category: string): BfclTools {
  const originalName = new Map<string, string>();
  const tools = functions.map((doc) => {
    const fn = preprocess(structuredClone(doc) as Schema, category);
    // OpenAI names must match ^[a-zA-Z0-9_-]{1,64}$; BFCL replaces only the dots.
    const name = fn.name.replace(/\./g, '_');
    if (!originalName.has(name)) originalName.set(name, fn.name);
    fn.parameters.type = 'object';
    fn.parameters.properties = castToOpenAIType(fn.parameters.properties ?? {});
    return { type: 'function' as const, function: { name, description: fn.description, parameters: fn.parameters } };
  });
  return { tools, originalName };
}
