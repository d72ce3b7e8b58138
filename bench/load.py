"""Load test: N simulated visitors on one real app server, printed as JSON (loopback only, bounded).

    python bench/load.py [--visitors 20] [--seconds 150] [--think 1-3]

Starts ``streamlit run app.py`` on 127.0.0.1 (offline, its own cache), then
opens one Streamlit websocket session per visitor, speaking the browser's own
protocol (protobuf ``BackMsg`` / ``ForwardMsg`` over ``/_stcore/stream``): each
visitor, in its own order, goes to

- **Read a digit** and draws a digit: the drawing canvas's state is sent as the
  browser sends it (a PNG data URL of an MNIST test digit, or a synthetic 7
  without ``../shared/data``); the page must show the digit it read;
- **What does it see?**: picks MobileNetV2 (real weights from
  ``../shared/data/weights`` when present, random ones otherwise) and a random
  photo of the sample gallery (``../shared/data/imagenet-samples``, 122
  photos; a few noise images otherwise); the page must show the top-15 chart;
- **Gradient descent**: moves the starting-point slider to a random value; the
  page must redraw its curve;

then waits 1-3 s (a person reading) and goes on, until ``--seconds`` have
passed. Latency is the time from sending the interaction to the server's
"script finished", per page (what a visitor waits for, minus the browser's
drawing), leaving out the first ``--warmup`` seconds (models loading). An error is any exception shown by the page, any red error message,
an expected element that is missing, a run over 120 s or a dropped connection.
The server's resident memory is sampled every 5 s.

No browser runs (20 headless browsers would need more than 2 cores): this
measures the server, which is what visitors share.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))

MAX_VISITORS = 100
MAX_SECONDS = 600
RUN_TIMEOUT = 120.0
PAGES = ("mnist", "imagenet", "gradient_descent")


# --------------------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(workdir: Path) -> dict[str, str]:
    env = {**os.environ, "DLDEMOS_OFFLINE": "1", "DLDEMOS_CACHE_DIR": str(workdir / "cache"),
           "DLDEMOS_DEVICE": os.environ.get("DLDEMOS_DEVICE", "cpu")}
    env.pop("DLDEMOS_WEIGHTS_DIR", None)
    from demos.imagenet import get_spec

    local = workdir / "weights"
    local.mkdir()
    mobilenet = SHARED / "weights" / "mobilenet_v2_imagenet_dequantized.pth"
    if mobilenet.is_file():
        shutil.copy(mobilenet, local / get_spec("mobilenet_v2").filename)
    else:   # random weights in the official file's place: the same cost
        import torch

        from demos.imagenet import load_classifier

        torch.save(load_classifier("mobilenet_v2", pretrained=False).module.state_dict(),
                   local / get_spec("mobilenet_v2").filename)
    env["DLDEMOS_WEIGHTS_DIR"] = str(local)
    samples = SHARED / "imagenet-samples" / "original"
    if samples.is_dir():
        env["DLDEMOS_SAMPLES_DIR"] = str(samples)
    else:   # one synthetic photo, so the page has something to classify
        from PIL import Image

        folder = workdir / "samples"
        folder.mkdir()
        for i in range(8):
            Image.effect_noise((500, 375), 20 + 10 * i).convert("RGB").save(folder / f"noise{i}.png")
        env["DLDEMOS_SAMPLES_DIR"] = str(folder)
    return env


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--server.runOnSave", "false",
               "--browser.gatherUsageStats", "false"]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("the server did not answer its health check within 120 s")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --------------------------------------------------------------------------- the drawings

def digit_pngs(count: int = 50) -> list[bytes]:
    """PNG data URLs of drawn digits, 280×280 RGBA white on black, as the canvas sends them."""
    import numpy as np
    from PIL import Image, ImageDraw

    digits = []
    try:
        from demos.mnist.data import load_mnist

        images, _ = load_mnist("test", SHARED / "mnist" / "MNIST" / "raw")
        digits = [np.asarray(Image.fromarray(images[i]).resize((200, 200), Image.Resampling.BILINEAR))
                  for i in range(count)]
    except Exception:   # no shared data: a synthetic 7
        canvas = Image.new("L", (200, 200))
        ImageDraw.Draw(canvas).line([(40, 30), (160, 30), (80, 180)], fill=255, width=18)
        digits = [np.asarray(canvas)]
    urls = []
    for digit in digits:
        rgba = np.zeros((280, 280, 4), np.uint8)
        rgba[30:230, 50:250, :3] = digit[..., None]
        rgba[..., 3] = 255
        buffer = io.BytesIO()
        Image.fromarray(rgba, "RGBA").save(buffer, "PNG")
        urls.append("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode())
    return urls


# --------------------------------------------------------------------------- one visitor

class Visitor:
    """One browser tab, as the server sees it: a websocket session sending reruns with widget states."""

    def __init__(self, number: int, port: int, drawings: list[str], seconds_think: tuple[float, float],
                 pages: tuple[str, ...] = PAGES) -> None:
        self.number = number
        self.pages = pages
        self.port = port
        self.drawings = drawings
        self.think = seconds_think
        self.rng = random.Random(number)
        self.page_hashes: dict[str, str] = {}
        self.widgets: dict[str, dict[str, object]] = {page: {} for page in PAGES}   # page → id → state
        self.samples: list[dict] = []
        self.errors: list[str] = []
        self.notes: list[str] = []

    async def run(self, deadline: float) -> None:
        from websockets.asyncio.client import connect

        try:
            async with connect(f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                               max_size=None, open_timeout=60, ping_interval=None) as ws:
                self.ws = ws
                order = list(self.pages)
                self.rng.shuffle(order)
                while time.monotonic() < deadline:
                    for page in order:
                        if time.monotonic() >= deadline:
                            break
                        await self.visit(page)
                        await asyncio.sleep(self.rng.uniform(*self.think))
        except Exception as error:   # a dropped connection is an error a visitor sees
            self.errors.append(f"visitor {self.number}: connection: {type(error).__name__}: {error}")

    async def visit(self, page: str) -> None:
        """Open the page (first time only), then do its interaction and time it."""
        if not self.widgets[page]:
            elements = await self.rerun(page, {}, timed=False)
            if elements is None:
                return
            self.learn(page, elements)
        states = dict(self.widgets[page])
        if page == "mnist":
            states[self.canvas] = ("json_value", json.dumps({"drawing": {"raw": {"objects": [],
                                   "background": "#000000"}, "data": self.rng.choice(self.drawings)},
                                   "backgroundFit": None}))
        elif page == "imagenet":   # another photo of the gallery each time, with MobileNetV2
            states[self.model_box] = ("string_value", self.mobilenet_label)
            states[self.sample_box] = ("string_value", self.rng.choice(self.sample_labels))
        else:
            states[self.w0_slider] = ("double_array_value", [round(self.rng.uniform(-3, 3) / 0.05) * 0.05])
        elements = await self.rerun(page, states, timed=True)
        if elements is None:
            return
        kinds = [kind for kind, _ in elements]
        expected = {"mnist": "metric", "imagenet": "plotly_chart", "gradient_descent": "plotly_chart"}[page]
        if expected not in kinds:
            self.errors.append(f"visitor {self.number}: {page}: no {expected} shown")

    def learn(self, page: str, elements: list[tuple[str, object]]) -> None:
        """The widget ids (and the option label) the interactions need, from the page's first run."""
        for kind, element in elements:
            element_id = getattr(element, "id", "")
            if page == "mnist" and kind == "bidi_component" and element_id.endswith("mnist_canvas"):
                self.canvas = element_id
            elif page == "imagenet" and kind == "selectbox" and element_id.endswith("imagenet_model"):
                self.model_box = element_id
                self.mobilenet_label = next(o for o in element.options if o.startswith("MobileNetV2"))
            elif page == "imagenet" and kind == "selectbox" and element_id.endswith("imagenet_sample"):
                self.sample_box, self.sample_labels = element_id, list(element.options)
            elif page == "gradient_descent" and kind == "slider" and element_id.endswith("gd_w0"):
                self.w0_slider = element_id
        needed = {"mnist": "canvas", "imagenet": "sample_box", "gradient_descent": "w0_slider"}[page]
        if not hasattr(self, needed):
            raise RuntimeError(f"{page}: the widget {needed} was not found on the page")
        self.widgets[page] = {"_seen": ("none", None)}

    async def rerun(self, page: str, states: dict, timed: bool) -> list[tuple[str, object]] | None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = BackMsg()
        client = message.rerun_script
        client.query_string = "lang=en"
        client.page_name = page
        client.page_script_hash = self.page_hashes.get(page, "")
        for widget_id, (value_type, value) in states.items():
            if value_type == "none":
                continue
            state = client.widget_states.widgets.add()
            state.id = widget_id
            if value_type == "double_array_value":
                state.double_array_value.data.extend(value)
            else:
                setattr(state, value_type, value)
        start = time.monotonic()
        await self.ws.send(message.SerializeToString())
        elements: list[tuple[str, object]] = []
        while True:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), timeout=max(1.0, start + RUN_TIMEOUT - time.monotonic()))
            except asyncio.TimeoutError:
                self.errors.append(f"visitor {self.number}: {page}: no answer within {RUN_TIMEOUT:.0f} s")
                return None
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "navigation":
                for app_page in msg.navigation.app_pages:
                    self.page_hashes[app_page.url_pathname] = app_page.page_script_hash
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element_kind = msg.delta.new_element.WhichOneof("type")
                element = getattr(msg.delta.new_element, element_kind)
                elements.append((element_kind, element))
                if element_kind == "exception":
                    self.errors.append(f"visitor {self.number}: {page}: exception {element.type}: {element.message}")
                elif element_kind == "alert" and element.format == 1:   # st.error
                    # Opening the ImageNet page offline shows AlexNet's missing weights until MobileNetV2
                    # is picked: a message on the first visit, an error in an interaction.
                    (self.errors if timed else self.notes).append(
                        f"visitor {self.number}: {page}: error shown: {element.body[:200]}")
            elif kind == "script_finished":
                if msg.script_finished in (0, 1):   # finished, or failed to compile
                    break
        seconds = time.monotonic() - start
        if timed:
            self.samples.append({"page": page, "seconds": seconds, "t": start})
        return elements


