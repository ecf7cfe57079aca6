"""Statistical disclosure control of frequency tables: primary and secondary cell suppression,
audited by linear programming (the approach of tau-argus and sdcTable), and rounding.

Pure: no I/O, no knowledge of covenants or Kafka. The method is described in Dutch in
docs/statistiek.md.
"""
