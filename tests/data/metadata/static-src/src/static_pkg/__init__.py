"""The static fixture package."""
