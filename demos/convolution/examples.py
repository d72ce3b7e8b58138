"""The lecture's worked examples, as the slides print them (the tests check each against torch).

Seed 001 (F. Fleuret): a 1-D convolution of a signal, and a derivative filter. The slide's figure gives
the kernel W and the output; the text keeps the signal (`1 4 -1 0 2 -2 1 3 3 1`) and the derivative line.
Seed 002: the padding example and the batch-normalisation table. Seed 003 (A. Meyer): the curve detector.
"""
from __future__ import annotations

# seed 001, "Couches convolutionnelles": input, the figure's W, the figure's output
SIGNAL_1D = (1, 4, -1, 0, 2, -2, 1, 3, 3, 1)
KERNEL_1D = (1, 2, 0, -1)
OUTPUT_1D = (9, 0, 1, 3, -5, -3, 6)
# seed 001: "(0, 0, 0, 0, 1, 2, 3, 4, 4, 4, 4) ⊛ (-1, 1) = (0, 0, 0, 1, 1, 1, 1, 0, 0, 0)"
RAMP = (0, 0, 0, 0, 1, 2, 3, 4, 4, 4, 4)
DERIVATIVE = (-1, 1)
RAMP_DERIVATIVE = (0, 0, 0, 1, 1, 1, 1, 0, 0, 0)

# seed 002, "Le padding": the 3×3 input 0…8 padded with one ring of zeros, a 2×2 kernel, stride 1
PADDING_INPUT = ((0, 1, 2), (3, 4, 5), (6, 7, 8))
PADDING_KERNEL = ((0, 1), (2, 3))
PADDING = 1
PADDING_OUTPUT = ((0, 3, 8, 4), (9, 19, 25, 10), (21, 37, 43, 16), (6, 7, 8, 0))

# seed 002, "Batch normalization": 3 samples (columns) of 4 features (rows), each feature's mean and
# (biased) standard deviation as printed
BATCH = ((1, 3, 8), (3, 4, 3), (5, 6, 2), (7, 2, 1))
BATCH_MEANS = (4, 3.33, 4.33, 3.33)
BATCH_STDS = (2.94, 0.471, 1.69, 2.62)

# seed 003, "Détecteur de courbes": a 7×7 filter, the receptive field on the curve, and elsewhere
CURVE_FILTER = (
    (0, 0, 0, 0, 0, 30, 0),
    (0, 0, 0, 0, 30, 0, 0),
    (0, 0, 0, 30, 0, 0, 0),
    (0, 0, 0, 30, 0, 0, 0),
    (0, 0, 0, 30, 0, 0, 0),
    (0, 0, 0, 30, 0, 0, 0),
    (0, 0, 0, 0, 0, 0, 0),
)
ON_THE_CURVE = (
    (0, 0, 0, 0, 0, 0, 30),
    (0, 0, 0, 0, 50, 50, 50),
    (0, 0, 0, 20, 50, 0, 0),
    (0, 0, 0, 50, 50, 0, 0),
    (0, 0, 0, 50, 50, 0, 0),
    (0, 0, 0, 50, 50, 0, 0),
    (0, 0, 0, 50, 50, 0, 0),
)
ELSEWHERE = (
    (0, 0, 0, 0, 0, 0, 0),
    (0, 40, 0, 0, 0, 0, 0),
    (40, 0, 40, 0, 0, 0, 0),
    (40, 20, 0, 0, 0, 0, 0),
    (0, 50, 0, 0, 0, 0, 0),
    (0, 0, 50, 0, 0, 0, 0),
    (25, 25, 0, 50, 0, 0, 0),
)
ON_THE_CURVE_RESPONSE = 6600      # "(50*30)+(50*30)+(50*30)+(20*30)+(50*30)=6600 (A large number!)"
ELSEWHERE_RESPONSE = 0

# seed 003: the image-processing filters (a 3×3 box blur, sharpen, Sobel edges)
FILTERS: dict[str, tuple[tuple[float, ...], ...]] = {
    "blur": tuple(tuple(1 / 9 for _ in range(3)) for _ in range(3)),
    "sharpen": ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
    "edge_x": ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
    "edge_y": ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
}

# seed 001: a dense layer from a 256×256 colour image to a signal of the same size
DENSE_SIDE, DENSE_CHANNELS = 256, 3
