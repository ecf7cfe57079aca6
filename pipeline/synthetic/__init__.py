"""Synthetic, realistic-looking signals for demos, tests and benchmarks. No real person in them."""
