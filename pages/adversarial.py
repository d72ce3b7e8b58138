"""Demo: fool the network. An invisible perturbation changes what ImageNet networks and the MNIST network read."""
from __future__ import annotations

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import numpy as np
import streamlit as st

from demos import adversarial as adv, imagenet, mnist, weights
from demos.errors import DemoError
from demos.grids import upscale
from demos.images import to_png
from demos.jobs import DONE, STOPPED, Job
from ui import models, queue
from ui.charts import digit_probabilities, plot
from ui.common import decimal, missing_mark, page_header, present, show_error, t
from ui.inputs import SOURCES as INPUT_SOURCES, drawn_digit, image_input

JOB = "adversarial_job"          # session state: the visitor's attack (demos.jobs.Job) in the server's queue
WORKING_SIDE = 512               # px: the photo attacked (a phone photo is decoded at most this large)
LEVELS = list(range(1, 17))      # ε in grey levels: 1/255 to 16/255
GAIN = 50                        # the perturbation shown amplified this many times around mid-grey


def top5_rows(predictions) -> list[dict]:
    return [{t("adversarial.col.class"): p.class_name, t("adversarial.col.score"): decimal(p.score, ".2f"),
             t("adversarial.col.probability"): decimal(p.probability, ".1%")} for p in predictions]


def settings(classifier: imagenet.Classifier) -> dict:
    """The attack's settings from the widgets: method, ε, steps, goal (leave the class read, or reach one)."""
    # projected, the settings stack in the left column (the results take the right two thirds)
    method_col, eps_col, steps_col, goal_col = [st.container()] * 4 if present() else st.columns([1, 1.3, 1.3, 1.6])
    method = method_col.segmented_control(t("adversarial.method"), list(adv.METHODS), default="pgd",
                                          key="adv_method", format_func=str.upper,
                                          help=t("adversarial.method_help")) or "pgd"
    # defaults: the slide's ostrich, reached on most photos with 4 grey levels (still invisible) in ≤ 20 steps
    level = eps_col.select_slider(t("adversarial.epsilon"), LEVELS, value=4, key="adv_epsilon",
                                  format_func=lambda k: f"{k}/255", help=t("adversarial.epsilon_help"))
    steps = steps_col.slider(t("adversarial.steps"), 1, adv.attacks.MAX_STEPS, 20, key="adv_steps",
                             disabled=method == "fgsm", help=t("adversarial.steps_help"))
    random_start = steps_col.toggle(t("adversarial.random_start"), False, key="adv_random_start",
                                    disabled=method == "fgsm", help=t("adversarial.random_start_help"))
    classes = [None, *range(len(classifier.categories))]
    names = {None: t("adversarial.goal.leave")} | dict(enumerate(classifier.categories))
    target = goal_col.selectbox(t("adversarial.goal"), classes, index=1 + adv.OSTRICH, key="adv_target",
                                format_func=names.__getitem__, help=t("adversarial.goal_help"))
    return dict(method=method, epsilon=level / 255, steps=int(steps), target=target, random_start=random_start)


def photo_attack() -> None:
    # Projected: the controls on the left third, the three pictures and the verdict beside them (1280×720).
    controls, results = st.columns([1, 2], gap="large") if present() else (st.container(), st.container())
    with controls:
        chosen_model = choose_inputs()
    if chosen_model is None:
        return
    model_id, classifier, image, chosen = chosen_model
    with controls:
        clicked = st.button(t("adversarial.go"), type="primary", icon=":material/bug_report:", key="adv_go")
    if clicked:
        def work(job: Job) -> adv.AttackResult:
            return adv.attack(image, classifier, **chosen, should_stop=job.should_stop,
                              callback=lambda r: job.report(r["step"] / r["steps"], record=r))
        queue.submit(JOB, work, kind="adversarial")
        st.session_state["adv_original"] = image
    with results:
        queue.follow(JOB, lambda job: show_attack(job, model_id, classifier))


def choose_inputs():
    """(model id, classifier, photo, attack settings), or None with a message when one is missing."""
    model_col, _ = (st.container(), None) if present() else st.columns([1, 2])
    ids = list(imagenet.SPECS)
    model_id = model_col.selectbox(t("adversarial.model"), ids, index=ids.index("mobilenet_v2"), key="adv_model",
                                   format_func=lambda m: imagenet.get_spec(m).label)
    try:
        classifier = models.imagenet_classifier(model_id)
    except DemoError as error:
        show_error(error)
        return None
    image = image_input("adv", t("adversarial.source"), {s: t(f"imagenet.source.{s}") for s in INPUT_SOURCES},
                        samples=imagenet.list_samples(), max_side=WORKING_SIDE)
    chosen = settings(classifier)
    if image is None:
        st.info(t("adversarial.empty"), icon=":material/image_search:")
        return None
    return model_id, classifier, image, chosen


