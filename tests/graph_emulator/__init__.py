"""A stateful Microsoft Graph emulator for the SharePoint tests (and local trials: `python -m tests.graph_emulator`)."""
from tests.graph_emulator.server import CHUNK_UNIT, GraphEmulator

__all__ = ["CHUNK_UNIT", "GraphEmulator"]
