"""Which device the demos use (``DLDEMOS_DEVICE``), and what each page's caption tells the lecturer.

No test needs a GPU: CUDA and MPS are made present or absent by patching
torch's own "is it available" functions, never by using a device.
"""
from __future__ import annotations

import pytest
import torch
import torchvision  # noqa: F401 (imported before torch's CUDA checks are patched: its import asks them)

from demos import device
from demos.i18n import translate
from tests.apptest_support import app_page

PAGES = ("mnist", "imagenet", "gan", "cyclegan", "style", "gradient_descent", "playground", "attention_sampling")


@pytest.fixture
def machine(monkeypatch):
    """A machine with ``gpus`` CUDA GPUs and MPS or not (torch's availability checks patched)."""
    def make(gpus: int = 0, mps: bool = False) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: gpus > 0)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    return make


@pytest.mark.parametrize("asked,gpus,mps,used,refused", [
    ("", 0, False, "cpu", None),
    ("", 1, False, "cuda", None),
    ("", 0, True, "mps", None),
    ("cpu", 1, True, "cpu", None),              # the lecturer's choice beats the GPU that is there
    (" CUDA ", 2, False, "cuda", None),
    ("cuda:1", 2, False, "cuda:1", None),
    ("cuda", 0, False, "cpu", "no_cuda"),         # asked for, absent: the CPU, and why
    ("cuda:3", 1, False, "cuda", "no_such_gpu"),
    ("mps", 0, False, "cpu", "no_mps"),
    ("mps", 1, False, "cuda", "no_mps"),
    ("banana", 0, False, "cpu", "unknown"),
    ("meta", 0, False, "cpu", "unknown"),         # a torch device, but not one to run a demo on
])
def test_the_device_used_and_why_another_was_refused(machine, monkeypatch, asked, gpus, mps, used, refused):
    machine(gpus, mps)
    monkeypatch.setenv(device.ENV_VAR, asked)
    assert device.pick_device() == torch.device(used)
    assert device.refused_device() == (None if refused is None else (asked.strip().lower(), refused))


@pytest.mark.parametrize("name", PAGES)
def test_every_page_says_where_it_runs_and_why_not_on_the_gpu_asked_for(machine, monkeypatch, name):
    machine(gpus=0)
    monkeypatch.setenv(device.ENV_VAR, "cuda")
    at = app_page(name, "fr").run()
    assert not at.exception, at.exception
    threads = torch.get_num_threads()
    expected = translate("common.device", "fr", device=translate("common.cpu", "fr", threads=threads)
                         + " " + translate("common.device_refused", "fr", asked="cuda",
                                           reason=translate("common.device_refused.no_cuda", "fr")))
    assert expected in [c.value for c in at.caption], [c.value for c in at.caption]


@pytest.mark.parametrize("name", ["mnist", "gradient_descent"])
def test_a_page_says_cpu_plainly_when_nothing_else_was_asked(machine, monkeypatch, name):
    machine(gpus=0)
    monkeypatch.delenv(device.ENV_VAR, raising=False)
    at = app_page(name, "en").run()
    assert f"Running on: CPU · {torch.get_num_threads()} threads" in [c.value for c in at.caption]


@pytest.mark.parametrize("lang,expected", [("en", "Running on: CPU · 1 thread"), ("fr", "Calcul sur : CPU · 1 fil de calcul")])
def test_one_thread_is_said_in_the_singular(machine, monkeypatch, lang, expected):
    machine(gpus=0)
    monkeypatch.delenv(device.ENV_VAR, raising=False)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    at = app_page("gradient_descent", lang).run()
    assert expected in [c.value for c in at.caption]


@pytest.mark.skipif(not torch.cuda.is_available(),
                    reason="needs a CUDA GPU: bench/gpu_check.py runs it on a lent GPU machine")
@pytest.mark.parametrize("name", ["mnist", "gradient_descent", "playground"])
def test_on_a_gpu_the_pages_run_and_say_so(monkeypatch, name):
    monkeypatch.delenv(device.ENV_VAR, raising=False)
    at = app_page(name, "en").run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Running on: GPU · ") and torch.cuda.get_device_name(0) in c for c in captions), captions
