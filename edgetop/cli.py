"""Command line: the TUI, ``snapshot``, ``serve``, ``check-config``, ``check`` and ``fleet`` (README, Use)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import errno
import json
import logging
import os
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from edgetop import __version__
from edgetop.config import ConfigError, load_config, to_plain
from edgetop.config_schema import MAX_INTERVAL_SECONDS, Config, cpu_list_text, interval_seconds
from edgetop.logsetup import default_log_path, setup_logging
from edgetop.model.checks import EXIT_CANNOT_CHECK

if TYPE_CHECKING:
    from edgetop.model.spec import CollectorSpec, Context

EXIT_CONFIG = 2
# ``edgetop check`` exits 2 when a check fails, so there a bad flag or config is
# EXIT_CANNOT_CHECK (3, as a Nagios plugin's UNKNOWN): a provisioning script must tell
# "could not check" from "failed".


def _add_common(parser: argparse.ArgumentParser, sub: bool) -> None:
    """Add the options every command takes.

    On subcommands they default to SUPPRESS so that ``edgetop --demo snapshot`` and
    ``edgetop snapshot --demo`` mean the same.
    """
    d: dict[str, Any] = {"default": argparse.SUPPRESS} if sub else {}
    flag: dict[str, Any] = {"default": argparse.SUPPRESS} if sub else {"default": None}
    g = parser.add_argument_group("common options")
    g.add_argument("--config", metavar="FILE", help="config file (else $EDGETOP_CONFIG, "
                   "$XDG_CONFIG_HOME/edgetop/config.yaml, /etc/edgetop/config.yaml)", **d)
    g.add_argument("--connect", metavar="URI", help="libvirt URI (default qemu:///system)", **d)
    g.add_argument("--interval", metavar="S", type=float,
                   help=f"refresh interval in seconds, above 0, at most {MAX_INTERVAL_SECONDS:.0f} (default 1)", **d)
    g.add_argument("--read-only", action="store_true", help="hide and refuse every action that changes the node",
                   **flag)
    g.add_argument("--kiosk", action="store_true", help="read-only rack-screen mode: no quit keys, panes cycle",
                   **flag)
    g.add_argument("--theme", metavar="NAME", help="edgetop-dark, edgetop-light, edgetop-high-contrast, "
                   "edgetop-console, edgetop-kiosk, or a Textual theme", **d)
    g.add_argument("--procfs", metavar="DIR", help="read /proc from DIR (a fixture tree)", **d)
    g.add_argument("--sysfs", metavar="DIR", help="read /sys from DIR (a fixture tree)", **d)
    g.add_argument("--demo", action="store_true", help="add bundled demo data (domains, sensors, bonds…) "
                   "for what this machine lacks", **flag)
    g.add_argument("--log-file", metavar="FILE", help=f"where unexpected errors go (default {default_log_path()})",
                   **d)
    g.add_argument("--audit-log", metavar="FILE", help="audit file for actions", **d)
    g.add_argument("--cpus", metavar="LIST", help="pin edgetop's threads to these CPUs, e.g. 0 or 0-1 "
                   "(config self.cpus; default: where it was started)", **d)


def _library_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def version_text() -> str:
    """What ``--version`` prints: edgetop's version, then Python's, Textual's and libvirt's.

    libvirt is the C library the binding loaded (what talks to libvirtd), beside the
    binding's own version; when either is missing, the line says why instead.
    """
    from edgetop.errors import SourceUnavailable
    from edgetop.sources.libvirt_conn import library_version

    try:
        libvirt = f"libvirt {library_version()} (libvirt-python {_library_version('libvirt-python')})"
    except SourceUnavailable as err:
        libvirt = f"libvirt: {err}"
    return "\n".join([
        f"edgetop {__version__}",
        f"Python {sys.version.split()[0]} ({sys.executable})",
        f"Textual {_library_version('textual')}",
        libvirt,
    ])


class _VersionAction(argparse.Action):
    """``--version``: like argparse's, with the versions computed only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(version_text())
        parser.exit()


