"""A fake BlueZ for tests: a D-Bus service that owns ``org.bluez`` on a private bus.

It exports what bleak's BlueZ backend reads (an adapter, devices, GATT services and
characteristics) and streams emulated sensors that speak each device's real wire format, so
``sensor.ble`` runs through bleak's real Linux backend exactly as against hardware; only
``DBUS_SYSTEM_BUS_ADDRESS`` differs. The fake runs as its own process (``python -m
fakebluez``) so a test can kill and restart it; ``fakebluez.harness`` starts the private
``dbus-daemon`` and the fake, and talks to the fake's control interface.
"""
