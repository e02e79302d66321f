import { useEffect, useState } from 'preact/hooks';
import { type SoftphoneStatus, softphone } from './softphone.js';

const CONNECTION_TEXT: Record<SoftphoneStatus['connection'], string> = {
  off: 'Av',
  connecting: 'Ansluter …',
  connected: 'Ansluten',
  disconnected: 'Frånkopplad – försöker igen',
};
const REGISTRATION_TEXT: Record<SoftphoneStatus['registration'], string> = {
  unregistered: 'Inte registrerad',
  registered: 'Registrerad – växeln kan ringa hit',
  refused: 'Nekad – hämtar nya uppgifter',
};
const MICROPHONE_TEXT: Record<SoftphoneStatus['microphone'], string> = {
  unknown: 'Inte kontrollerad',
  granted: 'Tillåten',
  denied: 'Nekad – tillåt mikrofonen i webbläsarens inställningar',
  missing: 'Ingen mikrofon hittades',
};

/** The browser's audio devices; their names only once the microphone is allowed. */
function useAudioDevices(microphone: SoftphoneStatus['microphone']) {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    const read = () =>
      void navigator.mediaDevices
        .enumerateDevices()
        .then(setDevices)
        .catch(() => setDevices([]));
    read();
    navigator.mediaDevices.addEventListener('devicechange', read);
    return () => navigator.mediaDevices.removeEventListener('devicechange', read);
  }, [microphone]);
  return {
    inputs: devices.filter((d) => d.kind === 'audioinput'),
    outputs: devices.filter((d) => d.kind === 'audiooutput'),
  };
}

/**
 * The console's own phone (softphone.ts): whether it is connected and registered, the
 * microphone, the headset (microphone and, where the browser can choose, the output) and the
 * ring volume. Shown while the operator is logged in with this browser.
 */
export function SoftphonePanel() {
  const [status, setStatus] = useState(softphone.status);
  const [preferences, setPreferences] = useState(softphone.preferences);
  useEffect(() => softphone.subscribe(setStatus), []);
  const { inputs, outputs } = useAudioDevices(status.microphone);
  const canChooseOutput = 'setSinkId' in HTMLMediaElement.prototype;
  const change = (patch: Partial<typeof preferences>) => {
    softphone.setPreferences(patch);
    setPreferences(softphone.preferences);
  };
  const deviceName = (d: MediaDeviceInfo, index: number, what: string) => d.label || `${what} ${index + 1}`;

  return (
    <section class="panel softphone" aria-labelledby="softphone-heading">
      <h2 id="softphone-heading">Webbtelefon</h2>
      {/* A live region around the list: a dl may hold only dt/dd groups, not a role of its own. */}
      <div role="status">
        <dl class="softphone-status">
          <dt>Anslutning</dt>
          <dd data-softphone="connection">{CONNECTION_TEXT[status.connection]}</dd>
          <dt>Registrering</dt>
          <dd data-softphone="registration">{REGISTRATION_TEXT[status.registration]}</dd>
          <dt>Mikrofon</dt>
          <dd data-softphone="microphone">{MICROPHONE_TEXT[status.microphone]}</dd>
          <dt>Samtal</dt>
          <dd data-softphone="call">{status.inCall ? 'Pågår i webbläsaren' : 'Inget'}</dd>
        </dl>
      </div>
      <label for="softphone-input">Mikrofon (headset)</label>
      <select
        id="softphone-input"
        value={preferences.inputDeviceId}
        onChange={(e) => change({ inputDeviceId: e.currentTarget.value })}
      >
        <option value="">Standard</option>
        {inputs
          .filter((d) => d.deviceId && d.deviceId !== 'default')
          .map((d, i) => (
            <option value={d.deviceId}>{deviceName(d, i, 'Mikrofon')}</option>
          ))}
      </select>
      <label for="softphone-output">Ljud ut (headset)</label>
      <select
        id="softphone-output"
        value={preferences.outputDeviceId}
        disabled={!canChooseOutput}
        aria-describedby={canChooseOutput ? undefined : 'softphone-output-hint'}
        onChange={(e) => change({ outputDeviceId: e.currentTarget.value })}
      >
        <option value="">Standard</option>
        {outputs
          .filter((d) => d.deviceId && d.deviceId !== 'default')
          .map((d, i) => (
            <option value={d.deviceId}>{deviceName(d, i, 'Utgång')}</option>
          ))}
      </select>
      {!canChooseOutput && (
        <p id="softphone-output-hint" class="hint">
          Den här webbläsaren väljer ljudutgång själv: välj headset i datorns ljudinställningar.
        </p>
      )}
      <label for="softphone-ring-volume">Ringvolym</label>
      <input
        id="softphone-ring-volume"
        type="range"
        min={0}
        max={100}
        step={5}
        value={Math.round(preferences.ringVolume * 100)}
        aria-valuetext={`${Math.round(preferences.ringVolume * 100)} %`}
        onInput={(e) => change({ ringVolume: Number(e.currentTarget.value) / 100 })}
      />
    </section>
  );
}
