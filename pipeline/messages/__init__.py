"""Every message a privacy officer reads, in Dutch and English side by side (``language.Text``).

One module per tool: ``yaml`` (mistakes in writing a YAML file), ``structure`` (a key or value
that does not fit the file format), ``covenant`` (checks against the registry and schemas),
``tools`` (explain, diff, test, publish, keys). Each message is a function with typed
arguments, so a missing or misspelt argument is a type error, not a broken sentence.
"""
