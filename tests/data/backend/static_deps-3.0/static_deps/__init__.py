"""static_deps: a fixture."""
