// The parts of oidc-provider 9 (which ships no types) that the test EHR uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface KoaContextLike {
    path: string;
    method: string;
    status: number;
    body: unknown;
    oidc?: { entities: Record<string, { grantId?: string; accountId?: string } | undefined> };
  }

  export interface StoredToken {
    readonly jti: string;
    readonly clientId?: string;
    readonly accountId?: string;
    readonly grantId?: string;
    readonly scope?: string;
    readonly exp?: number;
    isExpired?: boolean;
    destroy(): Promise<void>;
  }

  export interface GrantInstance {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export interface InteractionDetails {
    readonly uid: string;
    readonly prompt: { name: string; details: Record<string, unknown> };
    readonly params: Record<string, unknown>;
    readonly session?: { accountId?: string };
    readonly grantId?: string;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: KoaContextLike, next: () => Promise<void>) => Promise<void>): void;
    on(event: string, listener: (...args: unknown[]) => void): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, opts?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    AccessToken: { find(value: string): Promise<StoredToken | undefined> };
    ClientCredentials: { find(value: string): Promise<StoredToken | undefined> };
    Grant: new (props: { accountId: string; clientId: string }) => GrantInstance;
  }
}
