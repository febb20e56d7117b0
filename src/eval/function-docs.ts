// OpenAI tools (JSON Schema parameters) as BFCL function docs, so the BFCL checker can judge calls to our
// synthesized tools. Same mapping as src/eval/bfcl-match.ts uses for catalog tools.
import type { OpenAITool } from '../domain/chat.js';
import type { FunctionDoc, ParamDoc } from './ast-checker.js';

type Schema = Record<string, unknown>;

/**
 * JSON Schema type -> BFCL dialect: object->dict, number->float, integer/boolean/array/string unchanged,
 * a type list uses its first non-null member, an untyped schema is inferred (properties->dict, items->array,
 * enum->typeof its first member), anything else is `any`. An array without `items` gets items `any`, which
 * the checker reads as "items typed like the reference's items".
 */
export function bfclType(schema: Schema | undefined): string {
  if (!schema) return 'any';
  const raw = Array.isArray(schema.type)
    ? (schema.type as string[]).find((t) => t !== 'null')
    : (schema.type as string | undefined);
  const t =
    raw ??
    (schema.properties
      ? 'object'
      : schema.items
        ? 'array'
        : Array.isArray(schema.enum)
          ? typeof (schema.enum as unknown[])[0]
          : undefined);
  switch (t) {
    case 'object':
      return 'dict';
    case 'number':
      return 'float';
    case 'integer':
    case 'boolean':
    case 'array':
    case 'string':
      return t;
    default:
      return 'any';
  }
}

function paramDoc(schema: Schema): ParamDoc {
  const type = bfclType(schema);
  const doc: ParamDoc = { type };
  if (type === 'array') doc.items = { type: bfclType(schema.items as Schema | undefined) };
  return doc;
}

export function toolToFunctionDoc(tool: OpenAITool): FunctionDoc {
  const params = tool.function.parameters as Schema;
  const props = (params.properties ?? {}) as Record<string, Schema>;
  return {
    name: tool.function.name,
    description: tool.function.description,
    parameters: {
      type: 'dict',
      properties: Object.fromEntries(Object.entries(props).map(([k, s]) => [k, paramDoc(s)])),
      required: Array.isArray(params.required) ? (params.required as string[]) : [],
    },
  };
}
