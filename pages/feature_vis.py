"""Demo: what a neuron wants. The picture that most excites a class, a channel or a unit (activation maximisation)."""
from __future__ import annotations

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import streamlit as st

from demos import feature_vis as fv, imagenet, weights
from demos.errors import DemoError
from demos.feature_vis.gallery import GALLERY_CHANNELS, LECTURE_CLASSES, gallery
from demos.images import to_png
from demos.jobs import DONE, STOPPED, Job
from ui import models, queue
from ui.common import decimal, labels, missing_mark, page_header, present, show_error, t

JOB = "feature_vis_job"          # session state: the visitor's picture (or grid) in the server's queue
KINDS = ("class", "channel", "unit")
SIZES = (128, 160, 224)
GRID = len(GALLERY_CHANNELS)     # channels in a grid: as many as in the gallery's rows


def choose_model() -> str:
    """The network: VGG16 as in the lecture when it is here, else the first one here (MobileNetV2 usually)."""
    ids = list(imagenet.SPECS)
    here = [m for m in ids if weights.status(imagenet.get_spec(m).artifact_id) != "missing"]
    default = "vgg16" if "vgg16" in here or not here else ("mobilenet_v2" if "mobilenet_v2" in here else here[0])
    return st.selectbox(t("feature_vis.model"), ids, index=ids.index(default), key="fv_model",
                        format_func=lambda m: imagenet.get_spec(m).label + missing_mark(imagenet.get_spec(m).artifact_id))


