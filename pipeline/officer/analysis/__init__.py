"""The analysis of the covenants side by side (action 40): who sees what, differences per kind
of partner, overlaps, statistics and loose ends; plain data, renderers apart."""
