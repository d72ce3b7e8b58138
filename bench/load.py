"""Load test: a crowd of simulated visitors on one real app server, printed as JSON (loopback only, bounded).

    python bench/load.py [--visitors 100] [--seconds 300] [--think 3-10] [--compare REV] [--backend embedded|ray|both]

Starts ``streamlit run app.py`` on 127.0.0.1 (offline, its own cache and weights
folder), then opens one Streamlit websocket session per visitor, speaking the
browser's own protocol (protobuf ``BackMsg`` / ``ForwardMsg`` over
``/_stcore/stream``, uploads by HTTP PUT as the browser does). Each visitor, in
its own order, goes to

- **Read a digit** (``mnist``): sends the drawing canvas's state as the browser
  does (a PNG of an MNIST test digit); the page must show the digit it read;
- **What does it see?** (``imagenet``): MobileNetV2 (real weights from
  ``../shared/data/weights``, random ones otherwise) on an **uploaded
  phone-like photo** (a random crop, flip and colour jitter of a gallery photo,
  1–3 megapixels, JPEG), a different one every time, so no cache can answer;
  the page must show the top-15 chart;
- **Gradient descent**: moves the starting point; the page must redraw its curve;
- **CycleGAN fast mode** (``cyclegan``): the compressed horse→zebra generator
  on an uploaded phone-like photo; the page must show the translation;
- **Playground** (``playground``): clicks Run, lets the live chart tick five
  times as the browser would, clicks Pause;

and waits ``--think`` seconds (a person reading, taking a photo) between
interactions. Besides, every ``--train-every`` seconds one visitor opens "Read
a digit", starts **Train it yourself** and closes the tab 5 s later, and one
second after that another visitor starts it and stays until it is done: the
report gives how long that one waited for its run to start after the first one
left, and how long its training took.

Latency is the time from sending the interaction to the server's "script
finished" (what a visitor waits for, minus the browser's drawing), per page,
leaving out the first ``--warmup`` seconds. An error is an exception or a red
error message on the page, a missing result, a run over 120 s or a dropped
connection. The server's resident memory and the machine's load average are
sampled every 5 s. ``--compare REV`` first runs the same crowd (same seed,
same photos) against the app as it was at git revision REV, then against this
tree, and prints both reports and their ratios.

``--backend ray`` starts a local Ray head (``ray start --head``), deploys the
Serve applications of the visited pages' models, and starts **two** Streamlit
processes that use it (``DLDEMOS_RAY_ADDRESS``); the visitors are shared
between them (as sticky sessions behind nginx would) and the memory is the
total resident memory of the Streamlit processes and every Ray process.
``--backend both`` runs the same crowd against one embedded process, then
against 2 Streamlit processes + Ray, and prints both reports.

No browser runs (a hundred headless browsers would need more than 2 cores):
this measures the server, which is what visitors share.
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
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))

MAX_VISITORS = 300
MAX_SECONDS = 900
RUN_TIMEOUT = 120.0
PAGES = ("mnist", "imagenet", "gradient_descent", "cyclegan", "playground")
UPLOAD_PAGES = ("imagenet", "cyclegan")
EXPECTED = {"mnist": "metric", "imagenet": "plotly_chart", "gradient_descent": "plotly_chart",
            "cyclegan": "download_button", "playground": "plotly_chart"}


# --------------------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(workdir: Path) -> dict[str, str]:
    """Offline, its own cache; MobileNetV2, the compressed horse→zebra generator and MNIST in a weights folder."""
    env = {**os.environ, "DLDEMOS_OFFLINE": "1", "DLDEMOS_CACHE_DIR": str(workdir / "cache"),
           "DLDEMOS_DEVICE": os.environ.get("DLDEMOS_DEVICE", "cpu"), "MALLOC_ARENA_MAX": "2"}
    from demos import weights
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
    compressed = SHARED / "cyclegan" / "horse2zebra_ganCompression_compressed_latest_net_G.pth"
    target = local / weights.get("cyclegan-horse2zebra-compressed").filename
    target.parent.mkdir(parents=True, exist_ok=True)
    if compressed.is_file():
        shutil.copy(compressed, target)   # without it, the CycleGAN page shows its "missing file" message
    raw = SHARED / "mnist" / "MNIST" / "raw"   # "Train it yourself" needs the MNIST files
    for artifact in ("mnist-train-images", "mnist-train-labels", "mnist-test-images", "mnist-test-labels"):
        filename = weights.get(artifact).filename
        if (raw / Path(filename).name).is_file():
            (local / filename).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(raw / Path(filename).name, local / filename)
    env["DLDEMOS_WEIGHTS_DIR"] = str(local)
    samples = SHARED / "imagenet-samples" / "original"
    if samples.is_dir():
        env["DLDEMOS_SAMPLES_DIR"] = str(samples)
    return env


def start_server(app_dir: Path, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--server.runOnSave", "false",
               "--browser.gatherUsageStats", "false"]
    server = subprocess.Popen(command, cwd=app_dir, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
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


def rss_mb(pid: int | list[int]) -> float:
    """Resident memory of ``pid`` (or the sum over several), MB."""
    total = 0.0
    for one in [pid] if isinstance(pid, int) else pid:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:   # ended meanwhile
            pass
    return total


def ray_pids() -> list[int]:
    """The Ray processes of this machine (head, raylet, workers, Serve replicas), not this script."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if any(mark in command for mark in (b"ray::", b"raylet", b"gcs_server", b"/ray/", b"ray/_private")):
                pids.append(int(entry.name))
    return pids


