"""The Ray backend (issue "Beyond one machine"): a local Ray with 2 CPUs, started by these tests.

Same answers as the embedded service, heavy jobs with progress / Cancel / a departed visitor,
a replica killed under a stream of requests, and a cluster that cannot be reached.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import require_shared
from tests.support import require_package

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray (2 CPUs) with every family's deployment; this process uses it as its cluster."""
    ray = require_package("ray")
    from demos import cluster
    from demos.cluster import deployments

    before = os.environ.get(cluster.ADDRESS_ENV)
    os.environ["RAY_AUTH_MODE"] = "disabled"   # loopback only; the page-test process below joins without a token
    ray.init(num_cpus=2, include_dashboard=False, namespace=cluster.NAMESPACE, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    os.environ[cluster.ADDRESS_ENV] = "auto"
    cluster.reset()
    try:
        deployments.deploy(num_cpus=0.2)   # five replicas in 1 CPU: the other is for one job's actor (1 CPU)
        yield ray
    finally:
        from ray import serve

        serve.shutdown()
        ray.shutdown()
        cluster.reset()
        os.environ.pop("RAY_AUTH_MODE", None)
        if before is None:
            os.environ.pop(cluster.ADDRESS_ENV, None)
        else:
            os.environ[cluster.ADDRESS_ENV] = before


def digits(n: int, seed: int = 0) -> list[np.ndarray]:
    from tests.support import mnist_test_digits

    images, _ = mnist_test_digits()
    return [(images[i] / 255).astype(np.float32) for i in range(seed, seed + n)]


def test_mnist_and_imagenet_answers_equal_the_embedded_ones(ray_cluster, monkeypatch, tmp_path):
    from demos.cluster.service import ClusterService
    from demos.imagenet.models import load_classifier
    from demos.imagenet.predict import classify
    from demos.inference import InferenceService
    from demos.mnist.reader import load_model, read_batch

    embedded, on_ray = InferenceService(), ClusterService()
    model = load_model()
    for digit in digits(5):
        here = embedded.run(("mnist", model), partial(read_batch, model), digit)
        there = on_ray.run(("mnist", model), partial(read_batch, model), digit)
        np.testing.assert_allclose(there[0], here[0], atol=1e-5)
        assert set(there[1]) == set(here[1])
    assert on_ray.remote == 5, "the cluster answered the digits, not the embedded lanes"

    weights = require_shared("weights", "mobilenet_v2_imagenet_dequantized.pth")
    classifier = load_classifier("mobilenet_v2", weights, device=torch.device("cpu"))
    sample = next(iter(sorted(require_shared("imagenet-samples", "resized256").iterdir())))
    from demos.images import load_image

    image = load_image(sample.read_bytes())
    here = classify(image, classifier, 15, service=embedded).predictions
    there = classify(image, classifier, 15, service=on_ray).predictions
    assert [p[0] for p in there] == [p[0] for p in here]
    np.testing.assert_allclose([p[3] for p in there], [p[3] for p in here], atol=1e-5)
    assert on_ray.remote == 6


def test_a_visitors_own_network_stays_in_the_process(ray_cluster):
    from demos.cluster.service import ClusterService
    from demos.mnist.model import LectureNet
    from demos.mnist.reader import read_batch

    own = LectureNet().eval()   # trained on the MNIST page: no route, the cluster has no copy of it
    service = ClusterService()
    service.run(("mnist", own), partial(read_batch, own), digits(1)[0])
    assert service.remote == 0 and service.computed == 1


def test_the_shared_service_is_the_clusters_and_the_home_page_says_so(ray_cluster, monkeypatch):
    from demos import cluster, inference

    monkeypatch.setattr(inference, "_shared", None)
    assert type(inference.shared_service()).__name__ == "ClusterService"
    assert cluster.connect() and cluster.status().backend == "ray"

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "Ray" in text, "the home page names the backend"



def off_loop(fn, *args):
    """``fn(*args)`` in a thread of its own: an earlier test (Playwright's sync API) may leave this thread
    marked as running an event loop, where Ray's blocking calls and asyncio.run refuse to work."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def answered(family: str) -> int:
    from ray import serve

    from demos.cluster.deployments import application_name

    return off_loop(lambda: serve.get_app_handle(application_name(family)).stats.remote().result(timeout_s=30)[
        "answered"])


def test_the_pages_tests_pass_on_the_ray_backend(ray_cluster):
    """Both backends pass the same page tests: those of every page whose networks a Serve family holds ("Read a
    digit", "What does it see?", CycleGAN, fast style, attention sampling), run again in a process whose
    catalogue models are served by this Ray (DLDEMOS_RAY_ADDRESS=auto)."""
    families = ("mnist", "imagenet", "cyclegan", "fast style", "attention sampling")
    before = [answered(family) for family in families]
    env = {**os.environ, "DLDEMOS_RAY_ADDRESS": "auto", "PYTHONPATH": str(ROOT)}
    # each page's main interactions, in both languages, bad files and "Train it yourself" (a Ray actor)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-cov", "-x",
                           "tests/test_pages.py", "tests/test_imagenet_page.py", "tests/test_cyclegan_page.py",
                           "tests/test_style_page.py", "tests/test_attention_sampling_page.py", "-k",
                           "drawn_digits or french_page or bad_upload or train_it_yourself or top_15_and_grad_cam"
                           " or zebra or samples_and_the_round_trip or fast_mode_paints or twenty_patches"
                           " or full_image_cnn"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:]
    after = [answered(family) for family in families]
    assert all(a > b for a, b in zip(after, before)), f"the cluster served the pages' networks: {before} → {after}"


def test_a_gatys_job_reports_progress_and_stops_within_two_steps(ray_cluster):
    from demos.jobs import STOPPED, JobQueue
    from demos.style import GatysJob, load_vgg19_features

    features = load_vgg19_features(pretrained=False, device="cpu")
    content = Image.fromarray(np.random.default_rng(0).integers(0, 255, (160, 160, 3), dtype=np.uint8))
    job = GatysJob(content, content.transpose(Image.Transpose.ROTATE_90), 200,
                   {"size": 160, "features": features, "report_every": 1}, owner="visitor")
    JobQueue(max_running=1).submit(job)
    deadline = time.monotonic() + 90
    while job.step < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.step >= 3 and 0 < job.progress < 1, "progress arrives from the cluster while it runs"
    asked_at = job.step
    job.cancel()
    assert job.wait(30)
    assert job.status == STOPPED and job.result is not None, "the image so far is kept"
    assert job.step - asked_at <= 2, f"stopped {job.step - asked_at} steps after Cancel"


def test_a_departed_visitors_job_is_cancelled_on_the_cluster(ray_cluster):
    from demos.jobs import FINISHED, JobQueue
    from demos.style import GatysJob, load_vgg19_features

    features = load_vgg19_features(pretrained=False, device="cpu")
    content = Image.new("RGB", (96, 96), "white")
    job = GatysJob(content, content, 10_000, {"size": 96, "features": features, "report_every": 1}, owner="visitor")
    here = [True]
    job.alive = lambda: here[0]
    JobQueue(max_running=1).submit(job)
    deadline = time.monotonic() + 90
    while job.step < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    here[0] = False                                  # the tab is closed
    assert job.wait(20) and job.status in FINISHED and job.step < 10_000


def test_a_biggan_job_on_the_cluster_loads_the_generator_in_its_actor(ray_cluster, tmp_path):
    """The generator travels as (loader, name, folder): the actor's images equal those made here."""
    require_package("pytorch_pretrained_biggan")
    from demos.cluster.heavy import on_cluster
    from demos.gan import biggan
    from tests.gan_support import save_random_biggan

    folder = save_random_biggan(tmp_path / "biggan-deep-128", channel_width=8)   # BigGAN's layout, narrow
    generator = biggan.load_biggan("biggan-deep-128", folder)
    here = biggan.biggan_generate(["mushroom"], 0.4, 3, model=generator)
    steps = []
    there = on_cluster(biggan.biggan_generate, callback="progress")(
        ["mushroom"], 0.4, 3, model=generator, progress=lambda d, n: steps.append(d), should_stop=lambda: False)
    assert steps == [1] and len(there) == 1
    assert np.array_equal(np.asarray(there[0]), np.asarray(here[0])), "the same weights, loaded on the actor"


def test_a_killed_replica_costs_no_hanging_request_and_comes_back(ray_cluster):
    import ray

    from demos.cluster.service import ClusterService, ClusterUnavailable
    from demos.inference import InferenceTimeout
    from demos.mnist.reader import load_model, read_batch

    model = load_model()
    service = ClusterService(timeout_s=20)
    stream = digits(60, seed=100)
    outcomes: list[str] = []
    durations: list[float] = []

    def ask(digit):
        start = time.monotonic()
        try:
            service.run(("mnist", model), partial(read_batch, model), digit)
            outcomes.append("answer")
        except (ClusterUnavailable, InferenceTimeout) as error:
            outcomes.append(f"try again: {error}")
        durations.append(time.monotonic() - start)

    threads = []
    for i, digit in enumerate(stream):
        if i == 20:
            replicas = [a for a in ray.util.list_named_actors(all_namespaces=True)
                        if a["name"].startswith("SERVE_REPLICA::mnist#")]
            assert replicas
            for replica in replicas:
                ray.kill(ray.get_actor(replica["name"], namespace=replica["namespace"]), no_restart=True)
        thread = threading.Thread(target=ask, args=(digit,))
        thread.start()
        threads.append(thread)
        time.sleep(0.02)
    for thread in threads:
        thread.join(30)
    print(f"{outcomes.count('answer')} answers, {len(outcomes) - outcomes.count('answer')} 'try again', "
          f"slowest {max(durations):.1f} s, retried {service.retried}")
    assert len(outcomes) == len(stream), "every request got an answer or a message"
    assert max(durations) < 25, "none hung past its timeout"
    assert outcomes.count("answer") >= 20
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:   # the deployment comes back
        try:
            service.run(("mnist", model), partial(read_batch, model), digits(1, seed=999)[0])
            break
        except ClusterUnavailable:
            time.sleep(1)
    else:
        pytest.fail("the MNIST deployment did not come back within 60 s")


def test_an_unreachable_cluster_falls_back_to_embedded_and_says_so():
    require_package("ray")
    code = (
        "import numpy as np\n"
        "from demos import cluster\n"
        "from demos.inference import shared_service\n"
        "from demos.mnist import read\n"
        "from tests.support import mnist_test_digits\n"
        "images, labels = mnist_test_digits()\n"
        "print(type(shared_service()).__name__, int(read(images[0]).probabilities.argmax()), int(labels[0]))\n"
        "s = cluster.status()\n"
        "print(s.backend, s.fallback, bool(s.reason))\n"
    )
    env = {**os.environ, "DLDEMOS_RAY_ADDRESS": "127.0.0.1:1", "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = done.stdout.strip().splitlines()[-2:]
    name, read_as, label = first.split()
    assert name == "ClusterService" and read_as == label, "the digit is read (embedded)"
    assert second == "embedded True True", "the status says the cluster is not used, and why"
    print(f"fallback took {time.monotonic() - start:.1f} s")


# --------------------------------------------------------------------------- in this process (no Ray running)


def test_every_family_answers_as_its_embedded_lane(tmp_path):
    """A replica's work, done here: each family loads from its route and runs the embedded lane's function."""
    from demos.cluster.families import FAMILIES, Failure, answer
    from demos.cyclegan.load import load_generator
    from demos.inference import route_of
    from demos.mnist.reader import load_model
    from demos.style.fast import load_fast_model

    mnist = load_model()
    assert route_of(("mnist", mnist)).family == "mnist"
    out = answer(FAMILIES["mnist"], {}, [(route_of(("mnist", mnist)).source, d) for d in digits(3)])
    assert [int(p.argmax()) for p, _ in out] == [7, 2, 1], "the first three test digits read as 7, 2, 1"

    generator = load_generator(path=require_shared("cyclegan", "horse2zebra_ganCompression_compressed_latest_net_G.pth"),
                               device="cpu")
    route = route_of(("cyclegan", generator))
    (y, seconds), = answer(FAMILIES["cyclegan"], {}, [(route.source, (torch.zeros(1, 3, 64, 64), torch.float32))])
    assert y.shape == (1, 3, 64, 64) and seconds > 0

    painter = load_fast_model("candy-mobilenet", require_shared("style", "mobilenetv2_fnst", "candy.pth"), device="cpu")
    route = route_of(("fast style", painter))
    models: dict = {}
    painted, broken = answer(FAMILIES["fast style"], models,
                             [(route.source, torch.full((1, 3, 32, 48), 128.0)), (route.source, torch.zeros(1, 7))])
    assert painted.shape == (32, 48, 3) and painted.dtype == np.uint8
    assert isinstance(broken, Failure) and broken.kind, "a poisoned request fails alone"
    assert len(models) == 1, "the replica loaded the network once"

    from demos.attention_sampling.reader import _default_model

    sampler = _default_model()
    route = route_of(("attention sampling", sampler))
    reading, = answer(FAMILIES["attention sampling"], {}, [(route.source, (np.zeros((256, 256), np.uint8), 2, 0))])
    assert reading.probabilities.shape == (10,)


def test_a_replicas_known_error_reaches_the_visitor_in_their_words():
    from demos.cluster.families import Failure, answer, Family
    from demos.errors import DemoError

    def refuse(model, items):
        raise DemoError("imagenet.error.bad", "bad picture {name}", name="x.png")

    failure, = answer(Family(lambda: object(), refuse), {}, [((), 1)])
    assert failure == Failure("DemoError", "bad picture x.png", "imagenet.error.bad", (("name", "x.png"),))


def test_the_deployment_batches_requests_of_several_visitors():
    import asyncio

    require_package("ray")
    from demos.cluster import deployments
    from demos.mnist.reader import load_model

    replica = deployments.ModelFamily.func_or_class("mnist")
    source = (None,)

    # serve.batch gathers the requests only inside a running deployment: here, one gathered batch
    batched = deployments.ModelFamily.func_or_class.batched.__wrapped__
    answers = off_loop(asyncio.run, batched(replica, [(source, d) for d in digits(6)]))
    assert [int(p.argmax()) for p, _ in answers] == [7, 2, 1, 0, 4, 1]
    assert replica.loaded() == [source]
    assert deployments.builder({"family": "fast style"}) is not None
    del load_model


def test_the_runner_relays_progress_and_stop():
    from demos.cluster.heavy import _Runner

    runner = _Runner()

    def loop(n, *, callback, should_stop):
        for step in range(n):
            if should_stop():
                return step
            callback(step, {"loss": 1 / (step + 1)})
            if step == 2:
                runner.stop()
        return n

    assert runner.run(loop, (10,), {}) == 3
    assert runner.drain() == [(0, {"loss": 1.0}), (1, {"loss": 0.5}), (2, {"loss": 1 / 3})] and runner.drain() == []
    # a function with another progress argument, or none and no should_stop (the full-resolution CNN)
    assert _Runner().run(lambda n, *, progress: progress(n, n) or n, (4,), {}, "progress", False) == 4
    assert _Runner().run(lambda x: 2 * x, (3,), {}, None, False) == 6


def test_the_serve_config_is_valid_and_names_every_family():
    require_package("ray")
    import yaml
    from ray.serve.schema import ServeDeploySchema

    from demos.cluster.families import FAMILIES, application_name

    for name in ("serve_config.yaml", "serve_config.gpu.yaml"):
        check_serve_config(ServeDeploySchema, yaml.safe_load((ROOT / "docs" / "deploy" / name).read_text()), FAMILIES,
                           application_name, gpu="gpu" in name)


def check_serve_config(ServeDeploySchema, raw, FAMILIES, application_name, gpu):
    config = ServeDeploySchema.model_validate(raw)
    apps = {app.name: app for app in config.applications}
    assert set(apps) == {application_name(f) for f in FAMILIES}
    for app in apps.values():
        assert app.import_path == "demos.cluster.deployments:builder"
        deployment, = app.deployments
        scaling = deployment.autoscaling_config
        assert scaling["min_replicas"] >= 1 and scaling["max_replicas"] >= scaling["min_replicas"]
        assert scaling["target_ongoing_requests"] > 0
        assert (deployment.ray_actor_options.num_gpus > 0) == (gpu and app.name != "mnist")
        assert app.runtime_env["env_vars"]["DLDEMOS_WEIGHTS_DIR"]


def test_only_the_familys_own_lane_leaves_the_process():
    """The same ImageNet network in the Grad-CAM lane (another batch function) is not sent to the classifier."""
    from demos.imagenet.models import load_classifier
    from demos.inference import route_of

    classifier = load_classifier("mobilenet_v2", pretrained=False, device=torch.device("cpu"))
    assert route_of(("imagenet", classifier.module)).source == ("mobilenet_v2", None, False)
    assert route_of(("imagenet gradcam", classifier.module)) is None
    assert route_of(("imagenet", object())) is None and route_of("small") is None


def test_the_compose_recipe_has_a_ray_head_two_replicas_and_a_sticky_proxy():
    import yaml

    deploy = ROOT / "docs" / "deploy"
    compose = yaml.safe_load((deploy / "docker-compose.yml").read_text())["services"]
    assert set(compose) == {"ray-head", "streamlit-1", "streamlit-2", "nginx"}
    assert "serve deploy docs/deploy/serve_config.yaml" in compose["ray-head"]["command"]
    for replica in ("streamlit-1", "streamlit-2"):
        assert compose[replica]["environment"]["DLDEMOS_RAY_ADDRESS"] == "ray-head:6379"
    nginx = (deploy / "nginx.conf").read_text()
    assert "ip_hash" in nginx and "Upgrade $http_upgrade" in nginx
    assert all(f"server {name}:8501" in nginx for name in ("streamlit-1", "streamlit-2"))
    gpu = yaml.safe_load((deploy / "docker-compose.gpu.yml").read_text())["services"]["ray-head"]
    assert "serve_config.gpu.yaml" in gpu["command"] and "--num-gpus=1" in gpu["command"]


def test_a_request_from_a_thread_with_an_event_loop_is_still_answered(ray_cluster):
    """Ray refuses blocking calls in a thread that runs an event loop; the service then waits in another."""
    import asyncio

    from demos.cluster.service import ClusterService
    from demos.mnist.reader import load_model, read_batch

    model, service = load_model(), ClusterService()

    async def ask():
        return service.run(("mnist", model), partial(read_batch, model), digits(1, seed=7)[0])

    probabilities, _ = off_loop(asyncio.run, ask())
    assert int(probabilities.argmax()) == 9 and service.remote == 1   # the 8th test digit is a 9
