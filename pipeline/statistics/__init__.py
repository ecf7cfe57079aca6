"""Figures for the Nationaal Rapporteur: what is counted (periods, dimensions, facts) and how a
period's tables are published after statistical disclosure control (pipeline.disclosure_control).

Two layers in one concern: ``periods`` and ``dimensions`` are pure definitions that the covenant
layer compiles rules with (pipeline.covenant.statistics); ``facts``, ``release`` and ``ledger``
work on those compiled rules, as the router works on view plans.
"""
