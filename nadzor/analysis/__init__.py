"""Analysis: the steps `nadzor analyze` runs on the store (registered through the register_analysis_steps hook)."""
