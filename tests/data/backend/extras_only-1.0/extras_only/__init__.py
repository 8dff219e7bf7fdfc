"""extras_only: a fixture."""
