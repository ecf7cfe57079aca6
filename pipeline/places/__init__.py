"""Places the covenants name: the municipalities of the Netherlands (CBS codes and names), their
safety region and police unit, as data with its source and date (gemeenten.csv)."""
