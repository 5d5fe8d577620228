"""The registered application and the end users of a scenario."""

from __future__ import annotations

from dataclasses import dataclass, field
import secrets


@dataclass(kw_only=True)
class App:
    """The developer's application: credentials, reply URLs and registered scopes."""

    name: str
    client_id: str
    client_secret: str = field(repr=False)
    subscription_keys: tuple[str, ...] = field(repr=False)
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    tenant_id: str
    # Secrets that were the application's and have expired: the login server refuses them
    # differently from a secret it never issued.
    expired_secrets: set[str] = field(default_factory=set, repr=False)

    def expire_secret(self) -> None:
        """Let the current client secret expire, as secrets registered on the portal do."""
        self.expired_secrets.add(self.client_secret)

    def new_secret(self) -> str:
        """Give the application a new client secret (made on the portal) and return it."""
        self.client_secret = secrets.token_urlsafe(30)
        return self.client_secret


@dataclass(kw_only=True)
class User:
    """An end user of the cloud and the account-wide conditions the control API can set."""

    email: str
    subject: str
    name: str
    app_password_expired: bool = False
    terms_expired: bool = False
    hc_retired: bool = False
    consents: set[frozenset[str]] = field(default_factory=set)
