"""Offline tools: build the shipped models and the embedded demo from data.

Needs requirements-export.txt (TensorFlow, scikit-image); never runs on a device.
"""
