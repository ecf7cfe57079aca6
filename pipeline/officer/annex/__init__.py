"""The covenant's annex (bijlage): its content as plain data, and its renderings."""
