"""Peer nomination of leaders (M16): staff name colleagues who live each value; the network
analysis finds informal leaders; names are shown to administrators only, above a threshold."""
