"""Drive Home Assistant's real UI in headless Chromium through a person's first hour (scripts/e2e).

Onboarding, adding Legrand Eliot (application credentials with a mistyped secret corrected in
the flow, subscription key, the simulated cloud's consent page), the created devices, a plug, a
light, a shutter and a thermostat, each checked against the simulated cloud's state, then
diagnostics, options and reconfigure; then the other wrong turns of scripts/e2e_unhappy.py.
Screenshots of each step go to docs/screenshots/. Exits non-zero at the first failed step.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import io
import json
from pathlib import Path
import re
import sys
import tempfile
import time
from typing import Any
import urllib.request

from PIL import Image
from playwright.sync_api import (
    BrowserContext,
    Error as PlaywrightError,
    Locator,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = ViewportSize(width=1100, height=760)
TIMEOUT_MS = 30_000
ONBOARDING_RELOAD_MS = 30_000
ONBOARDING_MS = 120_000
FRONTEND_CONNECTED = (
    "() => document.querySelector('home-assistant')?.hass?.connected === true"
)
# Fewer colours keep the screenshots small enough to live in the repository.
SCREENSHOT_COLOURS = 64
# Every screenshot by its number: the first hour as it goes well, then the ways it goes wrong.
# A screenshot keeps its number (the README shows some), whatever step takes it.
SHOTS = (
    "onboarding-user",
    "onboarding-done",
    "application-credentials",
    "subscription-key",
    "sign-in",
    "consent",
    "devices-found",
    "devices-found-areas",
    "devices",
    "plug-off",
    "light-brightness",
    "shutter-position",
    "thermostat-set-point",
    "integration",
    "options",
    "reconfigure",
    "credentials-refused",
    "closed-page-reopened",
    "added-again",
    "thermostat-arrow-presses",
    "unit-system-metric",
    "thermostat-celsius",
    "app-password-expired",
    "repair-app-password",
    "repair-cleared",
)

USER = {"name": "Demo", "username": "demo", "password": "a long demo password"}
CREDENTIALS_NAME = "Legrand demo"
HC_PLANT = "000000005d1e3bc13598330000000001"
SMARTHER_PLANT = "7c1f4e2a-9b3d-4a68-b5e0-2d8f6c1a9e47"
TV_PLUG = "000070ee503ed5d46275620000000001"
SALON_LIGHT = "000070ee503ed5d46275620000000002"
SALON_SHUTTER = "000070ee503ed5d46275620000000003"
CAMERA = "9b2d6f4a-3c8e-4a17-b6d1-5e0f9a2c7b83"


def field(scope: Page | Locator, label: str) -> Locator:
    """Return the text field of a form by its label (a required one ends in '*')."""
    name = re.compile(f"^{re.escape(label)}")
    return scope.get_by_role("textbox", name=name).or_(
        scope.get_by_role("spinbutton", name=name)
    )


def mistyped(secret: str) -> str:
    """Return a secret with its last character typed wrong."""
    return secret[:-1] + ("x" if secret[-1] != "x" else "y")


class StepFailedError(Exception):
    """A step of the first hour did not do what a person expects."""


class FirstHour:
    """One run through the UI: the browser page, the servers and where screenshots go."""

    def __init__(
        self, page: Page, ha_url: str, sim_url: str, screenshots: Path, downloads: Path
    ) -> None:
        """Remember the page and the addresses of both servers."""
        self.page = page
        self.ha_url = ha_url
        self.sim_url = sim_url
        self.screenshots = screenshots
        self.downloads = downloads
        # Every page load's address, in order: the frontend reloads itself at times.
        self.loads: list[str] = []
        # What diagnostics must never show: the client secret and the subscription keys.
        self.secrets: list[str] = []

    # Helpers ---------------------------------------------------------------------------------

    def shot(self, name: str) -> None:
        """Save a small PNG of what the page shows now, under its number (SHOTS)."""
        self.save_shot(f"{SHOTS.index(name) + 1:02d}-{name}.png")

    def failure_shot(self, name: str) -> None:
        """Save what the page shows when a step failed, beside the numbered screenshots."""
        self.save_shot(f"failed-{name}.png")

    def save_shot(self, file_name: str) -> None:
        """Save a small PNG of what the page shows now."""
        # Transitions finished: a control shows where it ends, not half way there.
        png = self.page.screenshot(animations="disabled")
        image = Image.open(io.BytesIO(png)).convert("RGB")
        small = image.quantize(
            colors=SCREENSHOT_COLOURS, method=Image.Quantize.MEDIANCUT
        )
        path = self.screenshots / file_name
        small.save(path, optimize=True)
        print(f"    screenshot {path.name}")

    def sim_state(self) -> dict[str, Any]:
        """Return the simulated cloud's whole state (its control API)."""
        with urllib.request.urlopen(  # noqa: S310 (the simulator's own http address)
            f"{self.sim_url}/_sim/state", timeout=10
        ) as answer:
            data: dict[str, Any] = json.load(answer)
        return data

    def sim_post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Post to the simulated cloud's control API and return its answer."""
        request = urllib.request.Request(  # noqa: S310 (the simulator's own http address)
            f"{self.sim_url}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            data: dict[str, Any] = json.load(answer)
        return data

    def calls(self, endpoint: str) -> int:
        """Return how many requests the simulated cloud's gateway counted on an endpoint."""
        with urllib.request.urlopen(  # noqa: S310 (the simulator's own http address)
            f"{self.sim_url}/_sim/counters", timeout=10
        ) as answer:
            counters: dict[str, Any] = json.load(answer)
        return int(counters["by_endpoint"].get(endpoint, 0))

    def module(self, module_id: str) -> dict[str, Any]:
        """Return a Home + Control module as the simulated cloud holds it."""
        module: dict[str, Any] = self.sim_state()["homecontrol"][HC_PLANT]["modules"][
            module_id
        ]
        return module

    def thermostat(self, module_id: str) -> dict[str, Any]:
        """Return a thermostat as the simulated cloud holds it."""
        thermostat: dict[str, Any] = self.sim_state()["smarther"][SMARTHER_PLANT][
            "thermostats"
        ][module_id]
        return thermostat

    def wait_for_cloud(
        self, what: str, check: Callable[[], bool], timeout: float = 30
    ) -> None:
        """Wait until the simulated cloud shows what the UI asked for."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise StepFailedError(f"the simulated cloud never showed {what}")
            time.sleep(0.3)

    def hass(self, expression: str) -> Any:
        """Evaluate an expression on the frontend's hass object (to look things up)."""
        return self.page.evaluate(
            f"() => {{ const hass = document.querySelector('home-assistant').hass; return {expression}; }}"
        )

    def entity_id(self, unique_id: str) -> str:
        """Return the entity id Home Assistant gave to one of the integration's entities."""
        for entity in self.hass("Object.values(hass.entities || {})"):
            if (
                entity.get("platform") == "legrand_eliot"
                and entity.get("unique_id", "") == unique_id
            ):
                return str(entity["entity_id"])
        found = self.page.evaluate(
            """async (uid) => {
                const hass = document.querySelector('home-assistant').hass;
                const all = await hass.callWS({type: 'config/entity_registry/list'});
                const hit = all.find((e) => e.platform === 'legrand_eliot' && e.unique_id === uid);
                return hit ? hit.entity_id : null;
            }""",
            unique_id,
        )
        if not found:
            raise StepFailedError(f"no entity with unique id {unique_id}")
        return str(found)

    def more_info(self, entity_id: str) -> Locator:
        """Open an entity's more-info dialog, as a click on its card does, and return it."""
        self.page.evaluate(
            """(entityId) => document.querySelector('home-assistant').dispatchEvent(
                new CustomEvent('hass-more-info', {detail: {entityId}, bubbles: true, composed: true}))""",
            entity_id,
        )
        dialog = self.page.locator("ha-more-info-dialog")
        expect(dialog.get_by_role("dialog")).to_be_visible()
        return dialog

    def close_dialogs(self) -> None:
        """Close whatever dialog is open and wait until none is left on the page."""
        self.page.keyboard.press("Escape")
        expect(self.page.get_by_role("dialog")).to_have_count(0)

    def close_flow(self) -> None:
        """Close the flow dialog with its Close button (Escape is ignored once a flow moved on)."""
        # The header's button is slotted into the dialog: look for it from the flow's element.
        self.flow_dialog().get_by_role("button", name="Close").first.click()
        expect(self.flow_dialog().get_by_role("dialog")).to_have_count(0)

    def wait_for_ui(
        self, what: str, entity_id: str, check: Callable[[dict[str, Any]], bool]
    ) -> None:
        """Wait until the frontend's state of an entity passes a check (which may read the cloud)."""
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while not check(self.hass(f"hass.states[{json.dumps(entity_id)}]") or {}):
            if time.monotonic() > deadline:
                raise StepFailedError(f"Home Assistant never showed {what}")
            time.sleep(0.3)

    def loaded(self, page: Page) -> None:
        """Note a page load, and print it."""
        self.loads.append(page.url)
        print(f"    page loaded: {page.url}", flush=True)

    def frontend_running(self) -> bool:
        """Return whether the frontend (not onboarding) runs, connected to Home Assistant."""
        try:
            return bool(self.page.evaluate(FRONTEND_CONNECTED))
        except PlaywrightError:
            return False  # the page is loading another one

    def flow_dialog(self) -> Locator:
        """Return the config flow dialog."""
        return self.page.locator("dialog-data-entry-flow")

    def submit_flow(self) -> None:
        """Press the flow dialog's submit button."""
        self.flow_dialog().get_by_role("button", name=re.compile("Submit|Next")).click()

    # Steps -----------------------------------------------------------------------------------

    def onboard(self) -> None:
        """Create the first user, keep the suggested location and finish onboarding."""
        page = self.page
        page.goto(self.ha_url)
        page.get_by_role("button", name=re.compile("Create my smart home")).click()
        page.get_by_role("textbox", name=re.compile("^Name")).fill(USER["name"])
        page.get_by_role("textbox", name=re.compile("^Username")).fill(USER["username"])
        page.get_by_role("textbox", name=re.compile("^Password")).fill(USER["password"])
        page.get_by_role("textbox", name=re.compile("^Confirm password")).fill(
            USER["password"]
        )
        self.shot("onboarding-user")
        page.get_by_role("button", name="Create account").click()
        # Location, country, analytics, found devices: keep what onboarding proposes, until
        # the frontend itself runs. Each step is a new element: after a click, wait for its
        # button to leave the page before looking for the next one.
        deadline = time.monotonic() + ONBOARDING_MS / 1000
        while not self.frontend_running():
            if time.monotonic() > deadline:
                raise StepFailedError("onboarding did not finish")
            button = page.get_by_role(
                "button", name=re.compile("^(Next|Finish)$")
            ).first
            try:
                handle = button.element_handle(timeout=2_000)
                handle.click(timeout=5_000)
                page.wait_for_function(
                    "(button) => !button.isConnected", arg=handle, timeout=15_000
                )
            except PlaywrightError:
                # No step shown yet, or it changed under the click, or the page moved on.
                continue
        page.wait_for_url(re.compile(r"/(lovelace|home)"), timeout=60_000)
        page.wait_for_function(FRONTEND_CONNECTED)
        self.shot("onboarding-done")
        # The frontend reloads itself once, seconds after onboarding; a flow running then is
        # cut off with its request (an entry set up by it is cancelled). Wait for that reload
        # (a page load that is neither onboarding nor its sign-in), which may be done already.
        deadline = time.monotonic() + ONBOARDING_RELOAD_MS / 1000
        while not any(
            "onboarding" not in url and "auth_callback" not in url for url in self.loads
        ):
            if time.monotonic() > deadline:
                print("    note: the frontend did not reload after onboarding")
                break
            page.wait_for_timeout(250)  # lets Playwright deliver the page's load events
        page.wait_for_function(FRONTEND_CONNECTED)

    def log_in(self) -> None:
        """Log in as the user onboarding created (to run the later steps again)."""
        page = self.page
        page.goto(self.ha_url)
        page.get_by_role("textbox", name=re.compile("^Username")).fill(USER["username"])
        page.get_by_role("textbox", name=re.compile("^Password")).fill(USER["password"])
        page.get_by_role("button", name=re.compile("Log in")).click()
        page.wait_for_function(FRONTEND_CONNECTED)

    def open_add_dialog(self) -> None:
        """Start adding Legrand Eliot from Settings > Devices & services."""
        page = self.page
        try:
            page.goto(f"{self.ha_url}/config/integrations/dashboard")
        except PlaywrightError as err:
            if "ERR_ABORTED" not in err.message:
                raise
            # The frontend moved to another page of its own just then (after a deletion).
            page.goto(f"{self.ha_url}/config/integrations/dashboard")
        page.get_by_role("button", name=re.compile("Add integration")).click()
        # In the dialog: once added, the integration's card behind it has the same name.
        brands = page.locator("dialog-add-integration")
        brands.get_by_placeholder("Search for a brand name").fill("Legrand Eliot")
        brands.get_by_text("Legrand Eliot", exact=True).first.click()

    def add_integration(self, client_id: str, client_secret: str, key: str) -> None:
        """Add Legrand Eliot: credentials, then the key, then the simulator's consent page."""
        page = self.page
        self.open_add_dialog()
        credentials = page.locator("dialog-add-application-credential")
        flow = self.flow_dialog()
        # A fresh Home Assistant has no application credentials: they are asked first.
        expect(
            page.get_by_text("Add application credentials").first.or_(
                field(flow, "Subscription key")
            )
        ).to_be_visible()
        if not field(flow, "Subscription key").count():
            # The secret as a person may type it first: one character wrong.
            field(credentials, "Name").fill(CREDENTIALS_NAME)
            field(credentials, "OAuth client ID").fill(client_id)
            field(credentials, "OAuth client secret").fill(mistyped(client_secret))
            self.shot("application-credentials")
            credentials.get_by_role("button", name="Add").click()
            self.correct_refused_secret(client_id, client_secret)

        expect(field(flow, "Subscription key")).to_be_visible()
        field(flow, "Subscription key").fill(key)
        # The step's text comes with the integration's translations, after the form itself.
        expect(
            flow.get_by_text(re.compile("Every call to the Legrand API"))
        ).to_be_visible()
        self.shot("subscription-key")
        # The frontend opens Legrand's sign-in page by itself ("Open website" opens it again).
        with page.expect_popup() as popup_info:
            self.submit_flow()
        consent = popup_info.value
        try:
            consent.wait_for_load_state()
        except PlaywrightError:
            # The simulated cloud remembers an earlier consent and closes the page at once.
            if not consent.is_closed():
                raise
        else:
            expect(
                page.get_by_text("Sign in with the Legrand account").first
            ).to_be_visible()
            self.shot("sign-in")
            self.consent(consent)

        expect(flow.get_by_text("Your Legrand account is linked.")).to_be_visible(
            timeout=60_000
        )
        if not self.name_and_assign_complete():
            # The frontend sometimes reloads itself just after a first entry; the devices page
            # checks the areas next.
            print("    note: the name-and-assign step closed before it could be read")
            return
        self.shot("devices-found")
        # Every area exists before the first device: the browser never shows a device in an
        # area it does not know, not even for a moment.
        unknown = flow.get_by_text("Unknown area selected").count()
        if unknown:
            self.failure_shot("devices-found-unknown-area")
            raise StepFailedError(
                f"the name-and-assign step shows 'Unknown area selected' {unknown} times"
            )
        flow.locator("ha-area-picker").nth(3).scroll_into_view_if_needed()
        self.shot("devices-found-areas")
        flow.get_by_role("button", name=re.compile("Finish")).click()
        expect(flow.get_by_role("dialog")).to_have_count(0)

    def correct_refused_secret(self, client_id: str, client_secret: str) -> None:
        """Correct the refused client secret in the form the flow shows, then go on.

        The flow asks Legrand about the new credentials before anything else: the "Application
        credentials" step says the secret was refused, with the client ID filled in. Nobody has
        signed in at the simulated cloud yet; the corrected pair replaces the refused one.
        """
        flow = self.flow_dialog()
        expect(flow.get_by_text("Legrand refused the client secret")).to_be_visible()
        expect(field(flow, "OAuth client ID")).to_have_value(client_id)
        if any(user["consents"] for user in self.sim_state()["users"]):
            raise StepFailedError("the sign-in went on with a refused client secret")
        self.shot("credentials-refused")
        field(flow, "OAuth client secret").fill(client_secret)
        self.submit_flow()
        # Accepted, the corrected pair took the refused one's place (and name).
        expect(field(flow, "Subscription key")).to_be_visible()
        stored = self.page.evaluate(
            """async () => {
                const hass = document.querySelector('home-assistant').hass;
                const all = await hass.callWS({type: 'application_credentials/list'});
                return all.filter((item) => item.domain === 'legrand_eliot');
            }"""
        )
        if [
            (item["client_secret"] == client_secret, item["name"]) for item in stored
        ] != [(True, CREDENTIALS_NAME)]:
            raise StepFailedError(
                f"{len(stored)} application credentials stored, not the corrected one alone"
            )

    def name_and_assign_complete(self) -> bool:
        """Wait until the last step lists every device of the entry; False if it closed."""
        devices = self.page.evaluate(
            """async () => {
                const hass = document.querySelector('home-assistant').hass;
                const [entry] = await hass.callWS(
                    {type: 'config_entries/get', domain: 'legrand_eliot'});
                const devices = await hass.callWS({type: 'config/device_registry/list'});
                return devices.filter((d) => d.config_entries.includes(entry.entry_id)).length;
            }"""
        )
        if devices < 4:
            raise StepFailedError(f"the entry has {devices} devices")
        step = self.flow_dialog().locator("step-flow-create-entry")
        try:
            expect(step.locator("ha-area-picker")).to_have_count(devices)
        except AssertionError as err:
            if not step.count():
                return False
            raise StepFailedError(
                "the name-and-assign step never listed every device"
            ) from err
        return True

    def consent(self, consent: Page) -> None:
        """Choose the demo account and allow the access on the simulated sign-in page."""
        consent.set_viewport_size(VIEWPORT)
        original, self.page = self.page, consent
        try:
            self.shot("consent")
            consent.get_by_label("Account").select_option("demo@example.com")
            with consent.expect_event("close", timeout=30_000):
                consent.get_by_role("button", name="Accept").click()
        except PlaywrightError:
            if not consent.is_closed():
                self.failure_shot("consent-stuck")
                raise
        finally:
            self.page = original

    def devices(self) -> None:
        """Check that the devices page lists the account's devices in their rooms."""
        page = self.page
        page.goto(f"{self.ha_url}/config/devices/dashboard?domain=legrand_eliot")
        for device, area in (("Lumière Salon", "Salon"), ("Soggiorno", "Soggiorno")):
            expect(
                page.get_by_role("row", name=re.compile(f"{device} {area} "))
            ).to_be_visible()
        self.shot("devices")

    def plug(self) -> None:
        """Turn the TV plug off in its more-info dialog; the cloud shows it off."""
        assert self.module(TV_PLUG)["status"] == "on"
        entity_id = self.entity_id(f"{TV_PLUG}_outlet")
        dialog = self.more_info(entity_id)
        dialog.locator("ha-control-switch, ha-state-control-toggle").first.click()
        self.wait_for_cloud(
            "the plug off", lambda: self.module(TV_PLUG)["status"] == "off"
        )
        self.wait_for_ui(
            "the plug off", entity_id, lambda state: state.get("state") == "off"
        )
        self.shot("plug-off")
        self.close_dialogs()

    def slide(self, dialog: Locator, name: str, before: int) -> Locator:
        """Move a more-info slider by three large steps, down from high values, else up."""
        slider = dialog.get_by_role("slider", name=re.compile(name))
        key = "PageDown" if before > 50 else "PageUp"
        for _ in range(3):
            slider.press(key)
        return slider

    def wait_for_agreement(
        self,
        what: str,
        slider: Locator,
        cloud: Callable[[], int],
        entity_id: str,
        shown: Callable[[dict[str, Any]], int | None],
    ) -> None:
        """Wait until the slider, the simulated cloud and Home Assistant hold one value.

        The slider sends its steps as more than one command; the first may reach the cloud and
        come back before the last is sent.
        """
        deadline = time.monotonic() + 2 * TIMEOUT_MS / 1000
        while True:
            value = slider.get_attribute("aria-valuenow")
            state = self.hass(f"hass.states[{json.dumps(entity_id)}]") or {}
            if value is not None and round(float(value)) == cloud() == shown(state):
                return
            if time.monotonic() > deadline:
                raise StepFailedError(
                    f"the slider, the cloud and Home Assistant never agreed on {what}"
                )
            time.sleep(0.3)

    def light(self) -> None:
        """Change the living room light's brightness in the UI; the cloud and the UI follow."""
        before = self.module(SALON_LIGHT)["level"]
        entity_id = self.entity_id(f"{SALON_LIGHT}_light")
        dialog = self.more_info(entity_id)
        slider = self.slide(dialog, "Brightness", before)
        self.wait_for_cloud(
            "another brightness", lambda: self.module(SALON_LIGHT)["level"] != before
        )
        self.wait_for_agreement(
            "the brightness",
            slider,
            lambda: int(self.module(SALON_LIGHT)["level"]),
            entity_id,
            lambda state: (
                None
                if (brightness := state.get("attributes", {}).get("brightness")) is None
                else round(brightness * 100 / 255)
            ),
        )
        self.shot("light-brightness")
        self.close_dialogs()

    def shutter(self) -> None:
        """Move the living room shutter in the UI; the cloud and then the UI follow."""
        before = self.module(SALON_SHUTTER)["position"]
        entity_id = self.entity_id(f"{SALON_SHUTTER}_shutter")
        dialog = self.more_info(entity_id)
        slider = self.slide(dialog, "Position", before)
        self.wait_for_cloud(
            "the shutter moving",
            lambda: self.module(SALON_SHUTTER)["position"] != before,
        )
        # Home Assistant shows the shutter where the cloud put it, once its travel is over.
        self.wait_for_agreement(
            "the shutter's position",
            slider,
            lambda: int(self.module(SALON_SHUTTER)["position"]),
            entity_id,
            lambda state: (
                None
                if state.get("state") in ("opening", "closing")
                else state.get("attributes", {}).get("current_position")
            ),
        )
        self.shot("shutter-position")
        self.close_dialogs()

    def thermostat_set_point(self) -> None:
        """Raise the bedroom thermostat's set point in the UI; the cloud follows."""
        before = self.thermostat(CAMERA)["setpoint"]
        entity_id = self.entity_id(f"{CAMERA}_thermostat")
        dialog = self.more_info(entity_id)
        # In °F (the browser's US locale has onboarding pick it) a step is a whole degree.
        fahrenheit = self.hass("hass.config.unit_system.temperature") == "°F"
        step = self.hass(
            f"hass.states[{json.dumps(entity_id)}].attributes.target_temp_step"
        )
        if step != (1 if fahrenheit else 0.1):
            raise StepFailedError(f"the set point steps by {step} degree")
        # The round set point control, one step up as the "+" button gives it: one command.
        dialog.get_by_role("slider").first.press("ArrowUp")
        self.wait_for_cloud(
            "a higher set point", lambda: self.thermostat(CAMERA)["setpoint"] > before
        )

        digits = 0 if fahrenheit else 1  # as the frontend shows temperatures

        def cloud_shown() -> float:
            """Return the cloud's set point (°C) in the frontend's unit, as it is shown."""
            celsius: float = self.thermostat(CAMERA)["setpoint"]
            return round(celsius * 9 / 5 + 32 if fahrenheit else celsius, digits)

        # Home Assistant shows the set point the cloud has.
        self.wait_for_ui(
            "the cloud's set point",
            entity_id,
            lambda state: (
                round(state.get("attributes", {}).get("temperature") or -999, digits)
                == cloud_shown()
            ),
        )
        self.shot("thermostat-set-point")
        self.close_dialogs()

    def diagnostics(self) -> None:
        """Diagnostics download from the integration's page, without any secret in it."""
        page = self.page
        page.goto(f"{self.ha_url}/config/integrations/integration/legrand_eliot")
        expect(page.get_by_text("Legrand Eliot").first).to_be_visible()
        self.shot("integration")
        self.entry_menu()
        with page.expect_download() as download_info:
            page.get_by_role(
                "menuitem", name=re.compile("Download diagnostics")
            ).click()
        path = self.downloads / "diagnostics.json"
        download_info.value.save_as(path)
        text = path.read_text(encoding="utf-8")
        if "data" not in json.loads(text):
            raise StepFailedError("the diagnostics file has no data")
        for secret in self.secrets:
            if secret in text:
                raise StepFailedError("the diagnostics file holds a secret")

    def entry_menu(self) -> None:
        """Open the config entry's overflow menu."""
        page = self.page
        row = page.locator("ha-config-entry-row").first
        row.get_by_role("button", name="Menu").first.click()

    def options(self) -> None:
        """Save a daily call budget in the options and find it there again."""
        page = self.page
        page.goto(f"{self.ha_url}/config/integrations/integration/legrand_eliot")
        page.get_by_role("button", name=re.compile("Configure")).first.click()
        flow = page.locator("dialog-data-entry-flow")
        budget = field(flow, "Calls per day")
        expect(budget).to_be_visible()
        budget.fill("600")
        expect(flow.get_by_text(re.compile("counts every call"))).to_be_visible()
        self.shot("options")
        self.submit_flow()
        expect(flow.get_by_text("Options successfully saved.")).to_be_visible()
        flow.get_by_role("button", name="Finish").click()
        expect(flow.get_by_role("dialog")).to_have_count(0)
        # Opened again, the options show the saved budget.
        page.get_by_role("button", name=re.compile("Configure")).first.click()
        expect(field(flow, "Calls per day")).to_have_value("600")
        self.close_flow()

    def reconfigure(self, key: str) -> None:
        """Reconfigure tests and saves another subscription key."""
        page = self.page
        page.goto(f"{self.ha_url}/config/integrations/integration/legrand_eliot")
        self.entry_menu()
        page.get_by_role("menuitem", name=re.compile("Reconfigure")).click()
        flow = self.flow_dialog()
        field(flow, "Subscription key").fill(key)
        expect(
            flow.get_by_text(re.compile("tested with your linked account"))
        ).to_be_visible()
        self.shot("reconfigure")
        self.submit_flow()
        expect(
            flow.get_by_text(
                re.compile(
                    "Reconfiguration was successful|The subscription key was changed"
                )
            )
        ).to_be_visible()
        self.close_flow()


def main() -> int:
    """Run every step in order; print each and stop at the first failure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ha-url", required=True)
    parser.add_argument("--sim-url", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument(
        "--key", required=True, help="the subscription key to link with"
    )
    parser.add_argument("--other-key", required=True, help="the key reconfigure sets")
    parser.add_argument("--screenshots", type=Path, required=True)
    parser.add_argument(
        "--from-step",
        type=int,
        default=0,
        help="log in and start at this step (to work on a later step again)",
    )
    args = parser.parse_args()
    # The ways the hour goes wrong extend this module's FirstHour: run as a script, this module
    # is the one they import, not a second copy of it.
    sys.modules.setdefault("e2e_browser", sys.modules[__name__])
    from e2e_unhappy import UnhappyHour

    args.screenshots.mkdir(parents=True, exist_ok=True)
    if not args.from_step:
        for old in args.screenshots.glob("*.png"):
            old.unlink()

    with (
        sync_playwright() as playwright,
        tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile,
        tempfile.TemporaryDirectory() as downloads,
    ):

        def launch() -> BrowserContext:
            """Start Chromium on the run's profile (a person's browser, logged in once)."""
            browser = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                headless=True,
                viewport=VIEWPORT,
                accept_downloads=True,
                locale="en-US",
            )
            browser.set_default_timeout(TIMEOUT_MS)
            return browser

        # A fresh profile each run (Chromium's --user-data-dir): nothing left from an earlier one.
        browser = launch()
        page = browser.pages[0] if browser.pages else browser.new_page()
        run = UnhappyHour(
            page, args.ha_url, args.sim_url, args.screenshots, Path(downloads)
        )
        run.relaunch = launch
        page.on("load", run.loaded)
        run.secrets = [args.client_secret, args.key, args.other_key]
        steps: list[tuple[str, Callable[[], None]]] = [
            ("onboarding", run.onboard),
            (
                "add Legrand Eliot",
                lambda: run.add_integration(
                    args.client_id, args.client_secret, args.key
                ),
            ),
            ("devices", run.devices),
            ("plug", run.plug),
            ("light brightness", run.light),
            ("shutter position", run.shutter),
            ("thermostat set point", run.thermostat_set_point),
            ("diagnostics", run.diagnostics),
            ("options", run.options),
            ("reconfigure", lambda: run.reconfigure(args.other_key)),
            ("page closed after Accept", lambda: run.closed_page(args.key)),
            ("fifteen arrow presses", run.arrow_burst),
            ("unit system switch", run.unit_switch),
            ("Thermostat app password", run.app_password_repair),
        ]
        if args.from_step:
            steps = [("log in", run.log_in), *steps[args.from_step :]]
        for name, step in steps:
            print(f"==> {name}", flush=True)
            try:
                step()
            except (StepFailedError, PlaywrightError, AssertionError) as err:
                try:
                    run.failure_shot(name.replace(" ", "-"))
                    print(run.page.locator("body").aria_snapshot(), file=sys.stderr)
                except PlaywrightError:
                    pass
                print(f"FAILED: {name}: {err}", file=sys.stderr)
                run.page.context.close()
                return 1
        run.page.context.close()
    print("==> every step passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
