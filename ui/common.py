"""Language, device badge, page header and error display, the same on every page."""
from __future__ import annotations

import secrets
from typing import Callable, TypeVar

import streamlit as st
import torch

from demos import cluster, i18n, weights
from demos.device import describe_device, pick_device, refused_device
from demos.errors import DemoError

T = TypeVar("T")


PRESENT = "present"   # session state and query parameter of the projection mode

# Projection mode: one fixed stylesheet (never built from user input). Larger
# text, black on white with darker greys, tighter spacing so that each demo's
# main interaction fits a 1280×720 projector without scrolling.
PROJECTION_CSS = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 3.4rem; padding-bottom: 2rem}
[data-testid="stMain"] [data-testid="stVerticalBlock"] {gap: 0.55rem}
[data-testid="stMain"] h1 {font-size: 2.3rem; padding: 0 0 0.2rem 0; color: #000}
[data-testid="stMain"] h2 {font-size: 1.9rem; padding: 0.3rem 0 0.2rem 0; color: #000}
[data-testid="stMain"] h3 {font-size: 1.55rem; padding: 0.2rem 0 0.1rem 0; color: #000}
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li {font-size: 1.22rem; color: #000}
[data-testid="stMain"] [data-testid="stWidgetLabel"] p {font-size: 1.1rem; font-weight: 600; color: #000}
[data-testid="stMain"] [data-testid="stCaptionContainer"] {opacity: 1; color: #1a1a1a}
[data-testid="stMain"] [data-testid="stCaptionContainer"] p,
[data-testid="stMain"] [data-testid="stImageCaption"] {font-size: 1.05rem; color: #1a1a1a; opacity: 1}
[data-testid="stMain"] button p {font-size: 1.08rem; font-weight: 600}
[data-testid="stMain"] [data-testid="stButtonGroup"] button p {font-size: 1rem}
[data-testid="stMain"] .stMarkdownEllipsis, [data-testid="stMain"] .stMarkdownEllipsis * {white-space: normal;
  overflow: visible; text-overflow: clip}
[data-testid="stMain"] [data-baseweb="select"] div, [data-testid="stMain"] input {font-size: 1.08rem; color: #000}
[data-testid="stMain"] [data-testid="stMetricLabel"] * {font-size: 1.1rem; color: #000; white-space: normal;
  overflow: visible; text-overflow: clip}
[data-testid="stMain"] [data-testid="stMetricValue"] {color: #000; font-size: 2.6rem}
[data-testid="stMain"] [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {font-size: inherit}
[data-testid="stMain"] [data-testid="stSliderThumbValue"] p {font-size: 1.05rem; color: #000}
[data-testid="stMain"] [data-testid="stTab"] p {font-size: 1.2rem; font-weight: 600; color: #000}
[data-testid="stMain"] [data-testid="stExpander"] summary p {font-size: 1.12rem; font-weight: 600}
[data-testid="stMain"] a {color: #0030b0}
[data-testid="stMain"] [data-testid="stAlertContainer"] p {color: #000}
</style>"""


# While a live run updates its chart or picture, Streamlit greys the previous one out ("stale") until the next
# arrives: on a projector the chart would blink at every update.
LIVE_CSS = """<style>
[data-testid="stElementContainer"][data-stale="true"]:has([data-testid="stPlotlyChart"], [data-testid="stImage"]) {
  opacity: 1 !important; transition: none !important}
</style>"""


def lang() -> str:
    """The visitor's language: remembered in the session, first taken from ``?lang=``."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = i18n.normalise_language(st.query_params.get("lang"))
    return st.session_state["lang"]


def t(key: str, **params: object) -> str:
    """The text for ``key`` in the visitor's language."""
    return i18n.translate(key, lang(), **params)


def labels(prefix: str, options) -> Callable[[object], str]:
    """A ``format_func`` for a choice widget: ``t(f"{prefix}.{option}")``, translated now.

    Translated during the script run, because AppTest calls format_func
    outside the session, where :func:`t` cannot see the visitor's language.
    """
    texts = {option: t(f"{prefix}.{option}") for option in options}
    return lambda option: texts.get(option, str(option))


def present() -> bool:
    """Whether the page is in projection mode: remembered in the session, first taken from ``?present=1``."""
    if PRESENT not in st.session_state:
        st.session_state[PRESENT] = st.query_params.get(PRESENT, "").strip().lower() in ("1", "true", "yes", "on")
    return bool(st.session_state[PRESENT])


def device_label() -> str:
    """Where the networks run, in the visitor's language: ``GPU · NVIDIA H100``, ``CPU · 2 threads``.

    When ``DLDEMOS_DEVICE`` asked for a device this machine lacks, the label says so (the lecturer sees why
    the demo is slower than on the GPU they expected).
    """
    threads = torch.get_num_threads()
    cpu = t("common.cpu_one") if threads == 1 else t("common.cpu", threads=threads)
    label = cpu if pick_device().type == "cpu" else describe_device()
    refused = refused_device()
    if refused is not None:
        asked, reason = refused
        label += " " + t("common.device_refused", asked=asked, reason=t(f"common.device_refused.{reason}"))
    if cluster.address():   # DLDEMOS_RAY_ADDRESS: say whether the cluster serves, or why the machine does
        cluster.connect()
        status = cluster.status()
        label += " " + (t("common.cluster.ray", address=status.address) if status.backend == "ray"
                        else t("common.cluster.fallback", address=status.address,
                               reason=t(status.why[0], **status.why[1]) if status.why[0] else status.reason))
    return label


def size(n: int | None) -> str:
    """A file size in the visitor's language (``12.3 MB``, ``12,3 Mo``)."""
    return weights.human_size(n, lang())


def describe(artifact_id: str) -> str:
    """What a catalogue file is, in the visitor's language."""
    return weights.describe(artifact_id, lang())


# Raw texts inside some messages (an exception's wording, an errno): for whoever debugs, in English, so they
# are folded under "Details" instead of being read out to the room in the middle of a sentence.
RAW_DETAILS = ("reason", "detail")


def mid_sentence(text: str) -> str:
    """``text`` as it reads inside a sentence: "Poids ImageNet de VGG16" → "poids ImageNet de VGG16".

    Only a plain capitalised first word is lowered: "ImageNet" and "MNIST" keep their capitals.
    """
    first = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if len(first) > 1 and first[1:].islower() else text


def error_text(error: DemoError, fold: bool = False) -> str:
    """A DemoError's message in the visitor's language (a missing file's name and size too).

    ``fold``: the raw details (:data:`RAW_DETAILS`) replaced by "see the details below".
    """
    params = dict(error.params)
    if fold:
        params.update({k: t("common.see_details") for k in RAW_DETAILS if params.get(k)})
    if params.get("artifact") in weights.CATALOGUE:
        # "{Description} is not here" starts a sentence; "the download of {description}" is inside one
        params["Description"] = describe(params["artifact"])
        params["description"] = mid_sentence(params["Description"])
        params["size"] = size(weights.get(params["artifact"]).size)
    return t(error.key, **params)


def missing_mark(artifact_id: str) -> str:
    """What a menu shows after a file that is not here: "" (here), " ⬇️" (downloaded on first use) or
    " · to copy" (no network now, or only published by hand: ``python -m demos.fetch --import``).

    Words rather than an emoji for the second: a projector's browser may have no emoji font."""
    if weights.status(artifact_id) != "missing":
        return ""
    return " ⬇️" if weights.get(artifact_id).urls and not weights.offline() else f" · {t('common.to_copy')}"


def show_error(error: DemoError) -> None:
    """Show a DemoError as a readable message, never a traceback; raw details folded underneath."""
    raw = [str(error.params[k]) for k in RAW_DETAILS if error.params.get(k)]
    st.error(error_text(error, fold=bool(raw)), icon=":material/error:")
    if raw:
        with st.expander(t("common.details"), icon=":material/info:"):
            st.code("\n".join(raw), language=None)


def _leave_legacy_navigation() -> None:
    """Run a deep-linked page through app.py, even as the server's very first visit.

    While no session has called ``st.navigation`` yet, Streamlit treats the
    ``pages/`` folder the old way and runs ``/mnist`` as a bare script, with
    neither our navigation nor the language switch. Rerunning fixes that for good.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_header(demo: str):
    """Title, the lecture-tied introduction and the device of a demo page.

    In projection mode the introduction folds into an expander, so that the
    demo itself fits on the screen. Returns the container of the introduction:
    a page may add to it (a formula, a citation) and it folds with the rest.
    """
    _leave_legacy_navigation()
    st.title(t(f"{demo}.title"))
    box = st.expander(t("common.about"), icon=":material/school:") if present() else st.container()
    intro = box.container()
    intro.markdown(t(f"{demo}.intro"))
    box.caption(t("common.device", device=device_label()))
    return intro


def language_selector() -> None:
    """Sidebar switch between French and English (also ``?lang=fr|en``)."""
    lang()
    st.sidebar.segmented_control(
        t("common.language"), options=list(i18n.LANGUAGES), key="lang",
        format_func=lambda code: {"fr": "Français", "en": "English"}[code],
    )
    if st.session_state.get("lang") is None:   # clicking the selected option again clears it
        st.session_state["lang"] = i18n.DEFAULT_LANGUAGE
    st.query_params["lang"] = st.session_state["lang"]


def projection_toggle() -> None:
    """Sidebar switch of the projection mode (also ``?present=1``), and its stylesheet when on."""
    present()
    st.sidebar.toggle(t("common.present"), key=PRESENT, help=t("common.present_help"))
    st.html(LIVE_CSS)
    if st.session_state[PRESENT]:
        st.query_params[PRESENT] = "1"
        st.html(PROJECTION_CSS)
    elif PRESENT in st.query_params:
        del st.query_params[PRESENT]


def memo(name: str, key: tuple, compute: Callable[[], T]) -> T:
    """The visitor's last result of ``compute`` under ``name``, computed again only when ``key`` changes.

    Every click reruns the page: moving a slider beside a result must not compute the result again.
    Only the latest result per name is kept, in the visitor's session.
    """
    store = st.session_state.setdefault("_memo", {})
    if name not in store or store[name][0] != key:
        store[name] = (key, compute())
    return store[name][1]


def number(n: int) -> str:
    """An integer as the visitor's language writes it (12,345 / 12 345)."""
    return i18n.format_number(n, lang())


def decimal(x: float, spec: str = "g") -> str:
    """``x`` formatted by ``spec`` with the visitor's decimal mark (0.12 / 0,12)."""
    return i18n.format_decimal(x, spec, lang())


def decimal_format(spec: str = "g") -> Callable[[float], str]:
    """:func:`decimal` bound to this run's language: a widget's ``format_func`` (called outside the run too)."""
    language = lang()
    return lambda x: i18n.format_decimal(x, spec, language)


def percent(share: float) -> str:
    """A share as a percentage with two significant digits, in the visitor's language."""
    return i18n.format_percent(share, lang())


def duration(seconds: float) -> str:
    """A short duration as the visitor's language writes it: ``850 ms``, ``2.41 s`` / ``2,41 s``."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{decimal(seconds, '.2f')} s"


def new_seed(name: str, maximum: int) -> None:
    """Button callback: a fresh random value in [0, maximum] for the seed ``name`` (never the current one)."""
    current = st.session_state.get(name)
    value = current
    while value == current:
        value = secrets.randbelow(maximum + 1)
    st.session_state[name] = value
