"""Notifications: an outbox written with the event, a page that shows it, a sender that mails it."""
