"""What each of edgetop's keys does, in plain words, by binding id (``scope.action``).

``?`` shows these instead of the short footer labels; a binding without an entry here
shows its footer label (a key added by a new pane still appears). The ids are those of
``config_schema.KEYMAP_IDS``; ``tests/ui/test_glossary.py`` checks that every entry
names a real id.
"""

from __future__ import annotations

KEY_TEXT: dict[str, str] = {
    "app.help": "This help: the keys of this screen and what every column means",
    "app.quit": "Quit edgetop",
    "app.freeze": "Freeze the display to read it; collection goes on (press again to thaw)",
    "app.sources": "Every data source: its state, how long it took, why it is unavailable",
    "app.goto": "Go to any pane by name (the number keys reach the first ten)",
    "app.next_pane": "Next pane",
    "app.previous_pane": "Previous pane",
    "app.alerts": "Go to the Alerts pane: every standing alert, worst first",
    "processes.filter": "Show only processes whose command or user contains the text typed",
    "processes.clear_filter": "Clear the filter",
    "processes.sort_next": "Sort by the next column",
    "processes.sort_previous": "Sort by the previous column",
    "processes.sort_invert": "Reverse the sort order",
    "processes.sort_cpu": "Sort by CPU use",
    "processes.sort_memory": "Sort by memory (RSS)",
    "processes.sort_pid": "Sort by process id",
    "processes.sort_time": "Sort by CPU time used",
    "processes.toggle_kernel_threads": "Show or hide kernel threads",
    "processes.pin_process": "Choose the CPUs the highlighted process may run on (asks before it acts)",
    "processes.search": "Search: the cursor jumps to the first process whose command, user or guest contains "
                        "the text typed (or whose pid it is)",
    "processes.search_next": "Next match of the search, from the cursor down (wraps at the end)",
    "processes.toggle_tree": "Tree view on or off: parents above their children, siblings in the sort order",
    "processes.follow": "Follow the highlighted process: the cursor stays on it as the sort moves it "
                        "(press again or move the cursor to stop)",
    "processes.signal_process": "Stop the highlighted process: asks, then sends SIGTERM; SIGKILL only if it is "
                                "still running, after a second confirm (refused in read-only mode)",
    "processes.renice_process": "Change the highlighted process's nice value: asks the value (-20 to 19), then to "
                                "confirm (refused in read-only mode; lowering it needs root)",
    "domains.filter": "Show only guests whose name contains the text typed",
    "domains.clear_filter": "Clear the filter",
    "domains.sort_next": "Sort by the next column",
    "domains.sort_previous": "Sort by the previous column",
    "domains.sort_invert": "Reverse the sort order",
    "domains.sort_cpu": "Sort by guest CPU use",
    "domains.sort_steal": "Sort by steal (vCPUs ready but not running)",
    "domains.sort_squeeze": "Sort by balloon squeeze (memory taken away)",
    "domains.sort_name": "Sort by name",
    "sensors.sort_hottest": "Hottest sensors first",
    "network.sort_traffic": "Busiest interfaces first",
    "snmp.open": "Open the highlighted device's values",
    "time.sort_offset": "Largest offsets first",
    "services.restart_service": "Restart the highlighted service (asks first; shows its state and journal after)",
    "storage.next_section": "Next storage section (filesystems, disks, SMART, RAID, pools, VM disks)",
    "storage.previous_section": "Previous storage section",
    "events.next_kind": "Show only the next kind of event (all, hardware, edac … alert, then all again)",
    "events.previous_kind": "Show only the previous kind of event",
    "events.all_kinds": "Show events of every kind again",
    "alerts.acknowledge": "Acknowledge the highlighted alert for this session: it stays listed, marked ack, "
                          "below the others; worse news clears the mark. Press again to take it back",
    "alerts.history": "Switch between the standing alerts and the last hour's changes (raised, escalated, eased, "
                      "cleared)",
    "help.close": "Close this help",
    "sources.close": "Close",
    "goto.close": "Close",
    "goto.next": "Next pane in the list",
    "goto.previous": "Previous pane in the list",
    "confirm.yes": "Run the action shown",
    "confirm.no": "Cancel: nothing runs",
    "picker.toggle": "Tick or untick the highlighted CPU",
    "picker.core": "Tick or untick the CPU with its hyperthread siblings",
    "picker.all": "Tick every CPU",
    "picker.apply": "Apply the ticked CPUs (asks before it acts)",
    "picker.cancel": "Cancel: nothing changes",
    "ask_number.cancel": "Cancel: nothing changes",
    "domain_detail.close": "Back to the guest list",
    "domain_detail.pin_vcpu": "Choose the host CPUs the highlighted vCPU may run on (asks before it acts)",
    "snmp_detail.close": "Back to the device list",
    "fleet.quit": "Quit the fleet view",
    "fleet.filter": "Show only the nodes whose name or site contains what you type (escape clears it)",
    "fleet.refresh": "Ask Prometheus again now, without waiting for the next round",
    "fleet_table.detail": "Open the highlighted node: its faults, readings, alerts and how to reach it",
    "fleet_detail.close": "Back to the fleet",
    "fleet_detail.quit": "Back to the fleet",
}

# Where a key works, by the scope of its id; ids of new panes show their scope word.
SCOPE_WORDS: dict[str, str] = {
    "app": "everywhere", "help": "help", "sources": "sources", "goto": "go to", "confirm": "dialog",
    "picker": "CPU picker", "domain_detail": "guest detail", "snmp_detail": "device detail",
    "ask_number": "number prompt", "fleet": "fleet view", "fleet_table": "fleet view", "fleet_detail": "node detail",
}
