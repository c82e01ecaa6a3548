#!/usr/bin/env python3
"""Offices on a faulty network converge: HQ and three offices in network namespaces.

Builds one namespace per node, joined by veth pairs to a bridge in a namespace of its own,
so nothing touches the host's network. HQ (admin) invites a clerk of SH, a clerk of BJ and
a manager at GZ; every node runs `outpost serve` in its namespace. Then, for a bounded
time, every node makes random edits while nftables drops packets at random, partitions
cut nodes off, links go down, and one node is killed with SIGKILL mid-sync and restarted.
After the heal it checks:

- every replica holds exactly the documents its member may read, each with the heads HQ
  has (equal heads are equal documents);
- each office's orders and stock levels read the same as HQ's view of that site;
- every write a command acknowledged is there, at HQ and at its author;
- order numbers never collide, and no change by a legitimate member was refused.

Needs root, iproute2 and nftables. It fails loudly, never skips, when it cannot build
namespaces. Usage: faults.py [--bin target/debug/outpost] [--seed N] [--seconds S]
"""

import argparse
import atexit
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SUBNET = "10.77.0"


def log(msg):
    print(f"[faults {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sh(*args, check=True, ns=None):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    res = subprocess.run(cmd, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr.strip()}")
    return res


class Net:
    """Namespaces for the nodes and one for the bridge; removed at exit."""

    def __init__(self, prefix, names):
        self.prefix = prefix
        self.bridge = f"{prefix}-br"
        self.hosts = {}  # name -> (namespace, ip)
        self.made = []
        atexit.register(self.teardown)
        sh("ip", "netns", "add", self.bridge)
        self.made.append(self.bridge)
        sh("ip", "-n", self.bridge, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.bridge, "link", "set", "br0", "up")
        for i, name in enumerate(names, start=1):
            ns = f"{prefix}-{name}"
            ip = f"{SUBNET}.{i}"
            sh("ip", "netns", "add", ns)
            self.made.append(ns)
            sh("ip", "-n", self.bridge, "link", "add", f"v{i}", "type", "veth",
               "peer", "name", "eth0", "netns", ns)
            sh("ip", "-n", self.bridge, "link", "set", f"v{i}", "master", "br0", "up")
            sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            self.hosts[name] = (ns, ip)
            self.set_faults(name, loss=0, cut=[])

    def ns(self, name):
        return self.hosts[name][0]

    def ip(self, name):
        return self.hosts[name][1]

    def set_faults(self, name, loss, cut):
        """Replaces `name`'s rules: drop `loss` in 10 of packets in, and all to/from `cut`."""
        rules = ["flush ruleset", "table inet fault {",
                 "  chain input { type filter hook input priority 0; policy accept;"]
        for other in cut:
            rules.append(f"    ip saddr {self.ip(other)} drop")
        if loss:
            rules.append(f'    iifname "eth0" numgen random mod 10 < {loss} drop')
        rules.append("  }")
        rules.append("  chain output { type filter hook output priority 0; policy accept;")
        for other in cut:
            rules.append(f"    ip daddr {self.ip(other)} drop")
        rules.append("  }")
        rules.append("}")
        res = subprocess.run(["ip", "netns", "exec", self.ns(name), "nft", "-f", "-"],
                             input="\n".join(rules) + "\n", capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"nft in {name}: {res.stderr.strip()}")

    def link(self, name, up):
        sh("ip", "-n", self.ns(name), "link", "set", "eth0", "up" if up else "down")

    def heal(self):
        for name in self.hosts:
            self.link(name, True)
            self.set_faults(name, loss=0, cut=[])

    def teardown(self):
        for ns in reversed(self.made):
            # Killing what still runs inside lets the namespace go.
            pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh("ip", "netns", "del", ns, check=False)
        self.made = []


