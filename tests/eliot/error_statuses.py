"""The reference's table of error statuses and the exception the client raises for each."""

from __future__ import annotations

from custom_components.legrand_eliot.eliot import (
    EliotAppPasswordExpiredError,
    EliotBadRequestError,
    EliotConflictError,
    EliotDisplayBusyError,
    EliotError,
    EliotInvalidValueError,
    EliotNotAcceptableError,
    EliotNotFoundError,
    EliotServerError,
    EliotTermsExpiredError,
    EliotTimeoutError,
)

ERROR_OF_STATUS: dict[int, type[EliotError]] = {
    400: EliotBadRequestError,
    404: EliotNotFoundError,
    406: EliotNotAcceptableError,
    408: EliotTimeoutError,
    409: EliotConflictError,
    430: EliotInvalidValueError,
    469: EliotAppPasswordExpiredError,
    470: EliotTermsExpiredError,
    486: EliotDisplayBusyError,
    500: EliotServerError,
    502: EliotServerError,
    503: EliotServerError,
}
