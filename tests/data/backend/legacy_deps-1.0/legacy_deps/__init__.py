"""legacy_deps: a fixture."""
