"""The parsers' common ground: a failure inside a parser becomes the response error."""

from __future__ import annotations

import pytest

from custom_components.legrand_eliot.eliot.exceptions import EliotResponseError
from custom_components.legrand_eliot.eliot.parsing import guarded

from .conftest import ENDPOINT


def test_a_foreign_parse_failure_does_not_quote_the_payload() -> None:
    """An unexpected exception inside a parser becomes the response error, naming only its type."""

    def broken(data: dict[str, str]) -> str:
        return data["secret-value"]

    with pytest.raises(EliotResponseError, match=r"\(KeyError\)") as caught:
        guarded(ENDPOINT, broken, {})

    assert "secret-value" not in str(caught.value)
