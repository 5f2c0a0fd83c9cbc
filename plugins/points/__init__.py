"""Points: a loyalty points ledger with lots, expiry, a catalogue and redemptions (domain.md
§3.4, api.md §6). Built on the public SDK (`core.sdk`) only; registered through the
`patron.plugins` entry point like any third-party plugin (`plugins.points.plugin`)."""
