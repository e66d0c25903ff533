"""Typed tools: what `dapper-tui mcp` turns into an MCP tool surface (and the console calls the same way).

- `Order` (a pydantic model) and `Size` (an Enum: the function gets the member) are parameters;
- `quantity` has limits (Field(ge=, le=)) that end up in the inputSchema;
- `Quote` is a typed result: clients get structuredContent and an outputSchema;
- an item not in the catalog is a ValueError whose message lists the items there are (clients show it);
- `restock` takes the MCP SDK's Context: progress notifications and log messages to the client.
"""

import datetime as dt
import enum
import json
import os
from pathlib import Path
from typing import Annotated

import anyio
from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

CATALOG = Path(os.environ.get("DAPPER_AGENT_DATA", "data")) / "catalog.json"


class Size(enum.Enum):
    SMALL = "small"
    LARGE = "large"


class Line(BaseModel):
    item: str
    quantity: Annotated[int, Field(ge=1, le=99, description="how many, 1 to 99")] = 1


class Order(BaseModel):
    customer: str
    lines: list[Line]


class Quote(BaseModel):
    customer: str
    total: float
    valid_until: dt.datetime


def quote(order: Order, size: Size = Size.SMALL) -> Quote:
    """Price an order from data/catalog.json (a large box costs 10% more).

    Args:
        order: the customer and the lines of the order.
        size: the box it ships in.
    """
    prices = json.loads(CATALOG.read_text())
    unknown = sorted({line.item for line in order.lines} - set(prices))
    if unknown:
        # the client shows this text: say what exists, so the caller (or the model) can correct its order
        raise ValueError(
            f"not in the catalog: {', '.join(unknown)}; the items are: {', '.join(sorted(prices))}"
        )
    total = sum(prices[line.item] * line.quantity for line in order.lines)
    if size is Size.LARGE:
        total *= 1.1
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    return Quote(customer=order.customer, total=round(total, 2), valid_until=until)


async def restock(items: list[str], ctx: Context) -> str:
    """Restock items one by one, reporting progress.

    Args:
        items: the catalog items to restock.
    """
    await ctx.info(f"restocking {len(items)} items")
    for done, item in enumerate(items, 1):
        await anyio.sleep(0.1)
        await ctx.report_progress(done, len(items), f"restocked {item}")
    return f"restocked {', '.join(items)}"
