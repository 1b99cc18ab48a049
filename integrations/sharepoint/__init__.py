"""SharePoint through Microsoft Graph (SPEC §6): how a file gets into a customer's library.

Nothing here imports msgraph at module level: the SDK loads (about a second) only when a transfer runs.
"""
