"""The change memo: what a covenant change discloses newly, withdraws or treats differently,
per recipient, built on the comparison engine; renderers for Markdown and HTML beside it."""
