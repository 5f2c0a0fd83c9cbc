"""patron-gym: gym memberships for Patron, built on the public SDK (`core.sdk`) only.

The descriptor is `patron_gym.plugin.GYM`; nothing here imports it, so importing any module
of the package loads only what that module needs."""
