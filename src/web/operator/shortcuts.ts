import { useEffect, useRef } from 'preact/hooks';

/**
 * The operator's keyboard shortcuts: Alt + a letter, so they work while typing in a field too,
 * matched by physical key (event.code) so the keyboard layout does not matter. Listed on the
 * page and in the README; the same table drives both.
 */
export const SHORTCUTS = [
  { code: 'KeyN', key: 'Alt+N', action: 'answerNext', text: 'Svara på nästa samtal' },
  {
    code: 'KeyK',
    key: 'Alt+K',
    action: 'transfer',
    text: 'Koppla: sök i katalogen (Enter kopplar direkt, Skift+Enter med förfrågan)',
  },
  { code: 'KeyH', key: 'Alt+H', action: 'hold', text: 'Vänteläge på/av' },
  { code: 'KeyP', key: 'Alt+P', action: 'park', text: 'Parkera samtalet' },
  { code: 'KeyL', key: 'Alt+L', action: 'hangup', text: 'Lägg på' },
  { code: 'KeyM', key: 'Alt+M', action: 'message', text: 'Ta ett meddelande (Ctrl+Enter sparar)' },
  { code: 'KeyU', key: 'Alt+U', action: 'callback', text: 'Boka återuppringning' },
  { code: 'KeyR', key: 'Alt+R', action: 'ready', text: 'Redo' },
  { code: 'KeyS', key: 'Alt+S', action: 'pause', text: 'Paus' },
  {
    code: 'KeyI',
    key: 'Alt+I',
    action: 'messages',
    text: 'Meddelanden: gå till listan (Tab till filter och Markera hanterat)',
  },
  { code: 'KeyB', key: 'Alt+B', action: 'scheduled', text: 'Bokade återuppringningar: gå till listan' },
] as const;

export type ShortcutAction = (typeof SHORTCUTS)[number]['action'];

export function useShortcuts(run: (action: ShortcutAction) => void): void {
  const latest = useRef(run);
  latest.current = run;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const shortcut = SHORTCUTS.find((s) => s.code === event.code);
      if (!shortcut) return;
      event.preventDefault();
      latest.current(shortcut.action);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
}
