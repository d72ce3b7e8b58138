"""The gradient-descent and playground pages in Streamlit's AppTest: controls, divergence, URL state."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_support import app_page, image_captions
from tests.support import lecture_preset_results

TIMEOUT = 60


def open_page(name: str, lang: str = "en", **query: str) -> AppTest:
    at = app_page(name, lang, TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def chart_traces(at: AppTest, index: int = 0) -> list[dict]:
    """The traces of the page's ``index``-th plotly chart, as the browser draws them."""
    return json.loads(at.get("plotly_chart")[index].proto.spec)["data"]


def ok(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_gradient_descent_page_runs(lang):
    at = open_page("gradient_descent", lang)
    ok(at)
    titles = {"fr": "La descente de gradient, pas à pas", "en": "Gradient descent, step by step"}
    assert at.title[0].value == titles[lang]
    label = {"en": "η = 0.125", "fr": "η = 0,125"}[lang]       # decimals as the visitor's language writes them
    w, loss = lecture_preset_results(lang)[label]              # the page opens on the lecture's η = 0.125
    assert any(label in m.value and w in m.value and loss in m.value for m in at.markdown)


def test_gradient_descent_lecture_preset_and_2d_controls():
    at = open_page("gradient_descent")
    at.button[0].click().run()                                  # the lecture's η = 0.125 vs η = 0.5
    ok(at)
    for label, (w, loss) in lecture_preset_results().items():   # both results, not just the button's label
        assert any(label in m.value and w in m.value and loss in m.value for m in at.markdown), label
    at.segmented_control(key="gd_mode").set_value("2d").run()
    ok(at)
    at.select_slider(key="gd_lr").set_value(0.25).run()        # > 2/L = 0.2 on the κ = 10 quadratic
    ok(at)
    assert any("diverged" in w.value and "2/L = 0.2" in w.value for w in at.warning)
    at.selectbox(key="gd_surface").set_value("himmelblau").run()
    ok(at)
    assert at.select_slider(key="gd_lr").value == 0.01 and not at.warning   # each surface comes with a sane η
    at.pills(key="gd_opts").set_value(["gd", "momentum", "nesterov", "adam", "sgd"]).run()
    at.toggle(key="gd_arrows").set_value(True).run()
    ok(at)
    assert len(at.dataframe[0].value) == 5                       # one row per optimiser
    assert any(trace.get("name") == "−∇L" for trace in chart_traces(at))    # the arrows are drawn
    at.segmented_control(key="gd_view").set_value("surface").run()
    ok(at)
    assert chart_traces(at)[0]["type"] == "surface"
    at.pills(key="gd_opts").set_value([]).run()
    ok(at)
    assert [i.value for i in at.info] == ["Choose at least one optimiser."]


def test_playground_page_step_run_reset():
    at = open_page("playground")
    ok(at)
    assert at.metric[0].value == "0"
    step = next(b for b in at.button if b.label == "Step")
    step.click().run()
    ok(at)
    assert at.metric[0].value == "1"
    next(b for b in at.button if b.label == "Run").click().run()
    running = int(at.metric[0].value)
    assert running > 1                                          # each tick trains a few epochs
    at.run()
    assert int(at.metric[0].value) > running                    # and the next tick goes on
    next(b for b in at.button if b.label == "Pause").click().run()
    paused = at.metric[0].value
    at.run()
    assert at.metric[0].value == paused                          # paused: no more epochs
    next(b for b in at.button if b.label == "Reset").click().run()
    assert at.metric[0].value == "0"                             # a fresh network
    at.selectbox(key="pg_data").set_value("circles").run()       # a new setting: a fresh network
    ok(at)
    assert at.metric[0].value == "0"
    at.slider(key="pg_depth").set_value(0).run()
    at.selectbox(key="pg_act").set_value("elu").run()
    step.click().run()
    assert at.metric[0].value == "1"
    next(b for b in at.button if b.label == "Reset").click().run()
    ok(at)
    assert at.metric[0].value == "0"


def test_url_state_round_trip_through_the_pages():
    at = open_page("gradient_descent", gd_mode="2d", gd_surface="rosenbrock", gd_lr="0.002", gd_steps="99",
                   gd_opts="gd,adam", gd_x0="-1.5", gd_y0="2")
    ok(at)
    shared = at.code[0].value
    for part in ("gd_mode=2d", "gd_surface=rosenbrock", "gd_lr=0.002", "gd_steps=99", "gd_opts=gd,adam",
                 "gd_x0=-1.5", "gd_y0=2"):
        assert part in shared
    query = dict(p.split("=", 1) for p in shared.split("?", 1)[1].split("&"))
    again = open_page("gradient_descent", **query)                # the link opens the same setting
    ok(again)
    assert again.code[0].value == shared

    at = open_page("playground", pg_data="spirals", pg_features="x,y,x2", pg_depth="3", pg_act="relu")
    ok(at)
    assert at.slider(key="pg_depth").value == 3 and list(at.pills(key="pg_features").value) == ["x", "y", "x2"]
    assert "pg_data=spirals" in at.code[0].value


def test_malformed_url_falls_back_to_defaults():
    at = open_page("gradient_descent", gd_mode="4d", gd_lr="-1e99", gd_steps="lots", gd_surface="../etc",
                   gd_x0="inf", gd_opts="rm", gd_w0="nan", gd_lr1="7")
    ok(at)
    assert at.segmented_control(key="gd_mode").value == "1d"
    assert at.select_slider(key="gd_lr1").value == 1.5          # η = 7 is brought to the largest one offered
    assert at.slider(key="gd_w0").value == 2.5
    assert at.slider(key="gd_steps1").value == 20
    at.segmented_control(key="gd_mode").set_value("2d").run()   # the 2-D half of the link fell back too
    assert at.selectbox(key="gd_surface").value == "quadratic" and at.number_input(key="gd_steps").value == 60
    assert list(at.pills(key="gd_opts").value) == ["gd", "momentum", "adam"]
    assert at.slider(key="gd_x0").value == -2.5
    at = open_page("playground", pg_data="?", pg_depth="99", pg_lr="nan", pg_batch="0")
    ok(at)
    assert at.selectbox(key="pg_data").value == "xor" and at.slider(key="pg_depth").value == 4
    assert at.metric[0].value == "0"


@pytest.mark.parametrize("lang,lesson,heart", [("en", "Lesson: overfitting", "Learning by heart: "),
                                               ("fr", "Leçon : sur-apprentissage", "Apprentissage par cœur : ")])
def test_the_overfitting_lesson_opens_in_one_click_and_says_the_gap(lang, lesson, heart):
    at = open_page("playground", lang)
    next(b for b in at.button if b.label == lesson).click().run()
    ok(at)
    assert at.select_slider(key="pg_width").value == 64 and at.slider(key="pg_depth").value == 3
    assert at.select_slider(key="pg_until").value == 400 and at.slider(key="pg_labels").value == 0.15
    trainer = at.session_state["pg_trainer"][1]
    assert trainer.epoch > 0                                    # a lesson starts training at once
    trainer.step(150 - trainer.epoch)                           # what "Run" does, tick after tick
    at.run()
    ok(at)
    assert int(at.metric[0].value) > 150
    gap = -int(at.metric[2].delta.split()[-1])
    assert gap >= 15, at.metric[2].delta                          # train 100 %, test ~75 %
    assert any(c.value.startswith(heart) for c in at.caption)


def test_run_stops_at_the_chosen_epoch():
    at = open_page("playground", pg_until="100")
    next(b for b in at.button if b.label == "Run").click().run()
    trainer = at.session_state["pg_trainer"][1]
    trainer.step(98 - trainer.epoch)
    at.run()
    assert at.metric[0].value == "100" and not at.session_state["pg_running"]
    at.run()
    assert at.metric[0].value == "100"                           # stopped: no more epochs


def test_the_lesson_links_open_the_lessons():
    at = open_page("playground")
    links = [c.value for c in at.code[1:]]
    overfit, regularised = links
    assert "pg_width=64" in overfit and "pg_until=400" in overfit and "pg_dropout=0&" in overfit
    assert "pg_l2=0.01" in regularised and "pg_dropout=0.2" in regularised
    query = dict(part.split("=", 1) for part in regularised.split("?", 1)[1].split("&"))
    again = open_page("playground", **query)
    ok(again)
    assert again.select_slider(key="pg_l2").value == 0.01 and again.slider(key="pg_dropout").value == 0.2
    assert again.slider(key="pg_n").value == 200 and again.select_slider(key="pg_width").value == 64


def test_every_neurons_map_is_shown_on_request():
    at = open_page("playground", pg_depth="2", pg_width="6")
    assert not at.get("imgs")
    at.toggle(key="pg_neurons").set_value(True).run()
    ok(at)
    captions = image_captions(at)
    assert captions == ["Hidden layer 1: its 6 neurons", "Hidden layer 2: its 6 neurons"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_fitting_a_function_gets_closer_and_l1_resists_outliers(lang):
    at = open_page("playground", lang, pg_mode="fit", pg_units="16")
    ok(at)
    distances = []
    for _ in range(4):                                           # four ticks of the live fit
        at.run()
        distances.append(float(at.metric[2].value.replace(",", ".")))
    assert distances[-1] < distances[0] / 3                     # the curve closes in on sin(2πx)
    unit = "a unit's term" if lang == "en" else "terme d'une unité"
    in_legend = [trace for trace in chart_traces(at) if trace.get("name") == unit and trace.get("showlegend", True)]
    assert len(in_legend) == 1                                  # one legend entry for the 16 terms
    assert len(chart_traces(at)) == 16 + 3                      # 16 units' terms, the points, the function, the fit
    at.slider(key="pg_outliers").set_value(0.2).run()
    at.segmented_control(key="pg_loss").set_value("l1").run()
    ok(at)
    assert at.session_state["pg_fit"][1].loss == "l1" and at.session_state["pg_fit"][1].outliers == 0.2


def test_a_hidden_settings_value_survives_the_other_mode_and_the_link_keeps_it():
    """The 1-D start set, then the 2-D half used for a while: back in 1-D the start is the visitor's, and the
    shared link held it all along (Streamlit forgets an undrawn widget's value on its own)."""
    at = open_page("gradient_descent")
    ok(at)
    at.slider(key="gd_w0").set_value(1.0).run()
    at.segmented_control(key="gd_mode").set_value("2d").run()
    at.number_input(key="gd_steps").increment().run()          # runs in which the 1-D widgets are not drawn
    at.number_input(key="gd_steps").increment().run()
    assert "gd_w0=1" in at.code[0].value and "gd_steps=62" in at.code[0].value
    at.segmented_control(key="gd_mode").set_value("1d").run()
    ok(at)
    assert at.slider(key="gd_w0").value == 1.0
