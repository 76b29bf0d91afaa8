"""Pure rules and values: the standard library only, and the shared `picker.errors` and `i18n`."""