RAY_FAMILIES = {"mnist": "mnist", "imagenet": "imagenet", "cyclegan": "cyclegan"}   # page → Serve application


def start_ray(app_dir: Path, env: dict[str, str], pages: tuple[str, ...], log: Path) -> str:
    """A local Ray head with the Serve applications of ``pages``' models; its address."""
    port = free_port()
    ray = str(Path(sys.executable).parent / "ray")
    # loopback only: no token authentication between this script, the head and the Streamlit processes
    env.update(PYTHONPATH=str(app_dir), RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="disabled")
    with log.open("ab") as out:
        subprocess.run([ray, "start", "--head", f"--port={port}", "--num-cpus=4", "--include-dashboard=false",
                        "--disable-usage-stats"], env=env, check=True, stdout=out, stderr=subprocess.STDOUT)
        families = sorted({RAY_FAMILIES[p] for p in pages if p in RAY_FAMILIES})
        subprocess.run([sys.executable, "-c", "import sys, ray; ray.init(address=sys.argv[1], namespace='dldemos'); "
                        "from demos.cluster.deployments import deploy; deploy(sys.argv[2:])", f"127.0.0.1:{port}",
                        *families], cwd=app_dir, env=env, check=True, stdout=out, stderr=subprocess.STDOUT)
    return f"127.0.0.1:{port}"


def stop_ray(log: Path) -> None:
    with log.open("ab") as out:
        subprocess.run([str(Path(sys.executable).parent / "ray"), "stop", "--force"], stdout=out,
                       stderr=subprocess.STDOUT, timeout=120)


# --------------------------------------------------------------------------- what visitors send

def digit_pngs(count: int = 50) -> list[str]:
    """PNG data URLs of drawn digits, 280×280 RGBA white on black, as the canvas sends them."""
    import numpy as np
    from PIL import Image, ImageDraw

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


def gallery() -> list[Path]:
    photos = sorted((SHARED / "imagenet-samples" / "original").glob("*.JPEG"))
    photos += sorted((SHARED / "cyclegan" / "test_images").glob("*/*.[jJ]*"))
    return photos


def phone_photo(args: tuple[int, str | None, Path]) -> Path:
    """One unique phone-like JPEG (1–3 MP): a random crop, flip and colour jitter of a gallery photo."""
    from PIL import Image, ImageEnhance, ImageOps

    number, source, folder = args
    rng = random.Random(number)
    if source is None:   # no gallery: noise, still a unique photo of the same size
        image = Image.effect_noise((400, 300), 40 + number % 50).convert("RGB")
    else:
        image = Image.open(source).convert("RGB")
    width, height = image.size
    scale = rng.uniform(0.7, 1.0)
    w, h = int(width * scale), int(height * scale)
    left, top = rng.randint(0, width - w), rng.randint(0, height - h)
    image = image.crop((left, top, left + w, top + h))
    if rng.random() < 0.5:
        image = ImageOps.mirror(image)
    for enhance in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
        image = enhance(image).enhance(rng.uniform(0.75, 1.25))
    megapixels = rng.uniform(1.0, 3.0)
    factor = (megapixels * 1e6 / (w * h)) ** 0.5
    image = image.resize((round(w * factor), round(h * factor)), Image.Resampling.BICUBIC)
    path = folder / f"phone_{number:05d}.jpg"
    image.save(path, "JPEG", quality=rng.randint(82, 92))
    return path


