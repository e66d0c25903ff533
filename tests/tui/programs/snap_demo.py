"""A small deterministic program for the snapshot tests (no threads, no addresses in reprs)."""

from dataclasses import dataclass, field


@dataclass
class Order:
    customer: str
    items: list[str] = field(default_factory=list)

    def total(self, prices: dict[str, float]) -> float:
        amount = sum(prices[item] for item in self.items)
        return round(amount * 1.2, 2)


PRICES = {"tea": 3.5, "cake": 4.25, "scone": 2.0}


def main() -> None:
    orders = [Order("ada", ["tea", "cake"]), Order("grace", ["scone"])]
    for order in orders:
        print(f"{order.customer}: {order.total(PRICES)}")


if __name__ == "__main__":
    main()
