"""Printed documents: domain values laid out as `printers.document.Document`s."""
