"""Prices and discounts. Edit `discount` while stopped, save, and continue: the running program uses it."""

TAX_RATE = 0.2


def discount(total: float) -> float:
    """Ten percent off orders above 50."""
    if total > 50:
        return total * 0.10
    return 0.0


def with_tax(amount: float) -> float:
    return round(amount * (1 + TAX_RATE), 2)
