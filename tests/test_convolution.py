"""Inside a convolution: every worked example of the lecture, computed by torch, matches the slide."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from demos import convolution as conv
from demos.convolution import examples as ex
from demos.errors import DemoError
from tests.conftest import REPO

SEEDS = REPO.parent / "shared" / "seeds"


def test_the_1d_slide_example_and_each_value_is_the_sum_it_explains():
    values = conv.conv1d(ex.SIGNAL_1D, ex.KERNEL_1D)
    assert [v.value for v in values] == list(ex.OUTPUT_1D)
    assert values[0].sum_text() == "1·1 + 4·2 + -1·0 + 0·-1 = 9"
    assert all(sum(a * w for a, w in v.terms) == v.value for v in values)


def test_the_derivative_filter_gives_the_slides_line():
    assert [v.value for v in conv.conv1d(ex.RAMP, ex.DERIVATIVE)] == list(ex.RAMP_DERIVATIVE)


def test_the_seed_decks_print_these_numbers():
    """The examples are the decks' own numbers (where the decks are here to compare with)."""
    if not SEEDS.is_dir():
        pytest.skip("the lecture decks are not beside the project")
    course, vision, meyer = (next(SEEDS.glob(f"{n}_*.txt")).read_text(encoding="utf-8") for n in ("001", "002", "003"))
    assert "1\t4\t-1\t0\t2\t-2\t1\t3\t3\t1" in course
    assert "(0, 0, 0, 0, 1, 2, 3, 4, 4, 4, 4) \\circledast (-1, 1) = (0, 0, 0, 1, 1, 1, 1, 0, 0, 0)" in course
    for row in ex.PADDING_OUTPUT:
        assert "\t".join(map(str, row)) in vision
    assert "\t".join(map(str, ex.BATCH[0])) + "\t4\t2.94" in vision
    assert "=6600" in meyer and "\t".join(map(str, ex.ELSEWHERE[6])) in meyer


def test_the_padding_example_matches_the_slide():
    result = conv.conv2d(ex.PADDING_INPUT, ex.PADDING_KERNEL, padding=ex.PADDING)
    assert result.output.tolist() == [list(map(float, row)) for row in ex.PADDING_OUTPUT]
    assert result.padded.shape == (5, 5) and result.padded[0].abs().sum() == 0
    assert result.explain(1, 1).sum_text() == "0·0 + 1·1 + 3·2 + 4·3 = 19"


def test_stride_two_keeps_every_other_position():
    one = conv.conv2d(ex.PADDING_INPUT, ex.PADDING_KERNEL, stride=1, padding=1).output
    two = conv.conv2d(ex.PADDING_INPUT, ex.PADDING_KERNEL, stride=2, padding=1).output
    assert torch.equal(two, one[::2, ::2])
    assert two.shape == (conv.output_size(3, 2, 2, 1),) * 2 == (2, 2)


def test_the_output_size_formula_agrees_with_torch_everywhere():
    checked = 0
    for n in range(1, 65):
        x = torch.zeros(1, 1, n, n)
        for k in range(1, 8):
            for s in range(1, 5):
                for p in range(0, 4):
                    if n + 2 * p < k:                       # no position fits the kernel: torch refuses
                        continue
                    expected = F.conv2d(x, torch.zeros(1, 1, k, k), stride=s, padding=p).shape[-1]
                    assert conv.output_size(n, k, s, p) == expected, (n, k, s, p)
                    checked += 1
    assert checked > 5000


def test_batch_norm_matches_the_slides_table():
    """Means to 2 decimals; standard deviations as printed, which the slide truncates (1.6997 is printed 1.69)."""
    result = conv.batch_norm(ex.BATCH)
    assert [round(m, 2) for m in result.means.tolist()] == [4.0, 3.33, 4.33, 3.33]
    digits = [3 if s < 1 else 2 for s in ex.BATCH_STDS]
    assert [math.floor(float(s) * 10 ** d) / 10 ** d for s, d in zip(result.stds, digits)] == list(ex.BATCH_STDS)
    out = result.output
    assert torch.allclose(out.mean(1), torch.zeros(4, dtype=out.dtype), atol=1e-9)
    assert torch.allclose(out.std(1, correction=0), torch.ones(4, dtype=out.dtype), atol=1e-4)
    shifted = conv.batch_norm(ex.BATCH, gamma=2.0, beta=3.0).output
    assert torch.allclose(shifted, 2 * out + 3)


def test_the_curve_detector_gives_6600_on_the_curve_and_0_elsewhere():
    assert conv.conv2d(ex.ON_THE_CURVE, ex.CURVE_FILTER).output.item() == ex.ON_THE_CURVE_RESPONSE == 6600
    assert conv.conv2d(ex.ELSEWHERE, ex.CURVE_FILTER).output.item() == ex.ELSEWHERE_RESPONSE == 0


def test_filters_and_pooling_on_a_picture():
    gray = np.zeros((32, 32), np.float32)
    gray[:, 16:] = 1.0                                               # a vertical edge
    edges = conv.filter_image(gray, ex.FILTERS["edge_x"])
    assert edges.shape == (32, 32) and np.abs(edges[:, 15:17]).min() > 1 and np.abs(edges[:, :10]).max() == 0
    blurred = conv.filter_image(gray, ex.FILTERS["blur"])
    assert 0 < blurred[5, 15] < 1 and blurred[5, 5] == 0
    maps = np.random.default_rng(0).random((32, 24, 24)).astype(np.float32)
    assert conv.max_pool(maps, 2).shape == (32, 12, 12) and conv.max_pool(maps, 3).shape == (32, 8, 8)
    assert conv.max_pool(maps, 3)[0, 0, 0] == maps[0, :3, :3].max()


def test_why_convolutions_counts():
    counts = conv.parameter_counts()
    assert f"{counts.dense:.3g}" == "3.87e+10" and counts.dense_bytes > 150e9
    assert counts.conv == 3 * 3 * 25 + 3
    assert counts.lecture_mnist == 105_506


@pytest.mark.parametrize("call,key", [
    (lambda: conv.parse_vector("1 2 three"), "convolution.error.not_a_number"),
    (lambda: conv.parse_vector("1 nan"), "convolution.error.not_a_number"),
    (lambda: conv.parse_vector("  "), "convolution.error.empty"),
    (lambda: conv.parse_vector(" ".join(["1"] * 65)), "convolution.error.too_long"),
    (lambda: conv.parse_matrix("1 2\n3"), "convolution.error.ragged"),
    (lambda: conv.conv2d(ex.PADDING_INPUT, np.ones((6, 6)), padding=1), "convolution.error.kernel_too_big"),
    (lambda: conv.conv1d((1, 2), (1, 1, 1)), "convolution.error.kernel_too_big"),
    (lambda: conv.batch_norm([[1], [2], [3]]), "convolution.error.one_sample"),
])
def test_bad_edits_are_clear_messages(call, key):
    with pytest.raises(DemoError) as caught:
        call()
    assert caught.value.key == key


def test_parsing_accepts_what_people_type():
    assert conv.parse_vector("1, 4;-1  0 −2").tolist() == [1, 4, -1, 0, -2]
    assert conv.parse_matrix("0 1\n\n2 3\n").tolist() == [[0, 1], [2, 3]]
