#!/usr/bin/env python3
"""Summarizes Google Benchmark JSON files written with --benchmark_repetitions.

For every benchmark: the minimum and the median of its repetitions (ns per iteration), and,
where the same suite has a nlohmann::json or RapidJSON counterpart (same name with _Nlohmann or
/Nlohmann in place of _Ours or /Ours), how many times faster ours is, from the medians of the
same run. The minimum is the machine's quiet figure; the median is what a noisy shared VM gives.

Benchmarks timed by wall clock (UseManualTime, UseRealTime: names ending /manual_time or
/real_time) are summarized by their real time, the others by CPU time. A family with a
Family/Baseline... case (e.g. BM_AdminKill/Baseline_NoClients) gets a second table: each other
case's median time over the baseline's, same run (1.00 = as fast, 2.00 = twice as slow).

  bench/summarize.py run/bench/okx.json [more.json ...]
"""
import json
import sys


def load(path):
    with open(path) as f:
        doc = json.load(f)
    runs = {}
    family = {}
    for b in doc.get("benchmarks", []):
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        name = b["run_name"]
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        wall = name.endswith("/manual_time") or name.endswith("/real_time")
        if name not in runs:
            runs[name] = []
            family[name] = (b.get("family_index", 0), b.get("per_family_instance_index", 0))
        runs[name].append(b["real_time" if wall else "cpu_time"] * scale)
    # Interleaved runs arrive shuffled: list them in the suite's own order.
    order = sorted(runs, key=lambda n: family[n])
    return order, runs


def baseline_name(name, lib):
    for ours in ("_Ours", "/Ours"):
        if name.endswith(ours):
            return name[: -len(ours)] + ours[0] + lib
    return None


def strip_timing(name):
    for suffix in ("/manual_time", "/real_time"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def baseline_ratios(order, med):
    """(case, baseline, ratio) for each case of a family that has a Family/Baseline... case."""
    baselines = {}
    for name in order:
        parts = strip_timing(name).split("/")
        if len(parts) > 1 and parts[1].startswith("Baseline"):
            baselines.setdefault(parts[0], name)
    out = []
    for name in order:
        fam = strip_timing(name).split("/")[0]
        base = baselines.get(fam)
        if base and base != name and med[base] > 0:
            out.append((name, base, med[name] / med[base]))
    return out


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for path in paths:
        try:
            order, runs = load(path)
        except (OSError, ValueError, KeyError) as e:
            print(f"{path}: cannot read benchmark JSON: {e}", file=sys.stderr)
            return 1
        print(f"== {path}")
        print(f"  {'benchmark':46s} {'min ns':>10s} {'median ns':>10s}  {'x nlohmann':>10s} {'x rapidjson':>11s}")
        med = {}
        for name in order:
            v = sorted(runs[name])
            med[name] = v[len(v) // 2]
        for name in order:
            v = sorted(runs[name])
            cols = []
            for lib in ("Nlohmann", "RapidJson"):
                base = baseline_name(name, lib)
                if base in med and med[name] > 0:
                    cols.append(f"{med[base] / med[name]:.1f}x")
                else:
                    cols.append("")
            print(f"  {name:46s} {v[0]:10.0f} {med[name]:10.0f}  {cols[0]:>10s} {cols[1]:>11s}")
        ratios = baseline_ratios(order, med)
        if ratios:
            print(f"  {'case / baseline (median time, same run)':46s} {'ratio':>10s}  baseline")
            for name, base, r in ratios:
                print(f"  {name:46s} {r:10.2f}  {base}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
