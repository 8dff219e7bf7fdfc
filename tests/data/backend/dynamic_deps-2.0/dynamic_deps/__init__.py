"""dynamic_deps: a fixture."""
