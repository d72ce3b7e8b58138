"""Demo: what does a pretrained ImageNet network see? Top-15 as in the lecture, compare, Grad-CAM."""

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import plotly.graph_objects as go
import streamlit as st

from demos import imagenet, weights
from demos.errors import DemoError
from demos.images import image_digest, to_png
from ui import models, queue
from ui.charts import plot
from ui.common import decimal, missing_mark, page_header, present, show_error, size, t
from ui.inputs import SOURCES as INPUT_SOURCES, image_input

# A phone photo is decoded at most this large: the networks see 224–256 px and the page shows 640, so a
# 12-megapixel photo decoded whole would only cost time and memory (JPEGs decode directly at 1/2, 1/4...),
# and each visitor's session keeps its decoded photo.
WORKING_SIDE = 640
NO_COMPARISON = "none"


def model_label(model_id: str) -> str:
    """``AlexNet · 233.1 MB`` plus ⬇️ (downloaded on first use) or "to copy" (no network) when not here."""
    spec = imagenet.get_spec(model_id)
    return f"{spec.label} · {size(spec.size_bytes)}" + missing_mark(spec.artifact_id)


def first_model() -> str:
    """The lecture's AlexNet, unless it is not here and cannot be downloaded: then the first network here that
    loads (an offline laptop with only MobileNetV2 opens on a result, not on a red error)."""
    if weights.status(imagenet.get_spec(imagenet.DEFAULT_MODEL).artifact_id) != "missing" or not weights.offline():
        return imagenet.DEFAULT_MODEL
    for model_id in imagenet.SPECS:
        if weights.status(imagenet.get_spec(model_id).artifact_id) == "missing":
            continue
        try:
            models.imagenet_classifier(model_id)   # loaded once and kept: the page needs it next anyway
        except DemoError:                          # a broken copy: its message shows if the visitor picks it
            continue
        return model_id
    return imagenet.DEFAULT_MODEL


def choose_image():
    # Labels computed here, not in format_func: Streamlit may call it outside this run (AppTest does).
    return image_input("imagenet", t("imagenet.source"), {s: t(f"imagenet.source.{s}") for s in INPUT_SOURCES},
                       samples=imagenet.list_samples(), max_side=WORKING_SIDE)


def score_chart(result: imagenet.Result, height: int = 440) -> go.Figure:
    """Horizontal bars of the raw scores, best at the top, probabilities as labels."""
    rows = result.predictions[::-1]   # plotly draws the first bar at the bottom
    fig = go.Figure(go.Bar(
        x=[p.score for p in rows], y=[f"#{len(rows) - i} {p.class_name}" for i, p in enumerate(rows)],
        orientation="h", marker_color=["#e4572e" if p is result.predictions[0] else "#4c78a8" for p in rows],
        text=[f"{decimal(p.score, '.2f')} · {decimal(p.probability, '.1%')}" for p in rows], textposition="auto",
        hovertemplate="%{y}<br>" + t("imagenet.col.score") + " %{x:.2f}<extra></extra>",
    ))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), xaxis_title=t("imagenet.col.score"),
                      yaxis=dict(type="category", automargin=True))
    return fig


def lecture_printout(result: imagenet.Result) -> str:
    """The lecture's own printout: ``#1 (12.26) Weimaraner``."""
    return "\n".join(f"#{rank} ({p.score:.2f}) {p.class_name}" for rank, p in enumerate(result.predictions, 1))


def table_rows(result: imagenet.Result) -> list[dict]:
    return [{t("imagenet.col.rank"): rank, t("imagenet.col.score"): round(p.score, 2),
             t("imagenet.col.class"): p.class_name, t("imagenet.col.probability"): p.probability,
             t("imagenet.col.index"): p.class_index}
            for rank, p in enumerate(result.predictions, 1)]


