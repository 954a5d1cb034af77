"""Sends one chat message; prints the HTTP status and the Retry-After header ("-" when absent).

    chat_once.py BASE_URL ACCESS_TOKEN CONVERSATION_ID
"""
import json
import sys
import urllib.error
import urllib.request

base, token, conversation = sys.argv[1:4]
request = urllib.request.Request(
    f"{base}/api/v1/conversations/{conversation}/messages", method="POST",
    data=json.dumps({"content": "one more message"}).encode(),
    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=30) as response:
        print(response.status, response.headers.get("Retry-After", "-"))
except urllib.error.HTTPError as error:
    print(error.code, error.headers.get("Retry-After", "-"))