class Office:
    """One node: its data dir, its namespace, its `outpost serve` process."""

    def __init__(self, net, name, binary, root):
        self.net = net
        self.name = name
        self.binary = binary
        self.dir = os.path.join(root, name)
        self.log_path = os.path.join(root, f"{name}.log")
        self.proc = None
        self.site = None

    def env(self):
        env = dict(os.environ)
        env.update(OUTPOST_DATA_DIR=self.dir, OUTPOST_LANG="en", OUTPOST_LOG="info")
        env.pop("LANG", None)
        env.pop("LC_ALL", None)
        return env

    def run(self, *args, in_ns=True):
        """Runs `outpost --json ARGS`; returns (ok, parsed stdout or error text)."""
        cmd = ["ip", "netns", "exec", self.net.ns(self.name)] if in_ns else []
        cmd += [self.binary, "--json", *args]
        res = subprocess.run(cmd, capture_output=True, text=True, env=self.env(), timeout=60)
        if res.returncode != 0:
            return False, res.stderr.strip()
        text = res.stdout.strip()
        try:
            return True, json.loads(text) if text else None
        except json.JSONDecodeError:
            return True, text

    def must(self, *args):
        ok, out = self.run(*args)
        if not ok:
            raise AssertionError(f"{self.name}: outpost {' '.join(args)} failed: {out}")
        return out

    def serve(self):
        ip = self.net.ip(self.name)
        cmd = ["ip", "netns", "exec", self.net.ns(self.name), self.binary, "serve",
               "--listen", f"/ip4/{ip}/tcp/4001", "--listen", f"/ip4/{ip}/udp/4001/quic-v1"]
        logf = open(self.log_path, "a")
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=subprocess.PIPE,
                                     stderr=logf, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"{self.name}: serve exited; see {self.log_path}")
            if line.startswith("listening "):
                break
        # Keep draining stdout so the node never blocks on a full pipe.
        subprocess.Popen(["cat"], stdin=self.proc.stdout, stdout=subprocess.DEVNULL)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def stop(self):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None


def check_root():
    if os.geteuid() != 0:
        sys.exit("faults: FAILED: needs root to build network namespaces (CI runs as root)")
    for tool in ("ip", "nft"):
        if not shutil.which(tool):
            sys.exit(f"faults: FAILED: `{tool}` is missing (make deps installs it)")


