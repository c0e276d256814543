"""Where samples come from: BLE sensors (bleak), recordings, the simulator.

Every source is a :class:`sensor.source.SampleSource`: an async iterator of
:data:`sensor.source.SourceItem` (sample batches and link status), so the service runs the same
chain whatever is behind it.
"""
