// Turns a FastAPI-shaped error body into messages placed next to the field
// they concern: {"detail": "text"} or
// {"detail": [{"loc": ["body", "email"], "msg": "...", "type": "..."}]}.

// `fields` lists the names the form has. Returns
// { fields: Map(name -> [message]), general: [message] }.
export function placeDetail(detail, fields, status = 0) {
  const placed = { fields: new Map(), general: [] };
  const add = (name, message) => {
    if (name !== null && fields.includes(name)) {
      const list = placed.fields.get(name) ?? [];
      list.push(message);
      placed.fields.set(name, list);
    } else {
      placed.general.push(message);
    }
  };
  if (Array.isArray(detail)) {
    for (const item of detail) {
      const loc = Array.isArray(item?.loc) ? item.loc : [];
      // loc[0] is where the value came from (body, query, path); loc[1] names it.
      const name = loc.length > 1 ? String(loc[1]) : null;
      const message = typeof item?.msg === 'string' ? item.msg : 'Invalid value.';
      if (name !== null && !fields.includes(name)) {
        add(null, `${name}: ${message}`);
      } else {
        add(name, message);
      }
    }
  } else if (typeof detail === 'string' && detail !== '') {
    // A conflict names the value that is taken ("Email already registered");
    // anything else (e.g. "Incorrect email or password") is about the form.
    add(status === 409 ? conflictField(detail, fields) : null, detail);
  } else {
    placed.general.push(status ? `The server answered ${status}.` : 'Something went wrong.');
  }
  return placed;
}

function conflictField(message, fields) {
  const lower = message.toLowerCase();
  for (const name of fields) {
    if (lower.includes(name.toLowerCase())) return name;
  }
  return null;
}
