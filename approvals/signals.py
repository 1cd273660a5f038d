"""What the approvals app tells the layer above it. The kommune's refusal of a round's winner has
consequences for the offer round that need the rejections app's decisions too, so the approvals app
does not carry them out itself: ``letting.workflow`` receives this signal (connected in
``letting.apps``) and directs them, inside the refusal's transaction. Likewise the vacancy's stage
(``allocation.Vacancy.stages``) follows a request made, approved or lapsed here: the workflow
receives ``letting_requested`` and ``letting_approved`` and moves it, in the same transaction."""

from django.dispatch import Signal

# Sent with request (the refused ApprovalRequest), actor, reason and today.
letting_refused = Signal()
# Sent with request (the new pending ApprovalRequest), actor and reason.
letting_requested = Signal()
# Sent with request (the ApprovalRequest approved, lapsed into approval (R42.3) or approved on
# Ankestyrelsen's overturning of a refusal (R24)), actor and reason.
letting_approved = Signal()
