"""The privacy officer's tools: example tests, explain and the annex, the change memo.

They read covenant files and compiled policies, never personal data, and live apart from the
data plane: nothing here is imported by the router or the worker.
"""
