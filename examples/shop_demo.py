"""Example program for dapper-tui: a loop, a class with instances, a helper module and a thread.

Run it under the debugger:  dapper-tui examples/shop_demo.py
"""

import threading
import time

from shop.cart import Cart

stock = {"apple": 10, "pear": 4, "plum": 7}


def restock(rounds: int) -> None:
    for _ in range(rounds):
        for name in stock:
            stock[name] += 1
        time.sleep(0.05)


def checkout(cart: Cart) -> float:
    total = cart.total()
    print(f"{cart.owner} pays {total:.2f}")
    return total


def main() -> None:
    worker = threading.Thread(target=restock, args=(3,), name="restocker")
    worker.start()
    carts = []
    for owner in ("ada", "grace", "linus"):
        cart = Cart(owner)
        cart.add("apple", 1.5, quantity=len(owner) * 4)
        cart.add("pear", 12.0)
        carts.append(cart)
    totals = [checkout(cart) for cart in carts]
    worker.join()
    print(f"takings: {sum(totals):.2f}, stock left: {stock}")


if __name__ == "__main__":
    main()
