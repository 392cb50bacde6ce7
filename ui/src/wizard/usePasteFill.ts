// Pasting into a Details field: a copied API client (two or more values recognised by the
// connector's paste parser) fills every field it names; anything else goes into that one field,
// on one line.
import { useState } from "preact/hooks";
import type { Api, PastedValues } from "../api";
import { recognised, type WizardAction } from "../wizardState";
import { VALUE_FIELDS, type FieldKey } from "./fields";

export interface PasteFill {
  /** What the last paste filled, for a status line ("" when it filled one field). */
  note: string;
  /** The paste handler of one field's input. */
  onPaste: (key: FieldKey) => (e: ClipboardEvent) => void;
}

/** `touch`: the fields a paste filled show their findings at once. */
export function usePasteFill(
  api: Api,
  dispatch: (action: WizardAction) => void,
  touch: (...keys: FieldKey[]) => void,
): PasteFill {
  const [note, setNote] = useState("");

  const paste = async (key: FieldKey, text: string, value: string, start: number, end: number) => {
    let values: PastedValues | null;
    try {
      values = await api.parsePaste(text);
    } catch {
      // Not parsed: it is pasted as plain text below.
      values = null;
    }
    const labels = values ? recognised(values) : [];
    if (values && labels.length >= 2) {
      dispatch({ type: "pasted", values });
      touch(...VALUE_FIELDS.map((f) => f.key));
      setNote(`Filled ${labels.length} values from the pasted text: ${labels.join(", ")}.`);
      return;
    }
    const single = text.replace(/[\r\n]+/g, " ").trim();
    const merged = value.slice(0, start) + single + value.slice(end);
    if (key === "secret") dispatch({ type: "secret", value: merged });
    else dispatch({ type: "set", field: key, value: merged });
    touch(key);
    setNote("");
  };

  const onPaste = (key: FieldKey) => (e: ClipboardEvent) => {
    const text = e.clipboardData?.getData("text") ?? "";
    if (text === "") return;
    e.preventDefault();
    const el = e.currentTarget as HTMLInputElement;
    const start = el.selectionStart ?? el.value.length;
    const end = el.selectionEnd ?? start;
    void paste(key, text, el.value, start, end);
  };

  return { note, onPaste };
}
