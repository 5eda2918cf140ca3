/** SMART App Launch discovery: `<fhir base>/.well-known/smart-configuration`. */
import { AppError } from '../../../shared/ipc/errors.js';

export interface SmartConfiguration {
  readonly issuer?: string;
  readonly authorization_endpoint?: string;
  readonly token_endpoint: string;
  readonly token_endpoint_auth_signing_alg_values_supported?: readonly string[];
  readonly capabilities?: readonly string[];
}

export async function discoverSmartConfiguration(fhirBaseUrl: string, fetchFn: typeof fetch = fetch): Promise<SmartConfiguration> {
  const url = `${fhirBaseUrl.replace(/\/$/, '')}/.well-known/smart-configuration`;
  let res: Response;
  try {
    res = await fetchFn(url, { headers: { accept: 'application/json' } });
  } catch {
    throw new AppError('STORE_UNAVAILABLE', `The FHIR server at ${fhirBaseUrl} could not be reached. Check the URL and the network.`);
  }
  const body = (await res.json().catch(() => undefined)) as Partial<SmartConfiguration> | undefined;
  if (!res.ok || typeof body?.token_endpoint !== 'string') {
    throw new AppError('VALIDATION', `${fhirBaseUrl} does not publish a SMART configuration (.well-known/smart-configuration). Check the FHIR base URL.`);
  }
  return body as SmartConfiguration;
}
