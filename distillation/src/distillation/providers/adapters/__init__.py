"""Provider adapters: authentication, SDK clients and error mapping (one module per provider)."""