def make_photos(count: int, folder: Path, seed: int) -> list[Path]:
    """``count`` unique phone photos, made before the clock starts (on every core)."""
    sources = gallery() or [None]
    rng = random.Random(seed)
    jobs = [(seed * 100_000 + i, str(rng.choice(sources)) if sources[0] else None, folder) for i in range(count)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(phone_photo, jobs, chunksize=8))


# --------------------------------------------------------------------------- one visitor

class Visitor:
    """One browser tab, as the server sees it: a websocket session sending reruns with widget states."""

    def __init__(self, number: int, port: int, drawings: list[str], photos: list[Path], think: tuple[float, float],
                 pages: tuple[str, ...], labels: dict[str, str]) -> None:
        self.number, self.port, self.drawings, self.photos = number, port, drawings, photos
        self.think, self.pages, self.labels = think, pages, labels
        self.rng = random.Random(number)
        self.page_hashes: dict[str, str] = {}
        self.ids: dict[str, str] = {}           # what → widget id, learnt from the pages
        self.opened: set[str] = set()
        self.session_id = ""
        self.fragments: dict[str, str] = {}     # page → the id of its live fragment
        self.widgets: dict[str, dict] = {}      # page → widget states the visitor set, resent with every rerun
        self.samples: list[dict] = []
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.training: dict[str, float] = {}

    # -- connection ------------------------------------------------------------
    async def connect(self):
        from websockets.asyncio.client import connect

        return await connect(f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                             max_size=None, open_timeout=60, ping_interval=None)

    async def run(self, deadline: float) -> None:
        try:
            async with await self.connect() as ws:
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

    # -- the interactions ------------------------------------------------------
    async def open(self, page: str) -> bool:
        if page in self.opened:
            return True
        elements = await self.rerun(page, {}, timed=False)
        if elements is None:
            return False
        self.learn(page, elements)
        settings = {}
        if page == "imagenet":   # MobileNetV2 and the upload source, once (the visitor's settings)
            settings = {self.ids["imagenet_model"]: ("string_value", self.ids["mobilenet_label"]),
                        self.ids["imagenet_source"]: ("string_array_value", [self.labels["imagenet_upload"]])}
        elif page == "cyclegan":
            settings = {self.ids["cyclegan_source"]: ("string_value", self.labels["cyclegan_upload"])}
        if settings:
            self.widgets[page] = settings
            elements = await self.rerun(page, {}, timed=False)
            if elements is None:
                return False
            self.learn(page, elements)
            if f"{page}_upload" not in self.ids:
                raise RuntimeError(f"{page}: no file uploader after choosing to upload")
        self.opened.add(page)
        return True

    async def visit(self, page: str) -> None:
        if not await self.open(page):
            return
        states: dict = {}
        if page == "mnist":
            states[self.ids["mnist_canvas"]] = ("json_value", json.dumps({"drawing": {"raw": {
                "objects": [], "background": "#000000"}, "data": self.rng.choice(self.drawings)},
                "backgroundFit": None}))
        elif page in UPLOAD_PAGES:
            upload = await self.upload(page, self.photos.pop() if self.photos else None)
            if upload is None:
                return
            states[self.ids[f"{page}_upload"]] = ("file_uploader_state_value", upload)
        elif page == "gradient_descent":
            states[self.ids["gd_w0"]] = ("double_array_value", [round(self.rng.uniform(-3, 3) / 0.05) * 0.05])
        elif page == "playground":
            states[self.ids["pg_run"]] = ("trigger_value", True)
        elements = await self.rerun(page, states, timed=True)
        if elements is None:
            return
        if EXPECTED[page] not in [kind for kind, _ in elements]:
            self.errors.append(f"visitor {self.number}: {page}: no {EXPECTED[page]} shown")
        if page == "playground":   # the live chart ticks, as the browser asks, then Pause
            for _ in range(5):
                await asyncio.sleep(0.3)
                if self.fragments.get(page):
                    await self.rerun(page, {}, timed=False, fragment=self.fragments[page])
            await self.rerun(page, {self.ids["pg_pause"]: ("trigger_value", True)}, timed=False)

    async def upload(self, page: str, photo: Path | None):
        """PUT a photo to the server as the browser's uploader does; the widget state that points to it."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.Common_pb2 import FileUploaderState

        if photo is None:
            self.errors.append(f"visitor {self.number}: {page}: no unique photo left (raise --photos)")
            return None
        data = await asyncio.to_thread(photo.read_bytes)
        message = BackMsg()
        message.file_urls_request.request_id = uuid.uuid4().hex
        message.file_urls_request.session_id = self.session_id
        message.file_urls_request.file_names.append(photo.name)
        await self.ws.send(message.SerializeToString())
        urls = await self.receive_until("file_urls_response", page)
        if urls is None:
            return None
        file_urls = urls.file_urls[0]
        status = await asyncio.to_thread(self.put, file_urls.upload_url, photo.name, data)
        if status != 204 and status != 200:
            self.errors.append(f"visitor {self.number}: {page}: upload refused ({status})")
            return None
        state = FileUploaderState()
        info = state.uploaded_file_info.add()
        info.file_id, info.name, info.size = file_urls.file_id, photo.name, len(data)
        info.file_urls.CopyFrom(file_urls)
        return state

    def put(self, url: str, name: str, data: bytes) -> int:
        import requests

        if not hasattr(self, "http"):
            self.http = requests.Session()
            # the XSRF cookie, as the browser gets it (the health check sets it)
            self.http.get(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=30)
        token = self.http.cookies.get("_streamlit_xsrf", "")
        response = self.http.put(f"http://127.0.0.1:{self.port}{url}", files={"file": (name, data, "image/jpeg")},
                                 headers={"X-Xsrftoken": token}, timeout=60)
        return response.status_code

    # -- "Train it yourself" ---------------------------------------------------
    async def train(self, stay: bool, left_at: float | None = None) -> None:
        """Start a training run on Read a digit; leave 5 s later, or follow it (a rerun a second) until done."""
        try:
            async with await self.connect() as ws:
                self.ws = ws
                if not await self.open("mnist"):
                    return
                clicked = time.monotonic()
                await self.rerun("mnist", {self.ids["mnist_train"]: ("trigger_value", True)}, timed=False)
                if not stay:
                    await asyncio.sleep(5)
                    self.training["left"] = time.monotonic()
                    return   # the tab is closed
                while time.monotonic() - clicked < 180:
                    await asyncio.sleep(1)
                    elements = await self.rerun("mnist", {}, timed=False)
                    texts = " ".join(getattr(e, "body", "") or getattr(e, "text", "") for _, e in elements or [])
                    if "started" not in self.training and self.labels["running"] in texts:
                        self.training["started"] = time.monotonic()
                    if self.labels["done"] in texts:
                        self.training["done"] = time.monotonic()
                        break
                self.training["clicked"] = clicked
                self.training["departed_at"] = left_at or clicked
        except Exception as error:
            self.errors.append(f"trainer {self.number}: {type(error).__name__}: {error}")

    # -- protocol --------------------------------------------------------------
    def learn(self, page: str, elements: list[tuple[str, object]]) -> None:
        """The widget ids (and option labels) the interactions need, from the page's first run."""
        for kind, element in elements:
            element_id = getattr(element, "id", "")
            for key in ("mnist_canvas", "imagenet_model", "imagenet_source", "imagenet_upload", "gd_w0",
                        "cyclegan_source", "cyclegan_upload", "mnist_train"):
                if element_id.endswith(key):
                    self.ids[key] = element_id
            if kind == "selectbox" and element_id.endswith("imagenet_model"):
                self.ids["mobilenet_label"] = next(o for o in element.options if o.startswith("MobileNetV2"))
            if kind == "button" and page == "playground":
                if element.label == self.labels["run"]:
                    self.ids["pg_run"] = element_id
                elif element.label == self.labels["pause"]:
                    self.ids["pg_pause"] = element_id
            if kind == "button" and page == "mnist" and element.label == self.labels["train"]:
                self.ids["mnist_train"] = element_id
        needed = {"mnist": ["mnist_canvas"], "imagenet": ["imagenet_model", "imagenet_source"],
                  "gradient_descent": ["gd_w0"], "cyclegan": ["cyclegan_source"],
                  "playground": ["pg_run", "pg_pause"]}[page]
        missing = [key for key in needed if key not in self.ids]
        if missing:
            raise RuntimeError(f"{page}: the widgets {missing} were not found on the page")

    async def receive_until(self, kind_wanted: str, page: str):
        start = time.monotonic()
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while True:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), timeout=max(1.0, start + RUN_TIMEOUT - time.monotonic()))
            except asyncio.TimeoutError:
                self.errors.append(f"visitor {self.number}: {page}: no {kind_wanted} within {RUN_TIMEOUT:.0f} s")
                return None
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            if msg.WhichOneof("type") == kind_wanted:
                return getattr(msg, kind_wanted)

    async def rerun(self, page: str, states: dict, timed: bool,
                    fragment: str | None = None) -> list[tuple[str, object]] | None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = BackMsg()
        client = message.rerun_script
        client.query_string = "lang=en"
        client.page_name = page
        client.page_script_hash = self.page_hashes.get(page, "")
        if fragment:
            client.fragment_id = fragment
        for widget_id, (value_type, value) in {**self.widgets.get(page, {}), **states}.items():
            state = client.widget_states.widgets.add()
            state.id = widget_id
            if value_type == "double_array_value":
                state.double_array_value.data.extend(value)
            elif value_type == "string_array_value":
                state.string_array_value.data.extend(value)
            elif value_type == "file_uploader_state_value":
                state.file_uploader_state_value.CopyFrom(value)
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
            if kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                for app_page in msg.navigation.app_pages:
                    self.page_hashes[app_page.url_pathname] = app_page.page_script_hash
            elif kind == "delta":
                if msg.delta.fragment_id:
                    self.fragments[page] = msg.delta.fragment_id
                if msg.delta.WhichOneof("type") == "new_element":
                    element_kind = msg.delta.new_element.WhichOneof("type")
                    element = getattr(msg.delta.new_element, element_kind)
                    elements.append((element_kind, element))
                    if element_kind == "exception":
                        self.errors.append(f"visitor {self.number}: {page}: exception {element.type}: "
                                           f"{element.message}")
                    elif element_kind == "alert" and element.format == 1:   # st.error
                        # Opening the ImageNet page offline shows AlexNet's missing weights until MobileNetV2
                        # is picked: a message on the first visit, an error in an interaction.
                        (self.errors if timed else self.notes).append(
                            f"visitor {self.number}: {page}: error shown: {element.body[:200]}")
            elif kind == "script_finished":
                if msg.script_finished in (0, 1, 3):   # finished, failed to compile, fragment finished
                    break
        if timed:
            self.samples.append({"page": page, "seconds": time.monotonic() - start, "t": start})
        return elements


