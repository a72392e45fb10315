/** Deep merge of message catalogues: later ones win, nested objects are merged. */
export const mergeMessages = (...catalogues) => {
  const out = {};
  catalogues.forEach((catalogue) => {
    Object.entries(catalogue || {}).forEach(([key, value]) => {
      out[key] =
        value && typeof value === 'object' && !Array.isArray(value)
          ? mergeMessages(out[key], value)
          : value;
    });
  });
  return out;
};
