"""Replay as a test tool: a pytest plugin (``holdfast_broker``, ``holdfast_replay``,
``holdfast_simulated``) for people who test a display or an automation against recorded
sessions. Loaded by pytest through the ``pytest11`` entry point; see docs/testing.md."""
