"""Samples -> angles, posture, events. Pure numpy/scipy, streaming, chunk-size invariant.

Every stage is a frozen settings model (units in the names, documented defaults), private
state, and ``update(...)`` on arrays. :class:`dsp.pipeline.Pipeline` chains them.
"""
