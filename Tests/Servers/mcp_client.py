"""Drives an MCP server over stdio with the reference Python SDK (PyPI `mcp`), for the tests.

    mcp_client.py --calls CALLS.json --out RESULT.json -- COMMAND [ARG ...]

CALLS.json is a list of {"tool": NAME, "arguments": {...}}; an argument "$N.KEY" is replaced by KEY of
call N's structured answer (the id a report tool returned). The server gets this process's
environment. The client initializes (as
"owner-report-tests" 1.0), lists the tools, makes each call in order and writes RESULT.json:
{"server": {...}, "protocol": ..., "tools": [...], "results": [{"tool", "is_error", "text",
"structured"} or {"tool", "exception"}]}. A call that breaks the session (the server died) is recorded
as an exception and ends the run.
"""

import argparse
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client


async def run(command, calls, out_path, timeout):
    result = {"results": []}
    params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
    try:
        async with stdio_client(params) as (read, write):
            info = types.Implementation(name="owner-report-tests", version="1.0")
            async with ClientSession(read, write, client_info=info, read_timeout_seconds=timeout) as session:
                initialized = await session.initialize()
                result["server"] = initialized.server_info.model_dump(mode="json", exclude_none=True)
                result["protocol"] = str(initialized.protocol_version)
                listed = await session.list_tools()
                result["tools"] = [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listed.tools]
                for call in calls:
                    arguments = {key: resolve(value, result["results"]) for key, value in (call.get("arguments") or {}).items()}
                    try:
                        answer = await session.call_tool(call["tool"], arguments)
                    except Exception as error:  # the server died or answered garbage
                        result["results"].append({"tool": call["tool"], "exception": f"{type(error).__name__}: {error}"})
                        break
                    text = "\n".join(part.text for part in answer.content if getattr(part, "type", "") == "text")
                    result["results"].append(
                        {"tool": call["tool"], "is_error": bool(answer.is_error), "text": text, "structured": answer.structured_content}
                    )
    except BaseException as error:  # the session could not close cleanly: keep what was recorded
        result["ended"] = f"{type(error).__name__}: {error}"
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False, indent=1)


def resolve(value, results):
    """ "$N.KEY": KEY of the N-th call's structured answer; any other value as it is."""
    if isinstance(value, str) and value.startswith("$") and "." in value:
        index, key = value[1:].split(".", 1)
        if index.isdigit() and int(index) < len(results):
            return (results[int(index)].get("structured") or {}).get(key, value)
    return value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    with open(options.calls, encoding="utf-8") as file:
        calls = json.load(file)
    asyncio.run(run(command, calls, options.out, options.timeout))


if __name__ == "__main__":
    sys.exit(main())
