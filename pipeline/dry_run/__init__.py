"""`convenant proef`: replay a period of signals through the policy in force and the proposed
covenant files, in memory, producing nothing, and count what would change. The counting is pure
(tally); reading Kafka and adopting the policy in force as a worker does is the shell (replay)."""
