"""Demo: generative adversarial networks: a conditional GAN this project trained, and BigGAN."""

from ui.startup import through_the_app

through_the_app()   # a fresh server's first visits run a page without app.py (see ui.startup)

import streamlit as st
import torch

from demos import limits
from demos.cards import read_card
from demos.cluster.heavy import on_cluster
from demos.device import pick_device
from demos.errors import DemoError
from demos.gan import biggan, conditional, train_conditional
from demos.gan.train_conditional import progress_grid, train_live
from demos.grids import upscale
from demos.images import to_png
from demos.jobs import DONE, STOPPED, Job
from ui import models, queue
from ui.common import decimal, page_header, present, show_error, t

MOMENTS = (1 / 32, 1 / 8, 3 / 8, 1)   # the live run's grid kept at these fractions of it: noise, blobs, digits
RESOLUTIONS = [128, 256, 512]
# session state: the visitor's heavy jobs (demos.jobs.Job), each waiting its turn in the server's queue
LIVE_JOB, BIG_JOB, WALK_JOB = "gan_live_job", "gan_big_job", "gan_big_walk_job"


def images_done(job: Job) -> str:
    """A BigGAN job's progress: "3 / 8 images"."""
    return t("gan.big.progress", done=job.state.get("done", 0), n=job.state.get("n", "…"))


# --- the GAN we trained --------------------------------------------------------

def our_digits(generator: torch.nn.Module) -> None:
    st.subheader(t("gan.ours.generate"))
    c1, c2, c3 = st.columns([3, 1, 1])
    digits = c1.pills(t("gan.ours.digits"), list(range(10)), selection_mode="multi", default=list(range(10)),
                      key="gan_digits")
    per_digit = c2.slider(t("gan.ours.per_digit"), 1, 10, 6, key="gan_per_digit")
    seed = c3.number_input(t("gan.seed"), 0, 1_000_000, 0, key="gan_seed")
    if not digits:
        st.info(t("gan.ours.pick_digits"))
        return
    wanted = [d for _ in range(per_digit) for d in sorted(digits)]
    images = conditional.generate_digits(wanted, seed=int(seed), generator=generator)
    # one column per digit, as in the training grids; projected, short enough for the 720-pixel screen
    grid = conditional.digit_grid(images, cols=len(digits))
    height = 280 if present() else 560
    width = min(grid.shape[1], 720, round(grid.shape[1] * height / grid.shape[0]))
    st.image(grid, caption=t("gan.ours.caption", n=len(wanted)), width=width)
    st.download_button(t("gan.download_png"), to_png(grid), file_name="gan_digits.png", mime="image/png",
                        icon=":material/download:", key="gan_digits_png")


def learning() -> None:
    st.subheader(t("gan.ours.learning"))
    shots = conditional.progress_snapshots()
    if not shots:
        st.info(t("gan.ours.no_progress"))
        return
    epoch = st.select_slider(t("gan.ours.epoch"), options=list(shots), value=max(shots), key="gan_epoch")
    st.image(str(shots[epoch]), caption=t("gan.ours.epoch_caption", epoch=epoch), width=420)


def walk(generator: torch.nn.Module) -> None:
    st.subheader(t("gan.ours.walk"))
    st.markdown(t("gan.ours.walk_explain"))
    c1, c2 = st.columns(2)
    seed_a = c1.number_input(t("gan.seed_a"), 0, 1_000_000, 1, key="gan_walk_a")
    seed_b = c2.number_input(t("gan.seed_b"), 0, 1_000_000, 2, key="gan_walk_b")
    frames = conditional.interpolate(list(range(10)), int(seed_a), int(seed_b), steps=16, generator=generator)
    strips = [conditional.digit_grid(frame, cols=10) for frame in frames]
    step = st.slider(t("gan.ours.walk_step"), 0, len(frames) - 1, 0, key="gan_walk_step")
    st.image(strips[step], width=min(strips[step].shape[1], 700))
    st.download_button(t("gan.download_gif"), biggan.to_gif(strips), file_name="gan_walk.gif", mime="image/gif",
                       icon=":material/gif_box:", key="gan_walk_gif")


