"""The expression classifier: model input, the int8 TFLite model, evaluation."""
