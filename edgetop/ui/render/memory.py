"""Memory sections: the memory pane's blocks and the overview's memory line."""

from __future__ import annotations

from rich.text import Text

from edgetop.collectors.memory import MemoryView
from edgetop.config_schema import Thresholds
from edgetop.engine.store import Store
from edgetop.model.derive import share
from edgetop.ui.fmt import NA, num, pct, size
from edgetop.ui.render.sections import heading
from edgetop.ui.styles import above_style, below_style
from edgetop.ui.widgets.glyphs import bar, spark_top, sparkline


def _n(value: int | None) -> str:
    return NA if value is None else str(value)


# The bar's parts and their colours. Cache and buffers are reclaimable: never in the
# warning colour (yellow drew the page cache as if it were a problem, issue 14).
MEM_PARTS: tuple[tuple[str, str], ...] = (("used", "green"), ("shared", "magenta"), ("buffers", "blue"),
                                         ("cache", "cyan"))


def legend() -> Text:
    """``     █ used █ shared █ buffers █ cache (reclaimable)``: what each colour of the memory bar is."""
    out = Text("     ")
    for name, style in MEM_PARTS:
        out.append_text(bar([(1.0, style)], 1))
        out.append(f" {name} ")
    out.append("(reclaimable)", style="dim")
    return out


def memory_lines(view: MemoryView, t: Thresholds, width: int) -> Text:
    """``Mem`` bar (used, shared, buffers, cache) with used/total, then available, cache, dirty, writeback."""
    total = view.total_bytes
    other_used = None if view.used_bytes is None else view.used_bytes - (view.shmem_bytes or 0)
    out = heading("Mem  ")
    parts = [(share(other_used, total), MEM_PARTS[0][1]), (share(view.shmem_bytes, total), MEM_PARTS[1][1]),
             (share(view.buffers_bytes, total), MEM_PARTS[2][1]), (share(view.cached_bytes, total), MEM_PARTS[3][1])]
    out.append_text(bar(parts, width))
    out.append(f" {size(view.used_bytes)} used of {size(total)}\n")
    out.append_text(legend())
    out.append("\n")
    out.append(f"     available {size(view.available_bytes)} ")
    available = view.available_ratio
    out.append(f"({pct(available, 0)})", style=below_style(available, t.memory_available_ratio_below))
    out.append(f"  cached {size(view.cached_bytes)}  buffers {size(view.buffers_bytes)}  "
               f"dirty {size(view.dirty_bytes)}  writeback {size(view.writeback_bytes)}")
    return out


def swap_lines(view: MemoryView, t: Thresholds, store: Store, width: int) -> Text:
    """``Swap`` bar with used/total, then swap-in/out rates with the swap-in history and major faults."""
    out = heading("Swap ")
    out.append_text(bar([(share(view.swap_used_bytes, view.swap_total_bytes), "red")], width))
    if view.swap_total_bytes:
        out.append(f" {size(view.swap_used_bytes)} used of {size(view.swap_total_bytes)}\n")
    else:
        out.append(" no swap configured\n", style="dim")
    out.append("     in ")
    out.append(f"{num(view.swap_in_pages_per_second, 0)} pages/s",
               style=above_style(view.swap_in_pages_per_second, t.swap_in_pages_per_second))
    out.append(f"  out {num(view.swap_out_pages_per_second, 0)} pages/s  major faults "
               f"{num(view.major_faults_per_second, 0)}/s  ")
    swap_in = store.history("memory.swap_in")
    # Against the swap-in warning level, so steady light paging is not drawn as a full bar.
    top = spark_top([v for v in swap_in if v is not None], t.swap_in_pages_per_second.warn)
    out.append(sparkline(swap_in, 20, top=top), style="red")
    return out


def used_history_line(store: Store, width: int) -> Text:
    """The history of used/total as a sparkline."""
    out = heading("Used ")
    out.append(sparkline(store.history("memory.used"), width, top=1.0), style="green")
    out.append("  history of used/total")
    return out


def hugepages_block(view: MemoryView) -> Text:
    """``HugePages`` and one line per page size: total, free, reserved, surplus, in use."""
    out = heading("HugePages")
    if not view.hugepages:
        out.append("\n  none (kernel without hugetlbfs)", style="dim")
    for h in view.hugepages:
        used = None if h.total is None or h.free is None else h.total - h.free
        out.append(f"\n  {size(h.page_size_bytes):>8}: total {_n(h.total)}  free {_n(h.free)}  "
                   f"reserved {_n(h.reserved)}  surplus {_n(h.surplus)}  in use {_n(used)}")
        if h.total:
            out.append(f" ({size((used or 0) * h.page_size_bytes)})")
    return out


def ksm_line(view: MemoryView) -> Text:
    """Kernel same-page merging: stopped, absent, or how much it shares."""
    out = heading("KSM  ")
    if view.ksm is None:
        out.append("not in this kernel", style="dim")
    elif not view.ksm.running:
        out.append("stopped", style="dim")
    else:
        out.append(f"running: {_n(view.ksm.pages_shared)} shared pages back {_n(view.ksm.pages_sharing)} "
                   f"sharing pages; unshared {_n(view.ksm.pages_unshared)}, scans {_n(view.ksm.full_scans_total)}")
    return out


def overview_line(view: MemoryView, width: int) -> Text:
    """The overview's memory line: a used bar, used/total, available."""
    used = None if view.used_bytes is None else view.used_bytes / view.total_bytes
    out = bar([(used, "green")], width)
    out.append(f" {size(view.used_bytes)}/{size(view.total_bytes)}  avail {pct(view.available_ratio, 0)}")
    return out
