"""The TLS parameters of a broker connection, shared by every MQTT client we open (the
publisher, the displays' feed), so a certificate setting means the same everywhere."""

from __future__ import annotations

import ssl

import aiomqtt

from service.config import BrokerSettings


def tls_parameters(broker: BrokerSettings) -> aiomqtt.TLSParameters | None:
    """aiomqtt's TLS parameters for ``broker``; ``None`` when TLS is off."""
    tls = broker.tls
    if not tls.active:
        return None
    return aiomqtt.TLSParameters(
        ca_certs=str(tls.ca_file) if tls.ca_file else None,
        certfile=str(tls.cert_file) if tls.cert_file else None,
        keyfile=str(tls.key_file) if tls.key_file else None,
        cert_reqs=ssl.CERT_REQUIRED,
    )
