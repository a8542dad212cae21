"""Reads an MSAL-schema cache with MSAL Python's own TokenCache and answers what MSAL Python's
acquire_token_silent and acquire_token_for_client look up in it. Input (stdin): {"cache": <json
text>, "queries": [{"type": "AccessToken"|"RefreshToken"|"Account"|"IdToken", "target": [...],
"query": {...}}]}. Output: for each query, the secrets (or home_account_ids of accounts) found,
newest first by MSAL Python's own order."""
import json
import sys

import msal

request = json.load(sys.stdin)
cache = msal.SerializableTokenCache()
cache.deserialize(request["cache"])
out = []
for q in request["queries"]:
    found = cache.find(q["type"], target=q.get("target") or [], query=q.get("query") or {})
    if q["type"] == "Account":
        out.append([e.get("home_account_id") for e in found])
    else:
        out.append([e.get("secret") for e in found])
json.dump({"version": msal.__version__, "found": out}, sys.stdout)
