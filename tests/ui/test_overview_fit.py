"""The overview fits its alerts to the screen: all when they fit, else as many as fit and a count."""

from __future__ import annotations

from rich.text import Text

from edgetop.ui.panes.overview import fit_alerts


def lines(prefix: str, n: int) -> list[Text]:
    return [Text(f"{prefix}{i}") for i in range(n)]


def plain(texts: list[Text]) -> list[str]:
    return [t.plain for t in texts]


def test_everything_is_shown_when_it_fits_or_the_height_is_unknown() -> None:
    alerts, sources = lines("a", 5), lines("s", 4)
    assert fit_alerts(alerts, sources, 2 + 5 + 1 + 4) == (alerts, sources)
    assert fit_alerts(alerts, sources, 0) == (alerts, sources)  # before the first layout


def test_sources_shrink_to_their_title_then_alerts_end_with_a_count() -> None:
    alerts, sources = lines("a", 17), lines("s", 6)
    shown, kept = fit_alerts(alerts, sources, 13)  # 80x25: 21 lines less 8 of health
    assert plain(kept) == ["s0"]
    # 13 = "" + "Alerts" + 8 alerts + "more" + "" + sources title
    more = ": ! opens the Alerts pane, which lists them all"
    assert plain(shown) == [f"a{i}" for i in range(8)] + [f"  ... 9 more{more}"]
    assert plain(fit_alerts(lines("a", 9), sources, 13)[0]) == [f"a{i}" for i in range(9)]  # 9 fit: no count
    tiny, _ = fit_alerts(alerts, sources, 3)  # a terminal far too small still shows one alert and the count
    assert plain(tiny) == ["a0", f"  ... 16 more{more}"]


def test_only_the_first_alerts_need_lines_the_count_comes_from_the_total() -> None:
    built = lines("a", 30)  # of 1,000 alerts, as many lines as the pane could ever show
    shown, _ = fit_alerts(built, lines("s", 6), 13, total=1000)
    assert plain(shown)[-1] == "  ... 992 more: ! opens the Alerts pane, which lists them all"
    assert len(shown) == 9
    unknown_height, _ = fit_alerts(built, lines("s", 6), 0, total=1000)
    assert len(unknown_height) == 31 and plain(unknown_height)[-1].startswith("  ... 970 more")
