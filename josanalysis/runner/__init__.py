"""The runner: batch runs of the report notebooks (papermill on dask), manifests and the CLI."""
