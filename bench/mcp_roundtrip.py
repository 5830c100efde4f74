"""One `report_checkpoint` round trip over MCP, durable: the reference Python client (PyPI mcp) starts
`owner-report-producer mcp` once, then times each call from request to answer (the answer comes only
once the report is fsynced, recorded and linked). Prints the seconds of each call, one per line.

    mcp_roundtrip.py N PRODUCER QUEUE CONFIG
"""
import asyncio
import sys
import time

from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client


async def main(n, producer, queue, config):
    params = StdioServerParameters(command=producer, args=["mcp", "--queue", queue, "--config", config])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, client_info=types.Implementation(name="bench", version="1")) as session:
            await session.initialize()
            for index in range(n):
                began = time.perf_counter()
                answer = await session.call_tool(
                    "report_checkpoint", {"team": "t", "worker": "w", "task_id": "x", "progress": f"{index}/{n}"})
                took = time.perf_counter() - began
                if answer.is_error:
                    raise SystemExit(f"report_checkpoint failed: {answer.content}")
                print(f"{took:.6f}")


asyncio.run(main(int(sys.argv[1]), *sys.argv[2:5]))
