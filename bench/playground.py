"""Benchmark of the gradient-descent and playground demos, printed as JSON.

    python bench/playground.py [--repeats 5]

- 500 steps of each optimiser on each surface (``run``), and of all five side by
  side (``run_many``, what the 2-D page computes);
- one training epoch of the playground MLP (default settings: 210 training points,
  batch 16, one hidden layer of 4; and a larger 3×8 network), plus its 70×70 heatmap;
- what one slider change computes on each page with its default settings;
- the lessons (means over 5 seeds): the "overfit" and "regularised" presets' final train / test accuracy
  and gap; the test MSE of one hidden layer of K = 2, 8, 32 units fitting sin(2πx) on [0, 1]; with 20 %
  outliers, the distance to the clean function of the L1 fit and of the MSE fit; each hidden neuron's map
  for 3 layers of 16 (one live tick's worth).
Target: every slider change well under 100 ms of computation on 2 CPU cores.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from demos import gradient_descent as gd  # noqa: E402
from demos import playground as pg  # noqa: E402

ADAM_LR = {"rosenbrock": 0.05}


def median_ms(fn, repeats: int) -> float:
    fn()   # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times), 2)


def rates(surface: gd.Surface) -> dict[str, float]:
    return {name: ADAM_LR.get(surface.name, 0.1) if name == "adam" else surface.lr for name in gd.OPTIMIZERS}


def gradient_descent(repeats: int) -> dict:
    result = {}
    for name in gd.SURFACES:
        surface = gd.make_surface(name)
        lr = rates(surface)
        row = {opt: median_ms(lambda opt=opt: gd.run(surface, opt, lr[opt], surface.start, 500), repeats)
               for opt in gd.OPTIMIZERS}
        row["all_five_side_by_side"] = median_ms(
            lambda: gd.run_many(surface, list(gd.OPTIMIZERS), lr, surface.start, 500), repeats)
        result[name] = row
    return result


def playground(repeats: int) -> dict:
    data = pg.make_dataset("xor", n=300, noise=0.1)
    small = pg.Trainer(data, (4,), "tanh", 0.03)
    large = pg.Trainer(data, (8, 8, 8), "relu", 0.03, features=("x", "y", "xy", "x2", "y2"))
    return {
        "epoch_ms_1x4_tanh": median_ms(lambda: small.step(1), repeats * 4),
        "epoch_ms_3x8_relu_5_features": median_ms(lambda: large.step(1), repeats * 4),
        "decision_grid_70x70_ms": median_ms(lambda: pg.decision_grid(small.model, small.features, 70), repeats * 4),
        "train_points": len(data.y_train), "batch_size": small.batch_size,
    }


def slider_change(repeats: int) -> dict:
    """Computation behind one slider change with the default settings (before any caching)."""
    quad = gd.make_surface("quadratic", 10.0)
    return {
        "gd_1d_two_runs_20_steps_ms": median_ms(lambda: [gd.run("wavy", "gd", lr, (2.5,), 20) for lr in (0.125, 0.5)],
                                                repeats),
        "gd_2d_three_optimizers_60_steps_ms": median_ms(
            lambda: (gd.run_many(quad, ["gd", "momentum", "adam"], {"gd": 0.1, "momentum": 0.1, "adam": 0.1},
                                 quad.start, 60), gd.loss_grid(quad, 100)), repeats),
        "playground_new_network_and_heatmap_ms": median_ms(
            lambda: pg.decision_grid(pg.Trainer(pg.make_dataset("xor", 300, 0.1)).model, ("x", "y"), 70), repeats),
        "playground_tick_5_epochs_and_heatmap_ms": median_ms(
            lambda: (trainer.step(5), pg.decision_grid(trainer.model, trainer.features, 70)), repeats)
        if (trainer := pg.Trainer(pg.make_dataset("xor", 300, 0.1))) else None,
    }


def lessons(repeats: int, seeds: int = 5) -> dict:
    result: dict[str, dict] = {}
    for name, preset in pg.PRESETS.items():
        runs = [pg.train(**preset, seed=seed)[1] for seed in range(seeds)]
        train = statistics.mean(h["train_accuracy"][-1] for h in runs)
        test = statistics.mean(h["test_accuracy"][-1] for h in runs)
        result[name] = {"train_accuracy": round(train, 4), "test_accuracy": round(test, 4),
                        "gap_points": round(100 * (train - test), 1),
                        "per_seed": [[round(h["train_accuracy"][-1], 3), round(h["test_accuracy"][-1], 3)] for h in runs]}
    fits = {k: [pg.fit_function("sin", k, seed=seed).test_mse() for seed in range(seeds)] for k in (2, 8, 32)}
    result["sin_test_mse_by_units"] = {str(k): float(f"{statistics.mean(v):.3g}") for k, v in fits.items()}
    outliers = {loss: [pg.fit_function("sin", 16, loss=loss, noise=0.05, outliers=0.2, seed=seed).test_mse()
                       for seed in range(seeds)] for loss in pg.LOSSES}
    result["outliers_20pct_distance_to_clean"] = {k: float(f"{statistics.mean(v):.3g}") for k, v in outliers.items()}
    trainer = pg.Trainer(pg.make_dataset("xor", 300, 0.1), hidden=(16, 16, 16))
    result["neuron_maps_3x16_ms"] = median_ms(lambda: pg.neuron_grids(trainer.model, trainer.features, 24), repeats)
    result["tick_3x16_training_within_80ms_and_neuron_maps_ms"] = median_ms(
        lambda: (trainer.step_within(5, 0.08), pg.neuron_grids(trainer.model, trainer.features, 24)), repeats)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    report = {
        "machine": {"python": platform.python_version(), "torch": torch.__version__, "threads": torch.get_num_threads(),
                    "cpu": platform.processor() or platform.machine()},
        "gd_500_steps_ms": gradient_descent(args.repeats),
        "playground": playground(args.repeats),
        "slider_change_ms": slider_change(args.repeats),
        "lessons": lessons(args.repeats),
        "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
