"""Chats with the gateway through the unmodified `openai` package, whole and streamed.

Environment: MAMI_BASE (http://host:port), MAMI_TOKEN (access token or API key).
Prints one JSON object: {"whole", "streamed", "models"}.
"""
import json
import os

from openai import OpenAI

client = OpenAI(base_url=os.environ["MAMI_BASE"] + "/v1", api_key=os.environ["MAMI_TOKEN"])
messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello from the openai package"}]
whole = client.chat.completions.create(model="llama3.2", messages=messages)
chunks = []
for chunk in client.chat.completions.create(model="llama3.2", messages=messages, stream=True):
    if chunk.choices and chunk.choices[0].delta.content:
        chunks.append(chunk.choices[0].delta.content)
print(json.dumps({
    "whole": whole.choices[0].message.content,
    "finish_reason": whole.choices[0].finish_reason,
    "streamed": "".join(chunks),
    "models": [model.id for model in client.models.list()],
}))
