"""Prices and discounts. Edit `discount` while stopped (say, 0.10 -> 0.50), save, and continue: the running
program uses it, and grace and linus pay less."""

TAX_RATE = 0.2


def discount(total: float) -> float:
    """Ten percent off orders above 40 (grace and linus get it; ada does not)."""
    if total > 40:
        return total * 0.10
    return 0.0


def with_tax(amount: float) -> float:
    return round(amount * (1 + TAX_RATE), 2)
