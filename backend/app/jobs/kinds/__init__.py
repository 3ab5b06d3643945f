"""Job kinds: one module per kind (``generate``, ``amplify``, ``quality``, ``regenerate``), each with its
typed config, its ``create`` and its ``Kind`` (see ``base``), registered in ``registry``."""
