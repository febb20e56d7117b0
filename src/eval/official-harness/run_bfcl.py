"""The official BFCL harness, unmodified, with one model added to its registry: InfTool's served policy (or any
OpenAI-compatible endpoint), asked through the harness's own OpenAI chat-completions function-calling handler.

    python run_bfcl.py generate|evaluate|... <bfcl CLI arguments>

Environment: INFTOOL_BFCL_REGISTRY (the registry name to add, e.g. inftool-FC), INFTOOL_BFCL_MODEL (the model
name the handler sends), OPENAI_BASE_URL / OPENAI_API_KEY (read by the handler), BFCL_PROJECT_ROOT (where
test_case_ids_to_generate.json, result/ and score/ live).
"""
import os
import sys

from bfcl_eval.constants.model_config import MODEL_CONFIG_MAPPING, ModelConfig
from bfcl_eval.model_handler.api_inference.openai_completion import OpenAICompletionsHandler

registry = os.environ["INFTOOL_BFCL_REGISTRY"]
MODEL_CONFIG_MAPPING[registry] = ModelConfig(
    model_name=os.environ["INFTOOL_BFCL_MODEL"],
    display_name=f"{os.environ['INFTOOL_BFCL_MODEL']} (FC, via InfTool)",
    url="https://github.com/",
    org="InfTool",
    license="unknown",
    model_handler=OpenAICompletionsHandler,
    input_price=None,
    output_price=None,
    is_fc_model=True,
    # OpenAI-style function names cannot hold '.': the harness renames them for the request and back for the checker.
    underscore_to_dot=True,
)

from bfcl_eval.__main__ import cli  # noqa: E402  (after the registry entry, which the CLI validates names against)

sys.argv = ["bfcl", *sys.argv[1:]]
cli()
