"""Displays: programs that show what holdfast publishes, as MQTT subscribers only.

Every display here (the web page's bridge, the terminal display) gets a broker connection and
a topic prefix and nothing else from the service: no pipeline, no app object, no callback.
What a display shows came through the broker, so any other MQTT client could show the same;
the tests prove it by publishing crafted messages to a broker and reading them back on screen.
The only holdfast module a display reads payload models from is :mod:`dsp.events`
(an import-linter contract in pyproject.toml keeps the chain, the sources and the app out).
"""
