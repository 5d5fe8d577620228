"""Error answers in the exact body shapes of each part of the cloud."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web


class SimError(Exception):
    """An error answer ready to send: a status, a JSON body and extra headers."""

    def __init__(
        self, status: int, body: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        """Keep the parts of the answer; the body never holds a secret."""
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        """Build the HTTP answer (a redirect has no body)."""
        if self.body is None:
            return web.Response(status=self.status, headers=self.headers)
        return web.json_response(self.body, status=self.status, headers=self.headers)


def apim_error(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> SimError:
    """Return an error of the API gateway (Azure API Management): statusCode and message."""
    return SimError(status, {"statusCode": status, "message": message}, headers)


def oauth_error(status: int, error: str, description: str) -> SimError:
    """Return an error of the login server: error and error_description."""
    return SimError(status, {"error": error, "error_description": description})


def hc_error(status: int, user_message: str, internal_message: str) -> SimError:
    """Return an error of the Home + Control backend: a list of errors."""
    return SimError(
        status,
        {
            "errors": [
                {
                    "userMessage": user_message,
                    "internalMessage": internal_message,
                    "code": status,
                }
            ]
        },
    )


def control_error(status: int, message: str) -> SimError:
    """Return an error of the simulator's own control API."""
    return SimError(status, {"error": message})
