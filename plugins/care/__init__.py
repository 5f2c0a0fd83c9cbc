"""The care plugin: birthday and festival greetings, periodic callbacks, renewal notices and
notices on demand, through the core's occasion engine and consent gate (api.md §6)."""
