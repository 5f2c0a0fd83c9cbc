"""Education: student tiering, the service schedule each tier earns, lifecycle, enrolments
and renewals (domain.md §3.1). Built on the public SDK (`core.sdk`) only; registered through
the `patron.plugins` entry point like any third-party plugin (`plugins.education.plugin`)."""

# Loaded first, whichever module is imported: the modules refer to `plugin.EDUCATION` at
# call time.
from plugins.education.plugin import EDUCATION

__all__ = ["EDUCATION"]
