"""scripts/develop: the simulator and Home Assistant start, the demo credentials work, Ctrl-C stops both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from homeassistant.const import __version__
import pytest

ROOT = Path(__file__).resolve().parent.parent
DEVELOP = ROOT / "scripts" / "develop"
# The first start of Home Assistant in an empty folder creates its storage: allow for a slow machine.
START_TIMEOUT = 180.0
STOP_TIMEOUT = 60.0

pytestmark = [
    pytest.mark.skipif(
        not (ROOT / "simulator" / "__main__.py").is_file(),
        reason="scripts/develop runs the simulator's command line, simulator/__main__.py, not in this checkout yet",
    ),
    pytest.mark.usefixtures("socket_enabled"),
]


@dataclass
class Develop:
    """A running scripts/develop and what it was given."""

    process: subprocess.Popen[bytes]
    output: Path
    config: Path
    ha_port: int
    sim_port: int

    @property
    def sim_url(self) -> str:
        """Return the simulator's base URL."""
        return f"http://127.0.0.1:{self.sim_port}"

    def text(self) -> str:
        """Return everything the script printed so far."""
        return self.output.read_text(encoding="utf-8", errors="replace")

    def wait_until(self, what: str, check: Callable[[], bool]) -> None:
        """Wait until check() is true while the script runs; fail with its output otherwise."""
        deadline = time.monotonic() + START_TIMEOUT
        while not check():
            if self.process.poll() is not None:
                pytest.fail(
                    f"scripts/develop exited ({self.process.returncode}) before {what}:\n{self.text()}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {START_TIMEOUT} s:\n{self.text()}")
            time.sleep(0.5)

    def wait_ready(self) -> None:
        """Wait until both servers answer and the instructions are printed."""
        self.wait_until(
            "simulator", lambda: _get(f"{self.sim_url}/_sim/clock")[0] == 200
        )
        self.wait_until(
            "Home Assistant",
            lambda: _get(f"http://127.0.0.1:{self.ha_port}/manifest.json")[0] == 200,
        )
        self.wait_until("instructions", lambda: "Ctrl-C stops both" in self.text())

    def stop(self, sig: signal.Signals) -> int:
        """Send a signal to the script and return its exit code."""
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"scripts/develop still runs {STOP_TIMEOUT} s after {sig.name}:\n{self.text()}"
            )


def _free_ports(count: int) -> list[int]:
    """Return distinct ports that nothing listens on right now."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _get(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    json_body: dict[str, str] | None = None,
) -> tuple[int | None, bytes]:
    """GET a URL on this machine, or POST a form or JSON; the status is None when nothing answers."""
    headers = dict(headers or {})
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
    elif json_body is not None:
        body = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except OSError:
        return None, b""


def _listening(port: int) -> bool:
    """Return whether something accepts connections on this port of 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _processes_with(*words: str) -> list[int]:
    """Return the ids of processes whose command line holds all these words, in order."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        text = [part.decode(errors="replace") for part in argv]
        if any(text[i : i + len(words)] == list(words) for i in range(len(text))):
            found.append(int(cmdline.parent.name))
    return found


def _home_assistant_pid(config: Path) -> int | None:
    """Return the process id Home Assistant recorded in its configuration folder's lock file."""
    try:
        return int(json.loads((config / ".ha_run.lock").read_text())["pid"])
    except OSError, ValueError, KeyError:
        return None


