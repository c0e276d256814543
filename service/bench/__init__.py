"""``holdfast bench``: speed, latency and memory of holdfast, each beside its target.

One module per kind of measurement (chain, replay process, live service, memory, start-up);
:mod:`service.bench.run` runs them and prints the table or one JSON object. Nothing here is a
test: the figures are printed, never asserted. The machine is noisy, so the figures that
matter most are ratios measured in the same run (the chain against a per-sample imufusion
loop on the same samples).
"""
