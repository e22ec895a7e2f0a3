"""One refresh of the fleet: every query once, at one instant, then the pure build.

The only I/O is the client's; a round never raises. When ``up`` itself fails (the server is
down, refuses the credentials, times out) the round is "unavailable: reason" and carries
no rows, so the view keeps the last ones (greyed, with their age). Other queries failing
leave their fields unknown and are listed in ``failed_queries``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from edgetop.errors import SourceUnavailable
from edgetop.fleet.build import NodeMemo, build_nodes
from edgetop.fleet.model import FleetView
from edgetop.fleet.queries import answer_labels, fleet_queries, since_queries
from edgetop.sources.prometheus_api import PrometheusClient, Row

log = logging.getLogger(__name__)


def run_round(client: PrometheusClient, job: str | None, site_label: str,
              clock: Callable[[], float] = time.time, memo: NodeMemo | None = None) -> FleetView:
    """Query the fleet once; never raises (an unexpected error is logged and reported as the reason).

    Args:
        client: the Prometheus to ask.
        job: the job label of the nodes' scrapes (None: any).
        site_label: the label that names a node's site.
        clock: wall time (tests).
        memo: the last round's nodes, kept by a view that runs round after round (see
            :class:`~edgetop.fleet.build.NodeMemo`); None makes every node.

    """
    started = time.monotonic()
    now = clock()
    try:
        queries, labels = fleet_queries(job, site_label), answer_labels(site_label)
        # ``up`` first and alone: when the server is down or refuses, the round ends after one
        # time-out instead of one per query (18 queries on 4 threads would take 5 time-outs).
        answers = client.query_many({"up": queries.pop("up")}, at=now, labels=labels)
        if not isinstance(answers["up"], SourceUnavailable):
            answers.update(client.query_many(queries, at=now, labels=labels))
            silent = not_reporting(answers)
            if silent:  # since when: asked only of the silent nodes (subqueries are dear)
                answers.update(client.query_many(since_queries(job, silent), at=now, labels=labels))
    except Exception as err:  # a bug must not end the view: log it, say it
        log.exception("fleet round failed")
        return FleetView((), now, time.monotonic() - started, available=False,
                         reason=f"internal error ({type(err).__name__}; see the log)")
    return view_from_answers(answers, now, site_label, time.monotonic() - started, memo)


def not_reporting(answers: dict[str, list[Row] | SourceUnavailable]) -> set[str]:
    """The instances whose scrape fails (up 0) or whose build info went stale but was seen within the look-back.

    Each answer's rows start with the instance (see :func:`edgetop.fleet.queries.answer_labels`).
    """
    def instances(name: str, value: str | None = None) -> set[str]:
        found = answers.get(name)
        if isinstance(found, SourceUnavailable) or found is None:
            return set()
        return {row[0] for row in found if row[0] and (value is None or row[-1] == value)}

    return instances("up", "0") | (instances("seen") - instances("build"))


def view_from_answers(answers: dict[str, list[Row] | SourceUnavailable], now: float, site_label: str,
                      round_seconds: float = 0.0, memo: NodeMemo | None = None) -> FleetView:
    """The view of one round's answers (some of which may be errors)."""
    up = answers.get("up")
    if isinstance(up, SourceUnavailable) or up is None:
        return FleetView((), now, round_seconds, available=False, reason=str(up) if up else "no answer")
    good = {k: v for k, v in answers.items() if not isinstance(v, SourceUnavailable)}
    failed = {k: str(v) for k, v in answers.items() if isinstance(v, SourceUnavailable)}
    try:
        nodes = build_nodes(good, now, site_label, memo)
    except Exception as err:  # answers of a shape no test foresaw: say so, keep running
        log.exception("building the fleet rows failed")
        return FleetView((), now, round_seconds, available=False,
                         reason=f"unexpected answer ({type(err).__name__}; see the log)")
    return FleetView(nodes, now, round_seconds, failed_queries=failed)
