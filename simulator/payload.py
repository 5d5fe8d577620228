"""Reading request bodies without ever letting bad input crash a handler."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

FORM_TYPE = "application/x-www-form-urlencoded"


class BodyError(Exception):
    """The request body is missing, malformed or not the expected shape."""


async def json_object(
    request: web.Request, *, allow_empty: bool = False
) -> dict[str, Any]:
    """Return the body as a JSON object; malformed JSON or another shape raises BodyError."""
    raw = await request.read()
    if not raw.strip():
        if allow_empty:
            return {}
        raise BodyError("the request body is empty")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as err:
        raise BodyError("the request body is not valid JSON") from err
    if not isinstance(data, dict):
        raise BodyError("the request body must be a JSON object")
    return data


async def json_or_form(request: web.Request) -> dict[str, Any]:
    """Return a command body sent either as JSON or as an urlencoded form."""
    if request.content_type == FORM_TYPE:
        form = await request.post()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    return await json_object(request)


async def form_fields(request: web.Request) -> dict[str, str]:
    """Return the fields of an urlencoded form body; another body raises BodyError."""
    if request.content_type != FORM_TYPE:
        raise BodyError(f"the body must be {FORM_TYPE}")
    form = await request.post()
    return {key: value for key, value in form.items() if isinstance(value, str)}
