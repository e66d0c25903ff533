"""A tiny shop: a cart of items, prices from a helper module, a background restocker thread."""