def live_training() -> None:
    live = train_conditional.LIVE
    st.subheader(t("gan.live.title"))
    st.markdown(t("gan.live.explain", steps=live.steps, batch=live.batch_size))
    if st.button(t("gan.live.button"), type="primary", icon=":material/model_training:", key="gan_live"):
        try:
            images, digit_labels = models.mnist_data("train")
        except DemoError as error:
            show_error(error)
            return
        keep_at = {max(10, 10 * round(live.steps * f / 10)) for f in MOMENTS}   # reports come every 10 steps

        def work(job: Job) -> list[dict]:
            history: list[dict] = []

            def on_progress(record: dict, generator: torch.nn.Module) -> None:
                history.append(record)
                grid = progress_grid(generator)
                moments = job.state.get("moments", [])
                if record["step"] in keep_at or record["step"] == record["steps"]:
                    moments = [*moments, (record["step"], record["seconds"], grid)]
                job.report(record["step"] / record["steps"], record=record, grid=grid, moments=moments)
            on_cluster(train_live)(images, digit_labels, callback=on_progress, should_stop=job.should_stop)
            return history

        queue.submit(LIVE_JOB, work, kind="gan-training")
    queue.follow(LIVE_JOB, live_view)


def live_view(job: Job) -> None:
    """The live run's place in the queue or progress, its latest grid, the grid at a few moments, its time."""
    record = job.state.get("record")
    queue.status(job, key="gan_live_cancel", running_text=record and t(
        "gan.live.progress", step=record["step"], steps=record["steps"], seconds=decimal(record['seconds'], ".0f")))
    moments = job.state.get("moments", [])
    if record is not None and job.status not in (DONE, STOPPED):
        st.image(upscale(job.state["grid"], 2), width=420, caption=t("gan.live.caption", step=record["step"]))
    if moments:
        for column, (step, seconds, grid) in zip(st.columns(len(MOMENTS)), moments):
            column.image(grid, width="stretch",
                         caption=t("gan.live.moment", step=step, seconds=decimal(seconds, ".0f")))
    if record is not None:
        st.caption(t("gan.live.losses", d=decimal(record['loss_d'], ".2f"), g=decimal(record['loss_g'], ".2f"),
                     real=decimal(record['d_real'], ".2f"), fake=decimal(record['d_fake'], ".2f")))
    if job.status in (DONE, STOPPED) and job.result:
        st.success(t("gan.live.done", seconds=decimal(job.result[-1]['seconds'], ".0f")))


def ours_tab() -> None:
    try:
        generator = models.mnist_gan()
    except DemoError as error:
        show_error(error)
        return
    card = read_card(conditional.SHIPPED)
    if card is not None:
        st.markdown(t("gan.ours.explain", epochs=card["epochs"], seconds=decimal(card['train_seconds'], ".0f"),
                      recognised=decimal(card['recognised_1000'], ".1%")))
    else:   # weights without their card (e.g. a training run still going)
        st.markdown(t("gan.ours.explain_short"))
    our_digits(generator)
    learning()
    walk(generator)
    live_training()


# --- BigGAN --------------------------------------------------------------------

def big_model(name: str) -> torch.nn.Module | None:
    if not models.download_on_request(biggan.artifact_ids(name), "gan.big.download_first", "gan.big.download",
                                      key=f"gan_dl_{name}", name=name):
        return None
    try:
        with st.spinner(t("gan.big.loading", name=name)):
            return models.biggan_model(name)
    except DemoError as error:
        show_error(error)
        st.info(t("gan.big.fetch_hint"), icon=":material/info:")
        return None


def big_generate(model: torch.nn.Module, name: str) -> None:
    classes = biggan.imagenet_classes()
    default = [c for c in ("espresso", "mushroom", "military uniform", "garter snake") if c in classes]
    chosen = st.multiselect(t("gan.big.classes"), classes, default=default, key="gan_big_classes",
                            accept_new_options=True, help=t("gan.big.classes_help"))
    c1, c2, c3 = st.columns(3)
    truncation = c1.slider(t("gan.big.truncation"), 0.02, 1.0, biggan.LECTURE_TRUNCATION, 0.02,
                           key="gan_big_trunc", help=t("gan.big.truncation_help"))
    seed = c2.number_input(t("gan.seed"), 0, 1_000_000, 0, key="gan_big_seed")
    per_class = c3.number_input(t("gan.big.per_class"), 1, 8, 1, key="gan_big_n")
    if not chosen:
        st.info(t("gan.big.pick_classes"))
        return
    try:
        biggan.class_indices(chosen)
    except DemoError as error:
        show_error(error)
        return
    count = len(chosen) * int(per_class)
    device = next(model.parameters()).device
    if device.type == "cpu":
        folder = str(biggan.model_folder(name, download=False))
        with st.spinner(t("gan.big.measuring")):
            seconds = models.biggan_seconds_per_image(name, folder) * count
        st.caption(t("gan.big.estimate", n=count, seconds=decimal(seconds, ".0f")))
    if count > limits.max_images():
        st.warning(t("gan.big.too_many", n=count, max=limits.max_images()), icon=":material/warning:")
    elif st.button(t("gan.big.button", n=count), type="primary", icon=":material/auto_awesome:", key="gan_big_go"):
        caption = t("gan.big.grid_caption", classes=", ".join(map(str, chosen)), psi=decimal(truncation, ".2f"),
                    seed=seed)
        cols = int(per_class) if per_class > 1 else None

        def work(job: Job) -> tuple:
            generate = on_cluster(biggan.biggan_generate, callback="progress")   # a Ray actor on a cluster
            images = generate(chosen, truncation, int(seed), n_per_class=int(per_class), model=model,
                              progress=lambda d, n: job.report(d / n, done=d, n=n), should_stop=job.should_stop)
            return (biggan.grid(images, cols=cols), caption) if images else None

        queue.submit(BIG_JOB, work, kind=f"{name}-generate")
    queue.follow(BIG_JOB, big_view)


