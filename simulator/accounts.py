"""The registered application and the end users of a scenario."""

from __future__ import annotations

from dataclasses import dataclass, field


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
