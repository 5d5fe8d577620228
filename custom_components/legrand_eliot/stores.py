"""The entry's stores (call budget, what polling learned, account structure) and their one read.

Keys, versions and write delays of the three live here, with the one guarded path each of them
is read through. A file written by another version of the integration (a newer one, or an older
one without a migration), one whose data is not an object, and one with values of the wrong type
are set aside with one warning naming the store: the defaults are used, and the next write
replaces the file. Setup never fails because of a stored file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, UnsupportedStorageVersionError
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER
from .eliot.parsing import MALFORMED, ParseError

type Snapshot = Callable[[], dict[str, Any]]
# The plants whose push is silent, and since when (ISO times), as a restart must find them.
type SilentSnapshot = Callable[[], dict[str, str]]


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreKind:
    """One of an entry's stores: its key, its version, how late it is written, its loss."""

    suffix: str
    version: int
    # Raised when a value is added that older files lack: they are read as they are.
    minor_version: int = 1
    # Seconds a write waits, so that the changes of one moment are written once.
    delay: float
    # What the store is called in the warning, and what the entry does without it.
    name: str
    without: str


BUDGET = StoreKind(
    suffix="quota",
    version=1,
    delay=5,
    name="call budget",
    without="today's calls are counted from zero",
)
# What polling learns moves slowly: written at most every few minutes (and on unload and stop).
# Minor version 2 adds the plants whose push is silent (`SILENT_PUSH`).
LEARNED = StoreKind(
    suffix="learned",
    version=1,
    minor_version=2,
    delay=300,
    name="polling schedule",
    without="polling starts from its defaults",
)
ACCOUNT = StoreKind(
    suffix="account",
    version=1,
    delay=5,
    name="account structure",
    without="the account is read from the cloud",
)
STORE_KINDS = (BUDGET, LEARNED, ACCOUNT)
# Where the learned store keeps the plants whose push is silent: a restart keeps polling them.
SILENT_PUSH = "silent_push"


def store_key(entry_id: str, kind: StoreKind) -> str:
    """Return the storage key of one of an entry's stores."""
    return f"{DOMAIN}.{entry_id}.{kind.suffix}"


def _reason(err: BaseException, otherwise: str) -> str:
    """Say why a stored file was set aside, without quoting what it holds."""
    if isinstance(err, UnsupportedStorageVersionError):
        return f"written by a newer version: {err.found_version}"
    if isinstance(err, NotImplementedError):
        return "written by an older version that cannot be migrated"
    if isinstance(err, ParseError):
        # The parsers' messages name the field, never its value.
        return str(err)
    return f"{otherwise}: {type(err).__name__}"


class _KindStore(Store[dict[str, Any]]):
    """A store that reads the older minor versions of its kind as they are.

    A minor version only adds values a reader may do without; another major version has no
    migration, and is set aside.
    """

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        """Return a file of an older minor version unchanged; refuse another major version."""
        if old_major_version != self.version:
            raise NotImplementedError
        return old_data


class EntryStore:
    """One store of an entry, read through the guarded path."""

    def __init__(self, hass: HomeAssistant, entry_id: str, kind: StoreKind) -> None:
        """Open the store; nothing is read yet."""
        self.kind = kind
        self._store = _KindStore(
            hass,
            kind.version,
            store_key(entry_id, kind),
            minor_version=kind.minor_version,
        )

    async def async_read[T](self, read: Callable[[Mapping[str, Any]], T]) -> T | None:
        """
        Return what `read` makes of the stored data; None when there is none or it is set aside.

        `read` raises (a `ParseError` or a kin of `ValueError`) for data it cannot take whole.
        """
        try:
            # Whatever the file holds: the types of the data are checked below.
            stored: object = await self._store.async_load()
        except (HomeAssistantError, NotImplementedError, *MALFORMED) as err:
            self.set_aside(_reason(err, "not a file this version can read"))
            return None
        if stored is None:
            return None
        if not isinstance(stored, Mapping):
            self.set_aside("not an object")
            return None
        try:
            return read(stored)
        except MALFORMED as err:
            self.set_aside(_reason(err, "a value of the wrong type"))
            return None

    def set_aside(self, why: str, *, partly: bool = False) -> None:
        """Warn once that the stored file (or part of it, `partly`) is not used, and why."""
        if partly:
            LOGGER.warning(
                "Part of the stored %s was set aside (%s); that part starts from the "
                "defaults",
                self.kind.name,
                why,
            )
            return
        LOGGER.warning(
            "The stored %s was set aside (%s); %s",
            self.kind.name,
            why,
            self.kind.without,
        )

    def save_soon(self, snapshot: Snapshot) -> None:
        """Write the store after its delay, batched with the other changes of the moment."""
        self._store.async_delay_save(snapshot, self.kind.delay)

    async def async_save_now(self, snapshot: Snapshot) -> None:
        """Write the store at once (on unload and stop, so a reload finds it)."""
        await self._store.async_save(snapshot())

    async def async_remove(self) -> None:
        """Delete the store's file."""
        await self._store.async_remove()


class EntryStores:
    """Every store of one entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Open the entry's stores."""
        self.budget = EntryStore(hass, entry_id, BUDGET)
        self.learned = EntryStore(hass, entry_id, LEARNED)
        self.account = EntryStore(hass, entry_id, ACCOUNT)

    async def async_restore_learned(
        self,
        restore: Callable[[Mapping[str, Any]], int],
        restore_silent: Callable[[Any], int] | None = None,
    ) -> None:
        """Give what polling learned to `restore`; the values it could not use are set aside.

        The plants whose push was silent go to `restore_silent`. Each returns how many values it could not use: they start from the defaults.
        """

        def read(stored: Mapping[str, Any]) -> int:
            bad = restore(stored)
            if restore_silent is not None:
                bad += restore_silent(stored.get(SILENT_PUSH))
            return bad

        bad = await self.learned.async_read(read)
        if bad:
            self.learned.set_aside(
                f"{bad} unusable value{'s' if bad > 1 else ''}", partly=True
            )

    def save_polling_soon(
        self, budget: Snapshot, learned: Snapshot, silent: SilentSnapshot
    ) -> None:
        """Write the budget and what polling learned soon (batched with the same moment's)."""
        self.budget.save_soon(budget)
        self.learned.save_soon(_with_silent(learned, silent))

    async def async_save_polling_now(
        self, budget: Snapshot, learned: Snapshot, silent: SilentSnapshot
    ) -> None:
        """Write the budget and what polling learned at once (on unload)."""
        await self.budget.async_save_now(budget)
        await self.learned.async_save_now(_with_silent(learned, silent))

    async def async_remove(self) -> None:
        """Forget everything kept of the entry (it was removed)."""
        for store in (self.budget, self.learned, self.account):
            await store.async_remove()


def _with_silent(learned: Snapshot, silent: SilentSnapshot) -> Snapshot:
    """Return what writes what polling learned, with the plants whose push is silent."""
    return lambda: {**learned(), SILENT_PUSH: silent()}
