"""N-body: planets under gravity (after the classic benchmark), written with small helper calls."""

from __future__ import annotations

import math

PI = math.pi
SOLAR_MASS = 4 * PI * PI
DAYS_PER_YEAR = 365.24


class Body:
    __slots__ = ("m", "vx", "vy", "vz", "x", "y", "z")

    def __init__(self, x: float, y: float, z: float, vx: float, vy: float, vz: float, m: float) -> None:
        self.x, self.y, self.z = x, y, z
        self.vx, self.vy, self.vz = vx * DAYS_PER_YEAR, vy * DAYS_PER_YEAR, vz * DAYS_PER_YEAR
        self.m = m * SOLAR_MASS


def make_system() -> list[Body]:
    return [
        Body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
        Body(4.84143144246472090e00, -1.16032004402742839e00, -1.03622044471123109e-01,
             1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
             9.54791938424326609e-04),
        Body(8.34336671824457987e00, 4.12479856412430479e00, -4.03523417114321381e-01,
             -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
             2.85885980666130812e-04),
        Body(1.28943695621391310e01, -1.51111514016986312e01, -2.23307578892655734e-01,
             2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
             4.36624404335156298e-05),
        Body(1.53796971148509165e01, -2.59193146099879641e01, 1.79258772950371181e-01,
             2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
             5.15138902046611451e-05),
    ]  # fmt: skip


def pairs(bodies: list[Body]) -> list[tuple[Body, Body]]:
    return [(a, b) for i, a in enumerate(bodies) for b in bodies[i + 1 :]]


def distance2(a: Body, b: Body) -> tuple[float, float, float, float]:
    dx, dy, dz = a.x - b.x, a.y - b.y, a.z - b.z
    return dx, dy, dz, dx * dx + dy * dy + dz * dz


def interact(a: Body, b: Body, dt: float) -> None:
    dx, dy, dz, d2 = distance2(a, b)
    mag = dt * (d2**-1.5)
    bm, am = b.m * mag, a.m * mag
    a.vx -= dx * bm
    a.vy -= dy * bm
    a.vz -= dz * bm
    b.vx += dx * am
    b.vy += dy * am
    b.vz += dz * am


def move(body: Body, dt: float) -> None:
    body.x += dt * body.vx
    body.y += dt * body.vy
    body.z += dt * body.vz


def advance(bodies: list[Body], pair_list: list[tuple[Body, Body]], dt: float, steps: int) -> None:
    for _ in range(steps):
        for a, b in pair_list:
            interact(a, b, dt)
        for body in bodies:
            move(body, dt)


def energy(bodies: list[Body], pair_list: list[tuple[Body, Body]]) -> float:
    e = 0.0
    for a, b in pair_list:
        e -= (a.m * b.m) / math.sqrt(distance2(a, b)[3])
    for body in bodies:
        e += body.m * (body.vx * body.vx + body.vy * body.vy + body.vz * body.vz) / 2.0
    return e


def run(steps: int) -> float:
    bodies = make_system()
    pair_list = pairs(bodies)
    advance(bodies, pair_list, 0.01, steps)
    return energy(bodies, pair_list)
