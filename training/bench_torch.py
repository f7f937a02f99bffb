"""PyTorch reference timings for the exported networks, to compare with the Swift runtime
(Benchmarks/Benchmarks/RecognitionBenchmarks, figures in docs/benchmarks.md).

    python training/bench_torch.py                      # all three models, 1 thread, 300 timed runs each
    python training/bench_torch.py --iterations 1000 --threads 1 --models-dir Models

Each network is rebuilt from Models/NAME.json with torch.nn modules and loaded with
Models/NAME.safetensors, so the timed model is exactly the exported one, whatever
training/models.py builds now (only its `run_nodes`, the format's op semantics, is shared).
Batch norm stays a separate nn.BatchNorm2d in eval mode, as trained (the Swift runtime folds
it into the conv at load). Input is batch 1 at the graph's own
input size; warm-up runs come first, then every run is timed on its own (wall clock with
perf_counter_ns, and the thread's CPU time with thread_time_ns).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
from safetensors.torch import load_file

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from models import run_nodes  # noqa: E402  (the op semantics only; the layers come from the JSON)


class ExportedGraph(nn.Module):
    """Runs an exported graph (docs/model-format.md) with the ops the shipped models use."""

    def __init__(self, graph: dict, weights: dict[str, torch.Tensor]):
        super().__init__()
        self.nodes = graph["nodes"]
        self.output_names = graph["outputs"]
        self.input_name = graph["input"]["name"]
        layers = {}
        for node in self.nodes:
            if node["op"] == "conv2d":
                conv = nn.Conv2d(node["in_channels"], node["out_channels"], tuple(node["kernel"]), tuple(node["stride"]),
                                 tuple(node["padding"]), tuple(node["dilation"]), node["groups"], bias="bias" in node)
                conv.weight.data.copy_(weights[node["weight"]])
                if "bias" in node:
                    conv.bias.data.copy_(weights[node["bias"]])
                layers[node["name"]] = conv
            elif node["op"] == "batchnorm2d":
                bn = nn.BatchNorm2d(weights[node["running_mean"]].numel(), eps=node.get("eps", 1e-5))
                bn.weight.data.copy_(weights[node["weight"]])
                bn.bias.data.copy_(weights[node["bias"]])
                bn.running_mean.copy_(weights[node["running_mean"]])
                bn.running_var.copy_(weights[node["running_var"]])
                layers[node["name"]] = bn
            elif node["op"] == "linear":
                linear = nn.Linear(node["in_features"], node["out_features"], bias="bias" in node)
                linear.weight.data.copy_(weights[node["weight"]])
                if "bias" in node:
                    linear.bias.data.copy_(weights[node["bias"]])
                layers[node["name"]] = linear
        self.layers = nn.ModuleDict(layers)

    def forward(self, x):
        return tuple(run_nodes(self.nodes, self.layers, {self.input_name: x}, self.output_names))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile, as the Swift benchmark reports it."""
    index = min(len(sorted_values) - 1, max(0, int(round(fraction * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def time_model(net: nn.Module, shape: tuple[int, ...], warmup: int, iterations: int) -> tuple[list[float], list[float]]:
    """Sorted wall-clock and thread-CPU milliseconds per run. On a loaded machine the CPU time
    is the steadier figure: it leaves out the time the thread waited for a core."""
    x = torch.randn(1, *shape, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        for _ in range(warmup):
            net(x)
        wall, cpu = [], []
        for _ in range(iterations):
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            net(x)
            cpu.append((time.thread_time_ns() - start_cpu) / 1e6)
            wall.append((time.perf_counter_ns() - start) / 1e6)
    return sorted(wall), sorted(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models-dir", type=Path, default=REPO_DIR / "Models")
    parser.add_argument("--models", nargs="+", default=["detector", "ocr", "refiner"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    load = os.getloadavg()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    results = []
    for name in args.models:
        graph_path, weights_path = args.models_dir / f"{name}.json", args.models_dir / f"{name}.safetensors"
        graph = json.loads(graph_path.read_text())
        net = ExportedGraph(graph, load_file(str(weights_path))).eval()
        spec = graph["input"]
        shape = (spec["channels"], spec["height"], spec["width"])
        times, cpu_times = time_model(net, shape, args.warmup, args.iterations)
        row = {"model": name, "input": "x".join(map(str, shape)), "median_ms": statistics.median(times),
               "p90_ms": percentile(times, 0.9), "min_ms": times[0], "iterations": len(times),
               "cpu_median_ms": statistics.median(cpu_times), "cpu_p90_ms": percentile(cpu_times, 0.9),
               "json_sha256": sha256(graph_path)[:12], "safetensors_sha256": sha256(weights_path)[:12]}
        results.append(row)
        print(f"{name:9s} {row['input']:>10s}  median {row['median_ms']:7.3f} ms  p90 {row['p90_ms']:7.3f} ms  "
              f"min {row['min_ms']:7.3f} ms  | thread CPU median {row['cpu_median_ms']:7.3f} ms  p90 {row['cpu_p90_ms']:7.3f} ms  "
              f"({row['iterations']} runs; json {row['json_sha256']}, "
              f"safetensors {row['safetensors_sha256']})")
    end_load = os.getloadavg()
    print(f"load average at the end {end_load[0]:.2f} {end_load[1]:.2f} {end_load[2]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"threads": args.threads, "load_start": load, "load_end": end_load,
                                         "results": results}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
