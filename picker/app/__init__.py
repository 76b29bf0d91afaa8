"""Use cases: services over one warehouse file, composed by `Warehouse`."""