def show_attack(job: Job, model_id: str, classifier: imagenet.Classifier) -> None:
    """Progress while it runs; then the photo, the perturbation and the adversarial photo, and both top-5."""
    record = job.state.get("record")
    queue.status(job, key="adv_cancel", running_text=record and t(
        "adversarial.progress", step=record["step"], steps=record["steps"], seconds=decimal(record["seconds"], ".1f")))
    result: adv.AttackResult | None = job.result if job.status in (DONE, STOPPED) else None
    original = st.session_state.get("adv_original")
    if result is None or original is None:
        return
    width = min(250, round(180 * original.width / original.height)) if present() else "stretch"
    columns = st.columns(3)
    columns[0].image(original, width=width, caption=t("adversarial.original", cls=result.before[0].class_name,
                                                       p=decimal(result.before[0].probability, ".0%")))
    columns[1].image(result.perturbation_view(original, GAIN), width=width,
                     caption=t("adversarial.perturbation", gain=GAIN, eps=round(result.epsilon * 255)))
    with columns[2], st.container(key="adv_result"):
        st.image(result.image, width=width, caption=t("adversarial.adversarial", cls=result.after[0].class_name,
                                                      p=decimal(result.after[0].probability, ".0%")))
    verdict = "fooled" if result.fooled else "resisted"
    st.markdown(t(f"adversarial.{verdict}", before=result.before[0].class_name, after=result.after[0].class_name,
                  ratio=decimal(result.relative_l2, ".1e"), seconds=decimal(result.seconds, ".1f")))
    before_col, after_col = st.columns(2)
    before_col.markdown(f"**{t('adversarial.before')}**")
    before_col.dataframe(top5_rows(result.before), hide_index=True, width="stretch")
    after_col.markdown(f"**{t('adversarial.after')}**")
    after_col.dataframe(top5_rows(result.after), hide_index=True, width="stretch")
    st.download_button(t("adversarial.download"), to_png(result.image), file_name="adversarial.png",
                       mime="image/png", icon=":material/download:", key="adv_png")
    survival(result, classifier)
    transfer(result, model_id)


def survival(result: adv.AttackResult, classifier: imagenet.Classifier) -> None:
    """Does it survive? The downloaded PNG read again (lossless: it does), and the same photo sent as a JPEG."""
    st.subheader(t("adversarial.survive.title"))
    columns = st.columns(2)
    for column, file_format in zip(columns, ("PNG", "JPEG")):
        try:
            top = imagenet.classify(adv.saved_and_read(result.image, file_format), classifier, k=adv.attacks.TOP,
                                    alive=queue.visitor_alive()).predictions
        except DemoError as error:
            show_error(error)
            return
        verdict = "fooled" if result.holds(top) else "resisted"
        column.markdown(t(f"adversarial.survive.{file_format.lower()}.{verdict}", cls=top[0].class_name,
                          p=decimal(top[0].probability, ".0%")))
        column.dataframe(top5_rows(top), hide_index=True, width="stretch")


def transfer(result: adv.AttackResult, model_id: str) -> None:
    """Does the adversarial photo fool another network? The honest answer, usually: not at this ε."""
    st.subheader(t("adversarial.transfer.title"))
    here = [m for m in imagenet.SPECS if m != model_id and weights.status(imagenet.get_spec(m).artifact_id) != "missing"]
    if not here and weights.offline():
        st.info(t("adversarial.transfer.none"), icon=":material/info:")
        return
    others = here + [m for m in imagenet.SPECS if m != model_id and m not in here]   # those here first
    other = st.selectbox(t("adversarial.transfer.model"), others, key="adv_transfer",
                         format_func=lambda m: imagenet.get_spec(m).label + missing_mark(imagenet.get_spec(m).artifact_id))
    try:
        classifier = models.imagenet_classifier(other)
        top = imagenet.classify(result.image, classifier, k=1, alive=queue.visitor_alive()).predictions[0]
    except DemoError as error:
        show_error(error)
        return
    same = top.class_index == result.before[0].class_index
    st.markdown(t("adversarial.transfer.resisted" if same else "adversarial.transfer.fooled",
                  model=imagenet.get_spec(other).label, cls=top.class_name))


def digit_attack() -> None:
    st.markdown(t("adversarial.digit.explain"))
    left, right = st.columns([1, 2], gap="large")
    with left:
        drawing = drawn_digit("adv_canvas")
    with right:
        eps_col, goal_col = st.columns(2)
        epsilon = eps_col.slider(t("adversarial.digit.epsilon"), 0.05, 0.5, adv.MNIST_EPSILON, 0.05, key="adv_digit_eps")
        target = goal_col.selectbox(t("adversarial.goal"), [None, *range(10)], key="adv_digit_target",
                                    format_func=lambda d: t("adversarial.goal.leave") if d is None else str(d))
        if drawing is None:
            st.info(t("adversarial.digit.empty"), icon=":material/draw:")
            return
        network = models.mnist_model()
        reading = mnist.read(drawing, network, alive=queue.visitor_alive())
        if reading.blank:
            st.info(t("adversarial.digit.empty"), icon=":material/draw:")
            return
        try:
            result = adv.attack_digit(reading.digit, network, epsilon=float(epsilon), steps=20, target=target)
        except DemoError as error:
            show_error(error)
            return
        pictures = st.columns(3)
        delta = np.clip(0.5 + (result.digit - reading.digit), 0, 1)
        for column, picture, key in zip(pictures, (reading.digit, delta, result.digit),
                                        ("original", "perturbation", "adversarial")):
            column.image(upscale((picture * 255).astype(np.uint8), 6), width="stretch",
                         caption=t(f"adversarial.digit.{key}"))
        st.markdown(t("adversarial.digit.read", before=int(result.before.argmax()), after=int(result.after.argmax()),
                      p=decimal(float(result.after.max()), ".0%")))
        plot(digit_probabilities(result.after, t("mnist.digit"), t("mnist.probability"), height=220),
             width="stretch", config={"displayModeBar": False}, key="adv_digit_chart")


page_header("adversarial")
photo_tab, digit_tab = st.tabs([t("adversarial.tab.photo"), t("adversarial.tab.digit")])
with photo_tab:
    photo_attack()
with digit_tab:
    digit_attack()
