"""Feature extractors, one module each, registered by `@extractor(...)` on its builder (see
`gancli.metrics.registry` and `gancli.metrics.features`). Importing this package imports
nothing heavy: a module is imported when its extractor is built."""
