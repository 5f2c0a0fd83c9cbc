"""Points: a loyalty points ledger with lots, expiry, a catalogue and redemptions (domain.md
§3.4, api.md §6). Built on the public SDK (`core.sdk`) only; registered through the
`patron.plugins` entry point like any third-party plugin (`plugins.points.plugin`).

- `ledger`: the rules, pure (property-tested). `store`: the tables' queries and `post`, the
  one way a posting is written (account row locked, entries + lots + stored balance in one
  transaction). `service`: the operations, taking the plugin-bound context (`config.Ctx`).
  `reactions`: the handlers of the descriptor's subscriptions (`payment.recorded`,
  `task.completed`, `interaction.logged`, membership's `membership.referral_rewarded`) and
  the daily `expiry` schedule. `hooks`: the customer section. `routes`: HTTP.
- Events published (`events`), in the posting's transaction: `points.earned` and
  `points.redeemed` (`customer_id`, `points`, `cause`, `balance` after). Awards, redemptions
  and their cancellations are on the customer's timeline (`points.awarded`,
  `points.redeemed`, `points.redemption_canceled`).
- Every entry's `cause` is unique per tenant: `payment:<id>`, `refund:<id>`,
  `referral:<referred id>` (membership's reward), `referral-first-payment:<referred id>`,
  `activity:task:<id>`, `activity:interaction:<id>`, `award:<uuid>`, `adjust:<uuid>`,
  `redeem:<redemption id>`, `cancel:<redemption id>`, `expire:<lot id>`,
  `expire:cancel:<redemption id>:<lot id>`, `settle:<cause of the earning>`.
- Decisions: points past their expiry stay spendable until the daily `expiry` schedule (or
  `POST …/expiry-runs`) expires them; cancelling a redemption whose lot has expired (or is
  past its expiry) gives those points back and expires them at once (a `reverse` and an
  `expire` entry), so a cancel never revives expired points. A refund takes back
  floor(points earned × share of the payment refunded so far) less what earlier refunds
  took, from its payment's lot first, then soonest-expiring; under `within_balance` what
  the balance cannot cover is `owed` and the next earnings settle it (a `reverse` entry,
  cause `settle:…`). Manual adjustments never settle what is owed.
"""