class Scenario:
    def __init__(self, binary, seed, seconds, root):
        self.rng = random.Random(seed)
        self.seconds = seconds
        self.net = Net(f"op{os.getpid() % 100000}", ["hq", "sh", "bj", "gz"])
        self.nodes = {n: Office(self.net, n, binary, root) for n in self.net.hosts}
        self.acked_orders = {}  # number -> node that created it
        self.acked_tasks = {}  # number -> node
        self.counts = {"ok": 0, "refused": 0}
        self.refusals = collections.Counter()

    # -- setup ------------------------------------------------------------------------
    def setup(self):
        hq = self.nodes["hq"]
        hq.must("init", "--org", "Acme", "--site", "HQ", "--site-name", "Head office",
                "--name", "Boss")
        for code, name in (("SH", "Shanghai"), ("BJ", "Beijing"), ("GZ", "Guangzhou")):
            hq.must("site", "add", code, name)
        for sku, price in (("TEA", "10"), ("RICE", "5"), ("OIL", "30")):
            hq.must("item", "add", "--sku", sku, "--name", sku.title(), "--price", price)
        hq.must("customer", "add", "Shop")
        hq.serve()
        for node, role, site, name in (("sh", "clerk", "SH", "Wang"),
                                       ("bj", "clerk", "BJ", "Li"),
                                       ("gz", "manager", "GZ", "Zhou")):
            code = hq.must("invite", "new", "--role", role, "--site", site)["code"]
            self.nodes[node].must("join", code, "--name", name)
            self.nodes[node].site = site
            self.nodes[node].serve()
        hq.site = "HQ"
        log("HQ and three offices joined and serving")

    # -- edits ------------------------------------------------------------------------
    def edit(self, name):
        node = self.nodes[name]
        rng = self.rng
        action = rng.choice(["order", "order", "receive", "task", "note", "submit"])
        site = node.site if name != "hq" else rng.choice(["SH", "BJ", "GZ"])
        warehouse = f"{site}1"
        item = rng.choice(["TEA", "RICE", "OIL"])
        if name == "hq" and rng.random() < 0.3:
            action = "price"
        if action == "order":
            args = ["order", "new", "--party", "Shop", "--warehouse", warehouse,
                    "--line", f"{item}:{rng.randint(1, 5)}"]
        elif action == "receive":
            args = ["stock", "receive", "--item", item, "--warehouse", warehouse,
                    "--qty", str(rng.randint(1, 20))]
        elif action == "task":
            args = ["task", "new", f"Check {item} at {site} #{rng.randint(1, 999)}"]
        elif action == "price":
            args = ["item", "edit", item, "--price", f"{rng.randint(1, 99)}.{rng.randint(0, 99):02d}"]
        else:
            # Edit an order this node may know: concurrent notes make conflicts.
            mine = [n for n in self.acked_orders if n.startswith(site + "-")]
            if not mine:
                return
            number = rng.choice(mine)
            if action == "note":
                args = ["order", "edit", number, "--note", f"{name} {rng.randint(1, 999)}"]
            else:
                args = ["order", "submit", number]
        # A clerk keeps working while its node is down: the command opens the book itself.
        ok, out = node.run(*args, in_ns=False)
        self.counts["ok" if ok else "refused"] += 1
        if not ok:
            reason = out.splitlines()[-1] if out else "?"
            # Numbers vary; the kind of refusal is what matters.
            self.refusals[" ".join(w for w in reason.split() if not any(c.isdigit() for c in w))] += 1
        if ok and action == "order":
            self.acked_orders[out["number"]] = name
        if ok and action == "task":
            self.acked_tasks[out["number"]] = name

    def phase(self, title, seconds, faults):
        log(f"phase: {title}")
        self.net.heal()
        for name, spec in faults.items():
            if spec.get("down"):
                self.net.link(name, False)
            self.net.set_faults(name, loss=spec.get("loss", 0), cut=spec.get("cut", []))
        end = time.time() + seconds
        while time.time() < end:
            self.edit(self.rng.choice(list(self.nodes)))
            time.sleep(self.rng.uniform(0.0, 0.15))

    def run_faults(self):
        s = self.seconds / 4
        loss = {n: {"loss": 3} for n in self.nodes}
        self.phase("30% packet loss everywhere", s, loss)
        self.phase("HQ partitioned off; offices meet on the LAN", s, {
            "hq": {"cut": ["sh", "bj", "gz"]},
            "sh": {"loss": 3}, "bj": {"loss": 3}, "gz": {"loss": 3},
        })
        # SH is cut off from HQ but not from the GZ manager, who carries its changes on.
        self.phase("SH partitioned from HQ, BJ's link down, loss", s / 2, {
            "sh": {"cut": ["hq"], "loss": 3},
            "bj": {"down": True},
            "gz": {"loss": 3}, "hq": {"loss": 3},
        })
        log("SIGKILL the GZ node mid-sync")
        self.nodes["gz"].kill9()
        self.phase("GZ dead, SH link down, loss", s / 2, {
            "sh": {"down": True}, "hq": {"loss": 3}, "bj": {"loss": 3},
        })
        self.nodes["gz"].serve()
        self.phase("GZ restarted, SH back, loss", s / 2, loss)
        self.phase("SH and BJ partitioned from HQ and GZ", s / 2, {
            "sh": {"cut": ["hq", "gz"]}, "bj": {"cut": ["hq", "gz"]},
        })
        self.net.heal()
        log(f"healed after {self.counts['ok']} acknowledged edits "
            f"({self.counts['refused']} refused by the book's rules)")
        for reason, n in self.refusals.most_common(5):
            log(f"  refused {n}x: {reason}")

    # -- checks -----------------------------------------------------------------------
    def documents(self, name):
        status = self.nodes[name].must("sync", "status")
        return {d["doc"]: d["heads"] for d in status["documents"]}, status

    def expected_docs(self, name, hq_docs):
        node = self.nodes[name]
        if name in ("hq", "gz"):  # admin and manager read every document
            return set(hq_docs)
        # Everyone reads the organisation and the customers and suppliers.
        shared = ("org", "parties")
        return {d for d in hq_docs if d in shared or d.startswith(f"ops/{node.site}/")}

    def converged(self):
        hq_docs, _ = self.documents("hq")
        for name in self.nodes:
            docs, _ = self.documents(name)
            want = {d: hq_docs[d] for d in self.expected_docs(name, hq_docs)}
            diff = sorted(d for d in set(docs) | set(want) if docs.get(d) != want.get(d))
            if diff:
                return f"{name} differs from HQ in {diff}"
        return None

    def wait_converged(self, limit):
        deadline = time.time() + limit
        started = time.time()
        last = None
        while time.time() < deadline:
            last = self.converged()
            if last is None:
                log(f"converged {time.time() - started:.1f} s after the heal")
                return
            time.sleep(1)
        raise AssertionError(f"not converged {limit} s after the heal: {last}")

    def orders(self, name, site=None):
        args = ["order", "list", "--limit", "100000"]
        if site:
            args += ["--site", site]
        return sorted(self.nodes[name].must(*args), key=lambda o: o["number"])

    def check(self):
        hq_orders = self.orders("hq")
        numbers = [o["number"] for o in hq_orders]
        assert len(numbers) == len(set(numbers)), "order numbers collide"
        missing = [n for n in self.acked_orders if n not in numbers]
        assert not missing, f"acknowledged orders lost: {missing}"
        hq_tasks = {t["number"] for t in self.nodes["hq"].must("task", "list")}
        lost_tasks = [n for n in self.acked_tasks if n not in hq_tasks]
        assert not lost_tasks, f"acknowledged tasks lost: {lost_tasks}"
        for name in ("sh", "bj", "gz"):
            site = self.nodes[name].site
            mine = self.orders(name, site)
            assert mine == self.orders("hq", site), f"{name}'s orders differ from HQ's"
            own = [n for n, by in self.acked_orders.items() if by == name]
            have = {o["number"] for o in mine} | {o["number"] for o in self.orders(name)}
            assert all(n in have for n in own), f"{name} lost its own orders"
            levels = self.nodes[name].must("stock", "levels", "--warehouse", f"{site}1")
            assert levels == self.nodes["hq"].must("stock", "levels", "--warehouse", f"{site}1"), \
                f"{name}'s stock levels differ from HQ's"
        # The clerks hold no document of another site.
        for name in ("sh", "bj"):
            docs, _ = self.documents(name)
            foreign = [d for d in docs if d.startswith("ops/") and
                       not d.startswith(f"ops/{self.nodes[name].site}/")]
            assert not foreign, f"{name} holds {foreign}"
        for name in self.nodes:
            _, status = self.documents(name)
            assert not status["refused"], f"{name} refused legitimate changes: {status['refused']}"
        log(f"checked: {len(hq_orders)} orders, {len(hq_tasks)} tasks, "
            f"{len(self.acked_orders)} acknowledged orders all present; replicas equal")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default="target/debug/outpost")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--converge-within", type=float, default=120)
    args = parser.parse_args()
    check_root()
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        sys.exit(f"faults: FAILED: no outpost binary at {binary}")
    root = tempfile.mkdtemp(prefix="outpost-faults-")
    log(f"seed {args.seed}; data and logs in {root}")
    scenario = None
    try:
        scenario = Scenario(binary, args.seed, args.seconds, root)
        scenario.setup()
        scenario.run_faults()
        scenario.wait_converged(args.converge_within)
        scenario.check()
    except Exception as e:  # noqa: BLE001 - report any failure with where to look
        log(f"FAILED (seed {args.seed}): {e}")
        log(f"logs kept in {root}")
        if scenario:
            for node in scenario.nodes.values():
                node.stop()
        sys.exit(1)
    for node in scenario.nodes.values():
        node.stop()
    shutil.rmtree(root, ignore_errors=True)
    log("PASSED")


if __name__ == "__main__":
    main()
