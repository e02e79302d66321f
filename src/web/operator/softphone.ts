import { UA, WebSocketInterface } from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { RTCSessionEvent } from 'jssip/lib/UA.js';
import type { SoftphoneCredentials } from '../../media/softphone/softphone-credentials.js';
import { ApiError, post } from '../api.js';

/**
 * The console as the operator's phone: one JsSIP user agent registered on Asterisk's SIP
 * WebSocket with short-lived credentials the API issues to the signed-in token (POST
 * /operator/softphone). The credentials stay in this module's memory, never in storage; they
 * are asked for again when the registration is refused or they are about to expire. JsSIP
 * reconnects a dropped WebSocket by itself (with back-off) and registers again.
 *
 * Every call to this phone is the switchboard ringing the operator for a call they asked for
 * (Alt+N, Hämta) or one coming back to them (a transfer not answered): it is answered at once,
 * after a short ring at the chosen ring volume.
 */

export type Connection = 'off' | 'connecting' | 'connected' | 'disconnected';
export type Registration = 'unregistered' | 'registered' | 'refused';
export type Microphone = 'unknown' | 'granted' | 'denied' | 'missing';

export interface SoftphoneStatus {
  connection: Connection;
  registration: Registration;
  microphone: Microphone;
  inCall: boolean;
}

export interface SoftphonePreferences {
  /** 0–1. */
  ringVolume: number;
  /** A deviceId of enumerateDevices, or '' for the default. */
  inputDeviceId: string;
  outputDeviceId: string;
}

/** Not secrets: which headset and how loud, kept between visits. */
const PREFERENCES_KEY = 'regionvaxeln.softphone';
const DEFAULT_PREFERENCES: SoftphonePreferences = { ringVolume: 0.5, inputDeviceId: '', outputDeviceId: '' };
/** Credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 10 * 60 * 1000;
/** A refused registration is retried with new credentials no more often than this. */
const RETRY_REFUSED_MS = 5_000;
const RING_MS = 400;

type Listener = (status: SoftphoneStatus) => void;

/** The one browser phone of the page (a second would register the same user and push the first out). */
class Softphone {
  status: SoftphoneStatus = { connection: 'off', registration: 'unregistered', microphone: 'unknown', inCall: false };
  preferences: SoftphonePreferences = readPreferences();
  private ua: UA | undefined;
  private session: RTCSession | undefined;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private lastRefusedAt = 0;
  private readonly listeners = new Set<Listener>();
  private readonly audio = new Audio();