# --------------------------------------------------------------------------- the run

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def drive(visitors: list[Visitor], trainers: list[tuple[Visitor, Visitor]], train_every: float,
                seconds: float, pid: Callable[[], list[int]], samples: list[dict], started: float) -> None:
    deadline = time.monotonic() + seconds

    async def sample_machine() -> None:
        while time.monotonic() < deadline:
            samples.append({"t": round(time.monotonic() - started, 1), "rss_mb": round(rss_mb(pid()), 1),
                            "load_1min": round(os.getloadavg()[0], 2)})
            await asyncio.sleep(5)

    async def staggered(visitor: Visitor) -> None:
        await asyncio.sleep(visitor.number * min(0.25, 25 / len(visitors)))   # a room does not click at once
        await visitor.run(deadline)

    staying: list[asyncio.Task] = []

    async def training_pairs() -> None:
        for index, (leaver, stayer) in enumerate(trainers):
            await asyncio.sleep(max(0.0, started + (index + 1) * train_every - time.monotonic()))
            if time.monotonic() + 30 > deadline:
                return
            await leaver.train(stay=False)
            await asyncio.sleep(1)
            staying.append(asyncio.create_task(stayer.train(stay=True, left_at=leaver.training.get("left"))))

    await asyncio.gather(sample_machine(), training_pairs(), *(staggered(v) for v in visitors))
    await asyncio.gather(*staying)


