"""Education: student tiering, the service schedule each tier earns, lifecycle, enrolments
and renewals (domain.md §3.1). Built on the public SDK (`core.sdk`) only; registered through
the `patron.plugins` entry point like any third-party plugin (`plugins.education.plugin`).

Nothing is imported here: importing one module (e.g. the pure `tiering`) loads only what
that module needs."""