  get running(): boolean {
    return this.ua !== undefined;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.status);
    return () => this.listeners.delete(listener);
  }

  /** Asks for the microphone (so the first call does not wait for it), then credentials, and registers. */
  async start(): Promise<void> {
    await this.checkMicrophone();
    await this.register(await post<SoftphoneCredentials>('/operator/softphone'));
  }

  /** Unregisters and forgets the credentials (the API deletes them at logout). */
  stop(): void {
    clearTimeout(this.renewTimer);
    this.session?.terminate();
    this.ua?.stop();
    this.ua = undefined;
    this.update({ connection: 'off', registration: 'unregistered', inCall: false });
  }

  setPreferences(change: Partial<SoftphonePreferences>): void {
    this.preferences = { ...this.preferences, ...change };
    localStorage.setItem(PREFERENCES_KEY, JSON.stringify(this.preferences));
    if (change.outputDeviceId !== undefined) void this.routeOutput();
    if (change.inputDeviceId !== undefined) void this.checkMicrophone();
  }

  private update(change: Partial<SoftphoneStatus>): void {
    this.status = { ...this.status, ...change };
    for (const listener of this.listeners) listener(this.status);
  }

  private async checkMicrophone(): Promise<void> {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: this.audioConstraints() });
      for (const track of stream.getTracks()) track.stop();
      this.update({ microphone: 'granted' });
    } catch (error) {
      const name = (error as DOMException).name;
      this.update({ microphone: name === 'NotFoundError' || name === 'OverconstrainedError' ? 'missing' : 'denied' });
    }
  }

  private audioConstraints(): MediaTrackConstraints | true {
    const { inputDeviceId } = this.preferences;
    return inputDeviceId ? { deviceId: { exact: inputDeviceId } } : true;
  }

  private async register(credentials: SoftphoneCredentials): Promise<void> {
    this.ua?.stop();
    const ua = new UA({
      sockets: [new WebSocketInterface(credentials.wsUrl)],
      uri: credentials.sipUri,
      authorization_user: credentials.username,
      password: credentials.password,
      register: true,
      // Asterisk keeps the call; re-INVITEs for session timers only add failure modes here.
      session_timers: false,
      connection_recovery_min_interval: 1,
      connection_recovery_max_interval: 10,
      user_agent: 'Regionvaxeln-konsol',
    });
    this.ua = ua;
    ua.on('connecting', () => this.update({ connection: 'connecting' }));
    ua.on('connected', () => this.update({ connection: 'connected' }));
    ua.on('disconnected', () => this.update({ connection: 'disconnected', registration: 'unregistered' }));
    ua.on('registered', () => this.update({ registration: 'registered' }));
    ua.on('unregistered', () => this.update({ registration: 'unregistered' }));
    ua.on('registrationFailed', () => {
      this.update({ registration: 'refused' });
      // Refused (expired, or forgotten by a restarted Asterisk): new credentials, soon but not in a loop.
      const soon = Date.now() - this.lastRefusedAt < RETRY_REFUSED_MS ? RETRY_REFUSED_MS : 0;
      this.lastRefusedAt = Date.now();
      clearTimeout(this.renewTimer);
      this.renewTimer = setTimeout(() => void this.renew(), soon);
    });
    ua.on('newRTCSession', (event: RTCSessionEvent) => {
      if (event.originator === 'remote') void this.answer(event.session);
    });
    ua.start();
    clearTimeout(this.renewTimer);
    const renewIn = Date.parse(credentials.expiresAt) - Date.now() - RENEW_BEFORE_MS;
    this.renewTimer = setTimeout(() => void this.renew(), Math.max(renewIn, RETRY_REFUSED_MS));
  }

  private async renew(): Promise<void> {
    if (!this.ua) return;
    // Not during a call: the registration is replaced once it has ended.
    if (this.session) {
      this.renewTimer = setTimeout(() => void this.renew(), RETRY_REFUSED_MS);
      return;
    }
    try {
      await this.register(await post<SoftphoneCredentials>('/operator/softphone'));
    } catch (error) {
      // Logged out elsewhere, or the token gone: nothing to register for.
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) this.stop();
      else this.renewTimer = setTimeout(() => void this.renew(), RETRY_REFUSED_MS);
    }
  }

  private async answer(session: RTCSession): Promise<void> {
    if (this.session) {
      session.terminate({ status_code: 486 });
      return;
    }
    this.session = session;
    this.update({ inCall: true });
    const ended = () => {
      this.session = undefined;
      this.update({ inCall: false });
    };
    session.on('ended', ended);
    session.on('failed', ended);
    session.on('peerconnection', ({ peerconnection }) => {
      peerconnection.addEventListener('track', (event) => {
        this.audio.srcObject = event.streams[0] ?? new MediaStream([event.track]);
        void this.routeOutput().then(() => this.audio.play().catch(() => undefined));
      });
    });
    await ring(this.preferences.ringVolume);
    if (session.isEnded()) return;
    session.answer({ mediaConstraints: { audio: this.audioConstraints(), video: false } });
  }

  /** The chosen headset, where the browser can choose (setSinkId); otherwise the default output. */
  private async routeOutput(): Promise<void> {
    const audio = this.audio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (audio.setSinkId) await audio.setSinkId(this.preferences.outputDeviceId).catch(() => undefined);
  }
}

/** A short two-tone ring, at the ring volume, so the operator hears the call arrive. */
async function ring(volume: number): Promise<void> {
  if (volume <= 0) return;
  const context = new AudioContext();
  const gain = context.createGain();
  gain.gain.value = volume;
  gain.connect(context.destination);
  for (const [frequency, at] of [
    [880, 0],
    [660, RING_MS / 2000],
  ] as const) {
    const tone = context.createOscillator();
    tone.frequency.value = frequency;
    tone.connect(gain);
    tone.start(context.currentTime + at);
    tone.stop(context.currentTime + at + RING_MS / 2000);
  }
  await new Promise((resolve) => setTimeout(resolve, RING_MS));
  await context.close();
}

function readPreferences(): SoftphonePreferences {
  try {
    const stored = JSON.parse(localStorage.getItem(PREFERENCES_KEY) ?? '{}') as Partial<SoftphonePreferences>;
    const ringVolume = Number(stored.ringVolume);
    return {
      ringVolume: Number.isFinite(ringVolume) && ringVolume >= 0 && ringVolume <= 1 ? ringVolume : 0.5,
      inputDeviceId: typeof stored.inputDeviceId === 'string' ? stored.inputDeviceId : '',
      outputDeviceId: typeof stored.outputDeviceId === 'string' ? stored.outputDeviceId : '',
    };
  } catch {
    return DEFAULT_PREFERENCES;
  }
}

export const softphone = new Softphone();
