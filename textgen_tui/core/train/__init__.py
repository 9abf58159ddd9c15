"""Training: one run from start to end (the session), the trainer's loop, the run spec, the plan
(learning rate, periods, budget, stopping), sizing, progress and TensorBoard."""
