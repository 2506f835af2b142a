import re
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from listener.errors import ConfigError
from listener.settings import display_url, load_settings, parse_duration, parse_settings

ROOT = Path(__file__).resolve().parents[1]

CONTRACT = """
[storage]
url = "sqlite:///listener.db"

[[brands]]
name = "Acme"
keywords = ["acme", "acme corp"]
exclude = ["roadrunner"]
outposts = ["reddit:r/acme", "twitter:@acme", "rss:https://forum.acme.example/latest.rss"]

[[sources]]
name = "news"
kind = "rss"
feeds = ["https://news.example/rss?q=acme"]
interval = "10m"

[[sources]]
name = "x"
kind = "twitter"
bearer_token_env = "X_BEARER_TOKEN"
api_base_url = "https://api.twitter.com"
interval = "2m"

[[sources]]
name = "reddit"
kind = "reddit"
client_id_env = "REDDIT_CLIENT_ID"
client_secret_env = "REDDIT_CLIENT_SECRET"
user_agent = "listener/0.1 (by u/acme)"
api_base_url = "https://oauth.reddit.com"
interval = "5m"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "listener.toml"
    path.write_text(text)
    return path


def test_contract_keys_load(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, CONTRACT), env={})
    assert [s.kind for s in settings.sources] == ["rss", "twitter", "reddit"]
    assert settings.sources[0].interval == timedelta(minutes=10)
    assert settings.brands[0].outposts[0] == "reddit:r/acme"
    assert settings.storage.url == f"sqlite:///{tmp_path / 'listener.db'}"


def test_typo_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, CONTRACT.replace('interval = "10m"', 'intervall = "10m"'))
    with pytest.raises(ConfigError) as e:
        load_settings(path, env={})
    assert str(path) in str(e.value)
    assert "sources[0].intervall" in str(e.value)
    assert "unknown key" in str(e.value)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('kind = "rss"', 'kind = "rsss"', "sources[0].kind"),
        ('interval = "2m"', 'interval = "soon"', "sources[1].interval"),
        ('"twitter:@acme"', '"twitter:acme"', "brands[0].outposts"),
        (
            'bearer_token_env = "X_BEARER_TOKEN"',
            'bearer_token_env = "abc def"',
            "sources[1].bearer_token_env",
        ),
        ('name = "x"', 'name = "news"', "sources[1].name"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, old: str, new: str, key: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_settings(write(tmp_path, CONTRACT.replace(old, new)), env={})
    assert f": {key}" in str(e.value)


def test_feeds_key_is_not_accepted_on_twitter(tmp_path: Path) -> None:
    text = CONTRACT.replace('bearer_token_env = "X_BEARER_TOKEN"', 'feeds = ["https://a.example"]')
    with pytest.raises(ConfigError, match=r"sources\[1\]\.feeds: unknown key"):
        load_settings(write(tmp_path, text), env={})


def test_env_overrides_database_url(tmp_path: Path) -> None:
    url = "postgresql+psycopg://u:pw@db.example/listener"
    settings = load_settings(write(tmp_path, CONTRACT), env={"LISTENER_DATABASE_URL": url})
    assert settings.storage.url == url
    assert "pw" not in display_url(url)


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="listener init"):
        load_settings(tmp_path / "nope.toml", env={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[storage\n"), env={})


def test_durations() -> None:
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration(30) == timedelta(seconds=30)
    for bad in ("", "10", "-5m", "0m", "5 parsecs"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_example_configs_are_valid_and_identical() -> None:
    shipped = (ROOT / "listener" / "example.toml").read_text()
    assert (ROOT / "config" / "listener.example.toml").read_text() == shipped
    for path in (ROOT / "config").glob("*.toml"):
        load_settings(path, env={})


CLUSTER = """
[storage]
url = "postgresql+psycopg://listener@db.example/listener"
[cluster]
broker_url = "redis://127.0.0.1:6379/0"
"""


def test_cluster_section_defaults(tmp_path: Path) -> None:
    cluster = load_settings(write(tmp_path, CLUSTER), env={}).cluster
    assert cluster is not None
    assert cluster.queue == "listener"
    assert cluster.task_timeout == timedelta(minutes=10)
    assert cluster.leader_retry == timedelta(seconds=10)


def test_cluster_mode_needs_postgresql(tmp_path: Path) -> None:
    path = write(
        tmp_path, CLUSTER.replace("postgresql+psycopg://listener@db.example/", "sqlite:///")
    )
    with pytest.raises(ConfigError) as e:
        load_settings(path, env={})
    assert e.value.key == "storage.url"
    assert "PostgreSQL" in e.value.reason
    # the database URL from the environment counts, as everywhere else
    env = {"LISTENER_DATABASE_URL": "postgresql+psycopg://db.example/listener"}
    assert load_settings(path, env=env).cluster is not None


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('broker_url = "sqs://queue"', "cluster.broker_url"),
        ('task_timout = "5m"', "cluster.task_timout"),
        ('queue = "two words"', "cluster.queue"),
        ('leader_retry = "soon"', "cluster.leader_retry"),
    ],
)
def test_bad_cluster_keys_are_named(tmp_path: Path, line: str, key: str) -> None:
    text = CLUSTER.replace('broker_url = "redis://127.0.0.1:6379/0"', line)
    if not line.startswith("broker_url"):
        text += 'broker_url = "amqp://guest:guest@127.0.0.1:5672//"\n'
    with pytest.raises(ConfigError) as e:
        load_settings(write(tmp_path, text), env={})
    assert e.value.key == key


def test_example_config_commented_options_are_valid_too() -> None:
    """Uncommenting every commented option of the example still gives a valid config."""
    option = re.compile(r"^# (\[|[a-z_]+ = )")
    lines = (ROOT / "listener" / "example.toml").read_text().splitlines()
    text = "\n".join(line[2:] if option.match(line) else line for line in lines)
    text = text.replace('url = "sqlite:///listener.db"', 'url = "postgresql+psycopg://db/x"')
    settings = parse_settings(tomllib.loads(text), "example, uncommented")
    assert {s.kind for s in settings.sources} == {"rss", "twitter", "reddit"}
    assert settings.cluster is not None and settings.alerts.route is not None
