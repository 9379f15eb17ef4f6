"""The store: what gancli keeps on disk and where a model is found.

Imports point down only, and nothing here imports the engine, the CLI, the metrics or the
latent tools (tests/test_architecture.py checks it):

    locate                   a CKPT argument -> the model file (path, zoo name, curated:, hf://)
    hub                      the Hugging Face Hub: fetch and check, push
    zoo                      named entries: local, curated; adding, registering, removing
    describe, modelcard, recent
                             a model from its header alone; its card; the most recent model
    checkpoint, files        the safetensors format; the names of the files a run holds

Importing this package, and files.py, costs nothing (no torch): the CLI's help texts name files
through gancli.store.files, and `gan --help` must stay instant.
"""