def csv_bytes(result: imagenet.Result) -> bytes:
    lines = ["rank,class_index,class_name,score,probability"]
    lines += [f'{rank},{p.class_index},"{p.class_name}",{p.score:.4f},{p.probability:.6f}'
              for rank, p in enumerate(result.predictions, 1)]
    return ("\n".join(lines) + "\n").encode()


def show_result(result: imagenet.Result, key: str, wide: bool) -> None:
    """Time, chart and table; chart and table side by side when the panel has the page's whole width.

    Projected, the 15 bars fill the panel beside the photo (on a 720-pixel screen) and the table folds away.
    """
    st.caption(t("imagenet.time", total=decimal(result.total_ms, ".0f"),
                 preprocess=decimal(result.preprocess_ms, ".0f"),
                 forward=decimal(result.forward_ms, ".0f")))
    if present() and wide:
        plot(score_chart(result, height=410), width="stretch", config={"displayModeBar": False},
             key=f"{key}_chart")
        with st.expander(t("imagenet.table"), icon=":material/table:"):
            show_table(result, key)
        return
    chart_area, table_area = st.columns(2, gap="large") if wide else (st.container(), st.container())
    plot(score_chart(result), where=chart_area, width="stretch", config={"displayModeBar": False},
         key=f"{key}_chart")
    with table_area:
        show_table(result, key)


def show_table(result: imagenet.Result, key: str) -> None:
    # Tall enough for all 15 rows (35 px each, plus the header): no scrolling in front of a class.
    st.dataframe(table_rows(result), hide_index=True, width="stretch", height=16 * 35 + 3, key=f"{key}_table",
                 column_config={
                     t("imagenet.col.rank"): st.column_config.NumberColumn(width=40),
                     # wide enough for "Labrador retriever", "German short-haired pointer": no name cut off
                     t("imagenet.col.class"): st.column_config.TextColumn(width=250),
                     t("imagenet.col.score"): st.column_config.NumberColumn(width=60, format="%.2f"),
                     t("imagenet.col.probability"): st.column_config.ProgressColumn(
                         format="percent", min_value=0, max_value=1, width=110),
                     t("imagenet.col.index"): st.column_config.NumberColumn(width=55)})
    with st.expander(t("imagenet.printout"), icon=":material/terminal:"):
        st.code(lecture_printout(result), language=None)
    st.download_button(t("imagenet.download_csv"), csv_bytes(result), file_name=f"top15_{key}.csv",
                       mime="text/csv", icon=":material/download:", key=f"{key}_csv")


def run_one(image, model_id: str, normalisation: str, key: str, wide: bool) -> imagenet.Result | None:
    """One panel: the model's top-15 on the image, or the reason it cannot run (the page goes on)."""
    st.subheader(imagenet.get_spec(model_id).label)
    st.caption(t(f"imagenet.norm.{normalisation}"))
    try:
        classifier = models.imagenet_classifier(model_id)
    except DemoError as error:
        show_error(error)
        return None
    try:   # through the inference service: batched with the other visitors' photos, cached per photo
        result = imagenet.classify(image, classifier, imagenet.TOP_K, normalisation, digest=image_digest(image),
                                   alive=queue.visitor_alive())
    except DemoError as error:
        show_error(error)
        return None
    if result.flat:
        st.info(t("imagenet.flat"), icon=":material/format_color_fill:")
    show_result(result, key, wide)
    return result


DISPLAY_SIDE = 640   # px: the photo is never shown larger, so neither encoded nor overlaid larger


def for_display(image):
    """A copy at most DISPLAY_SIDE on its longer side: what the browser is sent, and what Grad-CAM colours."""
    if max(image.size) <= DISPLAY_SIDE:
        return image
    shown = image.copy()
    shown.thumbnail((DISPLAY_SIDE, DISPLAY_SIDE))
    return shown


