"""What the approvals app tells the layer above it. The kommune's refusal of a round's winner has
consequences for the offer round that need the rejections app's decisions too, so the approvals app
does not carry them out itself: ``letting.workflow`` receives this signal (connected in
``letting.apps``) and directs them, inside the refusal's transaction."""

from django.dispatch import Signal

# Sent with request (the refused ApprovalRequest), actor, reason and today.
letting_refused = Signal()
