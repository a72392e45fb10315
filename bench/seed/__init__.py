"""Seeding for the benchmarks, one file per server module (`printing.py` for `server/printing/`): the request
bodies its benchmarks send, and functions that fill a stack's database through the server's own models. A
benchmark runs those inside the stack's environment with `stack.call("seed.<module>", "<function>", ...)`;
they import the server there, so the benchmark's own process imports only the bodies."""
