"""Online editing through WOPI, the protocol Collabora Online, OnlyOffice and Microsoft 365 for
the web speak (https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/).

The portal is the WOPI *host*: it keeps the files; the office server (the WOPI *client*) shows
the editor in an iframe of our host page and calls our REST endpoints to read and save the
file, authenticated by the access token we put in that page.

- discovery.py: the office server's discovery document (which extensions it opens, the
  editor's URL, its proof keys), fetched from WOPI_DISCOVERY_URL and cached.
- tokens.py: the access tokens (signed; bound to user, file, collab and right).
- proofkeys.py: checking that a request was signed by the office server (X-WOPI-Proof).
- locks.py: the WOPI locks (FileLock), race-safe; services.py: saves and "Save as".
- views.py: the REST endpoints (token only, CSRF exempt) and the host page `edit_online`.
"""
