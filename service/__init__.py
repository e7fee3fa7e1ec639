"""The kiennghi web service: intake, assignment workflow, inboxes, reports, model operations."""
