"""The plugin host: hook specifications, discovery, per-tenant state and dispatch."""
