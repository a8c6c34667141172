// The REST client: @actions/github's Octokit (rest methods + pagination), pointed at
// GITHUB_API_URL so that GitHub Enterprise Server and the tests' API double both work.
import { getOctokit } from '@actions/github';
import { GitHubError, messageOf } from './errors.ts';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface ClientOptions {
  /** GITHUB_TOKEN or a PAT. */
  token: string;
  /** REST base URL; default https://api.github.com (take GateContext.apiUrl). */
  apiUrl?: string;
}

export function createClient(opts: ClientOptions): GitHubClient {
  if (opts.token === '') {
    throw new GitHubError('missing-env', 'github-token is empty: the comment needs a token');
  }
  // No retries or throttling plugins: a gate run makes a handful of calls, and a failed
  // one is better reported than hidden behind minutes of back-off.
  return getOctokit(opts.token, {
    baseUrl: (opts.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
  });
}

/** A failed request as a GitHubError naming what was being done and GitHub's answer. */
export function apiError(what: string, e: unknown): GitHubError {
  // Octokit's RequestError, recognised by shape: @octokit/request-error is not a direct
  // dependency of this package.
  const status = (e as { status?: unknown } | null)?.status;
  if (e instanceof Error && typeof status === 'number') {
    const data = (e as { response?: { data?: { message?: unknown } } }).response?.data;
    const said = typeof data?.message === 'string' ? data.message : e.message;
    if (status === 403 || status === 401) {
      return new GitHubError(
        'forbidden',
        `${what}: GitHub answered ${status} (${said}); the token lacks the permission ` +
          '(pull-requests: write for the comment); a pull request from a fork gets a read-only ' +
          'token: use the two-workflow pattern of docs/github.md',
        { cause: e },
      );
    }
    return new GitHubError('api-failed', `${what}: GitHub answered ${status} (${said})`, {
      cause: e,
    });
  }
  return new GitHubError('api-failed', `${what}: ${messageOf(e)}`, { cause: e });
}
