"""The ways a person's first hour goes wrong, in Home Assistant's real UI (scripts/e2e).

They follow the hour that goes well (scripts/e2e_browser.py, where the first of them, a mistyped
client secret corrected in the flow, is part of adding the account): the page closed right after
Accept on Legrand's consent page and the account added again, fifteen quick presses of a
thermostat's arrow, a switch of the unit system and back, and the Thermostat app's expired
password with its repair. Each is checked against the simulated cloud and screenshotted.
"""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import re
import time
from typing import Any
import urllib.request

from e2e_browser import (
    CAMERA,
    FRONTEND_CONNECTED,
    TIMEOUT_MS,
    TV_PLUG,
    FirstHour,
    StepFailedError,
    field,
)
from playwright.sync_api import BrowserContext, Locator, Request, expect

STRINGS = json.loads(
    (
        Path(__file__).resolve().parent.parent
        / "custom_components/legrand_eliot/strings.json"
    ).read_text(encoding="utf-8")
)
DEMO_ACCOUNT = "demo@example.com"
# The gateway's counter of thermostat commands (set points, modes, programs).
THERMOSTAT_COMMANDS = (
    "POST /smarther/v2.0/chronothermostat/thermoregulation/addressLocation/plants/{plantId}"
    "/modules/parameter/id/value/{moduleId}"
)
PRESSES = 15
# A burst of presses costs the first call and one for the last value.
MOST_CALLS_PER_BURST = 2
LINKED = "Your Legrand account is linked."
ALREADY_SET_UP = STRINGS["config"]["abort"]["already_configured"]
# What a command says when the Thermostat app's password expired, and the repair's title.
PASSWORD_EXPIRED = STRINGS["exceptions"]["app_password_expired"]["message"]
PASSWORD_REPAIR = STRINGS["issues"]["app_password_expired"]["title"]
METRIC = "Celsius, kilograms"
US_CUSTOMARY = "Fahrenheit, pounds"
# Where an entry is when Home Assistant could not set it up.
FAILED_STATES = {"setup_error", "setup_retry", "migration_error", "failed_unload"}
# Seconds without a call to the simulated cloud after which a flow is taken as ended: it makes
# its calls half a second apart.
FLOW_QUIET = 5.0


def shown_number(text: str) -> tuple[float, str]:
    """Return the number and the unit of a temperature as the frontend shows it ("29.4 °C")."""
    match = re.fullmatch(r"\s*(-?\d+(?:[.,]\d+)?)\s*(°[CF])\s*", text)
    if match is None:
        raise StepFailedError(f"the thermostat shows {text!r}, not a temperature")
    return float(match.group(1).replace(",", ".")), match.group(2)


