"""bench/gpu_check.py, the one command a session lent a GPU runs: its dry run works on a CPU machine (CI)."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "gpu_check.py"


def load_script():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = module             # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_dry_run_prints_the_plan_and_gathers_one_json(tmp_path, capsys):
    gpu_check = load_script()
    out = tmp_path / "gpu_check.json"
    report = gpu_check.main(["--dry-run", "--only", "playground,mnist", "--out", str(out)])
    assert json.loads(out.read_text()) == report
    assert report["dry_run"] and set(report["steps"]) == {"playground", "mnist"}
    assert all(step["ok"] for step in report["steps"].values()), report["steps"]
    assert report["steps"]["playground"]["figures"]                     # the convolution bench's JSON
    assert report["device"]["torch"] and "cuda_available" in report["device"]
    plan = capsys.readouterr().err
    assert all(step.name in plan for step in gpu_check.PLAN if step.name in ("playground", "mnist"))
    # Every step of the GPU plan names a benchmark that exists.
    root = SCRIPT.parent.parent
    assert all((root / step.gpu[0]).is_file() and (root / step.dry[0]).is_file()
               for step in gpu_check.PLAN if step.gpu[0] != "-m")


def test_the_random_biggans_have_the_published_sizes():
    """BigGAN-deep 128/256/512 of the GPU check (random weights, no download) are the published networks."""
    from pytorch_pretrained_biggan import BigGAN, BigGANConfig

    from tests.gan_support import LAYERS

    millions = {r: sum(p.numel() for p in BigGAN(BigGANConfig(output_dim=r, layers=LAYERS[r])).parameters()) / 1e6
                for r in LAYERS}
    # Brock et al. 2019, table 6 / the official checkpoints: 50.4 M, 55.9 M, 56.2 M parameters.
    assert [round(millions[r], 1) for r in (128, 256, 512)] == [50.4, 55.9, 56.2]
