"""Microsoft Teams adapter: Adaptive Card renderers and the Workflows webhook digest sink."""
