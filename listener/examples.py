"""The example configuration that ``listener init`` writes (also in config/)."""

from importlib.resources import files


def example_config() -> str:
    return (files("listener") / "example.toml").read_text(encoding="utf-8")
