"""MSAL Python as a real client of the dev IdP, one operation per run, its cache passed in and out
as MSAL-schema JSON. Input (stdin): {"op": ..., "authority", "client_id", "client_secret", "ca",
"cache", ...}. Output (stdout): {"cache": <json text>, "result": {...}} where "result" holds what
the operation returned (tokens included: the caller compares them), or {"error": ...}.

ops:
  start   initiate_auth_code_flow(scopes, redirect_uri) -> {"flow": ...}
  finish  acquire_token_by_auth_code_flow(flow, auth_response)
  silent  acquire_token_silent_with_error(scopes, account, force_refresh) for home_account_id
  app     acquire_token_silent(scopes, account=None), else acquire_token_for_client(scopes): the
          daemon pattern of MSAL Python's samples (1.21's acquire_token_for_client never reads
          the cache; 1.23 and later do it themselves)
"""
import json
import sys

import msal

request = json.load(sys.stdin)
cache = msal.SerializableTokenCache()
if request.get("cache"):
    cache.deserialize(request["cache"])
app = msal.ConfidentialClientApplication(
    request["client_id"],
    client_credential=request["client_secret"],
    authority=request["authority"],
    validate_authority=False,
    instance_discovery=False,
    verify=request["ca"],
    token_cache=cache,
)
op = request["op"]
scopes = request.get("scopes") or []
if op == "start":
    result = {"flow": app.initiate_auth_code_flow(scopes, redirect_uri=request["redirect_uri"])}
elif op == "finish":
    result = app.acquire_token_by_auth_code_flow(request["flow"], request["auth_response"])
elif op == "silent":
    accounts = [
        a for a in app.get_accounts() if a.get("home_account_id") == request["home_account_id"]
    ]
    if not accounts:
        result = {"error": "no_account", "accounts": [a.get("home_account_id") for a in app.get_accounts()]}
    else:
        result = app.acquire_token_silent_with_error(
            scopes, accounts[0], force_refresh=bool(request.get("force_refresh"))
        ) or {"error": "no_token"}
elif op == "app":
    result = app.acquire_token_silent(scopes, account=None) or app.acquire_token_for_client(scopes)
else:
    result = {"error": "unknown op " + op}
json.dump({"version": msal.__version__, "cache": cache.serialize(), "result": result}, sys.stdout)
