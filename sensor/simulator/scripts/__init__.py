"""Built-in simulator scripts (TOML files, read with ``sensor.simulator.script``)."""
