"""The library under the `gan` commands: each module is one job with its options object.

    from gancli.api.sample import SampleOptions, sample
    sample("mnist5k-dcgan", SampleOptions(n=16, output="grid.png"))

Commands parse flags into these options, call the job and render its result; Python users call
the same jobs. Nothing here imports torch at import time of this package.
"""
