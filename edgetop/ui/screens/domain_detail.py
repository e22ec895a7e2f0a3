"""One domain in full: state, CPU, the whole balloon, per-vCPU table with sparklines, disks, NICs.

``p`` pins the selected vCPU: it asks for a host CPU list and hands a
:class:`~edgetop.actions.intents.PinVcpu` intent to ``app.request_action``; the actions
runner validates, confirms, audits and executes it. :class:`MutationGate` hides the
key in read-only and kiosk modes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from edgetop.actions.intents import PinVcpu
from edgetop.collectors.libvirt_domains import is_local
from edgetop.collectors.libvirt_view import DomainView
from edgetop.collectors.libvirt_xml import parse_cpuset
from edgetop.engine.store import Store
from edgetop.errors import ParseError
from edgetop.ui.fmt import NA, age, cpu_list, literal, num, pct, rate_bytes, size
from edgetop.ui.gate import MutationGate
from edgetop.ui.widgets.glyphs import sparkline
from edgetop.ui.widgets.keybar import KeyBar

SPARK_WIDTH = 12
DELAY_SPARK_TOP = 0.25
VCPU_COLUMNS = (("id", "vCPU"), ("cpu", "pCPU"), ("affinity", "Affinity"), ("time", "Run%"), ("wait", "Wait%"),
                ("steal", "Steal%"), ("wait_spark", "Wait"), ("steal_spark", "Delay"), ("source", "Delay from"),
                ("tid", "TID"))


def find_domain(store: Store, uuid: str) -> tuple[DomainView | None, bool]:
    """Return the domain with ``uuid`` from the latest (or last good, then greyed) view."""
    sample = store.get("domains")
    if sample is None:
        return None, False
    view = sample.view if sample.view is not None else sample.last_view
    if view is None:
        return None, False
    dom = next((d for d in view.domains if d.stats.uuid == uuid), None)
    return dom, sample.view is None


def detail_text(d: DomainView) -> Text:
    """Render the domain's fields as literal text (names from libvirt are never markup)."""
    s, b = d.stats, d.stats.balloon
    out = Text(no_wrap=False)
    out.append(literal(s.name, "bold"))
    out.append(f"  {s.uuid}\n", style="dim")
    out.append(f"state {s.state} ({s.reason})   id {NA if s.id is None else s.id}   "
               f"QEMU pid {NA if s.qemu_pid is None else s.qemu_pid}   vCPUs {NA if s.vcpus is None else s.vcpus}\n")
    out.append(f"CPU {pct(d.cpu_ratio)} of its vCPUs, {pct(d.host_cpu_ratio)} of the host   "
               f"steal {pct(d.steal_ratio)} (from {d.delay_source or NA})   "
               f"CPU time {num(s.cpu_time_seconds_total, 1, 's')}\n")
    out.append(f"balloon current {size(b.current_bytes)}  maximum {size(b.maximum_bytes)}  "
               f"actual {size(b.actual_bytes)}  squeeze {pct(d.squeeze_ratio)}\n")
    out.append(f"guest   available {size(b.available_bytes)}  usable {size(b.usable_bytes)} ({pct(d.usable_ratio)})  "
               f"unused {size(b.unused_bytes)} ({pct(d.unused_ratio)})  disk caches {size(b.disk_caches_bytes)}\n")
    out.append(f"host    rss {size(b.rss_bytes)}  swap in {size(b.swap_in_bytes_total)}  "
               f"out {size(b.swap_out_bytes_total)}  faults major {_int(b.major_faults_total)} "
               f"minor {_int(b.minor_faults_total)}  updated "
               f"{'n/a' if b.last_update_timestamp is None else age(b.last_update_timestamp) + ' ago'}\n")
    for dev, raw in zip(d.disks, s.disks, strict=True):
        out.append("disk ")
        out.append(literal(dev.name, "bold"))
        out.append(f"  read {rate_bytes(dev.in_bytes_per_second)}  write {rate_bytes(dev.out_bytes_per_second)}  ")
        out.append(literal(raw.path or "", "dim"))
        out.append("\n")
    for nic in d.nics:
        out.append("nic  ")
        out.append(literal(nic.name, "bold"))
        out.append(f"  rx {rate_bytes(nic.in_bytes_per_second)}  tx {rate_bytes(nic.out_bytes_per_second)}\n")
    sources = ", ".join(f"{g} {how}" for g, how in s.sources)
    out.append(f"sources: {sources}", style="dim")
    if s.error:
        out.append("\n")
        out.append(literal(s.error, "yellow"))
    return out


