"""Offline-ready: what each demo needs with no network, what `python -m demos.fetch` covers, in both languages."""
from __future__ import annotations

import re

import pytest
from PIL import Image

from demos import fetch, i18n, weights
from tests.apptest_support import app_page, errors
from ui.pages import DEMO_PAGES


def place(folder, *artifact_ids: str) -> None:
    """Stand-in files under their catalogue names in a local weights folder."""
    for artifact_id in artifact_ids:
        path = folder / weights.get(artifact_id).filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")


def summary(demo: str) -> dict:
    return next(d for d in weights.readiness_by_demo(weights.readiness()) if d["demo"] == demo)


def test_every_demo_page_is_in_the_readiness_table():
    assert set(weights.DEMOS) == {page.demo for page in DEMO_PAGES}
    assert [d["demo"] for d in weights.readiness_by_demo(weights.readiness())] == list(weights.DEMOS)


def test_what_works_with_no_network_out_of_the_box():
    """A fresh clone, nothing fetched: the demos that need no file or only bundled ones."""
    works = {d["demo"] for d in weights.readiness_by_demo(weights.readiness()) if d["offline"]}
    # adversarial: its MNIST tab; feature_vis: its gallery; representations: a drawn digit
    assert works == {"mnist", "gradient_descent", "playground", "gan", "adversarial", "feature_vis", "convolution",
                     "representations"}
    assert summary("attention_sampling")["offline_bytes"] == 1_648_877 + 4_542     # the MNIST test digits
    assert summary("imagenet")["offline_bytes"] == weights.get("imagenet-mobilenet_v2").size   # the smallest network
    assert summary("gradient_descent") | {"demo": None} == {
        "demo": None, "ready": 0, "total": 0, "missing_bytes": 0, "missing_unknown": 0, "bundled": False,
        "offline": True, "offline_bytes": 0}


def test_one_file_of_a_group_is_enough(tmp_path, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    place(tmp_path, "imagenet-mobilenet_v2", "style-fast-candy-mobilenet", "mnist-test-images")
    assert summary("imagenet")["offline"] and summary("style")["offline"]
    assert not summary("attention_sampling")["offline"]                 # the labels are still missing
    place(tmp_path, "mnist-test-labels")
    attention = summary("attention_sampling")
    assert attention["offline"] and attention["ready"] == attention["total"] == 3 and not attention["bundled"]


def fetched_ids(capsys, *only: str) -> list[str]:
    """What ``python -m demos.fetch [--only DEMO]...`` tries to get, offline with nothing here: the ids it reports."""
    argv = [arg for demo in only for arg in ("--only", demo)]
    assert fetch.main(argv) == 1
    said = capsys.readouterr()
    return [m.group(1) for m in re.finditer(r"^([a-z0-9_-]+): ", said.out + said.err, re.MULTILINE)]


def test_fetch_only_a_demo_includes_the_files_it_shares(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DLDEMOS_WEIGHTS_DIR", str(tmp_path))
    ids = fetched_ids(capsys, "attention_sampling")
    assert sorted(ids) == ["attention-sampling-mnist", "mnist-test-images", "mnist-test-labels"]
    gan = set(fetched_ids(capsys, "gan"))
    assert {"gan-biggan-deep-128-pytorch-model", "mnist-train-images"} <= gan
    everything = fetched_ids(capsys)
    assert sorted(everything) == sorted(weights.CATALOGUE)             # everything, each file once


def test_fetch_list_says_which_demos_work_offline(capsys):
    assert fetch.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert all(artifact_id in out for artifact_id in weights.CATALOGUE)      # every file the app can use
    lines = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0] in weights.DEMOS}
    assert set(lines) == set(weights.DEMOS)
    assert lines["gradient_descent"].endswith("works with no network")
    assert lines["imagenet"].endswith("needs the network (at least 13.6 MB to fetch)")


def test_fetch_only_a_demo_with_no_file(capsys):
    assert fetch.main(["--only", "playground", "--lang", "fr"]) == 0
    assert "playground : aucun fichier à télécharger, la démo marche sans réseau." in capsys.readouterr().out


def test_sizes_in_french():
    assert weights.human_size(2_500_000, "fr") == "2,5 Mo" and weights.human_size(999, "fr") == "999 o"
    assert weights.human_size(1_222_964_000, "fr") == "1,2 Go" and weights.human_size(2_500_000) == "2.5 MB"


@pytest.mark.parametrize("artifact_id", sorted(weights.CATALOGUE))
def test_every_file_is_described_in_both_languages(artifact_id):
    assert i18n.catalogue("en")[f"artifact.{artifact_id}"] == weights.get(artifact_id).description
    assert weights.describe(artifact_id, "fr") != weights.describe(artifact_id, "en") or artifact_id == (
        "style-photo-tuebingen")                                              # a place and a name
    assert weights.describe_label(artifact_id, "fr") == weights.describe(artifact_id, "fr")     # a sample's name


def test_a_missing_file_is_named_in_french(tmp_path, monkeypatch):
    Image.new("RGB", (64, 48), "orange").save(tmp_path / "orange.png")
    monkeypatch.setenv("DLDEMOS_SAMPLES_DIR", str(tmp_path))
    at = app_page("imagenet", "fr").run()      # offline, the default AlexNet is missing
    assert not at.exception
    message = errors(at)[0]
    assert message.startswith("Poids ImageNet d'AlexNet (torchvision) n'est pas sur cette machine")
    assert "(233,1 Mo)" in message and "python -m demos.fetch --only imagenet" in message
