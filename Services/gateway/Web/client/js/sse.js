// Server-sent events read from a fetch Response body (EventSource cannot POST or send headers).

/** Yields `{event, data, id}` for each event of the stream; `data` is parsed JSON when it is JSON. */
export async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let pending = blank();
  try {
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        if (line === '') {
          if (pending.data.length) yield finish(pending);
          pending = blank();
        } else {
          take(pending, line);
        }
      }
    }
    if (pending.data.length) yield finish(pending);
  } finally {
    reader.cancel().catch(() => {});
  }
}

function blank() {
  return {event: 'message', data: [], id: null};
}

function take(pending, line) {
  if (line.startsWith(':')) return;
  const colon = line.indexOf(':');
  const field = colon < 0 ? line : line.slice(0, colon);
  let value = colon < 0 ? '' : line.slice(colon + 1);
  if (value.startsWith(' ')) value = value.slice(1);
  if (field === 'event') pending.event = value;
  else if (field === 'data') pending.data.push(value);
  else if (field === 'id') pending.id = value;
}

function finish(pending) {
  const text = pending.data.join('\n');
  let data = text;
  try { data = JSON.parse(text); } catch { data = text; }
  return {event: pending.event, data, id: pending.id === null ? null : Number(pending.id)};
}
