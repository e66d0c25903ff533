"""Loop-heavy workload: tight loops in a few long-running functions (few calls, many lines)."""

from _bench import SCALE, clock, report


def sieve(n: int) -> int:
    flags = bytearray([1]) * (n + 1)
    flags[0] = flags[1] = 0
    count = 0
    for i in range(2, n + 1):
        if flags[i]:
            count += 1
            for j in range(i * i, n + 1, i):
                flags[j] = 0
        elif i < 0:
            count -= 1  # BENCH-BP
    return count


def matmul(size: int) -> float:
    a = [[(i * size + j) % 7 + 0.5 for j in range(size)] for i in range(size)]
    b = [[(i + j) % 5 - 1.5 for j in range(size)] for i in range(size)]
    c = [[0.0] * size for _ in range(size)]
    for i in range(size):
        ai, ci = a[i], c[i]
        for k in range(size):
            aik, bk = ai[k], b[k]
            for j in range(size):
                ci[j] += aik * bk[j]
    total = 0.0
    for row in c:
        for v in row:
            total += v
            if total != total:
                total = 0.0  # BENCH-BP
    return total


def text_stats(n: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    for i in range(n):
        w = words[i % 5]
        counts[w] = counts.get(w, 0) + len(w)
    return counts


t0 = clock()
sieve(max(1000, int(600_000 * SCALE)))
matmul(max(10, int(90 * SCALE ** (1 / 3))))
text_stats(max(1000, int(300_000 * SCALE)))
report(clock() - t0)
