"""A motion simulator of the lower back with ground truth (docs/simulator.md, docs/truth.md).

from sensor.simulator import builtin_script, simulate, SimulationSettings, write_simulation
sim = simulate(builtin_script("demo"), SimulationSettings(seed=1))
write_simulation(sim, Path("demo.jsonl.gz"), "witmotion")   # + demo.truth.json
"""

from sensor.simulator.link_model import LinkSettings
from sensor.simulator.output import encodable_devices, truth_path_for, write_simulation
from sensor.simulator.script import (
    Script,
    builtin_names,
    builtin_script,
    load_script,
    parse_script,
)
from sensor.simulator.sensor_model import Mounting, SensorSettings, parse_mounting
from sensor.simulator.session import Simulation, SimulationSettings, simulate

__all__ = [
    "LinkSettings",
    "Mounting",
    "Script",
    "SensorSettings",
    "Simulation",
    "SimulationSettings",
    "builtin_names",
    "builtin_script",
    "encodable_devices",
    "load_script",
    "parse_mounting",
    "parse_script",
    "simulate",
    "truth_path_for",
    "write_simulation",
]
