"""The bundled demo: a loopback server for examples/demo so the demo uses the real fetch path."""
