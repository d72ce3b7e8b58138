"""Home: what the app is, one card per demo, the device, and what is ready offline."""
import streamlit as st

from demos import weights
from demos.device import describe_device
from ui.common import t
from ui.pages import DEMO_PAGES

st.title(t("home.title"))
st.markdown(t("home.intro"))
st.caption(t("common.device", device=describe_device()))

for row_start in range(0, len(DEMO_PAGES), 3):
    for column, page in zip(st.columns(3), DEMO_PAGES[row_start:row_start + 3]):
        with column.container(border=True):
            st.subheader(t(f"{page.demo}.nav"))
            st.markdown(t(f"{page.demo}.card"))
            st.page_link(page.path, label=t("home.open"), icon=page.icon)

st.header(t("home.readiness"))
st.markdown(t("home.readiness_help"))
rows = weights.readiness()
st.dataframe(
    [{t("home.col.demo"): t(f"{d['demo']}.nav"), t("home.col.ready"): f"{d['ready']} / {d['total']}",
      t("home.col.to_download"): weights.human_size(d["missing_bytes"]) if d["missing_bytes"] else "—"}
     for d in weights.readiness_by_demo(rows)],
    hide_index=True, width="stretch",
)
with st.expander(t("home.files"), icon=":material/folder_open:"):
    st.dataframe(
        [{t("home.col.demo"): t(f"{r['demo']}.nav"), t("home.col.file"): r["description"],
          t("home.col.status"): t(f"weights.status.{r['status']}"), t("home.col.size"): weights.human_size(r["size"]),
          t("home.col.license"): r["license"]} for r in rows],
        hide_index=True, width="stretch",
    )
