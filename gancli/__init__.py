"""gancli: train, sample, explore and evaluate generative adversarial networks."""

__version__ = "0.1.0"
