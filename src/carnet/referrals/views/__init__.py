"""Pages of referrals: the NCP's inbox and outbox, a new referral from a case, the referral page, the regional dashboard."""
