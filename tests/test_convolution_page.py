"""The "Inside a convolution" page in Streamlit's AppTest: the slides' numbers on screen, edits, clear messages."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_support import app_page, errors, image_captions
from tests.test_pages import canvas_state, drawn
from tests.support import mnist_test_digits


def page(lang: str = "en") -> AppTest:
    return app_page("convolution", lang)


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("lang,title,curve", [
    ("en", "Inside a convolution: the lecture's examples, number by number", "On the curve: **6,600**"),
    ("fr", "Dans une convolution : les exemples du cours, nombre par nombre", "Sur la courbe : **6\u202f600**"),
])
def test_the_slides_examples_are_on_the_page(lang, title, curve):
    at = page(lang).run()
    assert not at.exception and not errors(at)
    assert at.title[0].value == title
    shown = texts(at)
    assert "9 0 1 3 -5 -3 6" in shown                                  # the 1-D slide
    assert "= **4**" in shown                                          # the padding example's output side
    assert curve in shown and "**0**" in shown                         # the curve detector
    bn = at.dataframe[1].value
    assert list(bn.iloc[:, 4]) == (["4", "3.33", "4.33", "3.33"] if lang == "en" else ["4", "3,33", "4,33", "3,33"])


def test_stepping_the_kernel_shows_each_sum():
    at = page().run()
    at.slider(key="conv_2d_position").set_value(6).run()              # output cell (1, 1) of the 4×4 output
    assert "Output (1, 1) = 0·0 + 1·1 + 3·2 + 4·3 = 19" in texts(at)
    at.segmented_control(key="conv_2d_stride").set_value(2).run()
    assert "⌊(3 + 2·1 − 2) / 2⌋ + 1 = **2**" in texts(at)
    assert at.slider(key="conv_2d_position").max == 4


def test_editing_the_1d_signal_recomputes_and_the_derivative_preset():
    at = page().run()
    at.text_input(key="conv_1d_signal_slide").set_value("1 1 1 1 1").run()
    assert "**Output** (`F.conv1d`): 2 2" in texts(at)
    at.pills(key="conv_1d_preset").set_value("derivative").run()
    assert "0 0 0 1 1 1 1 0 0 0" in texts(at)


@pytest.mark.parametrize("widget,value,message", [
    ("conv_1d_signal_slide", "1 2 x", "“x” in the signal is not a number."),
    ("conv_2d_kernel", "1 1 1 1 1 1\n1 1 1 1 1 1", "larger than the padded input"),
    ("conv_2d_input", "1 2\n3", "Every row of the input needs as many numbers (2 / 1)."),
    ("conv_bn_batch", "1\n2\n3", "at least 2 samples per feature"),
])
def test_bad_edits_give_a_clear_message(widget, value, message):
    at = page().run()
    (at.text_input if widget.startswith("conv_1d") else at.text_area)(key=widget).set_value(value).run()
    assert not at.exception
    assert any(message in e for e in errors(at)), errors(at)


def test_a_drawn_digit_goes_through_the_lectures_first_layer_and_pooling():
    images, labels = mnist_test_digits()
    at = page()
    at.session_state["conv_digit_canvas"] = canvas_state(drawn(images[0]))
    at.run()
    assert not at.exception and not errors(at)
    shown = image_captions(at)
    assert any("24×24" in c for c in shown) and any("12×12" in c for c in shown) and any("8×8" in c for c in shown)
    assert any("Sobel x" in c for c in shown)                          # the classic filters on the digit too


def test_gamma_and_beta_move_the_normalised_batch():
    at = page().run()
    at.slider(key="conv_bn_beta").set_value(2.0).run()
    outputs = at.dataframe[1].value.iloc[:, -3:].map(float)
    assert abs(outputs.to_numpy().mean(axis=1) - 2.0).max() < 0.01         # each feature: mean β (shown to 2 decimals)
