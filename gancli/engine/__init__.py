"""The shared engine: device and precision, data batches, EMA, the training loop, progress."""
