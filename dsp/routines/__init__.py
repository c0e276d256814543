"""Guided routines: a routine is data (TOML), running one is a pure state machine.

- :mod:`dsp.routines.plan` — the TOML's shape and the plan a run follows;
- :mod:`dsp.routines.library` — the built-in routines (``builtin/*.toml``) and users' files;
- :mod:`dsp.routines.runner` — the state machine: chain events and commands in, routine
  events and the chain's context out;
- :mod:`dsp.routines.progression` — a session against its plan, and what to do next time;
- :mod:`dsp.routines.driver` — a runner wired to one pipeline.

docs/routines.md describes the routines, the events and the rules.
"""

from dsp.routines.driver import RoutineDriver
from dsp.routines.library import builtin_names, from_data, load
from dsp.routines.plan import RoutineSpec
from dsp.routines.settings import RoutineSettings

__all__ = ["RoutineDriver", "RoutineSettings", "RoutineSpec", "builtin_names", "from_data", "load"]
