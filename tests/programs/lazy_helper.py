VALUE = 42  # helper first
