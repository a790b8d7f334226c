"""commonweal, the operator's application: the command line, the embedded demo,
spin-off provisioning and the sample data generator, on top of ``node`` and
``federation``."""
