"""A generated scrape target for the fleet benchmark: the families ``edgetop fleet`` asks for, for node N.

Usage: python benchmarks/fleet_target.py PORT   (serves /metrics?node=N on 127.0.0.1:PORT)

Node N's values vary with N, so the fleet has every state: every 50th node has a failed bond
slave, every 7th a sensor over its limit, every 13th critical alerts. Like a real node's, its
temperatures, steal and clock offset move a little from one scrape to the next (within its
state), so a round finds new readings for every node scraped since the last one; the rest of
its answer is rendered once and kept (the benchmark measures Prometheus and edgetop, not
this server).
"""

from __future__ import annotations

import sys
import urllib.parse
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_SCRAPES: dict[int, int] = {}  # scrapes of each node so far: each answer differs a little from the last


def readings(node: int, wobble: int) -> bytes:
    """Node ``node``'s moving readings at scrape ``wobble``: guests' and host steal, temperatures, clock offset."""
    w = wobble % 8
    lines = [f'edgetop_domain_steal_ratio{{domain="guest-{d}",uuid="u-{node}-{d}"}} {(node * d % 97 + w) / 400:.4f}'
             for d in range(10)]
    lines.append(f"edgetop_cpu_steal_ratio {(node % 11 + w % 3) / 200:.4f}")
    for s in range(6):
        labels = f'chip="coretemp",device="coretemp.0",label="Core {s}",sensor="hwmon1/temp{s + 1}",source="hwmon"'
        hot = 90 if (node % 7 == 0 and s == 3) else 50 + s
        lines.append(f"edgetop_sensor_temperature_celsius{{{labels}}} {hot + w * 0.125}")
    lines.append(f'edgetop_ntp_offset_seconds{{kind="chrony",source="chrony"}} {(node % 17 - 8 + w) / 10000:.5f}')
    return ("\n".join(lines) + "\n").encode()


@cache
def exposition(node: int) -> bytes:
    """The text exposition of node ``node`` but its moving :func:`readings`: edgetop's names and labels."""
    lines = ['edgetop_build_info{version="0.9.0"} 1']
    lines += [f'edgetop_alerts{{severity="critical"}} {1 if node % 13 == 0 else 0}',
              f'edgetop_alerts{{severity="warning"}} {node % 5}']
    for s in range(6):
        labels = f'chip="coretemp",device="coretemp.0",label="Core {s}",sensor="hwmon1/temp{s + 1}",source="hwmon"'
        lines += [f"edgetop_sensor_temperature_high_celsius{{{labels}}} 84",
                  f"edgetop_sensor_temperature_critical_celsius{{{labels}}} 100"]
    for i in range(3):
        up = 0 if (node % 50 == 0 and i == 2) else 1
        lines.append(f'edgetop_bond_slave_up{{bond="bond0",slave="ens1f{i}"}} {up}')
    for kind in ("mtu_mismatch", "slave_down", "carrier_down", "aggregator_mismatch", "no_lacp_partner"):
        count = 1 if kind == "mtu_mismatch" and node % 9 == 0 else 0
        lines.append(f'edgetop_network_problems{{kind="{kind}"}} {count}')
    lines += [f'edgetop_ntp_offset_seconds{{kind="chrony",source="chrony/10.0.0.{i}"}} 0.001' for i in range(6)]
    lines += ['edgetop_ntp_synchronized{kind="all",source="verdict"} 1',
              'edgetop_ntp_synchronized{kind="chrony",source="chrony"} 1']
    lines += [f'edgetop_snmp_up{{target="{t}"}} {0 if (t == "pdu" and node % 20 == 0) else 1}'
              for t in ("switch", "ups", "pdu")]
    for m in ("/", "/boot", "/var/lib/libvirt/images", "/srv", "/data"):
        labels = f'device="/dev/x",fstype="ext4",mountpoint="{m}"'
        lines += [f"node_filesystem_size_bytes{{{labels}}} 100000000000",
                  f"node_filesystem_avail_bytes{{{labels}}} {10000000000 + node * 1000000}"]
    lines += [f'edgetop_collector_up{{collector="c{c}"}} 1' for c in range(29)]
    return ("\n".join(lines) + "\n").encode()


class Handler(BaseHTTPRequestHandler):
    """GET /metrics?node=N."""

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        """Serve node N's exposition."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        node = int(query.get("node", ["0"])[0])
        _SCRAPES[node] = _SCRAPES.get(node, 0) + 1
        body = exposition(node) + readings(node, _SCRAPES[node])
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()
