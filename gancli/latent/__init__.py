"""Latent space: priors, interpolation paths, arithmetic over named concepts."""
