// The Ortto response profile a request is answered in: its instance's own, else the server's.
import type { Config } from '../config.js';
import { resolveProfile, type Profile } from '../domain/profiles.js';
import type { AuthContext } from '../store/instances.js';

export function profileOf(request: { auth?: AuthContext | null }, config: Config): Profile {
  return resolveProfile(request.auth?.profile, config.orttoProfile);
}
