"""The live pipeline: camera -> vision -> (asynchronous) expression classifier -> consumer."""

from device.pipeline.pipeline import Expression, Pipeline, PipelineError, Update

__all__ = ["Expression", "Pipeline", "PipelineError", "Update"]
