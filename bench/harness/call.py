"""Runs one function of a module of bench/ inside a stack's environment, for `Stack.call`: its keyword
arguments as JSON in, what it returns as JSON on stdout (what it prints goes to stderr).

    python -m harness.call seed.printing rendered_checks '{"api_key": "K", "count": 200}'
"""
import contextlib
import importlib
import json
import sys


def call(module: str, function: str, arguments: str):
    target = getattr(importlib.import_module(module), function)
    with contextlib.redirect_stdout(sys.stderr):
        result = target(**json.loads(arguments))
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    call(*sys.argv[1:])
