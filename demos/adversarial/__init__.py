"""Demo: fool the network (Szegedy et al., 2014): adversarial examples on the ImageNet models and on MNIST.

:func:`attack` (FGSM or PGD, untargeted or targeted, on the visitor's photo at its own size) and
:func:`attack_digit` (the lecture's MNIST network, no download).
"""
from demos.lazy import lazy_package

__getattr__, __dir__ = lazy_package(__name__, {
    "attacks": ("METHODS", "OSTRICH", "MAX_EPSILON", "AttackResult", "attack", "saved_and_read"),
    "digits": ("MNIST_EPSILON", "DigitAttack", "attack_digit"),
})

__all__ = ["MAX_EPSILON", "METHODS", "MNIST_EPSILON", "OSTRICH", "AttackResult", "DigitAttack", "attack",
           "attack_digit", "saved_and_read"]
