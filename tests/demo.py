"""The ids of the simulated demo house that many tests act on, and its entities' ids.

The plants, modules and thermostats are those of simulator/scenarios/demo.json; the entity ids
are what Home Assistant names them after their rooms and names.
"""

from __future__ import annotations

# The Home + Control plant (Maison) and its modules.
HC_PLANT = "000000005d1e3bc13598330000000001"
TV_PLUG = "000070ee503ed5d46275620000000001"
DIMMER = "000070ee503ed5d46275620000000002"
LIVING_SHUTTER = "000070ee503ed5d46275620000000003"
KETTLE_PLUG = "000070ee503ed5d46275620000000004"
CEILING = "000070ee503ed5d46275620000000005"
BEDROOM_SHUTTER = "000070ee503ed5d46275620000000007"
BEDSIDE_REMOTE = "000070ee503ed5d46275620000000008"
GATE = "000070ee503ed5d46275620000000009"
METER = "000070ee503ed5d4627562000000000b"
# The Smarther plant (in Rome) and its thermostats, Soggiorno and Camera.
SM_PLANT = "7c1f4e2a-9b3d-4a68-b5e0-2d8f6c1a9e47"
LIVING = "3e8a1c5f-7d2b-4f96-a0c4-6b9e2d7f1a35"
BEDROOM = "9b2d6f4a-3c8e-4a17-b6d1-5e0f9a2c7b83"
# The demo user's account.
ACCOUNT = "1c6a3f9e-5b2d-4e8a-9f71-3d2c4b5a6e70"
# Modules a test adds to the demo's plants.
NEW_PLUG = "000070ee503ed5d4627562000000000c"
NEW_THERMOSTAT = "5a0c2e4f-6b8d-4f13-a5c7-9e1b3d5f7a90"

# Their entities.
TV_SWITCH = "switch.salon_prise_tv"
KETTLE_SWITCH = "switch.cuisine_prise_bouilloire"
DIMMER_LIGHT = "light.salon_lumiere_salon"
CEILING_LIGHT = "light.cuisine_plafonnier_cuisine"
LIVING_COVER = "cover.salon_volet_salon"
BEDROOM_COVER = "cover.chambre_volet_chambre"
LIVING_CLIMATE = "climate.soggiorno_soggiorno"
BEDROOM_CLIMATE = "climate.camera_camera"
HC_GATEWAY = "binary_sensor.maison_gateway"
LIVING_LOAD = "binary_sensor.soggiorno_soggiorno_load"
BEDROOM_LOAD = "binary_sensor.camera_camera_load"
