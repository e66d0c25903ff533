"""Call-heavy workload: richards, nbody and a JSON-like parser across several modules."""

from _bench import SCALE, clock, report
from cheavy import jsonparse, nbody, richards

t0 = clock()
richards.run(max(1, int(4 * SCALE)))
nbody.run(max(1, int(6000 * SCALE)))
jsonparse.run(max(1, int(1500 * SCALE)))
report(clock() - t0)
