from __future__ import annotations

from dataclasses import dataclass, field

from .pricing import discount, with_tax


@dataclass
class Item:
    name: str
    price: float
    quantity: int = 1

    def subtotal(self) -> float:
        return self.price * self.quantity


@dataclass
class Cart:
    owner: str
    items: list[Item] = field(default_factory=list)

    def add(self, name: str, price: float, quantity: int = 1) -> Item:
        item = Item(name, price, quantity)
        self.items.append(item)
        return item

    def total(self) -> float:
        gross = sum(item.subtotal() for item in self.items)
        return with_tax(gross - discount(gross))