def choose_target(classifier: imagenet.Classifier) -> dict:
    """What to maximise, the lecture's presets by default: King crab; conv layer 4 (VGG16) or a third of the way
    in; the centre unit of the last conv layer."""
    kind = st.segmented_control(t("feature_vis.kind"), KINDS, default="class", key="fv_kind",
                                format_func=labels("feature_vis.kind", KINDS), help=t("feature_vis.kind_help"))
    kind = kind or "class"
    if kind == "class":
        classes = [*LECTURE_CLASSES, *(c for c in range(len(classifier.categories)) if c not in LECTURE_CLASSES)]
        target = st.selectbox(t("feature_vis.class"), classes, key="fv_class",
                              format_func=lambda c: f"{classifier.categories[c]} ({c})")
        return {"target_class": target}
    layers = fv.conv_layers(classifier.module)
    preset = len(layers) if kind == "unit" else (4 if classifier.id == "vgg16" else max(1, len(layers) // 3))
    layer = st.slider(t("feature_vis.layer", n=len(layers)), 1, len(layers), preset, key=f"fv_layer_{kind}",
                      help=t("feature_vis.layer_help"))
    channels = layers[layer - 1][1].out_channels
    channel = st.number_input(t("feature_vis.channel", last=channels - 1), 0, channels - 1, 0, key="fv_channel")
    return {"layer": int(layer), "channel": int(channel), "unit": kind == "unit"}


def make_one(classifier: imagenet.Classifier, target: dict, steps: int, size: int) -> None:
    def work(job: Job) -> dict:
        def show(record: dict) -> None:
            job.report(record["step"] / record["steps"], record=record)

        picture = fv.visualise(classifier, **target, steps=steps, size=size, callback=show, should_stop=job.should_stop)
        answer = imagenet.classify(picture, classifier, k=1).predictions[0] if "target_class" in target else None
        return {"pictures": [picture], "answer": answer}

    queue.submit(JOB, work, kind="feature-vis")


def make_grid(classifier: imagenet.Classifier, target: dict, steps: int) -> None:
    """Channels c … c + 5 of the chosen layer, smaller and in half the steps: a row like the gallery's."""
    first = min(target["channel"], fv.conv_layers(classifier.module)[target["layer"] - 1][1].out_channels - GRID)

    def work(job: Job) -> dict:
        pictures = []
        for i in range(GRID):
            if job.should_stop():
                break
            pictures.append(fv.visualise(classifier, layer=target["layer"], channel=max(0, first) + i,
                                         unit=target["unit"], steps=max(1, steps // 2), size=128,
                                         should_stop=job.should_stop))
            job.report((i + 1) / GRID, record={"done": i + 1, "pictures": list(pictures)})
        return {"pictures": pictures, "answer": None, "first": max(0, first)}

    queue.submit(JOB, work, kind="feature-vis-grid")


def show_job(job: Job, classifier: imagenet.Classifier) -> None:
    record = job.state.get("record") or {}
    running = t("feature_vis.progress", step=record["step"], steps=record["steps"],
                seconds=decimal(record["seconds"], ".0f")) if "step" in record else None
    queue.status(job, key="fv_stop", cancel_label=t("feature_vis.stop"), running_text=running)
    finished = job.status in (DONE, STOPPED) and job.result is not None
    pictures = job.result["pictures"] if finished else record.get("pictures") or (
        [record["image"]] if "image" in record else [])
    if not pictures:
        return
    width = 330 if present() else 420
    with st.container(key="fv_result"):
        if job.kind != "feature-vis-grid":
            caption = "feature_vis.preview" if not finished else f"feature_vis.{job.status}"
            st.image(pictures[0], width=width, caption=t(caption, step=record.get("step", 0)))
        else:
            first = (job.result or {}).get("first", 0)
            for column, (i, picture) in zip(st.columns(GRID), enumerate(pictures)):
                column.image(picture, width="stretch", caption=t("feature_vis.channel_caption", c=first + i))
    if not finished:
        return
    answer = job.result["answer"]
    if answer is not None:
        st.markdown(t("feature_vis.answer", model=classifier.spec.label, cls=answer.class_name,
                      p=decimal(answer.probability, ".1%")))
    if len(pictures) == 1:
        st.download_button(t("feature_vis.download"), to_png(pictures[0]), file_name="what_a_neuron_wants.png",
                           mime="image/png", icon=":material/download:", on_click="ignore", key="fv_png")


def live_tab() -> None:
    # projected: the controls on the left third, the picture beside them (1280×720); on a laptop, more room for them
    controls, results = st.columns([1, 2] if present() else [2, 3], gap="large")
    with controls:
        model_id = choose_model()
        try:
            classifier = models.imagenet_classifier(model_id)
        except DemoError as error:
            show_error(error)
            st.info(t("feature_vis.see_gallery"), icon=":material/photo_library:")
            return
        target = choose_target(classifier)
        steps = st.select_slider(t("feature_vis.steps"), [32, 64, 128, 256, 512], 256, key="fv_steps",
                                 help=t("feature_vis.steps_help"))
        size = st.segmented_control(t("feature_vis.size"), SIZES, default=224, key="fv_size",
                                    format_func=lambda s: f"{s}²") or 224
        if st.button(t("feature_vis.go"), type="primary", icon=":material/auto_awesome:", key="fv_go"):
            make_one(classifier, target, int(steps), int(size))
        if "layer" in target and st.button(t("feature_vis.grid", n=GRID), icon=":material/grid_view:", key="fv_grid"):
            make_grid(classifier, target, int(steps))
    with results:
        if queue.current(JOB) is None:
            st.info(t("feature_vis.empty"), icon=":material/auto_awesome:")
        queue.follow(JOB, lambda job: show_job(job, classifier))


def gallery_tab() -> None:
    pictures = gallery("mobilenet_v2")
    if not pictures:
        st.info(t("feature_vis.gallery.none"), icon=":material/info:")
        return
    st.markdown(t("feature_vis.gallery.explain", steps=pictures[0].steps, size=pictures[0].size))
    classes = [p for p in pictures if p.target_class is not None]
    for column, picture in zip(st.columns(len(classes)), classes):
        column.image(picture.image(), width="stretch", caption=t(
            "feature_vis.gallery.class", cls=LECTURE_CLASSES[picture.target_class],
            p=decimal(picture.probability or 0.0, ".1%")))
    for layer in sorted({p.layer for p in pictures if p.layer is not None}):
        row = [p for p in pictures if p.layer == layer]
        st.markdown(t("feature_vis.gallery.layer", layer=layer, size=row[0].size, steps=row[0].steps))
        for column, picture in zip(st.columns(len(row)), row):
            column.image(picture.image(), width="stretch", caption=t("feature_vis.channel_caption", c=picture.channel))


page_header("feature_vis")
live, shown = st.tabs([t("feature_vis.tab.live"), t("feature_vis.tab.gallery")])
with live:
    live_tab()
with shown:
    gallery_tab()