def big_view(job: Job) -> None:
    """BigGAN's place in the queue or progress, then the grid and its download."""
    queue.status(job, key="gan_big_cancel", running_text=images_done(job))
    if job.status in (DONE, STOPPED) and job.result:
        image, caption = job.result
        st.image(image, caption=caption)
        st.download_button(t("gan.download_png"), to_png(image), file_name="biggan.png", mime="image/png",
                           icon=":material/download:", key="gan_big_png")


def big_walk(model: torch.nn.Module) -> None:
    st.subheader(t("gan.big.walk"))
    st.markdown(t("gan.big.walk_explain"))
    classes = biggan.imagenet_classes()
    c1, c2 = st.columns(2)
    class_a = c1.selectbox(t("gan.big.class_a"), classes, index=classes.index("mushroom"), key="gan_walk_class_a")
    class_b = c2.selectbox(t("gan.big.class_b"), classes, index=classes.index("garter snake"), key="gan_walk_class_b")
    seed_a = c1.number_input(t("gan.seed_a"), 0, 1_000_000, 0, key="gan_big_walk_a")
    seed_b = c2.number_input(t("gan.seed_b"), 0, 1_000_000, 1, key="gan_big_walk_b")
    c3, c4 = st.columns(2)
    steps = c3.slider(t("gan.big.walk_steps"), 3, 16, 8, key="gan_big_walk_steps")
    truncation = c4.slider(t("gan.big.truncation"), 0.02, 1.0, biggan.LECTURE_TRUNCATION, 0.02, key="gan_big_walk_trunc")
    if st.button(t("gan.big.walk_button", n=steps), icon=":material/animation:", key="gan_big_walk_go"):
        def work(job: Job) -> list:
            return on_cluster(biggan.latent_walk, callback="progress")(   # a Ray actor on a cluster
                model, class_a, class_b, int(seed_a), int(seed_b), truncation, steps,
                progress=lambda d, n: job.report(d / n, done=d, n=n), should_stop=job.should_stop)

        queue.submit(WALK_JOB, work, kind="biggan-walk")
    queue.follow(WALK_JOB, walk_view)


def walk_view(job: Job) -> None:
    """The walk's place in the queue or progress, then its frames (slider) and GIF."""
    queue.status(job, key="gan_big_walk_cancel", running_text=images_done(job))
    frames = job.result if job.status in (DONE, STOPPED) else None
    if frames:
        c1, c2 = st.columns(2)
        step = c1.slider(t("gan.ours.walk_step"), 0, len(frames) - 1, 0, key="gan_big_walk_frame")
        c1.image(frames[step], width=320)
        gif = biggan.to_gif(frames, duration_ms=150)
        c2.image(gif, width=320, caption=t("gan.big.gif_caption"))
        c2.download_button(t("gan.download_gif"), gif, file_name="biggan_walk.gif", mime="image/gif",
                           icon=":material/gif_box:", key="gan_big_gif")


def biggan_tab() -> None:
    st.markdown(t("gan.big.explain"))
    default = RESOLUTIONS.index(512 if pick_device().type != "cpu" else 128)
    size = st.segmented_control(t("gan.big.resolution"), RESOLUTIONS, default=RESOLUTIONS[default], key="gan_big_res",
                                format_func=lambda r: f"{r}×{r}") or RESOLUTIONS[default]
    name = f"biggan-deep-{size}"
    model = big_model(name)
    if model is None:
        return
    big_generate(model, name)
    big_walk(model)


page_header("gan")
ours, big = st.tabs([t("gan.tab.ours"), t("gan.tab.biggan")])
with ours:
    ours_tab()
with big:
    biggan_tab()
