"""commonweal: the command line, the embedded demo, and storage helpers shared by
the node and the consortium."""
