"""The devices of the account: their makers, models and the account's and gateways' devices."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo

from .const import DOMAIN
from .coordinator import LegrandEliotCoordinator
from .data import EliotData

LEGRAND = "Legrand"
BTICINO = "BTicino"
HOME_CONTROL_GATEWAY_MODEL = "Home + Control gateway"
SMARTHER_PLANT_MODEL = "Smarther plant"
SMARTHER_MODEL = "Smarther chronothermostat"
ACCOUNT_MODEL = "Works with Legrand account"
# The account is no plant or module of the topology, so its device is identified outside the
# domain's own identifiers: stale-device removal judges those by the topology alone.
ACCOUNT_NAMESPACE = f"{DOMAIN}_account"

# Product names of the hw_type codes: those of Legrand's product cluster list (as Home Assistant's
# former home_plus_control named them), those of the Netatmo-era product list, and the two the
# simulated cloud uses beyond them. Other codes are shown as they come.
HW_TYPES: dict[str, str] = {
    "NBO": "Orientable shutter (Bubendorff)",
    "NBR": "Roller shutter (Bubendorff iDiamant)",
    "NBS": "Swing shutter (Bubendorff)",
    "NLC": "Cable outlet",
    "NLD": "Double gang on/off remote switch",
    "NLE": "Connected ecometer",
    "NLF": "On/off dimmer switch without neutral",
    "NLFN": "On/off dimmer switch with neutral",
    "NLG": "Home + Control gateway",
    "NLGS": "Standalone gateway",
    # The simulated cloud's gate module, a device kind the integration does not know.
    "NLGT": "Gate controller",
    "NLL": "On/off toggle switch with neutral",
    "NLLV": "Shutter switch with level control",
    "NLM": "Micromodule switch",
    "NLP": "Connected socket outlet",
    "NLPBS": "British standard socket outlet",
    "NLPC": "Connected energy meter",
    "NLPM": "Mobile socket outlet",
    "NLPO": "Connected contactor",
    "NLPS": "Smart load shedder",
    "NLPT": "Connected latching relay",
    "NLT": "Remote switch",
    "NLV": "Shutter switch with neutral",
    # What the simulated cloud reports for a module whose scenario gives no type.
    "NLX": "Module of an unnamed type",
}


def model_name(hw_type: str | None) -> str | None:
    """Return the product name of a hw_type code; an unknown code is shown raw."""
    if hw_type is None:
        return None
    return HW_TYPES.get(hw_type.upper(), hw_type)


def account_id(coordinator: LegrandEliotCoordinator) -> str:
    """Return the id of the account's own device: the account, else the entry."""
    entry = coordinator.config_entry
    return entry.unique_id or entry.entry_id


def hub_device_info(plant_id: str, data: EliotData) -> DeviceInfo:
    """Return the device of a plant's gateway, which every module of the plant is connected via."""
    if (hc_plant := data.home_control.get(plant_id)) is not None:
        return DeviceInfo(
            identifiers={(DOMAIN, plant_id)},
            name=hc_plant.plant.name or hc_plant.topology.name or plant_id,
            manufacturer=LEGRAND,
            model=HOME_CONTROL_GATEWAY_MODEL,
        )
    smarther = data.smarther[plant_id]
    return DeviceInfo(
        identifiers={(DOMAIN, plant_id)},
        name=smarther.plant.name or smarther.topology.name or plant_id,
        manufacturer=BTICINO,
        model=SMARTHER_PLANT_MODEL,
    )