@pytest.fixture
def develop(tmp_path: Path) -> Iterator[Develop]:
    """Start scripts/develop on free ports with an empty configuration folder; stop it after the test."""
    ha_port, sim_port = _free_ports(2)
    config = tmp_path / "config"
    output = tmp_path / "develop.out"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"LEGRAND_ELIOT_CLOUD_URL", "SETUP_PORT"}
    }
    env |= {
        "HA_PORT": str(ha_port),
        "SIM_PORT": str(sim_port),
        "HA_CONFIG_DIR": str(config),
    }
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [str(DEVELOP)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    running = Develop(process, output, config, ha_port, sim_port)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # Whatever went wrong, leave no server of this test running.
        leftovers = _processes_with("-m", "simulator", "--port", str(sim_port))
        if (pid := _home_assistant_pid(config)) is not None:
            leftovers.append(pid)
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _onboard(ha_url: str) -> str:
    """Create the first user as onboarding does and return an access token for it."""
    client_id = f"{ha_url}/"
    status, body = _get(
        f"{ha_url}/api/onboarding/users",
        json_body={
            "name": "Developer",
            "username": "developer",
            "password": "a long development password",
            "client_id": client_id,
            "language": "en",
        },
    )
    assert status == 200, body
    status, body = _get(
        f"{ha_url}/auth/token",
        form={
            "grant_type": "authorization_code",
            "code": json.loads(body)["auth_code"],
            "client_id": client_id,
        },
    )
    assert status == 200, body
    token: str = json.loads(body)["access_token"]
    return token


def _finish_onboarding(ha_url: str, token: str) -> None:
    """Take onboarding's other steps as the browser does: location, analytics, integrations.

    The location step sets up the integrations onboarding adds (Google Translate, Met.no,
    Radio Browser, Shopping list) in the background.
    """
    headers = {"Authorization": f"Bearer {token}"}
    for step, body in (
        ("core_config", {}),
        ("analytics", {}),
        ("integration", {"client_id": f"{ha_url}/", "redirect_uri": f"{ha_url}/"}),
    ):
        status, answer = _get(
            f"{ha_url}/api/onboarding/{step}", headers=headers, json_body=body
        )
        assert status == 200, (step, answer)


def _entry_states(ha_url: str, token: str) -> dict[str, str]:
    """Return the state of each config entry, by domain ("ignored" for an ignored one)."""
    status, body = _get(
        f"{ha_url}/api/config/config_entries/entry",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert status == 200, body
    return {
        entry["domain"]: "ignored" if entry["source"] == "ignore" else entry["state"]
        for entry in json.loads(body)
    }


def _dialog_labels() -> list[str]:
    """Return the labels of the fields the setup dialogs show, in the order they ask them.

    The application credentials dialog is Home Assistant's frontend (its English texts); the
    subscription key form is the integration's own.
    """
    frontend = ROOT / ".venv" / "lib" / "python3.14" / "site-packages" / "hass_frontend"
    texts: dict[str, str] = {}
    for path in (frontend / "static" / "translations" / "config").glob("en-*.json"):
        if not path.name.startswith("en-GB"):
            texts = json.loads(path.read_text(encoding="utf-8"))
    editor = "ui.panel.config.application_credentials.editor"
    strings = json.loads(
        (ROOT / "custom_components" / "legrand_eliot" / "strings.json").read_text()
    )
    return [
        texts[f"{editor}.name"],
        texts[f"{editor}.client_id"],
        texts[f"{editor}.client_secret"],
        strings["config"]["step"]["user"]["data"]["subscription_key"],
    ]


def _printed_credentials(text: str) -> dict[str, str]:
    """Return what the instructions say to type, by the label of each dialog's field, in order."""
    found = {}
    for label in _dialog_labels():
        match = re.search(rf"^\s*{label}\s+(\S.*?)\s*$", text, re.MULTILINE)
        assert match, f"the instructions do not name the field {label!r}:\n{text}"
        found[label] = match.group(1)
    # The fields are listed in the order the dialogs ask them.
    assert list(found) == sorted(found, key=lambda label: text.index(f" {label} "))
    return found


def test_develop_runs_both_and_stops_cleanly_on_ctrl_c(develop: Develop) -> None:
    """Both servers answer, the printed credentials work, the integration is linked, Ctrl-C stops all."""
    develop.wait_ready()
    text = develop.text()
    assert f"http://localhost:{develop.ha_port}" in text
    assert "Devices & services" in text
    assert "Legrand Eliot" in text
    assert str(develop.config / "home-assistant.log") in text

    # The printed credentials are the ones the running simulator accepts.
    credentials = _printed_credentials(text)
    assert credentials["Name"]
    client_id = credentials["OAuth client ID"]
    status, _ = _get(
        f"{develop.sim_url}/{urllib.parse.quote(client_id)}/.well-known/openid-configuration"
    )
    assert status == 200
    status, body = _get(f"{develop.sim_url}/_sim/token", json_body={})
    assert status == 200
    status, body = _get(
        f"{develop.sim_url}/token",
        form={
            "grant_type": "refresh_token",
            "refresh_token": json.loads(body)["refresh_token"],
            "client_id": client_id,
            "client_secret": credentials["OAuth client secret"],
        },
    )
    assert status == 200, body
    status, body = _get(
        f"{develop.sim_url}/hc/api/v1.0/plants",
        headers={
            "Authorization": f"Bearer {json.loads(body)['access_token']}",
            "Ocp-Apim-Subscription-Key": credentials["Subscription key"],
        },
    )
    assert status == 200, body

    # Onboarding creates a user, the UI's first requests succeed (describing every service imports
    # every base platform) and the integration's config flow starts.
    ha_url = f"http://127.0.0.1:{develop.ha_port}"
    token = _onboard(ha_url)
    headers = {"Authorization": f"Bearer {token}"}
    status, body = _get(f"{ha_url}/api/services", headers=headers)
    assert status == 200, body
    status, body = _get(
        f"{ha_url}/api/config/config_entries/flow",
        headers=headers,
        json_body={"handler": "legrand_eliot"},
    )
    assert status == 200, body
    assert json.loads(body)["handler"] == "legrand_eliot"

    # The rest of onboarding: the integrations it adds load (their libraries are pinned) and
    # print no traceback; Radio Browser, which offline could only fail, is ignored. No card on
    # the Integrations page says that a setup failed.
    _finish_onboarding(ha_url, token)
    develop.wait_until(
        "the integrations onboarding adds",
        lambda: (
            _entry_states(ha_url, token).items()
            >= {("google_translate", "loaded"), ("shopping_list", "loaded")}
        ),
    )
    states = _entry_states(ha_url, token)
    assert states["radio_browser"] == "ignored"
    assert set(states.values()) <= {"loaded", "ignored"}, states
    assert "Traceback" not in develop.text()
    assert " ERROR " not in develop.text()

    # Home Assistant loads the integration from the checkout and talks to the simulator.
    link = develop.config / "custom_components" / "legrand_eliot"
    assert link.is_symlink()
    assert link.resolve() == ROOT / "custom_components" / "legrand_eliot"
    pid = _home_assistant_pid(develop.config)
    assert pid is not None
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert f"LEGRAND_ELIOT_CLOUD_URL={develop.sim_url}".encode() in environ

    assert develop.stop(signal.SIGINT) == 0, develop.text()
    assert "Stopped" in develop.text()
    assert not _listening(develop.ha_port)
    assert not _listening(develop.sim_port)
    assert not Path(f"/proc/{pid}").exists()


def test_develop_stops_home_assistant_when_the_simulator_dies(develop: Develop) -> None:
    """When the simulator ends by itself, Home Assistant is stopped and the script fails clearly."""
    develop.wait_ready()
    simulators = _processes_with("-m", "simulator", "--port", str(develop.sim_port))
    assert len(simulators) == 1
    os.kill(simulators[0], signal.SIGKILL)

    try:
        code = develop.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(
            f"scripts/develop still runs after the simulator died:\n{develop.text()}"
        )
    assert code != 0
    assert "the simulator stopped unexpectedly" in develop.text()
    assert not _listening(develop.ha_port)


SHOW_HA_ENVIRONMENT = (
    '. scripts/lib/ha-version.sh && ha_environment && printf "%s\\n%s\\n%s\\n" '
    '"$HA_RELEASE" "$VENV" "$REQUIREMENTS"'
)


def _ha_environment(version: str | None) -> subprocess.CompletedProcess[str]:
    """Run scripts/lib/ha-version.sh's choice for an HA_VERSION; print VENV and REQUIREMENTS."""
    env = {key: value for key, value in os.environ.items() if key != "HA_VERSION"}
    if version is not None:
        env["HA_VERSION"] = version
    return subprocess.run(
        [
            "bash",
            "-c",
            SHOW_HA_ENVIRONMENT,
        ],
        cwd=ROOT,
        env=env | {"ROOT": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_default_release_is_the_one_the_tests_run_on() -> None:
    """Without HA_VERSION (or with the tests' release) everything uses .venv and its pins."""
    for version in (None, "", __version__):
        chosen = _ha_environment(version)
        assert chosen.returncode == 0, chosen.stderr
        assert chosen.stdout.splitlines() == [
            __version__,
            str(ROOT / ".venv"),
            str(ROOT / "requirements_test.txt"),
        ]


def test_every_other_release_has_its_own_pinned_venv() -> None:
    """Each requirements_ha*.txt pins one release, which gets a venv of its own."""
    files = sorted(ROOT.glob("requirements_ha*.txt"))
    assert files
    for path in files:
        pins = re.findall(r"(?m)^homeassistant==(\S+)$", path.read_text())
        assert len(pins) == 1, path.name
        chosen = _ha_environment(pins[0])
        assert chosen.returncode == 0, chosen.stderr
        assert chosen.stdout.splitlines() == [
            pins[0],
            str(ROOT / f".venv-{pins[0]}"),
            str(path),
        ]


@pytest.mark.parametrize(
    ("version", "says"),
    [
        ("1999.1.0", "no pinned package set for Home Assistant 1999.1.0"),
        ("2026.11.9", "no pinned package set for Home Assistant 2026.11.9"),
        ("latest", "HA_VERSION must be a release such as"),
    ],
)
def test_a_release_without_a_package_set_is_refused_at_once(
    tmp_path: Path, version: str, says: str
) -> None:
    """scripts/develop names the releases it knows and starts nothing."""
    ha_port, sim_port = _free_ports(2)
    env = os.environ | {
        "HA_VERSION": version,
        "HA_PORT": str(ha_port),
        "SIM_PORT": str(sim_port),
        "HA_CONFIG_DIR": str(tmp_path / "config"),
    }
    finished = subprocess.run(
        [str(DEVELOP)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=STOP_TIMEOUT,
        check=False,
    )
    assert finished.returncode == 1
    assert says in finished.stderr
    if "no pinned package set" in says:
        assert "2026.11.0" in finished.stderr
    assert not (tmp_path / "config").exists()
    assert not _listening(ha_port)
    assert not _listening(sim_port)
