"""BFCL's AST checker (simple_function_checker, Python rules), as src/eval/ast-checker.ts ports it from
bfcl_eval/eval_checker/ast_eval/ast_checker.py: the rules that decide whether a call matches a reference.
Python's own == and `in` give the original's int/float/bool semantics for free."""
from __future__ import annotations

import re

PYTHON_TYPE_MAPPING = {"string": str, "integer": int, "float": float, "boolean": bool, "array": list, "tuple": list, "dict": dict, "any": str}
PYTHON_NESTED_TYPE_CHECK_LIST = ["array", "tuple"]


def _bfcl_type(schema: dict | None) -> str:
    """JSON Schema type -> BFCL dialect (src/eval/function-docs.ts bfclType)."""
    if not schema:
        return "any"
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t is None:
        if schema.get("properties"):
            t = "object"
        elif schema.get("items"):
            t = "array"
        elif isinstance(schema.get("enum"), list):
            first = schema["enum"][0]
            t = {str: "string", bool: "boolean", int: "number", float: "number", dict: "object", list: "object", type(None): "object"}[type(first)]
    return {"object": "dict", "number": "float", "integer": "integer", "boolean": "boolean", "array": "array", "string": "string"}.get(t, "any")


def tool_to_function_doc(tool: dict) -> dict:
    params = tool["function"].get("parameters") or {}
    props = params.get("properties") or {}
    out_props = {}
    for k, s in props.items():
        d = {"type": _bfcl_type(s)}
        if d["type"] == "array":
            d["items"] = {"type": _bfcl_type(s.get("items"))}
        out_props[k] = d
    required = params.get("required")
    return {"name": tool["function"]["name"], "parameters": {"type": "dict", "properties": out_props, "required": required if isinstance(required, list) else []}}


def standardize_string(s: str) -> str:
    return re.sub(r"[ ,./\-_*^]", "", s).lower().replace("'", '"')


def _possible_answer_type(possible_answer: list) -> type | None:
    for answer in possible_answer:
        if answer != "":
            return type(answer)
    return None


def _type_checker(param, value, possible_answer, expected_type_description, expected_type, nested_type) -> tuple[bool, bool]:
    """(valid, is_variable)"""
    is_variable = False
    pa_type = _possible_answer_type(possible_answer)
    if pa_type is not None and pa_type != expected_type:
        is_variable = True
    if type(value) is expected_type:
        if nested_type is None:
            return True, is_variable
        for pa_item in possible_answer:
            flag = True
            if type(pa_item) is list:
                for value_item in value:
                    ok, _ = _type_checker(param, value_item, pa_item, str(nested_type), nested_type, None)
                    if not ok:
                        flag = False
                        break
            if flag:
                return True, is_variable
    if pa_type is not None and type(value) is pa_type:
        return True, True
    return False, False


def _std(x):
    return standardize_string(x) if isinstance(x, str) else x


def _string_checker(value: str, possible_answer: list) -> bool:
    return standardize_string(value) in [standardize_string(a) for a in possible_answer if isinstance(a, str)]


def _list_checker(value: list, possible_answer: list) -> bool:
    std_out = [_std(x) for x in value]
    std_answers = [[_std(item) for item in [answer[i] for i in range(len(answer))]] for answer in [possible_answer[i] for i in range(len(possible_answer))]]
    return std_out in std_answers


def _dict_checker(value: dict, possible_answers: list) -> bool:
    for possible_answer in possible_answers:
        if possible_answer == "":
            continue
        flag = True
        for key, v in value.items():
            if key not in possible_answer:
                flag = False
                break
            std_answers = [_std(a) for a in [possible_answer[key][i] for i in range(len(possible_answer[key]))]]
            if _std(v) not in std_answers:
                flag = False
                break
        for key, v in possible_answer.items():
            if key not in value and "" not in v:
                flag = False
                break
        if flag:
            return True
    return False


def _list_dict_checker(value: list, possible_answers: list) -> bool:
    for answer in [possible_answers[i] for i in range(len(possible_answers))]:
        flag = True
        if len(value) != len(answer):
            continue
        for i in range(len(value)):
            if not isinstance(value[i], dict):
                raise TypeError(f"{value[i]!r} is not a dict")
            if not _dict_checker(value[i], [answer[i]]):
                flag = False
                break
        if flag:
            return True
    return False


def simple_function_checker(doc: dict, model_output: dict, possible_answer_call: dict) -> bool:
    """True when `{name: args}` matches `{name: {param: [acceptable]}}`. May raise (KeyError, TypeError, ...)
    where the original does; the caller counts that as no match."""
    possible_answer = list(possible_answer_call.values())[0]
    param_details = doc["parameters"]["properties"]
    required = doc["parameters"]["required"]
    func_name = doc["name"]
    if func_name not in model_output:
        return False
    model_params = model_output[func_name]
    for param in required:
        if param not in model_params:
            return False
    for param, value in model_params.items():
        if param not in param_details or param not in possible_answer:
            return False
        description = param_details[param]["type"]
        expected_type = PYTHON_TYPE_MAPPING[description]
        nested_type = None
        if description in PYTHON_NESTED_TYPE_CHECK_LIST:
            nested_type = PYTHON_TYPE_MAPPING[param_details[param]["items"]["type"]]
        if description == "float" and type(value) is int:
            value = float(value)
        pa_values = possible_answer[param]
        ok, is_variable = _type_checker(param, value, pa_values, description, expected_type, nested_type)
        if not ok:
            return False
        if not is_variable:
            if expected_type is dict:
                if not _dict_checker(value, [pa_values[i] for i in range(len(pa_values))]):
                    return False
                continue
            if expected_type is list and nested_type is dict:
                if not _list_dict_checker(value, pa_values):
                    return False
                continue
            if expected_type is str:
                if not _string_checker(value, pa_values):
                    return False
                continue
            if expected_type is list:
                if not _list_checker(value, pa_values):
                    return False
                continue
        if value not in pa_values:
            return False
    for param, values in possible_answer.items():
        if param not in model_params and "" not in values:
            return False
    return True
