"""Large models: one copy per process, shared by every visitor, only the N most recently used kept."""
from __future__ import annotations

import threading
import time

import torch

from demos import imagenet, model_cache
from demos.model_cache import ModelCache


def test_least_recently_used_models_are_dropped_past_the_limit(monkeypatch):
    monkeypatch.setenv("DLDEMOS_MAX_MODELS", "2")
    cache = ModelCache()
    for name in "ab":
        cache.get(name, lambda name=name: f"model {name}")
    assert cache.get("a", lambda: "reloaded a") == "model a"     # used again: now the most recent
    cache.get("c", lambda: "model c")
    assert cache.keys() == ["a", "c"]                            # b, the least recently used, went
    assert cache.get("b", lambda: "reloaded b") == "reloaded b"   # and is loaded again when needed
    assert cache.loads == 4 and len(cache) == 2


def test_no_global_cap_by_default_but_a_cap_per_loader():
    cache = ModelCache()
    assert cache.max_models == 0
    for i in range(5):
        cache.get(("imagenet", i), lambda: i, group="imagenet", group_max=3)
        cache.get(("cyclegan", i), lambda: i, group="cyclegan", group_max=10)
    assert [k for k in cache.keys() if k[0] == "imagenet"] == [("imagenet", 2), ("imagenet", 3), ("imagenet", 4)]
    assert len(cache) == 8


def test_visitors_asking_at_once_share_one_load():
    cache = ModelCache(max_models=0)
    loads = []

    def slow_load():
        loads.append(1)
        time.sleep(0.2)
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("vgg", slow_load))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len({id(m) for m in got}) == 1


def test_a_failed_load_is_retried_next_time():
    cache = ModelCache(max_models=0)

    def broken():
        raise OSError("disk error")

    try:
        cache.get("x", broken)
    except OSError:
        pass
    assert cache.get("x", lambda: "fine") == "fine"


def test_the_app_loaders_share_the_process_cache(tmp_path, monkeypatch):
    """ui.models' ImageNet loader goes through the shared cache: with DLDEMOS_MAX_MODELS=1 a second network evicts the first."""
    from ui import models

    monkeypatch.setenv("DLDEMOS_MAX_MODELS", "1")
    model_cache.shared_cache().clear()
    network = imagenet.load_classifier("mobilenet_v2", pretrained=False).module
    folders = [tmp_path / name for name in "ab"]              # two weights folders, as two machines' copies
    for folder in folders:
        folder.mkdir()
        torch.save(network.state_dict(), folder / imagenet.get_spec("mobilenet_v2").filename)

    def classifier_from(folder):
        monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(folder))
        return models.imagenet_classifier("mobilenet_v2")

    first = classifier_from(folders[0])
    assert classifier_from(folders[0]) is first                  # one copy, shared by every visitor
    classifier_from(folders[1])
    keys = model_cache.shared_cache().keys()
    assert len(keys) == 1 and keys[0][1][1].startswith(str(folders[1]))   # only the last one is kept
    assert classifier_from(folders[0]) is not first              # dropped, loaded again
    model_cache.shared_cache().clear()
