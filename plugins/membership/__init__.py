"""Membership: levels from spend, purchases and referrals over a window, their benefits,
and referral rewards (domain.md §3.3). Built on the public SDK (`core.sdk`) only; registered
through the `patron.plugins` entry point like any third-party plugin
(`plugins.membership.plugin`).

Nothing is imported here: importing one module (e.g. the pure `ladder`) loads only what
that module needs."""
