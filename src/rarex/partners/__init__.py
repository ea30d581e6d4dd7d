"""The partner-authority channel: what a partner authority (the EU's, say) sees of the cases
and licenses in its jurisdiction, and how it talks to the licensing authority about them.

A partner reads cases only through this room's view models, never the applicant's or the
officer's: the redaction is one list of fields, not a set of exceptions to remember in every
page, answer and e-mail.
"""
