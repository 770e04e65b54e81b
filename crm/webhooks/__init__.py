"""Webhooks as the Standard Webhooks specification says: signed, retried for a day, recorded."""
