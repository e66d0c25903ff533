"""Call-heavy workload modules: richards, nbody and a JSON-like parser (lexer and parser in two modules)."""
