"""Following stories as they are written: subscriptions, the updates they bring, alerts."""