def english(key: str) -> str:
    return json.loads((REPO / "demos" / "locales" / "en.json").read_text())[key]


def crowd(app_dir: Path, args: argparse.Namespace, pages: tuple[str, ...], think: tuple[float, float],
          photos: list[Path], backend: str = "embedded") -> dict:
    """One run of the crowd against the app in ``app_dir`` (one embedded process, or 2 + Ray); the report."""
    labels = {"run": english("playground.run"), "pause": english("playground.pause"),
              "train": english("mnist.train.button"), "running": "Step ",
              "done": english("mnist.train.done").split("{")[0],
              "imagenet_upload": english("imagenet.source.upload"), "cyclegan_upload": english("cyclegan.source.upload")}
    with tempfile.TemporaryDirectory(prefix="dldemos-load-") as tmp:
        workdir = Path(tmp)
        log = workdir / "server.log"
        env = server_env(workdir)
        servers: list[subprocess.Popen] = []
        ray = backend == "ray"
        try:
            if ray:
                env["DLDEMOS_RAY_ADDRESS"] = start_ray(app_dir, env, pages, workdir / "ray.log")
            ports = [free_port() for _ in range(2 if ray else 1)]
            for number, port in enumerate(ports):
                servers.append(start_server(app_dir, port, env, log.with_name(f"server-{number}.log")))

            def pids() -> list[int]:
                return [s.pid for s in servers] + (ray_pids() if ray else [])

            started = time.monotonic()
            machine = [{"t": 0.0, "rss_mb": round(rss_mb(pids()), 1), "load_1min": round(os.getloadavg()[0], 2)}]
            drawings = digit_pngs()
            rng = random.Random(args.seed)
            share = list(photos)
            rng.shuffle(share)
            per_visitor = len(share) // max(1, args.visitors)
            # one Streamlit process per visitor for their whole visit: sticky sessions, as behind nginx
            visitors = [Visitor(i, ports[i % len(ports)], drawings, share[i * per_visitor:(i + 1) * per_visitor],
                                think, pages, labels) for i in range(args.visitors)]
            count = int(args.seconds // args.train_every) if args.train_every else 0
            trainers = [(Visitor(10_000 + 2 * i, ports[0], drawings, [], think, pages, labels),
                         Visitor(10_001 + 2 * i, ports[0], drawings, [], think, pages, labels)) for i in range(count)]
            asyncio.run(drive(visitors, trainers, args.train_every, args.seconds, pids, machine, started))
            machine.append({"t": round(time.monotonic() - started, 1), "rss_mb": round(rss_mb(pids()), 1),
                            "load_1min": round(os.getloadavg()[0], 2)})
        finally:
            for server in servers:
                server.terminate()
                try:
                    server.wait(30)
                except subprocess.TimeoutExpired:
                    server.kill()
            if ray:
                stop_ray(workdir / "ray.log")
        server_log = "".join(p.read_text(errors="replace") for p in sorted(workdir.glob("server-*.log")))
    result = report(args, pages, think, visitors, trainers, machine, started, server_log)
    result["backend"] = {"name": backend, "streamlit_processes": len(ports)}
    return result


def report(args, pages, think, visitors, trainers, machine, started, server_log) -> dict:
    import torch

    all_samples = [s for v in visitors for s in v.samples]
    samples = [s for s in all_samples if s["t"] - started >= args.warmup] or all_samples
    errors = [e for v in [*visitors, *(p for pair in trainers for p in pair)] for e in v.errors]
    notes = [n for v in visitors for n in v.notes]
    per_page = {}
    for page in PAGES:
        times = [s["seconds"] for s in samples if s["page"] == page]
        if times:
            per_page[page] = {"interactions": len(times), "p50_ms": round(1000 * statistics.median(times)),
                              "p95_ms": round(1000 * percentile(times, 0.95)), "max_ms": round(1000 * max(times))}
    rss = [m["rss_mb"] for m in machine if m["t"] >= args.warmup] or [m["rss_mb"] for m in machine]
    half = len(rss) // 2
    runs = [stayer.training for _, stayer in trainers if stayer.training.get("clicked")]
    training = {
        "pairs": len(runs),
        "start_after_departure_s": [round(r["started"] - r["departed_at"], 1) for r in runs if "started" in r],
        "train_seconds": [round(r["done"] - r["started"], 1) for r in runs if "done" in r and "started" in r],
        "not_finished": sum(1 for r in runs if "done" not in r),
    }
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU threads", "torch": torch.__version__,
        "load_average_at_end": os.getloadavg(),
        "load_average_during": {"mean_1min": round(statistics.mean(m["load_1min"] for m in machine), 2),
                                "max_1min": max(m["load_1min"] for m in machine)},
        "visitors": args.visitors, "seconds": args.seconds, "think_s": list(think), "pages": list(pages),
        "unique_uploads": True, "warmup_s": args.warmup,
        "interactions": len(all_samples), "interactions_after_warmup": len(samples),
        "errors": len(errors), "error_samples": errors[:10],
        "first_visit_messages": len(notes),
        "first_visit_message_samples": sorted(set(n.split(": ", 1)[1] for n in notes))[:3],
        "server_tracebacks": server_log.count("Traceback"),
        # ui/startup.py tried an import again after another thread's half-done module (a visitor saw nothing)
        "import_retries": server_log.count("met another thread's import"),
        "import_retry_samples": [part[:6000] for part in server_log.split("met another thread's import")[1:3]],
        "server_traceback_samples": [block[-6000:] for block in server_log.split("Traceback")[1:4]],
        "latency": per_page,
        "all_pages": {"p50_ms": round(1000 * statistics.median(s["seconds"] for s in samples)),
                      "p95_ms": round(1000 * percentile([s["seconds"] for s in samples], 0.95))} if samples else {},
        "train_it_yourself": training,
        "rss_mb": {"before": machine[0]["rss_mb"], "after_warmup": rss[0], "max_first_half": max(rss[: half] or rss),
                   "max_second_half": max(rss[half:]), "end": rss[-1], "samples": machine},
    }


