"""What Legrand's login server (Azure AD B2C) says when it refuses a token request."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import json
import re
from typing import Final

# B2C puts its code first in `error_description`; the rest of the text is never kept.
B2C_CODE: Final = re.compile(r"\bAADB2C\d{5}\b")
# An OAuth error is a short lowercase word; anything else is not kept either.
OAUTH_ERROR: Final = re.compile(r"[a-z_]{1,40}")

# B2C codes that name the application's client id: not registered in the tenant, not the one
# of the policy, not found, not valid for this service, disabled.
CLIENT_ID_CODES: Final = frozenset(
    {"AADB2C90018", "AADB2C90011", "AADB2C90285", "AADB2C90068", "AADB2C90092"}
)
# B2C codes that name the client secret: wrong, missing, and the internal error B2C answers
# a confidential client whose secret no longer works (an expired secret).
CLIENT_SECRET_CODES: Final = frozenset({"AADB2C90081", "AADB2C90079", "AADB2C90085"})


class RefusedPart(StrEnum):
    """The part of the application credential the login server refused."""

    CLIENT_ID = "client_id"
    CLIENT_SECRET = "client_secret"


@dataclass(frozen=True, slots=True)
class TokenRefusal:
    """A refused token request: its status, OAuth error and B2C code, never the answer's text."""

    status: int
    error: str
    code: str | None

    @property
    def refused_part(self) -> RefusedPart | None:
        """Return the credential part refused, or None when the grant itself was refused."""
        if self.code in CLIENT_ID_CODES or self.error == "unauthorized_client":
            return RefusedPart.CLIENT_ID
        if self.code in CLIENT_SECRET_CODES or self.error == "invalid_client":
            return RefusedPart.CLIENT_SECRET
        return None

    def __str__(self) -> str:
        """Describe the refusal with nothing the server wrote but its error words."""
        return f"HTTP {self.status}, {self.error}" + (
            f" ({self.code})" if self.code else ""
        )


def parse_token_refusal(status: int, body: bytes) -> TokenRefusal:
    """Read a token endpoint's error answer: `{"error", "error_description"}` when it is one."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return TokenRefusal(status, "unknown", None)
    error = data.get("error")
    description = data.get("error_description")
    code = B2C_CODE.search(description) if isinstance(description, str) else None
    return TokenRefusal(
        status,
        error if isinstance(error, str) and OAUTH_ERROR.fullmatch(error) else "unknown",
        code.group() if code else None,
    )