# --------------------------------------------------------------------------- the run

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def drive(visitors: list[Visitor], seconds: float, pid: int, memory: list[dict], started: float) -> None:
    deadline = time.monotonic() + seconds

    async def sample_memory() -> None:
        while time.monotonic() < deadline:
            memory.append({"t": round(time.monotonic() - started, 1), "rss_mb": round(rss_mb(pid), 1)})
            await asyncio.sleep(5)

    async def staggered(visitor: Visitor) -> None:
        await asyncio.sleep(visitor.number * 0.25)   # a room does not click in the same millisecond
        await visitor.run(deadline)

    await asyncio.gather(sample_memory(), *(staggered(v) for v in visitors))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--think", default="1-3", help="seconds a visitor waits between interactions, min-max")
    parser.add_argument("--pages", default=",".join(PAGES), help="the pages visited, comma-separated")
    parser.add_argument("--warmup", type=float, default=30,
                        help="seconds at the start left out of the latency figures (models load, caches fill)")
    args = parser.parse_args(argv)
    if not 1 <= args.visitors <= MAX_VISITORS or not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--visitors must be 1..{MAX_VISITORS} and --seconds 1..{MAX_SECONDS}")
    think = tuple(float(x) for x in args.think.split("-"))
    pages = tuple(p for p in args.pages.split(",") if p)
    if not pages or set(pages) - set(PAGES):
        parser.error(f"--pages: choose among {', '.join(PAGES)}")

    import torch

    with tempfile.TemporaryDirectory(prefix="dldemos-load-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        log = workdir / "server.log"
        server = start_server(port, server_env(workdir), log)
        try:
            started = time.monotonic()
            memory = [{"t": 0.0, "rss_mb": round(rss_mb(server.pid), 1)}]
            drawings = digit_pngs() if "mnist" in pages else []
            visitors = [Visitor(i, port, drawings, think, pages) for i in range(args.visitors)]
            asyncio.run(drive(visitors, args.seconds, server.pid, memory, started))
            memory.append({"t": round(time.monotonic() - started, 1), "rss_mb": round(rss_mb(server.pid), 1)})
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        server_log = log.read_text(errors="replace")

    all_samples = [s for v in visitors for s in v.samples]
    samples = [s for s in all_samples if s["t"] - started >= args.warmup] or all_samples
    errors = [e for v in visitors for e in v.errors]
    notes = [n for v in visitors for n in v.notes]
    per_page = {}
    for page in PAGES:
        times = [s["seconds"] for s in samples if s["page"] == page]
        if times:
            per_page[page] = {"interactions": len(times), "p50_ms": round(1000 * statistics.median(times)),
                              "p95_ms": round(1000 * percentile(times, 0.95)),
                              "max_ms": round(1000 * max(times))}
    rss = [m["rss_mb"] for m in memory if m["t"] >= args.warmup] or [m["rss_mb"] for m in memory]
    half = len(rss) // 2
    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU threads", "torch": torch.__version__,
        "load_average_at_end": os.getloadavg(),
        "visitors": args.visitors, "seconds": args.seconds, "think_s": list(think), "pages": list(pages),
        "warmup_s": args.warmup, "interactions": len(all_samples), "interactions_after_warmup": len(samples),
        "errors": len(errors), "error_samples": errors[:10],
        "first_visit_messages": len(notes), "first_visit_message_samples": sorted(set(n.split(": ", 1)[1] for n in notes))[:3],
        "server_tracebacks": server_log.count("Traceback"),
        "server_traceback_samples": [block[-1500:] for block in server_log.split("Traceback")[1:4]],
        "latency": per_page,
        "all_pages": {"p50_ms": round(1000 * statistics.median(s["seconds"] for s in samples)),
                      "p95_ms": round(1000 * percentile([s["seconds"] for s in samples], 0.95))} if samples else {},
        "rss_mb": {"before": memory[0]["rss_mb"], "after_warmup": rss[0], "max_first_half": max(rss[: half] or rss),
                   "max_second_half": max(rss[half:]), "end": rss[-1], "samples": memory},
    }
    print(json.dumps(report, indent=2))
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