def checkout(rev: str, folder: Path) -> Path:
    """The app as it was at git revision ``rev`` (a detached worktree), for ``--compare``."""
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), rev], cwd=REPO, check=True,
                   capture_output=True)
    return folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--think", default="3-10", help="seconds a visitor waits between interactions, min-max")
    parser.add_argument("--pages", default=",".join(PAGES), help="the pages visited, comma-separated")
    parser.add_argument("--warmup", type=float, default=30,
                        help="seconds at the start left out of the latency figures (models load, caches fill)")
    parser.add_argument("--train-every", type=float, default=60,
                        help="seconds between two 'Train it yourself' pairs (one leaves, one stays); 0: none")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", metavar="REV", help="first run the same crowd against git revision REV")
    parser.add_argument("--backend", choices=("embedded", "ray", "both"), default="embedded",
                        help="one embedded process; 2 Streamlit processes + a local Ray; or both, one after the other")
    args = parser.parse_args(argv)
    if not 1 <= args.visitors <= MAX_VISITORS or not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--visitors must be 1..{MAX_VISITORS} and --seconds 1..{MAX_SECONDS}")
    think = tuple(float(x) for x in args.think.split("-"))
    pages = tuple(p for p in args.pages.split(",") if p)
    if not pages or set(pages) - set(PAGES):
        parser.error(f"--pages: choose among {', '.join(PAGES)}")

    with tempfile.TemporaryDirectory(prefix="dldemos-photos-") as tmp:
        # Enough unique photos for the uploads a visitor makes (one interaction per think time, with a margin).
        uploads = sum(p in UPLOAD_PAGES for p in pages) / len(pages)
        needed = int(args.visitors * (1.5 * args.seconds / statistics.mean(think) * uploads + 3))
        photos = make_photos(needed, Path(tmp), args.seed) if uploads else []
        if args.compare:
            before_dir = Path(tmp) / "before"
            try:
                before = crowd(checkout(args.compare, before_dir), args, pages, think, photos)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(before_dir)], cwd=REPO,
                               capture_output=True)
            after = crowd(REPO, args, pages, think, photos)
            ratios = {page: {"p50": round(before["latency"][page]["p50_ms"] / max(1, v["p50_ms"]), 1),
                             "p95": round(before["latency"][page]["p95_ms"] / max(1, v["p95_ms"]), 1)}
                      for page, v in after["latency"].items() if page in before["latency"]}
            result = {"before": {"rev": args.compare, **before}, "after": after, "speedup_before_over_after": ratios,
                      "errors": after["errors"], "latency": after["latency"], "rss_mb": after["rss_mb"]}
        elif args.backend == "both":
            embedded = crowd(REPO, args, pages, think, photos)
            on_ray = crowd(REPO, args, pages, think, photos, backend="ray")
            result = {"embedded": embedded, "ray": on_ray, "errors": embedded["errors"] + on_ray["errors"],
                      "summary": {name: {"latency": r["latency"], "errors": r["errors"],
                                         "rss_mb_max": max(m["rss_mb"] for m in r["rss_mb"]["samples"])}
                                  for name, r in (("embedded", embedded), ("ray", on_ray))}}
        else:
            result = crowd(REPO, args, pages, think, photos, backend=args.backend)
    print(json.dumps(result, indent=2))
    if result["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
