"""From the ``fleet:`` section and the command line to a Prometheus client."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgetop.config_schema import FleetConfig, http_url, label_name
from edgetop.sources.prometheus_api import Credentials, PrometheusClient


@dataclass(frozen=True)
class FleetSettings:
    """What a fleet view needs: the server, the client, which label names a site, and the job."""

    url: str
    client: PrometheusClient
    site_label: str
    job: str | None
    interval: float


def _near(path: str | None, base: Path | None) -> str | None:
    """A relative file name is relative to the config file that named it, not to the working directory."""
    if path is None or base is None or Path(path).is_absolute():
        return path
    return str(base / path)


def fleet_settings(cfg: FleetConfig, url: str | None, site_label: str | None, interval: float | None,
                   config_file: str | None) -> FleetSettings:
    """Check the URL and label and build the client; nothing is sent yet.

    Raises:
        ValueError: no URL anywhere, a bad URL or label, an unusable CA file (the message says which).

    """
    chosen = url or cfg.url
    if not chosen:
        raise ValueError("no Prometheus to ask: give --prometheus URL or fleet.url in the config")
    http_url(chosen)
    label = site_label or cfg.site_label
    try:
        label_name(label)
    except ValueError as err:
        raise ValueError(f"--site-label {label!r}: {err}") from None
    base = Path(config_file).parent if config_file else None
    credentials = Credentials(cfg.user, _near(cfg.password_file, base), _near(cfg.bearer_token_file, base))
    client = PrometheusClient(chosen, credentials=credentials, ca_file=_near(cfg.ca_file, base), timeout=cfg.timeout,
                              concurrency=cfg.concurrency)
    return FleetSettings(client.url, client, label, cfg.job or None, interval or cfg.interval)
