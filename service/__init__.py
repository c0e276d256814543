"""The asyncio application: sources -> dsp.Pipeline -> publishers; config, CLI, MQTT, displays."""