class UnhappyHour(FirstHour):
    """The run through the UI, with the ways the first hour goes wrong."""

    # Starts the browser again on the same profile, once it was closed.
    relaunch: Callable[[], BrowserContext]

    # Helpers ---------------------------------------------------------------------------------

    def entries(self) -> list[dict[str, Any]]:
        """Return the Legrand Eliot config entries, as the frontend reads them."""
        entries: list[dict[str, Any]] = self.page.evaluate(
            """async () => await document.querySelector('home-assistant').hass.callWS(
                {type: 'config_entries/get', domain: 'legrand_eliot'})"""
        )
        return entries

    def wait_until[T](
        self,
        what: str,
        check: Callable[[], T | None],
        timeout: float = TIMEOUT_MS / 1000,
    ) -> T:
        """Wait until a check returns something true, and return it."""
        deadline = time.monotonic() + timeout
        while not (result := check()):
            if time.monotonic() > deadline:
                raise StepFailedError(f"never saw {what}")
            time.sleep(0.3)
        return result

    def delete_entry(self) -> None:
        """Delete the Legrand Eliot entry from its integration page, as a person does."""
        page = self.page
        # Loaded: not in the middle of the reload an earlier step (reconfigure) started.
        self.wait_until("the entry loaded", lambda: self.entry_states() == ["loaded"])
        page.goto(f"{self.ha_url}/config/integrations/integration/legrand_eliot")
        expect(page.locator("ha-config-entry-row")).to_have_count(1, timeout=TIMEOUT_MS)
        self.entry_menu()
        page.get_by_role("menuitem", name="Delete").click()
        confirm = page.locator("dialog-box")
        expect(confirm.get_by_role("heading")).to_have_text("Delete Legrand Eliot?")
        confirm.get_by_role("button", name="Delete").click()
        self.wait_until("the entry deleted", lambda: not self.entries())
        expect(page.get_by_text("No entries")).to_be_visible()

    def reopen(self) -> None:
        """Open Home Assistant in a new page of the browser, logged in as before."""
        if self.page.is_closed():
            self.page = self.page.context.new_page()
        page = self.page
        page.on("load", self.loaded)
        page.on(
            "requestfailed",
            lambda request: print(
                f"    request failed: {request.url} {request.failure}"
            ),
        )
        page.goto(f"{self.ha_url}/config/integrations/integration/legrand_eliot")
        login = page.get_by_role("textbox", name=re.compile("^Username"))
        self.wait_until(
            "Home Assistant or its login page",
            lambda: self.frontend_running() or login.count(),
        )
        if not self.frontend_running():
            self.log_in()
        page.wait_for_function(FRONTEND_CONNECTED)

    def dial(self, dialog: Locator) -> tuple[Locator, Locator]:
        """Return a thermostat dialog's round set point control and the set point it shows."""
        control = dialog.locator("ha-state-control-climate-temperature")
        return control.get_by_role("slider").first, control.locator(
            "ha-big-number .visually-hidden"
        )

    @staticmethod
    def dial_value(slider: Locator) -> float:
        """Return the set point a dial holds, as the frontend shows it (one decimal at most)."""
        return round(float(slider.get_attribute("aria-valuenow") or "nan"), 1)

    def in_frontend_unit(self, celsius: float) -> float:
        """Return a temperature of the cloud (°C) as the frontend shows it, in its unit."""
        if self.hass("hass.config.unit_system.temperature") == "°F":
            return round(celsius * 9 / 5 + 32)
        return round(celsius, 1)

    # The page closed right after Accept, and the account added again -------------------------

    def closed_page(self, key: str) -> None:
        """Close the page right after Accept, then the whole browser: the account is never lost.

        Each time the account is deleted first and the simulated cloud starts again from its
        demo scenario, so that Legrand asks for consent as on a first add. Right after Accept,
        once the page has asked Home Assistant for the flow's last step (the token exchange, the
        account check and the first setup), the page closes, or the browser. In a new page the
        account is then either set up and loaded (the last step went on without its page), or
        absent (the last step ended with its page) and added again at once, never "already in
        progress". Which one depends on who made the request: Home Assistant's service worker,
        once it controls the page, makes it and finishes it after the page closed; a closed
        browser ends it.
        """
        for browser in (False, True):
            self.add_and_close(key, browser=browser)
            self.reopen()
            closed = "browser" if browser else "page"
            loaded = self.closed_flow_outcome() == "loaded"
            if loaded:
                print(
                    f"    the first setup went on without its {closed}: the account is loaded"
                )
                self.check_devices()
            else:
                print(
                    f"    the flow ended with its {closed}: no account, added again at once"
                )
            if not browser:
                self.shot("closed-page-reopened")
            # Added again: linked at once, or set up already; no flow of the closed page in the way.
            self.add_again(key, linked=not loaded, shot=browser)
            self.check_devices()

    def add_and_close(self, key: str, *, browser: bool) -> None:
        """Delete the account, add it again and close the page (or browser) right after Accept."""
        self.delete_entry()
        self.sim_post("/_sim/scenario", {"name": "demo"})
        page = self.page
        self.open_add_dialog()
        flow = self.flow_dialog()
        field(flow, "Subscription key").fill(key)
        with page.expect_popup() as popup_info:
            self.submit_flow()
        consent = popup_info.value
        consent.wait_for_load_state()
        consent.get_by_label("Account").select_option(DEMO_ACCOUNT)

        def last_step(request: Request) -> bool:
            return "/api/config/config_entries/flow/" in request.url

        with page.expect_request(last_step):
            consent.get_by_role("button", name="Accept").click()
        if browser:
            page.context.close()
            self.page = self.relaunch().new_page()
        else:
            page.close()
            if not consent.is_closed():
                consent.close()
        if not any(
            user["email"] == DEMO_ACCOUNT and user["consents"]
            for user in self.sim_state()["users"]
        ):
            raise StepFailedError("the simulated cloud never got the consent")

    def entry_states(self) -> list[str]:
        """Return the states of the Legrand Eliot entries."""
        return [entry["state"] for entry in self.entries()]

    def closed_flow_outcome(self) -> str:
        """Return "loaded" once the closed page's flow set the account up, "absent" if it ended.

        A flow that goes on without its page calls the simulated cloud every half second or so
        (the account check, then the first setup) until its entry exists; one that ended calls
        no more. Entries in any other state than loaded fail the step.
        """
        deadline = time.monotonic() + 2 * TIMEOUT_MS / 1000
        calls = self.total_calls()
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            states = self.entry_states()
            if states == ["loaded"]:
                return "loaded"
            if any(state in FAILED_STATES for state in states):
                raise StepFailedError(f"the Legrand Eliot entry is {states}")
            if not states:
                if (now := self.total_calls()) != calls:
                    calls, quiet_since = now, time.monotonic()
                elif time.monotonic() - quiet_since > FLOW_QUIET:
                    return "absent"
            time.sleep(0.3)
        raise StepFailedError(
            "the closed page's flow neither ended nor set the account up"
        )

    def total_calls(self) -> int:
        """Return how many requests the simulated cloud's gateway counted in all."""
        with urllib.request.urlopen(  # noqa: S310 (the simulator's own http address)
            f"{self.sim_url}/_sim/counters", timeout=10
        ) as answer:
            counters: dict[str, Any] = json.load(answer)
        return int(counters["total"])

    def add_again(self, key: str, *, linked: bool, shot: bool) -> None:
        """Add the account again: linked at once (the cloud remembers the consent), or set up."""
        page = self.page
        self.open_add_dialog()
        flow = self.flow_dialog()
        expect(field(flow, "Subscription key")).to_be_visible()
        field(flow, "Subscription key").fill(key)
        with page.expect_popup():
            self.submit_flow()
        outcome = flow.get_by_text(LINKED).or_(flow.locator("step-flow-abort"))
        expect(outcome).to_be_visible(timeout=60_000)
        said = flow.locator("step-flow-abort")
        if linked and said.count():
            raise StepFailedError(f"adding the account again: {said.inner_text()!r}")
        if not linked:
            expect(said).to_contain_text(ALREADY_SET_UP)
            if shot:
                self.shot("added-again")
            self.close_flow()
            return
        if shot:
            self.shot("added-again")
        if self.name_and_assign_complete():
            flow.get_by_role("button", name=re.compile("Finish")).click()
            expect(flow.get_by_role("dialog")).to_have_count(0)

    def check_devices(self) -> None:
        """Check the entry's plug and thermostat show what the simulated cloud holds."""
        self.wait_until("the entry loaded", lambda: self.entry_states() == ["loaded"])
        plug = self.entity_id(f"{TV_PLUG}_outlet")
        self.wait_for_ui(
            "the plug as the cloud holds it",
            plug,
            lambda state: state.get("state") == self.module(TV_PLUG)["status"],
        )
        thermostat = self.entity_id(f"{CAMERA}_thermostat")
        self.wait_for_ui(
            "the thermostat's set point as the cloud holds it",
            thermostat,
            lambda state: (
                state.get("attributes", {}).get("temperature")
                == self.in_frontend_unit(self.thermostat(CAMERA)["setpoint"])
            ),
        )

    # Fifteen presses of a thermostat's arrow -------------------------------------------------

    def arrow_burst(self) -> None:
        """Press ArrowUp fifteen times on a thermostat's dial: two calls, ending where it shows.

        Each press is a call of Home Assistant's set_temperature action; the thermostat waits for
        the presses to pause, so the cloud gets the first set point and the last one.
        """
        entity_id = self.entity_id(f"{CAMERA}_thermostat")
        step = self.hass(
            f"hass.states[{json.dumps(entity_id)}].attributes.target_temp_step"
        )
        calls_before = self.calls(THERMOSTAT_COMMANDS)
        dialog = self.more_info(entity_id)
        slider, shown = self.dial(dialog)
        start = self.dial_value(slider)
        for _ in range(PRESSES):
            slider.press("ArrowUp")
        value = self.dial_value(slider)
        if not value > start:
            raise StepFailedError(f"the dial stayed at {start} after {PRESSES} presses")
        print(
            f"    the dial went from {start:g} to {value:g}"
            f" ({round((value - start) / step)} steps of {step:g})"
        )

        def agreed() -> bool:
            """Return whether the dial, Home Assistant and the cloud hold the dial's value."""
            now = self.dial_value(slider)
            state = self.hass(f"hass.states[{json.dumps(entity_id)}]") or {}
            cloud = self.in_frontend_unit(self.thermostat(CAMERA)["setpoint"])
            return (
                now == value
                and state.get("attributes", {}).get("temperature") == cloud == now
            )

        self.wait_until(
            "the dial, Home Assistant and the cloud at the last value", agreed
        )
        expect(shown).to_have_text(re.compile(rf"^{value:g}\s*°"))
        calls = self.calls(THERMOSTAT_COMMANDS) - calls_before
        print(f"    {PRESSES} presses cost {calls} calls")
        if calls > MOST_CALLS_PER_BURST:
            raise StepFailedError(
                f"{PRESSES} presses cost {calls} calls, more than {MOST_CALLS_PER_BURST}"
            )
        self.shot("thermostat-arrow-presses")
        self.close_dialogs()

    # A switch of the unit system -------------------------------------------------------------

    def set_unit_system(self, choice: str, unit: str) -> None:
        """Choose a unit system in Settings > System > General and save it."""
        page = self.page
        page.goto(f"{self.ha_url}/config/general")
        radio = page.get_by_role("radio", name=choice)
        expect(
            radio,
            "Settings > System > General is read-only: configuration.yaml sets the core"
            " configuration (Home Assistant restarted since onboarding?)",
        ).to_be_enabled()
        radio.check()
        card = page.locator("ha-card").filter(has=page.get_by_role("radiogroup"))
        card.get_by_role("button", name="Save").click()

        def changed() -> bool:
            return bool(
                self.hass(f"hass.config.unit_system.temperature === {json.dumps(unit)}")
            )

        # Home Assistant offers to update the sensors' units too: yes.
        update = page.locator("dialog-box").get_by_role("button", name="Update")
        self.wait_until(
            "the units' question or the new unit",
            lambda: update.is_visible() or changed(),
        )
        if update.is_visible():
            update.click()
        self.wait_until(f"Home Assistant in {unit}", changed)

    def check_thermostat_unit(self, dialog: Locator, unit: str) -> float:
        """Check the dialog shows the cloud's set point in the unit; return what it shows."""
        _, shown = self.dial(dialog)
        cloud = self.in_frontend_unit(self.thermostat(CAMERA)["setpoint"])

        def shows_cloud() -> tuple[float, str] | None:
            value = shown_number(shown.inner_text())
            return value if value == (cloud, unit) else None

        try:
            value, _ = self.wait_until(
                f"the set point in {unit}", shows_cloud, timeout=10
            )
        except StepFailedError as err:
            raise StepFailedError(
                f"the thermostat shows {shown.inner_text()!r}; the cloud holds {cloud} {unit}"
            ) from err
        return value

    def unit_switch(self) -> None:
        """Switch to metric: the thermostat shows °C at once and + steps 0.1 °C; then back."""
        entity_id = self.entity_id(f"{CAMERA}_thermostat")
        self.set_unit_system(METRIC, "°C")
        self.shot("unit-system-metric")
        dialog = self.more_info(entity_id)
        before = self.thermostat(CAMERA)["setpoint"]
        shown = self.check_thermostat_unit(dialog, "°C")
        if not 3 <= shown <= 40:
            raise StepFailedError(f"the thermostat shows {shown} °C")
        # The dial's + button (Home Assistant sends its presses a second after the last one).
        dialog.locator(
            "ha-state-control-climate-temperature ha-outlined-icon-button"
        ).last.click()
        self.wait_for_cloud(
            "the set point 0.1 °C higher",
            lambda: self.thermostat(CAMERA)["setpoint"] == round(before + 0.1, 1),
        )
        self.check_thermostat_unit(dialog, "°C")
        self.shot("thermostat-celsius")
        self.close_dialogs()
        # And back: the same set point in °F.
        self.set_unit_system(US_CUSTOMARY, "°F")
        dialog = self.more_info(entity_id)
        self.check_thermostat_unit(dialog, "°F")
        self.close_dialogs()

    # The Thermostat app's password expired ---------------------------------------------------

    def app_password_repair(self) -> None:
        """Answer 469 to a command: the repair shows; the next call that works clears it."""
        page = self.page
        entity_id = self.entity_id(f"{CAMERA}_thermostat")
        self.sim_post(
            f"/_sim/users/{DEMO_ACCOUNT}/app-password-expired", {"expired": True}
        )
        before = self.thermostat(CAMERA)["setpoint"]
        calls_before = self.calls(THERMOSTAT_COMMANDS)
        dialog = self.more_info(entity_id)
        slider, _ = self.dial(dialog)
        slider.press("ArrowUp")
        expect(page.get_by_text(PASSWORD_EXPIRED).first).to_be_visible()
        self.wait_until(
            "the refused command at the cloud",
            lambda: self.calls(THERMOSTAT_COMMANDS) > calls_before,
        )
        if self.thermostat(CAMERA)["setpoint"] != before:
            raise StepFailedError("the cloud took a command while the password expired")
        # Refused, the thermostat shows the set point the cloud holds again.
        self.wait_for_ui(
            "the cloud's set point again",
            entity_id,
            lambda state: (
                state.get("attributes", {}).get("temperature")
                == self.in_frontend_unit(before)
            ),
        )
        self.shot("app-password-expired")
        self.close_dialogs()
        page.goto(f"{self.ha_url}/config/repairs")
        repair = page.get_by_text(PASSWORD_REPAIR)
        expect(repair).to_be_visible()
        self.shot("repair-app-password")

        # The password renewed in the app: the next command works and the repair goes.
        self.sim_post(
            f"/_sim/users/{DEMO_ACCOUNT}/app-password-expired", {"expired": False}
        )
        dialog = self.more_info(entity_id)
        slider, _ = self.dial(dialog)
        slider.press("ArrowUp")
        self.wait_for_cloud(
            "a higher set point", lambda: self.thermostat(CAMERA)["setpoint"] > before
        )
        self.close_dialogs()
        expect(repair).to_have_count(0)
        self.shot("repair-cleared")