def where_it_looks(image, model_id: str, result: imagenet.Result) -> None:
    st.header(t("imagenet.cam.title"))
    st.markdown(t("imagenet.cam.explain", model=imagenet.get_spec(model_id).label))
    choice, method_col = st.columns(2)
    chosen = choice.selectbox(t("imagenet.cam.class"), result.predictions, key="imagenet_cam_class",
                              format_func=lambda p: f"{p.class_name} ({p.score:.2f})")
    labels = {m: t(f"imagenet.cam.method.{m}") for m in imagenet.METHODS}
    method = method_col.segmented_control(t("imagenet.cam.method"), list(imagenet.METHODS), default="gradcam",
                                          key="imagenet_cam_method", format_func=labels.__getitem__) or "gradcam"
    if chosen is None:
        return
    classifier = models.imagenet_classifier(model_id)
    picture = for_display(image)
    try:
        with st.spinner(t("imagenet.cam.computing")):
            heat = imagenet.heatmap(picture, classifier, chosen.class_index, method, digest=image_digest(image),
                                    alive=queue.visitor_alive())
    except DemoError as error:
        show_error(error)
        return
    shown = imagenet.overlay(picture, heat, box=imagenet.crop_box(picture.size, classifier))
    left, right = st.columns(2)
    left.image(picture, caption=t("imagenet.cam.original"), width="stretch")
    right.image(shown, caption=t(f"imagenet.cam.{'guided' if method == 'guided' else 'overlay'}",
                                 cls=chosen.class_name), width="stretch")
    st.caption(t("imagenet.cam.crop_note"))
    st.download_button(t("imagenet.cam.download"), lambda: to_png(shown), file_name=f"{method}_{model_id}.png",
                       mime="image/png", icon=":material/download:", key="imagenet_cam_png")


page_header("imagenet")
ids = list(imagenet.SPECS)
labels = {m: model_label(m) for m in ids} | {NO_COMPARISON: t("imagenet.compare.none")}
# Projected: the settings in one row, then the photo beside the whole top 15 (a 1280×720 screen, nothing to scroll).
if present():
    model_col, compare_col, lecture_col = st.columns(3, vertical_alignment="bottom")
    picture, results_area = st.columns([1, 1.5], gap="large")
else:
    picture, settings = st.columns([1, 1], gap="large")
    model_col = compare_col = lecture_col = settings
    results_area = st.container()
with model_col:
    model_id = st.selectbox(t("imagenet.model"), ids, index=ids.index(first_model()), key="imagenet_model",
                            format_func=labels.__getitem__)
with compare_col:
    compare = st.selectbox(t("imagenet.compare"), [NO_COMPARISON, *ids], key="imagenet_compare",
                           format_func=labels.__getitem__)
with lecture_col:
    lecture = st.toggle(t("imagenet.lecture_norm"), key="imagenet_lecture", help=t("imagenet.lecture_norm_help"))
    if not present():
        st.caption(t("imagenet.weights_hint"))
with picture:
    image = choose_image()
    if image is not None:
        # Projected, a shorter picture: the photo shares the screen with the scores (a panorama: at most 600 px wide).
        st.image(for_display(image), width=min(600, max(1, round(260 * image.width / image.height)))
                 if present() else "stretch")

if image is None:
    results_area.info(t("imagenet.empty"), icon=":material/image_search:")
    st.stop()

runs = [(model_id, "standard")]
if lecture:
    runs.append((model_id, "lecture"))
if compare not in (NO_COMPARISON, model_id):
    runs += [(compare, "standard")] + ([(compare, "lecture")] if lecture else [])
results = {}
wide = len(runs) == 1   # one model: the whole width (projected: beside the photo); several: two per row
for row_start in range(0, len(runs), 2):
    panels = [results_area if present() else st.container()] if wide else st.columns(2, gap="large")
    for panel, (run_model, normalisation) in zip(panels, runs[row_start:row_start + 2]):
        with panel:
            results[(run_model, normalisation)] = run_one(image, run_model, normalisation,
                                                          f"{run_model}_{normalisation}", wide)

first = results.get((model_id, "standard"))
if first is not None:
    where_it_looks(image, model_id, first)