def _delay_spark(values: list[float | None]) -> str:
    # Scaled to at least 25 % steal: a steady 0.4 % must not draw as full bars.
    top = max([DELAY_SPARK_TOP, *(v for v in values if v is not None)])
    return sparkline(values, SPARK_WIDTH, top=top)


def _int(v: int | None) -> str:
    return NA if v is None else str(v)


class DomainDetailScreen(MutationGate, Screen[None]):
    """The detail view of one domain, refreshed every second from the store."""

    HELP_PLACE = "domain_detail"  # which glossary entries ? shows first

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="domain_detail.close"),
        Binding("p", "pin_vcpu", "Pin vCPU", id="domain_detail.pin_vcpu"),
    ]
    DEFAULT_CSS = """
    DomainDetailScreen #detail-fields { height: auto; padding: 0 1; }
    DomainDetailScreen #detail-vcpus { height: 1fr; }
    DomainDetailScreen #detail-pin { display: none; }
    DomainDetailScreen #detail-pin.shown { display: block; }
    """

    def __init__(self, store: Store, uuid: str) -> None:
        """Show the domain ``uuid`` from ``store``."""
        super().__init__()
        self.store = store
        self.uuid = uuid
        self.pin_target: int | None = None

    def compose(self) -> ComposeResult:
        """Fields, vCPU table, pin prompt."""
        yield Static(id="detail-fields")
        table: DataTable[Any] = DataTable(id="detail-vcpus", cursor_type="row")
        for key, label in VCPU_COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Input(id="detail-pin", disabled=True)  # enabled while the prompt is shown
        yield KeyBar()  # key hints: a detail screen has keys of its own (issue 14)

    def on_mount(self) -> None:
        """Render now and every second."""
        self.refresh_view()
        self.set_interval(1.0, self.refresh_view)

    def refresh_view(self) -> None:
        """Re-render from the store."""
        dom, greyed = find_domain(self.store, self.uuid)
        fields = self.query_one("#detail-fields", Static)
        table = self.query_one("#detail-vcpus", DataTable)
        if dom is None:
            fields.update(Text("this domain is gone (destroyed or undefined)", style="bold yellow"))
            table.clear()
            return
        text = detail_text(dom)
        if greyed:
            text.stylize("dim")
        fields.update(text)
        with self.app.batch_update():
            present = {str(k.value) for k in table.rows}
            for v in dom.vcpus:
                key = str(v.stats.id)
                hist = f"domains.{self.uuid}.vcpu{v.stats.id}"
                row = (str(v.stats.id), NA if v.stats.cpu is None else str(v.stats.cpu), cpu_list(v.stats.affinity),
                       pct(v.time_ratio), pct(v.wait_ratio), pct(v.steal_ratio),
                       sparkline(self.store.history(f"{hist}.wait"), SPARK_WIDTH, top=1.0),
                       _delay_spark(self.store.history(f"{hist}.delay")),
                       v.stats.delay_source or NA, NA if v.stats.tid is None else str(v.stats.tid))
                if key not in present:
                    table.add_row(*row, key=key)
                else:
                    for (col, _label), value in zip(VCPU_COLUMNS, row, strict=True):
                        table.update_cell(key, col, value)
                present.discard(key)
            for key in present:
                table.remove_row(key)

    def action_close(self) -> None:
        """Back to the domains pane (or hide the pin prompt first)."""
        box = self.query_one("#detail-pin", Input)
        if box.has_class("shown"):
            box.remove_class("shown")
            box.disabled = True
            self.pin_target = None
            return
        self.app.pop_screen()

    def action_pin_vcpu(self) -> None:
        """Ask which host CPUs the selected vCPU may run on.

        On a local QEMU hypervisor the shared CPU picker shows this host's topology and
        the guests' vCPUs on each CPU. For a remote hypervisor (or the test driver) this
        host's topology says nothing, so a CPU list is typed instead.
        """
        table = self.query_one("#detail-vcpus", DataTable)
        if table.row_count == 0:
            self.notify("no vCPUs to pin (is the domain running?)", severity="warning")
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        dom, _ = find_domain(self.store, self.uuid)
        if dom is not None:
            # Refused (no privilege, no read-write connection): said now, not after the CPUs are typed.
            refusal = getattr(self.app, "action_refusal", None)  # EdgetopApp's; absent in bare harnesses
            intent = PinVcpu(domain=dom.stats.name, vcpu=int(str(row_key.value)), cpus=frozenset())
            reason = refusal(intent) if refusal is not None else None
            if reason is not None:
                self.notify(reason, title="Not allowed", severity="error", markup=False, timeout=8)
                return
        self.pin_target = int(str(row_key.value))
        if dom is not None and self._local_qemu():
            from edgetop.ui.screens.cpu_picker import pick_cpus

            vcpu = next((v for v in dom.stats.vcpu_list if v.id == self.pin_target), None)
            current = frozenset(vcpu.affinity or ()) if vcpu is not None else frozenset()
            name, target = dom.stats.name, self.pin_target
            self.pin_target = None

            async def pick_and_pin() -> None:
                cpus = await pick_cpus(self.app, f"{name} vCPU {target}", current, self.store)
                if cpus:
                    await self.app.request_action(PinVcpu(domain=name, vcpu=target, cpus=cpus))  # type: ignore[attr-defined]

            # A worker, so this screen keeps processing messages while the picker and the
            # confirmation are up.
            self.run_worker(pick_and_pin(), group="pin_vcpu", exclusive=True, exit_on_error=False)
            return
        box = self.query_one("#detail-pin", Input)
        box.placeholder = f"host CPUs for vCPU {self.pin_target} (e.g. 2-3,6), enter to apply, escape to cancel"
        box.value = ""
        box.disabled = False
        box.add_class("shown")
        box.focus()

    def _local_qemu(self) -> bool:
        sample = self.store.get("domains")
        view = sample.last_view if sample is not None else None
        hyp = view.hypervisor if view is not None else None
        return hyp is not None and hyp.name == "QEMU" and is_local(hyp.uri)

    def build_intent(self, text: str) -> PinVcpu:
        """Turn the typed CPU list into an intent.

        Raises:
            ParseError: the text is not a CPU list, or is empty.

        """
        dom, _ = find_domain(self.store, self.uuid)
        if dom is None or self.pin_target is None:
            raise ParseError("the domain is gone")
        cpus = parse_cpuset(text)
        if not cpus:
            raise ParseError("no CPUs given")
        return PinVcpu(domain=dom.stats.name, vcpu=self.pin_target, cpus=frozenset(cpus))

    @on(Input.Submitted, "#detail-pin")
    def _pin_submitted(self, event: Input.Submitted) -> None:
        try:
            intent = self.build_intent(event.value)
        except ParseError as err:
            self.notify(str(err), severity="error", markup=False)
            return
        event.input.remove_class("shown")
        event.input.disabled = True
        self.pin_target = None
        self.query_one("#detail-vcpus", DataTable).focus()
        self.run_worker(self.app.request_action(intent),  # type: ignore[attr-defined]
                        group="pin_vcpu", exclusive=True, exit_on_error=False)
