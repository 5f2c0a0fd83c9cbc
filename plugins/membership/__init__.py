"""Membership: levels from spend, purchases and referrals over a window, their benefits,
and referral rewards (domain.md §3.3). Built on the public SDK (`core.sdk`) only; registered
through the `patron.plugins` entry point like any third-party plugin
(`plugins.membership.plugin`)."""

# Loaded first, whichever module is imported: the modules refer to `plugin.MEMBERSHIP` at
# call time.
from plugins.membership.plugin import MEMBERSHIP

__all__ = ["MEMBERSHIP"]
