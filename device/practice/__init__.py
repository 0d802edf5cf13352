"""Practice: the exercise catalogue, plans, calibration, quality gating,
scoring and reps. Pure logic, usable without a screen."""
