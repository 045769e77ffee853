"""Open Referral HSDS 3.0 under /hsds."""


def blueprints():
    return []