def print_schema() -> int:
    """Print the snapshot's JSON Schema (``edgetop snapshot --schema``), shipped with the package."""
    from importlib.resources import files

    sys.stdout.write(files("edgetop").joinpath("snapshot.schema.json").read_text(encoding="utf-8"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = argparse.ArgumentParser(
        prog="edgetop",
        description="A top-like terminal UI for virtualized edge nodes: libvirt domains with per-vCPU steal and "
        "the full memory balloon, host CPU steal, sensors, NICs and bonds, SNMP devices, NTP offset, services.",
        epilog=f"Unexpected errors are logged to {default_log_path()} (or --log-file), never shown as tracebacks.",
    )
    parser.add_argument("--version", action=_VersionAction, help="print the versions of edgetop, Python, Textual "
                        "and libvirt, and exit")
    _add_common(parser, sub=False)
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    snap = subs.add_parser("snapshot", help="one sample (rates over --interval) as JSON on stdout")
    snap.add_argument("--schema", action="store_true", help="print the JSON Schema of the snapshot and exit")
    _add_common(snap, sub=True)
    serve = subs.add_parser("serve", help="Prometheus exporter")
    serve.add_argument("--listen", default="127.0.0.1:9117", metavar="ADDR:PORT",
                       help="address to serve /metrics on (default 127.0.0.1:9117)")
    serve.add_argument("--web.config.file", dest="web_config_file", metavar="FILE",
                       help="TLS and basic auth, in the Prometheus exporter-toolkit format node_exporter reads "
                       "(config: exporter.web_config_file)")
    serve.add_argument("--no-node-metrics", dest="node_metrics", action="store_false", default=None,
                       help="leave out the node_* families, where node_exporter already runs "
                       "(config: exporter.node_metrics: false)")
    _add_common(serve, sub=True)
    check = subs.add_parser("check-config", help="validate a config file and print the effective config "
                            "(secrets redacted)")
    check.add_argument("file", nargs="?", help="the file (default: the one edgetop would use)")
    _add_common(check, sub=True)
    setup = subs.add_parser("check", help="check the node's set-up against what a KVM edge node needs; exit 0 "
                            "pass, 1 warning, 2 failure, 3 could not check",
                            description="Check the node's set-up (virtualisation, libvirt, host, guests, time, "
                            "network, edgetop itself). Changes nothing. Exit code: 0 when nothing warns or fails, "
                            "1 on a warning, 2 on a failure, 3 when the checks could not run (bad flag or config).")
    setup.add_argument("--json", action="store_true", help="print JSON instead of a table")
    setup.add_argument("--only", nargs="+", action="extend", metavar="ID",
                       help="only these checks: an id (virt.dev_kvm), an area (virt) or a pattern (guests.*)")
    _add_common(setup, sub=True)
    fleet = subs.add_parser("fleet", help="every edge node from the central Prometheus, worst first (read-only)",
                            description="Every edge node as the central Prometheus sees it, worst first: alerts, "
                            "steal, sensors, bonds, MTU, NTP, SNMP, filesystems, last scrape. Read-only. Config: "
                            "fleet (URL, basic auth or bearer token file, CA file, site label).")
    fleet.add_argument("--prometheus", metavar="URL", help="the central Prometheus (config: fleet.url)")
    fleet.add_argument("--json", action="store_true", help="one round as JSON on stdout (edgetop/fleet.schema.json); "
                       "exit 1 when Prometheus is unavailable")
    fleet.add_argument("--site-label", metavar="LABEL", help="the label that names a node's site "
                       "(config: fleet.site_label; default site)")
    _add_common(fleet, sub=True)
    return parser


def effective_config(args: argparse.Namespace) -> Config:
    """Load the config file and apply command-line overrides (flags win)."""
    if args.interval is not None:  # the same check as ``interval`` in the file (which names its line)
        try:
            interval_seconds(args.interval)
        except ValueError as err:
            raise ConfigError(f"--interval: {err}") from None
    cfg = load_config(getattr(args, "file", None) or args.config)
    overrides: dict[str, Any] = {"interval": args.interval, "theme": args.theme, "procfs": args.procfs,
                                 "sysfs": args.sysfs, "log_file": args.log_file}
    if args.read_only:
        overrides["read_only"] = True
    if args.kiosk:
        overrides["kiosk"] = True
        overrides["read_only"] = True
    cfg = dataclasses.replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    if args.connect:
        cfg = dataclasses.replace(cfg, libvirt=dataclasses.replace(cfg.libvirt, uri=args.connect))
    if args.audit_log:
        cfg = dataclasses.replace(cfg, actions=dataclasses.replace(cfg.actions, audit_log=args.audit_log))
    if args.cpus is not None:
        try:
            cpu_list_text(args.cpus)
        except ValueError as err:
            raise ConfigError(f"--cpus: {err}") from None
        cfg = dataclasses.replace(cfg, self=dataclasses.replace(cfg.self, cpus=args.cpus))
    return cfg


def pin_self(cpus_text: str | None) -> None:
    """Pin every thread of this process to ``cpus_text`` (``self.cpus``), as the set-up guide asks.

    The monitor belongs on a housekeeping core, away from the guests' vCPUs. Threads started
    later inherit the mask of the thread that starts them; the ones already running are
    pinned one by one (``/proc/self/task``), since sched_setaffinity(2) sets one thread.

    Raises:
        ConfigError: none of those CPUs is online here, or the kernel refused.

    """
    if cpus_text is None:
        return
    from edgetop.model.cpulist import format_cpu_list, parse_cpu_list

    cpus = parse_cpu_list(cpus_text)
    online = os.sched_getaffinity(0) | set(range(os.cpu_count() or 0))
    try:
        for tid in sorted(int(t) for t in os.listdir("/proc/self/task")):
            with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
                os.sched_setaffinity(tid, cpus)
    except OSError as err:
        why = "none of them is online" if err.errno == errno.EINVAL else err.strerror
        raise ConfigError(f"cannot pin edgetop to CPUs {cpus_text} (self.cpus / --cpus): {why}; "
                          f"this node has CPUs {format_cpu_list(online)}") from None


def _context(cfg: Config, demo: bool) -> Any:
    """The collectors' context: this host's sources, or the demo's recordings in place of some."""
    from edgetop.sources.fs import ProcFS, SysFS

    if demo:
        from edgetop.demo import demo_context, demo_dir

        return demo_context(cfg, ProcFS(cfg.procfs), SysFS(cfg.sysfs), demo_dir())
    from edgetop.model.spec import Context

    return Context(config=cfg, procfs=ProcFS(cfg.procfs), sysfs=SysFS(cfg.sysfs))


def main(argv: Sequence[str] | None = None) -> int:
    """Run edgetop; returns the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse printed the error; its code 2 means "failed" under check
        if stop.code == 2 and _command(parser, sys.argv[1:] if argv is None else list(argv)) == "check":
            return EXIT_CANNOT_CHECK
        raise
    if getattr(args, "schema", False):  # before the config: a broken config must not hide the contract
        return print_schema()
    for name in ("config", "connect", "interval", "theme", "procfs", "sysfs", "log_file", "audit_log", "cpus",
                 "prometheus", "site_label"):
        if not hasattr(args, name):
            setattr(args, name, None)
    for name in ("read_only", "kiosk", "demo", "json"):
        if not getattr(args, name, None):
            setattr(args, name, False)
    try:
        cfg = effective_config(args)
    except ConfigError as err:
        print(f"edgetop: {err}", file=sys.stderr)
        return EXIT_CANNOT_CHECK if args.command == "check" else EXIT_CONFIG
    setup_logging(cfg.log_file)
    try:
        pin_self(cfg.self.cpus)
    except ConfigError as err:
        print(f"edgetop: {err}", file=sys.stderr)
        return EXIT_CANNOT_CHECK if args.command == "check" else EXIT_CONFIG
    for warning in cfg.warnings:
        print(f"edgetop: warning: {warning}", file=sys.stderr)
    if args.command == "check-config":
        return check_config(cfg)
    if args.command == "fleet":
        return leave(run_fleet(args, cfg))
    ctx = _context(cfg, args.demo)
    if args.command is None:
        return leave(run_tui(ctx, cfg))
    if args.command == "check":
        return leave(check_node(ctx, args.json, args.only))
    from edgetop.collectors.registry import all_specs

    specs = all_specs(ctx)
    if args.command == "snapshot":
        from edgetop.export.snapshot import take_snapshot

        try:
            data = asyncio.run(take_snapshot(ctx, specs, cfg.interval))
        except KeyboardInterrupt:  # Ctrl-C during --interval: stop quietly, as a shell expects
            return leave(130)
        try:
            json.dump(data, sys.stdout, indent=2, sort_keys=False, default=str)
            sys.stdout.write("\n")
            sys.stdout.flush()
        except BrokenPipeError:
            # the reader went away (``edgetop snapshot | head``): not worth a traceback.
            # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return leave(1)
        return leave(0)
    if args.command == "serve":
        return _serve(args, ctx, specs)
    return 0


def _serve(args: argparse.Namespace, ctx: Context, specs: list[CollectorSpec]) -> int:
    """``edgetop serve``: check the address and the web config, warn about exposure, serve."""
    from edgetop.export.prometheus import ExportOptions, exposure_warning, parse_listen, serve
    from edgetop.export.web_config import WebConfig, load_web_config, ssl_context

    exporter = ctx.config.exporter
    web_file = args.web_config_file or exporter.web_config_file
    try:
        host, _ = parse_listen(args.listen)
        web = load_web_config(web_file) if web_file else WebConfig()
        if web.tls is not None:
            ssl_context(web.tls)  # an unusable certificate or key fails here, before anything starts
    except (ValueError, ConfigError) as err:
        print(f"edgetop: {err}", file=sys.stderr)
        return EXIT_CONFIG
    warning = exposure_warning(args.listen, host, web)
    if warning:
        print(f"edgetop: warning: {warning}", file=sys.stderr)
    node = exporter.node_metrics if args.node_metrics is None else args.node_metrics
    try:
        asyncio.run(serve(ctx, specs, args.listen, web=web, options=ExportOptions(node_metrics=node)))
    except KeyboardInterrupt:
        return leave(0)
    except OSError as err:
        print(f"edgetop: cannot listen on {args.listen}: {err.strerror}", file=sys.stderr)
        return leave(1)
    return leave(0)


def leave(code: int) -> int:
    """Return ``code``, or end the process now if a non-daemon thread is still running.

    The collectors' workers are daemon threads (engine/workers.py), but the interpreter
    joins every other thread at exit (asyncio's ``to_thread`` pool among them), so one call
    hung in a driver there (a libvirtd that accepted the connection and never answered)
    would keep ``edgetop snapshot`` running forever after it printed its answer.
    """
    main = threading.main_thread()
    stuck = [t for t in threading.enumerate() if t is not main and t.is_alive() and not t.daemon]
    if stuck:
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
    return code


def _command(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is one, skipping option values)."""
    names = set(next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices)
    takes_value = {s for a in parser._actions if a.nargs != 0 for s in a.option_strings}
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in takes_value:
            skip = True
        elif word in names:
            return word
    return None


def check_node(ctx: Any, as_json: bool, only: list[str] | None) -> int:
    """``edgetop check``: one sample of the set-up facts, the checks printed, the exit code."""
    from edgetop.collectors.registry import all_specs
    from edgetop.export.checks_report import MODULES, collect_checks, render_table, report_json, select, unmatched
    from edgetop.model.checks import exit_code

    unknown = unmatched(only or [])
    if unknown:
        print(f"edgetop: --only: no check matches {', '.join(unknown)} (see edgetop check --json for the ids)",
              file=sys.stderr)
        return EXIT_CANNOT_CHECK
    try:
        checks = select(asyncio.run(collect_checks(ctx, all_specs(ctx, MODULES))), only)
    except KeyboardInterrupt:
        return 130
    try:
        if as_json:
            json.dump(report_json(checks), sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(render_table(checks))
        sys.stdout.flush()
    except BrokenPipeError:  # ``edgetop check | head``: the verdict still counts
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return exit_code(checks)


def check_config(cfg: Config) -> int:
    """Print the effective config, secrets redacted."""
    import yaml

    source = cfg.source_file or "(no config file: defaults)"
    print(f"# effective configuration from {source}")
    print(yaml.safe_dump(to_plain(cfg), sort_keys=False, default_flow_style=False), end="")
    return 0


def run_fleet(args: argparse.Namespace, cfg: Config) -> int:
    """``edgetop fleet``: one JSON round, or the fleet view until quit."""
    from edgetop.fleet.connect import fleet_settings

    try:
        settings = fleet_settings(cfg.fleet, args.prometheus, args.site_label, args.interval, cfg.source_file)
    except ValueError as err:
        print(f"edgetop: {err}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        if args.json:
            from edgetop.export.fleet_json import fleet_json
            from edgetop.fleet.round import run_round

            view = run_round(settings.client, settings.job, settings.site_label)
            try:
                json.dump(fleet_json(view, settings.url, settings.site_label), sys.stdout, indent=2,
                          ensure_ascii=False)
                sys.stdout.write("\n")
                sys.stdout.flush()
            except BrokenPipeError:  # ``edgetop fleet --json | head``
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0 if view.available else 1
        from edgetop.theming import default_theme
        from edgetop.ui.fmt import console_mode

        console = console_mode()
        if console:
            from edgetop.ui.console import apply_console_mode

            apply_console_mode()
        from edgetop.ui.fleet_app import FleetApp

        theme = cfg.theme if cfg.theme != "dark" else default_theme(cfg.kiosk, console)
        app = FleetApp(settings, kiosk=cfg.kiosk, theme=theme, exit_chord=cfg.kiosk_options.exit_chord,
                       keymap=cfg.keymap)
        app.run()
        return app.return_code or 0
    except KeyboardInterrupt:
        return 130
    finally:
        settings.client.close()


def run_tui(ctx: Any, cfg: Config) -> int:
    """Start the Textual app (it loads the collectors itself, the core ones first)."""
    from edgetop.theming import default_theme
    from edgetop.ui.fmt import console_mode

    console = console_mode()
    if console:
        from edgetop.ui.console import apply_console_mode

        apply_console_mode()
    from edgetop.ui.app import EdgetopApp

    theme = cfg.theme if cfg.theme != "dark" else default_theme(cfg.kiosk, console)
    app = EdgetopApp(ctx, None, read_only=cfg.read_only, kiosk=cfg.kiosk, theme=theme)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":  # pragma: no cover
    os._exit(main())
