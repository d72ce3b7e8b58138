"""Every GPU figure in one short run: the benchmarks at a reduced size, one JSON.

    python bench/gpu_check.py [--out gpu_check.json]          # on a CUDA machine: the limits add up to 8 minutes
    python bench/gpu_check.py --dry-run [--only NAME,NAME]    # anywhere: the plan, then the CPU side, tiny

Each benchmark of ``bench/`` already measures the CPU and, when there is one, the GPU with the same code; this
script runs them one after the other in subprocesses (a crash or a timeout costs one figure, not the run),
each with a time limit, and gathers their JSON under one roof with the device, torch and CUDA versions. A
GPU machine is lent for about 15 minutes, with minutes to start: prepare nothing by hand beyond
``pip install -r requirements-dev.txt``, run this once, copy the JSON back (``$OUT`` with ``device``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "data" / "mnist"


@dataclass(frozen=True)
class Step:
    """One benchmark: what it measures, its arguments on the GPU machine and in a dry run, its time limit."""

    name: str
    what: str
    gpu: tuple[str, ...]
    dry: tuple[str, ...]
    limit_s: int


PLAN = (
    Step("imagenet", "latency per model at batch 1 and 32, the service's batched throughput, accuracy", (
        "bench/imagenet.py", "--repeats", "10", "--limit", "50", "--batch", "32",
        "--concurrent", "16"), (
        "bench/imagenet.py", "--models", "mobilenet_v2", "--repeats", "1", "--limit", "2", "--batch", "2",
        "--concurrent", "2"), 60),
    Step("cyclegan", "horse→zebra at 256², 512², 1024²", (
        "bench/cyclegan.py", "--sizes", "256", "512", "1024", "--repeats", "3"), (
        "bench/cyclegan.py", "--sizes", "256", "--repeats", "1"), 60),
    Step("style", "fast style 512² / 1024², Gatys steps per second at 512²", (
        "bench/style.py", "--sizes", "512,1024", "--steps", "10", "--fast-sizes", "512,1024"), (
        "bench/style.py", "--sizes", "128", "--steps", "1", "--fast-sizes", "128"), 60),
    Step("gan", "BigGAN-deep images per second (random weights), the digit GAN", (
        "bench/gan.py", "--data", str(MNIST), "--train-steps", "50", "--resolutions", "256", "512"), (
        "bench/gan.py", "--data", str(MNIST), "--train-steps", "2", "--resolutions", "256"), 60),
    Step("attention_sampling", "attention sampling against the full-image CNN: time and peak memory", (
        "bench/attention_sampling.py", "--data", str(MNIST), "--images", "100", "--repeats", "3"), (
        "bench/attention_sampling.py", "--data", str(MNIST), "--images", "4", "--repeats", "1"), 60),
    Step("mnist", "MNIST training time and error", (
        "bench/mnist.py", "--data", str(MNIST)), (
        "bench/mnist.py", "--help"), 45),
    Step("adversarial", "PGD per image", (
        "bench/adversarial.py", "--limit", "50", "--digits", "100"), (
        "bench/adversarial.py", "--help"), 45),
    Step("pages", "the page tests on the GPU: each page runs and its caption names the GPU", (
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-cov", "tests/test_device.py"), (
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-cov", "tests/test_device.py", "-k", "singular"), 60),
    Step("playground", "slider changes and the playground's lessons (CPU-bound by design)", (
        "bench/playground.py", "--repeats", "3"), (
        "bench/convolution.py", "--repeats", "1"), 30),
)


def device_facts() -> dict:
    import torch

    facts = {"python": platform.python_version(), "torch": torch.__version__, "cuda": torch.version.cuda,
             "cuda_available": torch.cuda.is_available(), "cpu": platform.processor() or platform.machine(),
             "cpu_cores": os.cpu_count()}
    if torch.cuda.is_available():
        facts["gpu"] = torch.cuda.get_device_name(0)
        facts["gpu_memory_gb"] = round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)
    return facts


def run_step(step: Step, dry: bool) -> dict:
    """Run one benchmark; its JSON (or why there is none), with the seconds it took."""
    argv = step.dry if dry else step.gpu
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True,
                              timeout=step.limit_s * (3 if dry else 1))
    except subprocess.TimeoutExpired:
        return {"ok": False, "why": f"over its {step.limit_s} s limit", "seconds": round(time.perf_counter() - start, 1)}
    seconds = round(time.perf_counter() - start, 1)
    if done.returncode != 0:
        return {"ok": False, "why": (done.stderr or done.stdout).strip().splitlines()[-1:], "seconds": seconds}
    out = done.stdout.strip()
    try:
        return {"ok": True, "seconds": seconds, "figures": json.loads(out[out.index("{"):])}
    except ValueError:          # --help in a dry run, or a benchmark that printed no JSON
        return {"ok": True, "seconds": seconds, "output": out.splitlines()[-3:]}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print the plan and run its CPU side, tiny")
    parser.add_argument("--only", default="", help="the steps to run, comma-separated (default: all)")
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    chosen = [s for s in PLAN if not args.only or s.name in args.only.split(",")]
    print("plan:", file=sys.stderr)
    for step in chosen:
        print(f"  {step.name:<20} ≤ {step.limit_s:>3} s  {step.what}\n"
              f"  {'':<20}         python {' '.join(step.dry if args.dry_run else step.gpu)}", file=sys.stderr)
    report = {"dry_run": args.dry_run, "device": device_facts(), "steps": {}}
    start = time.perf_counter()
    for step in chosen:
        report["steps"][step.name] = run_step(step, args.dry_run)
        print(f"{step.name}: {'ok' if report['steps'][step.name]['ok'] else 'FAILED'} "
              f"in {report['steps'][step.name]['seconds']} s", file=sys.stderr)
    report["seconds"] = round(time.perf_counter() - start, 1)
    text = json.dumps(report, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(text)
    return report


if __name__ == "__main__":
    main()
