"""The officer's live page (`convenant bekijk`): what the checks, the example tests, the
analysis, the change memo and the annex say about a covenant folder, as a local web page that
updates itself when a file is saved. Pure model and rendering here; the server and the file
watcher in ``server`` and ``live``."""
