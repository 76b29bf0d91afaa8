"""Everything that ends on paper: documents, renderers, transports and the print queue."""
