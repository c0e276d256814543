"""Wire formats: bytes to decoded samples, commands to bytes. Pure: no I/O, no asyncio."""
