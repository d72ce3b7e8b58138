"""Home: what the app is, one card per demo, the device, and what is ready offline."""

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import streamlit as st

from demos import weights
from ui.common import describe, device_label, size, t
from ui.pages import DEMO_PAGES


def state(d: dict) -> str:
    """Bundled / ready / what is left to download / no file needed."""
    if not d["total"]:
        return t("home.state.none")
    if d["ready"] == d["total"]:
        return t("home.state.bundled" if d["bundled"] else "home.state.ready")
    left = size(d["missing_bytes"]) if d["missing_bytes"] else "?"
    if d["offline"]:     # works already: what is missing is for the extras (training data, samples, more models)
        return t("home.state.extras", size=left)
    return t("home.state.missing_more" if d["missing_unknown"] and d["missing_bytes"] else "home.state.missing",
             size=left)


def offline(d: dict) -> str:
    """Whether the demo's main interaction works with no network now, else what it still needs."""
    if d["offline"]:
        return t("home.offline.yes")
    return t(f"home.offline.needs.{d['demo']}", size=size(d["offline_bytes"] or None))


st.title(t("home.title"))
st.markdown(t("home.intro"))
st.caption(t("common.device", device=device_label()))

# Cards of one row as tall as each other, their links at the bottom (Streamlit sizes each card to its text).
st.html("<style>[data-testid='stLayoutWrapper']:has(> [class*='st-key-card_']) {flex: 1 1 auto}"
        " [class*='st-key-card_'] {height: 100%} [class*='st-key-card_'] > :last-child {margin-top: auto}</style>")
rows = weights.readiness()
readiness = {d["demo"]: d for d in weights.readiness_by_demo(rows)}
for row_start in range(0, len(DEMO_PAGES), 3):
    for column, page in zip(st.columns(3), DEMO_PAGES[row_start:row_start + 3]):
        with column.container(border=True, key=f"card_{page.demo}"):
            st.subheader(t(f"{page.demo}.nav"))
            st.markdown(t(f"{page.demo}.card"))
            if page.demo in readiness:
                st.caption(t("home.card.offline", state=offline(readiness[page.demo])))
            st.page_link(page.path, label=t("home.open"), icon=page.icon)

st.header(t("home.readiness"))
st.markdown(t("home.readiness_help"))


summary = list(readiness.values())
# a static table: its text wraps instead of being cut off at the column's edge
st.table([{t("home.col.demo"): t(f"{d['demo']}.nav"), t("home.col.state"): state(d),
           t("home.col.offline"): offline(d), t("home.col.ready"): f"{d['ready']} / {d['total']}"} for d in summary],
         hide_index=True)
st.caption(t("home.offline_summary", demos=", ".join(t(f"{d['demo']}.nav") for d in summary if d["offline"])))
with st.expander(t("home.files"), icon=":material/folder_open:"):
    st.dataframe(
        [{t("home.col.demo"): t(f"{r['demo']}.nav"), t("home.col.file"): describe(r["id"]),
          t("home.col.status"): t(f"weights.status.{r['status']}"), t("home.col.size"): size(r["size"]),
          t("home.col.license"): r["license"]} for r in rows],
        hide_index=True, width="stretch",
    )
